/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The pieces user/output.c (records) and user/summary_output.c (summary
 * intervals) render with: columns, endpoints, names.  Internal to those two.
 */
#ifndef RSTSNOOP_OUTPUT_PARTS_H
#define RSTSNOOP_OUTPUT_PARTS_H

#include "output.h"
#include "json_writer.h"
#include "util.h"


/*
 * Table columns.  Each value fits its column by construction, except two:
 * a process name, whose escaped form can be 60 characters of an attacker's
 * choosing, is cut to its column and marked "+"; an address column starts
 * wide enough for any IPv4 endpoint and widens once, for good, to fit any
 * IPv6 endpoint (the header is printed again).  So lines stay aligned, and
 * no field holds a blank.  JSON has every value whole.
 */
#define TIME_W 12 /* HH:MM:SS.mmm */
#define PID_W 7	  /* PID_MAX_LIMIT 4194304 */
#define COMM_W 15
#define SOCK_W 10 /* socket inodes are 32-bit (get_next_ino) */
#define EVENT_W 8
#define STATE_W 12 /* NEW_SYN_RECV */
#define CONTEXT_W 24
#define COUNT_W 8
#define RATE_W 9
#define ADDR_W_IPV4 21 /* 255.255.255.255:65535 */
#define ADDR_W_IPV6 47 /* [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 */

#define ENDPOINT_SIZE (ADDR_W_IPV6 + 1)
#define COMM_TEXT_SIZE (4 * RST_COMM_LEN + 1)
#define CONTEXT_TEXT_SIZE (4 * CGROUP_UNIT_LEN + 8)

/*
 * What a record and a summary row both tell, read from either, so one set
 * of renderers serves both.  A row has no time, socket, state or error.
 */
struct incident {
	__u8 event, side, cause, flags, attribution, family;
	__u16 lport, rport; /* 0: the folded ephemeral port of a summary row */
	__u32 pid, reason, netns;
	int error;
	const char *comm; /* RST_COMM_LEN raw bytes: hostile */
	const __u8 *laddr, *raddr;
};

struct incident incident_of_record(const struct rst_record *rec);
/* A value padded to its column width (left- or right-aligned), then a blank. */
void column(FILE *out, const char *value, int width, bool left);
/* The kernel's reason name, NULL where the kernel gave none. */
const char *reason_of(const struct output *o, const struct incident *in);
/* RFC 3339 UTC with microseconds of a CLOCK_MONOTONIC time. */
void rfc3339(char *buf, size_t size, const struct output *o, __u64 mono_ns);
/* Local wall-clock time HH:MM:SS.mmm of a CLOCK_MONOTONIC time. */
void wall_clock(char *buf, size_t size, const struct output *o, __u64 mono_ns);
/* A port, or null for the folded ephemeral port of a summary row. */
void port_field(struct json_writer *w, const char *key, __u16 port);
/* event .. dual_stack; pid, comm, uid only with_pid (a summary row has none). */
void json_what_and_where(struct json_writer *w, const struct incident *in, bool with_pid,
			 __u32 uid_value);
/* cmdline .. unit: the command line (len bytes, "cut" when it was longer;
 * NULL: unknown) and the cgroup (NULL: unknown) of a record or a row. */
void json_program(struct json_writer *w, const char *cmdline, size_t len, bool cut,
		  const struct cgroup_info *cg);
const char *table_event(const struct incident *in);
void endpoint(char *buf, const struct incident *in, const __u8 *addr, __u16 port);
/* Widens the address columns for good once an endpoint does not fit. */
bool widen_for(struct output *o, const char *local, const char *remote);
void table_detail(char *buf, size_t size, const struct output *o, const struct incident *in);
void comm_column(char *buf, size_t size, const struct incident *in);
void context_column(struct output *o, const struct cgroup_info *cg);

/* ---- who should have answered (user/listener_output.c) ---- */
struct listener_question;
/* Whether in is a connect this host refused, and the question it asks. */
bool incident_question(const struct output *o, const struct incident *in,
		       struct listener_question *q);
/* expected_listener and listeners_elsewhere (both null for other incidents). */
void json_listener_fields(struct json_writer *w, const struct output *o,
			  const struct incident *in);
/* Appends "was=COMM[PID] exit=N now=PLACE" to a DETAIL ("-": empty). */
void listener_detail(char *buf, size_t size, const struct output *o, const struct incident *in);
/* Under a summary row: the expected listener's command line, if known. */
void listener_command_line(const struct output *o, const struct incident *in, int indent);

#endif
