#!/bin/bash
# test/vm/setup.sh - prepare this machine for the VM lane (test/vm/vmrun).
#
# Run as root.  Idempotent, and safe to run concurrently (one flock).
#   1. installs the packages vmrun needs, if any are missing:
#        qemu-system-x86 busybox-static kmod xz-utils
#   2. fetches Debian's generic kernel (the linux-image-<abi>-amd64 package
#      that linux-image-amd64 currently depends on) with `apt-get download`,
#      unpacks it with dpkg-deb into $CNI_VM_CACHE/<kver>/ (it is NOT
#      installed), runs depmod on the unpacked tree and extracts the ELF
#      vmlinux from the bzImage (qemu boots it through PVH, which is faster
#      under TCG).  $CNI_VM_CACHE/current points at the result.
#
# When a complete kernel is already cached, step 2 does nothing (no network).
#
# Environment:
#   CNI_VM_CACHE          cache dir (default /var/cache/cni-vmlane)
#   CNI_VM_REFRESH=1      re-resolve linux-image-amd64 after `apt-get update`
#                         and fetch it if it differs from the cached kernel
#   CNI_VM_KERNEL_PKG     use this package instead of resolving
#                         linux-image-amd64 (e.g. linux-image-6.1.0-56-amd64)
#   CNI_VM_NO_APT_UPDATE=1  never run `apt-get update`
set -euo pipefail

CACHE=${CNI_VM_CACHE:-/var/cache/cni-vmlane}
PKGS=(qemu-system-x86 busybox-static kmod xz-utils)
APT=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
export DEBIAN_FRONTEND=noninteractive

t_start=${EPOCHREALTIME/./}
elapsed() {   # seconds since start, 1 decimal
    local us=$(( ${EPOCHREALTIME/./} - t_start ))
    printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}
