/*
 * tests/unit/test_fw_cfg.c: drivers/fw_cfg.c, QEMU's fw_cfg at ports
 * 0x510/0x511 and its DMA interface at 0x514, read the way a test kernel
 * and Linux's qemu_fw_cfg driver read it: selector, then data bytes; the
 * file directory; DMA descriptors in guest memory (big-endian).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/fw_cfg.h"

#define RAM_SIZE (16u << 20)
#define MEM_LEN 0x10000u /* the part of guest RAM the rig backs */

static uint8_t mem[MEM_LEN];
static struct fw_cfg fc;

static int rig_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa > MEM_LEN || len > MEM_LEN - gpa)
		return -EFAULT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static int rig_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (gpa > MEM_LEN || len > MEM_LEN - gpa)
		return -EFAULT;
	memcpy(mem + gpa, buf, len);
	return 0;
}

static const struct dm_env env = { .mem_read = rig_read,
				   .mem_write = rig_write,
				   .ram_size = RAM_SIZE };
static const struct fw_cfg_mem map[3] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x60400, 2 },
	{ 0x100000, RAM_SIZE - 0x100000, 1 },
};

static int rig_setup(void **state)
{
	(void)state;
	memset(mem, 0xaa, sizeof(mem));
	return fw_cfg_init(&fc, &env, &(struct fw_cfg_machine){ 2, 4, map, 3 });
}

static void sel(uint16_t key)
{
	assert_int_equal(fw_cfg_io_write(&fc, 0, 2, key), 0);
}

static uint8_t data(void)
{
	uint64_t v = 0;

	assert_int_equal(fw_cfg_io_read(&fc, 1, 1, &v), 0);
	return (uint8_t)v;
}

static uint64_t data_le(unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)data() << (8 * i);
	return v;
}

static uint64_t data_be(unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | data();
	return v;
}

static void signature_and_id(void **state)
{
	(void)state;
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q');
	assert_int_equal(data(), 'E');
	assert_int_equal(data(), 'M');
	assert_int_equal(data(), 'U');
	assert_int_equal(data(), 0); /* past the end */
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q'); /* a selector write starts at byte 0 */
	sel(FW_CFG_ID);
	assert_int_equal(data_le(4), FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
}

static void ram_size_and_cpus_from_the_machine(void **state)
{
	(void)state;
	sel(FW_CFG_RAM_SIZE);
	assert_int_equal(data_le(8), RAM_SIZE);
	sel(FW_CFG_NB_CPUS);
	assert_int_equal(data_le(2), 2);
	sel(FW_CFG_MAX_CPUS);
	assert_int_equal(data_le(2), 4);
}

/* Finds a file as a guest does; returns its key (0: none) and *size. */
static uint16_t find_file(const char *want, uint32_t *size)
{
	uint32_t n;

	sel(FW_CFG_FILE_DIR);
	n = (uint32_t)data_be(4);
	for (uint32_t i = 0; i < n; i++) {
		char name[FW_CFG_NAME_LEN];
		uint32_t sz = (uint32_t)data_be(4);
		uint16_t key = (uint16_t)data_be(2);

		data_be(2);
		for (unsigned int j = 0; j < sizeof(name); j++)
			name[j] = (char)data();
		if (!strcmp(name, want)) {
			*size = sz;
			return key;
		}
	}
	return 0;
}

static void directory_lists_e820_and_boot_cpus(void **state)
{
	uint32_t size = 0;

	(void)state;
	sel(FW_CFG_FILE_DIR);
	assert_int_equal(data_be(4), 2);
	assert_int_equal(find_file("etc/e820", &size), FW_CFG_FILE_FIRST);
	assert_int_equal(size, 3 * FW_CFG_E820_ENTRY);
	assert_int_equal(find_file("etc/boot-cpus", &size), FW_CFG_FILE_FIRST + 1);
	assert_int_equal(size, 2);
	sel(FW_CFG_FILE_FIRST + 1);
	assert_int_equal(data_le(2), 2);
	assert_int_equal(find_file("etc/acpi/tables", &size), 0);
}

static void e820_is_the_guest_memory_map(void **state)
{
	(void)state;
	sel(FW_CFG_FILE_FIRST);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(data_le(8), map[i].base);
		assert_int_equal(data_le(8), map[i].len);
		assert_int_equal(data_le(4), map[i].type);
	}
	assert_int_equal(data(), 0);
}

