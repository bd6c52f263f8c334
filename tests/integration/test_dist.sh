#!/bin/bash
# What ships beside the binary: the JSON Schema against real output (checked
# by python3-jsonschema), the man page, bash completion, the systemd unit
# (systemd-analyze verify), and `make install`.
. "$(dirname "$0")/../lib.sh"

SCHEMA=$TOP/dist/rstsnoop.schema.json

# validate FILE: every line of FILE is valid under the schema; prints the
# kinds of lines seen ("record:reset_sent", "summary:handshake_failed", ...).
validate() {
	python3 - "$SCHEMA" "$1" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
kinds = set()
for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
    doc = json.loads(line)
    errors = sorted(validator.iter_errors(doc), key=str)
    if errors:
        sys.exit(f"line {n}: {errors[0].message}: {line.strip()[:300]}")
    if "summary" in doc:
        kinds.update("summary:" + g["event"] for g in doc["groups"])
    else:
        kinds.add("record:" + doc["event"])
print(" ".join(sorted(kinds)))
PY
}

begin "json_schema_validates_records_and_summary_rows"
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	skip_scenario "python3-jsonschema not installed (scripts/setup.sh --test)"
else
	ns=$(make_netns schema)
	start_rstsnoop schema --json || abort "rstsnoop did not start"
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 --name rt-schema >"$WORK/gen" 2>&1
	ip netns exec "$ns" "$RSTGEN" serve --port 7300 --close linger --count 1 --name rt-server \
		>"$WORK/serve" 2>&1 &
	BG_PIDS+=($!)
	wait_for_line "$WORK/serve" ready
	ip netns exec "$ns" "$RSTGEN" client --port 7300 --count 1 --name rt-client >"$WORK/client" 2>&1
	stop_rstsnoop
	kinds=$(validate "$WORK/schema.out" 2>&1)
	want "record kinds validated" "$kinds" \
		"record:handshake_failed record:reset_received record:reset_sent"
	start_rstsnoop schema-sum --json -s 1 || abort "rstsnoop did not start"
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-schema >"$WORK/gen" 2>&1
	stop_rstsnoop
	kinds=$(validate "$WORK/schema-sum.out" 2>&1)
	want_true "summary rows validated ($kinds)" sh -c "echo '$kinds' | grep -q 'summary:handshake_failed'"
	# the schema is strict: a key it does not describe fails it
	sed -n 1p "$WORK/schema.out" | sed 's/}$/,"extra":1}/' >"$WORK/extra.json"
	want_true "a key the schema does not describe is refused" sh -c "! validate_out=\$(python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), cls=jsonschema.Draft202012Validator)' \
		'$SCHEMA' '$WORK/extra.json' 2>&1)"
fi
finish

# What the completion offers for the words typed so far, as bash asks it.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rstsnoop; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$TOP/dist/rstsnoop.bash" "$@"
}

