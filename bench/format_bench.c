// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The loader's formatting cost alone: ns per record for JSON Lines and the
 * table, on the record a refused local connect makes (with its process
 * entry and cgroup, as the storm's records have them), written through the
 * same 64 KiB stdio buffer main() sets to a stream that only counts bytes.  Prints
 * "format json NS ns/record BYTES bytes/record" and the same for text.
 *   format_bench [RECORDS [json|text]]   (default 200000, both)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cgroup.h"
#include "identity.h"
#include "output.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static ssize_t count_bytes(void *cookie, const char *buf, size_t size)
{
	*(long *)cookie += size;
	return size;
}

static void bench(bool json, long n, const struct rst_record *proto, const struct identity *id,
		  const struct reset_reasons *reasons)
{
	static char buf[1 << 16];
	long bytes = 0;
	FILE *f = fopencookie(&bytes, "w", (cookie_io_functions_t){.write = count_bytes});
	struct rst_record rec = *proto;
	struct output o;
	double t0, t;

	if (!f) {
		perror("format_bench: fopencookie");
		exit(1);
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	output_init(&o, f, json, reasons);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		/* what changes from one refused connect to the next */
		rec.ts_ns += 17000;
		rec.lport = 32768 + i % 28000;
		rec.sock_ino++;
		rec.sock_cookie++;
		output_record(&o, &rec, id);
	}
	fflush(f);
	t = now_s() - t0;
	fclose(f);
	printf("format %s %.0f ns/record %ld bytes/record\n", json ? "json" : "text", t * 1e9 / n,
	       n ? bytes / n : 0);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	static const char *const names[] = {"NOT_SPECIFIED", "NO_SOCKET"};
	struct reset_reasons reasons = {.count = 2};
	struct rst_record rec = {
		.ts_ns = 1700000000123456789ULL,
		.sock_ino = 88515452,
		.sock_cookie = 56922969,
		.proc_start_ns = 123456789,
		.pid = 23626,
		.tid = 23626,
		.uid = 0,
		.netns = 4026531840u,
		.error = 111,
		.reason = 1,
		.lport = 36152,
		.rport = 7211,
		.laddr = {127, 0, 0, 1},
		.raddr = {127, 0, 0, 1},
		.comm = "myapp",
		.thread = "myapp",
		.event = RST_EV_HANDSHAKE_FAILED,
		.side = RST_SIDE_CLIENT,
		.cause = RST_CAUSE_REFUSED,
		.attribution = RST_ATTR_SOCKET_OWNER,
		.family = AF_INET,
		.state = 2,
		.flags = RST_F_REASON | RST_F_OWNER | RST_F_LOCAL_RST | RST_F_STATE | RST_F_CLIENT,
		.origin = RST_ORIGIN_LOCAL_STACK,
	};
	struct rst_process proc = {.start_ns = 123456789, .pid = 23626, .ppid = 23614,
				   .comm = "myapp", .parent_comm = "bash"};
	static const char cmd[] = "./build/rstgen\0connect\0--port\0" "7211\0--count\0" "1000000";
	struct cgroup_info cg = {.path = "/system.slice/myapp.service"};
	struct identity id = {.proc = &proc, .cgroup = &cg};

	reasons.names[0] = (char *)names[0];
	reasons.names[1] = (char *)names[1];
	memcpy(proc.cmdline, cmd, sizeof(cmd));
	proc.cmdline_len = sizeof(cmd) - 1;
	cgroup_facts_of_path(cg.path, &cg.facts);
	if (argc < 3 || !strcmp(argv[2], "json"))
		bench(true, n, &rec, &id, &reasons);
	if (argc < 3 || !strcmp(argv[2], "text"))
		bench(false, n, &rec, &id, &reasons);
	return 0;
}
