// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE
#include "kernel_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#define REASON_PREFIX "SK_RST_REASON_"

int reset_reasons_load(struct reset_reasons *r, const struct btf *btf)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id;

	memset(r, 0, sizeof(*r));
	id = btf__find_by_name_kind(btf, "sk_rst_reason", BTF_KIND_ENUM);
	if (id < 0)
		return 0; /* before 6.10: no reasons */
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);

		if (e->val < 0 || e->val >= RESET_REASON_MAX || !name)
			continue;
		if (!strncmp(name, REASON_PREFIX, strlen(REASON_PREFIX)))
			name += strlen(REASON_PREFIX);
		free(r->names[e->val]);
		r->names[e->val] = strdup(name);
		if (!r->names[e->val]) {
			reset_reasons_free(r);
			return -ENOMEM;
		}
		if (e->val >= r->count)
			r->count = e->val + 1;
	}
	return 0;
}

void reset_reasons_free(struct reset_reasons *r)
{
	for (int i = 0; i < RESET_REASON_MAX; i++)
		free(r->names[i]);
	memset(r, 0, sizeof(*r));
}

const char *reset_reason_name(const struct reset_reasons *r, unsigned int value)
{
	return value < RESET_REASON_MAX ? r->names[value] : NULL;
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
