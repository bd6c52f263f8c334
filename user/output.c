// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "output.h"
#include "escape.h"
#include "json_writer.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

_Static_assert(sizeof(struct rst_record) == RST_RECORD_SIZE,
	       "struct rst_record differs between BPF and user space");

#define NSEC_PER_SEC 1000000000LL

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
#define COUNT_W 8
#define RATE_W 9
#define ADDR_W_IPV4 21 /* 255.255.255.255:65535 */
#define ADDR_W_IPV6 47 /* [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 */

void output_init(struct output *o, FILE *out, bool json, const struct reset_reasons *reasons)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	o->out = out;
	o->json = json;
	o->reasons = reasons;
	o->addr_width = ADDR_W_IPV4;
	o->realtime_offset_ns = (real.tv_sec - mono.tv_sec) * NSEC_PER_SEC +
				(real.tv_nsec - mono.tv_nsec);
}

/* A value padded to its column width (left- or right-aligned), then a blank. */
static void column(FILE *out, const char *value, int width, bool left)
{
	fprintf(out, left ? "%-*s " : "%*s ", width, value);
}

void output_header(struct output *o)
{
	if (o->json)
		return;
	column(o->out, "TIME", TIME_W, true);
	column(o->out, "PID", PID_W, true);
	column(o->out, "COMM", COMM_W, true);
	column(o->out, "SOCK", SOCK_W, true);
	column(o->out, "EVENT", EVENT_W, true);
	column(o->out, "LOCAL", o->addr_width, true);
	column(o->out, "REMOTE", o->addr_width, true);
	column(o->out, "STATE", STATE_W, true);
	fputs("DETAIL\n", o->out);
}

void format_addr(char *buf, size_t size, int family, const __u8 *addr)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, size))
		snprintf(buf, size, "?");
}

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

static struct incident incident_of_record(const struct rst_record *rec)
{
	return (struct incident){
		.event = rec->event, .side = rec->side, .cause = rec->cause, .flags = rec->flags,
		.attribution = rec->attribution, .family = rec->family, .lport = rec->lport,
		.rport = rec->rport, .pid = rec->pid, .reason = rec->reason, .netns = rec->netns,
		.error = rec->error, .comm = rec->comm, .laddr = rec->laddr, .raddr = rec->raddr,
	};
}

static struct incident incident_of_row(const struct summary_key *k)
{
	return (struct incident){
		.event = k->event, .side = k->side, .cause = k->cause, .flags = k->flags,
		.attribution = k->attribution, .family = k->family, .lport = k->lport,
		.rport = k->rport, .pid = k->pid, .reason = k->reason, .netns = k->netns,
		.comm = k->comm, .laddr = k->laddr, .raddr = k->raddr,
	};
}

const char *event_name(__u8 event)
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

const char *cause_name(__u8 cause)
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
static const char *reason_of(const struct output *o, const struct incident *in)
{
	if (!(in->flags & RST_F_REASON))
		return NULL;
	return reset_reason_name(o->reasons, in->reason);
}

static const char *state_of(const struct rst_record *rec)
{
	return rec->flags & RST_F_STATE ? tcp_state_name(rec->state) : NULL;
}

/* RFC 3339 UTC with microseconds of a CLOCK_MONOTONIC time. */
static void rfc3339(char *buf, size_t size, const struct output *o, __u64 mono_ns)
{
	long long ns = (long long)mono_ns + o->realtime_offset_ns;
	time_t secs = ns / NSEC_PER_SEC;
	char date[32];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06lldZ", date, (ns % NSEC_PER_SEC) / 1000);
}

/* A port, or null for the folded ephemeral port of a summary row. */
static void port_field(struct json_writer *w, const char *key, __u16 port)
{
	if (port)
		jw_uint(w, key, port);
	else
		jw_null(w, key);
}

/* event .. dual_stack: the fields records and summary rows share. */
static void json_what_and_where(struct json_writer *w, const struct incident *in, bool uid,
				__u32 uid_value)
{
	char addr[INET6_ADDRSTRLEN];
	bool owner = in->flags & RST_F_OWNER;
	bool handshake = in->event == RST_EV_HANDSHAKE_FAILED;

	jw_string(w, "event", event_name(in->event));
	jw_string(w, "side", handshake ? side_name(in->side) : NULL);
	jw_string(w, "cause", handshake ? cause_name(in->cause) : NULL);
	if (owner) {
		jw_uint(w, "pid", in->pid);
		jw_bytes(w, "comm", in->comm, RST_COMM_LEN);
	} else {
		jw_null(w, "pid");
		jw_null(w, "comm");
	}
	if (uid && owner)
		jw_uint(w, "uid", uid_value);
	else if (uid)
		jw_null(w, "uid");
	jw_string(w, "attribution", attribution_name(owner ? in->attribution : RST_ATTR_NONE));
	jw_string(w, "family", in->family == AF_INET6 ? "ipv6" : "ipv4");
	format_addr(addr, sizeof(addr), in->family, in->laddr);
	jw_string(w, "laddr", addr);
	port_field(w, "lport", in->lport);
	format_addr(addr, sizeof(addr), in->family, in->raddr);
	jw_string(w, "raddr", addr);
	port_field(w, "rport", in->rport);
	jw_bool(w, "dual_stack", in->flags & RST_F_V4MAPPED);
}

