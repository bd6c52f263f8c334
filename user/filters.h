/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The values of the filter options (--port lists, --event, --netns), parsed
 * strictly.  Which filter runs where: README.md, "Filters".
 */
#ifndef RSTSNOOP_FILTERS_H
#define RSTSNOOP_FILTERS_H

#include <linux/types.h>
#include "record.h"

struct port_list {
	__u16 port[RST_MAX_PORTS];
	unsigned int n;
};

/* "80" or "80,443,8080": 1..RST_MAX_PORTS ports of 1..65535 added to out;
 * -EINVAL (not a number, or an empty item), -ERANGE, -E2BIG (too many in all). */
int port_list_parse(const char *s, struct port_list *out);
/* "reset_sent,handshake_failed": adds 1 << enum rst_event per name; -EINVAL. */
int event_mask_parse(const char *s, __u8 *mask);
/* An inode number, or a name from /run/netns (as `ip netns` makes them):
 * -EINVAL (neither), -ENOENT (no such name). */
int netns_parse(const char *s, __u32 *ino);
/* The --event words, for messages and --help. */
extern const char event_words[];

#endif
