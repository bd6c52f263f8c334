/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Names of kernel values in records: TCP states, errno values, and reset
 * reasons.  Reset reasons are renumbered between kernels (6.12 inserted six
 * TCP_* values), so their names are read from the running kernel's BTF,
 * never compiled in.
 */
#ifndef RSTSNOOP_KERNEL_NAMES_H
#define RSTSNOOP_KERNEL_NAMES_H

#include <stdbool.h>

#define RESET_REASON_MAX 64
#define DROP_REASON_MAX 256

/* The kernel's reasons: why it sent a RST, and why it dropped a packet. */
struct reset_reasons {
	int count; /* 0: this kernel has no enum sk_rst_reason */
	char *names[RESET_REASON_MAX]; /* by value, without SK_RST_REASON_ */
	int drop_count; /* 0: no enum skb_drop_reason (before 5.17) */
	char *drop_names[DROP_REASON_MAX]; /* by value, without SKB_DROP_REASON_ */
};

struct btf;

/* Fills r from enum sk_rst_reason and enum skb_drop_reason in btf; a
 * count stays 0 without its enum. */
int reset_reasons_load(struct reset_reasons *r, const struct btf *btf);
void reset_reasons_free(struct reset_reasons *r);
/* The name of value, or NULL when the kernel did not name it. */
const char *reset_reason_name(const struct reset_reasons *r, unsigned int value);
const char *drop_reason_name(const struct reset_reasons *r, unsigned int value);

/* "ESTABLISHED", "SYN_SENT", ...; NULL for values the kernel does not use. */
const char *tcp_state_name(int state);

/* The kernel-side map of an enum rst_map_slot ("wire_rsts", ...), as named
 * in bpf/; NULL past the last. */
const char *map_slot_name(unsigned int slot);

/* "ECONNREFUSED", ...; NULL when unknown. */
const char *errno_name(int err);

#endif
