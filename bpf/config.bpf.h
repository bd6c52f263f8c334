/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Globals every program reads.  Each compilation unit includes this file;
 * the definitions are __weak so that `bpftool gen object` links one copy.
 *
 * Filters and tunables are read-only data the loader sets before load (0 /
 * false = no filter), so the verifier prunes what is not used.  The two
 * switches in .bss are written by the loader at run time through the
 * skeleton's memory mapping: no syscall, so no capability, is needed.
 */
#ifndef RSTSNOOP_CONFIG_BPF_H
#define RSTSNOOP_CONFIG_BPF_H

#include "record.h"

const volatile __u32 filter_pid __weak = 0;
/* Port lists: -P (either end), --lport, --rport; n = 0: no filter. */
const volatile __u16 filter_ports[RST_MAX_PORTS] __weak = {};
const volatile __u32 filter_nports __weak = 0;
const volatile __u16 filter_lports[RST_MAX_PORTS] __weak = {};
const volatile __u32 filter_nlports __weak = 0;
const volatile __u16 filter_rports[RST_MAX_PORTS] __weak = {};
const volatile __u32 filter_nrports __weak = 0;
const volatile bool filter_uid_set __weak = false;
const volatile __u32 filter_uid __weak = 0;
const volatile __u32 filter_netns __weak = 0; /* inode */
const volatile __u8 filter_events __weak = 0; /* 1 << enum rst_event each */
const volatile __u8 filter_family __weak = 0;
const volatile bool filter_comm_set __weak = false;
const volatile char filter_comm[RST_COMM_LEN] __weak = {};
/* The programs key the owner table by socket cookie (BTF-typed programs),
 * not by address (classic ones): the seeding iterator follows suit. */
const volatile bool keys_are_cookies __weak = false;
/*
 * Read a new process's command line from its memory (bpf_probe_read_user).
 * Cleared under lockdown=confidentiality: there libbpf, finding
 * bpf_probe_read_kernel withdrawn, rewrites bpf_probe_read_user into
 * bpf_probe_read, which tracing programs may not call; with the switch a
 * known 0 the verifier drops the call as dead code.
 */
const volatile bool capture_cmdline __weak = true;
/*
 * Read a socket's cached route (wire.bpf.h, note_route()) with
 * bpf_probe_read_kernel(); cleared under lockdown=confidentiality, which
 * withdraws that helper: the verifier then drops the read as dead code.
 */
const volatile bool route_reads __weak = true;
/* Wake user space only once a CPU queued this many records since it last
 * did (an eighth of the ring, shared among the CPUs); it polls otherwise. */
const volatile __u32 wakeup_records __weak = 512;

/*
 * Records are made only while this is set.  The programs gather facts
 * (owners, parked RSTs) from the moment each is attached, but the loader
 * sets it only once every program is attached and seeding is done, and
 * clears it before the first program is detached: attaching and detaching
 * go one program at a time, and a record made in between would lack the
 * facts of the programs not (or no longer) there.
 */
__u32 records_armed __weak = 0;

/* Written by the loader after seeding: lets the hot path skip seed look-ups. */
__u32 seeded_sockets __weak = 0;

/*
 * The kernel's tick rate, for the connection's idle times (tcp_sock keeps
 * them in jiffies); 0: unknown, and so are idle times.  The loader reads it
 * from the kernel's configuration (user/kernel_config.c): a __kconfig
 * extern would make libbpf refuse the whole object on a host that keeps
 * no configuration file.
 */
const volatile __u32 jiffies_hz __weak = 0;

#endif /* RSTSNOOP_CONFIG_BPF_H */