static void unknown_keys_read_zero_and_bad_widths_are_refused(void **state)
{
	uint64_t v;

	(void)state;
	sel(0x02); /* UUID: not given */
	assert_int_equal(data_le(8), 0);
	sel(0x7fff);
	assert_int_equal(data(), 0);
	assert_int_equal(fw_cfg_io_read(&fc, 0, 2, &v), -EINVAL);
	assert_int_equal(fw_cfg_io_read(&fc, 1, 2, &v), -EINVAL);
	assert_int_equal(fw_cfg_io_write(&fc, 0, 1, 0), -EINVAL);
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(fw_cfg_io_write(&fc, 1, 1, 'X'), 0); /* ignored */
	assert_int_equal(data(), 'Q');
}

static void add_file_refuses_bad_names_and_too_many(void **state)
{
	char longname[FW_CFG_NAME_LEN + 1];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[FW_CFG_NAME_LEN] = '\0';
	assert_int_equal(fw_cfg_add_file(&fc, "", "x", 1), -EINVAL);
	assert_int_equal(fw_cfg_add_file(&fc, longname, "x", 1), -EINVAL);
	assert_int_equal(fw_cfg_add_file(&fc, "opt/a", "x", 1), 0);
	assert_int_equal(fw_cfg_add_file(&fc, "opt/b", "y", 1), 0);
	assert_int_equal(fw_cfg_add_file(&fc, "opt/c", "z", 1), -E2BIG);
	sel(FW_CFG_FILE_DIR);
	assert_int_equal(data_be(4), 4);
}

static void too_big_a_memory_map_is_refused(void **state)
{
	struct fw_cfg_mem big[FW_CFG_E820_MAX + 1] = { { 0 } };
	struct fw_cfg f;

	(void)state;
	assert_int_equal(fw_cfg_init(&f, &env, &(struct fw_cfg_machine){ 1, 1, big, 13 }), -E2BIG);
}

