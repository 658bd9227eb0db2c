# tests/unit/deps-loader.mk: what the unit test of the guest loaders links
# (kernel/mb2.c parses the Multiboot2 information they write).
UNIT_DEPS_test_loader := drivers/firmware/loader.c drivers/firmware/multiboot.c \
	drivers/firmware/elf.c kernel/mb2.c lib/format.c
