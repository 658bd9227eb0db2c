/*
 * tests/unit/test_loader.c: the guest loaders of drivers/firmware/ on a test
 * dm_env backed by calloc'd guest RAM: bivisor's own test guest (Multiboot 1
 * a.out kludge), hand-made ELF32/ELF64 images with Multiboot 1 and 2 headers
 * (Multiboot 0.6.96 3.1-3.3, Multiboot2 1.0 3.1-3.6), plain ELF64 entered in
 * long mode, and malformed images of every kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/dm_env.h"
#include "drivers/firmware/elf.h"
#include "drivers/firmware/loader.h"
#include "tests/unit/fw_guest.h"
#include "drivers/firmware/multiboot.h"
#include "kernel/mb2.h"

#define RAM_SIZE (16 * MIB)
#define HELLO_PATH "build/guests/hello.elf"
#define SEG_OFF(i) (0x1000u * ((i) + 1)) /* file offset of hand-made segment i */

/* A Multiboot2 header tag as two words: type and flags, then size. */
#define TAG(type, flags, size) ((type) | (flags) << 16), (size)

struct image {
	uint8_t *data;
	size_t len;
};

struct seg {
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz; /* at most 0x1000 */
	uint64_t memsz;
};

static int setup(void **state)
{
	*state = guest_new(RAM_SIZE, RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	guest_free(*state);
	return 0;
}

static int load(struct guest *g, struct image img, const char *cmdline)
{
	return fw_load_image(&g->env, img.data, img.len, cmdline, &g->cpu, g->err, sizeof(g->err));
}

/* Images */

static struct image image_new(size_t len)
{
	struct image img = { calloc(1, len), len };

	assert_non_null(img.data);
	return img;
}

static uint8_t seg_byte(unsigned int i, size_t j)
{
	return (uint8_t)(0x40 + 16 * i + j % 13);
}

static void fill_segs(struct image img, const struct seg *segs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (size_t j = 0; j < segs[i].filesz; j++)
			img.data[SEG_OFF(i) + j] = seg_byte(i, j);
}

static void elf_ident(uint8_t *ident, uint8_t cls)
{
	memcpy(ident, ELF_MAGIC, 4);
	ident[ELF_EI_CLASS] = cls;
	ident[ELF_EI_DATA] = ELF_DATA_LSB;
	ident[ELF_EI_VERSION] = ELF_VERSION_CURRENT;
}

/* ELF64 executable: file header, program headers at 64, segment i's bytes at SEG_OFF(i). */
static struct image elf64_image(const struct seg *segs, unsigned int n, uint64_t entry)
{
	struct image img = image_new(SEG_OFF(n));
	struct elf64_ehdr *eh = (void *)img.data;
	struct elf64_phdr *ph = (void *)(img.data + sizeof(*eh));

	elf_ident(eh->e_ident, ELF_CLASS64);
	eh->e_type = ELF_ET_EXEC;
	eh->e_machine = ELF_EM_X86_64;
	eh->e_version = 1;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = n;
	for (unsigned int i = 0; i < n; i++)
		ph[i] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD,
					     .p_offset = SEG_OFF(i),
					     .p_vaddr = segs[i].vaddr,
					     .p_paddr = segs[i].paddr,
					     .p_filesz = segs[i].filesz,
					     .p_memsz = segs[i].memsz };
	fill_segs(img, segs, n);
	return img;
}

static struct image elf32_image(const struct seg *segs, unsigned int n, uint32_t entry)
{
	struct image img = image_new(SEG_OFF(n));
	struct elf32_ehdr *eh = (void *)img.data;
	struct elf32_phdr *ph = (void *)(img.data + sizeof(*eh));

	elf_ident(eh->e_ident, ELF_CLASS32);
	eh->e_type = ELF_ET_EXEC;
	eh->e_machine = ELF_EM_386;
	eh->e_version = 1;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = n;
	for (unsigned int i = 0; i < n; i++)
		ph[i] = (struct elf32_phdr){ .p_type = ELF_PT_LOAD,
					     .p_offset = SEG_OFF(i),
					     .p_vaddr = segs[i].vaddr,
					     .p_paddr = segs[i].paddr,
					     .p_filesz = segs[i].filesz,
					     .p_memsz = segs[i].memsz };
	fill_segs(img, segs, n);
	return img;
}

static struct elf64_phdr *elf64_ph(struct image img, unsigned int i)
{
	return (struct elf64_phdr *)(img.data + sizeof(struct elf64_ehdr)) + i;
}

static void put_mb1(struct image img, size_t off, uint32_t flags)
{
	struct mb1_header *h = (void *)(img.data + off);

	h->magic = MB1_HEADER_MAGIC;
	h->flags = flags;
	h->checksum = -(MB1_HEADER_MAGIC + flags);
}

static void put_mb2(struct image img, size_t off, const uint32_t *tags, size_t tag_bytes)
{
	struct mb2_header *h = (void *)(img.data + off);

	h->magic = MB2_HEADER_MAGIC;
	h->architecture = MB2_ARCH_I386;
	h->header_length = sizeof(*h) + tag_bytes;
	h->checksum = -(h->magic + h->architecture + h->header_length);
	memcpy(img.data + off + sizeof(*h), tags, tag_bytes);
}

