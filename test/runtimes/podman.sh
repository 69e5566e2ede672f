#!/usr/bin/env bash
# podman.sh PLUGIN_DIR
#
# podman 4.3 with its CNI backend runs containers on networks served by the
# plugins in PLUGIN_DIR: examples/10-cni-c.conflist as is, plus a dual-stack
# network with cniVersion 0.4.0.  Checks, from outside with ip -j and ping,
# that containers get their addresses and routes, reach the gateway and each
# other, that the host reaches them, and that stop, restart, network reload,
# rm and rm -f give every lease back.  The calls podman makes are traced
# (trace-plugin) and checked too.  Prints TAP; needs root.  See README.md
# for the sandbox it runs in and what it leaves (nothing).
#
# podman is configured only through CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF (runc, cgroupfs, no ulimits, vfs storage in the
# temp dir); /etc/containers is not touched.
# Checks are often a small `bash -c '...' _ ARGS` script (common.sh exports
# the helpers they use), hence single quotes around "$1":
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
shopt -s nullglob
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
. "$HERE/common.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 PLUGIN_DIR" >&2; exit 2; }
for c in podman runc conmon jq ip ping nsenter unshare busybox nft; do
	command -v "$c" >/dev/null || bail "$c not found (scripts/deps.sh runtimes installs it)"
done
rt_main podman "$1" libpod_parent
# ------------------------------------------------------------------ inside --

EXAMPLE=$HERE/../../examples/10-cni-c.conflist
NET=cni-c BR=cni-c0 GW=10.85.0.1 DATA=/var/lib/cni/networks
NET6=cni-c-ds BR6=cni-c1 GW6=10.86.0.1
IMG=localhost/$P:busybox

mkdir -p "$TMP/net.d" "$TMP/podman-tmp"
cp "$EXAMPLE" "$TMP/net.d/" || bail "no $EXAMPLE"
cat >"$TMP/net.d/20-$NET6.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$NET6",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BR6",
      "isGateway": true,
      "ipam": {
        "type": "host-local",
        "ranges": [
          [{ "subnet": "10.86.0.0/24", "gateway": "$GW6" }],
          [{ "subnet": "fd00:86::/64", "gateway": "fd00:86::1" }]
        ],
        "routes": [{ "dst": "0.0.0.0/0" }, { "dst": "::/0" }]
      }
    }
  ]
}
EOF
cat >"$TMP/containers.conf" <<EOF
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
tmp_dir = "$TMP/podman-tmp"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$TRACE"]
network_config_dir = "$TMP/net.d"
EOF
cat >"$TMP/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$TMP/run"
graphroot = "$TMP/storage"
EOF
export CONTAINERS_CONF=$TMP/containers.conf CONTAINERS_STORAGE_CONF=$TMP/storage.conf

pm() { bounded "$TMO" podman "$@"; }
# inspect CTR NET FIELD: a field of podman's view of CTR on NET
inspect() { podman inspect --format "{{(index .NetworkSettings.Networks \"$2\").$3}}" "$1"; }
sandbox() { podman inspect --format '{{.NetworkSettings.SandboxKey}}' "$1"; }
# is_eq WHAT GOT WANT
is_eq() { [[ $2 == "$3" ]] || { echo "$1: got '$2', want '$3'"; return 1; }; }

echo "# plugins: $PLUGIN_DIR (traced in $TRACE); $(podman --version); prefix $P"

check "podman info: network backend is cni" \
	bash -c '[[ $(podman info --format "{{.Host.NetworkBackend}}") == cni ]]'
tar -C "$ROOTFS" -cf "$TMP/rootfs.tar" . || bail "tar of the rootfs failed"
check "podman import of a busybox-static rootfs" pm import -q "$TMP/rootfs.tar" "$IMG"
check "podman network ls lists $NET (the example file) and $NET6" \
	bash -c 'n=$(podman network ls --format "{{.Name}}"); grep -qx "$1" <<<"$n" && grep -qx "$2" <<<"$n" || { echo "$n"; exit 1; }' _ "$NET" "$NET6"

