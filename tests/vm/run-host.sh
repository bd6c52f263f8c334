#!/bin/bash
# Run matrix scenarios on the HOST kernel, without a VM: the "host" entry of
# the kernel matrix.
#
#   tests/vm/run-host.sh SCENARIO BIN...
#
# SCENARIO and BIN as for mkinitramfs.sh. The scenarios run as root in a
# fresh network namespace (ip netns add/exec; deleted afterwards) with lo
# up, the BINs first in PATH, tracefs mounted at /sys/kernel/tracing, and
# RSTSNOOP_VM=0. Output and exit status are those of boot.sh: the console
# text ending in "@@RSTSNOOP-VM-END status=N@@"; exit N, or 125 when the
# namespace cannot be made. Time limit: VM_TIMEOUT (default 900 s, as boot.sh:
# every scenario on a busy host takes more than 300).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/console.sh"
[ $# -ge 1 ] || { sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
scenario=$1
shift
[ "$(id -u)" = 0 ] || { echo "run-host.sh: needs root" >&2; exit 125; }
command -v ip >/dev/null || { echo "run-host.sh: no ip (iproute2)" >&2; exit 125; }

work=$(mktemp -d)
ns=rstsnoop-host-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # until run_logged takes over

mkdir -p "$work/bin" "$work/scenarios" "$work/tmp"
for b in "$@"; do
	p=$b
	[ -f "$p" ] || p=$(command -v "$b" || true)
	[ -n "$p" ] && [ -f "$p" ] || { echo "run-host.sh: no binary $b" >&2; exit 125; }
	ln -sf "$(readlink -f "$p")" "$work/bin/$(basename "$b")"
done
if [ -d "$scenario" ]; then
	cp "$scenario"/*.sh "$work/scenarios/" 2>/dev/null
elif [ -f "$scenario" ]; then
	cp "$scenario" "$work/scenarios/"
fi
ls "$work/scenarios/"*.sh >/dev/null 2>&1 || { echo "run-host.sh: no scenario in $scenario" >&2; exit 125; }

ip netns add "$ns" || { echo "run-host.sh: ip netns add failed" >&2; exit 125; }

# `ip netns exec` remounts /sys in a private mount namespace, which hides
# tracefs: mount it again there (this does not touch the host's mounts).
cat >"$work/entry.sh" <<'EOF'
[ -d /sys/kernel/tracing/events ] ||
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
	echo "run-host: cannot mount tracefs"
ip link set lo up
ulimit -l unlimited 2>/dev/null
echo "=== rstsnoop-vm: host kernel $(uname -r), netns $NS"
/bin/sh "$HARNESS/run-scenarios.sh" "$WORK"/scenarios/*.sh
rc=$?
echo "@@RSTSNOOP-VM-END status=$rc@@"
EOF

run_logged "$work/console" timeout -k 10 "${VM_TIMEOUT:-900}" \
	ip netns exec "$ns" env PATH="$work/bin:$PATH" TMPDIR="$work/tmp" \
	RSTSNOOP_VM=0 NS="$ns" HARNESS="$here/lib" WORK="$work" \
	/bin/sh "$work/entry.sh"
exit_with_end_status run-host.sh "$work/console"
