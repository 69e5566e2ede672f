# shellcheck shell=bash
# tap.sh: TAP output and bounded commands for the shell test lanes
# (test/harness, test/runtimes).  Source it; it expects:
#   TMP  a private temp dir (check keeps a command's output in $TMP/out)
#   TMO  seconds a timed-out command was allowed (only for the message)
# and sets N and FAILED (checks run and failed so far).
# fd 3 is the real stdout, for messages printed while a check's command has
# stdout redirected (e.g. from a signal trap).
exec 3>&1
N=${N:-0}
FAILED=${FAILED:-0}
ok() { N=$((N + 1)); printf 'ok %d - %s\n' "$N" "$*"; }
notok() { N=$((N + 1)); FAILED=$((FAILED + 1)); printf 'not ok %d - %s\n' "$N" "$*"; }
diag() { sed 's/^/# /'; }
bail() { printf 'Bail out! %s\n' "$*" >&3; exit 1; }

# check DESCRIPTION COMMAND...: run COMMAND, report, show its output on failure.
# A status of 129/130/143 means the command died of SIGHUP/SIGINT/SIGTERM:
# stop, and let the EXIT trap clean up.
check() {
	local desc=$1 rc=0
	shift
	"$@" >"$TMP/out" 2>&1 || rc=$?
	case $rc in
	0) ok "$desc"; return 0 ;;
	129 | 130 | 143) notok "$desc (interrupted)"; exit "$rc" ;;
	124 | 137) echo "timed out (${TMO:-?} s per command)" >>"$TMP/out" ;;
	esac
	notok "$desc"
	diag <"$TMP/out"
	return 1
}

# bounded SECONDS CMD...: run CMD with a time limit.  timeout(1) puts CMD in
# a process group of its own and kills that whole group on expiry; CMD runs
# in the background so that a signal to the script interrupts `wait` at once
# and the trap can end that group (stop_child) before cleaning up.
CHILD=""
bounded() {
	local rc=0 secs=$1
	shift
	timeout -k 5 "$secs" "$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=""
	return "$rc"
}
stop_child() {
	[[ -n $CHILD ]] || return 0
	# timeout is not reaped yet, so its process group id is still ours
	kill -TERM -- "-$CHILD" 2>/dev/null
	sleep 1
	kill -KILL -- "-$CHILD" 2>/dev/null
	wait "$CHILD" 2>/dev/null
	CHILD=""
}

# tap_end NAME: the plan line and a one-line summary; fails if a check did
tap_end() {
	echo "1..$N"
	echo "$1: $((N - FAILED)) passed, $FAILED failed"
	[[ $FAILED -eq 0 ]]
}
