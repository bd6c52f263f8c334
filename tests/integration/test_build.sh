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

# Debian has no static GnuTLS stack for libmicrohttpd: the static binary is
# built without the HTTP listener (HTTP=0) and says so when asked for it,
# while the metrics file works.
begin "static_build_without_http_listener"
if [ ! -x "$WORK/b/rstsnoop" ] || ! file -b "$WORK/b/rstsnoop" | grep -q 'statically linked'; then
	skip_scenario "no static build (see static_after_dynamic_build)"
else
	"$WORK/b/rstsnoop" -q --metrics-listen 127.0.0.1:9947 -d 1 >/dev/null 2>"$WORK/nohttp.err"
	want "exit status" $? 1
	want "one line" "$(cat "$WORK/nohttp.err")" \
		"rstsnoop: --metrics-listen: this rstsnoop was built without the HTTP listener (make HTTP=0); use --metrics-file"
	"$WORK/b/rstsnoop" -q --metrics-file "$WORK/static.prom" -d 1 >/dev/null 2>"$WORK/static.err"
	rc=$?
	want "the metrics file works: exit status ($(tail -n 1 "$WORK/static.err"))" $rc 0
	want_true "the metrics file was written" grep -q '^rstsnoop_records_total ' "$WORK/static.prom"
fi
finish
