// SPDX-License-Identifier: GPL-2.0
/*
 * rstgen - provoke TCP resets and failed handshakes deterministically.
 *
 * Used by the rstsnoop tests (also inside a busybox initramfs, so it is one
 * C11 file that depends on libc only and links with -static) and by the
 * benchmark (bench/run.sh). Run `rstgen --help` for the modes and options.
 *
 * Output contract (parsed by scripts, keep it stable):
 *   serve:            "ready pid=PID port=P" once listening,
 *                     "held pid=PID rport=P" per connection with --hold
 *                     (after its --recv/--send exchange),
 *                     "rstgen: accepted=N bytes=B pid=PID" at the end
 *   connect, client:  "rstgen: attempts=N refused=R ok=K reset=X other=O pid=PID"
 *                     (client --hold first prints "ready pid=PID lport=P")
 *   bulk:             "rstgen: bytes=B seconds=S pid=PID"
 *   session:          "ready pid=PID lport=P sent=N received=M" once the
 *                     exchange is done, then after SIGUSR1 and the write:
 *                     "rstgen: end=WHY sent=N received=M wrote=K idle_lo_ms=A
 *                      idle_hi_ms=B waited_ms=W pid=PID"
 *                     WHY: an errno name (ECONNRESET, ETIMEDOUT, EPIPE,
 *                     ECONNREFUSED ...), EOF, ABORT (--abort: this side
 *                     reset it on SIGUSR1), or DEADLINE (still open at
 *                     --seconds after the write); a connect that fails ends
 *                     at once with end=<errno name> and no ready line.
 *                     then " info_bytes_acked=A info_bytes_received=R
 *                     info_last_data_recv_ms=D info_last_ack_recv_ms=K":
 *                     the kernel's own tcp_info (getsockopt TCP_INFO) of the
 *                     socket once it ended (bytes_acked counts the SYN);
 *                     all -1 where the kernel's tcp_info is shorter.
 *                     idle_lo_ms..idle_hi_ms bounds, from this process's
 *                     clocks, the time between the last segment the socket
 *                     received and the moment the connection ended:
 *                     lo = the write - the last recv that returned data,
 *                     hi = the end seen - the first send (nothing of the
 *                     server's exchange can arrive before that).
 *                     rx_to_end_ms: the end seen - the last recv that
 *                     returned data (the idle time, were the end seen at
 *                     the moment it happened).
 *   serve --close drip: "ended pid=PID rport=P sent=B error=WHY" per
 *                     connection once a send fails or the peer ends it
 * connect also puts " last_error=NAME" (errno name of the last failed
 * attempt, or none) after pid=PID.
 * Every attempt lands in exactly one of refused/ok/reset/other.
 * Errors: one line "rstgen: <what failed>: <strerror>" on stderr, exit 1;
 * bad usage: one line on stderr, exit 2.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_CONNECT, MODE_SERVE, MODE_CLIENT, MODE_BULK, MODE_SESSION };
enum close_how { CLOSE_NORMAL, CLOSE_LINGER, CLOSE_UNREAD, CLOSE_SINK, CLOSE_DRIP };

struct opts {
	enum mode mode;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *addr_text;
	long port;		/* -1: not given */
	uint64_t count;		/* 0: no limit */
	double seconds;		/* 0: no limit */
	uint64_t interval_ms;
	uint64_t bytes;		/* client: bytes sent per connection */
	const char *name;
	enum close_how close_how;
	bool hold;
	uint64_t recv;		/* serve: read this much first; session: expect this much */
	uint64_t send;		/* serve: then send this much */
	uint64_t then_bytes;	/* session: bytes written after SIGUSR1 */
	uint64_t drip_ms;	/* serve --close drip: one byte every drip_ms */
	bool abort_conn;	/* session: SIGUSR1 aborts (RST) instead of writing */
	int ka_idle, ka_intvl, ka_cnt; /* session --keepalive; 0: off */
	int exit_status;	/* serve --exit-status: what the process exits with */
};

/* Attempt outcomes of connect and client; each attempt counts once. */
struct tally {
	uint64_t attempts, refused, ok, reset, other;
};

static volatile sig_atomic_t g_stop;	/* SIGTERM/SIGINT seen */
static volatile sig_atomic_t g_usr1;	/* SIGUSR1s not consumed yet */
static bool g_took_usr1;		/* the last wait_for() returned for a SIGUSR1 */

/* ---------------------------------------------------------------- helpers */

