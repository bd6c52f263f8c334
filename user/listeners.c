// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "listeners.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

/*
 * Entries are found by port: a refused connect asks about one port, in
 * every namespace, family and address (listeners_elsewhere()).  Chained
 * buckets of entry indices; the entries grow as needed up to the cap.
 */
#define BUCKETS 1024 /* power of 2 */
#define NONE (-1)

struct listener_history {
	struct listener_seen *v;
	int *next; /* the bucket chain, per entry */
	size_t len, cap;
	int bucket[BUCKETS];
	__u64 dropped;
};

struct listener_history *listener_history_new(void)
{
	struct listener_history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	for (size_t i = 0; i < BUCKETS; i++)
		h->bucket[i] = NONE;
	return h;
}

void listener_history_free(struct listener_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->len; i++)
		free(h->v[i].cgroup);
	free(h->v);
	free(h->next);
	free(h);
}

__u64 listener_history_dropped(const struct listener_history *h)
{
	return h ? h->dropped : 0;
}

static size_t bucket_of(__u16 port)
{
	return port & (BUCKETS - 1);
}

static bool same_key(const struct rst_listener_key *a, const struct rst_listener_key *b)
{
	return a->netns == b->netns && a->port == b->port && a->family == b->family &&
	       !memcmp(a->addr, b->addr, RST_ADDR_LEN);
}

static struct listener_seen *find(const struct listener_history *h,
				  const struct rst_listener_key *key)
{
	for (int i = h->bucket[bucket_of(key->port)]; i != NONE; i = h->next[i])
		if (same_key(&h->v[i].key, key))
			return &h->v[i];
	return NULL;
}

static void unlink_entry(struct listener_history *h, int at)
{
	int *link = &h->bucket[bucket_of(h->v[at].key.port)];

	while (*link != at)
		link = &h->next[*link];
	*link = h->next[at];
}

/* The entry to reuse in a full history: the one that stopped listening
 * longest ago; NONE when every one listens now. */
static int oldest_stopped(const struct listener_history *h)
{
	int best = NONE;

	for (size_t i = 0; i < h->len; i++) {
		const struct listener_seen *e = &h->v[i];

		if (e->open)
			continue;
		if (best == NONE || e->closed_ns < h->v[best].closed_ns)
			best = i;
	}
	return best;
}

