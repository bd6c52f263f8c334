// SPDX-License-Identifier: GPL-2.0
/*
 * rawrst - hand-made TCP segments (raw IPv4 sockets) for the rstsnoop
 * tests: RSTs the stack must refuse, half-open handshakes, and SYN-ACKs a
 * client must reject.  One C11 file, libc only, linked -static for the
 * kernel-matrix VMs (no python3 there).  Loopback (127.0.0.1, ::1), or
 * badtsecr's answers to a SYN from 198.18.0.0/15 (the tests' own
 * namespaces): it never sends anywhere else.
 *
 *   rawrst ignored PORT
 *       listens on 127.0.0.1:PORT, connects to it, learns the server's
 *       sequence number from its SYN-ACK, then sends the client three RSTs
 *       from the server's end: two out of window (rcv_nxt - 2^30, before it,
 *       and rcv_nxt + 2^30, beyond it) and one in window but not at rcv_nxt
 *       (rcv_nxt + 1000).  The stack must drop all three (RFC 5961: a
 *       challenge ACK for the last one only) and the connection
 *       must still carry data both ways.
 *       With 6: the same over ::1.
 *       Prints "ignored pid=PID lport=CLIENT_PORT rport=PORT alive=0|1".
 *   rawrst halfopen PORT SPORT COUNT rst|ack BACKLOG PRE
 *       listens on 127.0.0.1:PORT with listen(BACKLOG), completes PRE
 *       ordinary connections to it (never accepted), then sends COUNT SYNs
 *       from 127.0.0.1:SPORT.. to it, waits for their SYN-ACKs, and answers
 *       each with a RST (the client gives up on a half-open connection) or
 *       with the ACK that completes it (with BACKLOG 2 and PRE 2, the second
 *       such ACK finds the accept queue full: a listen drop).  The
 *       segments it sends carry SO_MARK 0x7273 ("rs"), so a test can drop the
 *       kernel's own RSTs to those SYN-ACKs (no socket owns SPORT) with an
 *       nftables output rule `meta mark != 0x7273 tcp sport ... drop`.
 *       Prints "halfopen synacks=N sent=N pid=PID".  With hold: then keeps
 *       the listener open until a signal ends it.
 *   rawrst listenfull PORT BACKLOG PRE COUNT [APART_MS]
 *       listens on 127.0.0.1:PORT with listen(BACKLOG), completes PRE
 *       ordinary connections to it (never accepted: with PRE > BACKLOG the
 *       accept queue is full), then makes COUNT non-blocking connects,
 *       APART_MS apart (default 100, at most 100), whose SYNs the full
 *       queue drops (TcpExt ListenDrops, the listener's sk_drops), and
 *       closes them 150 ms after the last, before the first SYN's first
 *       retransmission (1 s) with COUNT up to 6.  Prints "listenfull dropped=COUNT pid=PID", then
 *       keeps the listener open until a signal ends it.
 *   rawrst badtsecr ADDR PORT COUNT
 *       a responder without a socket, for a namespace of its own: answers
 *       COUNT SYNs to ADDR:PORT (ADDR in 198.18.0.0/15, where the SYN comes
 *       from too) with a SYN-ACK that acknowledges the SYN but whose
 *       timestamp option's TSecr does not echo the SYN's TSval (TSval + 2^30):
 *       the client must reject it (PAWS: TcpExt PAWSActive) and
 *       reset it.  The namespace's own stack answers the SYNs with RSTs (no
 *       socket): drop them with an nftables output rule `tcp sport PORT tcp
 *       flags rst drop`.  Prints "ready pid=PID" once it listens, then
 *       "badtsecr answered=N pid=PID" (N = COUNT, or fewer after 30 s).
 * Errors: "rawrst: <what>: <strerror>" on stderr, exit 1; usage: exit 2.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MARK 0x7273
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10
#define MAX_HALFOPEN 64

static void die(const char *what)
{
	fprintf(stderr, "rawrst: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sends one segment (no payload, no options) from 127.0.0.1:sport to
 * 127.0.0.1:dport through the IPPROTO_RAW socket fd. */
static void send_segment(int fd, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			 uint8_t flags)
{
	uint8_t pkt[40] = {0}, pseudo[12 + 20];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	uint32_t lo = htonl(INADDR_LOOPBACK);
	uint16_t c;

	pkt[0] = 0x45;
	pkt[3] = sizeof(pkt);
	pkt[8] = 64;
	pkt[9] = IPPROTO_TCP;
	memcpy(pkt + 12, &lo, 4);
	memcpy(pkt + 16, &lo, 4);
	pkt[20] = sport >> 8, pkt[21] = sport;
	pkt[22] = dport >> 8, pkt[23] = dport;
	for (int i = 0; i < 4; i++) {
		pkt[24 + i] = seq >> (24 - 8 * i);
		pkt[28 + i] = ack >> (24 - 8 * i);
	}
	pkt[32] = 5 << 4;
	pkt[33] = flags;
	pkt[34] = 0xff, pkt[35] = 0xff; /* window */
	memcpy(pseudo, pkt + 12, 8);
	pseudo[8] = 0, pseudo[9] = IPPROTO_TCP, pseudo[10] = 0, pseudo[11] = 20;
	memcpy(pseudo + 12, pkt + 20, 20);
	c = csum(pseudo, sizeof(pseudo), 0);
	pkt[36] = c >> 8, pkt[37] = c;
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(pkt))
		die("sendto");
}