static void usage(FILE *f)
{
	fputs("usage: rstgen MODE [options]\n"
	      "modes:\n"
	      "  connect  connect()+close() repeatedly (refused or accepted storm)\n"
	      "  serve    listen and accept; per connection see --close\n"
	      "  client   connect, send --bytes, read until the peer resets/closes\n"
	      "  bulk     connect to 'serve --close sink' and write as fast as possible\n"
	      "  session  connect, send --bytes N, read --recv M, print 'ready', wait for\n"
	      "           SIGUSR1, write --then-bytes K, report how the connection ended\n"
	      "           (bounded by --seconds after the write, default 60)\n"
	      "options:\n"
	      "  --addr A         IPv4 or IPv6 literal (default 127.0.0.1); ::ffff:A is a\n"
	      "                   dual-stack AF_INET6 socket carrying IPv4 (as Java's)\n"
	      "  --port P         port (serve: 0 = ephemeral, default 0)\n"
	      "  --count N        attempts (connect/client) or connections (serve)\n"
	      "  --seconds S      run for S seconds (float); with --count, first limit wins\n"
	      "  --interval-ms M  sleep between attempts (connect/client, default 0)\n"
	      "  --name NAME      set own comm with prctl(PR_SET_NAME) first (raw bytes)\n"
	      "  --exit-status N  serve: exit with status N once it ends (default 0; for\n"
	      "                   tests of how a listener's process ended)\n"
	      "  --close HOW      serve: normal | linger | unread | sink | drip (default\n"
	      "                   normal); drip: send one byte every --drip-ms until a send\n"
	      "                   fails or the peer ends the connection\n"
	      "  --recv N         serve: read N bytes before anything else; session: bytes\n"
	      "                   to read before 'ready' (default 0)\n"
	      "  --send M         serve: then send M bytes (default 0)\n"
	      "  --then-bytes K   session: bytes written after SIGUSR1 (default 1)\n"
	      "  --keepalive I,V,C  session, serve (its connections): SO_KEEPALIVE with\n"
	      "                   TCP_KEEPIDLE I s, TCP_KEEPINTVL V s, TCP_KEEPCNT C (keepalive\n"
	      "                   stays off without it)\n"
	      "  --abort          session: on SIGUSR1 close with SO_LINGER 0 (send a RST)\n"
	      "                   instead of writing; ends with end=ABORT\n"
	      "  --drip-ms K      serve --close drip: interval (default 200)\n"
	      "  --hold           serve: wait for SIGUSR1 before closing each connection\n"
	      "                   (after --recv/--send);\n"
	      "                   client (one attempt): print 'ready' and wait for the reset\n"
	      "  --bytes N        client, session: bytes sent after connecting (default 1)\n"
	      "connect/client default to one attempt; serve and bulk run until SIGINT/SIGTERM\n"
	      "unless limited.\n", f);
}

/* Bad usage: one line, exit 2, so scripts can tell it from runtime failures. */
static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("rstgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Setup failure: "rstgen: <what>: <strerror>", exit 1. */
static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "rstgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * Strict unsigned decimal: digits only (no sign, space, 0x or suffix), within
 * [min, max]. Tests pass computed values; junk must not silently become 0.
 */
static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		bad_usage("%s: not a number: '%s'", opt, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		bad_usage("%s: trailing characters in '%s'", opt, s);
	if (errno == ERANGE || v < min || v > max)
		bad_usage("%s: %s out of range [%" PRIu64 ", %" PRIu64 "]", opt, s, min, max);
	return v;
}

/* Seconds: plain decimal ("5", "0.25", ".5"), > 0 and at most ~115 days. */
static double parse_seconds(const char *opt, const char *s)
{
	size_t len = strlen(s);
	const char *dot = strchr(s, '.');
	char *end;
	double v;

	/* strtod alone would also take "inf", "1e3", "0x1p3" and " 5". */
	if (len == 0 || strspn(s, "0123456789.") != len || (dot && strchr(dot + 1, '.')) ||
	    len == (dot ? 1u : 0u))
		bad_usage("%s: not a number: '%s'", opt, s);
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE)
		bad_usage("%s: not a number: '%s'", opt, s);
	if (!(v > 0.0) || v > 1e7)
		bad_usage("%s: %s out of range (0, 10000000]", opt, s);
	return v;
}

/* The errno names the tests compare with rstsnoop's "error" field. */
static const char *errno_name(int e)
{
	static char other[16];

	switch (e) {
	case 0: return "none";
	case ECONNRESET: return "ECONNRESET";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPIPE: return "EPIPE";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EPROTO: return "EPROTO";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EHOSTDOWN: return "EHOSTDOWN";
	case ENONET: return "ENONET";
	case EMSGSIZE: return "EMSGSIZE";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	}
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		g_usr1++;
	else
		g_stop = 1;
}

/*
 * No SA_RESTART: a blocking connect/recv/send returns EINTR on SIGTERM so
 * the loops can stop. SIGPIPE is ignored so a write to a reset peer is an
 * error we count, not a death.
 */
static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");
	signal(SIGPIPE, SIG_IGN);
}

enum wait_result { WAIT_READY, WAIT_TIMEOUT, WAIT_STOP };

/*
 * Wait until fd has `events` (fd < 0: no fd), a SIGUSR1 is pending (if
 * want_usr1), the absolute monotonic deadline passes (0: none), or SIGTERM/
 * SIGINT arrives. The signals are blocked while the flags are checked and
 * only unblocked atomically inside ppoll(), so a signal arriving just before
 * the wait cannot be missed (which would hang a test).
 */
