#!/usr/bin/env bash
# run.sh PLUGIN_DIR
#
# Drive the CNI plugins in PLUGIN_DIR (bridge, host-local, loopback) with the
# upstream CNI client tools (cnitool, exec-plugins.sh, priv-net-run.sh; see
# fetch.sh) and check the outcome from outside with `ip -j` and ping.
# Prints TAP ("ok N - ..." / "not ok N - ...") and exits nonzero on any
# failure.  Must run as root.  Everything it creates (network namespaces,
# bridges, temp dirs, libcni cache files) carries a per-run prefix
# (cnih<pid>) and is removed on every exit path.
#
# Environment:
#   CNIH_TOOLS         dir with cnitool, exec-plugins.sh, priv-net-run.sh
#                      (default $CNIH_CACHE/bin; fetch.sh is run if missing)
#   CNIH_CACHE         fetch.sh cache dir (default /var/cache/cni-harness)
#   CNIH_CONF_VERSION  cniVersion of the .conf files used via priv-net-run.sh
#                      (default 0.2.0, as in the upstream scripts' README)
#   CNIH_TIMEOUT       seconds allowed for one cnitool/plugin run (default 60)
set -uo pipefail
shopt -s nullglob

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
CACHE=${CNIH_CACHE:-/var/cache/cni-harness}
TOOLS=${CNIH_TOOLS:-$CACHE/bin}
CONF_VERSION=${CNIH_CONF_VERSION:-0.2.0}
TMO=${CNIH_TIMEOUT:-60}

# shellcheck source=test/lib/tap.sh
. "$HERE/../lib/tap.sh"

