#!/usr/bin/env bash
# api.sh BIN_DIR: the node agent's Kubernetes client against the stand-in API server
# (kube-api.py), and the server's fidelity checked with kubectl.
#
# One node ("self", 10.0.0.1 on a bridge) in a throwaway namespace; the server on
# 127.0.0.1. Covered: kubectl against the server (list, get, raw watch, client
# certificate, refused token); the agent's credentials (token, tokenFile, client
# certificate data, in-cluster service account with a rotated token, a wrong CA, a
# refused token); lists of several pages, and one whose continue token expires; watch
# bookmarks; 410 as an ERROR event and as HTTP 410; a malformed stream; an event with a
# bad node; an API outage. Output is TAP.
# shellcheck disable=SC2317 # functions called indirectly (traps, check)
# shellcheck disable=SC2016 # checks written as bash -c '...': expanded by the inner shell
# shellcheck disable=SC2015 # A && B || C on purpose: C reports A or B failing
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
TMO=60

[[ $(id -u) -eq 0 ]] || { echo "Bail out! must run as root"; exit 1; }
[[ $# -ge 1 && -x $1/cni-c-node ]] || { echo "Bail out! usage: api.sh BIN_DIR"; exit 1; }
BIN=$(cd "$1" && pwd -P)

if [[ ${API_INSIDE:-} != 1 ]]; then
	TMP=$(mktemp -d /tmp/cni-c-api.XXXXXX) || exit 1
	trap 'rm -rf "$TMP"' EXIT
	unshare --net --mount --pid --fork --mount-proc --propagation private \
		env API_INSIDE=1 TMP="$TMP" bash "$0" "$BIN"
	exit $?
fi

. "$ROOT/test/lib/tap.sh"
S=$TMP
CTL=http://127.0.0.1:16444
SA=/run/secrets/kubernetes.io/serviceaccount
PIDS=()
# shellcheck disable=SC2154 # p is the trap's loop variable
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done' EXIT

mount -t tmpfs api-run /run && mkdir -p /run/netns "$SA" || bail "cannot make a private /run"
ip link set lo up
ip link add u0 type bridge && ip addr add 10.0.0.1/16 dev u0 && ip link set u0 up || bail "no bridge"

ctl() { curl -sf -X "$1" "$CTL$2" ${3:+--data-binary "$3"}; }

node() { # name cidr ip
	printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"},"spec":{"podCIDR":"%s","podCIDRs":["%s"]},' "$1" "$2" "$2"
	printf '"status":{"addresses":[{"type":"InternalIP","address":"%s"}]}}' "$3"
}
nodelist() { # count: self + count-1 peers
	local i sep=""
	printf '{"kind":"List","apiVersion":"v1","metadata":{},"items":['
	for ((i = 1; i <= $1; i++)); do
		printf '%s' "$sep"
		node "n$i" "10.$((100 + i / 250)).$((i % 250)).0/24" "10.0.$((i / 250)).$((i % 250 + 1))"
		sep=,
	done
	printf ']}\n'
}
# This node is n1 (its address does not matter: every other one is on u0's 10.0/16).
SELF=n1

start_api() { # nodes-file
	rm -f "$S/api.log" # (not truncated by the redirect below before the wait starts reading it)
	python3 "$HERE/kube-api.py" --port 16443 --control-port 16444 --cert "$S/pki/server.crt" \
		--key "$S/pki/server.key" --ca "$S/pki/ca.crt" --token tok-1 --nodes "$1" >"$S/api.log" 2>&1 &
	API=$!
	PIDS+=("$API")
	local i
	for ((i = 0; i < 100; i++)); do grep -q ready "$S/api.log" && return 0; sleep 0.05; done
	cat "$S/api.log"
	return 1
}

kubeconfig() { # file, then "key: value" lines for the user
	local f=$1
	shift
	{
		echo "apiVersion: v1"
		echo "clusters:"
		echo "- name: t"
		echo "  cluster:"
		echo "    server: https://127.0.0.1:16443"
		echo "    certificate-authority: ${CA_FILE:-pki/ca.crt}"
		echo "users:"
		echo "- name: u"
		echo "  user:"
		local l
		for l in "$@"; do echo "    $l"; done
		echo "contexts:"
		echo "- name: c"
		echo "  context: {cluster: t, user: u}"
		echo "current-context: c"
	} >"$f"
}

agent_once() { # kubeconfig|"" [args]
	local kc=$1
	shift
	"$BIN/cni-c-node" --node "$SELF" ${kc:+--kubeconfig "$kc"} --cni-conf-dir "$S/net.d" --once "$@" >"$S/once.log" 2>&1
}

start_agent() { # kubeconfig [args]
	local kc=$1
	shift
	"$BIN/cni-c-node" --node "$SELF" --kubeconfig "$kc" --cni-conf-dir "$S/net.d" -v "$@" >"$S/agent.log" 2>&1 &
	AGENT=$!
	PIDS+=("$AGENT")
}
stop_agent() { kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null; }

wait_log() { # regex [count] [tenths]
	local i n=${2:-1}
	for ((i = 0; i < ${3:-100}; i++)); do
		[[ $(grep -c -E "$1" "$S/agent.log") -ge $n ]] && return 0
		sleep 0.1
	done
	echo "no \"$1\" (x$n) in the agent's log:"
	tail -8 "$S/agent.log"
	return 1
}
route() { ip route show "$1" proto 147; }
wait_route() { # present|absent prefix [tenths]
	local i
	for ((i = 0; i < ${3:-50} * 2; i++)); do
		if [[ -n $(route "$2") ]]; then [[ $1 == present ]] && return 0; else [[ $1 == absent ]] && return 0; fi
		sleep 0.05
	done
	echo "$2 not $1"
	return 1
}
nroutes() { ip -j route show proto 147 | jq length; }
# for the checks written as `bash -c '...'`
export -f ctl node agent_once nroutes route wait_route
export BIN S SELF CTL

# ---------------------------------------------------------------- setup
"$HERE/certs.sh" "$S/pki" >/dev/null || bail "no certificates"
nodelist 5 >"$S/nodes.json"
check "stand-in API server up (HTTPS, bearer token or client certificate)" start_api "$S/nodes.json" || bail "no server"
cd "$S" || bail "no state dir"
kubeconfig "$S/kc-token" "token: tok-1"
kubeconfig "$S/kc-cert" "client-certificate-data: $(base64 -w0 pki/client.crt)" "client-key-data: $(base64 -w0 pki/client.key)"
kubeconfig "$S/kc-bad" "token: wrong"
echo -n tok-1 >"$S/tokfile"
kubeconfig "$S/kc-tokfile" "tokenFile: tokfile"

# ---------------------------------------------------------------- kubectl
KC=(kubectl --kubeconfig "$S/kc-token")
check "kubectl get --raw /api/v1/nodes: a NodeList of the 5 nodes" \
	bash -c '"$@" get --raw /api/v1/nodes | jq -e ".kind == \"NodeList\" and (.items | length) == 5 and (.metadata.resourceVersion | length) > 0"' _ "${KC[@]}"
check "kubectl get nodes (discovery, paging): the 5 names" \
	bash -c '[[ $("$@" get nodes -o json | jq -r "[.items[].metadata.name] | join(\" \")") == "n1 n2 n3 n4 n5" ]]' _ "${KC[@]}"
check "kubectl get node n3 -o json: its pod CIDR" \
	bash -c '[[ $("$@" get node n3 -o json | jq -r .spec.podCIDR) == 10.100.3.0/24 ]]' _ "${KC[@]}"
check "kubectl with the client certificate" kubectl --kubeconfig "$S/kc-cert" get --raw /api/v1/nodes/n2
check "kubectl with a wrong token is refused (401)" bash -c '! kubectl --kubeconfig "$1" get --raw /api/v1/nodes 2>&1 | grep -q n1' _ "$S/kc-bad"
raw_watch() {
	local rv
	rv=$(kubectl --kubeconfig "$S/kc-token" get --raw /api/v1/nodes | jq -r .metadata.resourceVersion)
	(sleep 0.3; ctl PUT /nodes/n9 "$(node n9 10.199.0.0/24 10.0.0.99)" >/dev/null) &
	local put=$!
	kubectl --kubeconfig "$S/kc-token" get --raw "/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=$rv&timeoutSeconds=2" >"$S/raw-watch"
	wait "$put"
	jq -s -e 'map(.type) | index("ADDED") != null and index("BOOKMARK") != null' "$S/raw-watch" &&
		jq -s -e 'map(select(.type == "ADDED"))[0].object.metadata.name == "n9"' "$S/raw-watch"
}
check "kubectl get --raw ...?watch=1: ADDED and BOOKMARK events, one JSON object per line" raw_watch
ctl DELETE /nodes/n9 >/dev/null

# ---------------------------------------------------------------- credentials
check "agent --once with a token: routes to the 4 other nodes" bash -c 'agent_once "$1" && [[ $(nroutes) == 4 ]]' _ "$S/kc-token"
ip route flush proto 147
check "agent --once with a tokenFile (relative to the kubeconfig)" bash -c 'agent_once "$1" && [[ $(nroutes) == 4 ]]' _ "$S/kc-tokfile"
ip route flush proto 147
check "agent --once with a client certificate (data in the kubeconfig)" bash -c 'agent_once "$1" && [[ $(nroutes) == 4 ]]' _ "$S/kc-cert"
refused() { # kubeconfig pattern
	agent_once "$1" && { echo "exit 0"; return 1; }
	grep -q -E "$2" "$S/once.log" || { cat "$S/once.log"; return 1; }
	[[ $(nroutes) == 4 ]] || { echo "routes changed"; return 1; }
}
check "a refused token: exit 1, HTTP 401 named, routes kept" refused "$S/kc-bad" "HTTP 401"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other \
	-keyout "$S/other.key" -out "$S/other.crt" 2>/dev/null
CA_FILE=other.crt kubeconfig "$S/kc-otherca" "token: tok-1"
check "a server certificate the CA did not sign: exit 1, TLS error named, routes kept" refused "$S/kc-otherca" "certificate|SSL"
in_cluster() {
	cp "$S/pki/ca.crt" "$SA/ca.crt" && echo -n tok-1 >"$SA/token" &&
		KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=16443 agent_once "" &&
		grep -q "listed 5 nodes" "$S/once.log"
}
check "in-cluster: service account token and CA, KUBERNETES_SERVICE_HOST/PORT" in_cluster
check "not in a cluster and no --kubeconfig: exit 1, says what is missing" \
	bash -c '! agent_once "" && grep -q KUBERNETES_SERVICE_HOST "$0/once.log"' "$S"

# ---------------------------------------------------------------- the command line
from_stdin() {
	ip route flush proto 147
	kubectl --kubeconfig "$S/kc-token" get nodes -o json |
		"$BIN/cni-c-node" --node "$SELF" --nodes - --once --cni-conf-dir "$S/net.d" >"$S/once.log" 2>&1 || { cat "$S/once.log"; return 1; }
	[[ $(nroutes) == 4 ]]
}
check "kubectl get nodes -o json | cni-c-node --nodes - --once" from_stdin
bad_args() {
	local out
	mkfifo "$S/fifo"
	out=$(timeout 10 "$BIN/cni-c-node" --node "$SELF" --nodes "$S/fifo" --once --cni-conf-dir "$S/net.d" 2>&1) &&
		{ echo "a FIFO without a writer was accepted"; return 1; }
	grep -q "empty document" <<<"$out" || { echo "$out"; return 1; }
	out=$(timeout 10 "$BIN/cni-c-node" --node "$SELF" --nodes /dev/null --once 2>&1) && return 1
	grep -q "not a regular file or a pipe" <<<"$out" || { echo "$out"; return 1; }
	out=$(timeout 10 "$BIN/cni-c-node" --nodes "$S/nodes.json" --template "$S" --once 2>&1) && return 1
	grep -q -- "--template $S: not a regular file" <<<"$out" || { echo "$out"; return 1; }
	out=$(timeout 10 "$BIN/cni-c-node" --node "$SELF" --kubeconfig "$S/fifo" --once 2>&1) && return 1
	grep -q -- "--kubeconfig $S/fifo: not a regular file" <<<"$out" || { echo "$out"; return 1; }
	printf -- '- %.0s' {1..5000} >"$S/deep.yaml"
	out=$(timeout 10 "$BIN/cni-c-node" --node "$SELF" --kubeconfig "$S/deep.yaml" --once 2>&1) && return 1
	grep -q -- "--kubeconfig $S/deep.yaml: line 1: nested too deeply" <<<"$out" || { echo "$out"; return 1; }
	echo '{"cniVersion":"1.0.0","name":"x","plugins":[{"type":"bridge"}]}' >"$S/t.json"
	out=$(timeout 10 "$BIN/cni-c-node" --nodes "$S/nodes.json" --template "$S/t.json" --once 2>&1) && return 1
	grep -q "no plugin uses host-local" <<<"$out" || { echo "$out"; return 1; }
	out=$(timeout 10 "$BIN/cni-c-node" --cluster-cidr 10.1.2.3/8 --once 2>&1)
	[[ $? == 2 ]] && grep -q "not a network CIDR" <<<"$out" || { echo "$out"; return 1; }
	out=$(timeout 10 "$BIN/cni-c-node" --vxlan-port 70000 2>&1)
	[[ $? == 2 ]] && grep -q "1..65535" <<<"$out" || { echo "$out"; return 1; }
	[[ $(nroutes) == 4 ]] || { echo "routes changed"; return 1; }
}
check "bad arguments and files: a clear error at once (FIFO, device, directory, template, kubeconfig FIFO and nesting, CIDR, port), nothing changed" bad_args

# ---------------------------------------------------------------- big lists
ip route flush proto 147
ctl POST /quit >/dev/null
wait "$API" 2>/dev/null
nodelist 1200 >"$S/big.json"
start_api "$S/big.json" || bail "no server"
paged() {
	local before
	before=$(ctl GET /stats | jq .lists)
	agent_once "$S/kc-token" || { cat "$S/once.log"; return 1; }
	[[ $(nroutes) == 1199 ]] || { echo "$(nroutes) routes"; return 1; }
	[[ $(($(ctl GET /stats | jq .lists) - before)) == 3 ]] || { echo "not 3 pages"; return 1; }
}
check "1200 nodes come in 3 pages of at most 500; 1199 routes" paged
expired_continue() {
	ip route flush proto 147
	ctl POST /config '{"page_delay": 0.5}' >/dev/null
	(sleep 0.7; ctl POST /compact >/dev/null) &
	local compact=$!
	agent_once "$S/kc-token"
	local rc=$?
	wait "$compact"
	ctl POST /config '{"page_delay": 0}' >/dev/null
	((rc == 0)) || { cat "$S/once.log"; return 1; }
	grep -q "expired mid-list: listing again" "$S/once.log" || { cat "$S/once.log"; return 1; }
	[[ $(nroutes) == 1199 ]]
}
check "a continue token that expires mid-list (410): the list starts over, nothing half-applied" expired_continue
ip route flush proto 147
ctl POST /quit >/dev/null
wait "$API" 2>/dev/null

# ---------------------------------------------------------------- the watch
start_api "$S/nodes.json" || bail "no server"
ctl POST /config '{"bookmark_interval": 0.2}' >/dev/null
start_agent "$S/kc-token" --resync 3600
check "daemon: lists, reconciles, watches" wait_log "listed 5 nodes"
check "an ADDED event is routed" bash -c 'ctl PUT /nodes/n7 "$(node n7 10.177.0.0/24 10.0.0.77)" >/dev/null && wait_route present 10.177.0.0/24'
healed() {
	ip route del 10.177.0.0/24 proto 147 || return 1
	wait_route present 10.177.0.0/24 30 || { echo "a deleted route was not put back"; return 1; }
	ip link set u0 down && ip link set u0 up || return 1
	wait_route present 10.177.0.0/24 30 || { echo "not put back after the link came up"; return 1; }
	grep -q "kernel changed: reconcile" "$S/agent.log" || { echo "no reconcile for a kernel change"; return 1; }
}
check "a route deleted by someone else, or lost with its link, is put back at once (no resync due)" healed
bookmarks() {
	local lists rv watches
	lists=$(ctl GET /stats | jq .lists)
	ctl POST /compact >/dev/null # the revision moves on without a node event
	sleep 0.6                    # bookmarks carry it to the agent
	rv=$(ctl GET /stats | jq .rv)
	watches=$(ctl GET /stats | jq .watches)
	ctl POST /drop >/dev/null
	local i
	for ((i = 0; i < 50; i++)); do
		[[ $(ctl GET /stats | jq .watches) -gt $watches ]] && break
		sleep 0.1
	done
	[[ $(ctl GET /stats | jq .watch_rvs[-1]) == "$rv" ]] || { echo "rewatched from $(ctl GET /stats | jq .watch_rvs[-1]), not $rv"; return 1; }
	[[ $(ctl GET /stats | jq .lists) == "$lists" ]] || { echo "listed again"; return 1; }
}
check "bookmarks move the agent's resourceVersion: a reconnect after compaction needs no list" bookmarks
relist_410() { # mode
	local lists
	ctl POST /config "{\"watch_410\": \"$1\"}" >/dev/null
	lists=$(ctl GET /stats | jq .lists)
	ctl POST /config '{"bookmark_interval": 60}' >/dev/null
	sleep 0.3
	ctl POST /compact >/dev/null
	ctl POST /drop >/dev/null
	local i
	for ((i = 0; i < 50; i++)); do
		[[ $(ctl GET /stats | jq .lists) -gt $lists ]] && break
		sleep 0.1
	done
	ctl POST /config '{"bookmark_interval": 0.2}' >/dev/null
	[[ $(ctl GET /stats | jq .lists) -gt $lists ]] || { echo "no new list"; tail -5 "$S/agent.log"; return 1; }
	[[ -n $(route 10.177.0.0/24) ]] || { echo "a route was lost"; return 1; }
}
check "410 as an ERROR event: the agent lists again, keeps its routes" relist_410 event
check "410 as HTTP 410: the agent lists again, keeps its routes" relist_410 http
check "node deleted by event: its route goes" bash -c 'ctl DELETE /nodes/n7 >/dev/null && wait_route absent 10.177.0.0/24'
bad_stream() {
	ctl PUT /nodes/n8 "$(node n8 10.188.0.0/24 10.0.0.88)" >/dev/null && wait_route present 10.188.0.0/24 || return 1
	ctl POST /inject 'this is not json' >/dev/null
	wait_log "watch dropped after .*(not a JSON object|bad event)" || return 1
	[[ -n $(route 10.188.0.0/24) ]] || { echo "route lost"; return 1; }
	ctl PUT /nodes/n6 "$(node n6 10.166.0.0/24 10.0.0.66)" >/dev/null && wait_route present 10.166.0.0/24
}
check "a malformed stream: logged, the watch starts again, nothing lost" bad_stream
bad_node() {
	ctl PUT /nodes/n8 '{"metadata":{"name":"n8"},"spec":{"podCIDR":"10.188.0.7/24"},"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.88"}]}}' >/dev/null
	wait_log "node n8: pod CIDR 10.188.0.7/24 has host bits.*keeping" || return 1
	[[ -n $(route 10.188.0.0/24) ]] || { echo "route lost"; return 1; }
}
check "an event with a bad CIDR: logged with the node and the reason, its route kept" bad_node
error_event() {
	ctl POST /inject '{"type":"ERROR","object":{"kind":"Status","code":500,"message":"etcd is sad"}}' >/dev/null
	wait_log "watch: error 500: etcd is sad"
}
check "an ERROR event (500): logged, watched again" error_event
outage() {
	ctl POST /quit >/dev/null
	wait "$API" 2>/dev/null
	sleep 1.5
	wait_log "retrying in" 1 || return 1
	[[ -n $(route 10.166.0.0/24) && -n $(route 10.188.0.0/24) ]] || { echo "routes lost in the outage"; return 1; }
	start_api "$S/nodes.json" || return 1
	ctl PUT /nodes/n5 "$(node n5 10.155.0.0/24 10.0.0.55)" >/dev/null
	# The agent comes back within its backoff (at most 30 s; here a few seconds).
	wait_route present 10.155.0.0/24 300 || return 1
	# The new server's list has neither n6 nor n8: a fresh list is the truth.
	wait_route absent 10.188.0.0/24
}
check "API outage: routes stay while it lasts; then a fresh list is the truth" outage
rotated() {
	echo -n tok-2 >"$S/tokfile"
	stop_agent
	start_agent "$S/kc-tokfile" --resync 3600
	wait_log "listed" || return 1
	ctl POST /config '{"tokens": ["tok-3"]}' >/dev/null
	echo -n tok-3 >"$S/tokfile"
	ctl POST /drop >/dev/null
	ctl PUT /nodes/n4 "$(node n4 10.144.0.0/24 10.0.0.44)" >/dev/null
	wait_route present 10.144.0.0/24
}
ctl POST /config '{"tokens": ["tok-1", "tok-2"]}' >/dev/null
check "a rotated token file is read again at the next request" rotated
stop_agent
check "SIGTERM: the agent exits 0 and leaves its routes" bash -c '[[ -n $(route 10.144.0.0/24) ]] && grep -q "exiting (the routes stay)" "$0/agent.log"' "$S"

# ---------------------------------------------------------------- the manifest
manifest() {
	local d=$S/kz
	mkdir -p "$d" && cp "$ROOT/examples/node/cni-c-node.yaml" "$d/" &&
		printf 'resources:\n- cni-c-node.yaml\n' >"$d/kustomization.yaml" &&
		kubectl kustomize "$d" >"$d/out.yaml" || return 1
	[[ $(grep -c '^kind:' "$d/out.yaml") == 4 ]] || { grep '^kind:' "$d/out.yaml"; return 1; }
	grep -q 'resources: \["nodes"\]' "$ROOT/examples/node/cni-c-node.yaml" &&
		grep -q 'verbs: \["get", "list", "watch"\]' "$ROOT/examples/node/cni-c-node.yaml" &&
		grep -q 'hostNetwork: true' "$d/out.yaml"
}
check "examples/node/cni-c-node.yaml parses (kubectl kustomize): RBAC for nodes get/list/watch, DaemonSet on the host network" manifest

tap_end "node agent API client"