/* Two segments, the second with bss, linked high (vaddr) and loaded at 1 MiB (paddr). */
static const struct seg two_segs[] = {
	{ 0xc0100000, 0x100000, 0x800, 0x800 },
	{ 0xc0102000, 0x102000, 0x100, 0x3000 },
};

static struct image hello_image(void)
{
	FILE *f = fopen(HELLO_PATH, "rb");
	struct image img;
	long len;

	if (!f)
		fail_msg("%s is missing: make %s first", HELLO_PATH, HELLO_PATH);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	img = image_new(len);
	assert_int_equal(fread(img.data, 1, len, f), (size_t)len);
	fclose(f);
	return img;
}

static struct mb1_header *hello_header(struct image img)
{
	for (size_t off = 0; off + sizeof(struct mb1_header) <= 8192; off += 4)
		if (((struct mb1_header *)(img.data + off))->magic == MB1_HEADER_MAGIC)
			return (struct mb1_header *)(img.data + off);
	fail_msg("no Multiboot 1 header in %s", HELLO_PATH);
	return NULL;
}

/* Multiboot 1: bivisor's test guest */

static void hello_elf_is_probed_as_multiboot1(void **state)
{
	struct image img = hello_image();

	(void)state;
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_MULTIBOOT1);
	free(img.data);
}

static void hello_elf_loads_by_its_address_fields(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header h = *hello_header(img);
	size_t hdr_off = (uint8_t *)hello_header(img) - img.data;
	size_t start = hdr_off - (h.header_addr - h.load_addr);

	assert_true(h.flags & MB1_HF_ADDRESS);
	memset(g->ram + h.load_addr, 0xaa, h.bss_end_addr - h.load_addr);
	assert_int_equal(load(g, img, "x"), 0);
	assert_string_equal(g->err, "");
	assert_memory_equal(g->ram + h.load_addr, img.data + start, h.load_end_addr - h.load_addr);
	for (uint32_t a = h.load_end_addr; a < h.bss_end_addr; a++)
		assert_int_equal(g->ram[a], 0);
	assert_int_equal(g->cpu.mode, FW_CPU_PROT32);
	assert_int_equal(g->cpu.rip, h.entry_addr);
	assert_int_equal(g->cpu.rax, MB1_BOOT_MAGIC);
	assert_int_equal(g->cpu.rbx, FW_BOOTINFO_BASE);
	assert_int_equal(g->cpu.gdt_base, FW_GDT_BASE);
	assert_int_equal(g->cpu.gdt_limit, 23);
	assert_int_equal(g->cpu.code_sel, FW_SEL_CODE);
	assert_int_equal(g->cpu.data_sel, FW_SEL_DATA);
	assert_int_equal(g64(g, FW_GDT_BASE + FW_SEL_CODE) >> 53 & 3, 2); /* D=1, L=0 */
	assert_int_equal(g64(g, FW_GDT_BASE + FW_SEL_DATA) >> 41 & 7, 1); /* data, writable */
	free(img.data);
}

static void mb1_info_gives_memory_cmdline_mmap_and_loader_name(void **state)
{
	static const uint64_t want[3][3] = { { 0, 0x9fc00, 1 },
					     { 0x9fc00, 0x100000 - 0x9fc00, 2 },
					     { 0x100000, RAM_SIZE - 0x100000, 1 } };
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_info mbi;
	uint32_t n = 0;

	assert_int_equal(load(g, img, "console=com1 verbose"), 0);
	memcpy(&mbi, g->ram + g->cpu.rbx, sizeof(mbi));
	assert_int_equal(mbi.flags,
			 MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME);
	assert_int_equal(mbi.mem_lower, 639);
	assert_int_equal(mbi.mem_upper, (RAM_SIZE - MIB) / KIB);
	assert_string_equal((char *)g->ram + mbi.cmdline, "console=com1 verbose");
	assert_string_equal((char *)g->ram + mbi.boot_loader_name, "bivisor");
	/* walk the map as the spec says: each entry's size excludes the size field */
	for (uint32_t a = mbi.mmap_addr; a < mbi.mmap_addr + mbi.mmap_length; n++) {
		assert_true(n < 3);
		assert_int_equal(g32(g, a), 20);
		assert_int_equal(g64(g, a + 4), want[n][0]);
		assert_int_equal(g64(g, a + 12), want[n][1]);
		assert_int_equal(g32(g, a + 20), want[n][2]);
		a += g32(g, a) + 4;
	}
	assert_int_equal(n, 3);
	free(img.data);
}

/* Multiboot 1: hand-made ELF images */

