# tests/tests.mk: `make test` (unit tests, then every test of tests/manifest
# through tests/run.py), `make stress`, `make doctor`, `make bench` and `make compare`.
# T=pattern picks a subset, P=platform[,platform] the platforms, J=n runs n emulators
# at once.

T ?=
P ?=
J ?= 2
RUN_ARGS = -j $(J) $(if $(P),-p $(P)) "$(T)"

-include tests/unit/unit.mk
include tests/fuzz/fuzz.mk

.PHONY: test bench compare test-only
# The builds run J jobs at once too: on CI's two cores they take half the time.
test: deps
	@$(MAKE) -j$(J) all unit-tests fuzz-build lab $(B)/lab/initrd-qemu.gz $(B)/lab/initrd-gdb.gz dom0 linux-bad-images bad-files
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/run.py $(RUN_ARGS)

# The lines of tests/stress-manifest, N times each (tests/stress.py): reproducers of
# bugs that show one run in many, kept out of `make test`.
N ?= 30
.PHONY: stress
stress: deps
	@$(MAKE) -j$(J) all
	@ISO_MODULES="$(ISO_MODULES)" J=$(J) python3 tests/stress.py $(N) "$(T)"

# What this machine offers, and which test platforms will run (never fails).
.PHONY: doctor
doctor:
	@python3 tests/doctor.py

# Debian's bzImage with one header field changed, for the bad-input tests of
# Linux domains (boot.rst: version at 0x206, relocatable_kernel at 0x234).
.PHONY: linux-bad-images
linux-bad-images: $(B)/tests/bzImage-2.10 $(B)/tests/bzImage-fixed
$(B)/tests/bzImage-2.10: $(B)/guest/bzImage
	@mkdir -p $(dir $@)
	python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[0x206:0x208] = (0x020a).to_bytes(2, "little"); open(sys.argv[2], "wb").write(d)' $< $@
$(B)/tests/bzImage-fixed: $(B)/guest/bzImage
	@mkdir -p $(dir $@)
	python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[0x234] = 0; open(sys.argv[2], "wb").write(d)' $< $@

# Broken ELF and bzImage files for bvm's bad-file-* tests (tests/badfiles.py).
.PHONY: bad-files
bad-files:
	@python3 tests/badfiles.py

# Runs the suite without rebuilding or installing (used by the CI script too).
test-only:
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/run.py $(RUN_ARGS)

bench: deps
	@$(MAKE) all lab guest-linux $(B)/lab/initrd-qemu.gz $(B)/kvm_raw dom0 xen
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/bench.py $(BENCH)

# The Type-1 against Type-2 cost table (tests/compare.py, docs/compare.md): a
# few minutes, one run of each guest per platform.
compare: deps
	@$(MAKE) all lab guest-linux $(B)/lab/initrd-qemu.gz
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/compare.py
