// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "tracer.h"
#include "util.h"
#include "diag.h"
#include "drops_report.h"
#include "kernel_counts.h"
#include "listen_drops.h"
#include "preflight.h"
#include "record.h"
#include "rst_config.h" /* before the skeleton, which names struct rst_config */
#include "rstsnoop.skel.h"
#include "rstsnoop_nokfunc.skel.h" /* only its object's bytes are used */

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

struct tracer {
	struct rstsnoop_bpf *skel;
	struct ring_buffer *rb;
	struct tracer_features feat;
	ring_buffer_sample_fn on_record; /* for the records made at stop */
	void *ctx;
	bool iterator_loaded;
	bool sys_admin; /* CAP_SYS_ADMIN in effect at start (load_object, attach) */
	int ncpus;
	/* the listeners' sk_drops: the iterator's link, made before the
	 * privileges go; each read is a new iterator from it */
	struct bpf_link *listen_iter;
	struct listen_drops *listen_drops;
	__u64 listen_due_ns;		  /* the next read, on a 1 s grid from the first */
	struct rst_listen_sample *samples; /* room for one read */
	size_t samples_cap;
	struct kernel_counts *counts; /* with feat.count_in_kernel */
};

#define LISTEN_DROPS_READ_NS NSEC_PER_SEC

static void set_filters(struct rstsnoop_bpf *skel, const struct rst_options *o)
{
	skel->rodata->cfg.filter_pid = o->pid;
	memcpy((void *)skel->rodata->cfg.filter_ports, o->ports.port, sizeof(o->ports.port));
	skel->rodata->cfg.filter_nports = o->ports.n;
	memcpy((void *)skel->rodata->cfg.filter_lports, o->lports.port, sizeof(o->lports.port));
	skel->rodata->cfg.filter_nlports = o->lports.n;
	memcpy((void *)skel->rodata->cfg.filter_rports, o->rports.port, sizeof(o->rports.port));
	skel->rodata->cfg.filter_nrports = o->rports.n;
	skel->rodata->cfg.filter_uid_set = o->uid_set;
	skel->rodata->cfg.filter_uid = o->uid;
	skel->rodata->cfg.filter_netns = o->netns;
	skel->rodata->cfg.filter_events = o->events;
	skel->rodata->cfg.filter_family = o->family;
	if (o->comm_set) {
		skel->rodata->cfg.filter_comm_set = true;
		memcpy((char *)skel->rodata->cfg.filter_comm, o->comm, sizeof(o->comm));
	}
	/* Wake the reader early once a CPU queued its share of an eighth of
	 * the ring (a record takes its size and the ring's 8-byte header). */
	skel->rodata->cfg.wakeup_records =
		(__u64)o->ringbuf_kb * 1024 / 8 / (RST_RECORD_SIZE + 8) / libbpf_num_possible_cpus() ?: 1;
}

/*
 * The two sets of programs.  BTF-typed ones (tp_btf, Linux 5.5+; ours need
 * bpf_get_socket_cookie() from tracing programs, 5.12+) read sockets with
 * direct loads and attach without tracefs; classic tracepoint programs read
 * through bpf_probe_read_kernel and run where the kernel or a lockdown
 * refuses tracing programs.  One object never mixes them: their owner
 * table keys differ (cookie or address).
 */
