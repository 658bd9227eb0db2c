#!/bin/sh
# tests/lab/share-linux.sh: the KSM side of make bench's page sharing figure
# (tests/bench_share.py, issue 18 item 6; docs/memory.md). Four bvm Linux guests
# from the same kernel and initramfs, 128 MiB and --share each, held up: first
# with KSM off (what they hold without sharing: their RSS), then with KSM on
# (use_zero_pages off, so zero pages count in pages_sharing as bivisor counts
# them) for at most 60 s. Prints "LAB: bench: ..." lines for the bench to read.
. /lab/lib.sh # ksm_setup, K
ksm_setup 0 4000 || exit 1
for i in 0 1 2 3; do
	bvm run --kernel /guest/bzImage --initrd /guest/initrd.gz --mem 128M --share \
		--name "linux$i" --console "file=/tmp/linux$i.log" \
		--cmdline "console=ttyS0 quiet panic=-1 hold=400" 2>"/tmp/linux$i.err" &
done
up() { for i in 0 1 2 3; do grep -q "GUEST: worker 0 done" "/tmp/linux$i.log" 2>/dev/null || return 1; done; }
n=0
until up || [ $n -ge 300 ]; do sleep 1; n=$((n + 1)); done
up && echo "LAB: four guests up in $n s" || echo "LAB: FAIL: not every guest came up in 300 s"
rss_kib() { # the RSS of the four bvm processes, KiB
	t=0
	for p in $(pidof bvm); do t=$((t + $(awk '/^VmRSS:/ { print $2 }' /proc/$p/status))); done
	echo $t
}
echo "LAB: bench: rss_kib=$(rss_kib) ksm=off"
echo 1 >"$K/run"
most=0 rss=0
for t in $(seq 1 60); do
	sleep 1
	now=$(cat "$K/pages_sharing")
	[ "$now" -gt "$most" ] && most=$now rss=$(rss_kib)
done
echo "LAB: bench: rss_kib=$rss pages_sharing=$most ksm=on full_scans=$(cat $K/full_scans)"
echo 0 >"$K/run"
for p in $(pidof bvm); do kill "$p"; done
wait
echo "LAB: done"
