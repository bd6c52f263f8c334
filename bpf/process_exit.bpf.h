/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched:sched_process_exit, for the classic and the BTF-typed program: the
 * end of a process that owns a listener rstsnoop saw (listener_tgids),
 * as an internal record (RST_EV_PROC_EXIT) for the listener history.  It
 * fires for every exiting thread on the host: one hash look-up by tgid,
 * and nothing else, for all the others.
 */
#ifndef RSTSNOOP_PROCESS_EXIT_BPF_H
#define RSTSNOOP_PROCESS_EXIT_BPF_H

#include "emit.bpf.h"

/*
 * What the program read from the exiting task.  The process ended when
 * the last of its threads exits: do_exit() decrements signal->live before
 * the tracepoint (group_dead, which the event itself carries only since
 * 6.16), so the last thread reads 0.  A thread that exits while others
 * live reads more and is not the process's end; the main thread's
 * pthread_exit() is not either (pid == tgid would take it for one).  Two
 * threads exiting at once may both read 0 and both report: they carry the
 * same group exit code, and user space takes it twice.
 */
struct task_exit {
	__u64 start_ns; /* the group leader's start_time */
	__u32 tgid;
	int live;	/* signal->live after this thread's decrement */
	int exit_code;	/* task->exit_code */
};

/*
 * The caller found t->tgid in listener_tgids.  exit_code is what wait(2)
 * reports for the process: do_exit() stores it before the tracepoint,
 * exit(N) as N << 8, a fatal signal as its number (| 0x80 with a core
 * dump).  In a group exit (exit_group(), a fatal signal) every thread
 * carries the group's code, so the last one does too.
 */
static __always_inline void on_task_exit(const char *comm, const struct task_exit *t)
{
	struct rst_record rec = {.event = RST_EV_PROC_EXIT};

	if (t->live > 0)
		return;
	rec.pid = t->tgid;
	rec.proc_start_ns = t->start_ns;
	rec.error = t->exit_code;
	rec.flags = RST_F_OWNER;
	rec.attribution = RST_ATTR_SOCKET_OWNER;
	__builtin_memcpy(rec.comm, comm, sizeof(rec.comm));
	bpf_map_delete_elem(&listener_tgids, &t->tgid);
	emit_internal(&rec);
}

#endif /* RSTSNOOP_PROCESS_EXIT_BPF_H */
