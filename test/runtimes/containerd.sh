#!/usr/bin/env bash
# containerd.sh PLUGIN_DIR
#
# containerd 1.6's `ctr run --cni` runs containers on
# examples/10-cni-c.conflist, as is, with the plugins in PLUGIN_DIR.  ctr
# reads /etc/cni/net.d and /opt/cni/bin, fixed paths: in the sandbox (see
# common.sh) they are a bind mount of our conflist directory and of a
# trace directory in front of PLUGIN_DIR.  containerd is started here with
# its root, state and socket in the temp dir and its CRI plugin off.
#
# ctr runs ADD with CNI_NETNS=/proc/PID/ns/net once the task exists, and DEL
# after the task has exited, with CNI_NETNS="" (the namespace died with the
# task): the lease must still be released.  Prints TAP; needs root.
# Checks are often a small `bash -c '...' _ ARGS` script (common.sh exports
# the helpers they use), hence single quotes around "$1":
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
shopt -s nullglob
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
. "$HERE/common.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 PLUGIN_DIR" >&2; exit 2; }
for c in containerd ctr containerd-shim-runc-v2 runc jq ip ping nsenter unshare busybox; do
	command -v "$c" >/dev/null || bail "$c not found (scripts/deps.sh runtimes installs it)"
done
# ctr's namespace is $P: containerd's cgroups are /sys/fs/cgroup/*/$P
rt_main containerd "$1"
# ------------------------------------------------------------------ inside --

EXAMPLE=$HERE/../../examples/10-cni-c.conflist
NET=cni-c BR=cni-c0 GW=10.85.0.1 DATA=/var/lib/cni/networks
SOCK=$TMP/containerd/containerd.sock

mkdir -p "$TMP/net.d" "$TMP/containerd"
cp "$EXAMPLE" "$TMP/net.d/" || bail "no $EXAMPLE"
rt_bind "$TMP/net.d" /etc/cni/net.d
mkdir -p /opt/cni/bin # /opt is a private tmpfs
rt_bind "$TRACE" /opt/cni/bin
cat >"$TMP/containerd.toml" <<EOF
version = 2
root = "$TMP/containerd/root"
state = "$TMP/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$TMP/containerd/opt"
EOF
# the daemon lives until the sandbox ends (rt_inside_exit)
containerd --config "$TMP/containerd.toml" >"$TMP/containerd.log" 2>&1 &
CPID=$!
disown "$CPID"
for ((i = 0; i < 200; i++)); do [[ -S $SOCK ]] && break; sleep 0.05; done
[[ -S $SOCK ]] || { diag <"$TMP/containerd.log"; bail "containerd did not start"; }

cctr() { ctr --address "$SOCK" --namespace "$P" "$@"; }
# ctr_run ID CMD...: ctr run --rm --cni in the foreground, bounded
ctr_run() {
	local id=$1
	shift
	bounded "$TMO" ctr --address "$SOCK" --namespace "$P" run --rm --cni --rootfs "$ROOTFS" "$id" "$@"
}
# task_pid ID: the task's pid, once it is running
task_pid() { cctr task ls | awk -v id="$1" '$1 == id && $3 == "RUNNING" { print $2 }'; }
# lease_of ID: the IP host-local leased to container ID (ctr's id is NS-ID)
lease_of() { leases "$DATA" "$NET" | awk -v id="$P-$1" '$2 == id { print $1 }'; }
export NET DATA SOCK ROOTFS
export -f cctr ctr_run task_pid lease_of

echo "# plugins: $PLUGIN_DIR (traced in $TRACE); $(ctr --version); prefix $P"

# --- 1. a container that runs and exits --------------------------------------
check "ctr run --rm --cni: the container sees its address and pings $GW" \
	bash -c 'ctr_run "$P-a" /bin/sh -c "ip -4 -o addr show dev eth0; ping -c 2 -W 2 $1" >"$TMP/a.out"' _ "$GW"
check "inside: eth0 had an address in 10.85.0.0/16" \
	bash -c 'grep -Eq "inet 10\.85\.[0-9]+\.[0-9]+/16" "$TMP/a.out" || { cat "$TMP/a.out"; exit 1; }'
check "trace: ADD with CNI_NETNS=/proc/PID/ns/net, CNI_IFNAME=eth0, CNI_PATH from /opt/cni/bin" \
	bash -c '[[ $(traced_count "$1") == 1 ]] || { cat "$TRACE/trace.jsonl"; exit 1; }' _ \
	".plugin == \"bridge\" and .cmd == \"ADD\" and .containerid == \"$P-$P-a\" and (.netns | test(\"^/proc/[0-9]+/ns/net$\")) and .ifname == \"eth0\" and (.path | startswith(\"/opt/cni/bin\")) and .rc == 0"
check "trace: DEL after the task exited, with CNI_NETNS=\"\" and the cached result as prevResult" \
	bash -c '[[ $(traced_count "$1") == 1 ]] || { cat "$TRACE/trace.jsonl"; exit 1; }' _ \
	".plugin == \"bridge\" and .cmd == \"DEL\" and .containerid == \"$P-$P-a\" and .netns == \"\" and .conf.prevResult != null and .rc == 0"
check "trace: ctr has no way to pass portMappings: portmap ran (ADD, DEL) without them and passed the result on" \
	bash -c '[[ $(traced_count "$1") == 2 ]] || { traced ".plugin == \"portmap\""; exit 1; }' _ \
	".plugin == \"portmap\" and .containerid == \"$P-$P-a\" and .rc == 0 and (.conf.runtimeConfig.portMappings | not) and (.cmd == \"DEL\" or (.out.ips | length) > 0)"
