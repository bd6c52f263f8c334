// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "identity.h"
#include "proc_parse.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define ID_SLOTS 4096		   /* power of 2; direct-mapped by pid and start */
#define MISS_RETRY_NS NSEC_PER_SEC /* a process the map does not know: ask again after */

struct id_slot {
	bool used, known;
	__u64 retry_after_ns; /* !known */
	struct rst_process proc; /* pid and start_ns are the slot's key */
};

struct identities {
	int procs_fd;
	bool cmdline_from_proc;
	struct cgroup_names *cgroups;
	struct id_slot slots[ID_SLOTS];
};

struct identities *identities_new(int procs_fd, struct cgroup_names *cgroups,
				  bool cmdline_from_proc)
{
	struct identities *ids = calloc(1, sizeof(*ids));

	if (!ids)
		return NULL;
	ids->procs_fd = procs_fd;
	ids->cmdline_from_proc = cmdline_from_proc;
	ids->cgroups = cgroups;
	return ids;
}

void identities_free(struct identities *ids)
{
	free(ids);
}

static struct id_slot *slot_of(struct identities *ids, __u32 pid, __u64 start_ns)
{
	__u64 h = (start_ns ^ ((__u64)pid << 32) ^ pid) * 0x9e3779b97f4a7c15ULL;

	return &ids->slots[(h >> 40) & (ID_SLOTS - 1)];
}

void identity_of(struct identities *ids, const struct rst_record *rec, struct identity *out)
{
	struct id_slot *slot;
	struct rst_process p;

	out->proc = NULL;
	out->cgroup = NULL;
	if (!ids || !(rec->flags & RST_F_OWNER) || !rec->proc_start_ns)
		return;
	slot = slot_of(ids, rec->pid, rec->proc_start_ns);
	if (!slot->used || slot->proc.pid != rec->pid || slot->proc.start_ns != rec->proc_start_ns ||
	    (!slot->known && monotonic_ns() >= slot->retry_after_ns)) {
		bool found = !bpf_map_lookup_elem(ids->procs_fd, &rec->pid, &p) &&
			     p.start_ns == rec->proc_start_ns;

		if (!found) { /* evicted, or not noted yet: remember the miss */
			memset(&p, 0, sizeof(p));
			p.pid = rec->pid;
			p.start_ns = rec->proc_start_ns;
			slot->retry_after_ns = monotonic_ns() + MISS_RETRY_NS;
		} else if (!p.cmdline_len && ids->cmdline_from_proc) {
			/* once per process: the slot keeps what this found */
			process_cmdline_if_started(p.pid, p.start_ns, &p);
		}
		slot->used = true;
		slot->known = found;
		slot->proc = p;
	}
	if (!slot->known)
		return;
	out->proc = &slot->proc;
	out->cgroup = cgroup_lookup(ids->cgroups, slot->proc.cgroup_id);
}

/* /proc/PID/cmdline through the directory dir (AT_FDCWD: absolute path) */
static void cmdline_read_at(int dir, const char *path, struct rst_process *p)
{
	char extra;
	ssize_t n;
	int fd;

	p->cmdline_len = 0;
	p->cmdline_cut = 0;
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, p->cmdline, sizeof(p->cmdline));
	if (n > 0) {
		p->cmdline_len = n;
		p->cmdline_cut = n == sizeof(p->cmdline) && read(fd, &extra, 1) == 1;
	}
	close(fd);
}

static void cmdline_read(int dir, struct rst_process *p)
{
	cmdline_read_at(dir, "cmdline", p);
}

void process_cmdline_from_proc(__u32 pid, struct rst_process *p)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	cmdline_read_at(AT_FDCWD, path, p);
}

/* CLOCK_BOOTTIME minus CLOCK_MONOTONIC now: the time the host was suspended */
static __u64 suspended_ns(void)
{
	struct timespec b, m;

	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return (b.tv_sec - m.tv_sec) * (long long)NSEC_PER_SEC + (b.tv_nsec - m.tv_nsec);
}

/* starttime (field 22) of the process whose /proc directory is dir, in
 * clock ticks since boot; 0 when unreadable. */
static unsigned long long proc_start_ticks(int dir)
{
	unsigned long long ticks = 0;
	char buf[1024];
	__u32 ppid;
	ssize_t n = -1;
	int fd = openat(dir, "stat", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return proc_stat_fields(buf, &ppid, &ticks) ? ticks : 0;
}

bool process_cmdline_if_started(__u32 pid, __u64 start_ns, struct rst_process *p)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long ticks, want;
	char path[32];
	bool same;
	int dir;

	p->cmdline_len = 0;
	p->cmdline_cut = 0;
	if (hz <= 0 || !start_ns)
		return false;
	snprintf(path, sizeof(path), "/proc/%u", pid);
	/* Files opened through this directory belong to the process it named
	 * when it was opened: once that process is reaped they fail, even if
	 * its pid is reused meanwhile. */
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return false;
	/* /proc's starttime counts from boot including suspend, start_ns
	 * (task start_time) without: a process that started before a later
	 * suspend differs by more than the tick and goes without (missing,
	 * never another process's) */
	ticks = proc_start_ticks(dir);
	want = (start_ns + suspended_ns()) / (NSEC_PER_SEC / hz);
	same = ticks && ticks + 1 >= want && ticks <= want + 1;
	if (same)
		cmdline_read(dir, p);
	close(dir);
	return p->cmdline_len > 0;
}

size_t cmdline_join(const struct rst_process *p, char *buf, size_t size)
{
	size_t n = p->cmdline_len < sizeof(p->cmdline) ? p->cmdline_len : sizeof(p->cmdline);

	if (!size)
		return 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, p->cmdline, n);
	while (n && buf[n - 1] == '\0') /* the last argument's terminator */
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return n;
}

void identities_complete_seeded(struct identities *ids)
{
	__u32 key, next, *prev = NULL;
	struct rst_process p;

	while (!bpf_map_get_next_key(ids->procs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(ids->procs_fd, &key, &p) || p.cmdline_len)
			continue;
		process_cmdline_from_proc(key, &p);
		if (p.cmdline_len)
			bpf_map_update_elem(ids->procs_fd, &key, &p, BPF_EXIST);
	}
}
