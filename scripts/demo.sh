#!/usr/bin/env bash
# The main job, end to end: build the plugins, then wire three pods (network namespaces)
# through loopback + bridge + host-local exactly as a container runtime would (CNI_*
# environment, config on stdin), show their addresses and routes, prove that pods and the
# node reach each other, and tear everything down again (also on failure or Ctrl-C).
# Then a cluster: three nodes on one switch, each with the node agent (cni-c-node) writing
# its conflist from a NodeList and routing to the others' pod CIDRs, two pods per node,
# pings across nodes.
#
# Every "node" is a network namespace of its own, so the machine's real network is never
# touched: bridges, gateway addresses, routes and forwarding sysctls all live in them.
#
#   sudo scripts/demo.sh            (installs build dependencies with apt-get if missing)
#   PODS=5 scripts/demo.sh          (more pods)
set -euo pipefail

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it creates network namespaces)" >&2; exit 1; }
scripts/deps.sh demo
make -s -j"$(nproc)"

PODS=${PODS:-3}
tag="cnidemo$$"
node="$tag-node"
work=$(mktemp -d "/tmp/$tag.XXXXXX")
bin="$PWD/bin"
pods=()

# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	set +e
	for i in "${!pods[@]}"; do
		run DEL "${pods[$i]}" "$i" >/dev/null 2>&1
		ip netns del "${pods[$i]}" 2>/dev/null
	done
	ip netns del "$node" 2>/dev/null
	rm -rf "$work"
}
trap 'cleanup; cluster_cleanup' EXIT INT TERM

cat >"$work/bridge.json" <<EOF
{
  "cniVersion": "1.1.0",
  "name": "demo",
  "type": "bridge",
  "bridge": "cni-demo0",
  "isGateway": true,
  "isDefaultGateway": true,
  "ipam": {
    "type": "host-local",
    "ranges": [[{"subnet": "10.88.0.0/24"}], [{"subnet": "fd88::/64"}]],
    "dataDir": "$work/ipam"
  }
}
EOF
echo '{"cniVersion": "1.1.0", "name": "demo-lo", "type": "loopback"}' >"$work/lo.json"

# run COMMAND NETNS INDEX [lo|prev]: one plugin call, from inside the node namespace.
# "prev" passes the pod's ADD result as prevResult (what a runtime does for CHECK/DEL).
run() {
	local cmd=$1 ns=$2 i=$3 plugin=bridge conf="$work/bridge.json" ifname=eth0
	if [ "${4:-}" = lo ]; then plugin=loopback conf="$work/lo.json" ifname=lo; fi
	if [ "${4:-}" = prev ]; then
		conf="$work/pod$i.check.json"
		{ sed '$d' "$work/bridge.json"; echo ', "prevResult":'; cat "$work/pod$i.result"; echo '}'; } >"$conf"
	fi
	ip netns exec "$node" env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID="demo-pod$i" \
		CNI_NETNS="/run/netns/$ns" CNI_IFNAME="$ifname" CNI_PATH="$bin" "$bin/$plugin" <"$conf"
}

ip netns add "$node"
ip -n "$node" link set lo up
echo "== node namespace $node; plugins from $bin"
for i in $(seq 1 "$PODS"); do
	ns="$tag-pod$i"
	ip netns add "$ns"
	pods[i]=$ns
	run ADD "$ns" "$i" lo >/dev/null
	run ADD "$ns" "$i" >"$work/pod$i.result"
	echo "== pod$i: ADD result"
	sed 's/^/   /' "$work/pod$i.result"
done

echo "== addresses and routes, read from the kernel"
ip -n "$node" -br addr show dev cni-demo0 | sed 's/^/   node: /'
for i in "${!pods[@]}"; do
	ip -n "${pods[$i]}" -br addr | sed "s/^/   pod$i: /"
	ip -n "${pods[$i]}" route | sed "s/^/   pod$i route: /"
done

addr_of() { ip -n "$1" -j -4 addr show dev eth0 | sed -n 's/.*"local":"\([0-9.]*\)".*/\1/p'; }
addr6_of() { ip -n "$1" -j -6 addr show dev eth0 scope global | sed -n 's/.*"local":"\([0-9a-f:]*\)".*/\1/p'; }
echo "== reachability"
fail=0
ping_from() { # ping_from NS ADDR LABEL
	if ip netns exec "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1; then echo "   ok   $3 ($2)"
	else echo "   FAIL $3 ($2)"; fail=1; fi
}
first=${pods[1]}
for i in "${!pods[@]}"; do
	ns=${pods[$i]}
	ping_from "$node" "$(addr_of "$ns")" "node -> pod$i"
	ping_from "$node" "$(addr6_of "$ns")" "node -> pod$i IPv6"
	ping_from "$ns" 10.88.0.1 "pod$i -> node gateway"
	ping_from "$ns" 127.0.0.1 "pod$i -> its own loopback"
	[ "$ns" = "$first" ] || ping_from "$ns" "$(addr_of "$first")" "pod$i -> pod1"
	[ "$ns" = "$first" ] || ping_from "$ns" "$(addr6_of "$first")" "pod$i -> pod1 IPv6"
