/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Command line: parsing and validation of every option. */
#ifndef RSTSNOOP_CLI_H
#define RSTSNOOP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "filters.h"
#include <sys/socket.h>
#include "record.h"
#include "seed.h"

enum program_choice {
	PROGRAMS_AUTO,	  /* BTF-typed where the kernel takes them, else classic */
	PROGRAMS_BTF,	  /* tp_btf only */
	PROGRAMS_CLASSIC, /* classic tracepoints only */
};

struct rst_options {
	bool json;
	bool verbose;
	bool features; /* print the kernel facilities in use and exit */
	const char *user; /* --user: run the loop as this user, else NULL */
	__u32 pid;
	struct port_list ports;	 /* -P: at either end */
	struct port_list lports; /* --lport: this host's end */
	struct port_list rports; /* --rport: the peer's end */
	bool uid_set;
	__u32 uid;
	__u32 netns;	    /* --netns: inode; 0: every namespace */
	__u8 events;	    /* --event: 1 << enum rst_event each; 0: every event */
	const char *cgroup; /* --cgroup: a cgroup v2 subtree, else NULL */
	unsigned int top;   /* --top: rows per summary interval; 0: all */
	int family; /* 0, AF_INET or AF_INET6 */
	bool comm_set;
	char comm[RST_COMM_LEN];
	unsigned int duration_s; /* 0: until SIGINT/SIGTERM */
	unsigned int summary_s;	 /* 0: a line per record; else counts every N s */
	unsigned int ringbuf_kb;
	enum seed_method seed;
	enum program_choice programs;
	bool no_ttl; /* --no-ttl: no packet program (no TTL, hops, ICMP sender) */
	bool probe;  /* --probe: an echo request to a peer with no baseline (probe.h) */
	bool quiet; /* no record on stdout: metrics only */
	/* metrics mode (--metrics-file, --metrics-listen): see metrics.h */
	const char *metrics_file; /* points into argv */
	bool metrics_listen_set;
	struct sockaddr_storage metrics_listen;
	char metrics_listen_text[64]; /* as given, for messages */
	unsigned int metrics_interval_s;
	unsigned int metrics_max_series;
	const char *ready_file; /* written once tracing has started, else NULL */
	const char *output;	/* --output: records to this file, else stdout */
	const char *pcap;	/* --pcap: RSTs and ICMP errors as pcapng, else NULL */
	const char *host_root;	/* --host-root: where the host's /run and /var are; "/" */
	unsigned long long pcap_max_bytes; /* --pcap-max-bytes; 0 before the default */
};

/* Defaults of --metrics-interval and --metrics-max-series. */
#define METRICS_DEFAULT_INTERVAL_S 15
#define METRICS_DEFAULT_MAX_SERIES 1000

enum cli_status {
	CLI_RUN,       /* opts are set: go on */
	CLI_EXIT,      /* --help or --version was printed to out: exit 0 */
	CLI_BAD_INPUT, /* err holds one line naming the problem: exit 2 */
};

/*
 * Fills opts from argv.  Never exits and never prints to stderr, so a
 * fuzzer can call it again and again; getopt may reorder argv.
 */
enum cli_status cli_parse(int argc, char **argv, struct rst_options *opts, FILE *out,
			  char *err, size_t err_size);

/*
 * An HTTP listen address: "PORT" (on 127.0.0.1), "ADDR:PORT" or
 * "[IPV6]:PORT"; ADDR is numeric.  0 or -EINVAL.
 */
int parse_listen_address(const char *s, struct sockaddr_storage *out);

/* Strict unsigned parse: digits only, no sign, no trailing junk. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

#endif
