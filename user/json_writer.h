/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A minimal writer for one-line JSON objects (JSON Lines).  All string
 * escaping happens here, through json_escape().
 */
#ifndef RSTSNOOP_JSON_WRITER_H
#define RSTSNOOP_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JW_MAX_DEPTH 8

struct json_writer {
	FILE *out;
	int depth;		  /* 0: the line's object */
	bool first[JW_MAX_DEPTH]; /* nothing written yet at that depth */
};

void jw_begin(struct json_writer *w, FILE *out);
/* A string field; NULL writes null. */
void jw_string(struct json_writer *w, const char *key, const char *value);
/* A string field from raw bytes (up to len or the first NUL). */
void jw_bytes(struct json_writer *w, const char *key, const char *value, size_t len);
void jw_uint(struct json_writer *w, const char *key, unsigned long long value);
void jw_bool(struct json_writer *w, const char *key, bool value);
/* A number with three decimals (rates, intervals). */
void jw_decimal(struct json_writer *w, const char *key, double value);
void jw_null(struct json_writer *w, const char *key);
/* A nested object or array as the value of key (key NULL: an array
 * element); closed by jw_close_object / jw_close_array. */
void jw_open_object(struct json_writer *w, const char *key);
void jw_close_object(struct json_writer *w);
void jw_open_array(struct json_writer *w, const char *key);
void jw_close_array(struct json_writer *w);
/* Closes the object and ends the line. */
void jw_end(struct json_writer *w);

#endif
