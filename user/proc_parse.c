// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "proc_parse.h"

#include <stdio.h>
#include <string.h>

bool proc_tcp_line(const char *line, struct proc_tcp_socket *s)
{
	char local[64];
	unsigned int state, lport;
	unsigned long long ino;
	const char *colon;

	if (sscanf(line, " %*u: %63s %*s %x %*s %*s %*s %*u %*u %llu", local, &state, &ino) != 3 ||
	    !ino)
		return false;
	colon = strrchr(local, ':');
	if (!colon || sscanf(colon + 1, "%x", &lport) != 1 || lport > 0xffff || state > 0xff)
		return false;
	*s = (struct proc_tcp_socket){.ino = ino, .lport = lport, .state = state};
	return true;
}

bool proc_status_uid(const char *line, __u32 *uid)
{
	unsigned int v;

	if (sscanf(line, "Uid: %u", &v) != 1)
		return false;
	*uid = v;
	return true;
}

bool proc_socket_inode(const char *link, __u64 *ino)
{
	unsigned long long v;

	if (sscanf(link, "socket:[%llu]", &v) != 1)
		return false;
	*ino = v;
	return true;
}

bool proc_stat_fields(const char *buf, __u32 *ppid, unsigned long long *start_ticks)
{
	const char *after = strrchr(buf, ')');

	return after && sscanf(after + 1, " %*c %u %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
					  "%*s %*s %*s %*s %*s %llu", ppid, start_ticks) == 2;
}

void proc_comm(const char *buf, size_t n, char *comm, size_t size)
{
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(comm, buf, n);
	comm[n] = '\0';
	if (n && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
}
