/*
 * tests/unit/test_efi_boot.c: the pure parts of bivisor.efi (boot/efi/): the
 * configuration parser, the Multiboot2 information built from a UEFI memory
 * map (read back with the kernel's own kernel/mb2.c), and the kernel image
 * check (ELF64 PT_LOAD segments, Multiboot2 header, 64-bit entry record).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/efi/config.h"
#include "boot/efi/kimage.h"
#include "boot/efi/mbi.h"
#include "drivers/firmware/elf.h"
#include "kernel/errno.h"
#include "kernel/mb2.h"

/* Parses a heap copy of s (room for the NUL the parser may write at the end). */
static int parse(const char *s, struct cfg *cfg, char *err, size_t errlen)
{
	static char *text;

	free(text);
	text = malloc(strlen(s) + 1);
	memcpy(text, s, strlen(s));
	return cfg_parse(text, strlen(s), cfg, err, errlen);
}

static void config_takes_the_grub_entry_syntax(void **state)
{
	struct cfg cfg;
	char err[160] = "";

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf# bivisor.cfg\r\n"
			       "\r\n"
			       "  kernel\t/EFI/bivisor/bivisor.elf loglevel=info  testexit \r\n"
			       "module \\EFI\\bivisor\\hello.elf name=hello cmdline=\"say hi\"\n"
			       "   # an indented comment\n"
			       "module /EFI/bivisor/cpuid.elf",
			       &cfg, err, sizeof(err)),
			 0);
	assert_string_equal(cfg.kernel.path, "/EFI/bivisor/bivisor.elf");
	assert_string_equal(cfg.kernel.args, "loglevel=info  testexit");
	assert_int_equal(cfg.kernel.line, 3);
	assert_int_equal(cfg.nmods, 2);
	assert_string_equal(cfg.mods[0].path, "\\EFI\\bivisor\\hello.elf");
	assert_string_equal(cfg.mods[0].args, "name=hello cmdline=\"say hi\"");
	assert_int_equal(cfg.mods[0].line, 4);
	assert_string_equal(cfg.mods[1].path, "/EFI/bivisor/cpuid.elf");
	assert_string_equal(cfg.mods[1].args, "");
}

static void config_mistakes_are_named_with_their_line(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "kernel /k\nmodul /m\n", "line 2: unknown keyword 'modul'" },
		{ "kernel /k\nmodule\n", "line 2: 'module' needs a file path" },
		{ "kernel\n", "line 1: 'kernel' needs a file path" },
		{ "kernel k.elf\n", "line 1: the path 'k.elf' does not start with / or \\" },
		{ "kernel /a\n\nkernel /b\n",
		  "line 3: a second 'kernel' line (the first is line 1)" },
		{ "# nothing\nmodule /m\n", "no 'kernel PATH ARGS' line" },
		{ "", "no 'kernel PATH ARGS' line" },
		{ "kernel /k caf\xc3\xa9\n",
		  "line 1: byte 0xc3 at column 14 is not printable ASCII" },
		{ "kernel /k\0x\n", "line 1: byte 0 at column 10" },
	};
	struct cfg cfg;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = i == 8 ? 12 : strlen(bad[i].text); /* case 8 has a NUL inside */
		char *text = malloc(len + 1);

		memcpy(text, bad[i].text, len);
		err[0] = '\0';
		assert_int_equal(cfg_parse(text, len, &cfg, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: got '%s', want '%s'", i, err, bad[i].msg);
		free(text);
	}
}

