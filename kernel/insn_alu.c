/*
 * kernel/insn_alu.c: the arithmetic of the MMIO instruction emulator (insn.c):
 * results and RFLAGS status flags of ADD, OR, ADC, SBB, AND, SUB, XOR, CMP,
 * TEST, BT, BTS, BTR and BTC as the Intel SDM vol. 2 instruction pages define
 * them; the flags themselves in SDM vol. 1 3.4.3.1 and appendix A.
 */
#include "kernel/insn.h"

#define INSN_RFLAGS_ARITH                                                                          \
	(INSN_RFLAGS_CF | INSN_RFLAGS_PF | INSN_RFLAGS_AF | INSN_RFLAGS_ZF | INSN_RFLAGS_SF |      \
	 INSN_RFLAGS_OF)

/*
 * An operation on operands already truncated to size bytes: returns the
 * result (truncated) and leaves the new status flags in *fl. On entry *fl
 * holds the current RFLAGS (ADC and SBB read CF from it).
 */
typedef uint64_t insn_alu_fn(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl);

static uint64_t alu_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t alu_top_bit(uint64_t v, unsigned int size)
{
	return (v >> (8 * size - 1)) & 1;
}

/* SF, ZF and PF of a result (PF: an even number of ones in the low byte). */
static uint64_t alu_flags_szp(uint64_t r, unsigned int size)
{
	uint64_t fl = 0;
	uint8_t p = (uint8_t)r;

	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		fl |= INSN_RFLAGS_PF;
	if (!(r & alu_mask(size)))
		fl |= INSN_RFLAGS_ZF;
	if (alu_top_bit(r, size))
		fl |= INSN_RFLAGS_SF;
	return fl;
}

/*
 * r = a + b (+ carry in). The carry out of each bit is (a & b) | ((a | b) & ~r);
 * AF is the carry into bit 4, a ^ b ^ r there; OF when a and b have the same
 * sign and r the other one.
 */
static uint64_t alu_flags_add(uint64_t a, uint64_t b, uint64_t r, unsigned int size)
{
	uint64_t fl = alu_flags_szp(r, size);

	if (alu_top_bit((a & b) | ((a | b) & ~r), size))
		fl |= INSN_RFLAGS_CF;
	if (alu_top_bit((a ^ r) & (b ^ r), size))
		fl |= INSN_RFLAGS_OF;
	return fl | ((a ^ b ^ r) & INSN_RFLAGS_AF);
}

/*
 * r = a - b (- borrow in). The borrow out of each bit is (~a & b) | ((~a | b) & r);
 * OF when a and b have different signs and r has not the sign of a.
 */
static uint64_t alu_flags_sub(uint64_t a, uint64_t b, uint64_t r, unsigned int size)
{
	uint64_t fl = alu_flags_szp(r, size);

	if (alu_top_bit((~a & b) | ((~a | b) & r), size))
		fl |= INSN_RFLAGS_CF;
	if (alu_top_bit((a ^ b) & (a ^ r), size))
		fl |= INSN_RFLAGS_OF;
	return fl | ((a ^ b ^ r) & INSN_RFLAGS_AF);
}

static uint64_t alu_add(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	uint64_t r = (a + b) & alu_mask(size);

	*fl = alu_flags_add(a, b, r, size);
	return r;
}

static uint64_t alu_adc(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	uint64_t r = (a + b + (*fl & INSN_RFLAGS_CF)) & alu_mask(size);

	*fl = alu_flags_add(a, b, r, size);
	return r;
}

static uint64_t alu_sub(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	uint64_t r = (a - b) & alu_mask(size);

	*fl = alu_flags_sub(a, b, r, size);
	return r;
}

static uint64_t alu_sbb(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	uint64_t r = (a - b - (*fl & INSN_RFLAGS_CF)) & alu_mask(size);

	*fl = alu_flags_sub(a, b, r, size);
	return r;
}

/* The logical operations clear CF and OF; AF is undefined and cleared here. */
static uint64_t alu_and(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	*fl = alu_flags_szp(a & b, size);
	return a & b;
}

static uint64_t alu_or(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	*fl = alu_flags_szp(a | b, size);
	return a | b;
}

static uint64_t alu_xor(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	*fl = alu_flags_szp(a ^ b, size);
	return a ^ b;
}

/*
 * The bit tests: CF gets the selected bit. The offset counts within the
 * accessed operand only: for a register offset outside it the hardware
 * already reported the gpa of the operand-sized unit that holds the bit.
 */
static uint64_t alu_bit(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	uint64_t bit = 1ull << (b & (8 * size - 1));

	*fl = (a & bit) ? INSN_RFLAGS_CF : 0;
	return bit;
}

static uint64_t alu_bt(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	alu_bit(a, b, size, fl);
	return a;
}

static uint64_t alu_bts(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	return a | alu_bit(a, b, size, fl);
}

static uint64_t alu_btr(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	return a & ~alu_bit(a, b, size, fl);
}

static uint64_t alu_btc(uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	return a ^ alu_bit(a, b, size, fl);
}

static const struct {
	insn_alu_fn *fn;
	uint64_t defines; /* the RFLAGS bits the operation writes */
} alu_ops[INSN_NR_ALU_OPS] = {
	[INSN_ALU_ADD] = { alu_add, INSN_RFLAGS_ARITH },
	[INSN_ALU_OR] = { alu_or, INSN_RFLAGS_ARITH },
	[INSN_ALU_ADC] = { alu_adc, INSN_RFLAGS_ARITH },
	[INSN_ALU_SBB] = { alu_sbb, INSN_RFLAGS_ARITH },
	[INSN_ALU_AND] = { alu_and, INSN_RFLAGS_ARITH },
	[INSN_ALU_SUB] = { alu_sub, INSN_RFLAGS_ARITH },
	[INSN_ALU_XOR] = { alu_xor, INSN_RFLAGS_ARITH },
	[INSN_ALU_CMP] = { alu_sub, INSN_RFLAGS_ARITH },
	[INSN_ALU_TEST] = { alu_and, INSN_RFLAGS_ARITH },
	[INSN_ALU_BT] = { alu_bt, INSN_RFLAGS_CF },
	[INSN_ALU_BTS] = { alu_bts, INSN_RFLAGS_CF },
	[INSN_ALU_BTR] = { alu_btr, INSN_RFLAGS_CF },
	[INSN_ALU_BTC] = { alu_btc, INSN_RFLAGS_CF },
};

uint64_t insn_alu(enum insn_alu_op op, uint64_t dst, uint64_t src, unsigned int size,
		  uint64_t *rflags)
{
	uint64_t mask = alu_mask(size), fl = *rflags, r;

	r = alu_ops[op].fn(dst & mask, src & mask, size, &fl);
	*rflags = (*rflags & ~alu_ops[op].defines) | (fl & alu_ops[op].defines);
	return r;
}
