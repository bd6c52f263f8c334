// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The record formatters (table and JSON Lines) over any record the kernel
 * side could send: every byte of a record, process names above all, is
 * hostile.  Input: one byte of mode (bit 0: JSON), then the record's bytes
 * (zero-filled when short).  Contracts: JSON lines are valid JSON, table
 * lines are printable ASCII.
 */
#include <stdint.h>
#include "fuzz_check.h"
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
	struct output o;
	char *buf = NULL;
	size_t len = 0;
	bool json;
	FILE *f;

	if (size < 1)
		return 0;
	json = data[0] & 1;
	memcpy(&rec, data + 1, size - 1 < sizeof(rec) ? size - 1 : sizeof(rec));
	f = open_memstream(&buf, &len);
	if (!f)
		return 0;
	output_init(&o, f, json, kernel_like_reasons());
	if (data[0] & 2)
		output_header(&o);
	output_record(&o, &rec);
	fclose(f);
	if (json)
		require_json_lines(buf, len);
	else
		require_terminal_safe(buf, len);
	free(buf);
	return 0;
}
