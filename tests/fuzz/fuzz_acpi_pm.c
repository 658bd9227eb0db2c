/*
 * tests/fuzz/fuzz_acpi_pm.c: libFuzzer target of drivers/acpi_pm.c, the
 * ACPI PM1 event and control blocks and the PM timer.
 */
#include "drivers/acpi_pm.h"
#include "tests/fuzz/fuzz.h"

static void poweroff(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct acpi_pm pm;
	const struct dm_io_region r[] = {
		{ .len = ACPI_PM1A_EVT_LEN,
		  .read = acpi_pm_evt_read,
		  .write = acpi_pm_evt_write,
		  .dev = &pm },
		{ .len = ACPI_PM1A_CNT_LEN,
		  .read = acpi_pm_cnt_read,
		  .write = acpi_pm_cnt_write,
		  .dev = &pm },
		{ .len = ACPI_PM_TMR_LEN, .read = acpi_pm_tmr_read, .dev = &pm },
	};

	fuzz_vm_init(&vm);
	acpi_pm_init(&pm, &vm.env, poweroff, NULL);
	fuzz_io_run(&in, &vm, r, 3, NULL, NULL);
	return 0;
}
