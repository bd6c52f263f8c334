#!/bin/bash
# Boot a kernel with an initramfs from mkinitramfs.sh under QEMU (TCG).
#
#   tests/vm/boot.sh KERNEL INITRD
#
# Prints the serial console on stdout (carriage returns and terminal escapes
# removed). Exit status: the scenario status from the end marker
# "@@RSTSNOOP-VM-END status=N@@"; 124 when the VM hit the time limit, 125
# when it stopped without the marker (panic, init died, qemu error), 130
# when interrupted. A line "boot.sh: ..." on stderr tells the wall time.
#
# Environment: VM_TIMEOUT (seconds, default 900: every scenario of a kernel under TCG), VM_MEM (MiB, default 1024),
# VM_APPEND (extra kernel command line), QEMU (default per VM_ARCH),
# VM_ARCH: x86 (default) or arm64: qemu-system-aarch64 -M virt -cpu max
# (pauth-impdef: QEMU's own pointer-authentication hash, as the
# architected one costs TCG several times the boot time), console ttyAMA0.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/console.sh"

[ $# -eq 2 ] || { sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
kernel=$1 initrd=$2
for f in "$kernel" "$initrd"; do
	[ -r "$f" ] || { echo "boot.sh: cannot read $f" >&2; exit 125; }
done
case ${VM_ARCH:-x86} in
x86) qemu=${QEMU:-qemu-system-x86_64} machine=() console=ttyS0 ;;
arm64) qemu=${QEMU:-qemu-system-aarch64} machine=(-M virt -cpu max,pauth-impdef=on) console=ttyAMA0 ;;
*) echo "boot.sh: VM_ARCH=$VM_ARCH is not one of x86 arm64" >&2; exit 125 ;;
esac
command -v "$qemu" >/dev/null || { echo "boot.sh: $qemu not found" >&2; exit 125; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -nic none: the VM has loopback only; nothing leaves it.
run_logged "$log" timeout -k 10 "${VM_TIMEOUT:-900}" "$qemu" \
	"${machine[@]}" -accel tcg -m "${VM_MEM:-1024}" -smp 1 \
	-nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=$console quiet panic=-1 ${VM_APPEND:-}"
name=$(basename "$kernel")
[ "$name" = vmlinuz ] && name=$(basename "$(dirname "$kernel")")
exit_with_end_status "boot.sh: $name" "$log"
