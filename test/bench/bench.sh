#!/usr/bin/env bash
# bench.sh: our plugins (BIN) against the reference Go plugins (REF), side by side in one
# run, inside a throwaway network + mount namespace. Prints a Markdown report on stdout
# (progress goes to stderr). See test/bench/README.md for the method.
#
#   make bench                          (BIN=$(abspath bin) REF=/usr/lib/cni)
#   test/bench/bench.sh                 (as root; same defaults)
#
# Environment (defaults in brackets):
#   BIN [<repo>/bin]  REF [/usr/lib/cni]   the two plugin directories ("ours", "reference")
#   N [200]           sequential pods per side, all kept attached until the DEL phase
#   CONC [16]         invocations in flight in the concurrent phase
#   CPODS [400]       pods per side in the concurrent phase
#   SCALE_N [1000]    pods for the scaling phase (ours + raw-netlink floor); 0 or <= N: skip
#                     (N, CPODS, SCALE_N <= 1023: the most ports a Linux bridge takes)
#   SCALE_REF [0]     1: the reference too in the scaling phase (slow)
#   PHASES ["seq hostlocal conc scale"]   a subset for quick runs
#   SEED [1]          seeds the order in which the sides run per pod index
#   SETTLE [10]       max seconds to wait for an idle CPU after deleting namespaces
#   OUT []            also write the report to this file
#   KEEP []           copy raw jobs/results/stats into this directory
#   DEPS [1]          0: don't run scripts/deps.sh test (install the reference, iproute2, jq...)
#   BUILD [1]         0: don't run make when BIN is the repo's bin/
set -euo pipefail

prog=bench.sh
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


# ===================================================================== inside the sandbox

# Every name below lives in the private network namespace (links, sysctls) or the private
# mount namespace (/run/netns, $T): both vanish when the last process of the sandbox exits,
# whatever the exit path.

declare -A DIR NET BR LABEL
LABEL=([A]=ours [B]=reference)
NET=([A]=10.91 [B]=10.92 [F]=10.93 [I]=10.94 [H]=10.95)
BR=([A]=cnb-a0 [B]=cnb-b0 [F]=cnb-f0 [I]=cnb-i0)

# ---- helpers: jobs ----

# pod_ip SIDE I: the address the floors give pod I (plugins allocate from .0.2 up as well)
pod_ip() {
	local k=$(($2 + 2))
	echo "${NET[$1]}.$((k / 256)).$((k % 256))"
}

# cni_job SIDE OP IDX CMD NETNS IFNAME CONF OUT PLUGIN CONTAINERID
cni_job() {
	printf '%s\t%s\t%s\t%s\t%s\tCNI_COMMAND=%s CNI_CONTAINERID=%s CNI_NETNS=%s CNI_IFNAME=%s CNI_PATH=%s\t%s/%s\n' \
		"$1" "$2" "$3" "$7" "$8" "$4" "${10}" "$5" "$6" "${DIR[$1]}" "${DIR[$1]}" "$9"
}

# bridge_conf SIDE DATADIR [PREV_RESULT_FILE]
bridge_conf() {
	local c
	c=$(printf '{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"%s","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"%s.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s"}}' \
		"${BR[$1]}" "${NET[$1]}" "$2")
	with_prev "$c" "${3:-}"
}

# hl_conf SIDE DATADIR [PREV_RESULT_FILE]: host-local run on its own
hl_conf() {
	local c
	c=$(printf '{"cniVersion":"1.0.0","name":"bench","type":"host-local","ipam":{"type":"host-local","ranges":[[{"subnet":"%s.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s"}}' \
		"${NET[H]}" "$2")
	with_prev "$c" "${3:-}"
}

# ---- helpers: state ----

ports() { ip -o link show master "$1" 2>/dev/null | grep -c . || true; }

# leases DIR: reservation files (everything but lock, last_reserved_ip.* and hidden entries)
leases() {
	[ -d "$1" ] || {
		echo 0
		return
	}
	find "$1" -mindepth 1 -maxdepth 1 ! -name lock ! -name 'last_reserved_ip.*' ! -name '.*' | grep -c . || true
}
# strays DIR: anything in the store but lock, last_reserved_ip.* and our .idx directory
strays() {
	[ -d "$1" ] || {
		echo 0
		return
	}
	find "$1" -mindepth 1 -maxdepth 1 ! -name lock ! -name 'last_reserved_ip.*' ! -name .idx | grep -c . || true
}

# ---- phases ----