static enum wait_result wait_for(int fd, short events, bool want_usr1, double deadline)
{
	sigset_t block, old;
	enum wait_result r;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	g_took_usr1 = false;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		struct timespec ts, *tsp = NULL;
		int n;

		if (g_stop) {
			r = WAIT_STOP;
			break;
		}
		if (want_usr1 && g_usr1 > 0) {
			g_usr1--;
			g_took_usr1 = true;
			r = WAIT_READY;
			break;
		}
		if (deadline > 0) {
			double left = deadline - now_s();

			if (left <= 0) {
				r = WAIT_TIMEOUT;
				break;
			}
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		n = ppoll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, tsp, &old);
		if (n > 0) {
			r = WAIT_READY;
			break;
		}
		if (n < 0 && errno != EINTR) {
			r = WAIT_STOP;
			break;
		}
		/* timeout or signal: loop re-checks the flags and deadline */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Timeouts on blocking sockets bound how long a missed signal or a passed
 * deadline can go unnoticed in a blocking recv/send. */
static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static uint16_t sock_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	return sock_port(&ss);
}

/* Attempt loops stop at --count, at the --seconds deadline, or on SIGTERM. */
static bool keep_going(const struct opts *o, uint64_t done, double deadline)
{
	if (g_stop)
		return false;
	if (o->count && done >= o->count)
		return false;
	if (deadline > 0 && now_s() >= deadline)
		return false;
	return true;
}

/* --interval-ms between attempts; false when stopped meanwhile. */
static bool pause_between(const struct opts *o, double deadline)
{
	double until;

	if (!o->interval_ms)
		return true;
	until = now_s() + (double)o->interval_ms / 1000.0;
	if (deadline > 0 && deadline < until)
		until = deadline;
	return wait_for(-1, 0, false, until) != WAIT_STOP;
}

static int new_socket(const struct opts *o)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&o->addr;
	int fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;

	if (fd < 0)
		die("socket");
	/* Dual stack (--addr ::ffff:A): an AF_INET6 socket that speaks IPv4,
	 * as Java's are; whatever net.ipv6.bindv6only says. */
	if (o->addr.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		die("setsockopt IPV6_V6ONLY");
	return fd;
}

static void print_tally(const struct tally *t)
{
	printf("rstgen: attempts=%" PRIu64 " refused=%" PRIu64 " ok=%" PRIu64
	       " reset=%" PRIu64 " other=%" PRIu64 " pid=%d\n",
	       t->attempts, t->refused, t->ok, t->reset, t->other, (int)getpid());
	fflush(stdout);
}

/* connect's tally: the same, and the errno of its last failed attempt. */
static void print_tally_error(const struct tally *t, int last_error)
{
	printf("rstgen: attempts=%" PRIu64 " refused=%" PRIu64 " ok=%" PRIu64
	       " reset=%" PRIu64 " other=%" PRIu64 " pid=%d last_error=%s\n",
	       t->attempts, t->refused, t->ok, t->reset, t->other, (int)getpid(),
	       errno_name(last_error));
	fflush(stdout);
}

/* ------------------------------------------------------------------ modes */

/*
 * connect: blocking connect(), plain close(). Against a closed port every
 * attempt is one failed handshake (ECONNREFUSED); against a server every
 * attempt is one clean connection.
 */
static int run_connect(const struct opts *o, double deadline)
{
	struct tally t = { 0 };
	int last_error = 0;

	while (keep_going(o, t.attempts, deadline)) {
		int fd = new_socket(o);

		if (connect(fd, (const struct sockaddr *)&o->addr, o->addrlen) == 0) {
			t.ok++;
		} else if ((last_error = errno) == EINTR && g_stop) {
			close(fd);	/* interrupted by SIGTERM: not an attempt */
			break;
		} else if (errno == ECONNREFUSED) {
			t.refused++;
		} else if (errno == ECONNRESET) {
			t.reset++;	/* established, then reset before we ran */
		} else {
			t.other++;
		}
		t.attempts++;
		close(fd);
		if (!pause_between(o, deadline))
			break;
	}
	print_tally_error(&t, last_error);
	return 0;
}

/* Read and discard what has already arrived, without blocking. */
static uint64_t drain_now(int fd)
{
	char buf[4096];
	uint64_t total = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (uint64_t)n;
	return total;
}

/* sink: read until EOF (or reset/stop/deadline), return bytes read. */
static uint64_t sink(int fd, double deadline)
{
	static char buf[256 * 1024];
	uint64_t total = 0;

	set_timeouts(fd);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0) {
			total += (uint64_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			break;	/* ECONNRESET and friends: connection over */
		if (g_stop || (deadline > 0 && now_s() >= deadline))
			break;
	}
	return total;
}

/*
 * Read until `want` bytes came (or EOF, an error, a stop or the deadline);
 * returns what was read, *err the errno that ended it early (0: none; -1 EOF).
 */