static void mb1_elf32_loads_segments_at_paddr_and_zeroes_bss(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100010);

	put_mb1(img, 0x800, MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO);
	memset(g->ram + 0x102000, 0xaa, 0x3000);
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_MULTIBOOT1);
	assert_int_equal(load(g, img, NULL), 0);
	assert_memory_equal(g->ram + 0x100000, img.data + SEG_OFF(0), 0x800);
	assert_memory_equal(g->ram + 0x102000, img.data + SEG_OFF(1), 0x100);
	for (uint64_t a = 0x102100; a < 0x105000; a++)
		assert_int_equal(g->ram[a], 0);
	assert_int_equal(g->cpu.mode, FW_CPU_PROT32);
	assert_int_equal(g->cpu.rip, 0x100010); /* e_entry through its segment */
	assert_int_equal(g->cpu.rax, MB1_BOOT_MAGIC);
	assert_string_equal((char *)g->ram + g32(g, FW_BOOTINFO_BASE + 16), "");
	free(img.data);
}

static void mb1_elf64_high_half_entry_is_made_physical(void **state)
{
	static const struct seg seg = { 0xffffffff80100000ull, 0x100000, 0x100, 0x100 };
	struct guest *g = *state;
	struct image img = elf64_image(&seg, 1, 0xffffffff80100040ull);

	put_mb1(img, 0x800, 0);
	assert_int_equal(load(g, img, NULL), 0);
	assert_int_equal(g->cpu.mode, FW_CPU_PROT32);
	assert_int_equal(g->cpu.rip, 0x100040);
	free(img.data);
}

static void mb1_unknown_optional_flag_is_ignored(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb1(img, 0x800, 1u << 20);
	assert_int_equal(load(g, img, NULL), 0);
	free(img.data);
}

static void mb1_video_mode_request_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb1(img, 0x800, MB1_HF_MEMINFO | MB1_HF_VIDEO);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "video mode");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void mb1_unknown_required_flag_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb1(img, 0x800, MB1_HF_MEMINFO | (1u << 5));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "Multiboot 1 header requires flags 0x20 that bivisor does "
				    "not know");
	free(img.data);
}

static void mb1_bad_checksum_is_refused_not_booted_as_elf64(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();

	hello_header(img)->checksum ^= 1;
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "Multiboot 1 header at file offset 0x");
	assert_err_has(g, "bad checksum");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void mb1_truncated_header_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = image_new(8);

	((uint32_t *)img.data)[0] = MB1_HEADER_MAGIC;
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "Multiboot 1 header at file offset 0x0 is cut off at 0x8");
	free(img.data);
}

static void mb1_address_fields_past_end_of_file_are_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header *h = hello_header(img);

	h->load_end_addr = h->load_addr + img.len;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "Multiboot 1 image data at file offset");
	assert_err_has(g, "runs past the end of the image");
	free(img.data);
}

static void mb1_bss_end_below_load_end_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header *h = hello_header(img);

	h->bss_end_addr = h->load_end_addr - 1;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "bss_end_addr");
	free(img.data);
}

static void mb1_load_addr_above_header_addr_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header *h = hello_header(img);

	h->load_addr = h->header_addr + 4;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "is above header_addr");
	free(img.data);
}

static void mb1_entry_outside_loaded_bytes_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header *h = hello_header(img);

	h->entry_addr = h->load_end_addr + 0x10; /* in bss */
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "entry address");
	free(img.data);
}

static void mb1_image_over_the_boot_information_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header *h = hello_header(img);
	uint32_t shift = h->header_addr - 0x18000;

	h->header_addr -= shift;
	h->load_addr -= shift;
	h->load_end_addr -= shift;
	h->bss_end_addr -= shift;
	h->entry_addr -= shift;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "overlaps the boot information and page tables at [0x10000, 0x80000)");
	assert_true(ram_is_zero(g));
	free(img.data);
}

/* Multiboot2 */

static const uint32_t mb2_end_only[] = { TAG(MB2_HT_END, 0, 8) };

static void check_mb2_info(struct guest *g, const char *cmdline)
{
	uint64_t base = g->cpu.rbx, a = base + 8;
	uint32_t total = g32(g, base), seen = 0;

	assert_int_equal(base % 8, 0);
	assert_int_equal(g32(g, base + 4), 0);
	while (g32(g, a) != MB2_IT_END) {
		uint32_t type = g32(g, a), size = g32(g, a + 4);

		seen |= 1u << type;
		if (type == MB2_IT_CMDLINE)
			assert_string_equal((char *)g->ram + a + 8, cmdline);
		if (type == MB2_IT_LOADER_NAME)
			assert_string_equal((char *)g->ram + a + 8, "bivisor");
		if (type == MB2_IT_MEMINFO) {
			assert_int_equal(g32(g, a + 8), 639);
			assert_int_equal(g32(g, a + 12), (g->env.ram_size - MIB) / KIB);
		}
		if (type == MB2_IT_MMAP) {
			assert_int_equal(size, 16 + 3 * 24);
			assert_int_equal(g32(g, a + 8), 24);
			assert_int_equal(g32(g, a + 12), 0);
			assert_int_equal(g64(g, a + 16 + 48), MIB);
			assert_int_equal(g64(g, a + 16 + 56), g->env.ram_size - MIB);
		}
		a += (size + 7) & ~7u;
		assert_true(a < base + total);
	}
	assert_int_equal(g32(g, a + 4), 8);
	assert_int_equal(a + 8, base + total);
	assert_int_equal(seen, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 6);
}

