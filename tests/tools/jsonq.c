// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * jsonq: answers the tests' questions about rstsnoop --json output, by field
 * name, never by field order.  A static C program because the kernel-matrix
 * VMs have busybox and no python; the host tests use the same binary.
 *
 *   jsonq FILE count [KEY=VALUE ...]        number of matching records
 *   jsonq FILE values FIELD [KEY=VALUE ...] FIELD of each match, one per line
 *   jsonq FILE valid                        exit 0 when every line is an object
 *
 * VALUE 'null', 'true', 'false' match those literals, numbers their literal
 * text, strings their decoded bytes, objects and arrays their text.  A KEY
 * or FIELD may be a path into nested values: "a.b" (key b of object a),
 * "a.0.b" (key b of the first element of array a).  A missing key never matches.  Every
 * command first checks that the whole file is JSON Lines (RFC 8259 values,
 * strings valid UTF-8); otherwise one line on stderr and exit 1.  Bad usage:
 * exit 2.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64
#define MAX_DEPTH 32

struct text {
	char *s;
	size_t len;
};

struct field {
	struct text key, value;
};

struct parser {
	const char *p, *end;
	const char *err;
	int depth;
	/* decoded strings go here; enough room since decoding never grows */
	char *buf;
	size_t used;
};

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && strchr(" \t\r\n", *ps->p) && *ps->p)
		ps->p++;
}

static bool fail(struct parser *ps, const char *why)
{
	if (!ps->err)
		ps->err = why;
	return false;
}

static void put_utf8(struct parser *ps, unsigned long cp)
{
	char *o = ps->buf + ps->used;

	if (cp < 0x80) {
		o[0] = cp;
		ps->used += 1;
	} else if (cp < 0x800) {
		o[0] = 0xc0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3f);
		ps->used += 2;
	} else if (cp < 0x10000) {
		o[0] = 0xe0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		ps->used += 3;
	} else {
		o[0] = 0xf0 | (cp >> 18);
		o[1] = 0x80 | ((cp >> 12) & 0x3f);
		o[2] = 0x80 | ((cp >> 6) & 0x3f);
		o[3] = 0x80 | (cp & 0x3f);
		ps->used += 4;
	}
}

