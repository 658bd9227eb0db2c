#!/bin/sh
# scripts/usb.sh: `make usb DEV=/dev/sdX [IMAGE=iso|esp] [YES=1]`: writes
# bivisor's hybrid GRUB ISO (BIOS and UEFI through GRUB) or its EFI System
# Partition image (bivisor.efi, UEFI only) to a USB stick (docs/bare-metal.md).
# It refuses anything but a whole, removable, unmounted block device, and
# without YES=1 it only says what it would write where.
set -eu
B=${B:-build}
dev=${DEV:-}
case "${IMAGE:-iso}" in
iso) img=$B/bivisor.iso ;;
esp) img=$B/bivisor-esp.img ;;
*) echo "usb: IMAGE='$IMAGE': give iso or esp" >&2; exit 2 ;;
esac
fail() { echo "usb: $*" >&2; exit 2; }
[ -n "$dev" ] || fail "give the stick's device, e.g. make usb DEV=/dev/sdb (lsblk lists them)"
[ -f "$img" ] || fail "$img is missing (make builds it)"
[ -b "$dev" ] || fail "$dev is not a block device"
name=$(basename "$(readlink -f "$dev")")
[ -e "/sys/block/$name" ] || fail "$dev is a partition; give the whole device"
[ "$(cat "/sys/block/$name/removable")" = 1 ] || fail "$dev is not removable; refusing to overwrite a fixed disk"
if grep -q "^/dev/$name" /proc/mounts; then
	fail "$dev has mounted partitions; unmount them first"
fi
size=$(($(cat "/sys/block/$name/size") * 512))
echo "usb: $img ($(wc -c < "$img") bytes) to $dev ($((size >> 20)) MiB, $(cat "/sys/block/$name/device/model" 2>/dev/null || echo '?'))"
[ "${YES:-}" = 1 ] || { echo "usb: everything on $dev would be lost; run again with YES=1 to write it"; exit 0; }
dd if="$img" of="$dev" bs=4M conv=fsync status=progress
echo "usb: done; boot the PC from it with a serial cable on COM1 (115200 8N1)"