# --- arguments and prerequisites ----------------------------------------------
[[ $# -eq 1 ]] || { echo "usage: $0 PLUGIN_DIR" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || bail "must run as root"
[[ -d $1 ]] || bail "no such directory: $1"
PLUGIN_DIR=$(cd "$1" && pwd -P)
for p in bridge host-local loopback; do
	[[ -x $PLUGIN_DIR/$p ]] || bail "$PLUGIN_DIR/$p missing or not executable"
done
if [[ ! -x $TOOLS/cnitool || ! -x $TOOLS/exec-plugins.sh || ! -x $TOOLS/priv-net-run.sh ]]; then
	echo "# $TOOLS lacks the CNI tools; running fetch.sh" >&2
	"$HERE/fetch.sh" "$TOOLS" >&2 || bail "fetch.sh failed"
fi
TOOLS=$(cd "$TOOLS" && pwd -P)
for c in ip jq ping timeout unshare mount sha512sum find; do
	command -v "$c" >/dev/null || bail "$c not found (fetch.sh installs the packages)"
done

# --- names and state -----------------------------------------------------------
P=cnih$$                         # per-run prefix; bridge names below are <= 15 chars
NSA=$P-a NSB=$P-b NSL=$P-lo      # network namespaces used with cnitool
BR=${P}br                        # bridge used with cnitool
PBR=${P}pr                       # bridge used via priv-net-run.sh
NET_BR=$P-bridge NET_LO=$P-lo    # network (conflist) names
NET_PR=$P-priv
RESULTS=/var/lib/cni/results     # libcni's cache; cnitool 1.1.2 cannot move it

NETNS_MADE=()
LINKS_MADE=()
CACHE_FILES=()
TMP=""
CLEANED=0
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
LIBCNI_EXISTED=0 RESULTS_EXISTED=0
[[ -d /var/lib/cni ]] && LIBCNI_EXISTED=1
[[ -d $RESULTS ]] && RESULTS_EXISTED=1

cleanup() {
	stop_child
	[[ $CLEANED == 1 ]] && return 0
	CLEANED=1
	local ns l f
	for ns in "${NETNS_MADE[@]}"; do
		[[ -e /run/netns/$ns ]] && ip netns delete "$ns"
	done
	for l in "${LINKS_MADE[@]}"; do
		ip link show dev "$l" >/dev/null 2>&1 && ip link delete dev "$l"
	done
	for f in "${CACHE_FILES[@]}"; do rm -f "$f"; done
	# remove libcni's cache dirs only if this run created them and they are empty
	if [[ $RESULTS_EXISTED == 0 && -d $RESULTS ]]; then rmdir "$RESULTS" 2>/dev/null; fi
	if [[ $LIBCNI_EXISTED == 0 && -d /var/lib/cni ]]; then rmdir /var/lib/cni 2>/dev/null; fi
	# the bridge plugin turns on IPv4 forwarding for isGateway; undo that
	if [[ $(cat /proc/sys/net/ipv4/ip_forward) != "$FWD_BEFORE" ]]; then
		echo "$FWD_BEFORE" >/proc/sys/net/ipv4/ip_forward
	fi
	[[ -n $TMP ]] && rm -rf "$TMP"
	return 0
}
trap 'cleanup' EXIT
trap 'echo "Bail out! interrupted" >&3; exit 130' INT
trap 'echo "Bail out! terminated" >&3; exit 143' TERM
trap 'echo "Bail out! hangup" >&3; exit 129' HUP

TMP=$(mktemp -d /tmp/cnih.XXXXXX) || bail "mktemp failed"
NETDIR=$TMP/net.d          # NETCONFPATH for cnitool (.conflist)
PRIVDIR=$TMP/priv.d        # NETCONFPATH for exec-plugins.sh (.conf)
mkdir -p "$NETDIR" "$PRIVDIR"

# Two adjacent private /24s, 10.X.Y.0/24 and 10.X.Y+1.0/24 (X in 200..254,
# Y even), picked at random among those that no local address or route
# mentions, so that concurrent runs are unlikely to collide (and if they do,
# the route checks below fail before any ping is sent).
pick_subnets() {
	local used x y i
	used=$(ip -j -4 addr show | jq -r '.[].addr_info[]?.local'
		ip -j -4 route show table all | jq -r '.[].dst')
	for ((i = 0; i < 200; i++)); do
		x=$((200 + RANDOM % 55)) y=$((RANDOM % 128 * 2))
		if ! grep -Eq "^10\.$x\.($y|$((y + 1)))\." <<<"$used"; then
			echo "$x.$y"
			return 0
		fi
	done
	return 1
}
XY=$(pick_subnets) || bail "no free 10.2xx.y.0/24 found"
X=${XY%.*} Y=${XY#*.}
SUBPFX=10.$X.$Y. PSUBPFX=10.$X.$((Y + 1)).
SUBNET=${SUBPFX}0/24 GW=${SUBPFX}1
PSUBNET=${PSUBPFX}0/24 PGW=${PSUBPFX}1

for ns in "$NSA" "$NSB" "$NSL"; do
	[[ -e /run/netns/$ns ]] && bail "netns $ns already exists"
done
for l in "$BR" "$PBR"; do
	ip link show dev "$l" >/dev/null 2>&1 && bail "link $l already exists"
done
LINKS_MADE=("$BR" "$PBR") # created by the bridge plugin; removed at exit
for ns in "$NSA" "$NSB" "$NSL"; do
	ip netns add "$ns" || bail "ip netns add $ns failed"
	NETNS_MADE+=("$ns")
done

echo "# plugins: $PLUGIN_DIR; tools: $TOOLS; prefix $P; subnets $SUBNET $PSUBNET"

# --- helpers ------------------------------------------------------------------
# cnitool CMD NET NETNS: run cnitool with only PLUGIN_DIR as CNI_PATH
cnitool() {
	bounded "$TMO" env -u CNI_ARGS -u CAP_ARGS -u CNI_IFNAME \
		CNI_PATH="$PLUGIN_DIR" NETCONFPATH="$NETDIR" "$TOOLS/cnitool" "$1" "$2" "/run/netns/$3"
}
# cnitool_add NET NETNS OUTFILE: cnitool add, result JSON (stdout) to OUTFILE
cnitool_add() { cnitool add "$1" "$2" >"$3"; local rc=$?; cat "$3"; return "$rc"; }
# both CMD1... -- CMD2...: run both commands, succeed if both do
both() {
	local a=()
	while [[ $1 != -- ]]; do a+=("$1"); shift; done
	shift
	"${a[@]}" && "$@"
}
# cache_file NET NETNS: the libcni result cache file cnitool uses
cache_file() {
	local h
	h=$(printf '%s' "/run/netns/$2" | sha512sum | cut -c1-20)
	printf '%s/%s-cnitool-%s-eth0\n' "$RESULTS" "$1" "$h"
}
# ipj NETNS|"" ARGS...: ip -j in a netns ("" = host)
ipj() {
	local ns=$1
	shift
	if [[ -n $ns ]]; then ip -n "$ns" -j "$@"; else ip -j "$@"; fi
}
# has_addr NETNS DEV ADDR/PREFIX
has_addr() {
	ipj "$1" addr show dev "$2" | jq -e --arg a "${3%/*}" --argjson p "${3#*/}" \
		'any(.[].addr_info[]; .local == $a and .prefixlen == $p)' >/dev/null ||
		{ ipj "$1" addr show dev "$2"; return 1; }
}
# is_up NETNS DEV: administratively up
is_up() {
	ipj "$1" link show dev "$2" | jq -e 'any(.[0].flags[]; . == "UP")' >/dev/null ||
		{ ipj "$1" link show dev "$2"; return 1; }
}
is_down() {
	ipj "$1" link show dev "$2" | jq -e 'all(.[0].flags[]; . != "UP")' >/dev/null ||
		{ ipj "$1" link show dev "$2"; return 1; }
}
default_via() {
	ipj "$1" -4 route show default | jq -e --arg gw "$2" 'any(.[]; .gateway == $gw and .dev == "eth0")' >/dev/null ||
		{ ipj "$1" -4 route show; return 1; }
}
no_link() { ! ip -n "$1" link show dev "$2" 2>/dev/null; }
nports() { ip -j link show master "$1" | jq length; }
ports_are() { local n; n=$(nports "$1"); [[ $n == "$2" ]] || { echo "bridge $1 has $n ports, want $2"; ip link show master "$1"; return 1; }; }
# the host reaches IP only through BRIDGE (so pings stay inside this test)
route_via() {
	ip -j -4 route get "$1" | jq -e --arg br "$2" '.[0].dev == $br' >/dev/null ||
		{ ip -4 route get "$1"; return 1; }
}
# ping_from NETNS|"" DEV TARGET: bounded ping, bound to DEV
ping_from() {
	if [[ -n $1 ]]; then
		ip netns exec "$1" ping -n -q -c 2 -i 0.2 -W 2 -I "$2" "$3"
	else
		ping -n -q -c 2 -i 0.2 -W 2 -I "$2" "$3"
	fi
}
# reservations_in DIR: host-local reservation files (anything but lock,
# last_reserved_ip.* and hidden files/dirs)
reservations_in() { find "$1" -mindepth 1 -name '.*' -prune -o -type f ! -name lock ! -name 'last_reserved_ip.*' -printf '%P\n' 2>/dev/null; }
no_reservations() {
	local r
	r=$(reservations_in "$1")
	[[ -z $r ]] || { echo "reservations left in $1:"; echo "$r"; return 1; }
}
has_reservation() {
	reservations_in "$1" | awk -F/ -v ip="$2" '$NF == ip { found = 1 } END { exit !found }' ||
		{ echo "no reservation file named $2 in $1:"; reservations_in "$1"; return 1; }
}
# check_result FILE SUBNET_PREFIX GW NETNS: cnitool add output (CNI 1.0.0 result)
check_result() {
	jq -e --arg sub "$2" --arg gw "$3" --arg sb "/run/netns/$4" '
		.cniVersion == "1.0.0"
		and (.ips[0].address | startswith($sub) and endswith("/24"))
		and .ips[0].gateway == $gw
		and .interfaces[.ips[0].interface].name == "eth0"
		and .interfaces[.ips[0].interface].sandbox == $sb' "$1" >/dev/null ||
		{ cat "$1"; return 1; }
}
cached() { [[ -f $1 ]] && jq -e '.kind == "cniCacheV1" and (.result | type == "object")' "$1" >/dev/null; }
not_cached() { [[ ! -e $1 ]] || { echo "$1 still exists"; return 1; }; }

# --- 1. bridge + host-local via cnitool, two namespaces ---------------------------
IPAM_BR=$TMP/ipam-bridge
cat >"$NETDIR/10-$NET_BR.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NET_BR",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BR",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$SUBNET", "gateway": "$GW" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$IPAM_BR"
      }
    }
  ]
}
EOF
CFA=$(cache_file "$NET_BR" "$NSA")
CFB=$(cache_file "$NET_BR" "$NSB")
CACHE_FILES+=("$CFA" "$CFB")

