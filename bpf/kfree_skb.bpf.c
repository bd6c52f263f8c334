// SPDX-License-Identifier: GPL-2.0
/*
 * skb:kfree_skb, on kernels before 6.10 only: a SYN dropped for lack of a
 * socket, which the stack answered with a RST that tcp_send_reset does not
 * show there.  The loader does not load it where tcp_send_reset reports
 * socket-less RSTs itself, so nothing is counted twice.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "compat.bpf.h"
#include "socketless.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

SEC("tracepoint/skb/kfree_skb")
int on_kfree_skb(struct trace_event_raw_kfree_skb___reason *ctx)
{
	struct rst_record rec = {};
	struct sk_buff *skb = ctx->skbaddr;
	__u8 tcp_flags = 0;

	if (!dropped_for_no_socket(ctx))
		return 0;
	/* the event stores ntohs(skb->protocol) */
	if (ctx->protocol != ETH_P_IP && ctx->protocol != ETH_P_IPV6)
		return 0;
	if (!read_segment(skb_network_start(skb), NULL, &rec, &tcp_flags))
		return 0;
	/* The stack answers everything but a RST with a RST (tcp_v4_send_reset) */
	if (tcp_flags & TCP_FLAG_RST)
		return 0;
	socketless_reset(&rec, skb, tcp_flags);
	return 0;
}
