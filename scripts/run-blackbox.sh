#!/usr/bin/env bash
# run-blackbox.sh BB_BINARY BIN_DIR
#
# Runs the black-box test binary inside a throwaway network namespace and a private mount
# namespace (unshare --net --mount --propagation private) so nothing the tests do reaches
# the real host:
#   - a fresh tmpfs on /run/netns (and on /var/run/netns when that is a different
#     directory) holds every namespace the tests create, and disappears with them;
#   - a tmpfs on /var/lib/cni (when it exists) hides the host's IPAM state;
#   - lo is brought up in the throwaway "host" namespace, which has no other link.
# CNI_TEST_BIN is set to BIN_DIR (absolute). The test binary's exit status is returned.
#
# Environment:
#   VALGRIND=1   run the test binary (not the plugins) under valgrind memcheck; Check's
#                timeouts are stretched with CK_TIMEOUT_MULTIPLIER (default 10).
#   CK_RUN_SUITE, CK_RUN_CASE, CK_VERBOSITY, ... are passed to Check as usual.
set -euo pipefail

prog=${0##*/}

die() {
	echo "$prog: $*" >&2
	exit 2
}

inner() {
	local bb=$1 bin=$2

	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755,nosuid,nodev,noexec,size=1m cnitest-netns /run/netns
	# /var/run is usually a symlink to /run; only a separate directory needs its own tmpfs.
	if [ "$(realpath -m /var/run/netns)" != "$(realpath -m /run/netns)" ]; then
		mkdir -p /var/run/netns
		mount -t tmpfs -o mode=0755,nosuid,nodev,noexec,size=1m cnitest-netns /var/run/netns
	fi
	if [ -d /var/lib/cni ]; then
		mount -t tmpfs -o mode=0755,nosuid,nodev,size=64m cnitest-state /var/lib/cni
	fi
	ip link set lo up

	export CNI_TEST_BIN=$bin
	if [ "${VALGRIND:-0}" = 1 ]; then
		export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
		exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--show-leak-kinds=definite --track-fds=no --trace-children=no "$bb"
	fi
	exec "$bb"
}

if [ "${1:-}" = --inner ]; then
	[ $# -eq 3 ] || die "internal error: --inner BB_BINARY BIN_DIR"
	inner "$2" "$3"
fi

[ $# -eq 2 ] || {
	echo "usage: $prog BB_BINARY BIN_DIR" >&2
	exit 2
}
[ "$(id -u)" -eq 0 ] || die "must run as root: the tests create network namespaces, links and mounts"
command -v unshare >/dev/null || die "unshare (util-linux) is required"
command -v ip >/dev/null || die "ip (iproute2) is required"
if [ "${VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || die "VALGRIND=1 but valgrind is not installed"
fi
bb=$(realpath -e -- "$1") || die "no test binary $1"
bin=$(realpath -e -- "$2") || die "no plugin directory $2"
if [ ! -f "$bb" ] || [ ! -x "$bb" ]; then
	die "$bb is not an executable"
fi
[ -d "$bin" ] || die "$bin is not a directory"

self=$(realpath -e -- "${BASH_SOURCE[0]}")
status=0
unshare --net --mount --propagation private -- bash "$self" --inner "$bb" "$bin" || status=$?
exit "$status"
