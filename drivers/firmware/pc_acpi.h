/*
 * drivers/firmware/pc_acpi.h: the ACPI tables of a test guest (Multiboot or
 * plain ELF), the same RSDP, XSDT/RSDT, FADT with the PM timer, MADT and
 * DSDT a Linux guest gets, for the PC of drivers/pc_platform.h.
 */
#ifndef DRIVERS_FIRMWARE_PC_ACPI_H
#define DRIVERS_FIRMWARE_PC_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dm_env.h"

/*
 * Writes them for ncpus vCPUs with an 8259 pair (MADT PCAT_COMPAT) and the
 * CMOS clock; reset_port 0: no FADT reset register. fw_build_acpi's returns.
 */
int fw_build_acpi_pc(const struct dm_env *env, unsigned int ncpus, uint16_t reset_port, char *err,
		     size_t errlen);

#endif
