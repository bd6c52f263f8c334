#!/bin/bash
# Container names from the runtimes' files on the host, end to end: real
# processes in cgroups shaped as containerd, CRI-O and docker name theirs,
# with the runtimes' files in their documented layout under --host-root (a
# fixture tree the test writes; no runtime runs).  Oracles: the names and
# cgroups the test itself wrote.
. "$(dirname "$0")/../lib.sh"

cgroups_init "/rstnames$$"
K8S=1111111111111111111111111111111111111111111111111111111111111111
CRIO=2222222222222222222222222222222222222222222222222222222222222222
DOCKER=3333333333333333333333333333333333333333333333333333333333333333
BARE=4444444444444444444444444444444444444444444444444444444444444444
HOST="$WORK/host"

if [ -z "$CGROOT" ]; then
	skip container_names "no cgroup2 mount on this host"
	exit 0
fi

mkdir -p "$HOST/run/containerd/io.containerd.runtime.v2.task/k8s.io/$K8S" \
	"$HOST/var/lib/containers/storage/overlay-containers/$CRIO/userdata" \
	"$HOST/var/lib/docker/containers/$DOCKER"
cat >"$HOST/run/containerd/io.containerd.runtime.v2.task/k8s.io/$K8S/config.json" <<EOF2
{"ociVersion":"1.1.0","process":{"args":["/bin/web"]},"root":{"path":"rootfs"},
 "annotations":{"io.kubernetes.cri.container-type":"container",
  "io.kubernetes.cri.container-name":"web",
  "io.kubernetes.cri.sandbox-name":"web-7d4b9c-x2x8q",
  "io.kubernetes.cri.sandbox-namespace":"shop"}}
EOF2
# a hostile pod name: an escape sequence, a newline and a quote
cat >"$HOST/var/lib/containers/storage/overlay-containers/$CRIO/userdata/config.json" <<'EOF2'
{"annotations":{"io.kubernetes.pod.name":"\u001b[31mdb\n\"0","io.kubernetes.pod.namespace":"shop",
 "io.kubernetes.container.name":"db"}}
EOF2
echo '{"Name":"/frontend","Config":{"Labels":{}}}' >"$HOST/var/lib/docker/containers/$DOCKER/config.v2.json"

K8S_CG="$CGTOP/kubepods.slice/kubepods-pod1.slice/cri-containerd-$K8S.scope"
CRIO_CG="$CGTOP/kubepods.slice/kubepods-pod2.slice/crio-$CRIO.scope"
DOCKER_CG="$CGTOP/system.slice/docker-$DOCKER.scope"
BARE_CG="$CGTOP/system.slice/docker-$BARE.scope" # no file names it

traffic() {
	local ns=$1
	run_in_cgroup "$K8S_CG" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 2 \
		--name rt-k8s >/dev/null 2>&1
	run_in_cgroup "$CRIO_CG" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 \
		--name rt-crio >/dev/null 2>&1
	run_in_cgroup "$DOCKER_CG" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 \
		--name rt-docker >/dev/null 2>&1
	run_in_cgroup "$BARE_CG" ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 1 \
		--name rt-bare >/dev/null 2>&1
}

begin "container_names_json"
ns=$(make_netns names-json)
start_rstsnoop names-json --json --netns "$ns" --host-root "$HOST" || abort "rstsnoop did not start"
traffic "$ns"
stop_rstsnoop
want "exit status" $? 0
out="$WORK/names-json.out"
want "containerd: pod, namespace, container" \
	"$($QUERY "$out" count comm=rt-k8s container_id=$K8S pod=web-7d4b9c-x2x8q namespace=shop container_name=web)" 2
want "CRI-O: the hostile name decoded back" \
	"$($QUERY "$out" count comm=rt-crio container_id=$CRIO pod=$'\e[31mdb\n"0' namespace=shop container_name=db)" 1
want "docker: its name without the slash" \
	"$($QUERY "$out" count comm=rt-docker container_id=$DOCKER pod=null namespace=null container_name=frontend)" 1
want "no file: the id, no names" \
	"$($QUERY "$out" count comm=rt-bare container_id=$BARE pod=null namespace=null container_name=null)" 1
