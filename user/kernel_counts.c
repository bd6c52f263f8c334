// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "kernel_counts.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>
#include <bpf/bpf.h>

#define COUNT_EVENT_SLOTS 16 /* as bpf/maps.bpf.h */

struct kernel_counts {
	int counts_fd, overflow_fd, ncpus;
	volatile __u64 *epoch;
	__u64 *per_cpu;				 /* room for one key's values */
	__u64 overflow_seen[COUNT_EVENT_SLOTS]; /* count_overflow's totals so far */
};

struct kernel_counts *kernel_counts_new(int counts_fd, int overflow_fd, volatile __u64 *epoch,
					int ncpus)
{
	struct kernel_counts *kc = calloc(1, sizeof(*kc));

	if (!kc)
		return NULL;
	kc->counts_fd = counts_fd;
	kc->overflow_fd = overflow_fd;
	kc->epoch = epoch;
	kc->ncpus = ncpus;
	kc->per_cpu = calloc(ncpus, sizeof(*kc->per_cpu));
	if (!kc->per_cpu) {
		free(kc);
		return NULL;
	}
	return kc;
}

void kernel_counts_free(struct kernel_counts *kc)
{
	if (!kc)
		return;
	free(kc->per_cpu);
	free(kc);
}

static int sum_values(struct kernel_counts *kc, int fd, const void *key, __u64 *sum)
{
	*sum = 0;
	if (bpf_map_lookup_elem(fd, key, kc->per_cpu))
		return -errno;
	for (int i = 0; i < kc->ncpus; i++)
		*sum += kc->per_cpu[i];
	return 0;
}

static int drain_overflow(struct kernel_counts *kc, const struct kernel_count_sink *sink)
{
	int err = 0;

	for (__u32 ev = 0; ev < COUNT_EVENT_SLOTS; ev++) {
		__u64 total;

		if (sum_values(kc, kc->overflow_fd, &ev, &total)) {
			err = -errno;
			continue;
		}
		if (total > kc->overflow_seen[ev])
			sink->overflowed(sink->ctx, ev, total - kc->overflow_seen[ev]);
		kc->overflow_seen[ev] = total;
	}
	return err;
}

void kernel_counts_advance(struct kernel_counts *kc)
{
	__atomic_store_n(kc->epoch, *kc->epoch + 1, __ATOMIC_RELEASE);
}

int kernel_counts_drain(struct kernel_counts *kc, __u64 now_ns, const struct kernel_count_sink *sink)
{
	struct rst_record keys[2], *prev = NULL, *next = &keys[0];
	__u64 current = *kc->epoch, n;
	bool prev_old = false;
	int err = 0;

	/*
	 * Programs run under rcu_read_lock() with preemption off: after one
	 * RCU grace period (what membarrier's global command waits for) none
	 * still counts in the old epoch.  Where membarrier is refused, a run
	 * that read the old epoch just before and counts just after the key's
	 * deletion loses its count: a window of one program run.
	 */
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	/* The key before is deleted only once the next one is found: the
	 * walk goes on from a key still there. */
	while (!bpf_map_get_next_key(kc->counts_fd, prev, next)) {
		if (prev && prev_old)
			bpf_map_delete_elem(kc->counts_fd, prev);
		prev_old = next->ts_ns != current;
		if (prev_old) {
			if (sum_values(kc, kc->counts_fd, next, &n)) {
				err = -errno;
				prev_old = false; /* unread: stays for the next drain */
			} else if (n) {
				struct rst_record rec = *next;

				rec.ts_ns = now_ns;
				sink->counted(sink->ctx, &rec, n);
			}
		}
		prev = next;
		next = next == &keys[0] ? &keys[1] : &keys[0];
	}
	if (prev && prev_old)
		bpf_map_delete_elem(kc->counts_fd, prev);
	if (drain_overflow(kc, sink) && !err)
		err = -EIO;
	return err;
}
