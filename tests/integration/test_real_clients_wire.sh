#!/bin/bash
# Who sent it, for real clients on a routed path (host only: the VM images
# carry no ssh, curl, node or java).  client -- router -- server, the
# router rejecting port 22 with tcp-reset and port 7302 with ICMP port
# unreachable.  Oracles: tcpdump's TTL of each RST on the client's
# interface, the router's address in the ICMP error, and the pids of the
# clients this test started.  The clients differ: ssh and curl connect
# non-blocking, node too (libuv reads SO_ERROR, which clears the error an
# ICMP left while connect() held the socket), java uses a dual-stack
# AF_INET6 socket for an IPv4 address.
. "$(dirname "$0")/../lib.sh"

topology() {
	C=$(make_netns wc) && R=$(make_netns wr) && S=$(make_netns ws) || return 1
	ip link add wc$$ netns $C type veth peer name wrc$$ netns $R || return 1
	ip link add ws$$ netns $S type veth peer name wrs$$ netns $R || return 1
	ip -n $C addr add 198.18.1.2/24 dev wc$$
	ip -n $R addr add 198.18.1.1/24 dev wrc$$
	ip -n $S addr add 198.18.2.2/24 dev ws$$
	ip -n $R addr add 198.18.2.1/24 dev wrs$$
	ip -n $C addr add 2001:db8:1::2/64 dev wc$$ nodad
	ip -n $R addr add 2001:db8:1::1/64 dev wrc$$ nodad
	ip -n $S addr add 2001:db8:2::2/64 dev ws$$ nodad
	ip -n $R addr add 2001:db8:2::1/64 dev wrs$$ nodad
	for l in "$C wc$$" "$R wrc$$" "$R wrs$$" "$S ws$$"; do set -- $l; ip -n $1 link set $2 up; done
	ip -n $C route add 198.18.2.0/24 via 198.18.1.1
	ip -n $S route add 198.18.1.0/24 via 198.18.2.1
	ip -n $C route add 2001:db8:2::/64 via 2001:db8:1::1
	ip -n $S route add 2001:db8:1::/64 via 2001:db8:2::1
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip netns exec $R nft -f - <<'NFT'
table inet rstwire {
	chain forward {
		type filter hook forward priority 0;
		tcp dport 22 reject with tcp reset
		tcp dport 7302 reject with icmpx type port-unreachable
	}
}
NFT
}

# runs CMD... in the client's namespace in the background; sets CLIENT_PID
client() {
	ip netns exec $C "$@" >>"$WORK/clients.out" 2>&1 &
	CLIENT_PID=$!
	wait $CLIENT_PID
}

begin "real_clients_on_a_routed_path"
if ! topology; then
	skip_scenario "cannot build the client/router/server namespaces"
fi
cino=$(netns_inode $C)
ip netns exec $S "$RSTGEN" serve --addr 198.18.2.2 --port 7300 --close sink --name rt-web \
	>"$WORK/web.out" 2>&1 &
BG_PIDS+=($!)
ip netns exec $S "$RSTGEN" serve --addr 2001:db8:2::2 --port 7300 --close sink --name rt-web6 \
	>"$WORK/web6.out" 2>&1 &
BG_PIDS+=($!)
wait_for_line "$WORK/web.out" ready && wait_for_line "$WORK/web6.out" ready || abort "servers did not start"
ip netns exec $C tcpdump -Z root --immediate-mode -U -i wc$$ -w "$WORK/wire.pcap" \
	'(tcp[tcpflags] & tcp-rst != 0) or ip6' >/dev/null 2>"$WORK/tcpdump.err" &
