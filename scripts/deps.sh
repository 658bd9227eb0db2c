#!/bin/sh
# scripts/deps.sh: installs the Debian 12 packages that building, running and
# testing bivisor need. Quick when everything is there; as root it runs
# apt-get, otherwise it prints the exact sudo line and fails. gcc-12, libelf1,
# libssl3 and zlib1g are what the kernel's kbuild tools (objtool, modpost,
# sign-file) need to build bivisor.ko (scripts/guest-kmod.sh); python3-matplotlib
# draws `make plot` (docs/tracing.md).
set -eu
PKGS="make gcc libc6-dev nasm python3 qemu-system-x86 grub-common grub-pc-bin acpica-tools
grub-efi-amd64-bin xorriso mtools cpio libcmocka-dev clang-format bochs bochsbios vgabios ovmf
gnu-efi binutils clang libclang-rt-14-dev git gdb
gcc-12 libelf1 libssl3 zlib1g python3-matplotlib"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; run this, then try again:"
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
