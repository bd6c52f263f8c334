// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "probe.h"
#include "util.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* linux/icmp.h's ICMP_FILTER: a bit per type the raw socket drops */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

struct probe_addr {
	__u8 family;
	__u8 addr[RST_ADDR_LEN];
};

struct prober {
	int fd4, fd6;
	__u32 netns;
	__u16 ident, seq;
	__u64 window_ns; /* the second the rate limit counts in */
	unsigned int in_window;
	size_t n_addrs;
	struct probe_addr addrs[PROBE_MAX_ADDRS]; /* probed so far: each once */
	__u64 sent, skipped;
};

/* A raw ICMP socket that receives nothing: only sends. */
static int open_icmp4(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	__u32 block_all = ~0u;

	if (fd >= 0 && setsockopt(fd, SOL_RAW, ICMP_FILTER, &block_all, sizeof(block_all))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_icmp6(void)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	struct icmp6_filter filter;

	ICMP6_FILTER_SETBLOCKALL(&filter);
	if (fd >= 0 && setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter))) {
		close(fd);
		return -1;
	}
	return fd;
}

struct prober *prober_new(__u32 netns)
{
	struct prober *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return NULL;
	p->netns = netns;
	p->ident = getpid() & 0xffff;
	p->fd4 = open_icmp4();
	err = errno;
	p->fd6 = open_icmp6();
	if (p->fd4 < 0 && p->fd6 < 0) {
		free(p);
		errno = err;
		return NULL;
	}
	return p;
}

static bool probed_before(struct prober *p, const struct rst_record *rec)
{
	size_t len = rec->family == AF_INET6 ? RST_ADDR_LEN : 4;

	for (size_t i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == rec->family && !memcmp(p->addrs[i].addr, rec->raddr, len))
			return true;
	return false;
}

/* The internet checksum (RFC 1071) of an ICMPv4 message; ICMPv6's the
 * kernel computes (it needs the pseudo-header). */
static __u16 icmp_checksum(const void *data, size_t len)
{
	const __u8 *b = data;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static int send_echo(struct prober *p, const struct rst_record *rec)
{
	static const char payload[16] = "rstsnoop probe";
	__u8 msg[8 + sizeof(payload)] = {0};
	struct sockaddr_storage to = {0};
	socklen_t to_len;
	__u16 seq = ++p->seq, sum;
	int fd;

	msg[0] = rec->family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	msg[4] = p->ident >> 8, msg[5] = p->ident & 0xff;
	msg[6] = seq >> 8, msg[7] = seq & 0xff;
	memcpy(msg + 8, payload, sizeof(payload));
	if (rec->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, rec->raddr, RST_ADDR_LEN);
		to_len = sizeof(*sin6);
		fd = p->fd6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&to;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, rec->raddr, 4);
		to_len = sizeof(*sin);
		sum = icmp_checksum(msg, sizeof(msg));
		msg[2] = sum >> 8, msg[3] = sum & 0xff;
		fd = p->fd4;
	}
	if (fd < 0)
		return -EAFNOSUPPORT;
	return sendto(fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&to, to_len) < 0 ?
		       -errno :
		       0;
}

void prober_consider(struct prober *p, const struct rst_record *rec, __u64 now_ns)
{
	struct probe_addr *slot;

	if (!p || rec->origin != RST_ORIGIN_REMOTE || (rec->facts & RST_FACT_PEER_TTL) ||
	    (rec->facts & RST_FACT_ICMP_SEEN) || !(rec->facts & RST_FACT_TTL) ||
	    rec->netns != p->netns || (rec->family != AF_INET && rec->family != AF_INET6))
		return;
	if (probed_before(p, rec))
		return;
	if (now_ns / NSEC_PER_SEC != p->window_ns) {
		p->window_ns = now_ns / NSEC_PER_SEC;
		p->in_window = 0;
	}
	if (p->n_addrs == PROBE_MAX_ADDRS || p->in_window == PROBE_PER_SECOND) {
		p->skipped++;
		return;
	}
	/* remembered before it is sent: a failed send is not retried */
	slot = &p->addrs[p->n_addrs++];
	slot->family = rec->family;
	memcpy(slot->addr, rec->raddr, RST_ADDR_LEN);
	p->in_window++;
	if (send_echo(p, rec))
		p->skipped++;
	else
		p->sent++;
}

void prober_counts(const struct prober *p, __u64 *sent, __u64 *skipped)
{
	*sent = p ? p->sent : 0;
	*skipped = p ? p->skipped : 0;
}

void prober_free(struct prober *p)
{
	if (!p)
		return;
	if (p->fd4 >= 0)
		close(p->fd4);
	if (p->fd6 >= 0)
		close(p->fd6);
	free(p);
}
