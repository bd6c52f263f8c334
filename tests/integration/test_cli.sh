#!/bin/bash
# Command line, start-up errors, signals and the end of output.
. "$(dirname "$0")/../lib.sh"

# bad_input NAME EXPECTED-STDERR-PATTERN ARGS...: exit 2, one line naming it,
# as "rstsnoop: ..." (not the binary's path), with nothing else.
bad_input() {
	local name=$1 pattern=$2 rc
	shift 2
	begin "bad_input_$name"
	"$RSTSNOOP" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
	rc=$?
	want "exit status" $rc 2
	want "stderr lines" "$(wc -l <"$WORK/bad.err")" 1
	want_true "stderr names the problem ($(head -1 "$WORK/bad.err"))" grep -q "^rstsnoop: .*$pattern" "$WORK/bad.err"
	want "stdout" "$(wc -c <"$WORK/bad.out")" 0
	finish
}

bad_input unknown_option "unrecognized option: --frobnicate" --frobnicate
bad_input unknown_short_option "unrecognized option: -x" -4x
bad_input missing_value "option needs a value: -p" -p
bad_input pid_not_number "PID is not a number: 12x" -p 12x
bad_input pid_zero "PID out of range" -p 0
bad_input pid_too_big "PID out of range" -p 99999999
bad_input pid_negative "PID is not a number" -p -5
bad_input port_range "port out of range" -P 65536
bad_input port_empty "port is not a number" -P ""
bad_input ringbuf_not_pow2 "power of 2" --ringbuf-kb 12
bad_input duration_junk "duration is not a number" -d 1s
bad_input summary_zero "summary interval out of range" -s 0
bad_input comm_too_long "process name must be" -c 0123456789abcdefg
bad_input both_families "exclude each other" -4 -6
bad_input probe_without_packets "--probe needs the packets --no-ttl turns off" --probe --no-ttl
bad_input seed_method "unknown seed method" --seed magic
bad_input extra_argument "unexpected argument" foo

begin "version_and_help"
want_true "--version" sh -c "'$RSTSNOOP' --version | grep -q '^rstsnoop [0-9]'"
want_true "--help shows examples" sh -c "'$RSTSNOOP' --help | grep -q 'EXAMPLES'"
"$RSTSNOOP" --help >"$WORK/help" 2>&1
"$RSTSNOOP" -h >"$WORK/h" 2>&1
want "-h exit status" $? 0
want_true "-h prints what --help does" cmp -s "$WORK/help" "$WORK/h"
want_true "--help to a full device fails" sh -c "! '$RSTSNOOP' --help >/dev/full 2>/dev/null"
finish

begin "features"
"$RSTSNOOP" --features >"$WORK/feat" 2>&1
want "exit status" $? 0
for key in "kernel:" "tcp_send_reset layout:" "reset reasons:" "closed-port RSTs:" "seeding:"; do
	want_true "features line '$key'" grep -q "^$key" "$WORK/feat"
done
finish

# --features is for bug reports, which users write without root: what an
# unprivileged user can read (the kernel's BTF is world-readable) is
# reported, and what needs privileges says it was not checked.
begin "features_unprivileged"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$RSTSNOOP" --features >"$WORK/featu.out" 2>"$WORK/featu.err"
	want "exit status" $? 0
	# the same kernel facts as root sees
	for key in "kernel:" "tcp_send_reset layout:" "reset reasons:" "closed-port RSTs:"; do
		want "line '$key'" "$(grep "^$key" "$WORK/featu.out")" "$(grep "^$key" "$WORK/feat")"
	done
	want_true "seeding not checked" grep -q '^seeding: not checked: ' "$WORK/featu.out"
	want_true "stderr names the missing privilege ($(cat "$WORK/featu.err"))" \
		grep -q 'missing capabilities' "$WORK/featu.err"
else
	skip_scenario "setpriv not installed"
fi
finish

begin "features_without_btf"
unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec '$RSTSNOOP' --features" \
	>"$WORK/featb.out" 2>"$WORK/featb.err"
want "exit status" $? 0
want_true "says BTF is not readable" grep -q '^kernel BTF: not readable: No such file' "$WORK/featb.out"
want_true "layout unknown" grep -q '^tcp_send_reset layout: unknown' "$WORK/featb.out"
want_true "kernel line still there" grep -q '^kernel: ' "$WORK/featb.out"
finish

# startup_error NAME PATTERN CMD...: rstsnoop (run by CMD) cannot run here:
# exit status 1, one line on stderr matching PATTERN, nothing on stdout.
startup_error() {
	local name=$1 pattern=$2
	shift 2
	begin "$name"
	"$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	want "exit status" $? 1
	want "stderr lines" "$(wc -l <"$WORK/$name.err")" 1
	want_true "stderr names it ($(cat "$WORK/$name.err"))" grep -q "$pattern" "$WORK/$name.err"
	want "stdout" "$(wc -c <"$WORK/$name.out")" 0
	finish
}

if command -v setpriv >/dev/null; then
	startup_error not_root "missing capabilities: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$RSTSNOOP"
else
	skip not_root "setpriv not installed"
fi

# A kernel without BTF, shown to rstsnoop by hiding /sys/kernel/btf in a
# private mount namespace.
startup_error no_btf "no BTF.*Linux 5.8" \
	unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec '$RSTSNOOP'"

