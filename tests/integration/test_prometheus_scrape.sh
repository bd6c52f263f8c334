#!/bin/bash
# A real Prometheus server (Debian's, the binary taken out of its package by
# scripts/setup.sh --test into .cache/tools; no service installed) on
# 127.0.0.1 scrapes rstsnoop's --metrics-listen every second, with
# dist/prometheus/rules.yml loaded.  A refused storm of the test's own
# rstgen in a namespace of its own; oracle: that namespace's Tcp
# AttemptFails.  Prometheus's HTTP API must then return the storm's count
# for that program.
. "$(dirname "$0")/../lib.sh"

PROMETHEUS=${PROMETHEUS:-$TOP/.cache/tools/prometheus}
STORM=40

# query EXPR: the value of an instant query's one sample, or "none"
query() {
	curl -s -m 2 -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "none")' 2>/dev/null
}
query_is() { [ "$(query "$1")" = "$2" ]; }

begin "prometheus_server_scrapes_rstsnoop"
if [ ! -x "$PROMETHEUS" ]; then
	skip_scenario "prometheus not in .cache/tools (scripts/setup.sh --test)"
	finish
	exit 0
fi
MPORT=$(free_port)
PPORT=$(free_port)
cat >"$WORK/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP/dist/prometheus/rules.yml
scrape_configs:
  - job_name: rstsnoop
    static_configs:
      - targets: ["127.0.0.1:$MPORT"]
CONF
ns=$(make_netns prom)
start_rstsnoop prom -q --metrics-listen "127.0.0.1:$MPORT" --metrics-interval 1 ||
	abort "rstsnoop did not start"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$WORK/prometheus.log" 2>&1 &
kill_at_exit $!
want_true "the server is ready ($(tail -n 2 "$WORK/prometheus.log" | tr '\n' ' '))" wait_until 30 \
	sh -c "curl -sf -m 1 http://127.0.0.1:$PPORT/-/ready >/dev/null"
want_true "it scrapes rstsnoop: up == 1" wait_until 15 query_is 'up{job="rstsnoop"}' 1
before=$(snmp AttemptFails "$ns")
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count $STORM --name rt-prom >"$WORK/gen" 2>&1
want "the kernel's AttemptFails in the storm's namespace" $(($(snmp AttemptFails "$ns") - before)) $STORM
STORM_QUERY='sum(rstsnoop_events_total{job="rstsnoop",comm="rt-prom",event="handshake_failed",cause="refused",port="7211"})'
# (a scrape a second: the count arrives within a few)
wait_until 15 query_is "$STORM_QUERY" $STORM
want "Prometheus's count of rt-prom's refusals" "$(query "$STORM_QUERY")" $STORM
want "one series for it" "$(query 'count(rstsnoop_events_total{job="rstsnoop",comm="rt-prom"})')" 1
want "no lost records" "$(query 'rstsnoop_lost_records_total{job="rstsnoop"}')" 0
want "the server loaded the rules, all healthy" "$(curl -s -m 2 "http://127.0.0.1:$PPORT/api/v1/rules" | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
print(len(rules), all(r["health"] in ("ok", "unknown") for r in rules))' 2>&1 | tail -n 1)" "7 True"
stop_rstsnoop
want "rstsnoop's exit status" $? 0
finish
