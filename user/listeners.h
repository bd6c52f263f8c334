/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Who should have answered: the listener history per (network namespace,
 * family, bound address, port).  For each it keeps the last listener seen
 * there (its process, command line, cgroup as they were when it listened,
 * when it listened and stopped, how its process ended) and whether one
 * listens there now.  Fed by the kernel side's internal records
 * (RST_EV_LISTEN_OPEN, _LISTEN_CLOSE, _PROC_EXIT) and, at start, by what
 * listens then (the `listeners` map the seeding filled).  Bounded: at most
 * LISTENER_HISTORY_MAX entries; a full history forgets the listener that
 * stopped longest ago, and counts what it could not keep.
 *
 * A refused connect to a port of this host (listener_question_of()) then
 * asks it for the listener it expected (listener_expected()) and for the
 * listeners of that port bound elsewhere now (listeners_elsewhere()).
 */
#ifndef RSTSNOOP_LISTENERS_H
#define RSTSNOOP_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include "cgroup.h"
#include "identity.h"
#include "record.h"

#define LISTENER_HISTORY_MAX 4096
#define LISTENERS_ELSEWHERE_MAX 8 /* shown per record; the rest only counted */

/* One (netns, family, address, port) and the last listener seen there. */
struct listener_seen {
	struct rst_listener_key key; /* addr all zero: any address */
	__u32 pid, uid;		     /* pid 0: the owner is not known */
	__u64 proc_start_ns;
	char comm[RST_COMM_LEN]; /* raw kernel bytes: hostile */
	bool proc_known;	 /* proc: the process as it was when it listened */
	struct rst_process proc;
	char *cgroup;		   /* its cgroup path then; NULL: unknown */
	struct cgroup_facts facts; /* what that path shows (container, unit) */
	const struct container_names *names; /* what the runtime named it; NULL: nothing */
	__u64 sock_ino;
	__u64 opened_ns;     /* listen() (CLOCK_MONOTONIC); 0: it listened before the start */
	__u64 closed_ns;     /* the last close of its listener; 0: none seen */
	unsigned int open;   /* its listeners open now (SO_REUSEPORT: more than one) */
	bool seen_at_start;  /* it listened when rstsnoop started */
	bool ended;	     /* its process ended: exit_status as wait(2) reports it */
	int exit_status;
	__u64 ended_ns;
};

/* What a refused connect asks about: the local port nobody answered on. */
struct listener_question {
	__u32 netns;
	__u16 family, port;
	__u8 addr[RST_ADDR_LEN];
};

struct listener_history;

/* NULL: no memory. */
struct listener_history *listener_history_new(void);
void listener_history_free(struct listener_history *h);

/* Takes an internal record (RST_EV_LISTEN_OPEN, _CLOSE, _PROC_EXIT; others
 * are ignored); id: who the record's owner is (NULL: unknown). */
void listener_history_add(struct listener_history *h, const struct rst_record *rec,
			  const struct identity *id);
/* A listener that listened when rstsnoop started (from the seeding). */
void listener_history_seed(struct listener_history *h, const struct rst_listener_key *key,
			   const struct rst_owner *owner, const struct identity *id);
/* Seeds from the tracer's `listeners` map (what listens at start). */
void listener_history_seed_map(struct listener_history *h, int listeners_fd,
			       struct identities *ids);
/* Listeners the full history could not keep. */
__u64 listener_history_dropped(const struct listener_history *h);

/*
 * Whether a record (or summary row) is a connect this host refused for
 * lack of a listener, and which of its ports: a client's handshake_failed
 * refused by this host's stack (or sent to a loopback address, where only
 * this host can have answered: kernels before 5.17 do not show the stack's
 * RST), or a socket-less RST this host sent to a remote peer's SYN.
 */
bool listener_question_of(__u8 event, __u8 cause, __u8 side, __u8 flags, __u8 family,
			  const __u8 *laddr, __u16 lport, const __u8 *raddr, __u16 rport,
			  __u32 netns, struct listener_question *q);

/*
 * The listener that answered q before: the last one seen on that address,
 * else on any address of its family, else (IPv4) a dual-stack IPv6 one on
 * any address that no longer listens (one that still does refused IPv4:
 * it is IPv6-only, and listens elsewhere).  NULL: none seen.
 */
const struct listener_seen *listener_expected(const struct listener_history *h,
					      const struct listener_question *q);
/*
 * The listeners of q's port open now on another address, family or
 * network namespace: up to max into out, most recently opened first;
 * returns how many there are in all.
 */
size_t listeners_elsewhere(const struct listener_history *h, const struct listener_question *q,
			   const struct listener_seen **out, size_t max);

/* exit_status as wait(2) reports it: *signal set where a signal ended it. */
int exit_status_code(int status, bool *signal);

#endif
