// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "filters.h"
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char event_words[] = "reset_sent, reset_received, handshake_failed, reset_ignored, "
			   "listen_drop, timed_out, reset_race";

/* Calls fn for each comma-separated item of s (none may be empty). */
static int each_item(const char *s, int (*fn)(const char *item, void *arg), void *arg)
{
	char item[64];

	do {
		size_t len = strcspn(s, ",");
		int err;

		if (!len || len >= sizeof(item))
			return -EINVAL;
		memcpy(item, s, len);
		item[len] = '\0';
		err = fn(item, arg);
		if (err)
			return err;
		s += len;
	} while (*s++ == ',');
	return 0;
}

static int add_port(const char *item, void *arg)
{
	struct port_list *l = arg;
	unsigned long long v;

	int err = parse_uint(item, 1, 65535, &v);

	if (err)
		return err;
	if (l->n == RST_MAX_PORTS)
		return -E2BIG;
	l->port[l->n++] = v;
	return 0;
}

int port_list_parse(const char *s, struct port_list *out)
{
	return each_item(s, add_port, out);
}

static int add_event(const char *item, void *arg)
{
	static const char *const names[] = {
		[RST_EV_RESET_SENT] = "reset_sent",
		[RST_EV_RESET_RECEIVED] = "reset_received",
		[RST_EV_HANDSHAKE_FAILED] = "handshake_failed",
		[RST_EV_RESET_IGNORED] = "reset_ignored",
		[RST_EV_LISTEN_DROP] = "listen_drop",
		[RST_EV_TIMED_OUT] = "timed_out",
		[RST_EV_RESET_RACE] = "reset_race",
	};
	__u8 *mask = arg;

	for (size_t e = 1; e < sizeof(names) / sizeof(names[0]); e++)
		if (names[e] && !strcmp(item, names[e])) {
			*mask |= 1u << e;
			return 0;
		}
	return -EINVAL;
}

int event_mask_parse(const char *s, __u8 *mask)
{
	return each_item(s, add_event, mask);
}

int netns_parse(const char *s, __u32 *ino)
{
	unsigned long long v;
	char path[PATH_MAX];
	struct stat st;

	if (!parse_uint(s, 1, UINT_MAX, &v)) {
		*ino = v;
		return 0;
	}
	if (!s[0] || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", s);
	if (stat(path, &st))
		return -ENOENT;
	*ino = st.st_ino;
	return 0;
}
