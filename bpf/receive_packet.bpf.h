/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net:netif_receive_skb, for the three programs that read packets as they
 * come in: the one place a tracepoint shows a received RST's TTL, the
 * peer's genuine hop count (its SYN-ACK, its SYN, its echo reply, a
 * sampled segment) and the ICMP error that refused a connect().  It fires for every packet the host receives, so each program
 * leaves within a few loads for anything but those: first loopback (no
 * hops to judge; this host's own RSTs are known otherwise), then length (a
 * RST, a SYN, an ACK or an ICMP error about a SYN is short; bulk data is not),
 * then the protocol.  Only then is a header read.
 *
 * The tracepoint fires before skb_reset_network_header(): the IP header
 * is at skb->data.
 *
 * Variants: RST_BTF_PROGS (typed skb) with RST_PACKET_CAST (headers
 * through bpf_rdonly_cast(): plain loads, no helper call, allowed under
 * lockdown=confidentiality), or with bpf_probe_read_kernel(); and the
 * classic tracepoint, which reads the skb itself through
 * bpf_probe_read_kernel.
 */
#ifndef RSTSNOOP_RECEIVE_PACKET_BPF_H
#define RSTSNOOP_RECEIVE_PACKET_BPF_H

#include "wire.bpf.h"
#include "packet.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMP 1
#define IPPROTO_ICMPV6 58
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_ECHO_REPLY 129

/*
 * Longest packet worth a look: an ICMPv4 error quotes at most 576 bytes; a
 * RST or SYN-ACK with every option is under 100.  ICMPv6 errors about a
 * data segment can be longer and are passed over: the ones that refuse a
 * connect() quote a SYN.
 */
#define MAX_INTERESTING_LEN 576

#ifdef RST_PACKET_CAST
/* bpf_rdonly_cast() is declared in packet.bpf.h.  A typed, read-only view of a header (its loads are plain loads). */
#define HEADER(type, ptr, copy)                                                            \
	((void)(copy),                                                                     \
	 (const struct type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(struct type)))
#else
/* A copy of a header on the stack; NULL where it cannot be read. */
#define HEADER(type, ptr, copy)                                                            \
	(bpf_probe_read_kernel(&(copy), sizeof(copy), (ptr)) ? NULL : &(copy))
#endif

struct ports {
	__be16 source;
	__be16 dest;
};

static __always_inline void note_wire_rst(struct rst_flow_key *key, __u8 ttl)
{
	struct rst_wire_rst wire = {.ttl = ttl};

	map_update(&wire_rsts, key, &wire, BPF_ANY, RST_MAP_WIRE_RSTS);
}

/*
 * Other short segments (ACKs, small writes) are sampled for the peers
 * whose handshake rstsnoop never saw (connections opened before it
 * started).  A sample of a peer already known closes the gate on the whole
 * host for SAMPLE_GATE_PER_SEC-th of a second; one of a peer not known yet
 * leaves it open, so that several new peers in a row are all taken.  A busy
 * host whose peers are all known pays one read of the tick counter per
 * short segment and SAMPLE_GATE_PER_SEC look-ups a second: per jiffy (250
 * a second and more) those look-ups cost a bulk stream over veth about 40
 * ns a packet on average (make bench, bulk-veth, against a build without
 * them), far above the rest of the path.  The price: on a busy host a peer
 * whose only segments are rare (a keepalive's answer) is taken only if
 * one of them is the first short segment after the gate opens again.  A
 * handshake or echo baseline older than SEGMENT_BASELINE_NS may be
 * replaced by a sample: paths change.
 */
#define SAMPLE_GATE_PER_SEC 10
#define SEGMENT_BASELINE_NS (600ULL * 1000000000ULL)
/* the jiffy whose sample found its peer known (racy by design: two CPUs
 * may both sample) */
__u64 segment_sample_jiffy __weak = 0;

/* The gate is open: a tenth of a second (in jiffies; one jiffy where the
 * tick rate is not known) has passed since a sample found its peer known. */
static __always_inline bool segment_gate_open(__u64 jiffy)
{
	__u64 gap = cfg.jiffies_hz / SAMPLE_GATE_PER_SEC;

	return jiffy - segment_sample_jiffy >= (gap ? gap : 1);
}

/*
 * A genuine packet from the peer: its hop count, by what it was learnt
 * from.  A handshake or an echo reply replaces what is known (the newest
 * path wins); a sampled segment only fills a gap or refreshes an older
 * sample, never a handshake's.  Written in place, and only when something
 * changed or a second has passed: a busy listener's SYNs stay reads.
 */
