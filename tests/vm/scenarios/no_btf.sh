#!/bin/sh
# A kernel without BTF: one line naming it, exit status 1.  Only in a VM,
# where hiding /sys/kernel/btf touches nobody else.
. "$SCENARIO_LIB"

if [ "${RSTSNOOP_VM:-0}" != 1 ]; then
	skip no_btf "tested on the host by tests/integration/test_cli.sh"
	exit 0
fi
mount -t tmpfs none /sys/kernel/btf
rstsnoop >"$T/nobtf.out" 2>"$T/nobtf.err"
rc=$?
umount /sys/kernel/btf
expect no_btf.status "exit status" $rc 1
expect no_btf.message "message" "$(grep -c 'no BTF.*Linux 5.8' "$T/nobtf.err")" 1