# seq: N pods per side; bridge ADD, CHECK, loopback ADD/DEL, bridge DEL, all pods attached
# until DEL. Sides interleaved per pod, the order rotating: A=ours B=reference
# F=raw-netlink floor I=ip -batch floor T=/bin/true S=a static no-op.
phase_seq() {
	local i s order pre
	log "seq: $N pods per side"
	mkdir -p "$T/out/seq" "$T/batch" "$T/conf/seq"
	for s in A B F I; do
		mkns "s${s,,}" "$N"
	done
	for s in F I; do # the floors' bridges, set up as the plugins leave theirs (untimed)
		ip link add "${BR[$s]}" type bridge
		ip addr add "${NET[$s]}.0.1/16" dev "${BR[$s]}"
		ip link set "${BR[$s]}" up
	done
	for ((i = 0; i < N; i++)); do
		printf 'link add vi%d type veth peer name eth0 netns si-%d\nlink set vi%d master %s\nlink set vi%d up\n' \
			"$i" "$i" "$i" "${BR[I]}" "$i" >"$T/batch/h-$i"
		printf 'link set eth0 up\naddr add %s/16 dev eth0\nroute add default via %s.0.1\n' \
			"$(pod_ip I "$i")" "${NET[I]}" >"$T/batch/p-$i"
	done
	for s in A B; do
		bridge_conf "$s" "$T/data/$s-seq" >"$T/conf/seq/$s.json"
	done
	printf '{"cniVersion":"1.0.0","name":"bench-lo","type":"loopback"}\n' >"$T/conf/lo.json"

	order=(A B F I)
	for ((i = 0; i < N; i++)); do
		shuffle "${order[@]}"
		for s in "${ORDER[@]}"; do
			case $s in
			A | B) cni_job "$s" bridge-ADD "$i" ADD "/run/netns/s${s,,}-$i" eth0 "$T/conf/seq/$s.json" \
				"$T/out/seq/$s-$i.json" bridge "seq-$i" ;;
			F) exec_job F bridge-ADD "$i" "$NLFLOOR" add "${BR[F]}" "vf$i" "/run/netns/sf-$i" eth0 \
				"$(pod_ip F "$i")/16" "${NET[F]}.0.1" ;;
			I)
				exec_job I bridge-ADD.host "$i" "$IP" -batch "$T/batch/h-$i"
				exec_job I bridge-ADD.pod "$i" "$IP" -n "si-$i" -batch "$T/batch/p-$i"
				;;
			esac
		done
	done >"$T/jobs/seq-bridge-add"
	run_jobs "$T/jobs/seq-bridge-add" 1
	verify "seq.A.ports_after_add" "$(ports "${BR[A]}")"
	verify "seq.B.ports_after_add" "$(ports "${BR[B]}")"

	for s in A B; do # CHECK and DEL get the ADD result as prevResult, as from a runtime
		for ((i = 0; i < N; i++)); do
			bridge_conf "$s" "$T/data/$s-seq" "$T/out/seq/$s-$i.json" >"$T/conf/seq/$s-prev-$i.json"
		done
	done
	order=(A B)
	for ((i = 0; i < N; i++)); do
		shuffle "${order[@]}"
		for s in "${ORDER[@]}"; do
			cni_job "$s" bridge-CHECK "$i" CHECK "/run/netns/s${s,,}-$i" eth0 "$T/conf/seq/$s-prev-$i.json" - \
				bridge "seq-$i"
		done
	done >"$T/jobs/seq-bridge-check"
	run_jobs "$T/jobs/seq-bridge-check" 1

	for pre in ADD DEL; do
		if [ "$pre" = ADD ]; then order=(A B F T S); else order=(A B F); fi
		for ((i = 0; i < N; i++)); do
			shuffle "${order[@]}"
			for s in "${ORDER[@]}"; do
				case $s in
				A | B) cni_job "$s" "loopback-$pre" "$i" "$pre" "/run/netns/s${s,,}-$i" lo "$T/conf/lo.json" - \
					loopback "lo-$i" ;;
				F) exec_job F "loopback-$pre" "$i" "$NLFLOOR" "$([ "$pre" = ADD ] && echo up || echo down)" \
					"/run/netns/sf-$i" lo ;;
				T) exec_job T spawn "$i" "$TRUE" ;;
				S) exec_job S spawn "$i" "$STATIC_TRUE" ;;
				esac
			done
		done >"$T/jobs/seq-loopback-${pre,,}"
		run_jobs "$T/jobs/seq-loopback-${pre,,}" 1
	done

	order=(A B F I)
	for ((i = 0; i < N; i++)); do
		shuffle "${order[@]}"
		for s in "${ORDER[@]}"; do
			case $s in
			A | B) cni_job "$s" bridge-DEL "$i" DEL "/run/netns/s${s,,}-$i" eth0 "$T/conf/seq/$s-prev-$i.json" - \
				bridge "seq-$i" ;;
			F) exec_job F bridge-DEL "$i" "$NLFLOOR" del "/run/netns/sf-$i" eth0 ;;
			I) exec_job I bridge-DEL "$i" "$IP" -n "si-$i" link del eth0 ;;
			esac
		done
	done >"$T/jobs/seq-bridge-del"
	run_jobs "$T/jobs/seq-bridge-del" 1
	for s in A B; do
		verify "seq.$s.ports_after_del" "$(ports "${BR[$s]}")"
		verify "seq.$s.strays_after_del" "$(strays "$T/data/$s-seq/bench")"
	done

	for s in A B F I; do
		rmns "s${s,,}" "$N"
	done
	settle
}

