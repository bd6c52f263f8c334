// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "json_writer.h"
#include "escape.h"

#include <string.h>

void jw_begin(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	fputc('{', out);
}

static void key(struct json_writer *w, const char *name)
{
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
	if (!name) /* an array element */
		return;
	fputc('"', w->out);
	json_escape(w->out, name, strlen(name));
	fputs("\":", w->out);
}

void jw_bytes(struct json_writer *w, const char *name, const char *value, size_t len)
{
	key(w, name);
	fputc('"', w->out);
	json_escape(w->out, value, len);
	fputc('"', w->out);
}

void jw_string(struct json_writer *w, const char *name, const char *value)
{
	if (!value)
		jw_null(w, name);
	else
		jw_bytes(w, name, value, strlen(value));
}

void jw_uint(struct json_writer *w, const char *name, unsigned long long value)
{
	key(w, name);
	fprintf(w->out, "%llu", value);
}

void jw_bool(struct json_writer *w, const char *name, bool value)
{
	key(w, name);
	fputs(value ? "true" : "false", w->out);
}

void jw_decimal(struct json_writer *w, const char *name, double value)
{
	key(w, name);
	fprintf(w->out, "%.3f", value);
}

void jw_null(struct json_writer *w, const char *name)
{
	key(w, name);
	fputs("null", w->out);
}

static void open_nested(struct json_writer *w, const char *name, char bracket)
{
	key(w, name);
	fputc(bracket, w->out);
	if (w->depth + 1 < JW_MAX_DEPTH) /* deeper would be a bug: stay valid JSON anyway */
		w->depth++;
	w->first[w->depth] = true;
}

static void close_nested(struct json_writer *w, char bracket)
{
	fputc(bracket, w->out);
	if (w->depth > 0)
		w->depth--;
}

void jw_open_object(struct json_writer *w, const char *name)
{
	open_nested(w, name, '{');
}

void jw_close_object(struct json_writer *w)
{
	close_nested(w, '}');
}

void jw_open_array(struct json_writer *w, const char *name)
{
	open_nested(w, name, '[');
}

void jw_close_array(struct json_writer *w)
{
	close_nested(w, ']');
}

void jw_end(struct json_writer *w)
{
	fputs("}\n", w->out);
}
