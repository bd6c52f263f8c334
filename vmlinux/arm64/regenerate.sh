#!/bin/sh
# Regenerate vmlinux/arm64/vmlinux.h (`make vmlinux ARCH=arm64` on an x86
# host runs this) from the BTF of Debian's newest 6.12 cloud-arm64 kernel
# that apt lists (needs `dpkg --add-architecture arm64`, as
# scripts/setup.sh does, python3 and bpftool).  SOURCE beside the header
# records which package it came from.  The enumerators of newer kernels
# that the BPF side names are added from vmlinux/vmlinux.h (add-enumerators.py).
#
#   vmlinux/arm64/regenerate.sh [PACKAGE]     (default: newest 6.12 cloud-arm64)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pkg=${1:-$(apt-cache search --names-only '^linux-image-6\.12\.[0-9].*-cloud-arm64-unsigned$' |
	awk '{print $1}' | sort -V | tail -n 1)}
[ -n "$pkg" ] || { echo "regenerate.sh: apt lists no linux-image-6.12.*-cloud-arm64-unsigned (dpkg --add-architecture arm64; apt-get update)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$pkg:arm64" >/dev/null 2>&1) ||
	{ echo "regenerate.sh: apt-get download $pkg:arm64 failed" >&2; exit 1; }
deb=$(ls "$tmp"/*.deb)
dpkg -x "$deb" "$tmp/x"
"$here/extract-btf.py" "$tmp"/x/boot/vmlinuz-* "$tmp/vmlinux.btf"
bpftool btf dump file "$tmp/vmlinux.btf" format c >"$tmp/vmlinux.h"
# enumerators the BPF side names behind bpf_core_enum_value_exists() that
# 6.12 lacks, from the x86 header of a newer kernel
"$here/add-enumerators.py" "$tmp/vmlinux.h" "$here/../vmlinux.h" skb_drop_reason
mv "$tmp/vmlinux.h" "$here/vmlinux.h"
echo "$pkg $(dpkg-deb -f "$deb" Version) (BTF of /boot/vmlinuz-*, by extract-btf.py)" >"$here/SOURCE"
echo "regenerate.sh: $here/vmlinux.h from $(cat "$here/SOURCE")" >&2
