/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions for BPF unit tests (tests/bpf/logic_tests.bpf.c), in the manner of the
 * kernel selftests' ASSERT_EQ: each check records its line, the actual and
 * the expected value in .bss; the runner (run_bpf_tests.c) prints every
 * failed one with the source line it came from.  A test program is run
 * with BPF_PROG_TEST_RUN; one run, one set of results.
 */
#ifndef RSTSNOOP_CHECK_BPF_H
#define RSTSNOOP_CHECK_BPF_H

#include "check.h"

/* Reset by the runner before each program. */
__u32 checks_run = 0;
__u32 checks_failed = 0;
struct failed_check failed[MAX_FAILED_CHECKS] = {};

static __noinline void note_check(__u32 line, __u64 actual, __u64 expected)
{
	__u32 n;

	checks_run++;
	if (actual == expected)
		return;
	n = checks_failed++;
	if (n < MAX_FAILED_CHECKS) {
		failed[n].line = line;
		failed[n].actual = actual;
		failed[n].expected = expected;
	}
}

#define ASSERT_EQ(actual, expected) note_check(__LINE__, (__u64)(actual), (__u64)(expected))
#define ASSERT_TRUE(cond) ASSERT_EQ(!!(cond), 1)
#define ASSERT_FALSE(cond) ASSERT_EQ(!!(cond), 0)

#endif /* RSTSNOOP_CHECK_BPF_H */
