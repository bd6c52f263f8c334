#!/bin/bash
# --output FILE: records appended to a file that logrotate may rename; SIGHUP
# opens the name again.  Oracles: the kernel's AttemptFails counter of the
# test's own namespace, rstgen's own tally, and the files themselves.
. "$(dirname "$0")/../lib.sh"

ROTATIONS=10

# Ten rotations (mv FILE FILE.N; kill -HUP) during a refused storm: every
# refused connect of the namespace is a record in exactly one of the eleven
# files, every line of every file is a whole JSON object, no socket twice.
begin "output_rotate_storm"
ns=$(make_netns rotate)
nsino=$(netns_inode "$ns")
log="$WORK/rot/records.json"
mkdir -p "$WORK/rot"
fails_before=$(snmp AttemptFails "$ns")
start_rstsnoop rotate --json --netns "$ns" --output "$log" || abort "rstsnoop did not start"
want_true "nothing on stdout" test ! -s "$WORK/rotate.out"
want_true "the file is made mode 0640" test "$(stat -c %a "$log")" = 640
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 3 --interval-ms 1 \
	--name rt-rotate >"$WORK/gen" 2>&1 &
gen=$!
BG_PIDS+=("$gen")
for n in $(seq 1 $ROTATIONS); do
	sleep 0.2
	mv "$log" "$log.$n"
	kill -HUP "$RSTSNOOP_PID"
	# the reopen makes the name again; without one it stays missing
	wait_until 5 test -e "$log" || { abort "no new $log after rotation $n"; break; }
done
wait "$gen"
stop_rstsnoop
want "exit status" $? 0
fails_after=$(snmp AttemptFails "$ns")
attempts=$(gen_value "$WORK/gen" refused)
files=("$log".* "$log")
total=0
nonempty=0
for f in "${files[@]}"; do
	want_true "every line of $(basename "$f") is a whole JSON object" $QUERY "$f" valid
	n=$($QUERY "$f" count netns="$nsino" event=handshake_failed cause=refused)
	n=${n:-0}
	total=$((total + n))
	[ "$n" -gt 0 ] && nonempty=$((nonempty + 1))
done
want "files" "${#files[@]}" $((ROTATIONS + 1))
want "the kernel counted what rstgen saw" "$((fails_after - fails_before))" "$attempts"
want "records across the files (kernel's AttemptFails delta)" "$total" "$((fails_after - fails_before))"
want "every file holds records" "$nonempty" $((ROTATIONS + 1))
dups=$(for f in "${files[@]}"; do $QUERY "$f" values sock_cookie netns="$nsino"; done | sort | uniq -d | wc -l)
want "no socket twice (sock_cookie)" "$dups" 0
want "no line that is not a record (a torn line would split)" \
	"$(cat "${files[@]}" | grep -vc '^{.*}$')" 0
want_true "no error line" sh -c "! grep -q 'reopen' '$WORK/rotate.err'"
[ -n "$ERR" ] || echo "  $total records in ${#files[@]} files, AttemptFails +$((fails_after - fails_before))"
finish

# The table: each file begins with the header, and the records follow it.
begin "output_rotate_text_header"
ns=$(make_netns rottext)
log="$WORK/rottext/records.txt"
mkdir -p "$WORK/rottext"
start_rstsnoop rottext --netns "$ns" --output "$log" || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 --name rt-before >/dev/null 2>&1
wait_until 5 grep -q rt-before "$log" || abort "no record before the rotation"
mv "$log" "$log.1"
kill -HUP "$RSTSNOOP_PID"
wait_until 5 test -e "$log" || abort "no new file after SIGHUP"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-after >/dev/null 2>&1
stop_rstsnoop
want "exit status" $? 0
want "old file: its header first" "$(head -n 1 "$log.1" | awk '{print $1, $2, $3}')" "TIME PID COMM"
want "new file: its header first" "$(head -n 1 "$log" | awk '{print $1, $2, $3}')" "TIME PID COMM"
want "old file: the records before" "$(grep -c ' rt-before ' "$log.1")" 2
want "new file: the records after" "$(grep -c ' rt-after ' "$log")" 3
want "old file: none after" "$(grep -c ' rt-after ' "$log.1")" 0
finish

