// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/util.c's release_read_once_pages: which pages leave
 * the resident set, and that their contents come back when read. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

#define PAGES 8

/* Whether the page at addr is mapped into this process now: bit 63 of
 * its /proc/self/pagemap entry (readable without privilege; only the
 * frame numbers are hidden). -1 if pagemap cannot be read. */
static int page_present(const void *addr)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t entry;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)addr / page * sizeof(entry)));
	close(fd);
	if (n != sizeof(entry))
		return -1;
	return (int)(entry >> 63);
}

void test_release_read_once_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[] = "/tmp/rstsnoop-unit-XXXXXX";
	int fd = mkstemp(path);
	char *buf = malloc(PAGES * page), *map = MAP_FAILED;
	volatile char sum = 0;

	CHECK(fd >= 0 && buf);
	if (fd < 0 || !buf)
		goto out;
	for (long i = 0; i < PAGES * page; i++)
		buf[i] = (char)(i * 7 + i / page);
	CHECK(write(fd, buf, PAGES * page) == PAGES * page);
	/* as the program's .rodata is mapped: private, read-only, file-backed */
	map = mmap(NULL, PAGES * page, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		goto out;
	for (int i = 0; i < PAGES; i++)
		sum += map[i * page];
	for (int i = 0; i < PAGES; i++)
		CHECK(page_present(map + i * page) == 1);

	/* from inside page 0 to inside page 6: only pages 1-5 are wholly in
	 * the range; the two it only touches stay, and so does page 7 */
	release_read_once_pages(map + 100, 6 * page);
	CHECK(page_present(map) == 1);
	for (int i = 1; i <= 5; i++)
		CHECK(page_present(map + i * page) == 0);
	CHECK(page_present(map + 6 * page) == 1);
	CHECK(page_present(map + 7 * page) == 1);
	/* a released page reads as before */
	CHECK(!memcmp(map + 3 * page, buf + 3 * page, page));
	CHECK(page_present(map + 3 * page) == 1);

	/* less than one whole page: nothing leaves */
	release_read_once_pages(map + 6 * page + 1, page - 2);
	CHECK(page_present(map + 6 * page) == 1);
out:
	(void)sum;
	if (map != MAP_FAILED)
		munmap(map, PAGES * page);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(buf);
}
