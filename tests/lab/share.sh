#!/bin/sh
# tests/lab/share.sh: bvm --share in the nested-KVM lab (issue 18,
# docs/memory.md; manifest: share-ksm, lab-script=): KSM on in L1, then four
# bvm guests of guest-tools/share.c with --share, each holding 2 MiB of pages
# that are the same in all four. While they hold them, KSM's pages_sharing
# must reach 75% of the 3 x 512 pages that merging can save; at the end each
# guest's own checks pass (its writes after the merge stay its own) and each
# bvm reports the counters. Each step says "LAB: ..." for the manifest's expect=.
. /lab/lib.sh # ksm_setup, K
# Empty pages merge with the kernel's zero page, outside pages_sharing: the count
# is then of pages with content (bvm's RAM is huge pages, mostly zero, that KSM splits).
ksm_setup 1 2000 || exit 1
echo 1 >"$K/run"
echo "LAB: ksm on"
before=$(cat "$K/pages_sharing")
for i in 0 1 2 3; do
	bvm run --kernel /guests/share.elf --mem 8M --share --name "share$i" \
		--console "file=/tmp/share$i.log" --cmdline "slot=$i hold=12" 2>"/tmp/share$i.err" &
done
most=0
for t in 1 2 3 4 5 6 7 8 9 10; do
	sleep 1
	now=$(cat "$K/pages_sharing")
	[ "$now" -gt "$most" ] && most=$now
done
echo "LAB: pages_sharing went from $before to at most $most"
[ $((most - before)) -ge 1152 ] && echo "LAB: ksm merged at least 75% of the common pages" ||
	echo "LAB: FAIL: ksm merged fewer than 1152 pages"
wait
for i in 0 1 2 3; do
	grep -q "SUMMARY: 4 passed, 0 failed" "/tmp/share$i.log" && echo "LAB: share$i passed" ||
		{ echo "LAB: FAIL: share$i"; cat "/tmp/share$i.log"; }
	grep "bvm: ksm" "/tmp/share$i.err" | head -1
done
echo 0 >"$K/run"
