// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE /* accept4, pipe2 */
#include "metrics_http.h"
#include "diag.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <unistd.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* After the response, what the client still sends is read and dropped for
 * this long: closing with unread bytes would reset the connection, and a
 * reset can destroy the response before the client has read it. */
#define LINGER_MS 1000
/* Accepts per poll round: the clients already held get their turn too. */
#define ACCEPTS_PER_ROUND 64
/* After EMFILE or ENFILE, the listener is left alone for this long
 * (poll would report it readable again at once). */
#define ACCEPT_PAUSE_MS 100

/* The published text, shared by the responses that are sending it. */
struct snapshot {
	unsigned int refs; /* under metrics_http.lock */
	size_t len;
	char text[];
};

enum conn_state { CONN_FREE, CONN_READING, CONN_WRITING, CONN_LINGERING };

struct conn {
	enum conn_state state;
	int fd;
	uint64_t accepted_ms;
	uint64_t deadline_ms;
	size_t got;
	char head[METRICS_HTTP_HEAD_MAX];
	/* the response: head_out, then body (a snapshot's text, or none) */
	char head_out[256];
	size_t head_out_len;
	struct snapshot *body;
	size_t body_len;
	size_t sent;
};

struct metrics_http {
	int listen_fd;
	int wake[2]; /* a byte on wake[1] ends the thread */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* guards current and every snapshot's refs */
	struct snapshot *current;
	struct conn conns[METRICS_HTTP_CONNECTIONS];
};

static uint64_t now_ms(void)
{
	return monotonic_ns() / 1000000;
}

/* ---- the request -------------------------------------------------------- */

static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

