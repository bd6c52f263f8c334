// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "exporter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "metrics_http.h"
#include "util.h"

struct exporter {
	const char *file;
	bool file_failing; /* said on stderr; said again only after a success */
	struct metrics_http *http; /* NULL: no --metrics-listen */
};

/* ---- the file ----------------------------------------------------------- */

/* the text goes through write_file_atomically() (util.h): a reader
 * (node_exporter) sees the old file or the new one, never a part */

/* ---- both --------------------------------------------------------------- */

int exporter_open(struct exporter **out, const char *file, const struct sockaddr_storage *listen,
		  const char *listen_text)
{
	struct exporter *e = calloc(1, sizeof(*e));
	int err;

	*out = NULL;
	if (!e) {
		rst_err_oom();
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
		rst_err("writing the metrics file %s failed: %s (tried again every interval)",
			e->file, strerror(-err));
	else if (!err && e->file_failing)
		rst_err("writing the metrics file %s works again", e->file);
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
