// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rstsnoop: which process and socket every TCP reset and failed TCP
 * handshake belongs to.  main() only wires the modules together:
 * cli -> preflight -> tracer (+ seed) -> output, summary and metrics
 * (-> exporter).
 */
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "util.h"
#include "diag.h"
#include "cli.h"
#include "exporter.h"
#include "identity.h"
#include "kernel_counters.h"
#include "feature_report.h"
#include "kernel_names.h"
#include "listeners.h"
#include "metrics.h"
#include "output.h"
#include "preflight.h"
#include "privs.h"
#include "probe.h"
#include "ready_file.h"
#include "summary.h"
#include "tracer.h"

#define POLL_INTERVAL_MS 50

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static bool libbpf_debug;

/* libbpf's warnings reach the user; its debug chatter only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !libbpf_debug)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int install_signal_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	/* A closed stdout (| head) shows up as EPIPE on write: exit quietly. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

struct run_state {
	struct output out;
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
	__u64 lost, owner_collisions; /* totals at the end of the last interval */
	__u64 stop_ns;		 /* --summary counts records stamped before this */
	int write_error;	 /* errno of the first failed write to stdout */
};

/* Notes the first write error on stdout (errno is the write's, if called
 * right after it); true once stdout is unusable. */
static bool output_failed(struct run_state *rs)
{
	if (!ferror(stdout))
		return false;
	if (!rs->write_error)
		rs->write_error = errno ? errno : EIO;
	return true;
}

/* Pushes records out; false once stdout is unusable. */
static bool flush_output(struct run_state *rs)
{
	fflush(stdout);
	return !output_failed(rs);
}

/*
 * A reader that went away (| head: EPIPE) is a normal end; any other write
 * error (a full disk) lost output, and says so.
 */
static int output_exit_code(const struct run_state *rs)
{
	if (!rs->write_error || rs->write_error == EPIPE)
		return 0;
	rst_err("writing the output failed: %s", strerror(rs->write_error));
	return 1;
}

/* Prints the summary's current interval and moves on to the next. */
static void print_interval(struct run_state *rs)
{
	struct netns_delta kernel[WATCHED_NETNS_MAX];
	__u64 lost = 0, collisions = 0;
	struct summary_report r;

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
		.nkernel = counter_watch_sample(rs->counters, kernel, WATCHED_NETNS_MAX),
		.lost = lost - rs->lost,
		.owner_collisions = collisions - rs->owner_collisions,
		.overflow = summary_overflow(rs->summary),
		.cgroups = rs->cgroups,
	};

	r.rows = summary_rows(rs->summary, &r.n);
	output_summary(&rs->out, &r);
	output_failed(rs);
	rs->lost = lost;
	rs->owner_collisions = collisions;
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

static int on_record(void *ctx, void *data, size_t size)
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
	/* the owner's cgroup is not in the record: --cgroup runs here */
	if (rs->cgroup_filter && (!id.cgroup || !cgroup_in_subtree(id.cgroup->path, rs->cgroup_filter)))
		return 0;
	if (rs->metrics && rec->ts_ns < rs->stop_ns)
		metrics_add(rs->metrics, rec);
	prober_consider(rs->prober, rec, monotonic_ns());
	if (rs->quiet)
		return 0;
	if (!rs->summary) {
		output_record(&rs->out, rec, &id);
	} else if (rec->ts_ns < rs->stop_ns) { /* later ones: made while detaching */
		/* Each record counts in the interval its kernel time falls in. */
		close_intervals(rs, rec->ts_ns);
		summary_add(rs->summary, rec, &id);
		if (rs->watch_new_netns && !counter_watch_tried(rs->counters, rec->netns))
			counter_watch_add(rs->counters, rec->netns, rec->pid);
	}
	output_failed(rs);
	return 0;
}

static __u32 own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

/* What the loop still does with the kernel: read the lost count by fd. */
static int lost_count_readable(void *tracer)
{
	__u64 lost;

	return tracer_read_lost(tracer, &lost);
}

/* Renders the metrics with the tracer's health and hands them on. */
static int publish_metrics(struct run_state *rs, const struct tracer *tracer, __u64 now_ns)
{
	struct metrics_health health = {0};
	size_t len;
	char *text;
	int err;

	if (tracer) {
		/* readable after the privilege drop: privs_drop() keeps what
		 * tracer_read_lost() needs, and this is the same kind of read */
		tracer_read_lost(tracer, &health.lost_records);
		tracer_read_owner_collisions(tracer, &health.owner_collisions);
		health.n_maps = tracer_map_usage(tracer, health.maps, METRICS_MAX_MAPS);
	}
	err = metrics_render(rs->metrics, &health, now_ns, &text, &len);
	if (err) {
		rst_err("rendering the metrics failed: %s", strerror(-err));
		return err;
	}
	err = exporter_publish(rs->exporter, text, len);
	free(text);
	return err;
}

