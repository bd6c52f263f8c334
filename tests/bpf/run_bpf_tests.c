// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Runs the BPF unit tests of tests/bpf/logic_tests.bpf.c: loads the object,
 * runs each test program once (BPF_PROG_TEST_RUN) and prints one line per
 * program, "PASS bpf_<name>" or "FAIL bpf_<name>: <file>:<line>: got A,
 * want E: <the source line>" for each check that failed.  test_filters runs
 * twice: with no filters, and in a second load with the filters the test
 * expects set.  Root (or CAP_BPF); exit 1 when anything failed.
 *   run_bpf_tests [SOURCE]   SOURCE: logic_tests.bpf.c, for the lines
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "record.h"
#include "check.h"
#include "rst_config.h" /* before the skeleton, which names struct rst_config */
#include "logic_tests.skel.h"

static const char *source = "tests/bpf/logic_tests.bpf.c";

/* The text of line `line` of the test source, or "". */
static void source_line(unsigned int line, char *buf, size_t size)
{
	FILE *f = fopen(source, "r");
	unsigned int n = 0;

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(buf, size, f))
		if (++n == line)
			break;
	if (n != line)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	/* leading tabs say nothing */
	memmove(buf, buf + strspn(buf, "\t "), strlen(buf + strspn(buf, "\t ")) + 1);
}

/* Runs one program; prints its result line; false when it failed. */
static bool run_one(struct logic_tests_bpf *skel, struct bpf_program *prog, const char *suffix)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	char text[256];
	int err;

	skel->bss->checks_run = 0;
	skel->bss->checks_failed = 0;
	memset(skel->bss->failed, 0, sizeof(skel->bss->failed));
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		printf("FAIL bpf_%s%s: BPF_PROG_TEST_RUN: %s\n", bpf_program__name(prog), suffix,
		       strerror(errno));
		return false;
	}
	if (!skel->bss->checks_run) {
		printf("FAIL bpf_%s%s: no check ran\n", bpf_program__name(prog), suffix);
		return false;
	}
	if (!skel->bss->checks_failed) {
		printf("PASS bpf_%s%s (%u checks)\n", bpf_program__name(prog), suffix,
		       skel->bss->checks_run);
		return true;
	}
	for (unsigned int i = 0; i < skel->bss->checks_failed && i < MAX_FAILED_CHECKS; i++) {
		const struct failed_check *c = &skel->bss->failed[i];

		source_line(c->line, text, sizeof(text));
		printf("FAIL bpf_%s%s: %s:%u: got %llu, want %llu: %s\n", bpf_program__name(prog),
		       suffix, source, c->line, (unsigned long long)c->actual,
		       (unsigned long long)c->expected, text);
	}
	return false;
}

int main(int argc, char **argv)
{
	struct logic_tests_bpf *skel;
	struct bpf_program *prog;
	int failed = 0;

	if (argc > 1)
		source = argv[1];
	skel = logic_tests_bpf__open_and_load();
	if (!skel) {
		printf("FAIL bpf_load: cannot load the BPF unit tests: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
		failed += !run_one(skel, prog, "");
	logic_tests_bpf__destroy(skel);

	/* The filters as -P 7211,8080 --event handshake_failed -p 42 set them. */
	skel = logic_tests_bpf__open();
	if (!skel) {
		printf("FAIL bpf_load_filtered: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->filters_set = true;
	skel->rodata->cfg.filter_ports[0] = 7211;
	skel->rodata->cfg.filter_ports[1] = 8080;
	skel->rodata->cfg.filter_nports = 2;
	skel->rodata->cfg.filter_events = 1u << RST_EV_HANDSHAKE_FAILED;
	skel->rodata->cfg.filter_pid = 42;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), "test_filters"));
	if (logic_tests_bpf__load(skel)) {
		printf("FAIL bpf_load_filtered: %s\n", strerror(errno));
		logic_tests_bpf__destroy(skel);
		return 1;
	}
	failed += !run_one(skel, skel->progs.test_filters, "_set");
	logic_tests_bpf__destroy(skel);
	return failed ? 1 : 0;
}