static uint64_t recv_exact(int fd, uint64_t want, double deadline, int *err)
{
	char buf[4096];
	uint64_t got = 0;

	*err = 0;
	while (got < want) {
		size_t chunk = want - got < sizeof(buf) ? (size_t)(want - got) : sizeof(buf);
		ssize_t n = recv(fd, buf, chunk, MSG_DONTWAIT);

		if (n > 0) {
			got += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			*err = -1;
			break;
		}
		if (errno != EAGAIN && errno != EINTR) {
			*err = errno;
			break;
		}
		if (wait_for(fd, POLLIN, false, deadline) != WAIT_READY) {
			*err = g_stop ? EINTR : ETIMEDOUT;
			break;
		}
	}
	return got;
}

static const char *end_name(int err)
{
	return err < 0 ? "EOF" : errno_name(err);
}

/*
 * drip: one byte every drip_ms, whatever arrives read and discarded, until a
 * send fails or the peer ends the connection (a server that keeps talking
 * after a middlebox reset its client). Returns bytes read.
 */
static uint64_t drip(const struct opts *o, int fd, unsigned rport, uint64_t sent, double deadline)
{
	uint64_t bytes = 0;
	double next = now_s() + (double)o->drip_ms / 1000.0;
	int err = 0;

	for (;;) {
		char buf[4096];
		ssize_t n;
		enum wait_result r;

		r = wait_for(fd, POLLIN, false, deadline > 0 && deadline < next ? deadline : next);
		if (r == WAIT_STOP || (r == WAIT_TIMEOUT && deadline > 0 && now_s() >= deadline)) {
			err = EINTR;
			break;
		}
		if (r == WAIT_READY) {
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				bytes += (uint64_t)n;
				continue;
			}
			if (n == 0) {
				err = -1;
				break;
			}
			if (errno != EAGAIN && errno != EINTR) {
				err = errno;
				break;
			}
			continue;
		}
		n = send(fd, "d", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == 1)
			sent++;
		else if (errno != EAGAIN && errno != EINTR) {
			err = errno;
			break;
		}
		next += (double)o->drip_ms / 1000.0;
	}
	printf("ended pid=%d rport=%u sent=%" PRIu64 " error=%s\n", (int)getpid(), rport, sent,
	       end_name(err));
	fflush(stdout);
	return bytes;
}

static int send_bytes(int fd, uint64_t len);

/* --recv then --send on an accepted connection; returns 0 or an errno (-1: EOF). */
static int exchange(const struct opts *o, int fd, double deadline, uint64_t *bytes)
{
	int err = 0;

	if (o->recv)
		*bytes += recv_exact(fd, o->recv, deadline, &err);
	if (!err && o->send)
		err = send_bytes(fd, o->send);
	return err;
}

/*
 * Apply --recv, --send (unless `exchanged`: done before --hold, with the
 * outcome `err`) and --close to one accepted connection; returns bytes read
 * from it.
 */
static uint64_t finish_conn(const struct opts *o, int fd, unsigned rport, double deadline,
			    bool exchanged, int err)
{
	static const struct linger abort_linger = { .l_onoff = 1, .l_linger = 0 };
	uint64_t bytes = 0;

	if (!exchanged)
		err = exchange(o, fd, deadline, &bytes);
	if (err) {
		/* the connection ended early: nothing more to do with it */
		if (o->close_how == CLOSE_DRIP) {
			printf("ended pid=%d rport=%u sent=0 error=%s\n", (int)getpid(), rport,
			       end_name(err));
			fflush(stdout);
		}
		close(fd);
		return bytes;
	}
	switch (o->close_how) {
	case CLOSE_DRIP:
		bytes += drip(o, fd, rport, o->send, deadline);
		break;
	case CLOSE_NORMAL:
		break;
	case CLOSE_LINGER:
		/*
		 * Unread data would make the kernel take the abort-on-close path
		 * (TCP_ABORT_ON_CLOSE) before the linger one, so drain what is
		 * there. For a reason that can never flip, pair with a client that
		 * sends nothing (client --bytes 0).
		 */
		bytes += drain_now(fd);
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_linger, sizeof(abort_linger)))
			die("setsockopt SO_LINGER");
		break;
	case CLOSE_UNREAD:
		/* Close with the peer's data unread -> RST (TCP_ABORT_ON_CLOSE). */
		wait_for(fd, POLLIN, false, deadline);
		break;
	case CLOSE_SINK:
		bytes += sink(fd, deadline);
		break;
	}
	close(fd);
	return bytes;
}

/*
 * serve: one thread, non-blocking listener. accept4() is tried first and the
 * wait only happens when the queue is empty, so a storm costs one syscall
 * per connection (plus the close behaviour).
 */
/* --keepalive on fd; on a listener, its accepted sockets inherit it. */
static void set_keepalive(const struct opts *o, int fd)
{
	int on = 1;

	if (!o->ka_cnt)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o->ka_idle, sizeof(o->ka_idle)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o->ka_intvl, sizeof(o->ka_intvl)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o->ka_cnt, sizeof(o->ka_cnt)))
		die("setsockopt keepalive");
}

