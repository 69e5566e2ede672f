#!/usr/bin/env bash
# node-bench.sh: the node agent's costs (part of `make bench`). Prints a Markdown section.
#
#   NODES [5000]  nodes in the cluster;  REPEAT [5]  runs per row
#
# In a throwaway network namespace: a full reconcile of NODES nodes into an empty table,
# a no-op reconcile (which must write nothing), one node changed (a watch event), status
# heartbeats; the whole `cni-c-node --once --nodes FILE` process; the floor (the same
# routes through one `ip -batch`, and one dump); and memory: the daemon's peak RSS, Pss
# and private memory after a reconcile of NODES nodes, from a file and from the stand-in
# API server, next to a do-nothing program linked with the same libraries.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
NODES=${NODES:-5000}
REPEAT=${REPEAT:-5}
[ "$(id -u)" -eq 0 ] || { echo "node-bench.sh: run as root" >&2; exit 2; }
make -C "$root" -s all build/nodebench >&2
W=$(mktemp -d /tmp/nodebench.XXXXXX)
trap 'rm -rf "$W"' EXIT

# Wait (at most 30 s) for an idle machine: namespaces deleted by an earlier run are torn
# down by the kernel in the background, holding the lock every route change needs.
settle() {
	local i a b
	for ((i = 0; i < 30; i++)); do
		a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
		sleep 1
		b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
		awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y); busy = y[1] - x[1]; idle = y[2] - x[2];
			exit !(busy <= (busy + idle) * 0.05) }' && return 0
	done
	echo "node-bench.sh: the machine did not settle (>5% busy); measuring anyway" >&2
}
settle
"$root/build/nodebench" "$NODES" "$REPEAT" "$root/bin/cni-c-node" >"$W/rows.tsv"

