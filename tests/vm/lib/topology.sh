# shellcheck shell=sh
# A client / router / server topology for the scenarios, with the router as
# the middlebox (nftables), and the wire oracles that go with it.  Plain
# POSIX sh (dash, busybox); sourced after scenario-lib.sh:
#   . "$SCENARIO_LIB"
#   . "${SCENARIO_LIB%/*}/topology.sh"
#
#   client  TOPO_C   198.18.1.2   2001:db8:1::2    dev TOPO_CIF
#     | veth
#   router  TOPO_R   198.18.1.1   2001:db8:1::1    (client side, TOPO_R4C/TOPO_R6C)
#                    198.18.2.1   2001:db8:2::1    (server side)
#     | veth
#   server  TOPO_S   198.18.2.2   2001:db8:2::2    dev TOPO_SIF
#
# With `make_topology TAG 2`, a second router TOPO_R2 (no firewall) stands
# between the router and the server, and the server is two hops away:
#   router  TOPO_R   198.18.2.1   2001:db8:2::1    (server side)
#     | veth
#   router2 TOPO_R2  198.18.2.3   2001:db8:2::3
#                    198.18.3.1   2001:db8:3::1
#     | veth
#   server  TOPO_S   198.18.3.2   2001:db8:3::2    dev TOPO_SIF
#
# The client and the server route only the other side's prefix via the
# router; nobody has a default route.  The router forwards (IPv4 and IPv6)
# and has an nftables table `inet topo` with an empty forward chain `path`
# (policy accept) that topo_fw adds rules to.  Every packet the router
# forwards loses one from its TTL / hop limit; what the router makes itself
# (a reject's RST or ICMP error) leaves it with 64.
# Namespaces are deleted at exit (scenario-lib.sh's trap).

TOPO_C4=198.18.1.2 TOPO_R4C=198.18.1.1 TOPO_R4S=198.18.2.1 TOPO_S4=198.18.2.2
TOPO_C6=2001:db8:1::2 TOPO_R6C=2001:db8:1::1 TOPO_R6S=2001:db8:2::1 TOPO_S6=2001:db8:2::2

