/*
 * drivers/firmware/pc_acpi.c: ACPI tables for a test guest's PC (ACPI 6.4
 * 5.2: RSDP, XSDT, FADT, MADT), built by drivers/firmware/acpi.c as for a
 * Linux guest, so a test kernel finds the RSDP in the BIOS area and the PM
 * timer in the FADT, as it does on QEMU's pc machine.
 */
#include "drivers/firmware/loader.h"
#include "drivers/firmware/pc_acpi.h"

#define PC_RESET_FULL 0x06 /* the reset control register's full reset (drivers/pc_platform.h) */

int fw_build_acpi_pc(const struct dm_env *env, unsigned int ncpus, uint16_t reset_port, char *err,
		     size_t errlen)
{
	struct fw_platform plat;
	uint64_t rsdp;

	fw_platform_init(&plat, ncpus);
	plat.flags = FW_PLAT_PIC | FW_PLAT_RTC;
	plat.reset_port = reset_port;
	plat.reset_value = reset_port ? PC_RESET_FULL : 0;
	return fw_build_acpi(env, &plat, &rsdp, err, errlen);
}