# --- 1. two containers on the example network ---------------------------------
run_d() { pm run -d --name "$1" --network "$2" --cap-add NET_RAW --stop-signal KILL "$IMG" sleep 600; }
check "podman run -d c1 --network $NET" run_d "$P-c1" "$NET"
check "podman run -d c2 --network $NET" run_d "$P-c2" "$NET"
IP1=$(inspect "$P-c1" "$NET" IPAddress) IP2=$(inspect "$P-c2" "$NET" IPAddress)
NS1=$(sandbox "$P-c1") NS2=$(sandbox "$P-c2")
check "podman inspect: c1 has $IP1, c2 has $IP2, both in 10.85.0.0/16, different" \
	bash -c '[[ $1 == 10.85.* && $2 == 10.85.* && $1 != "$2" ]]' _ "$IP1" "$IP2"
check "podman inspect: gateway $GW, prefix 16" \
	bash -c '[[ $1 == "$3" && $2 == 16 ]]' _ "$(inspect "$P-c1" "$NET" Gateway)" "$(inspect "$P-c1" "$NET" IPPrefixLen)" "$GW"
check "ip: eth0 in c1's namespace has $IP1/16, in c2's $IP2/16 (what podman reports)" \
	bash -c '[[ $(netns_addr4 "$1" eth0) == "$2/16" && $(netns_addr4 "$3" eth0) == "$4/16" ]]' _ "$NS1" "$IP1" "$NS2" "$IP2"
check "ip: eth0's MAC in c1 is the one podman reports" \
	is_eq "c1 mac" "$(nsenter --net="$NS1" ip -j link show dev eth0 | jq -r '.[0].address')" "$(inspect "$P-c1" "$NET" MacAddress)"
check "ip: c1's default route via $GW dev eth0" netns_default_via "$NS1" "$GW" eth0
check "ip: bridge $BR has $GW/16 and 2 ports" \
	bash -c '[[ $(ip -j -4 addr show dev "$1" | jq -r ".[0].addr_info[0].local") == "$2" ]] && [[ $(ip -j link show master "$1" | jq length) == 2 ]]' _ "$BR" "$GW"
check "host-local: leases for c1 and c2 in $DATA/$NET name their container and eth0" \
	bash -c 'l=$(leases "$1" "$2"); grep -qx "$3 $4 eth0" <<<"$l" && grep -qx "$5 $6 eth0" <<<"$l" || { echo "$l"; exit 1; }' _ \
	"$DATA" "$NET" "$IP1" "$(podman inspect --format '{{.Id}}' "$P-c1")" "$IP2" "$(podman inspect --format '{{.Id}}' "$P-c2")"
check "ping host -> c1 ($IP1)" ping_ip "$IP1"
check "ping c1 -> gateway $GW (podman exec)" pm exec "$P-c1" ping -c 2 -W 2 "$GW"
check "ping c1 -> c2 ($IP2)" pm exec "$P-c1" ping -c 2 -W 2 "$IP2"

# what podman sent
check "trace: podman ran VERSION with CNI_NETNS=dummy CNI_IFNAME=dummy CNI_PATH=dummy before each ADD" \
	bash -c '[[ $(traced_count "$1") -ge $(traced_count "$2") && $(traced_count "$2") -ge 2 ]]' _ \
	'.cmd == "VERSION" and .netns == "dummy" and .ifname == "dummy" and .path == "dummy" and .rc == 0' '.cmd == "ADD" and .plugin == "bridge"'
check "trace: ADD got CNI_ARGS IgnoreUnknown=1;K8S_POD_NAME=<name> and succeeded" \
	bash -c '[[ $(traced_count "$1") == 2 ]]' _ \
	".plugin == \"bridge\" and .cmd == \"ADD\" and .rc == 0 and (.args | startswith(\"IgnoreUnknown=1;K8S_POD_NAME=$P-c\"))"
check "trace: nothing failed so far" bash -c '[[ $(traced_count ".rc != 0") == 0 ]]'

# --- 2. restart and network reload: one lease each time, never two ----------
one_lease() {
	local id n
	id=$(podman inspect --format '{{.Id}}' "$1")
	n=$(leases "$DATA" "$NET" | grep -c " $id eth0\$")
	[[ $n == 1 ]] || { echo "$n leases for $1"; leases "$DATA" "$NET"; return 1; }
}
export DATA NET IMG
export -f pm one_lease
check "podman restart c1 (DEL, then ADD in a new namespace)" pm restart "$P-c1"
IP1=$(inspect "$P-c1" "$NET" IPAddress) NS1=$(sandbox "$P-c1")
check "after restart: c1 has exactly one lease, for $IP1" \
	bash -c 'one_lease "$1" && leases "$2" "$3" | grep -q "^$4 "' _ "$P-c1" "$DATA" "$NET" "$IP1"
