/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel counting, for the runs that print no line per record:
 * --summary, and metrics-only runs (-q with --metrics-file or
 * --metrics-listen).  There every record emit() would queue is counted
 * here instead, in `counts`, keyed by the record reduced to what a summary
 * row or a metric series groups by; user space drains the table each
 * interval (user/kernel_counts.c) and counts each key as that many
 * records, through the same grouping code as the record mode.  So the two
 * modes count alike by construction, as long as the key keeps every field
 * that grouping reads (user/summary.c make_key(), user/metrics.c
 * make_key(), user/origin.c, and the --cgroup filter's pid).
 *
 * Which records still go through the ring in these runs: the internal ones
 * (emit_internal(): listener history, never counted), the listeners'
 * sk_drops (read by user space itself), and all of them with --probe,
 * whose prober looks at each record's peer (the loader then leaves
 * cfg.count_in_kernel off).
 */
#ifndef RSTSNOOP_COUNT_BPF_H
#define RSTSNOOP_COUNT_BPF_H

#include "config.bpf.h"
#include "fold.h"
#include "record.h"
#include "maps.bpf.h" /* counts, count_scratch, count_depth, count_overflow */

/* Whether the runs above count here, and the ephemeral port range the key
 * folds by: cfg.count_in_kernel, cfg.count_eph_lo/hi (rst_config.h). */

/*
 * Which interval a count belongs to: part of every key (as its ts_ns).
 * User space moves it on, waits for the program runs that may have read
 * the old value (an RCU grace period), and then drains the keys of older
 * epochs, which no program writes any more: deleting a key that is still
 * counted would lose counts.
 */
__u64 count_epoch __weak = 0;

/* The facts origin_of_record() judges by; the others (idle times, bytes,
 * age) differ from one connection to the next and group nothing. */
#define COUNT_FACTS (RST_FACT_TTL | RST_FACT_PEER_TTL | RST_FACT_ICMP_SEEN | RST_FACT_ROUTE | \
		     RST_FACT_OFFLINK)

/* rec reduced to what groups count: the rest of key stays zero. */
static __always_inline void count_key(struct rst_record *key, const struct rst_record *rec)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->ts_ns = count_epoch;
	key->proc_start_ns = rec->proc_start_ns;
	key->pid = rec->pid;
	key->netns = rec->netns;
	key->reason = rec->reason;
	key->lport = rec->lport;
	key->rport = rec->rport;
	rst_fold_ports(cfg.count_eph_lo, cfg.count_eph_hi, rec->event, rec->side, rec->flags, &key->lport,
		       &key->rport);
	__builtin_memcpy(key->laddr, rec->laddr, RST_ADDR_LEN);
	__builtin_memcpy(key->raddr, rec->raddr, RST_ADDR_LEN);
	__builtin_memcpy(key->comm, rec->comm, RST_COMM_LEN);
	key->event = rec->event;
	key->side = rec->side;
	key->cause = rec->cause;
	key->attribution = rec->attribution;
	key->family = rec->family;
	key->state = rec->state;
	key->flags = rec->flags;
	key->facts = rec->facts & COUNT_FACTS;
	key->origin = rec->origin;
	key->ttl = rec->ttl;
	key->peer_ttl = rec->peer_ttl;
	if (rec->facts & RST_FACT_ICMP_SEEN)
		__builtin_memcpy(key->icmp_from, rec->icmp_from, RST_ADDR_LEN);
}

/* One record of event that found no room: never silent. */
static __always_inline void count_overflowed(__u32 event)
{
	__u64 *n = bpf_map_lookup_elem(&count_overflow, &event);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Counts rec under key (room of this run's own) in `counts`. */
static __always_inline void count_under(struct rst_record *key, const struct rst_record *rec)
{
	__u64 *n, one = 1;

	count_key(key, rec);
	n = bpf_map_lookup_elem(&counts, key);
	if (n) {
		/* atomic: a BTF-typed program of another hook may run nested
		 * on this CPU and count the same key */
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (!bpf_map_update_elem(&counts, key, &one, BPF_NOEXIST))
		return;
	/* another CPU made the key meanwhile (EEXIST), or the table is full */
	n = bpf_map_lookup_elem(&counts, key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	count_overflowed(rec->event);
}

/* Counts rec under its key instead of queueing it. */
static __always_inline void count_event(const struct rst_record *rec)
{
	__u32 zero = 0, *depth, slot;
	struct rst_record *key;

	depth = bpf_map_lookup_elem(&count_depth, &zero);
	if (!depth)
		return;
	slot = (*depth)++;
	key = bpf_map_lookup_elem(&count_scratch, &slot); /* NULL past the deepest level */
	if (key)
		count_under(key, rec);
	else
		count_overflowed(rec->event);
	(*depth)--;
}

#endif /* RSTSNOOP_COUNT_BPF_H */
