# bash completion for rstsnoop(8)                          -*- shell-script -*-
# Plain compgen, so it works with or without the bash-completion package.
_rstsnoop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local opts="--json --pid --comm --uid --port --lport --rport --event --netns --cgroup --top --ipv4 --ipv6 --duration --summary
		--ringbuf-kb --seed --features --no-ttl --probe --programs --ready-file --output --pcap --pcap-max-bytes --host-root --user --metrics-file --metrics-listen
		--metrics-interval --metrics-max-series --quiet --verbose --help --version
		-p -c -P -4 -6 -d -s -q -v -h -V"

	case $prev in
	--seed)
		mapfile -t COMPREPLY < <(compgen -W "auto iter proc none" -- "$cur")
		return ;;
	--event)
		mapfile -t COMPREPLY < <(compgen -W "reset_sent reset_received handshake_failed reset_ignored listen_drop timed_out reset_race" -- "${cur##*,}")
		return ;;
	--netns)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")
		return ;;
	--programs)
		mapfile -t COMPREPLY < <(compgen -W "auto btf classic" -- "$cur")
		return ;;
	-p | --pid)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur")
		return ;;
	--user)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return ;;
	-c | --comm)
		mapfile -t COMPREPLY < <(compgen -W "$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)" -- "$cur")
		return ;;
	--metrics-file | --ready-file | --output | --pcap)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--host-root)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--metrics-listen)
		mapfile -t COMPREPLY < <(compgen -W "127.0.0.1:9947 [::1]:9947" -- "$cur")
		return ;;
	-P | --port | --lport | --rport | --uid | --cgroup | --top | -d | --duration | -s | --summary | --ringbuf-kb | --metrics-interval | \
		--metrics-max-series | --pcap-max-bytes)
		return ;; # a number
	esac
	case $cur in
	--*=*) return ;;
	-*) mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur") ;;
	esac
}
complete -F _rstsnoop rstsnoop
