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
#include "kernel_names.h"
#include "summary.h"

struct output {
	FILE *out;
	bool json;
	const struct reset_reasons *reasons;
	long long realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int addr_width;		      /* the table's LOCAL and REMOTE columns */
};

void output_init(struct output *o, FILE *out, bool json, const struct reset_reasons *reasons);
/* Column header of the table (again when the columns widen); nothing in JSON mode. */
void output_header(struct output *o);
void output_record(struct output *o, const struct rst_record *rec);
/*
 * One interval of --summary: its rows with count and rate (none for a
 * partial interval); text mode adds a heading.
 */
void output_summary(struct output *o, const struct summary_row *rows, size_t n,
		    const struct summary_interval *iv);

/* JSON names of a record's event and handshake cause; NULL if none. */
const char *event_name(__u8 event);
const char *cause_name(__u8 cause);

/* Formats addr/port as "a.b.c.d" / "2001:db8::1" into buf (>= 46 bytes). */
void format_addr(char *buf, size_t size, int family, const __u8 *addr);

#endif
