#!/bin/sh
# Hardening on this kernel: the privileges rstsnoop keeps once tracing
# (CAP_BPF alone where the kernel gates bpf() on fds it holds, else none),
# and kernel lockdown: under lockdown=confidentiality the classic programs
# name it in one line and exit 1 while the BTF-typed ones trace; under
# lockdown=integrity both work.  The oracles: the
# kernel command line the matrix booted, the kernel's /proc/PID/status,
# and the kernel's own Tcp counters.
. "$SCENARIO_LIB"
# --user: rstsnoop writes its ready file after switching users, into a
# folder that user can reach (the scratch folder's parents may be 0700)
READY_DIR=$(mktemp -d /tmp/rstsnoop-ready.XXXXXX) && chmod 1777 "$READY_DIR" || exit 1
trap 'common_cleanup; rm -rf "$READY_DIR"' EXIT

lockdown=$(sed -n 's/.*\blockdown=\([a-z]*\).*/\1/p' /proc/cmdline)
status_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# Under confidentiality the classic programs cannot run: asked for, they
# make rstsnoop name the lockdown in one line.  The BTF-typed ones trace
# (the checks below).
if [ "$lockdown" = confidentiality ]; then
	rstsnoop --programs classic -d 5 >"$T/ld.out" 2>"$T/ld.err"
	rc=$?
	echo "hardening: rstsnoop said: $(cat "$T/ld.err")"
	if [ $rc = 1 ] && [ "$(wc -l <"$T/ld.err")" = 1 ] && [ ! -s "$T/ld.out" ] &&
		grep -q '^rstsnoop: the kernel is locked down (lockdown=confidentiality)' "$T/ld.err"; then
		echo "PASS hardening.lockdown_confidentiality_named"
	else
		echo "FAIL hardening.lockdown_confidentiality_named: exit $rc, stderr '$(cat "$T/ld.err")'"
	fi
fi

# Before 5.19 every bpf() command checks bpf_capable() when
# kernel.unprivileged_bpf_disabled is set; from 5.19 (commit c8644cd0efe7)
# only map and program creation do.
want_caps=0000000000000000
major=$(uname -r | cut -d. -f1) minor=$(uname -r | cut -d. -f2)
if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ] &&
	{ [ "$major" -lt 5 ] || { [ "$major" = 5 ] && [ "$minor" -lt 19 ]; }; }; then
	want_caps=0000008000000000 # CAP_BPF
fi

netns=$(netns_ino)
for user in root 4242; do
	name=hardening.privileges_dropped${lockdown:+_lockdown_$lockdown}_as_$user
	args="--json -P 7211"
	[ $user = root ] || args="$args --user $user"
	# shellcheck disable=SC2086
	if ! start_rstsnoop priv-$user $args; then
		echo "FAIL $name: rstsnoop did not start"
		continue
	fi
	eff=$(status_field $RSTSNOOP_PID CapEff) prm=$(status_field $RSTSNOOP_PID CapPrm)
	bnd=$(status_field $RSTSNOOP_PID CapBnd) nnp=$(status_field $RSTSNOOP_PID NoNewPrivs)
	uid=$(status_field $RSTSNOOP_PID Uid)
	af0=$(snmp AttemptFails)
	busybox nc 127.0.0.1 7211 </dev/null >/dev/null 2>&1
	busybox nc 127.0.0.1 7211 </dev/null >/dev/null 2>&1
	af=$(($(snmp AttemptFails) - af0))
	stop_rstsnoop
	rc=$?
	# on the host, other processes may use port 7211 too: count this netns's
	recs=$(count priv-$user netns="$netns" cause=refused)
	[ $user = root ] && want_uid=0 || want_uid=$user
	echo "hardening: as $user: CapEff $eff CapPrm $prm CapBnd $bnd NoNewPrivs $nnp Uid $uid," \
		"AttemptFails +$af, records $recs, exit $rc"
	if [ "$eff" = $want_caps ] && [ "$prm" = $want_caps ] && [ "$bnd" = 0000000000000000 ] &&
		[ "$nnp" = 1 ] && [ "$uid" = $want_uid ] && [ $rc = 0 ] && [ "$af" = 2 ] &&
		[ "$recs" = "$af" ] &&
		! grep '^rstsnoop: ' "$T/priv-$user.err" | grep -vq '^rstsnoop: tracing'; then
		echo "PASS $name"
	else
		echo "FAIL $name: want CapEff/CapPrm $want_caps, Uid $want_uid, $af records, exit 0 and no" \
			"message of rstsnoop's own; stderr: $(grep -v '^rstsnoop: tracing' "$T/priv-$user.err" | head -c 200)"
	fi
done

# Started without CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON are enough for
# loading): where this kernel lacks a type or kfunc the object names,
# libbpf must not walk the modules' BTF, which needs CAP_SYS_ADMIN (seen:
# --programs classic on 6.18 and every set on 6.1 refused to load).  Only
# where kernel.perf_event_paranoid is above 2 (Debian's kernels) may the
# classic tracepoints refuse to attach, and then rstsnoop says so in one
# line; the systemd unit grants CAP_SYS_ADMIN for that.
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
if ! setpriv --help 2>&1 | grep -q -- --bounding-set; then
	# (busybox's setpriv, in the arm64 image, has no --bounding-set)
	echo "SKIP hardening.starts_without_sys_admin: no util-linux setpriv in this image"
else
	printf '#!/bin/sh\nexec setpriv --bounding-set=-sys_admin "%s" "$@"\n' "$RSTSNOOP" >"$T/no_sys_admin"
	chmod +x "$T/no_sys_admin"
	for set in classic auto; do
		name=hardening.starts_without_sys_admin_$set${lockdown:+_lockdown_$lockdown}
		if [ $set = classic ] && [ "$lockdown" = confidentiality ]; then
			continue # named in one line above
		fi
		if ! RSTSNOOP="$T/no_sys_admin" RSTSNOOP_PROGRAMS=$set start_rstsnoop nsa-$set --json -P 7211; then
			wait_rstsnoop
			rc=$?
			echo "hardening: without CAP_SYS_ADMIN ($set), perf_event_paranoid $paranoid: exit $rc," \
				"stderr: $(cat "$T/nsa-$set.err")"
			if [ "$paranoid" -gt 2 ] && [ $rc = 1 ] && [ "$(wc -l <"$T/nsa-$set.err")" = 1 ] &&
				grep -q "^rstsnoop: cannot attach to the tracepoints: kernel.perf_event_paranoid is $paranoid," \
					"$T/nsa-$set.err"; then
				echo "PASS $name (refused to attach, named in one line)"
			else
				echo "FAIL $name: rstsnoop did not start: $(head -c 300 "$T/nsa-$set.err")"
			fi
			continue
		fi
		af0=$(snmp AttemptFails)
		busybox nc 127.0.0.1 7211 </dev/null >/dev/null 2>&1
		af=$(($(snmp AttemptFails) - af0))
		stop_rstsnoop
		rc=$?
		recs=$(count nsa-$set netns="$netns" cause=refused)
		echo "hardening: without CAP_SYS_ADMIN ($set): AttemptFails +$af, records $recs, exit $rc"
		if [ $rc = 0 ] && [ "$af" = 1 ] && [ "$recs" = 1 ]; then
			echo "PASS $name"
		else
			echo "FAIL $name: want 1 record and exit 0; stderr: $(head -c 300 "$T/nsa-$set.err")"
		fi
	done
fi
