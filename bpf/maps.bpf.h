/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of the kernel side and their value types.  Every compilation
 * unit (one per hook) includes this file; the definitions are __weak so
 * that `bpftool gen object` links them into one object with one copy of
 * each map.
 *
 * Every table is bounded: the owner table is 4-way set-associative (an
 * eviction of a live owner is counted), the LRU ones forget the oldest
 * entry when full, and the per-CPU rings overwrite their oldest slot.
 *
 * Every map of the kernel side is defined here, grouped below; the logic
 * that uses each stays with its hook (wire.bpf.h, drops.bpf.h, ...).
 * docs/kernel-data-flow.md has the table of every map: which hook writes
 * it, which reads it, its key and value, how entries go.  Every hash map
 * update goes through map_update(), which counts failures.
 */
#ifndef RSTSNOOP_MAPS_BPF_H
#define RSTSNOOP_MAPS_BPF_H

#include "record.h"
#include "drops.h" /* listen_drops's value, the listener sizes */

#ifndef EEXIST
#define EEXIST 17
#endif

#define OWNER_SETS 16384 /* power of 2: the set is a masked hash */
#define MAX_SEEDED_SOCKETS 262144
#define MAX_LISTENERS 16384
#define MAX_PROCESSES 16384

/* A connection as seen from one end, in one network namespace. */
struct rst_flow_key {
	__u32 netns;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u8 laddr[RST_ADDR_LEN];
	__u8 raddr[RST_ADDR_LEN];
};

/* The flow of a record, this host's end first (rec->netns set). */
static __always_inline void flow_key_of(const struct rst_record *rec, struct rst_flow_key *key)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->netns = rec->netns;
	key->family = rec->family;
	key->lport = rec->lport;
	key->rport = rec->rport;
	__builtin_memcpy(key->laddr, rec->laddr, RST_ADDR_LEN);
	__builtin_memcpy(key->raddr, rec->raddr, RST_ADDR_LEN);
}

struct rst_local_rst {
	__u32 reason;
	__u32 flags; /* RST_F_REASON when reason is valid */
};

/*
 * Per CPU: the last RSTs the stack sent without a socket to a local
 * connect()'s SYN, by the connecting socket's flow.  A ring, not a hash
 * map: the connecting socket takes its RST right after, on this CPU (the
 * RST is queued to this CPU's backlog and handled there, in softirq or in
 * the connecting task's release_sock), and an insert and a delete in a
 * hash map cost more than the rest of the refused-connect path.  A RST
 * nobody takes is simply overwritten.  Searched newest first: the one
 * wanted is almost always the last.
 */
#define PARKED_SLOTS 8

struct rst_parked {
	struct rst_flow_key key; /* netns 0: empty */
	struct rst_local_rst rst;
};

struct rst_parked_ring {
	__u32 next;
	__u32 pad;
	struct rst_parked slot[PARKED_SLOTS];
};

/*
 * Per CPU: RSTs accepted during a handshake.  tcp_reset() fires
 * tcp_receive_reset and then, in the same call, moves the socket to CLOSE
 * (tcp_done()), whose record says the handshake was refused.  A ring, not
 * one slot: a softirq may handle another socket's RST in between.
 */
#define HANDSHAKE_RST_SLOTS 4

struct rst_handshake_rst {
	__u64 key; /* socket key; 0: empty */
	struct rst_local_rst rst;
	__u8 local; /* this host's stack sent it (socket-less) */
	__u8 pad[7];
};

struct rst_handshake_ring {
	__u32 next;
	__u32 pad;
	struct rst_handshake_rst slot[HANDSHAKE_RST_SLOTS];
};

/*
 * Per CPU: the sockets that just moved to CLOSE, with the state before,
 * for the RST that follows.  A ring, not one slot: on loopback the RST
 * reaches the peer (whose own CLOSE runs here too) before tcp_send_reset
 * fires for the sender, since tcp_send_active_reset() traces after
 * tcp_transmit_skb().
 */
#define CLOSING_SLOTS 4

struct rst_closing {
	__u64 key;
	__u8 prev_state;
	__u8 pad[7];
};

struct rst_closing_ring {
	__u32 next;
	__u32 pad;
	struct rst_closing slot[CLOSING_SLOTS];
};

