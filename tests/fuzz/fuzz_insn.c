/*
 * tests/fuzz/fuzz_insn.c: libFuzzer target of kernel/insn.c and insn_alu.c,
 * the MMIO instruction decoder and emulator: the mode, the registers, the
 * instruction bytes and the values MMIO reads return come from the input.
 * insn_saved_whole must agree with the emulator on whether the bytes were
 * too few (-EFAULT).
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/errno.h"
#include "kernel/insn.h"
#include "tests/fuzz/fuzz.h"

static int mmio_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value)
{
	(void)gpa;
	*value = fuzz_take(ctx, size > 8 ? 8 : size);
	return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
	(void)ctx, (void)gpa, (void)size, (void)value;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum insn_mode modes[] = { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };
	struct fuzz_in in = { data, size };
	const struct insn_mmio_ops ops = { .ctx = &in, .read = mmio_read, .write = mmio_write };
	enum insn_mode mode = modes[fuzz_take(&in, 1) % 3];
	unsigned int len = fuzz_take(&in, 1) % (INSN_MAX_LEN + 1);
	uint8_t code[INSN_MAX_LEN] = { 0 };
	struct insn_regs regs;
	struct insn_prefixes p;
	struct insn_info info;
	int whole, err;

	for (unsigned int i = 0; i < INSN_NR_GPRS; i++)
		regs.gpr[i] = fuzz_take(&in, 1) << (i * 4 % 64);
	regs.rip = 0x1000;
	regs.rflags = fuzz_take(&in, 2);
	for (unsigned int i = 0; i < len; i++)
		code[i] = fuzz_take(&in, 1);
	(void)insn_decode_prefixes(code, len, mode, &p);
	whole = insn_saved_whole(code, len, mode);
	err = insn_emulate_mmio(code, len, mode, &regs, 0xfee00000 + fuzz_take(&in, 2), &ops,
				&info);
	if (whole != (err != -EFAULT))
		abort();
	return 0;
}
