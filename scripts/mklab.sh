#!/bin/sh
# scripts/mklab.sh: the nested-KVM lab's L1 initramfs (PLATFORMS.md §4): busybox,
# the KVM modules of the guest kernel, a static bvm, the test guests and the
# L2 Linux images when they exist.  scripts/mklab.sh OUT.gz
set -eu
B=${B:-build}
out=$1
kver=$(cat "$B/guest/kernel-version")
mods="$B/debs/root/lib/modules/$kver/kernel"
set -- "$B/bvm-static:/bin/bvm" \
	"$mods/virt/lib/irqbypass.ko:/lib/modules/irqbypass.ko" \
	"$mods/arch/x86/kvm/kvm.ko:/lib/modules/kvm.ko" \
	"$mods/arch/x86/kvm/kvm-amd.ko:/lib/modules/kvm-amd.ko"
for g in "$B"/guests/*.elf; do
	set -- "$@" "$g:/guests/$(basename "$g")"
done
for f in bzImage initrd.gz; do
	[ -f "$B/guest/$f" ] && set -- "$@" "$B/guest/$f:/guest/$f"
done
exec scripts/mkinitramfs.sh "$out" tests/lab/init "$@"