check "cnitool add $NET_BR $NSA" cnitool_add "$NET_BR" "$NSA" "$TMP/add-a.json"
check "cnitool add $NET_BR $NSB" cnitool_add "$NET_BR" "$NSB" "$TMP/add-b.json"
check "add result for $NSA is CNI 1.0.0 with an address in $SUBNET via $GW on eth0" \
	check_result "$TMP/add-a.json" "$SUBPFX" "$GW" "$NSA"
check "add result for $NSB is CNI 1.0.0 with an address in $SUBNET via $GW on eth0" \
	check_result "$TMP/add-b.json" "$SUBPFX" "$GW" "$NSB"
IPA=$(jq -r '.ips[0].address // empty' "$TMP/add-a.json" 2>/dev/null)
IPB=$(jq -r '.ips[0].address // empty' "$TMP/add-b.json" 2>/dev/null)
check "the two namespaces got different addresses ($IPA, $IPB)" \
	test -n "$IPA" -a -n "$IPB" -a "$IPA" != "$IPB"
check "libcni cached the result for $NSA in $RESULTS" cached "$CFA"
check "cnitool check $NET_BR $NSA" cnitool check "$NET_BR" "$NSA"
check "cnitool check $NET_BR $NSB" cnitool check "$NET_BR" "$NSB"
check "ip: eth0 in $NSA has $IPA" has_addr "$NSA" eth0 "${IPA:-none/0}"
check "ip: eth0 in $NSB has $IPB" has_addr "$NSB" eth0 "${IPB:-none/0}"
check "ip: eth0 in $NSA and $NSB is up" both is_up "$NSA" eth0 -- is_up "$NSB" eth0
check "ip: default route in $NSA via $GW dev eth0" default_via "$NSA" "$GW"
check "ip: default route in $NSB via $GW dev eth0" default_via "$NSB" "$GW"
check "ip: bridge $BR is up and has $GW/24" both is_up "" "$BR" -- has_addr "" "$BR" "$GW/24"
check "ip: bridge $BR has 2 ports" ports_are "$BR" 2
check "host-local: reservations for $IPA and $IPB in dataDir" \
	both has_reservation "$IPAM_BR" "${IPA%/*}" -- has_reservation "$IPAM_BR" "${IPB%/*}"