done

echo "== CHECK, then DEL (twice: DEL is idempotent)"
for i in "${!pods[@]}"; do
	if run CHECK "${pods[$i]}" "$i" prev && run CHECK "${pods[$i]}" "$i" lo; then
		echo "   ok   pod$i: CHECK bridge + loopback"
	else
		echo "   FAIL pod$i: CHECK"; fail=1
	fi
done
for i in "${!pods[@]}"; do
	run DEL "${pods[$i]}" "$i"
	run DEL "${pods[$i]}" "$i"
	run DEL "${pods[$i]}" "$i" lo
done
left=$(find "$work/ipam/demo" -maxdepth 1 -type f ! -name lock ! -name 'last_reserved_ip.*' | wc -l)
echo "   reservations left after DEL: $left"
[ "$left" -eq 0 ] || fail=1
ports=$(ip -n "$node" -o link show master cni-demo0 | wc -l)
echo "   bridge ports left after DEL: $ports"
[ "$ports" -eq 0 ] || fail=1

# ---------------------------------------------------------------- the cluster scene
cnodes=()
# shellcheck disable=SC2317 # invoked by the trap
cluster_cleanup() {
	set +e
	for n in "${cnodes[@]}"; do
		for p in 1 2; do ip netns del "$n-p$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	ip netns del "$tag-sw" 2>/dev/null
}

echo
echo "== cluster: 3 nodes on one switch, the node agent on each, 2 pods per node"
sw="$tag-sw"
ip netns add "$sw"
ip -n "$sw" link add sw0 type bridge
ip -n "$sw" link set sw0 up
items=""
for k in 1 2 3; do
	n="$tag-n$k"
	cnodes+=("$n")
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip -n "$sw" link add "eth$k" type veth peer name eth0 netns "$n"
	ip -n "$sw" link set "eth$k" master sw0 up
	ip -n "$n" addr add "192.168.77.$k/24" dev eth0
	ip -n "$n" link set eth0 up
	items+="${items:+,}{\"metadata\":{\"name\":\"node$k\"},\"spec\":{\"podCIDRs\":[\"10.244.$k.0/24\"]},"
	items+="\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.168.77.$k\"}]}}"
	mkdir -p "$work/node$k"
	cat >"$work/node$k/template.json" <<EOF
{"cniVersion": "1.0.0", "name": "demo-cluster", "plugins": [{"type": "bridge", "bridge": "cni0",
 "isGateway": true, "isDefaultGateway": true,
 "ipam": {"type": "host-local", "ranges": [], "dataDir": "$work/node$k/ipam"}}]}
EOF
done
echo "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[$items]}" >"$work/nodes.json"
for k in 1 2 3; do
	n="$tag-n$k"
	echo "   node$k: cni-c-node --node node$k --nodes nodes.json --once"
	ip netns exec "$n" "$bin/cni-c-node" --node "node$k" --nodes "$work/nodes.json" --once -q \
		--template "$work/node$k/template.json" --cni-conf-dir "$work/node$k/net.d" --cluster-cidr 10.244.0.0/16
	conf=$(jq -c '.plugins[0] + {name: .name, cniVersion: .cniVersion}' "$work/node$k/net.d/10-cni-c.conflist")
	for p in 1 2; do
		ip netns add "$n-p$p"
		ip netns exec "$n" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="node$k-pod$p" \
			CNI_NETNS="/run/netns/$n-p$p" CNI_IFNAME=eth0 CNI_PATH="$bin" "$bin/bridge" <<<"$conf" >/dev/null
	done
done
echo "== the agent's routes (protocol 147) and each node's conflist ranges"
for k in 1 2 3; do
	ip -n "$tag-n$k" route show proto 147 | sed "s/^/   node$k: /"
	echo "   node$k: conflist ranges $(jq -c '.plugins[0].ipam.ranges' "$work/node$k/net.d/10-cni-c.conflist")"
done
echo "== pings across nodes, pod to pod"
for k in 1 2 3; do
	for m in 1 2 3; do
		[ "$k" = "$m" ] && continue
		ping_from "$tag-n$k-p1" "$(addr_of "$tag-n$m-p2")" "node$k/pod1 -> node$m/pod2"
	done
done

if [ "$fail" -eq 0 ]; then echo "== demo OK"; else echo "== demo FAILED"; fi
exit "$fail"