# A reopen that fails (the directory became read-only; rstsnoop has no
# capability left to override it) is one line, counted at the end, and the
# records go on to the file open before.
begin "output_reopen_fails"
ns=$(make_netns rotfail)
dir="$WORK/rotfail"
log="$dir/records.json"
mkdir -p "$dir"
start_rstsnoop rotfail --json --netns "$ns" --output "$log" || abort "rstsnoop did not start"
chmod 0555 "$dir"
mv "$log" "$log.1" # the test is root with its capabilities: the mode does not stop it
kill -HUP "$RSTSNOOP_PID"
wait_until 5 grep -q 'cannot reopen --output' "$WORK/rotfail.err" || abort "no line for the failed reopen"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 --name rt-fail >/dev/null 2>&1
stop_rstsnoop
want "exit status" $? 0
chmod 0755 "$dir"
want "no new file" "$(test -e "$log" && echo yes || echo no)" no
want "records went on to the old file" "$($QUERY "$log.1" count comm=rt-fail)" 2
want "the failure is one line" "$(grep -c 'cannot reopen --output' "$WORK/rotfail.err")" 1
want_true "counted at the end" grep -q '1 of 1 reopens of --output failed' "$WORK/rotfail.err"
finish

# With --user, the reopen runs as that user: openat() in the directory kept
# open from the start, which that user owns; the folders above it (the
# test's own, mode 0700 root) are not walked again, so they need not be
# open to it.  The ready file is written by path, as the user: it goes to
# a folder of its own outside the test's.
begin "output_reopen_as_user"
ns=$(make_netns rotuser)
dir="$WORK/rotuser/logs"
log="$dir/records.json"
ready_dir=$(mktemp -d /tmp/rstsnoop-ready.XXXXXX)
mkdir -p "$dir"
chmod 0700 "$WORK/rotuser"
chown 65534 "$dir"
chmod 1777 "$ready_dir"
READY_DIR="$ready_dir" start_rstsnoop rotuser --json --netns "$ns" --user 65534 \
	--output "$log" || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 --name rt-user1 >/dev/null 2>&1
wait_until 5 grep -q rt-user1 "$log" || abort "no record before the rotation"
mv "$log" "$log.1"
kill -HUP "$RSTSNOOP_PID"
wait_until 5 test -e "$log" || abort "no new file after SIGHUP"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-user2 >/dev/null 2>&1
stop_rstsnoop
want "exit status" $? 0
want "the first file: root's, made before the drop" "$(stat -c %u "$log.1")" 0
want "the new file: made by the user" "$(stat -c %u "$log")" 65534
want "the new file's mode" "$(stat -c %a "$log")" 640
want "records before" "$($QUERY "$log.1" count comm=rt-user1)" 2
want "records after" "$($QUERY "$log" count comm=rt-user2)" 3
want_true "no reopen error" sh -c "! grep -q reopen '$WORK/rotuser.err'"
rm -rf "$ready_dir"
finish

# Bad uses end before tracing starts, with one line.
begin "output_bad_uses"
"$RSTSNOOP" --output "$WORK/no/such/dir/f" >"$WORK/bad.out" 2>"$WORK/bad.err"
want "missing directory: exit status" $? 1
want "missing directory: one line" "$(wc -l <"$WORK/bad.err")" 1
want_true "missing directory: says which" grep -q "cannot open the directory of --output $WORK/no/such/dir/f" "$WORK/bad.err"
"$RSTSNOOP" --output "$WORK/" >/dev/null 2>"$WORK/bad2.err"
want "a directory, no file name: exit status" $? 2
"$RSTSNOOP" -q --metrics-file "$WORK/m.prom" --output "$WORK/x" >/dev/null 2>"$WORK/bad3.err"
want "--quiet with --output: exit status" $? 2
finish
