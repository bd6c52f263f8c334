#!/bin/bash
# Real containers: podman (Debian's, with runc and the cgroupfs manager, as
# ../shared/KERNEL-NOTES.md says this sandbox needs) runs an image made here
# FROM scratch with busybox-static, whose nc connects to a closed port.
# Oracle: the container id podman wrote to --cidfile.  Podman's storage and
# configuration are the test's own (under $WORK), so no host state is used
# or left; never podman's default bridge network: --network none (the
# container's own namespace) or --net=host.
. "$(dirname "$0")/../lib.sh"

BUSYBOX=${BUSYBOX:-/bin/busybox}
IMAGE=localhost/rstsnoop-test-busybox:latest

# The image: busybox-static alone, imported from a tar (no registry, no build
# context): what a fresh machine has after scripts/setup.sh --test.
make_image() {
	podman_config
	mkdir -p "$WORK/rootfs/bin" &&
		cp "$BUSYBOX" "$WORK/rootfs/bin/busybox" &&
		tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" bin &&
		podman_here import "$WORK/rootfs.tar" "$IMAGE" >"$WORK/import.log" 2>&1
}

# refuse_in_container NAME PORT PODMAN-RUN-ARGS...: one refused connect
# from nc in a new container; prints the container's id.
refuse_in_container() {
	local name=$1 port=$2
	shift 2
	rm -f "$WORK/cid.$name"
	# the sleep keeps the cgroup until rstsnoop has named the record's
	podman_here run --rm --cidfile "$WORK/cid.$name" "$@" "$IMAGE" /bin/busybox sh -c \
		"/bin/busybox nc 127.0.0.1 $port </dev/null; echo nc=\$?; /bin/busybox sleep 1" \
		>"$WORK/run.$name" 2>&1
	cat "$WORK/cid.$name" 2>/dev/null
}

if ! command -v podman >/dev/null; then
	skip containers "podman not installed (scripts/setup.sh --test)"
	exit 0
fi
if ! file -b "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
	skip containers "$BUSYBOX is not busybox-static (scripts/setup.sh --test)"
	exit 0
fi
if ! make_image; then
	skip containers "podman cannot import an image here: $(tail -n 2 "$WORK/import.log" | tr '\n' ' ')"
	exit 0
fi

start_rstsnoop pod --json || { fail containers "rstsnoop did not start"; exit 0; }

begin "podman_network_none_container_id"
cid=$(refuse_in_container none 7211 --network none)
want "the container's nc was refused ($(tail -n 2 "$WORK/run.none" | tr '\n' ' '))" \
	"$(grep -c '^nc=1$' "$WORK/run.none")" 1
want_true "podman wrote a container id ($cid)" grep -Eqx '[0-9a-f]{64}' <<<"$cid"
want_true "the record came" wait_until 10 \
	sh -c "[ \"\$('$QUERY' '$WORK/pod.out' count container_id=$cid cause=refused)\" -ge 1 ]"
want "records of that container" "$($QUERY "$WORK/pod.out" count container_id="$cid")" 1
want "its port" "$($QUERY "$WORK/pod.out" values rport container_id="$cid")" 7211
want "its cgroup" "$($QUERY "$WORK/pod.out" values cgroup container_id="$cid")" \
	"/libpod_parent/libpod-$cid"
finish

begin "podman_host_network_container_id"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
before=$(snmp AttemptFails)
cid=$(refuse_in_container host "$port" --net=host)
want "the container's nc was refused ($(tail -n 2 "$WORK/run.host" | tr '\n' ' '))" \
	"$(grep -c '^nc=1$' "$WORK/run.host")" 1
want_true "the host's AttemptFails grew" [ "$(snmp AttemptFails)" -gt "$before" ]
want_true "the record came" wait_until 10 \
	sh -c "[ \"\$('$QUERY' '$WORK/pod.out' count container_id=$cid cause=refused)\" -ge 1 ]"
want "records of that container" "$($QUERY "$WORK/pod.out" count container_id="$cid")" 1
want "its port" "$($QUERY "$WORK/pod.out" values rport container_id="$cid")" "$port"
finish

stop_rstsnoop
podman_here rmi -f "$IMAGE" >/dev/null 2>&1
# vfs layers are plain files, some root-only: the harness's rm -rf removes them
