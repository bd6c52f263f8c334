// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The /proc parsers of --seed proc over any text: lines of net/tcp{,6},
 * status lines, fd link targets and comm contents, as other users' and
 * the kernel's files could hold them.  The input is split at newlines and
 * every parser reads every line.
 */
#include <stdint.h>
#include "fuzz_check.h"
#include "proc_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512], comm[16];
	size_t start = 0;

	while (start < size) {
		size_t end = start, n;
		struct proc_tcp_socket s;
		unsigned long long ticks;
		__u64 ino;
		__u32 uid, ppid;

		while (end < size && data[end] != '\n')
			end++;
		n = end - start < sizeof(line) - 1 ? end - start : sizeof(line) - 1;
		/* fgets() would hand over the newline too, and stop at no NUL */
		memcpy(line, data + start, n);
		line[n] = '\0';
		if (proc_tcp_line(line, &s))
			FUZZ_REQUIRE(s.ino != 0, "a socket has an inode");
		proc_status_uid(line, &uid);
		proc_socket_inode(line, &ino);
		proc_stat_fields(line, &ppid, &ticks);
		proc_comm((const char *)data + start, end - start + (end < size), comm,
			  sizeof(comm));
		FUZZ_REQUIRE(memchr(comm, '\0', sizeof(comm)) != NULL, "comm is NUL-terminated");
		start = end + 1;
	}
	return 0;
}