static void choose_programs(struct rstsnoop_bpf *skel, const struct tracer_features *f, bool btf,
			    bool packets)
{
	bpf_program__set_autoload(skel->progs.on_set_state, !btf);
	bpf_program__set_autoload(skel->progs.on_receive_reset, !btf);
	bpf_program__set_autoload(skel->progs.on_send_reset, !btf);
	bpf_program__set_autoload(skel->progs.on_set_state_btf, btf);
	/* set_state's rare paths: tail-called, never attached (link_rare_paths()) */
	bpf_program__set_autoload(skel->progs.on_set_state_rare, !btf);
	bpf_program__set_autoload(skel->progs.on_set_state_rare_btf, btf);
	bpf_program__set_autoattach(skel->progs.on_set_state_rare, false);
	bpf_program__set_autoattach(skel->progs.on_set_state_rare_btf, false);
	bpf_program__set_autoload(skel->progs.on_process_exit, !btf);
	bpf_program__set_autoload(skel->progs.on_process_exit_btf, btf);
	bpf_program__set_autoload(skel->progs.on_receive_reset_btf, btf);
	/* the tracepoint's prototype gained the reason in 6.10 */
	bpf_program__set_autoload(skel->progs.on_send_reset_btf, btf && !f->send_reset_v610);
	bpf_program__set_autoload(skel->progs.on_send_reset_btf_reason, btf && f->send_reset_v610);
	/* The packet program of each set: headers through bpf_rdonly_cast()
	 * where the 6.10+ set runs (no helper per packet, and allowed under
	 * lockdown=confidentiality), else bpf_probe_read_kernel(). */
	bpf_program__set_autoload(skel->progs.on_receive_packet, !btf && packets);
	bpf_program__set_autoload(skel->progs.on_receive_packet_btf,
				  btf && !f->send_reset_v610 && packets);
	bpf_program__set_autoload(skel->progs.on_receive_packet_cast,
				  btf && f->send_reset_v610 && packets);
	/* the drop-reason programs: with the BTF-typed set where the kernel
	 * has drop reasons; the tracepoint's prototype gained rx_sk in 6.11
	 * (commit c53795d48ee8), and a program reading a fourth argument
	 * would not load before */
	bpf_program__set_autoload(skel->progs.on_drop_btf,
				  btf && f->kfree_skb_reason && !f->kfree_skb_rx_sk);
	bpf_program__set_autoload(skel->progs.on_drop_btf_rx_sk,
				  btf && f->kfree_skb_reason && f->kfree_skb_rx_sk);
	/* lockdown=confidentiality withdraws bpf_probe_read_kernel(): what
	 * needs the headers goes (bpf/drops.bpf.h) */
	skel->rodata->cfg.drop_packet_reads = !f->kernel_reads_refused;
	skel->rodata->cfg.keys_are_cookies = btf;
}

/*
 * Tests make a map's updates fail by shrinking it before load
 * (tests/integration/test_limits.sh): RSTSNOOP_TEST_MAP_ENTRIES=NAME=N.
 * A test hook, not an interface: no option, not in the man page.
 */
static void shrink_map_for_test(struct bpf_object *obj)
{
	const char *spec = getenv("RSTSNOOP_TEST_MAP_ENTRIES");
	struct bpf_map *map = NULL;
	unsigned int entries;
	char name[32], end;

	if (!spec)
		return;
	if (sscanf(spec, "%31[a-z_]=%u%c", name, &entries, &end) == 2 && entries)
		map = bpf_object__find_map_by_name(obj, name);
	if (!map || bpf_map__set_max_entries(map, entries))
		rst_err("RSTSNOOP_TEST_MAP_ENTRIES ignored: not NAME=N of a map");
}

/*
 * The skeleton, opened on the object with the kfunc extern (its users, the
 * 6.10+ programs, load) or on its twin without it (see the Makefile:
 * libbpf would look for the kfunc in the modules' BTF, which needs
 * CAP_SYS_ADMIN).  The twin has the same programs, maps and globals (the
 * build compares its skeleton with this one's).
 */
