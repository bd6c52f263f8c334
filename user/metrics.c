// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "metrics.h"
#include "origin.h"
#include "escape.h"
#include "output.h"
#include "summary.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one series of rstsnoop_events_total is labelled with. */
struct series_key {
	__u32 reason;	    /* with has_reason */
	__u32 pod_index;    /* container_names' (namespace, pod); 0: none */
	__u16 port;	    /* the service's end; 0: unknown */
	__u8 event, cause;  /* cause only for handshake_failed */
	__u8 has_reason;
	__u8 origin;	    /* origin_code(): rst_origin */
	__u8 has_owner;	    /* comm is valid */
	__u8 pad;
	char comm[RST_COMM_LEN];
};

struct series {
	struct series_key key;
	__u64 count; /* 0: a free slot */
	/* the names pod_index stands for: of the container that made the
	 * series, whose namespace and pod every container of that pod shares */
	const struct container_names *names;
};

#define EVENT_SLOTS 4 /* enum rst_event runs 1..3 */

struct metrics {
	unsigned int eph_lo, eph_hi;
	const struct reset_reasons *reasons;
	struct series *slots; /* open addressing, twice the cap: short probes */
	size_t n_slots;	      /* power of 2 */
	size_t used, max_series;
	__u64 overflow[EVENT_SLOTS];
	__u64 records;
	__u64 records_at_last_render;
	__u64 last_render_ns; /* 0: never rendered */
};

struct metrics *metrics_new(unsigned int max_series, unsigned int eph_lo, unsigned int eph_hi,
			    const struct reset_reasons *reasons)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->eph_lo = eph_lo;
	m->eph_hi = eph_hi;
	m->reasons = reasons;
	m->max_series = max_series;
	m->n_slots = 16;
	while (m->n_slots < 2 * (size_t)max_series)
		m->n_slots *= 2;
	/* every slot up front: the record path never allocates */
	m->slots = calloc(m->n_slots, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

/* The end of the connection that names the service: the one not folded
 * as the client's; the lower one when neither end is known as the client's. */
static __u16 service_port(const struct metrics *m, const struct rst_record *rec)
{
	__u16 lport, rport;

	fold_client_port(m->eph_lo, m->eph_hi, rec, &lport, &rport);
	if (!lport || !rport)
		return lport | rport;
	return lport < rport ? lport : rport;
}

static void make_key(const struct metrics *m, const struct rst_record *rec,
		     const struct container_names *names, struct series_key *k)
{
	memset(k, 0, sizeof(*k));
	k->pod_index = names ? names->pod_index : 0;
	k->event = rec->event;
	if (rec->event == RST_EV_HANDSHAKE_FAILED)
		k->cause = rec->cause;
	k->has_reason = !!(rec->flags & RST_F_REASON);
	if (k->has_reason)
		k->reason = rec->reason;
	k->origin = origin_code(rec);
	k->has_owner = !!(rec->flags & RST_F_OWNER);
	if (k->has_owner)
		memcpy(k->comm, rec->comm, sizeof(k->comm));
	k->port = service_port(m, rec);
}

static size_t hash_key(const struct series_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	__u64 h = 14695981039346656037ULL; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

void metrics_add(struct metrics *m, const struct rst_record *rec,
		 const struct container_names *names)
{
	metrics_add_n(m, rec, 1, names);
}

static __u64 *overflow_of(struct metrics *m, __u8 event)
{
	return &m->overflow[event < EVENT_SLOTS ? event : 0];
}

void metrics_add_overflow(struct metrics *m, __u8 event, __u64 n)
{
	m->records += n;
	*overflow_of(m, event) += n;
}

void metrics_add_n(struct metrics *m, const struct rst_record *rec, __u64 n,
		   const struct container_names *names)
{
	struct series_key k;
	size_t mask = m->n_slots - 1, i;

	m->records += n;
	make_key(m, rec, names, &k);
	i = hash_key(&k) & mask;
	for (;; i = (i + 1) & mask) { /* ends: at least half the slots are free */
		struct series *s = &m->slots[i];

		if (s->count && !memcmp(&s->key, &k, sizeof(k))) {
			s->count += n;
			return;
		}
		if (!s->count)
			break;
	}
	if (m->used >= m->max_series) {
		*overflow_of(m, rec->event) += n;
		return;
	}
	m->slots[i].key = k;
	m->slots[i].count = n;
	m->slots[i].names = k.pod_index ? names : NULL;
	m->used++;
}

/*
 * A label value in the exposition.  Names are hostile bytes: they are first
 * made printable ASCII as in the table (\xNN, \\), then the format's own
 * escapes are applied, so the value a scraper reads is the table's text.
 */
static void label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', f);
		fputc(*c, f);
	}
	fputc('"', f);
}