# make_topology TAG [2]: builds the three namespaces (names ${TAG}c, ${TAG}r,
# ${TAG}s: keep TAG short and unique, e.g. "t$$"; with 2 also ${TAG}q, the
# second router) and sets TOPO_C, TOPO_R, TOPO_S, TOPO_CIF, TOPO_SIF,
# TOPO_CIN, TOPO_RIN, TOPO_SIN (netns inodes), and TOPO_HOPS (1 or 2).
# Returns 1 (after saying why on stderr) when something could not be made.
make_topology() {
	TOPO_C=${1}c TOPO_R=${1}r TOPO_S=${1}s
	TOPO_CIF=${1}c0 TOPO_SIF=${1}s0 TOPO_HOPS=${2:-1}
	make_netns "$TOPO_C" >/dev/null && make_netns "$TOPO_R" >/dev/null &&
		make_netns "$TOPO_S" >/dev/null || {
		echo "make_topology: ip netns add failed" >&2
		return 1
	}
	if [ "$TOPO_HOPS" = 2 ]; then
		topo_second_router "$1" || return 1
	else
		ip link add name "$TOPO_SIF" netns "$TOPO_S" type veth peer name "${1}rs" netns "$TOPO_R" || {
			echo "make_topology: veth pairs could not be made" >&2
			return 1
		}
		ip -n "$TOPO_S" addr add $TOPO_S4/24 dev "$TOPO_SIF" &&
			ip -n "$TOPO_S" addr add $TOPO_S6/64 dev "$TOPO_SIF" nodad &&
			ip -n "$TOPO_S" link set "$TOPO_SIF" up || {
			echo "make_topology: the server's address failed" >&2
			return 1
		}
	fi
	ip link add name "$TOPO_CIF" netns "$TOPO_C" type veth peer name "${1}rc" netns "$TOPO_R" || {
		echo "make_topology: veth pairs could not be made" >&2
		return 1
	}
	ip -n "$TOPO_C" addr add $TOPO_C4/24 dev "$TOPO_CIF" &&
		ip -n "$TOPO_C" addr add $TOPO_C6/64 dev "$TOPO_CIF" nodad &&
		ip -n "$TOPO_R" addr add $TOPO_R4C/24 dev "${1}rc" &&
		ip -n "$TOPO_R" addr add $TOPO_R6C/64 dev "${1}rc" nodad &&
		ip -n "$TOPO_R" addr add $TOPO_R4S/24 dev "${1}rs" &&
		ip -n "$TOPO_R" addr add $TOPO_R6S/64 dev "${1}rs" nodad &&
		ip -n "$TOPO_C" link set "$TOPO_CIF" up &&
		ip -n "$TOPO_R" link set "${1}rc" up &&
		ip -n "$TOPO_R" link set "${1}rs" up || {
		echo "make_topology: addresses or links failed" >&2
		return 1
	}
	# /proc/sys/net is the namespace's own; busybox may lack sysctl -w
	ip netns exec "$TOPO_R" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' || {
		echo "make_topology: forwarding could not be turned on" >&2
		return 1
	}
	ip -n "$TOPO_C" route add 198.18.2.0/24 via $TOPO_R4C &&
		ip -n "$TOPO_C" -6 route add 2001:db8:2::/64 via $TOPO_R6C || {
		echo "make_topology: routes failed" >&2
		return 1
	}
	if [ "$TOPO_HOPS" = 1 ]; then
		ip -n "$TOPO_S" route add 198.18.1.0/24 via $TOPO_R4S &&
			ip -n "$TOPO_S" -6 route add 2001:db8:1::/64 via $TOPO_R6S || {
			echo "make_topology: the server's routes failed" >&2
			return 1
		}
	else
		ip -n "$TOPO_C" route add 198.18.3.0/24 via $TOPO_R4C &&
			ip -n "$TOPO_C" -6 route add 2001:db8:3::/64 via $TOPO_R6C &&
			ip -n "$TOPO_R" route add 198.18.3.0/24 via 198.18.2.3 &&
			ip -n "$TOPO_R" -6 route add 2001:db8:3::/64 via 2001:db8:2::3 &&
			ip -n "$TOPO_R2" route add 198.18.1.0/24 via $TOPO_R4S &&
			ip -n "$TOPO_R2" -6 route add 2001:db8:1::/64 via $TOPO_R6S &&
			ip -n "$TOPO_S" route add 198.18.1.0/24 via 198.18.3.1 &&
			ip -n "$TOPO_S" -6 route add 2001:db8:1::/64 via 2001:db8:3::1 || {
			echo "make_topology: routes to the second router failed" >&2
			return 1
		}
	fi
	ip netns exec "$TOPO_R" nft add table inet topo &&
		ip netns exec "$TOPO_R" nft add chain inet topo path \
			'{ type filter hook forward priority 0; policy accept; }' || {
		echo "make_topology: nftables forward chain failed" >&2
		return 1
	}
	TOPO_CIN=$(netns_ino "$TOPO_C") TOPO_RIN=$(netns_ino "$TOPO_R") TOPO_SIN=$(netns_ino "$TOPO_S")
	# Both ways through the router, both families (neighbours resolved now,
	# so no test's first packet waits for ARP/ND).
	topo_reachable || { echo "make_topology: client cannot reach the server" >&2; return 1; }
}

