// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up seeding: walk every open file of every task once (BPF task_file
 * iterator, Linux 5.8+) and record the owner of each TCP socket by inode,
 * and each listener by port, so that sockets opened before rstsnoop started
 * are attributed too.  Linked into the tracer's object (one BTF parse, one
 * set of maps); where the kernel refuses iterators the loader loads the
 * tracer without it and falls back to /proc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "config.bpf.h"
#include "maps.bpf.h"
#include "iter_sock.bpf.h"

#define AF_INET 2
#define AF_INET6 10

/*
 * Who the process is (struct rst_process), from its task: its command line
 * lies in its own memory, which this iterator cannot read; the loader
 * reads it from /proc while the process is alive.
 */
static void note_seeded_process(const struct task_struct *task, const struct rst_owner *o)
{
	const struct rst_process *known = bpf_map_lookup_elem(&procs, &o->pid);
	struct rst_process *p;
	__u32 zero = 0;

	if (known && known->start_ns == o->proc_start_ns)
		return;
	p = bpf_map_lookup_elem(&process_scratch, &zero);
	if (!p)
		return;
	__builtin_memset(p, 0, sizeof(*p));
	p->start_ns = o->proc_start_ns;
	p->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	p->pid = o->pid;
	p->ppid = BPF_CORE_READ(task, real_parent, tgid);
	__builtin_memcpy(p->comm, o->comm, sizeof(p->comm));
	BPF_CORE_READ_INTO(&p->parent_comm, task, real_parent, comm);
	map_update(&procs, &o->pid, p, BPF_ANY, RST_MAP_PROCS);
}

SEC("iter/task_file")
int seed_sockets(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct rst_owner o = {};
	struct sock *sk;
	__u16 family;
	long err;

	/* one entry per process, not per thread */
	sk = iter_tcp_sock(task, file);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;

	o.ino = BPF_CORE_READ(file, f_inode, i_ino);
	o.pid = task->tgid;
	o.uid = BPF_CORE_READ(task, cred, uid.val);
	o.proc_start_ns = task->start_time;
	/* which thread made the socket is not known: tid 0, no thread name */
	bpf_probe_read_kernel_str(o.comm, sizeof(o.comm), task->comm);
	note_seeded_process(task, &o);
	/* A socket shared after fork() keeps its first (lowest pid) owner
	 * (-EEXIST for the others); a full table is counted. */
	err = map_update(&seeds, &o.ino, &o, BPF_NOEXIST, RST_MAP_SEEDS);
	if (err == 0) {
		bpf_seq_write(ctx->meta->seq, &o.ino, sizeof(o.ino)); /* loader counts these */
	} else if (err != -EEXIST) {
		__u32 zero = 0;
		__u64 *overflow = bpf_map_lookup_elem(&seed_overflow, &zero);

		if (overflow)
			__sync_fetch_and_add(overflow, 1);
	}

	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN) {
		struct rst_listener_key lk = {
			.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum),
			.port = BPF_CORE_READ(sk, __sk_common.skc_num),
			.family = BPF_CORE_READ(sk, __sk_common.skc_family),
		};
		/* the key the tracing programs use; a cookie the socket never
		 * got is 0, which any closing listener of the port clears */
		struct rst_listener l = {
			.owner = o,
			.sk = cfg.keys_are_cookies ? BPF_CORE_READ(sk, __sk_common.skc_cookie.counter) :
						 (__u64)sk,
		};

		/* the bound address: each listener of a shared port its own */
		if (lk.family == AF_INET6)
			BPF_CORE_READ_INTO(&lk.addr, sk, __sk_common.skc_v6_rcv_saddr);
		else
			BPF_CORE_READ_INTO((__u32 *)lk.addr, sk, __sk_common.skc_rcv_saddr);
		map_update(&listeners, &lk, &l, BPF_NOEXIST, RST_MAP_LISTENERS);
		/* its exit is reported (process_exit.bpf.h) */
		map_update(&listener_tgids, &o.pid, &o.proc_start_ns, BPF_ANY, RST_MAP_LISTENER_TGIDS);
	}
	return 0;
}
