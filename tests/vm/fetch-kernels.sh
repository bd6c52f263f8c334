#!/bin/bash
# Fetch Debian kernels for the QEMU kernel matrix.
#
#   tests/vm/fetch-kernels.sh [SERIES...]
#                       (default: 5.10 6.1 6.12 arm64-6.1 arm64-6.12)
#
# For each series S it picks the newest linux-image-S.*-cloud-amd64-unsigned
# (or, when a series has no cloud flavour, linux-image-S.*-amd64-unsigned);
# for arm64-S the newest linux-image-S.*-cloud-arm64-unsigned (arm64
# packages: needs `dpkg --add-architecture arm64`, as setup.sh --test does)
# that `apt-cache search` lists right now, downloads it with `apt-get download`
# (only when that release is not cached yet), and keeps from the .deb only
#   $CACHE/kernels/<release>/vmlinuz        the kernel
#   $CACHE/kernels/<release>/config         its .config
#   $CACHE/kernels/<release>/package        "<package> <version>"
#   $CACHE/kernels/<release>/modules/       a few modules + load-order (veth,
#                                           nf_tables, ... with dependencies)
# The .deb itself is deleted. CACHE defaults to <repo>/.cache (git-ignored).
#
# Where the packages come from:
#   6.1, 6.12  the system's own apt sources (Debian 12 bookworm), and so
#              arm64-6.1, arm64-6.12
#   5.10       Debian 11 bullseye + bullseye-security, read through a private
#              apt state in $CACHE/apt/bullseye/ (its own sources.list,
#              lists, cache and an empty dpkg status). The system's apt
#              configuration, lists and cache are left untouched; the
#              signatures are checked against
#              /usr/share/keyrings/debian-archive-keyring.gpg, which holds
#              the bullseye keys.
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
# nft_counter: a module before 5.13 (part of nf_tables since), so that 5.10
# takes `counter` in rules like the newer kernels.
want_modules=${VM_MODULES:-"veth nf_tables nft_counter nft_reject_inet nft_reject_ipv4 nft_reject_ipv6 nft_ct sch_netem"}

log() { echo "fetch-kernels: $*" >&2; }

[ $# -gt 0 ] || set -- 5.10 6.1 6.12 arm64-6.1 arm64-6.12

mkdir -p "$kdir" || { for s in "$@"; do echo "MISSING $s cannot create $kdir"; done; exit 1; }
# Keep the whole cache out of git even before .gitignore lists it.
[ -e "$cache/.gitignore" ] || echo '*' >"$cache/.gitignore"

# One fetcher at a time (matrix runs and a developer's run may overlap).
exec 9>"$kdir/.lock"
flock 9

# The apt source of a series: "system", or a Debian suite read through a
# private apt state (the system's sources are bookworm only).
source_of() {
	case $1 in
	5.10) echo bullseye ;;
	*) echo system ;;
	esac
}

keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# apt_opts SOURCE: sets APT_OPTS, the options pointing apt at SOURCE's state.
# A private state keeps its sources.list, lists, cache and (empty) dpkg
# status under $cache/apt/SOURCE; the system's apt.conf.d still applies
# (proxies and the like), its sources, lists, cache and pinning do not.
APT_OPTS=()
apt_opts() {
	local src=$1 d
	APT_OPTS=()
	[ "$src" = system ] && return 0
	d=$cache/apt/$src
	APT_OPTS=(
		-o "Dir::Etc::SourceList=$d/sources.list"
		-o "Dir::Etc::SourceParts=$d/sources.list.d"
		-o "Dir::Etc::Preferences=$d/preferences"
		-o "Dir::Etc::PreferencesParts=$d/preferences.d"
		-o "Dir::State::Lists=$d/lists"
		-o "Dir::State::status=$d/status"
		-o "Dir::State::extended_states=$d/extended_states"
		-o "Dir::Cache=$d/cache"
		-o "Dir::Cache::pkgcache=$d/cache/pkgcache.bin"
		-o "Dir::Cache::srcpkgcache="
		-o "APT::Sandbox::User=root"
	)
	[ -f "$d/sources.list" ] && return 0
	mkdir -p "$d/sources.list.d" "$d/preferences.d" "$d/lists/partial" \
		"$d/cache/archives/partial" || return 1
	: >"$d/status"
	: >"$d/preferences"
	local signed=""
	[ -r "$keyring" ] && signed="[signed-by=$keyring] "
	printf '%s\n' \
		"deb ${signed}http://deb.debian.org/debian $src main" \
		"deb ${signed}http://deb.debian.org/debian-security $src-security main" \
		>"$d/sources.list.tmp" && mv "$d/sources.list.tmp" "$d/sources.list"
}

# Package lists missing or older than a day count as stale.
lists_stale() { # SOURCE
	local dir=/var/lib/apt/lists n
	[ "$1" = system ] || dir=$cache/apt/$1/lists
	n=$(find "$dir" -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | wc -l)
	[ "$n" -eq 0 ]
}

