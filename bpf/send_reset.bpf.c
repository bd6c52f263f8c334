// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_send_reset as a classic tracepoint: the fallback where the kernel
 * refuses BTF-typed programs.  Both event layouts are decoded in
 * compat.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "compat.bpf.h"
#include "send_reset.bpf.h"

SEC("tracepoint/tcp/tcp_send_reset")
int on_send_reset(void *ctx)
{
	struct rst_record rec = {};
	struct send_reset_event ev;
	const struct sk_buff *skb;
	const struct sock *sk;

	if (!read_send_reset(ctx, &ev, &rec))
		return 0;
	/* plain locals: CO-RE reads must not go through struct send_reset_event */
	sk = ev.sk;
	skb = ev.skb;
	if (sk) {
		on_reset_sent(&rec, sk, skb, ev.state);
	} else if (skb) {
		socketless_reset(&rec, skb, segment_flags(skb));
	}
	return 0;
}