static void help_and_type(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_series(FILE *f, const struct metrics *m, const struct series *s)
{
	const struct series_key *k = &s->key;
	const char *reason = k->has_reason ? reset_reason_name(m->reasons, k->reason) : NULL;
	const char *cause = k->cause ? cause_name(k->cause) : NULL;
	char comm[4 * RST_COMM_LEN + 1] = "", port[8] = "";
	char namespace[4 * CONTAINER_NAME_MAX + 1] = "", pod[4 * CONTAINER_NAME_MAX + 1] = "";

	if (k->has_owner)
		text_escape(comm, sizeof(comm), k->comm, RST_COMM_LEN);
	if (s->names) {
		text_escape(namespace, sizeof(namespace), s->names->namespace, CONTAINER_NAME_MAX);
		text_escape(pod, sizeof(pod), s->names->pod, CONTAINER_NAME_MAX);
	}
	if (k->port)
		snprintf(port, sizeof(port), "%u", k->port);
	fputs("rstsnoop_events_total{", f);
	label(f, "event", event_name(k->event) ? event_name(k->event) : "unknown", true);
	label(f, "cause", cause ? cause : "", false);
	label(f, "rst_origin", origin_code_name(k->origin) ? origin_code_name(k->origin) : "",
	      false);
	label(f, "reason", reason ? reason : "", false);
	label(f, "comm", comm, false);
	label(f, "port", port, false);
	label(f, "namespace", namespace, false);
	label(f, "pod", pod, false);
	fprintf(f, "} %llu\n", (unsigned long long)s->count);
}

static void render_events(FILE *f, const struct metrics *m)
{
	help_and_type(f, "rstsnoop_events_total", "counter",
		      "TCP resets and failed TCP handshakes, by what happened, the process name "
		      "and the service port.");
	for (size_t i = 0; i < m->n_slots; i++)
		if (m->slots[i].count)
			render_series(f, m, &m->slots[i]);
	for (int ev = 0; ev < EVENT_SLOTS; ev++) {
		const char *name = event_name(ev);

		if (!m->overflow[ev])
			continue;
		fputs("rstsnoop_events_total{", f);
		label(f, "event", name ? name : "unknown", true);
		label(f, "cause", "_overflow", false);
		label(f, "rst_origin", "_overflow", false);
		label(f, "reason", "_overflow", false);
		label(f, "comm", "_overflow", false);
		label(f, "port", "_overflow", false);
		label(f, "namespace", "_overflow", false);
		label(f, "pod", "_overflow", false);
		fprintf(f, "} %llu\n", (unsigned long long)m->overflow[ev]);
	}
}

/* rstsnoop's own cost.  Before the map families: rstsnoop_map_capacity
 * stays the last, by which tests/integration/prom.py's "complete" knows the
 * end of an exposition. */
static void render_overhead(FILE *f, const struct metrics_health *h)
{
	help_and_type(f, "rstsnoop_process_cpu_seconds_total", "counter",
		      "User and system CPU time of the rstsnoop process, all its threads.");
	fprintf(f, "rstsnoop_process_cpu_seconds_total %.6f\n", h->cpu_seconds);
	if (h->bpf_stats_enabled >= 0) {
		help_and_type(f, "rstsnoop_bpf_stats_enabled", "gauge",
			      "kernel.bpf_stats_enabled: 1 when the kernel counts the "
			      "programs' runs and run time below (it counts them too while "
			      "any process holds a BPF_ENABLE_STATS fd, which this does not show).");
		fprintf(f, "rstsnoop_bpf_stats_enabled %d\n", h->bpf_stats_enabled);
	}
	help_and_type(f, "rstsnoop_bpf_program_runs_total", "counter",
		      "Runs of each of rstsnoop's BPF programs (counted by the kernel only "
		      "while kernel.bpf_stats_enabled is 1 or a BPF_ENABLE_STATS fd is held).");
	for (size_t i = 0; i < h->n_progs; i++) {
		fputs("rstsnoop_bpf_program_runs_total{", f);
		label(f, "program", h->progs[i].name, true);
		fprintf(f, "} %llu\n", (unsigned long long)h->progs[i].run_cnt);
	}
	help_and_type(f, "rstsnoop_bpf_program_run_seconds_total", "counter",
		      "Run time of each of rstsnoop's BPF programs (counted by the kernel only "
		      "while kernel.bpf_stats_enabled is 1 or a BPF_ENABLE_STATS fd is held).");
	for (size_t i = 0; i < h->n_progs; i++) {
		fputs("rstsnoop_bpf_program_run_seconds_total{", f);
		label(f, "program", h->progs[i].name, true);
		fprintf(f, "} %.9f\n", h->progs[i].run_time_ns / 1e9);
	}
}

static void render_health(FILE *f, const struct metrics *m, const struct metrics_health *h,
			  double per_second)
{
	__u64 overflow = 0;

	for (int ev = 0; ev < EVENT_SLOTS; ev++)
		overflow += m->overflow[ev];
	help_and_type(f, "rstsnoop_records_total", "counter",
		      "Records received from the kernel side.");
	fprintf(f, "rstsnoop_records_total %llu\n", (unsigned long long)m->records);
	help_and_type(f, "rstsnoop_records_per_second", "gauge",
		      "Records received per second over the last metrics interval.");
	fprintf(f, "rstsnoop_records_per_second %.3f\n", per_second);
	help_and_type(f, "rstsnoop_lost_records_total", "counter",
		      "Records the kernel side could not queue (ring buffer full).");
	fprintf(f, "rstsnoop_lost_records_total %llu\n", (unsigned long long)h->lost_records);
	help_and_type(f, "rstsnoop_owner_collisions_total", "counter",
		      "Live sockets that lost their owner-table slot to another socket; "
		      "their records may lack the process.");
	fprintf(f, "rstsnoop_owner_collisions_total %llu\n",
		(unsigned long long)h->owner_collisions);
	help_and_type(f, "rstsnoop_map_update_failures_total", "counter",
		      "Failed updates of a kernel-side map that carries facts between hooks "
		      "(map full); records may lack what it would have told.");
	for (unsigned int slot = 0; slot < RST_MAP_SLOTS; slot++) {
		fputs("rstsnoop_map_update_failures_total{", f);
		label(f, "map", map_slot_name(slot), true);
		fprintf(f, "} %llu\n", (unsigned long long)h->map_update_failures[slot]);
	}
	help_and_type(f, "rstsnoop_label_sets", "gauge",
		      "Distinct label sets of rstsnoop_events_total, overflow series aside.");
	fprintf(f, "rstsnoop_label_sets %zu\n", m->used);
	help_and_type(f, "rstsnoop_label_sets_max", "gauge",
		      "The cap on distinct label sets (--metrics-max-series).");
	fprintf(f, "rstsnoop_label_sets_max %zu\n", m->max_series);
	help_and_type(f, "rstsnoop_label_overflow_total", "counter",
		      "Records counted in an overflow series because the cap was reached.");
	fprintf(f, "rstsnoop_label_overflow_total %llu\n", (unsigned long long)overflow);
	render_overhead(f, h);
	help_and_type(f, "rstsnoop_map_entries", "gauge",
		      "Entries in use in a kernel-side table.");
	for (size_t i = 0; i < h->n_maps; i++) {
		fputs("rstsnoop_map_entries{", f);
		label(f, "map", h->maps[i].name, true);
		fprintf(f, "} %llu\n", (unsigned long long)h->maps[i].entries);
	}
	help_and_type(f, "rstsnoop_map_capacity", "gauge", "Entries a kernel-side table holds.");
	for (size_t i = 0; i < h->n_maps; i++) {
		fputs("rstsnoop_map_capacity{", f);
		label(f, "map", h->maps[i].name, true);
		fprintf(f, "} %llu\n", (unsigned long long)h->maps[i].capacity);
	}
}

int metrics_render(struct metrics *m, const struct metrics_health *health, __u64 now_ns,
		   char **text, size_t *len)
{
	double per_second = 0;
	FILE *f;

	*text = NULL;
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	if (m->last_render_ns && now_ns > m->last_render_ns)
		per_second = (m->records - m->records_at_last_render) /
			     ((now_ns - m->last_render_ns) / 1e9);
	render_events(f, m);
	render_health(f, m, health, per_second);
	if (fclose(f) || !*text) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	m->last_render_ns = now_ns;
	m->records_at_last_render = m->records;
	return 0;
}
