#!/usr/bin/env python3
"""Copy the kernel's BTF out of an arm64 Image (the raw kernel Debian ships as
/boot/vmlinuz-*-arm64): the .BTF section is in the Image byte for byte, but
the Image has no ELF section table to find it by, and Debian's System.map
(with __start_BTF) is only in the -dbg package.  BTF starts with a fixed
header (magic 0xeb9f, version 1, flags 0, hdr_len 24) that gives its size.

    extract-btf.py IMAGE OUT.btf
"""
import struct
import sys

HEADER = struct.Struct("<HBBIIIII")  # magic version flags hdr_len type_off type_len str_off str_len
MAGIC = b"\x9f\xeb\x01\x00\x18\x00\x00\x00"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    image = open(sys.argv[1], "rb").read()
    best = None
    at = image.find(MAGIC)
    while at >= 0:
        _, _, _, hdr_len, type_off, type_len, str_off, str_len = HEADER.unpack_from(image, at)
        size = hdr_len + max(type_off + type_len, str_off + str_len)
        # vmlinux BTF has types first, strings after, and is megabytes long
        if type_off == 0 and str_off == type_len and at + size <= len(image):
            if best is None or size > best[1]:
                best = (at, size)
        at = image.find(MAGIC, at + 1)
    if best is None:
        sys.exit("extract-btf: no BTF header in %s" % sys.argv[1])
    at, size = best
    with open(sys.argv[2], "wb") as out:
        out.write(image[at:at + size])
    print("extract-btf: %d bytes of BTF at offset %d" % (size, at), file=sys.stderr)


main()
