/*
 * tests/unit/test_insn_saved.c: the choice between the instruction bytes an
 * AMD CPU with decode assists saves in the VMCB at a nested page fault (AMD
 * APM vol. 2 15.33.4, appendix B offsets 0x0d0-0x0df; svm/vmcb.h:vmcb_saved_insn)
 * and a read of guest memory (kernel/insn.c:insn_saved_whole). The VMCB is
 * filled here as such a CPU leaves it: up to 15 bytes from RIP, fewer where
 * the next page could not be read, none at all. No emulator on these machines
 * offers decode assists, so this is where the "with" setting is tested.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/insn.h"
#include "svm/vmcb.h"

#define CODE_BASE 0x1000ull /* two pages of guest code, 0x1000-0x2fff */
#define PAGE_END 0x2000ull
#define GPA 0xfee00300ull

static uint8_t guest_code[8192];
static struct vmcb vmcb;
static unsigned int fetches; /* reads of guest memory: the fallback */
static uint64_t written, written_size;

/* The CPU at a nested page fault: saves up to 15 bytes at rip, stopping at the
 * page boundary when the next page cannot be read (APM 15.33.4). */
static void cpu_saves(uint64_t rip, int next_page_readable)
{
	unsigned int n = INSN_MAX_LEN;

	if (!next_page_readable && rip + n > PAGE_END)
		n = (unsigned int)(PAGE_END - rip);
	memset(&vmcb.ctl, 0, sizeof(vmcb.ctl));
	vmcb.ctl.insn_len = (uint8_t)n;
	memcpy(vmcb.ctl.insn_bytes, &guest_code[rip - CODE_BASE], n);
}

static void place(uint64_t rip, const uint8_t *insn, unsigned int len)
{
	memset(guest_code, 0x90, sizeof(guest_code));
	memcpy(&guest_code[rip - CODE_BASE], insn, len);
}

/* What kernel/exit.c:mmio_insn_bytes does, with guest memory read here. */
static unsigned int pick_bytes(uint64_t rip, enum insn_mode mode, uint8_t *code)
{
	uint8_t saved[INSN_MAX_LEN];
	unsigned int n = vmcb_saved_insn(&vmcb.ctl, saved);

	if (insn_saved_whole(saved, n, mode)) {
		memcpy(code, saved, n);
		return n;
	}
	fetches++;
	memcpy(code, &guest_code[rip - CODE_BASE], INSN_MAX_LEN);
	return INSN_MAX_LEN;
}

static int dev_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value)
{
	(void)ctx, (void)gpa, (void)size;
	*value = 0;
	return 0;
}

static int dev_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
	(void)ctx;
	assert_int_equal(gpa, GPA);
	written = value, written_size = size;
	return 0;
}

/* Picks the bytes and emulates them; returns the RIP after the instruction. */
static uint64_t run_mmio(uint64_t rip, enum insn_mode mode)
{
	const struct insn_mmio_ops ops = { NULL, dev_read, dev_write };
	struct insn_regs regs = { .rip = rip };
	uint8_t code[INSN_MAX_LEN];
	unsigned int n = pick_bytes(rip, mode, code);

	regs.gpr[INSN_RAX] = 0x1122334455667788ull;
	assert_int_equal(insn_emulate_mmio(code, n, mode, &regs, GPA, &ops, NULL), 0);
	return regs.rip;
}

static int setup(void **state)
{
	(void)state;
	fetches = 0;
	written = written_size = 0;
	return 0;
}

/* mov %eax,(%rbx): all 15 bytes saved, memory never read. */
static void whole_instruction_saved_is_used(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x03 };

	(void)state;
	place(0x1100, mov, sizeof(mov));
	cpu_saves(0x1100, 1);
	assert_int_equal(run_mmio(0x1100, INSN_MODE_64), 0x1102);
	assert_int_equal(fetches, 0);
	assert_int_equal(written, 0x55667788);
}

/* The saved bytes are what the CPU ran: a later change to the code in memory
 * (another vCPU rewriting it) does not change what is emulated. */
static void saved_bytes_win_over_changed_memory(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x03 }, movb[] = { 0x88, 0x03 };

	(void)state;
	place(0x1100, mov, sizeof(mov));
	cpu_saves(0x1100, 1);
	place(0x1100, movb, sizeof(movb));
	run_mmio(0x1100, INSN_MODE_64);
	assert_int_equal(fetches, 0);
	assert_int_equal(written_size, 4);
}

/* Bytes fetched: 0 (the fetch itself faulted, or AMD erratum 1096): memory is read. */
static void none_saved_reads_memory(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x03 };

	(void)state;
	place(0x1100, mov, sizeof(mov));
	cpu_saves(0x1100, 1);
	vmcb.ctl.insn_len = 0;
	assert_int_equal(run_mmio(0x1100, INSN_MODE_64), 0x1102);
	assert_int_equal(fetches, 1);
	assert_int_equal(insn_saved_whole(vmcb.ctl.insn_bytes, 0, INSN_MODE_64), 0);
}

