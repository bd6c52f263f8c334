// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * attach_empty OBJ: loads and attaches every program of OBJ, prints
 * "attached", waits for SIGINT or SIGTERM, then prints each program's
 * "name run_cnt run_time_ns" (kernel.bpf_stats_enabled) and exits.  The
 * benchmark's baseline for the per-packet cost (bench/empty_packet.bpf.c).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: attach_empty OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "attach_empty: cannot load %s\n", argv[1]);
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "attach_empty: cannot attach %s\n", bpf_program__name(prog));
			goto out;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			printf("%s %llu %llu\n", bpf_program__name(prog),
			       (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
	}
	rc = 0;
out:
	bpf_object__close(obj); /* the links go with the process */
	return rc;
}
