// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "cgroup.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MISSES 64		     /* unknown ids remembered, so a storm does not walk the tree */
#define RETRY_NS NSEC_PER_SEC	     /* an unknown id is looked for again after this */
#define MAX_CGROUPS (1 << 20)	     /* a bound on one walk of the tree */

struct cgroup_miss {
	__u64 id;
	__u64 retry_after_ns;
};

struct cgroup_names {
	char mount[PATH_MAX];
	bool have_mount;
	struct cgroup_info *v; /* sorted by id */
	size_t len, cap;
	struct cgroup_miss misses[MISSES];
	size_t next_miss;
	struct container_directory *containers; /* names the containers; may be NULL */
};

/* ---- what a path shows --------------------------------------------------- */

static bool all_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * A container id in one path component: 64 hex digits alone (the cgroupfs
 * drivers of docker, /docker/ID, of containerd, /NAMESPACE/ID, and of
 * kubelet, /kubepods/burstable/podUID/ID), PREFIX-ID.scope (the systemd
 * drivers of docker, containerd's CRI, CRI-O and podman), or PREFIX-ID
 * (the cgroupfs managers of podman, /libpod_parent/libpod-ID, and of CRI-O,
 * /kubepods/besteffort/podUID/crio-ID).  crio-conmon-ID is CRI-O's monitor
 * and libpod-conmon-ID podman's, not the container: they do not match.
 */
static bool container_in(const char *comp, size_t len, char *id)
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-", "libpod-"};
	static const char scope[] = ".scope";
	const size_t idlen = CGROUP_CONTAINER_ID_LEN, slen = sizeof(scope) - 1;

	if (len == idlen && all_hex(comp, len)) {
		memcpy(id, comp, idlen);
		id[idlen] = '\0';
		return true;
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t plen = strlen(prefixes[i]);
		bool bare = len == plen + idlen;
		bool scoped = len == plen + idlen + slen && !strncmp(comp + plen + idlen, scope, slen);

		if ((bare || scoped) && !strncmp(comp, prefixes[i], plen) &&
		    all_hex(comp + plen, idlen)) {
			memcpy(id, comp + plen, idlen);
			id[idlen] = '\0';
			return true;
		}
	}
	return false;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !strncmp(s + len - n, suffix, n);
}

void cgroup_facts_of_path(const char *path, struct cgroup_facts *out)
{
	const char *p = path;

	memset(out, 0, sizeof(*out));
	while (*p) {
		size_t len;

		p += strspn(p, "/");
		len = strcspn(p, "/");
		if (!len)
			break;
		container_in(p, len, out->container_id);
		if ((ends_with(p, len, ".service") || ends_with(p, len, ".scope")) &&
		    len < sizeof(out->unit)) {
			memcpy(out->unit, p, len);
			out->unit[len] = '\0';
		}
		p += len;
	}
}

/* ---- the mount ----------------------------------------------------------- */

