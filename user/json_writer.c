// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE /* fwrite_unlocked: the loader writes from one thread */
#include "json_writer.h"
#include "escape.h"

#include <stdio.h>
#include <string.h>

/* Room for n more bytes (n <= JW_BUFFER): what is there goes out first. */
static char *room(struct json_writer *w, size_t n)
{
	if (w->len + n > sizeof(w->buf)) {
		fwrite_unlocked(w->buf, 1, w->len, w->out);
		w->len = 0;
	}
	return w->buf + w->len;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	memcpy(room(w, n), s, n);
	w->len += n;
}

static void put_char(struct json_writer *w, char c)
{
	*room(w, 1) = c;
	w->len++;
}

/* The body of a string: as much as the buffer takes, then the rest. */
static void put_escaped(struct json_writer *w, const char *s, size_t len)
{
	size_t used;

	while (len) {
		room(w, 6); /* an escape's longest: json_escape_some() makes progress */
		w->len += json_escape_some(w->buf + w->len, sizeof(w->buf) - w->len, s, len, &used);
		s += used;
		len -= used;
	}
}

void jw_begin(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->len = 0;
	put_char(w, '{');
}

/* The comma before a field but the first, the key (ours: plain ASCII,
 * written as it is) and its colon. */
static void key(struct json_writer *w, const char *name, size_t n)
{
	bool comma = !w->first[w->depth];
	char *p;

	w->first[w->depth] = false;
	if (!name) { /* an array element */
		if (comma)
			put_char(w, ',');
		return;
	}
	p = room(w, n + 4);
	*p = ',';
	p += comma;
	p[0] = '"';
	memcpy(p + 1, name, n);
	p[n + 1] = '"';
	p[n + 2] = ':';
	w->len += comma + n + 3;
}

void jw_bytes_k(struct json_writer *w, const char *name, size_t name_len, const char *value,
		size_t len)
{
	key(w, name, name_len);
	put_char(w, '"');
	put_escaped(w, value, len);
	put_char(w, '"');
}

void jw_string_k(struct json_writer *w, const char *name, size_t name_len, const char *value)
{
	if (!value)
		jw_null_k(w, name, name_len);
	else
		jw_bytes_k(w, name, name_len, value, strlen(value));
}

void jw_uint_k(struct json_writer *w, const char *name, size_t name_len, unsigned long long value)
{
	char digits[20];
	int n = 0;

	key(w, name, name_len);
	do {
		digits[sizeof(digits) - ++n] = '0' + value % 10;
		value /= 10;
	} while (value);
	put(w, digits + sizeof(digits) - n, n);
}

void jw_bool_k(struct json_writer *w, const char *name, size_t name_len, bool value)
{
	key(w, name, name_len);
	if (value)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_decimal_k(struct json_writer *w, const char *name, size_t name_len, double value)
{
	char text[64];
	int n;

	key(w, name, name_len);
	n = snprintf(text, sizeof(text), "%.3f", value);
	put(w, text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : 0);
}

void jw_null_k(struct json_writer *w, const char *name, size_t name_len)
{
	key(w, name, name_len);
	put(w, "null", 4);
}

void jw_open_k(struct json_writer *w, const char *name, size_t name_len, char bracket)
{
	key(w, name, name_len);
	put_char(w, bracket);
	if (w->depth + 1 < JW_MAX_DEPTH) /* deeper would be a bug: stay valid JSON anyway */
		w->depth++;
	w->first[w->depth] = true;
}

static void close_nested(struct json_writer *w, char bracket)
{
	put_char(w, bracket);
	if (w->depth > 0)
		w->depth--;
}

void jw_close_object(struct json_writer *w)
{
	close_nested(w, '}');
}

void jw_close_array(struct json_writer *w)
{
	close_nested(w, ']');
}

void jw_end(struct json_writer *w)
{
	put(w, "}\n", 2);
	fwrite_unlocked(w->buf, 1, w->len, w->out);
	w->len = 0;
}
