#!/bin/bash
# test/vm/selftest.sh - proves that the VM lane works on this machine.
#
# Run as root after test/vm/setup.sh.  Boots the guest once; inside it,
# checks that dummy, ipvlan (l2, in a netns, with traffic), 802.1Q vlan and
# a VLAN-filtering bridge (`bridge -j vlan show`) work, then exits 7 on
# purpose; the host checks that the 7 arrives, that stdout and stderr come
# back separately, that the environment and the working directory are
# shared.  Host-side checks (no real boot): a missing kernel and a bogus
# kernel file give 125 with a clear message, a too short --timeout gives 124.
# Nothing is left behind (the guest's links and namespaces die with it; the
# host never gets any).  Prints TAP; exits 0 when everything passed.
set -euo pipefail

# ---------------------------------------------------------------- guest side
if [ "${1:-}" = --in-guest ]; then
    trap 'echo "GUEST CHECK FAILED (exit $?) at line $LINENO: $BASH_COMMAND" >&2; exit 1' ERR
    U=$CNI_TEST_VM_UNIQ
    step() { printf 'guest: %s\n' "$*"; }

    [ "${CNI_VM_GUEST:-}" = 1 ]
    step "CNI_VM_GUEST=1, kernel $(uname -r) (host: $CNI_TEST_VM_HOST_KREL)"
    [ "$(uname -r)" != "$CNI_TEST_VM_HOST_KREL" ]
    [ "$(pwd -P)" = "$CNI_TEST_VM_WORKDIR" ]
    step "working directory $(pwd -P)"

    ip link add "${U}dm0" type dummy
    ip link set "${U}dm0" up
    ip -d link show "${U}dm0" | grep -q 'dummy'
    step "dummy link ${U}dm0"

    ip netns add "${U}ns1"
    ip netns add "${U}ns2"
    i=1
    for ns in "${U}ns1" "${U}ns2"; do
        ip link add link "${U}dm0" name "${U}iv$i" type ipvlan mode l2
        ip link set "${U}iv$i" netns "$ns"
        ip -n "$ns" addr add "10.199.0.$i/24" dev "${U}iv$i"
        ip -n "$ns" link set "${U}iv$i" up
        i=$((i + 1))
    done
    ip -n "${U}ns1" -d link show "${U}iv1" | grep -Eq 'ipvlan +mode l2'
    ip netns exec "${U}ns1" ping -c 1 -W 5 10.199.0.2 > /dev/null
    step "ipvlan l2 links ${U}iv1, ${U}iv2 in netns ${U}ns1, ${U}ns2: ping ok"

    ip link add link "${U}dm0" name "${U}dm0.42" type vlan id 42
    ip link set "${U}dm0.42" up
    ip -d link show "${U}dm0.42" | grep -q 'vlan protocol 802.1Q id 42'
    step "802.1Q vlan link ${U}dm0.42"

    ip link add "${U}br0" type bridge vlan_filtering 1
    ip link add "${U}dm1" type dummy
    ip link set "${U}dm1" master "${U}br0"
    ip link set "${U}dm1" up
    ip link set "${U}br0" up
    bridge vlan add dev "${U}dm1" vid 42 pvid untagged
    [ "$(cat "/sys/class/net/${U}br0/bridge/vlan_filtering")" = 1 ]
    ip -d link show "${U}br0" | grep -q 'vlan_filtering 1'
    j=$(bridge -j vlan show)
    printf '%s\n' "$j" | grep -q "\"ifname\":\"${U}dm1\""
    printf '%s\n' "$j" | grep -q '"vlan":42'
    step "bridge ${U}br0 vlan_filtering 1; bridge -j vlan show: $j"

    ip netns del "${U}ns1"
    ip netns del "${U}ns2"
    ip link del "${U}br0"
    ip link del "${U}dm1"
    ip link del "${U}dm0"

    echo "$U" > guest-was-here
    echo "SELFTEST-STDERR-MARKER" >&2
    echo "SELFTEST-GUEST-OK"
    exit 7
