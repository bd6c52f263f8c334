// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "cli.h"
#include "pcapng.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef RSTSNOOP_VERSION
#define RSTSNOOP_VERSION "0.1.0"
#endif

static const char summary_line[] =
	"Trace TCP resets and failed TCP handshakes, and name the process and socket\n"
	"each belongs to.";

static const char examples[] =
	"EXAMPLES:\n"
	"  rstsnoop                  # every reset and failed handshake, as a table\n"
	"  rstsnoop --json           # JSON Lines, one record per line\n"
	"  rstsnoop -P 7211          # only connections with port 7211 at either end\n"
	"  rstsnoop --rport 80,443 --event handshake_failed\n"
	"                            # failed connects to ports 80 and 443\n"
	"  rstsnoop --netns blue --cgroup /system.slice/cron.service\n"
	"                            # cron's jobs, in the namespace `ip netns` calls blue\n"
	"  rstsnoop -p 4242          # only sockets owned by PID 4242\n"
	"  rstsnoop -c curl -6       # only IPv6, only processes named curl\n"
	"  rstsnoop -d 10            # trace for 10 seconds\n"
	"  rstsnoop -s 5 --top 10    # every 5 s: the 10 busiest programs, with the\n"
	"                            # kernel's counters next to rstsnoop's counts\n"
	"  rstsnoop --features       # kernel facilities this host offers, then exit\n"
	"  rstsnoop -q --metrics-listen 127.0.0.1:9947   # Prometheus metrics only\n"
	"  rstsnoop -q --metrics-file /var/lib/prometheus/node-exporter/rstsnoop.prom\n";

enum {
	OPT_JSON = 0x100,
	OPT_USER,
	OPT_RINGBUF_KB,
	OPT_SEED,
	OPT_FEATURES,
	OPT_NO_TTL,
	OPT_PROGRAMS,
	OPT_METRICS_FILE,
	OPT_METRICS_LISTEN,
	OPT_METRICS_INTERVAL,
	OPT_METRICS_MAX_SERIES,
	OPT_READY_FILE,
	OPT_LPORT,
	OPT_RPORT,
	OPT_UID,
	OPT_NETNS,
	OPT_CGROUP,
	OPT_EVENT,
	OPT_TOP,
	OPT_PROBE,
	OPT_OUTPUT,
	OPT_PCAP,
	OPT_PCAP_MAX_BYTES,
	OPT_HOST_ROOT,
};

/* One table drives getopt and --help, so they cannot disagree. */
struct cli_option {
	const char *name;
	int key; /* a short option when below 0x100 */
	const char *arg;
	const char *help; /* '\n' continues on the next line */
};