# ---- memory: the daemon after its first reconcile
python3 - "$NODES" >"$W/nodes.json" <<'EOF'
import json, sys
n = int(sys.argv[1])
items = [{"apiVersion": "v1", "kind": "Node",
          "metadata": {"name": "node-%05d" % i, "labels": {"kubernetes.io/os": "linux"}},
          "spec": {"podCIDR": "10.%d.%d.0/24" % (128 + i // 256, i % 256),
                   "podCIDRs": ["10.%d.%d.0/24" % (128 + i // 256, i % 256)]},
          "status": {"addresses": [{"type": "InternalIP", "address": "10.0.%d.%d" % (i // 250, i % 250 + 2)}]}}
         for i in range(1, n + 1)]
json.dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}, sys.stdout)
EOF

cat >"$W/mem.sh" <<'EOF'
set -euo pipefail
W=$1 BIN=$2 ROOT=$3
ip link set lo up
ip link add u0 type bridge && ip addr add 10.0.0.1/16 dev u0 && ip link set u0 up
mem() { # label pid
	local hwm rss pss priv
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$2/status")
	rss=$(awk '/^Rss:/ { print $2 }' "/proc/$2/smaps_rollup")
	pss=$(awk '/^Pss:/ { print $2 }' "/proc/$2/smaps_rollup")
	priv=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$2/smaps_rollup")
	anon=$(awk '/^Pss_Anon:/ { print $2 }' "/proc/$2/smaps_rollup")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$hwm" "$rss" "$pss" "$priv" "$anon"
}
wait_line() { # file regex
	local i
	for ((i = 0; i < 300; i++)); do grep -q -E "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "node-bench: no '$2' in $1" >&2
	cat "$1" >&2
	return 1
}
# A program linked like the agent, doing nothing (stopped so its memory can be read).
"$W/floor-wrap" &
F=$!
sleep 0.3
mem floor "$F"
kill "$F"
"$BIN" --node node-00001 --nodes "$W/nodes.json" --cni-conf-dir "$W/netd" -v >"$W/file.log" 2>&1 &
A=$!
wait_line "$W/file.log" "reconcile:"
mem file "$A"
kill "$A"
wait "$A" || true
ip route flush proto 147
"$ROOT/test/cluster/certs.sh" "$W/pki" >/dev/null
python3 "$ROOT/test/cluster/kube-api.py" --port 16443 --control-port 16444 --cert "$W/pki/server.crt" \
	--key "$W/pki/server.key" --ca "$W/pki/ca.crt" --token t --nodes "$W/nodes.json" >"$W/api.log" 2>&1 &
S=$!
wait_line "$W/api.log" ready
cat >"$W/kc" <<KC
apiVersion: v1
clusters: [{name: c, cluster: {server: "https://127.0.0.1:16443", certificate-authority: pki/ca.crt}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
KC
"$BIN" --node node-00001 --kubeconfig "$W/kc" --cni-conf-dir "$W/netd" -v >"$W/api-agent.log" 2>&1 &
A=$!
wait_line "$W/api-agent.log" "reconcile:"
sleep 0.5
mem api "$A"
kill "$A" "$S"
wait "$A" "$S" 2>/dev/null || true
EOF
# The floor: linked with the agent's shared libraries, it only waits.
printf '#include <unistd.h>\nint main(void) { pause(); return 0; }\n' >"$W/floor-wrap.c"
cc -O2 -o "$W/floor-wrap" "$W/floor-wrap.c" -Wl,--no-as-needed -lcurl -lnftnl -lmnl
unshare --net --mount --pid --fork --mount-proc bash "$W/mem.sh" "$W" "$root/bin/cni-c-node" "$root" >"$W/mem.tsv"

v() { awk -F'\t' -v r="$1" -v c="$2" '$1 == r { print $c }' "$W/rows.tsv"; }
m() { awk -F'\t' -v r="$1" -v c="$2" '$1 == r { printf "%.1f", $c / 1024 }' "$W/mem.tsv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mark() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "yes" : "**no**" }'; }

echo "## Node agent (cni-c-node), $NODES nodes"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$root" describe --always --dirty), kernel $(uname -r), $(nproc) cores."
echo "IPv4 nodes on one /16 underlay (every route direct), in a throwaway namespace; p50 over $REPEAT runs"
echo "(200 events for the per-event rows). Reconcile rows are timed inside the agent's code"
echo "(table in memory → kernel); process rows are the whole \`cni-c-node --once --nodes FILE\`."
echo
echo "| operation | p50 ms | p90 ms | kernel writes | target | met |"
echo "|---|---:|---:|---:|---:|---|"
echo "| full reconcile into an empty table | $(v full 3) | $(v full 4) | $(v full 6) | ≤ 200 | $(mark "$(v full 3)" 200) |"
echo "| no-op reconcile (read back, compare) | $(v noop 3) | $(v noop 4) | 0 | ≤ 20 | $(mark "$(v noop 3)" 20) |"
echo "| one node changed (a watch event) | $(v one-change 3) | $(v one-change 4) | $(v one-change 6) | ≤ 1 | $(mark "$(v one-change 3)" 1) |"
echo "| status-only update (heartbeat event) | $(v heartbeat 3) | $(v heartbeat 4) | 0 | | |"
echo "| process: \`--once\` into an empty table (parse $NODES nodes + reconcile) | $(v process-full 3) | $(v process-full 4) | $(v full 6) | | |"
echo "| process: \`--once\`, nothing to change | $(v process-noop 3) | $(v process-noop 4) | 0 | | |"
echo "| floor: the same routes through one \`ip -batch\` | $(v floor-ip-batch 3) | $(v floor-ip-batch 4) | $(v floor-ip-batch 6) | | |"
echo "| floor: \`ip route show proto 147\` (one dump) | $(v floor-ip-dump 3) | $(v floor-ip-dump 4) | 0 | | |"
echo
echo "Full reconcile / \`ip -batch\` floor: **$(ratio "$(v full 3)" "$(v floor-ip-batch 3)")**."
echo
echo "Memory (MiB) of the daemon after its first reconcile of $NODES nodes (/proc: VmHWM, smaps_rollup):"
echo
echo "| process | peak RSS | RSS | Pss | private | anonymous |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| floor: a program that does nothing, linked with libcurl, libnftnl, libmnl | $(m floor 2) | $(m floor 3) | $(m floor 4) | $(m floor 5) | $(m floor 6) |"
echo "| \`cni-c-node --nodes FILE\` | $(m file 2) | $(m file 3) | $(m file 4) | $(m file 5) | $(m file 6) |"
echo "| \`cni-c-node --kubeconfig\` (list + watch over HTTPS) | $(m api 2) | $(m api 3) | $(m api 4) | $(m api 5) | $(m api 6) |"
echo
echo "Target: peak RSS ≤ 8 MiB; met: $(mark "$(m api 2)" 8) (API), $(mark "$(m file 2)" 8) (file)."
echo "Above the floor, $NODES nodes cost $(awk -F'\t' '$1 == "file" { f = $2 } $1 == "floor" { b = $2 } END { printf "%.1f", (f - b) / 1024 }' "$W/mem.tsv") MiB."