dpid=$!
BG_PIDS+=($dpid)
wait_for_line "$WORK/tcpdump.err" 'listening on' || abort "tcpdump did not start"
start_rstsnoop real --json || abort "rstsnoop did not start"
# the peer's genuine SYN-ACKs first: the baseline (curl's request then
# times out against the sink, which is all it is for)
client curl -s -m 1 http://198.18.2.2:7300/
client curl -s -m 1 'http://[2001:db8:2::2]:7300/'
client ssh -o BatchMode=yes -o ConnectTimeout=3 -p 22 rt@198.18.2.2 true
ssh_pid=$CLIENT_PID
client curl -s -m 2 http://198.18.2.2:7303/
curl_pid=$CLIENT_PID
client curl -s -m 2 'http://[2001:db8:2::2]:22/'
curl6_pid=$CLIENT_PID
client node -e "require('net').connect(7302, '198.18.2.2').on('error', e => console.log('node', e.code))"
node_pid=$CLIENT_PID
cat >"$WORK/Refused.java" <<'JAVA'
public class Refused {
	public static void main(String[] a) throws Exception {
		try (java.net.Socket s = new java.net.Socket()) {
			s.connect(new java.net.InetSocketAddress(a[0], Integer.parseInt(a[1])), 3000);
		} catch (java.io.IOException e) {
			System.out.println("java " + e.getMessage());
		}
	}
}
JAVA
if command -v java >/dev/null; then
	client java "$WORK/Refused.java" 198.18.2.2 7302
	java_pid=$CLIENT_PID
fi
stop_rstsnoop
kill -INT $dpid
wait $dpid
# tcpdump's TTLs of the RSTs to each client port
wire_ttl() { # FAMILY REMOTE_PORT -> the TTL (hop limit) tcpdump saw on the RST
	tcpdump -r "$WORK/wire.pcap" -nn -v 2>/dev/null | awk -v p=".$2 >" -v fam=$1 '
		fam == "ipv4" && /ttl/ { match($0, /ttl [0-9]+/); t = substr($0, RSTART + 4, RLENGTH - 4); next }
		fam == "ipv4" && index($0, p) && /Flags \[R/ { print t; exit }
		fam == "ipv6" && /hlim/ && index($0, p) && /Flags \[R/ { match($0, /hlim [0-9]+/); print substr($0, RSTART + 5, RLENGTH - 5); exit }'
}
ttl_ssh=$(wire_ttl ipv4 22)
ttl_curl=$(wire_ttl ipv4 7303)
ttl_curl6=$(wire_ttl ipv6 22)
want "tcpdump: the router's RST to ssh (unforwarded, TTL 64)" "$ttl_ssh" 64
want "tcpdump: the server's RST to curl (one hop, TTL 63)" "$ttl_curl" 63
want "ssh refused by the router: middlebox" "$($QUERY "$WORK/real.out" count netns=$cino \
	event=handshake_failed cause=refused comm=ssh pid=$ssh_pid rport=22 via=rst \
	rst_origin=middlebox ttl="$ttl_ssh" hops=0 peer_hops=1)" 1
want "curl refused by the server: peer" "$($QUERY "$WORK/real.out" count netns=$cino \
	event=handshake_failed cause=refused comm=curl pid=$curl_pid rport=7303 via=rst \
	rst_origin=peer ttl="$ttl_curl" hops=1 peer_hops=1)" 1
want "curl over IPv6 refused by the router: middlebox" "$($QUERY "$WORK/real.out" count \
	netns=$cino event=handshake_failed cause=refused comm=curl pid=$curl6_pid family=ipv6 \
	rport=22 rst_origin=middlebox ttl="$ttl_curl6" hops=0 peer_hops=1)" 1
want "node refused by the router's ICMP error" "$($QUERY "$WORK/real.out" count netns=$cino \
	event=handshake_failed cause=refused comm=node pid=$node_pid rport=7302 via=icmp \
	icmp_type=3 icmp_code=3 icmp_from=198.18.1.1 rst_origin=middlebox)" 1
if [ -n "${java_pid:-}" ]; then
	# a dual-stack socket: the record describes the wire (IPv4)
	want "java (dual-stack socket) refused by the router's ICMP error" "$($QUERY "$WORK/real.out" \
		count netns=$cino event=handshake_failed cause=refused pid=$java_pid family=ipv4 \
		rport=7302 via=icmp icmp_from=198.18.1.1 rst_origin=middlebox)" 1
fi
want "refusals in the client's namespace, one per failed connect" "$($QUERY "$WORK/real.out" \
	count netns=$cino event=handshake_failed)" $((4 + ${java_pid:+1}))
finish
