/*
 * tests/unit/test_mb2.c: kernel/mb2.c on the Multiboot2 blocks GRUB gave
 * bivisor under QEMU (the dumps in tests/data), then on hand-made malformed blocks
 * (Multiboot2 spec 1.0, 3.6: tag sizes, string tags, modules, memory map).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/mb2.h"
#include "tests/unit/dump.h"
#include "lib/sizes.h"

static int parse_dump(const char *path, struct boot_info *bi, struct dump *d)
{
	struct dump_blob *mb2;

	assert_int_equal(dump_load(path, d), 0);
	mb2 = dump_find(d, "MB2");
	assert_non_null(mb2);
	return mb2_parse(MB2_BOOT_MAGIC, mb2->data, mb2->phys, bi);
}

static void check_grub_block(const char *path, uint64_t ram)
{
	struct boot_info bi;
	struct dump d;
	uint64_t usable = 0;

	assert_int_equal(parse_dump(path, &bi, &d), 0);
	assert_memory_equal(bi.loader, "GRUB", 4);
	assert_string_equal(bi.cmdline, "acpi=dump mb2dump loglevel=debug");
	assert_int_equal(bi.nmods, 0);
	assert_int_equal(bi.info_start, dump_find(&d, "MB2")->phys);
	assert_int_equal(bi.info_end - bi.info_start, dump_find(&d, "MB2")->len);
	assert_true(bi.nmem >= 5);
	for (unsigned int i = 0; i < bi.nmem; i++) {
		assert_in_range(bi.mem[i].type, MEM_USABLE, MEM_BAD);
		if (bi.mem[i].type != MEM_USABLE)
			continue;
		usable += bi.mem[i].len;
		assert_true(bi.mem[i].base + bi.mem[i].len <= ram);
	}
	/* -m size less the hole at 640K-1M and the BIOS's top 128K */
	assert_in_range(usable, ram - MIB, ram);
	dump_free(&d);
}

static void grub_block_of_qemu_pc_is_parsed(void **state)
{
	(void)state;
	check_grub_block("tests/data/qemu-pc-smp4.dump", 512 * MIB);
}

static void grub_block_of_qemu_q35_is_parsed(void **state)
{
	(void)state;
	check_grub_block("tests/data/qemu-q35-smp2.dump", 256 * MIB);
}

static void grub_rsdp_tag_points_at_the_rsdp(void **state)
{
	static const char *const paths[] = { "tests/data/qemu-pc-smp4.dump",
					     "tests/data/qemu-q35-smp2.dump" };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct boot_info bi;
		struct dump d;
		struct dump_blob *mb2, *rsdp;

		assert_int_equal(parse_dump(paths[i], &bi, &d), 0);
		mb2 = dump_find(&d, "MB2");
		rsdp = dump_find(&d, "RSDP");
		assert_non_null(bi.rsdp);
		assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
		/* the kernel's RSDP dump came from this very tag */
		assert_ptr_equal(bi.rsdp, mb2->data + (rsdp->phys - mb2->phys));
		assert_memory_equal(bi.rsdp, rsdp->data, rsdp->len);
		dump_free(&d);
	}
}

/* Hand-made blocks: tags appended to an 8-byte header, each padded to 8. */
struct block {
	uint8_t b[4096];
	uint32_t len;
};

static void block_init(struct block *blk)
{
	memset(blk, 0, sizeof(*blk));
	blk->len = 8;
}

static void *block_tag(struct block *blk, uint32_t type, uint32_t size)
{
	uint8_t *t = blk->b + blk->len;

	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	blk->len += (size + 7) & ~7u;
	return t + 8;
}

static void block_string(struct block *blk, uint32_t type, const char *s)
{
	memcpy(block_tag(blk, type, 8 + (uint32_t)strlen(s) + 1), s, strlen(s) + 1);
}

static void block_module(struct block *blk, uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t *t = block_tag(blk, 3, 16 + (uint32_t)strlen(cmd) + 1);

	memcpy(t, &start, 4);
	memcpy(t + 4, &end, 4);
	memcpy(t + 8, cmd, strlen(cmd) + 1);
}

