#!/usr/bin/env bash
# fetch.sh [DEST]
#
# Fetch the upstream CNI client test tools (cnitool, scripts/exec-plugins.sh,
# scripts/priv-net-run.sh from containernetworking/cni) out of Debian's
# source package golang-github-appc-cni, build cnitool offline with Debian's
# golang-go, build our libcni-probe.go against its libcni, and put the four tools
# into DEST.
#
# Nothing fetched here is ever committed: everything lives in a cache
# directory (CNIH_CACHE, default /var/cache/cni-harness) and in DEST
# (default $CNIH_CACHE/bin).  Re-running is cheap: the downloaded source
# package and the built cnitool are reused.
#
# Environment:
#   CNIH_CACHE   cache directory           (default /var/cache/cni-harness)
#   CNIH_MIRROR  Debian mirror for deb-src (default http://deb.debian.org/debian)
#   CNIH_SUITE   Debian suite              (default bookworm)
#   CNIH_REFRESH=1  ignore a previous download and fetch the source again
#
# Must run as root (it may apt-get install golang-go dpkg-dev jq iproute2
# iputils-ping).
set -euo pipefail

SRCPKG=golang-github-appc-cni
CACHE=${CNIH_CACHE:-/var/cache/cni-harness}
MIRROR=${CNIH_MIRROR:-http://deb.debian.org/debian}
SUITE=${CNIH_SUITE:-bookworm}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf 'fetch.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -le 1 ]] || die "usage: $0 [DEST]"
[[ $(id -u) -eq 0 ]] || die "must run as root"

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
DEST=${1:-$CACHE/bin}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd -P)

# --- 1. host packages -------------------------------------------------------
# golang-go: builds cnitool; dpkg-dev: dpkg-source (pulls in xz-utils);
# jq: used by exec-plugins.sh and run.sh; iproute2: ip netns; iputils-ping:
# run.sh's connectivity checks.
ensure_packages() {
	local p missing=()
	for p in golang-go dpkg-dev jq iproute2 iputils-ping; do
		if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) != "install ok installed" ]]; then
			missing+=("$p")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	log "installing: ${missing[*]}"
	apt-get -q update >&2
	DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends "${missing[@]}" >&2
}
ensure_packages

# Only one fetch at a time per cache directory.
exec 9>"$CACHE/.lock"
flock 9

# --- 2. the source package (private apt configuration, deb-src only) ------
# apt verifies the Release signature and the file hashes, as for any
# download; the system's sources, lists and caches are not touched.
APT_DIR=$CACHE/apt
SRC_DIR=$CACHE/src
APT_OPTS=(
	-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$APT_DIR/lists"
	-o "Dir::Cache=$APT_DIR/cache"
	-o APT::Get::Only-Source=true
)

download_source() {
	local signed="" tmp
	[[ -r $KEYRING ]] && signed="[signed-by=$KEYRING] "
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache"
	printf 'deb-src %s%s %s main\n' "$signed" "$MIRROR" "$SUITE" >"$APT_DIR/sources.list"
	log "apt-get update (deb-src $MIRROR $SUITE main, private lists in $APT_DIR)"
	apt-get -q "${APT_OPTS[@]}" update >&2
	tmp=$CACHE/src.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# let apt's unprivileged download user write here (avoids its warning)
	if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
	log "apt-get source --download-only $SRCPKG"
	(cd "$tmp" && apt-get -q "${APT_OPTS[@]}" source --download-only "$SRCPKG" >&2)
	local dscs=("$tmp"/*.dsc)
	[[ ${#dscs[@]} -eq 1 && -f ${dscs[0]} ]] || die "expected exactly one .dsc in $tmp"
	chown -R root "$tmp"
	basename "${dscs[0]}" >"$tmp/.dsc-name"
	rm -rf "$SRC_DIR"
	mv "$tmp" "$SRC_DIR"
}

if [[ ${CNIH_REFRESH:-0} == 1 || ! -s $SRC_DIR/.dsc-name || ! -f $SRC_DIR/$(cat "$SRC_DIR/.dsc-name" 2>/dev/null) ]]; then
	download_source
else
	log "reusing $SRC_DIR/$(cat "$SRC_DIR/.dsc-name")"
fi
DSC=$SRC_DIR/$(cat "$SRC_DIR/.dsc-name")

# --- 3. unpack and build cnitool (GOPATH mode, offline) --------------------
GOPATH_DIR=$CACHE/gopath
TREE=$GOPATH_DIR/src/github.com/containernetworking/cni
BUILD=$CACHE/build
PROBE_SRC=$HERE/libcni-probe.go
STAMP="$(basename "$DSC") $(go version) $(sha256sum <"$PROBE_SRC" | cut -c1-16)"

if [[ -x $BUILD/cnitool && -x $BUILD/libcni-probe && -f $BUILD/.stamp && $(cat "$BUILD/.stamp") == "$STAMP" ]]; then
	log "reusing $BUILD/cnitool ($STAMP)"
else
	log "unpacking $(basename "$DSC")"
	rm -rf "$TREE" "$CACHE/unpack.tmp"
	mkdir -p "$(dirname "$TREE")"
	# dpkg-source checks the tarballs against the .dsc checksums
	dpkg-source -q -x "$DSC" "$CACHE/unpack.tmp" >&2
	mv "$CACHE/unpack.tmp" "$TREE"
	log "building cnitool"
	rm -rf "$BUILD"
	mkdir -p "$BUILD"
	(cd "$TREE" && env GO111MODULE=off GOPATH="$GOPATH_DIR" GOCACHE="$CACHE/gocache" \
		GOFLAGS= GOPROXY=off GOENV=off CGO_ENABLED=0 \
		go build -trimpath -o "$BUILD/cnitool" github.com/containernetworking/cni/cnitool >&2)
	# our probe is built in the same GOPATH, against that tree's libcni
	rm -rf "$GOPATH_DIR/src/cnih"
	mkdir -p "$GOPATH_DIR/src/cnih/libcni-probe"
	cp "$PROBE_SRC" "$GOPATH_DIR/src/cnih/libcni-probe/main.go"
	log "building libcni-probe"
	(cd "$GOPATH_DIR/src/cnih/libcni-probe" && env GO111MODULE=off GOPATH="$GOPATH_DIR" GOCACHE="$CACHE/gocache" \
		GOFLAGS= GOPROXY=off GOENV=off CGO_ENABLED=0 \
		go build -trimpath -o "$BUILD/libcni-probe" cnih/libcni-probe >&2)
	cp "$TREE/scripts/exec-plugins.sh" "$TREE/scripts/priv-net-run.sh" "$BUILD/"
	printf '%s\n' "$STAMP" >"$BUILD/.stamp"
fi

# --- 4. install into DEST --------------------------------------------------
if [[ $DEST != "$BUILD" ]]; then
	install -m 0755 "$BUILD/cnitool" "$BUILD/libcni-probe" "$BUILD/exec-plugins.sh" "$BUILD/priv-net-run.sh" "$DEST/"
fi
chmod 0755 "$DEST/cnitool" "$DEST/libcni-probe" "$DEST/exec-plugins.sh" "$DEST/priv-net-run.sh"
log "ready in $DEST: cnitool libcni-probe exec-plugins.sh priv-net-run.sh (from $(basename "$DSC"))"
