// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "preflight.h"
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define SECURITYFS "/sys/kernel/security"

/* tracefs path below events/, the name users know, the kernel that added it */
static const char *const required_tracepoints[][3] = {
	{"tcp/tcp_send_reset", "tcp:tcp_send_reset", "4.15"},
	{"tcp/tcp_receive_reset", "tcp:tcp_receive_reset", "4.15"},
	{"sock/inet_sock_set_state", "sock:inet_sock_set_state", "4.16"},
};

static int effective_caps(unsigned long long *caps)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int found = -1;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", caps) == 1) {
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

static int check_caps(void)
{
	unsigned long long caps = 0;
	bool admin, bpf, perfmon;

	if (effective_caps(&caps)) {
		rst_err("cannot read capabilities from /proc/self/status");
		return -1;
	}
	admin = caps & (1ULL << CAP_SYS_ADMIN);
	bpf = caps & (1ULL << CAP_BPF);
	perfmon = caps & (1ULL << CAP_PERFMON);
	if (admin || (bpf && perfmon))
		return 0;
	rst_err("missing capabilities: %s%s%s, or CAP_SYS_ADMIN (run as root)",
		bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "", perfmon ? "" : "CAP_PERFMON");
	return -1;
}

/*
 * The kernel's lockdown mode, the bracketed word of
 * /sys/kernel/security/lockdown ("none integrity [confidentiality]"), into
 * mode; "" when unknown.  securityfs is mounted just to read it where
 * nobody mounted it (an initramfs), and unmounted again.
 */
static void lockdown_mode(char *mode, size_t size)
{
	char line[128], *open, *close;
	bool mounted_here = false;
	FILE *f = fopen(SECURITYFS "/lockdown", "r");

	mode[0] = '\0';
	if (!f && errno == ENOENT && !mount("securityfs", SECURITYFS, "securityfs", 0, NULL)) {
		mounted_here = true;
		f = fopen(SECURITYFS "/lockdown", "r");
	}
	if (f) {
		if (fgets(line, sizeof(line), f) && (open = strchr(line, '[')) &&
		    (close = strchr(open, ']')))
			snprintf(mode, size, "%.*s", (int)(close - open - 1), open + 1);
		fclose(f);
	}
	if (mounted_here)
		umount(SECURITYFS);
}

bool preflight_confidentiality_lockdown(void)
{
	char mode[32];

	lockdown_mode(mode, sizeof(mode));
	return !strcmp(mode, "confidentiality");
}

/*
 * libbpf attaches classic tracepoints through their tracefs id, and tracefs
 * is not mounted on every host: mount it where the kernel expects it.
 * NULL, with why in problem, where it cannot be had.
 */
static const char *tracing_dir(bool verbose, char *problem, size_t size)
{
	char lockdown[32];

	if (!access(TRACEFS "/events", F_OK))
		return TRACEFS;
	if (!access(DEBUGFS_TRACING "/events", F_OK))
		return DEBUGFS_TRACING;
	/* lockdown=confidentiality hides a mounted tracefs's files
	 * (LOCKDOWN_TRACEFS): mounting again then fails with EBUSY, which
	 * would name the wrong cause. */
	lockdown_mode(lockdown, sizeof(lockdown));
	if (!strcmp(lockdown, "confidentiality")) {
		snprintf(problem, size, "the kernel is locked down (lockdown=confidentiality): it "
					"hides tracefs and refuses BPF reads of kernel memory, which the "
					"classic tracepoint programs need (lockdown=integrity allows them)");
		return NULL;
	}
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		snprintf(problem, size, "tracefs is not mounted and mounting it on %s failed: %s",
			 TRACEFS, strerror(errno));
		return NULL;
	}
	if (verbose)
		rst_note("mounted tracefs on %s", TRACEFS);
	return TRACEFS;
}

int preflight_check(bool verbose, bool *classic_ok, char *problem, size_t problem_size)
{
	const char *tracing;
	char path[256];

	if (check_caps())
		return -1;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		rst_err("kernel has no BTF (/sys/kernel/btf/vmlinux): needs "
				"Linux 5.8+ built with CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		rst_err("kernel has no BPF ring buffer (needs Linux 5.8+)");
		return -1;
	}
	*classic_ok = false;
	problem[0] = '\0';
	tracing = tracing_dir(verbose, problem, problem_size);
	if (!tracing)
		return 0;
	for (size_t i = 0; i < sizeof(required_tracepoints) / sizeof(required_tracepoints[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s", tracing, required_tracepoints[i][0]);
		if (access(path, F_OK)) {
			snprintf(problem, problem_size, "kernel lacks tracepoint %s (needs Linux %s+)",
				 required_tracepoints[i][1], required_tracepoints[i][2]);
			return 0;
		}
	}
	*classic_ok = true;
	return 0;
}
