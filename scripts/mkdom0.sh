#!/bin/sh
# scripts/mkdom0.sh: the initramfs of the Linux service domain (dom0):
#   scripts/mkdom0.sh OUT.gz [SRC:DEST]...
# busybox, build/guest/bivisor.ko (scripts/guest-kmod.sh), bvtest
# (guest-tools/linux/bvtest.c, built here with gcc -static) and
# tests/dom0/init as /init; SRC:DEST pairs add more (bvm-static, a client's
# kernel, /dom0/run.sh, which /init runs after the module is loaded).
set -eu
B=${B:-build}
out=$1; shift
mkdir -p "$B/dom0"
gcc -static -O2 -Wall -Wextra -Werror -I. guest-tools/linux/bvtest.c -o "$B/dom0/bvtest"
exec scripts/mkinitramfs.sh "$out" tests/dom0/init "$B/guest/bivisor.ko:/lib/modules/bivisor.ko" \
	"$B/dom0/bvtest:/bin/bvtest" "$@"