/* The size limits and value types of the maps below that are kernel-side
 * only (shared ones: record.h, drops.h). */
#define MAX_WIRE_RSTS 4096
#define MAX_PEERS 16384
#define MAX_RESET_FLOWS 4096
#define MAX_REJECTING_SOCKETS 1024
#define MAX_LISTENER_PROCESSES 4096
#define MAX_FIREWALL_MARKS 4096

/*
 * Distinct keys per interval (the loader sets the size: at least this,
 * --metrics-max-series if more).  A key carries the pid (the summary counts
 * each row's pids, and the process's command line and cgroup are looked up
 * by pid once per key), so a storm from one process is one key, and a
 * shell loop of short-lived clients one key per client.  More: counted in
 * count_overflow, never silent.
 */
#define MAX_COUNT_KEYS RST_COUNT_KEYS_MIN
/* Slots of count_scratch: one per level a program may run nested at on one
 * CPU (task, softirq, hardirq, NMI). */
#define COUNT_SCRATCH_SLOTS 4
/* Slots of count_overflow: one per enum rst_event. */
#define COUNT_EVENT_SLOTS 16

/* A RST from the network, until its socket's record takes it. */
struct rst_wire_rst {
	__u8 ttl;
	__u8 pad[7];
};

/* An ICMP error about one of our segments (a SYN, mostly). */
struct rst_icmp_error {
	__u64 ts_ns; /* when it came */
	__u8 from[RST_ADDR_LEN];
	__u8 ttl;
	__u8 type;
	__u8 code;
	__u8 pad[5];
};

/*
 * The TTL of a peer's genuine packets, and what it was learnt from.
 * Handshake and echo baselines replace each other (the newest path wins);
 * a sampled segment only fills a gap, or refreshes an older sample.
 */
struct rst_peer_ttl {
	__u64 ts_ns; /* when last seen with this TTL (refreshed once a second at most) */
	__u8 ttl;
	__u8 kind; /* enum rst_baseline */
	__u8 pad[6];
};

/* A remote address, per network namespace: whose genuine hops we keep. */
struct rst_peer_key {
	__u32 netns;
	__u16 family;
	__u16 pad;
	__u8 addr[RST_ADDR_LEN];
};

/* A connection a RST from the network closed: for the race evidence. */
struct rst_reset_flow {
	struct rst_owner owner; /* pid 0: unknown */
	__u64 cookie;
	__u32 late_rsts; /* socket-less RSTs this host sent the peer since */
	__u16 facts;	 /* RST_FACT_TTL, RST_FACT_PEER_TTL of the RST */
	__u8 ttl, peer_ttl;
	__u8 baseline; /* what peer_ttl was learnt from */
	__u8 pad[3];
	__u32 baseline_age_ms; /* its age when the RST came */
};

/* A connecting socket's rejected SYN-ACKs (rejected.bpf.h). */
struct rst_rejected {
	__u32 count;  /* SYN-ACKs rejected (RSTs sent in SYN_SENT) */
	__u32 reason; /* enum sk_rst_reason of the last RST, with RST_F_REASON in flags */
	__u32 flags;
	__u32 pad;
};

/* This host's firewall dropped a packet of the flow. */
struct rst_firewall_mark {
	__u64 ts_ns; /* bpf_ktime_get_ns() of the drop */
};

/*
 * The maps, by group.  Each one's writer, reader, key and lifetime:
 * docs/kernel-data-flow.md (a row per map).
 */

/* ---- Owners: which process a socket belongs to ---- */