static const struct cli_option cli_options[] = {
	{"json", OPT_JSON, NULL, "JSON Lines output"},
	{"pid", 'p', "PID", "Only sockets owned by this process"},
	{"comm", 'c', "NAME",
	 "Only sockets owned by processes with this name, or\nwhose acting thread has it"},
	{"uid", OPT_UID, "UID", "Only sockets owned by processes of this user"},
	{"port", 'P', "PORTS", "Only connections with one of these ports (80,443)\nat either end"},
	{"lport", OPT_LPORT, "PORTS", "Only connections with one of these ports at this\nhost's end"},
	{"rport", OPT_RPORT, "PORTS", "Only connections with one of these ports at the\npeer's end"},
	{"event", OPT_EVENT, "EVENTS",
	 "Only these events: reset_sent, reset_received,\nhandshake_failed, reset_ignored, listen_drop,\n"
	 "timed_out, reset_race (comma-separated)"},
	{"netns", OPT_NETNS, "NS",
	 "Only this network namespace: its inode, or a name\nfrom /run/netns"},
	{"cgroup", OPT_CGROUP, "PATH",
	 "Only processes in this cgroup v2 subtree (a path as\n/proc/PID/cgroup shows it, or under the mount)"},
	{"ipv4", '4', NULL, "Only IPv4"},
	{"ipv6", '6', NULL, "Only IPv6"},
	{"duration", 'd', "SECS", "Stop after SECS seconds"},
	{"summary", 's', "SECS",
	 "Every SECS seconds, counts and rates per process, event\n"
	 "and service port instead of a line per record"},
	{"top", OPT_TOP, "N", "With --summary: only the N largest groups"},
	{"ringbuf-kb", OPT_RINGBUF_KB, "N", "Ring buffer size in KiB, a power of 2 (default 2048)"},
	{"user", OPT_USER, "USER",
	 "Once attached, trace as USER (name or uid) instead of\nroot; capabilities are dropped either way"},
	{"seed", OPT_SEED, "METHOD",
	 "How to attribute sockets opened before start:\nauto (default), iter, proc, none"},
	{"no-ttl", OPT_NO_TTL, NULL,
	 "Do not read received packets: no TTL, hops or ICMP\nsender, so no peer/middlebox verdict (saves the\nper-packet cost)"},
	{"probe", OPT_PROBE, NULL,
	 "Send one ICMP echo request to a peer whose RST has no\nbaseline (once per address, at most 10 a second,\nfrom this namespace), for the verdicts after it"},
	{"features", OPT_FEATURES, NULL, "Print the kernel facilities in use and exit"},
	{"programs", OPT_PROGRAMS, "KIND",
	 "Kernel programs: auto (default: BTF-typed where the\nkernel takes them, else classic), btf, classic"},
	{"metrics-file", OPT_METRICS_FILE, "PATH",
	 "Write Prometheus metrics to PATH every interval\n(atomically: temporary file and rename, mode 0644)"},
	{"metrics-listen", OPT_METRICS_LISTEN, "ADDR:PORT",
	 "Serve Prometheus metrics over HTTP at /metrics;\nPORT alone listens on 127.0.0.1"},
	{"metrics-interval", OPT_METRICS_INTERVAL, "SECS",
	 "Publish metrics every SECS seconds (default 15)"},
	{"metrics-max-series", OPT_METRICS_MAX_SERIES, "N",
	 "At most N label sets of rstsnoop_events_total;\nmore records go to an overflow series (default 1000)"},
	{"quiet", 'q', NULL, "No records on stdout (with a metrics option)"},
	{"output", OPT_OUTPUT, "FILE",
	 "Append the records (table, JSON or summary) to FILE\n(made mode 0640) instead of stdout; SIGHUP opens\nFILE again (for logrotate: rename, then SIGHUP)"},
	{"pcap", OPT_PCAP, "FILE",
	 "Also write each RST and ICMP error reported as a\npacket to FILE (pcapng, for tcpdump and Wireshark),\n"
	 "built from the record's facts, with a comment naming\nthe process, the event and the verdict"},
	{"pcap-max-bytes", OPT_PCAP_MAX_BYTES, "N",
	 "Stop writing --pcap at N bytes, counting the packets\nleft out (default 64 MiB)"},
	{"host-root", OPT_HOST_ROOT, "DIR",
	 "Read the container runtimes' files (pod and container\nnames) under DIR instead of / (in a container: where\nthe host's / is mounted)"},
	{"ready-file", OPT_READY_FILE, "PATH",
	 "Once tracing has started, create PATH holding this\nprocess's PID; removed at exit. Remove PATH before\nstarting, then wait for it and check the PID"},
	{"verbose", 'v', NULL, "Also show libbpf's debug messages"},
	{"help", 'h', NULL, "Show this help"},
	{"version", 'V', NULL, "Print the version"},
};

#define N_OPTIONS (sizeof(cli_options) / sizeof(cli_options[0]))
#define HELP_COLUMN 30

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