static bool hex4(struct parser *ps, unsigned long *out)
{
	*out = 0;
	if (ps->end - ps->p < 4)
		return fail(ps, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;
		int v = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			return fail(ps, "bad \\u escape");
		*out = *out << 4 | v;
	}
	return true;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n = *p < 0x80 ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3
		   : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;

	if (!n || (size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && *p == 0xe0 && p[1] < 0xa0) || (n == 3 && *p == 0xed && p[1] > 0x9f) ||
	    (n == 4 && *p == 0xf0 && p[1] < 0x90) || (n == 4 && *p == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

static bool parse_string(struct parser *ps, struct text *out)
{
	out->s = ps->buf + ps->used;
	ps->p++; /* opening quote */
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = *ps->p;
		unsigned long cp, lo;
		size_t n;

		if (c < 0x20)
			return fail(ps, "control character in a string");
		if (c != '\\') {
			n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
			if (!n)
				return fail(ps, "string is not valid UTF-8");
			memcpy(ps->buf + ps->used, ps->p, n);
			ps->used += n;
			ps->p += n;
			continue;
		}
		if (++ps->p >= ps->end)
			return fail(ps, "unterminated escape");
		c = *ps->p++;
		switch (c) {
		case '"': case '\\': case '/':
			ps->buf[ps->used++] = c;
			break;
		case 'b': ps->buf[ps->used++] = '\b'; break;
		case 'f': ps->buf[ps->used++] = '\f'; break;
		case 'n': ps->buf[ps->used++] = '\n'; break;
		case 'r': ps->buf[ps->used++] = '\r'; break;
		case 't': ps->buf[ps->used++] = '\t'; break;
		case 'u':
			if (!hex4(ps, &cp))
				return false;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
					return fail(ps, "lone surrogate");
				ps->p += 2;
				if (!hex4(ps, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return fail(ps, "bad surrogate pair");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(ps, "lone surrogate");
			}
			put_utf8(ps, cp);
			break;
		default:
			return fail(ps, "unknown escape");
		}
	}
	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	ps->p++;
	out->len = ps->buf + ps->used - out->s;
	return true;
}

static bool parse_number(struct parser *ps)
{
	const char *p = ps->p;

	if (p < ps->end && *p == '-')
		p++;
	if (p < ps->end && *p == '0')
		p++;
	else if (p < ps->end && *p >= '1' && *p <= '9')
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	else
		return fail(ps, "bad number");
	if (p < ps->end && *p == '.') {
		if (++p >= ps->end || *p < '0' || *p > '9')
			return fail(ps, "bad number");
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || *p < '0' || *p > '9')
			return fail(ps, "bad number");
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	ps->p = p;
	return true;
}

static bool parse_value(struct parser *ps, struct text *out);

/* An object or array; fields (top level only) collects the object's pairs. */
static bool parse_container(struct parser *ps, struct field *fields, int *nfields)
{
	char close = *ps->p == '{' ? '}' : ']';
	bool first = true;
	struct text key, value;

	if (++ps->depth > MAX_DEPTH)
		return fail(ps, "nested too deep");
	ps->p++;
	for (;;) {
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == close && first)
			break;
		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a key");
			if (!parse_string(ps, &key))
				return false;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p++ != ':')
				return fail(ps, "expected ':'");
		}
		if (!parse_value(ps, &value))
			return false;
		if (fields) { /* an array's elements have no key */
			if (*nfields == MAX_FIELDS)
				return fail(ps, "too many fields");
			fields[(*nfields)++] =
				(struct field){close == '}' ? key : (struct text){NULL, 0}, value};
		}
		first = false;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close)
			break;
		return fail(ps, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	ps->p++;
	ps->depth--;
	return true;
}

/* out: a string's decoded bytes, else the value's literal text. */
static bool parse_value(struct parser *ps, struct text *out)
{
	const char *start;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "expected a value");
	start = ps->p;
	if (*ps->p == '"')
		return parse_string(ps, out);
	if (*ps->p == '{' || *ps->p == '[') {
		if (!parse_container(ps, NULL, NULL))
			return false;
	} else if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
		if (!parse_number(ps))
			return false;
	} else {
		static const char *const words[] = {"true", "false", "null"};
		size_t i, n = 0;

		for (i = 0; i < 3; i++) {
			n = strlen(words[i]);
			if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, words[i], n))
				break;
		}
		if (i == 3)
			return fail(ps, "unexpected character");
		ps->p += n;
	}
	out->s = (char *)start;
	out->len = ps->p - start;
	return true;
}

struct record {
	struct field fields[MAX_FIELDS];
	int n;
};

/* The last pair with this key, as JSON parsers commonly keep. */
static const struct text *lookup(const struct record *r, const char *key, size_t klen)
{
	for (int i = r->n - 1; i >= 0; i--)
		if (r->fields[i].key.len == klen && !memcmp(r->fields[i].key.s, key, klen))
			return &r->fields[i].value;
	return NULL;
}

/* Decoded strings of nested values, freed once the line is answered. */
struct arena {
	char *buf[MAX_DEPTH];
	int n;
};

static void arena_free(struct arena *a)
{
	while (a->n)
		free(a->buf[--a->n]);
}

/*
 * The value at path (klen bytes: keys and array indexes joined by '.')
 * in r; NULL when absent.  A nested object or array is parsed again from
 * its text (it was validated with the line).
 */
static const struct text *lookup_path(const struct record *r, const char *path, size_t klen,
				      struct arena *a, struct text *room)
{
	const char *dot = memchr(path, '.', klen);
	const struct text *v = lookup(r, path, dot ? (size_t)(dot - path) : klen);

