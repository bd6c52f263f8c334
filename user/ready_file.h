/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --ready-file: a machine signal that tracing has started.  Scripts wait
 * for the file instead of a sentence on stderr, which a reused log file can
 * still hold from the previous run.
 */
#ifndef RSTSNOOP_READY_FILE_H
#define RSTSNOOP_READY_FILE_H

/*
 * Writes "PID\n" to a temporary file next to path and renames it onto
 * path, so a reader sees either no file or the whole line of this process.
 * Returns 0, or -errno after printing one line on stderr.
 */
int ready_file_write(const char *path);

/* Removes path if it still names this process's file (best effort). */
void ready_file_remove(const char *path);

#endif
