// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the kernel side's logic, below the scenarios: the owner
 * table's claim, look-up and eviction, v4-mapped unmapping, the loopback
 * rule, the ICMP refusal rule, the parked-RST ring, the peer baselines and
 * the filters.  Each SEC("raw_tp") program is one test, run once with
 * BPF_PROG_TEST_RUN by tests/bpf/run_bpf_tests.c, which prints every
 * failed check (check.bpf.h) with its source line.  The programs include
 * the product's own headers (the classic variant: sockets keyed by
 * address), so what is tested is what the tracepoint programs run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "check.bpf.h"
#include "rings.bpf.h"
#include "wire.bpf.h"
#include "receive_packet.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the runner for the second load, whose filters are set. */
const volatile bool filters_set = false;

/*
 * A key whose owner_set_index() is (set, way hint j % OWNER_WAYS): the
 * hash's steps undone in reverse (an xor-shift by 33 is its own inverse on
 * 64 bits; 0x4f74430c22a54005 is the inverse of 0xff51afd7ed558ccd modulo
 * 2^64).
 */
static __always_inline __u64 key_in_set(__u32 set, __u32 j)
{
	__u64 h = ((__u64)j << 32) | set;

	h ^= h >> 33;
	h *= 0x4f74430c22a54005ULL;
	h ^= h >> 33;
	return h;
}

static __always_inline __u64 collisions_now(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&owner_collisions, &zero);

	return n ? *n : ~0ULL;
}

static __always_inline void claim(__u64 key, __u32 pid)
{
	struct rst_owner o = {.pid = pid};

	owner_claim(key, &o, RST_F_CLIENT);
}

static __always_inline __u32 owner_pid(__u64 key)
{
	struct rst_sock_info si = {};

	return owner_lookup(key, &si) ? si.owner.pid : 0;
}

SEC("raw_tp")
int test_owner_table(void *ctx)
{
	const __u32 set = 1234;
	__u64 k[7], before = collisions_now();
	__u32 hint;
	struct rst_sock_info si = {};

	for (int j = 1; j <= 6; j++)
		k[j] = key_in_set(set, j);
	/* the keys were made right: one set, the hints j % 4 */
	ASSERT_EQ(owner_set_index(k[1], &hint), set);
	ASSERT_EQ(hint, 1);
	ASSERT_EQ(owner_set_index(k[6], &hint), set);
	ASSERT_EQ(hint, 2);
	/* four sockets of one set: each keeps its owner */
	for (int j = 1; j <= 4; j++)
		claim(k[j], 100 + j);
	for (int j = 1; j <= 4; j++)
		ASSERT_EQ(owner_pid(k[j]), 100 + j);
	ASSERT_EQ(collisions_now() - before, 0);
	/* claiming again rewrites in place */
	claim(k[4], 204);
	ASSERT_EQ(owner_pid(k[4]), 204);
	ASSERT_EQ(collisions_now() - before, 0);
	/* a fifth live socket evicts the way of its hint (5 % 4 = 1: k[2]), counted */
	claim(k[5], 105);
	ASSERT_EQ(owner_pid(k[5]), 105);
	ASSERT_EQ(owner_pid(k[2]), 0);
	ASSERT_EQ(owner_pid(k[1]), 101);
	ASSERT_EQ(collisions_now() - before, 1);
	/* a closed socket keeps its owner for its last RST ... */
	owner_release(k[1]);
	ASSERT_TRUE(owner_lookup(k[1], &si));
	ASSERT_EQ(si.closed, 1);
	ASSERT_EQ(si.owner.pid, 101);
	/* ... and its slot is the one a new socket takes, without a collision */
	claim(k[6], 106);
	ASSERT_EQ(owner_pid(k[6]), 106);
	ASSERT_EQ(owner_pid(k[1]), 0);
	ASSERT_EQ(owner_pid(k[3]), 103);
	ASSERT_EQ(collisions_now() - before, 1);
	/* forgotten: the address went to a new socket */
	owner_forget(k[3]);
	ASSERT_EQ(owner_pid(k[3]), 0);
	/* leave the table as found for the next run */
	for (int j = 1; j <= 6; j++)
		owner_forget(k[j]);
	return 0;
}