static void block_end(struct block *blk)
{
	block_tag(blk, 0, 8);
	memcpy(blk->b, &blk->len, 4);
}

/*
 * Parses a copy of exactly blk->len bytes, so that ASan sees any read past
 * it; the copy lives until the next call, as bi points into it.
 */
static int parse_block(const struct block *blk, struct boot_info *bi)
{
	static void *alloc;
	uint8_t *copy;

	free(alloc);
	copy = dump_alloc_like(0, blk->len, &alloc);
	memcpy(copy, blk->b, blk->len);
	return mb2_parse(MB2_BOOT_MAGIC, copy, 0x10000, bi);
}

static void minimal_block_parses_to_defaults(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_string_equal(bi.loader, "unknown");
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmem, 0);
	assert_null(bi.rsdp);
	assert_int_equal(bi.info_end, 0x10000 + 16);
}

static void wrong_magic_null_or_misaligned_block_is_rejected(void **state)
{
	/* total_size 16, then the end tag (type 0, size 8) */
	static const uint32_t words[4] __attribute__((aligned(8))) = { 16, 0, 0, 8 };
	struct boot_info bi;

	(void)state;
	assert_int_equal(mb2_parse(MB2_BOOT_MAGIC, words, 0, &bi), 0);
	assert_int_equal(mb2_parse(0x2badb002, words, 0, &bi), -EINVAL); /* Multiboot 1 */
	assert_int_equal(mb2_parse(MB2_BOOT_MAGIC, NULL, 0, &bi), -EINVAL);
	assert_int_equal(mb2_parse(MB2_BOOT_MAGIC, &words[1], 0, &bi), -EINVAL);
}

static void total_size_too_small_is_rejected(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_end(&blk);
	for (uint32_t total = 0; total < 16; total++) {
		memcpy(blk.b, &total, 4);
		assert_int_equal(parse_block(&blk, &bi), -EINVAL);
	}
}

static void tag_running_past_total_size_is_rejected(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_string(&blk, 1, "loglevel=debug");
	block_end(&blk);
	blk.b[12] = 200; /* the cmdline tag's size, now past the block */
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
	blk.b[12] = 4; /* smaller than a tag header */
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
}

static void string_tag_without_nul_is_rejected(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	memcpy(block_tag(&blk, 2, 16), "GRUBGRUB", 8);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
	block_init(&blk);
	memcpy(block_tag(&blk, 1, 12), "a=bc", 4); /* NUL in the padding only */
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
}

static void block_without_end_tag_is_rejected(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_string(&blk, 2, "GRUB 2.06");
	memcpy(blk.b, &blk.len, 4);
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
}

static void modules_are_parsed_with_their_cmdlines(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_module(&blk, 0x200000, 0x2101a3, "guest-hello");
	block_module(&blk, 0x211000, 0x211000, "");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_int_equal(bi.nmods, 2);
	assert_int_equal(bi.mods[0].start, 0x200000);
	assert_int_equal(bi.mods[0].end, 0x2101a3);
	assert_string_equal(bi.mods[0].cmdline, "guest-hello");
	assert_int_equal(bi.mods[1].end - bi.mods[1].start, 0);
	assert_string_equal(bi.mods[1].cmdline, "");
}

static void module_ending_before_it_starts_is_rejected(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_module(&blk, 0x300000, 0x2fffff, "backwards");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
}

static void modules_beyond_the_limit_are_counted_as_dropped(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	for (uint32_t i = 0; i < BOOT_MAX_MODS + 3; i++)
		block_module(&blk, 0x400000 + i * 0x1000, 0x400800 + i * 0x1000, "m");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_int_equal(bi.nmods, BOOT_MAX_MODS);
	assert_int_equal(bi.mods_dropped, 3);
	assert_int_equal(bi.mods[BOOT_MAX_MODS - 1].start, 0x400000 + (BOOT_MAX_MODS - 1) * 0x1000);
}

