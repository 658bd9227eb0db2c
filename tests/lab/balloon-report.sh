#!/bin/sh
# tests/lab/balloon-report.sh: virtio-balloon free page reporting under bvm
# in the nested-KVM lab (manifest: balloon-report, lab-script=). bvm run
# --balloon 256M,report boots Linux with a balloon that asks for nothing
# but takes reports; the guest (tests/lab/linux-init reporttest=1) fills its
# free memory and frees it; its virtio_balloon driver reports the free
# pages, bvm releases them (madvise) and bvm's RSS in /proc drops; the guest
# then uses memory again and powers off.
rss_mib() { awk '/^VmRSS:/ { print int($2 / 1024) }' /proc/$pid/status; }
. /lab/lib.sh # until_ok
out=/tmp/report-$$.out # the guest's COM1: a fresh file (several runs share one lab)
rm -f "$out"
bvm run --kernel /guest/bzImage --initrd /guest/initrd.gz --mem 256M --balloon 256M,report \
	--console file=$out --watchdog 240 \
	--cmdline "console=ttyS0 quiet panic=-1 reporttest=1" &
pid=$!
until_ok 'grep -q "GUEST: filled its free memory" "$out" 2>/dev/null' 90 &&
	echo "LAB: the guest filled its free memory" || echo "LAB: FAIL: the guest did not fill its memory"
before=$(rss_mib)
until_ok 'grep -q "GUEST: freed it" $out' 30
sleep 12
after=$(rss_mib)
echo "LAB: bvm RSS $before MiB when filled, $after MiB 12 s after it was freed"
[ $((before - after)) -ge 64 ] && echo "LAB: bvm RSS dropped by at least 64 MiB" ||
	echo "LAB: FAIL: bvm RSS went from $before to $after MiB"
wait $pid
echo "LAB: bvm exited with status $?"
grep "GUEST:" $out
