// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE
#include "kernel_counters.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const kernel_counter_names[KC_COUNT] = {
	[KC_OUT_RSTS] = "OutRsts",
	[KC_ATTEMPT_FAILS] = "AttemptFails",
	[KC_ESTAB_RESETS] = "EstabResets",
	[KC_ABORT_ON_DATA] = "TCPAbortOnData",
	[KC_ABORT_ON_CLOSE] = "TCPAbortOnClose",
	[KC_ABORT_ON_LINGER] = "TCPAbortOnLinger",
	[KC_ABORT_ON_TIMEOUT] = "TCPAbortOnTimeout",
	[KC_CHALLENGE_ACK] = "TCPChallengeACK",
	[KC_LISTEN_DROPS] = "ListenDrops",
	[KC_EMBRYONIC_RSTS] = "EmbryonicRsts",
	[KC_PAWS_ACTIVE_REJECTED] = "PAWSActive",
};

/*
 * Both files hold pairs of lines, "Tcp: Name1 Name2 ..." then
 * "Tcp: 1 2 ...": takes the named counters of the table called prefix.
 * Returns whether that table was there.
 */
static bool parse_table(FILE *f, const char *prefix, struct kernel_counters *out)
{
	char names[8192], values[8192];
	bool found = false;

	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		char *ns, *vs, *n, *v;

		if (strncmp(names, prefix, strlen(prefix)) || strncmp(values, prefix, strlen(prefix)))
			continue;
		found = true;
		n = strtok_r(names + strlen(prefix), " \n", &ns);
		v = strtok_r(values + strlen(prefix), " \n", &vs);
		for (; n && v; n = strtok_r(NULL, " \n", &ns), v = strtok_r(NULL, " \n", &vs))
			for (int i = 0; i < KC_COUNT; i++)
				if (!strcmp(n, kernel_counter_names[i]))
					out->v[i] = strtoull(v, NULL, 10);
	}
	return found;
}

int kernel_counters_parse(FILE *snmp, FILE *netstat, struct kernel_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!parse_table(snmp, "Tcp:", out))
		return -EINVAL;
	if (netstat)
		parse_table(netstat, "TcpExt:", out);
	return 0;
}

/*
 * A namespace's counter files stay open from the moment it is watched: an
 * open /proc/net file keeps the namespace it was opened in, and reading it
 * again from the start needs no privilege, so the counters still come
 * after rstsnoop has given up its capabilities (user/privs.h).
 */
struct watched {
	__u32 netns;
	FILE *snmp;
	FILE *netstat; /* NULL where the kernel has none */
	bool fresh;    /* added since the last sample */
	struct kernel_counters last;
};

struct counter_watch {
	struct watched ns[WATCHED_NETNS_MAX];
	size_t n;
	__u32 failed[WATCHED_NETNS_MAX]; /* tried once, not found: not tried again */
	size_t nfailed;
};

struct counter_watch *counter_watch_new(void)
{
	return calloc(1, sizeof(struct counter_watch));
}

void counter_watch_free(struct counter_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		fclose(w->ns[i].snmp);
		if (w->ns[i].netstat)
			fclose(w->ns[i].netstat);
	}
	free(w);
}

bool counter_watch_tried(const struct counter_watch *w, __u32 netns)
{
	if (w->n == WATCHED_NETNS_MAX || w->nfailed == WATCHED_NETNS_MAX)
		return true;
	for (size_t i = 0; i < w->n; i++)
		if (w->ns[i].netns == netns)
			return true;
	for (size_t i = 0; i < w->nfailed; i++)
		if (w->failed[i] == netns)
			return true;
	return false;
}

/* An fd of the namespace at path when it is netns, else -1. */
static int open_if(const char *path, __u32 netns)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || st.st_ino != netns)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* An fd of the namespace netns from /proc/self or /run/netns, else -1. */
static int open_netns(__u32 netns)
{
	char path[300];
	struct dirent *d;
	int fd;
	DIR *dir;

	fd = open_if("/proc/self/ns/net", netns);
	dir = fd < 0 ? opendir("/run/netns") : NULL;
	while (dir && fd < 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		fd = open_if(path, netns);
	}
	if (dir)
		closedir(dir);
	return fd;
}