static void memory_map_entries_are_checked_and_bounded(void **state)
{
	struct boot_info bi;
	struct block blk;
	uint32_t *mm;

	(void)state;
	block_init(&blk); /* 140 entries of 24 bytes, the last of an unknown type */
	mm = block_tag(&blk, 6, 16 + 140 * 24);
	mm[0] = 24;
	for (uint32_t i = 0; i < 140; i++) {
		memcpy(&mm[2 + i * 6], &(uint64_t){ (uint64_t)i << 20 }, 8);
		memcpy(&mm[4 + i * 6], &(uint64_t){ 1 << 20 }, 8);
		mm[6 + i * 6] = i == 1 ? 77 : MEM_USABLE;
	}
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_int_equal(bi.nmem, BOOT_MAX_MEM);
	assert_int_equal(bi.mem[1].type, MEM_RESERVED);
	assert_int_equal(bi.mem[127].base, 127 << 20);
	mm[0] = 20; /* entries smaller than the spec's 24 bytes */
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
}

static void acpi_new_rsdp_is_preferred_over_the_old(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	memcpy(block_tag(&blk, 14, 8 + 20), "old1", 4);
	memcpy(block_tag(&blk, 15, 8 + 36), "new2", 4);
	memcpy(block_tag(&blk, 14, 8 + 20), "old3", 4);
	block_tag(&blk, 21, 12); /* unknown to the parser: skipped */
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_memory_equal(bi.rsdp, "new2", 4);
	block_init(&blk);
	memcpy(block_tag(&blk, 14, 8 + 20), "old1", 4);
	memcpy(block_tag(&blk, 15, 8 + 35), "shrt", 4); /* too short for an ACPI 2 RSDP */
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_memory_equal(bi.rsdp, "old1", 4);
}

/* An entry size near 4 GiB made off + entry_size wrap (found by fuzz-mb2). */
static void huge_memory_map_entry_size_reads_no_entry(void **state)
{
	struct boot_info bi;
	struct block blk;
	uint32_t *mm;

	(void)state;
	block_init(&blk);
	mm = block_tag(&blk, 6, 16);
	mm[0] = 0xfffffff8u;
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &bi), 0);
	assert_int_equal(bi.nmem, 0);
}

/* Placed last: ASan stops the run if the parser reads past the block. */
static void short_memory_map_tag_is_rejected_without_reading_past_it(void **state)
{
	struct boot_info bi;
	struct block blk;

	(void)state;
	block_init(&blk);
	block_tag(&blk, 6, 8); /* the last tag, no entry_size field, no end tag */
	memcpy(blk.b, &blk.len, 4);
	assert_int_equal(parse_block(&blk, &bi), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grub_block_of_qemu_pc_is_parsed),
		cmocka_unit_test(grub_block_of_qemu_q35_is_parsed),
		cmocka_unit_test(grub_rsdp_tag_points_at_the_rsdp),
		cmocka_unit_test(minimal_block_parses_to_defaults),
		cmocka_unit_test(wrong_magic_null_or_misaligned_block_is_rejected),
		cmocka_unit_test(total_size_too_small_is_rejected),
		cmocka_unit_test(tag_running_past_total_size_is_rejected),
		cmocka_unit_test(string_tag_without_nul_is_rejected),
		cmocka_unit_test(block_without_end_tag_is_rejected),
		cmocka_unit_test(modules_are_parsed_with_their_cmdlines),
		cmocka_unit_test(module_ending_before_it_starts_is_rejected),
		cmocka_unit_test(modules_beyond_the_limit_are_counted_as_dropped),
		cmocka_unit_test(memory_map_entries_are_checked_and_bounded),
		cmocka_unit_test(acpi_new_rsdp_is_preferred_over_the_old),
		cmocka_unit_test(huge_memory_map_entry_size_reads_no_entry),
		cmocka_unit_test(short_memory_map_tag_is_rejected_without_reading_past_it),
	};

	return cmocka_run_group_tests_name("test_mb2", tests, NULL, NULL);
}
