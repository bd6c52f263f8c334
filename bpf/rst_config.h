/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel side's settings, one struct both sides include: the programs
 * read the one `const volatile struct rst_config cfg` (bpf/config.bpf.h),
 * the loader sets it as skel->rodata->cfg before load (user/tracer.c).
 * It sits in .rodata, frozen at load, so the verifier knows every field as
 * a constant and prunes what a setting turns off (0 / false = no filter).
 * Defaults: cfg's initializer in bpf/config.bpf.h.
 */
#ifndef RSTSNOOP_RST_CONFIG_H
#define RSTSNOOP_RST_CONFIG_H

#include "record.h"

#ifndef __VMLINUX_H__ /* the BPF side gets bool from vmlinux.h */
#include <stdbool.h>
#endif

struct rst_config {
	__u32 filter_pid;
	/* Port lists: -P (either end), --lport, --rport; n = 0: no filter. */
	__u16 filter_ports[RST_MAX_PORTS];
	__u32 filter_nports;
	__u16 filter_lports[RST_MAX_PORTS];
	__u32 filter_nlports;
	__u16 filter_rports[RST_MAX_PORTS];
	__u32 filter_nrports;
	bool filter_uid_set;
	__u32 filter_uid;
	__u32 filter_netns; /* inode */
	__u8 filter_events; /* 1 << enum rst_event each */
	__u8 filter_family;
	bool filter_comm_set;
	char filter_comm[RST_COMM_LEN];
	/* The programs key the owner table by socket cookie (BTF-typed
	 * programs), not by address (classic ones): the seeding iterator
	 * follows suit. */
	bool keys_are_cookies;
	/*
	 * Read a new process's command line from its memory
	 * (bpf_probe_read_user).  Cleared under lockdown=confidentiality:
	 * there libbpf, finding bpf_probe_read_kernel withdrawn, rewrites
	 * bpf_probe_read_user into bpf_probe_read, which tracing programs may
	 * not call; with the switch a known 0 the verifier drops the call as
	 * dead code.
	 */
	bool capture_cmdline;
	/*
	 * Read a socket's cached route (wire.bpf.h, note_route()) with
	 * bpf_probe_read_kernel(); cleared under lockdown=confidentiality,
	 * which withdraws that helper: the verifier then drops the read as
	 * dead code.
	 */
	bool route_reads;
	/*
	 * Read packet headers with bpf_probe_read_kernel() in the drop
	 * programs (bpf/drops.bpf.h).  Cleared under lockdown=confidentiality,
	 * which withdraws that helper: the verifier then drops the reads as
	 * dead code, and what the socket tells is all there is.
	 */
	bool drop_packet_reads;
	/* Wake user space only once a CPU queued this many records since it
	 * last did (an eighth of the ring, shared among the CPUs); it polls
	 * otherwise. */
	__u32 wakeup_records;
	/*
	 * The kernel's tick rate, for the connection's idle times (tcp_sock
	 * keeps them in jiffies); 0: unknown, and so are idle times.  The
	 * loader reads it from the kernel's configuration
	 * (user/kernel_config.c): a __kconfig extern would make libbpf refuse
	 * the whole object on a host that keeps no configuration file.
	 */
	__u32 jiffies_hz;
	/*
	 * Count records in the kernel (bpf/count.bpf.h) instead of queueing
	 * them: set by the loader for --summary and metrics-only runs.  The
	 * ephemeral port range folds the client's port (bpf/fold.h) as user
	 * space would, or every connection would be a key of its own.
	 */
	bool count_in_kernel;
	__u32 count_eph_lo;
	__u32 count_eph_hi;
};

/* The slot of set_state's rare program in the program array set_state_rare
 * (bpf/maps.bpf.h): the loader fills it after load. */
#define RST_SET_STATE_RARE_SLOT 0

#endif /* RSTSNOOP_RST_CONFIG_H */