# hostlocal: the IPAM plugin on its own, ADD/CHECK/DEL N times, A and B alternating.
phase_hostlocal() {
	local i s cmd order=(A B)
	log "hostlocal: $N allocations per side"
	mkdir -p "$T/out/hl" "$T/conf/hl"
	mkns hl 1 # CNI_NETNS must name a namespace other than the plugin's own
	for s in A B; do
		hl_conf "$s" "$T/data/$s-hl" >"$T/conf/hl/$s.json"
	done
	for ((i = 0; i < N; i++)); do
		shuffle "${order[@]}"
		for s in "${ORDER[@]}"; do
			cni_job "$s" hl-ADD "$i" ADD /run/netns/hl-0 eth0 "$T/conf/hl/$s.json" "$T/out/hl/$s-$i.json" \
				host-local "hl-$i"
		done
	done >"$T/jobs/hl-add"
	run_jobs "$T/jobs/hl-add" 1
	for s in A B; do
		verify "hl.$s.leases_after_add" "$(leases "$T/data/$s-hl/bench")"
		for ((i = 0; i < N; i++)); do
			hl_conf "$s" "$T/data/$s-hl" "$T/out/hl/$s-$i.json" >"$T/conf/hl/$s-prev-$i.json"
		done
	done
	for cmd in CHECK DEL; do
		for ((i = 0; i < N; i++)); do
			shuffle "${order[@]}"
			for s in "${ORDER[@]}"; do
				cni_job "$s" "hl-$cmd" "$i" "$cmd" /run/netns/hl-0 eth0 "$T/conf/hl/$s-prev-$i.json" - \
					host-local "hl-$i"
			done
		done >"$T/jobs/hl-${cmd,,}"
		run_jobs "$T/jobs/hl-${cmd,,}" 1
	done
	for s in A B; do
		verify "hl.$s.strays_after_del" "$(strays "$T/data/$s-hl/bench")"
	done
	rmns hl 1
}

# conc: CPODS pods per side, ADD then DEL with CONC in flight; ADD A then B, DEL B then A.
phase_conc() {
	local i s cmd dir
	log "conc: $CPODS pods per side, $CONC in flight"
	mkdir -p "$T/out/conc" "$T/conf/conc"
	for s in A B; do
		mkns "c${s,,}" "$CPODS"
		bridge_conf "$s" "$T/data/$s-conc" >"$T/conf/conc/$s.json"
		for ((i = 0; i < CPODS; i++)); do
			cni_job "$s" conc-ADD "$i" ADD "/run/netns/c${s,,}-$i" eth0 "$T/conf/conc/$s.json" \
				"$T/out/conc/$s-$i.json" bridge "conc-$i"
		done >"$T/jobs/conc-add-$s"
	done
	for s in A B; do
		run_jobs "$T/jobs/conc-add-$s" "$CONC"
	done
	for s in A B; do
		dir=$T/data/$s-conc/bench
		jq -r '(.ips // [])[] | .address' "$T"/out/conc/"$s"-*.json 2>/dev/null | sort >"$T/conc-$s.ips" || true
		verify "conc.$s.ips" "$(grep -c . "$T/conc-$s.ips" || true)"
		verify "conc.$s.distinct" "$(sort -u "$T/conc-$s.ips" | grep -c . || true)"
		verify "conc.$s.dups" "$(uniq -d "$T/conc-$s.ips" | grep -c . || true)"
		verify "conc.$s.leases_after_add" "$(leases "$dir")"
		verify "conc.$s.ports_after_add" "$(ports "${BR[$s]}")"
		for ((i = 0; i < CPODS; i++)); do
			bridge_conf "$s" "$T/data/$s-conc" "$T/out/conc/$s-$i.json" >"$T/conf/conc/$s-prev-$i.json"
			cni_job "$s" conc-DEL "$i" DEL "/run/netns/c${s,,}-$i" eth0 "$T/conf/conc/$s-prev-$i.json" - \
				bridge "conc-$i"
		done >"$T/jobs/conc-del-$s"
	done
	for s in B A; do
		run_jobs "$T/jobs/conc-del-$s" "$CONC"
	done
	for s in A B; do
		verify "conc.$s.leases_after_del" "$(leases "$T/data/$s-conc/bench")"
		verify "conc.$s.strays_after_del" "$(strays "$T/data/$s-conc/bench")"
		verify "conc.$s.ports_after_del" "$(ports "${BR[$s]}")"
		rmns "c${s,,}" "$CPODS"
	done
	settle
}

# scale: SCALE_N pods attached one after the other (ours and the raw-netlink floor; the
# reference too with SCALE_REF=1). Only ADD is timed; the pods go with their namespaces.
phase_scale() {
	local i s sides=(A F)
	[ "$SCALE_REF" = 1 ] && sides=(A B F)
	log "scale: $SCALE_N pods per side (${sides[*]})"
	mkdir -p "$T/conf/scale"
	for s in "${sides[@]}"; do
		mkns "x${s,,}" "$SCALE_N"
		[ "$s" = F ] || bridge_conf "$s" "$T/data/$s-scale" >"$T/conf/scale/$s.json"
	done
	ip link show "${BR[F]}" >/dev/null 2>&1 || {
		ip link add "${BR[F]}" type bridge
		ip addr add "${NET[F]}.0.1/16" dev "${BR[F]}"
		ip link set "${BR[F]}" up
	}
	for ((i = 0; i < SCALE_N; i++)); do
		shuffle "${sides[@]}"
		for s in "${ORDER[@]}"; do
			case $s in
			A | B) cni_job "$s" scale-ADD "$i" ADD "/run/netns/x${s,,}-$i" eth0 "$T/conf/scale/$s.json" - \
				bridge "scale-$i" ;;
			F) exec_job F scale-ADD "$i" "$NLFLOOR" add "${BR[F]}" "vx$i" "/run/netns/xf-$i" eth0 \
				"$(pod_ip F "$i")/16" "${NET[F]}.0.1" ;;
			esac
		done
	done >"$T/jobs/scale-add"
	run_jobs "$T/jobs/scale-add" 1
	verify "scale.A.ports_after_add" "$(ports "${BR[A]}")"
	for s in "${sides[@]}"; do
		rmns "x${s,,}" "$SCALE_N"
	done
	settle
}

# ---- report ----