int main(int argc, char **argv)
{
	static char stdout_buf[1 << 16];
	struct rst_options opts;
	char cli_error[256];
	struct reset_reasons reasons = {0};
	struct run_state rs = {0};
	struct privs_user run_as = {0};
	struct tracer *tracer = NULL;
	struct tracer_features features;
	char classic_problem[256];
	bool classic_ok;
	struct btf *vmlinux = NULL;
	__u64 deadline = 0, start, polled_from, now, metrics_due = UINT64_MAX, metrics_every = 0;
	unsigned int eph_lo, eph_hi;
	int err, exit_code = 1;
	__u64 lost;

	switch (cli_parse(argc, argv, &opts, stdout, cli_error, sizeof(cli_error))) {
	case CLI_RUN:
		break;
	case CLI_EXIT:
		flush_output(&rs);
		return output_exit_code(&rs);
	case CLI_BAD_INPUT:
		rst_err("%s (see --help)", cli_error);
		return 2;
	}
	if (opts.user && privs_resolve_user(opts.user, &run_as))
		return 2;
	libbpf_debug = opts.verbose;
	libbpf_set_print(libbpf_print);
	if (opts.features) {
		features_report(&opts, stdout);
		flush_output(&rs);
		return output_exit_code(&rs);
	}
	/* Records are flushed after every batch, not every line: one write
	 * per poll round keeps a reset storm cheap. */
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

	if (preflight_check(opts.verbose, &classic_ok, classic_problem, sizeof(classic_problem)))
		goto cleanup;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		rst_err("cannot read kernel BTF: %s", strerror(errno));
		goto cleanup;
	}
	if (reset_reasons_load(&reasons, vmlinux)) {
		rst_err_oom();
		goto cleanup;
	}
	tracer_probe_features(&features, vmlinux);
	features.classic_ok = classic_ok;
	snprintf(features.classic_problem, sizeof(features.classic_problem), "%s", classic_problem);
	/* libbpf parses its own copy to load: do not hold two at once. */
	btf__free(vmlinux);
	vmlinux = NULL;
	if (install_signal_handlers()) {
		rst_err("cannot install signal handlers: %s", strerror(errno));
		goto cleanup;
	}
	output_init(&rs.out, stdout, opts.json, &reasons);
	ephemeral_port_range(&eph_lo, &eph_hi);
	rs.quiet = opts.quiet;
	if (opts.metrics_file || opts.metrics_listen_set) {
		rs.metrics = metrics_new(opts.metrics_max_series, eph_lo, eph_hi, &reasons);
		if (!rs.metrics) {
			rst_err_oom();
			goto cleanup;
		}
		/* Before loading: a taken port or an unwritable file ends the run
		 * before it starts, and the endpoint answers from the start. */
		if (exporter_open(&rs.exporter, opts.metrics_file,
				  opts.metrics_listen_set ? &opts.metrics_listen : NULL,
				  opts.metrics_listen_text) ||
		    publish_metrics(&rs, NULL, monotonic_ns()))
			goto cleanup;
		metrics_every = opts.metrics_interval_s * NSEC_PER_SEC;
	}
	if (opts.summary_s) {
		rs.summary = summary_new(eph_lo, eph_hi);
		rs.counters = counter_watch_new();
		if (!rs.summary || !rs.counters) {
			rst_err_oom();
			goto cleanup;
		}
	}

	if (tracer_start(&tracer, &opts, &features, on_record, &rs))
		goto cleanup;
	if (tracer_seed(tracer, opts.seed, opts.verbose) && opts.seed != SEED_AUTO)
		goto cleanup;
	rs.cgroups = cgroup_names_new();
	rs.identities = identities_new(tracer_procs_fd(tracer), rs.cgroups,
				       tracer_features(tracer)->kernel_reads_refused);
	rs.listeners = listener_history_new();
	if (!rs.cgroups || !rs.identities || !rs.listeners) {
		rst_err_oom();
		goto cleanup;
	}
	identities_complete_seeded(rs.identities);
	/* what listens now, with the command lines just completed */
	listener_history_seed_map(rs.listeners, tracer_listeners_fd(tracer), rs.identities);
	rs.out.listeners = rs.listeners;
	rs.cgroup_filter = opts.cgroup ? cgroup_relative(rs.cgroups, opts.cgroup) : NULL;
	rs.tracer = tracer;
	rs.top = opts.top;
	if (rs.summary) {
		/* the traced namespace, or ours and then each one records show */
		rs.watch_new_netns = !opts.netns;
		if (counter_watch_add(rs.counters, opts.netns ? opts.netns : own_netns(), 0))
			rst_err("cannot read the kernel's counters of network "
					"namespace %u", opts.netns ? opts.netns : own_netns());
	}
	if (opts.verbose)
		features_print(stderr, &features, 0, tracer_features(tracer), NULL);
	if (opts.probe) {
		/* raw sockets need CAP_NET_RAW: before the drop */
		rs.prober = prober_new(own_netns());
		if (!rs.prober) {
			rst_err("--probe: cannot open a raw ICMP socket: %s",
				strerror(errno));
			goto cleanup;
		}
	}
	/* Attached, mapped and seeded: the loop needs no privilege. */
	if (privs_drop(&run_as, lost_count_readable, tracer, opts.verbose))
		goto cleanup;

	tracer_arm(tracer);
	rst_note("tracing TCP resets and failed handshakes (%s seeded %u sockets)%s",
		seed_method_name(tracer_features(tracer)->seed.used),
		tracer_features(tracer)->seed.sockets, opts.duration_s ? "" : "; Ctrl-C to stop");
	if (!rs.summary && !rs.quiet)
		output_header(&rs.out);
	flush_output(&rs);
	if (opts.ready_file && ready_file_write(opts.ready_file))
		goto cleanup;

	start = monotonic_ns();
	/* -d ends the run exactly then, so with -d a multiple of -s the last
	 * summary interval is a whole one. */
	deadline = opts.duration_s ? start + opts.duration_s * NSEC_PER_SEC : 0;
	rs.stop_ns = deadline ? deadline : UINT64_MAX;
	if (rs.summary) {
		summary_begin(rs.summary, start, opts.summary_s * NSEC_PER_SEC);
		counter_watch_begin(rs.counters);
	}
	if (rs.metrics) {
		publish_metrics(&rs, tracer, start);
		metrics_due = start + metrics_every;
	}
	while (!stop_requested && !rs.write_error) {
		/* Records stamped before this are handed over by the poll. */
		polled_from = monotonic_ns();
		err = tracer_poll(tracer, poll_timeout_ms(&rs, polled_from));
		if (err < 0 && err != -EINTR) {
			rst_err("reading the ring buffer failed: %s",
				strerror(-err));
			goto cleanup;
		}
		if (rs.summary)
			close_intervals(&rs, polled_from < rs.stop_ns ? polled_from : rs.stop_ns);
		flush_output(&rs);
		now = monotonic_ns();
		if (now >= metrics_due) {
			publish_metrics(&rs, tracer, now);
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
	if (now < rs.stop_ns) /* a signal or a write error, before any deadline */
		rs.stop_ns = now;

	/* Detach first, then hand over everything the kernel still queued;
	 * the listeners' last counts belong to the run: stamped inside it. */
	tracer_stop(tracer, rs.stop_ns - 1);
	if (rs.summary)
		finish_summary(&rs);
	flush_output(&rs);
	/* the final counts stay in the file; a scrape until exit sees them */
	if (rs.metrics)
		publish_metrics(&rs, tracer, monotonic_ns());
	err = tracer_read_lost(tracer, &lost);
	if (err)
		rst_err("cannot read the count of lost records: %s",
			strerror(-err));
	else if (lost)
		rst_err("lost %llu records (ring buffer full; try --ringbuf-kb)",
			(unsigned long long)lost);
	err = tracer_read_owner_collisions(tracer, &lost);
	if (err)
		rst_err("cannot read the count of owner-table collisions: %s",
			strerror(-err));
	else if (lost)
		rst_err("%llu sockets lost their owner entry to another socket "
				"(owner table full); their records may lack the process",
			(unsigned long long)lost);
	if (rs.prober) {
		__u64 sent, skipped;

		prober_counts(rs.prober, &sent, &skipped);
		rst_note("--probe sent %llu echo requests (%llu more were not sent: "
				"limits or errors)",
			(unsigned long long)sent, (unsigned long long)skipped);
	}
	if (listener_history_dropped(rs.listeners))
		rst_err("%llu listeners found the listener history full (all %d "
				"entries listening); refusals of their ports name no expected "
				"listener",
			(unsigned long long)listener_history_dropped(rs.listeners),
			LISTENER_HISTORY_MAX);
	exit_code = output_exit_code(&rs);
cleanup:
	if (opts.ready_file)
		ready_file_remove(opts.ready_file);
	tracer_free(tracer);
	prober_free(rs.prober);
	exporter_close(rs.exporter);
	metrics_free(rs.metrics);
	identities_free(rs.identities);
	listener_history_free(rs.listeners);
	counter_watch_free(rs.counters);
	cgroup_names_free(rs.cgroups);
	summary_free(rs.summary);
	reset_reasons_free(&reasons);
	btf__free(vmlinux);
	return exit_code;
}
