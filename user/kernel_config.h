/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The running kernel's build configuration, where the host keeps it:
 * /boot/config-RELEASE (Debian and most distributions) or /proc/config.gz
 * (CONFIG_IKCONFIG_PROC).
 */
#ifndef RSTSNOOP_KERNEL_CONFIG_H
#define RSTSNOOP_KERNEL_CONFIG_H

/*
 * CONFIG_HZ, the tick rate jiffies count in (tcp_sock keeps a connection's
 * last-receive and last-send times in jiffies); 0 where no configuration
 * can be read.
 */
unsigned long kernel_config_hz(void);

/* The same from one configuration text stream (for tests). */
unsigned long kernel_config_hz_of(const char *text);

#endif
