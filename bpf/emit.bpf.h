/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way out for a record: filters, the armed switch, then the ring
 * buffer and the lost counter, or the kernel side's own count where no line
 * is printed (count.bpf.h).
 */
#ifndef RSTSNOOP_EMIT_BPF_H
#define RSTSNOOP_EMIT_BPF_H

#include "config.bpf.h"
#include "count.bpf.h"
#include "maps.bpf.h"

/* name equals cfg.filter_comm (a kernel name is NUL-padded to RST_COMM_LEN) */
static __always_inline bool comm_matches(const char *name)
{
	for (int i = 0; i < RST_COMM_LEN; i++) {
		if (name[i] != cfg.filter_comm[i])
			return false;
		if (!name[i])
			break;
	}
	return true;
}

/* port is one of the first n of list (n is rodata: the loop is pruned to it) */
static __always_inline bool port_in(const volatile __u16 *list, __u32 n, __u16 port)
{
	for (int i = 0; i < RST_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (list[i] == port)
			return true;
	}
	return false;
}

/* Every filter but --cgroup (the owner's cgroup is not in the record: user
 * space filters on it). */
static __always_inline bool passes_filters(const struct rst_record *rec)
{
	if (cfg.filter_events && !(cfg.filter_events & (1u << rec->event)))
		return false;
	if (cfg.filter_netns && rec->netns != cfg.filter_netns)
		return false;
	if (cfg.filter_family && rec->family != cfg.filter_family)
		return false;
	if (cfg.filter_nports && !port_in(cfg.filter_ports, cfg.filter_nports, rec->lport) &&
	    !port_in(cfg.filter_ports, cfg.filter_nports, rec->rport))
		return false;
	if (cfg.filter_nlports && !port_in(cfg.filter_lports, cfg.filter_nlports, rec->lport))
		return false;
	if (cfg.filter_nrports && !port_in(cfg.filter_rports, cfg.filter_nrports, rec->rport))
		return false;
	if (cfg.filter_pid && (!(rec->flags & RST_F_OWNER) || rec->pid != cfg.filter_pid))
		return false;
	if (cfg.filter_uid_set && (!(rec->flags & RST_F_OWNER) || rec->uid != cfg.filter_uid))
		return false;
	/* -c names the process or the thread that acted: a Java program's
	 * worker threads carry their own names */
	if (cfg.filter_comm_set && (!(rec->flags & RST_F_OWNER) ||
				(!comm_matches(rec->comm) && !comm_matches(rec->thread))))
		return false;
	return true;
}

#ifdef RST_MUTATE_LOSE_TENTH
/* weak: every program file includes this, the linked object keeps one */
__u64 mutant_emits __attribute__((weak));
#endif

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_records, &zero);

	if (lost)
		__sync_fetch_and_add(lost, 1);
}

/*
 * A wakeup per record costs a connect storm about 40% of its throughput;
 * user space polls every 50 ms instead (POLL_INTERVAL_MS in user/main.c)
 * and is only woken early once a CPU queued its share of an eighth of the
 * ring (cfg.wakeup_records).
 */
static __always_inline __u64 wakeup_flag(void)
{
	__u32 zero = 0, *queued = bpf_map_lookup_elem(&queued_since_wakeup, &zero);

	if (queued && ++*queued >= cfg.wakeup_records) {
		*queued = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/* rec was built elsewhere (the stack, a scratch map): copied into the ring. */
static __always_inline void emit(struct rst_record *rec)
{
	if (!records_armed || !passes_filters(rec))
		return;
#ifdef RST_MUTATE_LOSE_TENTH /* mutation smoke: every tenth record lost, uncounted */
	if (__sync_fetch_and_add(&mutant_emits, 1) % 10 == 9)
		return;
#endif
	if (cfg.count_in_kernel) { /* no line is printed: counted, not queued */
		count_event(rec);
		return;
	}
	rec->ts_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&records, rec, sizeof(*rec), wakeup_flag()))
		count_lost();
}

/*
 * The hot paths' record, filled in place (record_open(), then
 * record_close()) instead of on the stack and copied: in the ring itself
 * where records are queued, in the per-CPU fact_scratch where the kernel
 * side counts them (cfg.count_in_kernel is read-only data, so the verifier
 * walks one of the two branches).  Zeroed.  NULL: records are not armed,
 * or the ring is full (counted lost: a record the filters would have
 * dropped counts too, but only while the ring is full and records are
 * being lost anyway).  A reserved record must reach record_close() on
 * every path.
 */
static __always_inline struct rst_record *record_open(void)
{
	struct rst_record *rec;
	__u32 zero = 0;

	if (!records_armed)
		return NULL;
	if (cfg.count_in_kernel) {
		rec = bpf_map_lookup_elem(&fact_scratch, &zero);
	} else {
		rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
		if (!rec)
			count_lost();
	}
	if (rec)
		__builtin_memset(rec, 0, sizeof(*rec));
	return rec;
}

/* A record of record_open() is complete: filtered, then queued or counted. */
static __always_inline void record_close(struct rst_record *rec)
{
	if (cfg.count_in_kernel) {
		emit(rec); /* the filters, then counted */
		return;
	}
	if (!passes_filters(rec)) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
#ifdef RST_MUTATE_LOSE_TENTH
	if (__sync_fetch_and_add(&mutant_emits, 1) % 10 == 9) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
#endif
	rec->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(rec, wakeup_flag());
}

/*
 * An internal record (RST_EV_LISTEN_OPEN, _LISTEN_CLOSE, _PROC_EXIT): a
 * fact for user space's listener history, never shown as a record.  No
 * filter applies (cfg.filter_events is 8 bits wide: events 8 and up have no
 * bit, and -P or -c would hide the listener a refusal asks about), and
 * records_armed does not either: like the owner table, the history must
 * know what happened between attaching and arming.  Rare (listen(), a
 * listener's close, its process's exit): a wakeup is not worth forcing.
 */
static __always_inline void emit_internal(struct rst_record *rec)
{
	rec->ts_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&records, rec, sizeof(*rec), BPF_RB_NO_WAKEUP))
		count_lost();
}

#endif /* RSTSNOOP_EMIT_BPF_H */
