// SPDX-License-Identifier: GPL-2.0
/*
 * skb:kfree_skb as a BTF-typed program, 6.11+: the event names the socket
 * that received the dropped segment (rx_sk, commit c53795d48ee8 "net: add
 * rx_sk to trace_kfree_skb"; NULL where none did, and marked nullable for
 * the verifier since commit 5da7e15fb5a1).  That socket gives a refused
 * RST its owner, endpoints and TCP flags (from the control block), and tells
 * a half-open connection's drops, with no packet read.  Only a half-open
 * connection's client end is read from the headers, with
 * bpf_probe_read_kernel() (off under lockdown=confidentiality, see
 * cfg.drop_packet_reads), not bpf_rdonly_cast() (RST_PACKET_CAST): that kfunc's
 * extern in a second object makes bpftool 7.1's linker fail ("failed to
 * resolve size of underlying type").
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "drops.bpf.h"

SEC("tp_btf/kfree_skb")
int BPF_PROG(on_drop_btf_rx_sk, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	on_drop(skb, reason, rx_sk);
	return 0;
}
