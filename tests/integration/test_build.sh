#!/bin/bash
# The build: a flag that changes the binary must change the binary.
. "$(dirname "$0")/../lib.sh"

# `make STATIC=1` right after `make` once kept the dynamic binary, because
# make compares only file times.  Built in a scratch OUT, so build/ stays.
begin "static_after_dynamic_build"
if ! command -v file >/dev/null; then
	skip_scenario "file(1) not installed"
elif ! make -s -C "$TOP" OUT="$WORK/b" "$WORK/b/rstsnoop" >"$WORK/make1.log" 2>&1; then
	abort "make failed: $(tail -n 3 "$WORK/make1.log")"
else
	want_true "first build is dynamic ($(file -b "$WORK/b/rstsnoop" | cut -c1-60))" \
		sh -c "file -b '$WORK/b/rstsnoop' | grep -q 'dynamically linked'"
	make -s -C "$TOP" OUT="$WORK/b" STATIC=1 "$WORK/b/rstsnoop" >"$WORK/make2.log" 2>&1 ||
		abort "make STATIC=1 failed: $(tail -n 3 "$WORK/make2.log")"
	want_true "STATIC=1 rebuilt it static ($(file -b "$WORK/b/rstsnoop" | cut -c1-60))" \
		sh -c "file -b '$WORK/b/rstsnoop' | grep -q 'statically linked'"
	want_true "the static binary runs" sh -c "'$WORK/b/rstsnoop' --version >/dev/null"
fi
finish

# The static binary has the HTTP listener too (it needs no library beyond
# libc), and the metrics file.
begin "static_build_metrics_listener_and_file"
if [ ! -x "$WORK/b/rstsnoop" ] || ! file -b "$WORK/b/rstsnoop" | grep -q 'statically linked'; then
	skip_scenario "no static build (see static_after_dynamic_build)"
else
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$WORK/b/rstsnoop" -q --metrics-listen "127.0.0.1:$port" --metrics-interval 1 -d 4 \
		>/dev/null 2>"$WORK/static-http.err" &
	static_pid=$!
	for _ in $(seq 60); do
		curl -sf --max-time 2 -o "$WORK/static.scrape" "http://127.0.0.1:$port/metrics" 2>/dev/null &&
			grep -q '^rstsnoop_records_total ' "$WORK/static.scrape" && break
		sleep 0.05
	done
	want_true "the static binary serves /metrics ($(tail -n 1 "$WORK/static-http.err"))" \
		grep -q '^rstsnoop_records_total ' "$WORK/static.scrape"
	wait "$static_pid"
	want "the listener run: exit status" $? 0
	"$WORK/b/rstsnoop" -q --metrics-file "$WORK/static.prom" -d 1 >/dev/null 2>"$WORK/static.err"
	rc=$?
	want "the metrics file works: exit status ($(tail -n 1 "$WORK/static.err"))" $rc 0
	want_true "the metrics file was written" grep -q '^rstsnoop_records_total ' "$WORK/static.prom"
fi
finish