static int run_serve(const struct opts *o, double deadline)
{
	static const int one = 1;
	uint64_t accepted = 0, bytes = 0;
	int lfd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR");
	if (bind(lfd, (const struct sockaddr *)&o->addr, o->addrlen))
		die("bind");
	set_keepalive(o, lfd);
	if (listen(lfd, 4096))
		die("listen");
	printf("ready pid=%d port=%u\n", (int)getpid(), local_port(lfd));
	fflush(stdout);

	while (keep_going(o, accepted, deadline)) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				wait_for(lfd, POLLIN, false, deadline);
			else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
				 errno == ENOMEM)
				wait_for(-1, 0, false, now_s() + 0.01); /* transient */
			else
				die("accept");
			continue;
		}
		accepted++;
		if (o->hold) {
			/* the exchange first: "held" means the connection is idle */
			int err = exchange(o, fd, deadline, &bytes);

			printf("held pid=%d rport=%u\n", (int)getpid(), sock_port(&peer));
			fflush(stdout);
			if (wait_for(-1, 0, true, deadline) != WAIT_READY) {
				close(fd);
				break;
			}
			bytes += finish_conn(o, fd, sock_port(&peer), deadline, true, err);
			continue;
		}
		bytes += finish_conn(o, fd, sock_port(&peer), deadline, false, 0);
	}
	/*
	 * Stopped by signal or deadline: connections already in the accept queue
	 * get the same treatment as the others. Closing the listener would
	 * reset them instead, and a storm of clean connections would end with a
	 * burst of RSTs the test did not ask for.
	 */
	while (!o->hold && !(o->count && accepted >= o->count)) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			break;
		accepted++;
		bytes += finish_conn(o, fd, 0, deadline, false, 0);
	}
	close(lfd);
	printf("rstgen: accepted=%" PRIu64 " bytes=%" PRIu64 " pid=%d\n", accepted, bytes,
	       (int)getpid());
	fflush(stdout);
	return o->exit_status;
}

/* Send `len` bytes of filler; returns 0 or an errno. */
static int send_bytes(int fd, uint64_t len)
{
	static const char filler[4096];

	while (len > 0) {
		size_t chunk = len < sizeof(filler) ? (size_t)len : sizeof(filler);
		ssize_t n = send(fd, filler, chunk, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR && !g_stop)
				continue;
			return errno;
		}
		len -= (uint64_t)n;
	}
	return 0;
}

/*
 * Block until the peer resets (ECONNRESET -> reset) or closes (EOF -> ok).
 * Whatever the peer sends is discarded. A connection still open at the
 * deadline gets a grace second to end (abandoning it would make the peer's
 * RST an event the counts do not show), then counts as other. Returns false
 * when stopped by SIGTERM/SIGINT (the attempt does not count).
 */
static bool await_end(int fd, struct tally *t, double deadline)
{
	const double grace = 1.0;
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n == 0) {
			t->ok++;
			return true;
		}
		if (errno == ECONNRESET) {
			t->reset++;
			return true;
		}
		if (errno != EAGAIN && errno != EINTR) {
			t->other++;
			return true;
		}
		switch (wait_for(fd, POLLIN, false, deadline > 0 ? deadline + grace : 0)) {
		case WAIT_READY:
			break;
		case WAIT_TIMEOUT:
			t->other++;
			return true;
		case WAIT_STOP:
			return false;
		}
	}
}

/*
 * client: connect, send, wait for the end. With --hold the local port is
 * printed first so a test can start the tracer before the reset happens.
 */
static int run_client(const struct opts *o, double deadline)
{
	struct tally t = { 0 };

	while (keep_going(o, t.attempts, deadline)) {
		int fd = new_socket(o), err;

		if (connect(fd, (const struct sockaddr *)&o->addr, o->addrlen)) {
			err = errno;
			close(fd);
			if (err == EINTR && g_stop)
				break;
			t.attempts++;
			if (err == ECONNREFUSED)
				t.refused++;
			else if (err == ECONNRESET)
				t.reset++;	/* established, then reset before we ran */
			else
				t.other++;
		} else {
			err = send_bytes(fd, o->bytes);
			if (err == EINTR && g_stop) {
				close(fd);
				break;
			}
			if (err == ECONNRESET || err == EPIPE) {
				t.attempts++;
				t.reset++;	/* reset before we were done sending */
			} else if (err) {
				t.attempts++;
				t.other++;
			} else {
				if (o->hold) {
					printf("ready pid=%d lport=%u\n", (int)getpid(), local_port(fd));
					fflush(stdout);
				}
				if (!await_end(fd, &t, o->hold ? 0 : deadline)) {
					close(fd);
					break;
				}
				t.attempts++;
			}
			close(fd);
		}
		if (!pause_between(o, deadline))
			break;
	}
	print_tally(&t);
	return 0;
}

