/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets and their owners: what a record says about the socket (netns,
 * inode, cookie) and the process it belongs to.
 *
 * A compilation unit of BTF-typed programs (tp_btf) defines RST_BTF_PROGS
 * before including this file: its socket pointers are typed, so the
 * accessors load fields directly, and the owner table is keyed by socket
 * cookie.  The classic tracepoint programs get untyped addresses and read
 * through bpf_probe_read_kernel (about 45 ns a read), keyed by address.
 */
#ifndef RSTSNOOP_SOCK_BPF_H
#define RSTSNOOP_SOCK_BPF_H

#include "config.bpf.h"
#include "maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

#ifdef RST_BTF_PROGS
static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline int sk_state(const struct sock *sk)
{
	return sk->__sk_common.skc_state;
}

static __always_inline int sk_error(const struct sock *sk)
{
	return sk->sk_err;
}

static __always_inline int sk_error_soft(const struct sock *sk)
{
	return sk->sk_err_soft;
}

/* bpf_get_socket_cookie() from tracing programs: Linux 5.12, commit
 * c5dbb89fc2ac ("bpf: Expose bpf_get_socket_cookie to tracing programs").
 * It assigns a cookie where the socket has none yet. */
static __always_inline __u64 sk_cookie(const struct sock *sk)
{
	return bpf_get_socket_cookie((void *)sk);
}

/* The owner table's key: the cookie (a typed pointer is no number here). */
static __always_inline __u64 sock_key(const struct sock *sk)
{
	return sk_cookie(sk);
}

/*
 * Family, ports and addresses as the socket has them, this host's end
 * first, as the classic events give them.  The local port is inet_sport:
 * skc_num is already 0 when the socket reaches CLOSE (tcp_set_state() calls
 * inet_put_port() before inet_sk_state_store() fires the tracepoint).  Only
 * full sockets have an inet_sock around them (bpf_skc_to_tcp_sock() says
 * which); request and TIME_WAIT sockets keep skc_num.
 */
static __always_inline __u16 sock_lport(const struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

	return tp ? bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport) : sk->__sk_common.skc_num;
}

/* The addresses of rec->family, this host's first. */
static __always_inline void sock_addrs(const struct sock *sk, struct rst_record *rec)
{
	const struct sock_common *c = &sk->__sk_common;

	if (rec->family == AF_INET6) {
		__builtin_memcpy(rec->laddr, &c->skc_v6_rcv_saddr, RST_ADDR_LEN);
		__builtin_memcpy(rec->raddr, &c->skc_v6_daddr, RST_ADDR_LEN);
	} else {
		*(__u32 *)rec->laddr = c->skc_rcv_saddr;
		*(__u32 *)rec->raddr = c->skc_daddr;
	}
}

static __always_inline void sock_endpoints(const struct sock *sk, struct rst_record *rec)
{
	rec->family = sk->__sk_common.skc_family;
	rec->lport = sock_lport(sk);
	rec->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	sock_addrs(sk, rec);
}

/* The cookie, given the socket's key: they are the same here. */
static __always_inline __u64 sock_cookie_of(const struct sock *sk, __u64 key)
{
	return key;
}

/* Inode of the socket's file: what /proc/PID/fd and `ss -e` show. */
static __always_inline __u64 sock_ino(const struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct file *file;

	if (!sock)
		return 0;
	file = sock->file;
	return file ? file->f_inode->i_ino : 0;
}
#else
static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline int sk_state(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_state);
}

static __always_inline int sk_error(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_err);
}

static __always_inline int sk_error_soft(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_err_soft);
}

/* The cookie the kernel assigned, 0 where it never did: a tracepoint
 * program cannot call bpf_get_socket_cookie(). */
