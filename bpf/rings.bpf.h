/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU rings that carry facts from one tracepoint to the next on the
 * same CPU: RSTs the stack sent without a socket to a local connect(), RSTs
 * accepted during a handshake, and sockets that just moved to CLOSE.  Each
 * is searched newest first: the entry wanted is almost always the last one
 * written, so a search usually costs one comparison.
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

/* Take a parked local RST addressed to this socket (rec: its flow), if any. */
static __always_inline bool take_local_rst(const struct rst_record *rec, struct rst_local_rst *out)
{
	struct rst_flow_key key;
	struct rst_parked_ring *ring;
	__u32 zero = 0, newest;

#ifdef RST_MUTATE_NO_LOCAL_FOLD /* mutation smoke (make MUTATE=no_local_fold) */
	return false;
#endif
	ring = bpf_map_lookup_elem(&parked_rsts, &zero);
	if (!ring)
		return false;
	flow_key_of(rec, &key);
	newest = ring->next - 1;
	for (int i = 0; i < PARKED_SLOTS; i++) {
		struct rst_parked *slot = &ring->slot[(newest - i) % PARKED_SLOTS];

		if (same_flow(&slot->key, &key)) {
			*out = slot->rst;
			slot->key.netns = 0; /* taken */
			return true;
		}
	}
	return false;
}

/* A RST arrived for the handshaking socket `key` (local: from this host's
 * own stack, with its reason). */
static __always_inline void note_handshake_rst(__u64 key, bool local,
					       const struct rst_local_rst *rst)
{
	struct rst_handshake_ring *ring;
	struct rst_handshake_rst *slot;
	__u32 zero = 0;

	ring = bpf_map_lookup_elem(&handshake_rsts, &zero);
	if (!ring)
		return;
	slot = &ring->slot[ring->next++ % HANDSHAKE_RST_SLOTS];
	slot->key = key;
	slot->local = local;
	if (local)
		slot->rst = *rst;
}

/* The RST that ended the handshake of `key`, if one did (taken). */
static __always_inline bool take_handshake_rst(__u64 key, struct rst_handshake_rst *out)
{
	struct rst_handshake_ring *ring;
	__u32 zero = 0, newest;

	ring = bpf_map_lookup_elem(&handshake_rsts, &zero);
	if (!ring)
		return false;
	newest = ring->next - 1;
	for (int i = 0; i < HANDSHAKE_RST_SLOTS; i++) {
		struct rst_handshake_rst *slot = &ring->slot[(newest - i) % HANDSHAKE_RST_SLOTS];

		if (slot->key == key) {
			*out = *slot;
			slot->key = 0;
			return true;
		}
	}
	return false;
}

/* The socket `key` moved to CLOSE from prev_state: keep that for its RST. */
static __always_inline void remember_closing(__u64 key, int prev_state)
{
	struct rst_closing_ring *ring;
	struct rst_closing *slot;
	__u32 zero = 0;

	ring = bpf_map_lookup_elem(&closing, &zero);
	if (!ring)
		return;
	slot = &ring->slot[ring->next++ % CLOSING_SLOTS];
	slot->key = key;
	slot->prev_state = prev_state;
}

/* The state before CLOSE of the socket `key`, if it closed on this CPU
 * lately; -1 otherwise. */
static __always_inline int recently_closed(__u64 key)
{
	__u32 zero = 0, newest;
	struct rst_closing_ring *ring = bpf_map_lookup_elem(&closing, &zero);

	if (!ring)
		return -1;
	newest = ring->next - 1;
	for (int i = 0; i < CLOSING_SLOTS; i++) {
		struct rst_closing *slot = &ring->slot[(newest - i) % CLOSING_SLOTS];

		if (slot->key == key)
			return slot->prev_state;
	}
	return -1;
}

#endif /* RSTSNOOP_RINGS_BPF_H */
