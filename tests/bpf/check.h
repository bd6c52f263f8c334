/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A failed check of a BPF unit test, as check.bpf.h records it in .bss and
 * run_bpf_tests.c reads it: shared by both sides. */
#ifndef RSTSNOOP_CHECK_H
#define RSTSNOOP_CHECK_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MAX_FAILED_CHECKS 16

struct failed_check {
	__u32 line;
	__u32 pad;
	__u64 actual;
	__u64 expected;
};

#endif