want_true "valid JSON" $QUERY "$out" valid
# the names as the schema describes them (python3-jsonschema, as test_dist.sh)
if python3 -c 'import jsonschema' 2>/dev/null; then
	want "records under the schema" "$(python3 - "$TOP/dist/rstsnoop.schema.json" "$out" <<'PY'
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
bad = [e.message for l in open(sys.argv[2]) for e in v.iter_errors(json.loads(l))]
print(bad[0] if bad else "ok")
PY
)" ok
fi
finish

begin "container_names_table"
ns=$(make_netns names-text)
start_rstsnoop names-text --netns "$ns" --host-root "$HOST" || abort "rstsnoop did not start"
traffic "$ns"
stop_rstsnoop
want "exit status" $? 0
out="$WORK/names-text.out"
want "containerd's pod in CONTEXT" "$(awk '$3 == "rt-k8s" && $9 == "k8s:shop/web-7d4b9c-x2x+"' "$out" | wc -l)" 2
want "CRI-O's, escaped" "$(awk '$3 == "rt-crio" && $9 == "k8s:shop/\\x1b[31mdb\\x0a+"' "$out" | wc -l)" 1
want "docker's name" "$(awk '$3 == "rt-docker" && $9 == "ctr:frontend"' "$out" | wc -l)" 1
want "no file: the short id" "$(awk '$3 == "rt-bare" && $9 == "ctr:444444444444"' "$out" | wc -l)" 1
want_true "no control bytes in the table" sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$out'"
finish

# Without --host-root the host's own / is read: the fixture's names are not there.
begin "container_names_default_root"
ns=$(make_netns names-root)
start_rstsnoop names-root --json --netns "$ns" || abort "rstsnoop did not start"
traffic "$ns"
stop_rstsnoop
want "no names from the fixture" "$($QUERY "$WORK/names-root.out" count pod=web-7d4b9c-x2x8q)" 0
want "the id still" "$($QUERY "$WORK/names-root.out" count comm=rt-k8s container_id=$K8S)" 2
"$RSTSNOOP" --host-root relative/path >/dev/null 2>&1
want "a relative --host-root: exit status" $? 2
finish

# Metrics: the pod's namespace and name as labels, bounded by --metrics-max-series like every
# label; promtool accepts the exposition.
PROMTOOL=${PROMTOOL:-$TOP/.cache/tools/promtool}
PROM="python3 $TOP/tests/integration/prom.py"
begin "container_names_metrics"
ns=$(make_netns names-prom)
prom="$WORK/names.prom"
start_rstsnoop names-prom -q --netns "$ns" --host-root "$HOST" --metrics-file "$prom" ||
	abort "rstsnoop did not start"
traffic "$ns"
stop_rstsnoop
want "exit status" $? 0
want "the containerd pod's series" \
	"$($PROM "$prom" sum rstsnoop_events_total comm=rt-k8s namespace=shop pod=web-7d4b9c-x2x8q)" 2
want "the hostile pod name as the table escapes it" \
	"$($PROM "$prom" sum rstsnoop_events_total comm=rt-crio namespace=shop 'pod=\x1b[31mdb\x0a"0')" 1
want "docker: no pod" "$($PROM "$prom" sum rstsnoop_events_total comm=rt-docker namespace= pod=)" 1
if [ -x "$PROMTOOL" ]; then
	want_true "promtool accepts it" sh -c "'$PROMTOOL' check metrics <'$prom' >'$WORK/promtool.out' 2>&1"
fi
finish

begin "container_names_metrics_bounded"
ns=$(make_netns names-cap)
prom="$WORK/names-cap.prom"
start_rstsnoop names-cap -q --netns "$ns" --host-root "$HOST" --metrics-file "$prom" \
	--metrics-max-series 2 || abort "rstsnoop did not start"
traffic "$ns"
stop_rstsnoop
want "exit status" $? 0
want "two label sets" "$($PROM "$prom" series rstsnoop_events_total)" 3
# which two groups get the series depends on the kernel side's drain order
over=$($PROM "$prom" sum rstsnoop_events_total namespace=_overflow pod=_overflow)
want_true "the rest in the overflow series ($over)" test "$over" -ge 2
want "every record counted once" "$($PROM "$prom" sum rstsnoop_events_total)" 5
finish