/*
 * The head of the kernel's struct tcp_info (include/uapi/linux/tcp.h, an
 * ABI that only grows), up to the byte counters; glibc's copy stops short
 * of them. The kernel copies min(our length, its length).
 */
struct kernel_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space;
	uint32_t total_retrans;
	uint64_t pacing_rate, max_pacing_rate;
	uint64_t bytes_acked, bytes_received;
};

/* session's last line; fd < 0: no socket (the connect failed). */
static void print_end(int fd, const char *why, uint64_t sent, uint64_t received, uint64_t wrote,
		      double idle_lo, double idle_hi, double waited, double rx_to_end)
{
	struct kernel_tcp_info ti;
	socklen_t len = sizeof(ti);
	int64_t acked = -1, rcvd = -1, data_recv = -1, ack_recv = -1;

	memset(&ti, 0, sizeof(ti));
	if (fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		if (len >= offsetof(struct kernel_tcp_info, pacing_rate)) {
			data_recv = ti.last_data_recv;
			ack_recv = ti.last_ack_recv;
		}
		if (len >= sizeof(ti)) {
			acked = (int64_t)ti.bytes_acked;
			rcvd = (int64_t)ti.bytes_received;
		}
	}
	printf("rstgen: end=%s sent=%" PRIu64 " received=%" PRIu64 " wrote=%" PRIu64
	       " idle_lo_ms=%" PRId64 " idle_hi_ms=%" PRId64 " waited_ms=%" PRId64 " pid=%d"
	       " info_bytes_acked=%" PRId64 " info_bytes_received=%" PRId64
	       " info_last_data_recv_ms=%" PRId64 " info_last_ack_recv_ms=%" PRId64
	       " rx_to_end_ms=%" PRId64 "\n",
	       why, sent, received, wrote, (int64_t)(idle_lo * 1000.0), (int64_t)(idle_hi * 1000.0),
	       (int64_t)(waited * 1000.0), (int)getpid(), acked, rcvd, data_recv, ack_recv,
	       (int64_t)(rx_to_end * 1000.0));
	fflush(stdout);
}

/*
 * Read what is there; returns false when the connection ended (*why set).
 * Data moves *t_rx to now.
 */
static bool take_input(int fd, uint64_t *received, double *t_rx, int *why)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			*received += (uint64_t)n;
			*t_rx = now_s();
			continue;
		}
		if (n == 0) {
			*why = -1;
			return false;
		}
		if (errno == EAGAIN || errno == EINTR)
			return true;
		*why = errno;
		return false;
	}
}

/*
 * session: one established connection a test can time. Connect, send
 * --bytes, read --recv bytes, "ready", wait for SIGUSR1 (reading whatever
 * else comes), write --then-bytes, then wait until the connection ends (or
 * --seconds after the write), and say how it ended. Keepalive stays off
 * unless --keepalive: the only segments after "ready" are the peer's and
 * the write (and, with --keepalive, the probes).
 */
static int run_session(const struct opts *o)
{
	double t_connect = now_s(), t_rx = 0, t_write = 0, limit = o->seconds > 0 ? o->seconds : 60;
	uint64_t received = 0, wrote = 0;
	int fd = new_socket(o), why = 0;

	set_keepalive(o, fd);
	if (connect(fd, (const struct sockaddr *)&o->addr, o->addrlen)) {
		print_end(-1, errno_name(errno), 0, 0, 0, 0, 0, 0, 0);
		close(fd);
		return 0;
	}
	t_rx = now_s(); /* the SYN-ACK came before connect() returned */
	if ((why = send_bytes(fd, o->bytes)) != 0)
		goto ended;
	while (received < o->recv) {
		if (!take_input(fd, &received, &t_rx, &why))
			goto ended;
		if (received >= o->recv)
			break;
		if (wait_for(fd, POLLIN, false, now_s() + limit) != WAIT_READY) {
			why = g_stop ? EINTR : ETIMEDOUT;
			goto ended;
		}
	}
	printf("ready pid=%d lport=%u sent=%" PRIu64 " received=%" PRIu64 "\n", (int)getpid(),
	       local_port(fd), o->bytes, received);
	fflush(stdout);
	for (;;) { /* until SIGUSR1 */
		enum wait_result r = wait_for(fd, POLLIN, true, 0);

		if (r == WAIT_STOP) {
			why = EINTR;
			goto ended;
		}
		if (g_took_usr1)
			break;
		if (!take_input(fd, &received, &t_rx, &why))
			goto ended;
	}
	t_write = now_s();
	if (o->abort_conn) {
		static const struct linger abort_linger = { .l_onoff = 1, .l_linger = 0 };

		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_linger, sizeof(abort_linger)))
			die("setsockopt SO_LINGER");
		print_end(fd, "ABORT", o->bytes, received, 0, t_write - t_rx, now_s() - t_connect, 0,
			  now_s() - t_rx);
		close(fd);
		return 0;
	}
	if ((why = send_bytes(fd, o->then_bytes)) != 0)
		goto ended;
	wrote = o->then_bytes;
	for (;;) {
		if (!take_input(fd, &received, &t_rx, &why))
			goto ended;
		switch (wait_for(fd, POLLIN, false, t_write + limit)) {
		case WAIT_READY:
			continue;
		case WAIT_TIMEOUT: {
			double t = now_s();

			print_end(fd, "DEADLINE", o->bytes, received, wrote, t_write - t_rx,
				  t - t_connect, t - t_write, t - t_rx);
			close(fd);
			return 0;
		}
		case WAIT_STOP:
			why = EINTR;
			goto ended;
		}
	}