/* The owner table: hash(owner key) -> a 4-way set of owners. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OWNER_SETS);
	__type(key, __u32);
	__type(value, struct rst_owner_set);
} socks SEC(".maps") __weak;

/*
 * Sockets that existed before rstsnoop started, by inode.  Not an LRU: a
 * full table must refuse (and the refusal be counted in seed_overflow),
 * not quietly forget an earlier seed.  Entries stay after their socket
 * closed: socket inode numbers come from get_next_ino(), a 32-bit counter,
 * so none is reused during a run.  Allocated as filled: most hosts have far
 * fewer sockets than the table holds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SEEDED_SOCKETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct rst_owner);
} seeds SEC(".maps") __weak;

/* Listening sockets, by {netns, port, family, address}: their owner. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, struct rst_listener_key);
	__type(value, struct rst_listener);
} listeners SEC(".maps") __weak;

/* Who each process is beyond its pid (struct rst_process), by pid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PROCESSES);
	__type(key, __u32);
	__type(value, struct rst_process);
} procs SEC(".maps") __weak;

/*
 * The processes that own a listener rstsnoop saw (listen(), or one that
 * existed at start), by tgid; the value is the process's start time
 * (task start_time), which tells a reused pid apart.
 *   writer: set_state (listen()), the seeding (seed.bpf.c, user/seed.c)
 *   reader and deleter: process_exit (sched:sched_process_exit), which
 *           reports the exit of these processes only, and deletes the entry
 *   key: tgid; lifetime: from listen() to the process's exit.  An LRU:
 *           a host that opens more listening processes than it holds
 *           forgets the oldest, whose exit is then not reported.
 * A process stays here after closing its listener: how it ended is the
 * question a refused connect to its old port asks.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_LISTENER_PROCESSES);
	__type(key, __u32);
	__type(value, __u64);
} listener_tgids SEC(".maps") __weak;

/* Per CPU: room to build a struct rst_process, too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rst_process);
} process_scratch SEC(".maps") __weak;

/* ---- Facts one hook leaves for another ---- */

/* Per CPU: socket-less RSTs to a local connect's SYN, for receive_reset. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rst_parked_ring);
} parked_rsts SEC(".maps") __weak;

/* Per CPU: RSTs received during a handshake, for the CLOSE that follows. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rst_handshake_ring);
} handshake_rsts SEC(".maps") __weak;

/* Per CPU: the state a socket closed from, for send_reset. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rst_closing_ring);
} closing SEC(".maps") __weak;

/*
 * Connections whose packet this host's netfilter dropped (NF_DROP, as a
 * reject rule does after it answered with a RST or an ICMP error), by the
 * flow as the local socket sees it (this host's end first): the RST or
 * ICMP error that socket then gets was made by this host's firewall.
 * Filled from skb:kfree_skb's drop reason NETFILTER_DROP (5.17+), taken by
 * the socket's record.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_FIREWALL_MARKS);
	__type(key, struct rst_flow_key);
	__type(value, struct rst_firewall_mark);
} firewall_marks SEC(".maps") __weak;

/* SYN-ACKs a connecting socket rejected (bpf/rejected.bpf.h), by owner key. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_REJECTING_SOCKETS);
	__type(key, __u64);
	__type(value, struct rst_rejected);
} rejected_synacks SEC(".maps") __weak;

/* A RST from the network (wire.bpf.h), by flow, for its socket's record. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_WIRE_RSTS);
	__type(key, struct rst_flow_key);
	__type(value, struct rst_wire_rst);
} wire_rsts SEC(".maps") __weak;

/* An ICMP error about our segment (wire.bpf.h), by flow, for its socket's record. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_WIRE_RSTS);
	__type(key, struct rst_flow_key);
	__type(value, struct rst_icmp_error);
} icmp_errors SEC(".maps") __weak;

/* Each peer's genuine TTL: from its SYN-ACK, its SYN, its echo reply or a
 * sampled segment (struct rst_peer_ttl). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PEERS);
	__type(key, struct rst_peer_key);
	__type(value, struct rst_peer_ttl);
} peer_ttls SEC(".maps") __weak;

/* Connections a RST from the network closed (wire.bpf.h), for the race evidence. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_RESET_FLOWS);
	__type(key, struct rst_flow_key);
	__type(value, struct rst_reset_flow);
} reset_flows SEC(".maps") __weak;

/* ---- Listen drops (drops.bpf.h, listen_drops.bpf.h) ---- */

/* Per listener: drops seen and reported, for the listen_drop records' rate limit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LISTEN_DROP_ENTRIES);
	__type(key, struct rst_listener_key);
	__type(value, struct rst_listen_drops);
} listen_drops SEC(".maps") __weak;

/* Per listener socket inode: sk_drops increments the drop program accounts for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_LISTENER_EXCESS);
	__type(key, __u64);
	__type(value, __u64);
} listener_excess SEC(".maps") __weak;

/* ---- Output: the records and the room to build them ---- */

