// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_receive_reset as a BTF-typed program (tp_btf): direct loads.
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "receive_reset.bpf.h"

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(on_receive_reset_btf, struct sock *sk)
{
	struct rst_record rec = {};
	__u64 key = sock_key(sk); /* the cookie: one helper call serves both */

	sock_endpoints(sk, &rec);
	on_reset_received(&rec, sk, key, key);
	return 0;
}
