#!/usr/bin/env bash
# Install what a part of the project needs, with apt-get, on Debian 12 (as root).
#   scripts/deps.sh build      compiler, libmnl, jansson, libnftnl (nftables), libcurl (the node agent)
#   scripts/deps.sh demo       build + iproute2 + ping
#   scripts/deps.sh test       demo + Check, jq, the reference Go plugins (interop, and iptables
#                              for their netfilter features), valgrind, nft, busybox
#   scripts/deps.sh harness    golang-go + dpkg-dev (cnitool is built from Debian's source package)
#   scripts/deps.sh runtimes   podman, runc, containerd, busybox-static (test/runtimes)
#   scripts/deps.sh vm         qemu-system-x86, busybox-static, kmod, xz-utils (VM lane)
#   scripts/deps.sh cluster    python3, openssl, kubectl (the node agent's cluster simulation)
#   scripts/deps.sh fuzz       clang-14 and its libFuzzer/sanitizer runtimes, llvm-14 (symbolizer)
#   scripts/deps.sh all        everything above
# Packages already present are not reinstalled; nothing is done when all are there.
set -euo pipefail

build=(gcc make pkg-config libc6-dev libmnl-dev libjansson-dev libcurl4-openssl-dev libnftnl-dev git)
demo=(iproute2 iputils-ping jq)
# the test command runs every fuzz harness briefly (its fuzz stage)
fuzz=(clang-14 libclang-rt-14-dev llvm-14)
test=(check jq containernetworking-plugins iptables valgrind util-linux procps nftables busybox-static "${fuzz[@]}")
harness=(golang-go dpkg-dev)
runtimes=(podman runc containerd busybox-static jq iproute2 iputils-ping util-linux tar)
vm=(qemu-system-x86 busybox-static kmod xz-utils)
cluster=(python3 openssl curl iproute2 iputils-ping procps)

want=()
for group in "${@:-build}"; do
	case "$group" in
	build) want+=("${build[@]}") ;;
	demo) want+=("${build[@]}" "${demo[@]}") ;;
	test) want+=("${build[@]}" "${demo[@]}" "${test[@]}") ;;
	harness) want+=("${harness[@]}") ;;
	runtimes) want+=("${runtimes[@]}") ;;
	vm) want+=("${vm[@]}") ;;
	cluster) want+=("${cluster[@]}") ;;
	fuzz) want+=("${build[@]}" "${fuzz[@]}") ;;
	all) want+=("${build[@]}" "${demo[@]}" "${test[@]}" "${harness[@]}" "${runtimes[@]}" "${vm[@]}" "${cluster[@]}") ;;
	*) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
	esac
done

# kubectl: Debian's kubernetes-client, unless some kubectl is installed already (another
# package may own /usr/bin/kubectl).
for group in "${@:-build}"; do
	case "$group" in cluster | all) command -v kubectl >/dev/null || want+=(kubernetes-client) ;; esac
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