struct open_job {
	int fd;
	struct watched *ns;
	int err;
};

/*
 * In a thread of its own: setns() moves only the calling thread, and
 * /proc/thread-self/net shows that thread's namespace (/proc/self/net would
 * show the main thread's).  Needs CAP_SYS_ADMIN: done while rstsnoop still
 * has it (the namespaces named or ours, at start).
 */
static void *open_in_netns(void *arg)
{
	struct open_job *job = arg;

	if (setns(job->fd, CLONE_NEWNET)) {
		job->err = -errno;
		return NULL;
	}
	job->ns->snmp = fopen("/proc/thread-self/net/snmp", "re");
	job->ns->netstat = fopen("/proc/thread-self/net/netstat", "re");
	job->err = job->ns->snmp ? 0 : -errno;
	return NULL;
}

/*
 * Opens the counter files of netns into ns: through /proc/PID/net of a
 * process that showed it (readable without privilege; pid 0: none), else
 * by entering the namespace, found as ours or in /run/netns.
 */
static int open_counters(struct watched *ns, __u32 netns, __u32 pid)
{
	struct open_job job = {.ns = ns};
	char path[64];
	pthread_t t;

	if (pid) {
		snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
		job.fd = open_if(path, netns);
		if (job.fd >= 0 || errno == EACCES || errno == EPERM) {
			/* the record says pid's socket is in netns; where we may
			 * no longer check, that is trusted */
			if (job.fd >= 0)
				close(job.fd);
			snprintf(path, sizeof(path), "/proc/%u/net/snmp", pid);
			ns->snmp = fopen(path, "re");
			snprintf(path, sizeof(path), "/proc/%u/net/netstat", pid);
			ns->netstat = fopen(path, "re");
			if (ns->snmp)
				return 0;
			if (ns->netstat)
				fclose(ns->netstat);
		}
	}
	job.fd = open_netns(netns);
	if (job.fd < 0)
		return -ENOENT;
	if (pthread_create(&t, NULL, open_in_netns, &job)) {
		close(job.fd);
		return -EAGAIN;
	}
	pthread_join(t, NULL);
	close(job.fd);
	if (job.err && ns->netstat)
		fclose(ns->netstat);
	return job.err;
}

/* Reads the open files again from their start: /proc/net files are made
 * anew on every read from offset 0. */
static int read_counters(struct watched *ns, struct kernel_counters *out)
{
	if (fseek(ns->snmp, 0, SEEK_SET) || (ns->netstat && fseek(ns->netstat, 0, SEEK_SET)))
		return -errno;
	return kernel_counters_parse(ns->snmp, ns->netstat, out);
}

int counter_watch_add(struct counter_watch *w, __u32 netns, __u32 pid)
{
	struct watched *ns;
	int err;

	if (w->n == WATCHED_NETNS_MAX)
		return -ENOSPC;
	ns = &w->ns[w->n];
	memset(ns, 0, sizeof(*ns));
	err = open_counters(ns, netns, pid);
	if (!err) {
		err = read_counters(ns, &ns->last);
		if (err) {
			fclose(ns->snmp);
			if (ns->netstat)
				fclose(ns->netstat);
		}
	}
	if (err) {
		if (w->nfailed < WATCHED_NETNS_MAX)
			w->failed[w->nfailed++] = netns;
		return err;
	}
	ns->netns = netns;
	ns->fresh = true;
	w->n++;
	return 0;
}

void counter_watch_begin(struct counter_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		w->ns[i].fresh = false;
}

size_t counter_watch_sample(struct counter_watch *w, struct netns_delta *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n && n < max; i++) {
		struct watched *ns = &w->ns[i];
		struct kernel_counters now;

		if (read_counters(ns, &now))
			continue; /* kept for the next interval */
		out[n].netns = ns->netns;
		out[n].whole = !ns->fresh;
		for (int c = 0; c < KC_COUNT; c++)
			out[n].delta.v[c] = now.v[c] - ns->last.v[c];
		ns->last = now;
		ns->fresh = false;
		n++;
	}
	return n;
}
