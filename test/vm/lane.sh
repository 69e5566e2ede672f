#!/usr/bin/env bash
# test/vm/lane.sh BIN_DIR
#
# The vm lane of the black-box tests: the suites that need kernel features the CI machine
# lacks (ipvlan, dummy, bridge VLAN filtering), run inside QEMU on Debian's kernel.
#
# On the host (CNI_VM_GUEST unset) it boots the guest once through test/vm/vmrun and runs
# itself there, from the repository root (the directory vmrun shares read-write). In the
# guest it runs, with CNI_TEST_LANE=vm:
#   1. scripts/run-blackbox.sh build/blackbox-tests BIN_DIR
#   2. the sanitizer build of the same suites, when build/san/build/blackbox-tests and
#      build/san/bin exist (the san stage cannot run ipvlan on the host): ASan + UBSan
#      reports of the tests and of every plugin they exec go to build/san/sanitizer-logs-vm,
#      and any report fails the lane.
# Both always run; the exit status is 0 only when both pass (125 from vmrun: the VM
# itself failed). Nothing is built here: build/blackbox-tests and BIN_DIR must exist
# (scripts/test.sh vm builds them first).
#
# Timings are printed as "lane: ..." lines: the guest's uptime when the lane starts (the
# boot), each run, and on the host the wall time of the whole boot-run-poweroff.
#
# Environment: CNI_VM_TIMEOUT (vmrun's, default here 2400 s), CK_RUN_SUITE, CK_RUN_CASE,
# CK_VERBOSITY, ... pass through to the guest; LANE_NO_SAN=1 skips step 2.
set -uo pipefail

prog=lane.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) || exit 2

die() {
	echo "$prog: $*" >&2
	exit 2
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

[ $# -eq 1 ] || {
	echo "usage: $prog BIN_DIR" >&2
	exit 2
}
cd "$root" || exit 2
bin=$(realpath -e -- "$1") || die "no plugin directory $1"
[ -d "$bin" ] || die "$bin is not a directory"
[ -x build/blackbox-tests ] || die "no build/blackbox-tests: run \`make build/blackbox-tests\` first"

if [ "${CNI_VM_GUEST:-}" != 1 ]; then
	t0=$(now)
	status=0
	test/vm/vmrun --timeout "${CNI_VM_TIMEOUT:-2400}" -- test/vm/lane.sh "$bin" || status=$?
	echo "lane: host wall time, boot to poweroff: $(elapsed "$t0" "$(now)") s (exit status $status)"
	exit "$status"
fi

# ---- in the guest ----
export CNI_TEST_LANE=vm
read -r up _ </proc/uptime
echo "lane: guest kernel $(uname -r), up ${up} s when the lane started (boot)"

run_plain() {
	scripts/run-blackbox.sh build/blackbox-tests "$bin"
}

run_san() {
	local logs=$root/build/san/sanitizer-logs-vm rc=0

	rm -rf "$logs" && mkdir -p "$logs" || return 1
	ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$logs/asan" \
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
		scripts/run-blackbox.sh build/san/build/blackbox-tests "$root/build/san/bin" || rc=1
	if compgen -G "$logs/*" >/dev/null; then
		echo "lane: sanitizer reports:"
		head -n 60 "$logs"/*
		rc=1
	fi
	return "$rc"
}

timed() {
	local name=$1 t rc=0
	shift
	echo "lane: === $name"
	t=$(now)
	"$@" || rc=$?
	echo "lane: === $name: $([ "$rc" -eq 0 ] && echo PASS || echo "FAIL ($rc)") in $(elapsed "$t" "$(now)") s"
	return "$rc"
}

status=0
timed "vm suites ($bin)" run_plain || status=1
if [ "${LANE_NO_SAN:-0}" = 1 ]; then
	echo "lane: sanitizer run skipped (LANE_NO_SAN=1)"
elif [ -x build/san/build/blackbox-tests ] && [ -d build/san/bin ]; then
	timed "vm suites, ASan+UBSan build (build/san)" run_san || status=1
else
	echo "lane: no sanitizer build (build/san/build/blackbox-tests, build/san/bin): not run"
fi
read -r up _ </proc/uptime
echo "lane: guest up ${up} s at the end"
exit "$status"
