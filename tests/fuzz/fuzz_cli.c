// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Command-line parsing over any argument vector: the input is split at
 * NUL bytes into arguments after "rstsnoop".  Contracts: the parser never
 * exits; bad input gives one non-empty line; accepted options are within
 * the ranges --help states.
 */
#include <stdint.h>
#include "cli.h"
#include "fuzz_check.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2], err[256], *help = NULL;
	struct rst_options o;
	enum cli_status st;
	size_t help_len = 0;
	int argc = 1;
	FILE *out;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = "rstsnoop";
	for (char *p = copy; p <= copy + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	out = open_memstream(&help, &help_len);
	if (!out) {
		free(copy);
		return 0;
	}
	st = cli_parse(argc, argv, &o, out, err, sizeof(err));
	fclose(out);
	switch (st) {
	case CLI_BAD_INPUT:
		FUZZ_REQUIRE(err[0] && !strchr(err, '\n'), "bad input: one non-empty line");
		break;
	case CLI_EXIT:
		FUZZ_REQUIRE(help_len > 0, "--help or --version printed something");
		break;
	case CLI_RUN:
		FUZZ_REQUIRE(o.pid <= 4194304 && o.duration_s <= 31 * 24 * 3600 &&
				     o.summary_s <= 24 * 3600,
			     "numbers within their ranges");
		FUZZ_REQUIRE(o.ringbuf_kb >= 4 && o.ringbuf_kb <= 1024 * 1024 &&
				     !(o.ringbuf_kb & (o.ringbuf_kb - 1)),
			     "ring buffer a power of 2 KiB");
		FUZZ_REQUIRE(memchr(o.comm, '\0', sizeof(o.comm)), "comm NUL-terminated");
		FUZZ_REQUIRE(!o.user || o.user[0], "--user not empty");
		break;
	default:
		FUZZ_REQUIRE(0, "a known status");
	}
	free(help);
	free(copy);
	return 0;
}
