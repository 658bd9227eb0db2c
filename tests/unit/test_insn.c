/*
 * tests/unit/test_insn.c: kernel/insn.c and kernel/insn_alu.c, the MMIO
 * instruction emulator, against a fake MMIO device that records every access.
 * Instruction bytes are written out as the SDM encodes them (cross-checked
 * with GNU as); RFLAGS values are worked out by hand from the SDM pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/insn.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CF INSN_RFLAGS_CF
#define PF INSN_RFLAGS_PF
#define AF INSN_RFLAGS_AF
#define ZF INSN_RFLAGS_ZF
#define SF INSN_RFLAGS_SF
#define OF INSN_RFLAGS_OF
#define ARITH (CF | PF | AF | ZF | SF | OF)

#define GPA 0xfee00010ull
#define RIP 0x1000ull
#define NO_REG (-1)

/* The fake device: a log of accesses, the value reads return, errors to inject. */
struct access {
	int is_write;
	uint64_t gpa;
	unsigned int size;
	uint64_t value;
};

static struct {
	uint64_t read_value;
	int read_err, write_err;
	unsigned int n;
	struct access log[4];
} mmio;

static struct insn_regs regs, before;
static struct insn_info info;

static int fake_access(int is_write, uint64_t gpa, unsigned int size, uint64_t value)
{
	if (mmio.n < NELEM(mmio.log))
		mmio.log[mmio.n] = (struct access){ is_write, gpa, size, value };
	mmio.n++;
	return is_write ? mmio.write_err : mmio.read_err;
}

static int fake_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value)
{
	assert_ptr_equal(ctx, &mmio);
	*value = mmio.read_value;
	return fake_access(0, gpa, size, 0);
}

static int fake_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
	assert_ptr_equal(ctx, &mmio);
	return fake_access(1, gpa, size, value);
}

static const struct insn_mmio_ops fake_ops = { &mmio, fake_read, fake_write };

/* Every byte of every register differs: gpr[i] = f<i> e<i> d<i> c<i> b<i> a<i> 9<i> 0<i>. */
static int setup(void **state)
{
	(void)state;
	memset(&mmio, 0, sizeof(mmio));
	memset(&info, 0, sizeof(info));
	for (unsigned int i = 0; i < INSN_NR_GPRS; i++)
		regs.gpr[i] = 0xf0e0d0c0b0a09000ull + i * 0x0101010101010101ull;
	regs.rip = RIP;
	regs.rflags = 0x2;
	return 0;
}

static int emulate(enum insn_mode mode, const uint8_t *code, unsigned int len)
{
	before = regs;
	return insn_emulate_mmio(code, len, mode, &regs, GPA, &fake_ops, &info);
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define EMU16(...) emulate(INSN_MODE_16, BYTES(__VA_ARGS__))
#define EMU32(...) emulate(INSN_MODE_32, BYTES(__VA_ARGS__))
#define EMU64(...) emulate(INSN_MODE_64, BYTES(__VA_ARGS__))

static void assert_access(unsigned int i, int is_write, unsigned int size, uint64_t value)
{
	assert_true(i < mmio.n);
	assert_int_equal(mmio.log[i].is_write, is_write);
	assert_int_equal(mmio.log[i].gpa, GPA);
	assert_int_equal(mmio.log[i].size, size);
	assert_int_equal(mmio.log[i].value, value);
}

/* Exactly one access. */
static void assert_read(unsigned int size)
{
	assert_int_equal(mmio.n, 1);
	assert_access(0, 0, size, 0);
}

static void assert_write(unsigned int size, uint64_t value)
{
	assert_int_equal(mmio.n, 1);
	assert_access(0, 1, size, value);
}

/* One read, then one write of the same size. */
static void assert_rmw(unsigned int size, uint64_t value)
{
	assert_int_equal(mmio.n, 2);
	assert_access(0, 0, size, 0);
	assert_access(1, 1, size, value);
}

static void assert_gprs_unchanged_except(int changed)
{
	for (int i = 0; i < INSN_NR_GPRS; i++)
		if (i != changed)
			assert_int_equal(regs.gpr[i], before.gpr[i]);
}

static void assert_done(unsigned int len, unsigned int size, int is_write, const char *mnemonic)
{
	assert_int_equal(regs.rip, before.rip + len);
	assert_int_equal(info.len, len);
	assert_int_equal(info.size, size);
	assert_int_equal(info.is_write, is_write);
	assert_string_equal(info.mnemonic, mnemonic);
}

/* The status flags are exactly these; other RFLAGS bits as before. */
static void assert_flags(uint64_t flags)
{
	assert_int_equal(regs.rflags & ARITH, flags);
	assert_int_equal(regs.rflags & ~ARITH, before.rflags & ~ARITH);
}

static void assert_nothing_changed(void)
{
	assert_memory_equal(&regs, &before, sizeof(regs));
}

/* ---- MOV ---- */

static void test_mov_store_r32_writes_low_dword_and_advances_rip(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x89, 0x02), 0); /* mov %eax,(%rdx) */
	assert_write(4, 0xb0a09000);
	assert_done(2, 4, 1, "mov");
	assert_gprs_unchanged_except(NO_REG);
	assert_int_equal(regs.rflags, before.rflags);
}

static void test_mov_store_r8_without_rex_reads_ah(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x88, 0x22), 0); /* mov %ah,(%rdx) */
	assert_write(1, 0x90);
	assert_done(2, 1, 1, "mov");
}

static void test_mov_store_r8_with_rex_reads_spl(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x40, 0x88, 0x22), 0); /* mov %spl,(%rdx) */
	assert_write(1, 0x04);
	assert_done(3, 1, 1, "mov");
}

static void test_mov_store_r8_with_rex_r_reads_r15b(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x44, 0x88, 0x3a), 0); /* mov %r15b,(%rdx) */
	assert_write(1, 0x0f);
}

static void test_mov_load_r8_without_rex_writes_bh_only(void **state)
{
	(void)state;
	mmio.read_value = 0x5a;
	assert_int_equal(EMU64(0x8a, 0x3a), 0); /* mov (%rdx),%bh */
	assert_read(1);
	assert_int_equal(regs.gpr[INSN_RBX], 0xf3e3d3c3b3a35a03ull);
	assert_gprs_unchanged_except(INSN_RBX);
	assert_done(2, 1, 0, "mov");
}

static void test_mov_load_r8_with_rex_writes_dil_only(void **state)
{
	(void)state;
	mmio.read_value = 0x5a;
	assert_int_equal(EMU64(0x40, 0x8a, 0x3a), 0); /* mov (%rdx),%dil */
	assert_int_equal(regs.gpr[INSN_RDI], 0xf7e7d7c7b7a7975aull);
	assert_gprs_unchanged_except(INSN_RDI);
}

