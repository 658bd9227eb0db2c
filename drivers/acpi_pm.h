/*
 * drivers/acpi_pm.h: the ACPI fixed-hardware power management registers a
 * guest's OS uses to power off: PM1a event (status, enable), PM1a control
 * and the PM timer. One instance per guest.
 */
#ifndef DRIVERS_ACPI_PM_H
#define DRIVERS_ACPI_PM_H

#include "drivers/dm_env.h"

/* The register blocks' sizes (the FADT's PM1_EVT_LEN, PM1_CNT_LEN, PM_TMR_LEN). */
#define ACPI_PM1A_EVT_LEN 4
#define ACPI_PM1A_CNT_LEN 2
#define ACPI_PM_TMR_LEN 4

struct acpi_pm {
	const struct dm_env *env;
	void (*poweroff)(void *ctx); /* called when the guest enters S5 */
	void *ctx;
	uint16_t sts, en, cnt;
};

void acpi_pm_init(struct acpi_pm *pm, const struct dm_env *env, void (*poweroff)(void *ctx),
		  void *ctx);
/* The three port regions: event block (4 bytes), control block (2), PM timer (4). */
int acpi_pm_evt_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int acpi_pm_evt_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
int acpi_pm_cnt_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int acpi_pm_cnt_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
int acpi_pm_tmr_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);

#endif
