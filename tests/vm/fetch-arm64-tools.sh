#!/bin/bash
# The arm64 programs the arm64 VMs of the kernel matrix run besides our own
# cross-built ones: Debian's busybox-static, dash, iproute2 (ip, ss),
# nftables and tcpdump, unpacked (not installed: the amd64 ones stay) into
#   $CACHE/arm64/root/        (CACHE: RSTSNOOP_CACHE or <repo>/.cache)
# once.  Their shared libraries are Debian multiarch packages that
# scripts/setup.sh --test installs (/usr/lib/aarch64-linux-gnu);
# mkinitramfs.sh -t takes them from there.
#
#   tests/vm/fetch-arm64-tools.sh      prints the root's path; exit 1 when
#                                      it cannot be made (why on stderr)
# Needs `dpkg --add-architecture arm64` (scripts/setup.sh --test does it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RSTSNOOP_CACHE:-$repo/.cache}
root=$cache/arm64/root
pkgs="busybox-static dash iproute2 nftables tcpdump"

[ -x "$root/bin/busybox" ] && { echo "$root"; exit 0; }
[ "${VM_OFFLINE:-0}" = 1 ] && { echo "fetch-arm64-tools: $root missing (VM_OFFLINE=1)" >&2; exit 1; }
mkdir -p "$cache/arm64" || exit 1
[ -e "$cache/.gitignore" ] || echo '*' >"$cache/.gitignore"
exec 9>"$cache/arm64/.lock"
flock 9
[ -x "$root/bin/busybox" ] && { echo "$root"; exit 0; }
tmp=$(mktemp -d "$cache/arm64/fetch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root $(printf '%s:arm64 ' $pkgs) \
	>"$tmp/apt.log" 2>&1); then
	echo "fetch-arm64-tools: apt-get download of $pkgs (arm64) failed:" >&2
	grep -E '^E:' "$tmp/apt.log" >&2
	exit 1
fi
for deb in "$tmp"/*.deb; do
	dpkg -x "$deb" "$tmp/root" || { echo "fetch-arm64-tools: cannot unpack $deb" >&2; exit 1; }
done
rm -rf "$root"
mv "$tmp/root" "$root" && echo "$root"