# topo_second_router TAG: the server two hops away, behind ${TAG}q.
topo_second_router() {
	TOPO_R2=${1}q TOPO_S4=198.18.3.2 TOPO_S6=2001:db8:3::2
	make_netns "$TOPO_R2" >/dev/null || { echo "make_topology: ip netns add failed" >&2; return 1; }
	ip link add name "${1}rs" netns "$TOPO_R" type veth peer name "${1}qr" netns "$TOPO_R2" &&
		ip link add name "$TOPO_SIF" netns "$TOPO_S" type veth peer name "${1}qs" netns "$TOPO_R2" || {
		echo "make_topology: veth pairs to the second router could not be made" >&2
		return 1
	}
	ip -n "$TOPO_R2" addr add 198.18.2.3/24 dev "${1}qr" &&
		ip -n "$TOPO_R2" addr add 2001:db8:2::3/64 dev "${1}qr" nodad &&
		ip -n "$TOPO_R2" addr add 198.18.3.1/24 dev "${1}qs" &&
		ip -n "$TOPO_R2" addr add 2001:db8:3::1/64 dev "${1}qs" nodad &&
		ip -n "$TOPO_S" addr add $TOPO_S4/24 dev "$TOPO_SIF" &&
		ip -n "$TOPO_S" addr add $TOPO_S6/64 dev "$TOPO_SIF" nodad &&
		ip -n "$TOPO_R2" link set "${1}qr" up &&
		ip -n "$TOPO_R2" link set "${1}qs" up &&
		ip -n "$TOPO_S" link set "$TOPO_SIF" up || {
		echo "make_topology: the second router's addresses failed" >&2
		return 1
	}
	ip netns exec "$TOPO_R2" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' || {
		echo "make_topology: forwarding could not be turned on in the second router" >&2
		return 1
	}
}

# topo_reachable: the client reaches the server over IPv4 and IPv6 (ping).
topo_reachable() {
	_i=0
	while [ $_i -lt 50 ]; do
		ip netns exec "$TOPO_C" busybox ping -c 1 -W 1 $TOPO_S4 >/dev/null 2>&1 &&
			ip netns exec "$TOPO_C" busybox ping -6 -c 1 -W 1 $TOPO_S6 >/dev/null 2>&1 &&
			return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# topo_fw RULE...: appends a rule to the router's forward chain, e.g.
#   topo_fw tcp dport 7302 reject with tcp reset
topo_fw() {
	ip netns exec "$TOPO_R" nft add rule inet topo path "$@"
}

# topo_addrs ipv4|ipv6: sets C_ADDR, S_ADDR, R_CADDR (the router's client-
# side address) of that family.
topo_addrs() {
	case $1 in
	ipv4) C_ADDR=$TOPO_C4 S_ADDR=$TOPO_S4 R_CADDR=$TOPO_R4C IPFAM=ip ;;
	ipv6) C_ADDR=$TOPO_C6 S_ADDR=$TOPO_S6 R_CADDR=$TOPO_R6C IPFAM=ip6 ;;
	esac
}

# topo_capture_start NAME: tcpdump on the client's interface (TCP and ICMP
# of both families) into $T/NAME.pcap until topo_capture_stop.
topo_capture_start() {
	TOPO_PCAP=$T/$1.pcap
	# -Z root: the VM has no tcpdump user; --immediate-mode, -U: nothing
	# stays in a capture buffer when it is stopped
	ip netns exec "$TOPO_C" tcpdump -Z root --immediate-mode -U -i "$TOPO_CIF" -s 200 \
		-w "$TOPO_PCAP" 'tcp or icmp or icmp6' >/dev/null 2>"$T/$1.tcpdump" &
	TOPO_DPID=$!
	wait_for_line "$T/$1.tcpdump" 'listening on' || {
		echo "topo_capture_start: tcpdump did not start: $(cat "$T/$1.tcpdump")" >&2
		kill $TOPO_DPID 2>/dev/null
		return 1
	}
}

topo_capture_stop() {
	sleep 0.3
	kill -INT $TOPO_DPID 2>/dev/null
	wait $TOPO_DPID 2>/dev/null
}

# topo_wire: the capture, one packet a line, as `tcpdump -nn -v` prints it
# (IPv4's header line and its continuation joined): "... ttl N ..." /
# "... hlim N ..." then "SRC.PORT > DST.PORT: Flags [R.] ..." or the ICMP.
topo_wire() {
	tcpdump -Z root -nn -v -r "$TOPO_PCAP" 2>/dev/null | awk '
		/^[ \t]/ { line = line " " $0; next }
		{ if (line != "") print line; line = $0 }
		END { if (line != "") print line }'
}

# wire_ttl LINES: the TTL / hop limit of the outer IP header (the first
# parenthesis: an ICMP error quotes the original header, with its own TTL) of
# the last of the topo_wire lines given.
wire_ttl() {
	printf '%s\n' "$1" | sed '/^$/d' | tail -n 1 | sed -n 's/^[^(]*(\([^)]*\)).*/\1/p' |
		sed -n -e 's/^\(.*, \)\{0,1\}ttl \([0-9]*\)\(,.*\)\{0,1\}$/\2/p' \
			-e 's/^\(.*, \)\{0,1\}hlim \([0-9]*\)\(,.*\)\{0,1\}$/\2/p'
}