int metrics_http_classify(const char *buf, size_t len, int *head_only)
{
	const char *end = memchr(buf, '\n', len);
	const char *p = buf, *method, *target, *version;
	size_t method_len, target_len, line_len, path_len;

	*head_only = 0;
	if (!end)
		return 0;
	line_len = end - buf;
	if (line_len && buf[line_len - 1] == '\r')
		line_len--;
	method = p;
	while (p < buf + line_len && is_token_char(*p))
		p++;
	method_len = p - method;
	if (!method_len || p == buf + line_len || *p != ' ')
		return 400;
	target = ++p;
	while (p < buf + line_len && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
		p++;
	target_len = p - target;
	if (!target_len || p == buf + line_len || *p != ' ')
		return 400;
	version = ++p;
	if (buf + line_len - version != 8 || memcmp(version, "HTTP/1.", 7) ||
	    (version[7] != '0' && version[7] != '1'))
		return 400;
	if (!(method_len == 3 && !memcmp(method, "GET", 3)) &&
	    !(method_len == 4 && !memcmp(method, "HEAD", 4)))
		return 405;
	*head_only = method_len == 4;
	path_len = target_len;
	for (size_t i = 0; i < target_len; i++) {
		if (target[i] == '?') {
			path_len = i;
			break;
		}
	}
	if (path_len != 8 || memcmp(target, "/metrics", 8))
		return 404;
	return 200;
}

/* The end of the head: an empty line, after CRLF or a bare LF. */
static bool head_complete(const char *buf, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (buf[i] == '\n' && (buf[i - 1] == '\n' ||
				       (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')))
			return true;
	}
	return false;
}

/* ---- connections -------------------------------------------------------- */

static void snapshot_put(struct metrics_http *h, struct snapshot *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&h->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (last)
		free(s);
}

static void conn_close(struct metrics_http *h, struct conn *c)
{
	close(c->fd);
	snapshot_put(h, c->body);
	c->body = NULL;
	c->state = CONN_FREE;
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Error";
	}
}

static void conn_respond(struct metrics_http *h, struct conn *c, int status, bool head_only)
{
	const char *text = NULL;
	size_t len = 0;
	int n;

	if (status == 200) {
		pthread_mutex_lock(&h->lock);
		c->body = h->current;
		if (c->body) {
			c->body->refs++;
			text = c->body->text;
			len = c->body->len;
		}
		pthread_mutex_unlock(&h->lock);
	} else {
		switch (status) {
		case 404: text = "rstsnoop serves /metrics\n"; break;
		case 405: text = "GET or HEAD only\n"; break;
		case 431: text = "request head too large\n"; break;
		default: text = "bad request\n"; break;
		}
		len = strlen(text);
	}
	n = snprintf(c->head_out, sizeof(c->head_out),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n",
		     status, reason_phrase(status),
		     status == 200 ? CONTENT_TYPE : "text/plain; charset=utf-8", len,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "");
	c->head_out_len = n;
	if (status != 200) {
		/* the error text is short: it goes with the head */
		memcpy(c->head_out + n, text, len);
		c->head_out_len += len;
		len = 0;
	}
	c->body_len = head_only ? 0 : len;
	c->sent = 0;
	c->state = CONN_WRITING;
	c->deadline_ms = now_ms() + METRICS_HTTP_RESPONSE_MS;
}

static void conn_read(struct metrics_http *h, struct conn *c)
{
	int status, head_only;
	ssize_t n;

	n = recv(c->fd, c->head + c->got, sizeof(c->head) - c->got, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(h, c);
		return;
	}
	c->got += n;
	status = metrics_http_classify(c->head, c->got, &head_only);
	if (status == 200 || status == 404 || status == 405) {
		/* a well-formed request line: the answer waits for the whole head */
		if (head_complete(c->head, c->got))
			conn_respond(h, c, status, head_only);
		else if (c->got == sizeof(c->head))
			conn_respond(h, c, 431, false);
	} else if (status) {
		conn_respond(h, c, status, false);
	} else if (c->got == sizeof(c->head)) {
		conn_respond(h, c, 431, false);
	}
}

static void conn_write(struct metrics_http *h, struct conn *c)
{
	while (c->sent < c->head_out_len + c->body_len) {
		const char *from;
		size_t left;
		ssize_t n;

		if (c->sent < c->head_out_len) {
			from = c->head_out + c->sent;
			left = c->head_out_len - c->sent;
		} else {
			from = c->body->text + (c->sent - c->head_out_len);
			left = c->body_len - (c->sent - c->head_out_len);
		}
		n = send(c->fd, from, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			conn_close(h, c);
			return;
		}
		c->sent += n;
	}
	snapshot_put(h, c->body);
	c->body = NULL;
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGERING;
	c->deadline_ms = now_ms() + LINGER_MS;
}

static void conn_drain(struct metrics_http *h, struct conn *c)
{
	char sink[4096];
	ssize_t n;

	do
		n = recv(c->fd, sink, sizeof(sink), 0);
	while (n > 0);
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_close(h, c);
}

/*
 * A free slot for a new connection: when all are taken, the oldest one still
 * sending its request goes (a scrape sends its request at once, a client
 * that holds a slot does not), else the oldest one.
 */
static struct conn *conn_slot(struct metrics_http *h)
{
	struct conn *oldest_reading = NULL, *oldest = NULL;

	for (int i = 0; i < METRICS_HTTP_CONNECTIONS; i++) {
		struct conn *c = &h->conns[i];

		if (c->state == CONN_FREE)
			return c;
		if (c->state == CONN_READING &&
		    (!oldest_reading || c->accepted_ms < oldest_reading->accepted_ms))
			oldest_reading = c;
		if (!oldest || c->accepted_ms < oldest->accepted_ms)
			oldest = c;
	}
	oldest = oldest_reading ? oldest_reading : oldest;
	conn_close(h, oldest);
	return oldest;
}

/* Returns how long the listener is to be left alone, in ms (0: not). */
static uint64_t accept_new(struct metrics_http *h)
{
	for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
		int fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				return ACCEPT_PAUSE_MS;
			return 0; /* EAGAIN, or the client already gone */
		}
		c = conn_slot(h);
		c->fd = fd;
		c->state = CONN_READING;
		c->accepted_ms = now_ms();
		c->deadline_ms = c->accepted_ms + METRICS_HTTP_REQUEST_MS;
		c->got = 0;
		/* a scrape's request is usually there already */
		conn_read(h, c);
	}
	return 0;
}

