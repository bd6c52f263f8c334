/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --summary: instead of a line per record, counts and rates per interval,
 * grouped by what happened, to which process, on which service port.
 * The ephemeral end of a connection is folded away (port 0, shown as "*"),
 * so a process failing every few seconds is one row with its rate.
 */
#ifndef RSTSNOOP_SUMMARY_H
#define RSTSNOOP_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "identity.h"
#include "record.h"

/*
 * What a summary row is grouped by: what happened, where, and who the
 * process is (its command line, else its name, and its cgroup), not its
 * pid: three runs of one script are one row covering three pids.
 */
struct summary_key {
	__u64 cgroup_id; /* 0: unknown */
	__u32 reason;
	__u32 netns; /* one port in two namespaces: two services */
	__u16 lport; /* 0: ephemeral, folded */
	__u16 rport;
	__u16 cmdline_len; /* 0: no command line known, comm names the group */
	__u8 cmdline_cut;
	__u8 event, side, cause, family, flags;
	__u8 attribution; /* with RST_F_OWNER: how the process was found */
	__u8 origin;	  /* origin_code(): who made the RST */
	__u8 pad[2];
	__u8 laddr[RST_ADDR_LEN];
	__u8 raddr[RST_ADDR_LEN];
	char comm[RST_COMM_LEN];
	char cmdline[RST_CMDLINE_LEN]; /* NULs between arguments, as struct rst_process */
};

struct summary_row {
	struct summary_key key;
	__u64 count;
	__u32 pids; /* distinct pids among count (a lower bound without pids_exact) */
};

/* rstsnoop's own counts for one network namespace, to set beside the
 * kernel's counters of the same name. */
struct summary_tally {
	__u32 netns;
	__u64 out_rsts;	     /* RSTs this host sent: reset_sent, and the stack's own folded in */
	__u64 attempt_fails; /* handshake_failed */
	__u64 estab_resets;  /* resets in ESTABLISHED or CLOSE_WAIT */
};

#define SUMMARY_TALLIES 64

/*
 * One interval, [start_ns, end_ns) of CLOCK_MONOTONIC.  Intervals lie on a
 * fixed grid from the start of the run, so each full one lasts exactly the
 * interval asked for; partial: the run ended inside it, and it is shorter.
 */
struct summary_interval {
	__u64 start_ns, end_ns;
	bool partial;
};

struct summary;

/* Ports in [eph_lo, eph_hi] are ephemeral (net.ipv4.ip_local_port_range). */
struct summary *summary_new(unsigned int eph_lo, unsigned int eph_hi);
void summary_free(struct summary *s);
/* Lays the grid: the first interval runs from start_ns for length_ns. */
void summary_begin(struct summary *s, __u64 start_ns, __u64 length_ns);
/* Counts rec, whose owner is id, in the current interval (callers close the
 * ones it is past). */
void summary_add(struct summary *s, const struct rst_record *rec, const struct identity *id);
/* Counts n records like rec at once (what the kernel side counted itself:
 * rec is a record reduced to what groups count, see bpf/count.bpf.h). */
void summary_add_n(struct summary *s, const struct rst_record *rec, const struct identity *id,
		   __u64 n);
/* n records the kernel side could not count (its table of groups was full). */
void summary_add_overflow(struct summary *s, __u64 n);
/* Rows of the current interval, most frequent first; valid until summary_next. */
const struct summary_row *summary_rows(struct summary *s, size_t *count);
/* Records that found no free row (more distinct groups than the table holds). */
__u64 summary_overflow(const struct summary *s);
/* Whether every row's pids is exact (the table of pids seen did not fill). */
bool summary_pids_exact(const struct summary *s);
/* rstsnoop's counts per namespace in the current interval; NULL if none. */
const struct summary_tally *summary_tally(const struct summary *s, __u32 netns);
const struct summary_interval *summary_current(const struct summary *s);
/* Empties the table and moves to the next interval on the grid. */
void summary_next(struct summary *s);
/* Ends the current interval early, at end_ns (the run stopped): partial. */
void summary_cut(struct summary *s, __u64 end_ns);

/*
 * The record's ports with the client's (ephemeral) end set to 0, the
 * folding of summary rows and metric labels.  Ports in [eph_lo, eph_hi]
 * are ephemeral.
 */
void fold_client_port(unsigned int eph_lo, unsigned int eph_hi, const struct rst_record *rec,
		      __u16 *lport, __u16 *rport);

/* The ephemeral port range of this host, or the kernel default. */
void ephemeral_port_range(unsigned int *lo, unsigned int *hi);

#endif
