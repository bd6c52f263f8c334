/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Listen drops from the listeners' own drop counters: what each read of
 * the listeners' iterator (bpf/listen_drops_iter.bpf.c) adds since the
 * previous one becomes a listen_drop record with that count.  No kernel
 * here; the tracer runs the iterator and hands the samples over.
 */
#ifndef RSTSNOOP_LISTEN_DROPS_H
#define RSTSNOOP_LISTEN_DROPS_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include "drops.h" /* bpf/: struct rst_listen_sample */

struct listen_drops;

struct listen_drops *listen_drops_new(void);
void listen_drops_free(struct listen_drops *ld);

/*
 * One read of every listener.  The first read only learns where each
 * counter stands (what it counted before the run is not the run's); a
 * listener first seen in a later read was made since, and counts from 0.
 * For each listener whose drops grew, on_record gets a listen_drop record
 * with count and ts_ns (now_ns) set, if its sample passed the filters.
 * A listener missing from a read has closed and is forgotten.  samples is
 * sorted in place.  Returns the records made, or -ENOMEM.
 */
int listen_drops_apply(struct listen_drops *ld, struct rst_listen_sample *samples, size_t n,
		       __u64 now_ns, ring_buffer_sample_fn on_record, void *ctx);

#endif
