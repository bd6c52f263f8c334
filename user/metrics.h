/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Metrics mode: counts records by a few bounded labels, and renders them
 * with rstsnoop's own health in the Prometheus text format (version
 * 0.0.4).  Pure: no I/O but the buffer it renders into; exporter.h takes
 * the text to a file or an HTTP listener.
 *
 * Labels of rstsnoop_events_total: event, cause, rst_origin, reason, comm,
 * port (the service's end; the client's ephemeral port is folded as in
 * --summary), and the Kubernetes namespace and pod where the runtime's
 * files name the container (container_names.h; empty otherwise).  Never a PID or a remote address: each would make a
 * series per connection.  The number of distinct label sets is capped;
 * records beyond the cap are counted in one overflow series per event,
 * whose other labels read "_overflow".
 */
#ifndef RSTSNOOP_METRICS_H
#define RSTSNOOP_METRICS_H

#include <stddef.h>
#include <linux/types.h>
#include "container_names.h"
#include "kernel_names.h"
#include "record.h"
#include "tracer.h"

#define METRICS_MAX_MAPS 8
#define METRICS_MAX_PROGS 64

/* What rstsnoop knows about itself at a rendering. */
struct metrics_health {
	__u64 lost_records;	/* tracer_read_lost() */
	__u64 owner_collisions; /* tracer_read_owner_collisions() */
	__u64 map_update_failures[RST_MAP_SLOTS]; /* tracer_read_map_update_failures() */
	struct map_usage maps[METRICS_MAX_MAPS];
	size_t n_maps;
	/* self-overhead, in the manner of Tetragon's overhead series */
	struct prog_usage progs[METRICS_MAX_PROGS];
	size_t n_progs;
	int bpf_stats_enabled; /* kernel.bpf_stats_enabled; -1: unreadable */
	double cpu_seconds;    /* the loader's user + system time (getrusage) */
};

struct metrics;

/* Ports in [eph_lo, eph_hi] are ephemeral; reasons name reset reasons. */
struct metrics *metrics_new(unsigned int max_series, unsigned int eph_lo, unsigned int eph_hi,
			    const struct reset_reasons *reasons);
void metrics_free(struct metrics *m);
/* Counts one record; names: its container's (NULL: none).  On the record
 * path: no allocation, no system call. */
void metrics_add(struct metrics *m, const struct rst_record *rec,
		 const struct container_names *names);
/* n records like rec at once (counted by the kernel side, bpf/count.bpf.h). */
void metrics_add_n(struct metrics *m, const struct rst_record *rec, __u64 n,
		   const struct container_names *names);
/* n records of event the kernel side could not count (its table was full):
 * the event's overflow series. */
void metrics_add_overflow(struct metrics *m, __u8 event, __u64 n);
/*
 * The whole exposition as of now_ns (CLOCK_MONOTONIC), in a buffer the
 * caller frees; records_per_second covers the time since the previous
 * rendering.  Returns 0 or -ENOMEM.
 */
int metrics_render(struct metrics *m, const struct metrics_health *health, __u64 now_ns,
		   char **text, size_t *len);

#endif
