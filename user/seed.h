/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Attribution of sockets that existed before rstsnoop started: writes each
 * TCP socket's owner (by inode) and each listener (by netns and port) into
 * the tracer's maps.  A BPF task_file iterator where the kernel allows it,
 * else /proc/PID/fd and /proc/PID/net/tcp{,6}.
 */
#ifndef RSTSNOOP_SEED_H
#define RSTSNOOP_SEED_H

#include <stdbool.h>

enum seed_method {
	SEED_AUTO, /* BPF iterator, /proc when the kernel refuses it */
	SEED_ITER,
	SEED_PROC,
	SEED_NONE,
};

/* "auto", "iter", "proc", "none" (the --seed words); -EINVAL for others. */
int seed_method_parse(const char *word, enum seed_method *out);
/* How a method is shown: "bpf-iterator", "procfs", ... */
const char *seed_method_name(enum seed_method m);

struct seed_result {
	enum seed_method used; /* SEED_ITER, SEED_PROC or SEED_NONE */
	unsigned int sockets;  /* sockets attributed */
	unsigned int overflow; /* sockets the seeds table had no room for (/proc seeding; the
				  iterator counts its own in the seed_overflow map) */
};

struct bpf_program;

/* The tracer's maps seeding writes to (file descriptors). */
struct seed_maps {
	int seeds_fd;	  /* socket inode -> struct rst_owner */
	int listeners_fd; /* netns and port -> struct rst_listener */
	int procs_fd;	  /* pid -> struct rst_process */
	int listener_tgids_fd; /* tgid of a listener's owner -> its start time */
};

/*
 * iterator: the tracer's loaded task_file iterator, or NULL where the
 * kernel refused it.  Returns 0, or a negative errno when the method asked
 * for failed.
 */
int seed_sockets(enum seed_method want, struct bpf_program *iterator,
		 const struct seed_maps *maps, bool verbose, struct seed_result *res);

#endif
