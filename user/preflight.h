/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Start-up checks of what the kernel and our privileges must offer.  Each
 * failure prints one line naming what is missing and the minimum kernel.
 */
#ifndef RSTSNOOP_PREFLIGHT_H
#define RSTSNOOP_PREFLIGHT_H

#include <stdbool.h>

/* Capabilities, BTF, tracefs (mounted if needed), tracepoints, ring buffer. */
int preflight_check(bool verbose);

#endif
