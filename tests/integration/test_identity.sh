#!/bin/bash
# Who a process is beyond its pid: parent, command line, cgroup, container,
# unit; the filters on them; --summary by program with the kernel's counters.
# Oracles: the PIDs, cgroups and namespaces this test makes, /proc/net/snmp.
. "$(dirname "$0")/../lib.sh"

cgroups_init "/rst$$"
CTR=3f4a9c0e1b2d5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c

if [ -z "$CGROOT" ]; then
	skip identity "no cgroup2 mount on this host"
	exit 0
fi

# A process in a cgroup the test made, started by a parent the test named,
# exits before rstsnoop reads its records: they still name it.
begin identity_parent_cmdline_cgroup
ns=$(make_netns id) || abort "cannot create netns"
nsino=$(netns_inode "$ns")
cp /bin/sh "$WORK/rt-parent"
start_rstsnoop id --json --netns "$ns" || abort "rstsnoop did not start"
run_in_cgroup "$CGTOP/job" "$WORK/rt-parent" -c 'echo $$ >"$0/parent.pid";
	ip netns exec "$1" "$2" connect --port 7211 --count 2 --name rt-child >"$0/child"; :' \
	"$WORK" "$ns" "$RSTGEN"
stop_rstsnoop
out="$WORK/id.out"
child=$(gen_value "$WORK/child" pid)
want "records of the child" "$($QUERY "$out" count netns="$nsino" pid="$child")" 2
want "its parent" "$($QUERY "$out" count netns="$nsino" pid="$child" ppid="$(cat "$WORK/parent.pid")" \
	parent_comm=rt-parent)" 2
want "its command line" "$($QUERY "$out" values cmdline netns="$nsino" pid="$child" | sort -u)" \
	"$RSTGEN connect --port 7211 --count 2 --name rt-child"
want "its cgroup" "$($QUERY "$out" count netns="$nsino" pid="$child" cgroup="$CGTOP/job" \
	cmdline_cut=false container_id=null unit=null tid="$child" thread=rt-child)" 2
finish

# Cgroups shaped like a container's and a unit's, made for real.
shaped() {
	local name=$1 cg=$2 ctr=$3 unit=$4 ns nsino
	begin "identity_cgroup_$name"
	ns=$(make_netns "id-$name") || abort "cannot create netns"
	nsino=$(netns_inode "$ns")
	start_rstsnoop "id-$name" --json --netns "$ns" || abort "rstsnoop did not start"
	run_in_cgroup "$cg" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 \
		--name rt-shaped >/dev/null 2>&1
	stop_rstsnoop
	want "container and unit" "$($QUERY "$WORK/id-$name.out" count netns="$nsino" cgroup="$cg" \
		container_id="$ctr" unit="$unit")" 1
	finish
}
shaped docker_systemd "$CGTOP/system.slice/docker-$CTR.scope" "$CTR" "docker-$CTR.scope"
shaped kubepods_cgroupfs "$CGTOP/kubepods/burstable/pod5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59/$CTR" \
	"$CTR" null
shaped service "$CGTOP/system.slice/rt-job.service" null rt-job.service

# Each filter keeps what it names and drops the rest.  Traffic: refused
# connects to 7211 (rt-alpha, in a cgroup, uid 0) and 7212 (rt-beta, uid
# 65534), and a server on 7300 resetting its client (reset_sent, reset_received).
traffic() {
	local ns=$1
	run_in_cgroup "$CGTOP/alpha" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 \
		--name rt-alpha >/dev/null 2>&1
	ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$RSTGEN" connect --port 7212 --count 3 --name rt-beta >/dev/null 2>&1
	ip netns exec "$ns" "$RSTGEN" serve --port 7300 --count 1 --close linger --name rt-srv \
		>"$WORK/srv.$ns" 2>&1 &
	BG_PIDS+=($!)
	wait_for_line "$WORK/srv.$ns" ready
	ip netns exec "$ns" "$RSTGEN" client --port 7300 --count 1 --name rt-cli >/dev/null 2>&1
	wait "${BG_PIDS[-1]}"
}

