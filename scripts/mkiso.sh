#!/bin/sh
# scripts/mkiso.sh: builds a GRUB rescue ISO (BIOS and EFI GRUB) that boots
# bivisor with a command line and Multiboot2 modules.
#   scripts/mkiso.sh OUT.iso "KERNEL CMDLINE" [FILE[:MODULE CMDLINE]]...
# or, with no bivisor, boots a Multiboot 1 guest itself with GRUB's
# `multiboot` command (the plain-Bochs baseline of `make bench`):
#   scripts/mkiso.sh --bare-multiboot FILE OUT.iso "GUEST CMDLINE"
set -eu
bare=""
if [ "${1-}" = --bare-multiboot ]; then
	bare=$2
	shift 2
	[ -f "$bare" ] || { echo "mkiso: $bare not found" >&2; exit 1; }
fi
out=$1; cmdline=$2; shift 2
[ -z "$bare" ] || [ $# -eq 0 ] || { echo "mkiso: no modules with --bare-multiboot" >&2; exit 1; }
stage=$(mktemp -d "${TMPDIR:-/tmp}/bivisor-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/guests"
[ -n "$bare" ] || cp build/bivisor.elf "$stage/boot/bivisor.elf"
{
	echo "set timeout=0"
	echo "set default=0"
	if [ -n "$bare" ]; then
		name=$(basename "$bare")
		cp "$bare" "$stage/guests/$name"
		echo "menuentry \"$name\" {"
		echo "	multiboot /guests/$name $cmdline"
	else
		echo "menuentry \"bivisor\" {"
		echo "	multiboot2 /boot/bivisor.elf $cmdline"
	fi
	for m in "$@"; do
		file=${m%%:*}
		mcmd=""
		case $m in *:*) mcmd=${m#*:} ;; esac
		[ -f "$file" ] || { echo "mkiso: module $file not found" >&2; exit 1; }
		name=$(basename "$file")
		cp "$file" "$stage/guests/$name"
		echo "	module2 /guests/$name $mcmd"
	done
	echo "	boot"
	echo "}"
} > "$stage/boot/grub/grub.cfg"
log=$(mktemp) && trap 'rm -rf "$stage" "$log"' EXIT
grub-mkrescue -o "$out" "$stage" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
