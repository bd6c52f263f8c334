# shellcheck shell=bash
# Shared by boot.sh and run-host.sh (bash; sourced, not run).

END_MARKER_RE='@@RSTSNOOP-VM-END status=\([0-9]*\)@@'

# run_logged LOG CMD...
# Runs CMD with stdin from /dev/null and stdout+stderr merged, removes
# carriage returns and terminal escapes, and copies the text to our stdout
# and to LOG. A TERM or INT sent to the caller stops CMD too. Sets RUN_RC
# (CMD's exit status, 130 when interrupted) and RUN_SECS (wall time).
run_logged() {
	local log=$1 fifo cpid fpid start interrupted=0
	shift
	fifo=$(mktemp -u "${TMPDIR:-/tmp}/vmconsole.XXXXXX")
	mkfifo "$fifo" || return 1
	start=$(date +%s.%N)
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' \
		-e 's/\x1b[()][0-9A-Za-z]//g' -e 's/\x1bc//g' <"$fifo" | tee "$log" &
	fpid=$!
	"$@" </dev/null >"$fifo" 2>&1 &
	cpid=$!
	trap "interrupted=1; kill -TERM $cpid 2>/dev/null" TERM INT
	wait "$cpid"
	RUN_RC=$?
	if [ "$interrupted" = 1 ]; then
		wait "$cpid" 2>/dev/null
		RUN_RC=130
	fi
	wait "$fpid"
	trap - TERM INT
	rm -f "$fifo"
	RUN_SECS=$(echo "$start $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
}

# end_status LOG -> prints the status in the last end marker (nothing if none)
end_status() {
	sed -n "s/.*$END_MARKER_RE.*/\\1/p" "$1" | tail -n 1
}

# exit_with_end_status WHO LOG: exit like boot.sh (marker status, 124 timeout, 125 other)
exit_with_end_status() {
	local who=$1 log=$2 status
	status=$(end_status "$log")
	if [ -n "$status" ]; then
		echo "$who: scenario status $status after ${RUN_SECS}s" >&2
		exit "$status"
	elif [ "$RUN_RC" = 124 ] || [ "$RUN_RC" = 137 ]; then
		echo "$who: timed out after ${RUN_SECS}s (VM_TIMEOUT=${VM_TIMEOUT:-300})" >&2
		exit 124
	elif [ "$RUN_RC" = 130 ]; then
		echo "$who: interrupted after ${RUN_SECS}s" >&2
		exit 130
	fi
	echo "$who: no end marker (exit status $RUN_RC) after ${RUN_SECS}s" >&2
	exit 125
}