check "no port mapping: portmap created no nftables table" bash -c '! nft list table ip cni-c-portmap >/dev/null 2>&1'
check "after exit: the lease is released" no_leases "$DATA" "$NET"
check "after exit: bridge $BR has no ports" ports_are "$BR" 0
check "after exit: libcni's cache in /var/lib/cni/results is empty" \
	bash -c '[[ -z $(ls -A /var/lib/cni/results) ]] || { ls -A /var/lib/cni/results; exit 1; }'

# --- 2. two long-running containers, seen from outside -------------------------
# start_bg ID: ctr run --rm --cni ID sleep, in the background (ctr stays in
# the foreground of its task and runs DEL when the task ends)
declare -A CTR_PID
start_bg() {
	timeout -k 5 300 ctr --address "$SOCK" --namespace "$P" run --rm --cni --rootfs "$ROOTFS" \
		"$1" /bin/sleep 600 >"$TMP/$1.out" 2>&1 &
	CTR_PID[$1]=$!
}
# wait_up ID: the task runs and its lease exists
wait_up() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -n $(task_pid "$1") && -n $(lease_of "$1") ]] && return 0
		sleep 0.05
	done
	cctr task ls
	leases "$DATA" "$NET"
	return 1
}
start_bg "$P-b"
start_bg "$P-c"
check "ctr run --rm --cni b and c (in the background): both tasks run and hold a lease" \
	bash -c "$(declare -f wait_up); wait_up \"\$1\" && wait_up \"\$2\"" _ "$P-b" "$P-c"
IPB=$(lease_of "$P-b") IPC=$(lease_of "$P-c")
TPB=$(task_pid "$P-b") TPC=$(task_pid "$P-c")
check "ip: eth0 in b's namespace (/proc/$TPB/ns/net) has $IPB/16, c's has $IPC/16" \
	bash -c '[[ $(netns_addr4 "/proc/$1/ns/net" eth0) == "$2/16" && $(netns_addr4 "/proc/$3/ns/net" eth0) == "$4/16" ]]' _ \
	"$TPB" "$IPB" "$TPC" "$IPC"
check "ip: b's default route via $GW dev eth0" netns_default_via "/proc/$TPB/ns/net" "$GW" eth0
check "ip: bridge $BR has 2 ports" ports_are "$BR" 2
check "ping host -> b ($IPB) and c ($IPC)" bash -c 'ping_ip "$1" && ping_ip "$2"' _ "$IPB" "$IPC"
check "ping b -> c ($IPC) (ctr task exec)" \
	bounded "$TMO" ctr --address "$SOCK" --namespace "$P" task exec --exec-id "$P-ping" "$P-b" /bin/ping -c 2 -W 2 "$IPC"

# --- 3. kill b: ctr runs DEL with CNI_NETNS="", b's lease goes, c's stays ------
kill_and_wait() {
	cctr task kill --signal SIGKILL "$1" || return 1
	wait "$2"
	local rc=$?
	[[ $rc == 137 ]] || { echo "ctr run ended with $rc, want 137 (the task's SIGKILL)"; cat "$TMP/$1.out"; return 1; }
}
check "ctr task kill -s SIGKILL b: ctr run ends" kill_and_wait "$P-b" "${CTR_PID[$P-b]}"
check "after b ended: b's lease ($IPB) is released, c's ($IPC) is kept" \
	bash -c '[[ -z $(lease_of "$1") && $(lease_of "$2") == "$3" ]] || { leases "$DATA" "$NET"; exit 1; }' _ "$P-b" "$P-c" "$IPC"
check "trace: b's DEL ran with CNI_NETNS=\"\" and succeeded" \
	bash -c '[[ $(traced_count "$1") == 1 ]] || { traced ".cmd == \"DEL\""; exit 1; }' _ \
	".plugin == \"bridge\" and .cmd == \"DEL\" and .containerid == \"$P-$P-b\" and .netns == \"\" and .rc == 0"
check "after b ended: bridge $BR has 1 port, ping host -> c still works" \
	bash -c 'ports_are "$1" 1 && ping_ip "$2"' _ "$BR" "$IPC"
check "ctr task kill -s SIGKILL c: ctr run ends" kill_and_wait "$P-c" "${CTR_PID[$P-c]}"

# --- 4. the end ------------------------------------------------------------
check "ctr containers ls: no container left" bash -c '[[ -z $(cctr containers ls -q) ]]'
check "no lease left, bridge $BR has no ports" bash -c 'no_leases "$1" "$2" && ports_are "$3" 0' _ "$DATA" "$NET" "$BR"
check "libcni's cache in /var/lib/cni/results is empty" \
	bash -c '[[ -z $(ls -A /var/lib/cni/results) ]] || { ls -A /var/lib/cni/results; exit 1; }'
check "trace: every call ctr made succeeded; ctr never ran VERSION, CHECK or loopback" \
	bash -c '[[ $(traced_count ".rc != 0 or .cmd == \"VERSION\" or .cmd == \"CHECK\" or .plugin == \"loopback\"") == 0 ]] || { cat "$TRACE/trace.jsonl"; exit 1; }'

# a clean stop, so that containerd's own cleanup runs (rt_inside_exit kills it otherwise)
kill -TERM "$CPID" 2>/dev/null
for ((i = 0; i < 100; i++)); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.05; done