if check "host routes ${IPA%/*} and ${IPB%/*} via $BR only" \
	both route_via "${IPA%/*}" "$BR" -- route_via "${IPB%/*}" "$BR"; then
	check "ping $NSA -> $NSB (${IPB%/*})" ping_from "$NSA" eth0 "${IPB%/*}"
	check "ping $NSB -> $NSA (${IPA%/*})" ping_from "$NSB" eth0 "${IPA%/*}"
	check "ping host ($BR) -> $NSA" ping_from "" "$BR" "${IPA%/*}"
	check "ping host ($BR) -> $NSB" ping_from "" "$BR" "${IPB%/*}"
else
	for d in "$NSA -> $NSB" "$NSB -> $NSA" "host -> $NSA" "host -> $NSB"; do
		notok "ping $d (not attempted: route not via $BR)"
	done
fi

# libcni itself, for what cnitool has no command for (libcni-probe.go)
probe() { bounded "$TMO" env CNI_PATH="$PLUGIN_DIR" "$TOOLS/libcni-probe" "$@"; }
# probe_is WANT ARGS...: libcni-probe prints exactly WANT
probe_is() {
	local want=$1 got
	shift
	got=$(probe "$@") || return 1
	[[ $got == "$want" ]] || { echo "got $got, want $want"; return 1; }
}
ALLV='["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'
for p in bridge host-local loopback; do
	check "libcni GetVersionInfo($p): every version 0.1.0 to 1.1.0" probe_is "$ALLV" version "$p"
