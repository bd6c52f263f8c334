#!/bin/bash
# Metrics mode: the file and the HTTP endpoint, checked by promtool (the
# Prometheus project's own parser) and against the kernel's counters.
. "$(dirname "$0")/../lib.sh"

# refuse_ports NS COMM FIRST END: as COMM, one refused connect to each
# port in [FIRST, END) of NS's loopback.
refuse_ports() {
	ip netns exec "$1" python3 -c '
import socket, sys
open("/proc/self/comm", "w").write(sys.argv[1])
for port in range(int(sys.argv[2]), int(sys.argv[3])):
    s = socket.socket()
    try: s.connect(("127.0.0.1", port))
    except OSError: pass
    s.close()' "$2" "$3" "$4"
}

PROMTOOL=${PROMTOOL:-$TOP/.cache/tools/promtool}
PROM="python3 $TOP/tests/integration/prom.py"
HOSTILE=$'\e[31m"q\\\n\t\xff\x01z'

have_promtool() {
	[ -x "$PROMTOOL" ] || { skip_scenario "promtool not in .cache/tools (scripts/setup.sh --test)"; return 1; }
}

# Waits (up to 20 s) until METRIC{LABELS} in FILE sums to WANT.
wait_for_value() {
	local file=$1 want=$2
	shift 2
	for _ in $(seq 400); do
		[ "$($PROM "$file" sum "$@" 2>/dev/null)" = "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

begin "metrics_file_promtool_and_kernel_counters"
if have_promtool; then
	ns=$(make_netns mfile)
	before=$(snmp AttemptFails "$ns")
	start_rstsnoop mfile -q --metrics-file "$WORK/m.prom" --metrics-interval 1 ||
		abort "rstsnoop did not start"
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 5 --name rt-metrics >"$WORK/gen" 2>&1
	ip netns exec "$ns" "$RSTGEN" connect --port 7212 --count 2 --name "$HOSTILE" >>"$WORK/gen" 2>&1
	sent=$(($(snmp AttemptFails "$ns") - before))
	want "kernel AttemptFails" "$sent" 7
	want_true "the file shows the 5 refusals" wait_for_value "$WORK/m.prom" 5 \
		rstsnoop_events_total event=handshake_failed cause=refused comm=rt-metrics port=7211
	cp "$WORK/m.prom" "$WORK/m.snapshot"
	want_true "promtool accepts the file: $("$PROMTOOL" check metrics <"$WORK/m.snapshot" 2>&1 | head -c 300)" \
		sh -c "'$PROMTOOL' check metrics <'$WORK/m.snapshot'"
	# the label reads as the table's escaped text, whatever the bytes
	want_true "the hostile name's 2 refusals, escaped" wait_for_value "$WORK/m.prom" 2 \
		rstsnoop_events_total port=7212 'comm=\x1b[31m"q\\\x0a\x09\xff\x01z'
	# where the kernel shows closed-port RSTs at all (6.10+, or drop reasons)
	if "$RSTSNOOP" --features 2>/dev/null | grep -Eq '^closed-port RSTs: (tcp|skb):'; then
		want "rst_origin and reason of the refusals" "$($PROM "$WORK/m.prom" sum rstsnoop_events_total \
			comm=rt-metrics rst_origin=local_stack)" 5
	fi
	want "file mode" "$(stat -c %a "$WORK/m.prom")" 644
	want "no temporary file left" "$(find "$WORK" -name 'm.prom.*' | wc -l)" 0
	stop_rstsnoop
	want "exit status" $? 0
	want "--quiet printed no record" "$(wc -c <"$WORK/mfile.out")" 0
	want "records_total after exit matches the events" \
		"$($PROM "$WORK/m.prom" sum rstsnoop_records_total)" "$($PROM "$WORK/m.prom" sum rstsnoop_events_total)"
	want "no lost records" "$($PROM "$WORK/m.prom" sum rstsnoop_lost_records_total)" 0
	want "owner table capacity" "$($PROM "$WORK/m.prom" sum rstsnoop_map_capacity map=socks)" 65536
fi
finish

begin "metrics_http_promtool"
if have_promtool; then
	ns=$(make_netns mhttp)
	port=$(free_port)
	# a port alone listens on 127.0.0.1, and records still go to stdout
	start_rstsnoop mhttp --json --metrics-listen "$port" --metrics-interval 1 ||
		abort "rstsnoop did not start"
	want_true "listens on 127.0.0.1:$port only" sh -c "ss -Hltn 'sport = :$port' | awk '{print \$4}' |
		grep -qx '127.0.0.1:$port'"
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-http >"$WORK/gen" 2>&1
	for _ in $(seq 200); do
		curl -sf "http://127.0.0.1:$port/metrics" >"$WORK/scrape" 2>/dev/null &&
			[ "$($PROM "$WORK/scrape" sum rstsnoop_events_total comm=rt-http port=7211)" = 3 ] && break
		sleep 0.05
	done
	want "scraped count" "$($PROM "$WORK/scrape" sum rstsnoop_events_total comm=rt-http port=7211)" 3
	want_true "promtool accepts the scrape: $("$PROMTOOL" check metrics <"$WORK/scrape" 2>&1 | head -c 300)" \
		sh -c "'$PROMTOOL' check metrics <'$WORK/scrape'"
	want "content type" "$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/metrics")" \
		"text/plain; version=0.0.4; charset=utf-8"
	want "another path" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" 404
	want "POST" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/metrics")" 405
	stop_rstsnoop
	want "exit status" $? 0
	want "records also on stdout" "$($QUERY "$WORK/mhttp.out" count comm=rt-http)" 3
fi
finish

HOSTILE_HTTP="python3 $TOP/tests/integration/hostile_http.py"

# scrape PORT OUT: one scrape, at most 5 s; prints "CODE SECONDS"
scrape() {
	curl -s -o "$2" -w '%{http_code} %{time_total}' --max-time 5 "http://127.0.0.1:$1/metrics"
}

# 200 clients hold connections with half a request each, and open new ones
# as fast as the server closes them, while a refused storm runs: scrapes
# are still answered at once, and tracing loses nothing.
begin "metrics_http_hostile_holders_and_storm"
ns=$(make_netns mhold)
port=$(free_port)
start_rstsnoop mhold --json --netns "$ns" --metrics-listen "$port" --metrics-interval 1 ||
	abort "rstsnoop did not start"
$HOSTILE_HTTP hold "$port" 200 </dev/null >"$WORK/holders" 2>&1 &
holders=$!
BG_PIDS+=($holders)
wait_for_line "$WORK/holders" '^ready 200$' 10 || abort "the holders did not start: $(cat "$WORK/holders")"
before=$(snmp AttemptFails "$ns")
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 3 --name rt-hostile >"$WORK/storm" 2>&1 &
storm=$!
slowest=0 codes=""
for _ in 1 2 3 4 5 6; do
	read -r code secs <<<"$(scrape "$port" "$WORK/hscrape")"
	codes="$codes$code "
	slowest=$(python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2])))' "$slowest" "${secs:-9}")
	sleep 0.3
