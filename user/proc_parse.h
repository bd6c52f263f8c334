/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Parsers of the /proc text that seeding reads (--seed proc): pure
 * functions over one line or buffer, so they can be fuzzed.  /proc holds
 * text other users control (process names), so nothing here trusts it.
 */
#ifndef RSTSNOOP_PROC_PARSE_H
#define RSTSNOOP_PROC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct proc_tcp_socket {
	__u64 ino;
	__u16 lport;
	__u8 state; /* TCP_* as the kernel numbers them */
};

/* One line of /proc/PID/net/tcp{,6}: "sl local rem st ... uid timeout
 * inode".  False for the header, sockets without an inode, and junk. */
bool proc_tcp_line(const char *line, struct proc_tcp_socket *s);

/* The real uid on the "Uid:" line of /proc/PID/status; false on others. */
bool proc_status_uid(const char *line, __u32 *uid);

/* The inode of a "socket:[N]" link target of /proc/PID/fd/N. */
bool proc_socket_inode(const char *link, __u64 *ino);

/*
 * The parent (field 4) and the start (field 22, clock ticks after boot) in
 * the NUL-terminated text of /proc/PID/stat.  The name (field 2) may hold
 * blanks and parentheses: the fields after it follow the last ')'.
 */
bool proc_stat_fields(const char *buf, __u32 *ppid, unsigned long long *start_ticks);

/* /proc/PID/comm's n bytes into comm (size bytes, NUL-terminated) without
 * its newline; other bytes are kept as they are (escaped on output). */
void proc_comm(const char *buf, size_t n, char *comm, size_t size);

#endif