log() { printf 'setup.sh [%5ss] %s\n' "$(elapsed)" "$*"; }
die() { printf 'setup.sh: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

mkdir -p "$CACHE"
exec {lockfd}>"$CACHE/.lock"
if ! flock -n "$lockfd"; then
    log "another setup.sh holds $CACHE/.lock; waiting for it"
    flock -w 1800 "$lockfd" || die "timed out waiting for $CACHE/.lock"
fi

WORK=
# shellcheck disable=SC2317  # called through the trap
cleanup() { if [ -n "$WORK" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

apt_updated=0
apt_update() {
    [ "$apt_updated" = 0 ] || return 0
    if [ "${CNI_VM_NO_APT_UPDATE:-0}" = 1 ]; then
        log "skipping apt-get update (CNI_VM_NO_APT_UPDATE=1)"
    else
        log "apt-get update"
        quiet "${APT[@]}" update
    fi
    apt_updated=1
}
# run a command, showing its output only when it fails
quiet() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" != 0 ]; then
        printf '%s\n' "$out" >&2
        printf 'setup.sh: command failed (exit %s): %s\n' "$rc" "$*" >&2
    fi
    return "$rc"
}

did=()

# ------------------------------------------------------------ 1. packages
missing=()
for p in "${PKGS[@]}"; do
    st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_update
    log "apt-get install ${missing[*]}"
    quiet "${APT[@]}" install -y --no-install-recommends "${missing[@]}" ||
        die "could not install: ${missing[*]}"
    did+=("installed ${missing[*]}")
else
    log "packages already installed: ${PKGS[*]}"
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found after install"
if LC_ALL=C grep -aq ld-linux < <(head -c 4096 /bin/busybox); then
    die "/bin/busybox is dynamically linked; busybox-static is required"
fi

# ------------------------------------------------------------ 2. guest kernel
kernel_ok() {   # $1 = kernel dir
    [ -f "$1/.complete" ] && [ -s "$1/vmlinux" ] &&
        compgen -G "$1/lib/modules/*/modules.dep" >/dev/null
}

cur=$CACHE/current
if kernel_ok "$cur" && [ "${CNI_VM_REFRESH:-0}" != 1 ] && [ -z "${CNI_VM_KERNEL_PKG:-}" ]; then
    log "guest kernel already cached: $(cat "$cur/.complete") in $(readlink -f "$cur")"
else
    resolve() {
        if [ -n "${CNI_VM_KERNEL_PKG:-}" ]; then
            pkg=$CNI_VM_KERNEL_PKG
        else
            pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
                  awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }')
        fi
        ver=
        [ -n "$pkg" ] && ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
        [ -n "$pkg" ] && [ -n "$ver" ] && [ "$ver" != "(none)" ]
    }
    [ "${CNI_VM_REFRESH:-0}" = 1 ] && apt_update
    if ! resolve; then
        apt_update
        resolve || die "cannot resolve the kernel package (linux-image-amd64 unknown to apt?)"
    fi
    kver=${pkg#linux-image-}
    dest=$CACHE/$kver
    if kernel_ok "$dest" && [ "$(cat "$dest/.complete")" = "$pkg $ver" ]; then
        log "guest kernel $pkg $ver already unpacked in $dest"
    else
        WORK=$(mktemp -d "$CACHE/.work.XXXXXX")
        chmod 755 "$WORK"
        mkdir "$WORK/dl"
        # apt-get download drops privileges to _apt; let it write here.
        chown _apt "$WORK/dl" 2>/dev/null || chmod 1777 "$WORK/dl"
        fetch() { (cd "$WORK/dl" && quiet "${APT[@]}" download "$pkg=$ver"); }
        log "apt-get download $pkg=$ver"
        if ! fetch; then
            # stale package lists (the archive dropped that version)?
            [ "$apt_updated" = 1 ] && die "apt-get download $pkg=$ver failed"
            apt_update
            resolve || die "cannot resolve the kernel package"
            kver=${pkg#linux-image-}
            dest=$CACHE/$kver
            log "apt-get download $pkg=$ver"
            fetch || die "apt-get download $pkg=$ver failed"
        fi
        deb=$(find "$WORK/dl" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
        [ -n "$deb" ] || die "apt-get download produced no .deb"
        log "unpacking $(basename "$deb") ($(du -h "$deb" | cut -f1))"
        mkdir "$WORK/root"
        dpkg-deb -x "$deb" "$WORK/root"
        rm -rf "$WORK/dl"
        # Debian 12 ships modules in /lib/modules; newer releases in /usr/lib.
        mdir=$WORK/root/lib/modules/$kver
        [ -d "$mdir" ] || mdir=$WORK/root/usr/lib/modules/$kver
        [ -d "$mdir" ] || die "$pkg contains no modules for $kver"
        cfg=$WORK/root/boot/config-$kver
        [ -f "$cfg" ] || die "$pkg contains no boot/config-$kver"
        for opt in NET_9P_VIRTIO 9P_FS OVERLAY_FS VIRTIO_PCI VIRTIO_CONSOLE IPVLAN DUMMY VLAN_8021Q; do
            grep -Eq "^CONFIG_${opt}=[ym]" "$cfg" || die "$pkg lacks CONFIG_$opt"
        done
        grep -q '^CONFIG_BRIDGE_VLAN_FILTERING=y' "$cfg" || die "$pkg lacks CONFIG_BRIDGE_VLAN_FILTERING"
        mkdir -p "$WORK/k/lib/modules"
        mv "$mdir" "$WORK/k/lib/modules/$kver"
        mv "$WORK/root/boot/vmlinuz-$kver" "$WORK/k/vmlinuz"
        mv "$cfg" "$WORK/k/config"
        rm -rf "$WORK/root"
        log "depmod $kver"
        depmod -b "$WORK/k" "$kver"
        # The bzImage carries the kernel as an xz stream; the ELF inside
        # can be booted directly through qemu's PVH entry.
        off=$(LC_ALL=C grep -abo -m1 $'\xfd7zXZ\x00' "$WORK/k/vmlinuz" | head -n1 | cut -d: -f1 || true)
        [ -n "$off" ] || die "no xz stream in vmlinuz-$kver"
        log "extracting vmlinux (xz stream at offset $off)"
        # --single-stream: stop at the end of the kernel's stream and ignore
        # whatever the bzImage carries after it.
        # (xz stops reading early, so no pipe: tail would die of SIGPIPE.)
        xz -dcq --single-stream < <(tail -c +"$((off + 1))" "$WORK/k/vmlinuz") > "$WORK/k/vmlinux" ||
            die "xz could not unpack the kernel from vmlinuz-$kver"
        [ "$(head -c4 "$WORK/k/vmlinux" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] ||
            die "extracted vmlinux is not an ELF file"
        echo "$pkg $ver" > "$WORK/k/.complete"
        rm -rf "$dest"
        mv "$WORK/k" "$dest"
        rm -rf "$WORK"
        WORK=
        did+=("fetched $pkg $ver")
    fi
    ln -sfn "$kver" "$CACHE/.current.new"
    mv -T "$CACHE/.current.new" "$cur"
    log "guest kernel ready: $cur -> $kver ($(du -sh "$dest" | cut -f1))"
fi

if [ ${#did[@]} -eq 0 ]; then
    log "done, nothing to do ($(elapsed) s)"
else
    log "done: ${did[*]} ($(elapsed) s)"
fi
