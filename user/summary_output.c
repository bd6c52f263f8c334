// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Rendering of --summary intervals, as a table or one JSON object each. */
#include "output_parts.h"
#include "origin.h"
#include "escape.h"
#include "identity.h"

#include <arpa/inet.h>
#include <string.h>

#define PIDS_W 5

static struct incident incident_of_row(const struct summary_key *k)
{
	return (struct incident){
		.event = k->event, .side = k->side, .cause = k->cause, .flags = k->flags,
		.attribution = k->attribution, .family = k->family, .lport = k->lport,
		.rport = k->rport, .reason = k->reason, .netns = k->netns,
		.comm = k->comm, .laddr = k->laddr, .raddr = k->raddr,
	};
}

/* Who made the RSTs of a row, where more than "local" says it. */
static void origin_detail(char *detail, size_t size, __u8 origin)
{
	const char *name = origin_code_name(origin);
	size_t n = strlen(detail);

	if (!name || !strcmp(name, "local_stack"))
		return;
	if (!strcmp(detail, "-"))
		snprintf(detail, size, "%s", name);
	else if (n < size)
		snprintf(detail + n, size - n, " %s", name);
}

static double interval_seconds(const struct summary_interval *iv)
{
	return (iv->end_ns - iv->start_ns) / 1e9;
}

static size_t rows_shown(const struct summary_report *r)
{
	return r->top && r->top < r->n ? r->top : r->n;
}

/* The row's key as the struct rst_process cmdline_join() reads. */
static size_t row_cmdline(const struct summary_key *k, char *buf, size_t size)
{
	struct rst_process p = {.cmdline_len = k->cmdline_len};

	memcpy(p.cmdline, k->cmdline, sizeof(p.cmdline));
	return cmdline_join(&p, buf, size);
}

static const struct cgroup_info *row_cgroup(const struct summary_report *r,
					    const struct summary_key *k)
{
	return r->cgroups ? cgroup_lookup(r->cgroups, k->cgroup_id) : NULL;
}

/* ---- JSON --------------------------------------------------------------- */

static void json_row(struct output *o, struct json_writer *w, const struct summary_report *r,
		     const struct summary_row *row)
{
	struct incident in = incident_of_row(&row->key);
	const struct cgroup_info *cg = row_cgroup(r, &row->key);
	char cmdline[RST_CMDLINE_LEN + 1];

	jw_open_element(w);
	jw_uint(w, "count", row->count);
	/* a partial interval's rate would extrapolate a moment */
	if (r->iv->partial)
		jw_null(w, "rate_per_s");
	else
		jw_decimal(w, "rate_per_s", row->count / interval_seconds(r->iv));
	jw_uint(w, "pids", row->pids);
	json_what_and_where(w, &in, false, 0);
	jw_string(w, "reason", reason_of(o, &in));
	jw_string(w, "rst_origin", origin_code_name(row->key.origin));
	jw_uint(w, "netns", in.netns);
	if (row->key.cmdline_len)
		json_program(w, cmdline, row_cmdline(&row->key, cmdline, sizeof(cmdline)),
			     row->key.cmdline_cut, cg);
	else
		json_program(w, NULL, 0, false, cg);
	json_listener_fields(w, o, &in);
	jw_close_object(w);
}

static const struct netns_delta *kernel_of(const struct summary_report *r, __u32 netns)
{
	for (size_t i = 0; i < r->nkernel; i++)
		if (r->kernel[i].netns == netns && r->kernel[i].whole)
			return &r->kernel[i];
	return NULL;
}

/* rstsnoop's counts that match a kernel counter, for a namespace. */
static void own_counts(const struct summary_report *r, __u32 netns, __u64 out[KC_COUNT],
		       bool has[KC_COUNT])
{
	const struct summary_tally *t = summary_tally(r->summary, netns);

	memset(out, 0, KC_COUNT * sizeof(out[0]));
	memset(has, 0, KC_COUNT * sizeof(has[0]));
	has[KC_OUT_RSTS] = has[KC_ATTEMPT_FAILS] = has[KC_ESTAB_RESETS] = true;
	if (t) {
		out[KC_OUT_RSTS] = t->out_rsts;
		out[KC_ATTEMPT_FAILS] = t->attempt_fails;
		out[KC_ESTAB_RESETS] = t->estab_resets;
	}
}