static struct rstsnoop_bpf *open_skeleton(const struct bpf_object_open_opts *opts,
					  bool with_kfunc)
{
	struct rstsnoop_bpf *skel = calloc(1, sizeof(*skel));
	int err;

	if (!skel) {
		errno = ENOMEM;
		return NULL;
	}
	err = rstsnoop_bpf__create_skeleton(skel);
	if (!err && !with_kfunc)
		skel->skeleton->data =
			(void *)rstsnoop_nokfunc_bpf__elf_bytes(&skel->skeleton->data_sz);
	if (!err)
		err = bpf_object__open_skeleton(skel->skeleton, opts);
	if (err) {
		rstsnoop_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/* Opens and loads the object with one set of programs, and the seeding
 * iterator or not. */
static int load_object(struct tracer *t, const struct rst_options *opts, bool btf,
		       bool with_iterator)
{
	/*
	 * Where vmlinux lacks a type a CO-RE relocation names (another
	 * kernel's layout: tcp_send_reset's before 6.10, a field of 6.18 on
	 * 6.1), libbpf looks for it in the modules' BTF, and walking those
	 * (BPF_BTF_GET_NEXT_ID) needs CAP_SYS_ADMIN: with CAP_BPF and
	 * CAP_PERFMON only (the systemd unit, the DaemonSet), libbpf 1.1
	 * fails the whole load ("failed to iterate BTF objects").  Naming
	 * vmlinux's own BTF as the custom one stops that walk and relocates
	 * against the same types; none of ours is a module's (TCP is built
	 * in).  It costs one more parse of vmlinux BTF, so only then.
	 */
	LIBBPF_OPTS(bpf_object_open_opts, open_opts,
		    .btf_custom_path = t->sys_admin ? NULL : "/sys/kernel/btf/vmlinux");

	t->skel = open_skeleton(&open_opts, t->feat.send_reset_v610);
	if (!t->skel)
		return -errno;
	/* Open copied what libbpf keeps of the embedded object (bpftool's
	 * skeleton, about 0.7 MB in .rodata: the twin's where that was
	 * opened); its pages would otherwise stay resident through the load, where libbpf's two copies of the
	 * kernel's BTF make the peak RSS (bench/results.md, "Peak RSS"). */
	release_read_once_pages(t->skel->skeleton->data, t->skel->skeleton->data_sz);
	set_filters(t->skel, opts);
	bpf_map__set_max_entries(t->skel->maps.records, opts->ringbuf_kb * 1024);
	/* the kernel side's groups: as many a drain interval as the metrics
	 * may keep series (a flood of distinct service ports would otherwise
	 * land in the overflow below that cap), no fewer than the default;
	 * one entry where records are queued instead (the map is never used) */
	if (t->feat.count_in_kernel)
		bpf_map__set_max_entries(t->skel->maps.counts,
					 opts->metrics_max_series > RST_COUNT_KEYS_MIN ?
						 opts->metrics_max_series : RST_COUNT_KEYS_MIN);
	else
		bpf_map__set_max_entries(t->skel->maps.counts, 1);
	shrink_map_for_test(t->skel->obj);
	choose_programs(t->skel, &t->feat, btf, !opts->no_ttl);
	t->feat.packets = !opts->no_ttl;
	/* see capture_cmdline in bpf/rst_config.h; the loader reads command
	 * lines from /proc there where it can */
	t->skel->rodata->cfg.capture_cmdline = !t->feat.kernel_reads_refused;
	/* see route_reads: without the helper, whether a peer is off-link
	 * stays unknown */
	t->skel->rodata->cfg.route_reads = !t->feat.kernel_reads_refused;
	t->skel->rodata->cfg.jiffies_hz = t->feat.hz;
	t->skel->rodata->cfg.count_in_kernel = t->feat.count_in_kernel;
	t->skel->rodata->cfg.count_eph_lo = t->feat.eph_lo;
	t->skel->rodata->cfg.count_eph_hi = t->feat.eph_hi;
	/* tcp_send_reset sees closed-port RSTs itself since 6.10; before,
	 * the dropped SYN is the only trace (drop reasons since 5.17). */
	bpf_program__set_autoload(t->skel->progs.on_kfree_skb,
				  !t->feat.send_reset_v610 && t->feat.kfree_skb_reason);
	bpf_program__set_autoload(t->skel->progs.seed_sockets, with_iterator);
	bpf_program__set_autoattach(t->skel->progs.seed_sockets, false); /* run by seed.c */
	/* the same kind of program as the seeding one: where the kernel or a
	 * lockdown refuses that, it refuses this too */
	bpf_program__set_autoload(t->skel->progs.read_listen_drops, with_iterator);
	bpf_program__set_autoattach(t->skel->progs.read_listen_drops, false);
	t->iterator_loaded = with_iterator;
	t->feat.btf_programs = btf;
	return rstsnoop_bpf__load(t->skel);
}

/* While a load that has a fallback is tried: libbpf's warnings about it
 * would only alarm (Debian's 5.10 refuses the BTF-typed programs, say). */
static int quiet_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

/*
 * Loads what features_plan() lists, stopping at the first the kernel takes:
 * in the normal case the first, so the object is verified once.  libbpf
 * speaks for the last attempt only (for every attempt with -v).  Returns
 * the first refusal's error when nothing loads.
 */
static int load_best(struct tracer *t, const struct rst_options *opts)
{
	struct load_choice plan[4];
	int n = features_plan(&t->feat, opts, plan), first_err = 0, err;

	if (!n)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		bool quiet = i < n - 1 && !opts->verbose;
		libbpf_print_fn_t print = NULL;

		if (quiet)
			print = libbpf_set_print(quiet_libbpf_print);
		err = load_object(t, opts, plan[i].btf, plan[i].iterators);
		if (quiet)
			libbpf_set_print(print);
		if (!err)
			return 0;
		if (opts->verbose)
			rst_err("loading %s programs %s the seeding iterator failed: %s",
				plan[i].btf ? "BTF-typed" : "classic",
				plan[i].iterators ? "with" : "without", strerror(-err));
		if (!first_err)
			first_err = err;
		rstsnoop_bpf__destroy(t->skel);
		t->skel = NULL;
	}
	return first_err;
}

/*
 * set_state's rare paths are a program of their own that the hot one
 * tail-calls (bpf/set_state.bpf.h): it must be in the program array
 * before anything is attached, or listen(), timeouts and handshakes that
 * fail without a RST would go unseen.
 */
static int link_rare_paths(struct rstsnoop_bpf *skel, bool btf)
{
	struct bpf_program *rare = btf ? skel->progs.on_set_state_rare_btf :
					 skel->progs.on_set_state_rare;
	__u32 key = RST_SET_STATE_RARE_SLOT;
	int fd = bpf_program__fd(rare);

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.set_state_rare), &key, &fd, BPF_ANY))
		return -errno;
	return 0;
}

