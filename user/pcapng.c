// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "pcapng.h"
#include "diag.h"
#include "escape.h"
#include "output.h"
#include "origin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef RSTSNOOP_VERSION
#define RSTSNOOP_VERSION "0.1.0"
#endif

/* pcapng (draft-ietf-opsawg-pcapng): block types, options, link type. */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define LINKTYPE_RAW 101 /* an IPv4 or IPv6 packet, told apart by its version */
#define SNAPLEN 65535

#define IPPROTO_TCP_ 6
#define IPPROTO_ICMP_ 1
#define IPPROTO_ICMPV6_ 58
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

/* ---- the packet ------------------------------------------------------- */

static void put16(__u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The Internet checksum's running sum (RFC 1071) over len bytes. */
static __u32 sum_bytes(__u32 sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The pseudo-header's sum (RFC 9293 3.1, RFC 8200 8.1). */
static __u32 pseudo_sum(bool v6, const __u8 *src, const __u8 *dst, __u8 proto, size_t len)
{
	size_t alen = v6 ? 16 : 4;
	__u32 sum = sum_bytes(0, src, alen);

	sum = sum_bytes(sum, dst, alen);
	return sum + proto + (__u32)len;
}

/* An IP header at p (20 or 40 bytes); returns its length. */
static size_t ip_header(__u8 *p, bool v6, const __u8 *src, const __u8 *dst, __u8 proto,
			__u8 ttl, size_t payload)
{
	if (v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		put16(p + 4, payload);
		p[6] = proto;
		p[7] = ttl;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		return 40;
	}
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, 20 + payload);
	p[6] = 0x40; /* DF, as Linux sends its TCP segments */
	p[8] = ttl;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, fold(sum_bytes(0, p, 20)));
	return 20;
}

/* A 20-byte TCP header at p, without its checksum. */
static void tcp_header(__u8 *p, __u16 sport, __u16 dport, __u8 flags)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	p[12] = 5 << 4; /* data offset: no options */
	p[13] = flags;
}

/* Who sent the RST: the peer's end (true) or this host's. */
static bool rst_inbound(const struct rst_record *rec)
{
	switch (rec->event) {
	case RST_EV_RESET_RECEIVED:
	case RST_EV_RESET_IGNORED:
		return true;
	case RST_EV_HANDSHAKE_FAILED:
		return rec->cause != RST_CAUSE_REJECTED;
	default: /* reset_sent, reset_race */
		return false;
	}
}

/* Does the record report a packet, and which kind. */
static bool reports_packet(const struct rst_record *rec, bool *icmp)
{
	*icmp = rec->facts & (RST_FACT_ICMP | RST_FACT_ICMP_SEEN);
	switch (rec->event) {
	case RST_EV_RESET_SENT:
	case RST_EV_RESET_RECEIVED:
	case RST_EV_RESET_IGNORED:
	case RST_EV_RESET_RACE:
		*icmp = false;
		return true;
	case RST_EV_HANDSHAKE_FAILED:
		return *icmp || rec->cause == RST_CAUSE_REFUSED || rec->cause == RST_CAUSE_RESET ||
		       rec->cause == RST_CAUSE_REJECTED;
	}
	return false; /* listen_drop, timed_out: no RST, no ICMP error */
}

/* The ICMP type and code: as seen, else what the socket's error implies. */
static void icmp_kind(const struct rst_record *rec, bool v6, __u8 *type, __u8 *code)
{
	if (rec->facts & RST_FACT_ICMP_SEEN) {
		*type = rec->icmp_type;
		*code = rec->icmp_code;
	} else if (v6) {
		*type = 1; /* destination unreachable: port (4) or address (3) */
		*code = rec->error == ECONNREFUSED ? 4 : 3;
	} else {
		*type = 3; /* destination unreachable: port (3) or host (1) */
		*code = rec->error == ECONNREFUSED ? 3 : 1;
	}
}

