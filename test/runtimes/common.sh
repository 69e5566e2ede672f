# shellcheck shell=bash
# common.sh: the sandbox, rootfs and trace plumbing shared by podman.sh and
# containerd.sh, plus the TAP helpers of test/lib/tap.sh.  Source it with HERE
# set to this directory.
#
# A lane script runs twice: "outside" (on the machine) it makes the temp dir,
# notes the host state, and runs itself again "inside" a sandbox:
#
#   unshare --net --mount --pid --fork --mount-proc
#
# Inside, the runtime, its shims and containers, the bridge and every pod
# namespace exist only in that network namespace; /run, /opt, /var/lib/cni
# and /var/lib/containers are private tmpfs mounts (and /etc/cni/net.d a bind
# mount of our own directory), so nothing the runtimes write lands on the
# machine; when the inside script ends, the kernel kills whatever it started.
# Back outside, the lane removes the cgroups the runtime made and the mount
# points it had to create, and checks that the machine is as it was.
#
# Variables: PLUGIN_DIR (absolute), P (name prefix), TMP, TMO. CNIRT_KEEP_TRACE=FILE
# appends the trace (one JSON line per plugin call) to FILE before the temp dir goes.

# shellcheck source=test/lib/tap.sh
. "$HERE/../lib/tap.sh"

TMO=${CNIRT_TIMEOUT:-120}

# rt_main NAME PLUGIN_DIR CGROUP...: the outside part; returns only inside.
# CGROUP names are the top-level cgroups the runtime creates: removed at the
# end unless they existed before.
rt_main() {
	local name=$1
	[[ $(id -u) -eq 0 ]] || bail "must run as root"
	[[ -d $2 ]] || bail "no such directory: $2"
	PLUGIN_DIR=$(cd "$2" && pwd -P)
	if [[ ${CNIRT_INSIDE:-} == 1 ]]; then
		TMP=$CNIRT_TMP P=$CNIRT_PREFIX
		trap 'rt_inside_exit' EXIT
		trap 'echo "Bail out! terminated" >&3; exit 143' TERM
		trap 'echo "Bail out! interrupted" >&3; exit 130' INT
		rt_inside_setup
		return 0
	fi
	shift 2
	P=cnirt$$
	TMP=$(mktemp -d "/tmp/$P.XXXXXX") || bail "mktemp failed"
	local cg keep_cg=() host_etc rc=0
	for cg in "$@"; do
		compgen -G "/sys/fs/cgroup/*/$cg" >/dev/null && keep_cg+=("$cg")
	done
	host_etc=$(rt_etc_state)
	local host_links
	host_links=$(ip -j link show | jq -r '.[].ifname' | sort)

	# the inside part; a signal to us ends it (the pid namespace dies with it)
	unshare --net --mount --pid --fork --mount-proc --propagation private \
		env CNIRT_INSIDE=1 CNIRT_TMP="$TMP" CNIRT_PREFIX="$P" \
		bash "$0" "$PLUGIN_DIR" &
	local inner=$!
	trap 'kill -TERM $inner 2>/dev/null' TERM INT HUP
	wait "$inner" || rc=$?
	wait "$inner" 2>/dev/null # again, if a signal interrupted the first wait
	trap - TERM INT HUP
	[[ -s $TMP/tap.count ]] && read -r N FAILED <"$TMP/tap.count"
	[[ $rc == 0 || $FAILED != 0 ]] || notok "$name: the inside part failed (status $rc)"

	# --- outside again: put the machine back, then check it
	for cg in "$@" "$P"; do
		[[ " ${keep_cg[*]} " == *" $cg "* ]] && continue
		rt_rm_cgroups "$cg"
	done
	if [[ -s $TMP/created ]]; then
		sort -r "$TMP/created" | while read -r d; do rmdir "$d" 2>/dev/null; done
	fi
	local left="" l
	for cg in "$@" "$P"; do
		[[ " ${keep_cg[*]} " == *" $cg "* ]] && continue
		compgen -G "/sys/fs/cgroup/*/$cg" >/dev/null && left+="cgroup $cg "
	done
	if [[ -s $TMP/created ]]; then
		while read -r d; do [[ -e $d ]] && left+="dir $d "; done <"$TMP/created"
	fi
	for l in $(ip -j link show | jq -r '.[].ifname' | sort | comm -13 <(echo "$host_links") -); do
		left+="host link $l "
	done
	if [[ -z $left ]]; then ok "$name: no cgroup, mount point or host link left behind"; else
		notok "$name: no cgroup, mount point or host link left behind"; echo "$left" | diag
	fi
	if [[ $(rt_etc_state) == "$host_etc" ]]; then ok "$name: /etc/cni/net.d and /etc/containers untouched"; else
		notok "$name: /etc/cni/net.d and /etc/containers untouched"
	fi
	# CNIRT_KEEP_TRACE=FILE: the calls the runtime made, for fuzz corpora (test/fuzz/seed.sh)
	if [[ -n ${CNIRT_KEEP_TRACE:-} && -s $TMP/trace/trace.jsonl ]]; then
		cat "$TMP/trace/trace.jsonl" >>"$CNIRT_KEEP_TRACE"
	fi
	rm -rf "$TMP"
	tap_end "$name"
	exit
}

# the listing and contents of the host's runtime configuration
rt_etc_state() {
	find /etc/cni /etc/containers -printf '%p %m %s\n' 2>/dev/null | sort
	find /etc/cni /etc/containers -type f -exec cat {} + 2>/dev/null | sha256sum
}

