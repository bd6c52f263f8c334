/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --probe: one ICMP (ICMPv6) echo request to a peer whose RST came with no
 * baseline to judge it against, so that its reply gives one, as ping by
 * hand would.  The packet program sees the reply (peer_baseline
 * echo_reply); later RSTs from that address are judged against it.
 *
 * What is sent, exactly: an echo request of 8 header bytes and 16 bytes of
 * data ("rstsnoop probe" and two NULs), identifier = rstsnoop's pid & 0xffff,
 * sequence = 1, 2, ... in the order sent, from rstsnoop's own network
 * namespace, to the record's remote address.  Only for records of that
 * namespace (a socket in another one would route otherwise); at most once
 * per address in a run (PROBE_MAX_ADDRS addresses; after that no more
 * probes), at most PROBE_PER_SECOND a second.  Replies are not read (the
 * sockets' ICMP filters drop everything they would receive).
 */
#ifndef RSTSNOOP_PROBE_H
#define RSTSNOOP_PROBE_H

#include <linux/types.h>
#include "record.h"

#define PROBE_MAX_ADDRS 4096
#define PROBE_PER_SECOND 10

struct prober;

/*
 * Opens the raw sockets (needs CAP_NET_RAW: call before the privileges are
 * dropped).  netns: the inode of rstsnoop's own network namespace.  NULL
 * with errno set when no socket could be opened.
 */
struct prober *prober_new(__u32 netns);

/* Probes rec's peer if rec is a RST from the network with no baseline and
 * the limits allow; now_ns: CLOCK_MONOTONIC. */
void prober_consider(struct prober *p, const struct rst_record *rec, __u64 now_ns);

/* Probes sent, and wanted but not sent (limits, send errors). */
void prober_counts(const struct prober *p, __u64 *sent, __u64 *skipped);

void prober_free(struct prober *p);

#endif
