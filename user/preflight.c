// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "preflight.h"
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39

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

bool preflight_sys_admin(void)
{
	unsigned long long caps = 0;

	return !effective_caps(&caps) && (caps & (1ULL << CAP_SYS_ADMIN));
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

int preflight_check(void)
{
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
	return 0;
}