static int raw_sender(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), mark = MARK;

	if (fd < 0)
		die("socket(SOCK_RAW, IPPROTO_RAW)");
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		die("SO_MARK");
	return fd;
}

/* Every TCP segment delivered to this host, IP header included. */
static int raw_sniffer(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);

	if (fd < 0)
		die("socket(SOCK_RAW, IPPROTO_TCP)");
	return fd;
}

struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
};

/* The next segment the sniffer sees within ms; false on timeout.  An
 * IPv4 raw socket hands over the IP header too, an IPv6 one does not. */
static bool next_segment_at(int fd, struct seg *s, int ms, bool v6)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t buf[128];
	ssize_t n;
	size_t ihl;

	if (poll(&p, 1, ms) <= 0)
		return false;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 20)
		return n >= 0 || errno == EINTR ? next_segment_at(fd, s, ms, v6) : false;
	ihl = v6 ? 0 : (buf[0] & 0x0f) * 4u;
	if ((size_t)n < ihl + 14)
		return next_segment_at(fd, s, ms, v6);
	s->sport = buf[ihl] << 8 | buf[ihl + 1];
	s->dport = buf[ihl + 2] << 8 | buf[ihl + 3];
	s->seq = (uint32_t)buf[ihl + 4] << 24 | buf[ihl + 5] << 16 | buf[ihl + 6] << 8 | buf[ihl + 7];
	s->ack = (uint32_t)buf[ihl + 8] << 24 | buf[ihl + 9] << 16 | buf[ihl + 10] << 8 | buf[ihl + 11];
	s->flags = buf[ihl + 13];
	return true;
}

static bool next_segment(int fd, struct seg *s, int ms)
{
	return next_segment_at(fd, s, ms, false);
}

/*
 * IPv6: the kernel builds the IP header of a raw IPPROTO_TCP socket bound
 * to ::1 and fills the TCP checksum (IPV6_CHECKSUM at offset 16).
 */
static int raw6(void)
{
	struct sockaddr_in6 lo = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_TCP), off = 16;

	if (fd < 0)
		die("socket(AF_INET6, SOCK_RAW, IPPROTO_TCP)");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)))
		die("IPV6_CHECKSUM");
	if (bind(fd, (struct sockaddr *)&lo, sizeof(lo)))
		die("bind ::1");
	return fd;
}

static void send_rst6(int fd, uint16_t sport, uint16_t dport, uint32_t seq)
{
	struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	uint8_t th[20] = {0};

	th[0] = sport >> 8, th[1] = sport;
	th[2] = dport >> 8, th[3] = dport;
	for (int i = 0; i < 4; i++)
		th[4 + i] = seq >> (24 - 8 * i);
	th[12] = 5 << 4;
	th[13] = F_RST;
	th[14] = 0xff, th[15] = 0xff;
	if (sendto(fd, th, sizeof(th), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(th))
		die("sendto ::1");
}

/*
 * The RSTs a connection must survive: a loopback pair on port (over ::1
 * with v6), then three RSTs from the server's end that the stack must drop.
 */
static int ignored(uint16_t port, bool v6)
{
	static const uint32_t offsets[] = {-0x40000000u, 0x40000000u, 1000};
	struct sockaddr_storage addr = {0};
	struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
	socklen_t alen = v6 ? sizeof(*a6) : sizeof(*a4);
	int family = v6 ? AF_INET6 : AF_INET;
	int l = socket(family, SOCK_STREAM, 0), c = socket(family, SOCK_STREAM, 0), s, one = 1;
	/* an IPv6 raw socket both sends and sniffs; IPv4 needs IPPROTO_RAW to send */
	int sniff = v6 ? raw6() : raw_sniffer(), raw = v6 ? sniff : raw_sender();
	uint16_t cport;
	uint32_t rcv_nxt = 0;
	bool got = false, alive;
	char buf[8];
	struct seg g;

	if (v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		a6->sin6_addr = in6addr_loopback;
	} else {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (l < 0 || c < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&addr, alen) || listen(l, 8))
		die("listen");
	if (connect(c, (struct sockaddr *)&addr, alen))
		die("connect");
	if (getsockname(c, (struct sockaddr *)&addr, &alen))
		die("getsockname");
	cport = ntohs(v6 ? a6->sin6_port : a4->sin_port);
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	while (!got && next_segment_at(sniff, &g, 2000, v6))
		if (g.sport == port && g.dport == cport && (g.flags & (F_SYN | F_ACK)) == (F_SYN | F_ACK)) {
			rcv_nxt = g.seq + 1;
			got = true;
		}
	if (!got) {
		errno = ETIMEDOUT;
		die("no SYN-ACK seen");
	}
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		if (v6)
			send_rst6(raw, port, cport, rcv_nxt + offsets[i]);
		else
			send_segment(raw, port, cport, rcv_nxt + offsets[i], 0, F_RST);
	}
	usleep(100 * 1000);
	alive = write(c, "ping", 4) == 4 && read(s, buf, sizeof(buf)) == 4 && write(s, "pong", 4) == 4 &&
		read(c, buf, sizeof(buf)) == 4 && !memcmp(buf, "pong", 4);
	printf("ignored pid=%d lport=%u rport=%u alive=%d\n", getpid(), cport, port, alive);
	return alive ? 0 : 1;
}

