/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Where metrics go: a file for node_exporter's textfile collector
 * (--metrics-file, replaced atomically) and an HTTP listener serving
 * GET /metrics (--metrics-listen, user/metrics_http.c: a thread of its own).
 * The listener serves the text of the last publication, so a scrape never
 * touches the record path.
 */
#ifndef RSTSNOOP_EXPORTER_H
#define RSTSNOOP_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct exporter;

/*
 * Opens what is asked (file: NULL for none; listen: NULL for none) and
 * binds the listener.  Prints its own one-line error; 0 or -errno.
 */
int exporter_open(struct exporter **out, const char *file, const struct sockaddr_storage *listen,
		  const char *listen_text);
/*
 * Writes text to the file (a temporary file in the same folder, then
 * rename) and hands it to the listener.  A file that cannot be written is
 * said once on stderr until a write works again; returns -errno then.
 */
int exporter_publish(struct exporter *e, const char *text, size_t len);
void exporter_close(struct exporter *e);

#endif