check "after restart: ip shows $IP1/16 on eth0 in the new namespace" \
	is_eq "c1 eth0" "$(netns_addr4 "$NS1" eth0)" "$IP1/16"
check "after restart: ping host -> c1 ($IP1)" ping_ip "$IP1"
check "podman network reload c1" pm network reload "$P-c1"
IP1=$(inspect "$P-c1" "$NET" IPAddress)
check "after reload: c1 has exactly one lease, and ping host -> c1 ($IP1)" \
	bash -c 'one_lease "$1" && ping_ip "$2"' _ "$P-c1" "$IP1"
check "after restart and reload: bridge $BR still has 2 ports" ports_are "$BR" 2

# --- 3. stop and rm give the lease back --------------------------------------
check "podman stop c1" pm stop "$P-c1"
check "after stop: c1's lease ($IP1) is released, c2's is kept" \
	bash -c '! leases "$1" "$2" | grep -q "^$3 " && leases "$1" "$2" | grep -q "^$4 "' _ "$DATA" "$NET" "$IP1" "$IP2"
check "after stop: bridge $BR has 1 port" ports_are "$BR" 1
check "trace: podman's DEL carried the cached result as prevResult" \
	bash -c '[[ $(traced_count "$1") -ge 1 && $(traced_count "$2") == 0 ]]' _ \
	'.cmd == "DEL"' '.plugin == "bridge" and .cmd == "DEL" and (.conf.prevResult | not)'
check "podman rm c1" pm rm "$P-c1"
check "podman rm -f c2 (running)" pm rm -f "$P-c2"
check "after rm -f: no lease left in $DATA/$NET" no_leases "$DATA" "$NET"
check "after rm -f: bridge $BR has no ports" ports_are "$BR" 0

# --- 4. a requested IP and MAC (podman passes them as CNI_ARGS IP= and MAC=) --
check "podman run --rm --ip 10.85.7.7 --mac-address 02:85:00:00:07:07" \
	bash -c 'pm run --rm --network "$1" --ip 10.85.7.7 --mac-address 02:85:00:00:07:07 "$2" \
		ip addr show dev eth0 >"$3/static.out"' _ "$NET" "$IMG" "$TMP"
check "inside: eth0 had 10.85.7.7/16 and 02:85:00:00:07:07" \
	bash -c 'grep -q "inet 10.85.7.7/16" "$1" && grep -q "link/ether 02:85:00:00:07:07" "$1" || { cat "$1"; exit 1; }' _ "$TMP/static.out"
check "trace: that ADD got IP=10.85.7.7 and MAC=02:85:00:00:07:07 in CNI_ARGS" \
	bash -c '[[ $(traced_count "$1") == 1 ]]' _ \
	'.plugin == "bridge" and .cmd == "ADD" and (.args | contains("MAC=02:85:00:00:07:07") and contains("IP=10.85.7.7"))'
check "after run --rm: no lease left" no_leases "$DATA" "$NET"

# --- 5. two networks at once, one of them dual-stack with cniVersion 0.4.0 ----
check "podman run -d c3 --network $NET,$NET6" run_d "$P-c3" "$NET,$NET6"
NS3=$(sandbox "$P-c3")
IP3=$(inspect "$P-c3" "$NET" IPAddress) IP3B=$(inspect "$P-c3" "$NET6" IPAddress)
IP3V6=$(inspect "$P-c3" "$NET6" GlobalIPv6Address)
check "podman inspect: c3 has $IP3 on $NET, $IP3B and $IP3V6 on $NET6" \
	bash -c '[[ $1 == 10.85.* && $2 == 10.86.0.* && $3 == fd00:86::* ]]' _ "$IP3" "$IP3B" "$IP3V6"
check "ip: c3 has eth0 ($IP3/16) and eth1 ($IP3B/24)" \
	bash -c '[[ $(netns_addr4 "$1" eth0) == "$2/16" && $(netns_addr4 "$1" eth1) == "$3/24" ]] || { nsenter --net="$1" ip -br addr; exit 1; }' _ "$NS3" "$IP3" "$IP3B"
