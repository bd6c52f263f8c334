/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two per-CPU rings that carry facts from one tracepoint to the next on
 * the same CPU: RSTs the stack sent without a socket to a local connect(),
 * and sockets that just moved to CLOSE.
 */
#ifndef RSTSNOOP_RINGS_BPF_H
#define RSTSNOOP_RINGS_BPF_H

#include "maps.bpf.h"

static __always_inline bool same_flow(const struct rst_flow_key *a, const struct rst_flow_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	for (int i = 0; i < sizeof(*a) / sizeof(__u32); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/*
 * A RST the stack sent without a socket, to a SYN that came in over
 * loopback, went to a local connect().  Park it under the connecting
 * socket's flow; that socket's own record picks it up, so a refused local
 * connect is one record for the connecting process.
 */
static __always_inline void park_local_rst(const struct rst_record *rst, __u32 netns)
{
	struct rst_parked_ring *ring;
	struct rst_parked *slot;
	__u32 zero = 0;

	ring = bpf_map_lookup_elem(&parked_rsts, &zero);
	if (!ring)
		return;
	slot = &ring->slot[ring->next++ % PARKED_SLOTS];
	__builtin_memset(&slot->key, 0, sizeof(slot->key));
	slot->key.netns = netns;
	slot->key.family = rst->family;
	slot->key.lport = rst->rport; /* the peer's end is the connector's local end */
	slot->key.rport = rst->lport;
	__builtin_memcpy(slot->key.laddr, rst->raddr, RST_ADDR_LEN);
	__builtin_memcpy(slot->key.raddr, rst->laddr, RST_ADDR_LEN);
	slot->rst.reason = rst->reason;
	slot->rst.flags = rst->flags & RST_F_REASON;
}

/* Take a parked local RST addressed to this socket, if any. */
static __always_inline bool take_local_rst(const struct rst_record *rec, __u32 netns,
					   struct rst_local_rst *out)
{
	struct rst_flow_key key = {};
	struct rst_parked_ring *ring;
	__u32 zero = 0;

	ring = bpf_map_lookup_elem(&parked_rsts, &zero);
	if (!ring)
		return false;
	key.netns = netns;
	key.family = rec->family;
	key.lport = rec->lport;
	key.rport = rec->rport;
	__builtin_memcpy(key.laddr, rec->laddr, RST_ADDR_LEN);
	__builtin_memcpy(key.raddr, rec->raddr, RST_ADDR_LEN);
	for (int i = 0; i < PARKED_SLOTS; i++) {
		struct rst_parked *slot = &ring->slot[i];

		if (same_flow(&slot->key, &key)) {
			*out = slot->rst;
			slot->key.netns = 0; /* taken */
			return true;
		}
	}
	return false;
}

/* What the CLOSE transition of sk on this CPU left for its RST, if any. */
static __always_inline const struct rst_closing *recently_closed(const struct sock *sk)
{
	__u32 zero = 0;
	struct rst_closing_ring *ring = bpf_map_lookup_elem(&closing, &zero);

	if (!ring)
		return NULL;
	for (int i = 0; i < CLOSING_SLOTS; i++)
		if (ring->slot[i].sk == (__u64)sk)
			return &ring->slot[i];
	return NULL;
}

#endif /* RSTSNOOP_RINGS_BPF_H */