# Every option --help lists is in the man page and the completion.
begin "man_page_and_completion_cover_every_option"
options=$("$RSTSNOOP" --help | grep -oE '^ +(-[a-zA-Z0-9], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u)
want_true "options found in --help" [ "$(echo "$options" | wc -l)" -ge 10 ]
# roff escapes hyphens (\-): compare without backslashes
sed 's/\\//g' "$TOP/dist/rstsnoop.8" >"$WORK/man.plain"
for opt in $options; do
	want_true "man page documents $opt" grep -qE -- "^\.B.*$opt([^a-z0-9-]|\$)" "$WORK/man.plain"
	want_true "completion offers $opt" sh -c "echo '$(complete_words rstsnoop "$opt")' | grep -qx -- '$opt'"
done
# every JSON key of the schema is in the man page
for key in $(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["$defs"]
print("\n".join(sorted(set(d["record"]["properties"]) | set(d["summary_interval"]["properties"]) |
                      set(d["summary_group"]["properties"]))))' "$SCHEMA"); do
	want_true "man page documents JSON field $key" grep -qx -- ".B $key" "$WORK/man.plain"
done
finish

begin "man_page_renders_without_warnings"
if ! command -v man >/dev/null; then
	skip_scenario "man-db not installed"
else
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$TOP/dist/rstsnoop.8" >"$WORK/man.txt" 2>"$WORK/man.err"
	want "man exit status" $? 0
	want "warnings" "$(head -c 400 "$WORK/man.err")" ""
	want_true "rendered sections" sh -c "grep -q '^EXIT STATUS' '$WORK/man.txt' && grep -q '^EXAMPLES' '$WORK/man.txt'"
fi
finish

# The completion, driven as bash drives it.
begin "bash_completion"
want_true "--metrics-l completes" sh -c "[ \"\$(echo '$(complete_words rstsnoop --metrics-l)')\" = --metrics-listen ]"
want "--seed values" "$(complete_words rstsnoop --seed '' | sort | tr '\n' ' ')" "auto iter none proc "
want "--programs values" "$(complete_words rstsnoop --programs c)" "classic"
finish

begin "systemd_unit_verifies"
if ! command -v systemd-analyze >/dev/null; then
	skip_scenario "systemd-analyze not installed"
else
	# verify resolves ExecStart: point it at the binary under test
	mkdir -p "$WORK/unit"
	sed "s|^ExecStart=/usr/sbin/rstsnoop|ExecStart=$RSTSNOOP|" "$TOP/dist/rstsnoop.service" \
		>"$WORK/unit/rstsnoop.service"
	systemd-analyze verify --man=no "$WORK/unit/rstsnoop.service" >"$WORK/verify.out" 2>&1
	rc=$?
	want "systemd-analyze verify exit status ($(head -c 300 "$WORK/verify.out"))" $rc 0
	want "systemd-analyze verify output" "$(grep -v 'Failed to connect to bus\|/run/systemd' "$WORK/verify.out" | head -c 300)" ""
	# the options the unit runs are options rstsnoop takes
	args=$(sed -n 's|^ExecStart=/usr/sbin/rstsnoop ||p' "$TOP/dist/rstsnoop.service" | sed 's/\$RSTSNOOP_OPTS//')
	# shellcheck disable=SC2086
	"$RSTSNOOP" $args --help >/dev/null 2>"$WORK/args.err"
	rc=$?
	want "rstsnoop takes the unit's options ($(cat "$WORK/args.err"))" $rc 0
fi
finish

begin "make_install"
dest=$WORK/dest
if ! make -s -C "$TOP" OUT="$OUT" DESTDIR="$dest" PREFIX=/usr install >"$WORK/install.log" 2>&1; then
	abort "make install failed: $(tail -n 3 "$WORK/install.log")"
fi
want_true "binary installed" [ -x "$dest/usr/sbin/rstsnoop" ]
want "binary mode" "$(stat -c %a "$dest/usr/sbin/rstsnoop" 2>/dev/null)" 755
want_true "the installed binary runs" sh -c "'$dest/usr/sbin/rstsnoop' --version >/dev/null"
# what the unit and the man page name is where they say
exec_path=$(sed -n 's|^ExecStart=\([^ ]*\).*|\1|p' "$dest/usr/lib/systemd/system/rstsnoop.service" 2>/dev/null)
want_true "the unit's ExecStart ($exec_path) is installed" [ -n "$exec_path" ] && [ -x "$dest$exec_path" ]
want_true "man page" [ -f "$dest/usr/share/man/man8/rstsnoop.8" ]
want_true "bash completion" [ -f "$dest/usr/share/bash-completion/completions/rstsnoop" ]
want_true "schema" [ -f "$dest/usr/share/rstsnoop/rstsnoop.schema.json" ]
for f in $(grep -ohE '/usr/[a-z/-]+/rstsnoop[a-z.]*' "$dest/usr/share/man/man8/rstsnoop.8" 2>/dev/null | sort -u); do
	want_true "the man page names $f: installed" [ -e "$dest$f" ]
done
want_true "man -l renders the installed page" sh -c "man -l '$dest/usr/share/man/man8/rstsnoop.8' >/dev/null 2>&1"
make -s -C "$TOP" OUT="$OUT" DESTDIR="$dest" PREFIX=/usr uninstall >>"$WORK/install.log" 2>&1
want "uninstall leaves no file" "$(find "$dest" -type f | head -3)" ""
finish