static void test_mov_load_r8_with_rex_r_writes_r8b(void **state)
{
	(void)state;
	mmio.read_value = 0x5a;
	assert_int_equal(EMU64(0x44, 0x8a, 0x02), 0); /* mov (%rdx),%r8b */
	assert_int_equal(regs.gpr[INSN_R8], 0xf8e8d8c8b8a8985aull);
	assert_gprs_unchanged_except(INSN_R8);
}

static void test_mov_load_r32_zeroes_upper_half(void **state)
{
	(void)state;
	mmio.read_value = 0x89abcdef;
	assert_int_equal(EMU64(0x8b, 0x02), 0); /* mov (%rdx),%eax */
	assert_read(4);
	assert_int_equal(regs.gpr[INSN_RAX], 0x89abcdefull);
	assert_gprs_unchanged_except(INSN_RAX);
	assert_done(2, 4, 0, "mov");
}

static void test_mov_load_r16_keeps_upper_bits(void **state)
{
	(void)state;
	mmio.read_value = 0xbeef;
	assert_int_equal(EMU64(0x66, 0x8b, 0x02), 0); /* mov (%rdx),%ax */
	assert_read(2);
	assert_int_equal(regs.gpr[INSN_RAX], 0xf0e0d0c0b0a0beefull);
	assert_done(3, 2, 0, "mov");
}

static void test_mov_load_rex_w_reads_8_bytes(void **state)
{
	(void)state;
	mmio.read_value = 0x1122334455667788ull;
	assert_int_equal(EMU64(0x48, 0x8b, 0x02), 0); /* mov (%rdx),%rax */
	assert_read(8);
	assert_int_equal(regs.gpr[INSN_RAX], 0x1122334455667788ull);
	assert_done(3, 8, 0, "mov");
}

static void test_mov_load_rex_r_selects_r15(void **state)
{
	(void)state;
	mmio.read_value = 0x12345678;
	assert_int_equal(EMU64(0x44, 0x8b, 0x3a), 0); /* mov (%rdx),%r15d */
	assert_int_equal(regs.gpr[INSN_R15], 0x12345678ull);
	assert_gprs_unchanged_except(INSN_R15);
}

static void test_mov_load_rex_b_only_extends_the_address_base(void **state)
{
	(void)state;
	mmio.read_value = 0x12345678;
	assert_int_equal(EMU64(0x41, 0x8b, 0x00), 0); /* mov (%r8),%eax */
	assert_int_equal(regs.gpr[INSN_RAX], 0x12345678ull);
	assert_gprs_unchanged_except(INSN_RAX);
	assert_done(3, 4, 0, "mov");
}

static void test_mov_load_truncates_a_wide_callback_value(void **state)
{
	(void)state;
	mmio.read_value = 0xffffffffffff1234ull;
	assert_int_equal(EMU64(0x8a, 0x02), 0); /* mov (%rdx),%al */
	assert_int_equal(regs.gpr[INSN_RAX], 0xf0e0d0c0b0a09034ull);
}

static void test_mov_store_imm8(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0xc6, 0x02, 0x5a), 0); /* movb $0x5a,(%rdx) */
	assert_write(1, 0x5a);
	assert_done(3, 1, 1, "mov");
}

static void test_mov_store_imm32(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0xc7, 0x02, 0x78, 0x56, 0x34, 0x12),
			 0); /* movl $0x12345678,(%rdx) */
	assert_write(4, 0x12345678);
	assert_done(6, 4, 1, "mov");
}

static void test_mov_store_imm32_with_rex_w_sign_extends_to_8_bytes(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x48, 0xc7, 0x02, 0xf0, 0xff, 0xff, 0xff), 0); /* movq $-16,(%rdx) */
	assert_write(8, 0xfffffffffffffff0ull);
	assert_done(7, 8, 1, "mov");
}

static void test_mov_store_imm16_with_operand_size_prefix(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x66, 0xc7, 0x02, 0x34, 0x12), 0); /* movw $0x1234,(%rdx) */
	assert_write(2, 0x1234);
	assert_done(5, 2, 1, "mov");
}

static void test_mov_store_imm_rip_relative_counts_disp32_and_imm(void **state)
{
	(void)state;
	/* movl $0x12345678,0x1000(%rip) */
	assert_int_equal(EMU64(0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12), 0);
	assert_write(4, 0x12345678);
	assert_done(10, 4, 1, "mov");
	setup(NULL);
	/* movw $0x1234,0x1000(%rip) */
	assert_int_equal(EMU64(0x66, 0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x34, 0x12), 0);
	assert_write(2, 0x1234);
	assert_done(9, 2, 1, "mov");
}

static void test_mov_imm_with_nonzero_modrm_reg_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0xc6, 0x0a, 0x00), -EINVAL);
	assert_int_equal(EMU64(0xc7, 0x3a, 0x00, 0x00, 0x00, 0x00), -EINVAL);
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

static void test_mov_moffs_64bit_mode_uses_8_byte_address(void **state)
{
	(void)state;
	mmio.read_value = 0xcafef00d;
	/* movabs 0x1122334455667788,%eax */
	assert_int_equal(EMU64(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), 0);
	assert_read(4);
	assert_int_equal(regs.gpr[INSN_RAX], 0xcafef00dull);
	assert_done(9, 4, 0, "mov");

	setup(NULL);
	/* movabs %rax,0x1122334455667788 */
	assert_int_equal(EMU64(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), 0);
	assert_write(8, 0xf0e0d0c0b0a09000ull);
	assert_done(10, 8, 1, "mov");

	setup(NULL);
	mmio.read_value = 0x5a;
	/* movabs 0x1122334455667788,%al */
	assert_int_equal(EMU64(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), 0);
	assert_int_equal(regs.gpr[INSN_RAX], 0xf0e0d0c0b0a0905aull);
	assert_done(9, 1, 0, "mov");
}

static void test_mov_moffs_address_size_prefix_shortens_the_address(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x67, 0xa1, 0x44, 0x33, 0x22, 0x11),
			 0); /* addr32 mov 0x11223344,%eax */
	assert_done(6, 4, 0, "mov");
	setup(NULL);
	assert_int_equal(EMU16(0xa0, 0x34, 0x12), 0); /* mov 0x1234,%al */
	assert_done(3, 1, 0, "mov");
	setup(NULL);
	assert_int_equal(EMU16(0x67, 0xa1, 0x44, 0x33, 0x22, 0x11), 0); /* addr32 mov ...,%ax */
	assert_done(6, 2, 0, "mov");
	setup(NULL);
	assert_int_equal(EMU32(0xa2, 0x44, 0x33, 0x22, 0x11), 0); /* mov %al,0x11223344 */
	assert_write(1, 0x00);
	assert_done(5, 1, 1, "mov");
}

/* ---- MOVZX, MOVSX, MOVSXD ---- */

static void test_movzx_byte_to_r32_zero_extends(void **state)
{
	(void)state;
	mmio.read_value = 0x80;
	assert_int_equal(EMU64(0x0f, 0xb6, 0x02), 0); /* movzbl (%rdx),%eax */
	assert_read(1);
	assert_int_equal(regs.gpr[INSN_RAX], 0x80ull);
	assert_done(3, 1, 0, "movzx");
}