done
wait "$storm"
want "scrapes during the storm and the holders" "$codes" "200 200 200 200 200 200 "
want_true "every scrape within 1 s (slowest ${slowest}s)" \
	python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= 1.0)' "$slowest"
sent=$(($(snmp AttemptFails "$ns") - before))
want_true "the storm made refusals ($sent)" [ "$sent" -gt 100 ]
for _ in $(seq 100); do
	scrape "$port" "$WORK/hscrape" >/dev/null
	[ "$($PROM "$WORK/hscrape" sum rstsnoop_events_total comm=rt-hostile 2>/dev/null)" = "$sent" ] && break
	sleep 0.1
done
want "scraped refusals = kernel AttemptFails" \
	"$($PROM "$WORK/hscrape" sum rstsnoop_events_total comm=rt-hostile)" "$sent"
want "lost records" "$($PROM "$WORK/hscrape" sum rstsnoop_lost_records_total)" 0
kill -TERM "$holders"
wait "$holders"
closed=$(sed -n 's/^closed //p' "$WORK/holders")
want_true "the server closed held connections ($closed)" [ "${closed:-0}" -gt 0 ]
stop_rstsnoop
want "exit status" $? 0
want "records = kernel AttemptFails" "$($QUERY "$WORK/mhold.out" count comm=rt-hostile)" "$sent"
finish

