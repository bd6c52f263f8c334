/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Command line: parsing and validation of every option. */
#ifndef RSTSNOOP_CLI_H
#define RSTSNOOP_CLI_H

#include <stdbool.h>
#include <linux/types.h>
#include "record.h"

enum seed_method {
	SEED_AUTO, /* BPF iterator, /proc when the kernel refuses it */
	SEED_ITER,
	SEED_PROC,
	SEED_NONE,
};

struct rst_options {
	bool json;
	bool verbose;
	bool features; /* print the kernel facilities in use and exit */
	const char *user; /* --user: run the loop as this user, else NULL */
	__u32 pid;
	__u16 port;
	int family; /* 0, AF_INET or AF_INET6 */
	bool comm_set;
	char comm[RST_COMM_LEN];
	unsigned int duration_s; /* 0: until SIGINT/SIGTERM */
	unsigned int summary_s;	 /* 0: a line per record; else counts every N s */
	unsigned int ringbuf_kb;
	enum seed_method seed;
};

/*
 * Fills opts from argv.  Returns 0, or exits: 0 after --help/--version,
 * 2 (with one line on stderr) for invalid input.
 */
int cli_parse(int argc, char **argv, struct rst_options *opts);

/* Strict unsigned parse: digits only, no sign, no trailing junk. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

const char *seed_method_name(enum seed_method m);

#endif
