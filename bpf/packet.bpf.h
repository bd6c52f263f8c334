/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses, ports and TCP flags: from the tracepoints' own fields, and
 * from the headers of the segment a RST answered.
 */
#ifndef RSTSNOOP_PACKET_BPF_H
#define RSTSNOOP_PACKET_BPF_H

#include "sock.bpf.h"

/*
 * The address fields of the classic TCP events (all but the 6.10+
 * tcp_send_reset): IPv4 in saddr/daddr, IPv6 in saddr_v6/daddr_v6.
 */
static __always_inline void copy_event_addrs(struct rst_record *rec, const void *saddr,
					     const void *daddr, const void *saddr_v6,
					     const void *daddr_v6)
{
	if (rec->family == AF_INET6) {
		bpf_probe_read_kernel(rec->laddr, RST_ADDR_LEN, saddr_v6);
		bpf_probe_read_kernel(rec->raddr, RST_ADDR_LEN, daddr_v6);
	} else {
		bpf_probe_read_kernel(rec->laddr, 4, saddr);
		bpf_probe_read_kernel(rec->raddr, 4, daddr);
	}
}

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define IFF_LOOPBACK 0x8

#ifdef RST_BTF_PROGS
static __always_inline const __u8 *skb_network_start(const struct sk_buff *skb)
{
	return skb->head + skb->network_header;
}

/* Inside tcp_v{4,6}_rcv, where RSTs answer segments, data is the TCP header. */
static __always_inline const __u8 *skb_data_start(const struct sk_buff *skb)
{
	return skb->data;
}

/* The network namespace of the device a packet came in on. */
static __always_inline __u32 skb_netns(const struct sk_buff *skb)
{
	return skb->dev->nd_net.net->ns.inum;
}

/* The same, and *loopback says whether that device is a loopback one. */
static __always_inline __u32 skb_dev_netns(const struct sk_buff *skb, bool *loopback)
{
	const struct net_device *dev = skb->dev;

	*loopback = dev->flags & IFF_LOOPBACK;
	return dev->nd_net.net->ns.inum;
}
#else
static __always_inline const __u8 *skb_network_start(const struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, network_header);
}

static __always_inline const __u8 *skb_data_start(const struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, data);
}

static __always_inline __u32 skb_netns(const struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
}

static __always_inline __u32 skb_dev_netns(const struct sk_buff *skb, bool *loopback)
{
	const struct net_device *dev = BPF_CORE_READ(skb, dev);

	*loopback = BPF_CORE_READ(dev, flags) & IFF_LOOPBACK;
	return BPF_CORE_READ(dev, nd_net.net, ns.inum);
}
#endif /* RST_BTF_PROGS */

#ifdef RST_PACKET_CAST
/*
 * bpf_rdonly_cast() (Linux 6.2, commit a35b9af4ec2c "bpf: Add a kfunc for
 * generic type cast") gives a typed, read-only view of kernel memory whose
 * fields are plain loads: no bpf_probe_read_kernel(), which
 * lockdown=confidentiality withdraws.  Only the programs for 6.10+ use it.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* read_segment() below, with typed loads. */
static __always_inline bool read_segment(const __u8 *ip, const __u8 *th, struct rst_record *rec,
					 __u8 *tcp_flags)
{
	/* the version nibble is at the same place in both IP headers */
	const struct iphdr *v4 = bpf_rdonly_cast(ip, bpf_core_type_id_kernel(struct iphdr));
	__u8 version = BPF_CORE_READ_BITFIELD(v4, version), l4proto;
	const struct tcphdr *tcp;

	if (version == 4) {
		l4proto = v4->protocol;
		rec->family = AF_INET;
		*(__u32 *)rec->raddr = v4->saddr;
		*(__u32 *)rec->laddr = v4->daddr;
		if (!th)
			th = ip + BPF_CORE_READ_BITFIELD(v4, ihl) * 4;
	} else if (version == 6) {
		const struct ipv6hdr *v6 = bpf_rdonly_cast(ip, bpf_core_type_id_kernel(struct ipv6hdr));

		l4proto = v6->nexthdr;
		rec->family = AF_INET6;
		__builtin_memcpy(rec->raddr, &v6->saddr, RST_ADDR_LEN);
		__builtin_memcpy(rec->laddr, &v6->daddr, RST_ADDR_LEN);
		if (!th)
			th = ip + sizeof(struct ipv6hdr); /* extension headers are not followed */
	} else {
		return false;
	}
	if (l4proto != IPPROTO_TCP)
		return false;
	tcp = bpf_rdonly_cast(th, bpf_core_type_id_kernel(struct tcphdr));
	rec->rport = bpf_ntohs(tcp->source);
	rec->lport = bpf_ntohs(tcp->dest);
	*tcp_flags = (BPF_CORE_READ_BITFIELD(tcp, syn) ? TCP_FLAG_SYN : 0) |
		     (BPF_CORE_READ_BITFIELD(tcp, rst) ? TCP_FLAG_RST : 0) |
		     (BPF_CORE_READ_BITFIELD(tcp, ack) ? TCP_FLAG_ACK : 0);
	return true;
}
#else
/*
 * The TCP segment that made the stack answer with a RST, from its headers
 * (ip: its IP header): this host's end is the segment's destination.  th:
 * the TCP header where the caller knows it (skb->data inside
 * tcp_v{4,6}_rcv), or NULL to find it behind the IP header.  One read per
 * header (two for IPv6): every helper call counts on this path.  False for
 * anything but TCP.
 */
