// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h> /* rename() */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

__u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int write_file_atomically(const char *path, const void *text, size_t len)
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
	/* mkstemp makes 0600 */
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

int read_sysctl_int(const char *path, int fallback)
{
	FILE *f = fopen(path, "re");
	int v = fallback;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = fallback;
		fclose(f);
	}
	return v;
}

void release_read_once_pages(const void *start, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t first = ((uintptr_t)start + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)start + len) & ~(page - 1);

	/* Only a saving: on failure the pages just stay resident. */
	if (end > first)
		(void)madvise((void *)first, end - first, MADV_DONTNEED);
}
