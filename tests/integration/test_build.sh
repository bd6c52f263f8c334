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
