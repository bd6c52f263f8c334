// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE /* fwrite_unlocked, fputs_unlocked */
#include "output.h"
#include "escape.h"
#include "identity.h"
#include "json_writer.h"
#include "origin.h"
#include "output_parts.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

_Static_assert(sizeof(struct rst_record) == RST_RECORD_SIZE,
	       "struct rst_record differs between BPF and user space");

void output_init(struct output *o, FILE *out, bool json, const struct reset_reasons *reasons)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	o->out = out;
	o->json = json;
	o->reasons = reasons;
	o->addr_width = ADDR_W_IPV4;
	o->listeners = NULL;
	o->realtime_offset_ns = (real.tv_sec - mono.tv_sec) * (long long)NSEC_PER_SEC +
				(real.tv_nsec - mono.tv_nsec);
}

/* A value padded to its column width (left- or right-aligned), then a
 * blank.  Unlocked stdio: the loader writes its output from one thread. */
void column(FILE *out, const char *value, int width, bool left)
{
	static const char blanks[] = "                                                      ";
	size_t n = strlen(value), pad = (size_t)width > n ? (size_t)width - n : 0;

	if (pad >= sizeof(blanks)) /* wider than any column: the slow way */
		pad = 0, fprintf(out, left ? "%-*s" : "%*s", width, value);
	else if (left)
		fwrite_unlocked(value, 1, n, out), fwrite_unlocked(blanks, 1, pad, out);
	else
		fwrite_unlocked(blanks, 1, pad, out), fwrite_unlocked(value, 1, n, out);
	putc_unlocked(' ', out);
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
	column(o->out, "CONTEXT", CONTEXT_W, true);
	fputs("DETAIL\n", o->out);
}

/* n as decimal digits at p; returns the end.  No printf on the hot path. */
static char *put_decimal(char *p, unsigned int n)
{
	char digits[10];
	int k = 0;

	do {
		digits[k++] = '0' + n % 10;
		n /= 10;
	} while (n);
	while (k)
		*p++ = digits[--k];
	return p;
}

/* n as exactly `width` digits, leading zeros kept. */
static void put_fixed(char *p, unsigned long long n, int width)
{
	while (width--) {
		p[width] = '0' + n % 10;
		n /= 10;
	}
}

void format_addr(char *buf, size_t size, int family, const __u8 *addr)
{
	char *p = buf;

	/* IPv4, what storms are made of, as inet_ntop() writes it */
	if (family != AF_INET6 && size >= INET_ADDRSTRLEN) {
		for (int i = 0; i < 4; i++) {
			p = put_decimal(p, addr[i]);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, size))
		snprintf(buf, size, "?");
}

/*
 * The part of a time stamp that names its second, formatted once per
 * second: records of a storm share it (one formatter per kind: the table's
 * local time and JSON's UTC).
 */
struct second_cache {
	time_t secs;
	bool valid;
	char text[32];
};

static const char *second_text(struct second_cache *c, time_t secs, bool utc)
{
	struct tm tm;

	if (c->valid && c->secs == secs)
		return c->text;
	if (utc)
		gmtime_r(&secs, &tm);
	else
		localtime_r(&secs, &tm);
	if (!strftime(c->text, sizeof(c->text), utc ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm))
		c->text[0] = '\0';
	c->secs = secs;
	c->valid = true;
	return c->text;
}

