/*
 * kernel/insn.h: decoding and emulating the one guest instruction that
 * touched an MMIO address (an NPF/EPT-violation exit). The hardware gives
 * the guest-physical address; this module finds which register or immediate
 * is read or written, how wide the access is, performs it through callbacks
 * and updates the guest's registers, RFLAGS and RIP. The prefix decoder is
 * also what the string port I/O exit reads INS/OUTS with. Pure code (host
 * unit tests with cmocka).
 */
#ifndef KERNEL_INSN_H
#define KERNEL_INSN_H

#include <stdint.h>

#define INSN_MAX_LEN 15

/* General registers in the encoding order of ModRM/REX (Intel SDM vol. 2A 2.1.5). */
enum insn_gpr {
	INSN_RAX,
	INSN_RCX,
	INSN_RDX,
	INSN_RBX,
	INSN_RSP,
	INSN_RBP,
	INSN_RSI,
	INSN_RDI,
	INSN_R8,
	INSN_R9,
	INSN_R10,
	INSN_R11,
	INSN_R12,
	INSN_R13,
	INSN_R14,
	INSN_R15,
	INSN_NR_GPRS,
};

struct insn_regs {
	uint64_t gpr[INSN_NR_GPRS];
	uint64_t rip;
	uint64_t rflags;
};

enum insn_mode {
	INSN_MODE_16 = 16, /* real mode or 16-bit protected mode: default operand size 16 */
	INSN_MODE_32 = 32,
	INSN_MODE_64 = 64,
};

/* The MMIO side of the access: gpa is the address the hardware reported. */
struct insn_mmio_ops {
	void *ctx;
	int (*read)(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value);
	int (*write)(void *ctx, uint64_t gpa, unsigned int size, uint64_t value);
};

/* The legacy prefixes and REX in front of an opcode (Intel SDM vol. 2A 2.1.1, 2.2.1). */
struct insn_prefixes {
	unsigned int len;	/* their bytes: the opcode is code[len] */
	unsigned int addr_size; /* 2, 4 or 8, from the mode and 67 (SDM vol. 1 3.6) */
	uint8_t rex;		/* the REX byte, 0 if none or a legacy prefix follows it */
	uint8_t seg;		/* the last segment override (26 2e 36 3e 64 65), 0 if none */
	uint8_t lock, rep, opsize_pfx, addrsize_pfx;
};

/* What was emulated, for logs and exit statistics. */
struct insn_info {
	unsigned int len;  /* instruction length in bytes */
	unsigned int size; /* access width: 1, 2, 4 or 8 */
	int is_write;	   /* the access wrote MMIO (a read-modify-write counts as write) */
	const char *mnemonic;
};

/* RFLAGS status flags (Intel SDM vol. 1 3.4.3.1). */
#define INSN_RFLAGS_CF (1ull << 0)
#define INSN_RFLAGS_PF (1ull << 2)
#define INSN_RFLAGS_AF (1ull << 4)
#define INSN_RFLAGS_ZF (1ull << 6)
#define INSN_RFLAGS_SF (1ull << 7)
#define INSN_RFLAGS_OF (1ull << 11)

/* The arithmetic of the emulated instructions; ADD..CMP in the order of group 1's ModRM.reg. */
enum insn_alu_op {
	INSN_ALU_ADD,
	INSN_ALU_OR,
	INSN_ALU_ADC,
	INSN_ALU_SBB,
	INSN_ALU_AND,
	INSN_ALU_SUB,
	INSN_ALU_XOR,
	INSN_ALU_CMP,
	INSN_ALU_TEST,
	INSN_ALU_BT, /* BT..BTC in the order of group 8's ModRM.reg 4-7 */
	INSN_ALU_BTS,
	INSN_ALU_BTR,
	INSN_ALU_BTC,
	INSN_NR_ALU_OPS,
};

/*
 * Computes dst op src at size bytes (1, 2, 4 or 8; inputs are truncated to
 * it) and returns the result: the difference for CMP, the AND for TEST, dst
 * for BT; the caller decides whether to store it. Sets the status flags of
 * *rflags that the operation defines (CF for BT..BTC, all six otherwise;
 * the AF that AND, OR, XOR and TEST leave undefined is cleared) and keeps the
 * others. BT..BTC take the bit offset src modulo the operand width.
 * In kernel/insn_alu.c.
 */
uint64_t insn_alu(enum insn_alu_op op, uint64_t dst, uint64_t src, unsigned int size,
		  uint64_t *rflags);

/*
 * Emulates the instruction in code[0..code_len) (fetched from the guest at
 * regs->rip; code_len may be less than INSN_MAX_LEN near the end of a page
 * mapping). On success returns 0 with regs updated (RIP advanced). Returns
 * -EINVAL for an instruction it does not support (nothing changed: the
 * caller crashes the domain or injects #UD), -EFAULT when code_len is too
 * short for the instruction, or the error of an MMIO callback (then regs
 * are unchanged too). info may be NULL; it is filled once the instruction is
 * decoded, so it also describes one whose MMIO callback failed.
 */
int insn_emulate_mmio(const uint8_t *code, unsigned int code_len, enum insn_mode mode,
		      struct insn_regs *regs, uint64_t gpa, const struct insn_mmio_ops *ops,
		      struct insn_info *info);

/*
 * Decodes the prefixes of the instruction in code[0..code_len): 0, -EFAULT
 * when code_len ends before the opcode, or -EINVAL past 15 bytes.
 */
int insn_decode_prefixes(const uint8_t *code, unsigned int code_len, enum insn_mode mode,
			 struct insn_prefixes *p);

/*
 * Whether the n bytes a CPU saved at an exit (AMD's decode assists: the VMCB's
 * guest instruction bytes, APM vol. 2 15.33.4) hold the whole instruction that
 * insn_emulate_mmio would decode: 1 if so (or if the decoder refuses it before
 * their end: more bytes would not change that), 0 if they stop short of it or
 * n is 0. Then the caller reads the instruction from guest memory instead.
 */
int insn_saved_whole(const uint8_t *saved, unsigned int n, enum insn_mode mode);

#endif