static void mb2_elf_image_gets_the_boot_information_tags(void **state)
{
	static const uint32_t tags[] = {
		TAG(MB2_HT_INFO_REQUEST, 0, 20), 1, 4, 6, 0, TAG(MB2_HT_END, 0, 8)
	};
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_MULTIBOOT2);
	assert_int_equal(load(g, img, "root=/dev/vda"), 0);
	assert_int_equal(g->cpu.mode, FW_CPU_PROT32);
	assert_int_equal(g->cpu.rax, MB2_BOOT_MAGIC);
	assert_int_equal(g->cpu.rbx, FW_BOOTINFO_BASE);
	assert_int_equal(g->cpu.rip, 0x100000);
	assert_memory_equal(g->ram + 0x100000, img.data + SEG_OFF(0), 0x800);
	check_mb2_info(g, "root=/dev/vda");
	free(img.data);
}

static void mb2_information_parses_with_the_kernels_own_parser(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);
	struct boot_info bi;

	put_mb2(img, 0x400, mb2_end_only, sizeof(mb2_end_only));
	assert_int_equal(load(g, img, "a b c"), 0);
	assert_int_equal(mb2_parse(g->cpu.rax, g->ram + g->cpu.rbx, g->cpu.rbx, &bi), 0);
	assert_string_equal(bi.loader, "bivisor");
	assert_string_equal(bi.cmdline, "a b c");
	assert_int_equal(bi.nmem, 3);
	assert_int_equal(bi.mem[1].type, MEM_RESERVED);
	assert_int_equal(bi.mem[2].base + bi.mem[2].len, RAM_SIZE);
	free(img.data);
}

static void mb2_wins_over_mb1_when_both_are_present(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb1(img, 0x800, MB1_HF_MEMINFO);
	put_mb2(img, 0x400, mb2_end_only, sizeof(mb2_end_only));
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_MULTIBOOT2);
	assert_int_equal(load(g, img, NULL), 0);
	assert_int_equal(g->cpu.rax, MB2_BOOT_MAGIC);
	free(img.data);
}

/* A raw (not ELF) image loaded by the address tag: header at hdr_off, code after it. */
static struct image mb2_raw_image(size_t hdr_off, uint32_t load_addr)
{
	const uint32_t tags[] = {
		TAG(MB2_HT_ADDRESS, 0, 24),
		0x200000 + hdr_off,
		load_addr,
		0x202000,
		0x204000,
		TAG(MB2_HT_ENTRY, MB2_TAG_OPTIONAL, 12),
		0x200100,
		0,
		TAG(MB2_HT_END, 0, 8),
	};
	struct image img = image_new(0x3000);

	for (size_t i = 0; i < img.len; i++)
		img.data[i] = seg_byte(7, i);
	put_mb2(img, hdr_off, tags, sizeof(tags));
	return img;
}

static void mb2_address_tag_image_loads_at_load_addr(void **state)
{
	struct guest *g = *state;
	struct image img = mb2_raw_image(0, 0x200000);

	memset(g->ram + 0x200000, 0xaa, 0x5000);
	assert_int_equal(load(g, img, NULL), 0);
	assert_memory_equal(g->ram + 0x200000, img.data, 0x2000);
	for (uint64_t a = 0x202000; a < 0x204000; a++)
		assert_int_equal(g->ram[a], 0);
	assert_int_equal(g->ram[0x204000], 0xaa);
	assert_int_equal(g->cpu.rip, 0x200100);
	assert_int_equal(g->cpu.rax, MB2_BOOT_MAGIC);
	free(img.data);
}

static void mb2_load_addr_minus_one_loads_from_the_file_start(void **state)
{
	struct guest *g = *state;
	struct image img = mb2_raw_image(0x40, UINT32_MAX);

	assert_int_equal(load(g, img, NULL), 0);
	assert_memory_equal(g->ram + 0x200000, img.data, 0x2000);
	assert_int_equal(g32(g, 0x200040), MB2_HEADER_MAGIC);
	free(img.data);
}

static void mb2_address_tag_without_entry_tag_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG(MB2_HT_ADDRESS, 0, 24), 0x200000, 0x200000, 0, 0,
					 TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = image_new(0x1000);

	put_mb2(img, 0, tags, sizeof(tags));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "no entry address tag");
	free(img.data);
}

static void mb2_unknown_required_tag_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG(42, 0, 8), TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "Multiboot2 header has required tag type 42, which bivisor "
				    "does not know");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void mb2_unknown_optional_tag_is_ignored(void **state)
{
	static const uint32_t tags[] = { TAG(42, MB2_TAG_OPTIONAL, 12), 7, 0,
					 TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(load(g, img, NULL), 0);
	free(img.data);
}

static void mb2_required_request_of_unknown_info_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG(MB2_HT_INFO_REQUEST, 0, 16), 6, 99,
					 TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "requests boot information type 99");
	free(img.data);
}