void pcap_packet_of_record(const struct rst_record *rec, struct pcap_packet *pkt)
{
	bool v6 = rec->family == AF_INET6, icmp;
	__u8 ttl, *p = pkt->bytes, *l4, type, code;
	const __u8 *src, *dst;
	size_t ip_len, l4_len, quoted;

	memset(pkt, 0, sizeof(*pkt));
	if (!reports_packet(rec, &icmp))
		return;
	pkt->icmp = icmp;
	pkt->inbound = icmp || rst_inbound(rec);
	pkt->ttl_seen = pkt->inbound && (rec->facts & RST_FACT_TTL);
	ttl = pkt->ttl_seen ? rec->ttl : PCAP_DEFAULT_TTL;
	if (!icmp) {
		src = pkt->inbound ? rec->raddr : rec->laddr;
		dst = pkt->inbound ? rec->laddr : rec->raddr;
		ip_len = ip_header(p, v6, src, dst, IPPROTO_TCP_, ttl, 20);
		l4 = p + ip_len;
		tcp_header(l4, pkt->inbound ? rec->rport : rec->lport,
			   pkt->inbound ? rec->lport : rec->rport,
			   TCP_FLAG_RST | (rec->cause == RST_CAUSE_REFUSED ||
						   rec->event == RST_EV_RESET_SENT ?
					   TCP_FLAG_ACK : 0));
		put16(l4 + 16, fold(sum_bytes(pseudo_sum(v6, src, dst, IPPROTO_TCP_, 20), l4, 20)));
		pkt->len = ip_len + 20;
		return;
	}
	/* An ICMP error from its sender (the peer when not seen) to this
	 * host, quoting our SYN's IP header and first 8 bytes of TCP. */
	src = rec->facts & RST_FACT_ICMP_SEEN ? rec->icmp_from : rec->raddr;
	dst = rec->laddr;
	quoted = (v6 ? 40 : 20) + 8;
	l4_len = 8 + quoted;
	ip_len = ip_header(p, v6, src, dst, v6 ? IPPROTO_ICMPV6_ : IPPROTO_ICMP_, ttl, l4_len);
	l4 = p + ip_len;
	memset(l4, 0, 8);
	icmp_kind(rec, v6, &type, &code);
	l4[0] = type;
	l4[1] = code;
	{
		__u8 *q = l4 + 8, *qtcp;
		__u8 syn[20];

		qtcp = q + ip_header(q, v6, rec->laddr, rec->raddr, IPPROTO_TCP_, PCAP_DEFAULT_TTL,
				     20);
		tcp_header(syn, rec->lport, rec->rport, TCP_FLAG_SYN);
		memcpy(qtcp, syn, 8);
	}
	put16(l4 + 2, fold(sum_bytes(v6 ? pseudo_sum(true, src, dst, IPPROTO_ICMPV6_, l4_len) : 0,
				     l4, l4_len)));
	pkt->len = ip_len + l4_len;
}

size_t pcap_comment(char *buf, size_t size, const struct rst_record *rec,
		    const struct pcap_packet *pkt, const char *reason)
{
	struct origin_verdict v = origin_of_record(rec);
	const char *event = event_name(rec->event);
	const char *cause = rec->event == RST_EV_HANDSHAKE_FAILED ? cause_name(rec->cause) : NULL;
	char comm[4 * RST_COMM_LEN + 1];
	size_t n = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
#define ADD(...) (n < size ? n += snprintf(buf + n, size - n, __VA_ARGS__) : n)
	ADD("rstsnoop:");
	if (rec->flags & RST_F_OWNER) {
		text_escape(comm, sizeof(comm), rec->comm, RST_COMM_LEN);
		ADD(" pid=%u comm=%s", rec->pid, comm);
	} else {
		ADD(" pid=- comm=-");
	}
	ADD(" event=%s%s%s", event ? event : "?", cause ? "/" : "", cause ? cause : "");
	if (v.name)
		ADD(" origin=%s", v.name);
	if (reason) { /* a name from the kernel's BTF: escaped all the same */
		char text[4 * 64 + 1];

		text_escape(text, sizeof(text), reason, strlen(reason));
		ADD(" reason=%s", text);
	}
	ADD(" ttl=%s", pkt->ttl_seen ? "seen" : "made-up");
	if (pkt->icmp)
		ADD(" icmp=%s", rec->facts & RST_FACT_ICMP_SEEN ? "seen" : "made-up");
#undef ADD
	return n < size ? n : size - 1;
}

/* ---- the blocks -------------------------------------------------------- */

