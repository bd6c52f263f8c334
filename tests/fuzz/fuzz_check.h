/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the fuzz targets assert about rendered output, beyond "no crash":
 * the contracts README.md states.  A broken contract aborts, which
 * libFuzzer reports as a crash with the input that caused it.
 */
#ifndef RSTSNOOP_FUZZ_CHECK_H
#define RSTSNOOP_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REQUIRE(cond, what)                                                        \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz contract broken: %s (%s:%d)\n", what, __FILE__, \
				__LINE__);                                              \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* A minimal strict JSON validator (RFC 8259) over one line. */
struct json_cursor {
	const unsigned char *p, *end;
};

static bool json_value(struct json_cursor *c, int depth);

static void json_ws(struct json_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static bool json_lit(struct json_cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n))
		return false;
	c->p += n;
	return true;
}

static bool json_string(struct json_cursor *c)
{
	if (c->p >= c->end || *c->p++ != '"')
		return false;
	while (c->p < c->end) {
		unsigned char ch = *c->p++;

		if (ch == '"')
			return true;
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			if (c->p >= c->end)
				return false;
			ch = *c->p++;
			if (ch == 'u') {
				for (int i = 0; i < 4; i++, c->p++)
					if (c->p >= c->end || !strchr("0123456789abcdefABCDEF", *c->p) ||
					    !*c->p)
						return false;
			} else if (!strchr("\"\\/bfnrt", ch) || !ch) {
				return false;
			}
		} else if (ch >= 0x80) {
			/* UTF-8: lead byte and the right number of continuation bytes */
			int more = ch >= 0xf0 ? 3 : ch >= 0xe0 ? 2 : ch >= 0xc2 ? 1 : -1;

			if (more < 0 || ch > 0xf4)
				return false;
			for (int i = 0; i < more; i++)
				if (c->p >= c->end || (*c->p++ & 0xc0) != 0x80)
					return false;
		}
	}
	return false;
}

static bool json_number(struct json_cursor *c)
{
	const unsigned char *start = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	while (c->p < c->end && strchr("0123456789.eE+-", *c->p) && *c->p)
		c->p++;
	return c->p > start && c->p[-1] >= '0' && c->p[-1] <= '9';
}

static bool json_container(struct json_cursor *c, int depth, char close, bool keys)
{
	c->p++;
	json_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		json_ws(c);
		if (keys) {
			if (!json_string(c))
				return false;
			json_ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return false;
		}
		if (!json_value(c, depth + 1))
			return false;
		json_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			return true;
		}
		if (*c->p++ != ',')
			return false;
	}
}

static bool json_value(struct json_cursor *c, int depth)
{
	json_ws(c);
	if (c->p >= c->end || depth > 16)
		return false;
	switch (*c->p) {
	case '{':
		return json_container(c, depth, '}', true);
	case '[':
		return json_container(c, depth, ']', false);
	case '"':
		return json_string(c);
	case 't':
		return json_lit(c, "true");
	case 'f':
		return json_lit(c, "false");
	case 'n':
		return json_lit(c, "null");
	default:
		return json_number(c);
	}
}

/* Every line of buf (len bytes, ending in '\n') is one JSON object. */
static inline void require_json_lines(const char *buf, size_t len)
{
	const char *line = buf, *nl;

	FUZZ_REQUIRE(len && buf[len - 1] == '\n', "JSON output ends with a newline");
	while (line < buf + len) {
		struct json_cursor c;

		nl = memchr(line, '\n', buf + len - line);
		c = (struct json_cursor){(const unsigned char *)line, (const unsigned char *)nl};
		FUZZ_REQUIRE(c.p < c.end && *c.p == '{', "JSON line is an object");
		FUZZ_REQUIRE(json_value(&c, 0) && c.p == c.end, "JSON line is valid JSON");
		line = nl + 1;
	}
}

/* Text output: printable ASCII and line ends only (terminal-safe). */
static inline void require_terminal_safe(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		FUZZ_REQUIRE(buf[i] == '\n' || (buf[i] >= 0x20 && buf[i] < 0x7f),
			     "text output is printable ASCII");
}

#endif