static void test_movzx_byte_to_r16_keeps_upper_bits(void **state)
{
	(void)state;
	mmio.read_value = 0xff;
	assert_int_equal(EMU64(0x66, 0x0f, 0xb6, 0x02), 0); /* movzbw (%rdx),%ax */
	assert_int_equal(regs.gpr[INSN_RAX], 0xf0e0d0c0b0a000ffull);
	assert_done(4, 1, 0, "movzx");
}

static void test_movzx_word_to_r32(void **state)
{
	(void)state;
	mmio.read_value = 0xfffe;
	assert_int_equal(EMU64(0x0f, 0xb7, 0x02), 0); /* movzwl (%rdx),%eax */
	assert_read(2);
	assert_int_equal(regs.gpr[INSN_RAX], 0xfffeull);
}

static void test_movsx_byte_to_r64_sign_extends(void **state)
{
	(void)state;
	mmio.read_value = 0x80;
	assert_int_equal(EMU64(0x48, 0x0f, 0xbe, 0x02), 0); /* movsbq (%rdx),%rax */
	assert_read(1);
	assert_int_equal(regs.gpr[INSN_RAX], 0xffffffffffffff80ull);
	assert_done(4, 1, 0, "movsx");
}

static void test_movsx_word_to_r32_zeroes_bits_63_32(void **state)
{
	(void)state;
	mmio.read_value = 0x8000;
	assert_int_equal(EMU64(0x0f, 0xbf, 0x02), 0); /* movswl (%rdx),%eax */
	assert_read(2);
	assert_int_equal(regs.gpr[INSN_RAX], 0xffff8000ull);
}

static void test_movsxd_with_rex_w_sign_extends_dword(void **state)
{
	(void)state;
	mmio.read_value = 0x80000000;
	assert_int_equal(EMU64(0x48, 0x63, 0x02), 0); /* movslq (%rdx),%rax */
	assert_read(4);
	assert_int_equal(regs.gpr[INSN_RAX], 0xffffffff80000000ull);
	assert_done(3, 4, 0, "movsxd");
}

static void test_opcode_63_without_rex_w_or_outside_64bit_mode_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x63, 0x02), -EINVAL);
	assert_int_equal(EMU32(0x63, 0x02), -EINVAL); /* ARPL */
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

/* ---- modes, prefixes, lengths ---- */

static void test_mode16_defaults_to_16bit_operands_and_66_selects_32(void **state)
{
	(void)state;
	assert_int_equal(EMU16(0x89, 0x07), 0); /* mov %ax,(%bx) */
	assert_write(2, 0x9000);
	assert_done(2, 2, 1, "mov");
	setup(NULL);
	assert_int_equal(EMU16(0x66, 0x89, 0x07), 0); /* mov %eax,(%bx) */
	assert_write(4, 0xb0a09000);
	assert_done(3, 4, 1, "mov");
	setup(NULL);
	assert_int_equal(EMU16(0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), 0); /* movl $..,(%bx) */
	assert_write(4, 0x12345678);
	assert_done(7, 4, 1, "mov");
}

static void test_mode32_defaults_to_32bit_operands_and_66_selects_16(void **state)
{
	(void)state;
	assert_int_equal(EMU32(0x89, 0x02), 0); /* mov %eax,(%edx) */
	assert_write(4, 0xb0a09000);
	setup(NULL);
	assert_int_equal(EMU32(0x66, 0x89, 0x02), 0); /* mov %ax,(%edx) */
	assert_write(2, 0x9000);
	assert_done(3, 2, 1, "mov");
}

