// SPDX-License-Identifier: GPL-2.0
/*
 * skb:kfree_skb as a BTF-typed program, for kernels whose event has a drop
 * reason but no rx_sk (5.17 .. 6.10): the loader picks this one or
 * drops_btf_rx_sk.bpf.c by the tracepoint's prototype in kernel BTF.
 * Headers are read with bpf_probe_read_kernel (bpf_rdonly_cast() came in
 * 6.2, after some of these kernels): under lockdown=confidentiality only
 * the firewall marks, which need no header, remain.
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "drops.bpf.h"

SEC("tp_btf/kfree_skb")
int BPF_PROG(on_drop_btf, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	on_drop(skb, reason, NULL);
	return 0;
}
