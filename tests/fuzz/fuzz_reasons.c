// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The reset-reason name table read from kernel BTF: any enum sk_rst_reason
 * (any number of entries, any names, any values, negative and huge ones),
 * other types and decoy enums around it.  The input builds the BTF with
 * libbpf's writer, entry by entry: one byte of kind, four bytes of value,
 * a NUL-terminated name.  Kind 0 adds a value to the enum being built (an
 * "sk_rst_reason" is started when none is), 1 starts an enum named by the
 * entry, 2 adds an integer type.
 */
#include <stdint.h>
#include <bpf/btf.h>
#include "fuzz_check.h"
#include "kernel_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct btf *btf = btf__new_empty();
	bool in_enum = false;
	struct reset_reasons r;
	char name[64];

	if (!btf)
		return 0;
	while (size >= 5) {
		__u8 kind = data[0] % 3;
		size_t n = 0;
		__s32 value;

		memcpy(&value, data + 1, 4);
		data += 5;
		size -= 5;
		while (n < size && n < sizeof(name) - 1 && data[n])
			n++;
		memcpy(name, data, n);
		name[n] = '\0';
		n += n < size; /* the NUL */
		data += n;
		size -= n;
		if (kind == 0) {
			if (!in_enum && btf__add_enum(btf, "sk_rst_reason", 4) < 0)
				break;
			in_enum = true;
			btf__add_enum_value(btf, name[0] ? name : "V", value);
		} else if (kind == 1) {
			in_enum = btf__add_enum(btf, name, 4) > 0;
		} else {
			btf__add_int(btf, name[0] ? name : "int", 4, 0);
			in_enum = false;
		}
	}
	if (reset_reasons_load(&r, btf) == 0) {
		FUZZ_REQUIRE(r.count >= 0 && r.count <= RESET_REASON_MAX, "count within the table");
		for (unsigned int v = 0; v < RESET_REASON_MAX + 2; v++)
			FUZZ_REQUIRE(!reset_reason_name(&r, v) || v < (unsigned int)r.count,
				     "names only below count");
		reset_reasons_free(&r);
	}
	btf__free(btf);
	return 0;
}