done
check "libcni ValidateNetworkList accepts the bridge conflist (VERSION probe of each plugin)" \
	probe_is '[]' validate "$NETDIR/10-$NET_BR.conflist"
jq '.cniVersion = "1.2.0"' "$NETDIR/10-$NET_BR.conflist" >"$TMP/v120.conflist"
refused_120() {
	if probe validate "$TMP/v120.conflist" 2>"$TMP/v120.err"; then
		echo "validation passed"
		return 1
	fi
	grep -q 'plugin bridge does not support config version "1.2.0"' "$TMP/v120.err" ||
		{ cat "$TMP/v120.err"; return 1; }
}
check "libcni ValidateNetworkList refuses cniVersion 1.2.0 (not in our VERSION answer)" refused_120
same_as_add() {
	probe cached "$NETDIR/10-$NET_BR.conflist" "/run/netns/$NSA" eth0 >"$TMP/cached-a.json" || return 1
	jq -e --slurpfile add "$TMP/add-a.json" '.ips == $add[0].ips and .interfaces == $add[0].interfaces' \
		"$TMP/cached-a.json" >/dev/null || { cat "$TMP/cached-a.json"; return 1; }
}
check "libcni GetNetworkListCachedResult($NSA) parses back the add result" same_as_add
# CHECK gets the cached result as prevResult and must compare it with the kernel
check_fails_without_addr() {
	ip -n "$NSB" addr del "$IPB" dev eth0 || return 1
	if cnitool check "$NET_BR" "$NSB" >"$TMP/check-b.out" 2>&1; then
		echo "check passed"
		return 1
	fi
	grep -q "${IPB%/*}" "$TMP/check-b.out" || { cat "$TMP/check-b.out"; return 1; }
}
check "cnitool check $NSB fails naming ${IPB%/*} once the address is removed (prevResult is used)" \
	check_fails_without_addr

check "cnitool del $NET_BR $NSA" cnitool del "$NET_BR" "$NSA"
check "cnitool del $NET_BR $NSB" cnitool del "$NET_BR" "$NSB"
check "ip: eth0 gone from $NSA and $NSB" both no_link "$NSA" eth0 -- no_link "$NSB" eth0
check "ip: bridge $BR has no ports left" ports_are "$BR" 0
check "libcni cache files removed by del" both not_cached "$CFA" -- not_cached "$CFB"
check "host-local: no reservations left in dataDir after del" no_reservations "$IPAM_BR"
check "cnitool del $NET_BR $NSA again (idempotent)" cnitool del "$NET_BR" "$NSA"
check "cnitool del $NET_BR $NSB again (idempotent)" cnitool del "$NET_BR" "$NSB"
ip netns delete "$NSB"
check "cnitool del $NET_BR after $NSB was deleted" cnitool del "$NET_BR" "$NSB"
check "host-local: still no reservations after repeated del" no_reservations "$IPAM_BR"

# --- 2. loopback via cnitool -------------------------------------------------------
cat >"$NETDIR/20-$NET_LO.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NET_LO",
  "plugins": [ { "type": "loopback" } ]
}
EOF
CFL=$(cache_file "$NET_LO" "$NSL")
CACHE_FILES+=("$CFL")
check "ip: lo in fresh $NSL is down" is_down "$NSL" lo
check "cnitool add $NET_LO $NSL" cnitool_add "$NET_LO" "$NSL" "$TMP/add-lo.json"
check "loopback add result is CNI 1.0.0 naming lo" \
	jq -e '.cniVersion == "1.0.0" and any(.interfaces[]?; .name == "lo")' "$TMP/add-lo.json"
check "ip: lo in $NSL is up with 127.0.0.1/8" both is_up "$NSL" lo -- has_addr "$NSL" lo 127.0.0.1/8
check "cnitool check $NET_LO $NSL" cnitool check "$NET_LO" "$NSL"
check "cnitool del $NET_LO $NSL" cnitool del "$NET_LO" "$NSL"
check "ip: lo in $NSL is down after del" is_down "$NSL" lo
check "cnitool del $NET_LO $NSL again (idempotent)" cnitool del "$NET_LO" "$NSL"
check "libcni cache file for $NET_LO removed" not_cached "$CFL"

