#!/bin/bash
# Fetch Debian cloud kernels for the QEMU kernel matrix.
#
#   tests/vm/fetch-kernels.sh [SERIES...]        (default: 6.1 6.12)
#
# For each series S it picks the newest linux-image-S.*-cloud-amd64-unsigned
# that `apt-cache search` lists right now, downloads it with `apt-get download`
# (only when that release is not cached yet), and keeps from the .deb only
#   $CACHE/kernels/<release>/vmlinuz        the kernel
#   $CACHE/kernels/<release>/config         its .config
#   $CACHE/kernels/<release>/package        "<package> <version>"
#   $CACHE/kernels/<release>/modules/       a few modules + load-order (veth,
#                                           nf_tables, ... with dependencies)
# The .deb itself is deleted. CACHE defaults to <repo>/.cache (git-ignored).
#
# stdout, one line per series (progress goes to stderr):
#   KERNEL <series> <release> <path to vmlinuz>
#   MISSING <series> <reason>
# Exit status: 0 when every series was fetched, 1 when any is MISSING.
#
# Environment:
#   RSTSNOOP_CACHE  cache folder (default <repo>/.cache)
#   VM_MODULES      modules to keep (default below); dependencies are added
#   VM_OFFLINE=1    never run apt-get: use only what is cached
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RSTSNOOP_CACHE:-$repo/.cache}
kdir=$cache/kernels
want_modules=${VM_MODULES:-"veth nf_tables nft_reject_inet nft_reject_ipv4 nft_reject_ipv6 nft_ct sch_netem"}

log() { echo "fetch-kernels: $*" >&2; }

mkdir -p "$kdir" || { for s in "${@:-6.1 6.12}"; do echo "MISSING $s cannot create $kdir"; done; exit 1; }
# Keep the whole cache out of git even before .gitignore lists it.
[ -e "$cache/.gitignore" ] || echo '*' >"$cache/.gitignore"

# One fetcher at a time (matrix runs and a developer's run may overlap).
exec 9>"$kdir/.lock"
flock 9

updated=0
apt_update() {
	[ "${VM_OFFLINE:-0}" = 1 ] && return 1
	[ "$updated" = 1 ] && return 1
	[ "$(id -u)" = 0 ] || { log "not root: cannot run apt-get update"; return 1; }
	updated=1
	log "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
}

# Package lists missing or older than a day count as stale.
lists_stale() {
	local n
	n=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | wc -l)
	[ "$n" -eq 0 ]
}

series_re() { printf '%s' "$1" | sed 's/\./\\./g'; }

# Newest package of a series that apt knows about (empty when none).
newest_pkg() {
	local re
	re=$(series_re "$1")
	apt-cache search --names-only "^linux-image-$re\\.[0-9]" 2>/dev/null |
		awk '{print $1}' |
		grep -E "^linux-image-$re\\.[0-9][^ ]*-cloud-amd64-unsigned\$" |
		sort -V | tail -n 1
}

# Newest release of a series already in the cache (empty when none).
newest_cached() {
	local re
	re=$(series_re "$1")
	for d in "$kdir"/*/; do
		d=${d%/}
		d=${d##*/}
		[ -s "$kdir/$d/vmlinuz" ] && printf '%s\n' "$d"
	done | grep -E "^$re\\.[0-9]" | sort -V | tail -n 1
}

# Copy module $1 (and, first, what it depends on) from the extracted tree.
declare -A modpath=() seen=()
add_module() {
	local name=$1 dst=$2 src deps d
	name=${name//-/_}
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	src=${modpath[$name]:-}
	if [ -z "$src" ]; then
		if grep -qE "/${name//_/[-_]}\\.ko(\\.[a-z]+)?\$" "$modroot/modules.builtin" 2>/dev/null; then
			log "  module $name is built in"
		else
			log "  module $name not found in package"
		fi
		return 0
	fi
	case "$src" in
	*.ko.xz) busybox unxz -c "$src" >"$dst/$name.ko" ;;
	*.ko.gz) gzip -dc "$src" >"$dst/$name.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst/$name.ko" ;;
	*) cp "$src" "$dst/$name.ko" ;;
	esac || { log "  cannot unpack $src"; rm -f "$dst/$name.ko"; return 0; }
	deps=$(tr '\0' '\n' <"$dst/$name.ko" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
	for d in $deps; do add_module "$d" "$dst"; done
	echo "$name.ko" >>"$dst/load-order"
}

