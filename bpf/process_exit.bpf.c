// SPDX-License-Identifier: GPL-2.0
/*
 * sched:sched_process_exit as a classic tracepoint: the fallback where the
 * kernel refuses BTF-typed programs.  The exiting task is current; its
 * fields are read through bpf_probe_read_kernel, only for a process that
 * owns a listener.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "process_exit.bpf.h"

/* The event's own fields are never read (the task is current), so its
 * layout is not named: the arm64 6.12 BTF that vmlinux/arm64/vmlinux.h
 * comes from has no struct trace_event_raw_sched_process_exit. */
SEC("tracepoint/sched/sched_process_exit")
int on_process_exit(void *ctx)
{
	struct task_exit t = {.tgid = bpf_get_current_pid_tgid() >> 32};
	const struct task_struct *task;
	char comm[RST_COMM_LEN];

	if (!bpf_map_lookup_elem(&listener_tgids, &t.tgid))
		return 0;
	task = (const struct task_struct *)bpf_get_current_task();
	t.live = BPF_CORE_READ(task, signal, live.counter);
	t.exit_code = BPF_CORE_READ(task, exit_code);
	t.start_ns = BPF_CORE_READ(task, group_leader, start_time);
	BPF_CORE_READ_INTO(&comm, task, group_leader, comm);
	on_task_exit(comm, &t);
	return 0;
}
