// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of the listener history (user/listeners.c): which refusals
 * ask, which listener they expected, what listens elsewhere, and the cap. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "listeners.h"

#define NETNS 4026531840u

static const __u8 LOOP4[RST_ADDR_LEN] = {127, 0, 0, 1};
static const __u8 LOOP6[RST_ADDR_LEN] = {[15] = 1};
static const __u8 REMOTE4[RST_ADDR_LEN] = {198, 18, 0, 2};

/* An internal record as the kernel side makes it. */
static struct rst_record fact(__u8 event, __u32 pid, __u32 netns, __u8 family, const __u8 *addr,
			      __u16 port, __u64 ts)
{
	struct rst_record r = {.event = event, .pid = pid, .netns = netns, .family = family,
			       .lport = port, .ts_ns = ts, .proc_start_ns = 1000 + pid,
			       .flags = RST_F_OWNER};

	if (addr)
		memcpy(r.laddr, addr, family == AF_INET6 ? RST_ADDR_LEN : 4);
	snprintf(r.comm, sizeof(r.comm), "srv%u", pid);
	return r;
}

static struct listener_question ask(__u32 netns, __u8 family, const __u8 *addr, __u16 port)
{
	struct listener_question q;

	CHECK(listener_question_of(RST_EV_HANDSHAKE_FAILED, RST_CAUSE_REFUSED, RST_SIDE_CLIENT,
				   RST_F_OWNER, family, addr, 40000, addr, port, netns, &q));
	return q;
}

void test_listener_questions(void)
{
	struct listener_question q;

	/* the local stack's RST, to any address */
	CHECK(listener_question_of(RST_EV_HANDSHAKE_FAILED, RST_CAUSE_REFUSED, RST_SIDE_CLIENT,
				   RST_F_OWNER | RST_F_LOCAL_RST, AF_INET, LOOP4, 40000, REMOTE4,
				   7211, NETNS, &q) &&
	      q.port == 7211 && !memcmp(q.addr, REMOTE4, 4));
	/* loopback without the stack's RST seen (5.10) */
	CHECK(listener_question_of(RST_EV_HANDSHAKE_FAILED, RST_CAUSE_REFUSED, RST_SIDE_CLIENT,
				   RST_F_OWNER, AF_INET6, LOOP6, 40000, LOOP6, 7211, NETNS, &q));
	/* a remote peer refused: nothing of this host's to name */
	CHECK(!listener_question_of(RST_EV_HANDSHAKE_FAILED, RST_CAUSE_REFUSED, RST_SIDE_CLIENT,
				    RST_F_OWNER, AF_INET, LOOP4, 40000, REMOTE4, 7211, NETNS, &q));
	/* a timeout is no refusal */
	CHECK(!listener_question_of(RST_EV_HANDSHAKE_FAILED, RST_CAUSE_TIMEOUT, RST_SIDE_CLIENT,
				    RST_F_OWNER, AF_INET, LOOP4, 40000, LOOP4, 7211, NETNS, &q));
	/* this host's socket-less RST to a remote SYN: its own end asks */
	CHECK(listener_question_of(RST_EV_RESET_SENT, RST_CAUSE_REFUSED, 0, RST_F_LOCAL_RST,
				   AF_INET, REMOTE4, 7211, LOOP4, 40000, NETNS, &q) &&
	      q.port == 7211 && !memcmp(q.addr, REMOTE4, 4));
	/* a RST of a socket (an owner) is not a refused connect */
	CHECK(!listener_question_of(RST_EV_RESET_SENT, RST_CAUSE_REFUSED, 0,
				    RST_F_LOCAL_RST | RST_F_OWNER, AF_INET, REMOTE4, 7211, LOOP4,
				    40000, NETNS, &q));
}

