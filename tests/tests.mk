# tests/tests.mk: `make test` (unit tests, then every test of tests/manifest
# through tests/run.py) and `make bench`. T=pattern picks a subset, J=n runs
# n emulators at once.

T ?=
J ?= 2

-include tests/unit/unit.mk

.PHONY: test bench test-only
test: deps
	@$(MAKE) all unit-tests lab
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/run.py -j $(J) "$(T)"

# Runs the suite without rebuilding or installing (used by the CI script too).
test-only:
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/run.py -j $(J) "$(T)"

bench: deps
	@$(MAKE) all lab $(B)/lab/initrd-qemu.gz $(B)/kvm_raw
	@ISO_MODULES="$(ISO_MODULES)" python3 tests/bench.py
