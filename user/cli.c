// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "cli.h"

#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef RSTSNOOP_VERSION
#define RSTSNOOP_VERSION "0.1.0"
#endif

const char *argp_program_version = "rstsnoop " RSTSNOOP_VERSION;

static const char doc[] =
	"Trace TCP resets and failed TCP handshakes, and name the process and "
	"socket each belongs to.\n"
	"\n"
	"EXAMPLES:\n"
	"  rstsnoop                  # every reset and failed handshake, as a table\n"
	"  rstsnoop --json           # JSON Lines, one record per line\n"
	"  rstsnoop -P 7211          # only connections with port 7211 at either end\n"
	"  rstsnoop -p 4242          # only sockets owned by PID 4242\n"
	"  rstsnoop -c curl -6       # only IPv6, only processes named curl\n"
	"  rstsnoop -d 10            # trace for 10 seconds\n"
	"  rstsnoop -s 5             # every 5 s: counts and rates per process and port\n"
	"  rstsnoop --features       # kernel facilities this host offers, then exit";

enum {
	OPT_JSON = 0x100,
	OPT_USER,
	OPT_RINGBUF_KB,
	OPT_SEED,
	OPT_FEATURES,
};

static const struct argp_option options[] = {
	{"json", OPT_JSON, NULL, 0, "JSON Lines output", 0},
	{"pid", 'p', "PID", 0, "Only sockets owned by this process", 0},
	{"comm", 'c', "NAME", 0, "Only sockets owned by processes with this name", 0},
	{"port", 'P', "PORT", 0, "Only connections with this port at either end", 0},
	{"ipv4", '4', NULL, 0, "Only IPv4", 0},
	{"ipv6", '6', NULL, 0, "Only IPv6", 0},
	{"duration", 'd', "SECS", 0, "Stop after SECS seconds", 0},
	{"summary", 's', "SECS", 0,
	 "Every SECS seconds, counts and rates per process, event and service port instead of a "
	 "line per record",
	 0},
	{"ringbuf-kb", OPT_RINGBUF_KB, "N", 0, "Ring buffer size in KiB, a power of 2 (default 2048)",
	 0},
	{"user", OPT_USER, "USER", 0,
	 "Once attached, trace as USER (name or uid) instead of root; capabilities are dropped "
	 "either way",
	 0},
	{"seed", OPT_SEED, "METHOD", 0,
	 "How to attribute sockets opened before start: auto (default), iter, proc, none", 0},
	{"features", OPT_FEATURES, NULL, 0, "Print the kernel facilities in use and exit",
	 0},
	{"verbose", 'v', NULL, 0, "Show libbpf messages", 0},
	{},
};

int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static error_t parse_number(struct argp_state *state, const char *what, const char *arg,
			    unsigned long long min, unsigned long long max,
			    unsigned long long *out)
{
	int err = parse_uint(arg, min, max, out);

	if (err == -ERANGE)
		argp_failure(state, 2, 0, "%s out of range (%llu..%llu): %s", what, min, max, arg);
	else if (err)
		argp_failure(state, 2, 0, "%s is not a number: %s", what, arg);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct rst_options *o = state->input;
	unsigned long long v;

	switch (key) {
	case OPT_JSON:
		o->json = true;
		break;
	case 'p':
		/* PID_MAX_LIMIT is 4194304 (include/linux/threads.h) */
		parse_number(state, "PID", arg, 1, 4194304, &v);
		o->pid = v;
		break;
	case 'P':
		parse_number(state, "port", arg, 1, 65535, &v);
		o->port = v;
		break;
	case 'c':
		if (!arg[0] || strlen(arg) >= RST_COMM_LEN)
			argp_failure(state, 2, 0,
				     "process name must be 1..%d bytes (the kernel's limit): %s",
				     RST_COMM_LEN - 1, arg);
		strncpy(o->comm, arg, RST_COMM_LEN - 1);
		o->comm_set = true;
		break;
	case '4':
	case '6':
		if (o->family)
			argp_failure(state, 2, 0, "-4 and -6 exclude each other");
		o->family = key == '4' ? AF_INET : AF_INET6;
		break;
	case 'd':
		parse_number(state, "duration", arg, 1, 31 * 24 * 3600, &v);
		o->duration_s = v;
		break;
	case 's':
		parse_number(state, "summary interval", arg, 1, 24 * 3600, &v);
		o->summary_s = v;
		break;
	case OPT_RINGBUF_KB:
		parse_number(state, "ring buffer size", arg, 4, 1024 * 1024, &v);
		if (v & (v - 1))
			argp_failure(state, 2, 0, "ring buffer size must be a power of 2 KiB: %s",
				     arg);
		o->ringbuf_kb = v;
		break;
	case OPT_USER:
		if (!arg[0])
			argp_failure(state, 2, 0, "--user needs a user name or uid");
		o->user = arg;
		break;
	case OPT_SEED:
		if (!strcmp(arg, "auto"))
			o->seed = SEED_AUTO;
		else if (!strcmp(arg, "iter"))
			o->seed = SEED_ITER;
		else if (!strcmp(arg, "proc"))
			o->seed = SEED_PROC;
		else if (!strcmp(arg, "none"))
			o->seed = SEED_NONE;
		else
			argp_failure(state, 2, 0, "unknown seed method (auto, iter, proc, none): %s",
				     arg);
		break;
	case OPT_FEATURES:
		o->features = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_failure(state, 2, 0, "unexpected argument: %s", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct rst_options *opts)
{
	static const struct argp argp = {options, parse_opt, NULL, doc, NULL, NULL, NULL};

	memset(opts, 0, sizeof(*opts));
	opts->ringbuf_kb = 2048;
	opts->seed = SEED_AUTO;
	/* argp's own usage errors exit 64: make every input error exit 2. */
	argp_err_exit_status = 2;
	return argp_parse(&argp, argc, argv, 0, NULL, opts);
}

const char *seed_method_name(enum seed_method m)
{
	switch (m) {
	case SEED_AUTO:
		return "auto";
	case SEED_ITER:
		return "bpf-iterator";
	case SEED_PROC:
		return "procfs";
	case SEED_NONE:
		return "none";
	}
	return "?";
}
