#!/bin/sh
# scripts/mklab.sh: the nested-KVM lab's L1 initramfs (PLATFORMS.md §4): busybox,
# the KVM modules of the guest kernel, a static bvm, the sanitizer build
# bvm-san (ASan and UBSan linked in) with this host's glibc libraries it
# needs, tests/lab/netpeer (built by make), the test guests and the L2 Linux
# images when they exist.
#   scripts/mklab.sh OUT.gz
#   scripts/mklab.sh --qemu OUT.gz LAB.gz: LAB.gz followed by a second archive
#     with this host's qemu-system-x86_64, its libraries and the firmware -M pc
#     needs (make bench's peer for Linux in the lab; Linux unpacks both).
#   scripts/mklab.sh --gdb OUT.gz LAB.gz: the same with Debian's gdb-minimal
#     (apt-get download into $B/debs, nothing installed) as /bin/gdb and its
#     libraries, for the gdb tests of bvm --gdb (docs/debugging.md).
set -eu
B=${B:-build}
# extra OUT LAB SRC:DST...: LAB followed by an archive of each SRC at DST in
# L1, with the shared libraries they load at their own paths.
extra() {
	out=$1 lab=$2
	shift 2
	root=$(mktemp -d "${TMPDIR:-/tmp}/bivisor-labextra.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	libs=$(for p in "$@"; do ldd "${p%%:*}"; done |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
	for p in "$@" $(for l in $libs; do echo "$l:$l"; done); do
		mkdir -p "$root$(dirname "${p#*:}")"
		cp -L "${p%%:*}" "$root${p#*:}"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 | cat "$lab" - > "$out"
}
if [ "$1" = --gdb ]; then
	mkdir -p "$B/debs"
	(cd "$B/debs" && { ls gdb-minimal_*.deb >/dev/null 2>&1 || apt-get download gdb-minimal >/dev/null 2>&1; }) ||
		{ echo "mklab.sh: apt-get download gdb-minimal failed" >&2; exit 1; }
	[ -x "$B/debs/gdbroot/usr/bin/gdb" ] || dpkg -x "$B"/debs/gdb-minimal_*.deb "$B/debs/gdbroot"
	extra "$2" "$3" "$B/debs/gdbroot/usr/bin/gdb:/bin/gdb"
	exit 0
fi
if [ "$1" = --qemu ]; then
	out=$2 lab=$3
	root=$(mktemp -d "${TMPDIR:-/tmp}/bivisor-labqemu.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	q=$(command -v qemu-system-x86_64) || { echo "mklab.sh: no qemu-system-x86_64" >&2; exit 1; }
	for f in "$q" $(ldd "$q" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }') \
		/usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
		/usr/share/qemu/kvmvapic.bin; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 | cat "$lab" - > "$out"
	exit 0
fi
out=$1
kver=$(cat "$B/guest/kernel-version")
mods="$B/debs/root/lib/modules/$kver/kernel"
set -- "$B/bvm-static:/bin/bvm" "$B/bvm-san:/bin/bvm-san" "$B/lab/netpeer:/bin/netpeer" \
	"$mods/virt/lib/irqbypass.ko:/lib/modules/irqbypass.ko" \
	"$mods/arch/x86/kvm/kvm.ko:/lib/modules/kvm.ko" \
	"$mods/arch/x86/kvm/kvm-amd.ko:/lib/modules/kvm-amd.ko"
for lib in $(ldd "$B/bvm-san" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
	set -- "$@" "$lib:$lib"
done
for g in "$B"/guests/*.elf; do
	set -- "$@" "$g:/guests/$(basename "$g")"
done
for f in bzImage initrd.gz; do
	[ -f "$B/guest/$f" ] && set -- "$@" "$B/guest/$f:/guest/$f"
done
exec scripts/mkinitramfs.sh "$out" tests/lab/init "$@"
