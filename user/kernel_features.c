// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "kernel_features.h"
#include "diag.h"
#include "kernel_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define SECURITYFS "/sys/kernel/security"

/* tracefs path below events/, the name users know, the kernel that added it */
static const char *const required_tracepoints[][3] = {
	{"tcp/tcp_send_reset", "tcp:tcp_send_reset", "4.15"},
	{"tcp/tcp_receive_reset", "tcp:tcp_receive_reset", "4.15"},
	{"sock/inet_sock_set_state", "sock:inet_sock_set_state", "4.16"},
};

static bool btf_has(const struct btf *btf, const char *name, int kind)
{
	return btf__find_by_name_kind(btf, name, kind) > 0;
}

static bool enum_has_value(const struct btf *btf, const char *type, const char *value)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), value))
			return true;
	return false;
}

static bool struct_has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return true;
	return false;
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

/*
 * libbpf attaches classic tracepoints through their tracefs id, and tracefs
 * is not mounted on every host: mount it where the kernel expects it.
 * NULL, with why in problem, where it cannot be had.
 */
static const char *tracing_dir(bool locked_down, bool verbose, char *problem, size_t size)
{
	if (!access(TRACEFS "/events", F_OK))
		return TRACEFS;
	if (!access(DEBUGFS_TRACING "/events", F_OK))
		return DEBUGFS_TRACING;
	/* lockdown=confidentiality hides a mounted tracefs's files
	 * (LOCKDOWN_TRACEFS): mounting again then fails with EBUSY, which
	 * would name the wrong cause. */
	if (locked_down) {
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

/* The classic programs' needs: tracefs and the three tracepoints in it. */
static bool classic_tracepoints(bool locked_down, bool verbose, char *problem, size_t size)
{
	const char *tracing = tracing_dir(locked_down, verbose, problem, size);
	char path[256];

	if (!tracing)
		return false;
	for (size_t i = 0; i < sizeof(required_tracepoints) / sizeof(required_tracepoints[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s", tracing, required_tracepoints[i][0]);
		if (access(path, F_OK)) {
			snprintf(problem, size, "kernel lacks tracepoint %s (needs Linux %s+)",
				 required_tracepoints[i][1], required_tracepoints[i][2]);
			return false;
		}
	}
	return true;
}

/*
 * Every BTF-typed program keys the owner table by socket cookie, and
 * tracing programs may call bpf_get_socket_cookie() only since Linux 5.12
 * (commit c5dbb89fc2ac, "bpf: Expose bpf_get_socket_cookie to tracing
 * programs"): Debian's 5.10 refuses the whole set for it.  A four-
 * instruction tp_btf program on sock:inet_sock_set_state asks the verifier
 * that question alone, in well under a millisecond, where a trial load of
 * the object verified every program (seconds on a slow machine).  Only the
 * verifier's refusal (EINVAL) says no: where the probe cannot load for
 * another reason (no privilege), the answer is left to the real load.
 */
static bool tracing_socket_cookie(const struct btf *vmlinux, char *problem, size_t size)
{
	const struct bpf_insn insns[] = {
		/* r1 = *(u64 *)(r1 + 0): the socket, the tracepoint's first argument */
		{.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_1},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_socket_cookie},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int id = btf__find_by_name_kind(vmlinux, "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	int fd;

	if (id <= 0) {
		snprintf(problem, size, "the kernel's BTF has no sock:inet_sock_set_state");
		return false;
	}
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "rstsnoop_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (errno != EINVAL)
		return true;
	snprintf(problem, size, "tracing programs cannot call bpf_get_socket_cookie() "
				"(needs Linux 5.12+)");
	return false;
}

/*
 * Where the lockdown mode cannot be read (no securityfs, and no
 * CAP_SYS_ADMIN to mount it), ask the verifier: under
 * lockdown=confidentiality it does not offer bpf_probe_read_kernel()
 * (the helper is behind security_locked_down(LOCKDOWN_BPF_READ_KERNEL)).
 * A seven-instruction tracepoint program that reads 8 bytes; only the
 * verifier's refusal (EINVAL) says refused.
 */
static bool kernel_reads_refused_by_verifier(void)
{
	const struct bpf_insn insns[] = {
		/* r1 = r10 - 8, r2 = 8, r3 = 0: bpf_probe_read_kernel(fp - 8, 8, NULL) */
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_10},
		{.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_1, .imm = -8},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 8},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 0},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_read_kernel},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "rstsnoop_probe", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EINVAL;
}

void features_probe(struct tracer_features *f, const struct btf *btf, bool verbose)
{
	char lockdown[32];

	memset(f, 0, sizeof(*f));
	lockdown_mode(lockdown, sizeof(lockdown));
	f->kernel_reads_refused = lockdown[0] ? !strcmp(lockdown, "confidentiality")
					      : kernel_reads_refused_by_verifier();
	f->classic_ok = classic_tracepoints(f->kernel_reads_refused, verbose, f->classic_problem,
					    sizeof(f->classic_problem));
	f->hz = kernel_config_hz();
	if (!btf) {
		snprintf(f->btf_problem, sizeof(f->btf_problem), "the kernel's BTF is not readable");
		return;
	}
	/* Commit b533fb9cf4f7 (6.10) gave tcp_send_reset its own event
	 * struct with a reason; the same release made it report socket-less
	 * RSTs (commit 19822a980e19). */
	f->send_reset_v610 = btf_has(btf, "trace_event_raw_tcp_send_reset", BTF_KIND_STRUCT);
	f->reset_reasons = btf_has(btf, "sk_rst_reason", BTF_KIND_ENUM);
	f->kfree_skb_reason = enum_has_value(btf, "skb_drop_reason", "SKB_DROP_REASON_NO_SOCKET");
	/* the tracepoint's prototype gained rx_sk in 6.11 (commit c53795d48ee8) */
	f->kfree_skb_rx_sk = struct_has_member(btf, "trace_event_raw_kfree_skb", "rx_sk");
	f->listen_overflow_reason =
		enum_has_value(btf, "skb_drop_reason", "SKB_DROP_REASON_TCP_LISTEN_OVERFLOW");
	f->btf_ok = tracing_socket_cookie(btf, f->btf_problem, sizeof(f->btf_problem));
}

/*
 * The probe decides the set: BTF-typed where it can run (direct loads, no
 * tracefs needed), else classic.  What no probe here foresees, and so what
 * the later entries are for:
 * - the verifier refusing the chosen set for a reason of its own (a
 *   complexity limit, a backported change in a hook's prototype): the other
 *   set is tried, if it can run;
 * - the iterators refused where the kernel is not locked down (a security
 *   module's bpf hook, say): loaded without them, seeding from /proc.
 * Under lockdown=confidentiality the iterators are not tried at all: they
 * read kernel memory through helpers that lockdown withdraws, and a try
 * would only verify every program twice.
 */
int features_plan(const struct tracer_features *f, const struct rst_options *opts,
		  struct load_choice plan[4])
{
	bool kinds[2], iterators[2];
	int nkinds = 0, niters = 0, n = 0;

	if (opts->programs == PROGRAMS_BTF) {
		kinds[nkinds++] = true;
	} else if (opts->programs == PROGRAMS_CLASSIC) {
		if (f->classic_ok)
			kinds[nkinds++] = false;
	} else if (f->btf_ok) {
		kinds[nkinds++] = true;
		if (f->classic_ok)
			kinds[nkinds++] = false;
	} else {
		/* the probe said no to BTF-typed: tried only where nothing
		 * else can run, so that the refusal is what the user reads */
		kinds[nkinds++] = !f->classic_ok;
	}
	if (opts->seed == SEED_ITER || !f->kernel_reads_refused)
		iterators[niters++] = true;
	if (opts->seed != SEED_ITER)
		iterators[niters++] = false;
	for (int k = 0; k < nkinds; k++)
		for (int i = 0; i < niters; i++)
			plan[n++] = (struct load_choice){kinds[k], iterators[i]};
	return n;
}