static void test_mode32_bytes_40_to_4f_are_not_rex(void **state)
{
	(void)state;
	assert_int_equal(EMU32(0x48, 0x89, 0x02), -EINVAL); /* dec %eax; mov */
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

static void test_opcode_82_is_group1_outside_64bit_mode_only(void **state)
{
	(void)state;
	mmio.read_value = 0x41;
	assert_int_equal(EMU32(0x82, 0x02, 0x01), 0); /* addb $1,(%edx) */
	assert_rmw(1, 0x42);
	assert_done(3, 1, 1, "add");
	setup(NULL);
	assert_int_equal(EMU64(0x82, 0x02, 0x01), -EINVAL);
	assert_nothing_changed();
}

struct len_case {
	enum insn_mode mode;
	uint8_t code[INSN_MAX_LEN];
	unsigned int len;
	unsigned int size;
};

/* Stores of eAX/AX whose length depends only on ModRM, SIB, displacement and prefixes. */
static const struct len_case len_cases[] = {
	{ INSN_MODE_64, { 0x89, 0x04, 0x8a }, 3, 4 },		     /* (%rdx,%rcx,4) */
	{ INSN_MODE_64, { 0x89, 0x44, 0x8a, 0x10 }, 4, 4 },	     /* 0x10(%rdx,%rcx,4) */
	{ INSN_MODE_64, { 0x89, 0x84, 0x8a, 0, 0x10, 0, 0 }, 7, 4 }, /* 0x1000(%rdx,%rcx,4) */
	{ INSN_MODE_64, { 0x89, 0x04, 0x8d, 0, 0x10, 0, 0 }, 7, 4 }, /* 0x1000(,%rcx,4): no base */
	{ INSN_MODE_64, { 0x89, 0x44, 0x8d, 0x10 }, 4, 4 },	     /* 0x10(%rbp,%rcx,4) */
	{ INSN_MODE_64, { 0x89, 0x82, 0, 0x10, 0, 0 }, 6, 4 },	     /* 0x1000(%rdx) */
	{ INSN_MODE_64, { 0x89, 0x05, 0, 0x10, 0, 0 }, 6, 4 },	     /* 0x1000(%rip) */
	{ INSN_MODE_64, { 0x41, 0x89, 0x05, 0, 0x10, 0, 0 }, 7, 4 }, /* REX.B: still RIP-relative */
	{ INSN_MODE_64, { 0x41, 0x89, 0x45, 0x00 }, 4, 4 },	     /* 0(%r13) */
	{ INSN_MODE_64, { 0x41, 0x89, 0x04, 0x24 }, 4, 4 },	     /* (%r12): SIB */
	{ INSN_MODE_64, { 0x41, 0x89, 0x04, 0x25, 0, 0x10, 0, 0 }, 8, 4 }, /* SIB, no base */
	{ INSN_MODE_64, { 0x42, 0x89, 0x04, 0x8a }, 4, 4 },		   /* (%rdx,%r9,4) */
	{ INSN_MODE_64, { 0x67, 0x89, 0x02 }, 3, 4 },			   /* (%edx) */
	{ INSN_MODE_64, { 0x67, 0x89, 0x05, 0, 0x10, 0, 0 }, 7, 4 },	   /* 0x1000(%eip) */
	{ INSN_MODE_64, { 0x66, 0x48, 0x89, 0x02 }, 4, 8 },		   /* REX.W beats 66 */
	{ INSN_MODE_64, { 0x48, 0x66, 0x89, 0x02 }, 4, 2 }, /* REX not last: ignored */
	{ INSN_MODE_64, { 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x89, 0x02 }, 8, 4 },
	{ INSN_MODE_32, { 0x89, 0x05, 0, 0x10, 0, 0 }, 6, 4 },	  /* 0x1000: disp32, no RIP */
	{ INSN_MODE_32, { 0x89, 0x85, 0, 0x10, 0, 0 }, 6, 4 },	  /* 0x1000(%ebp) */
	{ INSN_MODE_32, { 0x67, 0x89, 0x07 }, 3, 4 },		  /* (%bx) */
	{ INSN_MODE_32, { 0x67, 0x8b, 0x1e, 0x34, 0x12 }, 5, 4 }, /* 0x1234: disp16 */
	{ INSN_MODE_16, { 0x89, 0x02 }, 2, 2 },			  /* (%bp,%si) */
	{ INSN_MODE_16, { 0x89, 0x47, 0x10 }, 3, 2 },		  /* 0x10(%bx) */
	{ INSN_MODE_16, { 0x89, 0x87, 0x34, 0x12 }, 4, 2 },	  /* 0x1234(%bx) */
	{ INSN_MODE_16, { 0x8b, 0x1e, 0x34, 0x12 }, 4, 2 },	  /* 0x1234: mod 00 r/m 110 */
	{ INSN_MODE_16, { 0x67, 0x89, 0x02 }, 3, 2 },		  /* (%edx) */
	{ INSN_MODE_16, { 0x67, 0x66, 0x89, 0x04, 0x8a }, 5, 4 }, /* (%edx,%ecx,4) */
};

static void test_modrm_sib_disp_and_prefixes_give_the_length(void **state)
{
	for (unsigned int i = 0; i < NELEM(len_cases); i++) {
		const struct len_case *c = &len_cases[i];

		setup(state);
		assert_int_equal(emulate(c->mode, c->code, c->len), 0);
		assert_int_equal(info.len, c->len);
		assert_int_equal(info.size, c->size);
		assert_int_equal(regs.rip, RIP + c->len);
		/* One byte fewer does not make an instruction. */
		setup(state);
		assert_int_equal(emulate(c->mode, c->code, c->len - 1), -EFAULT);
		assert_nothing_changed();
	}
}

static void test_rip_stays_within_32_bits_outside_64bit_mode(void **state)
{
	(void)state;
	regs.rip = 0xfffffffe;
	assert_int_equal(EMU32(0x66, 0x89, 0x02), 0);
	assert_int_equal(regs.rip, 0x1);
	setup(NULL);
	regs.rip = 0xffffffff;
	assert_int_equal(EMU16(0x89, 0x07), 0);
	assert_int_equal(regs.rip, 0x1);
	setup(NULL);
	regs.rip = 0xfffffffe;
	assert_int_equal(EMU64(0x66, 0x89, 0x02), 0);
	assert_int_equal(regs.rip, 0x100000001ull);
}

static void test_fifteen_bytes_is_the_limit(void **state)
{
	uint8_t code[INSN_MAX_LEN + 1];

	memset(code, 0x3e, sizeof(code));
	code[INSN_MAX_LEN - 2] = 0x89;
	code[INSN_MAX_LEN - 1] = 0x02;
	assert_int_equal(emulate(INSN_MODE_64, code, INSN_MAX_LEN), 0);
	assert_int_equal(info.len, INSN_MAX_LEN);

	setup(state);
	memset(code, 0x3e, sizeof(code));
	code[INSN_MAX_LEN - 1] = 0x89;
	code[INSN_MAX_LEN] = 0x02;
	assert_int_equal(emulate(INSN_MODE_64, code, sizeof(code)), -EINVAL);
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

/* ---- ALU: RMW, register destination, flags ---- */

static void test_add_to_memory_reads_then_writes_same_size(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0xffffffff00000010ull;
	regs.rflags = 0x2 | CF | ZF | OF;
	mmio.read_value = 0x20;
	assert_int_equal(EMU64(0x01, 0x02), 0); /* add %eax,(%rdx) */
	assert_rmw(4, 0x30);
	assert_flags(PF);
	assert_gprs_unchanged_except(NO_REG);
	assert_done(2, 4, 1, "add");
}

static void test_add_to_register_reads_once_and_zero_extends(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0xffffffff00000001ull;
	mmio.read_value = 0xffffffff;
	assert_int_equal(EMU64(0x03, 0x02), 0); /* add (%rdx),%eax */
	assert_read(4);
	assert_int_equal(regs.gpr[INSN_RAX], 0);
	assert_flags(CF | ZF | AF | PF);
	assert_done(2, 4, 0, "add");
}

static void test_add_byte_wrapping_to_zero_sets_cf_zf_af_pf(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x01;
	mmio.read_value = 0xff;
	assert_int_equal(EMU64(0x00, 0x02), 0); /* add %al,(%rdx) */
	assert_rmw(1, 0x00);
	assert_flags(CF | ZF | AF | PF);
}

static void test_add_signed_overflow_sets_of_and_sf_not_cf(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 1;
	mmio.read_value = 0x7fffffff;
	assert_int_equal(EMU64(0x01, 0x02), 0);
	assert_rmw(4, 0x80000000);
	assert_flags(OF | SF | AF | PF);
}

static void test_add_64bit_carry_and_overflow_at_once(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x8000000000000000ull;
	mmio.read_value = 0x8000000000000000ull;
	assert_int_equal(EMU64(0x48, 0x01, 0x02), 0); /* add %rax,(%rdx) */
	assert_rmw(8, 0);
	assert_flags(CF | OF | ZF | PF);
}

static void test_sub_byte_signed_overflow_from_0x80(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x01;
	mmio.read_value = 0x80;
	assert_int_equal(EMU64(0x28, 0x02), 0); /* sub %al,(%rdx) */
	assert_rmw(1, 0x7f);
	assert_flags(OF | AF);
}

static void test_sub_word_below_zero_borrows(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x0001;
	mmio.read_value = 0;
	assert_int_equal(EMU64(0x66, 0x29, 0x02), 0); /* sub %ax,(%rdx) */
	assert_rmw(2, 0xffff);
	assert_flags(CF | SF | AF | PF);
}

static void test_cmp_sets_flags_and_does_not_write(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 5;
	mmio.read_value = 5;
	assert_int_equal(EMU64(0x39, 0x02), 0); /* cmp %eax,(%rdx) */
	assert_read(4);
	assert_flags(ZF | PF);
	assert_gprs_unchanged_except(NO_REG);
	assert_done(2, 4, 0, "cmp");
}

static void test_cmp_subtracts_in_operand_order(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 5;
	mmio.read_value = 3;
	assert_int_equal(EMU64(0x39, 0x02), 0); /* cmp %eax,(%rdx): 3 - 5 */
	assert_flags(CF | SF | AF);
	setup(NULL);
	regs.gpr[INSN_RAX] = 5;
	mmio.read_value = 3;
	assert_int_equal(EMU64(0x3b, 0x02), 0); /* cmp (%rdx),%eax: 5 - 3 */
	assert_read(4);
	assert_flags(0);
	assert_int_equal(regs.gpr[INSN_RAX], 5);
}

static void test_adc_adds_the_carry_in(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0;
	regs.rflags = 0x2 | CF;
	mmio.read_value = 0xffffffff;
	assert_int_equal(EMU64(0x11, 0x02), 0); /* adc %eax,(%rdx) */
	assert_rmw(4, 0);
	assert_flags(CF | ZF | AF | PF);
}

static void test_sbb_subtracts_the_borrow_in(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0;
	regs.rflags = 0x2 | CF;
	mmio.read_value = 0;
	assert_int_equal(EMU64(0x19, 0x02), 0); /* sbb %eax,(%rdx) */
	assert_rmw(4, 0xffffffff);
	assert_flags(CF | SF | AF | PF);
}

static void test_and_to_zero_clears_cf_of_and_sets_zf(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0xf0;
	regs.rflags = 0x2 | CF | OF | SF;
	mmio.read_value = 0x0f;
	assert_int_equal(EMU64(0x21, 0x02), 0); /* and %eax,(%rdx) */
	assert_rmw(4, 0);
	assert_flags(ZF | PF);
}

static void test_or_sets_sf_from_the_top_bit(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x80000000;
	mmio.read_value = 1;
	assert_int_equal(EMU64(0x09, 0x02), 0); /* or %eax,(%rdx) */
	assert_rmw(4, 0x80000001);
	assert_flags(SF);
}

static void test_xor_with_itself_gives_zero(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x12345678;
	mmio.read_value = 0x12345678;
	assert_int_equal(EMU64(0x31, 0x02), 0); /* xor %eax,(%rdx) */
	assert_rmw(4, 0);
	assert_flags(ZF | PF);
	assert_done(2, 4, 1, "xor");
}

static void test_alu_rows_00_to_3b_decode_all_four_forms(void **state)
{
	static const char *const names[] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"
	};

	for (unsigned int op = 0; op < 8; op++) {
		for (unsigned int form = 0; form < 4; form++) {
			uint8_t code[] = { (uint8_t)(op << 3 | form), 0x02 };
			int to_mem = !(form & 2) && op != 7;

			setup(state);
			assert_int_equal(emulate(INSN_MODE_64, code, 2), 0);
			assert_done(2, form & 1 ? 4 : 1, to_mem, names[op]);
			assert_int_equal(mmio.n, to_mem ? 2 : 1);
			assert_gprs_unchanged_except((form & 2) && op != 7 ? INSN_RAX : NO_REG);
		}
	}
}

static void test_group1_selects_the_operation_from_modrm_reg(void **state)
{
	static const char *const names[] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"
	};

	for (unsigned int op = 0; op < 8; op++) {
		setup(state);
		assert_int_equal(EMU64(0x83, (uint8_t)(op << 3 | 2), 0x01), 0);
		assert_done(3, 4, op != 7, names[op]);
		assert_int_equal(mmio.n, op != 7 ? 2 : 1);
	}
}