check "ip: eth1 in c3 has $IP3V6/64" \
	bash -c 'nsenter --net="$1" ip -j -6 addr show dev eth1 | jq -e --arg a "$2" "any(.[0].addr_info[]; .local == \$a and .prefixlen == 64)" >/dev/null' _ "$NS3" "$IP3V6"
check "trace: ADD for $NET6 ran with CNI_IFNAME=eth1 and cniVersion 0.4.0, result 0.4.0" \
	bash -c '[[ $(traced_count "$1") == 1 ]]' _ \
	".cmd == \"ADD\" and .ifname == \"eth1\" and .conf.name == \"$NET6\" and .conf.cniVersion == \"0.4.0\" and .out.cniVersion == \"0.4.0\""
check "ping host -> c3 on both networks ($IP3, $IP3B)" bash -c 'ping_ip "$1" && ping_ip "$2"' _ "$IP3" "$IP3B"
check "ping host -> c3 over IPv6 ($IP3V6)" ping_ip "$IP3V6"
check "podman rm -f c3" pm rm -f "$P-c3"
check "after rm -f: no lease left on either network" \
	bash -c 'no_leases "$1" "$2" && no_leases "$1" "$3"' _ "$DATA" "$NET" "$NET6"

# --- 6. four at once; then a pod whose namespace vanished (as after a reboot) --
par_run() {
	local i pids=() rc=0
	for i in 1 2 3 4; do
		podman run -d --name "$P-p$i" --network "$NET" --stop-signal KILL "$IMG" sleep 600 >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return "$rc"
}
check "4 podman run -d at once" bounded "$TMO" bash -c "$(declare -f par_run); par_run"
check "the 4 got 4 different leases" \
	bash -c 'n=$(leases "$1" "$2" | cut -d" " -f1 | sort -u | wc -l); [[ $n == 4 ]] || { leases "$1" "$2"; exit 1; }' _ "$DATA" "$NET"
NSP1=$(sandbox "$P-p1") IDP1=$(podman inspect --format '{{.Id}}' "$P-p1")
gone_netns() { umount "$1" && rm -f "$1"; }
check "p1's namespace file $NSP1 removed behind podman's back" gone_netns "$NSP1"
check "podman rm -f of the 4" pm rm -f "$P-p1" "$P-p2" "$P-p3" "$P-p4"
# podman 4.3 cannot join the vanished namespace and then skips CNI DEL for it
# altogether ("Joining network namespace for container ...: no such file"), so
# p1's lease stays: no plugin can answer a call that is never made.  CNI 1.1
# GC is the remedy; this podman does not run it, a node agent or a newer
# runtime would, so run it here the way they do.
n_del=$(traced_count ".plugin == \"bridge\" and .cmd == \"DEL\" and .containerid == \"$IDP1\"")
echo "# podman ran DEL for p1 $n_del time(s); its lease: $(leases "$DATA" "$NET" | grep " $IDP1 " || echo none)"
check "p2..p4 (namespaces intact): DEL ran, their leases are released" \
	bash -c '[[ -z $(leases "$1" "$2" | grep -v " $3 ") ]] || { leases "$1" "$2"; exit 1; }' _ "$DATA" "$NET" "$IDP1"
gc_none_valid() {
	jq '.plugins[0] + {cniVersion: "1.1.0", name: .name, "cni.dev/valid-attachments": []}' "$EXAMPLE" |
		env CNI_COMMAND=GC CNI_PATH="$TRACE" "$TRACE/bridge"
}
check "CNI GC through bridge with no valid attachments (what a 1.1 runtime runs): succeeds" gc_none_valid
check "after GC: no lease left in $DATA/$NET (p1's leaked one included)" no_leases "$DATA" "$NET"

# --- 7. host ports (portmap, chained in the example file) ---------------------
# An "outside" namespace on a veth to this sandbox's host namespace (192.168.85.1).
if ! { ip netns add "$P-out" && ip link add "${P:0:8}o" type veth peer name eth0 netns "$P-out" &&
	ip addr add 192.168.85.1/24 dev "${P:0:8}o" && ip link set "${P:0:8}o" up &&
	ip -n "$P-out" addr add 192.168.85.2/24 dev eth0 && ip -n "$P-out" link set eth0 up &&
	ip -n "$P-out" link set lo up; }; then
	bail "no outside namespace"
