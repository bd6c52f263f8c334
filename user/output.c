// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "output.h"
#include "escape.h"
#include "json_writer.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

_Static_assert(sizeof(struct rst_record) == RST_RECORD_SIZE,
	       "struct rst_record differs between BPF and user space");

#define NSEC_PER_SEC 1000000000LL

/*
 * 105 columns before DETAIL, so a line fits 120 for IPv4 endpoints and
 * details up to 15 characters; longer addresses or reasons push the line
 * wider rather than being cut (the JSON output has everything).
 */
#define TABLE_FMT "%-8s %-7s %-15s %-8s %-8s %-20s %-20s %-11s %s\n"

void output_init(struct output *o, FILE *out, bool json, const struct reset_reasons *reasons)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	o->out = out;
	o->json = json;
	o->reasons = reasons;
	o->realtime_offset_ns = (real.tv_sec - mono.tv_sec) * NSEC_PER_SEC +
				(real.tv_nsec - mono.tv_nsec);
}

void output_header(struct output *o)
{
	if (!o->json)
		fprintf(o->out, TABLE_FMT, "TIME", "PID", "COMM", "SOCK", "EVENT", "LOCAL",
			"REMOTE", "STATE", "DETAIL");
}

void format_addr(char *buf, size_t size, int family, const __u8 *addr)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, size))
		snprintf(buf, size, "?");
}

static const char *event_name(__u8 event)
{
	switch (event) {
	case RST_EV_RESET_SENT:
		return "reset_sent";
	case RST_EV_RESET_RECEIVED:
		return "reset_received";
	case RST_EV_HANDSHAKE_FAILED:
		return "handshake_failed";
	}
	return NULL;
}

static const char *side_name(__u8 side)
{
	return side == RST_SIDE_CLIENT ? "client" : side == RST_SIDE_SERVER ? "server" : NULL;
}

static const char *cause_name(__u8 cause)
{
	static const char *const names[] = {
		[RST_CAUSE_REFUSED] = "refused",
		[RST_CAUSE_RESET] = "reset",
		[RST_CAUSE_TIMEOUT] = "timeout",
		[RST_CAUSE_OTHER] = "other",
	};

	return cause < sizeof(names) / sizeof(names[0]) ? names[cause] : NULL;
}

static const char *attribution_name(__u8 how)
{
	static const char *const names[] = {
		[RST_ATTR_NONE] = "none",
		[RST_ATTR_SOCKET_OWNER] = "socket_owner",
		[RST_ATTR_CURRENT] = "current",
	};

	return how < sizeof(names) / sizeof(names[0]) ? names[how] : "none";
}

/* The kernel's reason name, NULL where the kernel gave none. */
static const char *reason_of(const struct output *o, const struct rst_record *rec)
{
	if (!(rec->flags & RST_F_REASON))
		return NULL;
	return reset_reason_name(o->reasons, rec->reason);
}

static const char *state_of(const struct rst_record *rec)
{
	return rec->flags & RST_F_STATE ? tcp_state_name(rec->state) : NULL;
}

/*
 * CLOCK_REALTIME of a CLOCK_MONOTONIC time, in unsigned arithmetic clamped
 * to 0..2^64-1: a garbled timestamp must not overflow (found by fuzzing).
 */
static __u64 realtime_ns(const struct output *o, __u64 mono_ns)
{
	__u64 offset = o->realtime_offset_ns < 0 ? -(__u64)o->realtime_offset_ns
						 : (__u64)o->realtime_offset_ns;

	if (o->realtime_offset_ns < 0)
		return mono_ns > offset ? mono_ns - offset : 0;
	return mono_ns > UINT64_MAX - offset ? UINT64_MAX : mono_ns + offset;
}

/* RFC 3339 UTC with microseconds of a CLOCK_MONOTONIC time. */
static void rfc3339(char *buf, size_t size, const struct output *o, __u64 mono_ns)
{
	__u64 ns = realtime_ns(o, mono_ns);
	time_t secs = ns / NSEC_PER_SEC;
	char date[32];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06lluZ", date, (unsigned long long)(ns % NSEC_PER_SEC) / 1000);
}

/* A port, or null for the folded ephemeral port of a summary row. */
static void port_field(struct json_writer *w, const char *key, __u16 port)
{
	if (port)
		jw_uint(w, key, port);
	else
		jw_null(w, key);
}

