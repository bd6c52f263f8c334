// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rstsnoop: which process and socket every TCP reset and failed TCP
 * handshake belongs to.  main() only wires the modules together:
 * cli -> preflight -> tracer (+ seed) -> output.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "kernel_names.h"
#include "output.h"
#include "preflight.h"
#include "privs.h"
#include "summary.h"
#include "tracer.h"

#define POLL_INTERVAL_MS 50

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return vfprintf(stderr, fmt, args);
}

static int quiet_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
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
	bool stdout_closed;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct run_state *rs = ctx;

	if (size < sizeof(struct rst_record) || rs->stdout_closed)
		return 0;
	if (rs->summary)
		summary_add(rs->summary, data);
	else
		output_record(&rs->out, data);
	return 0;
}

/* Pushes records out; false once stdout is gone. */
static bool flush_output(struct run_state *rs)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		rs->stdout_closed = true;
		return false;
	}
	return true;
}

/* What the loop still does with the kernel: read the lost count by fd. */
static int lost_count_readable(void *tracer)
{
	__u64 lost;

	return tracer_read_lost(tracer, &lost);
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Prints the summary of the interval that began at *since, and starts the next. */
static void print_summary(struct run_state *rs, __u64 *since)
{
	__u64 now = monotonic_ns();
	const struct summary_row *rows;
	size_t n;

	rows = summary_rows(rs->summary, &n);
	output_summary(&rs->out, rows, n, now, (now - *since) / 1e9);
	if (summary_overflow(rs->summary))
		fprintf(stderr, "rstsnoop: %llu records in more groups than a summary holds\n",
			(unsigned long long)summary_overflow(rs->summary));
	summary_reset(rs->summary);
	*since = now;
}

int main(int argc, char **argv)
{
	static char stdout_buf[1 << 16];
	struct rst_options opts;
	struct reset_reasons reasons = {0};
	struct run_state rs = {0};
	struct privs_user run_as = {0};
	struct tracer *tracer = NULL;
	struct tracer_features features;
	struct btf *vmlinux = NULL;
	__u64 deadline = 0, interval_start = 0;
	unsigned int eph_lo, eph_hi;
	int err, exit_code = 1;
	__u64 lost;

	cli_parse(argc, argv, &opts);
	if (opts.user && privs_resolve_user(opts.user, &run_as)) {
		exit_code = 2;
		goto cleanup;
	}
	libbpf_set_print(opts.verbose ? libbpf_print : quiet_libbpf_print);
	/* Records are flushed after every batch, not every line: one write
	 * per poll round keeps a reset storm cheap. */
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

	if (preflight_check(opts.verbose))
		goto cleanup;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		fprintf(stderr, "rstsnoop: cannot read kernel BTF: %s\n", strerror(errno));
		goto cleanup;
	}
	if (reset_reasons_load(&reasons, vmlinux)) {
		fprintf(stderr, "rstsnoop: out of memory\n");
		goto cleanup;
	}
	tracer_probe_features(&features, vmlinux);
	/* libbpf parses its own copy to load: do not hold two at once. */
	btf__free(vmlinux);
	vmlinux = NULL;
	if (install_signal_handlers()) {
		fprintf(stderr, "rstsnoop: cannot install signal handlers: %s\n", strerror(errno));
		goto cleanup;
	}
	output_init(&rs.out, stdout, opts.json, &reasons);
	if (opts.summary_s) {
		ephemeral_port_range(&eph_lo, &eph_hi);
		rs.summary = summary_new(eph_lo, eph_hi);
		if (!rs.summary) {
			fprintf(stderr, "rstsnoop: out of memory\n");
			goto cleanup;
		}
	}

	if (tracer_start(&tracer, &opts, &features, on_record, &rs))
		goto cleanup;
	if (tracer_seed(tracer, opts.seed, opts.verbose) && opts.seed != SEED_AUTO)
		goto cleanup;
	if (opts.features) {
		tracer_print_features(tracer, stdout);
		exit_code = flush_output(&rs) ? 0 : 1;
		goto cleanup;
	}
	if (opts.verbose)
		tracer_print_features(tracer, stderr);
	/* Attached, mapped and seeded: the loop needs no privilege. */
	if (privs_drop(&run_as, lost_count_readable, tracer, opts.verbose))
		goto cleanup;

	fprintf(stderr, "rstsnoop: tracing TCP resets and failed handshakes (%s seeded %u sockets)%s\n",
		seed_method_name(tracer_features(tracer)->seed.used),
		tracer_features(tracer)->seed.sockets, opts.duration_s ? "" : "; Ctrl-C to stop");
	if (!rs.summary)
		output_header(&rs.out);
	flush_output(&rs);

	interval_start = monotonic_ns();
	if (opts.duration_s)
		deadline = interval_start + opts.duration_s * 1000000000ULL;
	while (!stop_requested && !rs.stdout_closed) {
		err = tracer_poll(tracer, POLL_INTERVAL_MS);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "rstsnoop: reading the ring buffer failed: %s\n",
				strerror(-err));
			goto cleanup;
		}
		if (rs.summary && monotonic_ns() - interval_start >= opts.summary_s * 1000000000ULL)
			print_summary(&rs, &interval_start);
		flush_output(&rs);
		if (deadline && monotonic_ns() >= deadline)
			break;
	}

	/* Detach first, then hand over everything the kernel still queued. */
	tracer_stop(tracer);
	if (rs.summary && !rs.stdout_closed)
		print_summary(&rs, &interval_start);
	flush_output(&rs);
	err = tracer_read_lost(tracer, &lost);
	if (err)
		fprintf(stderr, "rstsnoop: cannot read the count of lost records: %s\n",
			strerror(-err));
	else if (lost)
		fprintf(stderr, "rstsnoop: lost %llu records (ring buffer full; try --ringbuf-kb)\n",
			(unsigned long long)lost);
	exit_code = 0;
cleanup:
	tracer_free(tracer);
	summary_free(rs.summary);
	reset_reasons_free(&reasons);
	btf__free(vmlinux);
	return exit_code;
}
