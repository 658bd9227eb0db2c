#!/bin/sh
# tests/lab/balloon.sh: virtio-balloon under bvm in the nested-KVM lab
# (manifest: balloon, lab-script=). A Linux domain with maxmem 256 and
# memory 256 fills its memory once (tests/lab/linux-init balloontest=1);
# bvm mem-set takes it to 128M: its own virtio_balloon driver inflates, bvm
# releases what it gives (madvise) and bvm list and bvm's RSS in /proc show
# it; mem-set 256M deflates. The guest checks its MemTotal and uses memory
# after each step, then powers off. Each step says "LAB: ..." for expect=.
export BVM_RUN_DIR=/tmp/bvm-run
cat >/tmp/bal1.cfg <<'CFG'
name = "bal1"
memory = 256
maxmem = 256
kernel = "/guest/bzImage"
ramdisk = "/guest/initrd.gz"
cmdline = "console=ttyS0 quiet panic=-1 balloontest=1"
on_poweroff = "preserve"
CFG
row() { bvm list | grep "^bal1 "; }
# column N of bal1's row (1 Name, 2 ID, 3 Mem, ..., 9 Target, 10 Max)
col() { r=$(row); set -- $r; eval "echo \"\${$N}\""; }
rss_mib() { awk '/^VmRSS:/ { print int($2 / 1024) }' /proc/$(N=2 col)/status; }
console_has() { bvm console bal1 </dev/null 2>/dev/null | grep -q "$1"; }
. /lab/lib.sh # until_ok

bvm create /tmp/bal1.cfg && echo "LAB: created"
until_ok 'console_has "GUEST: filled"' 90 && echo "LAB: the guest filled its memory" ||
	echo "LAB: FAIL: the guest did not fill its memory"
sleep 1
before=$(rss_mib)
echo "LAB: before: $(row); bvm RSS $before MiB"
bvm mem-set bal1 128M && echo "LAB: mem-set 128M"
until_ok '[ "$(N=3 col)" -le 136 ]' 90 && echo "LAB: inflated, bvm list: at least 120 MiB released" ||
	echo "LAB: FAIL: not inflated: $(row)"
[ "$(N=9 col)" = 128 ] && [ "$(N=10 col)" = 256 ] && echo "LAB: listed target 128 max 256"
sleep 1
after=$(rss_mib)
echo "LAB: after: $(row); bvm RSS $after MiB"
[ $((before - after)) -ge 64 ] && echo "LAB: bvm RSS dropped by at least 64 MiB" ||
	echo "LAB: FAIL: bvm RSS went from $before to $after MiB"
bvm mem-set bal1 512M 2>&1 # over maxmem: refused
echo "LAB: mem-set over maxmem exited with status $?"
until_ok 'console_has "GUEST: used 16 MiB after the inflate"' 90 && echo "LAB: the guest uses memory after inflating"
bvm mem-set bal1 256M && echo "LAB: mem-set 256M"
until_ok '[ "$(N=3 col)" = 256 ]' 90 && echo "LAB: deflated, bvm list: 256 MiB" ||
	echo "LAB: FAIL: not deflated: $(row)"
until_ok '[ "$(N=5 col)" = ended ]' 180 && echo "LAB: the guest ran to its end"
bvm console bal1 </dev/null | grep "GUEST:"
bvm destroy bal1 && echo "LAB: destroyed"
