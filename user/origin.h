/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Who made the RST or ICMP error a record is about.  The kernel side names
 * the local makers (this host's stack, a local socket, this host's
 * firewall); for one that came in from the network this module judges from
 * the hop counts: the RST's against the peer's genuine packets (its
 * SYN-ACK or SYN, its echo reply, a sampled segment), or, with none, from
 * the route (an off-link sender's RST must have crossed a router); for an
 * ICMP error, from its sender against the peer's address.
 */
#ifndef RSTSNOOP_ORIGIN_H
#define RSTSNOOP_ORIGIN_H

#include <stdbool.h>
#include "record.h"

struct origin_verdict {
	const char *name; /* JSON rst_origin; NULL: the record involves no RST */
	/*
	 * What a verdict about a packet from the network rests on (JSON
	 * origin_basis; NULL for the local origins, which the kernel knew):
	 * "icmp_sender" (the ICMP error's sender against the peer's address),
	 * "hops_match" / "hops_differ" (the RST's hops against the peer's
	 * genuine ones), "offlink_ttl_intact" (no baseline, but the route to
	 * the peer has a gateway and the RST crossed none), "no_baseline".
	 */
	const char *basis;
	bool has_hops, has_peer_hops;
	int hops;      /* of the RST (or ICMP error) as received */
	int peer_hops; /* of the peer's genuine packets */
};

/* The JSON name of an enum rst_baseline (NULL: none). */
const char *baseline_name(__u8 baseline);

/*
 * Hops a packet travelled: the smallest common initial TTL (64, 128, 255)
 * that is at least ttl, minus ttl.  ttl 0 is not a received TTL: -1.
 */
int hops_of_ttl(unsigned int ttl);

struct origin_verdict origin_of_record(const struct rst_record *rec);

/*
 * The rst_origin of a record as a small number (0: none), for the keys that
 * group records (summary rows, metrics series); origin_code_name() gives
 * the name back.
 */
__u8 origin_code(const struct rst_record *rec);
const char *origin_code_name(__u8 code);

#endif