SEC("raw_tp")
int test_unmap_v4(void *ctx)
{
	struct rst_record rec = {.family = AF_INET6};
	__u32 *l = (__u32 *)rec.laddr, *r = (__u32 *)rec.raddr;

	/* ::ffff:127.0.0.1 -> ::ffff:198.18.0.2: the wire is IPv4 */
	l[2] = r[2] = bpf_htonl(0xffff);
	l[3] = bpf_htonl(0x7f000001);
	r[3] = bpf_htonl(0xc6120002);
	unmap_v4(&rec);
	ASSERT_EQ(rec.family, AF_INET);
	ASSERT_TRUE(rec.flags & RST_F_V4MAPPED);
	ASSERT_EQ(l[0], bpf_htonl(0x7f000001));
	ASSERT_EQ(r[0], bpf_htonl(0xc6120002));
	ASSERT_EQ(l[1] | l[2] | l[3] | r[1] | r[2] | r[3], 0);
	/* a real IPv6 peer stays IPv6 */
	__builtin_memset(&rec, 0, sizeof(rec));
	rec.family = AF_INET6;
	r[0] = bpf_htonl(0x20010db8);
	r[3] = bpf_htonl(2);
	unmap_v4(&rec);
	ASSERT_EQ(rec.family, AF_INET6);
	ASSERT_FALSE(rec.flags & RST_F_V4MAPPED);
	ASSERT_EQ(r[0], bpf_htonl(0x20010db8));
	return 0;
}

SEC("raw_tp")
int test_is_local_flow(void *ctx)
{
	struct rst_record rec = {.family = AF_INET};
	__u32 *l = (__u32 *)rec.laddr, *r = (__u32 *)rec.raddr;

	l[0] = bpf_htonl(0x7f000001);
	r[0] = bpf_htonl(0x7f000005); /* all of 127/8 */
	ASSERT_TRUE(is_local_flow(&rec));
	l[0] = r[0] = bpf_htonl(0xc6120001); /* to our own address */
	ASSERT_TRUE(is_local_flow(&rec));
	r[0] = bpf_htonl(0xc6120002);
	ASSERT_FALSE(is_local_flow(&rec));
	rec.family = AF_INET6;
	__builtin_memset(rec.laddr, 0, RST_ADDR_LEN);
	__builtin_memset(rec.raddr, 0, RST_ADDR_LEN);
	r[3] = bpf_htonl(1); /* ::1 */
	ASSERT_TRUE(is_local_flow(&rec));
	r[0] = l[0] = bpf_htonl(0x20010db8);
	r[3] = l[3] = bpf_htonl(7);
	ASSERT_TRUE(is_local_flow(&rec));
	r[3] = bpf_htonl(8);
	ASSERT_FALSE(is_local_flow(&rec));
	return 0;
}

/* One failed connect() whose SYN drew an ICMP error of type/code at ts. */
static __always_inline __u8 icmp_cause(__u16 family, __u8 type, __u8 code, __u64 ts_ns,
				       __u64 opened_ns, __u16 *facts)
{
	struct rst_record rec = {.family = family, .netns = 77, .lport = 40000, .rport = 22};
	struct rst_icmp_error err = {.ts_ns = ts_ns, .ttl = 63, .type = type, .code = code};
	struct rst_flow_key key;

	rec.raddr[0] = 198, rec.raddr[1] = 18, rec.raddr[2] = 2, rec.raddr[3] = 2;
	err.from[0] = 198, err.from[1] = 18, err.from[2] = 1, err.from[3] = 1;
	flow_key_of(&rec, &key);
	bpf_map_update_elem(&icmp_errors, &key, &err, BPF_ANY);
	take_icmp_error(&rec, opened_ns);
	bpf_map_delete_elem(&icmp_errors, &key);
	*facts = rec.facts;
	return rec.cause;
}

