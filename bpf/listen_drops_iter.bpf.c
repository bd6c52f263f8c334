// SPDX-License-Identifier: GPL-2.0
/*
 * The listeners' own drop counters (see bpf/listen_drops.bpf.h), read every
 * second by the loader: a task_file iterator, like the seeding one, so that
 * it sees the listeners of every network namespace (an iter/tcp iterator
 * walks only the namespace of the process that reads it, and rstsnoop
 * cannot enter others after it gave up its capabilities).  It writes one
 * struct rst_listen_sample per listening socket and process holding it;
 * user/listen_drops.c takes one per socket, keeps the counts between reads
 * and makes the records.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "emit.bpf.h"
#include "sock.bpf.h"
#include "listen_drops.bpf.h"
#include "iter_sock.bpf.h"


/*
 * 6.18: a socket may keep its drops in two NUMA-spread counters instead of
 * sk_drops (commit c51613fa276f "net: add sk->sk_drop_counters"; the
 * kernel's sk_drops_read() adds them).  UDP and raw sockets opt in, TCP
 * does not so far: read both ways, by CO-RE, so that a TCP opt-in later is
 * still read right.
 */
struct numa_drop_counters___rst {
	atomic_t drops0;
	atomic_t drops1;
} __attribute__((preserve_access_index));

struct sock___drop_counters {
	struct numa_drop_counters___rst *sk_drop_counters;
} __attribute__((preserve_access_index));

static __always_inline __u32 listener_sk_drops(const struct sock *sk)
{
	const struct sock___drop_counters *s = (const void *)sk;

	if (bpf_core_field_exists(s->sk_drop_counters)) {
		const struct numa_drop_counters___rst *ndc = BPF_CORE_READ(s, sk_drop_counters);

		if (ndc)
			return BPF_CORE_READ(ndc, drops0.counter) + BPF_CORE_READ(ndc, drops1.counter);
	}
	return BPF_CORE_READ(sk, sk_drops.counter);
}

SEC("iter/task_file")
int read_listen_drops(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct rst_listen_sample s = {};
	struct rst_record *rec = &s.rec;
	const struct rst_listener *l;
	const __u64 *excess;
	struct sock *sk;

	sk = iter_tcp_sock(task, file);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN)
		return 0;
	rec->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (rec->family != AF_INET && rec->family != AF_INET6)
		return 0;

	s.ino = BPF_CORE_READ(file, f_inode, i_ino);
	/* the counter first, then what the drop program accounted for: a drop
	 * wholly between the two reads shows as an excess, a negative balance
	 * that the next read's counter makes up for (user/listen_drops.c); only
	 * one whose counter moved before the first read and whose accounting
	 * (right after, in the same softirq) came after the second is reported
	 * early, and the next drops make up for it */
	s.drops = listener_sk_drops(sk);
	excess = bpf_map_lookup_elem(&listener_excess, &s.ino);
	s.excess = excess ? *excess : 0;

	rec->event = RST_EV_LISTEN_DROP;
	rec->side = RST_SIDE_SERVER;
	rec->flags = RST_F_SERVER;
	rec->facts = RST_FACT_COUNT;
	rec->sock_ino = s.ino;
	rec->sock_cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	rec->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	rec->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (rec->family == AF_INET6)
		BPF_CORE_READ_INTO(&rec->laddr, sk, __sk_common.skc_v6_rcv_saddr);
	else
		BPF_CORE_READ_INTO((__u32 *)rec->laddr, sk, __sk_common.skc_rcv_saddr);

	/* the process that listen()ed, else the one that holds the socket */
	l = find_listener(rec->netns, rec->lport, rec->family, rec->laddr);
	if (l) {
		set_owner(rec, &l->owner, RST_ATTR_SOCKET_OWNER, RST_F_SERVER);
	} else {
		struct rst_owner o = {
			.ino = s.ino,
			.pid = task->tgid,
			.uid = BPF_CORE_READ(task, cred, uid.val),
			.proc_start_ns = task->start_time,
		};

		bpf_probe_read_kernel_str(o.comm, sizeof(o.comm), task->comm);
		set_owner(rec, &o, RST_ATTR_SOCKET_OWNER, RST_F_SERVER);
	}
	s.wanted = passes_filters(rec);
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}
