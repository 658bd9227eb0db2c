/*
 * tests/fuzz/fuzz_vlapic.c: libFuzzer target of kernel/vlapic.c and
 * vlapic_timer.c: a domain of vLAPICs that send each other IPIs, driven by
 * register, MSR, interrupt and timer steps from the input.
 */
#include "tests/fuzz/fuzz_dom.h"

static void eoi_level(void *ctx, uint8_t vector)
{
	(void)ctx, (void)vector;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_dom d;
	struct fuzz_in in = { data, size };

	fuzz_dom_init(&d, eoi_level);
	while (in.n) {
		unsigned int op = fuzz_take(&in, 1);

		fuzz_dom_step(&d, &d.apic[op / 8 % FUZZ_NR_APICS], op, &in);
	}
	return 0;
}
