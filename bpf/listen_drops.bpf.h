/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Listen drops from the listeners' own drop counter, sk->sk_drops.
 *
 * tcp_listendrop() increments it with TcpExtListenDrops, also for the SYNs
 * a full accept queue drops, which are freed with consume_skb() and seen by
 * no tracepoint: the iterator (bpf/listen_drops_iter.bpf.c) reads it for
 * every listener each second.  But a listener's sk_drops counts more than
 * listen drops: every segment of one of its half-open connections that
 * tcp_check_req() does not take (tcp_v4_rcv()/tcp_v6_rcv() discard_and_relse,
 * sk_drops_add() on the listener) counts once more.  Measured on 6.18: 7
 * final ACKs that found the queue full gave d14 in `ss -tlnm` against
 * ListenDrops 7 (tcp_listendrop() in tcp_v4_syn_recv_sock(), then
 * discard_and_relse); 4 RSTs to half-open connections gave d4 with
 * ListenDrops 0 (EmbryonicRsts 4).
 *
 * Where the drop program sees those segments (skb:kfree_skb with rx_sk,
 * 6.11+: a NOT_SPECIFIED or TCP_LISTEN_OVERFLOW drop whose rx_sk is the
 * listener), it counts here, by the listener's socket inode, the
 * increments it accounts for: 2 for a final ACK that found the queue full
 * (its own listen_drop record counts that drop), 1 for any other.  The
 * iterator reports the rest, so that no drop is counted twice.
 *
 * listener_excess: writer the drop program (on_drop()), reader the
 * iterator; key the listener's socket inode (what `ss -e` shows: the
 * iterator knows the socket by its file); value the increments, since the
 * entry was made.  LRU: a closed listener's entry ages out; a live one
 * whose entry was evicted starts again from 0, which the loader takes as a
 * new count (user/listen_drops.c).
 */
#ifndef RSTSNOOP_LISTEN_DROPS_BPF_H
#define RSTSNOOP_LISTEN_DROPS_BPF_H

#include "maps.bpf.h" /* listener_excess */

#endif /* RSTSNOOP_LISTEN_DROPS_BPF_H */