# fetch SERIES PACKAGE -> 0 when $kdir/<release> is complete
fetch() {
	local series=$1 pkg=$2 rel tmp deb ok=1
	rel=${pkg#linux-image-}
	rel=${rel%-unsigned}
	[ -s "$kdir/$rel/vmlinuz" ] && return 0
	tmp=$(mktemp -d "$cache/fetch.XXXXXX") || return 1
	log "downloading $pkg"
	if (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
		deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
		log "extracting $(basename "$deb")"
		if [ -n "$deb" ] && dpkg -x "$deb" "$tmp/x"; then
			local out=$kdir/$rel.partial
			rm -rf "$out"
			mkdir -p "$out/modules"
			modroot=$tmp/x/lib/modules/$rel
			[ -d "$modroot" ] || modroot=$tmp/x/usr/lib/modules/$rel
			if cp "$tmp/x/boot/vmlinuz-$rel" "$out/vmlinuz" 2>/dev/null; then
				cp "$tmp/x/boot/config-$rel" "$out/config" 2>/dev/null
				echo "$pkg $(dpkg-deb -f "$deb" Version)" >"$out/package"
				echo "$rel" >"$out/modules/release"
				: >"$out/modules/load-order"
				modpath=() seen=()
				local f b
				while IFS= read -r f; do
					b=${f##*/}
					b=${b%%.ko*}
					modpath[${b//-/_}]=$f
				done < <(find "$modroot" -name '*.ko*' 2>/dev/null)
				for m in $want_modules; do add_module "$m" "$out/modules"; done
				rm -rf "${kdir:?}/${rel:?}"
				mv "$out" "$kdir/$rel" && ok=0
			else
				log "no boot/vmlinuz-$rel in $deb"
				rm -rf "$out"
			fi
		fi
	fi
	rm -rf "$tmp"
	return $ok
}

[ $# -gt 0 ] || set -- 6.1 6.12
missing=0
if [ "${VM_OFFLINE:-0}" != 1 ] && lists_stale; then
	apt_update || log "apt lists are stale and could not be updated"
fi
for series in "$@"; do
	pkg=$(newest_pkg "$series")
	if [ -z "$pkg" ] && apt_update; then
		pkg=$(newest_pkg "$series")
	fi
	why=""
	if [ -n "$pkg" ] && [ "${VM_OFFLINE:-0}" != 1 ]; then
		if ! fetch "$series" "$pkg"; then
			# The archive may have moved on since the lists were read.
			if apt_update; then
				pkg=$(newest_pkg "$series")
				[ -n "$pkg" ] && fetch "$series" "$pkg" || why="download of $pkg failed"
			else
				why="download of $pkg failed"
			fi
		fi
	elif [ -n "$pkg" ]; then
		rel=${pkg#linux-image-}
		rel=${rel%-unsigned}
		[ -s "$kdir/$rel/vmlinuz" ] || why="$pkg not cached (VM_OFFLINE=1)"
	else
		why="apt-cache search lists no linux-image-$series.*-cloud-amd64-unsigned"
	fi
	if [ -n "$pkg" ] && [ -z "$why" ]; then
		rel=${pkg#linux-image-}
		rel=${rel%-unsigned}
	else
		# Offline or archive trouble: fall back to the newest cached one.
		rel=$(newest_cached "$series")
		[ -n "$rel" ] && log "$series: $why; using cached $rel"
	fi
	if [ -n "$rel" ] && [ -s "$kdir/$rel/vmlinuz" ]; then
		log "$series: $rel ($(cut -d' ' -f2 "$kdir/$rel/package" 2>/dev/null))"
		echo "KERNEL $series $rel $kdir/$rel/vmlinuz"
	else
		log "$series: MISSING: ${why:-unknown error}"
		echo "MISSING $series ${why:-unknown error}"
		missing=1
	fi
done
exit $missing
