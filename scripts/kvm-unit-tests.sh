#!/bin/sh
# scripts/kvm-unit-tests.sh: builds the x86_64 tests of kvm-unit-tests out of
# tree in build/kut and runs each on plain QEMU TCG and as a domain of bivisor
# on QEMU's SVM (scripts/kvm_unit_tests.py; docs/kvm-unit-tests.md). The tests
# are Multiboot 1 kernels (Multiboot Specification 0.6.96, section 3) that
# report on COM1 and end through port 0xf4. Not part of `make test`: the
# source is not in this repository.
#   KUT_SRC=DIR      a kvm-unit-tests tree (default: KUT_MIRROR, a bare git
#                    directory, else a clone at $PIN; neither: SKIP, status 0)
#   KUT_ONLY="a b"   only these tests of x86/unittests.cfg
#   KUT_PLATFORMS=qemu,svm-qemu   KUT_BATCH=4 (domains per bivisor boot)
set -eu
B=${B:-build}
OUT=$B/kut
MIRROR=${KUT_MIRROR:-/work/.mirror/kvm-unit-tests+kvm-unit-tests/repo}
URL=https://gitlab.com/kvm-unit-tests/kvm-unit-tests.git
PIN=1da1819e49fc4938985edca67df669099b4c87a7 # 2026-06-26; the version measured

skip_all() {
	echo "kvm-unit-tests: $1"
	echo "SKIP kut: $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

# A copy of the source in $OUT/src, never the source itself: from KUT_SRC, the
# mirror's bare git directory, or a clone at $PIN.
fetch_source() {
	if [ -n "${KUT_SRC-}" ]; then
		[ -f "$KUT_SRC/x86/unittests.cfg" ] ||
			{ echo "kvm-unit-tests: KUT_SRC=$KUT_SRC holds no x86/unittests.cfg" >&2; exit 2; }
		SRC=$(cd "$KUT_SRC" && pwd)
		return
	fi
	SRC=$(pwd)/$OUT/src
	[ -f "$SRC/x86/unittests.cfg" ] && return
	rm -rf "$SRC" "$SRC.tmp" && mkdir -p "$SRC.tmp"
	if [ -d "$MIRROR" ]; then
		git -C "$MIRROR" archive HEAD | tar -x -C "$SRC.tmp"
	elif git clone -q "$URL" "$SRC.tmp" 2>/dev/null; then
		git -C "$SRC.tmp" checkout -q "$PIN"
	else
		rm -rf "$SRC.tmp"
		skip_all "no source: $MIRROR is absent and $URL cannot be cloned; give KUT_SRC=DIR"
	fi
	mv "$SRC.tmp" "$SRC"
}

# configure and make in $OUT/obj (kvm-unit-tests builds out of tree when
# configure is run from another directory); logs in $OUT/build.log.
build_tests() {
	mkdir -p "$OUT/obj"
	if [ ! -f "$OUT/obj/config.mak" ] || [ "$OUT/obj/config.mak" -ot "$SRC/configure" ]; then
		(cd "$OUT/obj" && "$SRC/configure" --arch=x86_64) >"$OUT/build.log" 2>&1 ||
			{ tail -5 "$OUT/build.log"; echo "kvm-unit-tests: configure failed"; exit 1; }
	fi
	nice -n 10 make -C "$OUT/obj" -j2 >>"$OUT/build.log" 2>&1 ||
		{ tail -5 "$OUT/build.log"; echo "kvm-unit-tests: make failed ($OUT/build.log)"; exit 1; }
	echo "kvm-unit-tests: $(ls "$OUT"/obj/x86/*.flat | wc -l) kernels built from $SRC in $OUT/obj"
}

mkdir -p "$OUT"
fetch_source
build_tests
exec python3 scripts/kvm_unit_tests.py --cfg "$SRC/x86/unittests.cfg" --flat "$OUT/obj/x86" \
	--out "$OUT"
