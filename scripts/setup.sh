#!/bin/sh
# Installs everything rstsnoop needs on a fresh Debian (bookworm or newer)
# machine. Idempotent: packages already present are left alone.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite needs, and the Debian
#                             kernels of the QEMU matrix (cached in .cache/)
#   scripts/setup.sh --bench  also the benchmark peers (tcpdump, bpftrace)
set -eu

build_pkgs="make gcc libc6-dev clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config"
# clang (build list) with libclang-rt-14-dev: sanitizer and libFuzzer runtimes;
# curl, python3-jsonschema, man-db, systemd: validators of the metrics
# endpoint, the JSON schema, the man page and the unit file; podman with
# runc (crun refuses hybrid cgroups): real containers, whose image is
# busybox-static imported from a tar (tests/integration/test_containers.sh);
# tshark: reads --pcap files back (tests/integration/test_pcap.sh; its
# debconf question is answered by DEBIAN_FRONTEND=noninteractive below)
# python3-yaml: the DaemonSet check (tests/integration/k8s_manifest.py)
test_pkgs="iproute2 nftables tcpdump socat python3 qemu-system-x86 busybox-static cpio gzip util-linux
	valgrind libclang-rt-14-dev curl python3-jsonschema man-db systemd file podman runc tshark python3-yaml"
bench_pkgs="tcpdump bpftrace"
# arm64 (the matrix's arm64 VMs, `make ARCH=arm64 STATIC=1`): the cross
# compiler, the static arm64 libbpf/libelf/zlib, qemu-system-aarch64, and the
# shared libraries of the arm64 ip, ss, nft and tcpdump that
# tests/vm/fetch-arm64-tools.sh unpacks (Debian multiarch packages; the
# arm64 programs themselves are not installed, the amd64 ones stay)
arm64_pkgs="gcc-aarch64-linux-gnu qemu-system-arm libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64
	libbpf1:arm64 libelf1:arm64 libmnl0:arm64 libbsd0:arm64 libcap2:arm64 libnftables1:arm64
	libedit2:arm64 libssl3:arm64 libpcap0.8:arm64 libselinux1:arm64 libtirpc3:arm64"

pkgs=$build_pkgs
for arg in "$@"; do
	case "$arg" in
	--test) pkgs="$pkgs $test_pkgs $arm64_pkgs" ;;
	--bench) pkgs="$pkgs $test_pkgs $arm64_pkgs $bench_pkgs" ;;
	*) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
	esac
done

# :arm64 packages need dpkg to know the architecture (and apt its lists)
arm64_new=0
case " $pkgs " in
*:arm64*)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		arm64_new=1
	fi
	;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ] || [ "$arm64_new" = 1 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	[ -z "$missing" ] || apt-get install -y -qq --no-install-recommends $missing
fi

# promtool (the Prometheus project's own checker of the text format and
# unit tester of alerting rules) and the prometheus server (a real scrape,
# tests/integration/test_prometheus_scrape.sh) come only in Debian's
# prometheus package, whose install would also start a Prometheus server on
# every address: take the two binaries out of the .deb into .cache/tools
# instead, once.
fetch_prometheus_tools() {
	cache=$(cd "$(dirname "$0")/.." && pwd)/.cache
	[ -x "$cache/tools/promtool" ] && [ -x "$cache/tools/prometheus" ] && return 0
	mkdir -p "$cache/tools"
	[ -e "$cache/.gitignore" ] || echo '*' >"$cache/.gitignore"
	tmp=$(mktemp -d)
	if (cd "$tmp" && apt-get download -qq prometheus >/dev/null) &&
		dpkg -x "$tmp"/prometheus_*.deb "$tmp/x" &&
		cp "$tmp/x/usr/bin/promtool" "$cache/tools/promtool.part" &&
		mv "$cache/tools/promtool.part" "$cache/tools/promtool" &&
		cp "$tmp/x/usr/bin/prometheus" "$cache/tools/prometheus.part" &&
		mv "$cache/tools/prometheus.part" "$cache/tools/prometheus"; then
		rm -rf "$tmp"
	else
		rm -rf "$tmp"
		echo "setup.sh: could not fetch promtool and prometheus from Debian's prometheus package" >&2
		return 1
	fi
}

# The kernel matrix boots Debian's 5.10 (bullseye), 6.1 and 6.12 kernels,
# and the arm64 6.1 and 6.12 ones: fetch them once.
case " $* " in
*" --test "* | *" --bench "*)
	fetch_prometheus_tools
	"$(dirname "$0")/../tests/vm/fetch-kernels.sh" >/dev/null ||
		echo "setup.sh: some matrix kernels could not be fetched; the matrix will SKIP them" >&2
	"$(dirname "$0")/../tests/vm/fetch-arm64-tools.sh" >/dev/null ||
		echo "setup.sh: the arm64 VMs' tools could not be fetched; the matrix will SKIP arm64" >&2
	;;
esac
