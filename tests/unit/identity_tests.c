// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of identity and filter parsing: cgroup paths, mountinfo,
 * command lines, port and event lists. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cgroup.h"
#include "filters.h"
#include "identity.h"
#include "proc_parse.h"

#define ID64 "3f4a9c0e1b2d5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"

/* Cgroup paths as real hosts show them in /proc/PID/cgroup. */
void test_cgroup_facts(void)
{
	static const struct {
		const char *path, *container, *unit;
	} cases[] = {
		/* docker, cgroupfs driver (also its v1 layout) */
		{"/docker/" ID64, ID64, ""},
		/* docker, systemd driver */
		{"/system.slice/docker-" ID64 ".scope", ID64, "docker-" ID64 ".scope"},
		/* kubelet + containerd, systemd driver */
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5d1e5b6a_7c2e_4f0b_9a1d_0f3e2c1b4a59.slice/"
		 "cri-containerd-" ID64 ".scope", ID64, "cri-containerd-" ID64 ".scope"},
		/* kubelet + cri-o; its conmon is not the container */
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/crio-" ID64 ".scope",
		 ID64, "crio-" ID64 ".scope"},
		{"/kubepods.slice/kubepods-pod1.slice/crio-conmon-" ID64 ".scope", "",
		 "crio-conmon-" ID64 ".scope"},
		/* kubelet, cgroupfs driver */
		{"/kubepods/burstable/pod5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59/" ID64, ID64, ""},
		/* kubelet + docker (dockershim), systemd driver */
		{"/kubepods.slice/kubepods-pod5d1e5b6a_7c2e_4f0b_9a1d_0f3e2c1b4a59.slice/docker-" ID64 ".scope",
		 ID64, "docker-" ID64 ".scope"},
		/* kubelet + containerd, cgroupfs driver; guaranteed pods sit right
		 * under kubepods */
		{"/kubepods/besteffort/pod5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59/" ID64, ID64, ""},
		{"/kubepods/pod5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59/" ID64, ID64, ""},
		/* kubelet + cri-o, cgroupfs manager: crio-ID without .scope, its
		 * conmon beside it */
		{"/kubepods/burstable/pod5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59/crio-" ID64, ID64, ""},
		{"/kubepods/burstable/pod5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59/crio-conmon-" ID64, "", ""},
		/* containerd without kubelet (ctr, nerdctl), cgroupfs: /NAMESPACE/ID */
		{"/default/" ID64, ID64, ""},
		/* docker rootless, systemd driver */
		{"/user.slice/user-1000.slice/user@1000.service/docker.service/docker-" ID64 ".scope", ID64,
		 "docker-" ID64 ".scope"},
		/* podman, cgroupfs manager (as podman ran here: the record had no id
		 * before), its conmon, and a container of a pod */
		{"/libpod_parent/libpod-" ID64, ID64, ""},
		{"/libpod_parent/libpod-conmon-" ID64, "", ""},
		{"/libpod_parent/conmon", "", ""},
		{"/libpod_parent/7b1c9d0e1f2a3b4c5d6e7f8091a2b3c43f4a9c0e1b2d5f6a7b8c9d0e1f2a3b4c/libpod-" ID64,
		 ID64, ""},
		/* podman, systemd manager, a container of a pod */
		{"/machine.slice/machine-libpod_pod_7b1c9d0e1f2a3b4c5d6e7f8091a2b3c43f4a9c0e1b2d5f6a7b8c9d0e1f2a3b4c.slice/"
		 "libpod-" ID64 ".scope", ID64, "libpod-" ID64 ".scope"},
		/* podman, rootful and rootless, with the container's own sub-cgroup */
		{"/machine.slice/libpod-" ID64 ".scope/container", ID64, "libpod-" ID64 ".scope"},
		{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope", ID64,
		 "libpod-" ID64 ".scope"},
		/* systemd services, sessions, cron */
		{"/system.slice/cron.service", "", "cron.service"},
		{"/system.slice/system-getty.slice/getty@tty1.service", "", "getty@tty1.service"},
		{"/user.slice/user-1000.slice/session-3.scope", "", "session-3.scope"},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox.service", "",
		 "app-firefox.service"},
		{"/init.scope", "", "init.scope"},
		/* nothing to see: the root, a plain directory, a near miss */
		{"/", "", ""},
		{"/rstsnoop-test/job", "", ""},
		{"/docker/" ID64 "0", "", ""},
		{"/libpod_parent/libpod-" ID64 "0", "", ""},
		{"/libpod_parent/libpod-" ID64 ".scopex", "", ""},
		{"/libpod_parent/libpod-" ID64 ".slice", "", ""},
		{"/docker/3F4A9C0E1B2D5F6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C", "", ""},
		{"/system.slice/foo.servicex", "", ""},
		{"/.service", "", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgroup_facts f;

		cgroup_facts_of_path(cases[i].path, &f);
		CHECK_STR(f.container_id, cases[i].container);
		CHECK_STR(f.unit, cases[i].unit);
	}
}

