// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "run_loop.h"
#include "diag.h"
#include "output_parts.h"
#include "kernel_names.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* How long one poll waits at most: the loop's other clocks (the metrics,
 * -d, the listeners' counters) are checked between polls. */
#define POLL_INTERVAL_MS 50

static volatile sig_atomic_t stop_requested, reopen_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

/* Only a flag: the loop reopens between records (a reopen here could cut
 * a record that stdio is writing in two). */
static void on_hangup(int sig)
{
	reopen_requested = 1;
}

int run_install_signal_handlers(bool reopen_on_hup)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct sigaction hup = {.sa_handler = on_hangup};

	sigemptyset(&sa.sa_mask);
	sigemptyset(&hup.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	/* Without --output, SIGHUP keeps its default: a closed terminal ends
	 * the run. */
	if (reopen_on_hup && sigaction(SIGHUP, &hup, NULL))
		return -errno;
	/* A closed stdout (| head) shows up as EPIPE on write: exit quietly. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Notes the first write error on the output (stdout or --output; errno is
 * the write's, if called right after it); true once it is unusable. */
static bool output_failed(struct run_state *rs)
{
	if (!ferror(rs->out.out ? rs->out.out : stdout))
		return false;
	if (!rs->write_error)
		rs->write_error = errno ? errno : EIO;
	return true;
}

bool run_flush_output(struct run_state *rs)
{
	pcap_file_flush(rs->pcap);
	fflush(rs->out.out ? rs->out.out : stdout);
	return !output_failed(rs);
}

/* SIGHUP with --output: the file again under its name, from the next
 * record on; the table's header starts each new file. */
static void reopen_output(struct run_state *rs)
{
	if (output_file_reopen(rs->output_file))
		return;
	rs->out.out = output_file_stream(rs->output_file);
	if (!rs->summary && !rs->quiet)
		output_header(&rs->out);
}

int run_output_exit_code(const struct run_state *rs)
{
	if (!rs->write_error || rs->write_error == EPIPE)
		return 0;
	rst_err("writing the output failed: %s", strerror(rs->write_error));
	return 1;
}

/* Failed map updates so far, all maps; a failed read shows no new ones. */
static __u64 map_update_failures(const struct run_state *rs)
{
	__u64 per_map[RST_MAP_SLOTS], total = 0;

	if (tracer_read_map_update_failures(rs->tracer, per_map))
		return rs->map_update_failures;
	for (int slot = 0; slot < RST_MAP_SLOTS; slot++)
		total += per_map[slot];
	return total;
}

/* The summary shows the kernel's counters of each namespace its records
 * come from (without --netns): watched from the first record on. */
static void watch_netns_of(struct run_state *rs, const struct rst_record *rec)
{
	if (rs->watch_new_netns && !counter_watch_tried(rs->counters, rec->netns))
		counter_watch_add(rs->counters, rec->netns, rec->pid);
}

/* The owner's cgroup is not in the record: --cgroup runs in user space. */
static bool outside_cgroup_filter(const struct run_state *rs, const struct identity *id)
{
	return rs->cgroup_filter &&
	       (!id->cgroup || !cgroup_in_subtree(id->cgroup->path, rs->cgroup_filter));
}

/* n records like rec, counted by the kernel side: the process's identity
 * is looked up once for them all. */
static void on_counted(void *ctx, const struct rst_record *rec, __u64 n)
{
	struct run_state *rs = ctx;
	struct identity id;

	identity_of(rs->identities, rec, &id);
	if (outside_cgroup_filter(rs, &id))
		return;
	if (rs->metrics)
		metrics_add_n(rs->metrics, rec, n, id.cgroup ? id.cgroup->names : NULL);
	if (rs->summary) {
		summary_add_n(rs->summary, rec, &id, n);
		watch_netns_of(rs, rec);
	}
}

static void on_count_overflow(void *ctx, __u8 event, __u64 n)
{
	struct run_state *rs = ctx;

	if (rs->metrics)
		metrics_add_overflow(rs->metrics, event, n);
	if (rs->summary)
		summary_add_overflow(rs->summary, n);
}

/* Hands what the kernel side counted since the last drain to the summary's
 * current interval and the metrics (no-op where it queues records). */
static void drain_kernel_counts(struct run_state *rs)
{
	struct kernel_counts *kc = rs->tracer ? tracer_kernel_counts(rs->tracer) : NULL;
	struct kernel_count_sink sink = {on_counted, on_count_overflow, rs};
	int err;

	if (!kc)
		return;
	err = kernel_counts_drain(kc, monotonic_ns(), &sink);
	if (err && !rs->drain_error_shown) {
		rst_err("reading the kernel side's counts failed: %s", strerror(-err));
		rs->drain_error_shown = true;
	}
}

static void advance_kernel_counts(struct run_state *rs)
{
	struct kernel_counts *kc = rs->tracer ? tracer_kernel_counts(rs->tracer) : NULL;

	if (kc)
		kernel_counts_advance(kc);
}

/* Prints the summary's current interval and moves on to the next. */
static void print_interval(struct run_state *rs)
{
	struct netns_delta kernel[WATCHED_NETNS_MAX];
	__u64 lost = 0, collisions = 0, failures;
	struct summary_report r;
	size_t nkernel;

	/* what the kernel side counts from here is the next interval's; its
	 * counters are read at the same moment as the kernel's */
	advance_kernel_counts(rs);
	nkernel = counter_watch_sample(rs->counters, kernel, WATCHED_NETNS_MAX);
	drain_kernel_counts(rs);
	failures = map_update_failures(rs);

	/* a failed read shows no new loss here; the end of the run reports it */
	if (tracer_read_lost(rs->tracer, &lost))
		lost = rs->lost;
	if (tracer_read_owner_collisions(rs->tracer, &collisions))
		collisions = rs->owner_collisions;
	r = (struct summary_report){
		.top = rs->top,
		.iv = summary_current(rs->summary),
		.pids_exact = summary_pids_exact(rs->summary),
		.summary = rs->summary,
		.kernel = kernel,
		.nkernel = nkernel,
		.lost = lost - rs->lost,
		.owner_collisions = collisions - rs->owner_collisions,
		.map_update_failures = failures - rs->map_update_failures,
		.overflow = summary_overflow(rs->summary),
		.cgroups = rs->cgroups,
	};

	r.rows = summary_rows(rs->summary, &r.n);
	output_summary(&rs->out, &r);
	output_failed(rs);
	rs->lost = lost;
	rs->owner_collisions = collisions;
	rs->map_update_failures = failures;
	summary_next(rs->summary);
}

/*
 * The poll ends at the current interval's end at the latest: the kernel's
 * counters are read when the interval is printed, and a read late by a
 * whole poll would count in this interval what rstsnoop counts in the next.
 */
static int poll_timeout_ms(const struct run_state *rs, __u64 now)
{
	__u64 end;

	if (!rs->summary)
		return POLL_INTERVAL_MS;
	end = summary_current(rs->summary)->end_ns;
	if (end <= now)
		return 0;
	if (end - now >= POLL_INTERVAL_MS * NSEC_PER_MSEC)
		return POLL_INTERVAL_MS;
	return (end - now + 999999) / 1000000;
}

/* Prints every interval that ended by until_ns. */
static void close_intervals(struct run_state *rs, __u64 until_ns)
{
	while (summary_current(rs->summary)->end_ns <= until_ns && !rs->write_error)
		print_interval(rs);
}

/*
 * The run stopped at rs->stop_ns: the intervals before it are whole, the
 * one it fell into is printed as partial (no rate: nothing extrapolated).
 */
static void finish_summary(struct run_state *rs)
{
	close_intervals(rs, rs->stop_ns);
	if (rs->write_error || summary_current(rs->summary)->start_ns >= rs->stop_ns)
		return;
	summary_cut(rs->summary, rs->stop_ns);
	print_interval(rs);
}

int run_on_record(void *ctx, void *data, size_t size)
{
	struct run_state *rs = ctx;
	const struct rst_record *rec = data;
	struct identity id;

	if (size < sizeof(struct rst_record) || rs->write_error)
		return 0;
	identity_of(rs->identities, rec, &id);
	/* facts for the listener history: never a record, never counted,
	 * whatever the filters (--cgroup included) */
	if (rec->event >= RST_EV_LISTEN_OPEN) {
		listener_history_add(rs->listeners, rec, &id);
		return 0;
	}
	if (outside_cgroup_filter(rs, &id))
		return 0;
	if (rs->metrics && rec->ts_ns < rs->stop_ns)
		metrics_add(rs->metrics, rec, id.cgroup ? id.cgroup->names : NULL);
	prober_consider(rs->prober, rec, monotonic_ns());
	if (rs->pcap && rec->ts_ns < rs->stop_ns) {
		struct incident in = incident_of_record(rec);

		pcap_file_add(rs->pcap, rec, realtime_ns(&rs->out, rec->ts_ns), reason_of(&rs->out, &in));
	}
	if (rs->quiet)
		return 0;
	if (!rs->summary) {
		output_record(&rs->out, rec, &id);
	} else if (rec->ts_ns < rs->stop_ns) { /* later ones: made while detaching */
		/* Each record counts in the interval its kernel time falls in. */
		close_intervals(rs, rec->ts_ns);
		summary_add(rs->summary, rec, &id);
		watch_netns_of(rs, rec);
	}
	output_failed(rs);
	return 0;
}

static double own_cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int run_publish_metrics(struct run_state *rs, const struct tracer *tracer, __u64 now_ns)
{
	struct metrics_health health = {0};
	size_t len;
	char *text;
	int err;

	if (tracer) {
		advance_kernel_counts(rs);
		drain_kernel_counts(rs);
		/* readable after the privilege drop: privs_drop() keeps what
		 * tracer_read_lost() needs, and this is the same kind of read */
		tracer_read_lost(tracer, &health.lost_records);
		tracer_read_owner_collisions(tracer, &health.owner_collisions);
		tracer_read_map_update_failures(tracer, health.map_update_failures);
		health.n_maps = tracer_map_usage(tracer, health.maps, METRICS_MAX_MAPS);
		health.n_progs = tracer_prog_usage(tracer, health.progs, METRICS_MAX_PROGS);
	}
	/* read, never set: the stats cost every program run on the host (the
	 * operator's choice, as for bench/), and a BPF_ENABLE_STATS fd would
	 * need CAP_SYS_ADMIN, which rstsnoop gives up once tracing */
	health.bpf_stats_enabled = read_sysctl_int("/proc/sys/kernel/bpf_stats_enabled", -1);
	health.cpu_seconds = own_cpu_seconds();
	err = metrics_render(rs->metrics, &health, now_ns, &text, &len);
	if (err) {
		rst_err("rendering the metrics failed: %s", strerror(-err));
		return err;
	}
	err = exporter_publish(rs->exporter, text, len);
	free(text);
	return err;
}

int run_loop(struct run_state *rs, const struct rst_options *opts)
{
	__u64 start = monotonic_ns(), deadline, polled_from, now, lost, per_map[RST_MAP_SLOTS];
	__u64 metrics_due = UINT64_MAX, metrics_every = opts->metrics_interval_s * NSEC_PER_SEC;
	struct tracer *tracer = rs->tracer;
	int err;

	/* -d ends the run exactly then, so with -d a multiple of -s the last
	 * summary interval is a whole one. */
	deadline = opts->duration_s ? start + opts->duration_s * NSEC_PER_SEC : 0;
	rs->stop_ns = deadline ? deadline : UINT64_MAX;
	if (rs->summary) {
		summary_begin(rs->summary, start, opts->summary_s * NSEC_PER_SEC);
		counter_watch_begin(rs->counters);
	}
	if (rs->metrics) {
		run_publish_metrics(rs, tracer, start);
		metrics_due = start + metrics_every;
	}
	while (!stop_requested && !rs->write_error) {
		/* Records stamped before this are handed over by the poll. */
		polled_from = monotonic_ns();
		err = tracer_poll(tracer, poll_timeout_ms(rs, polled_from));
		if (err < 0 && err != -EINTR) {
			rst_err("reading the ring buffer failed: %s", strerror(-err));
			return 1;
		}
		if (rs->summary)
			close_intervals(rs, polled_from < rs->stop_ns ? polled_from : rs->stop_ns);
		run_flush_output(rs);
		if (reopen_requested && rs->output_file && !rs->write_error) {
			reopen_requested = 0;
			reopen_output(rs);
		}
		now = monotonic_ns();
		if (now >= metrics_due) {
			run_publish_metrics(rs, tracer, now);
			/* on the grid from the start; a late round skips, never bunches */
			metrics_due += (now - metrics_due) / metrics_every * metrics_every + metrics_every;
		}
		if (deadline && now >= deadline)
			break;
		/* after the deadline's check: what it reads then is the run's
		 * last read's (stamped inside the run) */
		tracer_tick(tracer, now);
	}
	now = monotonic_ns();
	if (now < rs->stop_ns) /* a signal or a write error, before any deadline */
		rs->stop_ns = now;

	/* Detach first, then hand over everything the kernel still queued;
	 * the listeners' last counts belong to the run: stamped inside it. */
	tracer_stop(tracer, rs->stop_ns - 1);
	if (rs->summary)
		finish_summary(rs);
	run_flush_output(rs);
	/* the final counts stay in the file; a scrape until exit sees them */
	if (rs->metrics)
		run_publish_metrics(rs, tracer, monotonic_ns());
	err = tracer_read_lost(tracer, &lost);
	if (err)
		rst_err("cannot read the count of lost records: %s", strerror(-err));
	else if (lost)
		rst_err("lost %llu records (ring buffer full; try --ringbuf-kb)",
			(unsigned long long)lost);
	err = tracer_read_owner_collisions(tracer, &lost);
	if (err)
		rst_err("cannot read the count of owner-table collisions: %s", strerror(-err));
	else if (lost)
		rst_err("%llu sockets lost their owner entry to another socket "
			"(owner table full); their records may lack the process",
			(unsigned long long)lost);
	err = tracer_read_map_update_failures(tracer, per_map);
	if (err)
		rst_err("cannot read the count of failed map updates: %s", strerror(-err));
	for (int slot = 0; !err && slot < RST_MAP_SLOTS; slot++)
		if (per_map[slot])
			rst_err("%llu updates of the kernel-side map %s failed (map full); "
				"records may lack what it carries (docs/kernel-data-flow.md)",
				(unsigned long long)per_map[slot], map_slot_name(slot));
	if (rs->prober) {
		__u64 sent, skipped;

		prober_counts(rs->prober, &sent, &skipped);
		rst_note("--probe sent %llu echo requests (%llu more were not sent: "
			 "limits or errors)",
			 (unsigned long long)sent, (unsigned long long)skipped);
	}
	if (rs->pcap && pcap_file_left_out(rs->pcap))
		rst_err("--pcap: %llu packets written, %llu left out (the --pcap-max-bytes cap, "
			"or a write error)",
			(unsigned long long)pcap_file_packets(rs->pcap),
			(unsigned long long)pcap_file_left_out(rs->pcap));
	if (rs->output_file && output_file_reopen_failures(rs->output_file))
		rst_err("%llu of %llu reopens of --output failed (SIGHUP); those records went "
			"to the file open before",
			(unsigned long long)output_file_reopen_failures(rs->output_file),
			(unsigned long long)(output_file_reopen_failures(rs->output_file) +
					     output_file_reopens(rs->output_file)));
	if (listener_history_dropped(rs->listeners))
		rst_err("%llu listeners found the listener history full (all %d "
			"entries listening); refusals of their ports name no expected "
			"listener",
			(unsigned long long)listener_history_dropped(rs->listeners),
			LISTENER_HISTORY_MAX);
	return run_output_exit_code(rs);
}