static void config_limits_modules_and_path_length(void **state)
{
	char text[4096] = "kernel /k\n", path[300], err[160];
	struct cfg cfg;

	(void)state;
	for (int i = 0; i < CFG_MAX_MODS; i++)
		strcat(text, "module /m x\n");
	assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nmods, CFG_MAX_MODS);
	strcat(text, "module /one-too-many\n");
	assert_int_equal(parse(text, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 18: more than 16 modules");

	memset(path, 'a', sizeof(path));
	path[0] = '/';
	snprintf(text, sizeof(text), "kernel %.*s\n", CFG_MAX_PATH + 1, path);
	assert_int_equal(parse(text, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1: the path is longer than 255 characters");
	snprintf(text, sizeof(text), "kernel %.*s\n", CFG_MAX_PATH, path);
	assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
}

#define D(t, base, npages)                                                                         \
	{                                                                                          \
		.type = (t), .phys = (base), .pages = (npages)                                     \
	}

/* A map like OVMF's: what boot services used is free RAM once they have exited. */
static const struct efi_mem_desc test_map[] = {
	D(EFI_BOOT_CODE, 0x0, 1),
	D(EFI_CONVENTIONAL, 0x1000, 0x9f),
	D(EFI_CONVENTIONAL, 0x100000, 0x100),
	D(EFI_LOADER_DATA, 0x200000, 0x30), /* the kernel */
	D(EFI_CONVENTIONAL, 0x230000, 0x5d0),
	D(EFI_ACPI_NVS, 0x800000, 0x8),
	D(EFI_BOOT_DATA, 0x808000, 0x3),
	D(EFI_CONVENTIONAL, 0x80b000, 0x100),
	D(EFI_RUNTIME_DATA, 0x90b000, 0x10),
	D(EFI_ACPI_RECLAIM, 0x91b000, 0x12),
	D(EFI_UNUSABLE, 0x92d000, 0x1),
	D(11 /* MMIO */, 0xffc00000, 0x400),
	D(EFI_CONVENTIONAL, 0x100000000, 0x0), /* empty: dropped */
};

static void mbi_memory_types_after_exit_boot_services(void **state)
{
	(void)state;
	assert_int_equal(mbi_mem_type(EFI_CONVENTIONAL), 1);
	assert_int_equal(mbi_mem_type(EFI_LOADER_CODE), 1);
	assert_int_equal(mbi_mem_type(EFI_BOOT_DATA), 1);
	assert_int_equal(mbi_mem_type(EFI_ACPI_RECLAIM), 3);
	assert_int_equal(mbi_mem_type(EFI_ACPI_NVS), 4);
	assert_int_equal(mbi_mem_type(EFI_UNUSABLE), 5);
	assert_int_equal(mbi_mem_type(EFI_RUNTIME_CODE), 2);
	assert_int_equal(mbi_mem_type(EFI_RUNTIME_DATA), 2);
	assert_int_equal(mbi_mem_type(EFI_RESERVED), 2);
	assert_int_equal(mbi_mem_type(14 /* persistent */), 2);
	assert_int_equal(mbi_mem_type(0x80000000u /* OEM */), 2);
}

static void mbi_input_init(struct mbi_input *in, const void *map, size_t map_size, size_t desc_size)
{
	static const struct mbi_module mods[] = { { 0x1e77a000, 0x1e782400, "name=hello" },
						  { 0x1e700000, 0x1e700000, "" } };
	static uint8_t rsdp[36] = "RSD PTR ";

	rsdp[15] = 2;
	*in = (struct mbi_input){ .cmdline = "loglevel=info testexit",
				  .loader = "bivisor.efi",
				  .mods = mods,
				  .nmods = 2,
				  .rsdp = rsdp,
				  .rsdp_len = 36,
				  .rsdp_new = 1,
				  .efi_systab = 0x1fb00000,
				  .efi_map = map,
				  .efi_map_size = map_size,
				  .efi_desc_size = desc_size,
				  .efi_desc_version = 1 };
}

static void mbi_block_reads_back_through_the_kernel_parser(void **state)
{
	static uint64_t buf[1024];
	struct mbi_input in;
	struct boot_info bi;
	long n;

	(void)state;
	mbi_input_init(&in, test_map, sizeof(test_map), sizeof(test_map[0]));
	n = mbi_build(buf, sizeof(buf), &in);
	assert_true(n > 0 && (size_t)n <= mbi_size(&in, sizeof(test_map)));
	assert_int_equal(mb2_parse(MB2_BOOT_MAGIC, buf, 0x5000, &bi), 0);
	assert_string_equal(bi.loader, "bivisor.efi");
	assert_string_equal(bi.cmdline, "loglevel=info testexit");
	assert_int_equal(bi.info_end - bi.info_start, n);
	assert_int_equal(bi.nmods, 2);
	assert_int_equal(bi.mods[0].start, 0x1e77a000);
	assert_int_equal(bi.mods[0].end, 0x1e782400);
	assert_string_equal(bi.mods[0].cmdline, "name=hello");
	assert_string_equal(bi.mods[1].cmdline, "");
	assert_non_null(bi.rsdp);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	/* touching ranges of one type are merged; the empty one is dropped */
	assert_int_equal(bi.nmem, 8);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].len, 0xa0000);
	assert_int_equal(bi.mem[0].type, MEM_USABLE);
	assert_int_equal(bi.mem[1].base, 0x100000);
	assert_int_equal(bi.mem[1].len, 0x700000);
	assert_int_equal(bi.mem[2].type, MEM_NVS);
	assert_int_equal(bi.mem[3].base, 0x808000);
	assert_int_equal(bi.mem[3].len, 0x103000);
	assert_int_equal(bi.mem[4].type, MEM_RESERVED);
	assert_int_equal(bi.mem[5].type, MEM_ACPI);
	assert_int_equal(bi.mem[6].type, MEM_BAD);
	assert_int_equal(bi.mem[7].base, 0xffc00000);
	assert_int_equal(bi.mem[7].type, MEM_RESERVED);
}

/* Firmware may space descriptors wider than the structure (OVMF uses 48 bytes). */
static void mbi_follows_the_firmware_descriptor_size(void **state)
{
	static uint64_t buf[1024];
	static uint8_t map[sizeof(test_map) / 40 * 48];
	struct mbi_input in;
	struct boot_info bi;

	(void)state;
	for (size_t i = 0; i < sizeof(test_map) / 40; i++)
		memcpy(map + i * 48, &test_map[i], 40);
	mbi_input_init(&in, map, sizeof(map), 48);
	assert_true(mbi_build(buf, sizeof(buf), &in) > 0);
	assert_int_equal(mb2_parse(MB2_BOOT_MAGIC, buf, 0x5000, &bi), 0);
	assert_int_equal(bi.nmem, 8);
	assert_int_equal(bi.mem[3].len, 0x103000);
}

static void mbi_refuses_a_small_buffer_and_modules_above_4g(void **state)
{
	static uint64_t buf[1024];
	struct mbi_module high = { 0x100000000ull, 0x100001000ull, "" };
	struct mbi_input in;

	(void)state;
	mbi_input_init(&in, test_map, sizeof(test_map), sizeof(test_map[0]));
	assert_int_equal(mbi_build(buf, 200, &in), -ENOSPC);
	assert_true(mbi_build(buf, mbi_size(&in, sizeof(test_map)), &in) > 0);
	in.mods = &high;
	in.nmods = 1;
	assert_int_equal(mbi_build(buf, sizeof(buf), &in), -EINVAL);
	in.nmods = 0;
	in.efi_desc_size = 24;
	assert_int_equal(mbi_build(buf, sizeof(buf), &in), -EINVAL);
}

/* A minimal kernel: one segment at 2 MiB holding the Multiboot2 header and the record. */
struct fake_kernel {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[2];
	uint8_t pad[0x1000 - sizeof(struct elf64_ehdr) - 2 * sizeof(struct elf64_phdr)];
	uint32_t mb2[6]; /* magic, arch, length, checksum, end tag */
	char sig[8];
	uint64_t entry;
	uint8_t code[0x1000];
};

static void fake_kernel_init(struct fake_kernel *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELF_MAGIC, 4);
	f->eh.e_ident[ELF_EI_CLASS] = ELF_CLASS64;
	f->eh.e_ident[ELF_EI_DATA] = ELF_DATA_LSB;
	f->eh.e_type = ELF_ET_EXEC;
	f->eh.e_machine = ELF_EM_X86_64;
	f->eh.e_phoff = offsetof(struct fake_kernel, ph);
	f->eh.e_phentsize = sizeof(struct elf64_phdr);
	f->eh.e_phnum = 2;
	f->ph[0] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD,
					.p_offset = 0x1000,
					.p_paddr = 0x200000,
					.p_filesz = sizeof(*f) - 0x1000,
					.p_memsz = 0x3000 };
	f->ph[1] = (struct elf64_phdr){ .p_type = 4 /* PT_NOTE: ignored */ };
	f->mb2[0] = 0xe85250d6;
	f->mb2[2] = 24;
	f->mb2[3] = -(0xe85250d6 + 24);
	f->mb2[5] = 8;
	memcpy(f->sig, "ENTRY64", 8);
	f->entry = 0x201020;
}