int parse_listen_address(const char *s, struct sockaddr_storage *out)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	char host[INET6_ADDRSTRLEN + 2];
	size_t host_len;

	memset(out, 0, sizeof(*out));
	if (!colon) { /* a port alone: loopback, never every address by default */
		colon = s - 1;
		snprintf(host, sizeof(host), "127.0.0.1");
	} else {
		host_len = colon - s;
		if (host_len >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, host_len);
		host[host_len] = '\0';
	}
	if (parse_uint(colon + 1, 1, 65535, &port))
		return -EINVAL;
	host_len = strlen(host);
	if (host[0] == '[' && host_len > 2 && host[host_len - 1] == ']') {
		host[host_len - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -EINVAL;
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	return 0;
}

struct cli_error {
	char *buf;
	size_t size;
};

/*
 * The message quotes the offending argument: its control bytes (a newline,
 * a terminal escape) become \xNN, so the message stays one line (found by
 * fuzzing).  Spaces and UTF-8 stay: it is the user's own argument.
 */
static enum cli_status bad_input(struct cli_error *e, const char *fmt, ...)
{
	char raw[512];
	size_t n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	for (const unsigned char *c = (const unsigned char *)raw; *c && n + 5 <= e->size; c++)
		n += *c < 0x20 || *c == 0x7f ? (size_t)snprintf(e->buf + n, 5, "\\x%02x", *c)
					     : (e->buf[n] = *c, 1);
	if (e->size)
		e->buf[n < e->size ? n : e->size - 1] = '\0';
	return CLI_BAD_INPUT;
}

static enum cli_status parse_number(struct cli_error *e, const char *what, const char *arg,
				    unsigned long long min, unsigned long long max,
				    unsigned long long *out)
{
	int err = parse_uint(arg, min, max, out);

	if (err == -ERANGE)
		return bad_input(e, "%s out of range (%llu..%llu): %s", what, min, max, arg);
	if (err)
		return bad_input(e, "%s is not a number: %s", what, arg);
	return CLI_RUN;
}

static void print_help(FILE *out)
{
	fprintf(out, "Usage: rstsnoop [OPTION...]\n%s\n\n", summary_line);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct cli_option *opt = &cli_options[i];
		const char *help = opt->help;
		int n;

		if (opt->key < 0x100)
			n = fprintf(out, "  -%c, --%s", opt->key, opt->name);
		else
			n = fprintf(out, "      --%s", opt->name);
		if (opt->arg)
			n += fprintf(out, "=%s", opt->arg);
		do {
			size_t len = strcspn(help, "\n");

			fprintf(out, "%*s%.*s\n", n < HELP_COLUMN ? HELP_COLUMN - n : 1, "", (int)len,
				help);
			help += len + (help[len] == '\n');
			n = 0;
		} while (*help);
	}
	fprintf(out, "\n%s", examples);
}

/* Applies one option; CLI_EXIT after --help or --version. */
static enum cli_status apply(struct rst_options *o, int key, const char *arg, FILE *out,
			     struct cli_error *e)
{
	unsigned long long v;
	enum cli_status st = CLI_RUN;