static void test_group1_imm8_is_sign_extended(void **state)
{
	(void)state;
	mmio.read_value = 1;
	assert_int_equal(EMU64(0x83, 0x02, 0xff), 0); /* addl $-1,(%rdx) */
	assert_rmw(4, 0);
	assert_flags(CF | ZF | AF | PF);
	setup(NULL);
	mmio.read_value = 0;
	assert_int_equal(EMU64(0x48, 0x83, 0x2a, 0xfe), 0); /* subq $-2,(%rdx) */
	assert_rmw(8, 2);
	assert_flags(CF | AF);
	assert_done(4, 8, 1, "sub");
}

static void test_group1_imm32_and_imm16_forms(void **state)
{
	(void)state;
	mmio.read_value = 0xffffffff;
	assert_int_equal(EMU64(0x81, 0x22, 0x01, 0x00, 0x00, 0x80), 0); /* andl $0x80000001 */
	assert_rmw(4, 0x80000001);
	assert_flags(SF);
	assert_done(6, 4, 1, "and");
	setup(NULL);
	mmio.read_value = 0x0001;
	assert_int_equal(EMU64(0x66, 0x81, 0x0a, 0x34, 0x12), 0); /* orw $0x1234,(%rdx) */
	assert_rmw(2, 0x1235);
	assert_flags(PF);
	assert_done(5, 2, 1, "or");
}

static void test_group1_cmp_imm8_reads_only(void **state)
{
	(void)state;
	mmio.read_value = 5;
	assert_int_equal(EMU64(0x80, 0x3a, 0x05), 0); /* cmpb $5,(%rdx) */
	assert_read(1);
	assert_flags(ZF | PF);
	assert_done(3, 1, 0, "cmp");
}

static void test_accumulator_immediate_forms_have_no_memory_operand(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x04, 0x01), -EINVAL);			/* add $1,%al */
	assert_int_equal(EMU64(0x3d, 0x01, 0x00, 0x00, 0x00), -EINVAL); /* cmp $1,%eax */
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

/* ---- TEST, XCHG ---- */

static void test_test_reg_sets_flags_without_writing(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0x80000000;
	regs.rflags = 0x2 | CF | OF;
	mmio.read_value = 0x80000001;
	assert_int_equal(EMU64(0x85, 0x02), 0); /* test %eax,(%rdx) */
	assert_read(4);
	assert_flags(SF | PF);
	assert_done(2, 4, 0, "test");
}

static void test_test_high_byte_register(void **state)
{
	(void)state;
	mmio.read_value = 0x0f;			/* AH is 0x90 */
	assert_int_equal(EMU64(0x84, 0x22), 0); /* test %ah,(%rdx) */
	assert_read(1);
	assert_flags(ZF | PF);
}

static void test_test_immediate_forms(void **state)
{
	(void)state;
	mmio.read_value = 0x80;
	assert_int_equal(EMU64(0xf6, 0x02, 0x81), 0); /* testb $0x81,(%rdx) */
	assert_read(1);
	assert_flags(SF);
	assert_done(3, 1, 0, "test");
	setup(NULL);
	mmio.read_value = 0x80000000;
	assert_int_equal(EMU64(0xf7, 0x02, 0x00, 0x00, 0x00, 0x80), 0); /* testl $0x80000000 */
	assert_read(4);
	assert_flags(SF | PF);
	assert_done(6, 4, 0, "test");
}

static void test_group3_members_other_than_test_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0xf6, 0x12), -EINVAL);	    /* notb (%rdx) */
	assert_int_equal(EMU64(0xf7, 0x1a), -EINVAL);	    /* negl (%rdx) */
	assert_int_equal(EMU64(0xf6, 0x0a, 0x01), -EINVAL); /* /1: undocumented TEST alias */
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