int tracer_start(struct tracer **out, const struct rst_options *opts,
		 const struct tracer_features *features, ring_buffer_sample_fn on_record, void *ctx)
{
	struct tracer *t = calloc(1, sizeof(*t));
	long page = sysconf(_SC_PAGESIZE);
	int err, paranoid;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->ncpus = libbpf_num_possible_cpus();
	if ((long)opts->ringbuf_kb * 1024 % page) {
		rst_err("ring buffer size must be a multiple of the page size (%ld KiB)",
			page / 1024);
		err = -EINVAL;
		goto fail;
	}
	t->feat = *features;
	t->sys_admin = preflight_sys_admin();
	t->on_record = on_record;
	t->ctx = ctx;

	err = load_best(t, opts);
	if (err && !t->feat.classic_ok && opts->programs == PROGRAMS_CLASSIC) {
		rst_err("%s", t->feat.classic_problem);
		goto fail;
	} else if (err && !t->feat.classic_ok) {
		rst_err("the kernel refused the BTF-typed programs (%s), and the "
				"classic ones cannot run: %s", strerror(-err), t->feat.classic_problem);
		goto fail;
	} else if (err) {
		rst_err("the kernel refused the BPF programs: %s (run with -v)",
			strerror(-err));
		goto fail;
	}
	err = link_rare_paths(t->skel, t->feat.btf_programs);
	if (err) {
		rst_err("cannot link set_state's rare program: %s", strerror(-err));
		goto fail;
	}
	{
		/* one line of ours names a refusal; libbpf's own with -v */
		libbpf_print_fn_t print = opts->verbose ? NULL : libbpf_set_print(quiet_libbpf_print);

		err = rstsnoop_bpf__attach(t->skel);
		if (!opts->verbose)
			libbpf_set_print(print);
	}
	paranoid = err == -EACCES && !t->sys_admin
			   ? read_sysctl_int("/proc/sys/kernel/perf_event_paranoid", 0) : 0;
	if (paranoid > 2) {
		/* Debian's and Android's kernels add paranoia level 3, at which
		 * perf_event_open(), through which classic tracepoints attach,
		 * needs CAP_SYS_ADMIN (CAP_PERFMON is not enough) */
		rst_err("cannot attach to the tracepoints: kernel.perf_event_paranoid is %d, at "
			"which this kernel opens perf events for CAP_SYS_ADMIN only",
			paranoid);
		goto fail;
	} else if (err) {
		rst_err("cannot attach to the tracepoints: %s (run with -v)",
			strerror(-err));
		goto fail;
	}
	/* libbpf's copies of the kernel's BTF were mmapped and are gone (main.c
	 * fixes the mmap threshold); what else it freed after loading is in
	 * the heap: give it back before the ring buffer, whose data pages
	 * count twice in RSS (mapped twice), is mapped. */
	malloc_trim(0);
	/* no reads for records the --event filter would drop */
	if (t->iterator_loaded && (!opts->events || opts->events & (1u << RST_EV_LISTEN_DROP))) {
		t->listen_iter = bpf_program__attach_iter(t->skel->progs.read_listen_drops, NULL);
		t->listen_drops = listen_drops_new();
		if (!t->listen_iter && opts->verbose)
			rst_err("the listeners' iterator did not attach (%s): "
					"listen drops from skb:kfree_skb only", strerror(errno));
		if (!t->listen_drops) {
			err = -ENOMEM;
			rst_err_oom();
			goto fail;
		}
	}
	t->feat.listener_drops = t->listen_iter != NULL;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.records), on_record, ctx, NULL);
	if (!t->rb) {
		err = -errno;
		rst_err("cannot map the ring buffer: %s", strerror(-err));
		goto fail;
	}
	if (t->feat.count_in_kernel) {
		t->counts = kernel_counts_new(bpf_map__fd(t->skel->maps.counts),
					      bpf_map__fd(t->skel->maps.count_overflow),
					      &t->skel->bss->count_epoch, t->ncpus);
		if (!t->counts) {
			err = -ENOMEM;
			rst_err_oom();
			goto fail;
		}
	}
	*out = t;
	return 0;