	switch (key) {
	case OPT_JSON:
		o->json = true;
		break;
	case 'p':
		/* PID_MAX_LIMIT is 4194304 (include/linux/threads.h) */
		st = parse_number(e, "PID", arg, 1, 4194304, &v);
		o->pid = v;
		break;
	case 'P':
	case OPT_LPORT:
	case OPT_RPORT:
		switch (port_list_parse(arg, key == 'P' ? &o->ports : key == OPT_LPORT ? &o->lports :
							     &o->rports)) {
		case 0:
			break;
		case -E2BIG:
			return bad_input(e, "at most %d ports per port filter: %s", RST_MAX_PORTS, arg);
		case -ERANGE:
			return bad_input(e, "port out of range (1..65535): %s", arg);
		default:
			return bad_input(e, "port is not a number (give ports comma-separated): %s", arg);
		}
		break;
	case OPT_UID:
		st = parse_number(e, "UID", arg, 0, 4294967294ULL, &v);
		o->uid = v;
		o->uid_set = true;
		break;
	case OPT_EVENT:
		if (event_mask_parse(arg, &o->events))
			return bad_input(e, "unknown event (%s): %s", event_words, arg);
		break;
	case OPT_NETNS:
		switch (netns_parse(arg, &o->netns)) {
		case 0:
			break;
		case -ENOENT:
			return bad_input(e, "no network namespace named %s in /run/netns", arg);
		default:
			return bad_input(e, "network namespace must be an inode or a name: %s", arg);
		}
		break;
	case OPT_CGROUP:
		if (arg[0] != '/')
			return bad_input(e, "cgroup must be an absolute path: %s", arg);
		o->cgroup = arg;
		break;
	case OPT_TOP:
		st = parse_number(e, "--top", arg, 1, 1000000, &v);
		o->top = v;
		break;
	case 'c':
		if (!arg[0] || strlen(arg) >= RST_COMM_LEN)
			return bad_input(e, "process name must be 1..%d bytes (the kernel's limit): %s",
					 RST_COMM_LEN - 1, arg);
		strncpy(o->comm, arg, RST_COMM_LEN - 1);
		o->comm_set = true;
		break;
	case '4':
	case '6':
		if (o->family)
			return bad_input(e, "-4 and -6 exclude each other");
		o->family = key == '4' ? AF_INET : AF_INET6;
		break;
	case 'd':
		st = parse_number(e, "duration", arg, 1, 31 * 24 * 3600, &v);
		o->duration_s = v;
		break;
	case 's':
		st = parse_number(e, "summary interval", arg, 1, 24 * 3600, &v);
		o->summary_s = v;
		break;
	case OPT_RINGBUF_KB:
		st = parse_number(e, "ring buffer size", arg, 4, 1024 * 1024, &v);
		if (st == CLI_RUN && (v & (v - 1)))
			return bad_input(e, "ring buffer size must be a power of 2 KiB: %s", arg);
		o->ringbuf_kb = v;
		break;
	case OPT_USER:
		if (!arg[0])
			return bad_input(e, "--user needs a user name or uid");
		o->user = arg;
		break;
	case OPT_SEED:
		if (seed_method_parse(arg, &o->seed))
			return bad_input(e, "unknown seed method (auto, iter, proc, none): %s", arg);
		break;
	case OPT_FEATURES:
		o->features = true;
		break;
	case OPT_NO_TTL:
		o->no_ttl = true;
		break;
	case OPT_PROBE:
		o->probe = true;
		break;
	case OPT_PROGRAMS:
		if (!strcmp(arg, "auto"))
			o->programs = PROGRAMS_AUTO;
		else if (!strcmp(arg, "btf"))
			o->programs = PROGRAMS_BTF;
		else if (!strcmp(arg, "classic"))
			o->programs = PROGRAMS_CLASSIC;
		else
			return bad_input(e, "unknown program kind (auto, btf, classic): %s", arg);
		break;
	case OPT_METRICS_FILE:
		if (!arg[0])
			return bad_input(e, "metrics file name is empty");
		o->metrics_file = arg;
		break;
	case OPT_METRICS_LISTEN:
		if (parse_listen_address(arg, &o->metrics_listen))
			return bad_input(e, "listen address is not PORT, ADDR:PORT or [IPV6]:PORT "
					    "with a numeric address: %s", arg);
		o->metrics_listen_set = true;
		snprintf(o->metrics_listen_text, sizeof(o->metrics_listen_text), "%s", arg);
		break;
	case OPT_METRICS_INTERVAL:
		st = parse_number(e, "metrics interval", arg, 1, 24 * 3600, &v);
		o->metrics_interval_s = v;
		break;
	case OPT_METRICS_MAX_SERIES:
		st = parse_number(e, "metrics series cap", arg, 1, 1000000, &v);
		o->metrics_max_series = v;
		break;
	case 'q':
		o->quiet = true;
		break;
	case OPT_OUTPUT:
		if (!arg[0] || arg[strlen(arg) - 1] == '/')
			return bad_input(e, "--output needs a file name, not a directory: %s", arg);
		o->output = arg;
		break;
	case OPT_PCAP:
		if (!arg[0])
			return bad_input(e, "--pcap needs a file name");
		o->pcap = arg;
		break;
	case OPT_PCAP_MAX_BYTES:
		st = parse_number(e, "--pcap-max-bytes", arg, PCAP_MIN_MAX_BYTES, 1ULL << 50, &v);
		o->pcap_max_bytes = v;
		break;
	case OPT_HOST_ROOT:
		if (arg[0] != '/')
			return bad_input(e, "--host-root must be an absolute path: %s", arg);
		o->host_root = arg;
		break;
	case OPT_READY_FILE:
		if (!arg[0])
			return bad_input(e, "--ready-file needs a path");
		o->ready_file = arg;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'h':
		print_help(out);
		return CLI_EXIT;
	case 'V':
		fprintf(out, "rstsnoop %s\n", RSTSNOOP_VERSION);
		return CLI_EXIT;
	}
	return st;
}

