#!/usr/bin/env bash
# nf-bench.sh: what the netfilter features cost (part of `make bench`), ours (nftables over
# netlink, in-process) against the reference Go plugins (which run iptables and nft
# processes), side by side in one run inside a throwaway network + mount namespace.
# Prints a Markdown section on stdout (progress on stderr).
#
#   N [100]       pods per side and bridge variant (plain, ipMasq, macspoofchk, both)
#   PM_N [500]    pods in each portmap series (1 and 10 mappings), all kept mapped until
#                 the DEL phase: the last pods are added next to PM_N - 1 others
#   PM_REF [100]  of which the reference maps the first PM_REF (its calls slow down as the
#                 rules pile up: at 10 mappings, hundreds of ms each)
#   SEED [1]      seeds the order in which the sides run per pod index
#   BIN [<repo>/bin]  REF [/usr/lib/cni]
#
# Floors: the same rules written by one `nft -f FILE` process (the tool an admin would use,
# one netlink transaction, but a parser and libnftables around it).
set -euo pipefail

prog=nf-bench.sh
self=$(realpath -e -- "${BASH_SOURCE[0]}")
here=${self%/*}
root=$(realpath -e -- "$here/../..")

die() {
	echo "$prog: $*" >&2
	exit 2
}
log() {
	printf '%s [%4ds] %s\n' "$prog" "$SECONDS" "$*" >&2
}
# shellcheck source=test/bench/lib.sh
. "$here/lib.sh"

declare -A DIR
VARIANTS=(plain masq spoof both)
declare -A V_NET=([plain]=0 [masq]=1 [spoof]=2 [both]=3)

# ===================================================================== inside the sandbox

# bridge_conf SIDE VARIANT [PREV_FILE]
bridge_conf() {
	local masq=false spoof=false net
	case $2 in masq) masq=true ;; spoof) spoof=true ;; both) masq=true spoof=true ;; esac
	net=$((${V_NET[$2]} + $([ "$1" = A ] && echo 0 || echo 4)))
	with_prev "$(printf '{"cniVersion":"1.0.0","name":"nfb-%s","type":"bridge","bridge":"nfb%s%s","isGateway":true,"ipMasq":%s,"macspoofchk":%s,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.1%02d.0.0/16"}]],"dataDir":"%s/data/%s"}}' \
		"$2" "${2:0:1}" "${1,,}" "$masq" "$spoof" "$net" "$T" "$1")" "${3:-}"
}

# pm_ip SIDE I: the address pod I of a portmap series has (no pod exists: portmap only needs
# prevResult and a route to the address)
pm_ip() {
	local k=$(($2 + 2)) n
	case $1 in A) n=110 ;; B) n=111 ;; F) n=112 ;; esac
	echo "10.$n.$((k / 256)).$((k % 256))"
}

# pm_conf SIDE M I: portmap's config for pod I of the series with M mappings
pm_conf() {
	local side=$1 m=$2 i=$3 ip maps="" k sep=""
	ip=$(pm_ip "$side" "$i")
	for ((k = 0; k < m; k++)); do
		maps+=$(printf '%s{"hostPort":%d,"containerPort":%d,"protocol":"tcp"}' "$sep" $((20000 + i * 10 + k)) $((80 + k)))
		sep=,
	done
	printf '{"cniVersion":"1.0.0","name":"nfb-pm","type":"portmap","capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[%s]},"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/pm-0"}],"ips":[{"address":"%s/16","interface":0}]}}\n' \
		"$maps" "$ip"
}

# pm_floor M I: the rules ours writes for that pod, as an `nft -f` file
pm_floor() {
	local m=$1 i=$2 ip k
	ip=$(pm_ip F "$i")
	printf 'add chain ip nfbf pm-%d\nadd chain ip nfbf pms-%d\n' "$i" "$i"
	for ((k = 0; k < m; k++)); do
		printf 'add rule ip nfbf pm-%d meta l4proto tcp th dport %d dnat to %s:%d\n' "$i" $((20000 + i * 10 + k)) "$ip" $((80 + k))
		printf 'add rule ip nfbf hostports meta l4proto tcp th dport %d jump pm-%d comment "nfb %d"\n' $((20000 + i * 10 + k)) "$i" "$i"
	done
	printf 'add rule ip nfbf pms-%d ip saddr %s masquerade\nadd rule ip nfbf pms-%d ip saddr 127.0.0.0/8 masquerade\n' "$i" "$ip" "$i"
	printf 'add rule ip nfbf hostports-snat ip daddr %s jump pms-%d comment "nfb %d"\n' "$ip" "$i" "$i"
}

# masq_floor I: bridge's ipMasq and macspoofchk rules for one pod, as an `nft -f` file
masq_floor() {
	local i=$1 ip
	ip=$(pm_ip F "$i")
	printf 'add chain ip nfbf masq-%d\nadd rule ip nfbf masq-%d ip daddr 10.112.0.0/16 accept\n' "$i" "$i"
	printf 'add rule ip nfbf masq-%d ip daddr != 224.0.0.0/4 masquerade\n' "$i"
	printf 'add rule ip nfbf postrouting ip saddr %s jump masq-%d comment "nfb %d"\n' "$ip" "$i" "$i"
	printf 'add chain bridge nfbf mac-%d\nadd rule bridge nfbf mac-%d ether saddr 0e:00:00:00:%02x:%02x return\n' \
		"$i" "$i" $((i / 256)) $((i % 256))
	printf 'add rule bridge nfbf mac-%d drop\nadd rule bridge nfbf prerouting iifname "vf%d" jump mac-%d comment "nfb %d"\n' \
		"$i" "$i" "$i" "$i"
}

# cni_job SIDE OP IDX CMD NETNS CONF OUT PLUGIN CONTAINERID
# (each side its own container IDs: our DEL also removes the reference's rules of the same
# network and container, as after a switchover, which would fail the reference's DEL)
cni_job() {
	printf '%s\t%s\t%s\t%s\t%s\tCNI_COMMAND=%s CNI_CONTAINERID=%s CNI_NETNS=%s CNI_IFNAME=eth0 CNI_PATH=%s\t%s/%s\n' \
		"$1" "$2" "$3" "$6" "$7" "$4" "$9" "$5" "${DIR[$1]}" "${DIR[$1]}" "$8"
}

# bridge: N pods per side and variant, ADD then DEL (with prevResult), one at a time.
phase_bridge() {
	local i s v order=()
	log "bridge: $N pods per side and variant (${VARIANTS[*]})"
	mkdir -p "$T/out/br" "$T/conf/br" "$T/nft/br"
	for v in "${VARIANTS[@]}"; do
		for s in A B; do
			mkns "${v:0:1}${s,,}" "$N"
			bridge_conf "$s" "$v" >"$T/conf/br/$s-$v.json"
			order+=("$s:$v")
		done
	done
	for ((i = 0; i < N; i++)); do
		masq_floor "$i" >"$T/nft/br/$i.nft"
		shuffle "${order[@]}" F
		for s in "${ORDER[@]}"; do
			if [ "$s" = F ]; then
				exec_job F rules-ADD "$i" "$NFT" -f "$T/nft/br/$i.nft"
				continue
			fi
			v=${s#*:} s=${s%:*}
			cni_job "$s" "ADD.$v" "$i" ADD "/run/netns/${v:0:1}${s,,}-$i" "$T/conf/br/$s-$v.json" \
				"$T/out/br/$s-$v-$i.json" bridge "nfb-${s,,}-$i"
		done
	done >"$T/jobs/br-add"
	run_jobs "$T/jobs/br-add" 1
	for v in "${VARIANTS[@]}"; do
		for s in A B; do
			for ((i = 0; i < N; i++)); do
				bridge_conf "$s" "$v" "$T/out/br/$s-$v-$i.json" >"$T/conf/br/$s-$v-prev-$i.json"
			done
		done
	done
	for ((i = 0; i < N; i++)); do
		shuffle "${order[@]}"
		for s in "${ORDER[@]}"; do
			v=${s#*:} s=${s%:*}
			cni_job "$s" "DEL.$v" "$i" DEL "/run/netns/${v:0:1}${s,,}-$i" "$T/conf/br/$s-$v-prev-$i.json" - \
				bridge "nfb-${s,,}-$i"
		done
	done >"$T/jobs/br-del"
	run_jobs "$T/jobs/br-del" 1
	"$NFT" delete table ip nfbf && "$NFT" delete table bridge nfbf # the floor's
	verify "br.left" "$(nft list ruleset | grep -c 'masquerade\|ether saddr' || true)"
	for v in "${VARIANTS[@]}"; do
		for s in A B; do
			rmns "${v:0:1}${s,,}" "$N"
		done
	done
	"$NFT" flush ruleset
	base_tables
	settle
}

# portmap: for M in 1 10, PM_N pods per side mapped one after the other, then unmapped.
phase_portmap() {
	local m i s order
	mkns pm 1
	for m in 1 10; do
		log "portmap: $PM_N pods per side, $m mapping(s) each"
		mkdir -p "$T/conf/pm$m" "$T/nft/pm$m"
		for ((i = 0; i < PM_N; i++)); do
			for s in A B; do
				pm_conf "$s" "$m" "$i" >"$T/conf/pm$m/$s-$i.json"
			done
			pm_floor "$m" "$i" >"$T/nft/pm$m/$i.nft"
			if [ "$i" -lt "$PM_REF" ]; then order=(A B F); else order=(A F); fi
			shuffle "${order[@]}"
			for s in "${ORDER[@]}"; do
				case $s in
				F) exec_job F "pm$m-ADD" "$i" "$NFT" -f "$T/nft/pm$m/$i.nft" ;;
				*) cni_job "$s" "pm$m-ADD" "$i" ADD /run/netns/pm-0 "$T/conf/pm$m/$s-$i.json" - portmap "pm$m-${s,,}-$i" ;;
				esac
			done
		done >"$T/jobs/pm$m-add"
		run_jobs "$T/jobs/pm$m-add" 1
		verify "pm$m.A.chains" "$(nft list table ip cni-c-portmap 2>/dev/null | grep -c 'chain pm-' || true)"
		verify "pm$m.B.chains" "$(iptables -t nat -S 2>/dev/null | grep -c '^-N CNI-DN-' || true)"
		for ((i = 0; i < PM_N; i++)); do
			if [ "$i" -lt "$PM_REF" ]; then shuffle A B; else ORDER=(A); fi
			for s in "${ORDER[@]}"; do
				cni_job "$s" "pm$m-DEL" "$i" DEL /run/netns/pm-0 "$T/conf/pm$m/$s-$i.json" - portmap "pm$m-${s,,}-$i"
			done
		done >"$T/jobs/pm$m-del"
		run_jobs "$T/jobs/pm$m-del" 1
		verify "pm$m.A.left" "$(nft list table ip cni-c-portmap 2>/dev/null | grep -c 'chain pm-' || true)"
		verify "pm$m.B.left" "$(iptables -t nat -S 2>/dev/null | grep -c '^-N CNI-DN-' || true)"
		"$NFT" flush ruleset
		base_tables
		settle
	done
	rmns pm 1
}

# base_tables: the floor's table with the base chains ours creates once (untimed)
base_tables() {
	"$NFT" -f - <<-'EOF'
		table ip nfbf {
			chain prerouting { type nat hook prerouting priority dstnat; fib daddr type local jump hostports; }
			chain hostports { }
			chain hostports-snat { }
			chain postrouting { type nat hook postrouting priority srcnat; jump hostports-snat; }
		}
		table bridge nfbf {
			chain prerouting { type filter hook prerouting priority -300; }
		}
	EOF
}

report() {
	local v op a b m f q n10 r10 pa pb
	cp "$T/results.raw" "$T/results.tsv"
	"$CNITIME" stats <"$T/results.tsv" >"$T/stats.tsv"

	echo "## Netfilter: bridge ipMasq / macspoofchk and portmap, ours vs reference"
	echo
	echo "Ours writes nftables over netlink from the plugin's own process (one transaction per call);"
	echo "the reference runs iptables (ipMasq, portmap) and nft (macspoofchk) processes. p50 in ms"
	echo "(p90 in brackets), one invocation at a time, $N pods per side and variant, every pod kept"
	echo "until the DEL phase. *Added* = p50 of the variant minus p50 of plain bridge on that side."
	echo
	echo "| bridge | ours ADD | ref ADD | ours/ref | ours added | ref added | ours DEL | ref DEL | ours/ref | RSS ours/ref (KiB) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	pa=$(st A ADD.plain p50) pb=$(st B ADD.plain p50)
	for v in "${VARIANTS[@]}"; do
		a=$(st A "ADD.$v" p50) b=$(st B "ADD.$v" p50)
		printf '| %s | %s (%s) | %s (%s) | **%s** | %s | %s | %s | %s | **%s** | %s / %s |\n' \
			"$(case $v in plain) echo 'plain (no netfilter)' ;; masq) echo ipMasq ;; spoof) echo macspoofchk ;; both) echo 'ipMasq + macspoofchk' ;; esac)" \
			"$(fmt "$a")" "$(fmt "$(st A "ADD.$v" p90)")" "$(fmt "$b")" "$(fmt "$(st B "ADD.$v" p90)")" \
			"$(div "$a" "$b")" "$(awk -v a="$a" -v p="$pa" 'BEGIN { printf "%+.2f", a - p }')" \
			"$(awk -v a="$b" -v p="$pb" 'BEGIN { printf "%+.2f", a - p }')" \
			"$(fmt "$(st A "DEL.$v" p50)")" "$(fmt "$(st B "DEL.$v" p50)")" \
			"$(div "$(st A "DEL.$v" p50)" "$(st B "DEL.$v" p50)")" "$(st A "ADD.$v" rss)" "$(st B "ADD.$v" rss)"
	done
	# shellcheck disable=SC2016 # Markdown code
	printf '| floor: `nft -f` of the ipMasq + macspoofchk rules of one pod | %s (%s) | | | | | | | | %s |\n' \
		"$(fmt "$(st F rules-ADD p50)")" "$(fmt "$(st F rules-ADD p90)")" "$(st F rules-ADD rss)"
	echo

	n10=$(((PM_N + 9) / 10)) r10=$(((PM_REF + 9) / 10))
	echo "### portmap: $PM_N pods (reference: $PM_REF), mapped one after the other, kept until DEL"
	echo
	echo "Every call passes the prevResult a runtime would; first / last = p50 of the first and the last"
	echo "10 % of the ADDs: ours and the floor's last ones run next to $((PM_N - n10)) or more other pods'"
	echo "rules, the reference's next to $((PM_REF - r10)) or more (it maps only the first $PM_REF pods)."
	echo
	echo "| mappings per pod | ours ADD p50 (first / last) | ref ADD p50 (first / last) | ours/ref | \`nft -f\` floor p50 (first / last) | ours DEL p50 | ref DEL p50 | ours/ref | RSS ours/ref (KiB) |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for m in 1 10; do
		op=pm$m-ADD
		[ -n "$(st A "$op" n)" ] || continue
		q=()
		for s in A B F; do
			if [ "$s" = B ]; then a=$r10 b=$PM_REF; else a=$n10 b=$PM_N; fi
			q+=("$(fmt "$(sub_p50 "$s" "$op" 0 "$a")") / $(fmt "$(sub_p50 "$s" "$op" $((b - a)) "$b")")")
		done
		printf '| %s | %s (%s / %s) | %s (%s / %s) | **%s** | %s (%s) | %s | %s | **%s** | %s / %s |\n' "$m" \
			"$(fmt "$(st A "$op" p50)")" "${q[0]% / *}" "${q[0]#* / }" \
			"$(fmt "$(st B "$op" p50)")" "${q[1]% / *}" "${q[1]#* / }" \
			"$(div "$(st A "$op" p50)" "$(st B "$op" p50)")" "$(fmt "$(st F "$op" p50)")" "${q[2]}" \
			"$(fmt "$(st A "pm$m-DEL" p50)")" "$(fmt "$(st B "pm$m-DEL" p50)")" \
			"$(div "$(st A "pm$m-DEL" p50)" "$(st B "pm$m-DEL" p50)")" "$(st A "$op" rss)" "$(st B "$op" rss)"
	done
	echo
	f=$(awk -F'\t' '$4 != 0' "$T/results.tsv" | grep -c . || true)
	printf -- '- all invocations exited 0: %s failed of %s timed\n' "$f" "$(grep -c . "$T/results.tsv")"
	if [ "$f" -gt 0 ]; then
		awk -F'\t' '$4 != 0 { n[$1 " " $2]++ } END { for (k in n) printf "  - failed: %s: %d\n", k, n[k] }' \
			"$T/results.tsv"
		log "failed jobs; the last lines of their stderr:"
		tail -n 20 "$T/stderr.log" >&2
	fi
	printf -- '- rules left after every DEL: bridge %s; portmap chains ours %s/%s, reference %s/%s (1 / 10 mappings)\n' \
		"$(vf br.left)" "$(vf pm1.A.left)" "$(vf pm10.A.left)" "$(vf pm1.B.left)" "$(vf pm10.B.left)"
	printf -- '- portmap chains after the ADDs (expected %s and %s): ours %s/%s, reference %s/%s\n' "$PM_N" "$PM_REF" \
		"$(vf pm1.A.chains)" "$(vf pm10.A.chains)" "$(vf pm1.B.chains)" "$(vf pm10.B.chains)"
	printf -- '- the portmap executable: ours %s bytes stripped (the multicall file all plugins share), the reference %s\n' \
		"$(vf size.A)" "$(vf size.B)"
	echo
}

inner() {
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755,nosuid,nodev,size=16m nfbench-netns /run/netns
	if [ "$(realpath -m /var/run/netns)" != "$(realpath -m /run/netns)" ]; then
		mkdir -p /var/run/netns
		mount --bind /run/netns /var/run/netns
	fi
	mount -t tmpfs -o mode=0755,size=512m nfbench-data "$T"
	mkdir -p "$T/jobs" "$T/out" "$T/conf" "$T/data" "$T/nft"
	: >"$T/results.raw"
	: >"$T/verify.tsv"
	ip link set lo up
	RUNNER=
	trap 'kill ${RUNNER:+"$RUNNER"} 2>/dev/null || true' EXIT
	trap 'exit 130' INT TERM
	# a route toward every portmap series' pods (portmap looks up the interface behind the pod)
	for s in A B F; do
		ip link add "nfbpm${s,,}" type bridge
		ip addr add "$(pm_ip "$s" -1)/16" dev "nfbpm${s,,}"
		ip link set "nfbpm${s,,}" up
	done
	base_tables
	for s in A B; do
		strip --strip-all -o "$T/strip-$s" "${DIR[$s]}/portmap"
		verify "size.$s" "$(stat -c %s "$T/strip-$s")"
	done
	RANDOM=$SEED
	phase_bridge
	phase_portmap
	report
}

if [ "${1:-}" = --inner ]; then
	DIR=([A]=$BIN [B]=$REF)
	inner
	exit 0
fi

# ===================================================================== outside

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, links, mounts)"
: "${BIN:=$root/bin}" "${REF:=/usr/lib/cni}" "${N:=100}" "${PM_N:=500}" "${PM_REF:=100}" "${SEED:=1}"
: "${SETTLE:=10}"
for v in N PM_N PM_REF SEED SETTLE; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"
done
if [ "$N" -lt 10 ] || [ "$N" -gt 1000 ] || [ "$PM_N" -lt 10 ] || [ "$PM_N" -gt 4000 ]; then
	die "10 <= N <= 1000 (bridge ports), 10 <= PM_N <= 4000 (host ports 20000 + 10 * i)"
fi
if [ "$PM_REF" -lt 10 ] || [ "$PM_REF" -gt "$PM_N" ]; then die "10 <= PM_REF <= PM_N"; fi
for c in unshare ip nft iptables jq strip cc; do
	command -v "$c" >/dev/null || die "$c is required (scripts/deps.sh test installs it)"
done
BIN=$(realpath -m -- "$BIN") REF=$(realpath -m -- "$REF")
[ "$BIN" != "$root/bin" ] || make -C "$root" -s all >&2 || die "make failed"
for d in "$BIN" "$REF"; do
	for p in bridge host-local portmap; do
		[ -x "$d/$p" ] || die "$d/$p is missing"
	done
done

W=$(mktemp -d /tmp/nfbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/tools" "$W/t" "$W/ours" "$W/ref"
cc -O2 -static -std=gnu11 -Wall -Wextra -Werror -o "$W/tools/cnitime" "$here/cnitime.c" || die "cannot build cnitime"
cp -a "$BIN/bridge" "$BIN/host-local" "$BIN/portmap" "$W/ours/"
cp -a "$REF/bridge" "$REF/host-local" "$REF/portmap" "$W/ref/"
CNITIME=$W/tools/cnitime T=$W/t BIN=$W/ours REF=$W/ref NFT=$(command -v nft)
export BIN REF N PM_N PM_REF SEED SETTLE CNITIME T NFT
log "ours: $BIN, reference: $REF; N=$N PM_N=$PM_N PM_REF=$PM_REF"
unshare --net --mount --propagation private -- bash "$self" --inner &
sandbox=$!
trap 'kill -TERM "$sandbox" 2>/dev/null; wait "$sandbox"; exit 130' INT TERM
status=0
wait "$sandbox" || status=$?
trap - INT TERM
[ "$status" -eq 0 ] || die "the benchmark failed (status $status)"
log "done"
