// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_send_reset as a BTF-typed program (tp_btf), before 6.10: always
 * a full socket, no reason.  The prototype of 6.10+ has its own program in
 * send_reset_btf_reason.bpf.c; the loader loads the one that matches.
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "send_reset.bpf.h"

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_send_reset_btf, const struct sock *sk, const struct sk_buff *skb)
{
	struct rst_record rec = {};

	sock_endpoints(sk, &rec);
	on_reset_sent(&rec, sk, skb, sk_state(sk));
	return 0;
}