/* 66 2e 67 89 03, mov %ax,%cs:(%ebx): 5 bytes; 4 saved stop before ModRM. */
static void prefixes_count_toward_the_length(void **state)
{
	static const uint8_t mov[] = { 0x66, 0x2e, 0x67, 0x89, 0x03 };

	(void)state;
	assert_int_equal(insn_saved_whole(mov, 3, INSN_MODE_64), 0);
	assert_int_equal(insn_saved_whole(mov, 4, INSN_MODE_64), 0);
	assert_int_equal(insn_saved_whole(mov, 5, INSN_MODE_64), 1);
	place(0x1100, mov, sizeof(mov));
	cpu_saves(0x1100, 1);
	assert_int_equal(run_mmio(0x1100, INSN_MODE_64), 0x1105);
	assert_int_equal(fetches, 0);
	assert_int_equal(written_size, 2);
	assert_int_equal(written, 0x7788);
}

/* movq $0x12345678,0x10(%rbx) (48 c7 83 disp32 imm32, 11 bytes) 6 bytes before a page
 * the CPU could not read: 6 saved, so memory is read and the whole immediate found. */
static void page_crossing_short_save_reads_memory(void **state)
{
	static const uint8_t movq[] = { 0x48, 0xc7, 0x83, 0x10, 0, 0, 0, 0x78, 0x56, 0x34, 0x12 };
	uint64_t rip = PAGE_END - 6;

	(void)state;
	place(rip, movq, sizeof(movq));
	cpu_saves(rip, 0);
	assert_int_equal(vmcb.ctl.insn_len, 6);
	assert_int_equal(run_mmio(rip, INSN_MODE_64), rip + 11);
	assert_int_equal(fetches, 1);
	assert_int_equal(written_size, 8);
	assert_int_equal(written, 0x12345678);
}

/* The same instruction where the CPU could read both pages: all of it saved. */
static void page_crossing_full_save_is_used(void **state)
{
	static const uint8_t movq[] = { 0x48, 0xc7, 0x83, 0x10, 0, 0, 0, 0x78, 0x56, 0x34, 0x12 };
	uint64_t rip = PAGE_END - 6;

	(void)state;
	place(rip, movq, sizeof(movq));
	cpu_saves(rip, 1);
	assert_int_equal(run_mmio(rip, INSN_MODE_64), rip + 11);
	assert_int_equal(fetches, 0);
	assert_int_equal(written, 0x12345678);
}

/* A 2-byte instruction ending at the page boundary: 2 saved bytes are enough. */
static void short_save_holding_the_instruction_is_used(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x03 };
	uint64_t rip = PAGE_END - 2;

	(void)state;
	place(rip, mov, sizeof(mov));
	cpu_saves(rip, 0);
	assert_int_equal(vmcb.ctl.insn_len, 2);
	assert_int_equal(run_mmio(rip, INSN_MODE_64), PAGE_END);
	assert_int_equal(fetches, 0);
}

/* mov %eax,moffs (a3): a 4-byte offset in 32-bit mode, 8 in 64-bit mode. */
static void the_mode_sets_the_length(void **state)
{
	static const uint8_t mov[] = { 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(insn_saved_whole(mov, 5, INSN_MODE_32), 1);
	assert_int_equal(insn_saved_whole(mov, 5, INSN_MODE_64), 0);
	assert_int_equal(insn_saved_whole(mov, 9, INSN_MODE_64), 1);
	/* 16-bit mode: mov %ax,0x10(%bx) is 89 47 10 */
	assert_int_equal(insn_saved_whole((const uint8_t[]){ 0x89, 0x47, 0x10 }, 2, INSN_MODE_16),
			 0);
	assert_int_equal(insn_saved_whole((const uint8_t[]){ 0x89, 0x47, 0x10 }, 3, INSN_MODE_16),
			 1);
}

/* An instruction the emulator refuses (ud2) is refused from the saved bytes too:
 * more bytes from memory would not change that. */
static void refused_instruction_needs_no_fetch(void **state)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };

	(void)state;
	assert_int_equal(insn_saved_whole(ud2, 2, INSN_MODE_64), 1);
}

/* Only bits 3:0 of the byte at 0x0d0 count bytes (0-15); Xen masks it the same way. */
static void count_is_the_low_nibble(void **state)
{
	uint8_t out[INSN_MAX_LEN];

	(void)state;
	memset(&vmcb.ctl, 0, sizeof(vmcb.ctl));
	vmcb.ctl.insn_len = 0xf3;
	memcpy(vmcb.ctl.insn_bytes, "\x89\x03\x90", 3);
	assert_int_equal(vmcb_saved_insn(&vmcb.ctl, out), 3);
	assert_memory_equal(out, "\x89\x03\x90", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(whole_instruction_saved_is_used, setup),
		cmocka_unit_test_setup(saved_bytes_win_over_changed_memory, setup),
		cmocka_unit_test_setup(none_saved_reads_memory, setup),
		cmocka_unit_test_setup(prefixes_count_toward_the_length, setup),
		cmocka_unit_test_setup(page_crossing_short_save_reads_memory, setup),
		cmocka_unit_test_setup(page_crossing_full_save_is_used, setup),
		cmocka_unit_test_setup(short_save_holding_the_instruction_is_used, setup),
		cmocka_unit_test_setup(the_mode_sets_the_length, setup),
		cmocka_unit_test_setup(refused_instruction_needs_no_fetch, setup),
		cmocka_unit_test_setup(count_is_the_low_nibble, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
