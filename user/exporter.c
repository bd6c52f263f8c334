// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "exporter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics_http.h"

struct exporter {
	const char *file;
	bool file_failing; /* said on stderr; said again only after a success */
	struct metrics_http *http; /* NULL: no --metrics-listen */
};

/* ---- the file ----------------------------------------------------------- */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * A reader (node_exporter) sees the old file or the new one, never a part:
 * the text goes to a temporary file in the same folder (so rename stays on
 * one file system), which then replaces the file.  The temporary name does
 * not end in .prom, so the textfile collector never reads it.  No fsync: the
 * file is rewritten every interval, and a crash loses one interval at most.
 */
static int write_file_atomically(const char *path, const char *text, size_t len)
{
	size_t path_len = strlen(path);
	char *tmp = malloc(path_len + sizeof(".XXXXXX"));
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, path_len);
	memcpy(tmp + path_len, ".XXXXXX", sizeof(".XXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* mkstemp makes 0600; the collector may run as another user */
	if (fchmod(fd, 0644))
		err = -errno;
	if (!err)
		err = write_all(fd, text, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

/* ---- both --------------------------------------------------------------- */

int exporter_open(struct exporter **out, const char *file, const struct sockaddr_storage *listen,
		  const char *listen_text)
{
	struct exporter *e = calloc(1, sizeof(*e));
	int err;

	*out = NULL;
	if (!e) {
		fprintf(stderr, "rstsnoop: out of memory\n");
		return -ENOMEM;
	}
	e->file = file;
	if (listen) {
		err = metrics_http_start(&e->http, listen, listen_text);
		if (err) {
			exporter_close(e);
			return err;
		}
	}
	*out = e;
	return 0;
}

int exporter_publish(struct exporter *e, const char *text, size_t len)
{
	int err = 0;

	if (e->http)
		metrics_http_publish(e->http, text, len);
	if (!e->file)
		return 0;
	err = write_file_atomically(e->file, text, len);
	if (err && !e->file_failing)
		fprintf(stderr, "rstsnoop: writing the metrics file %s failed: %s (tried again "
				"every interval)\n", e->file, strerror(-err));
	else if (!err && e->file_failing)
		fprintf(stderr, "rstsnoop: writing the metrics file %s works again\n", e->file);
	e->file_failing = err != 0;
	return err;
}

void exporter_close(struct exporter *e)
{
	if (!e)
		return;
	metrics_http_stop(e->http);
	free(e);
}
