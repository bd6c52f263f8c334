/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The drop-reason programs (bpf/drops_btf*.bpf.c): what they can see here
 * (--features), and the listen drops no record counted yet, reported at
 * stop.  Which one loads is user/tracer.c's choose_programs().
 */
#ifndef RSTSNOOP_DROPS_REPORT_H
#define RSTSNOOP_DROPS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tracer.h"

struct rstsnoop_bpf;

/* One listen_drop record per listener for the drops no record counted
 * yet; call once the programs are detached.  Returns records made. */
int drops_flush(struct rstsnoop_bpf *skel, ring_buffer_sample_fn on_record, void *ctx);
/* The --features lines; loaded NULL: the programs were not loaded. */
void drops_features_print(FILE *out, const struct tracer_features *f,
			  const struct tracer_features *loaded);

#endif
