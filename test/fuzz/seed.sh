#!/usr/bin/env bash
# test/fuzz/seed.sh: grow the committed fuzz corpora from real traffic (as root).
#
#   1. Runs the runtimes lane (podman, containerd; test/runtimes) with CNIRT_KEEP_TRACE,
#      and the host lane of the black-box suite with every plugin behind
#      test/runtimes/trace-plugin, so every call (config on stdin, CNI_ARGS, output) the
#      runtimes and the tests make is recorded. Test failures under the tracer do not
#      matter here: only what was sent counts.
#   2. Cuts the records into seeds: configs (skel, conf_<plugin>, conf_hostlocal for the
#      ipam part; with CNI_ARGS after a NUL byte where the harness takes it), CNI_ARGS
#      (cni_args), results and prevResults (result), resolv.conf files named by configs.
#   3. Merges them into test/fuzz/corpus/<harness>/ with libFuzzer -merge=1: only seeds
#      that reach something new are kept, so the corpora stay small.
# netlink seeds come from test/fuzz/seed-netlink.py (run in a throwaway namespace here).
# Needs bin/, build/blackbox-tests and the fuzz harnesses (make all build/blackbox-tests
# fuzz-build); SEED_NO_RUNTIMES=1 skips step 1's runtimes part.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d /tmp/cni-fuzz-seed.XXXXXX)
trap 'rm -rf "$work"' EXIT
trace=$work/trace.jsonl
: >"$trace"

if [[ ${SEED_NO_RUNTIMES:-0} != 1 ]]; then
	CNIRT_KEEP_TRACE=$trace test/runtimes/podman.sh "$root/bin" >"$work/podman.log" 2>&1 || true
	CNIRT_KEEP_TRACE=$trace test/runtimes/containerd.sh "$root/bin" >"$work/containerd.log" 2>&1 || true
fi

# The black-box tests through the tracer: CNI_TEST_BIN is a directory of trace-plugin links.
tb=$work/tracebin
mkdir -p "$tb"
printf '%s\n' "$root/bin" >"$tb/.target"
for p in bridge host-local ipvlan loopback; do ln -s "$root/test/runtimes/trace-plugin" "$tb/$p"; done
for suite in errors loopback hostlocal bridge hostile; do
	CK_RUN_SUITE=$suite scripts/run-blackbox.sh build/blackbox-tests "$tb" >"$work/bb-$suite.log" 2>&1 || true
done
cat "$tb/trace.jsonl" >>"$trace" 2>/dev/null || true
echo "seed.sh: $(wc -l <"$trace") recorded calls"

# ---- cut the records into seeds ----
seeds=$work/seeds
for h in skel conf_bridge conf_ipvlan conf_hostlocal cni_args result resolv; do mkdir -p "$seeds/$h"; done
n=0
while IFS= read -r rec; do
	n=$((n + 1))
	plugin=$(jq -r .plugin <<<"$rec")
	args=$(jq -r '.args // ""' <<<"$rec")
	conf=$(jq -c 'if (.conf | type) == "object" then .conf else empty end' <<<"$rec")
	[[ -n $args ]] && printf '%s' "$args" >"$seeds/cni_args/$n"
	if [[ -n $conf ]]; then
		printf '%s' "$conf" >"$seeds/skel/$n"
		printf '%s\0%s' "$conf" "$args" >"$seeds/skel/$n-args"
		case $plugin in
		bridge) printf '%s\0%s' "$conf" "$args" >"$seeds/conf_bridge/$n" ;;
		ipvlan) printf '%s' "$conf" >"$seeds/conf_ipvlan/$n" ;;
		esac
		if jq -e '.ipam.type == "host-local"' <<<"$conf" >/dev/null; then
			printf '%s' "$conf" >"$seeds/conf_hostlocal/$n"
			ip=$(sed -n 's/.*\(^\|;\)IP=\([^;]*\).*/\2/p' <<<"$args")
			[[ -n $ip ]] && printf '%s\0%s' "$conf" "$ip" >"$seeds/conf_hostlocal/$n-ip"
		fi
		jq -c '.prevResult // empty' <<<"$conf" >"$seeds/result/$n-prev"
		rc=$(jq -r '.ipam.resolvConf // empty' <<<"$conf")
		[[ -n $rc && -f $rc && ! -L $rc ]] && head -c 65536 "$rc" >"$seeds/resolv/$n" 2>/dev/null
	fi
	jq -c 'if (.out | type) == "object" then .out else empty end' <<<"$rec" >"$seeds/result/$n-out"
done <"$trace"
# Empty seeds say nothing; huge ones (the limits tests' 1 MiB configs) would slow every
# smoke run down for nothing the mutator cannot rebuild.
find "$seeds" -type f \( -empty -o -size +64k \) -delete

# ---- netlink ----
unshare -n python3 test/fuzz/seed-netlink.py "$seeds" >/dev/null

# ---- merge: keep what adds coverage ----
for d in "$seeds"/*/; do
	h=$(basename "$d")
	[[ -x build/fuzz/fuzz_$h ]] || continue
	before=$(find "test/fuzz/corpus/$h" -type f 2>/dev/null | wc -l)
	mkdir -p "test/fuzz/corpus/$h"
	"build/fuzz/fuzz_$h" -merge=1 "test/fuzz/corpus/$h" "$d" >"$work/merge-$h.log" 2>&1
	echo "seed.sh: $h: $(find "$d" -type f | wc -l) seeds, corpus $before -> $(find "test/fuzz/corpus/$h" -type f | wc -l)"
done