static void mb2_request_of_known_but_absent_info_boots_without_it(void **state)
{
	/* framebuffer info (8) is understood, and there is none: the tag is left out */
	static const uint32_t tags[] = { TAG(MB2_HT_INFO_REQUEST, 0, 16),
					 8,
					 14,
					 TAG(MB2_HT_INFO_REQUEST, MB2_TAG_OPTIONAL, 12),
					 99,
					 0,
					 TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(load(g, img, "c"), 0);
	check_mb2_info(g, "c");
	free(img.data);
}

static void mb2_required_framebuffer_is_refused_optional_ignored(void **state)
{
	static const uint32_t required[] = { TAG(MB2_HT_FRAMEBUFFER, 0, 20), 1024, 768, 32, 0,
					     TAG(MB2_HT_END, 0, 8) };
	static const uint32_t optional[] = { TAG(MB2_HT_FRAMEBUFFER, MB2_TAG_OPTIONAL, 20),
					     1024,
					     768,
					     32,
					     0,
					     TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, required, sizeof(required));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "framebuffer");
	put_mb2(img, 0x400, optional, sizeof(optional));
	assert_int_equal(load(g, img, NULL), 0);
	free(img.data);
}

static void mb2_bad_checksum_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, mb2_end_only, sizeof(mb2_end_only));
	((struct mb2_header *)(img.data + 0x400))->checksum += 1;
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "Multiboot2 header at file offset 0x400 has a bad checksum");
	free(img.data);
}

static void mb2_header_without_end_tag_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG(MB2_HT_MODULE_ALIGN, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "without an end tag");
	free(img.data);
}

static void mb2_tag_running_past_the_header_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG(MB2_HT_MODULE_ALIGN, 0, 0xfffffff0),
					 TAG(MB2_HT_END, 0, 8) };
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	put_mb2(img, 0x400, tags, sizeof(tags));
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "outside the header");
	free(img.data);
}

static void mb2_header_length_past_the_file_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);
	struct mb2_header *h = (void *)(img.data + 0x400);

	put_mb2(img, 0x400, mb2_end_only, sizeof(mb2_end_only));
	h->header_length = 0x10000;
	h->checksum = -(h->magic + h->architecture + h->header_length);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "header_length 65536");
	free(img.data);
}

static void mb2_header_for_another_architecture_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);
	struct mb2_header *h = (void *)(img.data + 0x400);

	put_mb2(img, 0x400, mb2_end_only, sizeof(mb2_end_only));
	h->architecture = 4; /* MIPS */
	h->checksum = -(h->magic + h->architecture + h->header_length);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "architecture 4");
	free(img.data);
}

/* Plain ELF64: long mode */

static void elf64_enters_long_mode_with_identity_map_gdt_and_stack(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100020);
	uint64_t code64;

	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_ELF64);
	assert_int_equal(load(g, img, "k"), 0);
	assert_int_equal(g->cpu.mode, FW_CPU_LONG64);
	assert_int_equal(g->cpu.rip, 0x100020);
	assert_int_equal(g->cpu.rsp, FW_STACK_TOP);
	assert_int_equal(g->cpu.cr3, FW_PAGE_TABLES);
	assert_int_equal(g->cpu.rdi, FW_BOOTINFO_BASE);
	assert_int_equal(g->cpu.rax, MB2_BOOT_MAGIC);
	assert_int_equal(g->cpu.gdt_base, FW_GDT_BASE);
	assert_memory_equal(g->ram + 0x100000, img.data + SEG_OFF(0), 0x800);
	for (uint64_t va = 0; va < 4 * GIB; va += 0x1fff3)
		assert_int_equal(guest_walk(g, va), va);
	assert_int_equal(guest_walk(g, 0xfee00000), 0xfee00000);
	assert_int_equal(guest_walk(g, 4 * GIB), UINT64_MAX);
	code64 = g64(g, FW_GDT_BASE + FW_SEL_CODE);
	assert_true(code64 >> 53 & 1);	/* L */
	assert_false(code64 >> 54 & 1); /* D */
	assert_true(code64 >> 47 & 1);	/* P */
	assert_true(code64 >> 43 & 1);	/* code */
	assert_false(g64(g, FW_GDT_BASE + FW_SEL_DATA) >> 43 & 1);
	assert_int_equal(g->cpu.gdt_limit, 23);
	assert_int_equal(g->cpu.code_sel, FW_SEL_CODE);
	assert_int_equal(g->cpu.data_sel, FW_SEL_DATA);
	check_mb2_info(g, "k");
	free(img.data);
}

static void elf64_identity_map_covers_ram_above_4gib(void **state)
{
	struct guest *g = guest_new(RAM_SIZE, 6 * GIB + 1);
	struct image img = elf64_image(two_segs, 2, 0xc0100020);

	(void)state;
	assert_int_equal(load(g, img, NULL), 0);
	assert_int_equal(guest_walk(g, 6 * GIB + 0x1234), 6 * GIB + 0x1234);
	assert_int_equal(guest_walk(g, 7 * GIB - 1), 7 * GIB - 1);
	assert_int_equal(guest_walk(g, 7 * GIB), UINT64_MAX);
	assert_int_equal(g32(g, FW_BOOTINFO_BASE + 8 + 8 + 8 + 16 + 12), (6 * GIB + 1 - MIB) / KIB);
	teardown((void **)&g);
	free(img.data);
}