static __always_inline bool note_peer_ttl(__u32 netns, __u16 family, const __u8 *addr,
					  __u8 ttl, __u8 kind)
{
	struct rst_peer_key key = {.netns = netns, .family = family};
	struct rst_peer_ttl fresh = {.ttl = ttl, .kind = kind};
	struct rst_peer_ttl *known;
	__u64 now = bpf_ktime_get_ns();

	__builtin_memcpy(key.addr, addr, RST_ADDR_LEN);
	known = bpf_map_lookup_elem(&peer_ttls, &key);
	if (!known) {
		fresh.ts_ns = now;
		map_update(&peer_ttls, &key, &fresh, BPF_ANY, RST_MAP_PEER_TTLS);
		return true;
	}
	if (kind == RST_BASELINE_SEGMENT && known->kind != RST_BASELINE_SEGMENT &&
	    now - known->ts_ns < SEGMENT_BASELINE_NS)
		return false;
	if (known->ttl != ttl || known->kind != kind || now - known->ts_ns > 1000000000ULL) {
		known->ttl = ttl;
		known->kind = kind;
		known->ts_ns = now;
	}
	return false;
}

/* A TCP segment: keep a RST's TTL; a SYN-ACK's or a SYN's as the peer's
 * genuine one, and now and then another segment's. */
static __always_inline void on_tcp(const struct sk_buff *skb, const void *th,
				   struct rst_flow_key *key, __u8 ttl)
{
	struct tcphdr copy;
	const struct tcphdr *tcp = HEADER(tcphdr, th, copy);
	__u64 jiffy = 0;
	__u8 kind;

	if (!tcp)
		return;
	if (BPF_CORE_READ_BITFIELD(tcp, rst)) {
		key->netns = skb_netns(skb);
		if (!key->netns)
			return;
		key->rport = bpf_ntohs(tcp->source);
		key->lport = bpf_ntohs(tcp->dest);
		note_wire_rst(key, ttl);
		return;
	}
	if (BPF_CORE_READ_BITFIELD(tcp, syn))
		kind = BPF_CORE_READ_BITFIELD(tcp, ack) ? RST_BASELINE_SYNACK : RST_BASELINE_SYN;
	else if (segment_gate_open(jiffy = bpf_jiffies64()))
		kind = RST_BASELINE_SEGMENT;
	else
		return;
	key->netns = skb_netns(skb);
	if (key->netns && !note_peer_ttl(key->netns, key->family, key->raddr, ttl, kind) &&
	    kind == RST_BASELINE_SEGMENT)
		segment_sample_jiffy = jiffy;
}

/* An echo reply (ping's, or --probe's): the peer's genuine hop count. */
static __always_inline void on_echo_reply(const struct sk_buff *skb, __u16 family,
					  const __u8 *from, __u8 ttl)
{
	__u32 netns = skb_netns(skb);

	if (netns)
		note_peer_ttl(netns, family, from, ttl, RST_BASELINE_ECHO_REPLY);
}

/*
 * An ICMP error quoting one of our TCP segments (inner: its IP header,
 * whose source is this host): keep it under that segment's flow, with
 * the error's sender, the router or host that refused.
 */
static __always_inline void note_icmp_error(const struct sk_buff *skb, __u16 family,
					    const __u8 *from,
					    const __u8 *inner_saddr, const __u8 *inner_daddr,
					    const void *inner_th, __u8 ttl, __u8 type, __u8 code)
{
	struct rst_icmp_error err = {
		.ts_ns = bpf_ktime_get_ns(), .ttl = ttl, .type = type, .code = code,
	};
	struct rst_flow_key key = {.netns = skb_netns(skb), .family = family};
	int len = family == AF_INET6 ? RST_ADDR_LEN : 4;
	/* An ICMP error quotes at least 8 bytes of the segment: its ports
	 * (the first 4 bytes of a tcphdr).  The cast views a whole tcphdr
	 * and loads only those; the copy reads only those. */
#ifdef RST_PACKET_CAST
	struct tcphdr copy;
	const struct tcphdr *ports = HEADER(tcphdr, inner_th, copy);
#else
	struct ports copy;
	const struct ports *ports = HEADER(ports, inner_th, copy);
#endif

	if (!key.netns || !ports)
		return;
	key.lport = bpf_ntohs(ports->source);
	key.rport = bpf_ntohs(ports->dest);
	if (len == RST_ADDR_LEN) {
		__builtin_memcpy(key.laddr, inner_saddr, RST_ADDR_LEN);
		__builtin_memcpy(key.raddr, inner_daddr, RST_ADDR_LEN);
		__builtin_memcpy(err.from, from, RST_ADDR_LEN);
	} else {
		__builtin_memcpy(key.laddr, inner_saddr, 4);
		__builtin_memcpy(key.raddr, inner_daddr, 4);
		__builtin_memcpy(err.from, from, 4);
	}
	map_update(&icmp_errors, &key, &err, BPF_ANY, RST_MAP_ICMP_ERRORS);
}

