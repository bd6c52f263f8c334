#!/bin/bash
# Build the initramfs for the QEMU kernel matrix.
#
#   tests/vm/mkinitramfs.sh [-m MODDIR]... [-e VAR=VALUE]... OUT.cpio.gz SCENARIO BIN...
#
# SCENARIO  a scenario script, or a folder whose *.sh are all scenarios
#           (run in name order). They land in /scenarios/; /scenario.sh
#           runs them through lib/run-scenarios.sh.
# BIN       executables put in /bin under their own name (they win over the
#           busybox applet of the same name). Static binaries are copied as
#           they are; dynamic ones (e.g. iproute2's ip, nft, tcpdump) are
#           copied with the shared libraries ldd lists.
# -m MODDIR a modules folder from fetch-kernels.sh
#           (.cache/kernels/<release>/modules): goes to /lib/modules/<release>,
#           and /init insmods its load-order when that kernel boots. Give one
#           per kernel to share one image between kernels.
# -e VAR=VALUE  exported to the scenarios (written to /etc/scenario.env).
# -t ROOT   an image for another architecture (arm64): busybox and dash come
#           from ROOT (fetch-arm64-tools.sh), and the libraries of dynamic
#           BINs are found from their ELF NEEDED entries (readelf) in ROOT's
#           and this machine's /lib/$TARGET_MULTIARCH (default
#           aarch64-linux-gnu) folders, as ldd cannot run a foreign binary.
#
# The image has busybox-static (`busybox --install -s` at boot), and an
# /init (lib/init) that mounts proc, sysfs, devtmpfs, tracefs, bpffs, tmpfs
# on /tmp and /run, sets `ulimit -l unlimited`, brings lo up, runs
# /scenario.sh on the console, prints "@@RSTSNOOP-VM-END status=N@@" and
# does `poweroff -f`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

moddirs=() envs=() target_root=""
while getopts m:e:t:h opt; do
	case $opt in
	m) moddirs+=("$OPTARG") ;;
	e) envs+=("$OPTARG") ;;
	t) target_root=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
out=$1 scenario=$2
shift 2

if [ -n "$target_root" ]; then
	busybox=$target_root/bin/busybox
	[ -x "$busybox" ] || { echo "mkinitramfs: no $busybox (tests/vm/fetch-arm64-tools.sh)" >&2; exit 1; }
	multiarch=${TARGET_MULTIARCH:-aarch64-linux-gnu}
else
	busybox=$(command -v busybox || true)
	[ -n "$busybox" ] || { echo "mkinitramfs: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
fi
if [ -n "$target_root" ]; then
	if readelf -d "$busybox" 2>/dev/null | grep -q NEEDED; then
		echo "mkinitramfs: $busybox is dynamically linked" >&2
		exit 1
	fi
elif ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,scenarios,lib/modules,lib/rstsnoop-vm}
cp "$busybox" "$stage/bin/busybox"
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
	mknod -m 666 "$stage/dev/null" c 1 3
fi
install -m 755 "$here/lib/init" "$stage/init"
install -m 755 "$here/lib/run-scenarios.sh" "$stage/lib/rstsnoop-vm/run-scenarios.sh"
install -m 644 "$here/lib/scenario-lib.sh" "$here/lib/topology.sh" "$stage/lib/rstsnoop-vm/"
# the shell helpers every test shares, beside the runner that finds them
install -m 644 "$here/../lib/common.sh" "$stage/lib/rstsnoop-vm/common.sh"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
for f in /etc/protocols /etc/services; do [ -f "$f" ] && cp "$f" "$stage$f"; done