static void test_xchg_swaps_register_and_memory(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0xffffffff11111111ull;
	mmio.read_value = 0x22222222;
	assert_int_equal(EMU64(0x87, 0x02), 0); /* xchg %eax,(%rdx) */
	assert_rmw(4, 0x11111111);
	assert_int_equal(regs.gpr[INSN_RAX], 0x22222222ull);
	assert_int_equal(regs.rflags, before.rflags);
	assert_done(2, 4, 1, "xchg");
}

static void test_xchg_byte_with_ch(void **state)
{
	(void)state;
	mmio.read_value = 0x5a;
	assert_int_equal(EMU64(0x86, 0x2a), 0); /* xchg %ch,(%rdx) */
	assert_rmw(1, 0x91);
	assert_int_equal(regs.gpr[INSN_RCX], 0xf1e1d1c1b1a15a01ull);
	assert_gprs_unchanged_except(INSN_RCX);
}

/* ---- BT, BTS, BTR, BTC ---- */

static void test_bt_register_copies_the_bit_to_cf_only(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 3;
	regs.rflags = 0x2 | ZF | SF;
	mmio.read_value = 0x8;
	assert_int_equal(EMU64(0x0f, 0xa3, 0x02), 0); /* bt %eax,(%rdx) */
	assert_read(4);
	assert_flags(CF | ZF | SF);
	assert_done(3, 4, 0, "bt");
}

static void test_bt_offset_counts_within_the_operand(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 33;
	mmio.read_value = 0x2;
	assert_int_equal(EMU64(0x0f, 0xa3, 0x02), 0);
	assert_flags(CF);
}

static void test_bts_btr_btc_register_forms_modify_one_bit(void **state)
{
	(void)state;
	regs.gpr[INSN_RAX] = 0;
	mmio.read_value = 0;
	assert_int_equal(EMU64(0x0f, 0xab, 0x02), 0); /* bts %eax,(%rdx) */
	assert_rmw(4, 1);
	assert_flags(0);
	assert_done(3, 4, 1, "bts");
	setup(NULL);
	regs.gpr[INSN_RAX] = 31;
	mmio.read_value = 0x80000000;
	assert_int_equal(EMU64(0x0f, 0xb3, 0x02), 0); /* btr %eax,(%rdx) */
	assert_rmw(4, 0);
	assert_flags(CF);
	setup(NULL);
	regs.gpr[INSN_RAX] = 1;
	mmio.read_value = 0x3;
	assert_int_equal(EMU64(0x0f, 0xbb, 0x02), 0); /* btc %eax,(%rdx) */
	assert_rmw(4, 0x1);
	assert_flags(CF);
}

static void test_bt_immediate_forms_of_group8(void **state)
{
	(void)state;
	mmio.read_value = 0x20;
	assert_int_equal(EMU64(0x0f, 0xba, 0x22, 0x05), 0); /* btl $5,(%rdx) */
	assert_read(4);
	assert_flags(CF);
	assert_done(4, 4, 0, "bt");
	setup(NULL);
	assert_int_equal(EMU64(0x0f, 0xba, 0x2a, 0x05), 0); /* btsl $5,(%rdx) */
	assert_rmw(4, 0x20);
	setup(NULL);
	mmio.read_value = 0x8000;
	assert_int_equal(EMU64(0x66, 0x0f, 0xba, 0x32, 0x0f), 0); /* btrw $15,(%rdx) */
	assert_rmw(2, 0);
	assert_flags(CF);
	assert_done(5, 2, 1, "btr");
	setup(NULL);
	assert_int_equal(EMU64(0x48, 0x0f, 0xba, 0x3a, 0x3f), 0); /* btcq $63,(%rdx) */
	assert_rmw(8, 0x8000000000000000ull);
	assert_flags(0);
}

static void test_group8_members_below_4_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0x0f, 0xba, 0x02, 0x05), -EINVAL);
	assert_int_equal(EMU64(0x0f, 0xba, 0x1a, 0x05), -EINVAL);
	assert_nothing_changed();
}

/* ---- LOCK, REP, unsupported, truncated, callback errors ---- */

static void test_lock_is_accepted_on_read_modify_write(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0xf0, 0x01, 0x02), 0); /* lock add %eax,(%rdx) */
	assert_done(3, 4, 1, "add");
	setup(NULL);
	assert_int_equal(EMU64(0xf0, 0x87, 0x02), 0); /* lock xchg */
	setup(NULL);
	assert_int_equal(EMU64(0xf0, 0x0f, 0xba, 0x2a, 0x01), 0); /* lock btsl $1 */
	setup(NULL);
	assert_int_equal(EMU64(0xf0, 0x83, 0x32, 0x01), 0); /* lock xorl $1 */
}

static void test_lock_is_rejected_without_a_memory_write(void **state)
{
	static const uint8_t codes[][3] = {
		{ 0xf0, 0x89, 0x02 }, /* mov */
		{ 0xf0, 0x8b, 0x02 }, /* mov load */
		{ 0xf0, 0x39, 0x02 }, /* cmp */
		{ 0xf0, 0x85, 0x02 }, /* test */
		{ 0xf0, 0x03, 0x02 }, /* add to a register */
	};

	for (unsigned int i = 0; i < NELEM(codes); i++) {
		setup(state);
		assert_int_equal(emulate(INSN_MODE_64, codes[i], 3), -EINVAL);
		assert_int_equal(mmio.n, 0);
		assert_nothing_changed();
	}
	setup(state);
	assert_int_equal(EMU64(0xf0, 0x0f, 0xa3, 0x02), -EINVAL); /* lock bt */
	assert_int_equal(EMU64(0xf0, 0x80, 0x3a, 0x01), -EINVAL); /* lock cmpb $1 */
	assert_nothing_changed();
}

static void test_rep_prefixes_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(EMU64(0xf3, 0x89, 0x02), -EINVAL);
	assert_int_equal(EMU64(0xf2, 0x01, 0x02), -EINVAL);
	assert_int_equal(EMU64(0xf3, 0x0f, 0xb6, 0x02), -EINVAL);
	assert_int_equal(EMU64(0xf3, 0xa5), -EINVAL); /* rep movsl */
	assert_int_equal(mmio.n, 0);
	assert_nothing_changed();
}

