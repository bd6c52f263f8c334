// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "origin.h"

#include <string.h>
#include <sys/socket.h>

int hops_of_ttl(unsigned int ttl)
{
	static const unsigned int initial[] = {64, 128, 255};

	if (ttl == 0)
		return -1;
	for (unsigned int i = 0; i < sizeof(initial) / sizeof(initial[0]); i++)
#ifdef RST_MUTATE_TTL_BOUNDARY /* mutation smoke: an initial TTL taken for the next one */
		if (ttl < initial[i])
#else
		if (ttl <= initial[i])
#endif
			return initial[i] - ttl;
	return -1; /* above 255: not a TTL */
}

static const char *const local_names[] = {
	[RST_ORIGIN_LOCAL_STACK] = "local_stack",
	[RST_ORIGIN_LOCAL_SOCKET] = "local_socket",
	[RST_ORIGIN_LOCAL_FIREWALL] = "local_firewall",
	[RST_ORIGIN_UNKNOWN] = "unknown",
	[RST_ORIGIN_MIDDLEBOX] = "middlebox",
};

/*
 * From the wire.  An ICMP error names its sender: the peer itself (a
 * closed port, its own firewall) or a router or firewall on the path.  A
 * RST names nobody, and a forger writes the peer's address into it; only
 * its hop count tells: a RST that travelled a different number of hops
 * than the peer's genuine packets was made by something in between.
 * Without the peer's hops there is one more thing that tells: a peer whose
 * route goes through a gateway is off-link, so its own RST crosses at
 * least one router, and one that arrives with its initial TTL intact (0
 * hops) was made on this host's own link.  Otherwise: unknown, never a
 * guess.
 */
static const char *judge_remote(const struct rst_record *rec, struct origin_verdict *v)
{
	if (rec->facts & RST_FACT_ICMP_SEEN) {
		size_t len = rec->family == AF_INET6 ? 16 : 4;

		v->basis = "icmp_sender";
		return memcmp(rec->icmp_from, rec->raddr, len) ? "middlebox" : "peer";
	}
	if (v->has_hops && v->has_peer_hops) {
		v->basis = v->hops == v->peer_hops ? "hops_match" : "hops_differ";
		return v->hops == v->peer_hops ? "peer" : "middlebox";
	}
	if (v->has_hops && v->hops == 0 && (rec->facts & RST_FACT_ROUTE) &&
	    (rec->facts & RST_FACT_OFFLINK)) {
		v->basis = "offlink_ttl_intact";
		return "middlebox";
	}
	v->basis = "no_baseline";
	return "unknown";
}

static const char *const baseline_names[] = {
	[RST_BASELINE_SYNACK] = "synack",
	[RST_BASELINE_SYN] = "syn",
	[RST_BASELINE_ECHO_REPLY] = "echo_reply",
	[RST_BASELINE_SEGMENT] = "segment",
};

const char *baseline_name(__u8 baseline)
{
	return baseline < sizeof(baseline_names) / sizeof(baseline_names[0]) ?
		       baseline_names[baseline] :
		       NULL;
}

static const char *const code_names[] = {
	NULL, "local_stack", "local_socket", "local_firewall", "peer", "middlebox", "unknown",
};

__u8 origin_code(const struct rst_record *rec)
{
	const char *name = origin_of_record(rec).name;

	for (__u8 i = 1; name && i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (!strcmp(name, code_names[i]))
			return i;
	return 0;
}

const char *origin_code_name(__u8 code)
{
	return code < sizeof(code_names) / sizeof(code_names[0]) ? code_names[code] : NULL;
}

struct origin_verdict origin_of_record(const struct rst_record *rec)
{
	struct origin_verdict v = {0};

	if (rec->facts & RST_FACT_TTL) {
		v.hops = hops_of_ttl(rec->ttl);
		v.has_hops = v.hops >= 0;
	}
	if (rec->facts & RST_FACT_PEER_TTL) {
		v.peer_hops = hops_of_ttl(rec->peer_ttl);
		v.has_peer_hops = v.peer_hops >= 0;
	}
	if (rec->origin == RST_ORIGIN_REMOTE)
		v.name = judge_remote(rec, &v);
	else if (rec->origin < sizeof(local_names) / sizeof(local_names[0]))
		v.name = local_names[rec->origin];
#ifdef RST_MUTATE_ORIGIN_SWAP /* mutation smoke: peer and middlebox swapped */
	if (rec->origin == RST_ORIGIN_REMOTE && strcmp(v.name, "unknown"))
		v.name = strcmp(v.name, "peer") ? "peer" : "middlebox";
#endif
	return v;
}
