/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Escaping of hostile bytes (process names come from whoever named the
 * process; treat them as attacker-controlled).
 */
#ifndef RSTSNOOP_ESCAPE_H
#define RSTSNOOP_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Terminal-safe text for a table: printable ASCII stays, a backslash
 * becomes "\\", every other byte (space, control, DEL, non-ASCII) becomes
 * "\xNN".  A space is escaped so a name stays one whitespace-separated
 * field.  Reads up to len bytes or the first NUL; always NUL-terminates dst
 * (truncating on a whole escape).  Returns the length written.
 */
size_t text_escape(char *dst, size_t dst_size, const char *src, size_t len);

/*
 * The body of a JSON string (no quotes) for up to len bytes or the first
 * NUL.  Valid UTF-8 passes through; quote, backslash and control characters
 * are escaped; a byte that is not part of valid UTF-8 is written as
 * \u00NN, so the output is valid JSON whatever the input.
 */
void json_escape(FILE *out, const char *src, size_t len);

/*
 * The same into dst: as much of src as fits in dst_size bytes, never half
 * an escape or half a UTF-8 sequence.  Returns the bytes written; *used:
 * the bytes of src consumed (len once the first NUL or the end is
 * reached).  dst_size >= 6 always makes progress.
 */
size_t json_escape_some(char *dst, size_t dst_size, const char *src, size_t len, size_t *used);

#endif
