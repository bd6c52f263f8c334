/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --output FILE: records (table, JSON or summary) appended to FILE instead
 * of stdout, and FILE opened again on SIGHUP, as logrotate's
 * rename-then-signal expects (no copytruncate).
 *
 * The reopen runs after privileges were dropped, so it cannot rely on
 * open(path) working then: the directory is opened (O_PATH) at start, as
 * root, and kept; the reopen is openat(directory, name).  The kept
 * directory fd also survives a chroot-like change of the cwd and a
 * relative path.  What the dropped process may then do in that directory
 * is the directory's mode: as root without capabilities, a root-owned
 * directory works; with --user, the directory must be writable by that
 * user, or the new file must exist already writable by it (logrotate's
 * `create MODE OWNER GROUP`).  A reopen that fails says so in one line,
 * is counted, and records keep going to the file open before.
 */
#ifndef RSTSNOOP_OUTPUT_FILE_H
#define RSTSNOOP_OUTPUT_FILE_H

#include <stdio.h>
#include <linux/types.h>

/* The mode a file made by --output gets (before the umask): the records
 * name processes and their command lines, not for every user to read. */
#define OUTPUT_FILE_MODE 0640

struct output_file;

/* Opens path for appending (created OUTPUT_FILE_MODE) and its directory;
 * says why on failure.  0 or -errno. */
int output_file_open(struct output_file **out, const char *path);
/* The stream records go to now (changes at each successful reopen). */
FILE *output_file_stream(const struct output_file *f);
/*
 * Flushes the current stream, then opens the name again: on success the
 * old stream is closed and output_file_stream() is the new one (0); on
 * failure one line says why, the old stream stays and the failure is
 * counted (-errno).  Call it between records only.
 */
int output_file_reopen(struct output_file *f);
__u64 output_file_reopens(const struct output_file *f);
__u64 output_file_reopen_failures(const struct output_file *f);
/* Flushes and closes; NULL is fine. */
void output_file_close(struct output_file *f);

#endif
