#!/bin/bash
# Output modes, and hostile process names in each of them.
. "$(dirname "$0")/../lib.sh"

# Control characters, quotes, backslash, an escape sequence, a byte that is
# not UTF-8 (15 bytes: the kernel's limit).
HOSTILE=$'\e[31m"q\\\n\t\xff\x01z'

begin "json_hostile_comm"
ns=$(make_netns json)
nsino=$(netns_inode "$ns")
start_rstsnoop json --json || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 --name "$HOSTILE" >"$WORK/gen" 2>&1
stop_rstsnoop
want_true "every line is valid JSON" $QUERY "$WORK/json.out" valid
want "records" "$($QUERY "$WORK/json.out" count netns="$nsino")" 2
# json.loads maps the \u00ff escape of the non-UTF-8 byte back to U+00FF
expected=$(python3 -c 'import sys; print(repr("\x1b[31m\"q\\\n\t\xff\x01z"))')
got=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["netns"] == int(sys.argv[2]): print(repr(r["comm"])); break' "$WORK/json.out" "$nsino")
want "comm decoded from JSON" "$got" "$expected"
for key in time event side cause pid comm uid attribution family laddr lport raddr rport state \
	reason sock_ino sock_cookie netns; do
	want_true "field $key present" grep -q "\"$key\":" "$WORK/json.out"
done
want_true "time is RFC 3339 UTC with microseconds" \
	grep -Eq '"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"' "$WORK/json.out"
finish

begin "text_table"
ns=$(make_netns text)
start_rstsnoop text || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 --name rt-text >"$WORK/gen" 2>&1
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 --name "$HOSTILE" >>"$WORK/gen" 2>&1
stop_rstsnoop
pid=$(gen_value "$WORK/gen" pid | head -1)
want_true "header" grep -q '^TIME  *PID  *COMM  *SOCK  *EVENT  *LOCAL  *REMOTE  *STATE  *DETAIL$' "$WORK/text.out"
want_true "a line for rt-text" grep -Eq "^[0-9:]{8} +[0-9]+ +rt-text +[0-9]+ +refused +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:7211 +SYN_SENT" "$WORK/text.out"
want_true "no control bytes in the table" sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$WORK/text.out'"
want_true "hostile name escaped" grep -qF '\x1b[31m"q\\\x0a\x09\xff\x01z' "$WORK/text.out"
want_true "lines fit 120 columns" sh -c "grep rt-text '$WORK/text.out' | awk 'length > 120 { exit 1 }'"
finish

# --summary: counts and rates per process and service port, in both modes.
summary_mode() {
	local mode=$1 ns pid out
	begin "summary_$mode"
	ns=$(make_netns "sum-$mode")
	if [ "$mode" = json ]; then
		start_rstsnoop "sum-$mode" --json -s 1 -P 7211 || abort "rstsnoop did not start"
	else
		start_rstsnoop "sum-$mode" -s 1 -P 7211 || abort "rstsnoop did not start"
	fi
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 12 --interval-ms 100 \
		--name rt-sum >"$WORK/gen" 2>&1
	stop_rstsnoop
	want "exit status" $? 0
	pid=$(gen_value "$WORK/gen" pid)
	out="$WORK/sum-$mode.out"
	if [ "$mode" = json ]; then
		want "attempts counted over all intervals" "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
mine = [r for r in rows if r["pid"] == int(sys.argv[2])]
assert all(r["summary"] == "interval" and r["lport"] is None and r["rport"] == 7211
           and r["netns"] == int(sys.argv[3])
           and r["comm"] == "rt-sum" and r["cause"] == "refused" for r in mine), mine
assert all(abs(r["rate_per_s"] - r["count"] / r["interval_s"]) < 0.01 for r in mine), mine
print(sum(r["count"] for r in mine))' "$out" "$pid" "$(netns_inode "$ns")")" 12
	else
		want_true "header" grep -q '^ *COUNT  *RATE/s  *PID  *COMM  *EVENT  *LOCAL  *REMOTE  *DETAIL$' "$out"
		want "attempts counted over all intervals" "$(awk -v p="$pid" \
			'$3 == p && $4 == "rt-sum" && $5 == "refused" && $6 == "127.0.0.1:*" && $7 == "127.0.0.1:7211" { n += $1 }
			END { print n + 0 }' "$out")" 12
	fi
	finish
}
summary_mode text
summary_mode json