# verdict VALUE OP LIMIT: met / **missed** (op is le or ge)
verdict() {
	awk -v v="${1:-}" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "" || v == "–" || v == "nan") { print "not measured"; exit }
		ok = (op == "le") ? (v + 0 <= l + 0) : (v + 0 >= l + 0)
		print ok ? "met" : "**missed**" }'
}

# merge the two-process ip floor (OP.host + OP.pod of one idx) into one OP job
merge_results() {
	awk -F'\t' -v OFS='\t' '
		$2 !~ /\./ { print; next }
		{
			op = $2; sub(/\..*/, "", op); k = $1 OFS op OFS $3
			if (!(k in wall)) { order[++n] = k; rc[k] = 0; rss[k] = 0; st[k] = $7; en[k] = $8 }
			if ($4 != 0) rc[k] = $4
			wall[k] += $5; if ($6 > rss[k]) rss[k] = $6
			if ($7 < st[k]) st[k] = $7; if ($8 > en[k]) en[k] = $8
		}
		END { for (i = 1; i <= n; i++) { k = order[i]; print k, rc[k], wall[k], rss[k], st[k], en[k] } }' \
		"$T/results.raw" >"$T/results.tsv"
	"$CNITIME" stats <"$T/results.tsv" >"$T/stats.tsv"
}

# sizes: per plugin as built and stripped; totals over distinct files (a multicall
# executable hard-linked under 4 names counts once) and over the 4 names.
sizes() {
	local s p f id total stotal ntotal
	local -A seen
	mkdir -p "$T/strip"
	for s in A B; do
		total=0 stotal=0 ntotal=0 seen=()
		for p in bridge host-local loopback ipvlan; do
			f=${DIR[$s]}/$p
			[ -f "$f" ] || continue
			id=$(stat -L -c '%d-%i' "$f")
			[ -f "$T/strip/$id" ] || strip --strip-all -o "$T/strip/$id" "$f"
			printf 'size.%s.%s\t%s\n' "$s" "$p" "$(stat -L -c %s "$f")"
			printf 'ssize.%s.%s\t%s\n' "$s" "$p" "$(stat -c %s "$T/strip/$id")"
			ntotal=$((ntotal + $(stat -L -c %s "$f")))
			if [ -z "${seen[$id]:-}" ]; then
				seen[$id]=1
				total=$((total + $(stat -L -c %s "$f")))
				stotal=$((stotal + $(stat -c %s "$T/strip/$id")))
			fi
		done
		printf 'size.%s.total\t%s\nssize.%s.total\t%s\n' "$s" "$total" "$s" "$stotal"
		printf 'size.%s.names\t%s\nfiles.%s\t%s\n' "$s" "$ntotal" "$s" "${#seen[@]}"
		printf 'libs.%s\t%s\n' "$s" "$(readelf -d "${DIR[$s]}/bridge" 2>/dev/null |
			awk -F'[][]' '/NEEDED/ { printf "%s%s", sep, $2; sep = ", " }')"
	done >>"$T/verify.tsv"
}

