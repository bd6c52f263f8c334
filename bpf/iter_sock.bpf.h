/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the task_file iterators (seed.bpf.c, listen_drops_iter.bpf.c): the
 * TCP socket behind one open file of a process, once per process.
 */
#ifndef RSTSNOOP_ITER_SOCK_BPF_H
#define RSTSNOOP_ITER_SOCK_BPF_H

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

/*
 * The TCP socket of `file`, or NULL: not a socket, not TCP, or a thread
 * other than the main one (threads share the process's files: the main
 * thread stands for them).
 */
static __always_inline struct sock *iter_tcp_sock(const struct task_struct *task,
						   const struct file *file)
{
	struct socket *sock;
	struct sock *sk;

	if (!task || !file || task->tgid != task->pid)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return NULL;
	return sk;
}

#endif /* RSTSNOOP_ITER_SOCK_BPF_H */
