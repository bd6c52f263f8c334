// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "summary.h"
#include "origin.h"
#include "fold.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Distinct groups per interval; more are counted in overflow. */
#define SUMMARY_SLOTS 1024 /* power of 2 */
/* (row, pid) pairs seen per interval, to count each row's pids. */
#define PID_SLOTS 8192 /* power of 2 */

struct summary {
	unsigned int eph_lo, eph_hi;
	struct summary_row *slots; /* open addressing; count 0 = free */
	struct summary_row *sorted;
	size_t used;
	__u64 overflow;
	__u64 *pid_seen; /* (row slot + 1) << 32 | pid; 0 = free */
	size_t pids_used;
	bool pids_full;
	struct summary_tally tally[SUMMARY_TALLIES];
	size_t ntally;
	__u64 length_ns;
	struct summary_interval current;
};

void ephemeral_port_range(unsigned int *lo, unsigned int *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	*lo = 32768; /* kernel default */
	*hi = 60999;
	if (!f)
		return;
	if (fscanf(f, "%u %u", lo, hi) != 2 || *lo > *hi || *hi > 65535) {
		*lo = 32768;
		*hi = 60999;
	}
	fclose(f);
}

struct summary *summary_new(unsigned int eph_lo, unsigned int eph_hi)
{
	struct summary *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->eph_lo = eph_lo;
	s->eph_hi = eph_hi;
	s->slots = calloc(SUMMARY_SLOTS, sizeof(*s->slots));
	s->sorted = calloc(SUMMARY_SLOTS, sizeof(*s->sorted));
	s->pid_seen = calloc(PID_SLOTS, sizeof(*s->pid_seen));
	if (!s->slots || !s->sorted || !s->pid_seen) {
		summary_free(s);
		return NULL;
	}
	return s;
}

void summary_free(struct summary *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s->sorted);
	free(s->pid_seen);
	free(s);
}

void fold_client_port(unsigned int eph_lo, unsigned int eph_hi, const struct rst_record *rec,
		      __u16 *lport, __u16 *rport)
{
	*lport = rec->lport;
	*rport = rec->rport;
	rst_fold_ports(eph_lo, eph_hi, rec->event, rec->side, rec->flags, lport, rport);
}

static void make_key(const struct summary *s, const struct rst_record *rec,
		     const struct identity *id, struct summary_key *k)
{
	memset(k, 0, sizeof(*k));
	k->event = rec->event;
	k->side = rec->side;
	k->cause = rec->cause;
	k->family = rec->family;
	k->netns = rec->netns;
	k->flags = rec->flags & (RST_F_OWNER | RST_F_REASON | RST_F_LOCAL_RST | RST_F_CLIENT |
				 RST_F_SERVER | RST_F_V4MAPPED);
	k->origin = origin_code(rec);
	if (rec->flags & RST_F_OWNER) {
		k->attribution = rec->attribution;
		memcpy(k->comm, rec->comm, sizeof(k->comm));
	}
	if (id && id->proc) {
		const struct rst_process *p = id->proc;

		k->cgroup_id = p->cgroup_id;
		k->cmdline_len = p->cmdline_len < sizeof(k->cmdline) ? p->cmdline_len :
									 sizeof(k->cmdline);
		k->cmdline_cut = p->cmdline_cut;
		memcpy(k->cmdline, p->cmdline, k->cmdline_len);
	}
	if (rec->flags & RST_F_REASON)
		k->reason = rec->reason;
	memcpy(k->laddr, rec->laddr, sizeof(k->laddr));
	memcpy(k->raddr, rec->raddr, sizeof(k->raddr));
	fold_client_port(s->eph_lo, s->eph_hi, rec, &k->lport, &k->rport);
}

