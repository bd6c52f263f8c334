// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * --summary over any sequence of records: grouping, folding of ephemeral
 * ports, the table's overflow, and both renderings of the rows.  Input:
 * one byte of mode (bit 0: JSON, bit 1: the run stopped mid-interval),
 * two bytes of the ephemeral range's start, then records of
 * RST_RECORD_SIZE bytes each.
 */
#include <stdint.h>
#include "fuzz_check.h"
#include "output.h"
#include "identity.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct reset_reasons no_reasons;
	const struct summary_row *rows;
	struct summary *s;
	struct output o;
	unsigned int eph_lo;
	char *buf = NULL;
	size_t len = 0, n;
	bool json;
	__u8 mode;
	FILE *f;

	if (size < 3)
		return 0;
	json = data[0] & 1;
	mode = data[0];
	eph_lo = data[1] | data[2] << 8;
	data += 3;
	size -= 3;
	s = summary_new(eph_lo, eph_lo + (eph_lo < 65535 - 28000 ? 28000 : 0));
	if (!s)
		return 0;
	summary_begin(s, 1000000000ULL, 2000000000ULL);
	for (size_t off = 0; off < size; off += sizeof(struct rst_record)) {
		struct rst_record rec = {0};
		size_t take = size - off < sizeof(rec) ? size - off : sizeof(rec);

		memcpy(&rec, data + off, take);
		summary_add(s, &rec, &(struct identity){0});
	}
	if (mode & 2)
		summary_cut(s, 2000000000ULL);
	rows = summary_rows(s, &n);
	for (size_t i = 1; i < n; i++)
		FUZZ_REQUIRE(rows[i - 1].count >= rows[i].count, "rows most frequent first");
	f = open_memstream(&buf, &len);
	if (f) {
		output_init(&o, f, json, &no_reasons);
		struct summary_report r = {
			.rows = rows,
			.n = n,
			.top = mode & 4 ? 1 : 0,
			.iv = summary_current(s),
			.pids_exact = summary_pids_exact(s),
			.summary = s,
		};

		output_summary(&o, &r);
		fclose(f);
		if (json && len)
			require_json_lines(buf, len);
		else
			require_terminal_safe(buf, len);
		free(buf);
	}
	summary_free(s);
	return 0;
}