static __always_inline __u64 sk_cookie(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

static __always_inline __u64 sock_key(const struct sock *sk)
{
	return (__u64)sk;
}

static __always_inline __u64 sock_cookie_of(const struct sock *sk, __u64 key)
{
	return sk_cookie(sk);
}

/*
 * Inode of the socket's file: what /proc/PID/fd and `ss -e` show.  The
 * inode sits right behind the struct socket (struct socket_alloc, what
 * SOCK_INODE() uses): two reads instead of walking socket->file->f_inode.
 */
static __always_inline __u64 sock_ino(const struct sock *sk)
{
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	__u64 ino = 0;

	if (!sock)
		return 0;
	bpf_probe_read_kernel(&ino, sizeof(ino),
			      (void *)sock + bpf_core_field_offset(struct socket_alloc, vfs_inode) +
				      bpf_core_field_offset(struct inode, i_ino));
	return ino;
}
#endif /* RST_BTF_PROGS */

static __always_inline bool is_full_sock(int state)
{
	return state != TCP_TIME_WAIT && state != TCP_NEW_SYN_RECV;
}

/* ---- the owner table (see struct rst_owner_set) ------------------------- */

/*
 * The set of `key`, and the way to evict when all its ways are live.
 * Socket addresses (the classic programs' keys) share their low bits (slab
 * alignment) and are hashed.  Cookies (the BTF-typed ones') are not: the
 * kernel hands them out counting up (per-CPU batches, gen_cookie_next()),
 * so their low bits already spread over every set, and consecutive
 * sockets land in neighbouring sets, whose memory the CPU still has or
 * prefetches.  A hashed cookie sent each connect() to a random set of the
 * 6 MB table: a cache and TLB miss that was half of set_state's time
 * (perf: 215 of 420 samples on owner_claim's first key compare).
 */
static __always_inline __u32 owner_set_index(__u64 key, __u32 *way_hint)
{
	/* the finaliser of MurmurHash3 */
	__u64 h = key;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	*way_hint = (h >> 32) % OWNER_WAYS;
#ifdef RST_BTF_PROGS
	return key & (OWNER_SETS - 1);
#else
	return h & (OWNER_SETS - 1);
#endif
}

static __always_inline struct rst_owner_set *owner_set(__u64 key, __u32 *way_hint)
{
	__u32 index = owner_set_index(key, way_hint);

	return bpf_map_lookup_elem(&socks, &index);
}

/* The slot of `key` in its set, or NULL. */
static __always_inline struct rst_owner_slot *owner_slot(__u64 key)
{
	__u32 hint;
	struct rst_owner_set *set = owner_set(key, &hint);

	if (!set)
		return NULL;
	for (int i = 0; i < OWNER_WAYS; i++)
		if (set->way[i].key == key)
			return &set->way[i];
	return NULL;
}

/* The socket `key` belongs to o (connect() or listen() is running). */
static __always_inline void owner_claim(__u64 key, const struct rst_owner *o, __u8 role)
{
	struct rst_owner_slot *slot = NULL;
	struct rst_owner_set *set;
	__u32 hint, zero = 0;
	__u64 *collisions;

	set = owner_set(key, &hint);
	if (!set)
		return;
	for (int i = 0; i < OWNER_WAYS; i++) {
		struct rst_owner_slot *way = &set->way[i];

		if (way->key == key) {
			slot = way;
			break;
		}
		if (!slot && (!way->key || way->info.closed))
			slot = way;
	}
	if (!slot) {
		slot = &set->way[hint & (OWNER_WAYS - 1)];
		collisions = bpf_map_lookup_elem(&owner_collisions, &zero);
		if (collisions)
			*collisions += 1; /* per CPU: no atomic needed */
	}
	/* Readers check the key after copying (owner_lookup): empty the slot
	 * while it is rewritten, so no reader takes half of two owners. */
	slot->key = 0;
	barrier();
	slot->info.owner = *o;
	slot->info.opened_ns = bpf_ktime_get_ns();
	slot->info.role = role;
	slot->info.closed = 0;
	barrier();
	slot->key = key;
}

/* Copies the owner entry of `key` from its slot (owner_slot(), NULL: none);
 * false where the slot holds no entry of key (any more). */
static __always_inline bool owner_copy(const struct rst_owner_slot *slot, __u64 key,
				       struct rst_sock_info *out)
{
	if (!slot)
		return false;
	*out = slot->info;
#ifdef RST_MUTATE_OWNER_PID /* mutation smoke: the owner misattributed */
	out->owner.pid += 1;
#endif
	barrier();
	return slot->key == key;
}

/* Copies the owner entry of `key`; false where there is none. */
static __always_inline bool owner_lookup(__u64 key, struct rst_sock_info *out)
{
	return owner_copy(owner_slot(key), key, out);
}

/* The slot of `key`, if any, now belongs to nobody: a new socket took the
 * address of the one it described. */
static __always_inline void owner_forget(__u64 key)
{
	struct rst_owner_slot *slot = owner_slot(key);

	if (slot)
		slot->key = 0;
}

/* The socket `key` reached CLOSE: its slot (owner_slot(), NULL: none) is
 * free, but keeps the owner for the RST close() may send right after. */
static __always_inline void owner_release_slot(struct rst_owner_slot *slot, __u64 key)
{
	if (slot && slot->key == key)
		slot->info.closed = 1;
}

static __always_inline void owner_release(__u64 key)
{
	owner_release_slot(owner_slot(key), key);
}

/* ---- attribution -------------------------------------------------------- */

/*
 * Keeps who the process is beyond its pid (struct rst_process), once per
 * process: the command line, the parent and the cgroup are read when the
 * process first makes or listens on a socket, in its own context (the
 * command line is in its memory), so they are known even after it exits.
 */
static __always_inline void note_process(const struct rst_owner *o,
					 const struct task_struct *leader)
{
	const struct rst_process *known;
	const struct task_struct *parent;
	struct rst_process *p;
	unsigned long arg_start, arg_end, len;
	struct mm_struct *mm;
	__u32 zero = 0;

	/* the look-up also keeps a busy process's LRU entry fresh */
	known = bpf_map_lookup_elem(&procs, &o->pid);
	if (known && known->start_ns == o->proc_start_ns)
		return;
	p = bpf_map_lookup_elem(&process_scratch, &zero);
	if (!p)
		return;
	p->start_ns = o->proc_start_ns;
	p->cgroup_id = bpf_get_current_cgroup_id();
	p->pid = o->pid;
	__builtin_memcpy(p->comm, o->comm, sizeof(p->comm));
#ifdef RST_BTF_PROGS
	/* typed loads: no bpf_probe_read_kernel(), which lockdown=confidentiality
	 * withdraws (a kernel thread's NULL mm reads as 0s) */
	parent = leader->real_parent;
	p->ppid = parent->tgid;
	__builtin_memcpy(p->parent_comm, parent->comm, sizeof(p->parent_comm));
	mm = leader->mm;
	arg_start = mm->arg_start;
	arg_end = mm->arg_end;
#else
	parent = BPF_CORE_READ(leader, real_parent);
	p->ppid = BPF_CORE_READ(parent, tgid);
	BPF_CORE_READ_INTO(&p->parent_comm, parent, comm);
	mm = BPF_CORE_READ(leader, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
#endif
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	p->cmdline_cut = len > RST_CMDLINE_LEN;
	if (len > RST_CMDLINE_LEN)
		len = RST_CMDLINE_LEN;
	barrier_var(len);
	if (cfg.capture_cmdline && len && len <= RST_CMDLINE_LEN &&
	    !bpf_probe_read_user(p->cmdline, len, (void *)arg_start))
		p->cmdline_len = len;
	else
		p->cmdline_len = 0;
	map_update(&procs, &o->pid, p, BPF_ANY, RST_MAP_PROCS);
}

/* The running task's process and thread, for connect(), listen() and
 * close(), which run in the owner's context. */
static __always_inline void owner_from_current(struct rst_owner *o)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
#ifdef RST_BTF_PROGS
	const struct task_struct *leader = bpf_get_current_task_btf()->group_leader;

	o->proc_start_ns = leader->start_time;
	__builtin_memcpy(o->comm, leader->comm, sizeof(o->comm));
#else
	const struct task_struct *leader =
		BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), group_leader);

	o->proc_start_ns = BPF_CORE_READ(leader, start_time);
	BPF_CORE_READ_INTO(&o->comm, leader, comm);
