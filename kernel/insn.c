/*
 * kernel/insn.c: decodes and emulates the one guest instruction behind an MMIO
 * exit, from guest memory or from the bytes an AMD CPU with decode assists
 * saved (AMD APM vol. 2 15.33.4; insn_saved_whole says whether they suffice).
 * Encoding from Intel SDM vol. 2A chapter 2 (prefixes, REX, ModRM/SIB, tables
 * 2-1 to 2-3) and the opcode maps of vol. 2D appendix A; what each instruction
 * does from its vol. 2 page (the arithmetic and RFLAGS are in insn_alu.c).
 * The prefix decoder also serves the INS/OUTS exit (kernel/exit.c).
 */
#include "kernel/insn.h"
#include "kernel/errno.h"
#include "drivers/iobus.h"

#define REX_W 0x8
#define REX_R 0x4

/* Operations: those of insn_alu() (enum insn_alu_op), then those that only move data. */
enum insn_op {
	INSN_OP_MOV = INSN_NR_ALU_OPS,
	INSN_OP_MOVZX,
	INSN_OP_MOVSX,
	INSN_OP_MOVSXD,
	INSN_OP_XCHG,
	INSN_NR_OPS,
};

/* Where the operands are: the memory operand is ModRM.rm (or a moffs), the register ModRM.reg. */
enum insn_form {
	INSN_FORM_NONE, /* not an instruction this module emulates */
	INSN_FORM_MR,	/* destination memory, source register */
	INSN_FORM_RM,	/* destination register, source memory */
	INSN_FORM_MI,	/* destination memory, source immediate */
};

/* Flags of an opcode table entry. */
#define INSN_F_BYTE (1u << 0)  /* 8-bit operands */
#define INSN_F_IMM8 (1u << 1)  /* imm8, sign-extended to the operand size */
#define INSN_F_IMMZ (1u << 2)  /* imm16 or imm32 (sign-extended for 64-bit operands) */
#define INSN_F_MOFFS (1u << 3) /* an address-size moffs instead of ModRM; register rAX */
#define INSN_F_GROUP (1u << 4) /* ModRM.reg selects the operation (see grp_first) */
#define INSN_F_NO64 (1u << 5)  /* invalid in 64-bit mode */
#define INSN_F_REXW (1u << 6)  /* valid only with REX.W */

struct insn_opcode {
	uint8_t op;	   /* enum insn_alu_op or insn_op; in a group, that of /grp_first */
	uint8_t form;	   /* enum insn_form */
	uint8_t flags;	   /* INSN_F_* */
	uint8_t grp_first; /* with INSN_F_GROUP: ModRM.reg must be in [grp_first, grp_last] */
	uint8_t grp_last;
	uint8_t src_size; /* width of a memory source if fixed (MOVZX...), else 0 */
};

/* Table shorthands, undefined after the tables. */
#define OPC(o, fm, f) .op = (o), .form = INSN_FORM_##fm, .flags = (f)
#define BYTE INSN_F_BYTE
#define IMM8 INSN_F_IMM8
#define IMMZ INSN_F_IMMZ
#define MOFFS INSN_F_MOFFS
#define GROUP INSN_F_GROUP

/* r/m,reg (byte, full) then reg,r/m (byte, full): rows 00-03 ... 38-3B. */
/* clang-format off */
#define ALU_ROW(base, o)						\
	[(base) + 0] = { OPC(o, MR, BYTE) },				\
	[(base) + 1] = { OPC(o, MR, 0) },				\
	[(base) + 2] = { OPC(o, RM, BYTE) },				\
	[(base) + 3] = { OPC(o, RM, 0) }
/* clang-format on */