void test_cgroup2_mount(void)
{
	/* Debian's hybrid layout (v1 controllers, cgroup2 under unified) */
	static const char hybrid[] =
		"25 31 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
		"33 25 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
		"34 33 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
		"35 33 0:30 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd\n";
	/* a container's bind mount of a subtree first, a blank in the path */
	static const char nested[] =
		"40 30 0:29 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"
		"41 30 0:29 / /mnt/my\\040cg rw,relatime - cgroup2 none rw\n";
	static const char none[] = "25 31 0:23 / /sys rw - sysfs sysfs rw\n";
	char buf[256];
	FILE *f;

	f = fmemopen((void *)hybrid, sizeof(hybrid) - 1, "r");
	CHECK(cgroup2_mount_in(f, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/sys/fs/cgroup/unified");
	fclose(f);
	f = fmemopen((void *)nested, sizeof(nested) - 1, "r");
	CHECK(cgroup2_mount_in(f, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/mnt/my cg");
	fclose(f);
	f = fmemopen((void *)none, sizeof(none) - 1, "r");
	CHECK(cgroup2_mount_in(f, buf, sizeof(buf)) == -ENOENT);
	fclose(f);
}

void test_cgroup_subtree(void)
{
	CHECK(cgroup_in_subtree("/a/b", "/a"));
	CHECK(cgroup_in_subtree("/a", "/a"));
	CHECK(cgroup_in_subtree("/a/b", "/a/"));
	CHECK(cgroup_in_subtree("/a/b", "/"));
	CHECK(!cgroup_in_subtree("/ab", "/a"));
	CHECK(!cgroup_in_subtree("/a", "/a/b"));
}

void test_cmdline_join(void)
{
	struct rst_process p = {.cmdline = "java\0-jar\0app.jar\0", .cmdline_len = 18};
	char buf[RST_CMDLINE_LEN + 1];

	CHECK(cmdline_join(&p, buf, sizeof(buf)) == 17);
	CHECK_STR(buf, "java -jar app.jar");
	/* cut in the middle of an argument: no terminator to drop */
	p.cmdline_len = 7;
	cmdline_join(&p, buf, sizeof(buf));
	CHECK_STR(buf, "java -j");
	/* a process that rewrote its command line as one string */
	memcpy(p.cmdline, "nginx: worker\0\0\0", 16);
	p.cmdline_len = 16;
	cmdline_join(&p, buf, sizeof(buf));
	CHECK_STR(buf, "nginx: worker");
	cmdline_join(&p, buf, 6);
	CHECK_STR(buf, "nginx");
}

/* Our own start time as task start_time would say it, from /proc/self/stat */
static __u64 own_start_ns(void)
{
	long tick_ns = 1000000000L / sysconf(_SC_CLK_TCK);
	unsigned long long ticks = 0;
	struct timespec b, m;
	char buf[1024], *after;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	after = strrchr(buf, ')');
	if (!after || sscanf(after + 1, " %*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
					"%*s %*s %*s %*s %*s %*s %llu", &ticks) != 1)
		return 0;
	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ticks * tick_ns + tick_ns / 2 -
	       ((b.tv_sec - m.tv_sec) * 1000000000LL + (b.tv_nsec - m.tv_nsec));
}

void test_cmdline_if_started(void)
{
	unsigned long long ticks = 0;
	__u32 ppid = 0;
	__u64 start = own_start_ns();
	struct rst_process p;
	int status;
	pid_t child;

	CHECK(start != 0);
	/* /proc/PID/stat with a hostile name: blanks and parentheses in it */
	CHECK(proc_stat_fields("7 (a) b (c) S 42 7 7 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 "
			       "98765 1000 50", &ppid, &ticks));
	CHECK(ppid == 42 && ticks == 98765);
	CHECK(!proc_stat_fields("7 (no closing parenthesis S 42", &ppid, &ticks));
	/* this very process: its command line, which starts with argv[0] */
	CHECK(process_cmdline_if_started(getpid(), start, &p));
	CHECK(p.cmdline_len > 0 && strstr(p.cmdline, "unit") != NULL);
	/* the same pid, another start: a reused pid lends nothing */
	CHECK(!process_cmdline_if_started(getpid(), start + 5000000000ULL, &p) && !p.cmdline_len);
	CHECK(!process_cmdline_if_started(getpid(), start - 5000000000ULL, &p) && !p.cmdline_len);
	CHECK(!process_cmdline_if_started(getpid(), 0, &p));
	/* a process that has gone */
	child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0 && waitpid(child, &status, 0) == child);
	CHECK(!process_cmdline_if_started(child, start, &p) && !p.cmdline_len);
}

void test_filter_lists(void)
{
	struct port_list l = {0};
	__u8 mask = 0;
	__u32 ino;

	CHECK(port_list_parse("80,443", &l) == 0 && l.n == 2 && l.port[0] == 80 && l.port[1] == 443);
	CHECK(port_list_parse("8080", &l) == 0 && l.n == 3 && l.port[2] == 8080);
	CHECK(port_list_parse("1,2,3,4,5", &l) == 0 && l.n == 8);
	CHECK(port_list_parse("9", &l) == -E2BIG);
	memset(&l, 0, sizeof(l));
	CHECK(port_list_parse("80,", &l) == -EINVAL);
	CHECK(port_list_parse(",80", &l) == -EINVAL);
	CHECK(port_list_parse("0", &l) == -ERANGE);
	CHECK(port_list_parse("65536", &l) == -ERANGE);
	CHECK(port_list_parse("80 ", &l) == -EINVAL);
	CHECK(event_mask_parse("reset_sent,handshake_failed", &mask) == 0);
	CHECK(mask == ((1u << RST_EV_RESET_SENT) | (1u << RST_EV_HANDSHAKE_FAILED)));
	CHECK(event_mask_parse("reset", &mask) == -EINVAL);
	CHECK(event_mask_parse("", &mask) == -EINVAL);
	CHECK(netns_parse("4026531840", &ino) == 0 && ino == 4026531840u);
	CHECK(netns_parse("../etc", &ino) == -EINVAL);
	CHECK(netns_parse("rstsnoop-no-such-namespace", &ino) == -ENOENT);
}