static __always_inline void on_ipv4(const struct sk_buff *skb, const __u8 *data)
{
	struct rst_flow_key key = {.family = AF_INET};
	struct iphdr copy, inner_copy;
	struct icmphdr icmp_copy;
	const struct iphdr *ip = HEADER(iphdr, data, copy), *inner;
	const struct icmphdr *icmp;
	const __u8 *l4;
	__u32 saddr, in_saddr, in_daddr;

	if (!ip)
		return;
	l4 = data + BPF_CORE_READ_BITFIELD(ip, ihl) * 4;
	if (ip->protocol == IPPROTO_TCP) {
		*(__u32 *)key.laddr = ip->daddr;
		*(__u32 *)key.raddr = ip->saddr;
		on_tcp(skb, l4, &key, ip->ttl);
		return;
	}
	if (ip->protocol != IPPROTO_ICMP)
		return;
	icmp = HEADER(icmphdr, l4, icmp_copy);
	if (!icmp)
		return;
	if (icmp->type == ICMP_ECHOREPLY) {
		saddr = ip->saddr;
		__builtin_memcpy(key.raddr, &saddr, 4);
		on_echo_reply(skb, AF_INET, key.raddr, ip->ttl);
		return;
	}
	if (icmp->type != ICMP_DEST_UNREACH)
		return;
	inner = HEADER(iphdr, l4 + sizeof(struct icmphdr), inner_copy);
	if (!inner || inner->protocol != IPPROTO_TCP)
		return;
	saddr = ip->saddr;
	in_saddr = inner->saddr;
	in_daddr = inner->daddr;
	note_icmp_error(skb, AF_INET, (const __u8 *)&saddr, (const __u8 *)&in_saddr,
			(const __u8 *)&in_daddr,
			l4 + sizeof(struct icmphdr) + BPF_CORE_READ_BITFIELD(inner, ihl) * 4, ip->ttl,
			icmp->type, icmp->code);
}

/* Extension headers are not followed: RSTs, SYN-ACKs and ICMPv6 errors
 * come without them. */
static __always_inline void on_ipv6(const struct sk_buff *skb, const __u8 *data)
{
	struct rst_flow_key key = {.family = AF_INET6};
	struct ipv6hdr copy, inner_copy;
	struct icmp6hdr icmp_copy;
	const struct ipv6hdr *ip = HEADER(ipv6hdr, data, copy), *inner;
	const struct icmp6hdr *icmp;
	const __u8 *l4 = data + sizeof(struct ipv6hdr);
	struct in6_addr saddr, in_saddr, in_daddr;

	if (!ip)
		return;
	if (ip->nexthdr == IPPROTO_TCP) {
		__builtin_memcpy(key.laddr, &ip->daddr, RST_ADDR_LEN);
		__builtin_memcpy(key.raddr, &ip->saddr, RST_ADDR_LEN);
		on_tcp(skb, l4, &key, ip->hop_limit);
		return;
	}
	if (ip->nexthdr != IPPROTO_ICMPV6)
		return;
	icmp = HEADER(icmp6hdr, l4, icmp_copy);
	if (!icmp)
		return;
	if (icmp->icmp6_type == ICMPV6_ECHO_REPLY) {
		__builtin_memcpy(&saddr, &ip->saddr, sizeof(saddr));
		on_echo_reply(skb, AF_INET6, (const __u8 *)&saddr, ip->hop_limit);
		return;
	}
	if (icmp->icmp6_type != ICMPV6_DEST_UNREACH)
		return;
	inner = HEADER(ipv6hdr, l4 + sizeof(struct icmp6hdr), inner_copy);
	if (!inner || inner->nexthdr != IPPROTO_TCP)
		return;
	__builtin_memcpy(&saddr, &ip->saddr, sizeof(saddr));
	__builtin_memcpy(&in_saddr, &inner->saddr, sizeof(in_saddr));
	__builtin_memcpy(&in_daddr, &inner->daddr, sizeof(in_daddr));
	note_icmp_error(skb, AF_INET6, (const __u8 *)&saddr, (const __u8 *)&in_saddr,
			(const __u8 *)&in_daddr,
			l4 + sizeof(struct icmp6hdr) + sizeof(struct ipv6hdr), ip->hop_limit,
			icmp->icmp6_type, icmp->icmp6_code);
}

/* protocol: skb->protocol (network order); data: the IP header. */
static __always_inline void on_received_packet(const struct sk_buff *skb, __be16 protocol,
					       const __u8 *data)
{
	if (protocol == bpf_htons(ETH_P_IP))
		on_ipv4(skb, data);
	else if (protocol == bpf_htons(ETH_P_IPV6))
		on_ipv6(skb, data);
}

#ifdef RST_BTF_PROGS
/* The body of both BTF-typed packet programs: one load sends bulk data
 * away, two more loopback. */
static __always_inline void on_received_skb(const struct sk_buff *skb)
{
	if (skb->len > MAX_INTERESTING_LEN || (skb->dev->flags & IFF_LOOPBACK))
		return;
	on_received_packet(skb, skb->protocol, skb->data);
}
#endif

#endif /* RSTSNOOP_RECEIVE_PACKET_BPF_H */
