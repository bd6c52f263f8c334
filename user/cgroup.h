/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * cgroup v2: where the hierarchy is mounted, which path a cgroup id (the
 * inode of its directory) names, and the container or systemd unit such a
 * path shows.  Paths come from whoever named the cgroups: hostile input.
 */
#ifndef RSTSNOOP_CGROUP_H
#define RSTSNOOP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "container_names.h"

#define CGROUP_CONTAINER_ID_LEN 64 /* docker, containerd, cri-o, podman: 64 hex digits */
#define CGROUP_UNIT_LEN 256	   /* systemd's limit on a unit name */

/* What a cgroup path shows; empty strings where it shows nothing. */
struct cgroup_facts {
	char container_id[CGROUP_CONTAINER_ID_LEN + 1];
	char unit[CGROUP_UNIT_LEN];
};

struct cgroup_info {
	__u64 id;
	char *path; /* relative to the cgroup2 mount, "/" first, as /proc/PID/cgroup shows it */
	struct cgroup_facts facts;
	/* what the runtime's files name the container (container_names.h);
	 * NULL: no container, no file, or not looked up (no directory) */
	const struct container_names *names;
	bool names_looked_up;
};

/*
 * The container and the systemd unit a path shows: the deepest component
 * that is a container id (64 hex digits, bare or as docker-ID.scope,
 * cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope, or without the
 * .scope as the cgroupfs managers name them), and the deepest
 * component naming a .service or .scope unit.
 */
void cgroup_facts_of_path(const char *path, struct cgroup_facts *out);

/* The cgroup2 mount point from /proc/self/mountinfo text; -ENOENT if none. */
int cgroup2_mount_in(FILE *mountinfo, char *buf, size_t size);

struct cgroup_names;

/* Finds the cgroup2 mount; without one every look-up fails.  NULL: no memory. */
struct cgroup_names *cgroup_names_new(void);
void cgroup_names_free(struct cgroup_names *c);
/* Names each container a cgroup shows from these files (looked up on the
 * first cgroup_lookup() of it); NULL: none.  c does not own d. */
void cgroup_names_use_containers(struct cgroup_names *c, struct container_directory *d);
/* The cgroup of an id, NULL when none is known (walks the tree again on a
 * miss, at most once a second per unknown id). */
const struct cgroup_info *cgroup_lookup(struct cgroup_names *c, __u64 id);
/* The id of a path relative to the mount ("/a/b"); 0 when there is none. */
__u64 cgroup_id_of_path(const struct cgroup_names *c, const char *path);
/* The cgroup2 path of a running process (/proc/PID/cgroup "0::"); false if unknown. */
bool cgroup_path_of_pid(unsigned int pid, char *buf, size_t size);
/* path without the mount point, where it starts with it ("/sys/fs/cgroup/a"
 * is "/a"); else path itself. */
const char *cgroup_relative(const struct cgroup_names *c, const char *path);
/* path lies in the subtree under (both relative to the mount). */
bool cgroup_in_subtree(const char *path, const char *under);

#endif