SEC("raw_tp")
int test_icmp_refusal(void *ctx)
{
	__u16 facts;

	/* IPv4 destination unreachable: port (3), net and host prohibited (9,
	 * 10), communication prohibited (13) refuse; host unreachable (1) not */
	ASSERT_EQ(icmp_cause(AF_INET, 3, 3, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_TRUE(facts & RST_FACT_ICMP_SEEN);
	ASSERT_EQ(icmp_cause(AF_INET, 3, 9, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET, 3, 10, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET, 3, 13, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET, 3, 1, 10, 5, &facts), RST_CAUSE_NONE);
	ASSERT_TRUE(facts & RST_FACT_ICMP_SEEN);
	/* IPv6 (type 1): prohibited (1), port (4), policy (5), reject route
	 * (6) refuse; address unreachable (3) not */
	ASSERT_EQ(icmp_cause(AF_INET6, 1, 1, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET6, 1, 4, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET6, 1, 5, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET6, 1, 6, 10, 5, &facts), RST_CAUSE_REFUSED);
	ASSERT_EQ(icmp_cause(AF_INET6, 1, 3, 10, 5, &facts), RST_CAUSE_NONE);
	/* an IPv4 code under an IPv6 type is no refusal */
	ASSERT_EQ(icmp_cause(AF_INET6, 3, 3, 10, 5, &facts), RST_CAUSE_NONE);
	/* an error older than this connect() belongs to an earlier one */
	ASSERT_EQ(icmp_cause(AF_INET, 3, 3, 4, 5, &facts), RST_CAUSE_NONE);
	ASSERT_FALSE(facts & RST_FACT_ICMP_SEEN);
	return 0;
}

static __always_inline void rst_of_port(struct rst_record *rst, __u16 port, __u32 reason)
{
	__builtin_memset(rst, 0, sizeof(*rst));
	rst->family = AF_INET;
	rst->laddr[0] = rst->raddr[0] = 127;
	rst->laddr[3] = rst->raddr[3] = 1;
	rst->lport = 7211;
	rst->rport = port;
	rst->reason = reason;
	rst->flags = RST_F_REASON;
}

/* The connecting socket's side of it: ports and addresses swapped. */
static __always_inline bool take_for_port(__u16 port, struct rst_local_rst *out)
{
	struct rst_record rec = {.family = AF_INET, .netns = 9, .lport = port, .rport = 7211};

	rec.laddr[0] = rec.raddr[0] = 127;
	rec.laddr[3] = rec.raddr[3] = 1;
	return take_local_rst(&rec, out);
}

SEC("raw_tp")
int test_parked_ring(void *ctx)
{
	struct rst_record rst;
	struct rst_local_rst got = {};

	rst_of_port(&rst, 41000, 7);
	park_local_rst(&rst, 9);
	ASSERT_TRUE(take_for_port(41000, &got));
	ASSERT_EQ(got.reason, 7);
	ASSERT_FALSE(take_for_port(41001, &got));
	/* more than the ring holds: the oldest is overwritten, the newest kept */
	for (int i = 0; i <= PARKED_SLOTS; i++) {
		rst_of_port(&rst, 42000 + i, i);
		park_local_rst(&rst, 9);
	}
	ASSERT_FALSE(take_for_port(42000, &got));
	ASSERT_TRUE(take_for_port(42000 + PARKED_SLOTS, &got));
	ASSERT_EQ(got.reason, PARKED_SLOTS);
	ASSERT_TRUE(take_for_port(42001, &got));
	/* another namespace's RST is not ours */
	rst_of_port(&rst, 43000, 1);
	park_local_rst(&rst, 10);
	ASSERT_FALSE(take_for_port(43000, &got));
	return 0;
}

static __always_inline void baseline_of(struct rst_record *rec, __u8 last)
{
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->netns = 5;
	rec->family = AF_INET;
	rec->raddr[0] = 198, rec->raddr[1] = 18, rec->raddr[2] = 2, rec->raddr[3] = last;
	peer_baseline(rec);
}

SEC("raw_tp")
int test_peer_baseline(void *ctx)
{
	__u8 addr[RST_ADDR_LEN] = {198, 18, 2, 9};
	struct rst_peer_key key = {.netns = 5, .family = AF_INET};
	struct rst_record rec;

	__builtin_memcpy(key.addr, addr, RST_ADDR_LEN);
	bpf_map_delete_elem(&peer_ttls, &key);
	baseline_of(&rec, 9);
	ASSERT_FALSE(rec.facts & RST_FACT_PEER_TTL);
	/* a new peer's first packet is taken, whatever it is */
	ASSERT_TRUE(note_peer_ttl(5, AF_INET, addr, 60, RST_BASELINE_SEGMENT));
	baseline_of(&rec, 9);
	ASSERT_TRUE(rec.facts & RST_FACT_PEER_TTL);
	ASSERT_EQ(rec.peer_ttl, 60);
	ASSERT_EQ(rec.baseline, RST_BASELINE_SEGMENT);
	/* a handshake replaces a sample */
	ASSERT_FALSE(note_peer_ttl(5, AF_INET, addr, 63, RST_BASELINE_SYNACK));
	baseline_of(&rec, 9);
	ASSERT_EQ(rec.peer_ttl, 63);
	ASSERT_EQ(rec.baseline, RST_BASELINE_SYNACK);
	ASSERT_TRUE(rec.baseline_age_ms < 1000);
	/* a sample does not replace a young handshake baseline */
	note_peer_ttl(5, AF_INET, addr, 50, RST_BASELINE_SEGMENT);
	baseline_of(&rec, 9);
	ASSERT_EQ(rec.peer_ttl, 63);
	ASSERT_EQ(rec.baseline, RST_BASELINE_SYNACK);
	/* an echo reply (a newer path) does */
	note_peer_ttl(5, AF_INET, addr, 62, RST_BASELINE_ECHO_REPLY);
	baseline_of(&rec, 9);
	ASSERT_EQ(rec.peer_ttl, 62);
	ASSERT_EQ(rec.baseline, RST_BASELINE_ECHO_REPLY);
	/* per address, family and namespace */
	baseline_of(&rec, 10);
	ASSERT_FALSE(rec.facts & RST_FACT_PEER_TTL);
	ASSERT_TRUE(note_peer_ttl(6, AF_INET, addr, 64, RST_BASELINE_SYN));
	ASSERT_TRUE(note_peer_ttl(5, AF_INET6, addr, 64, RST_BASELINE_SYN));
	baseline_of(&rec, 9);
	ASSERT_EQ(rec.peer_ttl, 62);
	bpf_map_delete_elem(&peer_ttls, &key);
	key.netns = 6;
	bpf_map_delete_elem(&peer_ttls, &key);
	key.netns = 5;
	key.family = AF_INET6;
	bpf_map_delete_elem(&peer_ttls, &key);
	return 0;
}

static __always_inline bool passes(__u8 event, __u16 lport, __u16 rport, __u32 pid, bool owner)
{
	struct rst_record rec = {.event = event, .lport = lport, .rport = rport, .pid = pid,
				 .family = AF_INET};

	if (owner)
		rec.flags |= RST_F_OWNER;
	return passes_filters(&rec);
}

/* The runner's second load sets -P 7211,8080, --event handshake_failed and
 * -p 42 (see run_bpf_tests.c). */
SEC("raw_tp")
int test_filters(void *ctx)
{
	if (!filters_set) {
		ASSERT_TRUE(passes(RST_EV_RESET_SENT, 1, 2, 0, false));
		ASSERT_TRUE(passes(RST_EV_HANDSHAKE_FAILED, 40000, 7211, 42, true));
		return 0;
	}
	ASSERT_TRUE(passes(RST_EV_HANDSHAKE_FAILED, 40000, 7211, 42, true));
	ASSERT_TRUE(passes(RST_EV_HANDSHAKE_FAILED, 8080, 40000, 42, true));
	ASSERT_FALSE(passes(RST_EV_HANDSHAKE_FAILED, 40000, 7212, 42, true));
	ASSERT_FALSE(passes(RST_EV_RESET_SENT, 40000, 7211, 42, true));
	ASSERT_FALSE(passes(RST_EV_HANDSHAKE_FAILED, 40000, 7211, 43, true));
	/* -p needs a known owner: an unowned record is not the process's */
	ASSERT_FALSE(passes(RST_EV_HANDSHAKE_FAILED, 40000, 7211, 42, false));
	return 0;
}
