// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "seed.h"
#include "util.h"
#include "diag.h"
#include "proc_parse.h"
#include "record.h"
#include "cgroup.h"
#include "identity.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define TCP_LISTEN 10

int seed_method_parse(const char *word, enum seed_method *out)
{
	static const char *const words[] = {
		[SEED_AUTO] = "auto", [SEED_ITER] = "iter", [SEED_PROC] = "proc", [SEED_NONE] = "none",
	};

	for (size_t m = 0; m < sizeof(words) / sizeof(words[0]); m++)
		if (!strcmp(word, words[m])) {
			*out = m;
			return 0;
		}
	return -EINVAL;
}

const char *seed_method_name(enum seed_method m)
{
	switch (m) {
	case SEED_AUTO:
		return "auto";
	case SEED_ITER:
		return "bpf-iterator";
	case SEED_PROC:
		return "procfs";
	case SEED_NONE:
		return "none";
	}
	return "?";
}

/* ---- BPF iterator ------------------------------------------------------- */

static int seed_by_iterator(struct bpf_program *iterator, unsigned int *count)
{
	struct bpf_link *link;
	int iter_fd, err = 0;
	char buf[4096];
	ssize_t n;

	*count = 0;
	link = bpf_program__attach_iter(iterator, NULL);
	if (!link)
		return -errno;
	iter_fd = bpf_iter_create(bpf_link__fd(link));
	if (iter_fd < 0) {
		err = -errno;
		goto out;
	}
	/* The iterator writes one inode (8 bytes) per socket it seeded. */
	while ((n = read(iter_fd, buf, sizeof(buf))) > 0)
		*count += n / sizeof(__u64);
	if (n < 0)
		err = -errno;
	close(iter_fd);
out:
	bpf_link__destroy(link);
	return err;
}

/* ---- /proc fallback ----------------------------------------------------- */

struct tcp_socket {
	__u64 ino;
	__u32 netns;
	__u16 lport;
	__u8 listening;
	__u8 family; /* AF_INET (/proc/net/tcp) or AF_INET6 (tcp6) */
};

struct socket_table {
	struct tcp_socket *v;
	size_t len, cap;
	__u32 *netns_seen;
	size_t netns_len, netns_cap;
};

static int grow(void **v, size_t *cap, size_t len, size_t elem)
{
	size_t ncap;
	void *nv;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Lines of /proc/PID/net/tcp{,6}: "sl local rem st ... uid timeout inode". */
static int parse_net_tcp(struct socket_table *t, const char *path, __u32 netns, __u8 family)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return 0; /* no IPv6 in this kernel, or the process is gone */
	while (fgets(line, sizeof(line), f)) {
		struct proc_tcp_socket s;

		if (!proc_tcp_line(line, &s))
			continue;
		if (grow((void **)&t->v, &t->cap, t->len, sizeof(*t->v))) {
			fclose(f);
			return -ENOMEM;
		}
		t->v[t->len++] = (struct tcp_socket){.ino = s.ino,
						     .netns = netns,
						     .lport = s.lport,
						     .listening = s.state == TCP_LISTEN,
						     .family = family};
	}
	fclose(f);
	return 0;
}

static bool is_pid_dir(const struct dirent *d)
{
	for (const char *p = d->d_name; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return d->d_name[0] != '\0';
}

static __u32 netns_of(const char *pid)
{
	char path[320];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	return stat(path, &st) ? 0 : (__u32)st.st_ino;
}

/* Reads the TCP tables of every network namespace some process is in. */
static int collect_tcp_sockets(struct socket_table *t)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	int err = 0;

	if (!proc)
		return -errno;
	while (!err && (d = readdir(proc))) {
		char path[320];
		__u32 netns;
		bool seen = false;

		if (!is_pid_dir(d) || !(netns = netns_of(d->d_name)))
			continue;
		for (size_t i = 0; i < t->netns_len && !seen; i++)
			seen = t->netns_seen[i] == netns;
		if (seen)
			continue;
		if (grow((void **)&t->netns_seen, &t->netns_cap, t->netns_len, sizeof(__u32))) {
			err = -ENOMEM;
			break;
		}
		t->netns_seen[t->netns_len++] = netns;
		snprintf(path, sizeof(path), "/proc/%s/net/tcp", d->d_name);
		err = parse_net_tcp(t, path, netns, AF_INET);
		snprintf(path, sizeof(path), "/proc/%s/net/tcp6", d->d_name);
		if (!err)
			err = parse_net_tcp(t, path, netns, AF_INET6);
	}
	closedir(proc);
	return err;
}

