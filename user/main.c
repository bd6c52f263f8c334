// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rstsnoop: which process and socket every TCP reset and failed TCP
 * handshake belongs to.  main() only wires the modules together:
 * cli -> preflight -> tracer (+ seed) -> run_loop -> output, summary and
 * metrics (-> exporter), and frees them on its one way out.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "diag.h"
#include "feature_report.h"
#include "kernel_features.h"
#include "kernel_names.h"
#include "preflight.h"
#include "privs.h"
#include "ready_file.h"
#include "run_loop.h"
#include "util.h"

static bool libbpf_debug;

/* libbpf's warnings reach the user; its debug chatter only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !libbpf_debug)
		return 0;
	return vfprintf(stderr, fmt, args);
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

int main(int argc, char **argv)
{
	static char stdout_buf[1 << 16];
	struct rst_options opts = {0};
	char cli_error[256];
	struct reset_reasons reasons = {0};
	struct run_state rs = {0};
	struct privs_user run_as = {0};
	struct tracer *tracer = NULL;
	struct tracer_features features;
	struct btf *vmlinux = NULL;
	struct container_directory *containers = NULL;
	unsigned int eph_lo, eph_hi;
	int exit_code = 1;

	/* A fixed threshold: glibc otherwise raises it to the size of the
	 * largest block freed (the kernel's BTF, 5 MB), and the tables
	 * allocated after that come from the heap, where calloc clears (and
	 * so makes resident) memory a table may never use; mmapped ones stay
	 * untouched zero pages until used, and return at once when freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	switch (cli_parse(argc, argv, &opts, stdout, cli_error, sizeof(cli_error))) {
	case CLI_RUN:
		break;
	case CLI_EXIT:
		run_flush_output(&rs);
		exit_code = run_output_exit_code(&rs);
		goto cleanup;
	case CLI_BAD_INPUT:
		rst_err("%s (see --help)", cli_error);
		exit_code = 2;
		goto cleanup;
	}
	if (opts.user && privs_resolve_user(opts.user, &run_as)) {
		exit_code = 2;
		goto cleanup;
	}
	libbpf_debug = opts.verbose;
	libbpf_set_print(libbpf_print);
	if (opts.features) {
		features_report(&opts, stdout);
		run_flush_output(&rs);
		exit_code = run_output_exit_code(&rs);
		goto cleanup;
	}
	/* Records are flushed after every batch, not every line: one write
	 * per poll round keeps a reset storm cheap. */
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

	if (preflight_check())
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
	features_probe(&features, vmlinux, opts.verbose);
	/* libbpf parses its own copy to load: do not hold two at once. */
	btf__free(vmlinux);
	vmlinux = NULL;
	if (run_install_signal_handlers(opts.output)) {
		rst_err("cannot install signal handlers: %s", strerror(errno));
		goto cleanup;
	}
	/* As root, before loading: a file that cannot be made ends the run
	 * before it starts; the reopens later go through its directory's fd
	 * (output_file.h). */
	if (opts.output && output_file_open(&rs.output_file, opts.output))
		goto cleanup;
	if (opts.pcap && pcap_file_open(&rs.pcap, opts.pcap, opts.pcap_max_bytes))
		goto cleanup;
	output_init(&rs.out, rs.output_file ? output_file_stream(rs.output_file) : stdout,
		    opts.json, &reasons);
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
		    run_publish_metrics(&rs, NULL, monotonic_ns()))
			goto cleanup;
	}
	if (opts.summary_s) {
		rs.summary = summary_new(eph_lo, eph_hi);
		rs.counters = counter_watch_new();
		if (!rs.summary || !rs.counters) {
			rst_err_oom();
			goto cleanup;
		}
	}

	/*
	 * Where no line is printed per record (--summary, or metrics only),
	 * the kernel side counts them itself (bpf/count.bpf.h); --probe looks
	 * at every record's peer and --pcap writes each, so they keep them
	 * coming.
	 */
	features.count_in_kernel = !opts.probe && !opts.pcap &&
				   (opts.summary_s || (opts.quiet && rs.metrics));
	features.eph_lo = eph_lo;
	features.eph_hi = eph_hi;
	if (tracer_start(&tracer, &opts, &features, run_on_record, &rs))
		goto cleanup;
	if (tracer_seed(tracer, opts.seed, opts.verbose) && opts.seed != SEED_AUTO)
		goto cleanup;
	rs.cgroups = cgroup_names_new();
	containers = container_directory_new(opts.host_root);
	cgroup_names_use_containers(rs.cgroups, containers);
	rs.identities = identities_new(tracer_procs_fd(tracer), rs.cgroups,
				       tracer_features(tracer)->kernel_reads_refused);
	rs.listeners = listener_history_new();
	if (!rs.cgroups || !containers || !rs.identities || !rs.listeners) {
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
			rst_err("cannot read the kernel's counters of network namespace %u",
				opts.netns ? opts.netns : own_netns());
	}
	if (opts.verbose)
		features_print(stderr, &features, 0, tracer_features(tracer), NULL);
	if (opts.probe) {
		/* raw sockets need CAP_NET_RAW: before the drop */
		rs.prober = prober_new(own_netns());
		if (!rs.prober) {
			rst_err("--probe: cannot open a raw ICMP socket: %s", strerror(errno));
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
	run_flush_output(&rs);
	if (opts.ready_file && ready_file_write(opts.ready_file))
		goto cleanup;
	exit_code = run_loop(&rs, &opts);
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
	container_directory_free(containers);
	summary_free(rs.summary);
	output_file_close(rs.output_file);
	pcap_file_close(rs.pcap);
	reset_reasons_free(&reasons);
	btf__free(vmlinux);
	return exit_code;
}
