// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "ready_file.h"
#include "diag.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ready_file_write(const char *path)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	int err = write_file_atomically(path, line, len);

	if (err)
		rst_err("cannot write the ready file %s: %s", path, strerror(-err));
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
