/*
 * tests/fuzz/fuzz_loader.c: libFuzzer target of drivers/firmware's
 * fw_load_image: the input is the image (ELF, Multiboot 1 or 2), loaded into
 * an 8 MiB guest with a command line, as the kernel and bvm load a guest.
 */
#include "drivers/firmware/loader.h"
#include "tests/fuzz/fuzz.h"

#define LOADER_RAM (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_vm vm;
	struct fw_boot_cpu cpu;
	char err[128];

	fuzz_vm_init_size(&vm, LOADER_RAM);
	(void)fw_image_probe(data, size);
	(void)fw_load_image(&vm.env, data, size, "console=ttyS0 fuzz", &cpu, err, sizeof(err));
	return 0;
}
