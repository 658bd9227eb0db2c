#!/bin/sh
# scripts/guest-kmod.sh: part of `make guest-linux`. Builds the service guest's
# module build/guest/bivisor.ko (guest-tools/linux/bivisor.c) against Debian's
# linux-headers of the very kernel build/guest/bzImage is (PLATFORMS.md §5),
# extracted into build/kheaders/ (downloads cached in build/debs/). The
# headers package includes its -common sibling by an absolute path; that one
# line is pointed at the extraction dir, every other link there is relative.
set -eu
B=${B:-build}
kver=$(cat "$B/guest/kernel-version")
common=linux-headers-${kver%-cloud-amd64}-common
top=$(pwd)
mkdir -p "$B/debs"
cd "$B/debs"
for p in "linux-headers-$kver" "$common" linux-kbuild-6.1; do
	ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download "$p" >/dev/null 2>&1 || {
		echo "guest-kmod: apt-get download $p failed" >&2; exit 1; }
done
kh=$top/$B/kheaders
rm -rf "$kh" && mkdir -p "$kh"
for d in "linux-headers-$kver"_*.deb "$common"_*.deb linux-kbuild-6.1_*.deb; do dpkg -x "$d" "$kh"; done
kdir=$kh/usr/src/linux-headers-$kver
sed -i "s|^include /usr/src/|include $kh/usr/src/|" "$kdir/Makefile"
for l in scripts tools; do
	[ -e "$kdir/$l/" ] || { echo "guest-kmod: $kdir/$l does not resolve" >&2; exit 1; }
done
out=$top/$B/kmod
rm -rf "$out" && mkdir -p "$out"
cp "$top"/guest-tools/linux/bivisor.c "$top"/guest-tools/linux/Kbuild "$top"/guest-tools/linux/stdint.h "$out/"
# not the outer make's flags: the kernel's Makefile picks its own compiler (gcc-12)
MAKEFLAGS= MAKELEVEL= make -s -C "$kdir" M="$out" BIVISOR_TOP="$top" modules
cp "$out/bivisor.ko" "$top/$B/guest/bivisor.ko"
echo "guest-kmod: $B/guest/bivisor.ko for $kver"