static int grow(struct listener_history *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 64;
	struct listener_seen *nv;
	int *nn;

	if (ncap > LISTENER_HISTORY_MAX)
		ncap = LISTENER_HISTORY_MAX;
	if (ncap <= h->cap)
		return -ENOSPC;
	nv = realloc(h->v, ncap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	h->v = nv;
	nn = realloc(h->next, ncap * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	h->next = nn;
	h->cap = ncap;
	return 0;
}

/* A fresh entry for key; NULL (counted) when the history is full of
 * listeners that listen now, or memory ran out. */
static struct listener_seen *add_entry(struct listener_history *h,
				       const struct rst_listener_key *key)
{
	int at;

	if (h->len < h->cap || !grow(h)) {
		at = h->len++;
	} else if ((at = oldest_stopped(h)) != NONE) {
		unlink_entry(h, at);
		free(h->v[at].cgroup);
	} else {
		h->dropped++;
		return NULL;
	}
	memset(&h->v[at], 0, sizeof(h->v[at]));
	h->v[at].key = *key;
	h->next[at] = h->bucket[bucket_of(key->port)];
	h->bucket[bucket_of(key->port)] = at;
	return &h->v[at];
}

/* Who the listener is, as the record and the identity say now. */
static void set_listener_owner(struct listener_seen *e, const struct rst_owner *o,
			       const struct identity *id)
{
	e->pid = o->pid;
	e->uid = o->uid;
	e->proc_start_ns = o->proc_start_ns;
	memcpy(e->comm, o->comm, sizeof(e->comm));
	e->proc_known = id && id->proc;
	if (e->proc_known)
		e->proc = *id->proc;
	free(e->cgroup);
	e->cgroup = NULL;
	memset(&e->facts, 0, sizeof(e->facts));
	e->names = NULL;
	if (id && id->cgroup && id->cgroup->path) {
		e->cgroup = strdup(id->cgroup->path);
		if (e->cgroup) {
			e->facts = id->cgroup->facts;
			e->names = id->cgroup->names; /* the directory's: lives as long */
		}
	}
	e->ended = false;
	e->exit_status = 0;
	e->ended_ns = 0;
}

static struct rst_owner owner_of_record(const struct rst_record *rec)
{
	struct rst_owner o = {.pid = rec->pid, .uid = rec->uid, .proc_start_ns = rec->proc_start_ns};

	memcpy(o.comm, rec->comm, sizeof(o.comm));
	return o;
}

static struct rst_listener_key key_of_record(const struct rst_record *rec)
{
	struct rst_listener_key k = {.netns = rec->netns, .port = rec->lport,
				     .family = rec->family};

	memcpy(k.addr, rec->laddr, rec->family == AF_INET6 ? RST_ADDR_LEN : 4);
	return k;
}

static bool has_owner(const struct rst_record *rec)
{
	return rec->flags & RST_F_OWNER;
}

static void on_open(struct listener_history *h, const struct rst_record *rec,
		    const struct identity *id)
{
	struct rst_listener_key key = key_of_record(rec);
	struct listener_seen *e = find(h, &key);
	struct rst_owner o = owner_of_record(rec);

	/* the seeding already counted a listen() made while it ran */
	if (e && e->seen_at_start && e->open && e->pid == rec->pid)
		return;
	if (!e && !(e = add_entry(h, &key)))
		return;
	if (has_owner(rec))
		set_listener_owner(e, &o, id);
	e->sock_ino = rec->sock_ino;
	e->opened_ns = rec->ts_ns;
	e->closed_ns = 0;
	e->seen_at_start = false;
	e->open++;
}

/*
 * /proc seeding registers a listener on any address of its family (it
 * does not parse the bound one): the close of a listener bound to one
 * address is that entry's, when no entry has its own key.
 */
static struct listener_seen *seeded_any(const struct listener_history *h,
					const struct rst_listener_key *key)
{
	struct rst_listener_key any = *key;
	struct listener_seen *e;

	memset(any.addr, 0, sizeof(any.addr));
	e = find(h, &any);
	return e && e->seen_at_start && e->open ? e : NULL;
}

static void on_close(struct listener_history *h, const struct rst_record *rec,
		     const struct identity *id)
{
	struct rst_listener_key key = key_of_record(rec);
	struct listener_seen *e = find(h, &key);
	struct rst_owner o = owner_of_record(rec);

	if (!e)
		e = seeded_any(h, &key);
	if (!e) { /* a listener that never showed itself: still worth knowing */
		if (!(e = add_entry(h, &key)))
			return;
		e->open = 1;
		if (has_owner(rec))
			set_listener_owner(e, &o, id);
		e->sock_ino = rec->sock_ino;
	} else if (!e->pid && has_owner(rec)) {
		set_listener_owner(e, &o, id);
	}
	if (e->open)
		e->open--;
	if (!e->open)
		e->closed_ns = rec->ts_ns;
}

/*
 * The pid and the start time name one process.  A listener seeded at
 * start matches on its pid alone: /proc seeding knows the start only as
 * /proc/PID/stat's clock ticks since boot (user/seed.c), which is not the
 * kernel's start_time (boot time counts suspend, and ticks are coarse).
 * Its pid cannot have been reused by another listener's owner meanwhile
 * unless its exit went unseen.
 */
static bool same_process(const struct listener_seen *e, const struct rst_record *rec)
{
	__u64 a = e->proc_start_ns, b = rec->proc_start_ns;

	if (e->pid != rec->pid)
		return false;
	return a == b || !a || !b || e->seen_at_start;
}

static void on_exit_of_process(struct listener_history *h, const struct rst_record *rec)
{
	for (size_t i = 0; i < h->len; i++) {
		struct listener_seen *e = &h->v[i];

		if (!same_process(e, rec))
			continue;
		e->ended = true;
		e->exit_status = rec->error;
		e->ended_ns = rec->ts_ns;
	}
}

void listener_history_add(struct listener_history *h, const struct rst_record *rec,
			  const struct identity *id)
{
	if (!h)
		return;
	switch (rec->event) {
	case RST_EV_LISTEN_OPEN:
		on_open(h, rec, id);
		break;
	case RST_EV_LISTEN_CLOSE:
		on_close(h, rec, id);
		break;
	case RST_EV_PROC_EXIT:
		on_exit_of_process(h, rec);
		break;
	}
}

void listener_history_seed(struct listener_history *h, const struct rst_listener_key *key,
			   const struct rst_owner *owner, const struct identity *id)
{
	struct listener_seen *e;

	if (!h || find(h, key) || !(e = add_entry(h, key)))
		return;
	set_listener_owner(e, owner, id);
	e->sock_ino = owner->ino;
	e->seen_at_start = true;
	e->open = 1;
}

void listener_history_seed_map(struct listener_history *h, int listeners_fd,
			       struct identities *ids)
{
	struct rst_listener_key key, next, *prev = NULL;
	struct rst_listener l;

	while (!bpf_map_get_next_key(listeners_fd, prev, &next)) {
		struct rst_record rec = {.flags = RST_F_OWNER};
		struct identity id;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(listeners_fd, &key, &l))
			continue;
		rec.pid = l.owner.pid;
		rec.proc_start_ns = l.owner.proc_start_ns;
		identity_of(ids, &rec, &id);
		listener_history_seed(h, &key, &l.owner, &id);
	}
}

static bool is_loopback(__u8 family, const __u8 *addr)
{
	static const __u8 v6_loopback[RST_ADDR_LEN] = {[15] = 1};

	return family == AF_INET6 ? !memcmp(addr, v6_loopback, RST_ADDR_LEN) : addr[0] == 127;
}

bool listener_question_of(__u8 event, __u8 cause, __u8 side, __u8 flags, __u8 family,
			  const __u8 *laddr, __u16 lport, const __u8 *raddr, __u16 rport,
			  __u32 netns, struct listener_question *q)
{
	const __u8 *addr;
	__u16 port;

	if (cause != RST_CAUSE_REFUSED)
		return false;
	if (event == RST_EV_HANDSHAKE_FAILED && side == RST_SIDE_CLIENT &&
	    ((flags & RST_F_LOCAL_RST) || is_loopback(family, raddr))) {
		addr = raddr;
		port = rport;
	} else if (event == RST_EV_RESET_SENT && (flags & RST_F_LOCAL_RST) &&
		   !(flags & RST_F_OWNER)) {
		addr = laddr;
		port = lport;
	} else {
		return false;
	}
	if (!port)
		return false;
	memset(q, 0, sizeof(*q));
	q->netns = netns;
	q->family = family;
	q->port = port;
	memcpy(q->addr, addr, family == AF_INET6 ? RST_ADDR_LEN : 4);
	return true;
}

/* The keys a listener that would have answered q may have, in order. */
static size_t answering_keys(const struct listener_question *q, struct rst_listener_key keys[3])
{
	size_t n = 0;

	keys[n] = (struct rst_listener_key){.netns = q->netns, .port = q->port, .family = q->family};
	memcpy(keys[n++].addr, q->addr, RST_ADDR_LEN);
	keys[n++] = (struct rst_listener_key){.netns = q->netns, .port = q->port,
					      .family = q->family};
	if (q->family == AF_INET)
		keys[n++] = (struct rst_listener_key){.netns = q->netns, .port = q->port,
						      .family = AF_INET6};
	return n;
}

const struct listener_seen *listener_expected(const struct listener_history *h,
					      const struct listener_question *q)
{
	struct rst_listener_key keys[3];
	size_t n;

	if (!h)
		return NULL;
	n = answering_keys(q, keys);
	for (size_t i = 0; i < n; i++) {
		const struct listener_seen *e = find(h, &keys[i]);

		/* an IPv6 listener on any address that listens now yet
		 * refused IPv4 is IPv6-only: not the one expected */
		if (e && !(keys[i].family != q->family && e->open))
			return e;
	}
	return NULL;
}

size_t listeners_elsewhere(const struct listener_history *h, const struct listener_question *q,
			   const struct listener_seen **out, size_t max)
{
	const struct listener_seen *expected = listener_expected(h, q);
	size_t total = 0;

	if (!h)
		return 0;
	for (int i = h->bucket[bucket_of(q->port)]; i != NONE; i = h->next[i]) {
		const struct listener_seen *e = &h->v[i];
		size_t at;

		if (e->key.port != q->port || !e->open || e == expected)
			continue;
		total++;
		/* insertion by opened_ns, newest first (seeded ones: 0, last) */
		at = total - 1 < max ? total - 1 : max;
		while (at > 0 && out[at - 1]->opened_ns < e->opened_ns) {
			if (at < max)
				out[at] = out[at - 1];
			at--;
		}
		if (at < max)
			out[at] = e;
	}
	return total;
}

int exit_status_code(int status, bool *signal)
{
	*signal = (status & 0x7f) != 0;
	return *signal ? status & 0x7f : (status >> 8) & 0xff;
}
