# shellcheck shell=bash
# lib.sh: helpers shared by the benchmark scripts (bench.sh, nf-bench.sh); sourced.
# They use $T (the run's tmpfs: jobs, results.raw/.tsv, stats.tsv, verify.tsv), $CNITIME,
# SETTLE and a log function from the sourcing script; shuffle draws from $RANDOM.

# shuffle ITEMS...: ORDER = the items in a random order (Fisher-Yates on $RANDOM, which inner
# seeds with SEED, so a run is reproducible). Used per pod index: over N pods every side
# runs in every position and after every other side about equally often. A fixed rotation
# would not do: what ran just before matters (kernel work deferred by the previous job; the
# `ip link del` floor once took 26.7 ms after a raw-netlink delete, 21.1 after a plugin's).
shuffle() {
	local i j t
	ORDER=("$@")
	for ((i = ${#ORDER[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		t=${ORDER[i]} ORDER[i]=${ORDER[j]} ORDER[j]=$t
	done
}

# st SIDE OP FIELD: a value from $T/stats.tsv ("" when that group was not run)
st() {
	awk -F'\t' -v s="$1" -v o="$2" -v f="$3" '
		BEGIN { split("side op n failed p50 p90 p99 mean rss rssmax span ops", h, " "); for (i in h) col[h[i]] = i }
		$1 == s && $2 == o { print $col[f]; exit }' "$T/stats.tsv"
}
# verify KEY VALUE: one line of $T/verify.tsv for the report
verify() { printf '%s\t%s\n' "$1" "$2" >>"$T/verify.tsv"; }
# vf KEY: a value from $T/verify.tsv
vf() { awk -F'\t' -v k="$1" '$1 == k { print $2; exit }' "$T/verify.tsv"; }

# calc EXPR with a b: awk arithmetic on two operands, "–" when one is missing
div() { awk -v a="${1:-}" -v b="${2:-}" -v f="${3:-%.3f}" 'BEGIN { if (a == "" || b == "" || a == "nan" || b == "nan" || b + 0 == 0) print "–"; else printf f "\n", a / b }'; }
fmt() { awk -v a="${1:-}" -v f="${2:-%.2f}" 'BEGIN { if (a == "" || a == "nan") print "–"; else printf f "\n", a }'; }

# sub_p50 SIDE OP FROM TO: p50 (ms) of that group's jobs with FROM <= idx < TO
sub_p50() {
	awk -F'\t' -v s="$1" -v o="$2" -v a="$3" -v b="$4" '$1 == s && $2 == o && $3 + 0 >= a && $3 + 0 < b' \
		"$T/results.tsv" | "$CNITIME" stats | awk -F'\t' 'NR == 2 { print $5 }'
}

# exec_job SIDE OP IDX ARGV...
exec_job() {
	local side=$1 op=$2 idx=$3
	shift 3
	printf '%s\t%s\t%s\t-\t-\t-\t%s\n' "$side" "$op" "$idx" "$*"
}

# run_jobs FILE WIDTH: time every job of FILE, results appended to $T/results.raw
run_jobs() {
	local n
	n=$(grep -c . "$1" || true)
	log "  $(basename "$1"): $n jobs, $2 at a time"
	# in the background, so that a signal to this shell is handled at once (see inner)
	"$CNITIME" run -j "$2" -t 60 -e "$T/stderr.log" <"$1" >>"$T/results.raw" &
	RUNNER=$!
	wait "$RUNNER"
	RUNNER=
}

# with_prev CONF PREV_FILE: CONF with "prevResult" set to the ADD output in PREV_FILE
# (what a runtime passes to CHECK and DEL); CONF as is when PREV_FILE is empty or missing.
with_prev() {
	local prev=""
	[ -n "$2" ] && [ -s "$2" ] && prev=$(<"$2")
	if [ -n "$prev" ]; then
		printf '%s,"prevResult":%s}\n' "${1%\}}" "$prev"
	else
		printf '%s\n' "$1"
	fi
}

mkns() { "$CNITIME" mkns /run/netns "$1" "$2"; }
rmns() { "$CNITIME" rmns /run/netns "$1" "$2"; }

# settle: deleted namespaces are torn down by kernel workers; wait (at most SETTLE s) until
# the CPUs are 85 % idle over half a second, so the teardown does not run into the next phase.
settle() {
	local t0=$SECONDS a b idle total
	sleep 1
	while [ $((SECONDS - t0)) -lt "$SETTLE" ]; do
		read -r _ a <<<"$(head -1 /proc/stat)"
		sleep 0.5
		read -r _ b <<<"$(head -1 /proc/stat)"
		read -r idle total < <(echo "$a" "$b" | awk '{ n = NF / 2; for (i = 1; i <= n; i++) { d = $(i + n) - $i; t += d; if (i == 4 || i == 5) id += d } print id, t }')
		[ "$total" -gt 0 ] && [ $((idle * 100 / total)) -ge 85 ] && break
	done
	log "  settled after $((SECONDS - t0)) s"
}