# A kernel without tcp:tcp_send_reset, shown to rstsnoop as a tracefs that
# lacks it (a tmpfs with the other two events, in a private mount namespace):
# the classic programs, which attach through tracefs, cannot run, and say so.
startup_error missing_tracepoint "kernel lacks tracepoint tcp:tcp_send_reset (needs Linux 4.15+)" \
	unshare -m sh -c "mount -t tmpfs none /sys/kernel/tracing &&
		mkdir -p /sys/kernel/tracing/events/tcp/tcp_receive_reset \
			/sys/kernel/tracing/events/sock/inet_sock_set_state &&
		exec '$RSTSNOOP' --programs classic"

# The BTF-typed programs attach without tracefs: the same tracefs does not
# stop a run that may use them.
begin "tracefs_not_needed_by_btf_programs"
unshare -m sh -c "mount -t tmpfs none /sys/kernel/tracing &&
	mkdir -p /sys/kernel/tracing/events/tcp/tcp_receive_reset \
		/sys/kernel/tracing/events/sock/inet_sock_set_state &&
	'$RSTSNOOP' --features >'$WORK/nt.out' 2>'$WORK/nt.err'; echo \$? >'$WORK/nt.rc'"
want "exit status" "$(cat "$WORK/nt.rc")" 0
want "programs" "$(sed -n 's/^programs: //p' "$WORK/nt.out")" "BTF-typed (tp_btf), direct loads"
want "the classic programs' problem named" \
	"$(grep -c '^classic tracepoint programs: cannot run here: kernel lacks tracepoint' "$WORK/nt.out")" 1
finish

# tracefs unmounted: rstsnoop mounts it (in a private mount namespace, so
# the host's mounts stay as they are).
begin "tracefs_unmounted"
unshare -m sh -c "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null;
	'$RSTSNOOP' -d 1 >/dev/null 2>'$WORK/tf.err'; echo \$? >'$WORK/tf.rc'"
want "exit status" "$(cat "$WORK/tf.rc")" 0
want_true "traced ($(head -c 200 "$WORK/tf.err"))" grep -q '^rstsnoop: tracing' "$WORK/tf.err"
finish

signal_drain() {
	local sig=$1 ns nsino
	begin "signal_$sig"
	ns=$(make_netns "sig-$sig") || { abort "cannot create netns"; finish; return; }
	nsino=$(netns_inode "$ns")
	start_rstsnoop "sig-$sig" --json || { abort "rstsnoop did not start"; finish; return; }
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 20 >/dev/null 2>&1
	# no pause: what is queued when the signal arrives must still come out
	kill -"$sig" "$RSTSNOOP_PID"
	wait "$RSTSNOOP_PID"
	want "exit status" $? 0
	RSTSNOOP_PID=""
	want "records drained" "$($QUERY "$WORK/sig-$sig.out" count netns="$nsino")" 20
	want "stderr only the start line" "$(grep -vc '^rstsnoop: tracing' "$WORK/sig-$sig.err")" 0
	finish
}
signal_drain INT
signal_drain TERM

begin "duration"
start=$(date +%s%N)
"$RSTSNOOP" -d 1 >/dev/null 2>&1
want "exit status" $? 0
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
want_true "stopped by itself after 1 s (took ${elapsed_ms} ms)" test $elapsed_ms -ge 1000 -a $elapsed_ms -lt 5000
finish

# | head: stdout closes under rstsnoop's feet; it must leave quietly.
begin "closed_stdout"
ns=$(make_netns closed)
( "$RSTSNOOP" --json --ready-file "$WORK/cs.ready" 2>"$WORK/cs.err"; echo $? >"$WORK/cs.rc" ) |
	head -n 1 >"$WORK/cs.out" &
for _ in $(seq 500); do [ -s "$WORK/cs.ready" ] && break; sleep 0.01; done
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2000 >/dev/null 2>&1
for _ in $(seq 100); do [ -s "$WORK/cs.rc" ] && break; sleep 0.05; done
want "exit status" "$(cat "$WORK/cs.rc" 2>/dev/null)" 0
want "stderr only the start line" "$(grep -vc '^rstsnoop: tracing' "$WORK/cs.err")" 0
want "one line read" "$(wc -l <"$WORK/cs.out")" 1
finish

# stdout on a full file system (a 64 KiB tmpfs in a private mount
# namespace): unlike a closed pipe, that is lost output and must say so.
begin "full_disk"
ns=$(make_netns full)
mkdir "$WORK/full"
unshare -m sh -c "mount -t tmpfs -o size=64k none '$WORK/full' &&
	'$RSTSNOOP' --json -d 30 >'$WORK/full/out' 2>'$WORK/full.err'; echo \$? >'$WORK/full.rc'" &
BG_PIDS+=($!)
for _ in $(seq 100); do grep -q '^rstsnoop: tracing' "$WORK/full.err" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 3 >/dev/null 2>&1
for _ in $(seq 200); do [ -s "$WORK/full.rc" ] && break; sleep 0.05; done
want "exit status" "$(cat "$WORK/full.rc" 2>/dev/null)" 1
want "stderr: the start line and one more" "$(grep -vc '^rstsnoop: tracing' "$WORK/full.err")" 1
want_true "stderr names ENOSPC ($(tail -n 1 "$WORK/full.err"))" \
	grep -q '^rstsnoop: writing the output failed: No space left on device$' "$WORK/full.err"
finish