fail:
	tracer_free(t);
	return err;
}

int tracer_seed(struct tracer *t, enum seed_method method, bool verbose)
{
	struct seed_maps maps = {
		.seeds_fd = bpf_map__fd(t->skel->maps.seeds),
		.listeners_fd = bpf_map__fd(t->skel->maps.listeners),
		.procs_fd = bpf_map__fd(t->skel->maps.procs),
		.listener_tgids_fd = bpf_map__fd(t->skel->maps.listener_tgids),
	};
	int err = seed_sockets(method, t->iterator_loaded ? t->skel->progs.seed_sockets : NULL,
			       &maps, verbose, &t->feat.seed);

	if (err)
		rst_err("seeding sockets with %s failed: %s",
			seed_method_name(method), strerror(-err));
	if (t->iterator_loaded && t->feat.seed.used == SEED_ITER) {
		__u32 zero = 0;
		__u64 overflow = 0;

		if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.seed_overflow), &zero, &overflow))
			t->feat.seed.overflow += overflow;
	}
	if (t->feat.seed.overflow)
		rst_err("%u sockets that existed at start found the seeds table "
				"full: their records may lack the process", t->feat.seed.overflow);
	/* Let the hot path skip seed look-ups when there is nothing to find. */
	t->skel->bss->seeded_sockets = t->feat.seed.sockets;
	return err;
}

int tracer_procs_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.procs);
}

int tracer_listeners_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.listeners);
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

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Detaching a classic tracepoint program waits for the tracepoint's grace
 * periods (perf_trace_event_unreg() calls tracepoint_synchronize_unregister()),
 * 20-40 ms each here: done one after the other, a stop took about 90 ms.
 * Detached side by side, the waits overlap.  (BTF-typed programs detach
 * without waiting: their links free the probe after a grace period.)  Where a thread cannot be
 * started, the link is detached right here.
 */
static void detach_all(struct rstsnoop_bpf *skel)
{
	struct bpf_link **links[] = {
		&skel->links.on_send_reset,	&skel->links.on_receive_reset,
		&skel->links.on_set_state,	&skel->links.on_kfree_skb,
		&skel->links.on_send_reset_btf, &skel->links.on_send_reset_btf_reason,
		&skel->links.on_receive_reset_btf, &skel->links.on_set_state_btf,
		&skel->links.on_drop_btf,	&skel->links.on_drop_btf_rx_sk,
		&skel->links.on_process_exit,	&skel->links.on_process_exit_btf,
	};
	pthread_t threads[sizeof(links) / sizeof(links[0])];
	bool started[sizeof(links) / sizeof(links[0])] = {};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (!*links[i])
			continue;
		started[i] = !pthread_create(&threads[i], NULL, destroy_link, *links[i]);
		if (!started[i])
			bpf_link__destroy(*links[i]);
		*links[i] = NULL;
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (started[i])
			pthread_join(threads[i], NULL);
}

