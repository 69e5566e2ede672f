#!/usr/bin/env bash
# test/fuzz/run.sh smoke|long|merge [NAME...]
#
# Runs the libFuzzer harnesses built by `make fuzz-build` (build/fuzz/fuzz_<name>), each over
# its committed corpus test/fuzz/corpus/<name>/ (all harnesses when no NAME is given):
#   smoke  FUZZ_SECONDS (default 3) each, new inputs in a throwaway dir, FUZZ_JOBS (default:
#          the number of cores) harnesses at once: the test command's fuzz stage. Fails on
#          any crash, leak, sanitizer report, timeout or violated property.
#   long   the campaign: FUZZ_RUNS execs each (default 10000000), or FUZZ_TIME seconds
#          when set and reached first; FUZZ_JOBS harnesses at once (default 1). New inputs accumulate in
#          build/fuzz/work/<name>/, logs in build/fuzz/logs/<name>.log; a table of execs,
#          coverage and corpus sizes is printed at the end (docs/robustness.md keeps it).
#   merge  adds what the campaign found that covers something new to the committed corpus
#          (libFuzzer -merge=1), so the next smoke run starts from there.
# A crash leaves its input in build/fuzz/artifacts/<name>/; rerun it with
# build/fuzz/fuzz_<name> <file>.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 2
mode=${1:-}
shift || true
case "$mode" in
smoke | long | merge) ;;
*)
	echo "usage: test/fuzz/run.sh smoke|long|merge [NAME...]" >&2
	exit 2
	;;
esac

out=build/fuzz
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in test/fuzz/fuzz_*.c; do
		n=${f##*/fuzz_}
		names+=("${n%.c}")
	done
fi
for n in "${names[@]}"; do
	[ -x "$out/fuzz_$n" ] || {
		echo "run.sh: no $out/fuzz_$n: run make fuzz-build" >&2
		exit 2
	}
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

# run_one NAME: one harness in the current mode; its output goes to $out/logs/NAME.log.
run_one() {
	local n=$1 corpus=test/fuzz/corpus/$1 work=$out/work/$1 art=$out/artifacts/$1/ log=$out/logs/$1.log
	local budget rc=0

	mkdir -p "$corpus" "$art" "$out/logs"
	case "$mode" in
	smoke)
		work=$(mktemp -d "/tmp/cni-fuzz-$n.XXXXXX") || return 1
		"$out/fuzz_$n" "${common[@]}" -max_total_time="${FUZZ_SECONDS:-3}" -artifact_prefix="$art" \
			"$work" "$corpus" >"$log" 2>&1 || rc=$?
		rm -rf "$work"
		;;
	long)
		mkdir -p "$work"
		# FUZZ_RUNS execs; with FUZZ_TIME as well, whichever comes first.
		budget=(-runs="${FUZZ_RUNS:-10000000}")
		[ -z "${FUZZ_TIME:-}" ] || budget+=(-max_total_time="$FUZZ_TIME")
		"$out/fuzz_$n" "${common[@]}" "${budget[@]}" -artifact_prefix="$art" "$work" "$corpus" >"$log" 2>&1 ||
			rc=$?
		;;
	merge)
		mkdir -p "$work"
		"$out/fuzz_$n" "${common[@]}" -merge=1 "$corpus" "$work" >"$log" 2>&1 || rc=$?
		;;
	esac
	return "$rc"
}

# stat NAME KEY: a value from libFuzzer's final stats (or the last "DONE"/status line).
stat() { sed -n "s/^stat::$2: *//p" "$out/logs/$1.log" | tail -n 1; }
cov() { grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$out/logs/$1.log" | tail -n 1; }

failed=0
# Harnesses at once: all cores for the smoke run (the test command), one unless told for
# the campaign (FUZZ_JOBS), one for merging.
jobs=${FUZZ_JOBS:-1}
[ "$mode" != smoke ] || jobs=${FUZZ_JOBS:-$(nproc)}
[ "$mode" != merge ] || jobs=1
start=$(date +%s)
running=0
for n in "${names[@]}"; do
	if [ "$jobs" -gt 1 ]; then
		(
			t0=$(date +%s)
			run_one "$n"
			rc=$?
			echo "$rc $(($(date +%s) - t0))" >"$out/logs/$n.rc"
		) &
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
	else
		t0=$(date +%s)
		run_one "$n"
		echo "$? $(($(date +%s) - t0))" >"$out/logs/$n.rc"
	fi
done
wait

printf '%-14s %-6s %12s %8s %8s %8s %6s\n' harness result execs cov ft corpus secs
for n in "${names[@]}"; do
	read -r rc secs <"$out/logs/$n.rc"
	c=$(cov "$n")
	if [ "$rc" -eq 0 ]; then res=ok; else
		res=FAIL
		failed=1
	fi
	printf '%-14s %-6s %12s %8s %8s %8s %6s\n' "$n" "$res" "$(stat "$n" number_of_executed_units)" \
		"$(awk '{print $2}' <<<"$c")" "$(awk '{print $4}' <<<"$c")" "$(awk '{print $6}' <<<"$c")" "$secs"
	if [ "$rc" -ne 0 ]; then
		echo "--- $out/logs/$n.log (tail):"
		tail -n 40 "$out/logs/$n.log"
		find "$out/artifacts/$n/" -type f -printf "--- artifact: %p\n" 2>/dev/null
	fi
done
echo "fuzz $mode: $(($(date +%s) - start)) s"
exit "$failed"
