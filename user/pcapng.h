/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --pcap FILE: each RST and ICMP refusal a record reports, as a packet in a
 * pcapng file (the format written here, no library) for tcpdump and
 * Wireshark, with a comment naming the process, the event and the verdict.
 *
 * The record does not carry the packet's bytes, only facts about it
 * (bpf/record.h), so the packet is built from those facts.  As the hooks
 * saw them: the addresses and ports, the direction, the TTL or hop limit
 * of a received RST or ICMP error (only with RST_FACT_TTL), the ICMP type,
 * code and sender.  Made up, and said so in the man page: the TCP
 * sequence and acknowledgment numbers (0), the window (0), the flags (RST,
 * with ACK where Linux sets it: the answer to a SYN and an active reset),
 * the IPv4 id (0) and DF, the TTL of a packet this host sent or whose TTL
 * was not seen (64), the checksums (correct for the packet as built), and
 * the SYN an ICMP error quotes.  The comment says "ttl=seen" or
 * "ttl=made-up" per packet.
 *
 * One section, one interface of LINKTYPE_RAW (an IPv4 or IPv6 packet, no
 * link header) with nanosecond time stamps; one Enhanced Packet Block per
 * packet.  Blocks are written whole; at the size cap no block is written
 * any more, and the ones left out are counted.
 */
#ifndef RSTSNOOP_PCAPNG_H
#define RSTSNOOP_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "record.h"

#define PCAP_DEFAULT_MAX_BYTES (64ULL << 20) /* --pcap-max-bytes default */
#define PCAP_MIN_MAX_BYTES 4096		     /* room for the headers and a packet */
#define PCAP_FILE_MODE 0640
#define PCAP_PACKET_MAX 128 /* the largest packet built: IPv6 + ICMPv6 + IPv6 + 8 */
#define PCAP_COMMENT_MAX 400
#define PCAP_DEFAULT_TTL 64 /* the TTL of a packet whose TTL was not seen */

/* What a record's packet is, as built by pcap_packet_of_record(). */
struct pcap_packet {
	__u8 bytes[PCAP_PACKET_MAX];
	size_t len;	/* 0: the record reports no RST or ICMP error */
	bool icmp;	/* an ICMP error (quoting our SYN), else a TCP RST */
	bool inbound;	/* sent to this host (raddr -> laddr), else from it */
	bool ttl_seen;	/* the TTL is the one received, else PCAP_DEFAULT_TTL */
};

/*
 * The packet a record reports: a RST (handshake_failed refused or reset,
 * reset_received, reset_ignored: from the peer's end; reset_sent,
 * reset_race, a rejected handshake: from this host's) or an ICMP error
 * that ended a handshake (from its sender, else the peer, to this host).
 * len 0 for the records without one (listen_drop, timed_out, a timeout).
 */
void pcap_packet_of_record(const struct rst_record *rec, struct pcap_packet *pkt);

/*
 * The packet's comment: "rstsnoop: pid=N comm=NAME event=E[/CAUSE]
 * origin=O reason=R ttl=seen|made-up", the name escaped as in the table
 * (printable ASCII, \xNN otherwise) so it is bounded and safe in any
 * reader; fields without a value are left out.  Returns its length.
 */
size_t pcap_comment(char *buf, size_t size, const struct rst_record *rec,
		    const struct pcap_packet *pkt, const char *reason);

/* The blocks, into buf; each returns its length (0 if size is too small). */
size_t pcapng_header_blocks(__u8 *buf, size_t size);
size_t pcapng_packet_block(__u8 *buf, size_t size, __u64 realtime_ns, const __u8 *packet,
			   size_t len, const char *comment, size_t comment_len);

struct pcap_file;

/* Creates (truncates) path, mode PCAP_FILE_MODE, and writes the section
 * and interface headers; says why on failure.  0 or -errno. */
int pcap_file_open(struct pcap_file **out, const char *path, __u64 max_bytes);
/* Writes rec's packet, if it has one, stamped with realtime_ns; reason:
 * the kernel's reset reason name or NULL. */
void pcap_file_add(struct pcap_file *f, const struct rst_record *rec, __u64 realtime_ns,
		   const char *reason);
/* Pushes what is buffered to the file (once per poll round). */
void pcap_file_flush(struct pcap_file *f);
__u64 pcap_file_packets(const struct pcap_file *f);
__u64 pcap_file_left_out(const struct pcap_file *f); /* at the cap, or after a write error */
void pcap_file_close(struct pcap_file *f);

#endif