static int cmp_ino(const void *a, const void *b)
{
	const struct tcp_socket *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void read_comm(unsigned int pid, char *comm)
{
	char path[64];
	FILE *f;

	char line[RST_COMM_LEN];

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (f) {
		proc_comm(line, fread(line, 1, sizeof(line), f), comm, RST_COMM_LEN);
		fclose(f);
	}
}

/*
 * The parent and the start of a process from /proc/PID/stat ("PID (COMM)
 * STATE PPID ... STARTTIME" in field 22, clock ticks after boot).  The
 * kernel's own start_time (ns) is not in /proc: the ticks, in ns, stand in
 * for it, both in the owner and in the `procs` entry, so the two still join.
 */
static void read_stat(unsigned int pid, __u32 *ppid, __u64 *start_ns)
{
	char path[64], buf[1024];
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n = -1;
	FILE *f;

	*ppid = 0;
	*start_ns = 0;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (hz > 0 && proc_stat_fields(buf, ppid, &ticks))
		*start_ns = ticks * (NSEC_PER_SEC / hz) + 1; /* never 0 (unknown) */
}

/* Who the process is beyond its pid, for the `procs` map, as the kernel
 * side would have noted it. */
static void note_process(const struct rst_owner *o, int procs_fd, struct cgroup_names *cgroups)
{
	struct rst_process p = {0};
	char cg[4096];
	__u64 start_ns;

	p.pid = o->pid;
	p.start_ns = o->proc_start_ns;
	memcpy(p.comm, o->comm, sizeof(p.comm));
	read_stat(o->pid, &p.ppid, &start_ns);
	if (p.ppid)
		read_comm(p.ppid, p.parent_comm);
	process_cmdline_from_proc(o->pid, &p);
	if (cgroup_path_of_pid(o->pid, cg, sizeof(cg)))
		p.cgroup_id = cgroup_id_of_path(cgroups, cg);
	/* a process noted by the kernel side since it started keeps that */
	bpf_map_update_elem(procs_fd, &p.pid, &p, BPF_NOEXIST);
}

static void read_owner(const char *pid, struct rst_owner *o)
{
	char path[320], line[256];
	__u32 ppid;
	FILE *f;

	memset(o, 0, sizeof(*o));
	o->pid = strtoul(pid, NULL, 10);
	read_comm(o->pid, o->comm);
	read_stat(o->pid, &ppid, &o->proc_start_ns);
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (proc_status_uid(line, &o->uid))
				break;
		fclose(f);
	}
}

/* Walks /proc/PID/fd of one process and seeds its TCP sockets. */
static unsigned int seed_process(const char *pid, const struct socket_table *t,
				 const struct seed_maps *maps, struct cgroup_names *cgroups,
				 unsigned int *overflow)
{
	char path[320], link[64];
	struct rst_owner owner;
	bool have_owner = false;
	unsigned int count = 0;
	struct dirent *d;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	fds = opendir(path);
	if (!fds)
		return 0;
	while ((d = readdir(fds))) {
		struct tcp_socket key = {0}, *s;
		char fd_path[640];
		ssize_t n;

		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, d->d_name);
		n = readlink(fd_path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!proc_socket_inode(link, &key.ino))
			continue;
		s = bsearch(&key, t->v, t->len, sizeof(*t->v), cmp_ino);
		if (!s)
			continue; /* not TCP */
		if (!have_owner) {
			read_owner(pid, &owner);
			note_process(&owner, maps->procs_fd, cgroups);
			have_owner = true;
		}
		owner.ino = s->ino;
		if (bpf_map_update_elem(maps->seeds_fd, &s->ino, &owner, BPF_NOEXIST) == 0)
			count++;
		else if (errno == E2BIG)
			(*overflow)++; /* the table is full */
		if (s->listening) {
			/* any address of its family: /proc's bound address is
			 * not parsed, and the lookups fall back to any */
			struct rst_listener_key lk = {.netns = s->netns, .port = s->lport,
						      .family = s->family};
			struct rst_listener l = {.owner = owner};

			bpf_map_update_elem(maps->listeners_fd, &lk, &l, BPF_NOEXIST);
			/* its exit is reported (process_exit.bpf.h) */
			bpf_map_update_elem(maps->listener_tgids_fd, &owner.pid,
					    &owner.proc_start_ns, BPF_ANY);
		}
	}
	closedir(fds);
	return count;
}

static int seed_by_procfs(const struct seed_maps *maps, unsigned int *count,
			  unsigned int *overflow)
{
	struct cgroup_names *cgroups = cgroup_names_new();
	struct socket_table t = {0};
	struct dirent *d;
	DIR *proc;
	int err;

	*count = 0;
	if (!cgroups)
		return -ENOMEM;
	err = collect_tcp_sockets(&t);
	if (err)
		goto out;
	qsort(t.v, t.len, sizeof(*t.v), cmp_ino);
	proc = opendir("/proc");
	if (!proc) {
		err = -errno;
		goto out;
	}
	while ((d = readdir(proc)))
		if (is_pid_dir(d))
			*count += seed_process(d->d_name, &t, maps, cgroups, overflow);
	closedir(proc);
out:
	free(t.v);
	free(t.netns_seen);
	cgroup_names_free(cgroups);
	return err;
}

int seed_sockets(enum seed_method want, struct bpf_program *iterator,
		 const struct seed_maps *maps, bool verbose, struct seed_result *res)
{
	int err = -EOPNOTSUPP;

	res->used = SEED_NONE;
	res->sockets = 0;
	res->overflow = 0;
	if (want == SEED_NONE)
		return 0;
	if (want == SEED_AUTO || want == SEED_ITER) {
		if (iterator)
			err = seed_by_iterator(iterator, &res->sockets);
		if (!err) {
			res->used = SEED_ITER;
			return 0;
		}
		if (want == SEED_ITER)
			return err;
		if (verbose)
			rst_err("BPF iterator refused (%s), seeding from /proc",
				strerror(-err));
	}
	err = seed_by_procfs(maps, &res->sockets, &res->overflow);
	if (!err)
		res->used = SEED_PROC;
	return err;
}
