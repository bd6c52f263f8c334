/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way out for a record: filters, the armed switch, the ring buffer
 * and the lost counter.
 */
#ifndef RSTSNOOP_EMIT_BPF_H
#define RSTSNOOP_EMIT_BPF_H

#include "config.bpf.h"
#include "maps.bpf.h"

static __always_inline bool passes_filters(const struct rst_record *rec)
{
	if (filter_family && rec->family != filter_family)
		return false;
	if (filter_port && rec->lport != filter_port && rec->rport != filter_port)
		return false;
	if (filter_pid && (!(rec->flags & RST_F_OWNER) || rec->pid != filter_pid))
		return false;
	if (filter_comm_set) {
		if (!(rec->flags & RST_F_OWNER))
			return false;
		for (int i = 0; i < RST_COMM_LEN; i++) {
			if (rec->comm[i] != filter_comm[i])
				return false;
			if (!rec->comm[i])
				break;
		}
	}
	return true;
}

static __always_inline void emit(struct rst_record *rec)
{
	__u64 flags;
	__u32 zero = 0;
	__u64 *lost;

	if (!records_armed || !passes_filters(rec))
		return;
	rec->ts_ns = bpf_ktime_get_ns();
	/*
	 * A wakeup per record costs a connect storm about 40% of its
	 * throughput; user space polls every few ms instead and is only
	 * woken early when the ring fills up.
	 */
	flags = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
			BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&records, rec, sizeof(*rec), flags)) {
		lost = bpf_map_lookup_elem(&lost_records, &zero);
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
}

#endif /* RSTSNOOP_EMIT_BPF_H */
