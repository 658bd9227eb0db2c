#!/bin/sh
# scripts/guest-linux.sh: `make guest-linux`. Builds build/guest/ from Debian's
# own packages (PLATFORMS.md §5): the cloud kernel's bzImage, and an initramfs
# with busybox-static, the virtio-mmio modules of that kernel and an /init
# that reports what the guest sees. Downloads are cached in build/debs/.
set -eu
B=${B:-build}
mkdir -p "$B/debs" "$B/guest"
cd "$B/debs"
kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$kpkg" ] || { echo "guest-linux: cannot find the cloud kernel package (apt-get update?)" >&2; exit 1; }
for p in "$kpkg" busybox-static; do
	ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download "$p" >/dev/null 2>&1 || {
		echo "guest-linux: apt-get download $p failed" >&2; exit 1; }
done
rm -rf root && mkdir root
for d in "${kpkg}"_*.deb busybox-static_*.deb; do dpkg -x "$d" root; done
kver=${kpkg#linux-image-}
cd ../..
cp "$B/debs/root/boot/vmlinuz-$kver" "$B/guest/bzImage"
echo "$kver" > "$B/guest/kernel-version"
echo "guest-linux: $B/guest/bzImage is Debian's $kver"