# wire_src LINES: the sender address of the last line (an ICMP error's).
wire_src() {
	printf '%s\n' "$1" | sed '/^$/d' | tail -n 1 |
		sed -n 's/^[^>]* \([0-9a-f:.]*\) > [0-9a-f:.]*: .*/\1/p'
}

# What this rstsnoop says it can see, from `rstsnoop --features` (never from
# the kernel's version).  features_load once, then
# feature_ok CHECK KEY: true when a line "KEY: ..." is there and does not say
# no/none/unavailable; otherwise prints "SKIP CHECK: ..." and is false.
# (A "# programs: both" scenario asks the program set of its run.)
features_load() {
	rstsnoop ${RSTSNOOP_PROGRAMS:+--programs "$RSTSNOOP_PROGRAMS"} --features >"$T/features" 2>&1
	sed -n 's/^\(ttl analysis\|icmp refusals\|connection context\|timeouts\|race evidence\):/rstsnoop --features: &/p' \
		"$T/features"
}
feature_ok() {
	_fl=$(grep -i "^$2:" "$T/features" | head -n 1)
	if [ -z "$_fl" ]; then
		skip "$1" "rstsnoop --features has no '$2:' line"
		return 1
	fi
	case $(printf '%s' "${_fl#*:}" | sed 's/^ *//' | tr 'A-Z' 'a-z') in
	no | no[!a-z]* | none* | unavailable* | not\ *)
		skip "$1" "rstsnoop --features says '$_fl'"
		return 1 ;;
	esac
	return 0
}

# rec_check TAG NAME FEATURE BASE EXTRA: exactly one record of rstsnoop run
# TAG matches BASE (KEY=VALUE words), and it also has EXTRA; FEATURE (a
# --features key, or "") must be there or the check is a SKIP.  A FAIL
# names what the record has for each key of EXTRA.
rec_check() {
	_rt=$1 _rn=$2 _rb=$4 _rx=$5
	[ -z "$3" ] || feature_ok "$_rn" "$3" || return 0
	# shellcheck disable=SC2086 # KEY=VALUE words, no spaces in them
	_rc=$(count "$_rt" $_rb)
	if [ "$_rc" != 1 ]; then
		fail "$_rn" "records with $_rb: $_rc, want 1"
		return 0
	fi
	# shellcheck disable=SC2086
	if [ "$(count "$_rt" $_rb $_rx)" = 1 ]; then
		pass "$_rn"
	else
		fail "$_rn" "want $_rx; the record has $(rec_fields "$_rt" "$_rb" "$_rx")"
	fi
}

# rec_fields TAG BASE EXTRA: "key=value ..." of the record matching BASE,
# for each key of EXTRA.
rec_fields() {
	_fo=""
	for _kv in $3; do
		# shellcheck disable=SC2086
		_fo="$_fo ${_kv%%=*}=$(jsonq "$T/$1.out" values "${_kv%%=*}" $2 | head -n 1)"
	done
	echo "${_fo# }"
}

# in_window NAME WHAT VALUE LO HI: VALUE is a number within [LO, HI].
in_window() {
	if [ -n "$3" ] && [ "$3" -ge "$4" ] 2>/dev/null && [ "$3" -le "$5" ]; then
		pass "$1"
	else
		fail "$1" "$2: got '$3', want $4..$5"
	fi
}

# topo_own_records TAG: keeps in $T/TAG.out only the records of the
# topology's namespaces (the rest, on the host, is other tests' traffic on
# the same ports), the whole output in $T/TAG.all.
topo_own_records() {
	mv "$T/$1.out" "$T/$1.all"
	grep -E "\"netns\":($TOPO_CIN|$TOPO_RIN|$TOPO_SIN)[,}]" "$T/$1.all" >"$T/$1.out"
	echo "records: $(wc -l <"$T/$1.out") of the topology's namespaces, $(wc -l <"$T/$1.all") in all"
}
