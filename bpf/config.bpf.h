/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Globals every program reads.  Each compilation unit includes this file;
 * the definitions are __weak so that `bpftool gen object` links one copy.
 *
 * Filters and tunables are one read-only struct the loader sets before load
 * (0 / false = no filter), so the verifier prunes what is not used.  The two
 * switches in .bss are written by the loader at run time through the
 * skeleton's memory mapping: no syscall, so no capability, is needed.
 */
#ifndef RSTSNOOP_CONFIG_BPF_H
#define RSTSNOOP_CONFIG_BPF_H

#include "record.h"
#include "rst_config.h"

/* Every setting, with its purpose: struct rst_config in rst_config.h. */
const volatile struct rst_config cfg __weak = {
	.capture_cmdline = true,
	.route_reads = true,
	.drop_packet_reads = true,
	.wakeup_records = 512,
	.count_eph_lo = 32768,
	.count_eph_hi = 60999,
};

/*
 * Records are made only while this is set.  The programs gather facts
 * (owners, parked RSTs) from the moment each is attached, but the loader
 * sets it only once every program is attached and seeding is done, and
 * clears it before the first program is detached: attaching and detaching
 * go one program at a time, and a record made in between would lack the
 * facts of the programs not (or no longer) there.
 */
__u32 records_armed __weak = 0;

/* Written by the loader after seeding: lets the hot path skip seed look-ups. */
__u32 seeded_sockets __weak = 0;

#endif /* RSTSNOOP_CONFIG_BPF_H */
