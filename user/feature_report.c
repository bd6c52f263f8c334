// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "feature_report.h"
#include "preflight.h"
#include "drops_report.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * What the record can say about who made a RST and about the connection's
 * last moments, with the programs that were loaded.
 */
static void wire_features_print(FILE *out, const struct tracer_features *f)
{
	const char *reads = !f->btf_programs	   ? "bpf_probe_read_kernel" :
			    f->send_reset_v610 ? "typed loads (bpf_rdonly_cast)" :
						   "bpf_probe_read_kernel";
	bool socketless = f->send_reset_v610 || f->kfree_skb_reason;

	if (f->packets) {
		fprintf(out, "ttl analysis: net:netif_receive_skb, headers by %s (received RSTs' TTL; "
			     "peers' baselines: SYN-ACK, SYN, echo reply, sampled segment)\n", reads);
		fprintf(out, "icmp refusals: yes, with the sender (net:netif_receive_skb)\n");
	} else {
		fprintf(out, "ttl analysis: off (--no-ttl)\n");
		fprintf(out, "icmp refusals: by errno only, sender unknown (--no-ttl)\n");
	}
	/* see route_reads in bpf/rst_config.h */
	if (f->kernel_reads_refused)
		fprintf(out, "off-link peers: no (lockdown=confidentiality: the socket's route "
			     "cannot be read)\n");
	else
		fprintf(out, "off-link peers: yes (the socket's cached route has a gateway: a RST "
			     "with its TTL intact is a middlebox's)\n");
	if (f->hz)
		fprintf(out, "connection context: bytes, age, idle times (CONFIG_HZ=%lu)\n", f->hz);
	else
		fprintf(out, "connection context: bytes, age; idle times unknown (no kernel config "
			     "to read CONFIG_HZ from)\n");
	fprintf(out, "timeouts: sock:inet_sock_set_state (sk_err at CLOSE)\n");
	if (socketless)
		fprintf(out, "race evidence: yes (this host's socket-less RSTs to a reset flow)\n");
	else
		fprintf(out, "race evidence: no (this kernel traces no socket-less RST)\n");
	fprintf(out, "listener history: sock:inet_sock_set_state (listen, close), "
		     "sched:sched_process_exit (how its process ended); names the listener of %s\n",
		socketless ? "local and remote refused connects"
			   : "local refused connects (this kernel traces no socket-less RST)");
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define TARGET_ARCH_NAME STRINGIFY(RST_TARGET_ARCH)

void features_print(FILE *out, const struct tracer_features *f, int btf_error,
		    const struct tracer_features *loaded, const char *unchecked)
{
	struct utsname u;

	if (!uname(&u))
		fprintf(out, "kernel: %s %s\n", u.release, u.machine);
	/* the Makefile's ARCH, which also chose the BPF objects' target and
	 * their vmlinux.h: the programs and their handlers are the same */
	fprintf(out, "architecture: %s (BPF objects built for __TARGET_ARCH_%s; same programs on x86 and arm64)\n",
		TARGET_ARCH_NAME, TARGET_ARCH_NAME);
	if (f) {
		fprintf(out, "kernel BTF: %s\n", VMLINUX_BTF);
		fprintf(out, "tcp_send_reset layout: %s\n",
			f->send_reset_v610 ? "6.10+ (reason, socket-less RSTs)" :
					     "4.15-6.9 (tcp_event_sk_skb, full sockets only)");
		fprintf(out, "reset reasons: %s\n",
			f->reset_reasons ? "yes (names from kernel BTF)" : "no (kernel before 6.10)");
		fprintf(out, "closed-port RSTs: %s\n",
			f->send_reset_v610    ? "tcp:tcp_send_reset" :
			f->kfree_skb_reason ? "skb:kfree_skb (drop reason NO_SOCKET)" :
					      "local connects only (client side)");
		/* bpf/rejected.bpf.h; before 6.10 skb:kfree_skb says NOT_SPECIFIED
		 * for those SYN-ACKs (6.1, measured): no PAWS anywhere */
		fprintf(out, "rejected SYN-ACKs: handshake_failed cause rejected with the count%s\n",
			f->send_reset_v610 ? " and its RSTs' reason (tcp:tcp_send_reset)" :
					     "; no reason before 6.10 (-s shows TcpExt PAWSActive)");
		drops_features_print(out, f, loaded);
	} else {
		fprintf(out, "kernel BTF: not readable: %s\n", strerror(btf_error));
		fprintf(out, "tcp_send_reset layout: unknown (needs kernel BTF)\n");
		fprintf(out, "reset reasons: unknown (needs kernel BTF)\n");
		fprintf(out, "closed-port RSTs: unknown (needs kernel BTF)\n");
	}
	if (loaded) {
		fprintf(out, "programs: %s\n",
			loaded->btf_programs ? "BTF-typed (tp_btf), direct loads" :
					       "classic tracepoints, bpf_probe_read_kernel");
		if (!loaded->btf_ok)
			fprintf(out, "BTF-typed programs: cannot run here: %s\n", loaded->btf_problem);
		if (!loaded->classic_ok)
			fprintf(out, "classic tracepoint programs: cannot run here: %s\n",
				loaded->classic_problem);
		fprintf(out, "owner tracking: sock:inet_sock_set_state, 4-way set-associative table keyed by "
			     "%s\n", loaded->btf_programs ? "socket cookie" : "socket address");
		fprintf(out, "seeding: %s (%u sockets)\n", seed_method_name(loaded->seed.used),
			loaded->seed.sockets);
		wire_features_print(out, loaded);
		fprintf(out, "record transport: BPF ring buffer, batched wakeups\n");
	} else {
		fprintf(out, "programs: not checked: %s\n", unchecked);
		fprintf(out, "owner tracking: sock:inet_sock_set_state\n");
		fprintf(out, "seeding: not checked: %s\n", unchecked);
		fprintf(out, "record transport: not checked: %s\n", unchecked);
	}
}

/* --features never polls: records have nowhere to go. */
static int drop_record(void *ctx, void *data, size_t size)
{
	return 0;
}

void features_report(const struct rst_options *opts, FILE *out)
{
	/* The file itself, so a missing one is named as such (libbpf's own
	 * search would try other places and say ESRCH). */
	struct btf *vmlinux = btf__parse(VMLINUX_BTF, NULL);
	int btf_error = vmlinux ? 0 : errno;
	struct tracer_features f = {0};
	struct tracer *tracer = NULL;
	const char *unchecked = NULL;

	/* Loading needs privileges and a usable kernel; preflight names
	 * what is missing on stderr. */
	bool can_load = !preflight_check();

	features_probe(&f, vmlinux, opts->verbose);
	btf__free(vmlinux);
	if (!can_load)
		unchecked = "rstsnoop cannot trace here (see stderr)";
	else if (tracer_start(&tracer, opts, &f, drop_record, NULL))
		unchecked = "the kernel refused the programs (see stderr)";
	else
		tracer_seed(tracer, opts->seed, opts->verbose);
	features_print(out, btf_error ? NULL : &f, btf_error, tracer ? tracer_features(tracer) : NULL,
		       unchecked);
	tracer_free(tracer);
}
