// SPDX-License-Identifier: GPL-2.0
/*
 * net:netif_receive_skb as a classic tracepoint program: the event gives
 * the skb's address and length; the rest is read with
 * bpf_probe_read_kernel, after the length has ruled out bulk data, and the
 * device only for the packets kept.
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

	/* the event's own length field: bulk data leaves without a read;
	 * then loopback, where refused-connect storms happen, after two */
	if (ctx->len > MAX_INTERESTING_LEN || (BPF_CORE_READ(skb, dev, flags) & IFF_LOOPBACK))
		return 0;
	on_received_packet(skb, BPF_CORE_READ(skb, protocol), BPF_CORE_READ(skb, data));
	return 0;
}