/* Every namespace the interval has kernel counters or records for, once. */
static size_t namespaces_of(const struct summary_report *r, __u32 *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nkernel && n < max; i++)
		out[n++] = r->kernel[i].netns;
	for (size_t i = 0; i < r->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < n && !seen; j++)
			seen = out[j] == r->rows[i].key.netns;
		if (!seen && n < max)
			out[n++] = r->rows[i].key.netns;
	}
	return n;
}

static void json_namespaces(struct json_writer *w, const struct summary_report *r)
{
	__u32 ns[WATCHED_NETNS_MAX + SUMMARY_TALLIES];
	size_t n = namespaces_of(r, ns, sizeof(ns) / sizeof(ns[0]));

	jw_open_array(w, "netns");
	for (size_t i = 0; i < n; i++) {
		const struct netns_delta *k = kernel_of(r, ns[i]);
		__u64 own[KC_COUNT];
		bool has[KC_COUNT];

		own_counts(r, ns[i], own, has);
		jw_open_element(w);
		jw_uint(w, "netns", ns[i]);
		/* null: not watched for the whole interval */
		if (k) {
			jw_open_object(w, "kernel");
			for (int c = 0; c < KC_COUNT; c++)
				jw_uint(w, kernel_counter_names[c], k->delta.v[c]);
			jw_close_object(w);
		} else {
			jw_null(w, "kernel");
		}
		jw_open_object(w, "rstsnoop");
		for (int c = 0; c < KC_COUNT; c++)
			if (has[c])
				jw_uint(w, kernel_counter_names[c], own[c]);
		jw_close_object(w);
		jw_close_object(w);
	}
	jw_close_array(w);
}

static void summary_json(struct output *o, const struct summary_report *r)
{
	struct json_writer w;
	char stamp[48];

	rfc3339(stamp, sizeof(stamp), o, r->iv->end_ns);
	jw_begin(&w, o->out);
	jw_string(&w, "time", stamp);
	jw_string(&w, "summary", "interval");
	jw_decimal(&w, "interval_s", interval_seconds(r->iv));
	jw_bool(&w, "partial", r->iv->partial);
	jw_uint(&w, "groups_total", r->n);
	jw_bool(&w, "pids_exact", r->pids_exact);
	jw_open_array(&w, "groups");
	for (size_t i = 0; i < rows_shown(r); i++)
		json_row(o, &w, r, &r->rows[i]);
	jw_close_array(&w);
	json_namespaces(&w, r);
	jw_uint(&w, "lost_records", r->lost);
	jw_uint(&w, "owner_collisions", r->owner_collisions);
	jw_uint(&w, "map_update_failures", r->map_update_failures);
	jw_uint(&w, "groups_overflow", r->overflow);
	jw_end(&w);
}

/* ---- table -------------------------------------------------------------- */

/* "  command: ARG ARG ...", each argument escaped (blanks too), so the
 * arguments stay apart; " +" when the kernel cut it. */
static void command_line(struct output *o, const struct summary_key *k)
{
	char arg[4 * RST_CMDLINE_LEN + 1];
	size_t len = k->cmdline_len, at = 0;

	if (!len)
		return;
	fprintf(o->out, "%*s command:", COUNT_W + RATE_W + PIDS_W + 3, "");
	while (at < len) {
		size_t n = strnlen(k->cmdline + at, len - at);

		text_escape(arg, sizeof(arg), k->cmdline + at, n);
		fprintf(o->out, " %s", n ? arg : "''");
		at += n + 1;
	}
	fputs(k->cmdline_cut ? " +\n" : "\n", o->out);
}

static void counters_lines(struct output *o, const struct summary_report *r)
{
	__u32 ns[WATCHED_NETNS_MAX + SUMMARY_TALLIES];
	size_t n = namespaces_of(r, ns, sizeof(ns) / sizeof(ns[0]));

	for (size_t i = 0; i < n; i++) {
		const struct netns_delta *k = kernel_of(r, ns[i]);
		__u64 own[KC_COUNT];
		bool has[KC_COUNT];

		own_counts(r, ns[i], own, has);
		fprintf(o->out, "  netns %u", ns[i]);
		if (!k) {
			fprintf(o->out, " rstsnoop:");
			for (int c = 0; c < KC_COUNT; c++)
				if (has[c])
					fprintf(o->out, " %s %llu", kernel_counter_names[c],
						(unsigned long long)own[c]);
			fputs(" (kernel counters: not watched for the whole interval)\n", o->out);
			continue;
		}
		fputs(" kernel/rstsnoop:", o->out);
		for (int c = 0; c < KC_COUNT; c++)
			if (has[c])
				fprintf(o->out, " %s %llu/%llu", kernel_counter_names[c],
					(unsigned long long)k->delta.v[c], (unsigned long long)own[c]);
		fputs(" kernel:", o->out);
		for (int c = 0; c < KC_COUNT; c++)
			if (!has[c])
				fprintf(o->out, " %s %llu", kernel_counter_names[c],
					(unsigned long long)k->delta.v[c]);
		fputc('\n', o->out);
	}
}

