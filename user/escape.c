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

void json_escape(FILE *out, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;

	len = strnlen(src, len);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t seq;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, out);
			i++;
		} else if ((seq = utf8_sequence_len(s + i, len - i))) {
			fwrite(s + i, 1, seq, out);
			i += seq;
		} else {
			fprintf(out, "\\u%04x", c);
			i++;
		}
	}
}