#endif
	o->ino = 0;
	o->pid = pid_tgid >> 32;
	o->tid = (__u32)pid_tgid;
	o->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(o->thread, sizeof(o->thread));
	note_process(o, leader);
}

/*
 * The listener of a port that a segment or child socket of family and
 * local address laddr belongs to: the one bound to that address, else the
 * one on any address of the family, else (IPv4) a dual-stack IPv6 one on
 * any address.  NULL when none is known.
 */
static __always_inline const struct rst_listener *find_listener(__u32 netns, __u16 port,
								__u16 family, const __u8 *laddr)
{
	struct rst_listener_key lk = {.netns = netns, .port = port, .family = family};
	const struct rst_listener *l;

	if (family == AF_INET6)
		__builtin_memcpy(lk.addr, laddr, RST_ADDR_LEN);
	else
		__builtin_memcpy(lk.addr, laddr, 4);
	l = bpf_map_lookup_elem(&listeners, &lk);
	if (l)
		return l;
	__builtin_memset(lk.addr, 0, RST_ADDR_LEN);
	l = bpf_map_lookup_elem(&listeners, &lk);
	if (l || family != AF_INET)
		return l;
	lk.family = AF_INET6;
	return bpf_map_lookup_elem(&listeners, &lk);
}

/* role: RST_F_CLIENT or RST_F_SERVER where known, else 0 */
static __always_inline void set_owner(struct rst_record *rec, const struct rst_owner *o, __u8 how,
				      __u8 role)
{
	rec->pid = o->pid;
	rec->tid = o->tid;
	rec->uid = o->uid;
	rec->proc_start_ns = o->proc_start_ns;
	__builtin_memcpy(rec->comm, o->comm, sizeof(rec->comm));
	__builtin_memcpy(rec->thread, o->thread, sizeof(rec->thread));
	rec->flags |= RST_F_OWNER | role;
	rec->attribution = how;
}

