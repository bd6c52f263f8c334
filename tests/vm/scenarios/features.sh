#!/bin/sh
# What rstsnoop --features says must match the kernel's own tracepoint
# format files: 6.10+ sees closed-port RSTs in tcp_send_reset, 5.17+ in
# skb:kfree_skb's drop reason, 5.10 only in the client's own failure.
. "$SCENARIO_LIB"

rstsnoop --features >"$T/features" 2>&1
cat "$T/features"
new=$(grep -c '^tcp_send_reset layout: 6.10+' "$T/features")
reasons=$(grep -c '^reset reasons: yes' "$T/features")
case $CLOSED in
send_reset) want_new=1 want_closed='tcp:tcp_send_reset' ;;
kfree_skb) want_new=0 want_closed='skb:kfree_skb (drop reason NO_SOCKET)' ;;
none) want_new=0 want_closed='local connects only (client side)' ;;
esac
# the build's architecture against the machine's own name for it
case $(uname -m) in
aarch64) want_arch=arm64 ;;
x86_64) want_arch=x86 ;;
*) want_arch="not built: $(uname -m)" ;;
esac
expect features.architecture "architecture" "$(sed -n 's/^architecture: \([a-z0-9]*\) .*/\1/p' "$T/features")" \
	"$want_arch"
expect features.layout "layout 6.10+" "$new" $want_new
expect features.reasons "reset reasons" "$reasons" $want_new
expect features.closed_port "closed-port source" \
	"$(sed -n 's/^closed-port RSTs: //p' "$T/features")" "$want_closed"
# the iterator reads kernel memory through helpers, which
# lockdown=confidentiality refuses: /proc seeding stands in there
if grep -Eq '(^| )lockdown=confidentiality( |$)' /proc/cmdline; then
	want_seeding=procfs
else
	want_seeding=bpf-iterator
fi
expect features.seeding "seeding method" "$(sed -n 's/^seeding: \([a-z-]*\).*/\1/p' "$T/features")" \
	$want_seeding

# Which programs the kernel takes: BTF-typed ones need tp_btf and
# bpf_get_socket_cookie() from tracing programs (Linux 5.12); before, the
# classic tracepoint programs.  The oracle is the kernel's own version.
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -gt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -ge 12 ]; }; then
	want_programs='BTF-typed (tp_btf), direct loads'
else
	want_programs='classic tracepoints, bpf_probe_read_kernel'
fi
expect features.programs "programs chosen" "$(sed -n 's/^programs: //p' "$T/features")" \
	"$want_programs"
if ! grep -Eq '(^| )lockdown=confidentiality( |$)' /proc/cmdline; then
	rstsnoop --features --programs classic >"$T/features.classic" 2>&1
	expect features.programs_forced "programs with --programs classic" \
		"$(sed -n 's/^programs: //p' "$T/features.classic")" 'classic tracepoints, bpf_probe_read_kernel'
fi
