#!/bin/bash
# Kernel matrix: run the VM scenarios on Debian's 5.10 (bullseye), 6.1 and
# 6.12 (bookworm) kernels under QEMU (TCG) and on the host kernel.
#
#   tests/vm/matrix.sh [-k "5.10 6.1 6.12 host"] [-j JOBS] [-v] [SCENARIO...]
#
# SCENARIO  scenario scripts (default: tests/vm/scenarios/*.sh); they are
#           all put in one initramfs, so each kernel boots once.
# -k        kernels: Debian series fetched by fetch-kernels.sh, and/or "host"
#           (default $MATRIX_KERNELS or "5.10 6.1 6.12 6.12:lockdown=integrity
#           6.12:lockdown=confidentiality host").  SERIES:WORD[:WORD...] boots
#           SERIES with the WORDs added to its kernel command line; its
#           results are labelled RELEASE[WORD,...]
# -j        kernels run at the same time (default $MATRIX_JOBS or 2)
# -v        print every kernel's whole console (default: only on failure)
#
# Binaries in the image / in PATH on the host: build/static/rstsnoop,
# build/static/rstgen and build/static/jsonq when they exist (first built with
# `make STATIC=1 OUT=build/static` and `gcc -O2 -static` unless
# MATRIX_NO_BUILD=1; a failed build is reported as FAIL),
# the host tools in MATRIX_TOOLS (default "ip nft tcpdump ss", with their shared
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
kernels=${MATRIX_KERNELS:-"5.10 6.1 6.12 6.12:lockdown=integrity 6.12:lockdown=confidentiality host"}
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
[ $# -gt 0 ] || set -- "$here"/scenarios/*.sh
for s in "$@"; do
	[ -f "$s" ] || { say "no scenario $s"; exit 2; }
	cp "$s" "$run/scenarios/"
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
for t in ${MATRIX_TOOLS-ip nft tcpdump ss}; do
	p=$(command -v "$t") && bins+=("$p") || say "host tool $t not found"
done
for b in ${MATRIX_BINS:-}; do bins+=("$b"); done

# Kernels: fetch the Debian ones, build one initramfs for all of them.
labels=() kinds=() vmlinuz=() skipwhy=() appends=()
want_series=()
for k in $kernels; do
	s=${k%%:*}
	[ "$s" = host ] || [[ " ${want_series[*]} " == *" $s "* ]] || want_series+=("$s")
done
declare -A fetched=() missing=()
if [ ${#want_series[@]} -gt 0 ]; then
	if ! command -v "${QEMU:-qemu-system-x86_64}" >/dev/null; then
		for s in "${want_series[@]}"; do missing[$s]="qemu-system-x86_64 not installed (scripts/setup.sh --test)"; done
	else
		while read -r what s rest; do
			case $what in
			KERNEL) fetched[$s]=$rest ;;
			MISSING) missing[$s]=$rest ;;
			esac
		done < <("$here/fetch-kernels.sh" "${want_series[@]}" 2>"$run/fetch.log")
	fi
fi
modargs=()
for entry in $kernels; do
	k=${entry%%:*} words=""
	[ "$k" = "$entry" ] || words=$(tr ':' ' ' <<<"${entry#*:}")
	suffix=${words:+[${words// /,}]}
	appends+=("$words")
	if [ "$k" = host ]; then
		labels+=("host-$(uname -r)$suffix") kinds+=(host) vmlinuz+=("") skipwhy+=("")
		if [ "$(id -u)" != 0 ]; then skipwhy[-1]="needs root"; fi
		if [ -n "$words" ]; then skipwhy[-1]="the host's kernel command line is fixed"; fi
	elif [ -n "${fetched[$k]:-}" ]; then
		read -r rel path <<<"${fetched[$k]}"
		labels+=("$rel$suffix") kinds+=(vm) vmlinuz+=("$path") skipwhy+=("")
		moddir=$(dirname "$path")/modules # once per series, however many boots
		if [ -f "$moddir/release" ] && [[ " ${modargs[*]} " != *" $moddir "* ]]; then
			modargs+=(-m "$moddir")
		fi
	else
		labels+=("$k$suffix") kinds+=(vm) vmlinuz+=("")
		skipwhy+=("kernel not available: ${missing[$k]:-fetch-kernels.sh printed nothing (see $run/fetch.log)}")
	fi
done
initrd=$run/initrd.cpio.gz
if [ -n "$(printf '%s' "${vmlinuz[*]}" | tr -d ' ')" ]; then
	if ! "$here/mkinitramfs.sh" "${modargs[@]}" -e "SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-120}" \
		"$initrd" "$run/scenarios" "${bins[@]}" 2>"$run/mkinitramfs.log"; then
		say "mkinitramfs failed:"
		cat "$run/mkinitramfs.log" >&2
		for i in "${!kinds[@]}"; do
			[ "${kinds[$i]}" = vm ] && [ -z "${skipwhy[$i]}" ] && skipwhy[$i]="FAIL:initramfs build failed"
		done
	else
		say "$(tail -n 1 "$run/mkinitramfs.log" | sed 's/^mkinitramfs: //')"
	fi
fi

# Run: VMs first (they take longest), at most $jobs_max at once.
trap 'kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM
run_one() { # index
	local i=$1 log=$run/${labels[$1]}
	if [ "${kinds[$i]}" = host ]; then
		"$here/run-host.sh" "$run/scenarios" "${bins[@]}" >"$log.console" 2>"$log.err"
	else
		VM_APPEND="${VM_APPEND:-} ${appends[$i]}" \
			"$here/boot.sh" "${vmlinuz[$i]}" "$initrd" >"$log.console" 2>"$log.err"
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