	while (v && dot) {
		static struct record inner;
		const char *part = dot + 1;
		size_t rest = klen - (part - path), plen;
		struct parser ps;
		char *end;

		if (a->n == MAX_DEPTH || (v->len == 0 || (v->s[0] != '{' && v->s[0] != '[')))
			return NULL;
		ps = (struct parser){v->s, v->s + v->len, NULL, 0, malloc(v->len + 1), 0};
		if (!ps.buf)
			return NULL;
		a->buf[a->n++] = ps.buf;
		inner.n = 0;
		if (!parse_container(&ps, inner.fields, &inner.n))
			return NULL;
		dot = memchr(part, '.', rest);
		plen = dot ? (size_t)(dot - part) : rest;
		if (v->s[0] == '{') {
			v = lookup(&inner, part, plen);
		} else {
			unsigned long i = strtoul(part, &end, 10);

			if (end != part + plen || i >= (unsigned long)inner.n)
				return NULL;
			v = &inner.fields[i].value;
		}
		if (v) {
			*room = *v;
			v = room;
		}
		path = part;
		klen = rest;
	}
	return v;
}

static bool matches(const struct record *r, char **conds, int n)
{
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(conds[i], '=');
		struct arena a = {.n = 0};
		struct text room;
		const struct text *v = lookup_path(r, conds[i], eq - conds[i], &a, &room);
		bool same = v && v->len == strlen(eq + 1) && !memcmp(v->s, eq + 1, v->len);

		arena_free(&a);
		if (!same)
			return false;
	}
	return true;
}

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: jsonq FILE count [KEY=VALUE ...] | FILE values FIELD [KEY=VALUE ...] | "
	      "FILE valid\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	char *line = NULL, **conds;
	size_t cap = 0, lineno = 0, count = 0;
	ssize_t len;
	bool values = false;
	int nconds, status = 0;
	FILE *f;

	if (argc < 3)
		usage();
	if (!strcmp(argv[2], "values") && argc >= 4)
		conds = argv + 4, nconds = argc - 4, values = true;
	else if (!strcmp(argv[2], "count") || (!strcmp(argv[2], "valid") && argc == 3))
		conds = argv + 3, nconds = argc - 3;
	else
		usage();
	for (int i = 0; i < nconds; i++)
		if (!strchr(conds[i], '=') || conds[i][0] == '=')
			usage();
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "jsonq: cannot open %s: %m\n", argv[1]);
		return 1;
	}
	/* Validate everything before answering: an answer about half a file
	 * would let a broken record pass unnoticed. */
	for (int pass = 0; pass < 2; pass++) {
		rewind(f);
		lineno = 0;
		while ((len = getline(&line, &cap, f)) >= 0) {
			struct record r = {.n = 0};
			struct parser ps = {line, line + len, NULL, 0, malloc(len + 1), 0};
			const struct text *v;

			lineno++;
			if (!ps.buf) {
				fputs("jsonq: out of memory\n", stderr);
				status = 1;
				goto out;
			}
			skip_ws(&ps);
			if (ps.p >= ps.end || *ps.p != '{')
				fail(&ps, "not an object");
			else if (parse_container(&ps, r.fields, &r.n))
				skip_ws(&ps);
			if (!ps.err && ps.p != ps.end)
				fail(&ps, "text after the object");
			if (ps.err) {
				fprintf(stderr, "jsonq: %s line %zu is not valid JSON: %s\n", argv[1],
					lineno, ps.err);
				free(ps.buf);
				status = 1;
				goto out;
			}
			if (pass == 1 && matches(&r, conds, nconds)) {
				count++;
				if (values) {
					struct arena a = {.n = 0};
					struct text room;

					v = lookup_path(&r, argv[3], strlen(argv[3]), &a, &room);
					if (v)
						fwrite(v->s, 1, v->len, stdout);
					else
						fputs("null", stdout);
					putchar('\n');
					arena_free(&a);
				}
			}
			free(ps.buf);
		}
		if (!strcmp(argv[2], "valid"))
			goto out;
	}
	if (!strcmp(argv[2], "count"))
		printf("%zu\n", count);
	status = fflush(stdout) ? 1 : 0;
out:
	free(line);
	fclose(f);
	return status;
}
