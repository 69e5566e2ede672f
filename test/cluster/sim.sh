#!/usr/bin/env bash
# sim.sh BIN_DIR: a whole cluster in network namespaces, wired by the node agent.
#
#   NODES nodes (default 20) on one underlay bridge (192.168.100.0/24, fd00:100::/64),
#   one more node on another subnet behind a router (192.168.200.0/24, fd00:200::/64:
#   the others reach it through VXLAN), an "internet" namespace behind the router
#   (203.0.113.2, 2001:db8:1::2) and PODS pods per node (default 10), made by our bridge
#   + host-local from the conflist each node's agent wrote.
#
# Phase 1: each agent runs --once on a NodeList file. Phase 2: each runs as a daemon
# against a stand-in API server (test/cluster/kube-api.py, HTTPS, list + watch), while
# nodes are deleted and changed, an agent is killed and restarted, the watch history
# is compacted (410) and connections are cut mid-event. Phase 3: --cleanup.
#
# Everything runs inside `unshare --net --mount` (a throwaway "host" namespace with a
# private /run/netns); the machine's own namespace is compared before and after. The
# neighbour-table limits are global, so they are raised for the run and restored.
# Output is TAP. Environment: NODES, PODS, SIM_KEEP=1 (keep the state directory).
# shellcheck disable=SC2317 # functions called indirectly (traps, check)
# shellcheck disable=SC2015 # A && B || C on purpose: C reports A or B failing
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
NODES=${NODES:-20}
PODS=${PODS:-10}
PORT=7777
TMO=60

