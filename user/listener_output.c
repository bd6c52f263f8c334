// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Who should have answered a refused connect (user/listeners.h), as records
 * and summary rows show it: JSON expected_listener and listeners_elsewhere,
 * and the table's "was=" and "now=" words.
 */
#include "output_parts.h"
#include "escape.h"
#include "listeners.h"

#include <arpa/inet.h>
#include <string.h>

bool incident_question(const struct output *o, const struct incident *in,
		       struct listener_question *q)
{
	return o->listeners && listener_question_of(in->event, in->cause, in->side, in->flags,
						    in->family, in->laddr, in->lport, in->raddr,
						    in->rport, in->netns, q);
}

static void time_or_null(struct json_writer *w, const struct output *o, const char *key,
			 bool known, __u64 mono_ns)
{
	char stamp[48];

	if (!known) {
		jw_null(w, key);
		return;
	}
	rfc3339(stamp, sizeof(stamp), o, mono_ns);
	jw_string(w, key, stamp);
}

static void json_listener(struct json_writer *w, const struct output *o, const char *key,
			  const struct listener_seen *e)
{
	struct cgroup_info cg = {.path = e->cgroup, .facts = e->facts, .names = e->names};
	char addr[INET6_ADDRSTRLEN], cmdline[RST_CMDLINE_LEN + 1];
	bool owner = e->pid != 0, signal;
	int code;

	jw_open_object(w, key);
	if (owner) {
		jw_uint(w, "pid", e->pid);
		jw_bytes(w, "comm", e->comm, RST_COMM_LEN);
		jw_uint(w, "uid", e->uid);
	} else {
		jw_null(w, "pid");
		jw_null(w, "comm");
		jw_null(w, "uid");
	}
	if (owner && e->proc_known && e->proc.cmdline_len)
		json_program(w, cmdline, cmdline_join(&e->proc, cmdline, sizeof(cmdline)),
			     e->proc.cmdline_cut, e->cgroup ? &cg : NULL);
	else
		json_program(w, NULL, 0, false, owner && e->cgroup ? &cg : NULL);
	jw_string(w, "family", e->key.family == AF_INET6 ? "ipv6" : "ipv4");
	format_addr(addr, sizeof(addr), e->key.family, e->key.addr);
	jw_string(w, "address", addr);
	jw_uint(w, "port", e->key.port);
	jw_uint(w, "netns", e->key.netns);
	if (e->sock_ino)
		jw_uint(w, "sock_ino", e->sock_ino);
	else
		jw_null(w, "sock_ino");
	jw_bool(w, "listening", e->open);
	jw_bool(w, "seen_at_start", e->seen_at_start);
	time_or_null(w, o, "listening_since", e->opened_ns, e->opened_ns);
	time_or_null(w, o, "stopped_at", !e->open && e->closed_ns, e->closed_ns);
	if (e->ended) {
		code = exit_status_code(e->exit_status, &signal);
		jw_open_object(w, "exit");
		jw_uint(w, signal ? "signal" : "code", code);
		jw_close_object(w);
	} else {
		jw_null(w, "exit");
	}
	time_or_null(w, o, "exited_at", e->ended, e->ended_ns);
	jw_close_object(w);
}

void json_listener_fields(struct json_writer *w, const struct output *o,
			  const struct incident *in)
{
	const struct listener_seen *elsewhere[LISTENERS_ELSEWHERE_MAX];
	const struct listener_seen *expected;
	struct listener_question q;
	size_t n;

	if (!incident_question(o, in, &q)) {
		jw_null(w, "expected_listener");
		jw_null(w, "listeners_elsewhere");
		return;
	}
	expected = listener_expected(o->listeners, &q);
	if (expected)
		json_listener(w, o, "expected_listener", expected);
	else
		jw_null(w, "expected_listener");
	n = listeners_elsewhere(o->listeners, &q, elsewhere, LISTENERS_ELSEWHERE_MAX);
	jw_open_array(w, "listeners_elsewhere");
	for (size_t i = 0; i < n && i < LISTENERS_ELSEWHERE_MAX; i++)
		json_listener(w, o, NULL, elsewhere[i]);
	jw_close_array(w);
}