report() {
	local row op name a b f fa fb fl q ratio q_start q_n q_any n10 sn10 s
	local -a rows
	merge_results
	sizes

	q_n=$(grep -c . "$T/qemu.samples" 2>/dev/null || true)
	q_any=$(awk '$1 > 0' "$T/qemu.samples" 2>/dev/null | grep -c . || true)
	q_start=$(head -1 "$T/qemu.samples" 2>/dev/null || echo "?")

	echo "# CNI plugin benchmark: ours ($BIN_SRC) vs reference ($REF_SRC)"
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| date | $(date -u -d "@$BENCH_T0" '+%Y-%m-%d %H:%M UTC'), the run took $(($(date +%s) - BENCH_T0)) s (measuring: $RUN_SECONDS s) |"
	echo "| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores online |"
	echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -r) |"
	echo "| OS | Debian $(cat /etc/debian_version 2>/dev/null || echo '?') |"
	echo "| ours | $BIN_SRC: git $GIT_DESC, bridge sha256 $(sha256sum "${DIR[A]}/bridge" | cut -c1-12), libs: $(vf libs.A) |"
	echo "| reference | $(dpkg-query -W -f='${Package} ${Version}' containernetworking-plugins 2>/dev/null || echo '?'), libs: $(vf libs.B) |"
	echo "| other load | qemu-system processes at start: $q_start; present in $q_any of $q_n one-second samples; load average at start: $LOAD_START |"
	echo "| parameters | N=$N sequential pods, CONC=$CONC in flight over CPODS=$CPODS pods, SCALE_N=$SCALE_N, phases: $PHASES, SEED=$SEED |"
	echo

	echo "## Per operation: wall time (ms) and peak RSS (KiB), ours vs reference"
	echo
	echo "Sequential rows: one invocation at a time, ours and reference alternating per pod. Percentiles are nearest-rank; RSS is the p50 of ru_maxrss (plugin and any child it waited for)."
	echo
	echo "| operation | n ours/ref | ours p50 | p90 | p99 | ref p50 | p90 | p99 | **ours/ref p50** | RSS ours | RSS ref | RSS ours/ref |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	rows=("bridge-ADD|bridge+host-local ADD (N attached)" "bridge-CHECK|bridge CHECK (prevResult)"
		"bridge-DEL|bridge DEL" "loopback-ADD|loopback ADD" "loopback-DEL|loopback DEL"
		"hl-ADD|host-local ADD (alone)" "hl-CHECK|host-local CHECK (alone)" "hl-DEL|host-local DEL (alone)"
		"conc-ADD|bridge ADD, $CONC in flight" "conc-DEL|bridge DEL, $CONC in flight")
	for row in "${rows[@]}"; do
		op=${row%%|*} name=${row#*|}
		[ -n "$(st A "$op" n)$(st B "$op" n)" ] || continue
		a=$(st A "$op" p50) b=$(st B "$op" p50) fa=$(st A "$op" failed) fb=$(st B "$op" failed)
		f=$((${fa:-0} + ${fb:-0}))
		if [ "$f" -gt 0 ]; then f=" (**$f failed**)"; else f=""; fi
		printf '| %s | %s/%s%s | %s | %s | %s | %s | %s | %s | **%s** | %s | %s | %s |\n' "$name" \
			"$(st A "$op" n)" "$(st B "$op" n)" "$f" \
			"$(fmt "$a")" "$(fmt "$(st A "$op" p90)")" "$(fmt "$(st A "$op" p99)")" \
			"$(fmt "$b")" "$(fmt "$(st B "$op" p90)")" "$(fmt "$(st B "$op" p99)")" \
			"$(div "$a" "$b")" "$(st A "$op" rss)" "$(st B "$op" rss)" \
			"$(div "$(st A "$op" rss)" "$(st B "$op" rss)")"
	done
	echo

	echo "## Floors: the same kernel work with the least possible process around it"
	echo
	echo "| floor | p50 | p90 | p99 | RSS p50 | compared with | ours p50 / floor p50 | ref p50 / floor p50 |"
	echo "|---|---:|---:|---:|---:|---|---:|---:|"
	rows=("T|spawn|exec /bin/true (process floor: ld.so + libc.so)|loopback-ADD"
		"S|spawn|exec of a static no-op (no ld.so, no shared libc)|loopback-ADD"
		"F|bridge-ADD|raw netlink veth+master+up, addr, route (nlfloor, 1 process)|bridge-ADD"
		"I|bridge-ADD|ip -batch host part + ip -n -batch pod part (2 processes, summed)|bridge-ADD"
		"F|loopback-ADD|raw netlink lo up|loopback-ADD"
		"F|loopback-DEL|raw netlink lo down|loopback-DEL"
		"F|bridge-DEL|raw netlink veth delete (**DEL floor**)|bridge-DEL"
		"I|bridge-DEL|ip -n POD link del eth0|bridge-DEL")
	for row in "${rows[@]}"; do
		IFS='|' read -r s op name f <<<"$row"
		fl=$(st "$s" "$op" p50)
		[ -n "$fl" ] || continue
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(fmt "$fl")" "$(fmt "$(st "$s" "$op" p90)")" \
			"$(fmt "$(st "$s" "$op" p99)")" "$(st "$s" "$op" rss)" "$f" \
			"$(div "$(st A "$f" p50)" "$fl" %.2f)" "$(div "$(st B "$f" p50)" "$fl" %.2f)"
	done
	echo

	echo "## Scaling: ADD p50 (ms) of the first vs the last 10 % of pods, all earlier pods still attached"
	echo
	echo "| series | pods | first 10 % p50 | last 10 % p50 | last/first |"
	echo "|---|---:|---:|---:|---:|"
	n10=$(((N + 9) / 10)) sn10=$(((SCALE_N + 9) / 10))
	rows=("A|bridge-ADD|$N|$n10|ours bridge ADD" "B|bridge-ADD|$N|$n10|reference bridge ADD"
		"F|bridge-ADD|$N|$n10|raw-netlink floor" "A|hl-ADD|$N|$n10|ours host-local ADD"
		"B|hl-ADD|$N|$n10|reference host-local ADD"
		"A|scale-ADD|$SCALE_N|$sn10|ours bridge ADD" "B|scale-ADD|$SCALE_N|$sn10|reference bridge ADD"
		"F|scale-ADD|$SCALE_N|$sn10|raw-netlink floor")
	for row in "${rows[@]}"; do
		IFS='|' read -r s op q f name <<<"$row"
		[ -n "$(st "$s" "$op" n)" ] || continue
		a=$(sub_p50 "$s" "$op" 0 "$f") b=$(sub_p50 "$s" "$op" $((q - f)) "$q")
		printf '| %s | %s | %s | %s | %s |\n' "$name" "$q" "$(fmt "$a")" "$(fmt "$b")" "$(div "$b" "$a" %.2f)"
		verify "scaling.$s.$op" "$(div "$b" "$a" %.3f)"
	done
	echo

	if [ -n "$(st A conc-ADD n)" ]; then
		echo "## Concurrency: $CPODS pods, $CONC invocations in flight"
		echo
		echo "| side | ADD wall (s) | ADD pods/s | DEL wall (s) | DEL pods/s | failed ADD/DEL | IPs / distinct / duplicates | leases, bridge ports after ADD | store leftovers, ports after DEL |"
		echo "|---|---:|---:|---:|---:|---|---|---|---|"
		for s in A B; do
			printf '| %s | %s | %s | %s | %s | %s/%s | %s / %s / %s | %s, %s | %s, %s |\n' "${LABEL[$s]}" \
				"$(fmt "$(st "$s" conc-ADD span)")" "$(fmt "$(st "$s" conc-ADD ops)" %.0f)" \
				"$(fmt "$(st "$s" conc-DEL span)")" "$(fmt "$(st "$s" conc-DEL ops)" %.0f)" \
				"$(st "$s" conc-ADD failed)" "$(st "$s" conc-DEL failed)" \
				"$(vf "conc.$s.ips")" "$(vf "conc.$s.distinct")" "$(vf "conc.$s.dups")" \
				"$(vf "conc.$s.leases_after_add")" "$(vf "conc.$s.ports_after_add")" \
				"$(vf "conc.$s.strays_after_del")" "$(vf "conc.$s.ports_after_del")"
		done
		printf '| **ours/ref** | | **%s×** | | **%s×** | | | | |\n' \
			"$(div "$(st A conc-ADD ops)" "$(st B conc-ADD ops)" %.2f)" \
			"$(div "$(st A conc-DEL ops)" "$(st B conc-DEL ops)" %.2f)"
		echo
		echo "Store leftovers = entries other than \`lock\`, \`last_reserved_ip.*\` and our \`.idx\` directory."
		echo
	fi

	echo "## Binary sizes (bytes)"
	echo
	echo "| plugin | ours as built (-g) | ours stripped | reference | reference stripped | ours/ref (stripped) |"
	echo "|---|---:|---:|---:|---:|---:|"
	for f in bridge host-local loopback ipvlan; do
		printf '| %s | %s | %s | %s | %s | %s |\n' "$f" "$(vf "size.A.$f")" "$(vf "ssize.A.$f")" \
			"$(vf "size.B.$f")" "$(vf "ssize.B.$f")" "$(div "$(vf "ssize.A.$f")" "$(vf "ssize.B.$f")" %.4f)"
	done
	printf '| **all 4, distinct files** (ours: %s, ref: %s) | **%s** | **%s** | **%s** | **%s** | **%s** |\n' \
		"$(vf files.A)" "$(vf files.B)" "$(vf size.A.total)" "$(vf ssize.A.total)" "$(vf size.B.total)" \
		"$(vf ssize.B.total)" "$(div "$(vf ssize.A.total)" "$(vf ssize.B.total)" %.4f)"
	echo
	echo "A file linked under several names counts once in the total (ours is one multicall executable when the 4 names are hard links); the sum over the 4 names is $(vf size.A.names) bytes for ours, $(vf size.B.names) for the reference."
	echo

	echo "## Correctness checks of this run"
	echo
	printf -- '- all invocations exited 0: %s\n' "$(awk -F'\t' '$4 != 0' "$T/results.tsv" | grep -c . || true) failed of $(grep -c . "$T/results.tsv") timed"
	for s in A B; do
		[ -z "$(vf "seq.$s.ports_after_add")" ] ||
			printf -- '- %s, seq: bridge ports after ADD %s (of %s) and after DEL %s; store leftovers after DEL %s\n' \
				"${LABEL[$s]}" "$(vf "seq.$s.ports_after_add")" "$N" "$(vf "seq.$s.ports_after_del")" \
				"$(vf "seq.$s.strays_after_del")"
		[ -z "$(vf "hl.$s.leases_after_add")" ] ||
			printf -- '- %s, host-local alone: leases after ADD %s (of %s); store leftovers after DEL %s\n' \
				"${LABEL[$s]}" "$(vf "hl.$s.leases_after_add")" "$N" "$(vf "hl.$s.strays_after_del")"
	done
	echo

	echo "## Targets (ratios ours/reference from this run)"
	echo
	echo "*best reachable* is the same ratio for the floor (floor/ref): no exec'd plugin can go below it on this machine."
	echo
	echo "| target | limit | measured | best reachable | verdict |"
	echo "|---|---|---:|---:|---|"
	target() { printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "${3:-–}" "${6:-–}" "$(verdict "${3:-}" "$4" "$5")"; }
	target "bridge ADD p50" "≤ 1/8 = 0.125 of ref" "$(div "$(st A bridge-ADD p50)" "$(st B bridge-ADD p50)")" le 0.125 \
		"$(div "$(st F bridge-ADD p50)" "$(st B bridge-ADD p50)") (raw netlink)"
	target "loopback ADD p50" "≤ 1/5 = 0.2 of ref" "$(div "$(st A loopback-ADD p50)" "$(st B loopback-ADD p50)")" le 0.2 \
		"$(div "$(st F loopback-ADD p50)" "$(st B loopback-ADD p50)") (raw netlink)"
	target "host-local ADD p50" "≤ 0.2 of ref" "$(div "$(st A hl-ADD p50)" "$(st B hl-ADD p50)")" le 0.2 \
		"$(div "$(st T spawn p50)" "$(st B hl-ADD p50)") (/bin/true)"
	target "bridge CHECK p50" "≤ 0.2 of ref" "$(div "$(st A bridge-CHECK p50)" "$(st B bridge-CHECK p50)")" le 0.2 \
		"$(div "$(st T spawn p50)" "$(st B bridge-CHECK p50)") (/bin/true)"
	target "host-local CHECK p50" "≤ 0.2 of ref" "$(div "$(st A hl-CHECK p50)" "$(st B hl-CHECK p50)")" le 0.2 \
		"$(div "$(st T spawn p50)" "$(st B hl-CHECK p50)") (/bin/true)"
	target "bridge DEL p50 / raw-netlink veth-delete floor p50" "≤ 1.05" \
		"$(div "$(st A bridge-DEL p50)" "$(st F bridge-DEL p50)")" le 1.05 "1"
	target "bridge DEL mean / raw-netlink floor mean (deletes end on scheduler ticks, 4 ms at HZ=250: the mean resolves finer than p50)" "≤ 1.05" \
		"$(div "$(st A bridge-DEL mean)" "$(st F bridge-DEL mean)")" le 1.05 "1"
	target "bridge DEL p50 / \`ip link del\` floor p50 (for reference)" "≤ 1.05" \
		"$(div "$(st A bridge-DEL p50)" "$(st I bridge-DEL p50)")" le 1.05 "$(div "$(st F bridge-DEL p50)" "$(st I bridge-DEL p50)") (raw netlink)"
	local worst="" worst_op=""
	for op in bridge-ADD bridge-CHECK bridge-DEL loopback-ADD loopback-DEL hl-ADD hl-CHECK hl-DEL conc-ADD conc-DEL; do
		ratio=$(div "$(st A "$op" rss)" "$(st B "$op" rss)")
		[ "$ratio" = "–" ] && continue
		if [ -z "$worst" ] || awk -v a="$ratio" -v b="$worst" 'BEGIN { exit !(a > b) }'; then
			worst=$ratio worst_op=$op
		fi
	done
	target "peak RSS p50, worst operation (${worst_op:-none})" "≤ 1/3 = 0.333 of ref" "$worst" le 0.3334 \
		"$(div "$(st T spawn rss)" "$(st B "$worst_op" rss)") dynamic, $(div "$(st S spawn rss)" "$(st B "$worst_op" rss)") static (no-op)"
	target "4 plugins, distinct files, as built (-g)" "≤ 1/20 = 0.05 of ref" \
		"$(div "$(vf size.A.total)" "$(vf size.B.total)" %.4f)" le 0.05
	target "4 plugins, distinct files, stripped" "≤ 0.05 of ref" "$(div "$(vf ssize.A.total)" "$(vf ssize.B.total)" %.4f)" le 0.05
	if [ -n "$(st A scale-ADD n)" ]; then
		target "flat scaling: last/first 10 % ADD p50 at $SCALE_N pods$([ "$SCALE_N" -ge 1000 ] || echo ' (target is stated for 1000)')" \
			"≤ 1.1" "$(vf scaling.A.scale-ADD)" le 1.1 \
			"$(vf scaling.F.scale-ADD) (floor's own drift)"
	else
		target "flat scaling: last/first 10 % ADD p50 at N=$N pods (target is stated for 1000)" "≤ 1.1" \
			"$(vf scaling.A.bridge-ADD)" le 1.1 "$(vf scaling.F.bridge-ADD) (floor's own drift)"
	fi
	target "$CONC-way ADD throughput" "≥ 4× ref" "$(div "$(st A conc-ADD ops)" "$(st B conc-ADD ops)" %.2f)" ge 4
	target "$CONC-way: duplicate IPs (ours)" "0" "$(vf conc.A.dups)" le 0
	target "$CONC-way: store leftovers + ports after DEL (ours)" "0" \
		"$([ -n "$(vf conc.A.strays_after_del)" ] && echo $(($(vf conc.A.strays_after_del) + $(vf conc.A.ports_after_del))))" le 0
}