static void elf64_with_ram_beyond_the_page_table_area_is_refused(void **state)
{
	struct guest *g = guest_new(RAM_SIZE, 200 * GIB);
	struct image img = elf64_image(two_segs, 2, 0xc0100020);

	(void)state;
	assert_int_equal(load(g, img, NULL), -E2BIG);
	assert_err_has(g, "guest RAM of 200 GiB needs 200 GiB of identity map");
	assert_true(ram_is_zero(g));
	teardown((void **)&g);
	free(img.data);
}

static void elf32_without_multiboot_header_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);

	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "ELF32 image without a Multiboot header");
	free(img.data);
}

static void elf64_for_another_machine_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	((struct elf64_ehdr *)img.data)->e_machine = 183; /* AArch64 */
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "e_machine 183");
	free(img.data);
}

/* Malformed ELF */

static void elf_truncated_header_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	img.len = 40;
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "ELF64 header truncated: the image has 40 of its 64 bytes");
	free(img.data);
}

static void elf_program_headers_past_end_of_file_are_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	((struct elf64_ehdr *)img.data)->e_phoff = UINT64_MAX - 8;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "ELF program headers at file offset 0xfffffffffffffff7");
	free(img.data);
}

static void elf_segment_offset_past_end_of_file_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 1)->p_offset = img.len - 0x10;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "ELF segment 1 data at file offset 0x2ff0 (0x100 bytes) runs "
				    "past the end of the image (0x3000 bytes)");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void elf_segment_with_overflowing_offset_and_size_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 0)->p_offset = UINT64_MAX - 0x10;
	elf64_ph(img, 0)->p_filesz = 0x100;
	elf64_ph(img, 0)->p_memsz = 0x100;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "runs past the end of the image");
	free(img.data);
}

static void elf_segment_wrapping_the_address_space_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 1)->p_paddr = UINT64_MAX - 0xfff;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "ELF segment 1 at 0xfffffffffffff000 (0x3000 bytes) wraps "
				    "around the address space");
	free(img.data);
}

static void elf_filesz_above_memsz_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 0)->p_memsz = 0x7ff;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "ELF segment 0 has p_filesz 0x800 > p_memsz 0x7ff");
	free(img.data);
}

static void elf_segment_beyond_ram_is_refused_and_nothing_is_written(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 1)->p_paddr = 15 * MIB;
	elf64_ph(img, 1)->p_memsz = 0x1f00000 - 15 * MIB;
	assert_int_equal(load(g, img, NULL), -E2BIG);
	assert_string_equal(g->err, "ELF segment 1 ends at 0x1f00000, beyond guest RAM (16 MiB)");
	assert_true(ram_is_zero(g)); /* segment 0 was fine, and still not written */
	free(img.data);
}

static void elf_segment_over_the_page_tables_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 1)->p_paddr = FW_PAGE_TABLES;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "ELF segment 1 [0x20000, 0x23000) overlaps the boot information");
	free(img.data);
}

static void elf_segment_in_the_hole_below_1mib_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 1)->p_paddr = 0xb8000;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "overlaps the reserved area [0x9fc00, 0x100000)");
	free(img.data);
}

static void elf_mb1_segment_above_4gib_is_refused(void **state)
{
	struct guest *g = guest_new(RAM_SIZE, 8 * GIB);
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	(void)state;
	put_mb1(img, 0x800, 0);
	elf64_ph(img, 1)->p_paddr = 4 * GIB;
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_err_has(g, "above the 4 GiB");
	teardown((void **)&g);
	free(img.data);
}

static void elf_entry_outside_every_segment_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0200000);

	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err,
			    "entry point 0xc0200000 lies outside every ELF PT_LOAD segment");
	free(img.data);
}

static void elf_overlapping_segments_are_refused(void **state)
{
	static const struct seg overlap[] = {
		{ 0xc0100000, 0x100000, 0x800, 0x2800 },
		{ 0xc0102000, 0x102000, 0x100, 0x3000 },
	};
	struct guest *g = *state;
	struct image img = elf64_image(overlap, 2, 0xc0100000);

	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "ELF segment 1 overlaps the PT_LOAD segment before it");
	free(img.data);
}

static void elf_without_load_segments_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = elf64_image(two_segs, 2, 0xc0100000);

	elf64_ph(img, 0)->p_type = 4; /* PT_NOTE */
	elf64_ph(img, 1)->p_type = 6; /* PT_PHDR */
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "ELF image has no PT_LOAD segment");
	free(img.data);
}

/* Everything else */

static void empty_file_is_refused(void **state)
{
	struct guest *g = *state;
	uint8_t byte = 0;

	assert_int_equal(fw_image_probe(&byte, 0), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, (struct image){ &byte, 0 }, NULL), -EINVAL);
	assert_string_equal(g->err, "empty image");
}

static void unknown_file_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = image_new(0x4000);

	memset(img.data, 0x5a, img.len);
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	assert_int_equal(load(g, img, NULL), -EINVAL);
	assert_string_equal(g->err, "not a Multiboot or ELF64 image");
	free(img.data);
}

