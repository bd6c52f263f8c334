// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_receive_reset as a classic tracepoint: the fallback where the
 * kernel refuses BTF-typed programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "compat.bpf.h"
#include "receive_reset.bpf.h"

SEC("tracepoint/tcp/tcp_receive_reset")
int on_receive_reset(struct trace_event_raw_tcp_event_sk *ctx)
{
	struct rst_record rec = {};
	const struct sock *sk = ctx->skaddr;

	rec.family = tcp_event_sk_family(ctx, sk);
	rec.lport = ctx->sport;
	rec.rport = ctx->dport;
	copy_event_addrs(&rec, ctx->saddr, ctx->daddr, ctx->saddr_v6, ctx->daddr_v6);
	on_reset_received(&rec, sk, sock_key(sk), tcp_event_sk_cookie(ctx, sk));
	return 0;
}
