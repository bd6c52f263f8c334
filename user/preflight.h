/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Start-up checks of what the kernel and our privileges must offer.  Each
 * failure prints one line naming what is missing and the minimum kernel.
 */
#ifndef RSTSNOOP_PREFLIGHT_H
#define RSTSNOOP_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Capabilities, BTF and the ring buffer, which every run needs: a failure
 * prints its line and returns -1.  Then what only the classic tracepoint
 * programs need (tracefs, mounted if needed, and the tracepoints in it):
 * BTF-typed programs attach without it, so its absence is not fatal here;
 * *classic_ok says whether the classic programs can run, and problem (one
 * line, no prefix) why not.
 */
int preflight_check(bool verbose, bool *classic_ok, char *problem, size_t problem_size);

/* The kernel runs in lockdown=confidentiality: BPF may not read kernel
 * memory through helpers, and tracefs is hidden. */
bool preflight_confidentiality_lockdown(void);

#endif
