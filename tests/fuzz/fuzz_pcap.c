// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * --pcap's packet and comment from any record (the kernel's bytes, a name
 * anyone chose).  Contracts: the packet fits its buffer and its IP header
 * says its length; the comment is printable ASCII (the name escaped, so a
 * reader's display cannot be steered) and bounded; the block's two length
 * fields agree and are a multiple of 4.
 */
#include <stdint.h>
#include "fuzz_check.h"
#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rst_record rec = {0};
	struct pcap_packet pkt;
	char comment[PCAP_COMMENT_MAX];
	__u8 block[1024];
	char reason[64];
	size_t clen, blen;
	__u32 head, tail;

	memcpy(&rec, data, size < sizeof(rec) ? size : sizeof(rec));
	pcap_packet_of_record(&rec, &pkt);
	FUZZ_REQUIRE(pkt.len <= PCAP_PACKET_MAX, "the packet fits");
	if (pkt.len) {
		size_t ip_len = (pkt.bytes[0] >> 4) == 6 ? 40 + (pkt.bytes[4] << 8 | pkt.bytes[5])
							 : (size_t)(pkt.bytes[2] << 8 | pkt.bytes[3]);

		FUZZ_REQUIRE(ip_len == pkt.len, "the IP header says the packet's length");
	}
	/* the bytes after the record: a reason name (the kernel's BTF: NUL-terminated) */
	if (size > sizeof(rec)) {
		size_t n = size - sizeof(rec) < sizeof(reason) - 1 ? size - sizeof(rec)
								     : sizeof(reason) - 1;

		memcpy(reason, data + sizeof(rec), n);
		reason[n] = '\0';
	}
	clen = pcap_comment(comment, sizeof(comment), &rec, &pkt,
			    size > sizeof(rec) ? reason : NULL);
	FUZZ_REQUIRE(clen < sizeof(comment) && strlen(comment) == clen, "the comment is bounded");
	for (size_t i = 0; i < clen; i++)
		FUZZ_REQUIRE(comment[i] >= 0x20 && comment[i] < 0x7f, "the comment is printable");
	if (!pkt.len)
		return 0;
	blen = pcapng_packet_block(block, sizeof(block), rec.ts_ns, pkt.bytes, pkt.len, comment,
				   clen);
	FUZZ_REQUIRE(blen && blen % 4 == 0, "a whole block");
	memcpy(&head, block + 4, 4);
	memcpy(&tail, block + blen - 4, 4);
	FUZZ_REQUIRE(head == blen && tail == blen, "the lengths agree");
	return 0;
}
