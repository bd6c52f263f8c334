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
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 --name rt-text >"$WORK/gen-text" 2>&1
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 --name "$HOSTILE" >"$WORK/gen" 2>&1
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 --name "rt sp" >>"$WORK/gen" 2>&1
ip netns exec "$ns" "$RSTGEN" connect --addr ::1 --port 7211 --count 1 --name rt-v6 >>"$WORK/gen" 2>&1
stop_rstsnoop
pid=$(gen_value "$WORK/gen-text" pid)
want_true "header" grep -q '^TIME  *PID  *COMM  *SOCK  *EVENT  *LOCAL  *REMOTE  *STATE  *CONTEXT  *DETAIL$' "$WORK/text.out"
# milliseconds, so a line can be matched with a capture
want_true "a line for rt-text" grep -Eq "^[0-9:]{8}\.[0-9]{3} +$pid +rt-text +[0-9]+ +refused +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:7211 +SYN_SENT" "$WORK/text.out"
want_true "no control bytes in the table" sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$WORK/text.out'"
# escaped, then cut to the column at a whole escape and marked (JSON has it whole)
want_true "hostile name escaped and cut" grep -qF ' \x1b[31m"q\\+ ' "$WORK/text.out"
want "a name with a space is one field" "$(awk '$3 == "rt\\x20sp" && $5 == "refused"' "$WORK/text.out" | wc -l)" 1
want_true "an IPv6 line" grep -q ' rt-v6 .*\[::1\]:7211 ' "$WORK/text.out"
# every line lines up with the header above it: each column the header
# names starts at the same offset
want_true "columns aligned" awk '
	/^TIME / { n = 0; for (i = 1; i <= length($0); i++)
			if (substr($0, i, 1) != " " && (i == 1 || substr($0, i - 1, 1) == " ")) col[++n] = i
		next }
	{ for (k = 1; k <= n; k++) { c = col[k]
		if (substr($0, c, 1) == " " || (c > 1 && substr($0, c - 1, 1) != " ")) exit 1 } }
	' "$WORK/text.out"
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
ivs = [json.loads(l) for l in open(sys.argv[1])]
mine = [g for iv in ivs for g in iv["groups"] if g["comm"] == "rt-sum"]
assert all(iv["summary"] == "interval" for iv in ivs), ivs
assert all(g["lport"] is None and g["rport"] == 7211 and g["netns"] == int(sys.argv[3])
           and g["pids"] == 1 and g["cause"] == "refused" for g in mine), mine
# whole intervals last exactly -s; the one SIGINT cut is partial, without a rate
assert all(iv["interval_s"] == 1.0 and not iv["partial"] and
           all(abs(g["rate_per_s"] - g["count"] / iv["interval_s"]) < 0.01 for g in iv["groups"])
           or iv["partial"] and iv["interval_s"] < 1.0 and
           all(g["rate_per_s"] is None for g in iv["groups"]) for iv in ivs), ivs
assert ivs[-1]["partial"], ivs[-1]
print(sum(g["count"] for g in mine))' "$out" "$pid" "$(netns_inode "$ns")")" 12
	else
		want_true "header" grep -q '^ *COUNT  *RATE/s  *PIDS  *COMM  *CONTEXT  *EVENT  *LOCAL  *REMOTE  *DETAIL$' "$out"
		want_true "whole intervals last exactly 1 s" sh -c "! grep ' group.* in ' '$out' |
			grep -v ' in 1.0 s\$' | grep -v ', partial (the run ended): no rate\$' | grep -q ."
		want_true "the interval SIGINT cut is partial" sh -c "grep ' group.* in ' '$out' | tail -n 1 |
			grep -q ', partial'"
		want "attempts counted over all intervals" "$(awk \
			'$3 == 1 && $4 == "rt-sum" && $6 == "refused" && $7 == "127.0.0.1:*" && $8 == "127.0.0.1:7211" { n += $1 }
			END { print n + 0 }' "$out")" 12
	fi
	finish
}
summary_mode text
summary_mode json

# -d a multiple of -s ends on an interval boundary: whole intervals only,
# exactly -s long, while a storm goes on past the end (records made while
# the programs detach must not make a short extra interval).
begin "summary_duration_on_boundary"
ns=$(make_netns sum-dur)
nsino=$(netns_inode "$ns")
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 8 --interval-ms 20 --name rt-dur \
	>"$WORK/gen-dur" 2>&1 &
BG_PIDS+=($!)
"$RSTSNOOP" --json -s 2 -d 4 >"$WORK/dur.out" 2>"$WORK/dur.err"
want "exit status" $? 0
want "intervals" "$(python3 -c '
import json, sys
ivs = [json.loads(l) for l in open(sys.argv[1])]
assert all(iv["interval_s"] == 2.0 and not iv["partial"] and
           all(g["rate_per_s"] == g["count"] / 2 for g in iv["groups"]) for iv in ivs), ivs
print(len([iv for iv in ivs if any(g["netns"] == int(sys.argv[2]) for g in iv["groups"])]))' \
	"$WORK/dur.out" "$nsino")" 2
finish
