/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel side's own counts (bpf/count.bpf.h), for the runs that print
 * no line per record: drained once per summary interval or metrics round,
 * each key handed on as that many records.
 */
#ifndef RSTSNOOP_KERNEL_COUNTS_H
#define RSTSNOOP_KERNEL_COUNTS_H

#include <linux/types.h>
#include "record.h"

struct kernel_counts;

/*
 * counted: n records like rec (rec is a record reduced to what groups
 * count, its ts_ns the drain's time); overflowed: n records of event the
 * kernel side could not count (its table was full).
 */
struct kernel_count_sink {
	void (*counted)(void *ctx, const struct rst_record *rec, __u64 n);
	void (*overflowed)(void *ctx, __u8 event, __u64 n);
	void *ctx;
};

/* counts_fd, overflow_fd: the maps `counts` and `count_overflow`; epoch:
 * count_epoch in the object's mapped .bss.  NULL: no memory. */
struct kernel_counts *kernel_counts_new(int counts_fd, int overflow_fd, volatile __u64 *epoch,
					int ncpus);
void kernel_counts_free(struct kernel_counts *kc);
/* Moves the kernel side to a new epoch: what it counts from now on is the
 * next drain's. */
void kernel_counts_advance(struct kernel_counts *kc);
/*
 * Waits until no program can still count in an old epoch, and hands every
 * count of the old epochs to sink (now_ns: the drain's time), deleting
 * them.  -errno on a failed read: the counts it could not read stay for
 * the next drain.
 */
int kernel_counts_drain(struct kernel_counts *kc, __u64 now_ns, const struct kernel_count_sink *sink);

#endif
