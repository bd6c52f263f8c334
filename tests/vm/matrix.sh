#!/bin/bash
# Kernel matrix: run the VM scenarios on Debian's 5.10 (bullseye), 6.1 and
# 6.12 (bookworm) kernels under QEMU (TCG) and on the host kernel.
#
#   tests/vm/matrix.sh [-k "5.10 6.1 6.12 host"] [-j JOBS] [-v] [SCENARIO...]
#
# SCENARIO  scenario scripts (default: tests/vm/scenarios/*.sh); they are
#           all put in one initramfs, so each kernel boots once.  The arm64
#           kernels run, of the default set, only $MATRIX_ARM64_SCENARIOS
#           (default below; "all": every one): TCG emulates arm64 at about
#           a quarter of amd64's speed (tests/vm/README.md), and these are the cases users hit
#           first.  Scenarios named here run on arm64 as named.
# -k        kernels: Debian series fetched by fetch-kernels.sh (arm64-6.1,
#           arm64-6.12: Debian's arm64 kernels under qemu-system-aarch64),
#           and/or "host"
#           (default $MATRIX_KERNELS or "5.10 6.1 6.12 6.12:lockdown=integrity
#           6.12:lockdown=confidentiality arm64-6.1 arm64-6.12 host").
#           SERIES:WORD[:WORD...] boots
#           SERIES with the WORDs added to its kernel command line; its
#           results are labelled RELEASE[WORD,...]
# -j        kernels run at the same time (default $MATRIX_JOBS or 2)
# -v        print every kernel's whole console (default: only on failure)
#
# arm64 kernels boot an image of their own: rstsnoop, rstgen, jsonq and
# rawrst from `make ARCH=arm64 STATIC=1 OUT=build/static-arm64`, and
# Debian's arm64 busybox, dash and MATRIX_TOOLS (fetch-arm64-tools.sh);
# MATRIX_BINS, this machine's programs, go only to the amd64 image and host.
# Binaries in the image / in PATH on the host: build/static/rstsnoop,
# build/static/rstgen and build/static/jsonq when they exist (first built with
# `make STATIC=1 OUT=build/static` and `gcc -O2 -static` unless
# MATRIX_NO_BUILD=1; a failed build is reported as FAIL),
# the host tools in MATRIX_TOOLS (default "ip nft tcpdump ss setpriv" on amd64, with their shared
# libraries) and anything in MATRIX_BINS.
#
# Output: one line per result, the kernel put in after the verdict:
#   PASS <kernel> <name>
#   FAIL <kernel> <name>: <why>
#   SKIP <kernel> <name>: <why>     a scenario skipped itself
#   SKIP <kernel>: <why>            the kernel could not be run at all
# then "N passed, N failed, N skipped". Exit status 1 when anything failed.
# Consoles and logs stay in .cache/vm/run/ (or $MATRIX_RUN).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RSTSNOOP_CACHE:-$repo/.cache}
kernels=${MATRIX_KERNELS:-"5.10 6.1 6.12 6.12:lockdown=integrity 6.12:lockdown=confidentiality arm64-6.1 arm64-6.12 host"}
arm64_scenarios=${MATRIX_ARM64_SCENARIOS:-"refused remote_refused dual_stack server_reset who_sent clean_stop ready_restarts features hardening"}
jobs_max=${MATRIX_JOBS:-2}
verbose=0
while getopts k:j:vh opt; do
	case $opt in
	k) kernels=$OPTARG ;;
	j) jobs_max=$OPTARG ;;
	v) verbose=1 ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

say() { echo "matrix: $*" >&2; }
t0=$(date +%s)

# MATRIX_RUN: another folder for this run's consoles and logs, so that two
# runs from one checkout (the host and a VM kernel, say) do not share one
run=${MATRIX_RUN:-$cache/vm/run}
rm -rf "$run"
mkdir -p "$run/scenarios" || exit 1
[ -e "$cache/.gitignore" ] || echo '*' >"$cache/.gitignore"

