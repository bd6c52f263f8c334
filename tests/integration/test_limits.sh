#!/bin/bash
# Bounded resources: a tiny ring buffer under load loses records, counts
# them and keeps running; socket entries leave the maps when sockets close.
. "$(dirname "$0")/../lib.sh"

begin "tiny_ringbuf_under_load"
ns=$(make_netns tiny)
# filters run before the lost count: only this test's records can count
start_rstsnoop tiny --json -P 7211 -c rt-tiny --ringbuf-kb 4 || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 2 --name rt-tiny >"$WORK/gen" 2>&1
want_true "still running after the storm" kill -0 "$RSTSNOOP_PID"
stop_rstsnoop
want "exit status" $? 0
attempts=$(gen_value "$WORK/gen" attempts)
lost=$(sed -n 's/^rstsnoop: lost \([0-9]*\) records.*/\1/p' "$WORK/tiny.err")
kept=$($QUERY "$WORK/tiny.out" count)
want_true "lost count reported ($(grep -v tracing "$WORK/tiny.err" | head -c 200))" test -n "$lost"
want_true "some records lost (attempts $attempts, kept $kept)" test "${lost:-0}" -gt 0
want "kept + lost = attempts" $((kept + ${lost:-0})) "$attempts"
finish

# Live entries of the map named $1 whose owner pid is $2, in the running
# rstsnoop (its maps are found through the map ids in its fdinfo).  The
# owner table (socks) is an array of sets of slots: live ones have a key and
# are not marked closed.
entries_of() {
	python3 - "$1" "$2" "$RSTSNOOP_PID" <<'PY'
import glob, json, re, subprocess, sys
name, pid, tracer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ids = set()
for info in glob.glob(f"/proc/{tracer}/fdinfo/*"):
    try:
        m = re.search(r"^map_id:\s*(\d+)", open(info).read(), re.M)
    except OSError:
        continue
    if m:
        ids.add(m.group(1))
for map_id in sorted(ids):
    show = json.loads(subprocess.check_output(["bpftool", "map", "show", "id", map_id, "-j"]))
    if show.get("name") != name:
        continue
    dump = json.loads(subprocess.check_output(["bpftool", "map", "dump", "id", map_id, "-j"]))
    vals = [e.get("formatted", e).get("value", {}) for e in dump]
    vals = [w for v in vals for w in (v["way"] if isinstance(v, dict) and "way" in v else [v])]
    def owner_pid(v):
        if "info" in v:  # an owner slot
            live = v.get("key") and not v["info"].get("closed")
            return v["info"]["owner"]["pid"] if live else None
        return v.get("owner", {}).get("pid")
    print(sum(1 for v in vals if isinstance(v, dict) and owner_pid(v) == pid))
    break
else:
    print("no map")
PY
}

begin "map_entries_removed_on_close"
ns=$(make_netns maps)
start_rstsnoop maps --json || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" serve --port 7500 --close normal --count 200 --name rt-maps-srv \
	>"$WORK/srv" 2>&1 &
spid=$!
wait_for_line "$WORK/srv" ready
want "listener registered while it listens" "$(entries_of listeners $spid)" 1
want "listener in the owner table while it listens" "$(entries_of socks $spid)" 1
ip netns exec "$ns" "$RSTGEN" connect --port 7500 --count 200 --name rt-maps-cli >"$WORK/cli" 2>&1
cpid=$(gen_value "$WORK/cli" pid)
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 200 --name rt-maps-ref >"$WORK/ref" 2>&1
rpid=$(gen_value "$WORK/ref" pid)
wait $spid
sleep 0.2
want "client entries left after 200 connections" "$(entries_of socks $cpid)" 0
want "refused entries left after 200 attempts" "$(entries_of socks $rpid)" 0
want "listener entries left after close" "$(entries_of listeners $spid)" 0
want "server entries left" "$(entries_of socks $spid)" 0
stop_rstsnoop
finish

# A process in NS holding a listener on 127.0.0.1:7520 and HELD connections
# to it, each socket also held by a forked child (shared after fork(): the
# seeding iterator finds each one twice).  Prints "ready" once all are open.
hold_shared_sockets() {
	ip netns exec "$1" python3 -c '
import os, socket, sys
held = int(sys.argv[1])
srv = socket.socket()
srv.bind(("127.0.0.1", 7520))
srv.listen(held + 8)
socks = [socket.create_connection(("127.0.0.1", 7520)) for _ in range(held)]
if os.fork() == 0:
    sys.stdin.read()
    os._exit(0)
print("ready", flush=True)
sys.stdin.read()
' "$2"
}

# Failed map updates are counted per map: a seeds table shrunk to one
# entry makes every further socket the seeding iterator finds fail to go in,
# and the count shows on stderr and in the metrics.  The oracle is the test's
# own socket count: it holds HELD connections and their listener, so at
# least HELD of them found no room.  A table with room fails nothing, though
# each shared socket is offered twice (BPF_NOEXIST's EEXIST, not a failure).
begin "map_update_failures_counted"
HELD=20
ns=$(make_netns mapfail)
mkfifo "$WORK/mapfail.in"
hold_shared_sockets "$ns" "$HELD" <"$WORK/mapfail.in" >"$WORK/mapfail.hold" 2>&1 &
holder=$!
exec {hold_fd}>"$WORK/mapfail.in" # held open: closing it lets the holder go
wait_for_line "$WORK/mapfail.hold" '^ready' || abort "holder: $(head -c 200 "$WORK/mapfail.hold")"
# room for every socket: nothing fails
start_rstsnoop roomy --seed iter --quiet --metrics-file "$WORK/roomy.prom" ||
	abort "rstsnoop did not start"
stop_rstsnoop
want "exit status with room" $? 0
want "failed seeds updates with room (metrics)" \
	"$(sed -n 's/^rstsnoop_map_update_failures_total{map="seeds"} //p' "$WORK/roomy.prom")" 0
want "no failed-update line with room" "$(grep -c 'updates of the kernel-side map' "$WORK/roomy.err")" 0
# one entry: the rest fail
RSTSNOOP_TEST_MAP_ENTRIES=seeds=1 start_rstsnoop tiny_seeds --seed iter --quiet \
	--metrics-file "$WORK/tiny_seeds.prom" || abort "rstsnoop did not start"
stop_rstsnoop
want "exit status with one entry" $? 0
failed=$(sed -n 's/^rstsnoop: \([0-9]*\) updates of the kernel-side map seeds failed.*/\1/p' \
	"$WORK/tiny_seeds.err")
want_true "failed seeds updates reported ($(head -c 300 "$WORK/tiny_seeds.err"))" test -n "$failed"
want_true "at least $HELD failed (got ${failed:-none})" test "${failed:-0}" -ge "$HELD"
want "the metrics' count" \
	"$(sed -n 's/^rstsnoop_map_update_failures_total{map="seeds"} //p' "$WORK/tiny_seeds.prom")" \
	"$failed"
want "the seeding's own count of a full table" \
	"$(sed -n 's/^rstsnoop: \([0-9]*\) sockets that existed at start found the seeds table full.*/\1/p' \
		"$WORK/tiny_seeds.err")" "$failed"
exec {hold_fd}>&-
wait "$holder"
finish