# A half-sent request is closed at its deadline (2 s after the accept),
# also when it keeps dripping a byte at a time.
begin "metrics_http_request_deadline"
port=$(free_port)
start_rstsnoop mdead -q --metrics-listen "$port" || abort "rstsnoop did not start"
for how in idle drip; do
	secs=$($HOSTILE_HTTP closed-after "$port" "$how")
	want_true "a $how half request closed after 1.5-3.5 s (got $secs)" \
		python3 -c 'import sys; sys.exit(sys.argv[1] == "open" or not 1.5 <= float(sys.argv[1]) <= 3.5)' "$secs"
done
stop_rstsnoop
want "exit status" $? 0
finish

# Malformed requests each get their error status, and then the endpoint
# and the tracing still work.
begin "metrics_http_malformed_requests"
ns=$(make_netns mbad)
port=$(free_port)
start_rstsnoop mbad --json --netns "$ns" --metrics-listen "$port" --metrics-interval 1 ||
	abort "rstsnoop did not start"
$HOSTILE_HTTP malformed "$port" >"$WORK/malformed" 2>&1
want "the statuses" "$(tr '\n' ' ' <"$WORK/malformed")" "bad-method 405 post-with-body 405 \
other-path 404 http-0.9 400 http-9.9 400 empty-line 400 nul-in-method 400 tls-hello 400 \
binary-garbage 400 huge-header 431 many-headers 431 huge-request-line 431 control-chars-in-path 400 "
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-after >"$WORK/gen" 2>&1
for _ in $(seq 100); do
	scrape "$port" "$WORK/bscrape" >/dev/null
	[ "$($PROM "$WORK/bscrape" sum rstsnoop_events_total comm=rt-after 2>/dev/null)" = 3 ] && break
	sleep 0.1
done
want "scraped after the malformed run" "$($PROM "$WORK/bscrape" sum rstsnoop_events_total comm=rt-after)" 3
want "HEAD: no body" "$(curl -s -I --max-time 5 -o /dev/null -w '%{http_code} %{size_download}' \
	"http://127.0.0.1:$port/metrics")" "200 0"
stop_rstsnoop
want "exit status" $? 0
want "records after the malformed run" "$($QUERY "$WORK/mbad.out" count comm=rt-after)" 3
finish

# node_exporter reads the file whenever it is scraped: it must never see a
# part of it.  A reader loops over the file while rstsnoop rewrites it
# every second; the file is made long (many label sets) so that a write in
# place would be caught half-way.
begin "metrics_file_never_half_written"
ns=$(make_netns mhalf)
start_rstsnoop mhalf -q --metrics-file "$WORK/h.prom" --metrics-interval 1 \
	--metrics-max-series 20000 || abort "rstsnoop did not start"
refuse_ports "$ns" rt-flood 20000 28000
wait_for_value "$WORK/h.prom" 8000 rstsnoop_events_total comm=rt-flood ||
	abort "the 8000 refusals never reached the file"
