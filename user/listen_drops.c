// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "listen_drops.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One listening socket, between two reads. */
struct listener_count {
	__u64 ino;
	__u64 excess;  /* the sample's excess at the last read */
	__s64 balance; /* counted, less accounted for elsewhere, not reported yet: an
			  excess read before its counter's increments makes it negative */
	__u32 drops;   /* the sample's sk_drops at the last read */
};

struct listen_drops {
	struct listener_count *v; /* sorted by ino */
	size_t len;
	bool started; /* a first read was taken */
};

struct listen_drops *listen_drops_new(void)
{
	return calloc(1, sizeof(struct listen_drops));
}

void listen_drops_free(struct listen_drops *ld)
{
	if (!ld)
		return;
	free(ld->v);
	free(ld);
}

static int by_ino(const void *a, const void *b)
{
	const struct rst_listen_sample *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int listen_drops_apply(struct listen_drops *ld, struct rst_listen_sample *samples, size_t n,
		       __u64 now_ns, ring_buffer_sample_fn on_record, void *ctx)
{
	struct listener_count *next = n ? calloc(n, sizeof(*next)) : NULL;
	size_t old = 0, len = 0;
	int made = 0;

	if (n && !next)
		return -ENOMEM;
	qsort(samples, n, sizeof(*samples), by_ino);
	for (size_t i = 0; i < n; i++) {
		const struct rst_listen_sample *s = &samples[i];
		struct listener_count *c;
		__u64 excess;
		__u32 grown;

		/* a socket shared by several processes: one sample is enough */
		if (i && s->ino == samples[i - 1].ino)
			continue;
		while (old < ld->len && ld->v[old].ino < s->ino)
			old++; /* closed since the last read */
		c = &next[len++];
		if (old < ld->len && ld->v[old].ino == s->ino) {
			*c = ld->v[old++];
		} else {
			/* new since the last read: counts from 0; at the first
			 * read, what it counted before the run is not reported */
			c->ino = s->ino;
			if (!ld->started) {
				c->drops = s->drops;
				c->excess = s->excess;
			}
		}
		grown = s->drops - c->drops; /* wraps with the kernel's int */
		/* the drop program's entry for it was evicted and began anew */
		excess = s->excess >= c->excess ? s->excess - c->excess : s->excess;
		c->drops = s->drops;
		c->excess = s->excess;
		c->balance += (__s64)grown - (__s64)excess;
		if (c->balance <= 0)
			continue;
		if (s->wanted) {
			struct rst_record rec = s->rec;

			rec.count = c->balance > UINT32_MAX ? UINT32_MAX : (__u32)c->balance;
			rec.ts_ns = now_ns;
			on_record(ctx, &rec, sizeof(rec));
			made++;
		}
		c->balance = 0;
	}
	free(ld->v);
	ld->v = next;
	ld->len = len;
	ld->started = true;
	return made;
}
