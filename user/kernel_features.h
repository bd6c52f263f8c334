/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What this kernel offers, probed once before anything is loaded: its BTF
 * (tracepoint layouts, drop reasons, reset reasons), its lockdown mode,
 * tracefs and the classic tracepoints in it, CONFIG_HZ, and whether the
 * BTF-typed programs can run at all.  From that, features_plan() decides
 * which program set the tracer loads, so that the object is loaded once;
 * the same facts feed the tracer's program choice and --features.
 */
#ifndef RSTSNOOP_KERNEL_FEATURES_H
#define RSTSNOOP_KERNEL_FEATURES_H

#include <stdbool.h>
#include <bpf/btf.h>
#include "cli.h"
#include "seed.h"

struct tracer_features {
	bool send_reset_v610;	/* tcp_send_reset with reason and socket-less RSTs */
	bool kfree_skb_reason;	/* skb:kfree_skb with SKB_DROP_REASON_NO_SOCKET */
	bool reset_reasons;	/* enum sk_rst_reason in BTF */
	bool kfree_skb_rx_sk;	/* skb:kfree_skb names the receiving socket (6.11+) */
	bool listen_overflow_reason; /* SKB_DROP_REASON_TCP_LISTEN_OVERFLOW (6.15+) */
	bool btf_ok;		/* the BTF-typed programs can run (features_probe()) */
	bool btf_programs;	/* the BTF-typed (tp_btf) programs loaded, not the classic ones */
	bool classic_ok;	/* tracefs and its tracepoints are there */
	bool kernel_reads_refused; /* lockdown=confidentiality: no bpf_probe_read_kernel() */
	bool packets;		/* the packet program is loaded (not --no-ttl) */
	bool listener_drops;	/* the listeners' sk_drops are read (their iterator attached) */
	unsigned long hz;	/* CONFIG_HZ from the kernel's configuration; 0: unknown */
	char btf_problem[160];	   /* why the BTF-typed programs cannot run, where they cannot */
	char classic_problem[256]; /* why the classic programs cannot run, where they cannot */
	/* Chosen by the caller, not the kernel: the programs count records
	 * themselves (bpf/count.bpf.h), folding client ports in [eph_lo,
	 * eph_hi]; tracer_kernel_counts() drains them. */
	bool count_in_kernel;
	unsigned int eph_lo, eph_hi;
	struct seed_result seed;
};

/*
 * Fills f.  vmlinux NULL: the kernel's BTF could not be read, and what only
 * it tells stays false.  Mounts tracefs where it is missing (said with
 * verbose).  Needs no privilege, but unprivileged it learns less: the
 * lockdown mode and the BTF-typed programs' probe then read as allowed.
 */
void features_probe(struct tracer_features *f, const struct btf *vmlinux, bool verbose);

/* One way to load the object: a program set, with the iterators or not. */
struct load_choice {
	bool btf;	/* the BTF-typed set, else the classic one */
	bool iterators; /* the seeding and listeners' iterators */
};

/*
 * The loads to try, in order: the first is what the probe says this kernel
 * takes; the others only for a refusal no probe foresaw (see features.c).
 * --programs and --seed narrow the list.  Returns how many (0: none can run).
 */
int features_plan(const struct tracer_features *f, const struct rst_options *opts,
		  struct load_choice plan[4]);

#endif
