/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the drop-reason program (bpf/drops.bpf.h) keeps per listener for
 * listen_drop records, shared with user space, which reads the map at
 * stop to report what no record counted yet.
 */
#ifndef RSTSNOOP_DROPS_H
#define RSTSNOOP_DROPS_H

#include "record.h"

#define MAX_LISTEN_DROP_ENTRIES 1024
/* Listener sockets the drop program keeps an excess count for (map
 * listener_excess, bpf/listen_drops.bpf.h). */
#define MAX_LISTENER_EXCESS 4096

/* Value of map `listen_drops`, keyed by struct rst_listener_key. */
struct rst_listen_drops {
	__u64 last_ns;	/* bpf_ktime_get_ns() of the last record; 0: none yet */
	__u64 dropped;	/* drops seen */
	__u64 reported; /* drops the records made so far counted */
	struct rst_owner owner;
	__u32 drop_reason; /* enum skb_drop_reason of the drops */
	__u8 has_owner;
	__u8 wanted; /* the records pass the filters (checked once, at the first drop) */
	__u8 family;
	__u8 pad;
	__u8 laddr[RST_ADDR_LEN];
};

/*
 * The listen_drop record of a listener's entry, in one definition for both
 * sides: the drop program makes it as drops happen (bpf/drops.bpf.h), the
 * loader at stop for the drops no record counted yet (user/drops_report.c).
 * *rec is zeroed by the caller, who sets its count (and, in user space,
 * its time).
 */
static inline void rst_listen_drop_record(struct rst_record *rec,
					  const struct rst_listener_key *lk,
					  const struct rst_listen_drops *v)
{
	rec->event = RST_EV_LISTEN_DROP;
	rec->side = RST_SIDE_SERVER;
	rec->flags = RST_F_SERVER;
	rec->netns = lk->netns;
	rec->lport = lk->port;
	rec->family = v->family;
	__builtin_memcpy(rec->laddr, v->laddr, RST_ADDR_LEN);
	rec->drop_reason = v->drop_reason;
	rec->facts = RST_FACT_DROP_REASON | RST_FACT_COUNT;
	if (v->has_owner) {
		rec->pid = v->owner.pid;
		rec->tid = v->owner.tid;
		rec->uid = v->owner.uid;
		rec->proc_start_ns = v->owner.proc_start_ns;
		__builtin_memcpy(rec->comm, v->owner.comm, sizeof(rec->comm));
		__builtin_memcpy(rec->thread, v->owner.thread, sizeof(rec->thread));
		rec->flags |= RST_F_OWNER;
		rec->attribution = RST_ATTR_SOCKET_OWNER;
	}
}

/*
 * What the listeners' iterator (bpf/listen_drops_iter.bpf.c) writes for each
 * listening socket it finds, read by user/listen_drops.c every second: the
 * listener's own drop counter, and a listen_drop record about it that only
 * lacks its count and time.
 */
struct rst_listen_sample {
	__u64 ino;    /* the listener's socket inode: one socket, whichever process holds it */
	__u64 excess; /* of drops, the increments the drop program accounted for itself
			 (listener_excess); 0 where that program does not run */
	__u32 drops;  /* sk_drops as read: wraps at 2^32 */
	__u8 wanted;  /* rec passes the filters */
	__u8 pad[3];
	struct rst_record rec;
};

#endif /* RSTSNOOP_DROPS_H */
