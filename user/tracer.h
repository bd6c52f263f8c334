/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel side's life cycle: choose programs for this kernel, set the
 * filters, load, attach, stream records, detach, count what was lost.
 */
#ifndef RSTSNOOP_TRACER_H
#define RSTSNOOP_TRACER_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "record.h"
#include "kernel_features.h"
#include "seed.h"

struct tracer;

/* Loads (once, in the set features_plan() puts first, unless the kernel
 * refuses it) and attaches; on_record gets every record.  Prints its own
 * error. */
int tracer_start(struct tracer **out, const struct rst_options *opts,
		 const struct tracer_features *features, ring_buffer_sample_fn on_record, void *ctx);
/* Seeds sockets that existed before start (after attach, so none slips by). */
int tracer_seed(struct tracer *t, enum seed_method method, bool verbose);
const struct tracer_features *tracer_features(const struct tracer *t);
/* The `procs` map (pid -> struct rst_process), for user/identity.c. */
int tracer_procs_fd(const struct tracer *t);
/* The `listeners` map (what listens, seeded at start). */
int tracer_listeners_fd(const struct tracer *t);
/* Waits up to timeout_ms for a wakeup, then hands over all queued records. */
int tracer_poll(struct tracer *t, int timeout_ms);
/*
 * Starts making records.  Until then the attached programs only gather facts
 * (owners, parked RSTs): call it once everything is attached and seeded, so
 * that no record is made from a partial set of programs.
 */
void tracer_arm(struct tracer *t);
/* Work due by now_ns (CLOCK_MONOTONIC): the listeners' drop counters are
 * read every second, their growth reported as listen_drop records. */
void tracer_tick(struct tracer *t, __u64 now_ns);
/*
 * Stops making records, reads the listeners' drop counters a last time
 * (their records stamped end_ns: the run's end), detaches every program,
 * hands over what is queued.
 */
int tracer_stop(struct tracer *t, __u64 end_ns);
struct kernel_counts;
/* The kernel side's own counts, with count_in_kernel; else NULL. */
struct kernel_counts *tracer_kernel_counts(const struct tracer *t);
/* Records the kernel side could not queue (ring buffer full); -errno when
 * the count cannot be read. */
int tracer_read_lost(const struct tracer *t, __u64 *lost);
/* Live sockets whose owner entry another socket took (owner table full or
 * a hash collision): their records may lack the owner.  -errno as above. */
int tracer_read_owner_collisions(const struct tracer *t, __u64 *collisions);
/* Failed updates of each map that carries facts between hooks, by enum
 * rst_map_slot, since load (read from the mapped .bss: no system call, so
 * always 0). */
int tracer_read_map_update_failures(const struct tracer *t, __u64 failures[RST_MAP_SLOTS]);
/* How full one kernel-side table is. */
struct map_usage {
	const char *name; /* the map's name in bpf/maps.bpf.h */
	__u64 entries, capacity;
};

/*
 * Fills up to max entries of out with the bounded tables' occupancy (the
 * owner table counts live sockets' slots); returns how many it filled.
 * Reads whole maps: once per metrics interval, not per record.
 */
size_t tracer_map_usage(const struct tracer *t, struct map_usage *out, size_t max);
/* One loaded program's own cost since load: the kernel counts runs and run
 * time only while kernel.bpf_stats_enabled is 1 (or a BPF_ENABLE_STATS fd is
 * held by anyone); 0 otherwise. */
struct prog_usage {
	const char *name; /* the program's function name in bpf/ */
	__u64 run_cnt, run_time_ns;
};

/* Fills up to max entries of out with the loaded programs' run counts and
 * times (bpf_prog_info); programs the kernel does not tell are left out. */
size_t tracer_prog_usage(const struct tracer *t, struct prog_usage *out, size_t max);
void tracer_free(struct tracer *t);

#endif