static void test_unsupported_instructions_change_nothing(void **state)
{
	static const struct {
		uint8_t code[5];
		unsigned int len;
	} codes[] = {
		{ { 0xa4 }, 1 },		   /* movsb */
		{ { 0xab }, 1 },		   /* stosl */
		{ { 0x0f, 0x10, 0x02 }, 3 },	   /* movups (%rdx),%xmm0 */
		{ { 0x66, 0x0f, 0x7e, 0x02 }, 4 }, /* movd %xmm0,(%rdx) */
		{ { 0xc5, 0xf9, 0x6f, 0x02 }, 4 }, /* vmovdqa (%rdx),%xmm0 */
		{ { 0x89, 0xc2 }, 2 },		   /* mov %eax,%edx */
		{ { 0x90 }, 1 },		   /* nop */
		{ { 0x8c, 0x02 }, 2 },		   /* mov %es,(%rdx) */
		{ { 0xff, 0x02 }, 2 },		   /* incl (%rdx) */
		{ { 0x0f, 0xb1, 0x02 }, 3 },	   /* cmpxchg %eax,(%rdx) */
		{ { 0xd1, 0x22 }, 2 },		   /* shll (%rdx) */
		{ { 0x40, 0x0f, 0x0b, 0x00 }, 4 }, /* ud2 */
	};

	for (unsigned int i = 0; i < NELEM(codes); i++) {
		setup(state);
		info.len = 99;
		assert_int_equal(emulate(INSN_MODE_64, codes[i].code, codes[i].len), -EINVAL);
		assert_int_equal(mmio.n, 0);
		assert_int_equal(info.len, 99);
		assert_nothing_changed();
	}
}

static void test_truncated_code_is_efault(void **state)
{
	static const struct {
		uint8_t code[8];
		unsigned int len;
	} codes[] = {
		{ { 0 }, 0 },
		{ { 0x89 }, 1 },			 /* no ModRM */
		{ { 0x89, 0x04 }, 2 },			 /* no SIB */
		{ { 0x89, 0x82, 0x00, 0x10 }, 4 },	 /* half a disp32 */
		{ { 0xc7, 0x02, 0x78, 0x56 }, 4 },	 /* half an imm32 */
		{ { 0x0f }, 1 },			 /* no second opcode byte */
		{ { 0x66 }, 1 },			 /* prefix only */
		{ { 0x48 }, 1 },			 /* REX only */
		{ { 0xa1, 0x88, 0x77 }, 3 },		 /* short moffs */
		{ { 0x0f, 0xba, 0x22 }, 3 },		 /* no imm8 */
		{ { 0x41, 0x89, 0x04 }, 3 },		 /* no SIB after REX.B */
		{ { 0x89, 0x05, 0x00, 0x10, 0x00 }, 5 }, /* short RIP-relative disp32 */
	};

	for (unsigned int i = 0; i < NELEM(codes); i++) {
		setup(state);
		assert_int_equal(emulate(INSN_MODE_64, codes[i].code, codes[i].len), -EFAULT);
		assert_int_equal(mmio.n, 0);
		assert_nothing_changed();
	}
}

static void test_failed_read_leaves_registers_unchanged(void **state)
{
	(void)state;
	mmio.read_err = -EIO;
	mmio.read_value = 0x1234;
	assert_int_equal(EMU64(0x8b, 0x02), -EIO); /* mov (%rdx),%eax */
	assert_nothing_changed();
	assert_int_equal(EMU64(0x01, 0x02), -EIO); /* add: no write after a failed read */
	assert_int_equal(mmio.n, 2);
	assert_int_equal(mmio.log[1].is_write, 0);
	assert_nothing_changed();
}

static void test_failed_write_leaves_registers_and_flags_unchanged(void **state)
{
	(void)state;
	mmio.write_err = -EBUSY;
	mmio.read_value = 0xffffffff;
	regs.gpr[INSN_RAX] = 1;
	assert_int_equal(EMU64(0x01, 0x02), -EBUSY); /* add would set CF, ZF */
	assert_rmw(4, 0);
	assert_nothing_changed();
	assert_string_equal(info.mnemonic, "add"); /* info still tells what failed */
	setup(NULL);
	mmio.write_err = -EBUSY;
	assert_int_equal(EMU64(0x87, 0x02), -EBUSY); /* xchg */
	assert_nothing_changed();
	setup(NULL);
	mmio.write_err = -EBUSY;
	assert_int_equal(EMU64(0x89, 0x02), -EBUSY); /* mov */
	assert_nothing_changed();
}

static void test_info_may_be_null(void **state)
{
	(void)state;
	before = regs;
	assert_int_equal(
		insn_emulate_mmio(BYTES(0x89, 0x02), INSN_MODE_64, &regs, GPA, &fake_ops, NULL), 0);
	assert_int_equal(regs.rip, RIP + 2);
	assert_write(4, 0xb0a09000);
}

/* ---- insn_alu() directly: flags at every width ---- */

struct alu_case {
	enum insn_alu_op op;
	unsigned int size;
	uint64_t dst, src, flags_in, result, flags_out;
};

static const struct alu_case alu_cases[] = {
	{ INSN_ALU_ADD, 1, 0x7f, 0x01, 0, 0x80, OF | SF | AF },
	{ INSN_ALU_ADD, 1, 0x80, 0x80, 0, 0x00, CF | OF | ZF | PF },
	{ INSN_ALU_ADD, 2, 0xffff, 0x0001, 0, 0x0000, CF | ZF | AF | PF },
	{ INSN_ALU_ADD, 4, 0x0f, 0x01, 0, 0x10, AF },
	{ INSN_ALU_ADD, 8, ~0ull, 1, 0, 0, CF | ZF | AF | PF },
	{ INSN_ALU_ADD, 1, 0x1ff, 0x01, 0, 0x00, CF | ZF | AF | PF }, /* inputs truncated */
	{ INSN_ALU_ADC, 1, 0x7f, 0x00, CF, 0x80, OF | SF | AF },
	{ INSN_ALU_ADC, 2, 0xfffe, 0x0001, CF, 0x0000, CF | ZF | AF | PF },
	{ INSN_ALU_ADC, 8, 0x7fffffffffffffffull, 0, CF, 0x8000000000000000ull, OF | SF | AF | PF },
	{ INSN_ALU_SUB, 2, 0x8000, 0x0001, 0, 0x7fff, OF | AF | PF },
	{ INSN_ALU_SUB, 4, 0x7fffffff, 0xffffffff, 0, 0x80000000, CF | OF | SF | PF },
	{ INSN_ALU_SUB, 8, 0, 0x8000000000000000ull, 0, 0x8000000000000000ull, CF | OF | SF | PF },
	{ INSN_ALU_SUB, 1, 0x10, 0x01, 0, 0x0f, AF | PF },
	{ INSN_ALU_SBB, 1, 0x80, 0x00, CF, 0x7f, OF | AF },
	{ INSN_ALU_SBB, 8, 0, 0, CF, ~0ull, CF | SF | AF | PF },
	{ INSN_ALU_CMP, 1, 0x01, 0x02, 0, 0xff, CF | SF | AF | PF },
	{ INSN_ALU_CMP, 8, 0x8000000000000000ull, 1, 0, 0x7fffffffffffffffull, OF | AF | PF },
	{ INSN_ALU_AND, 2, 0x8001, 0x8000, CF | OF | AF, 0x8000, SF | PF },
	{ INSN_ALU_OR, 1, 0x00, 0x00, CF | OF, 0x00, ZF | PF },
	{ INSN_ALU_OR, 8, 1ull << 63, 0x03, 0, (1ull << 63) | 3, SF | PF },
	{ INSN_ALU_XOR, 4, 0xffffffff, 0x7ffffffe, CF | OF, 0x80000001, SF },
	{ INSN_ALU_TEST, 1, 0x81, 0x01, CF | OF, 0x01, 0 },
	{ INSN_ALU_BT, 2, 0x8000, 31, ZF, 0x8000, CF | ZF }, /* offset 31 mod 16 */
	{ INSN_ALU_BTS, 8, 0, 63, CF, 1ull << 63, 0 },
	{ INSN_ALU_BTR, 4, 0xffffffff, 0, 0, 0xfffffffe, CF },
	{ INSN_ALU_BTC, 2, 0x0000, 0x10, 0, 0x0001, 0 }, /* offset 16 mod 16 */
};