/*
 * One read of every listener's drop counter (bpf/listen_drops_iter.bpf.c):
 * a new iterator from the link each time, read to its end.  The first
 * read only learns where the counters stand.  A read that fails is said
 * once and ends the reads: half a read would report the listeners it
 * missed as closed, and then their whole count as new.
 */
static void read_listen_drops(struct tracer *t, __u64 ts_ns)
{
	size_t bytes = 0;
	int fd, err = 0;
	ssize_t got;

	if (!t->listen_iter)
		return;
	fd = bpf_iter_create(bpf_link__fd(t->listen_iter));
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	for (;;) {
		if (bytes + sizeof(*t->samples) > t->samples_cap * sizeof(*t->samples)) {
			size_t cap = t->samples_cap ? t->samples_cap * 2 : 256;
			void *grown = realloc(t->samples, cap * sizeof(*t->samples));

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			t->samples = grown;
			t->samples_cap = cap;
		}
		got = read(fd, (char *)t->samples + bytes, t->samples_cap * sizeof(*t->samples) - bytes);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			err = got < 0 ? -errno : 0;
			break;
		}
		bytes += got;
	}
	close(fd);
	if (!err)
		err = listen_drops_apply(t->listen_drops, t->samples, bytes / sizeof(*t->samples), ts_ns,
					 t->on_record, t->ctx);
	if (err >= 0)
		return;
fail:
	rst_err("reading the listeners' drop counters failed: %s; no more "
			"listen drops from them", strerror(-err));
	bpf_link__destroy(t->listen_iter);
	t->listen_iter = NULL;
}

void tracer_tick(struct tracer *t, __u64 now_ns)
{
	if (!t->listen_iter || now_ns < t->listen_due_ns)
		return;
	read_listen_drops(t, now_ns);
	/* on the grid: a late read skips, never bunches */
	t->listen_due_ns += (now_ns - t->listen_due_ns) / LISTEN_DROPS_READ_NS * LISTEN_DROPS_READ_NS +
			    LISTEN_DROPS_READ_NS;
}

void tracer_arm(struct tracer *t)
{
	__u64 now = monotonic_ns();

	/* where each listener's counter stands as records start */
	read_listen_drops(t, now);
	t->listen_due_ns = now + LISTEN_DROPS_READ_NS;
	__atomic_store_n(&t->skel->bss->records_armed, 1, __ATOMIC_RELEASE);
}

int tracer_stop(struct tracer *t, __u64 end_ns)
{
	int n, m;

	/*
	 * No new record from here on, before any program goes away: the
	 * programs are detached one at a time, and a record made while some
	 * are gone would lack their facts (a refusal without the stack's RST
	 * folded in, say).  A program already past the switch finishes with
	 * every program still attached.  Its record must be committed before
	 * the last consume: programs run under rcu_read_lock() with
	 * preemption off, so one RCU grace period (membarrier's global command
	 * waits for one) covers every such run.  Detaching alone would not: a
	 * classic link waits for the tracepoint's grace period, a BTF-typed
	 * one releases its probe without waiting.  (Where membarrier is
	 * refused, nohz_full or a filter, the classic links' wait remains.)
	 */
	__atomic_store_n(&t->skel->bss->records_armed, 0, __ATOMIC_RELEASE);
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	/* the records so far, then the listeners' last counts, while the drop
	 * program still counts what it accounts for (listener_excess) */
	m = ring_buffer__consume(t->rb);
	read_listen_drops(t, end_ns);
	detach_all(t->skel);
	n = ring_buffer__consume(t->rb);
	if (m < 0 || n < 0)
		return m < 0 ? m : n;
	/* the listen drops no record counted yet (the programs are gone) */
	return m + n + drops_flush(t->skel, t->on_record, t->ctx);
}

