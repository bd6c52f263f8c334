// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE /* O_PATH */
#include "output_file.h"
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The stream's buffer: records are flushed once per poll round, so a storm
 * costs one write per round, not one per line. */
#define OUTPUT_FILE_BUFFER (1 << 16)

struct output_file {
	int dir_fd; /* O_PATH of the file's directory, opened as root */
	char name[NAME_MAX + 1]; /* the last path component, opened in dir_fd */
	char path[PATH_MAX];	 /* as given, for messages */
	FILE *stream;
	char *buffer; /* the stream's; a new one at each reopen */
	__u64 reopens, reopen_failures;
};

/* path's directory and last component; the name must not be empty. */
static int split_path(const char *path, char *dir, size_t dir_size, char *name, size_t name_size)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) : 0;
	const char *base = slash ? slash + 1 : path;

	if (!base[0] || strlen(base) >= name_size || dir_len + 2 > dir_size)
		return -EINVAL;
	if (!slash)
		snprintf(dir, dir_size, ".");
	else if (dir_len == 0)
		snprintf(dir, dir_size, "/");
	else
		snprintf(dir, dir_size, "%.*s", (int)dir_len, path);
	snprintf(name, name_size, "%s", base);
	return 0;
}

/* A stream on the name in the kept directory, fully buffered. */
static int open_stream(struct output_file *f, FILE **stream, char **buffer)
{
	int fd = openat(f->dir_fd, f->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
			OUTPUT_FILE_MODE);
	int err;

	if (fd < 0)
		return -errno;
	*buffer = malloc(OUTPUT_FILE_BUFFER);
	*stream = *buffer ? fdopen(fd, "a") : NULL;
	if (!*stream) {
		err = errno ? -errno : -ENOMEM;
		free(*buffer);
		close(fd);
		return err;
	}
	setvbuf(*stream, *buffer, _IOFBF, OUTPUT_FILE_BUFFER);
	return 0;
}

int output_file_open(struct output_file **out, const char *path)
{
	struct output_file *f = calloc(1, sizeof(*f));
	char dir[PATH_MAX];
	int err;

	*out = NULL;
	if (!f) {
		rst_err_oom();
		return -ENOMEM;
	}
	f->dir_fd = -1;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (strlen(path) >= sizeof(f->path) ||
	    split_path(path, dir, sizeof(dir), f->name, sizeof(f->name))) {
		rst_err("--output must name a file: %s", path);
		free(f);
		return -EINVAL;
	}
	f->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->dir_fd < 0) {
		err = -errno;
		rst_err("cannot open the directory of --output %s: %s", path, strerror(-err));
		free(f);
		return err;
	}
	err = open_stream(f, &f->stream, &f->buffer);
	if (err) {
		rst_err("cannot open --output %s: %s", path, strerror(-err));
		close(f->dir_fd);
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

FILE *output_file_stream(const struct output_file *f)
{
	return f->stream;
}

int output_file_reopen(struct output_file *f)
{
	FILE *stream;
	char *buffer;
	int err;

	/* what is buffered belongs to the file it was meant for: the renamed
	 * one, whole records only (this runs between records) */
	fflush(f->stream);
	err = open_stream(f, &stream, &buffer);
	if (err) {
		f->reopen_failures++;
		rst_err("cannot reopen --output %s after SIGHUP: %s; records go on to the "
			"file open before", f->path, strerror(-err));
		return err;
	}
	fclose(f->stream);
	free(f->buffer);
	f->stream = stream;
	f->buffer = buffer;
	f->reopens++;
	return 0;
}

__u64 output_file_reopens(const struct output_file *f)
{
	return f->reopens;
}

__u64 output_file_reopen_failures(const struct output_file *f)
{
	return f->reopen_failures;
}

void output_file_close(struct output_file *f)
{
	if (!f)
		return;
	fclose(f->stream);
	free(f->buffer);
	close(f->dir_fd);
	free(f);
}
