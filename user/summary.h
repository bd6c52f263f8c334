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
#include "record.h"

/* What a summary row is grouped by: a record without time and socket. */
struct summary_key {
	__u32 pid; /* with RST_F_OWNER */
	__u32 reason;
	__u32 netns; /* one port in two namespaces: two services */
	__u16 lport; /* 0: ephemeral, folded */
	__u16 rport;
	__u8 laddr[RST_ADDR_LEN];
	__u8 raddr[RST_ADDR_LEN];
	char comm[RST_COMM_LEN];
	__u8 event, side, cause, family, flags;
	__u8 attribution; /* with RST_F_OWNER: how pid and comm were found */
	__u8 pad[6];
};

struct summary_row {
	struct summary_key key;
	__u64 count;
};

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
/* Counts rec in the current interval (callers close the ones it is past). */
void summary_add(struct summary *s, const struct rst_record *rec);
/* Rows of the current interval, most frequent first; valid until summary_next. */
const struct summary_row *summary_rows(struct summary *s, size_t *count);
/* Records that found no free row (more distinct groups than the table holds). */
__u64 summary_overflow(const struct summary *s);
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
