/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Giving up privileges once the programs are attached: the poll loop only
 * reads the mapped ring buffer and, at the end, one BPF map through an fd
 * it already holds.  After privs_drop() the process has no capability left
 * (or CAP_BPF alone, on kernels that still gate every bpf() command on it),
 * no_new_privs set, and optionally another uid.
 */
#ifndef RSTSNOOP_PRIVS_H
#define RSTSNOOP_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct privs_user {
	bool set; /* false: stay uid 0 */
	uid_t uid;
	gid_t gid;
};

/*
 * Resolves --user: a name in /etc/passwd, or a numeric uid (its group then
 * is the passwd entry's, or the same number).  Done before loading, while
 * /etc is readable.  Returns 0, or -1 after one line on stderr.
 */
int privs_resolve_user(const char *spec, struct privs_user *u);

/*
 * Empties the bounding, ambient, inheritable and permitted capability
 * sets, switches to u (when set), and sets no_new_privs.
 * still_works(ctx) runs the loop's one privileged-looking operation (a
 * bpf() command on an fd we hold) with no capability in effect: on
 * kernels where it fails with EPERM (before 5.19, with
 * kernel.unprivileged_bpf_disabled set, every bpf() command needs CAP_BPF)
 * CAP_BPF stays, alone (said on stderr with verbose).  Returns 0, or -1
 * after one line on stderr.
 */
int privs_drop(const struct privs_user *u, int (*still_works)(void *ctx), void *ctx, bool verbose);

#endif