static void test_alu_results_and_flags_at_every_width(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NELEM(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		uint64_t rflags = 0x202 | c->flags_in;

		assert_int_equal(insn_alu(c->op, c->dst, c->src, c->size, &rflags), c->result);
		assert_int_equal(rflags & ~ARITH, 0x202);
		assert_int_equal(rflags & ARITH, c->flags_out);
	}
}

/* What the string port I/O exit reads: rep outsb with 67 and FS in 64-bit mode, then in 16-bit. */
static void test_prefixes_give_address_size_segment_and_length(void **state)
{
	static const uint8_t code[] = { 0x67, 0x64, 0xf3, 0x6e };
	struct insn_prefixes p;

	(void)state;
	assert_int_equal(insn_decode_prefixes(code, sizeof(code), INSN_MODE_64, &p), 0);
	assert_int_equal(p.len, 3);
	assert_int_equal(p.addr_size, 4);
	assert_int_equal(p.seg, 0x64);
	assert_int_equal(p.rep, 1);
	assert_int_equal(insn_decode_prefixes(code + 1, 3, INSN_MODE_16, &p), 0);
	assert_int_equal(p.addr_size, 2);
	assert_int_equal(insn_decode_prefixes(code, 3, INSN_MODE_32, &p), -EFAULT);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mov_store_r32_writes_low_dword_and_advances_rip),
		T(test_mov_store_r8_without_rex_reads_ah),
		T(test_mov_store_r8_with_rex_reads_spl),
		T(test_mov_store_r8_with_rex_r_reads_r15b),
		T(test_mov_load_r8_without_rex_writes_bh_only),
		T(test_mov_load_r8_with_rex_writes_dil_only),
		T(test_mov_load_r8_with_rex_r_writes_r8b),
		T(test_mov_load_r32_zeroes_upper_half),
		T(test_mov_load_r16_keeps_upper_bits),
		T(test_mov_load_rex_w_reads_8_bytes),
		T(test_mov_load_rex_r_selects_r15),
		T(test_mov_load_rex_b_only_extends_the_address_base),
		T(test_mov_load_truncates_a_wide_callback_value),
		T(test_mov_store_imm8),
		T(test_mov_store_imm32),
		T(test_mov_store_imm32_with_rex_w_sign_extends_to_8_bytes),
		T(test_mov_store_imm16_with_operand_size_prefix),
		T(test_mov_store_imm_rip_relative_counts_disp32_and_imm),
		T(test_mov_imm_with_nonzero_modrm_reg_is_invalid),
		T(test_mov_moffs_64bit_mode_uses_8_byte_address),
		T(test_mov_moffs_address_size_prefix_shortens_the_address),
		T(test_movzx_byte_to_r32_zero_extends),
		T(test_movzx_byte_to_r16_keeps_upper_bits),
		T(test_movzx_word_to_r32),
		T(test_movsx_byte_to_r64_sign_extends),
		T(test_movsx_word_to_r32_zeroes_bits_63_32),
		T(test_movsxd_with_rex_w_sign_extends_dword),
		T(test_opcode_63_without_rex_w_or_outside_64bit_mode_is_invalid),
		T(test_mode16_defaults_to_16bit_operands_and_66_selects_32),
		T(test_mode32_defaults_to_32bit_operands_and_66_selects_16),
		T(test_mode32_bytes_40_to_4f_are_not_rex),
		T(test_opcode_82_is_group1_outside_64bit_mode_only),
		T(test_modrm_sib_disp_and_prefixes_give_the_length),
		T(test_rip_stays_within_32_bits_outside_64bit_mode),
		T(test_fifteen_bytes_is_the_limit),
		T(test_add_to_memory_reads_then_writes_same_size),
		T(test_add_to_register_reads_once_and_zero_extends),
		T(test_add_byte_wrapping_to_zero_sets_cf_zf_af_pf),
		T(test_add_signed_overflow_sets_of_and_sf_not_cf),
		T(test_add_64bit_carry_and_overflow_at_once),
		T(test_sub_byte_signed_overflow_from_0x80),
		T(test_sub_word_below_zero_borrows),
		T(test_cmp_sets_flags_and_does_not_write),
		T(test_cmp_subtracts_in_operand_order),
		T(test_adc_adds_the_carry_in),
		T(test_sbb_subtracts_the_borrow_in),
		T(test_and_to_zero_clears_cf_of_and_sets_zf),
		T(test_or_sets_sf_from_the_top_bit),
		T(test_xor_with_itself_gives_zero),
		T(test_alu_rows_00_to_3b_decode_all_four_forms),
		T(test_group1_selects_the_operation_from_modrm_reg),
		T(test_group1_imm8_is_sign_extended),
		T(test_group1_imm32_and_imm16_forms),
		T(test_group1_cmp_imm8_reads_only),
		T(test_accumulator_immediate_forms_have_no_memory_operand),
		T(test_test_reg_sets_flags_without_writing),
		T(test_test_high_byte_register),
		T(test_test_immediate_forms),
		T(test_group3_members_other_than_test_are_invalid),
		T(test_xchg_swaps_register_and_memory),
		T(test_xchg_byte_with_ch),
		T(test_bt_register_copies_the_bit_to_cf_only),
		T(test_bt_offset_counts_within_the_operand),
		T(test_bts_btr_btc_register_forms_modify_one_bit),
		T(test_bt_immediate_forms_of_group8),
		T(test_group8_members_below_4_are_invalid),
		T(test_lock_is_accepted_on_read_modify_write),
		T(test_lock_is_rejected_without_a_memory_write),
		T(test_rep_prefixes_are_rejected),
		T(test_unsupported_instructions_change_nothing),
		T(test_truncated_code_is_efault),
		T(test_failed_read_leaves_registers_unchanged),
		T(test_failed_write_leaves_registers_and_flags_unchanged),
		T(test_info_may_be_null),
		T(test_alu_results_and_flags_at_every_width),
		T(test_prefixes_give_address_size_segment_and_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