/* Options that make no sense together, or alone. */
static enum cli_status check_combinations(struct rst_options *o, struct cli_error *e)
{
	bool metrics = o->metrics_file || o->metrics_listen_set;

	if (o->quiet && !metrics)
		return bad_input(e, "--quiet without --metrics-file or --metrics-listen "
				    "would output nothing");
	if (o->quiet && o->output)
		return bad_input(e, "--quiet and --output exclude each other");
	if (o->quiet && o->summary_s)
		return bad_input(e, "--quiet and --summary exclude each other");
	if (o->probe && o->no_ttl)
		return bad_input(e, "--probe needs the packets --no-ttl turns off: the echo "
				    "reply is read there");
	if (!metrics && (o->metrics_interval_s || o->metrics_max_series))
		return bad_input(e, "--metrics-interval and --metrics-max-series need "
				    "--metrics-file or --metrics-listen");
	if (o->pcap_max_bytes && !o->pcap)
		return bad_input(e, "--pcap-max-bytes needs --pcap");
	if (!o->pcap_max_bytes)
		o->pcap_max_bytes = PCAP_DEFAULT_MAX_BYTES;
	if (!o->metrics_interval_s)
		o->metrics_interval_s = METRICS_DEFAULT_INTERVAL_S;
	if (!o->metrics_max_series)
		o->metrics_max_series = METRICS_DEFAULT_MAX_SERIES;
	return CLI_RUN;
}

enum cli_status cli_parse(int argc, char **argv, struct rst_options *opts, FILE *out,
			  char *err, size_t err_size)
{
	struct option longopts[N_OPTIONS + 1] = {0};
	char shortopts[2 * N_OPTIONS + 2] = ":"; /* ':': a missing value is told apart */
	struct cli_error e = {err, err_size};
	enum cli_status st = CLI_RUN;
	size_t n = 1;
	int key;

	memset(opts, 0, sizeof(*opts));
	opts->ringbuf_kb = 2048;
	opts->seed = SEED_AUTO;
	opts->host_root = "/";
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct cli_option *opt = &cli_options[i];

		longopts[i] = (struct option){opt->name, opt->arg ? required_argument : no_argument,
					      NULL, opt->key};
		if (opt->key < 0x100) {
			shortopts[n++] = opt->key;
			if (opt->arg)
				shortopts[n++] = ':';
		}
	}
	shortopts[n] = '\0';
	/* getopt prints nothing itself; 0 restarts its scan for every call. */
	opterr = 0;
	optind = 0;
	while (st == CLI_RUN && (key = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (key == '?' && optopt && optopt < 0x100)
			st = bad_input(&e, "unrecognized option: -%c", optopt);
		else if (key == '?')
			st = bad_input(&e, "unrecognized option: %s", argv[optind - 1]);
		else if (key == ':')
			st = bad_input(&e, "option needs a value: %s", argv[optind - 1]);
		else
			st = apply(opts, key, optarg, out, &e);
	}
	if (st == CLI_RUN && optind < argc)
		st = bad_input(&e, "unexpected argument: %s", argv[optind]);
	if (st == CLI_RUN)
		st = check_combinations(opts, &e);
	return st;
}