/* event .. rport: the fields records and summary rows share. */
static void json_what_and_where(struct json_writer *w, const struct rst_record *rec, bool uid)
{
	char addr[INET6_ADDRSTRLEN];
	bool owner = rec->flags & RST_F_OWNER;
	bool handshake = rec->event == RST_EV_HANDSHAKE_FAILED;

	jw_string(w, "event", event_name(rec->event));
	jw_string(w, "side", handshake ? side_name(rec->side) : NULL);
	jw_string(w, "cause", handshake ? cause_name(rec->cause) : NULL);
	if (owner) {
		jw_uint(w, "pid", rec->pid);
		jw_bytes(w, "comm", rec->comm, sizeof(rec->comm));
	} else {
		jw_null(w, "pid");
		jw_null(w, "comm");
	}
	if (uid && owner)
		jw_uint(w, "uid", rec->uid);
	else if (uid)
		jw_null(w, "uid");
	jw_string(w, "attribution", attribution_name(owner ? rec->attribution : RST_ATTR_NONE));
	jw_string(w, "family", rec->family == AF_INET6 ? "ipv6" : "ipv4");
	format_addr(addr, sizeof(addr), rec->family, rec->laddr);
	jw_string(w, "laddr", addr);
	port_field(w, "lport", rec->lport);
	format_addr(addr, sizeof(addr), rec->family, rec->raddr);
	jw_string(w, "raddr", addr);
	port_field(w, "rport", rec->rport);
}

static void print_json(struct output *o, const struct rst_record *rec)
{
	char stamp[48];
	struct json_writer w;
	bool handshake = rec->event == RST_EV_HANDSHAKE_FAILED;

	rfc3339(stamp, sizeof(stamp), o, rec->ts_ns);
	jw_begin(&w, o->out);
	jw_string(&w, "time", stamp);
	json_what_and_where(&w, rec, true);
	jw_string(&w, "state", state_of(rec));
	jw_string(&w, "reason", reason_of(o, rec));
	jw_string(&w, "rst_origin", rec->flags & RST_F_LOCAL_RST ? "local_stack" : NULL);
	jw_string(&w, "error", handshake ? errno_name(rec->error) : NULL);
	if (rec->sock_ino)
		jw_uint(&w, "sock_ino", rec->sock_ino);
	else
		jw_null(&w, "sock_ino");
	if (rec->sock_cookie)
		jw_uint(&w, "sock_cookie", rec->sock_cookie);
	else
		jw_null(&w, "sock_cookie");
	jw_uint(&w, "netns", rec->netns);
	jw_end(&w);
}

/* Short event label of the table. */
static const char *table_event(const struct rst_record *rec)
{
	if (rec->event == RST_EV_RESET_SENT)
		return "rst-sent";
	if (rec->event == RST_EV_RESET_RECEIVED)
		return "rst-recv";
	switch (rec->cause) {
	case RST_CAUSE_REFUSED:
		return "refused";
	case RST_CAUSE_TIMEOUT:
		return "timeout";
	case RST_CAUSE_RESET:
		return "hs-reset";
	}
	return "hs-error";
}