/* The records to user space; full: counted in lost_records. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20); /* the loader sets --ringbuf-kb */
} records SEC(".maps") __weak;

/* Per CPU: records the ring had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_records SEC(".maps") __weak;

/*
 * Per CPU: records this CPU queued since it last woke user space.  A count
 * of its own, not the ring's fill level: bpf_ringbuf_query() reads the
 * consumer's position, a cache line user space writes after every record,
 * and that read cost a refused connect about 200 ns (measured: set_state's
 * CLOSE run with and without it, both attached at once).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} queued_since_wakeup SEC(".maps") __weak;

/*
 * Per CPU: room to build a record where the program's stack has none left
 * (an internal one, emit_internal()), or the hot paths' record where the
 * kernel side counts instead of queueing (record_open()).
 *   writers and readers: set_state's listener_fact() (the rare program),
 *   record_open() and its record_close(), each within one run
 *   key: 0; lifetime: one program run (rebuilt from zero each time)
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rst_record);
} fact_scratch SEC(".maps") __weak;

/*
 * sock:inet_sock_set_state's rare paths (listen(), a listener's close,
 * a connection's timeout, a handshake that failed without a RST) as a
 * program of their own, which the hot program tail-calls: verified apart,
 * and the refused and reset paths stay short (bpf/set_state.bpf.h).
 *   writer: the loader, after load (user/tracer.c); reader: bpf_tail_call()
 *   key: RST_SET_STATE_RARE_SLOT (bpf/rst_config.h); value: that program's fd
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} set_state_rare SEC(".maps") __weak;

/* ---- In-kernel counting, for -s and metrics-only runs (count.bpf.h) ---- */

/* The counts, by the record reduced to what a group reads.
 *   writer: count_event(), the programs; reader and deleter: user space's
 *           drain; key: struct rst_record reduced (count_key()), value:
 *           records; lifetime: one epoch */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_COUNT_KEYS);
	__type(key, struct rst_record);
	__type(value, __u64);
} counts SEC(".maps") __weak;

/*
 * Per CPU: room for the key, which the program's stack lacks, one slot per
 * nesting level.  A BTF-typed program may run inside another program's run
 * on the same CPU (an interrupt's softirq frees an skb, say: the kernel
 * keeps only a program from nesting in itself), so each run takes the slot
 * of its depth, counted in count_depth (an interrupted run sees the nested
 * one's increment undone before it resumes).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNT_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct rst_record);
} count_scratch SEC(".maps") __weak;

/* Per CPU: how deeply counting runs are nested now (count_scratch's slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} count_depth SEC(".maps") __weak;

/* Records not counted because `counts` was full (or, in theory, programs
 * nested deeper than count_scratch has room for), by event (cumulative). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNT_EVENT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} count_overflow SEC(".maps") __weak;

/* ---- Counters of what the tables could not hold ---- */

/* Live sockets that lost their owner slot to another socket. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} owner_collisions SEC(".maps") __weak;

/* Sockets that existed at start but found the seeds table full. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seed_overflow SEC(".maps") __weak;

/*
 * Failed bpf_map_update_elem() calls, per map (enum rst_map_slot).  A
 * global (.bss, which the loader reads through the skeleton's mapping), not
 * a per-CPU map: a map look-up needs its key on the stack, and the
 * BTF-typed programs' stacks are full (6.1 refused the look-up as a
 * subprogram: "combined stack size of 2 calls is 544").  Bumped on the
 * failure path only, atomically: contention there does not matter.
 */
__u64 map_update_failures[RST_MAP_SLOTS] __weak = {};

/*
 * bpf_map_update_elem() that counts its failures in slot: a full hash map
 * (E2BIG), an LRU map out of free nodes (ENOMEM).  BPF_NOEXIST's -EEXIST
 * is the answer asked for ("someone was first"), not a failure.
 */
static __always_inline long map_update(void *map, const void *key, const void *value,
				       __u64 flags, enum rst_map_slot slot)
{
	long err = bpf_map_update_elem(map, key, value, flags);

	if (err && !(flags == BPF_NOEXIST && err == -EEXIST))
		__sync_fetch_and_add(&map_update_failures[slot], 1);
	return err;
}

#endif /* RSTSNOOP_MAPS_BPF_H */
