/*
 * drivers/acpi_pm.c: ACPI fixed hardware (ACPI 6.4 §4.8.3: PM1 event and
 * control registers, the 24-bit PM timer at 3.579545 MHz; §7.4.2 sleeping
 * states): writing SLP_EN with SLP_TYP = S5 (the value of the DSDT's \_S5
 * object, drivers/firmware/dsdt.asl) powers the guest off.
 */
#include "drivers/acpi_pm.h"
#include "drivers/firmware/loader.h"

#define PM_TIMER_HZ 3579545ull
#define WAK_STS (1u << 15)

void acpi_pm_init(struct acpi_pm *pm, const struct dm_env *env, void (*poweroff)(void *ctx),
		  void *ctx)
{
	*pm = (struct acpi_pm){ .env = env, .poweroff = poweroff, .ctx = ctx };
}

int acpi_pm_evt_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct acpi_pm *pm = dev;
	uint32_t v = pm->sts | ((uint32_t)pm->en << 16);

	*value = v >> (offset * 8);
	return size + offset <= 4 ? 0 : -EINVAL;
}

int acpi_pm_evt_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct acpi_pm *pm = dev;

	if (size + offset > 4)
		return -EINVAL;
	if (offset < 2)
		pm->sts &= (uint16_t)~value; /* write-one-to-clear */
	if (offset + size > 2)
		pm->en = (uint16_t)(value >> (offset < 2 ? (2 - offset) * 8 : 0));
	return 0;
}

int acpi_pm_cnt_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct acpi_pm *pm = dev;

	*value = (uint64_t)(pm->cnt | FW_PM1_CNT_SCI_EN) >> (offset * 8);
	return size + offset <= 2 ? 0 : -EINVAL;
}

int acpi_pm_cnt_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct acpi_pm *pm = dev;
	uint16_t v = (uint16_t)(value << (offset * 8));

	if (size + offset > 2)
		return -EINVAL;
	pm->cnt = v & ~FW_PM1_CNT_SLP_EN;
	if ((v & FW_PM1_CNT_SLP_EN) &&
	    ((v & FW_PM1_CNT_SLP_TYP_MASK) >> FW_PM1_CNT_SLP_TYP_SHIFT) == FW_ACPI_S5_SLP_TYP) {
		if (pm->env->log)
			pm->env->log(pm->env->ctx, DM_LOG_INFO, "the guest entered S5 (power off)");
		pm->poweroff(pm->ctx);
	}
	pm->sts |= WAK_STS;
	return 0;
}

int acpi_pm_tmr_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct acpi_pm *pm = dev;
	uint64_t ns = pm->env->clock_ns ? pm->env->clock_ns(pm->env->ctx) : 0;
	uint64_t ticks = ns / 1000 * PM_TIMER_HZ / 1000000; /* fits 64 bits for centuries */

	*value = (ticks & 0xffffff) >> (offset * 8);
	return size + offset <= 4 ? 0 : -EINVAL;
}