ended: {
		double t = now_s();

		print_end(fd, end_name(why), o->bytes, received, wrote,
			  t_write > 0 ? t_write - t_rx : t - t_rx, t - t_connect,
			  t_write > 0 ? t - t_write : 0, t - t_rx);
	}
	close(fd);
	return 0;
}

/* bulk: one connection, write as fast as possible until the deadline. */
static int run_bulk(const struct opts *o, double deadline)
{
	static char buf[128 * 1024];
	uint64_t total = 0;
	double start;
	int fd = new_socket(o);

	if (connect(fd, (const struct sockaddr *)&o->addr, o->addrlen))
		die("connect");
	set_timeouts(fd);
	start = now_s();
	while (!g_stop && (deadline <= 0 || now_s() < deadline)) {
		ssize_t n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);

		if (n > 0)
			total += (uint64_t)n;
		else if (errno != EINTR && errno != EAGAIN)
			die("send");
	}
	printf("rstgen: bytes=%" PRIu64 " seconds=%.3f pid=%d\n", total, now_s() - start,
	       (int)getpid());
	fflush(stdout);
	close(fd);
	return 0;
}

/* ------------------------------------------------------------- arguments */

static void parse_addr(struct opts *o)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o->addr;

	memset(&o->addr, 0, sizeof(o->addr));
	if (inet_pton(AF_INET, o->addr_text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)o->port);
		o->addrlen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, o->addr_text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)o->port);
		o->addrlen = sizeof(*in6);
	} else {
		bad_usage("--addr: not an IPv4 or IPv6 literal: '%s'", o->addr_text);
	}
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *m;
	bool have_count = false, have_bytes = false, have_close = false;
	bool have_recv = false, have_send = false, have_then = false, have_drip = false;

	memset(o, 0, sizeof(*o));
	o->addr_text = "127.0.0.1";
	o->port = -1;
	o->bytes = 1;
	o->then_bytes = 1;
	o->drip_ms = 200;

	if (argc < 2)
		bad_usage("missing MODE (connect, serve, client, bulk, session); see --help");
	m = argv[1];
	if (!strcmp(m, "--help") || !strcmp(m, "-h")) {
		usage(stdout);
		exit(0);
	}
	if (!strcmp(m, "connect"))
		o->mode = MODE_CONNECT;
	else if (!strcmp(m, "serve"))
		o->mode = MODE_SERVE;
	else if (!strcmp(m, "client"))
		o->mode = MODE_CLIENT;
	else if (!strcmp(m, "bulk"))
		o->mode = MODE_BULK;
	else if (!strcmp(m, "session"))
		o->mode = MODE_SESSION;
	else
		bad_usage("unknown mode '%s' (connect, serve, client, bulk, session)", m);

	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = NULL;

		if (!strcmp(opt, "--hold")) {
			o->hold = true;
			continue;
		}
		if (!strcmp(opt, "--abort")) {
			if (o->mode != MODE_SESSION)
				bad_usage("--abort only applies to session");
			o->abort_conn = true;
			continue;
		}
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			usage(stdout);
			exit(0);
		}
		if (i + 1 >= argc)
			bad_usage("%s: missing value or unknown option", opt);
		val = argv[++i];
		if (!strcmp(opt, "--addr")) {
			o->addr_text = val;
		} else if (!strcmp(opt, "--port")) {
			o->port = (long)parse_u64(opt, val, 0, 65535);
		} else if (!strcmp(opt, "--count")) {
			o->count = parse_u64(opt, val, 1, UINT64_C(1000000000000));
			have_count = true;
		} else if (!strcmp(opt, "--seconds")) {
			o->seconds = parse_seconds(opt, val);
		} else if (!strcmp(opt, "--interval-ms")) {
			o->interval_ms = parse_u64(opt, val, 0, 86400000);
		} else if (!strcmp(opt, "--name")) {
			o->name = val;
		} else if (!strcmp(opt, "--exit-status")) {
			if (o->mode != MODE_SERVE)
				bad_usage("--exit-status only applies to serve");
			o->exit_status = (int)parse_u64(opt, val, 0, 255);
		} else if (!strcmp(opt, "--bytes")) {
			o->bytes = parse_u64(opt, val, 0, UINT64_C(1) << 40);
			have_bytes = true;
		} else if (!strcmp(opt, "--recv")) {
			o->recv = parse_u64(opt, val, 0, UINT64_C(1) << 40);
			have_recv = true;
		} else if (!strcmp(opt, "--send")) {
			o->send = parse_u64(opt, val, 0, UINT64_C(1) << 40);
			have_send = true;
		} else if (!strcmp(opt, "--then-bytes")) {
			o->then_bytes = parse_u64(opt, val, 0, UINT64_C(1) << 40);
			have_then = true;
		} else if (!strcmp(opt, "--drip-ms")) {
			o->drip_ms = parse_u64(opt, val, 1, 86400000);
			have_drip = true;
		} else if (!strcmp(opt, "--keepalive")) {
			char extra;

			if (o->mode != MODE_SESSION && o->mode != MODE_SERVE)
				bad_usage("--keepalive only applies to session and serve");
			if (sscanf(val, "%d,%d,%d%c", &o->ka_idle, &o->ka_intvl, &o->ka_cnt, &extra) != 3 ||
			    o->ka_idle < 1 || o->ka_intvl < 1 || o->ka_cnt < 1 || o->ka_idle > 32767 ||
			    o->ka_intvl > 32767 || o->ka_cnt > 127)
				bad_usage("--keepalive: want IDLE,INTVL,CNT (seconds, seconds, probes), got '%s'",
					  val);
		} else if (!strcmp(opt, "--close")) {
			have_close = true;
			if (!strcmp(val, "normal"))
				o->close_how = CLOSE_NORMAL;
			else if (!strcmp(val, "linger"))
				o->close_how = CLOSE_LINGER;
			else if (!strcmp(val, "unread"))
				o->close_how = CLOSE_UNREAD;
			else if (!strcmp(val, "sink"))
				o->close_how = CLOSE_SINK;
			else if (!strcmp(val, "drip"))
				o->close_how = CLOSE_DRIP;
			else
				bad_usage("--close: expected normal, linger, unread, sink or drip, got '%s'",
					  val);
		} else {
			bad_usage("unknown option '%s'; see --help", opt);
		}
	}

	/* Reject combinations that would silently do something else. */
	if (have_close && o->mode != MODE_SERVE)
		bad_usage("--close only applies to serve");
	if (have_bytes && o->mode != MODE_CLIENT && o->mode != MODE_SESSION)
		bad_usage("--bytes only applies to client and session");
	if (have_recv && o->mode != MODE_SERVE && o->mode != MODE_SESSION)
		bad_usage("--recv only applies to serve and session");
	if (have_send && o->mode != MODE_SERVE)
		bad_usage("--send only applies to serve");
	if (have_then && o->mode != MODE_SESSION)
		bad_usage("--then-bytes only applies to session");
	if (have_drip && o->close_how != CLOSE_DRIP)
		bad_usage("--drip-ms only applies to serve --close drip");
	if (o->mode == MODE_SESSION && (have_count || o->interval_ms))
		bad_usage("session makes exactly one connection (no --count, --interval-ms)");
	if (o->hold && o->mode != MODE_SERVE && o->mode != MODE_CLIENT)
		bad_usage("--hold only applies to serve and client");
	if (o->hold && o->mode == MODE_CLIENT && (o->count > 1 || o->seconds > 0))
		bad_usage("client --hold makes exactly one attempt (--count 1, no --seconds)");
	if (o->mode == MODE_BULK && have_count)
		bad_usage("bulk runs for --seconds, not --count");
	if (o->interval_ms && (o->mode == MODE_SERVE || o->mode == MODE_BULK))
		bad_usage("--interval-ms only applies to connect and client");
	if (o->port < 0) {
		if (o->mode != MODE_SERVE)
			bad_usage("--port is required for %s", m);
		o->port = 0;
	} else if (o->port == 0 && o->mode != MODE_SERVE) {
		bad_usage("--port 0 only makes sense for serve");
	}
	/* One attempt unless told otherwise; a server runs until stopped. */
	if ((o->mode == MODE_CONNECT || o->mode == MODE_CLIENT) && !o->count && o->seconds == 0)
		o->count = 1;
	parse_addr(o);
}

int main(int argc, char **argv)
{
	struct opts o;
	double deadline;

	parse_args(argc, argv, &o);
	/* First thing after parsing, so every event we cause carries the name. */
	if (o.name && prctl(PR_SET_NAME, (unsigned long)o.name, 0, 0, 0))
		die("prctl PR_SET_NAME");
	install_signals();
	deadline = o.seconds > 0 ? now_s() + o.seconds : 0;

	switch (o.mode) {
	case MODE_CONNECT:
		return run_connect(&o, deadline);
	case MODE_SERVE:
		return run_serve(&o, deadline);
	case MODE_CLIENT:
		return run_client(&o, deadline);
	case MODE_BULK:
		return run_bulk(&o, deadline);
	case MODE_SESSION:
		return run_session(&o);
	}
	return 2;
}
