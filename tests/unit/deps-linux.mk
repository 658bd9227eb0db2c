# tests/unit/deps-linux.mk: what the unit tests of the Linux loader and the
# ACPI builder link (arch/x86/acpi.c parses the tables back), and the DSDT
# array (the Makefile's iasl rule) that drivers/firmware/acpi.c includes.
FW_LOADER_SRC := drivers/firmware/loader.c drivers/firmware/multiboot.c drivers/firmware/elf.c
UNIT_DEPS_test_linux_loader := drivers/firmware/linux.c drivers/firmware/acpi.c \
	$(FW_LOADER_SRC) arch/x86/acpi.c lib/format.c
UNIT_DEPS_test_acpi_build := drivers/firmware/acpi.c $(FW_LOADER_SRC) arch/x86/acpi.c \
	lib/format.c
$(B)/unit/obj/drivers/firmware/acpi.o: $(B)/firmware/dsdt_aml.h
$(B)/unit/obj/drivers/firmware/acpi.o: UNIT_CFLAGS += -I$(B)/firmware