# Scenario set.
named=$#
[ $# -gt 0 ] || set -- "$here"/scenarios/*.sh
mkdir -p "$run/scenarios-arm64"
for s in "$@"; do
	[ -f "$s" ] || { say "no scenario $s"; exit 2; }
	cp "$s" "$run/scenarios/"
	name=$(basename "$s" .sh)
	if [ "$named" -gt 0 ] || [ "$arm64_scenarios" = all ] || [[ " $arm64_scenarios " == *" $name "* ]]; then
		cp "$s" "$run/scenarios-arm64/"
	fi
done

# Binaries. A failed build is a FAIL: a stale binary must not pass.
build_fail=()
if [ "${MATRIX_NO_BUILD:-0}" != 1 ]; then
	if [ -f "$repo/Makefile" ]; then
		make -C "$repo" STATIC=1 OUT=build/static >"$run/build-rstsnoop.log" 2>&1 ||
			build_fail+=("rstsnoop: make STATIC=1 OUT=build/static failed (see $run/build-rstsnoop.log)")
	fi
	cc=${CC:-$(command -v gcc || command -v cc || command -v clang)}
	for tool in rstgen jsonq rawrst; do
		src=$repo/tests/tools/$tool.c bin=$repo/build/static/$tool
		if [ -f "$src" ] && { [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; }; then
			mkdir -p "$repo/build/static"
			"$cc" -O2 -static -o "$bin" "$src" >"$run/build-$tool.log" 2>&1 ||
				build_fail+=("$tool: $cc -O2 -static failed (see $run/build-$tool.log)")
		fi
	done
fi
bins=()
for b in "$repo/build/static/rstsnoop" "$repo/build/static/rstgen" "$repo/build/static/jsonq" \
	"$repo/build/static/rawrst"; do
	if [ -x "$b" ]; then bins+=("$b"); else say "no $b: scenarios needing it must SKIP"; fi
done
for t in ${MATRIX_TOOLS-ip nft tcpdump ss setpriv}; do
	p=$(command -v "$t") && bins+=("$p") || say "host tool $t not found"
done
for b in ${MATRIX_BINS:-}; do bins+=("$b"); done

# arm64: the same programs cross-built, and Debian's arm64 tools.
want_arm64=0
for k in $kernels; do [ "${k#arm64-}" = "$k" ] || want_arm64=1; done
bins_arm64=() arm64_root="" arm64_why=""
if [ "$want_arm64" = 1 ]; then
	arm64_out=$repo/build/static-arm64
	if [ "${MATRIX_NO_BUILD:-0}" != 1 ] && [ -f "$repo/Makefile" ]; then
		make -C "$repo" ARCH=arm64 STATIC=1 OUT=build/static-arm64 build/static-arm64/rstsnoop \
			build/static-arm64/rstgen build/static-arm64/jsonq build/static-arm64/rawrst \
			>"$run/build-arm64.log" 2>&1 ||
			build_fail+=("arm64: make ARCH=arm64 STATIC=1 OUT=build/static-arm64 failed (see $run/build-arm64.log)")
	fi
	for b in rstsnoop rstgen jsonq rawrst; do
		if [ -x "$arm64_out/$b" ]; then bins_arm64+=("$arm64_out/$b"); else say "no $arm64_out/$b: arm64 scenarios needing it must SKIP"; fi
	done
	if arm64_root=$("$here/fetch-arm64-tools.sh" 2>"$run/fetch-arm64-tools.log"); then
		for t in ${MATRIX_TOOLS-ip nft tcpdump ss}; do
			p=""
			for d in bin sbin usr/bin usr/sbin; do
				[ -x "$arm64_root/$d/$t" ] && { p=$arm64_root/$d/$t; break; }
			done
			[ -n "$p" ] && bins_arm64+=("$p") || say "arm64 tool $t not in $arm64_root"
		done
	else
		arm64_why="arm64 tools: $(tail -n 1 "$run/fetch-arm64-tools.log")"
	fi
fi

# Kernels: fetch the Debian ones, build one initramfs for all of them.
labels=() kinds=() vmlinuz=() skipwhy=() appends=() archs=()
want_series=()
for k in $kernels; do
	s=${k%%:*}
	[ "$s" = host ] || [[ " ${want_series[*]} " == *" $s "* ]] || want_series+=("$s")
done
declare -A fetched=() missing=()
if [ ${#want_series[@]} -gt 0 ]; then
	fetch_series=()
	for s in "${want_series[@]}"; do
		q=qemu-system-x86_64
		[ "${s#arm64-}" = "$s" ] || q=qemu-system-aarch64
		if command -v "$q" >/dev/null; then
			fetch_series+=("$s")
		else
			missing[$s]="$q not installed (scripts/setup.sh --test)"
		fi
	done
	if [ ${#fetch_series[@]} -gt 0 ]; then
		while read -r what s rest; do
			case $what in
			KERNEL) fetched[$s]=$rest ;;
			MISSING) missing[$s]=$rest ;;
			esac
		done < <("$here/fetch-kernels.sh" "${fetch_series[@]}" 2>"$run/fetch.log")
	fi
fi
declare -A modargs=([x86]="" [arm64]="")
for entry in $kernels; do
	k=${entry%%:*} words=""
	[ "$k" = "$entry" ] || words=$(tr ':' ' ' <<<"${entry#*:}")
	suffix=${words:+[${words// /,}]}
	appends+=("$words")
	arch=x86
	[ "${k#arm64-}" = "$k" ] || arch=arm64
	archs+=("$arch")
	if [ "$k" = host ]; then
		labels+=("host-$(uname -r)$suffix") kinds+=(host) vmlinuz+=("") skipwhy+=("")
		if [ "$(id -u)" != 0 ]; then skipwhy[-1]="needs root"; fi
		if [ -n "$words" ]; then skipwhy[-1]="the host's kernel command line is fixed"; fi
	elif [ -n "${fetched[$k]:-}" ]; then
		read -r rel path <<<"${fetched[$k]}"
		labels+=("$rel$suffix") kinds+=(vm) vmlinuz+=("$path") skipwhy+=("")
		moddir=$(dirname "$path")/modules # once per series, however many boots
		if [ -f "$moddir/release" ] && [[ " ${modargs[$arch]} " != *" $moddir "* ]]; then
			modargs[$arch]+=" $moddir"
		fi
		[ "$arch" = x86 ] || [ -z "$arm64_why" ] || skipwhy[-1]=$arm64_why
	else
		labels+=("$k$suffix") kinds+=(vm) vmlinuz+=("")
		skipwhy+=("kernel not available: ${missing[$k]:-fetch-kernels.sh printed nothing (see $run/fetch.log)}")
	fi
done
# One image per architecture, shared by its kernels.
declare -A initrds=([x86]=$run/initrd.cpio.gz [arm64]=$run/initrd-arm64.cpio.gz)
for arch in x86 arm64; do
	need=0
	for i in "${!kinds[@]}"; do
		[ "${archs[$i]}" = "$arch" ] && [ -n "${vmlinuz[$i]}" ] && [ -z "${skipwhy[$i]}" ] && need=1
	done
	[ "$need" = 1 ] || continue
	opts=()
	for d in ${modargs[$arch]}; do opts+=(-m "$d"); done
	if [ "$arch" = x86 ]; then
		arch_bins=("${bins[@]}")
	else
		opts+=(-t "$arm64_root")
		arch_bins=(${bins_arm64[@]+"${bins_arm64[@]}"})
	fi
	scenario_dir=$run/scenarios
	[ "$arch" = x86 ] || scenario_dir=$run/scenarios-arm64
	if ! "$here/mkinitramfs.sh" "${opts[@]}" -e "SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-120}" \
		"${initrds[$arch]}" "$scenario_dir" ${arch_bins[@]+"${arch_bins[@]}"} 2>"$run/mkinitramfs-$arch.log"; then
		say "mkinitramfs ($arch) failed:"
		cat "$run/mkinitramfs-$arch.log" >&2
		for i in "${!kinds[@]}"; do
			[ "${kinds[$i]}" = vm ] && [ "${archs[$i]}" = "$arch" ] && [ -z "${skipwhy[$i]}" ] &&
				skipwhy[$i]="FAIL:initramfs build failed"
		done
	else
		say "$(tail -n 1 "$run/mkinitramfs-$arch.log" | sed 's/^mkinitramfs: //')"
	fi
done

# Run: VMs first (they take longest), at most $jobs_max at once.
trap 'kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM
run_one() { # index
	local i=$1 log=$run/${labels[$1]}
	if [ "${kinds[$i]}" = host ]; then
		"$here/run-host.sh" "$run/scenarios" "${bins[@]}" >"$log.console" 2>"$log.err"
	else
		VM_APPEND="${VM_APPEND:-} ${appends[$i]}" VM_ARCH=${archs[$i]} \
			"$here/boot.sh" "${vmlinuz[$i]}" "${initrds[${archs[$i]}]}" >"$log.console" 2>"$log.err"
	fi
	echo $? >"$log.rc"
}
order=()
for i in "${!kinds[@]}"; do [ "${kinds[$i]}" = vm ] && order+=("$i"); done
for i in "${!kinds[@]}"; do [ "${kinds[$i]}" = host ] && order+=("$i"); done
for i in "${order[@]}"; do
	[ -z "${skipwhy[$i]}" ] || continue
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
	say "starting ${labels[$i]}"
	run_one "$i" &
done
wait

# Results, in the order the kernels were asked for.
npass=0 nfail=0 nskip=0
for f in ${build_fail[@]+"${build_fail[@]}"}; do
	echo "FAIL build ${f%%: *}: ${f#*: }"
	nfail=$((nfail + 1))
done
for i in "${!labels[@]}"; do
	k=${labels[$i]} log=$run/${labels[$i]}
	why=${skipwhy[$i]}
	if [ -n "$why" ]; then
		if [ "${why#FAIL:}" != "$why" ]; then
			echo "FAIL $k harness: ${why#FAIL:}"
			nfail=$((nfail + 1))
		else
			echo "SKIP $k: $why"
			nskip=$((nskip + 1))
		fi
		continue
	fi
	rc=$(cat "$log.rc" 2>/dev/null || echo 125)
	kfail=0
	while IFS= read -r line; do
		case $line in
		PASS\ *) echo "PASS $k ${line#PASS }"; npass=$((npass + 1)) ;;
		FAIL\ *) echo "FAIL $k ${line#FAIL }"; nfail=$((nfail + 1)); kfail=1 ;;
		SKIP\ *) echo "SKIP $k ${line#SKIP }"; nskip=$((nskip + 1)) ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$log.console")
	case $rc in
	0) ;;
	124) echo "FAIL $k boot: timed out (VM_TIMEOUT=${VM_TIMEOUT:-900})"; nfail=$((nfail + 1)); kfail=1 ;;
	125) echo "FAIL $k boot: $(tail -n 1 "$log.err")"; nfail=$((nfail + 1)); kfail=1 ;;
	*) if [ "$kfail" = 0 ]; then
		echo "FAIL $k harness: exit status $rc without a FAIL line"
		nfail=$((nfail + 1)); kfail=1
	fi ;;
	esac
	say "$(tail -n 1 "$log.err")"
	if [ "$verbose" = 1 ] || [ "$kfail" = 1 ]; then
		echo "----- console of $k ($log.console)" >&2
		if [ "$verbose" = 1 ]; then cat "$log.console" >&2; else tail -n 40 "$log.console" >&2; fi
		echo "-----" >&2
	fi
done
say "done in $(($(date +%s) - t0))s; logs in $run"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
