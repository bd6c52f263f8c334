/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Rendering of records: a human table (default) or JSON Lines (--json).
 * The JSON field names are a contract documented in README.md.
 */
#ifndef RSTSNOOP_OUTPUT_H
#define RSTSNOOP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "record.h"
#include "identity.h"
#include "kernel_counters.h"
#include "kernel_names.h"
#include "summary.h"

struct listener_history;

struct output {
	FILE *out;
	bool json;
	const struct reset_reasons *reasons;
	long long realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int addr_width;		      /* the table's LOCAL and REMOTE columns */
	/* who listened where: names the listener a refused connect expected
	 * (NULL: not kept, and those fields are null) */
	const struct listener_history *listeners;
};

void output_init(struct output *o, FILE *out, bool json, const struct reset_reasons *reasons);
/* Column header of the table (again when the columns widen); nothing in JSON mode. */
void output_header(struct output *o);
/* id: who the owner is beyond its pid (NULL: unknown). */
void output_record(struct output *o, const struct rst_record *rec, const struct identity *id);
/* One interval of --summary, everything it shows. */
struct summary_report {
	const struct summary_row *rows; /* most frequent first */
	size_t n;
	size_t top; /* rows shown; 0: all */
	const struct summary_interval *iv;
	bool pids_exact;
	const struct summary *summary; /* rstsnoop's own counts per namespace */
	const struct netns_delta *kernel; /* the kernel's counters per watched namespace */
	size_t nkernel;
	__u64 lost, owner_collisions, overflow; /* in this interval */
	__u64 map_update_failures;		/* in this interval, all maps */
	struct cgroup_names *cgroups;	      /* names each row's cgroup; may be NULL */
};

/*
 * One interval of --summary: its rows with count, rate (none for a partial
 * interval) and pids, the kernel's counters next to rstsnoop's, and what
 * was lost.  Text adds a heading; JSON is one object per interval.
 */
void output_summary(struct output *o, const struct summary_report *r);

/* JSON names of a record's event and handshake cause; NULL if none. */
const char *event_name(__u8 event);
const char *cause_name(__u8 cause);

/* CLOCK_REALTIME of a record's CLOCK_MONOTONIC time, clamped, never wrapped. */
__u64 realtime_ns(const struct output *o, __u64 mono_ns);

/* Formats addr/port as "a.b.c.d" / "2001:db8::1" into buf (>= 46 bytes). */
void format_addr(char *buf, size_t size, int family, const __u8 *addr);

#endif