read_loop=$(python3 - "$WORK/h.prom" "$TOP/tests/integration" <<'EOF'
import os, sys, time
sys.path.insert(0, sys.argv[2])
from prom import complete
path, reads, bad, versions = sys.argv[1], 0, 0, set()
end = time.monotonic() + 4.5
while time.monotonic() < end:
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        data = f.read()
    versions.add((st.st_ino, st.st_mtime_ns))
    reads += 1
    bad += not complete(data)
print(reads, bad, len(versions))
EOF
)
stop_rstsnoop
read -r reads bad versions <<<"$read_loop"
want_true "the file was rewritten while read ($versions versions in $reads reads)" [ "${versions:-0}" -ge 3 ]
want "reads that saw a partial file (of $reads)" "$bad" 0
finish

# A flood of distinct ports cannot grow the label sets past the cap: the
# rest lands in the overflow series, and nothing is lost from the sums.
begin "metrics_label_cap"
if have_promtool; then
	ns=$(make_netns mcap)
	start_rstsnoop mcap -q --metrics-file "$WORK/c.prom" --metrics-interval 1 --metrics-max-series 50 ||
		abort "rstsnoop did not start"
	before=$(snmp AttemptFails "$ns")
	refuse_ports "$ns" rt-cap 3000 3300
	want "kernel AttemptFails" "$(($(snmp AttemptFails "$ns") - before))" 300
	stop_rstsnoop
	want "label sets" "$($PROM "$WORK/c.prom" sum rstsnoop_label_sets)" 50
	# other tests' traffic may take some of the 50: at most 50 real series
	want_true "series at most the cap plus one overflow series per event" \
		[ "$($PROM "$WORK/c.prom" series rstsnoop_events_total)" -le 53 ]
	mine=$($PROM "$WORK/c.prom" sum rstsnoop_events_total comm=rt-cap)
	overflow=$($PROM "$WORK/c.prom" sum rstsnoop_events_total event=handshake_failed comm=_overflow)
	want_true "the 300 refusals: $mine in series, $overflow in the overflow one" [ $((mine + overflow)) -ge 300 ]
	want "overflow counter" "$($PROM "$WORK/c.prom" sum rstsnoop_label_overflow_total)" \
		"$($PROM "$WORK/c.prom" sum rstsnoop_events_total comm=_overflow)"
	want "every record counted once" "$($PROM "$WORK/c.prom" sum rstsnoop_records_total)" \
		"$($PROM "$WORK/c.prom" sum rstsnoop_events_total)"
	want_true "promtool accepts it" sh -c "'$PROMTOOL' check metrics <'$WORK/c.prom'"
fi
finish

begin "metrics_start_errors"
port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("ready", flush=True); time.sleep(30)' \
	"$port" >"$WORK/holder" &
BG_PIDS+=($!)
wait_for_line "$WORK/holder" ready || abort "the port holder did not start"
"$RSTSNOOP" -q --metrics-listen "127.0.0.1:$port" -d 1 >/dev/null 2>"$WORK/taken.err"
want "a taken port: exit status" $? 1
want "a taken port: one line" "$(cat "$WORK/taken.err")" \
	"rstsnoop: cannot listen on 127.0.0.1:$port: Address already in use"
"$RSTSNOOP" -q --metrics-file "$WORK/no/such/dir/m.prom" -d 1 >/dev/null 2>"$WORK/nodir.err"
want "an unwritable file: exit status" $? 1
want_true "an unwritable file: one line naming it ($(cat "$WORK/nodir.err"))" \
	sh -c "[ \$(wc -l <'$WORK/nodir.err') = 1 ] && grep -q 'metrics file .*/no/such/dir/m.prom failed: No such file' '$WORK/nodir.err'"
"$RSTSNOOP" -q >/dev/null 2>"$WORK/q.err"
want "--quiet alone: exit status" $? 2
want "--quiet alone" "$(cat "$WORK/q.err")" \
	"rstsnoop: --quiet without --metrics-file or --metrics-listen would output nothing (see --help)"
"$RSTSNOOP" --metrics-listen 127.0.0.1:http >/dev/null 2>"$WORK/addr.err"
want "a bad address: exit status" $? 2
finish
