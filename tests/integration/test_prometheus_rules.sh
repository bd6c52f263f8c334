#!/bin/bash
# dist/prometheus/rules.yml checked and unit-tested by Prometheus's own
# promtool: every alert fires on its series, and not below its threshold
# (tests/integration/prometheus_rules_test.yml).
. "$(dirname "$0")/../lib.sh"

PROMTOOL=${PROMTOOL:-$TOP/.cache/tools/promtool}

begin "prometheus_rules_promtool"
if [ ! -x "$PROMTOOL" ]; then
	skip_scenario "promtool not in .cache/tools (scripts/setup.sh --test)"
else
	"$PROMTOOL" check rules "$TOP/dist/prometheus/rules.yml" >"$WORK/check" 2>&1
	rc=$?
	want "promtool check rules ($(tail -n 2 "$WORK/check" | tr '\n' ' '))" $rc 0
	want "rules found" "$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' "$WORK/check")" 7
	"$PROMTOOL" test rules "$TOP/tests/integration/prometheus_rules_test.yml" >"$WORK/test" 2>&1
	rc=$?
	want "promtool test rules ($(grep -m 3 -E 'FAILED|alertname|Error|error' "$WORK/test" | tr -s ' \n' ' '))" $rc 0
	# every alert of the file has a test of its own
	for alert in $(sed -n 's/^ *- alert: //p' "$TOP/dist/prometheus/rules.yml"); do
		want_true "a test of $alert" grep -q "alertname: $alert\$" "$TOP/tests/integration/prometheus_rules_test.yml"
	done
fi
finish
