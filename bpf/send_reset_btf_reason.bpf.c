// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_send_reset as a BTF-typed program (tp_btf), 6.10+: the
 * tracepoint gained a reason argument (commit b533fb9cf4f7 "rstreason: make
 * it work in trace world") and fires without a socket too (commit
 * 19822a980e19 "trace: tcp: fully support trace_tcp_send_reset"), when the
 * segment's headers name the connection.  Those are read through
 * bpf_rdonly_cast() (RST_PACKET_CAST, packet.bpf.h): with no
 * bpf_probe_read_kernel() left, the BTF-typed set runs under
 * lockdown=confidentiality.
 */
#define RST_BTF_PROGS 1
/* Built a second time with RST_NO_KFUNC, for the object opened on kernels
 * before 6.10, where these programs never load (see the Makefile). */
#ifndef RST_NO_KFUNC
#define RST_PACKET_CAST 1
#endif
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "send_reset.bpf.h"
#include "receive_packet.bpf.h"

/* 6.10+: a reason, and sk NULL where no socket exists. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_send_reset_btf_reason, const struct sock *sk, const struct sk_buff *skb,
	     enum sk_rst_reason reason)
{
	struct rst_record rec = {.reason = reason, .flags = RST_F_REASON};
	__u8 tcp_flags;

	if (sk) {
		sock_endpoints(sk, &rec);
		on_reset_sent(&rec, sk, skb, sk_state(sk));
	} else if (skb && read_segment(skb_network_start(skb), skb_data_start(skb), &rec,
				       &tcp_flags)) {
		socketless_reset(&rec, skb, tcp_flags);
	}
	return 0;
}

/*
 * net:netif_receive_skb for the same (6.10+) set, its header reads plain
 * loads through bpf_rdonly_cast() (see receive_packet.bpf.h): no helper
 * call per packet, and allowed under lockdown=confidentiality.  In this
 * file because libbpf 1.1's linker (Debian's) refuses the same kfunc
 * extern in two objects ("failed to resolve size of underlying type").
 */
SEC("tp_btf/netif_receive_skb")
int BPF_PROG(on_receive_packet_cast, const struct sk_buff *skb)
{
	on_received_skb(skb);
	return 0;
}