# filtered NAME "KEY=VALUE..." COUNT ARGS...: COUNT records kept, all
# matching.  @NS in ARGS is the traced namespace's name, in KEY=VALUE its inode.
filtered() {
	local name=$1 match=$2 expected=$3 ns nsino other
	shift 3
	begin "filter_$name"
	ns=$(make_netns "f-$name") || abort "cannot create netns"
	other=$(make_netns "fo-$name") || abort "cannot create netns"
	nsino=$(netns_inode "$ns")
	start_rstsnoop "f-$name" --json "${@//@NS/$ns}" || abort "rstsnoop did not start"
	traffic "$ns"
	traffic "$other" # a namespace of its own: only --netns drops it
	stop_rstsnoop
	want "records kept" "$($QUERY "$WORK/f-$name.out" count)" "$expected"
	# shellcheck disable=SC2086
	want "all match" "$($QUERY "$WORK/f-$name.out" count netns="$nsino" ${match//@NS/$nsino})" \
		"$expected"
	finish
}
filtered netns_name "" 7 --netns @NS
filtered uid "uid=65534 comm=rt-beta" 3 --uid 65534 --netns @NS
filtered cgroup "cgroup=$CGTOP/alpha comm=rt-alpha" 2 --cgroup "$CGTOP/alpha" --netns @NS
filtered cgroup_under_mount "comm=rt-alpha" 2 --cgroup "$CGROOT$CGTOP/" --netns @NS
filtered port_list "event=handshake_failed" 5 -P 7211,7212 --netns @NS
filtered rport "rport=7212" 3 --rport 7212 --netns @NS
filtered lport "event=reset_sent lport=7300" 1 --lport 7300 --netns @NS
filtered event "event=reset_received" 1 --event reset_received --netns @NS
filtered events "rport=7300" 1 --event reset_received,reset_sent --rport 7300 --netns @NS

# A prober refused twice a second, run three times one after the other in
# one cgroup: one row per interval, about 2/s, covering the runs' pids; the
# kernel's AttemptFails of the namespace equal rstsnoop's count, interval by
# interval.
begin summary_by_program
ns=$(make_netns sum) || abort "cannot create netns"
nsino=$(netns_inode "$ns")
fails_before=$(snmp AttemptFails "$ns")
start_rstsnoop sum --json -s 2 --top 5 --netns "$ns" || abort "rstsnoop did not start"
for run in 1 2 3; do
	run_in_cgroup "$CGTOP/prober" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 5 \
		--interval-ms 500 --name rt-probe >>"$WORK/probe" 2>&1
done
stop_rstsnoop
fails_after=$(snmp AttemptFails "$ns")
want "the kernel counted the attempts" "$((fails_after - fails_before))" 15
want "summary" "$(python3 -c '
import json, sys
ivs = [json.loads(l) for l in open(sys.argv[1])]
ns, cg = int(sys.argv[2]), sys.argv[3]
total = pids = kernel = own = 0
for iv in ivs:
    rows = [g for g in iv["groups"] if g["comm"] == "rt-probe"]
    assert len(rows) <= 1, ("one row per interval", rows)
    assert all(g["cgroup"] == cg and g["cmdline"].endswith("--name rt-probe") for g in rows), rows
    mine = [n for n in iv["netns"] if n["netns"] == ns]
    assert len(mine) == 1 and mine[0]["kernel"] is not None, iv["netns"]
    # the counters are read just after the interval ends (about a
    # millisecond): an attempt in between can count in the next one
    assert abs(mine[0]["kernel"]["AttemptFails"] - mine[0]["rstsnoop"]["AttemptFails"]) <= 1, mine
    kernel += mine[0]["kernel"]["AttemptFails"]
    own += mine[0]["rstsnoop"]["AttemptFails"]
    for g in rows:
        total += g["count"]
        pids = max(pids, g["pids"])
        if not iv["partial"] and iv is not ivs[0]:
            assert 1.0 <= g["rate_per_s"] <= 3.0, ("about 2/s", g)
assert pids >= 2, ("one row covers separate runs", pids)
assert kernel == own, ("kernel and rstsnoop over the run", kernel, own)
print(total)' "$WORK/sum.out" "$nsino" "$CGTOP/prober")" 15
finish
