// SPDX-License-Identifier: GPL-2.0
/*
 * net:netif_receive_skb as a BTF-typed program: the skb's fields are direct
 * loads, the headers are read with bpf_probe_read_kernel (before 6.10; see
 * receive_packet_cast.bpf.c for the program that needs no helper).
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "receive_packet.bpf.h"

/* loopback was ruled out first */
static __always_inline __u32 packet_netns(const struct sk_buff *skb)
{
	return skb->dev->nd_net.net->ns.inum;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(on_receive_packet_btf, const struct sk_buff *skb)
{
	/* one load sends bulk data away, two more loopback */
	if (skb->len > MAX_INTERESTING_LEN || (skb->dev->flags & IFF_LOOPBACK))
		return 0;
	on_received_packet(skb, skb->protocol, skb->data);
	return 0;
}
