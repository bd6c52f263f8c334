/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The --metrics-listen endpoint: GET /metrics over HTTP/1.1, served by a
 * thread of its own with poll(), so that no client can hold up the record
 * loop, and no client can hold the endpoint away from a scrape:
 *   - a request head must arrive whole within METRICS_HTTP_REQUEST_MS of
 *     the accept, however slowly it drips (a deadline, not an idle timer);
 *   - a response must be taken within METRICS_HTTP_RESPONSE_MS;
 *   - a request head is at most METRICS_HTTP_HEAD_MAX bytes (431 beyond);
 *   - at most METRICS_HTTP_CONNECTIONS connections are kept; a new one is
 *     always accepted, and the oldest one still sending its request (else
 *     the oldest) is closed to make room;
 *   - every response closes its connection (Connection: close).
 */
#ifndef RSTSNOOP_METRICS_HTTP_H
#define RSTSNOOP_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#define METRICS_HTTP_REQUEST_MS 2000
#define METRICS_HTTP_RESPONSE_MS 10000
#define METRICS_HTTP_HEAD_MAX 8192
#define METRICS_HTTP_CONNECTIONS 64

struct metrics_http;

/* Binds, listens and starts the thread.  Prints its own one-line error
 * naming addr_text; 0 or -errno. */
int metrics_http_start(struct metrics_http **out, const struct sockaddr_storage *addr,
		       const char *addr_text);
/* The text later scrapes are served (copied; a failed copy keeps the old). */
void metrics_http_publish(struct metrics_http *h, const char *text, size_t len);
void metrics_http_stop(struct metrics_http *h);

/*
 * What a request head asks, as an HTTP status: 0 while more is needed
 * (no end of the request line yet), 200 for GET or HEAD of /metrics (a
 * query string allowed), 404 for another path, 405 for another method,
 * 400 for a request line that is not HTTP.  *head_only: it was HEAD.
 */
int metrics_http_classify(const char *buf, size_t len, int *head_only);

#endif