inner() {
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755,nosuid,nodev,size=16m cnibench-netns /run/netns
	if [ "$(realpath -m /var/run/netns)" != "$(realpath -m /run/netns)" ]; then
		mkdir -p /var/run/netns
		mount --bind /run/netns /var/run/netns
	fi
	mount -t tmpfs -o mode=0755,size=1g cnibench-data "$T"
	mkdir -p "$T/jobs" "$T/out" "$T/conf" "$T/data"
	: >"$T/results.raw"
	: >"$T/verify.tsv"
	ip link set lo up
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

	# qemu-system processes on the machine (outside our namespaces too), once a second;
	# the loop ends by itself when this shell is gone, however it went.
	(while kill -0 $$ 2>/dev/null; do
		pgrep -c qemu-system || true
		sleep 1
	done) >"$T/qemu.samples" 2>/dev/null &
	SAMPLER=$!
	RUNNER=
	trap 'kill "$SAMPLER" ${RUNNER:+"$RUNNER"} 2>/dev/null || true' EXIT
	trap 'exit 130' INT TERM

	# Peak RSS method check: a shell whose child touches 48 MiB must report >= 48 MiB.
	printf 'dd if=/dev/zero of=/dev/null bs=48M count=1 status=none\ntrue\n' >"$T/rss-check.sh"
	printf 'X\trss-check\t0\t-\t-\t-\t/bin/sh %s\n' "$T/rss-check.sh" >"$T/jobs/rss-check"
	"$CNITIME" run <"$T/jobs/rss-check" >"$T/rss-check.out"
	awk -F'\t' '$4 == 0 && $6 >= 49152 { ok = 1 } END { exit !ok }' "$T/rss-check.out" ||
		die "wait4 ru_maxrss does not include the waited-for child ($(cat "$T/rss-check.out")): peak RSS would be wrong"

	DIR=([A]=$BIN [B]=$REF)
	RANDOM=$SEED
	for phase in $PHASES; do
		case $phase in
		seq) phase_seq ;;
		hostlocal) phase_hostlocal ;;
		conc) phase_conc ;;
		scale) if [ "$SCALE_N" -gt "$N" ]; then phase_scale; else log "scale: skipped (SCALE_N <= N)"; fi ;;
		*) die "unknown phase $phase" ;;
		esac
	done
	RUN_SECONDS=$SECONDS
	report >"$T/report.md"
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP"
		cp -r "$T/jobs" "$T/results.raw" "$T/results.tsv" "$T/stats.tsv" "$T/verify.tsv" "$T/qemu.samples" \
			"$T/stderr.log" "$T/report.md" "$KEEP/" 2>/dev/null || true
	fi
	[ -n "$OUT" ] && cp "$T/report.md" "$OUT"
	cat "$T/report.md"
	if [ -s "$T/stderr.log" ] && awk -F'\t' '$4 != 0 { bad = 1 } END { exit !bad }' "$T/results.tsv"; then
		log "some invocations failed; the last lines of their stderr:"
		tail -n 20 "$T/stderr.log" >&2
	fi
}

