// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "exporter.h"
#include "diag.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef RSTSNOOP_HTTP
#include <microhttpd.h>
#endif

struct exporter {
	const char *file;
	bool file_failing; /* said on stderr; said again only after a success */
#ifdef RSTSNOOP_HTTP
	struct MHD_Daemon *daemon;
	int listen_fd;
	pthread_mutex_t lock; /* guards text: published here, served by MHD's thread */
	char *text;
	size_t len;
#endif
};

/* ---- the file ----------------------------------------------------------- */

/* ---- the HTTP listener -------------------------------------------------- */

#ifdef RSTSNOOP_HTTP
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *body,
			     size_t len, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

#define TEXT(s) s, sizeof(s) - 1

/* Runs in MHD's thread: copies the last published text under the lock. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct exporter *e = cls;
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT("GET or HEAD only\n"),
			     "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, TEXT("rstsnoop serves /metrics\n"), NULL);
	pthread_mutex_lock(&e->lock);
	ret = reply(conn, MHD_HTTP_OK, e->text ? e->text : "", e->text ? e->len : 0, NULL);
	pthread_mutex_unlock(&e->lock);
	return ret;
}

/* Binds here rather than in MHD, so that a taken port is one clear errno. */
static int bind_listener(const struct sockaddr_storage *addr)
{
	socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	int one = 1, err;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6) /* [::] means IPv6 only, as written */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) || listen(fd, 16)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int start_listener(struct exporter *e, const struct sockaddr_storage *addr,
			  const char *text)
{
	sigset_t block, old;

	e->listen_fd = bind_listener(addr);
	if (e->listen_fd < 0) {
		rst_err("cannot listen on %s: %s", text, strerror(-e->listen_fd));
		return e->listen_fd;
	}
	/* MHD's thread inherits this mask: SIGINT and SIGTERM stay the main
	 * thread's, whose poll they end. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	e->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, e,
				     MHD_OPTION_LISTEN_SOCKET, e->listen_fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				     MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!e->daemon) {
		rst_err("cannot start the HTTP listener on %s", text);
		return -EIO;
	}
	return 0;
}

static void publish_to_listener(struct exporter *e, const char *text, size_t len)
{
	char *copy;

	if (!e->daemon)
		return;
	copy = malloc(len ? len : 1);
	if (!copy)
		return; /* the listener keeps serving the previous text */
	memcpy(copy, text, len);
	pthread_mutex_lock(&e->lock);
	free(e->text);
	e->text = copy;
	e->len = len;
	pthread_mutex_unlock(&e->lock);
}

static void stop_listener(struct exporter *e)
{
	if (e->daemon)
		MHD_stop_daemon(e->daemon);
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	free(e->text);
	pthread_mutex_destroy(&e->lock);
}
#else  /* no HTTP listener in this build (make HTTP=0, the static default) */
static int start_listener(struct exporter *e, const struct sockaddr_storage *addr,
			  const char *text)
{
	rst_err("--metrics-listen: this rstsnoop was built without the HTTP "
			"listener (make HTTP=0); use --metrics-file");
	return -ENOTSUP;
}

static void publish_to_listener(struct exporter *e, const char *text, size_t len)
{
}

static void stop_listener(struct exporter *e)
{
}
#endif

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
#ifdef RSTSNOOP_HTTP
	e->listen_fd = -1;
	pthread_mutex_init(&e->lock, NULL);
#endif
	if (listen) {
		err = start_listener(e, listen, listen_text);
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

	publish_to_listener(e, text, len);
	if (!e->file)
		return 0;
	/* node_exporter sees the old file or the new one, never a part.
	 * The temporary name (PATH.XXXXXX) does not end in .prom, so the
	 * textfile collector never reads it.  No fsync: the file is rewritten
	 * every interval, and a crash loses one interval at most. */
	err = write_file_atomically(e->file, text, len);
	if (err && !e->file_failing)
		rst_err("writing the metrics file %s failed: %s (tried again "
				"every interval)", e->file, strerror(-err));
	else if (!err && e->file_failing)
		rst_note("writing the metrics file %s works again", e->file);
	e->file_failing = err != 0;
	return err;
}

void exporter_close(struct exporter *e)
{
	if (!e)
		return;
	stop_listener(e);
	free(e);
}
