/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * rstsnoop's lines on stderr: each one "rstsnoop: <text>\n", written whole.
 * Every module says what went wrong through rst_err(), and what it did
 * that the user should know (a mount, the start of tracing) through
 * rst_note(); the prefix and the newline are added here, never by hand.
 */
#ifndef RSTSNOOP_DIAG_H
#define RSTSNOOP_DIAG_H

/* Something failed or was refused; the caller decides whether the run ends. */
void rst_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The one out-of-memory line. */
void rst_err_oom(void);
/* Not a failure: what rstsnoop did or counted, for the user to know. */
void rst_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
