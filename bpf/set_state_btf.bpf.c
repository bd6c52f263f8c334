// SPDX-License-Identifier: GPL-2.0
/*
 * sock:inet_sock_set_state as a BTF-typed program (tp_btf): the socket's
 * fields are direct loads, no helper calls.  Chosen by the loader where the
 * kernel takes it (Linux 5.12+: it needs bpf_get_socket_cookie()).
 */
#define RST_BTF_PROGS 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "set_state.bpf.h"

static __always_inline void state_change_addrs(void *ctx, const struct state_change *sc,
					       struct rst_record *rec)
{
	sock_addrs(sc->sk, rec);
}

static __always_inline void listener_addr(void *ctx, const struct state_change *sc, __u8 *addr)
{
	const struct sock_common *c = &sc->sk->__sk_common;

	if (sc->family == AF_INET6)
		__builtin_memcpy(addr, &c->skc_v6_rcv_saddr, RST_ADDR_LEN);
	else
		*(__u32 *)addr = c->skc_rcv_saddr;
}

/* The event's fields, once; false for what neither program handles. */
static __always_inline bool state_change_of(const struct sock *sk, int oldstate, int newstate,
					    struct state_change *sc)
{
	if (sk->sk_protocol != IPPROTO_TCP || !is_tracked_transition(newstate))
		return false;
	sc->sk = sk;
	sc->key = sock_key(sk);
	sc->newstate = newstate;
	sc->oldstate = oldstate;
	/* at CLOSE the bound port is already released: sock_lport() finds it */
	sc->sport = newstate == TCP_CLOSE ? sock_lport(sk) : sk->__sk_common.skc_num;
	sc->dport = bpf_ntohs(sk->__sk_common.skc_dport);
	sc->family = sk->__sk_common.skc_family;
	return true;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	struct state_change sc;

	if (state_change_of(sk, oldstate, newstate, &sc))
		on_state_change(ctx, &sc);
	return 0;
}

/* Not attached: on_set_state_btf tail-calls it (set_state_rare). */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state_rare_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	struct state_change sc;

	if (state_change_of(sk, oldstate, newstate, &sc))
		rare_paths(ctx, &sc);
	return 0;
}