static void put32le(__u8 *p, __u32 v)
{
	memcpy(p, &v, 4); /* the section's byte order is the writer's own */
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* An option (code, length, value padded to 32 bits) at p; its size. */
static size_t option(__u8 *p, __u16 code, const void *value, size_t len)
{
	__u16 head[2] = {code, (__u16)len};

	memcpy(p, head, 4);
	memcpy(p + 4, value, len);
	memset(p + 4 + len, 0, pad4(len) - len);
	return 4 + pad4(len);
}

static size_t end_of_options(__u8 *p)
{
	memset(p, 0, 4);
	return 4;
}

/* Block type and total length at both ends of the block at p. */
static size_t close_block(__u8 *p, __u32 type, size_t len)
{
	put32le(p, type);
	put32le(p + 4, len + 4);
	put32le(p + len, len + 4);
	return len + 4;
}

size_t pcapng_header_blocks(__u8 *buf, size_t size)
{
	static const char appl[] = "rstsnoop " RSTSNOOP_VERSION;
	static const char ifname[] = "rstsnoop";
	__u8 tsresol = 9; /* nanoseconds */
	__u64 section_len = ~0ULL; /* not given */
	__u16 version[2] = {1, 0};
	__u16 link[2] = {LINKTYPE_RAW, 0};
	size_t n, shb;

	if (size < 128)
		return 0;
	n = 8;
	put32le(buf + n, PCAPNG_BYTE_ORDER_MAGIC);
	memcpy(buf + n + 4, version, 4);
	memcpy(buf + n + 8, &section_len, 8);
	n += 16;
	n += option(buf + n, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	n += end_of_options(buf + n);
	shb = close_block(buf, PCAPNG_SHB, n);

	buf += shb;
	n = 8;
	memcpy(buf + n, link, 4);
	put32le(buf + n + 4, SNAPLEN);
	n += 8;
	n += option(buf + n, OPT_IF_NAME, ifname, sizeof(ifname) - 1);
	n += option(buf + n, OPT_IF_TSRESOL, &tsresol, 1);
	n += end_of_options(buf + n);
	return shb + close_block(buf, PCAPNG_IDB, n);
}

size_t pcapng_packet_block(__u8 *buf, size_t size, __u64 realtime_ns, const __u8 *packet,
			   size_t len, const char *comment, size_t comment_len)
{
	size_t n = 8, need = 8 + 20 + pad4(len) + 4 + pad4(comment_len) + 4 + 4;

	if (comment_len > 0xffff || need > size)
		return 0;
	put32le(buf + n, 0); /* interface 0 */
	put32le(buf + n + 4, realtime_ns >> 32);
	put32le(buf + n + 8, (__u32)realtime_ns);
	put32le(buf + n + 12, len);
	put32le(buf + n + 16, len);
	n += 20;
	memcpy(buf + n, packet, len);
	memset(buf + n + len, 0, pad4(len) - len);
	n += pad4(len);
	if (comment_len)
		n += option(buf + n, OPT_COMMENT, comment, comment_len);
	n += end_of_options(buf + n);
	return close_block(buf, PCAPNG_EPB, n);
}

/* ---- the file ---------------------------------------------------------- */

struct pcap_file {
	FILE *stream;
	char path[256]; /* for messages, cut */
	__u64 max_bytes, written;
	__u64 packets, left_out;
	bool failed; /* a write failed: said once, nothing more is written */
};

static void write_block(struct pcap_file *f, const __u8 *block, size_t len)
{
	if (f->failed || f->written + len > f->max_bytes) {
		f->left_out++;
		return;
	}
	if (fwrite(block, 1, len, f->stream) != len) {
		f->failed = true;
		f->left_out++;
		rst_err("writing --pcap %s failed: %s; no more packets are written there", f->path,
			strerror(errno));
		return;
	}
	f->written += len;
	f->packets++;
}

int pcap_file_open(struct pcap_file **out, const char *path, __u64 max_bytes)
{
	struct pcap_file *f = calloc(1, sizeof(*f));
	__u8 head[256];
	size_t len;
	int fd, err;

	*out = NULL;
	if (!f) {
		rst_err_oom();
		return -ENOMEM;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->max_bytes = max_bytes;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, PCAP_FILE_MODE);
	if (fd < 0 || !(f->stream = fdopen(fd, "w"))) {
		err = -errno;
		rst_err("cannot open --pcap %s: %s", path, strerror(-err));
		if (fd >= 0)
			close(fd);
		free(f);
		return err;
	}
	len = pcapng_header_blocks(head, sizeof(head));
	if (fwrite(head, 1, len, f->stream) != len || fflush(f->stream)) {
		err = -errno;
		rst_err("cannot write --pcap %s: %s", path, strerror(-err));
		fclose(f->stream);
		free(f);
		return err;
	}
	f->written = len;
	*out = f;
	return 0;
}

void pcap_file_add(struct pcap_file *f, const struct rst_record *rec, __u64 realtime_ns,
		   const char *reason)
{
	__u8 block[8 + 20 + PCAP_PACKET_MAX + 8 + PCAP_COMMENT_MAX + 8];
	char comment[PCAP_COMMENT_MAX];
	struct pcap_packet pkt;
	size_t clen, len;

	if (!f)
		return;
	pcap_packet_of_record(rec, &pkt);
	if (!pkt.len)
		return;
	clen = pcap_comment(comment, sizeof(comment), rec, &pkt, reason);
	len = pcapng_packet_block(block, sizeof(block), realtime_ns, pkt.bytes, pkt.len, comment,
				  clen);
	if (len)
		write_block(f, block, len);
}

void pcap_file_flush(struct pcap_file *f)
{
	if (f && !f->failed && fflush(f->stream)) {
		f->failed = true;
		rst_err("writing --pcap %s failed: %s; no more packets are written there", f->path,
			strerror(errno));
	}
}

__u64 pcap_file_packets(const struct pcap_file *f)
{
	return f->packets;
}

__u64 pcap_file_left_out(const struct pcap_file *f)
{
	return f->left_out;
}

void pcap_file_close(struct pcap_file *f)
{
	if (!f)
		return;
	fclose(f->stream);
	free(f);
}
