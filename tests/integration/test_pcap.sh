#!/bin/bash
# --pcap FILE: the RSTs and ICMP errors the records report, as pcapng.
# Oracles: tshark and tcpdump read the file back; the records of the same
# run (--json), the names the test gave its processes, and the test's own
# firewall rule.
. "$(dirname "$0")/../lib.sh"

if ! command -v tshark >/dev/null; then
	skip pcap "tshark not installed (scripts/setup.sh --test)"
	exit 0
fi
# tshark as root warns on stderr; nothing else changes
tshark_count() { tshark -r "$1" 2>/dev/null | wc -l; }

# Control characters, a backslash, a quote, a byte that is not UTF-8.
HOSTILE=$'\e[31m"q\\\n\t\xff\x01z'

# Refusals, IPv4 and IPv6, one by a hostile name; a RST each way of an
# established connection over a veth pair (TTL as received); an ICMP port
# unreachable from the peer's firewall.
begin "pcap_matches_records"
a=$(make_netns pcap-a)
b=$(make_netns pcap-b)
link_netns "$a" "$b" || abort "no veth pair"
ip netns exec "$b" nft -f - <<'NFT' || abort "nft failed"
table inet rstpcap {
	chain input {
		type filter hook input priority 0;
		tcp dport 9000 reject with icmpx type port-unreachable
	}
}
NFT
pcap="$WORK/rst.pcapng"
start_rstsnoop pcap --json --pcap "$pcap" || abort "rstsnoop did not start"
ip netns exec "$a" "$RSTGEN" connect --port 7211 --count 2 --name rt-pcap4 >/dev/null 2>&1
ip netns exec "$a" "$RSTGEN" connect --addr ::1 --port 7211 --count 1 --name rt-pcap6 >/dev/null 2>&1
ip netns exec "$a" "$RSTGEN" connect --port 7211 --count 1 --name "$HOSTILE" >/dev/null 2>&1
ip netns exec "$b" "$RSTGEN" serve --addr 198.18.0.2 --port 7300 --count 1 --close linger \
	--name rt-srv >"$WORK/srv" 2>&1 &
BG_PIDS+=($!)
wait_for_line "$WORK/srv" ready || abort "server not ready"
ip netns exec "$a" "$RSTGEN" client --addr 198.18.0.2 --port 7300 --count 1 --name rt-cli \
	>/dev/null 2>&1
wait "${BG_PIDS[-1]}"
ip netns exec "$a" "$RSTGEN" connect --addr 198.18.0.2 --port 9000 --count 1 --name rt-icmp \
	>/dev/null 2>&1
stop_rstsnoop
want "exit status" $? 0
want_true "tshark reads it" sh -c "tshark -r '$pcap' >/dev/null 2>&1"
want_true "tcpdump reads it" sh -c "tcpdump -nn -r '$pcap' >'$WORK/tcpdump.out' 2>&1"
want "tcpdump's packets" "$(grep -c ' IP6\? ' "$WORK/tcpdump.out")" "$(tshark_count "$pcap")"
want_true "tcpdump shows the refusal's RST" grep -q '127.0.0.1.7211 > 127.0.0.1.[0-9]*: Flags \[R.\]' "$WORK/tcpdump.out"
want_true "tcpdump shows the ICMP error" grep -q '198.18.0.2 > 198.18.0.1: ICMP 198.18.0.2 tcp port 9000 unreachable' "$WORK/tcpdump.out"
want_true "the ICMP error is in the records" \
	test "$($QUERY "$WORK/pcap.out" count comm=rt-icmp via=icmp)" = 1
want_true "the received RST has its TTL" \
	test "$($QUERY "$WORK/pcap.out" count comm=rt-cli event=reset_received ttl=64)" = 1
python3 "$TOP/tests/integration/pcap_compare.py" "$pcap" "$WORK/pcap.out" \
	"$(netns_inode "$a")" "$(netns_inode "$b")" >"$WORK/compare" 2>&1
want "packets against records" "$?:$(grep -v 'packets compared' "$WORK/compare" | head -3)" "0:"
want_true "every kind was compared (7 packets)" grep -qx '7 packets compared' "$WORK/compare"
want "mode" "$(stat -c %a "$pcap")" 640
[ -n "$ERR" ] || sed 's/^/  /' "$WORK/compare"
finish

# At the cap no block is written any more: the file stays a whole pcapng
# under the cap, and what was left out is counted.
begin "pcap_size_cap"
ns=$(make_netns pcap-cap)
pcap="$WORK/cap.pcapng"
start_rstsnoop cap --json --netns "$ns" --pcap "$pcap" --pcap-max-bytes 4096 ||
	abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 100 --name rt-cap >"$WORK/gen" 2>&1
stop_rstsnoop
want "exit status" $? 0
size=$(stat -c %s "$pcap")
want_true "at most 4096 bytes ($size)" test "$size" -le 4096
want_true "tshark reads it whole" sh -c "tshark -r '$pcap' >/dev/null 2>'$WORK/cap.tshark'"
want "no complaint from tshark" "$(grep -v 'Running as user' "$WORK/cap.tshark")" ""
written=$(tshark_count "$pcap")
want_true "some packets written ($written)" test "$written" -gt 10
left=$(sed -n 's/.*--pcap: \([0-9]*\) packets written, \([0-9]*\) left out.*/\1 \2/p' "$WORK/cap.err")
want "written and left out, as said on stderr" "$left" "$written $((100 - written))"
want "records" "$($QUERY "$WORK/cap.out" count comm=rt-cap)" 100
finish

begin "pcap_bad_uses"
"$RSTSNOOP" --pcap "$WORK/no/such/dir/x.pcapng" >/dev/null 2>"$WORK/bad.err"
want "unwritable file: exit status" $? 1
want "unwritable file: one line" "$(wc -l <"$WORK/bad.err")" 1
"$RSTSNOOP" --pcap-max-bytes 100000 >/dev/null 2>&1
want "--pcap-max-bytes without --pcap: exit status" $? 2
"$RSTSNOOP" --pcap "$WORK/x" --pcap-max-bytes 100 >/dev/null 2>&1
want "a cap below 4096: exit status" $? 2
finish
