/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The drop-reason programs (bpf/drops_btf*.bpf.c): which one this kernel
 * takes, what they can see here (--features), and the listen drops no
 * record counted yet, reported at stop.
 */
#ifndef RSTSNOOP_DROPS_REPORT_H
#define RSTSNOOP_DROPS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tracer.h"

struct rstsnoop_bpf;

/* skb:kfree_skb names the receiving socket (rx_sk, 6.11+). */
bool drops_event_has_rx_sk(const struct btf *vmlinux);
/* Autoload: one of the two programs with the BTF-typed set where the
 * kernel has drop reasons, none otherwise. */
void drops_choose_programs(struct rstsnoop_bpf *skel, const struct tracer_features *f, bool btf);
/* One listen_drop record per listener for the drops no record counted
 * yet; call once the programs are detached.  Returns records made. */
int drops_flush(struct rstsnoop_bpf *skel, ring_buffer_sample_fn on_record, void *ctx);
/* The --features lines; loaded NULL: the programs were not loaded. */
void drops_features_print(FILE *out, const struct tracer_features *f,
			  const struct tracer_features *loaded);

#endif