static void too_long_cmdline_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	char *cmdline = malloc(FW_CMDLINE_MAX + 1);

	memset(cmdline, 'x', FW_CMDLINE_MAX);
	cmdline[FW_CMDLINE_MAX] = '\0';
	assert_int_equal(load(g, img, cmdline), -E2BIG);
	assert_err_has(g, "command line");
	cmdline[FW_CMDLINE_MAX - 1] = '\0'; /* the longest that fits */
	assert_int_equal(load(g, img, cmdline), 0);
	assert_string_equal((char *)g->ram + g32(g, FW_BOOTINFO_BASE + 16), cmdline);
	free(cmdline);
	free(img.data);
}

static void ram_of_1mib_is_too_small(void **state)
{
	struct guest *g = guest_new(MIB, MIB);
	struct image img = hello_image();

	(void)state;
	assert_int_equal(load(g, img, NULL), -ENOMEM);
	assert_string_equal(g->err, "guest RAM (1 MiB) does not reach above 1 MiB");
	teardown((void **)&g);
	free(img.data);
}

static void error_message_is_cut_to_errlen_and_terminated(void **state)
{
	struct guest *g = *state;
	struct image img = image_new(16);
	char err[8];

	memset(err, 'z', sizeof(err));
	assert_int_equal(fw_load_image(&g->env, img.data, img.len, NULL, &g->cpu, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "not a M");
	assert_int_equal(fw_load_image(&g->env, img.data, img.len, NULL, &g->cpu, NULL, 0),
			 -EINVAL);
	free(img.data);
}

static void memory_map_has_the_hole_below_1mib(void **state)
{
	struct guest *g = *state;
	struct fw_mem_range map[FW_MEM_MAP_MAX];

	assert_int_equal(fw_memory_map(&g->env, map, FW_MEM_MAP_MAX), 3);
	assert_int_equal(map[0].base, 0);
	assert_int_equal(map[0].len, FW_LOW_RAM_END);
	assert_int_equal(map[0].type, FW_MEM_USABLE);
	assert_int_equal(map[1].base, FW_LOW_RAM_END);
	assert_int_equal(map[1].base + map[1].len, MIB);
	assert_int_equal(map[1].type, FW_MEM_RESERVED);
	assert_int_equal(map[2].base, MIB);
	assert_int_equal(map[2].len, RAM_SIZE - MIB);
	assert_int_equal(map[2].type, FW_MEM_USABLE);
	assert_int_equal(fw_memory_map(&g->env, map, 2), 2);
}

/* Boot modules */

static const struct fw_module two_mods[] = {
	{ "first module", 12, "client name=a" },
	{ "second", 6, NULL },
};

static int load_mods(struct guest *g, struct image img, const struct fw_module *m, unsigned int n)
{
	return fw_load_image_modules(&g->env, img.data, img.len, "", m, n, &g->cpu, g->err,
				     sizeof(g->err));
}

static void mb1_modules_are_listed_page_aligned_after_the_image(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_header h = *hello_header(img);
	struct mb1_info mbi;
	struct mb1_module m[2];

	assert_int_equal(load_mods(g, img, two_mods, 2), 0);
	memcpy(&mbi, g->ram + g->cpu.rbx, sizeof(mbi));
	assert_true(mbi.flags & MB1_INFO_MODS);
	assert_int_equal(mbi.mods_count, 2);
	memcpy(m, g->ram + mbi.mods_addr, sizeof(m));
	assert_int_equal(m[0].mod_start, (h.bss_end_addr + 0xfff) & ~0xfffu);
	assert_int_equal(m[0].mod_end, m[0].mod_start + 12);
	assert_int_equal(m[1].mod_start, m[0].mod_start + 0x1000);
	assert_int_equal(m[1].mod_end, m[1].mod_start + 6);
	assert_memory_equal(g->ram + m[0].mod_start, "first module", 12);
	assert_memory_equal(g->ram + m[1].mod_start, "second", 6);
	assert_string_equal((char *)g->ram + m[0].string, "client name=a");
	assert_string_equal((char *)g->ram + m[1].string, "");
	free(img.data);
}

static void mb1_without_modules_has_no_module_flag(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct mb1_info mbi;

	assert_int_equal(load_mods(g, img, NULL, 0), 0);
	memcpy(&mbi, g->ram + g->cpu.rbx, sizeof(mbi));
	assert_false(mbi.flags & MB1_INFO_MODS);
	assert_int_equal(mbi.mods_count, 0);
	free(img.data);
}

static void mb2_module_tags_parse_with_the_kernels_own_parser(void **state)
{
	struct guest *g = *state;
	struct image img = elf32_image(two_segs, 2, 0xc0100000);
	struct boot_info bi;

	put_mb2(img, 0x400, mb2_end_only, sizeof(mb2_end_only));
	assert_int_equal(load_mods(g, img, two_mods, 2), 0);
	assert_int_equal(mb2_parse(g->cpu.rax, g->ram + g->cpu.rbx, g->cpu.rbx, &bi), 0);
	assert_int_equal(bi.nmods, 2);
	assert_int_equal(bi.mods[0].start, 0x105000); /* the second segment ends at 0x105000 */
	assert_int_equal(bi.mods[0].end, 0x105000 + 12);
	assert_int_equal(bi.mods[1].start, 0x106000);
	assert_string_equal(bi.mods[0].cmdline, "client name=a");
	assert_string_equal(bi.mods[1].cmdline, "");
	assert_memory_equal(g->ram + 0x106000, "second", 6);
	free(img.data);
}

static void modules_beyond_ram_are_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct fw_module big = { calloc(1, RAM_SIZE), RAM_SIZE - MIB, "big" };

	assert_int_equal(load_mods(g, img, &big, 1), -E2BIG);
	assert_err_has(g, "module 0 (");
	assert_err_has(g, "does not fit");
	free((void *)big.data);
	free(img.data);
}