/*
 * Names the record's owner: own (the socket's entry, or what its CLOSE
 * left) where known; else a socket that existed before we started (seeded
 * by inode, role unknown); else a server-side child belongs to its
 * listener's owner until something better is known.  False when nobody is
 * known.  (Each branch calls set_owner() itself: selecting among map value
 * pointers lets the compiler move pointer arithmetic before the NULL checks,
 * which the verifier refuses.)
 */
static __always_inline bool attribute_socket_owner(struct rst_record *rec, const struct sock *sk,
						   int state, const struct rst_owner *own,
						   __u8 role)
{
	const struct rst_listener *l;

	if (own) {
		set_owner(rec, own, RST_ATTR_SOCKET_OWNER, role);
		return true;
	}
	if (seeded_sockets && is_full_sock(state)) {
		__u64 ino = sock_ino(sk);
		const struct rst_owner *seed = ino ? bpf_map_lookup_elem(&seeds, &ino) : NULL;

		if (seed) {
			set_owner(rec, seed, RST_ATTR_SOCKET_OWNER, 0);
			return true;
		}
	}
	l = find_listener(rec->netns, rec->lport, rec->family, rec->laddr);
	if (!l)
		return false;
	set_owner(rec, &l->owner, RST_ATTR_SOCKET_OWNER, RST_F_SERVER);
	return true;
}

#endif /* RSTSNOOP_SOCK_BPF_H */