static __u64 hash_key(const struct summary_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	__u64 h = 14695981039346656037ULL; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* Counts pid once per row (slot) and interval. */
static void note_pid(struct summary *s, size_t slot, __u32 pid)
{
	__u64 pair = (__u64)(slot + 1) << 32 | pid;
	size_t i = (pair * 0x9e3779b97f4a7c15ULL) >> 51 & (PID_SLOTS - 1);

	for (size_t probe = 0; probe < PID_SLOTS; probe++, i = (i + 1) & (PID_SLOTS - 1)) {
		if (s->pid_seen[i] == pair)
			return;
		if (!s->pid_seen[i]) {
			if (s->pids_used >= PID_SLOTS / 4 * 3)
				break;
			s->pid_seen[i] = pair;
			s->pids_used++;
			s->slots[slot].pids++;
			return;
		}
	}
	s->pids_full = true;
}

static struct summary_tally *tally_of(struct summary *s, __u32 netns)
{
	for (size_t i = 0; i < s->ntally; i++)
		if (s->tally[i].netns == netns)
			return &s->tally[i];
	if (s->ntally == SUMMARY_TALLIES)
		return NULL;
	s->tally[s->ntally] = (struct summary_tally){.netns = netns};
	return &s->tally[s->ntally++];
}

#define TCP_ESTABLISHED 1
#define TCP_CLOSE_WAIT 8

/* What the kernel would count in Tcp OutRsts, AttemptFails, EstabResets,
 * for n records like rec. */
static void count_like_kernel(struct summary *s, const struct rst_record *rec, __u64 n)
{
	struct summary_tally *t = tally_of(s, rec->netns);

	if (!t)
		return;
	if (rec->event == RST_EV_RESET_SENT || (rec->flags & RST_F_LOCAL_RST))
		t->out_rsts += n;
	if (rec->event == RST_EV_HANDSHAKE_FAILED)
		t->attempt_fails += n;
	if (rec->event != RST_EV_HANDSHAKE_FAILED && (rec->flags & RST_F_STATE) &&
	    (rec->state == TCP_ESTABLISHED || rec->state == TCP_CLOSE_WAIT))
		t->estab_resets += n;
}

void summary_add(struct summary *s, const struct rst_record *rec, const struct identity *id)
{
	summary_add_n(s, rec, id, 1);
}

void summary_add_n(struct summary *s, const struct rst_record *rec, const struct identity *id,
		   __u64 n)
{
	struct summary_key k;
	size_t i;

	count_like_kernel(s, rec, n);
	make_key(s, rec, id, &k);
	i = hash_key(&k) & (SUMMARY_SLOTS - 1);
	for (size_t probe = 0; probe < SUMMARY_SLOTS; probe++, i = (i + 1) & (SUMMARY_SLOTS - 1)) {
		struct summary_row *row = &s->slots[i];

		if (!row->count) {
			/* keep a quarter free so probe chains stay short */
			if (s->used >= SUMMARY_SLOTS / 4 * 3)
				break;
			row->key = k;
			s->used++;
		} else if (memcmp(&row->key, &k, sizeof(k))) {
			continue;
		}
		row->count += n;
		if (rec->flags & RST_F_OWNER)
			note_pid(s, i, rec->pid);
		return;
	}
	s->overflow += n;
}

void summary_add_overflow(struct summary *s, __u64 n)
{
	s->overflow += n;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct summary_row *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

const struct summary_row *summary_rows(struct summary *s, size_t *count)
{
	size_t n = 0;

	for (size_t i = 0; i < SUMMARY_SLOTS; i++)
		if (s->slots[i].count)
			s->sorted[n++] = s->slots[i];
	qsort(s->sorted, n, sizeof(*s->sorted), by_count_desc);
	*count = n;
	return s->sorted;
}

__u64 summary_overflow(const struct summary *s)
{
	return s->overflow;
}

bool summary_pids_exact(const struct summary *s)
{
	return !s->pids_full;
}

const struct summary_tally *summary_tally(const struct summary *s, __u32 netns)
{
	for (size_t i = 0; i < s->ntally; i++)
		if (s->tally[i].netns == netns)
			return &s->tally[i];
	return NULL;
}

void summary_begin(struct summary *s, __u64 start_ns, __u64 length_ns)
{
	s->length_ns = length_ns;
	s->current = (struct summary_interval){start_ns, start_ns + length_ns, false};
}

const struct summary_interval *summary_current(const struct summary *s)
{
	return &s->current;
}

void summary_next(struct summary *s)
{
	memset(s->slots, 0, SUMMARY_SLOTS * sizeof(*s->slots));
	memset(s->pid_seen, 0, PID_SLOTS * sizeof(*s->pid_seen));
	s->used = 0;
	s->overflow = 0;
	s->pids_used = 0;
	s->pids_full = false;
	s->ntally = 0;
	s->current.start_ns = s->current.end_ns;
	s->current.end_ns += s->length_ns;
	s->current.partial = false;
}

void summary_cut(struct summary *s, __u64 end_ns)
{
	if (end_ns < s->current.end_ns) {
		s->current.end_ns = end_ns;
		s->current.partial = true;
	}
}