static void *serve(void *arg)
{
	struct metrics_http *h = arg;
	struct pollfd fds[2 + METRICS_HTTP_CONNECTIONS];
	struct conn *polled[METRICS_HTTP_CONNECTIONS];
	uint64_t listen_paused_until = 0;

	for (;;) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		int n = 0, timeout, ready;

		fds[n++] = (struct pollfd){ .fd = h->wake[0], .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = now >= listen_paused_until ? h->listen_fd : -1,
					    .events = POLLIN };
		if (now < listen_paused_until)
			next = listen_paused_until;
		for (int i = 0; i < METRICS_HTTP_CONNECTIONS; i++) {
			struct conn *c = &h->conns[i];

			if (c->state == CONN_FREE)
				continue;
			if (now >= c->deadline_ms) {
				conn_close(h, c);
				continue;
			}
			if (c->deadline_ms < next)
				next = c->deadline_ms;
			polled[n - 2] = c;
			fds[n++] = (struct pollfd){ .fd = c->fd,
						    .events = c->state == CONN_WRITING ? POLLOUT
										       : POLLIN };
		}
		timeout = next == UINT64_MAX ? -1 : (int)(next - now);
		ready = poll(fds, n, timeout);
		if (ready < 0 && errno != EINTR)
			break; /* cannot happen with valid descriptors */
		if (ready <= 0)
			continue;
		if (fds[0].revents)
			break;
		for (int i = 2; i < n; i++) {
			struct conn *c = polled[i - 2];

			if (!fds[i].revents || c->state == CONN_FREE)
				continue;
			if (c->state == CONN_READING)
				conn_read(h, c);
			else if (c->state == CONN_WRITING)
				conn_write(h, c);
			else
				conn_drain(h, c);
		}
		if (fds[1].revents) {
			uint64_t pause = accept_new(h);

			if (pause)
				listen_paused_until = now_ms() + pause;
		}
	}
	return NULL;
}

/* ---- the endpoint ------------------------------------------------------- */

/* Binds here, in the caller's thread, so that a taken port is one clear errno. */
static int bind_listener(const struct sockaddr_storage *addr)
{
	socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	int one = 1, err;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6) /* [::] means IPv6 only, as written */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* SOMAXCONN: a burst of clients waits in the queue, not in SYN retries */
	if (bind(fd, (const struct sockaddr *)addr, len) || listen(fd, SOMAXCONN)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int metrics_http_start(struct metrics_http **out, const struct sockaddr_storage *addr,
		       const char *addr_text)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	sigset_t block, old;
	int err;

	*out = NULL;
	if (!h) {
		rst_err_oom();
		return -ENOMEM;
	}
	h->wake[0] = h->wake[1] = -1;
	pthread_mutex_init(&h->lock, NULL);
	h->listen_fd = bind_listener(addr);
	if (h->listen_fd < 0) {
		err = h->listen_fd;
		rst_err("cannot listen on %s: %s", addr_text, strerror(-err));
		goto fail;
	}
	if (pipe2(h->wake, O_CLOEXEC)) {
		err = -errno;
		rst_err("cannot start the HTTP listener on %s: %s", addr_text,
			strerror(-err));
		goto fail;
	}
	/* The thread inherits this mask: SIGINT, SIGTERM and SIGHUP stay the
	 * main thread's, whose poll they end. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = -pthread_create(&h->thread, NULL, serve, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		rst_err("cannot start the HTTP listener on %s: %s", addr_text,
			strerror(-err));
		goto fail;
	}
	h->thread_started = true;
	*out = h;
	return 0;
fail:
	metrics_http_stop(h);
	return err;
}

void metrics_http_publish(struct metrics_http *h, const char *text, size_t len)
{
	struct snapshot *s = malloc(sizeof(*s) + len), *old;

	if (!s)
		return; /* scrapes keep getting the previous text */
	s->refs = 1;
	s->len = len;
	memcpy(s->text, text, len);
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = s;
	pthread_mutex_unlock(&h->lock);
	snapshot_put(h, old);
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->thread_started) {
		char byte = 0;

		while (write(h->wake[1], &byte, 1) < 0 && errno == EINTR)
			;
		pthread_join(h->thread, NULL);
	}
	for (int i = 0; i < METRICS_HTTP_CONNECTIONS; i++) {
		if (h->conns[i].state != CONN_FREE)
			conn_close(h, &h->conns[i]);
	}
	if (h->wake[0] >= 0)
		close(h->wake[0]);
	if (h->wake[1] >= 0)
		close(h->wake[1]);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	snapshot_put(h, h->current);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
