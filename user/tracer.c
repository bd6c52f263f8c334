// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "tracer.h"
#include "record.h"
#include "rstsnoop.skel.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

struct tracer {
	struct rstsnoop_bpf *skel;
	struct ring_buffer *rb;
	struct tracer_features feat;
	bool iterator_loaded;
	int ncpus;
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

void tracer_probe_features(struct tracer_features *f, const struct btf *btf)
{
	/* Commit b533fb9cf4f7 (6.10) gave tcp_send_reset its own event
	 * struct with a reason; the same release made it report socket-less
	 * RSTs (commit 19822a980e19). */
	f->send_reset_v610 = btf_has(btf, "trace_event_raw_tcp_send_reset", BTF_KIND_STRUCT);
	f->reset_reasons = btf_has(btf, "sk_rst_reason", BTF_KIND_ENUM);
	f->kfree_skb_reason = enum_has_value(btf, "skb_drop_reason", "SKB_DROP_REASON_NO_SOCKET");
	memset(&f->seed, 0, sizeof(f->seed));
}

static void set_filters(struct rstsnoop_bpf *skel, const struct rst_options *o)
{
	skel->rodata->filter_pid = o->pid;
	skel->rodata->filter_port = o->port;
	skel->rodata->filter_family = o->family;
	if (o->comm_set) {
		skel->rodata->filter_comm_set = true;
		memcpy((char *)skel->rodata->filter_comm, o->comm, sizeof(o->comm));
	}
	/* Wake the reader early once an eighth of the ring is queued. */
	skel->rodata->wakeup_bytes = (__u64)o->ringbuf_kb * 1024 / 8;
}

/* Opens and loads the object; with_iterator: include the seeding iterator. */
static int load_object(struct tracer *t, const struct rst_options *opts, bool with_iterator)
{
	t->skel = rstsnoop_bpf__open();
	if (!t->skel)
		return -errno;
	set_filters(t->skel, opts);
	bpf_map__set_max_entries(t->skel->maps.records, opts->ringbuf_kb * 1024);
	/* tcp_send_reset sees closed-port RSTs itself since 6.10; before,
	 * the dropped SYN is the only trace (drop reasons since 5.17). */
	bpf_program__set_autoload(t->skel->progs.on_kfree_skb,
				  !t->feat.send_reset_v610 && t->feat.kfree_skb_reason);
	bpf_program__set_autoload(t->skel->progs.seed_sockets, with_iterator);
	bpf_program__set_autoattach(t->skel->progs.seed_sockets, false); /* run by seed.c */
	t->iterator_loaded = with_iterator;
	return rstsnoop_bpf__load(t->skel);
}

int tracer_start(struct tracer **out, const struct rst_options *opts,
		 const struct tracer_features *features, ring_buffer_sample_fn on_record, void *ctx)
{
	struct tracer *t = calloc(1, sizeof(*t));
	long page = sysconf(_SC_PAGESIZE);
	bool want_iterator;
	int err;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->ncpus = libbpf_num_possible_cpus();
	if ((long)opts->ringbuf_kb * 1024 % page) {
		fprintf(stderr, "rstsnoop: ring buffer size must be a multiple of the page size (%ld KiB)\n",
			page / 1024);
		err = -EINVAL;
		goto fail;
	}
	t->feat = *features;

	want_iterator = opts->seed == SEED_AUTO || opts->seed == SEED_ITER;
	err = load_object(t, opts, want_iterator);
	if (err && want_iterator && opts->seed == SEED_AUTO) {
		/* Locked-down kernels may refuse the iterator (a tracing
		 * program) yet accept tracepoints: go on without it. */
		if (opts->verbose)
			fprintf(stderr, "rstsnoop: load with the seeding iterator failed (%s); "
					"loading without it\n", strerror(-err));
		rstsnoop_bpf__destroy(t->skel);
		err = load_object(t, opts, false);
	}
	if (err) {
		fprintf(stderr, "rstsnoop: the kernel refused the BPF programs: %s (run with -v)\n",
			strerror(-err));
		goto fail;
	}
	err = rstsnoop_bpf__attach(t->skel);
	if (err) {
		fprintf(stderr, "rstsnoop: cannot attach to the tracepoints: %s (run with -v)\n",
			strerror(-err));
		goto fail;
	}
	/* libbpf parsed the kernel's BTF (about 13 MB here) to load and freed
	 * it into the heap: give it back before the ring buffer, whose data
	 * pages count twice in RSS (mapped twice), is mapped. */
	malloc_trim(0);
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.records), on_record, ctx, NULL);
	if (!t->rb) {
		err = -errno;
		fprintf(stderr, "rstsnoop: cannot map the ring buffer: %s\n", strerror(-err));
		goto fail;
	}
	*out = t;
	return 0;
fail:
	tracer_free(t);
	return err;
}

int tracer_seed(struct tracer *t, enum seed_method method, bool verbose)
{
	int err = seed_sockets(method, t->iterator_loaded ? t->skel->progs.seed_sockets : NULL,
			       bpf_map__fd(t->skel->maps.seeds), bpf_map__fd(t->skel->maps.listeners),
			       verbose, &t->feat.seed);

	if (err)
		fprintf(stderr, "rstsnoop: seeding sockets with %s failed: %s\n",
			seed_method_name(method), strerror(-err));
	/* Let the hot path skip seed look-ups when there is nothing to find. */
	t->skel->bss->seeded_sockets = t->feat.seed.sockets;
	return err;
}

const struct tracer_features *tracer_features(const struct tracer *t)
{
	return &t->feat;
}

int tracer_poll(struct tracer *t, int timeout_ms)
{
	int err = ring_buffer__poll(t->rb, timeout_ms);

	if (err < 0)
		return err;
	/* The kernel side mostly does not wake us: collect what is queued. */
	return ring_buffer__consume(t->rb);
}

int tracer_stop(struct tracer *t)
{
	rstsnoop_bpf__detach(t->skel);
	return ring_buffer__consume(t->rb);
}

int tracer_read_lost(const struct tracer *t, __u64 *lost)
{
	__u64 *per_cpu = calloc(t->ncpus, sizeof(__u64));
	__u32 zero = 0;
	int err = 0;

	*lost = 0;
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost_records), &zero, per_cpu))
		err = -errno;
	else
		for (int i = 0; i < t->ncpus; i++)
			*lost += per_cpu[i];
	free(per_cpu);
	return err;
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	rstsnoop_bpf__destroy(t->skel);
	free(t);
}

void tracer_print_features(const struct tracer *t, FILE *out)
{
	const struct tracer_features *f = &t->feat;
	struct utsname u;

	if (!uname(&u))
		fprintf(out, "kernel: %s %s\n", u.release, u.machine);
	fprintf(out, "tcp_send_reset layout: %s\n",
		f->send_reset_v610 ? "6.10+ (reason, socket-less RSTs)" :
				     "4.15-6.9 (tcp_event_sk_skb, full sockets only)");
	fprintf(out, "reset reasons: %s\n",
		f->reset_reasons ? "yes (names from kernel BTF)" : "no (kernel before 6.10)");
	fprintf(out, "closed-port RSTs: %s\n",
		f->send_reset_v610    ? "tcp:tcp_send_reset" :
		f->kfree_skb_reason ? "skb:kfree_skb (drop reason NO_SOCKET)" :
				      "local connects only (client side)");
	fprintf(out, "owner tracking: sock:inet_sock_set_state\n");
	fprintf(out, "seeding: %s (%u sockets)\n", seed_method_name(f->seed.used), f->seed.sockets);
	fprintf(out, "record transport: BPF ring buffer, batched wakeups\n");
}