static void too_many_modules_or_a_long_module_cmdline_are_refused(void **state)
{
	struct guest *g = *state;
	struct image img = hello_image();
	struct fw_module m[FW_MODULES_MAX + 1] = { { 0 } };
	char line[FW_MODULE_CMDLINE_MAX + 1];

	assert_int_equal(load_mods(g, img, m, FW_MODULES_MAX + 1), -EINVAL);
	assert_err_has(g, "takes up to 8");
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	m[1].cmdline = line;
	assert_int_equal(load_mods(g, img, m, 2), -E2BIG);
	assert_err_has(g, "module 1's command line");
	assert_true(ram_is_zero(g));
	free(img.data);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(hello_elf_is_probed_as_multiboot1),
		T(hello_elf_loads_by_its_address_fields),
		T(mb1_info_gives_memory_cmdline_mmap_and_loader_name),
		T(mb1_modules_are_listed_page_aligned_after_the_image),
		T(mb1_without_modules_has_no_module_flag),
		T(mb2_module_tags_parse_with_the_kernels_own_parser),
		T(modules_beyond_ram_are_refused),
		T(too_many_modules_or_a_long_module_cmdline_are_refused),
		T(mb1_elf32_loads_segments_at_paddr_and_zeroes_bss),
		T(mb1_elf64_high_half_entry_is_made_physical),
		T(mb1_unknown_optional_flag_is_ignored),
		T(mb1_video_mode_request_is_refused),
		T(mb1_unknown_required_flag_is_refused),
		T(mb1_bad_checksum_is_refused_not_booted_as_elf64),
		T(mb1_truncated_header_is_refused),
		T(mb1_address_fields_past_end_of_file_are_refused),
		T(mb1_bss_end_below_load_end_is_refused),
		T(mb1_load_addr_above_header_addr_is_refused),
		T(mb1_entry_outside_loaded_bytes_is_refused),
		T(mb1_image_over_the_boot_information_is_refused),
		T(mb2_elf_image_gets_the_boot_information_tags),
		T(mb2_information_parses_with_the_kernels_own_parser),
		T(mb2_wins_over_mb1_when_both_are_present),
		T(mb2_address_tag_image_loads_at_load_addr),
		T(mb2_load_addr_minus_one_loads_from_the_file_start),
		T(mb2_address_tag_without_entry_tag_is_refused),
		T(mb2_unknown_required_tag_is_refused),
		T(mb2_unknown_optional_tag_is_ignored),
		T(mb2_required_request_of_unknown_info_is_refused),
		T(mb2_request_of_known_but_absent_info_boots_without_it),
		T(mb2_required_framebuffer_is_refused_optional_ignored),
		T(mb2_bad_checksum_is_refused),
		T(mb2_header_without_end_tag_is_refused),
		T(mb2_tag_running_past_the_header_is_refused),
		T(mb2_header_length_past_the_file_is_refused),
		T(mb2_header_for_another_architecture_is_refused),
		T(elf64_enters_long_mode_with_identity_map_gdt_and_stack),
		T(elf64_identity_map_covers_ram_above_4gib),
		T(elf64_with_ram_beyond_the_page_table_area_is_refused),
		T(elf32_without_multiboot_header_is_refused),
		T(elf64_for_another_machine_is_refused),
		T(elf_truncated_header_is_refused),
		T(elf_program_headers_past_end_of_file_are_refused),
		T(elf_segment_offset_past_end_of_file_is_refused),
		T(elf_segment_with_overflowing_offset_and_size_is_refused),
		T(elf_segment_wrapping_the_address_space_is_refused),
		T(elf_filesz_above_memsz_is_refused),
		T(elf_segment_beyond_ram_is_refused_and_nothing_is_written),
		T(elf_segment_over_the_page_tables_is_refused),
		T(elf_segment_in_the_hole_below_1mib_is_refused),
		T(elf_mb1_segment_above_4gib_is_refused),
		T(elf_entry_outside_every_segment_is_refused),
		T(elf_overlapping_segments_are_refused),
		T(elf_without_load_segments_is_refused),
		T(empty_file_is_refused),
		T(unknown_file_is_refused),
		T(too_long_cmdline_is_refused),
		T(ram_of_1mib_is_too_small),
		T(error_message_is_cut_to_errlen_and_terminated),
		T(memory_map_has_the_hole_below_1mib),
	};

	return cmocka_run_group_tests_name("test_loader", tests, NULL, NULL);
}