# --- 3. exec-plugins.sh via priv-net-run.sh with .conf files -----------------
# As in the upstream README: a bridge .conf plus a loopback .conf.  The run
# happens in a private mount namespace with its own /run/netns, so the
# namespace that priv-net-run.sh creates (random hex name) cannot outlive
# this run even if the script is interrupted.
IPAM_PR=$TMP/ipam-priv
cat >"$PRIVDIR/10-$NET_PR.conf" <<EOF
{
  "cniVersion": "$CONF_VERSION",
  "name": "$NET_PR",
  "type": "bridge",
  "bridge": "$PBR",
  "isGateway": true,
  "ipMasq": false,
  "ipam": {
    "type": "host-local",
    "subnet": "$PSUBNET",
    "routes": [{ "dst": "0.0.0.0/0" }],
    "dataDir": "$IPAM_PR"
  }
}
EOF
cat >"$PRIVDIR/99-$P-lo.conf" <<EOF
{
  "cniVersion": "$CONF_VERSION",
  "name": "$P-lo-conf",
  "type": "loopback"
}
EOF
# shellcheck disable=SC2016 # the inner script expands its own arguments
priv_net_run() {
	mkdir -p /run/netns
	bounded $((TMO * 3)) env -u DEBUG -u CNI_ARGS -u CNI_IFNAME \
		CNI_PATH="$PLUGIN_DIR" NETCONFPATH="$PRIVDIR" \
		unshare --mount --propagation private -- bash -c '
			set -e
			mount -t tmpfs -o mode=0755,size=1m cnih-netns /run/netns
			cd "$1"
			rc=0
			./priv-net-run.sh ip -j -4 addr show >"$2" || rc=$?
			ls -A /run/netns >"$3"
			exit "$rc"' priv-net-run "$TOOLS" "$TMP/priv.json" "$TMP/priv.left"
}
check "priv-net-run.sh (cniVersion $CONF_VERSION .conf files) ran ip -j -4 addr show" priv_net_run
# shellcheck disable=SC2016 # $sub is a jq variable
check "inside: eth0 got an address in $PSUBNET" \
	jq -e --arg sub "$PSUBPFX" 'any(.[] | select(.ifname == "eth0") | .addr_info[]; .local | startswith($sub))' "$TMP/priv.json"
check "inside: lo is up with 127.0.0.1 (loopback .conf)" \
	jq -e 'any(.[] | select(.ifname == "lo" and any(.flags[]; . == "UP")) | .addr_info[]; .local == "127.0.0.1")' "$TMP/priv.json"
check "priv-net-run.sh deleted its netns" test -f "$TMP/priv.left" -a ! -s "$TMP/priv.left"
check "ip: bridge $PBR has $PGW/24 and no ports left" both has_addr "" "$PBR" "$PGW/24" -- ports_are "$PBR" 0
check "host-local: no reservations left after priv-net-run.sh" no_reservations "$IPAM_PR"

# --- 4. clean up, and check that nothing is left ---------------------------------
cleanup
leftovers() {
	local ns l f left=0
	for ns in "$NSA" "$NSB" "$NSL"; do [[ -e /run/netns/$ns ]] && { echo "netns $ns"; left=1; }; done
	for l in "$BR" "$PBR"; do ip link show dev "$l" >/dev/null 2>&1 && { echo "link $l"; left=1; }; done
	for f in "$RESULTS/$P"-*; do echo "cache file $f"; left=1; done
	[[ -e $TMP ]] && { echo "temp dir $TMP"; left=1; }
	return "$left"
}
if out=$(leftovers); then ok "cleanup left nothing behind"; else notok "cleanup left nothing behind"; diag <<<"$out"; fi
if [[ $(cat /proc/sys/net/ipv4/ip_forward) == "$FWD_BEFORE" ]]; then
	ok "net.ipv4.ip_forward back to $FWD_BEFORE"
else
	notok "net.ipv4.ip_forward back to $FWD_BEFORE"
fi

tap_end cni-harness
