// SPDX-License-Identifier: GPL-2.0
/*
 * sched:sched_process_exit as a BTF-typed program (tp_btf): the exiting
 * task's fields are direct loads.  Only its first argument is named: 6.16
 * added group_dead as a second one, which older kernels lack.
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "process_exit.bpf.h"

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit_btf, struct task_struct *task)
{
	struct task_exit t = {.tgid = task->tgid};
	const struct task_struct *leader;

	if (!bpf_map_lookup_elem(&listener_tgids, &t.tgid))
		return 0;
	leader = task->group_leader;
	t.live = task->signal->live.counter;
	t.exit_code = task->exit_code;
	t.start_ns = leader->start_time;
	on_task_exit(leader->comm, &t);
	return 0;
}
