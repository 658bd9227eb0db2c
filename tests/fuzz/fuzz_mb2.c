/*
 * tests/fuzz/fuzz_mb2.c: libFuzzer target of kernel/mb2.c, the kernel's
 * Multiboot2 information parser. The input is the information block, in an
 * 8-byte aligned copy whose total_size field says its real length (the
 * boot loader is trusted for that much, not for the tags inside).
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/mb2.h"

#define MB2_MAGIC 0x36d76289u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	uint32_t total = size;
	uint8_t *copy;

	if (size < 8 || size > 0x10000)
		return 0;
	copy = aligned_alloc(8, (size + 7) & ~7ul);
	memcpy(copy, data, size);
	memcpy(copy, &total, 4);
	(void)mb2_parse(MB2_MAGIC, copy, 0x10000, &bi);
	free(copy);
	return 0;
}