# rt_rm_cgroups NAME: remove /sys/fs/cgroup/*/NAME, deepest first; tasks
# killed with the pid namespace may take a moment to leave them
rt_rm_cgroups() {
	local d i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		compgen -G "/sys/fs/cgroup/*/$1" >/dev/null || return 0
		for d in /sys/fs/cgroup/*/"$1"; do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		sleep 0.2
	done
}

# As pid 1 of the sandbox's pid namespace, end everything the runtime left
# running (kill -1 reaches only this namespace) and wait until it is gone, so
# that its cgroups are empty when the outside part removes them.
rt_inside_exit() {
	stop_child
	echo "$N $FAILED" >"$TMP/tap.count"
	[[ $$ == 1 ]] || return 0
	kill -KILL -1 2>/dev/null
	local i procs
	for ((i = 0; i < 100; i++)); do
		procs=(/proc/[0-9]*)
		[[ ${#procs[@]} -le 1 ]] && return 0
		wait 2>/dev/null
		sleep 0.05
	done
}

# rt_mkdir DIR: make DIR if missing, noting each directory made, so that the
# outside part removes them (as mount points, they stay empty on the machine)
rt_mkdir() {
	[[ -d $1 ]] && return 0
	local d=$1 missing=()
	while [[ ! -d $d ]]; do missing+=("$d"); d=$(dirname "$d"); done
	printf '%s\n' "${missing[@]}" >>"$TMP/created"
	mkdir -p "$1" || bail "mkdir $1 failed"
}

# rt_private DIR: DIR becomes an empty private tmpfs (created, and noted for
# removal outside, when the machine lacks it)
rt_private() {
	rt_mkdir "$1"
	mount -t tmpfs -o mode=0755 "$P" "$1" || bail "mount tmpfs on $1 failed"
}

# rt_bind SRC DIR: bind-mount SRC on DIR (created, and noted, when missing)
rt_bind() {
	rt_mkdir "$2"
	mount --bind "$1" "$2" || bail "bind mount on $2 failed"
}

rt_inside_setup() {
	ip link set lo up || bail "lo up failed"
	rt_private /run
	mkdir -p /run/netns /run/lock
	rt_private /var/lib/cni
	rt_private /var/lib/containers
	rt_private /opt
	ROOTFS=$TMP/rootfs
	rt_rootfs "$ROOTFS" || bail "cannot build the busybox rootfs"
	TRACE=$TMP/trace
	rt_trace_dir "$TRACE" || bail "cannot make the trace dir"
	# checks often run a small `bash -c` script: give it our helpers
	export TMP TMO P TRACE PLUGIN_DIR
	export -f bounded traced traced_count netns_addr4 netns_default_via nports ports_are \
		ping_ip leases no_leases
}

# rt_rootfs DIR: a busybox-static root filesystem, every applet in /bin
rt_rootfs() {
	local bb a
	bb=$(command -v busybox) || { echo "busybox not found"; return 1; }
	ldd "$bb" >/dev/null 2>&1 && { echo "$bb is not static (install busybox-static)"; return 1; }
	mkdir -p "$1/bin" "$1/etc" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" || return 1
	cp "$bb" "$1/bin/busybox" || return 1
	for a in $("$bb" --list); do
		[[ $a == busybox ]] || ln -sf busybox "$1/bin/$a"
	done
}

# rt_trace_dir DIR: bridge and loopback there are trace-plugin (which logs
# the call to DIR/trace.jsonl and runs PLUGIN_DIR's plugin), host-local is a
# link to PLUGIN_DIR's own, so bridge delegates to it as it would in
# production (in-process, same file)
rt_trace_dir() {
	mkdir -p "$1" || return 1
	printf '%s\n' "$PLUGIN_DIR" >"$1/.target"
	: >"$1/trace.jsonl"
	ln -s "$HERE/trace-plugin" "$1/bridge" &&
		ln -s "$HERE/trace-plugin" "$1/loopback" &&
		ln -s "$HERE/trace-plugin" "$1/portmap" &&
		ln -s "$PLUGIN_DIR/host-local" "$1/host-local"
}

# traced JQ_FILTER: the trace records (one per line) that JQ_FILTER selects
traced() { jq -c "select($1)" "$TRACE/trace.jsonl"; }
# traced_count JQ_FILTER
traced_count() { traced "$1" | wc -l; }

# --- kernel state seen from outside -----------------------------------------
# netns_addr4 NSPATH DEV: DEV's IPv4 address/prefix in the namespace NSPATH
netns_addr4() {
	nsenter --net="$1" ip -j -4 addr show dev "$2" |
		jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"' | head -n 1
}
netns_default_via() {
	nsenter --net="$1" ip -j -4 route show default |
		jq -e --arg gw "$2" --arg dev "$3" 'any(.[]; .gateway == $gw and .dev == $dev)' >/dev/null ||
		{ nsenter --net="$1" ip -4 route show; return 1; }
}
nports() { ip -j link show master "$1" | jq length; }
ports_are() {
	local n
	n=$(nports "$1")
	[[ $n == "$2" ]] || { echo "bridge $1 has $n ports, want $2"; ip link show master "$1"; return 1; }
}
ping_ip() { ping -n -q -c 2 -i 0.2 -W 2 "$1"; }
# leases DATADIR NETWORK: host-local's reservation files, as "ip id ifname"
leases() {
	local f
	for f in "$1/$2"/*; do
		[[ -f $f ]] || continue
		case ${f##*/} in lock | last_reserved_ip.*) continue ;; esac
		# the store's lines end in \r\n
		printf '%s %s %s\n' "${f##*/}" "$(tr -d '\r' <"$f" | sed -n 1p)" "$(tr -d '\r' <"$f" | sed -n 2p)"
	done
}
no_leases() {
	local l
	l=$(leases "$1" "$2")
	[[ -z $l ]] || { echo "leases left:"; echo "$l"; return 1; }
}
