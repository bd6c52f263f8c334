// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The record formatters (table and JSON Lines) over any record the kernel
 * side could send, and any identity it joins: every byte of a record, of a
 * process entry (command lines above all) and of a cgroup path is hostile.
 * Input: one byte of mode (bit 0: JSON, bit 1: header, bit 2: an identity
 * with a process entry, bit 3: and a cgroup), then the record's bytes,
 * then the process entry's, then the cgroup path (each zero-filled when
 * short).  Contracts: JSON lines are valid JSON, table lines are printable
 * ASCII.
 */
#include <stdint.h>
#include "fuzz_check.h"
#include "cgroup.h"
#include "identity.h"
#include "output.h"

/* Reason names as a 6.12 kernel's BTF gives them (values 0..25 and more). */
static const struct reset_reasons *kernel_like_reasons(void)
{
	static struct reset_reasons r;
	static const char *const names[] = {"NOT_SPECIFIED", "NO_SOCKET", "TCP_INVALID_ACK_SEQUENCE",
					    "TCP_RFC7323_PAWS", "TCP_TOO_OLD_ACK", "TCP_ABORT_ON_DATA",
					    "TCP_STATE", "MPTCP_RST_EUNSPEC", "ERROR"};

	if (!r.count) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			r.names[i * 3] = (char *)names[i];
		r.count = 3 * (sizeof(names) / sizeof(names[0]) - 1) + 1;
	}
	return &r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rst_record rec = {0};
	struct rst_process proc = {0};
	struct cgroup_info cg = {0};
	struct identity id = {0};
	char path[512] = "";
	struct output o;
	char *buf = NULL;
	size_t len = 0, take;
	bool json;
	FILE *f;

	if (size < 1)
		return 0;
	json = data[0] & 1;
	take = size - 1 < sizeof(rec) ? size - 1 : sizeof(rec);
	memcpy(&rec, data + 1, take);
	if (data[0] & 4) {
		size_t at = 1 + take, n = size - at < sizeof(proc) ? size - at : sizeof(proc);

		memcpy(&proc, data + at, n);
		id.proc = &proc;
		at += n;
		if (data[0] & 8) {
			n = size - at < sizeof(path) - 1 ? size - at : sizeof(path) - 1;
			memcpy(path, data + at, n);
			cg.path = path;
			cgroup_facts_of_path(path, &cg.facts);
			id.cgroup = &cg;
		}
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return 0;
	output_init(&o, f, json, kernel_like_reasons());
	if (data[0] & 2)
		output_header(&o);
	output_record(&o, &rec, &id);
	fclose(f);
	if (json)
		require_json_lines(buf, len);
	else
		require_terminal_safe(buf, len);
	free(buf);
	return 0;
}