void output_summary(struct output *o, const struct summary_report *r)
{
	double seconds = interval_seconds(r->iv);
	char clock[24], local[ENDPOINT_SIZE], remote[ENDPOINT_SIZE], detail[384], count[24];
	char rate[32], pids[16], comm[COMM_TEXT_SIZE];
	size_t shown = rows_shown(r);
	__u64 hidden = 0;

	if (o->json) {
		summary_json(o, r);
		return;
	}
	for (size_t i = 0; i < shown; i++) {
		struct incident in = incident_of_row(&r->rows[i].key);

		endpoint(local, &in, in.laddr, in.lport);
		endpoint(remote, &in, in.raddr, in.rport);
		widen_for(o, local, remote);
	}
	wall_clock(clock, sizeof(clock), o, r->iv->end_ns);
	if (r->iv->partial)
		fprintf(o->out, "%s  %zu group%s in %.3f s, partial (the run ended): no rate\n", clock,
			r->n, r->n == 1 ? "" : "s", seconds);
	else
		fprintf(o->out, "%s  %zu group%s in %.1f s\n", clock, r->n, r->n == 1 ? "" : "s",
			seconds);
	if (shown) {
		fprintf(o->out, "%*s %*s %*s ", COUNT_W, "COUNT", RATE_W, "RATE/s", PIDS_W, "PIDS");
		column(o->out, "COMM", COMM_W, true);
		column(o->out, "CONTEXT", CONTEXT_W, true);
		column(o->out, "EVENT", EVENT_W, true);
		column(o->out, "LOCAL", o->addr_width, true);
		column(o->out, "REMOTE", o->addr_width, true);
		fputs("DETAIL\n", o->out);
	}
	for (size_t i = 0; i < shown; i++) {
		const struct summary_row *row = &r->rows[i];
		struct incident in = incident_of_row(&row->key);

		endpoint(local, &in, in.laddr, in.lport);
		endpoint(remote, &in, in.raddr, in.rport);
		table_detail(detail, sizeof(detail), o, &in);
		origin_detail(detail, sizeof(detail), row->key.origin);
		listener_detail(detail, sizeof(detail), o, &in);
		snprintf(count, sizeof(count), "%llu", (unsigned long long)row->count);
		if (r->iv->partial)
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%.2f", row->count / seconds);
		snprintf(pids, sizeof(pids), "%u%s", row->pids, r->pids_exact ? "" : "+");
		comm_column(comm, sizeof(comm), &in);
		fprintf(o->out, "%*s %*s %*s ", COUNT_W, count, RATE_W, rate, PIDS_W, pids);
		column(o->out, comm, COMM_W, true);
		context_column(o, row_cgroup(r, &row->key));
		column(o->out, table_event(&in), EVENT_W, true);
		column(o->out, local, o->addr_width, true);
		column(o->out, remote, o->addr_width, true);
		fprintf(o->out, "%s\n", detail);
		command_line(o, &row->key);
		listener_command_line(o, &in, COUNT_W + RATE_W + PIDS_W + 3);
	}
	for (size_t i = shown; i < r->n; i++)
		hidden += r->rows[i].count;
	if (shown < r->n)
		fprintf(o->out, "  %zu more group%s with %llu records (--top %zu)\n", r->n - shown,
			r->n - shown == 1 ? "" : "s", (unsigned long long)hidden, r->top);
	counters_lines(o, r);
	if (r->lost || r->owner_collisions || r->overflow || r->map_update_failures)
		fprintf(o->out, "  lost: %llu records (ring buffer full), %llu socket owners "
				"(owner table full), %llu records beyond the group table, "
				"%llu map updates (map full)\n",
			(unsigned long long)r->lost, (unsigned long long)r->owner_collisions,
			(unsigned long long)r->overflow, (unsigned long long)r->map_update_failures);
}
