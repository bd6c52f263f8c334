/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Small things several modules need, each in one place: the clock the
 * kernel side stamps records with, and writing a file so that a reader
 * sees the old one or the new one, never a part.
 */
#ifndef RSTSNOOP_UTIL_H
#define RSTSNOOP_UTIL_H

#include <stddef.h>
#include <linux/types.h>

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

/* CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock, so a time read here
 * compares with a record's ts_ns. */
__u64 monotonic_ns(void);

/* Writes all len bytes, again after EINTR; 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/*
 * Replaces path with text, mode 0644 (the reader, node_exporter or a test,
 * may run as another user): written to a temporary file beside path
 * (rename() is atomic only within one file system), then renamed over it.
 * 0 or -errno; the temporary file never stays behind.
 */
int write_file_atomically(const char *path, const void *text, size_t len);

/*
 * Takes the whole pages inside [start, start + len) of a read-only file
 * mapping (the program's own .rodata) out of this process's resident set:
 * they stay in the page cache and fault back in if read again. For data
 * read once at start-up that would otherwise add to the peak RSS.
 */
void release_read_once_pages(const void *start, size_t len);

/* The integer a /proc/sys file holds, or fallback where it cannot be read. */
int read_sysctl_int(const char *path, int fallback);

#endif
