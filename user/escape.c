// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "escape.h"

#include <string.h>

size_t text_escape(char *dst, size_t dst_size, const char *src, size_t len)
{
	size_t out = 0;

	if (!dst_size)
		return 0;
	for (size_t i = 0; i < len && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		char piece[5];
		size_t n;

		if (c == '\\') {
			memcpy(piece, "\\\\", 2);
			n = 2;
		} else if (c > 0x20 && c < 0x7f) {
			piece[0] = (char)c;
			n = 1;
		} else {
			static const char hex[] = "0123456789abcdef";

			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[c >> 4];
			piece[3] = hex[c & 0xf];
			n = 4;
		}
		if (out + n >= dst_size)
			break;
		memcpy(dst + out, piece, n);
		out += n;
	}
	dst[out] = '\0';
	return out;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0. */
static size_t utf8_sequence_len(const unsigned char *s, size_t avail)
{
	size_t need;
	unsigned int cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0; /* ASCII is handled by the caller; C0/C1 are overlong */
	need = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (need > avail)
		return 0;
	cp = s[0] & (0xff >> (need + 1));
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* 1: the byte stands for itself in a JSON string (printable ASCII but '"'
 * and '\\'). */
static const unsigned char json_plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
#ifdef RST_MUTATE_JSON_QUOTE /* mutation smoke: '"' passes unescaped */
	[0x22] = 1,
#endif
};

size_t json_escape_some(char *dst, size_t dst_size, const char *src, size_t len, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, out = 0, seq, end = strnlen(src, len);

	while (i < end) {
		unsigned char c = s[i];
		size_t run = 0;

		/* the common case: a run of bytes that need nothing */
		while (i + run < end && json_plain[s[i + run]])
			run++;
		if (run) {
			if (run > dst_size - out)
				run = dst_size - out;
			memcpy(dst + out, s + i, run);
			out += run;
			i += run;
			if (out == dst_size)
				break;
			continue;
		}
		if (c == '"' || c == '\\') {
			if (dst_size - out < 2)
				break;
			dst[out++] = '\\';
			dst[out++] = c;
			i++;
		} else if (c >= 0x80 && (seq = utf8_sequence_len(s + i, end - i))) {
			if (dst_size - out < seq)
				break;
			memcpy(dst + out, s + i, seq);
			out += seq;
			i += seq;
		} else {
			/* control characters, DEL, bytes that are not UTF-8 */
			if (dst_size - out < 6)
				break;
			memcpy(dst + out, "\\u00", 4);
			dst[out + 4] = hex[c >> 4];
			dst[out + 5] = hex[c & 0xf];
			out += 6;
			i++;
		}
	}
	*used = i == end ? len : i;
	return out;
}

void json_escape(FILE *out, const char *src, size_t len)
{
	char buf[256];
	size_t used, n;

	while (len) {
		n = json_escape_some(buf, sizeof(buf), src, len, &used);
		fwrite(buf, 1, n, out);
		src += used;
		len -= used;
	}
}