# Scenarios.
if [ -d "$scenario" ]; then
	n=0
	for s in "$scenario"/*.sh; do
		[ -f "$s" ] || continue
		install -m 755 "$s" "$stage/scenarios/"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "mkinitramfs: no *.sh in $scenario" >&2; exit 1; }
elif [ -f "$scenario" ]; then
	install -m 755 "$scenario" "$stage/scenarios/"
else
	echo "mkinitramfs: no scenario $scenario" >&2
	exit 1
fi
cat >"$stage/scenario.sh" <<'EOF'
#!/bin/sh
exec /bin/sh /lib/rstsnoop-vm/run-scenarios.sh /scenarios/*.sh
EOF
chmod 755 "$stage/scenario.sh"
: >"$stage/etc/scenario.env"
for e in ${envs[@]+"${envs[@]}"}; do
	case "$e" in
	[A-Za-z_]*=*) printf 'export %s=%q\n' "${e%%=*}" "${e#*=}" >>"$stage/etc/scenario.env" ;;
	*) echo "mkinitramfs: bad -e '$e'" >&2; exit 2 ;;
	esac
done

# Binaries (and shared libraries of dynamic ones).
# A foreign binary's libraries: its interpreter and NEEDED entries, each
# looked up in the target's library folders, recursively.
find_target_lib() { # NAME -> path
	local d
	for d in "$target_root/lib/$multiarch" "$target_root/usr/lib/$multiarch" \
		"/lib/$multiarch" "/usr/lib/$multiarch" "/usr/$multiarch/lib"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
copy_target_libs_of() { # FILE
	local interp needed lib path
	interp=$(readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$stage$interp" ]; then
		path=$(find_target_lib "${interp##*/}") ||
			{ echo "mkinitramfs: no $interp for $1" >&2; exit 1; }
		mkdir -p "$stage${interp%/*}"
		cp -L "$path" "$stage$interp"
	fi
	needed=$(readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	for lib in $needed; do
		[ -e "$stage/lib/$multiarch/$lib" ] && continue
		path=$(find_target_lib "$lib") || { echo "mkinitramfs: no $lib (needed by $1)" >&2; exit 1; }
		mkdir -p "$stage/lib/$multiarch"
		cp -L "$path" "$stage/lib/$multiarch/$lib"
		copy_target_libs_of "$path"
	done
}
copy_libs_of() { # copy the shared libraries (and loader) a binary needs
	local libs lib
	if [ -n "$target_root" ]; then
		copy_target_libs_of "$1"
		return 0
	fi
	libs=$(ldd "$1" 2>/dev/null) || return 0 # static
	printf '%s\n' "$libs" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+ \(0x/{print $1}' |
		while read -r lib; do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
}
for b in "$@"; do
	p=$b
	[ -f "$p" ] || p=$(command -v "$b" || true)
	[ -n "$p" ] && [ -f "$p" ] || { echo "mkinitramfs: no binary $b" >&2; exit 1; }
	name=$(basename "$b")
	rm -f "$stage/bin/$name"
	cp -L "$p" "$stage/bin/$name"
	chmod 755 "$stage/bin/$name"
	copy_libs_of "$p"
done

# busybox ash (Debian's build) runs its own applet even when a binary of
# that name comes first in PATH, so our `ip` would lose to busybox's. Use
# the host's dash as /bin/sh, as Debian does: it honours PATH.
if [ -n "$target_root" ]; then
	dash=$target_root/bin/dash
else
	dash=$(command -v dash || true)
fi
if [ -n "$dash" ] && [ -x "$dash" ]; then
	for name in sh dash; do
		cp -L "$dash" "$stage/bin/$name"
	done
	copy_libs_of "$dash"
else
	echo "mkinitramfs: warning: no dash; /bin/sh is busybox ash, which prefers its applets over BINs" >&2
fi

# Modules, one folder per kernel release.
for d in ${moddirs[@]+"${moddirs[@]}"}; do
	rel=$(cat "$d/release" 2>/dev/null) || { echo "mkinitramfs: $d/release missing" >&2; exit 1; }
	mkdir -p "$stage/lib/modules/$rel"
	cp "$d"/*.ko "$d/load-order" "$stage/lib/modules/$rel/" 2>/dev/null || true
	# where Debian keeps a kernel's configuration: rstsnoop reads CONFIG_HZ
	# there, as on a real host
	if [ -f "$d/../config" ]; then
		mkdir -p "$stage/boot"
		cp "$d/../config" "$stage/boot/config-$rel"
	fi
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB)" >&2
