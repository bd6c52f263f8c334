// SPDX-License-Identifier: GPL-2.0
/*
 * net:netif_receive_skb as a classic tracepoint program: the event gives
 * the skb's address and length; the rest is read with
 * bpf_probe_read_kernel, after the length has ruled out bulk data.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "receive_packet.bpf.h"

SEC("tracepoint/net/netif_receive_skb")
int on_receive_packet(struct trace_event_raw_net_dev_template *ctx)
{
	const struct sk_buff *skb = ctx->skbaddr;
	const struct net_device *dev;

	if (ctx->len > MAX_INTERESTING_LEN)
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	if (BPF_CORE_READ(dev, flags) & IFF_LOOPBACK)
		return 0;
	on_received_packet(BPF_CORE_READ(skb, protocol), BPF_CORE_READ(skb, data),
			   BPF_CORE_READ(dev, nd_net.net, ns.inum));
	return 0;
}