fi

# ---------------------------------------------------------------- host side
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
VMRUN=$HERE/vmrun
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
[ "$(id -u)" = 0 ] || { echo "selftest.sh: must run as root" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cni-vm-selftest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# vmrun's own temp dirs go here, so we can check that none is left
mkdir "$WORK/vmtmp"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {   # description, then a command that must succeed
    local d=$1; shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
show() {   # label, file: indent a captured output into the TAP stream
    [ -s "$2" ] || return 0
    echo "# --- $1:"
    sed 's/^/#   /' "$2"
}
lacks() { ! grep -q -- "$1" "$2"; }   # pattern, file
vm() { TMPDIR=$WORK/vmtmp "$VMRUN" "$@"; }
leftovers() {   # no temp dir and no process of any vmrun run is left
    [ -z "$(ls -A "$WORK/vmtmp")" ] && ! pgrep -f "$WORK/vmtmp" > /dev/null
}

echo "# selftest of $VMRUN"
cd "$WORK"

# 1. missing kernel -> 125 + a hint to run setup.sh, without booting
rc=0; CNI_VM_KERNEL=/nonexistent vm -- true > out 2> err || rc=$?
show "vmrun stderr (CNI_VM_KERNEL=/nonexistent)" err
check "missing kernel: exit 125 (got $rc)" [ "$rc" = 125 ]
check "missing kernel: message names the path" grep -q 'kernel not found: /nonexistent' err
check "missing kernel: message names setup.sh" grep -q 'setup\.sh' err

# 2. a file that is not a kernel -> qemu cannot boot it -> 125
rc=0; CNI_VM_KERNEL=$SELF vm -- true > out 2> err || rc=$?
show "vmrun stderr (CNI_VM_KERNEL=$SELF)" err
check "bogus kernel file: exit 125 (got $rc)" [ "$rc" = 125 ]
check "bogus kernel file: says the guest failed to boot" grep -q 'failed to boot' err

# 3. timeout shorter than the boot -> 124 (stops qemu after 1 s)
rc=0; vm --timeout 1 -- true > out 2> err || rc=$?
show "vmrun stderr (--timeout 1)" err
check "--timeout 1: exit 124 (got $rc)" [ "$rc" = 124 ]
check "--timeout 1: says TIMEOUT" grep -q 'TIMEOUT' err
check "no temp dirs or processes left by the failed runs" leftovers

# 4. the real boot
U=st$(printf '%04x' $((RANDOM)))
cp "$SELF" "$WORK/selftest.sh"
t0=${EPOCHREALTIME/./}
rc=0
CNI_TEST_VM_UNIQ=$U CNI_TEST_VM_HOST_KREL=$(uname -r) CNI_TEST_VM_WORKDIR=$WORK \
    vm --timeout 600 -- bash ./selftest.sh --in-guest > out 2> err || rc=$?
t1=${EPOCHREALTIME/./}
show "guest stdout" out
show "guest stderr" err
echo "# boot + checks + poweroff: $(( (t1 - t0) / 1000 )) ms"
check "guest exit status 7 propagated (got $rc)" [ "$rc" = 7 ]
check "all guest checks passed (dummy, ipvlan l2 in netns, vlan, bridge vlan_filtering)" \
    grep -qx SELFTEST-GUEST-OK out
check "guest stderr arrives on stderr" grep -qx SELFTEST-STDERR-MARKER err
check "guest stderr not mixed into stdout" lacks SELFTEST-STDERR-MARKER out
check "guest wrote into the shared working directory" grep -qx "$U" "$WORK/guest-was-here"
ip -o link show > host-links
ip netns list > host-netns 2>/dev/null || true
check "host has none of the guest's links" lacks "$U" host-links
check "host has none of the guest's netns" lacks "$U" host-netns
check "no temp dirs or processes left" leftovers

echo "1..$n"
if [ "$failed" -gt 0 ]; then
    echo "# $failed of $n checks FAILED"
    exit 1
fi
echo "# all $n checks passed"
