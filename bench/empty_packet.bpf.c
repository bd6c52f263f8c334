// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline of the per-packet cost: an empty BTF-typed program on the
 * tracepoint rstsnoop's packet program uses.  With kernel.bpf_stats_enabled
 * every run pays the statistics' own clock reads and the trampoline; what
 * rstsnoop's program costs above this is its own work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(empty_packet, const struct sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