/* The sum over CPUs of a one-slot per-CPU counter map. */
static int per_cpu_sum(const struct tracer *t, const struct bpf_map *map, __u64 *sum)
{
	__u64 *per_cpu = calloc(t->ncpus, sizeof(__u64));
	__u32 zero = 0;
	int err = 0;

	*sum = 0;
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, per_cpu))
		err = -errno;
	else
		for (int i = 0; i < t->ncpus; i++)
			*sum += per_cpu[i];
	free(per_cpu);
	return err;
}

struct kernel_counts *tracer_kernel_counts(const struct tracer *t)
{
	return t->counts;
}

int tracer_read_lost(const struct tracer *t, __u64 *lost)
{
	return per_cpu_sum(t, t->skel->maps.lost_records, lost);
}

int tracer_read_owner_collisions(const struct tracer *t, __u64 *collisions)
{
	return per_cpu_sum(t, t->skel->maps.owner_collisions, collisions);
}

int tracer_read_map_update_failures(const struct tracer *t, __u64 failures[RST_MAP_SLOTS])
{
	/* the kernel side's .bss, through the skeleton's mapping */
	for (int slot = 0; slot < RST_MAP_SLOTS; slot++)
		failures[slot] = __atomic_load_n(&t->skel->bss->map_update_failures[slot],
						 __ATOMIC_RELAXED);
	return 0;
}

#define USAGE_BATCH 1024

/*
 * Entries of a map, read in batches (BPF_MAP_LOOKUP_BATCH, 5.6+); with
 * live_owner, the owner table's slots (OWNER_WAYS per entry) that hold a
 * socket not yet closed.
 * Returns -errno when the kernel refuses.
 */
static long long count_entries(const struct bpf_map *map, bool live_owner)
{
	size_t key_size = bpf_map__key_size(map), value_size = bpf_map__value_size(map);
	char *keys = calloc(USAGE_BATCH, key_size), *values = calloc(USAGE_BATCH, value_size);
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in_batch = 0, out_batch = 0;
	long long total = 0;
	bool first = true;
	int err = 0;

	while (keys && values) {
		__u32 n = USAGE_BATCH;

		err = bpf_map_lookup_batch(bpf_map__fd(map), first ? NULL : &in_batch, &out_batch,
					   keys, values, &n, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < n; i++) {
			const struct rst_owner_set *set = (const void *)(values + (size_t)i * value_size);

			if (!live_owner) {
				total++;
				continue;
			}
			for (int w = 0; w < OWNER_WAYS; w++)
				total += set->way[w].key && !set->way[w].info.closed;
		}
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in_batch = out_batch;
		first = false;
	}
	if (!keys || !values)
		err = -ENOMEM;
	free(keys);
	free(values);
	return err ? err : total;
}

size_t tracer_map_usage(const struct tracer *t, struct map_usage *out, size_t max)
{
	const struct {
		const struct bpf_map *map;
		bool live_owner;
	} tables[] = {
		{t->skel->maps.socks, true},
		{t->skel->maps.procs, false},
		{t->skel->maps.seeds, false},
		{t->skel->maps.listeners, false},
		{t->skel->maps.listener_tgids, false},
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && n < max; i++) {
		long long entries = count_entries(tables[i].map, tables[i].live_owner);

		if (entries < 0)
			continue; /* not told: better no gauge than a wrong one */
		out[n++] = (struct map_usage){
			bpf_map__name(tables[i].map), entries,
			(__u64)bpf_map__max_entries(tables[i].map) * (tables[i].live_owner ? OWNER_WAYS : 1),
		};
	}
	return n;
}

size_t tracer_prog_usage(const struct tracer *t, struct prog_usage *out, size_t max)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (n >= max)
			break;
		/* programs of the other set, or not loaded on this kernel */
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		out[n++] = (struct prog_usage){bpf_program__name(prog), info.run_cnt,
					       info.run_time_ns};
	}
	return n;
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	kernel_counts_free(t->counts);
	bpf_link__destroy(t->listen_iter);
	listen_drops_free(t->listen_drops);
	free(t->samples);
	rstsnoop_bpf__destroy(t->skel);
	free(t);
}
