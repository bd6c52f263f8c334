// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "ready_file.h"
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int ready_file_write(const char *path)
{
	char tmp[4096], line[32];
	int fd, err, len;

	/* Same directory as path: rename() is atomic only within one file system. */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		rst_err("--ready-file path too long: %s", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		rst_err("cannot create the ready file next to %s: %s", path,
			strerror(-err));
		return err;
	}
	len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	err = write_all(fd, line, len);
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		rst_err("cannot write the ready file %s: %s", path,
			strerror(-err));
	}
	return err;
}

void ready_file_remove(const char *path)
{
	char line[32], want[32];
	ssize_t n;
	int fd;

	/* A caller may already have removed it and started another instance
	 * with the same path: never remove a file that names someone else. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	snprintf(want, sizeof(want), "%d\n", (int)getpid());
	if (n == (ssize_t)strlen(want) && !memcmp(line, want, n))
		unlink(path);
}
