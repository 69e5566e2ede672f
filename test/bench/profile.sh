#!/usr/bin/env bash
# profile.sh: where a bridge ADD and DEL of ours spend their time and memory, next to the
# reference and the raw-netlink floor. Runs in the same kind of throwaway sandbox as bench.sh
# (unshare --net --mount, tmpfs /run/netns and work dir). Needs perf and strace.
#
#   test/bench/profile.sh                    BIN=<repo>/bin REF=/usr/lib/cni PORTS="0 500"
#                                            RUNS=15 SCALE=1000 (0: no scaling part)
#
# For each PORTS value (ports already on the bridge, made by the floor), it prints:
#   * perf stat medians over RUNS invocations: task-clock, page faults, context switches
#     (ours, reference, floor; ADD and DEL), and cnitime's wall-time median;
#   * ours under strace -f -T: syscall count, rtnetlink requests and the time each took in
#     the kernel (the sendto() that carries it), the time before main() reads stdin;
#   * the RSS of ours per mapping just before it exits (strace delays exit_group).
# Then, in two fresh sandboxes, SCALE pods of ours and of the floor attached one by one, with
# IPv6 as it comes and with IPv6 off everywhere: the mean ADD time per tenth of the pods.
set -euo pipefail

prog=profile.sh
self=$(realpath -e -- "${BASH_SOURCE[0]}")
here=${self%/*}
root=$(realpath -e -- "$here/../..")
die() {
	echo "$prog: $*" >&2
	exit 2
}

inner() {
	local p i ports s
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755,size=16m cniprof-netns /run/netns
	mount -t tmpfs -o mode=0755,size=256m cniprof-data "$T"
	ip link set lo up
	local -a pv
	read -r -a pv <<<"$PORTS"
	"$CNITIME" mkns /run/netns p "$((3 * ${pv[-1]} + 10 * RUNS * ${#pv[@]} + 50))"
	declare -A br=([a]=cnb-a0 [b]=cnb-b0 [f]=cnb-f0) net=([a]=10.91 [b]=10.92 [f]=10.93)
	for s in a b f; do # each side its own bridge, with its gateway address, as the plugins leave it
		ip link add "${br[$s]}" type bridge
		ip addr add "${net[$s]}.0.1/16" dev "${br[$s]}"
		ip link set "${br[$s]}" up
		printf '{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"%s","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"%s.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s/%s"}}\n' \
			"${br[$s]}" "${net[$s]}" "$T" "$s" >"$T/conf-$s.json"
	done
	next=0 # next free pod
	pod() { echo "/run/netns/p-$next"; }
	cni() { # CMD SIDE POD [wrapper...]: one plugin run, output to /dev/null
		local cmd=$1 side=$2 ns=$3 d
		shift 3
		if [ "$side" = a ]; then d=$BIN; else d=$REF; fi
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$cmd" CNI_CONTAINERID="${ns##*/}" \
			CNI_NETNS="$ns" CNI_IFNAME=eth0 CNI_PATH="$d" "$@" "$d/bridge" <"$T/conf-$side.json" >/dev/null
	}
	fip() { echo "$1.$((100 + next / 256)).$((next % 256))/16"; } # clear of host-local's .0.2 up
	floor_add() { "$NLFLOOR" add "${br[$1]}" "vf$next" "$(pod)" eth0 "$(fip "${net[$1]}")" "${net[$1]}.0.1"; }
	nports() { ip -o link show master "$1" | grep -c . || true; }
	median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
	pstat() { # LABEL CMD... (stdin passed on): perf stat one run, append "label event value"
		local label=$1
		shift
		perf stat -x, -e task-clock,page-faults,context-switches -o "$T/pstat.tmp" "$@" >"$T/pstat.out" 2>&1 ||
			die "$label failed: $(head -c 300 "$T/pstat.out")"
		awk -F, -v l="$label" 'NF > 3 { print l, $3, $1 }' "$T/pstat.tmp" >>"$T/pstat"
	}

	for s in a b; do # a first ADD for each, not measured
		cni ADD "$s" "$(pod)" || die "the first $s ADD failed"
		next=$((next + 1))
	done
	for ports in $PORTS; do
		for s in a b f; do # the floor fills every bridge up to PORTS ports
			while [ "$(nports "${br[$s]}")" -lt "$ports" ]; do
				floor_add "$s" || die "nlfloor failed: pod $next, $(fip "${net[$s]}")"
				next=$((next + 1))
			done
		done
		echo "## $(nports cnb-a0) / $(nports cnb-b0) / $(nports cnb-f0) ports on the bridges of ours / ref / floor"
		echo
		: >"$T/pstat"
		local -a added=()
		for ((i = 0; i < RUNS; i++)); do
			pstat "ours-ADD" env -i PATH=/usr/bin:/bin CNI_COMMAND=ADD CNI_CONTAINERID="p$next" CNI_NETNS="$(pod)" \
				CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$T/conf-a.json"
			added+=("a:$next")
			next=$((next + 1))
			pstat "ref-ADD" env -i PATH=/usr/bin:/bin CNI_COMMAND=ADD CNI_CONTAINERID="p$next" CNI_NETNS="$(pod)" \
				CNI_IFNAME=eth0 CNI_PATH="$REF" "$REF/bridge" <"$T/conf-b.json"
			added+=("b:$next")
			next=$((next + 1))
			pstat "floor-ADD" "$NLFLOOR" add cnb-f0 "vf$next" "$(pod)" eth0 "$(fip 10.93)" 10.93.0.1
			added+=("f:$next")
			next=$((next + 1))
		done
		for x in "${added[@]}"; do
			s=${x%%:*} i=${x#*:}
			case $s in
			a) pstat "ours-DEL" env -i PATH=/usr/bin:/bin CNI_COMMAND=DEL CNI_CONTAINERID="p$i" CNI_NETNS="/run/netns/p-$i" \
				CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$T/conf-a.json" ;;
			b) pstat "ref-DEL" env -i PATH=/usr/bin:/bin CNI_COMMAND=DEL CNI_CONTAINERID="p$i" CNI_NETNS="/run/netns/p-$i" \
				CNI_IFNAME=eth0 CNI_PATH="$REF" "$REF/bridge" <"$T/conf-b.json" ;;
			f) pstat "floor-DEL" "$NLFLOOR" del "/run/netns/p-$i" eth0 ;;
			esac
		done
		echo "perf stat, median of $RUNS runs (task-clock ms, page faults, context switches):"
		echo
		echo "| run | task-clock ms | page-faults | context-switches |"
		echo "|---|---:|---:|---:|"
		for s in ours-ADD ref-ADD floor-ADD ours-DEL ref-DEL floor-DEL; do
			printf '| %s | %s | %s | %s |\n' "$s" \
				"$(awk -v l="$s" '$1 == l && $2 == "task-clock" { print $3 }' "$T/pstat" | median)" \
				"$(awk -v l="$s" '$1 == l && $2 == "page-faults" { print $3 }' "$T/pstat" | median)" \
				"$(awk -v l="$s" '$1 == l && $2 == "context-switches" { print $3 }' "$T/pstat" | median)"
		done
		echo

		for cmd in ADD DEL; do
			if [ "$cmd" = ADD ]; then
				i=$next
				next=$((next + 1))
			fi
			cni "$cmd" a "/run/netns/p-$i" strace -f -T -tt -o "$T/st-$cmd" || die "ours $cmd under strace failed"
			echo "ours $cmd under strace -f -T:"
			echo
			echo '```'
			awk -v cmd="$cmd" '
				function secs(t,  a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
				{ d = $NF; gsub(/[<>]/, "", d); n++ }
				n == 1 { t0 = secs($2) }
				/read\(0,/ && !m { m = secs($2) - t0 }
				BEGIN { split("RTM_NEWLINK RTM_DELLINK RTM_GETLINK RTM_SETLINK RTM_NEWADDR RTM_DELADDR RTM_GETADDR - RTM_NEWROUTE RTM_DELROUTE RTM_GETROUTE", nm, " ")
					for (k in nm) name[sprintf("0x%x", 15 + k)] = nm[k] } # strace cannot name them inside another netns
				/sendto\(.*nlmsg_type=/ {
					match($0, /nlmsg_type=[^,]+/); ty = substr($0, RSTART + 11, RLENGTH - 11)
					sub(/ .*/, "", ty); if (ty in name) ty = name[ty] " (pod)"
					nl++; nlt += d; req = req sprintf("  %-14s %7.3f ms\n", ty, d * 1000)
				}
				/^[0-9]+ +[0-9:.]+ \+\+\+ exited/ { end = secs($2) - t0 }
				END {
					printf "%d syscalls; exec to the read of stdin %.3f ms; exit at %.3f ms (strace slows every syscall)\n", n, m * 1000, end * 1000
					printf "%d rtnetlink requests, %.3f ms in the kernel in total:\n%s", nl, nlt * 1000, req
				}' "$T/st-$cmd"
			echo '```'
			echo
		done

		cni ADD a "$(pod)" strace -qq -o /dev/null -e trace=exit_group -e inject=exit_group:delay_enter=1500000 &
		sleep 0.8
		p=$(pgrep -n -f "^$BIN/bridge" || true)
		next=$((next + 1))
		if [ -n "$p" ]; then
			echo "RSS of ours (bridge ADD) just before exit, per mapping:"
			echo
			echo '```'
			grep -E '^(VmHWM|RssAnon|RssFile)' "/proc/$p/status"
			awk '/^[0-9a-f]+-/ { m = (NF >= 6) ? $6 : "[anon]" } /^Rss:/ { r[m] += $2 } END { for (k in r) if (r[k]) printf "%6d kB  %s\n", r[k], k }' \
				"/proc/$p/smaps" | sort -rn
			echo '```'
			echo
		fi
		wait
	done
}

# scale_inner V: SCALE pods of ours and of the floor, interleaved, on two bridges; prints the
# mean ADD time per tenth. V=noipv6 first turns IPv6 off in the host and in every pod, which
# silences the link-local autoconfiguration (MLD reports, DAD) that the bridge floods to all
# of its ports.
scale_inner() {
	local v=$1 i k
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755,size=16m cniprof-netns /run/netns
	mount -t tmpfs -o mode=0755,size=256m cniprof-data "$T"
	ip link set lo up
	"$CNITIME" mkns /run/netns a "$SCALE"
	"$CNITIME" mkns /run/netns f "$SCALE"
	if [ "$v" = noipv6 ]; then
		sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		for ((i = 0; i < SCALE; i++)); do
			for k in a f; do
				nsenter --net="/run/netns/$k-$i" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
					net.ipv6.conf.default.disable_ipv6=1
			done
		done
	fi
	for k in a f; do
		ip link add "cnb-${k}0" type bridge
		ip addr add "10.9$([ $k = a ] && echo 1 || echo 3).0.1/16" dev "cnb-${k}0"
		ip link set "cnb-${k}0" up
	done
	printf '{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"cnb-a0","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.91.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s/a"}}\n' \
		"$T" >"$T/conf-a.json"
	for ((i = 0; i < SCALE; i++)); do
		printf 'ours\tADD\t%d\t%s\t-\tCNI_COMMAND=ADD CNI_CONTAINERID=p%d CNI_NETNS=/run/netns/a-%d CNI_IFNAME=eth0 CNI_PATH=%s\t%s/bridge\n' \
			"$i" "$T/conf-a.json" "$i" "$i" "$BIN" "$BIN"
		k=$((i + 2))
		printf 'floor\tADD\t%d\t-\t-\t-\t%s add cnb-f0 vf%d /run/netns/f-%d eth0 10.93.%d.%d/16 10.93.0.1\n' \
			"$i" "$NLFLOOR" "$i" "$i" $((k / 256)) $((k % 256))
	done >"$T/jobs"
	"$CNITIME" run -e "$T/err" <"$T/jobs" >"$T/res"
	awk -F'\t' -v n="$SCALE" -v v="$v" '
		{ b = int($3 * 10 / n); s[$1, b] += $5; c[$1, b]++; if ($4 != 0) f++ }
		END {
			printf "| %s |", v
			for (b = 0; b < 10; b++) printf " %.1f / %.1f |", s["ours", b] / c["ours", b] / 1000, s["floor", b] / c["floor", b] / 1000
			printf " %d |\n", f
		}' "$T/res"
}

if [ "${1:-}" = --inner ]; then
	inner
	exit 0
fi
if [ "${1:-}" = --scale ]; then
	scale_inner "$2"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must run as root"
for c in perf strace unshare nsenter sysctl ip cc; do
	command -v "$c" >/dev/null || die "$c is required"
done
: "${BIN:=$root/bin}" "${REF:=/usr/lib/cni}" "${PORTS:=0 500}" "${RUNS:=15}" "${SCALE:=1000}"
if ! [[ $SCALE =~ ^[0-9]+$ ]] || [ "$SCALE" -gt 1023 ]; then
	die "SCALE must be 0..1023"
fi
BIN=$(realpath -e -- "$BIN") REF=$(realpath -e -- "$REF")
W=$(mktemp -d /tmp/cniprof.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/tools" "$W/t"
cc -O2 -static -o "$W/tools/cnitime" "$here/cnitime.c" || die "cannot build cnitime"
cc -O2 -o "$W/tools/nlfloor" "$here/nlfloor.c" || die "cannot build nlfloor"
CNITIME=$W/tools/cnitime NLFLOOR=$W/tools/nlfloor T=$W/t
export BIN REF PORTS RUNS SCALE CNITIME NLFLOOR T
unshare --net --mount --propagation private -- bash "$self" --inner
if [ "$SCALE" -gt 0 ]; then
	echo "## Scaling: mean ADD ms (ours / raw-netlink floor) per tenth of $SCALE pods attached one by one"
	echo
	printf '| IPv6 |'
	for ((i = 1; i <= 10; i++)); do printf ' %d–%d |' $(((i - 1) * SCALE / 10 + 1)) $((i * SCALE / 10)); done
	printf ' failed |\n|---|'
	for ((i = 1; i <= 11; i++)); do printf -- '---:|'; done
	echo
	for v in default noipv6; do
		rm -rf "$W/t" && mkdir -p "$W/t"
		unshare --net --mount --propagation private -- bash "$self" --scale "$v"
	done
	echo
fi