/* One-byte opcode map (SDM vol. 2D table A-2): only forms with a memory operand. */
static const struct insn_opcode insn_map1[256] = {
	ALU_ROW(0x00, INSN_ALU_ADD),
	ALU_ROW(0x08, INSN_ALU_OR),
	ALU_ROW(0x10, INSN_ALU_ADC),
	ALU_ROW(0x18, INSN_ALU_SBB),
	ALU_ROW(0x20, INSN_ALU_AND),
	ALU_ROW(0x28, INSN_ALU_SUB),
	ALU_ROW(0x30, INSN_ALU_XOR),
	ALU_ROW(0x38, INSN_ALU_CMP),
	[0x63] = { OPC(INSN_OP_MOVSXD, RM, INSN_F_REXW), .src_size = 4 },
	[0x80] = { OPC(INSN_ALU_ADD, MI, BYTE | IMM8 | GROUP), .grp_last = 7 },
	[0x81] = { OPC(INSN_ALU_ADD, MI, IMMZ | GROUP), .grp_last = 7 },
	[0x82] = { OPC(INSN_ALU_ADD, MI, BYTE | IMM8 | GROUP | INSN_F_NO64), .grp_last = 7 },
	[0x83] = { OPC(INSN_ALU_ADD, MI, IMM8 | GROUP), .grp_last = 7 },
	[0x84] = { OPC(INSN_ALU_TEST, MR, BYTE) },
	[0x85] = { OPC(INSN_ALU_TEST, MR, 0) },
	[0x86] = { OPC(INSN_OP_XCHG, MR, BYTE) },
	[0x87] = { OPC(INSN_OP_XCHG, MR, 0) },
	[0x88] = { OPC(INSN_OP_MOV, MR, BYTE) },
	[0x89] = { OPC(INSN_OP_MOV, MR, 0) },
	[0x8a] = { OPC(INSN_OP_MOV, RM, BYTE) },
	[0x8b] = { OPC(INSN_OP_MOV, RM, 0) },
	[0xa0] = { OPC(INSN_OP_MOV, RM, BYTE | MOFFS) },
	[0xa1] = { OPC(INSN_OP_MOV, RM, MOFFS) },
	[0xa2] = { OPC(INSN_OP_MOV, MR, BYTE | MOFFS) },
	[0xa3] = { OPC(INSN_OP_MOV, MR, MOFFS) },
	[0xc6] = { OPC(INSN_OP_MOV, MI,
		       BYTE | IMM8 | GROUP) }, /* grp_first = grp_last = 0: /0 only */
	[0xc7] = { OPC(INSN_OP_MOV, MI, IMMZ | GROUP) },
	[0xf6] = { OPC(INSN_ALU_TEST, MI, BYTE | IMM8 | GROUP) },
	[0xf7] = { OPC(INSN_ALU_TEST, MI, IMMZ | GROUP) },
};

/* Two-byte opcode map, 0F xx (SDM vol. 2D table A-3). */
static const struct insn_opcode insn_map2[256] = {
	[0xa3] = { OPC(INSN_ALU_BT, MR, 0) },
	[0xab] = { OPC(INSN_ALU_BTS, MR, 0) },
	[0xb3] = { OPC(INSN_ALU_BTR, MR, 0) },
	[0xb6] = { OPC(INSN_OP_MOVZX, RM, 0), .src_size = 1 },
	[0xb7] = { OPC(INSN_OP_MOVZX, RM, 0), .src_size = 2 },
	[0xba] = { OPC(INSN_ALU_BT, MI, IMM8 | GROUP), .grp_first = 4, .grp_last = 7 },
	[0xbb] = { OPC(INSN_ALU_BTC, MR, 0) },
	[0xbe] = { OPC(INSN_OP_MOVSX, RM, 0), .src_size = 1 },
	[0xbf] = { OPC(INSN_OP_MOVSX, RM, 0), .src_size = 2 },
};

#undef OPC
#undef ALU_ROW
#undef GROUP
#undef BYTE
#undef IMM8
#undef IMMZ
#undef MOFFS

#define INSN_OPF_READ_DST (1u << 0)  /* the destination is an input (not for MOV) */
#define INSN_OPF_WRITE_DST (1u << 1) /* the result is stored (not for CMP, TEST, BT) */
#define INSN_OPF_SWAP (1u << 2)	     /* XCHG: the register also gets the old destination */
#define INSN_OPF_SEXT (1u << 3)	     /* the memory source is sign-extended (MOVSX) */
#define RD INSN_OPF_READ_DST
#define WR INSN_OPF_WRITE_DST