static int halfopen(uint16_t port, uint16_t sport, int count, bool rst, int backlog, int pre)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int sniff = raw_sniffer(), raw = raw_sender(), got = 0, one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	uint32_t isn = (uint32_t)time(NULL) * 2654435761u;
	uint32_t their[MAX_HALFOPEN];
	bool seen[MAX_HALFOPEN] = {0};
	struct seg g;

	if (count < 1 || count > MAX_HALFOPEN || sport + count > 65535) {
		fprintf(stderr, "rawrst: COUNT must be 1..%d and SPORT+COUNT a port\n", MAX_HALFOPEN);
		return 2;
	}
	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, backlog))
		die("listen");
	for (int i = 0; i < pre; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
			die("connect");
	}
	for (int i = 0; i < count; i++)
		send_segment(raw, sport + i, port, isn, 0, F_SYN);
	while (got < count && next_segment(sniff, &g, 3000)) {
		int i = g.dport - sport;

		if (g.sport != port || i < 0 || i >= count || seen[i] ||
		    (g.flags & (F_SYN | F_ACK)) != (F_SYN | F_ACK) || g.ack != isn + 1)
			continue;
		their[i] = g.seq;
		seen[i] = true;
		got++;
	}
	for (int i = 0; i < count; i++)
		if (seen[i])
			send_segment(raw, sport + i, port, isn + 1, rst ? 0 : their[i] + 1,
				     rst ? F_RST : F_ACK);
	usleep(300 * 1000);
	printf("halfopen synacks=%d sent=%d pid=%d\n", got, got, getpid());
	return got == count ? 0 : 1;
}