struct incident incident_of_record(const struct rst_record *rec)
{
	return (struct incident){
		.event = rec->event, .side = rec->side, .cause = rec->cause, .flags = rec->flags,
		.attribution = rec->attribution, .family = rec->family, .lport = rec->lport,
		.rport = rec->rport, .pid = rec->pid, .reason = rec->reason, .netns = rec->netns,
		.error = rec->error, .comm = rec->comm, .laddr = rec->laddr, .raddr = rec->raddr,
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
	case RST_EV_RESET_IGNORED:
		return "reset_ignored";
	case RST_EV_LISTEN_DROP:
		return "listen_drop";
	case RST_EV_TIMED_OUT:
		return "timed_out";
	case RST_EV_RESET_RACE:
		return "reset_race";
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
		[RST_CAUSE_REJECTED] = "rejected",
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
const char *reason_of(const struct output *o, const struct incident *in)
{
	if (!(in->flags & RST_F_REASON))
		return NULL;
	return reset_reason_name(o->reasons, in->reason);
}

static const char *state_of(const struct rst_record *rec)
{
	return rec->flags & RST_F_STATE ? tcp_state_name(rec->state) : NULL;
}

/*
 * CLOCK_REALTIME of a CLOCK_MONOTONIC time, in unsigned arithmetic clamped
 * to 0..2^64-1: a garbled timestamp must not overflow (found by fuzzing).
 */
__u64 realtime_ns(const struct output *o, __u64 mono_ns)
{
	__u64 offset = o->realtime_offset_ns < 0 ? -(__u64)o->realtime_offset_ns
						 : (__u64)o->realtime_offset_ns;

	if (o->realtime_offset_ns < 0)
		return mono_ns > offset ? mono_ns - offset : 0;
	return mono_ns > UINT64_MAX - offset ? UINT64_MAX : mono_ns + offset;
}

/*
 * A time stamp: the second's text (from c), a dot, `digits` digits of the
 * fraction, then suffix.  Cut to the second's text where buf is too small.
 */
static void format_stamp(char *buf, size_t size, struct second_cache *c, __u64 ns, bool utc,
			 int digits, const char *suffix)
{
	const char *second = second_text(c, ns / NSEC_PER_SEC, utc);
	size_t n = strlen(second), tail = strlen(suffix);
	__u64 fraction = ns % NSEC_PER_SEC;

	if (n + 1 + digits + tail + 1 > size) {
		snprintf(buf, size, "%s", second);
		return;
	}
	for (int i = digits; i < 9; i++)
		fraction /= 10;
	memcpy(buf, second, n);
	buf[n] = '.';
	put_fixed(buf + n + 1, fraction, digits);
	memcpy(buf + n + 1 + digits, suffix, tail + 1);
}

/* RFC 3339 UTC with microseconds of a CLOCK_MONOTONIC time. */
void rfc3339(char *buf, size_t size, const struct output *o, __u64 mono_ns)
{
	static struct second_cache utc;

	format_stamp(buf, size, &utc, realtime_ns(o, mono_ns), true, 6, "Z");
}

/* A port, or null for the folded ephemeral port of a summary row. */
void port_field(struct json_writer *w, const char *key, __u16 port)
{
	if (port)
		jw_uint(w, key, port);
	else
		jw_null(w, key);
}

/* event .. dual_stack: the fields records and summary rows share. */
void json_what_and_where(struct json_writer *w, const struct incident *in, bool with_pid,
			 __u32 uid_value)
{
	char addr[INET6_ADDRSTRLEN];
	bool owner = in->flags & RST_F_OWNER;
	/* a connection that timed out is a handshake's failure, later */
	bool handshake = in->event == RST_EV_HANDSHAKE_FAILED || in->event == RST_EV_TIMED_OUT;

	jw_string(w, "event", event_name(in->event));
	jw_string(w, "side", handshake ? side_name(in->side) : NULL);
	jw_string(w, "cause", handshake ? cause_name(in->cause) : NULL);
	if (with_pid && owner)
		jw_uint(w, "pid", in->pid);
	else if (with_pid)
		jw_null(w, "pid");
	if (owner)
		jw_bytes(w, "comm", in->comm, RST_COMM_LEN);
	else
		jw_null(w, "comm");
	if (with_pid && owner)
		jw_uint(w, "uid", uid_value);
	else if (with_pid)
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

/* A name of RST_COMM_LEN raw bytes, null when empty (unknown). */
static void name_field(struct json_writer *w, const char *key, const char *name)
{
	if (name[0])
		jw_bytes(w, key, name, RST_COMM_LEN);
	else
		jw_null(w, key);
}

/* tid .. unit: the thread, and who the process is beyond its pid. */
static void json_identity(struct json_writer *w, const struct rst_record *rec,
			  const struct identity *id)
{
	const struct rst_process *p = id->proc;
	const struct cgroup_info *cg = id->cgroup;
	char cmdline[RST_CMDLINE_LEN + 1];
	bool owner = rec->flags & RST_F_OWNER;

	if (owner && rec->tid)
		jw_uint(w, "tid", rec->tid);
	else
		jw_null(w, "tid");
	if (owner && rec->tid)
		name_field(w, "thread", rec->thread);
	else
		jw_null(w, "thread");
	if (p && p->ppid)
		jw_uint(w, "ppid", p->ppid);
	else
		jw_null(w, "ppid");
	if (p)
		name_field(w, "parent_comm", p->parent_comm);
	else
		jw_null(w, "parent_comm");
	if (p && p->cmdline_len)
		json_program(w, cmdline, cmdline_join(p, cmdline, sizeof(cmdline)), p->cmdline_cut, cg);
	else
		json_program(w, NULL, 0, false, cg);
}

/* pod, namespace, container_name: what the runtime's files name the
 * container; null each where they say nothing. */
static void names_fields(struct json_writer *w, const struct container_names *n)
{
	jw_string(w, "pod", n && n->pod[0] ? n->pod : NULL);
	jw_string(w, "namespace", n && n->namespace[0] ? n->namespace : NULL);
	jw_string(w, "container_name", n && n->container[0] ? n->container : NULL);
}

void json_program(struct json_writer *w, const char *cmdline, size_t len, bool cut,
		  const struct cgroup_info *cg)
{
	if (cmdline) {
		jw_bytes(w, "cmdline", cmdline, len);
		jw_bool(w, "cmdline_cut", cut);
	} else {
		jw_null(w, "cmdline");
		jw_null(w, "cmdline_cut");
	}
	jw_string(w, "cgroup", cg ? cg->path : NULL);
	jw_string(w, "container_id", cg && cg->facts.container_id[0] ? cg->facts.container_id : NULL);
	names_fields(w, cg ? cg->names : NULL);
	jw_string(w, "unit", cg && cg->facts.unit[0] ? cg->facts.unit : NULL);
}

static void uint_or_null(struct json_writer *w, const char *key, bool known,
			 unsigned long long value)
{
	if (known)
		jw_uint(w, key, value);
	else
		jw_null(w, key);
}

/* rst_origin .. bytes_received: who made the RST, and the connection's last moments. */
static void json_origin_and_context(struct json_writer *w, const struct output *o,
				    const struct rst_record *rec)
{
	struct origin_verdict v = origin_of_record(rec);
	bool icmp = rec->facts & RST_FACT_ICMP_SEEN, idle = rec->facts & RST_FACT_IDLE;
	bool bytes = rec->facts & RST_FACT_BYTES;
	char addr[INET6_ADDRSTRLEN];

	jw_string(w, "rst_origin", v.name);
	jw_string(w, "via", rec->facts & RST_FACT_ICMP ? "icmp" : v.name ? "rst" : NULL);
	uint_or_null(w, "ttl", rec->facts & RST_FACT_TTL, rec->ttl);
	uint_or_null(w, "hops", v.has_hops, v.hops);
	uint_or_null(w, "peer_hops", v.has_peer_hops, v.peer_hops);
	jw_string(w, "peer_baseline", v.has_peer_hops ? baseline_name(rec->baseline) : NULL);
	uint_or_null(w, "peer_baseline_age_ms", v.has_peer_hops, rec->baseline_age_ms);
	if (rec->facts & RST_FACT_ROUTE)
		jw_bool(w, "offlink", rec->facts & RST_FACT_OFFLINK);
	else
		jw_null(w, "offlink");
	jw_string(w, "origin_basis", v.basis);
	uint_or_null(w, "icmp_type", icmp, rec->icmp_type);
	uint_or_null(w, "icmp_code", icmp, rec->icmp_code);
	if (icmp) {
		format_addr(addr, sizeof(addr), rec->family, rec->icmp_from);
		jw_string(w, "icmp_from", addr);
	} else {
		jw_null(w, "icmp_from");
	}
	jw_string(w, "drop_reason", rec->facts & RST_FACT_DROP_REASON ?
					    drop_reason_name(o->reasons, rec->drop_reason) : NULL);
	uint_or_null(w, "count", rec->facts & RST_FACT_COUNT, rec->count);
	uint_or_null(w, "age_ms", rec->facts & RST_FACT_AGE, rec->age_ms);
	uint_or_null(w, "idle_rx_ms", idle, rec->idle_rx_ms);
	uint_or_null(w, "idle_tx_ms", idle, rec->idle_tx_ms);
	uint_or_null(w, "bytes_acked", bytes, rec->bytes_acked);
	uint_or_null(w, "bytes_received", bytes, rec->bytes_received);
}

static void print_json(struct output *o, const struct rst_record *rec, const struct identity *id)
{
	struct incident in = incident_of_record(rec);
	bool handshake = rec->event == RST_EV_HANDSHAKE_FAILED ||
			 rec->event == RST_EV_TIMED_OUT;
	struct json_writer w;
	char stamp[48];

	rfc3339(stamp, sizeof(stamp), o, rec->ts_ns);
	jw_begin(&w, o->out);
	jw_string(&w, "time", stamp);
	json_what_and_where(&w, &in, true, rec->uid);
	jw_string(&w, "state", state_of(rec));
	jw_string(&w, "reason", reason_of(o, &in));
	json_origin_and_context(&w, o, rec);
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
	json_identity(&w, rec, id);
	json_listener_fields(&w, o, &in);
	jw_end(&w);
}

/* Short event label of the table. */
const char *table_event(const struct incident *in)
{
	if (in->event == RST_EV_RESET_SENT)
		return "rst-sent";
	if (in->event == RST_EV_RESET_RECEIVED)
		return "rst-recv";
	if (in->event == RST_EV_RESET_IGNORED)
		return "rst-ign";
	if (in->event == RST_EV_LISTEN_DROP)
		return "lstndrop";
	if (in->event == RST_EV_TIMED_OUT)
		return "timedout";
	if (in->event == RST_EV_RESET_RACE)
		return "rst-race";
	switch (in->cause) {
	case RST_CAUSE_REFUSED:
		return "refused";
	case RST_CAUSE_TIMEOUT:
		return "timeout";
	case RST_CAUSE_RESET:
		return "hs-reset";
	case RST_CAUSE_REJECTED:
		return "rejected";
	}
	return "hs-error";
}


void endpoint(char *buf, const struct incident *in, const __u8 *addr, __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	bool v6 = in->family == AF_INET6;
	size_t n;
	char *p = buf;

	format_addr(a, sizeof(a), in->family, addr);
	n = strlen(a); /* inet_ntop() writes at most 39 for IPv6: this is a guard */
	if (n > ENDPOINT_SIZE - 9)
		n = ENDPOINT_SIZE - 9;
	/* "[" INET6_ADDRSTRLEN "]:65535" fits ENDPOINT_SIZE */
	if (v6)
		*p++ = '[';
	memcpy(p, a, n);
	p += n;
	if (v6)
		*p++ = ']';
	*p++ = ':';
	if (!port) /* the folded ephemeral port of a summary row */
		*p++ = '*';
	else
		p = put_decimal(p, port);
	*p = '\0';
}

/* Widens the address columns for good once an endpoint does not fit. */
bool widen_for(struct output *o, const char *local, const char *remote)
{
	if ((int)strlen(local) <= o->addr_width && (int)strlen(remote) <= o->addr_width)
		return false;
	o->addr_width = ADDR_W_IPV6;
	return true;
}

/* Reason, who sent the RST, error, side and dual stack, as far as known. */
void table_detail(char *buf, size_t size, const struct output *o,
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
	if (n < size && ((in->event == RST_EV_HANDSHAKE_FAILED && in->cause != RST_CAUSE_REFUSED) ||
			 in->event == RST_EV_TIMED_OUT) && err)
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
void wall_clock(char *buf, size_t size, const struct output *o, __u64 mono_ns)
{
	static struct second_cache local;

	format_stamp(buf, size, &local, realtime_ns(o, mono_ns), false, 3, "");
}

/*
 * The escaped name, cut to its column at a whole escape and marked "+" when
 * it does not fit ("-" without an owner).
 */
void comm_column(char *buf, size_t size, const struct incident *in)
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


/* The PID and COMM columns, "-" without an owner. */
void owner_columns(struct output *o, const struct incident *in)
{
	char pid[16], comm[COMM_TEXT_SIZE];

	if (in->flags & RST_F_OWNER)
		*put_decimal(pid, in->pid) = '\0';
	else
		snprintf(pid, sizeof(pid), "-");
	comm_column(comm, sizeof(comm), in);
	column(o->out, pid, PID_W, true);
	column(o->out, comm, COMM_W, true);
}


/*
 * The CONTEXT column: the most telling of what the cgroup shows, compactly:
 * a Kubernetes container (k8s:NAMESPACE/POD/CONTAINER) or a named one
 * (ctr:NAME) where the runtime's files name it, else a container by the
 * short id docker ps shows (ctr:ID), else the systemd unit, else the cgroup
 * path; escaped, cut at a whole escape and marked "+".
 */
void context_column(struct output *o, const struct cgroup_info *cg)
{
	const char *raw = NULL;
	char text[CONTEXT_TEXT_SIZE];
	char named[3 * (CONTAINER_NAME_MAX + 1) + 8];

	if (cg && cg->names && cg->names->pod[0]) {
		snprintf(named, sizeof(named), "k8s:%s/%s%s%s", cg->names->namespace, cg->names->pod,
			 cg->names->container[0] ? "/" : "", cg->names->container);
		raw = named;
	} else if (cg && cg->names && cg->names->container[0]) {
		snprintf(named, sizeof(named), "ctr:%s", cg->names->container);
		raw = named;
	} else if (cg && cg->facts.container_id[0]) { /* hex digits: nothing to escape */
		snprintf(text, sizeof(text), "ctr:%.12s", cg->facts.container_id);
	} else if (cg && cg->facts.unit[0]) {
		raw = cg->facts.unit;
	} else if (cg && strcmp(cg->path, "/")) {
		raw = cg->path;
	} else {
		snprintf(text, sizeof(text), "-");
	}
	if (raw && text_escape(text, sizeof(text), raw, strlen(raw)) > CONTEXT_W) {
		text_escape(text, CONTEXT_W, raw, strlen(raw)); /* at most CONTEXT_W - 1 */
		strcat(text, "+");
	}
	column(o->out, text, CONTEXT_W, true);
}

/*
 * What the table adds to table_detail() for a record: who made the RST
 * with its hops against the peer's ("middlebox hops=3/1"), the ICMP error
 * and its sender, the drop reason, the count, and the connection's idle
 * time and age, compactly.
 */
static void record_detail(char *buf, size_t size, const struct output *o,
			  const struct rst_record *rec)
{
	struct origin_verdict v = origin_of_record(rec);
	char addr[INET6_ADDRSTRLEN];
	size_t n = strlen(buf);

	if (!strcmp(buf, "-"))
		n = 0, buf[0] = '\0';
	else if (n > 0 && n + 1 < size)
		buf[n++] = ' ', buf[n] = '\0';
#define ADD(...) (n < size ? n += snprintf(buf + n, size - n, __VA_ARGS__) : n)
	if (v.name && strcmp(v.name, "local_stack")) /* table_detail says "local" */
		ADD("%s ", v.name);
	if (v.has_hops && v.has_peer_hops)
		ADD("hops=%d/%d(%s) ", v.hops, v.peer_hops, baseline_name(rec->baseline) ?: "?");
	else if (v.has_hops)
		ADD("hops=%d/? ", v.hops);
	if (v.basis && !strcmp(v.basis, "offlink_ttl_intact"))
		ADD("offlink ");
	if (rec->facts & RST_FACT_ICMP_SEEN) {
		format_addr(addr, sizeof(addr), rec->family, rec->icmp_from);
		ADD("icmp=%u/%u from=%s ", rec->icmp_type, rec->icmp_code, addr);
	} else if (rec->facts & RST_FACT_ICMP) {
		ADD("icmp ");
	}
	if (rec->facts & RST_FACT_DROP_REASON) {
		const char *name = drop_reason_name(o->reasons, rec->drop_reason);

		ADD("%s ", name ? name : "drop");
	}
	if (rec->facts & RST_FACT_COUNT)
		ADD("n=%u ", rec->count);
	if (rec->facts & RST_FACT_IDLE)
		ADD("idle=%u.%03us ", rec->idle_rx_ms / 1000, rec->idle_rx_ms % 1000);
	if (rec->facts & RST_FACT_AGE)
		ADD("age=%u.%03us ", rec->age_ms / 1000, rec->age_ms % 1000);
#undef ADD
	if (n > 0 && n <= size && buf[n - 1] == ' ')
		buf[n - 1] = '\0';
	if (!buf[0])
		snprintf(buf, size, "-");
}

static void print_text(struct output *o, const struct rst_record *rec, const struct identity *id)
{
	struct incident in = incident_of_record(rec);
	char clock[24], sock[24], local[ENDPOINT_SIZE], remote[ENDPOINT_SIZE], detail[384];
	const char *state = state_of(rec);

	endpoint(local, &in, rec->laddr, rec->lport);
	endpoint(remote, &in, rec->raddr, rec->rport);
	if (widen_for(o, local, remote))
		output_header(o);
	wall_clock(clock, sizeof(clock), o, rec->ts_ns);
	if (rec->sock_ino && rec->sock_ino <= UINT32_MAX) /* inodes are 32-bit counters */
		*put_decimal(sock, rec->sock_ino) = '\0';
	else if (rec->sock_ino)
		snprintf(sock, sizeof(sock), "%llu", (unsigned long long)rec->sock_ino);
	else
		snprintf(sock, sizeof(sock), "-");
	table_detail(detail, sizeof(detail), o, &in);
	record_detail(detail, sizeof(detail), o, rec);
	listener_detail(detail, sizeof(detail), o, &in);
	column(o->out, clock, TIME_W, true);
	owner_columns(o, &in);
	column(o->out, sock, SOCK_W, true);
	column(o->out, table_event(&in), EVENT_W, true);
	column(o->out, local, o->addr_width, true);
	column(o->out, remote, o->addr_width, true);
	column(o->out, state ? state : "-", STATE_W, true);
	context_column(o, id->cgroup);
	fputs_unlocked(detail, o->out);
	putc_unlocked('\n', o->out);
}

void output_record(struct output *o, const struct rst_record *rec, const struct identity *id)
{
	static const struct identity unknown;

	if (!id)
		id = &unknown;
	if (o->json)
		print_json(o, rec, id);
	else
		print_text(o, rec, id);
}