static const struct {
	const char *mnemonic;
	uint8_t flags; /* INSN_OPF_* */
} insn_ops[INSN_NR_OPS] = {
	[INSN_ALU_ADD] = { "add", RD | WR },
	[INSN_ALU_OR] = { "or", RD | WR },
	[INSN_ALU_ADC] = { "adc", RD | WR },
	[INSN_ALU_SBB] = { "sbb", RD | WR },
	[INSN_ALU_AND] = { "and", RD | WR },
	[INSN_ALU_SUB] = { "sub", RD | WR },
	[INSN_ALU_XOR] = { "xor", RD | WR },
	[INSN_ALU_CMP] = { "cmp", RD },
	[INSN_ALU_TEST] = { "test", RD },
	[INSN_ALU_BT] = { "bt", RD },
	[INSN_ALU_BTS] = { "bts", RD | WR },
	[INSN_ALU_BTR] = { "btr", RD | WR },
	[INSN_ALU_BTC] = { "btc", RD | WR },
	[INSN_OP_MOV] = { "mov", WR },
	[INSN_OP_MOVZX] = { "movzx", WR },
	[INSN_OP_MOVSX] = { "movsx", WR | INSN_OPF_SEXT },
	[INSN_OP_MOVSXD] = { "movsxd", WR | INSN_OPF_SEXT },
	[INSN_OP_XCHG] = { "xchg", RD | WR | INSN_OPF_SWAP },
};

#undef RD
#undef WR

struct insn_dec {
	const uint8_t *code;
	unsigned int code_len;
	unsigned int pos;
	enum insn_mode mode;
	struct insn_prefixes pfx;
	const struct insn_opcode *opc;
	unsigned int op;      /* enum insn_alu_op or enum insn_op */
	unsigned int opsize;  /* operand size in bytes */
	unsigned int memsize; /* width of the MMIO access */
	unsigned int reg;     /* register operand (ModRM.reg with REX.R), 0 for moffs */
	uint64_t imm;	      /* sign-extended to 64 bits */
};

static uint64_t insn_sext(uint64_t v, unsigned int size)
{
	uint64_t sign = 1ull << (8 * size - 1);

	return ((v & iobus_width_mask(size)) ^ sign) - sign;
}

/* Takes n little-endian bytes; -EFAULT past the code given, -EINVAL past 15 bytes. */
static int insn_fetch(struct insn_dec *d, unsigned int n, uint64_t *val)
{
	uint64_t v = 0;

	if (d->pos + n > INSN_MAX_LEN)
		return -EINVAL;
	if (d->pos + n > d->code_len)
		return -EFAULT;
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)d->code[d->pos + i] << (8 * i);
	d->pos += n;
	*val = v;
	return 0;
}

/* The address size from the mode and 67 (SDM vol. 1 3.6, 3.6.1). */
static unsigned int insn_addr_size(enum insn_mode mode, int addrsize_pfx)
{
	if (mode == INSN_MODE_64)
		return addrsize_pfx ? 4 : 8;
	return (mode == INSN_MODE_32) != !!addrsize_pfx ? 4 : 2;
}

/* Legacy prefixes and REX (SDM vol. 2A 2.1.1, 2.2.1); returns the first opcode byte. */
static int insn_fetch_prefixes(struct insn_dec *d, uint8_t *opcode)
{
	struct insn_prefixes *p = &d->pfx;
	uint64_t b;
	int err;

	for (;;) {
		err = insn_fetch(d, 1, &b);
		if (err)
			return err;
		if (d->mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
			p->rex = (uint8_t)b;
			continue;
		}
		if (b == 0x66)
			p->opsize_pfx = 1;
		else if (b == 0x67)
			p->addrsize_pfx = 1;
		else if (b == 0xf0)
			p->lock = 1;
		else if (b == 0xf2 || b == 0xf3)
			p->rep = 1;
		else if ((b & 0xe7) == 0x26 || b == 0x64 || b == 0x65) /* ES CS SS DS, FS GS */
			p->seg = (uint8_t)b;
		else
			break;
		p->rex = 0; /* a REX followed by a legacy prefix is ignored */
	}
	*opcode = (uint8_t)b;
	p->len = d->pos - 1;
	p->addr_size = insn_addr_size(d->mode, p->addrsize_pfx);
	return 0;
}

int insn_decode_prefixes(const uint8_t *code, unsigned int code_len, enum insn_mode mode,
			 struct insn_prefixes *p)
{
	struct insn_dec d = { .code = code, .code_len = code_len, .mode = mode };
	uint8_t opcode;
	int err;

	err = insn_fetch_prefixes(&d, &opcode);
	*p = d.pfx;
	return err;
}

