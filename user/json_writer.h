/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A minimal writer for one-line JSON objects (JSON Lines).  All string
 * escaping happens here, through json_escape_some().  A line is built in
 * the writer's own buffer and handed to its FILE whole at jw_end() (or in
 * parts, where a line outgrows the buffer): no stdio call per byte.
 * Keys are this program's own names (plain ASCII) and are written as they
 * are; values are escaped.
 */
#ifndef RSTSNOOP_JSON_WRITER_H
#define RSTSNOOP_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JW_MAX_DEPTH 8

#define JW_BUFFER 4096 /* a refusal record is about 1 KiB */

struct json_writer {
	FILE *out;
	int depth;		  /* 0: the line's object */
	bool first[JW_MAX_DEPTH]; /* nothing written yet at that depth */
	size_t len;		  /* bytes of buf in use */
	char buf[JW_BUFFER];
};

void jw_begin(struct json_writer *w, FILE *out);
/* Closes the object and ends the line. */
void jw_end(struct json_writer *w);

/*
 * The fields.  Each is a macro over a function that also takes the key's
 * length: for the literal keys every caller passes, the compiler counts
 * it, and the writer copies the key in one piece.
 */
#define JW_KEY(name) (name), ((name) ? __builtin_strlen(name) : 0) /* NULL: an array element */
/* A string field; NULL writes null. */
#define jw_string(w, name, value) jw_string_k(w, JW_KEY(name), value)
/* A string field from raw bytes (up to len or the first NUL). */
#define jw_bytes(w, name, value, len) jw_bytes_k(w, JW_KEY(name), value, len)
#define jw_uint(w, name, value) jw_uint_k(w, JW_KEY(name), value)
#define jw_bool(w, name, value) jw_bool_k(w, JW_KEY(name), value)
/* A number with three decimals (rates, intervals). */
#define jw_decimal(w, name, value) jw_decimal_k(w, JW_KEY(name), value)
#define jw_null(w, name) jw_null_k(w, JW_KEY(name))
/* A nested object or array as the value of key, or an object as an array's
 * element; closed by jw_close_object / jw_close_array. */
#define jw_open_object(w, name) jw_open_k(w, JW_KEY(name), '{')
#define jw_open_array(w, name) jw_open_k(w, JW_KEY(name), '[')
#define jw_open_element(w) jw_open_k(w, NULL, 0, '{')
void jw_close_object(struct json_writer *w);
void jw_close_array(struct json_writer *w);

void jw_string_k(struct json_writer *w, const char *key, size_t key_len, const char *value);
void jw_bytes_k(struct json_writer *w, const char *key, size_t key_len, const char *value,
		size_t len);
void jw_uint_k(struct json_writer *w, const char *key, size_t key_len, unsigned long long value);
void jw_bool_k(struct json_writer *w, const char *key, size_t key_len, bool value);
void jw_decimal_k(struct json_writer *w, const char *key, size_t key_len, double value);
void jw_null_k(struct json_writer *w, const char *key, size_t key_len);
void jw_open_k(struct json_writer *w, const char *key, size_t key_len, char bracket);

#endif