/* mountinfo escapes blanks and backslashes in paths as \ooo (octal). */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
int cgroup2_mount_in(FILE *mountinfo, char *buf, size_t size)
{
	char line[4096], root[PATH_MAX], point[PATH_MAX];

	while (fgets(line, sizeof(line), mountinfo)) {
		const char *dash = strstr(line, " - ");
		char fstype[32];

		if (!dash || sscanf(dash, " - %31s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2)
			continue;
		/* a bind mount of a subtree (ROOT not "/") does not show every id */
		if (strcmp(root, "/"))
			continue;
		unescape_octal(point);
		if (strlen(point) >= size)
			continue;
		strcpy(buf, point);
		return 0;
	}
	return -ENOENT;
}

/* ---- id -> path ---------------------------------------------------------- */

struct cgroup_names *cgroup_names_new(void)
{
	struct cgroup_names *c = calloc(1, sizeof(*c));
	FILE *f;

	if (!c)
		return NULL;
	f = fopen("/proc/self/mountinfo", "r");
	if (f) {
		c->have_mount = !cgroup2_mount_in(f, c->mount, sizeof(c->mount));
		fclose(f);
	}
	return c;
}

static void drop_all(struct cgroup_names *c)
{
	for (size_t i = 0; i < c->len; i++)
		free(c->v[i].path);
	c->len = 0;
}

void cgroup_names_free(struct cgroup_names *c)
{
	if (!c)
		return;
	drop_all(c);
	free(c->v);
	free(c);
}

static int add(struct cgroup_names *c, __u64 id, const char *rel)
{
	struct cgroup_info *info;

	if (c->len == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		void *nv = realloc(c->v, ncap * sizeof(*c->v));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	info = &c->v[c->len];
	memset(info, 0, sizeof(*info));
	info->id = id;
	info->path = strdup(rel[0] ? rel : "/");
	if (!info->path)
		return -ENOMEM;
	cgroup_facts_of_path(info->path, &info->facts);
	c->len++;
	return 0;
}

/* Adds every directory below dir_fd; rel is its path relative to the mount. */
static int walk(struct cgroup_names *c, int dir_fd, char *rel, size_t rel_len)
{
	DIR *d = fdopendir(dir_fd);
	struct dirent *e;
	int err = 0;

	if (!d) {
		close(dir_fd);
		return 0;
	}
	while (!err && (e = readdir(d)) && c->len < MAX_CGROUPS) {
		size_t n = strlen(e->d_name);
		struct stat st;
		int fd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (rel_len + 1 + n >= PATH_MAX)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* removed meanwhile */
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		rel[rel_len] = '/';
		memcpy(rel + rel_len + 1, e->d_name, n + 1);
		err = add(c, st.st_ino, rel);
		if (!err)
			err = walk(c, fd, rel, rel_len + 1 + n);
		else
			close(fd);
		rel[rel_len] = '\0';
	}
	closedir(d);
	return err;
}

static int by_id(const void *a, const void *b)
{
	const struct cgroup_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void rescan(struct cgroup_names *c)
{
	char rel[PATH_MAX] = "";
	struct stat st;
	int fd;

	drop_all(c);
	fd = open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* out of memory part way: what was found is kept, the rest misses */
	if (!fstat(fd, &st) && !add(c, st.st_ino, "/"))
		walk(c, fd, rel, 0);
	else
		close(fd);
	qsort(c->v, c->len, sizeof(*c->v), by_id);
}

static struct cgroup_info *find(const struct cgroup_names *c, __u64 id)
{
	struct cgroup_info key = {.id = id};
	struct cgroup_info *info = c->len ? bsearch(&key, c->v, c->len, sizeof(*c->v), by_id) : NULL;

	/* the files are read here, for the cgroups records show, not for every
	 * cgroup a walk finds; the directory reads each id once */
	if (info && !info->names_looked_up && info->facts.container_id[0] && c->containers) {
		info->names = container_names_lookup(c->containers, info->facts.container_id);
		info->names_looked_up = true;
	}
	return info;
}

void cgroup_names_use_containers(struct cgroup_names *c, struct container_directory *d)
{
	if (c)
		c->containers = d;
}

const struct cgroup_info *cgroup_lookup(struct cgroup_names *c, __u64 id)
{
	const struct cgroup_info *info;
	__u64 now;

	if (!id || !c || !c->have_mount)
		return NULL;
	info = find(c, id);
	if (info)
		return info;
	now = monotonic_ns();
	for (size_t i = 0; i < MISSES; i++)
		if (c->misses[i].id == id && now < c->misses[i].retry_after_ns)
			return NULL;
	rescan(c);
	info = find(c, id);
	if (!info) /* a cgroup removed before we looked: do not walk again at once */
		c->misses[c->next_miss++ % MISSES] = (struct cgroup_miss){id, now + RETRY_NS};
	return info;
}

__u64 cgroup_id_of_path(const struct cgroup_names *c, const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	if (!c || !c->have_mount ||
	    snprintf(full, sizeof(full), "%s%s", c->mount, path) >= (int)sizeof(full) ||
	    stat(full, &st) || !S_ISDIR(st.st_mode))
		return 0;
	return st.st_ino;
}

bool cgroup_path_of_pid(unsigned int pid, char *buf, size_t size)
{
	char path[64], line[PATH_MAX + 8];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (!strncmp(line, "0::", 3) && n - 3 < size) {
			strcpy(buf, line + 3);
			found = true;
		}
	}
	fclose(f);
	return found;
}

bool cgroup_in_subtree(const char *path, const char *under)
{
	size_t n = strlen(under);

	while (n > 1 && under[n - 1] == '/') /* "/a/" is "/a" */
		n--;
	if (n == 1 && under[0] == '/')
		return path[0] == '/';
	return !strncmp(path, under, n) && (path[n] == '\0' || path[n] == '/');
}

const char *cgroup_relative(const struct cgroup_names *c, const char *path)
{
	size_t n = c && c->have_mount ? strlen(c->mount) : 0;

	if (n && !strncmp(path, c->mount, n) && (path[n] == '/' || path[n] == '\0'))
		return path[n] ? path + n : "/";
	return path;
}