static int check(const struct fake_kernel *f, struct kimage *k, char *err)
{
	return kimage_check(f, sizeof(*f), k, err, 160);
}

static void kimage_finds_segments_and_the_64bit_entry(void **state)
{
	static struct fake_kernel f;
	struct kimage k;
	char err[160] = "";

	(void)state;
	fake_kernel_init(&f);
	assert_int_equal(check(&f, &k, err), 0);
	assert_int_equal(k.nsegs, 1);
	assert_int_equal(k.lo, 0x200000);
	assert_int_equal(k.hi, 0x203000);
	assert_int_equal(k.entry64, 0x201020);
}

static void kimage_rejects_what_is_not_a_bivisor_kernel(void **state)
{
	static struct fake_kernel f;
	struct kimage k;
	char err[160];

	(void)state;
	fake_kernel_init(&f);
	f.eh.e_ident[ELF_EI_CLASS] = ELF_CLASS32;
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_string_equal(err, "not an x86-64 ELF64 executable");

	fake_kernel_init(&f);
	f.ph[0].p_paddr = 0x80000;
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_string_equal(err, "segment at 0x80000-0x83000 is not between 1 MiB and 4 GiB");

	fake_kernel_init(&f);
	f.ph[0].p_paddr = 0xfffff000;
	assert_int_equal(check(&f, &k, err), -EINVAL);

	fake_kernel_init(&f);
	f.ph[0].p_filesz = 0x10000;
	f.ph[0].p_memsz = 0x10000;
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_string_equal(err, "segment at 0x200000: its bytes lie outside the file");

	fake_kernel_init(&f);
	f.ph[1] = f.ph[0];
	f.ph[1].p_paddr = 0x202000;
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_string_equal(err, "segments at 0x200000 and 0x202000 overlap");

	fake_kernel_init(&f);
	f.mb2[3]++;
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_string_equal(err, "no Multiboot2 header in the first 32 KiB");

	fake_kernel_init(&f);
	f.sig[0] = 'X';
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_true(strstr(err, "no 64-bit entry record") != NULL);

	fake_kernel_init(&f);
	f.entry = 0x203000; /* in memsz but not in the file's bytes */
	assert_int_equal(check(&f, &k, err), -EINVAL);
	assert_string_equal(err, "the 64-bit entry 0x203000 is outside the loaded segments");

	assert_int_equal(kimage_check(&f, 40, &k, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not an ELF file");
}

/* The real kernel, when the build has made it (make all runs before the tests). */
static void kimage_accepts_the_built_kernel(void **state)
{
	FILE *fp = fopen("build/bivisor.elf", "rb");
	struct kimage k;
	char err[160] = "";
	uint8_t *buf;
	long len;

	(void)state;
	if (!fp)
		skip();
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc(len);
	assert_int_equal(fread(buf, 1, len, fp), len);
	fclose(fp);
	if (kimage_check(buf, len, &k, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(k.lo, 0x200000);
	assert_true(k.entry64 > k.lo && k.entry64 < k.hi);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_takes_the_grub_entry_syntax),
		cmocka_unit_test(config_mistakes_are_named_with_their_line),
		cmocka_unit_test(config_limits_modules_and_path_length),
		cmocka_unit_test(mbi_memory_types_after_exit_boot_services),
		cmocka_unit_test(mbi_block_reads_back_through_the_kernel_parser),
		cmocka_unit_test(mbi_follows_the_firmware_descriptor_size),
		cmocka_unit_test(mbi_refuses_a_small_buffer_and_modules_above_4g),
		cmocka_unit_test(kimage_finds_segments_and_the_64bit_entry),
		cmocka_unit_test(kimage_rejects_what_is_not_a_bivisor_kernel),
		cmocka_unit_test(kimage_accepts_the_built_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
