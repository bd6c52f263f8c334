/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --summary: instead of a line per record, counts and rates per interval,
 * grouped by what happened, to which process, on which service port.
 * The ephemeral end of a connection is folded away (port 0, shown as "*"),
 * so a process failing every few seconds is one row with its rate.
 */
#ifndef RSTSNOOP_SUMMARY_H
#define RSTSNOOP_SUMMARY_H

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
	__u8 pad[7];
};

struct summary_row {
	struct summary_key key;
	__u64 count;
};

struct summary;

/* Ports in [eph_lo, eph_hi] are ephemeral (net.ipv4.ip_local_port_range). */
struct summary *summary_new(unsigned int eph_lo, unsigned int eph_hi);
void summary_free(struct summary *s);
void summary_add(struct summary *s, const struct rst_record *rec);
/* Rows of the interval, most frequent first; valid until the next reset. */
const struct summary_row *summary_rows(struct summary *s, size_t *count);
/* Records that found no free row (more distinct groups than the table holds). */
__u64 summary_overflow(const struct summary *s);
void summary_reset(struct summary *s);

/* The ephemeral port range of this host, or the kernel default. */
void ephemeral_port_range(unsigned int *lo, unsigned int *hi);

#endif