if [ "${1:-}" = --inner ]; then
	inner
	exit 0
fi

# ===================================================================== outside

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, links, mounts)"
BENCH_T0=$(date +%s)
export BENCH_T0
: "${BIN:=$root/bin}" "${REF:=/usr/lib/cni}" "${N:=200}" "${CONC:=16}" "${CPODS:=400}" "${SCALE_N:=1000}"
: "${SCALE_REF:=0}" "${PHASES:=seq hostlocal conc scale}" "${SETTLE:=10}" "${OUT:=}" "${KEEP:=}" "${SEED:=1}"
: "${DEPS:=1}" "${BUILD:=1}"
for v in N CONC CPODS SCALE_N SETTLE SEED; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"
done
if [ "$N" -lt 1 ] || [ "$CPODS" -lt 1 ] || [ "$CONC" -lt 1 ] || [ "$CONC" -gt 256 ]; then
	die "N, CPODS >= 1; 1 <= CONC <= 256"
fi
# A Linux bridge has at most 1023 ports (BR_MAX_PORTS), and every pod of a phase is a port.
if [ "$N" -gt 1023 ] || [ "$SCALE_N" -gt 1023 ] || [ "$CPODS" -gt 1023 ]; then
	die "N, CPODS and SCALE_N can be at most 1023: a Linux bridge takes at most 1023 ports"
