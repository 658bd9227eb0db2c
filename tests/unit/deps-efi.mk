# tests/unit/deps-efi.mk: what the unit test of bivisor.efi's pure parts links
# (kernel/mb2.c reads back the Multiboot2 information they build).
UNIT_DEPS_test_efi_boot := boot/efi/config.c boot/efi/mbi.c boot/efi/kimage.c kernel/mb2.c \
	lib/format.c
