/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets and their owners: what a record says about the socket (netns,
 * inode) and the process it belongs to.
 */
#ifndef RSTSNOOP_SOCK_BPF_H
#define RSTSNOOP_SOCK_BPF_H

#include "config.bpf.h"
#include "maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline bool is_full_sock(int state)
{
	return state != TCP_TIME_WAIT && state != TCP_NEW_SYN_RECV;
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

static __always_inline void owner_from_current(struct rst_owner *o)
{
	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/* role: RST_F_CLIENT or RST_F_SERVER where known, else 0 */
static __always_inline void set_owner(struct rst_record *rec, const struct rst_owner *o, __u8 how,
				      __u8 role)
{
	rec->pid = o->pid;
	rec->uid = o->uid;
	__builtin_memcpy(rec->comm, o->comm, sizeof(rec->comm));
	rec->flags |= RST_F_OWNER | role;
	rec->attribution = how;
}

/*
 * Who owns a socket that has no entry of its own: a socket that existed
 * before we started (seeded by inode), or a server-side child, which belongs
 * to its listener's owner until something better is known.  *role says
 * which of the two it was (a seeded socket's role is not known).
 */
static __always_inline const struct rst_owner *owner_by_lookup(const struct sock *sk, int state,
							    __u32 netns, __u16 lport, __u8 *role)
{
	struct rst_listener_key lk = {.netns = netns, .port = lport};
	struct rst_listener *l;

	if (seeded_sockets && is_full_sock(state)) {
		__u64 ino = sock_ino(sk);
		const struct rst_owner *o = ino ? bpf_map_lookup_elem(&seeds, &ino) : NULL;

		*role = 0;
		if (o)
			return o;
	}
	l = bpf_map_lookup_elem(&listeners, &lk);
	*role = RST_F_SERVER;
	return l ? &l->owner : NULL;
}

/*
 * Names the record's owner: own (the socket's entry, or what its CLOSE
 * left) where known, else whoever owner_by_lookup() finds.  False when
 * nobody is known.
 */
static __always_inline bool attribute_socket_owner(struct rst_record *rec, const struct sock *sk,
						   int state, const struct rst_owner *own,
						   __u8 role)
{
	if (!own)
		own = owner_by_lookup(sk, state, rec->netns, rec->lport, &role);
	if (!own)
		return false;
	set_owner(rec, own, RST_ATTR_SOCKET_OWNER, role);
	return true;
}

#endif /* RSTSNOOP_SOCK_BPF_H */
