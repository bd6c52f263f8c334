/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The run, once main() has wired it: records from the tracer to the output,
 * the summary and the metrics; the poll loop with its three clocks (the
 * summary's intervals, the metrics' publication, the -d deadline); the stop
 * (detach, the last records, the partial interval) and the end-of-run
 * counts on stderr.  main() fills a struct run_state, hands run_on_record
 * to the tracer, and calls run_loop() once everything is attached, seeded
 * and unprivileged.
 */
#ifndef RSTSNOOP_RUN_LOOP_H
#define RSTSNOOP_RUN_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "cgroup.h"
#include "cli.h"
#include "exporter.h"
#include "identity.h"
#include "kernel_counters.h"
#include "kernel_counts.h"
#include "listeners.h"
#include "metrics.h"
#include "output.h"
#include "output_file.h"
#include "pcapng.h"
#include "probe.h"
#include "summary.h"
#include "tracer.h"

/* What a run writes to and reads from; main() owns and frees each part. */
struct run_state {
	struct output out;
	struct output_file *output_file; /* --output, else NULL (stdout) */
	struct pcap_file *pcap;		 /* --pcap, else NULL */
	struct summary *summary; /* --summary, else NULL */
	struct metrics *metrics; /* --metrics-file or --metrics-listen, else NULL */
	struct exporter *exporter;
	bool quiet;		 /* --quiet: records go to metrics only */
	struct cgroup_names *cgroups;
	struct identities *identities;
	struct listener_history *listeners; /* who listened where */
	const char *cgroup_filter; /* --cgroup: a subtree, relative to the cgroup2 mount */
	struct counter_watch *counters; /* --summary: the kernel's, per namespace */
	bool watch_new_netns;		/* watch each namespace records show (no --netns) */
	size_t top;
	struct tracer *tracer;
	struct prober *prober; /* --probe, else NULL */
	/* totals at the end of the last interval */
	__u64 lost, owner_collisions, map_update_failures;
	__u64 stop_ns;		 /* --summary counts records stamped before this */
	int write_error;	 /* errno of the first failed write to the output */
	bool drain_error_shown;	 /* a failed read of the kernel side's counts was reported */
};

/* SIGINT and SIGTERM end the loop; a closed stdout is an EPIPE, not a
 * signal.  reopen_on_hup (--output): SIGHUP reopens the output file. */
int run_install_signal_handlers(bool reopen_on_hup);
/* The tracer's ring_buffer_sample_fn; ctx is the struct run_state. */
int run_on_record(void *ctx, void *data, size_t size);
/* Renders the metrics (with the tracer's health, if there is a tracer yet)
 * and hands them to the exporter; says why on failure. */
int run_publish_metrics(struct run_state *rs, const struct tracer *tracer, __u64 now_ns);
/* Pushes records out; false once stdout is unusable. */
bool run_flush_output(struct run_state *rs);
/*
 * 0, or 1 after a write error that lost output (said on stderr); a reader
 * that went away (| head: EPIPE) is a normal end.
 */
int run_output_exit_code(const struct run_state *rs);
/*
 * From the armed tracer to the end: polls until -d ends the run, a signal
 * or a write error stops it; then detaches, prints the last records and the
 * partial summary interval, publishes the final metrics and prints what was
 * lost.  Returns the exit code.
 */
int run_loop(struct run_state *rs, const struct rst_options *opts);

#endif