bail0() { echo "Bail out! $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || bail0 "must run as root"
[[ $# -ge 1 && -x $1/cni-c-node && -x $1/bridge ]] || bail0 "usage: sim.sh BIN_DIR (with cni-c-node and bridge)"
BIN=$(cd "$1" && pwd -P)
SIMPEER=${SIMPEER:-$ROOT/build/simpeer}
[[ -x $SIMPEER ]] || bail0 "no $SIMPEER (make build/simpeer)"

# ---------------------------------------------------------------- outside
if [[ ${SIM_INSIDE:-} != 1 ]]; then
	TMP=$(mktemp -d /tmp/cni-c-sim.XXXXXX) || bail0 "mktemp"
	. "$ROOT/test/lib/tap.sh"
	host_state() {
		ip -j link show | jq -c '[.[] | {ifname, flags, mtu, address}]'
		ip -j addr show | jq -c '[.[] | {ifname, a: [.addr_info[] | {local, prefixlen}]}]'
		ip -j route show table all | jq -c '[.[] | {dst, gateway, dev, protocol, table}]'
		ip -j -6 route show table all | jq -c '[.[] | {dst, gateway, dev, protocol, table}]'
		if command -v nft >/dev/null; then nft list ruleset 2>/dev/null; fi
	}
	declare -A saved=()
	thresh() { echo "/proc/sys/net/$1/neigh/default/$2"; }
	restore() {
		local k
		for k in "${!saved[@]}"; do echo "${saved[$k]}" >"$k" 2>/dev/null; done
	}
	for fam in ipv4 ipv6; do
		for t in gc_thresh1 gc_thresh2 gc_thresh3; do saved[$(thresh $fam $t)]=$(cat "$(thresh $fam $t)"); done
	done
	trap 'restore; [[ ${SIM_KEEP:-} == 1 ]] || rm -rf "$TMP"' EXIT
	trap 'exit 143' TERM INT HUP
	# 21 nodes x (10 pods + peers + router) per family and the pods' own entries come
	# close to the default 1024: room for the run, the machine's values back after.
	for fam in ipv4 ipv6; do
		echo 8192 >"$(thresh $fam gc_thresh2)"
		echo 16384 >"$(thresh $fam gc_thresh3)"
	done
	before=$(host_state)
	rc=0
	# A pid namespace too: whatever the inside started dies with it, even when the
	# inside script itself is killed.
	unshare --net --mount --pid --fork --mount-proc --propagation private \
		env SIM_INSIDE=1 TMP="$TMP" bash "$0" "$BIN" || rc=$?
	N=$(cat "$TMP/tap.n" 2>/dev/null || echo 0)
	FAILED=$(cat "$TMP/tap.failed" 2>/dev/null || echo 1)
	[[ $rc -eq 0 || $FAILED -gt 0 ]] || FAILED=$((FAILED + 1))
	restore
	after=$(host_state)
	if [[ $before == "$after" ]]; then
		ok "the machine's own namespace is untouched (links, addresses, routes, nftables)"
	else
		notok "the machine's own namespace changed"
		diff <(echo "$before") <(echo "$after") | diag
	fi
	[[ ${SIM_KEEP:-} == 1 ]] && echo "# state kept in $TMP"
	tap_end "cluster simulation"
	exit $?
fi

# ---------------------------------------------------------------- inside
. "$ROOT/test/lib/tap.sh"
S=$TMP
JOBS=()
cleanup_inside() {
	local p
	for p in "${JOBS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${JOBS[@]}"; do wait "$p" 2>/dev/null; done
	echo "$N" >"$S/tap.n"
	echo "$FAILED" >"$S/tap.failed"
}
trap cleanup_inside EXIT
trap 'exit 143' TERM INT HUP

mkdir -p /run/netns
mount -t tmpfs sim-netns /run/netns || bail "cannot mount /run/netns"
ip link set lo up

V=$((NODES + 1))                       # the node behind the router (VXLAN)
name() { printf 'node-%02d' "$1"; }
ip4() { if (($1 == V)); then echo 192.168.200.2; else echo "192.168.100.$1"; fi; }
ip6() { if (($1 == V)); then echo fd00:200::2; else printf 'fd00:100::%x\n' "$1"; fi; }
cidr4() { echo "10.244.$1.0/24"; }
cidr6() { printf 'fd10:244:0:%x::/64\n' "$1"; }
CLUSTER4=10.244.0.0/16
CLUSTER6=fd10:244::/48
INET4=203.0.113.2
INET6=2001:db8:1::2
ns() { echo "n$1"; }
# Run in node/pod namespace $1 (a name under /run/netns). nsenter only switches the
# network namespace; `ip netns exec` and `ip -n` also remount /sys, several ms each.
in_ns() { nsenter --net="/run/netns/$1" "${@:2}"; }

t0=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ---- topology
setup_topology() {
	# The underlay bridge, and on it the API server's address (192.168.100.254).
	ip link add u0 type bridge &&
		ip addr add 192.168.100.254/24 dev u0 && ip -6 addr add fd00:100::fe/64 dev u0 nodad &&
		ip link set u0 up || return 1
	ip netns add rtr && ip netns add inet || return 1
	ip -n rtr link set lo up
	ip link add rtr-u type veth peer name eth0 netns rtr && ip link set rtr-u master u0 up &&
		ip -n rtr addr add 192.168.100.253/24 dev eth0 && ip -n rtr addr add fd00:100::fd/64 dev eth0 nodad &&
		ip -n rtr link set eth0 up || return 1
	ip -n rtr link add eth2 type veth peer name eth0 netns inet &&
		ip -n rtr addr add 203.0.113.1/24 dev eth2 && ip -n rtr addr add 2001:db8:1::1/64 dev eth2 nodad &&
		ip -n rtr link set eth2 up && ip -n inet link set lo up &&
		ip -n inet addr add "$INET4/24" dev eth0 && ip -n inet addr add "$INET6/64" dev eth0 nodad &&
		ip -n inet link set eth0 up && ip -n inet route add default via 203.0.113.1 &&
		ip -n inet -6 route add default via 2001:db8:1::1 || return 1
	ip netns exec rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# The API server answers the node behind the router through it.
	ip route add 192.168.200.0/24 via 192.168.100.253 && ip -6 route add fd00:200::/64 via fd00:100::fd || return 1
	local k
	for ((k = 1; k <= V; k++)); do
		ip netns add "$(ns "$k")" && ip -n "$(ns "$k")" link set lo up || return 1
		if ((k == V)); then
			ip -n rtr link add eth1 type veth peer name eth0 netns "$(ns "$k")" &&
				ip -n rtr addr add 192.168.200.1/24 dev eth1 && ip -n rtr addr add fd00:200::1/64 dev eth1 nodad &&
				ip -n rtr link set eth1 up || return 1
			gw4=192.168.200.1 gw6=fd00:200::1 plen=24
		else
			ip link add "$(ns "$k")-u" type veth peer name eth0 netns "$(ns "$k")" &&
				ip link set "$(ns "$k")-u" master u0 up || return 1
			gw4=192.168.100.253 gw6=fd00:100::fd plen=24
		fi
		ip -n "$(ns "$k")" addr add "$(ip4 "$k")/$plen" dev eth0 &&
			ip -n "$(ns "$k")" addr add "$(ip6 "$k")/64" dev eth0 nodad &&
			ip -n "$(ns "$k")" link set eth0 up &&
			ip -n "$(ns "$k")" route add default via $gw4 &&
			ip -n "$(ns "$k")" -6 route add default via $gw6 || return 1
		mkdir -p "$S/$(name "$k")"
		cat >"$S/$(name "$k")/template.json" <<-EOF
			{"cniVersion": "1.0.0", "name": "simnet", "plugins": [{"type": "bridge", "bridge": "cni0",
			 "isGateway": true, "isDefaultGateway": true, "hairpinMode": true,
			 "ipam": {"type": "host-local", "ranges": [], "dataDir": "$S/$(name "$k")/ipam"}}]}
		EOF
	done
}

node_json() { # k [cidr4 cidr6] [ip4 ip6]
	local k=$1 c4=${2:-$(cidr4 "$1")} c6=${3:-$(cidr6 "$1")} a4=${4:-$(ip4 "$1")} a6=${5:-$(ip6 "$1")}
	printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","labels":{"kubernetes.io/os":"linux"}},' "$(name "$k")"
	printf '"spec":{"podCIDR":"%s","podCIDRs":["%s","%s"]},' "$c4" "$c4" "$c6"
	printf '"status":{"addresses":[{"type":"InternalIP","address":"%s"},{"type":"InternalIP","address":"%s"},' "$a4" "$a6"
	printf '{"type":"Hostname","address":"%s"}],"conditions":[{"type":"Ready","status":"True"}]}}' "$(name "$k")"
}

write_nodelist() {
	local k sep=""
	{
		printf '{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":['
		for ((k = 1; k <= V; k++)); do
			printf '%s' "$sep"
			node_json "$k"
			sep=,
		done
		printf ']}\n'
	} >"$S/nodes.json"
}

agent_args() { # k
	local k=$1
	echo --node "$(name "$k")" --cni-conf-dir "$S/$(name "$k")/net.d" --template "$S/$(name "$k")/template.json" \
		--cluster-cidr "$CLUSTER4" --cluster-cidr "$CLUSTER6"
}

conflist() { echo "$S/$(name "$1")/net.d/10-cni-c.conflist"; }

# own routes of node k, one "dst via dev" per line
routes() { # k family
	in_ns "n$1" ip "-$2" -j route show proto 147 | jq -r '.[] | "\(.dst) \(.gateway) \(.dev)"' | sort
}

check_routes() { # k: a route per other node and family, direct or through VXLAN
	local k=$1 m fam out want dev
	for fam in 4 6; do
		out=$(routes "$k" $fam)
		for ((m = 1; m <= V; m++)); do
			((m == k)) && continue
			if ((fam == 4)); then want=10.244.$m.0/24; else printf -v want 'fd10:244:0:%x::/64' "$m"; fi
			if ((m == V || k == V)); then dev=cni-c-vx$fam; else dev=eth0; fi
			grep -q "^$want .* $dev\$" <<<"$out" || {
				echo "node $k: no IPv$fam route to $want on $dev; has:"
				echo "$out"
				return 1
			}
		done
		[[ $(wc -l <<<"$out") -eq $((V - 1)) ]] || { echo "node $k: $(wc -l <<<"$out") IPv$fam routes"; return 1; }
	done
}

run_agents_once() {
	local k
	for ((k = 1; k <= V; k++)); do
		# shellcheck disable=SC2046
		in_ns "n$k" "$BIN/cni-c-node" $(agent_args "$k") --nodes "$S/nodes.json" --once \
			>"$S/$(name "$k")/once.log" 2>&1 || { echo "node $k:"; cat "$S/$(name "$k")/once.log"; return 1; }
	done
}

check_conflists() {
	local k got
	for ((k = 1; k <= V; k++)); do
		got=$(jq -c '.plugins[0].ipam.ranges' "$(conflist "$k")") || return 1
		[[ $got == "[[{\"subnet\":\"$(cidr4 "$k")\"}],[{\"subnet\":\"$(cidr6 "$k")\"}]]" ]] ||
			{ echo "node $k: ranges $got"; return 1; }
	done
}

# ---- pods
declare -A POD4 POD6
add_pods() {
	local k j conf out a4 a6
	for ((k = 1; k <= V; k++)); do
		conf=$(jq -c '.plugins[0] + {name: .name, cniVersion: .cniVersion}' "$(conflist "$k")") || return 1
		for ((j = 1; j <= PODS; j++)); do
			ip netns add "n${k}p$j" || return 1
			out=$(in_ns "n$k" env CNI_COMMAND=ADD CNI_CONTAINERID="sim-$k-$j" CNI_NETNS="/run/netns/n${k}p$j" \
				CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <<<"$conf") || { echo "pod $k/$j: $out"; return 1; }
			# (no jq per pod: 210 of them add seconds)
			[[ $out =~ \"address\":\ *\"([0-9.]+)/ ]] && a4=${BASH_REMATCH[1]} &&
				[[ $out =~ \"address\":\ *\"([0-9a-f:]+)/ ]] && a6=${BASH_REMATCH[1]} ||
				{ echo "pod $k/$j: $out"; return 1; }
			POD4[$k.$j]=$a4
			POD6[$k.$j]=$a6
		done
	done
}

start_listeners() {
	local k j paths=(/run/netns/inet)
	for ((k = 1; k <= V; k++)); do
		for ((j = 1; j <= PODS; j++)); do paths+=("/run/netns/n${k}p$j"); done
	done
	"$SIMPEER" serve "$PORT" "${paths[@]}" >"$S/serve.log" 2>&1 &
	JOBS+=($!)
	local i
	for ((i = 0; i < 100; i++)); do grep -q ready "$S/serve.log" 2>/dev/null && return 0; sleep 0.05; done
	cat "$S/serve.log"
	return 1
}

# probes "k..." : pod j of each node k -> pod j of every other listed node, both
# families, source must be the sender pod's address
probe_pods() {
	local nodes=("$@") k m j
	for k in "${nodes[@]}"; do
		for ((j = 1; j <= PODS; j++)); do
			for m in "${nodes[@]}"; do
				((m == k)) && continue
				echo "/run/netns/n${k}p$j ${POD4[$k.$j]} ${POD4[$m.$j]}"
				echo "/run/netns/n${k}p$j ${POD6[$k.$j]} ${POD6[$m.$j]}"
			done
		done
	done >"$S/probes.txt"
	"$SIMPEER" probe "$PORT" 5000 <"$S/probes.txt" >"$S/probes.out" || { grep -m 20 fail "$S/probes.out"; return 1; }
	echo "$(wc -l <"$S/probes.out") probes (UDP with source check + ICMP echo) passed"
}

# every pod -> the internet namespace: seen as its node's address (masqueraded)
probe_internet() {
	local k j a4 a6
	for ((k = 1; k <= V; k++)); do
		a4=$(ip4 "$k") a6=$(ip6 "$k")
		for ((j = 1; j <= PODS; j++)); do
			echo "/run/netns/n${k}p$j $a4 $INET4"
			echo "/run/netns/n${k}p$j $a6 $INET6"
		done
	done >"$S/inet.txt"
	"$SIMPEER" probe "$PORT" 5000 <"$S/inet.txt" >"$S/inet.out" || { grep -m 20 fail "$S/inet.out"; return 1; }
}

# ---- the API
API=192.168.100.254
CTL=http://127.0.0.1:16444
ctl() { curl -sf -X "$1" "$CTL$2" ${3:+-d "$3"}; }
declare -A AGENT

start_api() {
	"$ROOT/test/cluster/certs.sh" "$S/pki" "$API" || return 1
	python3 "$ROOT/test/cluster/kube-api.py" --addr "$API" --port 6443 --control-port 16444 \
		--cert "$S/pki/server.crt" --key "$S/pki/server.key" --ca "$S/pki/ca.crt" --token sim-token \
		--nodes "$S/nodes.json" >"$S/api.log" 2>&1 &
	JOBS+=($!)
	local i
	for ((i = 0; i < 100; i++)); do grep -q ready "$S/api.log" 2>/dev/null && break; sleep 0.05; done
	grep -q ready "$S/api.log" || { cat "$S/api.log"; return 1; }
	cat >"$S/kubeconfig" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: sim
		  cluster:
		    server: https://$API:6443
		    certificate-authority: pki/ca.crt
		users:
		- name: agent
		  user:
		    token: sim-token
		contexts:
		- name: sim
		  context: {cluster: sim, user: agent}
		current-context: sim
	EOF
}

start_agent() { # k
	local k=$1
	# exec: $! must be the agent itself (a backgrounded function runs in a subshell of
	# its own, and a signal to that would never reach the agent).
	# shellcheck disable=SC2046
	(exec nsenter --net="/run/netns/n$k" "$BIN/cni-c-node" $(agent_args "$k") --kubeconfig "$S/kubeconfig" -v) \
		>>"$S/$(name "$k")/agent.log" 2>&1 &
	AGENT[$k]=$!
	JOBS+=($!)
}

# wait until every given agent's log has at least COUNT lines matching RE
wait_logs() { # re count k...
	local re=$1 count=$2 k i
	shift 2
	for ((i = 0; i < 200; i++)); do
		for k in "$@"; do
			[[ $(grep -c -E "$re" "$S/$(name "$k")/agent.log") -ge $count ]] || continue 2
		done
		return 0
	done
}

agents_synced() { # count k...: every agent listed and reconciled COUNT times, with zero writes
	local count=$1 k
	shift
	for k in "$@"; do
		local i
		for ((i = 0; i < 100; i++)); do
			[[ $(grep -c 'debug: reconcile: ' "$S/$(name "$k")/agent.log") -ge $count ]] && continue 2
			grep -q 'info: reconcile\|cni-c-node: reconcile' "$S/$(name "$k")/agent.log" && break
			sleep 0.1
		done
		echo "node $k did not reconcile without writes:"
		tail -5 "$S/$(name "$k")/agent.log"
		return 1
	done
}

# every node but the given ones has (or has not) a route to prefix, within ms
route_everywhere() { # present|absent prefix family ms skip...
	local want=$1 prefix=$2 fam=$3 limit=$4 start k missing
	shift 4
	start=$(date +%s%N)
	while :; do
		missing=0
		for ((k = 1; k <= V; k++)); do
			[[ " $* " == *" $k "* ]] && continue
			if [[ -n $(in_ns "n$k" ip "-$fam" route show "$prefix" proto 147) ]]; then
				[[ $want == present ]] || missing=$((missing + 1))
			else
				[[ $want == absent ]] || missing=$((missing + 1))
			fi
		done
		if ((missing == 0)); then
			echo "$prefix $want on every node after $(ms_since "$start") ms"
			return 0
		fi
		if (($(ms_since "$start") > limit)); then
			echo "$prefix: $missing node(s) not yet $want after $limit ms"
			return 1
		fi
		sleep 0.01
	done
}

# ================================================================ the run
check "topology: $V nodes (one behind a router), router, internet" setup_topology || bail "no topology"
write_nodelist
start=$(date +%s%N)
check "phase 1: $V agents, --once on a NodeList file" run_agents_once
echo "# phase 1 agents: $(ms_since "$start") ms for $V runs"
check "every node's conflist carries its own pod CIDRs (IPv4, IPv6)" check_conflists
for ((k = 1; k <= V; k++)); do
	check "node $k: a route to each of the $((V - 1)) others per family (direct, VXLAN to/from node $V)" check_routes "$k"
done
start=$(date +%s%N)
check "$((V * PODS)) pods from the agents' conflists (bridge + host-local)" add_pods || bail "no pods"
echo "# pods: $(ms_since "$start") ms"
check "listeners in every pod and the internet namespace" start_listeners || bail "no listeners"
all=()
for ((k = 1; k <= V; k++)); do all+=("$k"); done
start=$(date +%s%N)
check "every pod reaches its peer on every other node (IPv4 + IPv6), seen with its own pod address" probe_pods "${all[@]}"
diag <"$TMP/out"
echo "# pod matrix: $(ms_since "$start") ms"
check "pods reach the internet namespace, masqueraded to their node's address" probe_internet

check "stand-in API server (HTTPS, token) with the same $V nodes" start_api || bail "no API server"
for ((k = 1; k <= V; k++)); do start_agent "$k"; done
check "phase 2: $V agents list from the API and find nothing to change (0 kernel writes)" agents_synced 1 "${all[@]}"

# a node is deleted: its routes leave every node within a second
D=$NODES
ctl DELETE "/nodes/$(name "$D")" >/dev/null
check "node $D deleted: its IPv4 route leaves every node within 1 s" route_everywhere absent "$(cidr4 "$D")" 4 1000 "$D"
diag <"$TMP/out"
check "node $D deleted: its IPv6 route leaves every node within 1 s" route_everywhere absent "$(cidr6 "$D")" 6 1000 "$D"

# a podCIDR changes: that node's conflist is rewritten, the others route the new prefix
C=$((NODES - 1))
ctl PUT "/nodes/$(name $C)" "$(node_json $C 10.244.199.0/24 fd10:244:0:c7::/64)" >/dev/null
conflist_changed() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(jq -c '.plugins[0].ipam.ranges' "$(conflist $C)") == '[[{"subnet":"10.244.199.0/24"}],[{"subnet":"fd10:244:0:c7::/64"}]]' ]] && return 0
		sleep 0.01
	done
	jq -c . "$(conflist $C)"
	return 1
}
check "node $C's podCIDR changed: its conflist is rewritten" conflist_changed
check "node $C's new IPv4 pod CIDR is routed everywhere" route_everywhere present 10.244.199.0/24 4 2000 "$C" "$D"
check "node $C's old IPv4 pod CIDR is gone everywhere" route_everywhere absent "$(cidr4 $C)" 4 2000 "$C" "$D"
check "node $C's new IPv6 pod CIDR is routed everywhere" route_everywhere present fd10:244:0:c7::/64 6 2000 "$C" "$D"

# an agent is killed and restarted: no route of its node is deleted meanwhile
K=5
(exec nsenter --net="/run/netns/n$K" ip monitor route) >"$S/monitor.log" 2>&1 &
MON=$!
JOBS+=("$MON")
sleep 0.2
before_kill=$(routes $K 4; routes $K 6)
kill -KILL "${AGENT[$K]}"
wait "${AGENT[$K]}" 2>/dev/null
no_agent() { ! pgrep -f -- "cni-c-node --node $(name "$1") " >/dev/null; } # k: its agent is gone
killed_kept() { no_agent "$K" && test "$before_kill" == "$(routes $K 4; routes $K 6)"; }
check "agent $K killed (SIGKILL): it is gone, its routes stay" killed_kept
start_agent $K
check "agent $K restarted: it lists and reconciles with 0 kernel writes" agents_synced 2 $K
sleep 0.3
kill "$MON" 2>/dev/null
no_deletions() { ! grep -i '^deleted' "$S/monitor.log"; }
check "ip monitor route saw no deletion on node $K during kill and restart" no_deletions

# the watch: history compacted (410 on reconnect), connections dropped, an event cut in two
lists_before=$(ctl GET /stats | jq .lists)
ctl POST /compact >/dev/null
ctl POST /drop >/dev/null
relisted() {
	local i now
	for ((i = 0; i < 300; i++)); do
		now=$(ctl GET /stats | jq .lists)
		((now - lists_before >= V - 1)) && { echo "$((now - lists_before)) lists after the compaction"; return 0; }
		sleep 0.02
	done
	echo "only $((now - lists_before)) lists"
	return 1
}
check "history compacted and watches dropped: every agent gets 410 and lists again" relisted
diag <"$TMP/out"
E=$((V + 3))
ctl POST /drop-mid-event >/dev/null
ctl PUT "/nodes/$(name $E)" "$(node_json $E 10.244.$E.0/24 "$(cidr6 $E)" 192.168.100.$E "$(printf 'fd00:100::%x' $E)")" >/dev/null
check "an event cut mid-stream is not applied half; after the reconnect node $E is routed everywhere" \
	route_everywhere present "10.244.$E.0/24" 4 5000 "$D"
cut_seen() { grep -l 'watch dropped' "$S"/node-*/agent.log | wc -l | grep -qv '^0$'; }
check "agents reported the cut connection and reconnected" cut_seen

rest=()
for ((k = 1; k <= V; k++)); do ((k == C || k == D)) || rest+=("$k"); done
start=$(date +%s%N)
check "after all that, pods of the ${#rest[@]} unchanged nodes still reach each other with their own addresses" \
	probe_pods "${rest[@]}"
diag <"$TMP/out"
check "and still reach the internet masqueraded" probe_internet

# --cleanup removes what the agent owns, nothing else
kill "${AGENT[1]}"
wait "${AGENT[1]}" 2>/dev/null
stopped_kept() { no_agent 1 && test -n "$(routes 1 4)"; }
check "agent 1 stopped with SIGTERM: it is gone, its routes stay" stopped_kept
check "--cleanup on node 1" in_ns n1 "$BIN/cni-c-node" --cleanup
cleaned() {
	[[ -z $(routes 1 4) && -z $(routes 1 6) ]] || { echo "routes left"; return 1; }
	! in_ns n1 ip link show cni-c-vx4 >/dev/null 2>&1 || { echo "vxlan left"; return 1; }
	if command -v nft >/dev/null; then
		! in_ns n1 nft list tables 2>/dev/null | grep -q cni-c-node || { echo "nft table left"; return 1; }
	fi
	in_ns n1 ip route show default | grep -q 192.168.100.253 || { echo "the default route is gone"; return 1; }
	in_ns n1 ip link show cni0 >/dev/null || { echo "the bridge is gone"; return 1; }
}
check "node 1 has no route, device or table of the agent left; its own routes and bridge stay" cleaned
echo "# total: $(ms_since "$t0") ms"