static __always_inline bool read_segment(const __u8 *ip, const __u8 *th, struct rst_record *rec,
					 __u8 *tcp_flags)
{
	__u8 hdr[40], tcp[14], l4proto;

	if (bpf_probe_read_kernel(hdr, 20, ip))
		return false;
	if (hdr[0] >> 4 == 4) {
		l4proto = hdr[9];
		rec->family = AF_INET;
		__builtin_memcpy(rec->raddr, hdr + 12, 4);
		__builtin_memcpy(rec->laddr, hdr + 16, 4);
		if (!th)
			th = ip + (hdr[0] & 0x0f) * 4;
	} else if (hdr[0] >> 4 == 6) {
		if (bpf_probe_read_kernel(hdr + 20, 20, ip + 20))
			return false;
		l4proto = hdr[6];
		rec->family = AF_INET6;
		__builtin_memcpy(rec->raddr, hdr + 8, RST_ADDR_LEN);
		__builtin_memcpy(rec->laddr, hdr + 24, RST_ADDR_LEN);
		if (!th)
			th = ip + 40; /* extension headers are not followed */
	} else {
		return false;
	}
	if (l4proto != IPPROTO_TCP || bpf_probe_read_kernel(tcp, sizeof(tcp), th))
		return false;
	rec->rport = (__u16)tcp[0] << 8 | tcp[1];
	rec->lport = (__u16)tcp[2] << 8 | tcp[3];
	*tcp_flags = tcp[13];
	return true;
}
#endif /* RST_PACKET_CAST */

/* Flags of the segment tcp_v{4,6}_send_reset answers: skb->data is its TCP header. */
static __always_inline __u8 segment_flags(const struct sk_buff *skb)
{
	__u8 flags = 0;

	bpf_probe_read_kernel(&flags, 1, skb_data_start(skb) + 13);
	return flags;
}

/* sockaddr_in or sockaddr_in6 as the 6.10+ event stores it (28 bytes). */
struct event_sockaddr {
	__u16 family;
	__be16 port;
	union {
		__u8 v4[4];
		struct {
			__u32 flowinfo;
			__u8 v6[16];
		};
	};
	__u32 scope_id;
};

_Static_assert(sizeof(struct event_sockaddr) == 28, "sizeof(struct sockaddr_in6)");

static __always_inline void copy_sockaddr(const struct event_sockaddr *sa, __u8 *addr,
					  __u16 *port)
{
	*port = bpf_ntohs(sa->port);
	if (sa->family == AF_INET6)
		__builtin_memcpy(addr, sa->v6, RST_ADDR_LEN);
	else
		__builtin_memcpy(addr, sa->v4, 4);
}

/*
 * This event's address arrays sit at 4-byte aligned offsets (the layout is
 * the same since 4.16), so they are read with direct context loads, which
 * cost far less than a helper call each on this busy path.
 */
static __always_inline void copy_state_addrs(struct rst_record *rec,
					     struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u32 *l = (__u32 *)rec->laddr, *r = (__u32 *)rec->raddr;

	if (rec->family == AF_INET6) {
		l[0] = *(__u32 *)&ctx->saddr_v6[0];
		l[1] = *(__u32 *)&ctx->saddr_v6[4];
		l[2] = *(__u32 *)&ctx->saddr_v6[8];
		l[3] = *(__u32 *)&ctx->saddr_v6[12];
		r[0] = *(__u32 *)&ctx->daddr_v6[0];
		r[1] = *(__u32 *)&ctx->daddr_v6[4];
		r[2] = *(__u32 *)&ctx->daddr_v6[8];
		r[3] = *(__u32 *)&ctx->daddr_v6[12];
	} else {
		l[0] = *(__u32 *)ctx->saddr;
		r[0] = *(__u32 *)ctx->daddr;
	}
}

/*
 * A dual-stack (AF_INET6) socket talking to a v4-mapped address
 * (::ffff:a.b.c.d) sends IPv4 on the wire.  The record describes the wire,
 * as tcpdump and the peer see it, and keeps the socket's own family in
 * RST_F_V4MAPPED; -4/-6 and the fold of the stack's socket-less RST (which
 * is IPv4) then match.  The remote address decides: the local address of a
 * socket that never got one is ::, which becomes 0.0.0.0.
 */
static __always_inline void unmap_v4(struct rst_record *rec)
{
	__u32 *r = (__u32 *)rec->raddr, *l = (__u32 *)rec->laddr;
	const __u32 v4mapped = bpf_htonl(0x0000ffff);

	if (rec->family != AF_INET6 || r[0] || r[1] || r[2] != v4mapped)
		return;
	r[0] = r[3];
	r[1] = r[2] = r[3] = 0;
	l[0] = !l[0] && !l[1] && l[2] == v4mapped ? l[3] : 0;
	l[1] = l[2] = l[3] = 0;
	rec->family = AF_INET;
	rec->flags |= RST_F_V4MAPPED;
}

#endif /* RSTSNOOP_PACKET_BPF_H */
