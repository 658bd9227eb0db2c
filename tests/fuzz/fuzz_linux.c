/*
 * tests/fuzz/fuzz_linux.c: libFuzzer target of drivers/firmware/linux.c's
 * fw_load_linux (with the ACPI tables it builds): the input's first bytes
 * say the CPU count and how much of its tail is the initrd; the rest is the
 * bzImage, loaded into a 16 MiB guest.
 */
#include "drivers/firmware/loader.h"
#include "tests/fuzz/fuzz.h"

#define LINUX_RAM (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned int ncpus = 1 + fuzz_take(&in, 1) % 4;
	size_t initrd_len = fuzz_take(&in, 2);
	struct fw_platform plat;
	struct fuzz_vm vm;
	struct fw_boot_cpu cpu;
	char err[128];

	if (initrd_len > in.n)
		initrd_len = in.n;
	fuzz_vm_init_size(&vm, LINUX_RAM);
	fw_platform_init(&plat, ncpus);
	plat.tsc_khz = 2000000;
	(void)fw_load_linux(&vm.env, in.p, in.n - initrd_len, in.p + in.n - initrd_len, initrd_len,
			    "console=ttyS0", &plat, &cpu, err, sizeof(err));
	return 0;
}
