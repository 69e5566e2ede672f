#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this). As root on Debian 12.
#
#   scripts/test.sh                 install dependencies, then run every stage
#   scripts/test.sh --no-deps       skip apt-get (make check uses this)
#   scripts/test.sh unit blackbox   run only the named stages
#
# Stages, in order:
#   build     make (-Werror), every plugin into bin/
#   unit      Check unit tests (pure modules; kernel-facing ones in private namespaces)
#   blackbox  the real binaries exec'd in namespaces the tests create, kernel state read
#             back with `ip -j`; includes interop with the reference Go host-local
#   san       unit + black-box again, everything built with AddressSanitizer + UBSan
#             (leaks included); any sanitizer report fails the stage
#   harness   cnitool and the cni scripts (built from Debian's golang-github-appc-cni
#             source package at test time) drive bin/ for real
#   runtimes  podman 4.3 (CNI backend) and containerd 1.6 (ctr run --cni) run containers on
#             examples/10-cni-c.conflist with the plugins as `make install` puts them, then
#             with the sanitizer build; each runtime in a sandbox of its own (test/runtimes)
#   cluster   the node agent (cni-c-node): its API client against a stand-in API server
#             (test/cluster/api.sh), then a 21-node x 10-pod cluster in namespaces wired by
#             the agents from a NodeList and from list + watch (test/cluster/sim.sh)
#   robust    crash injection (200 kills: bridge, bridge + the Go host-local, host-local)
#             and a storm (200 pods 32-way, CHECK and GC mixed in, the Go host-local on
#             the same store): the soak lane, short (`make soak` is the long one)
#   fuzz      every libFuzzer harness (test/fuzz) a few seconds over its committed corpus,
#             which holds every input that ever found a bug (`make fuzz` is the campaign)
#   vm        Debian's kernel in QEMU for what this kernel lacks (ipvlan, bridge VLAN
#             filtering, ipvlan crash injection); fails loudly when the VM cannot boot
# shellcheck disable=SC2317 # stage functions are called as "stage_$name"
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
deps=1
stages=()
for arg in "$@"; do
	case "$arg" in
	--no-deps) deps=0 ;;
	build | unit | blackbox | san | harness | runtimes | cluster | robust | fuzz | vm) stages+=("$arg") ;;
	*) echo "test.sh: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done
[ ${#stages[@]} -gt 0 ] || stages=(build unit blackbox san harness runtimes cluster robust fuzz vm)
[ "$(id -u)" -eq 0 ] || { echo "test.sh: run as root (tests create network namespaces)" >&2; exit 1; }

if [ "$deps" -eq 1 ]; then
	scripts/deps.sh test harness runtimes cluster vm || exit 1
fi

jobs=$(nproc)
results=()
failed=0

stage_build() { make -j"$jobs"; }
stage_unit() { make -j"$jobs" unit; }
stage_blackbox() { make -j"$jobs" blackbox; }

# san_begin DIR / san_end DIR: every process started in between (tests, and the plugins
# that they or a runtime exec) reports into DIR, leaks included; san_end fails on any report
san_begin() {
	rm -rf "$1" && mkdir -p "$1"
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$1/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$1/ubsan"
}
san_end() {
	unset ASAN_OPTIONS UBSAN_OPTIONS
	compgen -G "$1/*" >/dev/null || return 0
	echo "sanitizer reports:"
	head -n 60 "$1"/*
	return 1
}

stage_san() {
	local o=build/san rc=0
	make -j"$jobs" O="$o" SAN=1 all "$o/build/unit-tests" "$o/build/blackbox-tests" "$o/build/simpeer" || return 1
	san_begin "$PWD/$o/sanitizer-logs"
	"$o/build/unit-tests" || rc=1
	scripts/run-blackbox.sh "$o/build/blackbox-tests" "$PWD/$o/bin" || rc=1
	san_end "$PWD/$o/sanitizer-logs" || rc=1
	return "$rc"
}

# The harness runs in a throwaway "node" namespace with private /run/netns and
# /var/lib/cni (cnitool's fixed result cache), so the machine itself is never touched.
# shellcheck disable=SC2016 # $1 expands in the inner shell
stage_harness() {
	test/harness/fetch.sh || return 1
	unshare --net --mount --propagation private -- bash -c '
		set -e
		mkdir -p /run/netns /var/lib/cni
		mount -t tmpfs cni-harness-netns /run/netns
		mount -t tmpfs cni-harness-state /var/lib/cni
		ip link set lo up
		exec test/harness/run.sh "$1"' harness "$PWD/bin"
}

# The runtimes run the plugins installed by `make install` (into a temp DESTDIR, the path
# they would have in /opt/cni/bin), then the sanitizer build's.
stage_runtimes() {
	local dest rc=0 san=build/san
	dest=$(mktemp -d /tmp/cni-c-install.XXXXXX) || return 1
	if make install DESTDIR="$dest"; then
		test/runtimes/podman.sh "$dest/opt/cni/bin" || rc=1
		test/runtimes/containerd.sh "$dest/opt/cni/bin" || rc=1
	else
		rc=1
	fi
	rm -rf "$dest"
	make -j"$jobs" O="$san" SAN=1 all || return 1
	san_begin "$PWD/$san/sanitizer-logs-runtimes"
	test/runtimes/podman.sh "$san/bin" || rc=1
	test/runtimes/containerd.sh "$san/bin" || rc=1
	san_end "$PWD/$san/sanitizer-logs-runtimes" || rc=1
	return "$rc"
}

# The node agent: its API client (normal and sanitizer builds), then the cluster.
stage_cluster() {
	local rc=0 san=build/san
	make -j"$jobs" all build/simpeer || return 1
	make -j"$jobs" O="$san" SAN=1 "$san/bin/cni-c-node" || return 1
	test/cluster/api.sh "$PWD/bin" || rc=1
	san_begin "$PWD/$san/sanitizer-logs-cluster"
	test/cluster/api.sh "$PWD/$san/bin" || rc=1
	san_end "$PWD/$san/sanitizer-logs-cluster" || rc=1
	test/cluster/sim.sh "$PWD/bin" || rc=1
	return "$rc"
}

# The soak lane, short: crash injection and a storm (test/blackbox/test_crash.c, test_storm.c).
stage_robust() {
	make -j"$jobs" all build/blackbox-tests || return 1
	CNI_TEST_LANE=soak scripts/run-blackbox.sh build/blackbox-tests "$PWD/bin"
}

# Every fuzz harness briefly over its committed corpus (clang's libFuzzer, ASan + UBSan).
stage_fuzz() {
	make -j"$jobs" fuzz-build || return 1
	test/fuzz/run.sh smoke
}

# One boot runs the vm lane's suites (ipvlan, bridge VLANs) with the normal build and with
# the sanitizer build; both are built here first (no-ops when the earlier stages did it).
stage_vm() {
	make -j"$jobs" all build/blackbox-tests || return 1
	make -j"$jobs" O=build/san SAN=1 all build/san/build/blackbox-tests || return 1
	test/vm/setup.sh || return 1
	CNI_VM_TIMEOUT=2400 test/vm/lane.sh "$PWD/bin"
}

for s in "${stages[@]}"; do
	echo "=============== stage $s"
	start=$(date +%s)
	if "stage_$s"; then res=PASS; else res=FAIL; failed=1; fi
	results+=("$(printf '%-9s %s  %4ss' "$s" "$res" $(($(date +%s) - start)))")
	echo "=============== stage $s: $res"
done

echo
echo "summary:"
printf '  %s\n' "${results[@]}"
exit "$failed"
