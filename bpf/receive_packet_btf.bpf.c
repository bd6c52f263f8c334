// SPDX-License-Identifier: GPL-2.0
/*
 * net:netif_receive_skb as a BTF-typed program: the skb's fields are direct
 * loads, the headers are read with bpf_probe_read_kernel (before 6.10; the
 * program that needs no helper, on_receive_packet_cast, lives in
 * send_reset_btf_reason.bpf.c beside the other user of bpf_rdonly_cast()).
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "receive_packet.bpf.h"

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(on_receive_packet_btf, const struct sk_buff *skb)
{
	on_received_skb(skb);
	return 0;
}
