// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#define _GNU_SOURCE /* setresuid, getresuid */
#include "privs.h"
#include "diag.h"
#include "cli.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* Raw capget/capset: two 32-bit words per set (_LINUX_CAPABILITY_VERSION_3). */
struct cap_sets {
	unsigned long long effective, permitted, inheritable;
};

static int read_caps(struct cap_sets *c)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	c->effective = d[0].effective | (unsigned long long)d[1].effective << 32;
	c->permitted = d[0].permitted | (unsigned long long)d[1].permitted << 32;
	c->inheritable = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
	return 0;
}

/* Sets permitted and effective; inheritable always becomes empty. */
static int write_caps(unsigned long long permitted, unsigned long long effective)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
		{.effective = (__u32)effective, .permitted = (__u32)permitted},
		{.effective = effective >> 32, .permitted = permitted >> 32},
	};

	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

/*
 * /etc/passwd itself, not NSS: NSS modules loaded into a static binary
 * crash (libnss_systemd did, here), and a root process should not load
 * them anyway.
 */
static bool passwd_entry(const char *name, uid_t uid, uid_t *uid_out, gid_t *gid_out)
{
	FILE *f = fopen("/etc/passwd", "r");
	struct passwd *pw;
	bool found = false;

	if (!f)
		return false;
	while (!found && (pw = fgetpwent(f)))
		if (name ? !strcmp(pw->pw_name, name) : pw->pw_uid == uid) {
			*uid_out = pw->pw_uid;
			*gid_out = pw->pw_gid;
			found = true;
		}
	fclose(f);
	return found;
}

int privs_resolve_user(const char *spec, struct privs_user *u)
{
	unsigned long long id;

	memset(u, 0, sizeof(*u));
	if (passwd_entry(spec, 0, &u->uid, &u->gid)) {
		/* a name */
	} else if (!parse_uint(spec, 0, UINT_MAX - 1, &id)) {
		/* A numeric uid need not be in the passwd file (containers). */
		if (!passwd_entry(NULL, id, &u->uid, &u->gid)) {
			u->uid = id;
			u->gid = id;
		}
	} else {
		rst_err("unknown user for --user (not in /etc/passwd): %s", spec);
		return -1;
	}
	if (u->uid == 0) {
		rst_err("--user must name an unprivileged user, not uid 0: %s",
			spec);
		return -1;
	}
	u->set = true;
	return 0;
}

/*
 * The bounding set limits what an execve() could ever grant again.  Emptying
 * it needs CAP_SETPCAP; without it (started with a few file capabilities)
 * no_new_privs alone keeps execve() from granting anything.
 */
static int empty_bounding_set(void)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (!prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			continue;
		if (errno == EPERM)
			return 0;
		return -errno;
	}
	return 0;
}

static int switch_user(const struct privs_user *u, bool keep_permitted)
{
	uid_t r, e, s;

	/* setresuid() away from 0 empties every capability set unless asked
	 * to keep the permitted one (capabilities(7), "keep-capabilities"). */
	if (keep_permitted && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(1, &u->gid) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	if (keep_permitted && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -errno;
	if (getresuid(&r, &e, &s) || r != u->uid || e != u->uid || s != u->uid)
		return -EPERM;
	return 0;
}

static bool refused(int err)
{
	return err == -EPERM || err == -EACCES;
}

int privs_drop(const struct privs_user *u, int (*still_works)(void *ctx), void *ctx, bool verbose)
{
	unsigned long long bpf_cap = 0;
	struct cap_sets c = {0};
	const char *step;
	int err;

	step = "read capabilities";
	err = read_caps(&c);
	if (err)
		goto fail;
	/* bpf_capable() is CAP_BPF or, for hosts that grant only that,
	 * CAP_SYS_ADMIN: the one we may have to keep for the loop. */
	if (c.permitted & (1ULL << CAP_BPF))
		bpf_cap = 1ULL << CAP_BPF;
	else if (c.permitted & (1ULL << CAP_SYS_ADMIN))
		bpf_cap = 1ULL << CAP_SYS_ADMIN;

	step = "clear the ambient capabilities";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		err = -errno;
		goto fail;
	}
	step = "empty the capability bounding set";
	err = empty_bounding_set();
	if (err)
		goto fail;
	if (u->set) {
		step = "switch to the --user";
		err = switch_user(u, bpf_cap);
		if (err)
			goto fail;
	}
	step = "drop capabilities";
	err = write_caps(bpf_cap, 0);
	if (err)
		goto fail;
	/* Before 5.19 every bpf() command, even one on an fd we hold, needs
	 * bpf_capable() when kernel.unprivileged_bpf_disabled is set; commit
	 * c8644cd0efe7 ("bpf: refine kernel.unprivileged_bpf_disabled
	 * behaviour", 5.19) left the check on map and program creation only
	 * (6.5 moved it into those functions).  Try the read rather than
	 * guess from the version: distributions backport. */
	err = bpf_cap ? still_works(ctx) : 0;
	if (refused(err)) {
		step = "keep CAP_BPF in effect";
		err = write_caps(bpf_cap, bpf_cap);
		if (err)
			goto fail;
		step = "read BPF maps with CAP_BPF alone";
		err = still_works(ctx);
		if (err)
			goto fail;
		if (verbose)
			rst_err("this kernel needs %s for bpf() on our own fds: "
					"kept that one capability",
				bpf_cap == 1ULL << CAP_BPF ? "CAP_BPF" : "CAP_SYS_ADMIN");
	} else {
		err = write_caps(0, 0);
		if (err)
			goto fail;
	}
	step = "set no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	rst_err("cannot give up privileges after attaching: %s: %s", step,
		strerror(-err));
	return -1;
}