declare -A updated=()
apt_update() { # SOURCE
	local src=$1
	[ "${VM_OFFLINE:-0}" = 1 ] && return 1
	[ -n "${updated[$src]:-}" ] && return 1
	[ "$(id -u)" = 0 ] || { log "not root: cannot run apt-get update"; return 1; }
	updated[$src]=1
	apt_opts "$src" || return 1
	log "apt-get update ($src)"
	rm -f "$cache/apt/$src/unavailable"
	DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update -qq >&2
}

# A series is VERSION (amd64) or ARCH-VERSION (arm64-6.1).
series_version() { printf '%s' "${1#arm64-}"; }
series_arch() { case $1 in arm64-*) echo arm64 ;; *) echo amd64 ;; esac; }
series_re() { series_version "$1" | sed 's/\./\\./g'; }

# The packages of a series that apt knows about, newest first (empty when
# none): the cloud flavour, or the generic one when the series has no cloud
# flavour.
candidates() {
	local re list p
	re=$(series_re "$1")
	apt_opts "$(source_of "$1")" || return 0
	list=$(apt-cache "${APT_OPTS[@]}" search --names-only "^linux-image-$re\\.[0-9]" 2>/dev/null |
		awk '{print $1}')
	local arch
	arch=$(series_arch "$1")
	for flavour in "cloud-$arch" "$arch"; do
		p=$(printf '%s\n' "$list" |
			grep -E "^linux-image-$re\\.[0-9][^-]*(-[0-9]+)?-$flavour-unsigned\$" |
			sort -rV)
		[ -n "$p" ] && { echo "$p"; return 0; }
	done
}

# Packages the archive answered 404 for since the lists were last updated
# (a mirror may list a package before it serves it): skipped until the next
# `apt-get update` of that source, so that each run does not ask again.
unavailable_file() { echo "$cache/apt/$(source_of "$1")/unavailable"; }

# Newest release of a series already in the cache (empty when none).
newest_cached() {
	local re
	re=$(series_re "$1")
	for d in "$kdir"/*/; do
		d=${d%/}
		d=${d##*/}
		[ -s "$kdir/$d/vmlinuz" ] && printf '%s\n' "$d"
	done | grep -E "^$re\\.[0-9].*-$(series_arch "$1")\$" | sort -V | tail -n 1
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
	grep -qxF "$pkg" "$(unavailable_file "$series")" 2>/dev/null && return 1
	apt_opts "$(source_of "$series")" || return 1
	tmp=$(mktemp -d "$cache/fetch.XXXXXX") || return 1
	log "downloading $pkg"
	if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" download -q -o APT::Sandbox::User=root "$pkg:$(series_arch "$series")" \
		2>"$tmp/apt.err" >&2); then
		cat "$tmp/apt.err" >&2
		if grep -q ' 404 ' "$tmp/apt.err"; then
			mkdir -p "$cache/apt/$(source_of "$series")"
			echo "$pkg" >>"$(unavailable_file "$series")"
		fi
	else
		cat "$tmp/apt.err" >&2
		deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
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

# fetch_newest SERIES: the newest listed package that is cached or can be
# downloaded (at most 5 tried); prints it, or returns 1.
fetch_newest() {
	local p n=0
	for p in $(candidates "$1"); do
		fetch "$1" "$p" && { echo "$p"; return 0; }
		n=$((n + 1))
		[ $n -lt 5 ] || break
	done
	return 1
}

missing=0
for series in "$@"; do
	src=$(source_of "$series")
	if [ "${VM_OFFLINE:-0}" != 1 ] && [ -z "${updated[$src]:-}" ] && lists_stale "$src"; then
		apt_update "$src" || log "$src: apt lists are stale and could not be updated"
	fi
	newest=$(candidates "$series" | head -n 1)
	if [ -z "$newest" ] && apt_update "$src"; then
		newest=$(candidates "$series" | head -n 1)
	fi
	why="" pkg=""
	if [ -z "$newest" ]; then
		why="apt-cache search ($src) lists no linux-image-$(series_version "$series").*-$(series_arch "$series")-unsigned"
	elif [ "${VM_OFFLINE:-0}" = 1 ]; then
		pkg=$newest
		rel=${pkg#linux-image-}
		rel=${rel%-unsigned}
		[ -s "$kdir/$rel/vmlinuz" ] || why="$pkg not cached (VM_OFFLINE=1)"
	else
		pkg=$(fetch_newest "$series")
		# The archive may have moved on since the lists were read.
		if [ -z "$pkg" ] && apt_update "$src"; then
			pkg=$(fetch_newest "$series")
		fi
		[ -n "$pkg" ] || why="download of $newest (and older ones) failed"
		[ -z "$pkg" ] || [ "$pkg" = "$newest" ] ||
			log "$series: $newest is listed but not served; using $pkg"
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
