/*
 * tests/fuzz/fuzz_vioapic.c: libFuzzer target of kernel/vioapic.c: its
 * register window, pins raised and lowered, and EOIs from the vLAPICs it
 * delivers to (which the input drives too).
 */
#include "kernel/vioapic.h"
#include "tests/fuzz/fuzz_dom.h"

static struct vioapic io;

static void eoi_level(void *ctx, uint8_t vector)
{
	(void)ctx;
	vioapic_eoi(&io, vector);
}

static void ioapic_step(unsigned int op, struct fuzz_in *in)
{
	uint64_t v;

	switch (op % 4) {
	case 0:
		vioapic_mmio_read(&io, fuzz_take(in, 1), 1u << fuzz_take(in, 1) % 4, &v);
		break;
	case 1:
		vioapic_mmio_write(&io, fuzz_take(in, 1), 1u << fuzz_take(in, 1) % 4,
				   fuzz_take(in, 4));
		break;
	case 2:
		vioapic_set_irq(&io, fuzz_take(in, 1) % 32, fuzz_take(in, 1) & 1);
		break;
	case 3:
		vioapic_eoi(&io, fuzz_take(in, 1));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_dom d;
	struct fuzz_in in = { data, size };

	fuzz_dom_init(&d, eoi_level);
	vioapic_init(&io, &d.env, FUZZ_NR_APICS);
	while (in.n) {
		unsigned int op = fuzz_take(&in, 1);

		if (op & 1)
			ioapic_step(op / 2, &in);
		else
			fuzz_dom_step(&d, &d.apic[op / 16 % FUZZ_NR_APICS], op / 2, &in);
	}
	return 0;
}