static int insn_decode_opcode(struct insn_dec *d)
{
	uint64_t b;
	uint8_t opcode;
	int err;

	err = insn_fetch_prefixes(d, &opcode);
	if (err)
		return err;
	d->opc = &insn_map1[opcode];
	if (opcode == 0x0f) {
		err = insn_fetch(d, 1, &b);
		if (err)
			return err;
		d->opc = &insn_map2[b];
	}
	d->op = d->opc->op;
	if (d->opc->form == INSN_FORM_NONE || d->pfx.rep)
		return -EINVAL;
	if ((d->opc->flags & INSN_F_NO64) && d->mode == INSN_MODE_64)
		return -EINVAL;
	if ((d->opc->flags & INSN_F_REXW) && !(d->pfx.rex & REX_W))
		return -EINVAL;
	return 0;
}

/* Operand size from the mode, 66 and REX.W (SDM vol. 1 3.6, 3.6.1). */
static void insn_decode_sizes(struct insn_dec *d)
{
	unsigned int dflt = d->mode == INSN_MODE_16 ? 2 : 4;

	if (d->opc->flags & INSN_F_BYTE)
		d->opsize = 1;
	else if (d->pfx.rex & REX_W)
		d->opsize = 8;
	else
		d->opsize = d->pfx.opsize_pfx ? 6 - dflt : dflt;
	d->memsize = d->opc->src_size ? d->opc->src_size : d->opsize;
}

/* Skips SIB and displacement (SDM vol. 2A tables 2-1 and 2-2; REX.B plays no part). */
static int insn_skip_address(struct insn_dec *d, uint8_t modrm)
{
	unsigned int mod = modrm >> 6, rm = modrm & 7, disp;
	uint64_t sib;
	int err;

	if (d->pfx.addr_size == 2) {
		disp = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
		return insn_fetch(d, disp, &sib);
	}
	disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		err = insn_fetch(d, 1, &sib);
		if (err)
			return err;
		if (mod == 0 && (sib & 7) == 5)
			disp = 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		disp = 4; /* disp32, RIP-relative in 64-bit mode */
	}
	return insn_fetch(d, disp, &sib);
}

/* ModRM (or moffs), then the immediate; rejects register operands and bad group members. */
static int insn_decode_operands(struct insn_dec *d)
{
	const struct insn_opcode *opc = d->opc;
	uint64_t modrm, ext, skip;
	unsigned int imm_len;
	int err;

	if (opc->flags & INSN_F_MOFFS)
		return insn_fetch(d, d->pfx.addr_size, &skip);
	err = insn_fetch(d, 1, &modrm);
	if (err)
		return err;
	if ((modrm >> 6) == 3)
		return -EINVAL; /* no memory operand: cannot have caused the exit */
	ext = (modrm >> 3) & 7;
	d->reg = (unsigned int)ext | (d->pfx.rex & REX_R ? 8 : 0);
	if (opc->flags & INSN_F_GROUP) {
		if (ext < opc->grp_first || ext > opc->grp_last)
			return -EINVAL;
		d->op = opc->op + (unsigned int)ext - opc->grp_first;
	}
	err = insn_skip_address(d, (uint8_t)modrm);
	if (err)
		return err;
	if (opc->flags & INSN_F_IMM8)
		imm_len = 1;
	else if (opc->flags & INSN_F_IMMZ)
		imm_len = d->opsize == 2 ? 2 : 4;
	else
		return 0;
	err = insn_fetch(d, imm_len, &d->imm);
	if (err)
		return err;
	d->imm = insn_sext(d->imm, imm_len);
	return 0;
}

/* LOCK is allowed only on a read-modify-write of memory (SDM vol. 2A "LOCK"). */
static int insn_lock_ok(const struct insn_dec *d)
{
	uint8_t rmw = INSN_OPF_READ_DST | INSN_OPF_WRITE_DST;

	return d->opc->form != INSN_FORM_RM && (insn_ops[d->op].flags & rmw) == rmw;
}

static int insn_decode(struct insn_dec *d)
{
	int err;

	if (d->mode != INSN_MODE_16 && d->mode != INSN_MODE_32 && d->mode != INSN_MODE_64)
		return -EINVAL;
	err = insn_decode_opcode(d);
	if (err)
		return err;
	insn_decode_sizes(d);
	err = insn_decode_operands(d);
	if (err)
		return err;
	if (d->pfx.lock && !insn_lock_ok(d))
		return -EINVAL;
	return 0;
}

/* Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM vol. 2A 2.2.1.2, table 3-1). */
static int insn_is_high_byte(unsigned int idx, unsigned int size, uint8_t rex)
{
	return size == 1 && !rex && idx >= 4 && idx < 8;
}

static uint64_t insn_reg_get(const struct insn_regs *regs, unsigned int idx, unsigned int size,
			     uint8_t rex)
{
	if (insn_is_high_byte(idx, size, rex))
		return (regs->gpr[idx - 4] >> 8) & 0xff;
	return regs->gpr[idx] & iobus_width_mask(size);
}

/* 32-bit results zero bits 63:32; 8- and 16-bit results keep the rest (SDM vol. 1 3.4.1.1). */
static void insn_reg_set(struct insn_regs *regs, unsigned int idx, unsigned int size, uint8_t rex,
			 uint64_t val)
{
	uint64_t mask = iobus_width_mask(size);

	if (insn_is_high_byte(idx, size, rex)) {
		idx -= 4;
		mask <<= 8;
		val <<= 8;
	} else if (size == 4) {
		mask = ~0ull;
		val = (uint32_t)val;
	}
	regs->gpr[idx] = (regs->gpr[idx] & ~mask) | (val & mask);
}

/* Memory read first, then memory write, then the registers: a failed callback changes none. */
static int insn_execute(const struct insn_dec *d, struct insn_regs *regs, uint64_t gpa,
			const struct insn_mmio_ops *ops)
{
	unsigned int flags = insn_ops[d->op].flags;
	int dst_mem = d->opc->form != INSN_FORM_RM;
	uint64_t mem = 0, a, b, r, fl = regs->rflags;
	int err;

	if (!dst_mem || (flags & INSN_OPF_READ_DST)) {
		err = ops->read(ops->ctx, gpa, d->memsize, &mem);
		if (err)
			return err;
		mem &= iobus_width_mask(d->memsize);
		if (flags & INSN_OPF_SEXT)
			mem = insn_sext(mem, d->memsize);
	}
	a = dst_mem ? mem : insn_reg_get(regs, d->reg, d->opsize, d->pfx.rex);
	if (d->opc->form == INSN_FORM_MI)
		b = d->imm & iobus_width_mask(d->opsize);
	else
		b = dst_mem ? insn_reg_get(regs, d->reg, d->opsize, d->pfx.rex) : mem;
	r = d->op < INSN_NR_ALU_OPS ? insn_alu((enum insn_alu_op)d->op, a, b, d->opsize, &fl) : b;
	if ((flags & INSN_OPF_WRITE_DST) && dst_mem) {
		err = ops->write(ops->ctx, gpa, d->memsize, r & iobus_width_mask(d->memsize));
		if (err)
			return err;
	}
	if ((flags & INSN_OPF_WRITE_DST) && !dst_mem)
		insn_reg_set(regs, d->reg, d->opsize, d->pfx.rex, r);
	if (flags & INSN_OPF_SWAP)
		insn_reg_set(regs, d->reg, d->opsize, d->pfx.rex, a);
	regs->rflags = fl;
	return 0;
}

int insn_saved_whole(const uint8_t *saved, unsigned int n, enum insn_mode mode)
{
	struct insn_dec d = { .code = saved, .code_len = n, .mode = mode };

	return n && n <= INSN_MAX_LEN && insn_decode(&d) != -EFAULT;
}

int insn_emulate_mmio(const uint8_t *code, unsigned int code_len, enum insn_mode mode,
		      struct insn_regs *regs, uint64_t gpa, const struct insn_mmio_ops *ops,
		      struct insn_info *info)
{
	struct insn_dec d = { .code = code, .code_len = code_len, .mode = mode };
	int err;

	err = insn_decode(&d);
	if (err)
		return err;
	if (info) {
		info->len = d.pos;
		info->size = d.memsize;
		info->is_write =
			d.opc->form != INSN_FORM_RM && (insn_ops[d.op].flags & INSN_OPF_WRITE_DST);
		info->mnemonic = insn_ops[d.op].mnemonic;
	}
	err = insn_execute(&d, regs, gpa, ops);
	if (err)
		return err;
	regs->rip += d.pos;
	if (mode != INSN_MODE_64)
		regs->rip &= 0xffffffffull;
	return 0;
}
