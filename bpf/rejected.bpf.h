/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The self-reset handshake: a connecting socket that rejects the peer's
 * SYN-ACKs (a TSecr that does not echo its TSval: PAWS, TcpExt
 * PAWSActive; or an ACK out of range) answers each with a RST of
 * its own (tcp_rcv_synsent_state_process()'s reset_and_undo, then
 * tcp_v{4,6}_send_reset() with the socket still in SYN_SENT), and keeps
 * retransmitting its SYN until connect() times out.  Each RST is a
 * reset_sent record; the connect's final handshake_failed says why it
 * failed from what its own RSTs said.
 *
 * rejected_synacks: writer the send_reset handler (bpf/send_reset.bpf.h),
 * for a RST of a socket in SYN_SENT; reader the socket's handshake_failed
 * (bpf/set_state.bpf.h, SYN_SENT -> CLOSE), which deletes the entry.  Key:
 * the owner table's socket key (cookie in the BTF-typed programs, address
 * in the classic ones).  Lifetime: until that CLOSE; LRU, so that entries
 * of sockets whose CLOSE makes no record (connect() abandoned) age out.
 */
#ifndef RSTSNOOP_REJECTED_BPF_H
#define RSTSNOOP_REJECTED_BPF_H

#include "record.h"
#include "maps.bpf.h" /* rejected_synacks and struct rst_rejected */

/* The socket key sent a RST in SYN_SENT: it rejected a SYN-ACK. */
static __always_inline void note_rejected_synack(__u64 key, const struct rst_record *rec)
{
	struct rst_rejected *r = bpf_map_lookup_elem(&rejected_synacks, &key);

	if (!r) {
		struct rst_rejected first = {.count = 1, .reason = rec->reason,
					     .flags = rec->flags & RST_F_REASON};

		map_update(&rejected_synacks, &key, &first, BPF_ANY, RST_MAP_REJECTED_SYNACKS);
		return;
	}
	/* one socket's RSTs come from its own softirq or task, one at a time */
	r->count++;
	r->reason = rec->reason;
	r->flags = rec->flags & RST_F_REASON;
}

/*
 * A connect() that failed without a RST from the peer: if its own socket
 * rejected SYN-ACKs, that is why (cause REJECTED, count, and the reason of
 * its RSTs where the kernel gives one).  The entry goes either way.
 */
static __always_inline void take_rejected_synacks(__u64 key, struct rst_record *rec)
{
	struct rst_rejected *r = bpf_map_lookup_elem(&rejected_synacks, &key);

	if (!r)
		return;
	rec->cause = RST_CAUSE_REJECTED;
	rec->count = r->count;
	rec->facts |= RST_FACT_COUNT;
	if (r->flags & RST_F_REASON) {
		rec->reason = r->reason;
		rec->flags |= RST_F_REASON;
	}
	bpf_map_delete_elem(&rejected_synacks, &key);
}

#endif /* RSTSNOOP_REJECTED_BPF_H */