static int listenfull(uint16_t port, int backlog, int pre, int count, int apart_ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	int clients[MAX_HALFOPEN];

	if (count > 6) { /* see the usage above: before the first retransmission */
		fprintf(stderr, "rawrst: COUNT must be 1..6\n");
		return 2;
	}
	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, backlog))
		die("listen");
	for (int i = 0; i < pre; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
			die("connect");
	}
	for (int i = 0; i < count; i++) {
		clients[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (clients[i] < 0 || fcntl(clients[i], F_SETFL, O_NONBLOCK))
			die("socket");
		if (connect(clients[i], (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
			die("connect");
		usleep(apart_ms * 1000); /* spread over reads of the counters, a second apart */
	}
	usleep(150 * 1000);
	for (int i = 0; i < count; i++)
		close(clients[i]);
	printf("listenfull dropped=%d pid=%d\n", count, getpid());
	for (;;)
		pause();
}

/* a.b.c.d within 198.18.0.0/15, the tests' own address range */
static bool test_address(uint32_t a)
{
	return (a & 0xfffe0000u) == 0xc6120000u;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (24 - 8 * i);
}

/* The TSval of a SYN's timestamp option (kind 8); false without one. */
static bool syn_tsval(const uint8_t *opt, size_t len, uint32_t *tsval)
{
	for (size_t i = 0; i < len;) {
		if (opt[i] == 0)
			return false;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return false;
		if (opt[i] == 8 && opt[i + 1] == 10) {
			*tsval = be32(opt + i + 2);
			return true;
		}
		i += opt[i + 1];
	}
	return false;
}

static int badtsecr(const char *addr_text, uint16_t port, int count)
{
	struct in_addr me;
	uint32_t isn = (uint32_t)time(NULL) * 2654435761u;
	int sniff, raw, answered = 0;
	time_t until = time(NULL) + 30;

	if (inet_pton(AF_INET, addr_text, &me) != 1 || !test_address(ntohl(me.s_addr))) {
		fprintf(stderr, "rawrst: ADDR must be an IPv4 address in 198.18.0.0/15\n");
		return 2;
	}
	sniff = raw_sniffer();
	raw = raw_sender();
	printf("ready pid=%d\n", getpid());
	while (answered < count && time(NULL) < until) {
		struct pollfd p = {.fd = sniff, .events = POLLIN};
		uint8_t in[256], out[56] = {0}, pseudo[12 + 36];
		struct sockaddr_in to = {.sin_family = AF_INET};
		uint32_t tsval;
		size_t ihl, thl;
		uint16_t c;
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = recv(sniff, in, sizeof(in), 0);
		if (n < 40)
			continue;
		ihl = (in[0] & 0x0f) * 4u;
		if ((size_t)n < ihl + 20)
			continue;
		thl = (in[ihl + 12] >> 4) * 4u;
		/* a SYN (only) to ADDR:PORT from the tests' own range */
		if (memcmp(in + 16, &me, 4) || (in[ihl + 2] << 8 | in[ihl + 3]) != port ||
		    (in[ihl + 13] & (F_SYN | F_ACK | F_RST)) != F_SYN || !test_address(be32(in + 12)) ||
		    thl < 20 || (size_t)n < ihl + thl || !syn_tsval(in + ihl + 20, thl - 20, &tsval))
			continue;
		out[0] = 0x45;
		out[3] = sizeof(out);
		out[8] = 64;
		out[9] = IPPROTO_TCP;
		memcpy(out + 12, &me, 4);
		memcpy(out + 16, in + 12, 4);
		memcpy(out + 20, in + ihl + 2, 2); /* our port */
		memcpy(out + 22, in + ihl, 2);	   /* theirs */
		put32(out + 24, isn);
		put32(out + 28, be32(in + ihl + 4) + 1); /* acknowledges the SYN */
		out[32] = 9 << 4;			 /* 36 bytes: 16 of options */
		out[33] = F_SYN | F_ACK;
		out[34] = 0xff, out[35] = 0xff;
		out[40] = 2, out[41] = 4, out[42] = 1460 >> 8, out[43] = 1460 & 0xff; /* MSS */
		out[44] = 1, out[45] = 1, out[46] = 8, out[47] = 10;		    /* NOP NOP TS */
		put32(out + 48, isn);
		put32(out + 52, tsval + (1u << 30)); /* not an echo of the SYN's TSval */
		memcpy(pseudo, out + 12, 8);
		pseudo[8] = 0, pseudo[9] = IPPROTO_TCP, pseudo[10] = 0, pseudo[11] = 36;
		memcpy(pseudo + 12, out + 20, 36);
		c = csum(pseudo, sizeof(pseudo), 0);
		out[36] = c >> 8, out[37] = c;
		memcpy(&to.sin_addr, in + 12, 4);
		if (sendto(raw, out, sizeof(out), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(out))
			die("sendto");
		answered++;
	}
	printf("badtsecr answered=%d pid=%d\n", answered, getpid());
	return answered == count ? 0 : 1;
}

static long number(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 1 || v > max) {
		fprintf(stderr, "rawrst: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static long zero_or_number(const char *s, long max)
{
	return s[0] == '0' && !s[1] ? 0 : number(s, max);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "ignored"))
		return ignored(number(argv[2], 65535), false);
	if (argc == 4 && !strcmp(argv[1], "ignored") && !strcmp(argv[3], "6"))
		return ignored(number(argv[2], 65535), true);
	if ((argc == 8 || (argc == 9 && !strcmp(argv[8], "hold"))) && !strcmp(argv[1], "halfopen") &&
	    (!strcmp(argv[5], "rst") || !strcmp(argv[5], "ack"))) {
		int rc = halfopen(number(argv[2], 65535), number(argv[3], 65535),
				  number(argv[4], MAX_HALFOPEN), !strcmp(argv[5], "rst"),
				  number(argv[6], 4096), zero_or_number(argv[7], 64));

		while (argc == 9 && rc == 0)
			pause();
		return rc;
	}
	if (argc == 5 && !strcmp(argv[1], "badtsecr"))
		return badtsecr(argv[2], number(argv[3], 65535), number(argv[4], 64));
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "listenfull"))
		return listenfull(number(argv[2], 65535), zero_or_number(argv[3], 4096),
				  zero_or_number(argv[4], 64), number(argv[5], MAX_HALFOPEN),
				  argc == 7 ? zero_or_number(argv[6], 100) : 100);
	fprintf(stderr, "usage: rawrst ignored PORT [6] | "
			"rawrst halfopen PORT SPORT COUNT rst|ack BACKLOG PRE [hold] | "
			"rawrst listenfull PORT BACKLOG PRE COUNT [APART_MS] | rawrst badtsecr ADDR PORT COUNT\n");
	return 2;
}
