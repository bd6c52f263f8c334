/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The folding of a connection's client (ephemeral) port to 0, which makes
 * summary rows and metric labels name a service, not one connection.  One
 * definition for both sides: user space folds the records it counts
 * (user/summary.c), the kernel side folds the events it counts itself
 * (bpf/count.bpf.h), and the two must agree for their counts to be equal.
 */
#ifndef RSTSNOOP_FOLD_H
#define RSTSNOOP_FOLD_H

#include "record.h"

static inline int rst_port_ephemeral(unsigned int eph_lo, unsigned int eph_hi, __u16 port)
{
	return port >= eph_lo && port <= eph_hi;
}

/*
 * The client's end is known where the kernel side knew the socket's role
 * (connect() or a listener); else a port in [eph_lo, eph_hi] is the
 * client's when the other one is not.  Folding twice changes nothing (0 is
 * never ephemeral: the range starts at 1 at least).
 */
static inline void rst_fold_ports(unsigned int eph_lo, unsigned int eph_hi, __u8 event,
				  __u8 side, __u8 flags, __u16 *lport, __u16 *rport)
{
	if ((flags & RST_F_CLIENT) || (event == RST_EV_HANDSHAKE_FAILED && side == RST_SIDE_CLIENT))
		*lport = 0;
	else if ((flags & RST_F_SERVER) ||
		 (event == RST_EV_HANDSHAKE_FAILED && side == RST_SIDE_SERVER))
		*rport = 0;
	else if (rst_port_ephemeral(eph_lo, eph_hi, *lport) &&
		 !rst_port_ephemeral(eph_lo, eph_hi, *rport))
		*lport = 0;
	else if (rst_port_ephemeral(eph_lo, eph_hi, *rport) &&
		 !rst_port_ephemeral(eph_lo, eph_hi, *lport))
		*rport = 0;
}

#endif /* RSTSNOOP_FOLD_H */
