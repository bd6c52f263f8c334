/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Start-up checks of what the kernel and our privileges must offer.  Each
 * failure prints one line naming what is missing and the minimum kernel.
 */
#ifndef RSTSNOOP_PREFLIGHT_H
#define RSTSNOOP_PREFLIGHT_H

#include <stdbool.h>

/*
 * Capabilities, BTF and the ring buffer, which every run needs: a failure
 * prints its line and returns -1.  What only one program set needs
 * (tracefs for the classic one) is features_probe()'s.
 */
int preflight_check(void);

/* Whether CAP_SYS_ADMIN is in effect (false where it cannot be read). */
bool preflight_sys_admin(void);

#endif
