#!/bin/sh
# scripts/mkinitramfs.sh: packs a busybox initramfs (newc cpio, gzip).
#   scripts/mkinitramfs.sh OUT.gz INIT-SCRIPT [SRC:DEST]...
# Uses the busybox and kernel modules unpacked by scripts/guest-linux.sh;
# SRC:DEST pairs add files (DEST inside the initramfs).
set -eu
B=${B:-build}
out=$1 init=$2; shift 2
root=$(mktemp -d "${TMPDIR:-/tmp}/bivisor-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/lib/modules"
cp "$B/debs/root/bin/busybox" "$root/bin/busybox"
for app in sh mount insmod rmmod cat echo sleep poweroff dmesg nproc uptime grep sed ls mkdir md5sum head dd cut tr; do
	ln -s busybox "$root/bin/$app"
done
cp "$init" "$root/init"
chmod +x "$root/init"
for pair in "$@"; do
	src=${pair%%:*} dest=${pair#*:}
	mkdir -p "$root$(dirname "$dest")"
	cp "$src" "$root$dest"
done
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