static void print_json(struct output *o, const struct rst_record *rec)
{
	struct incident in = incident_of_record(rec);
	bool handshake = rec->event == RST_EV_HANDSHAKE_FAILED;
	struct json_writer w;
	char stamp[48];

	rfc3339(stamp, sizeof(stamp), o, rec->ts_ns);
	jw_begin(&w, o->out);
	jw_string(&w, "time", stamp);
	json_what_and_where(&w, &in, true, rec->uid);
	jw_string(&w, "state", state_of(rec));
	jw_string(&w, "reason", reason_of(o, &in));
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
static const char *table_event(const struct incident *in)
{
	if (in->event == RST_EV_RESET_SENT)
		return "rst-sent";
	if (in->event == RST_EV_RESET_RECEIVED)
		return "rst-recv";
	switch (in->cause) {
	case RST_CAUSE_REFUSED:
		return "refused";
	case RST_CAUSE_TIMEOUT:
		return "timeout";
	case RST_CAUSE_RESET:
		return "hs-reset";
	}
	return "hs-error";
}

#define ENDPOINT_SIZE (ADDR_W_IPV6 + 1)

static void endpoint(char *buf, const struct incident *in, const __u8 *addr, __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	format_addr(a, sizeof(a), in->family, addr);
	if (!port) /* the folded ephemeral port of a summary row */
		snprintf(buf, ENDPOINT_SIZE, in->family == AF_INET6 ? "[%s]:*" : "%s:*", a);
	else
		snprintf(buf, ENDPOINT_SIZE, in->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* Widens the address columns for good once an endpoint does not fit. */
static bool widen_for(struct output *o, const char *local, const char *remote)
{
	if ((int)strlen(local) <= o->addr_width && (int)strlen(remote) <= o->addr_width)
		return false;
	o->addr_width = ADDR_W_IPV6;
	return true;
}

/* Reason, who sent the RST, error, side and dual stack, as far as known. */
static void table_detail(char *buf, size_t size, const struct output *o,
			 const struct incident *in)
{
	const char *reason = reason_of(o, in);
	const char *err = errno_name(in->error);
	size_t n = 0;

	buf[0] = '\0';
	if (reason)
		n += snprintf(buf + n, size - n, "%s ", reason);
	else if (o->reasons->count == 0 && in->event != RST_EV_RESET_RECEIVED)
		n += snprintf(buf + n, size - n, "reason:n/a(kernel) ");
	if (n < size && (in->flags & RST_F_LOCAL_RST))
		n += snprintf(buf + n, size - n, "local ");
	if (n < size && in->event == RST_EV_HANDSHAKE_FAILED && in->cause != RST_CAUSE_REFUSED &&
	    err)
		n += snprintf(buf + n, size - n, "%s ", err);
	if (n < size && in->side == RST_SIDE_SERVER)
		n += snprintf(buf + n, size - n, "server ");
	if (n < size && (in->flags & RST_F_V4MAPPED))
		n += snprintf(buf + n, size - n, "dual-stack ");
	if (n > 0 && n <= size)
		buf[n - 1] = '\0'; /* trailing blank */
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* Local wall-clock time HH:MM:SS.mmm of a CLOCK_MONOTONIC time. */
static void wall_clock(char *buf, size_t size, const struct output *o, __u64 mono_ns)
{
	long long ns = (long long)mono_ns + o->realtime_offset_ns;
	time_t secs = ns / NSEC_PER_SEC;
	char hms[16];
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03lld", hms, ns % NSEC_PER_SEC / 1000000);
}

/*
 * The escaped name, cut to its column at a whole escape and marked "+" when
 * it does not fit ("-" without an owner).
 */
static void comm_column(char *buf, size_t size, const struct incident *in)
{
	if (!(in->flags & RST_F_OWNER)) {
		snprintf(buf, size, "-");
		return;
	}
	if (text_escape(buf, size, in->comm, RST_COMM_LEN) <= COMM_W)
		return;
	text_escape(buf, COMM_W, in->comm, RST_COMM_LEN); /* at most COMM_W - 1 */
	strcat(buf, "+");
}

#define COMM_TEXT_SIZE (4 * RST_COMM_LEN + 1)

/* The PID and COMM columns, "-" without an owner. */
static void owner_columns(struct output *o, const struct incident *in)
{
	char pid[16], comm[COMM_TEXT_SIZE];

	if (in->flags & RST_F_OWNER)
		snprintf(pid, sizeof(pid), "%u", in->pid);
	else
		snprintf(pid, sizeof(pid), "-");
	comm_column(comm, sizeof(comm), in);
	column(o->out, pid, PID_W, true);
	column(o->out, comm, COMM_W, true);
}

static void print_text(struct output *o, const struct rst_record *rec)
{
	struct incident in = incident_of_record(rec);
	char clock[24], sock[24], local[ENDPOINT_SIZE], remote[ENDPOINT_SIZE], detail[128];
	const char *state = state_of(rec);

	endpoint(local, &in, rec->laddr, rec->lport);
	endpoint(remote, &in, rec->raddr, rec->rport);
	if (widen_for(o, local, remote))
		output_header(o);
	wall_clock(clock, sizeof(clock), o, rec->ts_ns);
	if (rec->sock_ino)
		snprintf(sock, sizeof(sock), "%llu", (unsigned long long)rec->sock_ino);
	else
		snprintf(sock, sizeof(sock), "-");
	table_detail(detail, sizeof(detail), o, &in);
	column(o->out, clock, TIME_W, true);
	owner_columns(o, &in);
	column(o->out, sock, SOCK_W, true);
	column(o->out, table_event(&in), EVENT_W, true);
	column(o->out, local, o->addr_width, true);
	column(o->out, remote, o->addr_width, true);
	column(o->out, state ? state : "-", STATE_W, true);
	fprintf(o->out, "%s\n", detail);
}

void output_record(struct output *o, const struct rst_record *rec)
{
	if (o->json)
		print_json(o, rec);
	else
		print_text(o, rec);
}

static double interval_seconds(const struct summary_interval *iv)
{
	return (iv->end_ns - iv->start_ns) / 1e9;
}

static void summary_json(struct output *o, const struct summary_row *rows, size_t n,
			 const struct summary_interval *iv)
{
	double seconds = interval_seconds(iv);
	char stamp[48];

	rfc3339(stamp, sizeof(stamp), o, iv->end_ns);
	for (size_t i = 0; i < n; i++) {
		struct incident in = incident_of_row(&rows[i].key);
		struct json_writer w;

		jw_begin(&w, o->out);
		jw_string(&w, "time", stamp);
		jw_string(&w, "summary", "interval");
		jw_decimal(&w, "interval_s", seconds);
		jw_bool(&w, "partial", iv->partial);
		jw_uint(&w, "count", rows[i].count);
		/* a partial interval's rate would extrapolate a moment */
		if (iv->partial)
			jw_null(&w, "rate_per_s");
		else
			jw_decimal(&w, "rate_per_s", rows[i].count / seconds);
		json_what_and_where(&w, &in, false, 0);
		jw_string(&w, "reason", reason_of(o, &in));
		jw_string(&w, "rst_origin", in.flags & RST_F_LOCAL_RST ? "local_stack" : NULL);
		jw_uint(&w, "netns", in.netns);
		jw_end(&w);
	}
}

void output_summary(struct output *o, const struct summary_row *rows, size_t n,
		    const struct summary_interval *iv)
{
	double seconds = interval_seconds(iv);
	char clock[24], local[ENDPOINT_SIZE], remote[ENDPOINT_SIZE], detail[128], count[24];
	char rate[32];

	if (o->json) {
		summary_json(o, rows, n, iv);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct incident in = incident_of_row(&rows[i].key);

		endpoint(local, &in, in.laddr, in.lport);
		endpoint(remote, &in, in.raddr, in.rport);
		widen_for(o, local, remote);
	}
	wall_clock(clock, sizeof(clock), o, iv->end_ns);
	if (iv->partial)
		fprintf(o->out, "%s  %zu group%s in %.3f s, partial (the run ended): no rate\n", clock,
			n, n == 1 ? "" : "s", seconds);
	else
		fprintf(o->out, "%s  %zu group%s in %.1f s\n", clock, n, n == 1 ? "" : "s", seconds);
	if (!n)
		return;
	fprintf(o->out, "%*s %*s ", COUNT_W, "COUNT", RATE_W, "RATE/s");
	column(o->out, "PID", PID_W, true);
	column(o->out, "COMM", COMM_W, true);
	column(o->out, "EVENT", EVENT_W, true);
	column(o->out, "LOCAL", o->addr_width, true);
	column(o->out, "REMOTE", o->addr_width, true);
	fputs("DETAIL\n", o->out);
	for (size_t i = 0; i < n; i++) {
		struct incident in = incident_of_row(&rows[i].key);

		endpoint(local, &in, in.laddr, in.lport);
		endpoint(remote, &in, in.raddr, in.rport);
		table_detail(detail, sizeof(detail), o, &in);
		snprintf(count, sizeof(count), "%llu", (unsigned long long)rows[i].count);
		if (iv->partial)
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%.2f", rows[i].count / seconds);
		column(o->out, count, COUNT_W, false);
		column(o->out, rate, RATE_W, false);
		owner_columns(o, &in);
		column(o->out, table_event(&in), EVENT_W, true);
		column(o->out, local, o->addr_width, true);
		column(o->out, remote, o->addr_width, true);
		fprintf(o->out, "%s\n", detail);
	}
}
