/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Who a record's process is beyond its pid: the kernel side's `procs`
 * entry (parent, command line, cgroup id) joined by pid AND start time, so
 * a reused pid never lends another process's identity, and the cgroup it
 * names.  Cached in user space: a storm must not cost a syscall per record.
 */
#ifndef RSTSNOOP_IDENTITY_H
#define RSTSNOOP_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include "cgroup.h"
#include "record.h"

struct identity {
	const struct rst_process *proc;	  /* NULL: unknown */
	const struct cgroup_info *cgroup; /* NULL: unknown; valid until the next look-up */
};

struct identities;

/*
 * procs_fd: the tracer's `procs` map.  cmdline_from_proc: the kernel side
 * cannot read command lines (lockdown=confidentiality, see capture_cmdline
 * in bpf/rst_config.h), so a process's is read from /proc at its first
 * record, while it lives.  NULL: no memory.
 */
struct identities *identities_new(int procs_fd, struct cgroup_names *cgroups,
				  bool cmdline_from_proc);
void identities_free(struct identities *ids);
/* The identity of rec's owner; both members NULL when unknown. */
void identity_of(struct identities *ids, const struct rst_record *rec, struct identity *out);
/*
 * Right after seeding: the seeding iterator cannot read command lines
 * (they are in each process's memory), so they are read from /proc now,
 * while those processes live, and written back to the map.
 */
void identities_complete_seeded(struct identities *ids);

/* Reads /proc/PID/cmdline into p (cmdline, cmdline_len, cmdline_cut). */
void process_cmdline_from_proc(__u32 pid, struct rst_process *p);
/*
 * Reads /proc/PID/cmdline into p if PID is still the process that started
 * at start_ns (task start_time, CLOCK_MONOTONIC); true when it read one.
 */
bool process_cmdline_if_started(__u32 pid, __u64 start_ns, struct rst_process *p);
/* The command line with its arguments joined by one space; returns the length. */
size_t cmdline_join(const struct rst_process *p, char *buf, size_t size);

#endif
