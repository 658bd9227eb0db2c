#!/bin/sh
# scripts/mkesp.sh: builds a FAT image of an EFI System Partition that boots
# bivisor through bivisor.efi (docs/uefi.md), with mtools: no root, no loop
# device. The image holds EFI/BOOT/BOOTX64.EFI (the removable-media path
# firmware boots by itself), EFI/bivisor/bivisor.elf, the modules and
# EFI/bivisor/bivisor.cfg.
#   scripts/mkesp.sh [OPTIONS] OUT.img "KERNEL CMDLINE" [FILE[:MODULE CMDLINE]]...
# Options, for tests of bad input:
#   --no-config         leave bivisor.cfg out
#   --line TEXT         append TEXT as a line of bivisor.cfg
#   --zeros NAME:MIB    add EFI/bivisor/NAME, MIB MiB of zeros
set -eu
nocfg=0; lines=""; zeros=""
while [ $# -gt 0 ]; do
	case $1 in
	--no-config) nocfg=1; shift ;;
	--line) lines="$lines$2
"; shift 2 ;;
	--zeros) zeros="$zeros $2"; shift 2 ;;
	--) shift; break ;;
	-*) echo "mkesp: unknown option $1" >&2; exit 1 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: mkesp.sh [OPTIONS] OUT.img \"CMDLINE\" [FILE[:ARGS]]..." >&2; exit 1; }
out=$1; cmdline=$2; shift 2
stage=$(mktemp -d "${TMPDIR:-/tmp}/bivisor-esp.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp build/bivisor.efi "$stage/BOOTX64.EFI"
cp build/bivisor.elf "$stage/bivisor.elf"
{
	echo "# bivisor.cfg: read by bivisor.efi; written by scripts/mkesp.sh (docs/uefi.md)"
	echo "kernel /EFI/bivisor/bivisor.elf $cmdline"
	for m in "$@"; do
		file=${m%%:*}
		mcmd=""
		case $m in *:*) mcmd=${m#*:} ;; esac
		[ -f "$file" ] || { echo "mkesp: module $file not found" >&2; exit 1; }
		name=$(basename "$file")
		cp "$file" "$stage/$name"
		echo "module /EFI/bivisor/$name $mcmd"
	done
	printf '%s' "$lines"
} > "$stage/bivisor.cfg"
[ "$nocfg" -eq 0 ] || rm "$stage/bivisor.cfg"
for z in $zeros; do
	dd if=/dev/zero of="$stage/${z%%:*}" bs=1M count="${z#*:}" status=none
done
# size: the files, 2 MiB for the file system, rounded up to a MiB
kib=$(du -sk "$stage" | cut -f1)
mib=$(( (kib + 1023) / 1024 + 2 ))
rm -f "$out"
dd if=/dev/zero of="$out" bs=1M count=0 seek="$mib" status=none
mformat -i "$out" -T $((mib * 2048)) -h 64 -s 32 -v BIVISOR ::
mmd -i "$out" ::/EFI ::/EFI/BOOT ::/EFI/bivisor
mcopy -i "$out" "$stage/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
rm "$stage/BOOTX64.EFI"
mcopy -i "$out" "$stage"/* ::/EFI/bivisor/
