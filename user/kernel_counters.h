/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel's own TCP counters of a network namespace (/proc/net/snmp Tcp,
 * /proc/net/netstat TcpExt), watched per namespace so each --summary
 * interval shows what the kernel counted next to what rstsnoop saw.
 */
#ifndef RSTSNOOP_KERNEL_COUNTERS_H
#define RSTSNOOP_KERNEL_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

enum kernel_counter {
	KC_OUT_RSTS,	     /* Tcp OutRsts */
	KC_ATTEMPT_FAILS,    /* Tcp AttemptFails */
	KC_ESTAB_RESETS,     /* Tcp EstabResets */
	KC_ABORT_ON_DATA,    /* TcpExt TCPAbortOnData */
	KC_ABORT_ON_CLOSE,   /* TcpExt TCPAbortOnClose */
	KC_ABORT_ON_LINGER,  /* TcpExt TCPAbortOnLinger */
	KC_ABORT_ON_TIMEOUT, /* TcpExt TCPAbortOnTimeout */
	KC_CHALLENGE_ACK,    /* TcpExt TCPChallengeACK */
	KC_LISTEN_DROPS,     /* TcpExt ListenDrops: a listener's handshakes dropped */
	KC_EMBRYONIC_RSTS,   /* TcpExt EmbryonicRsts: half-open connections reset */
	KC_PAWS_ACTIVE_REJECTED, /* TcpExt PAWSActive (LINUX_MIB_PAWSACTIVEREJECTED): SYN-ACKs a connecting
				    socket rejected (their TSecr), and reset */
	KC_COUNT,
};

/* The kernel's names: "OutRsts", "TCPAbortOnData", ... */
extern const char *const kernel_counter_names[KC_COUNT];

struct kernel_counters {
	__u64 v[KC_COUNT];
};

/* Reads the counters from /proc/net/snmp and /proc/net/netstat text; a
 * counter a kernel lacks stays 0.  -EINVAL when snmp has no Tcp table. */
int kernel_counters_parse(FILE *snmp, FILE *netstat, struct kernel_counters *out);

#define WATCHED_NETNS_MAX 64

/* What one namespace's counters did over one interval. */
struct netns_delta {
	__u32 netns;
	bool whole; /* watched from the interval's start: the deltas are the interval's */
	struct kernel_counters delta;
};

struct counter_watch;

struct counter_watch *counter_watch_new(void);
void counter_watch_free(struct counter_watch *w);
/* netns is watched, or could not be: counter_watch_add need not be called. */
bool counter_watch_tried(const struct counter_watch *w, __u32 netns);
/*
 * Watches the namespace netns from now on, found through /proc/PID/ns/net
 * (pid 0: not tried), /run/netns or our own; -ENOENT when none of those is
 * it, -ENOSPC when WATCHED_NETNS_MAX are watched.
 */
int counter_watch_add(struct counter_watch *w, __u32 netns, __u32 pid);
/* The namespaces watched now are watched from the start of the first interval. */
void counter_watch_begin(struct counter_watch *w);
/* Reads every watched namespace's counters: out[i] is what changed since the
 * last call (or the add).  Returns how many were written (at most max). */
size_t counter_watch_sample(struct counter_watch *w, struct netns_delta *out, size_t max);

#endif