/*
 * Under a summary row: "  listener: ARG ARG ..." (each argument escaped,
 * as the row's own command line) of the listener the row's connects
 * expected, where its command line is known.
 */
void listener_command_line(const struct output *o, const struct incident *in, int indent)
{
	char arg[4 * RST_CMDLINE_LEN + 1];
	const struct listener_seen *e;
	struct listener_question q;
	size_t at = 0, len;

	if (!incident_question(o, in, &q) || !(e = listener_expected(o->listeners, &q)) ||
	    !e->proc_known || !e->proc.cmdline_len)
		return;
	len = e->proc.cmdline_len < sizeof(e->proc.cmdline) ? e->proc.cmdline_len
							    : sizeof(e->proc.cmdline);
	fprintf(o->out, "%*s listener:", indent, "");
	while (at < len) {
		size_t n = strnlen(e->proc.cmdline + at, len - at);

		text_escape(arg, sizeof(arg), e->proc.cmdline + at, n);
		fprintf(o->out, " %s", n ? arg : "''");
		at += n + 1;
	}
	fputs(e->proc.cmdline_cut ? " +\n" : "\n", o->out);
}

/* "[::1]:7211", and "@NETNS" where it is another namespace than the question's. */
static size_t listener_place(char *buf, size_t size, const struct listener_seen *e,
			     const struct listener_question *q)
{
	char a[INET6_ADDRSTRLEN];

	format_addr(a, sizeof(a), e->key.family, e->key.addr);
	if (e->key.netns != q->netns)
		return snprintf(buf, size, e->key.family == AF_INET6 ? "[%s]:%u@%u" : "%s:%u@%u", a,
				e->key.port, e->key.netns);
	return snprintf(buf, size, e->key.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
			e->key.port);
}

/*
 * Words for the table's DETAIL, each one whitespace-free (the name is
 * escaped): "was=COMM[PID]" and how it stopped ("exit=N", "signal=N",
 * "closed", "listening"), "was=none" where no listener was ever seen
 * there, then "now=PLACE,PLACE" for the listeners bound elsewhere now (at
 * most two, then "+N").
 */
void listener_detail(char *buf, size_t size, const struct output *o, const struct incident *in)
{
	const struct listener_seen *elsewhere[2], *e;
	struct listener_question q;
	char comm[COMM_TEXT_SIZE];
	size_t n = strlen(buf), total;
	bool signal;
	int code;

	if (!incident_question(o, in, &q))
		return;
	if (!strcmp(buf, "-"))
		n = 0, buf[0] = '\0';
#define ADD(...) (n < size ? n += snprintf(buf + n, size - n, __VA_ARGS__) : n)
	e = listener_expected(o->listeners, &q);
	if (!e) {
		ADD("%swas=none", n ? " " : "");
	} else {
		if (e->pid) {
			text_escape(comm, sizeof(comm), e->comm, RST_COMM_LEN);
			ADD("%swas=%s[%u]", n ? " " : "", comm, e->pid);
		} else {
			ADD("%swas=?", n ? " " : "");
		}
		if (e->ended) {
			code = exit_status_code(e->exit_status, &signal);
			ADD(signal ? " signal=%d" : " exit=%d", code);
		} else {
			ADD(e->open ? " listening" : " closed");
		}
	}
	total = listeners_elsewhere(o->listeners, &q, elsewhere, 2);
	for (size_t i = 0; i < total && i < 2; i++) {
		ADD(i ? "," : " now=");
		if (n < size)
			n += listener_place(buf + n, size - n, elsewhere[i], &q);
	}
	if (total > 2)
		ADD("+%zu", total - 2);
#undef ADD
	if (n >= size && size)
		buf[size - 1] = '\0';
}
