/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RSTs this host's stack sent without a socket (closed port, stray
 * segment), seen by tcp_send_reset (6.10+) or by the dropped segment they
 * answered (skb:kfree_skb, before).
 */
#ifndef RSTSNOOP_SOCKETLESS_BPF_H
#define RSTSNOOP_SOCKETLESS_BPF_H

#include "emit.bpf.h"
#include "rings.bpf.h"
#include "packet.bpf.h"
#include "wire.bpf.h"

/*
 * rec: the RST, this host's end first.  Answering a SYN that came in over
 * loopback, it goes to a local connect() still in SYN_SENT, whose record
 * takes it (parked); any other socket-less RST, also one to a local
 * TIME_WAIT socket, is a record of its own.
 */
static __always_inline void socketless_reset(struct rst_record *rec, const struct sk_buff *skb,
					     __u8 tcp_flags)
{
	bool loopback;
	__u32 netns = skb_dev_netns(skb, &loopback);

	if (loopback && (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
		park_local_rst(rec, netns);
		return;
	}
	rec->event = RST_EV_RESET_SENT;
	/* a bare SYN refused: a connect to a closed port of this host, whose
	 * listener user space names (the table shows no cause for reset_sent) */
	if ((tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
		rec->cause = RST_CAUSE_REFUSED;
	rec->netns = netns;
	rec->flags |= RST_F_LOCAL_RST;
	rec->origin = RST_ORIGIN_LOCAL_STACK;
	emit(rec);
	if (!loopback)
		check_reset_race(rec);
}

#endif /* RSTSNOOP_SOCKETLESS_BPF_H */
