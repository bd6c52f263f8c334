// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE
#include "kernel_names.h"
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

/*
 * names[value] = the enumerator's name without prefix, for the values of
 * enum `type` in btf below max; *count = highest value + 1 (0: no enum).
 */
static int enum_names_load(char **names, int max, int *count, const struct btf *btf,
			   const char *type, const char *prefix)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id;

	id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	if (id < 0)
		return 0; /* an older kernel */
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);

		if (e->val < 0 || e->val >= max || !name)
			continue;
		if (!strncmp(name, prefix, strlen(prefix)))
			name += strlen(prefix);
		free(names[e->val]);
		names[e->val] = strdup(name);
		if (!names[e->val])
			return -ENOMEM;
		if (e->val >= *count)
			*count = e->val + 1;
	}
	return 0;
}

int reset_reasons_load(struct reset_reasons *r, const struct btf *btf)
{
	int err;

	memset(r, 0, sizeof(*r));
	/* sk_rst_reason: 6.10+; skb_drop_reason: 5.17+ */
	err = enum_names_load(r->names, RESET_REASON_MAX, &r->count, btf, "sk_rst_reason",
			      "SK_RST_REASON_");
	if (!err)
		err = enum_names_load(r->drop_names, DROP_REASON_MAX, &r->drop_count, btf,
				      "skb_drop_reason", "SKB_DROP_REASON_");
	if (err)
		reset_reasons_free(r);
	return err;
}

void reset_reasons_free(struct reset_reasons *r)
{
	for (int i = 0; i < RESET_REASON_MAX; i++)
		free(r->names[i]);
	for (int i = 0; i < DROP_REASON_MAX; i++)
		free(r->drop_names[i]);
	memset(r, 0, sizeof(*r));
}

const char *reset_reason_name(const struct reset_reasons *r, unsigned int value)
{
	return value < RESET_REASON_MAX ? r->names[value] : NULL;
}

const char *drop_reason_name(const struct reset_reasons *r, unsigned int value)
{
	return value < DROP_REASON_MAX ? r->drop_names[value] : NULL;
}

/* include/net/tcp_states.h: part of the kernel ABI (ss, /proc/net/tcp). */
const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT",	 [3] = "SYN_RECV",
		[4] = "FIN_WAIT1",   [5] = "FIN_WAIT2",	 [6] = "TIME_WAIT",
		[7] = "CLOSE",	     [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
		[10] = "LISTEN",     [11] = "CLOSING",	 [12] = "NEW_SYN_RECV",
		[13] = "BOUND_INACTIVE",
	};

	if (state <= 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	return names[state];
}

const char *errno_name(int err)
{
	return err > 0 ? strerrorname_np(err) : NULL;
}

const char *map_slot_name(unsigned int slot)
{
	static const char *const names[RST_MAP_SLOTS] = {
		[RST_MAP_PROCS] = "procs",
		[RST_MAP_SEEDS] = "seeds",
		[RST_MAP_LISTENERS] = "listeners",
		[RST_MAP_LISTENER_TGIDS] = "listener_tgids",
		[RST_MAP_FIREWALL_MARKS] = "firewall_marks",
		[RST_MAP_REJECTED_SYNACKS] = "rejected_synacks",
		[RST_MAP_WIRE_RSTS] = "wire_rsts",
		[RST_MAP_ICMP_ERRORS] = "icmp_errors",
		[RST_MAP_PEER_TTLS] = "peer_ttls",
		[RST_MAP_RESET_FLOWS] = "reset_flows",
		[RST_MAP_LISTEN_DROPS] = "listen_drops",
		[RST_MAP_LISTENER_EXCESS] = "listener_excess",
	};

	return slot < RST_MAP_SLOTS ? names[slot] : NULL;
}
