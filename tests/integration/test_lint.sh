#!/bin/bash
# The suite's own shell: no check whose `$?` is the status of a label's
# command substitution instead of the command under test (it cannot fail).
. "$(dirname "$0")/../lib.sh"

begin "lint_status_after_substitution"
mapfile -t files < <(git -C "$TOP" ls-files '*.sh' .ci/run | sed "s|^|$TOP/|")
if [ "${#files[@]}" -eq 0 ]; then
	abort "git ls-files found no shell files in $TOP"
else
	python3 "$TOP/tests/tools/lint_status.py" "${files[@]}" >"$WORK/lint.out" 2>&1
	rc=$?
	want "lint_status.py exit status ($(head -c 400 "$WORK/lint.out"))" $rc 0
fi
finish