fi

if [ "$DEPS" = 1 ]; then
	"$root/scripts/deps.sh" test || die "could not install the dependencies (scripts/deps.sh test)"
fi
BIN=$(realpath -m -- "$BIN") REF=$(realpath -m -- "$REF")
if [ "$BUILD" = 1 ] && [ "$BIN" = "$root/bin" ]; then
	make -C "$root" -s all >&2 || die "make failed"
fi
for d in "$BIN" "$REF"; do
	for p in bridge host-local loopback; do
		[ -x "$d/$p" ] || die "$d/$p is missing"
	done
done
for c in unshare ip jq strip readelf cc; do
	command -v "$c" >/dev/null || die "$c is required"
done

W=$(mktemp -d /tmp/cnibench.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/tools" "$W/t"
# cnitime is static so that what a forked child inherits (and ru_maxrss counts) stays tiny;
# nlfloor is linked like a plugin would be (dynamic libc).
cc -O2 -static -std=gnu11 -Wall -Wextra -Werror -o "$W/tools/cnitime" "$here/cnitime.c" || die "cannot build cnitime"
cc -O2 -std=gnu11 -Wall -Wextra -Werror -o "$W/tools/nlfloor" "$here/nlfloor.c" || die "cannot build nlfloor"
printf 'int main(void) { return 0; }\n' >"$W/tools/noop.c"
cc -O2 -static -o "$W/tools/noop-static" "$W/tools/noop.c" || die "cannot build a static no-op (libc6-dev's libc.a)"

# Both plugin sets are copied side by side (hard links kept), so a rebuild of BIN during
# the run changes nothing and both are read from the same filesystem.
for s in ours ref; do
	if [ "$s" = ours ]; then d=$BIN; else d=$REF; fi
	files=()
	for p in bridge host-local loopback ipvlan; do
		[ -e "$d/$p" ] && files+=("$d/$p")
	done
	mkdir -p "$W/$s"
	cp -a "${files[@]}" "$W/$s/"
done
BIN_SRC=$BIN REF_SRC=$REF BIN=$W/ours REF=$W/ref
GIT_DESC=$(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')
[ "$BIN_SRC" = "$root/bin" ] || GIT_DESC="$GIT_DESC (tree of bench.sh; BIN is elsewhere)"
export BIN_SRC REF_SRC GIT_DESC

CNITIME=$W/tools/cnitime NLFLOOR=$W/tools/nlfloor STATIC_TRUE=$W/tools/noop-static T=$W/t
IP=$(command -v ip)
TRUE=$(type -P true)
export BIN REF N CONC CPODS SCALE_N SCALE_REF PHASES SETTLE OUT KEEP SEED CNITIME NLFLOOR STATIC_TRUE T IP TRUE
[ -z "$OUT" ] || OUT=$(realpath -m -- "$OUT")
[ -z "$KEEP" ] || KEEP=$(realpath -m -- "$KEEP")
export OUT KEEP

log "ours: $BIN_SRC, reference: $REF_SRC (copied to $W); N=$N CONC=$CONC CPODS=$CPODS SCALE_N=$SCALE_N; qemu-system: $(pgrep -c qemu-system || true)"
# Everything from here on runs in the sandbox; a signal to this script is passed on to it.
unshare --net --mount --propagation private -- bash "$self" --inner &
sandbox=$!
trap 'kill -TERM "$sandbox" 2>/dev/null; wait "$sandbox"; exit 130' INT TERM
status=0
wait "$sandbox" || status=$?
trap - INT TERM
[ "$status" -eq 0 ] || die "the benchmark failed (status $status)"
log "done"