void test_listener_history(void)
{
	struct listener_history *h = listener_history_new();
	const struct listener_seen *e, *other[LISTENERS_ELSEWHERE_MAX];
	struct listener_question q4 = ask(NETNS, AF_INET, LOOP4, 7211);
	struct rst_record r;
	bool signal;

	CHECK(h && !listener_expected(h, &q4));
	r = fact(RST_EV_LISTEN_OPEN, 10, NETNS, AF_INET, LOOP4, 7211, 100);
	listener_history_add(h, &r, NULL);
	r = fact(RST_EV_LISTEN_CLOSE, 10, NETNS, AF_INET, LOOP4, 7211, 200);
	listener_history_add(h, &r, NULL);
	r = fact(RST_EV_PROC_EXIT, 10, 0, 0, NULL, 0, 300);
	r.error = 3 << 8;
	listener_history_add(h, &r, NULL);
	e = listener_expected(h, &q4);
	CHECK(e && e->pid == 10 && !e->open && e->opened_ns == 100 && e->closed_ns == 200 &&
	      e->ended && exit_status_code(e->exit_status, &signal) == 3 && !signal);
	/* a reused pid (another start time) is another process */
	r = fact(RST_EV_PROC_EXIT, 10, 0, 0, NULL, 0, 400);
	r.proc_start_ns = 5;
	r.error = 9;
	listener_history_add(h, &r, NULL);
	CHECK(exit_status_code(listener_expected(h, &q4)->exit_status, &signal) == 3 && !signal);
	CHECK(exit_status_code(9, &signal) == 9 && signal);

	/* an IPv6-only listener that listens now refused IPv4: elsewhere */
	r = fact(RST_EV_LISTEN_OPEN, 11, NETNS, AF_INET6, NULL, 7212, 500);
	listener_history_add(h, &r, NULL);
	q4.port = 7212;
	CHECK(!listener_expected(h, &q4));
	CHECK(listeners_elsewhere(h, &q4, other, LISTENERS_ELSEWHERE_MAX) == 1 &&
	      other[0]->pid == 11);
	/* once it stopped, a dual-stack one is what answered IPv4 */
	r = fact(RST_EV_LISTEN_CLOSE, 11, NETNS, AF_INET6, NULL, 7212, 600);
	listener_history_add(h, &r, NULL);
	CHECK((e = listener_expected(h, &q4)) && e->pid == 11);
	CHECK(listeners_elsewhere(h, &q4, other, LISTENERS_ELSEWHERE_MAX) == 0);

	/* SO_REUSEPORT: the port listens until its last listener closed */
	q4.port = 7213;
	for (__u32 pid = 20; pid < 22; pid++) {
		r = fact(RST_EV_LISTEN_OPEN, pid, NETNS, AF_INET, LOOP4, 7213, 700 + pid);
		listener_history_add(h, &r, NULL);
	}
	r = fact(RST_EV_LISTEN_CLOSE, 20, NETNS, AF_INET, LOOP4, 7213, 800);
	listener_history_add(h, &r, NULL);
	CHECK((e = listener_expected(h, &q4)) && e->open == 1 && e->pid == 21);

	/* other namespaces, newest first, at most max, all counted */
	q4.port = 7214;
	for (__u32 ns = 1; ns <= 3; ns++) {
		r = fact(RST_EV_LISTEN_OPEN, 30 + ns, ns, AF_INET, LOOP4, 7214, 900 + ns);
		listener_history_add(h, &r, NULL);
	}
	CHECK(listeners_elsewhere(h, &q4, other, 2) == 3 && other[0]->key.netns == 3 &&
	      other[1]->key.netns == 2);
	listener_history_free(h);
}

void test_listener_history_cap(void)
{
	struct listener_history *h = listener_history_new();
	struct listener_question q;
	struct rst_record r;

	/* full of listening ports: one more is dropped, and counted */
	for (unsigned int i = 0; i <= LISTENER_HISTORY_MAX; i++) {
		r = fact(RST_EV_LISTEN_OPEN, 100, NETNS, AF_INET, LOOP4, 1 + i % 60000, i + 1);
		r.netns = NETNS + i / 60000;
		listener_history_add(h, &r, NULL);
	}
	CHECK(listener_history_dropped(h) == 1);
	/* one stopped: the next one takes its place */
	r = fact(RST_EV_LISTEN_CLOSE, 100, NETNS, AF_INET, LOOP4, 5, 99999);
	listener_history_add(h, &r, NULL);
	r = fact(RST_EV_LISTEN_OPEN, 101, NETNS, AF_INET, LOOP4, 60001, 100000);
	listener_history_add(h, &r, NULL);
	CHECK(listener_history_dropped(h) == 1);
	q = ask(NETNS, AF_INET, LOOP4, 60001);
	CHECK(listener_expected(h, &q) && listener_expected(h, &q)->pid == 101);
	q.port = 5;
	CHECK(!listener_expected(h, &q));
	listener_history_free(h);
}
