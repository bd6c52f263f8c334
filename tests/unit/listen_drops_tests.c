// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* user/listen_drops.c: the listeners' counters between reads. */
#include "check.h"
#include "listen_drops.h"

#include <stdlib.h>

struct made {
	int n;
	__u64 ino[8];
	__u32 count[8];
	__u64 ts[8];
};

static int keep_record(void *ctx, void *data, size_t size)
{
	struct made *m = ctx;
	const struct rst_record *rec = data;

	if (m->n < 8 && size == sizeof(*rec)) {
		m->ino[m->n] = rec->sock_ino;
		m->count[m->n] = rec->count;
		m->ts[m->n] = rec->ts_ns;
	}
	m->n++;
	return 0;
}

static struct rst_listen_sample sample(__u64 ino, __u32 drops, __u64 excess)
{
	struct rst_listen_sample s = {.ino = ino, .drops = drops, .excess = excess, .wanted = 1};

	s.rec.event = RST_EV_LISTEN_DROP;
	s.rec.sock_ino = ino;
	return s;
}

static int apply(struct listen_drops *ld, struct made *m, __u64 now, struct rst_listen_sample *s,
		 size_t n)
{
	*m = (struct made){0};
	return listen_drops_apply(ld, s, n, now, keep_record, m);
}

void test_listen_drops(void)
{
	struct listen_drops *ld = listen_drops_new();
	struct rst_listen_sample s[4];
	struct made m;

	CHECK(ld != NULL);
	if (!ld)
		return;
	/* the first read learns where the counters stand: nothing is the run's */
	s[0] = sample(20, 5, 2);
	s[1] = sample(10, 7, 0);
	CHECK(apply(ld, &m, 1, s, 2) == 0 && m.n == 0);
	/* growth is reported once, stamped now; a socket held by two
	 * processes is sampled twice and counted once */
	s[0] = sample(10, 9, 0);
	s[1] = sample(20, 5, 2);
	s[2] = sample(10, 9, 0);
	CHECK(apply(ld, &m, 2, s, 3) == 1 && m.n == 1 && m.ino[0] == 10 && m.count[0] == 2 &&
	      m.ts[0] == 2);
	/* what the drop program accounted for itself is not reported again */
	s[0] = sample(10, 13, 4);
	s[1] = sample(20, 5, 2);
	CHECK(apply(ld, &m, 3, s, 2) == 0 && m.n == 0);
	/* an excess read before its counter's increments is made up for by
	 * the next read, never reported */
	s[0] = sample(10, 13, 6);
	CHECK(apply(ld, &m, 4, s, 1) == 0);
	s[0] = sample(10, 16, 6);
	CHECK(apply(ld, &m, 5, s, 1) == 1 && m.count[0] == 1);
	/* 20 closed (missing from reads 4, 5); a listener new since the
	 * first read counts from 0; the counter wraps like the kernel's int */
	s[0] = sample(10, 2, 6);
	s[1] = sample(30, 3, 0);
	CHECK(apply(ld, &m, 6, s, 2) == 2 && m.ino[0] == 10 && m.count[0] == 0xffffffffu - 16 + 3 &&
	      m.ino[1] == 30 && m.count[1] == 3);
	/* the drop program's entry was evicted and began anew: its new value is
	 * what it accounted for since */
	s[0] = sample(30, 10, 3);
	CHECK(apply(ld, &m, 7, s, 1) == 1 && m.count[0] == 4);
	s[0] = sample(30, 12, 1);
	CHECK(apply(ld, &m, 8, s, 1) == 1 && m.count[0] == 1);
	/* a sample the filters refuse makes no record, but its count moves on */
	s[0] = sample(30, 20, 1);
	s[0].wanted = 0;
	CHECK(apply(ld, &m, 9, s, 1) == 0 && m.n == 0);
	s[0] = sample(30, 21, 1);
	CHECK(apply(ld, &m, 10, s, 1) == 1 && m.count[0] == 1);
	/* a closed listener that comes back under its inode counts from 0 */
	CHECK(apply(ld, &m, 11, s, 0) == 0);
	s[0] = sample(30, 2, 0);
	CHECK(apply(ld, &m, 12, s, 1) == 1 && m.count[0] == 2);
	listen_drops_free(ld);
}
