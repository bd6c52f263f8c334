// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

/* One fprintf per line: stderr is unbuffered, and a line written in three
 * pieces could interleave with libbpf's or another writer's. */
static void say(const char *fmt, va_list args)
{
	char line[8192]; /* a path or two and the words around them */
	int n = vsnprintf(line, sizeof(line), fmt, args);

	if (n < 0)
		return;
	fprintf(stderr, "rstsnoop: %s%s\n", line, (size_t)n >= sizeof(line) ? "..." : "");
}

void rst_err(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	say(fmt, args);
	va_end(args);
}

void rst_err_oom(void)
{
	rst_err("out of memory");
}

void rst_note(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	say(fmt, args);
	va_end(args);
}
