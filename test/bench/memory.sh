#!/usr/bin/env bash
# memory.sh: what one plugin invocation really costs in memory, ours against the reference.
#
# Peak RSS (ru_maxrss, what bench.sh reports) counts every resident page a process maps,
# including the shared, clean pages of libc.so and of the executable that are in the page
# cache anyway. This script stops each plugin at its exit_group() under gdb and reads
# /proc/<pid>/smaps_rollup: Pss (the process's fair share of what it maps) and
# Private_Dirty (memory that exists only because the process ran). As root, in a
# throwaway network + mount namespace; needs gdb.
#
#   test/bench/memory.sh [BIN [REF]]      (defaults: <repo>/bin /usr/lib/cni)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../../bin}
REF=${2:-/usr/lib/cni}
[ "$(id -u)" -eq 0 ] || { echo "memory.sh: run as root" >&2; exit 2; }
command -v gdb >/dev/null || { echo "memory.sh: needs gdb (apt-get install gdb)" >&2; exit 2; }

if [ -z "${MEMORY_SANDBOX:-}" ]; then
	exec unshare --net --mount --propagation private env MEMORY_SANDBOX=1 "$0" "$BIN" "$REF"
fi
mount -t tmpfs memory-netns /run/netns
T=$(mktemp -d /tmp/cni-memory.XXXXXX)
trap 'rm -rf "$T"' EXIT
ip link set lo up

cat >"$T/gdb" <<EOF
set pagination off
catch syscall exit_group
run < $T/conf > /dev/null 2>&1
python import gdb; print(open("/proc/%d/smaps_rollup" % gdb.selected_inferior().pid).read())
kill
quit
EOF

# measure DIR PLUGIN COMMAND CONF: "Rss Pss Private_Dirty" in KiB at exit.
measure() {
	local dir=$1 plugin=$2 cmd=$3
	printf '%s' "$4" >"$T/conf"
	CNI_COMMAND=$cmd CNI_CONTAINERID=mem1 CNI_NETNS=/run/netns/mem CNI_IFNAME=eth0 CNI_PATH=$dir \
		gdb -q -batch -x "$T/gdb" "$dir/$plugin" 2>/dev/null |
		awk '/^Rss:/{r=$2} /^Pss:/{p=$2} /^Private_Dirty:/{d=$2} END{print r, p, d}'
}

echo "| plugin, command | Rss ours / ref | Pss ours / ref | Private_Dirty ours / ref |"
echo "|---|---:|---:|---:|"
row() { # label plugin cmd conf-template (DIR and NET substituted)
	local label=$1 plugin=$2 cmd=$3 tmpl=$4 a b tmpl_a tmpl_b
	ip netns add mem
	tmpl_a=${tmpl//@BR@/mema}
	tmpl_b=${tmpl//@BR@/memb}
	a=$(measure "$BIN" "$plugin" "$cmd" "${tmpl_a//@NET@/10.71}")
	ip netns del mem
	ip netns add mem
	b=$(measure "$REF" "$plugin" "$cmd" "${tmpl_b//@NET@/10.72}")
	ip netns del mem
	read -r ar ap ad <<<"$a"
	read -r br bp bd <<<"$b"
	awk -v l="$label" -v ar="$ar" -v br="$br" -v ap="$ap" -v bp="$bp" -v ad="$ad" -v bd="$bd" 'BEGIN {
		printf "| %s | %d / %d (%.2f) | %d / %d (%.2f) | %d / %d (%.2f) |\n", l, ar, br, ar / br, ap, bp, ap / bp, ad, bd, ad / bd }'
}
lo='{"cniVersion":"1.0.0","name":"mem","type":"loopback"}'
hl='{"cniVersion":"1.0.0","name":"mem","type":"host-local","ipam":{"type":"host-local","subnet":"@NET@.0.0/16","dataDir":"'$T'/@NET@"}}'
br='{"cniVersion":"1.0.0","name":"mem","type":"bridge","bridge":"@BR@","isGateway":true,"ipam":{"type":"host-local","subnet":"@NET@.0.0/16","dataDir":"'$T'/@NET@"}}'
row "loopback ADD" loopback ADD "$lo"
row "host-local ADD" host-local ADD "$hl"
row "bridge ADD (ours: host-local in-process; ref: its host-local child not counted)" bridge ADD "$br"
