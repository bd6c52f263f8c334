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

static void print_json(struct output *o, const struct rst_record *rec)
{
	long long ns = (long long)rec->ts_ns + o->realtime_offset_ns;
	time_t secs = ns / NSEC_PER_SEC;
	char stamp[48], date[32], addr[INET6_ADDRSTRLEN];
	struct json_writer w;
	struct tm tm;
	bool owner = rec->flags & RST_F_OWNER;
	bool handshake = rec->event == RST_EV_HANDSHAKE_FAILED;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp, sizeof(stamp), "%s.%06lldZ", date, (ns % NSEC_PER_SEC) / 1000);

	jw_begin(&w, o->out);
	jw_string(&w, "time", stamp);
	jw_string(&w, "event", event_name(rec->event));
	jw_string(&w, "side", handshake ? side_name(rec->side) : NULL);
	jw_string(&w, "cause", handshake ? cause_name(rec->cause) : NULL);
	if (owner) {
		jw_uint(&w, "pid", rec->pid);
		jw_bytes(&w, "comm", rec->comm, sizeof(rec->comm));
		jw_uint(&w, "uid", rec->uid);
	} else {
		jw_null(&w, "pid");
		jw_null(&w, "comm");
		jw_null(&w, "uid");
	}
	jw_string(&w, "attribution", attribution_name(owner ? rec->attribution : RST_ATTR_NONE));
	jw_string(&w, "family", rec->family == AF_INET6 ? "ipv6" : "ipv4");
	format_addr(addr, sizeof(addr), rec->family, rec->laddr);
	jw_string(&w, "laddr", addr);
	jw_uint(&w, "lport", rec->lport);
	format_addr(addr, sizeof(addr), rec->family, rec->raddr);
	jw_string(&w, "raddr", addr);
	jw_uint(&w, "rport", rec->rport);
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

static void print_text(struct output *o, const struct rst_record *rec)
{
	long long ns = (long long)rec->ts_ns + o->realtime_offset_ns;
	time_t secs = ns / NSEC_PER_SEC;
	char clock[16], pid[16], comm[4 * RST_COMM_LEN + 1], sock[24];
	char local[64], remote[64], detail[96];
	const char *state = state_of(rec);
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (rec->flags & RST_F_OWNER) {
		snprintf(pid, sizeof(pid), "%u", rec->pid);
		text_escape(comm, sizeof(comm), rec->comm, sizeof(rec->comm));
	} else {
		snprintf(pid, sizeof(pid), "-");
		snprintf(comm, sizeof(comm), "-");
	}
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