/* A DMA descriptor at gpa: control, length, address, big-endian. */
static void put_desc(uint32_t gpa, uint32_t control, uint32_t len, uint64_t addr)
{
	for (int i = 0; i < 4; i++) {
		mem[gpa + i] = (uint8_t)(control >> (24 - 8 * i));
		mem[gpa + 4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		mem[gpa + 8 + i] = (uint8_t)(addr >> (56 - 8 * i));
}

static uint32_t control_at(uint32_t gpa)
{
	return (uint32_t)mem[gpa] << 24 | mem[gpa + 1] << 16 | mem[gpa + 2] << 8 | mem[gpa + 3];
}

/* The guest writes the address big-endian: outl(0x518, bswap32(low)). */
static void dma_go(uint32_t gpa)
{
	assert_int_equal(fw_cfg_dma_write(&fc, 0, 4, 0), 0);
	assert_int_equal(fw_cfg_dma_write(&fc, 4, 4, __builtin_bswap32(gpa)), 0);
}

static void dma_register_reads_its_signature(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(fw_cfg_dma_read(&fc, 0, 4, &v), 0);
	assert_memory_equal(&v, "QEMU", 4);
	assert_int_equal(fw_cfg_dma_read(&fc, 4, 4, &v), 0);
	assert_memory_equal(&v, " CFG", 4);
	assert_int_equal(fw_cfg_dma_write(&fc, 2, 2, 0), -EINVAL);
}

static void dma_select_and_read(void **state)
{
	(void)state;
	put_desc(0x1000, FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 24, 0x2000);
	dma_go(0x1000);
	assert_int_equal(control_at(0x1000), 0);
	assert_int_equal(mem[0x2000 + 21], 0xfc); /* entry 1: base 0x9fc00 */
	assert_int_equal(mem[0x2000 + 22], 0x09);
	assert_int_equal(mem[0x2000 + 24], 0xaa); /* 24 bytes, no more */
	/* the next read goes on where that one ended; past the end it gives 0 */
	put_desc(0x1000, FW_CFG_DMA_SKIP, 20, 0);
	dma_go(0x1000);
	put_desc(0x1000, FW_CFG_DMA_READ, 32, 0x3000);
	dma_go(0x1000);
	assert_int_equal(mem[0x3000], 0x00);   /* from byte 44: entry 2's base, high half */
	assert_int_equal(mem[0x3000 + 12], 1); /* entry 2's type */
	assert_int_equal(mem[0x3000 + 16], 0);
	assert_int_equal(mem[0x3000 + 31], 0);
}

/* Port and DMA reads share the position; past the end it moves on (0s) and stops at
 * UINT32_MAX instead of wrapping back to the item's first byte. */
static void reads_past_the_end_move_on_and_stop_at_the_top(void **state)
{
	(void)state;
	put_desc(0x1000, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 2, 0x2000);
	dma_go(0x1000);
	assert_memory_equal(mem + 0x2000, "QE", 2);
	assert_int_equal(data(), 'M');
	put_desc(0x1000, FW_CFG_DMA_READ, 10, 0x3000); /* "U", then 9 bytes past the end */
	dma_go(0x1000);
	assert_int_equal(mem[0x3000], 'U');
	assert_int_equal(mem[0x3000 + 9], 0);
	assert_int_equal(mem[0x3000 + 10], 0xaa);
	put_desc(0x1000, FW_CFG_DMA_SKIP, 0xfffffff3, 0); /* 13 + this would wrap to 0 */
	dma_go(0x1000);
	assert_int_equal(control_at(0x1000), 0);
	assert_int_equal(data(), 0);
	assert_int_equal(data(), 0);
}

static void dma_64bit_write_and_errors(void **state)
{
	(void)state;
	put_desc(0x1000, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 4, 0x2000);
	assert_int_equal(fw_cfg_dma_write(&fc, 0, 8, __builtin_bswap64(0x1000)), 0);
	assert_memory_equal(mem + 0x2000, "QEMU", 4);
	put_desc(0x1000, FW_CFG_DMA_WRITE, 4, 0x2000); /* nothing is writable */
	dma_go(0x1000);
	assert_int_equal(control_at(0x1000), FW_CFG_DMA_ERROR);
	put_desc(0x1000, FW_CFG_DMA_READ, 4, RAM_SIZE); /* a buffer outside RAM */
	dma_go(0x1000);
	assert_int_equal(control_at(0x1000), FW_CFG_DMA_ERROR);
	dma_go(MEM_LEN - 8); /* a descriptor cut off by the end of RAM: left alone */
	assert_int_equal(mem[MEM_LEN - 8], 0xaa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(signature_and_id, rig_setup),
		cmocka_unit_test_setup(ram_size_and_cpus_from_the_machine, rig_setup),
		cmocka_unit_test_setup(directory_lists_e820_and_boot_cpus, rig_setup),
		cmocka_unit_test_setup(e820_is_the_guest_memory_map, rig_setup),
		cmocka_unit_test_setup(unknown_keys_read_zero_and_bad_widths_are_refused,
				       rig_setup),
		cmocka_unit_test_setup(add_file_refuses_bad_names_and_too_many, rig_setup),
		cmocka_unit_test_setup(too_big_a_memory_map_is_refused, rig_setup),
		cmocka_unit_test_setup(dma_register_reads_its_signature, rig_setup),
		cmocka_unit_test_setup(dma_select_and_read, rig_setup),
		cmocka_unit_test_setup(reads_past_the_end_move_on_and_stop_at_the_top, rig_setup),
		cmocka_unit_test_setup(dma_64bit_write_and_errors, rig_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
