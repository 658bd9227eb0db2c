#!/bin/sh
# tests/lab/balloon-time.sh: the bvm side of make bench's balloon figure
# (tests/bench_balloon.py, issue 18 item 6). A Linux domain of 256 MiB with
# maxmem 256 under bvm create; once its init runs, bvm mem-set 128M and then
# 256M. bvm's virtio-balloon model logs (in the domain's NAME.log) when the
# guest's driver reaches each target and how long it took; the script
# prints those lines as "LAB: bench: ...".
export BVM_RUN_DIR=/tmp/bvm-run
cat >/tmp/balt.cfg <<'CFG'
name = "balt"
memory = 256
maxmem = 256
kernel = "/guest/bzImage"
ramdisk = "/guest/initrd.gz"
cmdline = "console=ttyS0 quiet panic=-1 hold=300"
on_poweroff = "preserve"
CFG
log=$BVM_RUN_DIR/balt.log
. /lab/lib.sh # until_ok
bvm create /tmp/balt.cfg || { echo "LAB: FAIL: bvm create"; exit 1; }
until_ok 'bvm console balt </dev/null 2>/dev/null | grep -q "GUEST: init reached"' 120 ||
	echo "LAB: FAIL: the guest's init did not run in 120 s"
sleep 2 # its virtio_balloon module is loaded before init's first line
for size in 128 256; do
	pages=$(((256 - size) * 256))
	bvm mem-set balt ${size}M
	until_ok "grep -q 'at its target of $pages pages' $log" 120 &&
		echo "LAB: bench: $(grep "at its target of $pages pages" $log | tail -1)" ||
		echo "LAB: FAIL: the driver did not reach $size MiB in 120 s"
done
bvm destroy balt
echo "LAB: done"
