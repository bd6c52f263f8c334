// SPDX-License-Identifier: GPL-2.0
/*
 * sock:inet_sock_set_state as a classic tracepoint: the fallback where the
 * kernel refuses BTF-typed programs.  The event's fields are read straight
 * from the context.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "set_state.bpf.h"

static __always_inline void state_change_addrs(void *ctx, const struct state_change *sc,
					       struct rst_record *rec)
{
	copy_state_addrs(rec, ctx);
}

/* At listen() the event's source address is the bound one (direct
 * context loads, as copy_state_addrs()). */
static __always_inline void listener_addr(void *ctx, const struct state_change *sc, __u8 *addr)
{
	struct trace_event_raw_inet_sock_set_state *ev = ctx;
	__u32 *a = (__u32 *)addr;

	if (sc->family == AF_INET6) {
		a[0] = *(__u32 *)&ev->saddr_v6[0];
		a[1] = *(__u32 *)&ev->saddr_v6[4];
		a[2] = *(__u32 *)&ev->saddr_v6[8];
		a[3] = *(__u32 *)&ev->saddr_v6[12];
	} else {
		a[0] = *(__u32 *)ev->saddr;
	}
}

/* The event's fields, once; false for what neither program handles. */
static __always_inline bool state_change_of(const struct trace_event_raw_inet_sock_set_state *ctx,
					    struct state_change *sc)
{
	if (ctx->protocol != IPPROTO_TCP || !is_tracked_transition(ctx->newstate))
		return false;
	sc->sk = ctx->skaddr;
	sc->key = sock_key(sc->sk);
	sc->newstate = ctx->newstate;
	sc->oldstate = ctx->oldstate;
	sc->sport = ctx->sport;
	sc->dport = ctx->dport;
	sc->family = ctx->family;
	return true;
}

SEC("tracepoint/sock/inet_sock_set_state")
int on_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct state_change sc;

	if (state_change_of(ctx, &sc))
		on_state_change(ctx, &sc);
	return 0;
}

/* Not attached: on_set_state tail-calls it (set_state_rare). */
SEC("tracepoint/sock/inet_sock_set_state")
int on_set_state_rare(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct state_change sc;

	if (state_change_of(ctx, &sc))
		rare_paths(ctx, &sc);
	return 0;
}