static void endpoint(char *buf, size_t size, const struct rst_record *rec, const __u8 *addr,
		     __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	format_addr(a, sizeof(a), rec->family, addr);
	if (!port) /* the folded ephemeral port of a summary row */
		snprintf(buf, size, rec->family == AF_INET6 ? "[%s]:*" : "%s:*", a);
	else
		snprintf(buf, size, rec->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* Reason, who sent the RST, error and side, as far as known. */
static void table_detail(char *buf, size_t size, const struct output *o,
			 const struct rst_record *rec)
{
	const char *reason = reason_of(o, rec);
	const char *err = errno_name(rec->error);
	size_t n = 0;

	buf[0] = '\0';
	if (reason)
		n += snprintf(buf + n, size - n, "%s ", reason);
	else if (o->reasons->count == 0 && rec->event != RST_EV_RESET_RECEIVED)
		n += snprintf(buf + n, size - n, "reason:n/a(kernel) ");
	if (n < size && (rec->flags & RST_F_LOCAL_RST))
		n += snprintf(buf + n, size - n, "local ");
	if (n < size && rec->event == RST_EV_HANDSHAKE_FAILED && rec->cause != RST_CAUSE_REFUSED &&
	    err)
		n += snprintf(buf + n, size - n, "%s ", err);
	if (n < size && rec->side == RST_SIDE_SERVER)
		n += snprintf(buf + n, size - n, "server ");
	if (n > 0 && n <= size)
		buf[n - 1] = '\0'; /* trailing blank */
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* Local wall-clock time HH:MM:SS of a CLOCK_MONOTONIC time. */
static void wall_clock(char *buf, size_t size, const struct output *o, __u64 mono_ns)
{
	time_t secs = realtime_ns(o, mono_ns) / NSEC_PER_SEC;
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
}

#define COMM_TEXT_SIZE (4 * RST_COMM_LEN + 1)

/* PID and escaped COMM columns, "-" without an owner. */
static void owner_columns(char *pid, size_t pid_size, char *comm, const struct rst_record *rec)
{
	if (rec->flags & RST_F_OWNER) {
		snprintf(pid, pid_size, "%u", rec->pid);
		text_escape(comm, COMM_TEXT_SIZE, rec->comm, sizeof(rec->comm));
	} else {
		snprintf(pid, pid_size, "-");
		snprintf(comm, COMM_TEXT_SIZE, "-");
	}
}

static void print_text(struct output *o, const struct rst_record *rec)
{
	char clock[16], pid[16], comm[COMM_TEXT_SIZE], sock[24];
	char local[64], remote[64], detail[96];
	const char *state = state_of(rec);

	wall_clock(clock, sizeof(clock), o, rec->ts_ns);
	owner_columns(pid, sizeof(pid), comm, rec);
	if (rec->sock_ino)
		snprintf(sock, sizeof(sock), "%llu", (unsigned long long)rec->sock_ino);
	else
		snprintf(sock, sizeof(sock), "-");
	endpoint(local, sizeof(local), rec, rec->laddr, rec->lport);
	endpoint(remote, sizeof(remote), rec, rec->raddr, rec->rport);
	table_detail(detail, sizeof(detail), o, rec);
	fprintf(o->out, TABLE_FMT, clock, pid, comm, sock, table_event(rec), local, remote,
		state ? state : "-", detail);
}

void output_record(struct output *o, const struct rst_record *rec)
{
	if (o->json)
		print_json(o, rec);
	else
		print_text(o, rec);
}

/* The record a summary row stands for, so rows render like records. */
static void record_of_row(struct rst_record *rec, const struct summary_key *k)
{
	memset(rec, 0, sizeof(*rec));
	rec->pid = k->pid;
	rec->reason = k->reason;
	rec->lport = k->lport;
	rec->rport = k->rport;
	memcpy(rec->laddr, k->laddr, sizeof(rec->laddr));
	memcpy(rec->raddr, k->raddr, sizeof(rec->raddr));
	memcpy(rec->comm, k->comm, sizeof(rec->comm));
	rec->event = k->event;
	rec->side = k->side;
	rec->cause = k->cause;
	rec->family = k->family;
	rec->netns = k->netns;
	rec->flags = k->flags;
	rec->attribution = RST_ATTR_SOCKET_OWNER; /* only shown with an owner */
}

#define SUMMARY_FMT "%8s %9s %-7s %-15s %-8s %-20s %-20s %s\n"

void output_summary(struct output *o, const struct summary_row *rows, size_t n, __u64 end_ns,
		    double seconds)
{
	char stamp[48], clock[16], pid[16], comm[COMM_TEXT_SIZE], local[64], remote[64];
	char detail[96], count[24], rate[32];
	struct rst_record rec;

	if (o->json) {
		rfc3339(stamp, sizeof(stamp), o, end_ns);
		for (size_t i = 0; i < n; i++) {
			struct json_writer w;

			record_of_row(&rec, &rows[i].key);
			jw_begin(&w, o->out);
			jw_string(&w, "time", stamp);
			jw_string(&w, "summary", "interval");
			jw_decimal(&w, "interval_s", seconds);
			jw_uint(&w, "count", rows[i].count);
			jw_decimal(&w, "rate_per_s", rows[i].count / seconds);
			json_what_and_where(&w, &rec, false);
			jw_string(&w, "reason", reason_of(o, &rec));
			jw_string(&w, "rst_origin", rec.flags & RST_F_LOCAL_RST ? "local_stack" : NULL);
			jw_uint(&w, "netns", rec.netns);
			jw_end(&w);
		}
		return;
	}
	wall_clock(clock, sizeof(clock), o, end_ns);
	fprintf(o->out, "%s  %zu group%s in %.1f s\n", clock, n, n == 1 ? "" : "s", seconds);
	if (!n)
		return;
	fprintf(o->out, SUMMARY_FMT, "COUNT", "RATE/s", "PID", "COMM", "EVENT", "LOCAL", "REMOTE",
		"DETAIL");
	for (size_t i = 0; i < n; i++) {
		record_of_row(&rec, &rows[i].key);
		owner_columns(pid, sizeof(pid), comm, &rec);
		endpoint(local, sizeof(local), &rec, rec.laddr, rec.lport);
		endpoint(remote, sizeof(remote), &rec, rec.raddr, rec.rport);
		table_detail(detail, sizeof(detail), o, &rec);
		snprintf(count, sizeof(count), "%llu", (unsigned long long)rows[i].count);
		snprintf(rate, sizeof(rate), "%.2f", rows[i].count / seconds);
		fprintf(o->out, SUMMARY_FMT, count, rate, pid, comm, table_event(&rec), local, remote,
			detail);
	}
}