fi
check "podman run -d -p 18080:80 c5 (busybox httpd)" \
	pm run -d --name "$P-c5" --network "$NET" -p 18080:80 "$IMG" \
	/bin/sh -c 'mkdir -p /srv && echo hello-from-c5 >/srv/index.html && exec httpd -f -p 80 -h /srv'
http_get() { # HOST PORT: the body of GET / (bash's /dev/tcp: busybox-static's
	# wget crashes resolving anything with Debian 12's static glibc)
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3
		sed "1,/^\r\{0,1\}$/d" <&3' _ "$1" "$2" 2>/dev/null
}
fetch() { # [netns] HOST PORT: the page, retried for a second while httpd starts
	local i out
	for ((i = 0; i < 20; i++)); do
		if [[ $# == 3 ]]; then out=$(ip netns exec "$1" bash -c 'http_get "$1" "$2"' _ "$2" "$3")
		else out=$(http_get "$1" "$2"); fi
		[[ $out == hello-from-c5 ]] && return 0
		sleep 0.05
	done
	echo "got '$out'"
	nft list table ip cni-c-portmap
	return 1
}
export -f http_get
export -f fetch
check "host port 18080 serves c5 from the host (127.0.0.1)" fetch 127.0.0.1 18080
check "host port 18080 serves c5 from the host's own address" fetch 192.168.85.1 18080
check "host port 18080 serves c5 from an outside namespace" fetch "$P-out" 192.168.85.1 18080
check "trace: portmap got runtimeConfig.portMappings [{hostPort 18080, containerPort 80, tcp}]" \
	bash -c '[[ $(traced_count "$1") == 1 ]] || { traced ".plugin == \"portmap\""; exit 1; }' _ \
	'.plugin == "portmap" and .cmd == "ADD" and .rc == 0 and (.conf.runtimeConfig.portMappings | any(.hostPort == 18080 and .containerPort == 80 and .protocol == "tcp"))'
c5_rules() { nft list table ip cni-c-portmap 2>/dev/null | grep -c "$1" || true; }
export -f c5_rules
ID5=$(podman inspect --format '{{.Id}}' "$P-c5")
check "nft: the portmap table holds c5's rules" bash -c '[[ $(c5_rules "$1") -ge 2 ]]' _ "$ID5"
check "podman rm -f c5" pm rm -f "$P-c5"
check "after rm: no rule of c5 is left (nft list table ip cni-c-portmap)" \
	bash -c '[[ $(c5_rules "$1") == 0 ]] && [[ -z $(nft list table ip cni-c-portmap 2>/dev/null | grep "chain pm-") ]]' _ "$ID5"
check "after rm: host port 18080 is closed" bash -c '[[ -z $(http_get 127.0.0.1 18080) ]]'
ip netns del "$P-out"

# --- 8. the end ------------------------------------------------------------
check "podman ps -a: no container left" bash -c '[[ -z $(podman ps -aq) ]]'
check "no pod namespace left in /run/netns" bash -c '[[ -z $(ls -A /run/netns) ]] || { ls -A /run/netns; exit 1; }'
check "bridges $BR and $BR6 have no ports" bash -c 'ports_are "$1" 0 && ports_are "$2" 0' _ "$BR" "$BR6"
check "trace: every call podman made succeeded" \
	bash -c '[[ $(traced_count ".rc != 0") == 0 ]] || { traced ".rc != 0"; exit 1; }'
check "trace: podman ran a VERSION probe for every ADD and DEL (one per network and call)" \
	bash -c 'v=$(traced_count ".cmd == \"VERSION\"") o=$(traced_count ".plugin == \"bridge\" and (.cmd == \"ADD\" or .cmd == \"DEL\")"); [[ $v -ge $o ]] || { echo "$v VERSION, $o ADD/DEL"; exit 1; }'
check "trace: podman never ran the loopback plugin (it sets lo up itself)" \
	bash -c '[[ $(traced_count ".plugin == \"loopback\"") == 0 ]]'
podman rmi -f "$IMG" >/dev/null 2>&1
