#!/bin/bash
# The container image (`make image`, Containerfile) run by a real podman
# (Debian's, runc and the cgroupfs manager, as test_containers.sh), seeing a
# refusal that the test's own rstgen makes on the host.  Oracles: rstgen's
# pid (its tally line), the host's Tcp AttemptFails, /proc of the pid the
# ready file names, an HTTP scrape by curl.  Two set-ups, both measured:
#   privileged    --privileged --pid=host --network=host, no mount at all
#   unit_caps     only dist/rstsnoop.service's capabilities, as the
#                 DaemonSet in dist/kubernetes/ runs it: seccomp unconfined,
#                 tracefs bind-mounted
# The image is built into the test's own podman storage (under $WORK).
. "$(dirname "$0")/../lib.sh"

IMAGE=localhost/rstsnoop-test:dev
# the systemd unit's capabilities, which the DaemonSet grants too
UNIT_CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/dist/rstsnoop.service" | tr ' ' ,)

# Builds the image with `make image`, through a podman on the test's storage.
build_image() {
	podman_config
	cat >"$WORK/podman-here.sh" <<WRAP
#!/bin/sh
CONTAINERS_CONF=$WORK/containers.conf exec podman --root $WORK/podman/root --runroot $WORK/podman/run --storage-driver vfs "\$@"
WRAP
	chmod +x "$WORK/podman-here.sh"
	make -C "$TOP" -s image OUT="$OUT" PODMAN="$WORK/podman-here.sh" \
		IMAGE_NAME=localhost/rstsnoop-test IMAGE_TAG=dev >"$WORK/image.log" 2>&1
}

# run_image NAME PODMAN-RUN-ARGS... -- RSTSNOOP-ARGS...: the image in the
# background as container NAME, stdout/stderr in $WORK/NAME.out/.err; the
# ready file is in $WORK/NAME.ready/ (a bind mount, so the test can read it).
run_image() {
	local name=$1 podman_args=()
	shift
	while [ "$1" != -- ]; do podman_args+=("$1"); shift; done
	shift
	mkdir -p "$WORK/$name.ready"
	podman_here run --rm --name "$name" "${podman_args[@]}" \
		-v "$WORK/$name.ready:/run/rstsnoop-test" "$IMAGE" \
		--ready-file /run/rstsnoop-test/ready "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	CONTAINER_PODMAN_PID=$!
	kill_at_exit "$CONTAINER_PODMAN_PID"
	wait_until 60 sh -c "[ -s '$WORK/$name.ready/ready' ] || ! kill -0 $CONTAINER_PODMAN_PID 2>/dev/null"
	[ -s "$WORK/$name.ready/ready" ]
}

# stop_image NAME: SIGINT to rstsnoop in it; its exit status.
stop_image() {
	sleep 0.2
	podman_here kill --signal INT "$1" >/dev/null 2>&1
	wait "$CONTAINER_PODMAN_PID"
}

# refusals_seen NAME PORT PID COUNT: the container's records show COUNT
# refused connects of PID to PORT, and its ready file named rstsnoop.
refusals_seen() {
	local name=$1 port=$2 pid=$3 count=$4 ready_pid
	want_true "the record came ($(head -c 200 "$WORK/$name.err"))" wait_until 10 \
		sh -c "[ \"\$('$QUERY' '$WORK/$name.out' count pid=$pid cause=refused)\" -ge $count ]"
	want "records of rstgen's pid $pid" "$($QUERY "$WORK/$name.out" count pid="$pid")" "$count"
	want "their port" "$($QUERY "$WORK/$name.out" values rport pid="$pid" | sort -u)" "$port"
	want "their comm" "$($QUERY "$WORK/$name.out" values comm pid="$pid" | sort -u)" rt-image
}

if ! command -v podman >/dev/null; then
	skip image "podman not installed (scripts/setup.sh --test)"
	exit 0
fi
if ! build_image; then
	skip image "make image failed here: $(tail -n 3 "$WORK/image.log" | tr '\n' ' ')"
	exit 0
fi

begin "image_privileged_host_refusal"
port=$(free_port)
if run_image priv --privileged --pid=host --network=host -- --json; then
	ready_pid=$(cat "$WORK/priv.ready/ready")
	# --pid=host: the pid it wrote is the host's, and it is rstsnoop's
	want "the ready file names rstsnoop (pid $ready_pid)" "$(cat "/proc/$ready_pid/comm" 2>/dev/null)" rstsnoop
	before=$(snmp AttemptFails)
	"$RSTGEN" connect --port "$port" --count 3 --name rt-image >"$WORK/gen.priv" 2>&1
	want_true "the host's AttemptFails grew by 3 or more" [ $(($(snmp AttemptFails) - before)) -ge 3 ]
	refusals_seen priv "$port" "$(gen_value "$WORK/gen.priv" pid)" 3
	stop_image priv
	want "rstsnoop's exit status in the container" $? 0
else
	abort "rstsnoop in the image did not start: $(head -c 300 "$WORK/priv.err")"
fi
finish

begin "image_unit_capabilities_probe_and_metrics"
port=$(free_port)
mport=$(free_port)
if run_image caps --cap-drop=all --cap-add="$UNIT_CAPS" --security-opt seccomp=unconfined \
	-v /sys/kernel/tracing:/sys/kernel/tracing:ro --pid=host --network=host -- \
	--json --metrics-listen "127.0.0.1:$mport" --metrics-interval 1; then
	want "CapEff of rstsnoop once tracing (none left)" \
		"$(awk '$1 == "CapEff:" { print $2 }' "/proc/$(cat "$WORK/caps.ready/ready")/status")" 0000000000000000
	# the DaemonSet's readinessProbe, in the image itself: /bin/test -f
	podman_here exec caps /bin/test -f /run/rstsnoop-test/ready
	want "the probe command passes once ready" $? 0
	podman_here exec caps /bin/test -f /run/rstsnoop-test/absent
	want "the probe command fails on a missing file" $? 1
	"$RSTGEN" connect --port "$port" --count 2 --name rt-image >"$WORK/gen.caps" 2>&1
	refusals_seen caps "$port" "$(gen_value "$WORK/gen.caps" pid)" 2
	want_true "the metrics port answers with the refusals" wait_until 10 sh -c \
		"curl -s -m 2 http://127.0.0.1:$mport/metrics | grep -q '^rstsnoop_events_total{.*comm=\"rt-image\",port=\"$port\",[^}]*} 2\$'"
	stop_image caps
	want "rstsnoop's exit status in the container" $? 0
else
	abort "rstsnoop in the image did not start with the unit's capabilities: $(head -c 300 "$WORK/caps.err")"
fi
finish

podman_here rmi -f "$IMAGE" >/dev/null 2>&1
