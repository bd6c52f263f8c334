#!/bin/sh
# programs: both
# A dual-stack client (an AF_INET6 socket connecting to ::ffff:127.0.0.1,
# which sends IPv4 on the wire) refused by a closed port: one record, with
# IPv4 addresses, dual_stack=true, and the local stack's RST folded in where
# the kernel shows it; -4 keeps it and -6 drops it.  Clients: rstgen
# everywhere; on the host also Java (dual-stack sockets by default) and
# python3's AF_INET6 socket.  A plain IPv4 socket is the control:
# dual_stack=false.
. "$SCENARIO_LIB"
PORT=7214

start_rstsnoop ds_all --json -P $PORT || { fail dual_stack "rstsnoop did not start"; exit 0; }
P_ALL=$RSTSNOOP_PID
start_rstsnoop ds_v4 --json -P $PORT -4 || { fail dual_stack "rstsnoop -4 did not start"; exit 0; }
P_V4=$RSTSNOOP_PID
start_rstsnoop ds_v6 --json -P $PORT -6 || { fail dual_stack "rstsnoop -6 did not start"; exit 0; }
P_V6=$RSTSNOOP_PID

# Each client prints "refused pid=N" after one refused attempt.
cat >"$T/Refused.java" <<JAVA
public class Refused {
    public static void main(String[] args) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", $PORT)) {
            System.out.println("connected");
        } catch (java.net.ConnectException e) {
            System.out.println("refused pid=" + ProcessHandle.current().pid());
        }
    }
}
JAVA
python_client() {
	python3 - "$PORT" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
try:
    s.connect(("::ffff:127.0.0.1", int(sys.argv[1])))
    print("connected")
except ConnectionRefusedError:
    print("refused pid=%d" % os.getpid())
PY
}

CLIENTS=""
af0=$(snmp AttemptFails)
rstgen connect --addr ::ffff:127.0.0.1 --port $PORT --count 1 --name mx-dual \
	>"$T/rstgen.client" 2>&1 && CLIENTS="$CLIENTS rstgen"
if command -v java >/dev/null 2>&1; then
	# -XX:TieredStopAtLevel=1: start-up, not speed, matters here
	java -XX:TieredStopAtLevel=1 "$T/Refused.java" >"$T/java.client" 2>&1 && CLIENTS="$CLIENTS java"
else
	skip dual_stack.java "no java here (the VM images carry none)"
fi
if command -v python3 >/dev/null 2>&1; then
	python_client >"$T/python.client" 2>&1 && CLIENTS="$CLIENTS python"
else
	skip dual_stack.python "no python3 here (the VM images carry none)"
fi
rstgen connect --addr 127.0.0.1 --port $PORT --count 1 --name mx-plain >"$T/plain.client" 2>&1
af=$(($(snmp AttemptFails) - af0))
for p in $P_ALL $P_V4 $P_V6; do
	RSTSNOOP_PID=$p
	stop_rstsnoop
	expect "dual_stack.status.$p" "exit status of rstsnoop $p" $? 0
done

n=0
for c in $CLIENTS; do
	n=$((n + 1))
	pid=$(gen_value "$T/$c.client" pid)
	if [ -z "$pid" ]; then
		fail "dual_stack.$c" "client was not refused: $(head -c 200 "$T/$c.client")"
		continue
	fi
	expect "dual_stack.$c.records" "records of pid $pid" "$(count ds_all netns=$HERE pid="$pid")" 1
	# shellcheck disable=SC2046 # closed_port_facts is a list of KEY=VALUE
	expect "dual_stack.$c" "records of pid $pid as IPv4 with dual_stack=true, $(closed_port_facts)" \
		"$(count ds_all netns=$HERE pid="$pid" event=handshake_failed side=client cause=refused \
			attribution=socket_owner family=ipv4 laddr=127.0.0.1 raddr=127.0.0.1 rport=$PORT \
			dual_stack=true $(closed_port_facts))" 1
	expect "dual_stack.$c.ipv4_filter" "records of pid $pid with -4" \
		"$(count ds_v4 netns=$HERE pid="$pid" family=ipv4)" 1
	expect "dual_stack.$c.ipv6_filter" "records of pid $pid with -6" \
		"$(count ds_v6 netns=$HERE pid="$pid")" 0
done
pid=$(gen_value "$T/plain.client" pid)
expect dual_stack.plain "plain IPv4 socket's records with dual_stack=false" \
	"$(count ds_all netns=$HERE pid="$pid" family=ipv4 dual_stack=false)" 1
expect dual_stack.attempt_fails "Tcp AttemptFails delta" $af $((n + 1))
