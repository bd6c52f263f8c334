/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The names of a container, from files its runtime keeps on the host: no
 * client library, no API call, no socket.
 *
 *   containerd (Kubernetes): ROOT/run/containerd/io.containerd.runtime.v2.task/k8s.io/ID/config.json
 *     annotations io.kubernetes.cri.sandbox-name, .sandbox-namespace, .container-name
 *   CRI-O: ROOT/var/lib/containers/storage/overlay-containers/ID/userdata/config.json
 *     annotations io.kubernetes.pod.name, .pod.namespace, .container.name
 *   docker: ROOT/var/lib/docker/containers/ID/config.v2.json
 *     "Name" ("/NAME"); under Kubernetes (cri-dockerd) also Config.Labels
 *     io.kubernetes.pod.name, .pod.namespace, .container.name
 *
 * ROOT is --host-root ("/" unless rstsnoop runs in a container with the
 * host's filesystem mounted elsewhere; the tests point it at fixture
 * trees).  Each id is read once (found or not), at most CONTAINER_FILE_MAX
 * bytes of one file, and the cache holds CONTAINER_CACHE_MAX ids: beyond
 * that, ids are not looked up (counted).  A missing, unreadable, oversized
 * or malformed file gives no names, never an error.  The files belong to
 * the runtime, but their values come from whoever wrote the pod spec:
 * hostile input, kept as raw bytes here and escaped by each output.
 */
#ifndef RSTSNOOP_CONTAINER_NAMES_H
#define RSTSNOOP_CONTAINER_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define CONTAINER_NAME_MAX 253	     /* Kubernetes' longest name (a DNS subdomain) */
#define CONTAINER_FILE_MAX (1 << 20) /* config.json with env and mounts: tens of KiB */
#define CONTAINER_CACHE_MAX 4096

/* Empty strings where the files say nothing; a longer value is cut at a
 * whole UTF-8 character. */
struct container_names {
	char pod[CONTAINER_NAME_MAX + 1];
	char namespace[CONTAINER_NAME_MAX + 1];
	char container[CONTAINER_NAME_MAX + 1];
	__u32 pod_index; /* one number per distinct (namespace, pod), from 1; 0: no pod */
};

/*
 * The string values of a JSON text at given key paths: picks[i].path is up
 * to 3 keys from the top-level object ("annotations", "io.k..."); each
 * value found goes to picks[i].out (NUL-terminated, cut at a whole UTF-8
 * character), and picks[i].found is set.  Values that are not strings are
 * ignored.  The whole text must be valid JSON (RFC 8259) with a top-level
 * object, at most JSON_PICK_DEPTH deep: else -EINVAL and nothing is
 * picked.  Pure, no allocation.
 */
#define JSON_PICK_DEPTH 64
struct json_pick {
	const char *path[3];
	size_t depth;
	char *out;
	size_t out_size;
	bool found;
};
int json_pick_strings(const char *text, size_t len, struct json_pick *picks, size_t n);

/* Names from one runtime's file text (pure): true when any was found. */
bool container_names_from_oci_config(const char *text, size_t len, struct container_names *out);
bool container_names_from_docker_config(const char *text, size_t len,
					struct container_names *out);

struct container_directory;

/* host_root: "/" or the folder the host's files are mounted under.  NULL:
 * no memory. */
struct container_directory *container_directory_new(const char *host_root);
void container_directory_free(struct container_directory *d);
/* The names of a container id (64 hex digits), read from the files on
 * first use; NULL when no file names it (or the cache is full). */
const struct container_names *container_names_lookup(struct container_directory *d,
						     const char *id);
/* Ids not looked up because the cache was full. */
__u64 container_directory_uncached(const struct container_directory *d);

#endif
