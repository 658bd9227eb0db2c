/*
 * tests/unit/test_linux_loader.c: drivers/firmware/linux.c on a test dm_env:
 * a synthetic bzImage (setup header fields written at the offsets of
 * Documentation/arch/x86/boot.rst, a patterned protected-mode kernel) booted
 * by the 64-bit boot protocol: where the kernel, the initrd and the command
 * line land, boot_params (zero-page.rst) with its e820 map and RSDP, the
 * long-mode entry state, and every refusal, which writes nothing.
 */
#include "tests/unit/fw_guest.h"

#define RAM_SIZE (64 * MIB)
#define SETUP_SECTS 4
#define KERNEL_OFF ((SETUP_SECTS + 1) * 512)
#define PAYLOAD 0x3000 /* bytes of protected-mode kernel */
#define PREF (16 * MIB)
#define INIT_SIZE (4 * MIB)
#define BP FW_LINUX_BOOT_PARAMS

/* boot_params offsets (zero-page.rst, boot.rst), independent of linux_boot.h */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_E820_TABLE 0x2d0
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260

struct image {
	uint8_t *data;
	size_t len;
};

static const struct fw_virtio_mmio devices[] = {
	{ 0xfeb00000, 512, 5 },
	{ 0xfeb00200, 512, 6 },
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

static void put(struct image img, size_t off, uint64_t v, unsigned int bytes)
{
	assert_true(off + bytes <= img.len);
	for (unsigned int i = 0; i < bytes; i++)
		img.data[off + i] = (uint8_t)(v >> 8 * i);
}

/* A bzImage of protocol 2.15 as Debian's kernel has it, with a patterned payload. */
static struct image bzimage(void)
{
	struct image img = { calloc(1, KERNEL_OFF + PAYLOAD), KERNEL_OFF + PAYLOAD };

	assert_non_null(img.data);
	put(img, HDR_SETUP_SECTS, SETUP_SECTS, 1);
	put(img, HDR_SYSSIZE, PAYLOAD / 16, 4);
	put(img, HDR_BOOT_FLAG, 0xaa55, 2);
	put(img, HDR_JUMP, 0x6aeb, 2); /* jmp short: the header ends at 0x202 + 0x6a */
	memcpy(img.data + HDR_MAGIC, "HdrS", 4);
	put(img, HDR_VERSION, 0x020f, 2);
	put(img, HDR_LOADFLAGS, 1, 1); /* LOADED_HIGH */
	put(img, HDR_CODE32_START, MIB, 4);
	put(img, HDR_INITRD_ADDR_MAX, 0x7fffffff, 4);
	put(img, HDR_KERNEL_ALIGNMENT, 2 * MIB, 4);
	put(img, HDR_RELOCATABLE, 1, 1);
	put(img, HDR_XLOADFLAGS, 0x7f, 2);
	put(img, HDR_CMDLINE_SIZE, 2047, 4);
	put(img, HDR_PREF_ADDRESS, PREF, 8);
	put(img, HDR_INIT_SIZE, INIT_SIZE, 4);
	for (size_t i = 0; i < PAYLOAD; i++)
		img.data[KERNEL_OFF + i] = (uint8_t)(i * 7 + 3);
	return img;
}

static struct fw_platform platform(unsigned int ncpus, unsigned int nvirtio)
{
	struct fw_platform p;

	fw_platform_init(&p, ncpus);
	p.nvirtio = nvirtio;
	p.virtio = nvirtio ? devices : NULL;
	return p;
}

/* Devices announced on the command line as well as in the SSDT. */
static struct fw_platform platform_cmdline(unsigned int ncpus, unsigned int nvirtio)
{
	struct fw_platform p = platform(ncpus, nvirtio);

	p.flags |= FW_PLAT_VIRTIO_CMDLINE;
	return p;
}

static int boot(struct guest *g, struct image img, const void *initrd, size_t initrd_len,
		const char *cmdline, const struct fw_platform *p)
{
	return fw_load_linux(&g->env, img.data, img.len, initrd, initrd_len, cmdline, p, &g->cpu,
			     g->err, sizeof(g->err));
}

static const char *guest_cmdline(struct guest *g)
{
	return (const char *)g->ram + g32(g, BP + HDR_CMD_LINE_PTR);
}

/* Loading and entry */

static void bzimage_is_probed_as_linux_and_refused_by_the_multiboot_loader(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_LINUX);
	assert_int_equal(
		fw_load_image(&g->env, img.data, img.len, NULL, &g->cpu, g->err, sizeof(g->err)),
		-EINVAL);
	assert_err_has(g, "fw_load_linux");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void kernel_goes_to_pref_address_and_enters_at_0x200_in_long_mode(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform(2, 0);
	uint64_t code, data;

	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0", &p), 0);
	assert_string_equal(g->err, "");
	assert_memory_equal(g->ram + PREF, img.data + KERNEL_OFF, PAYLOAD);
	assert_int_equal(g->cpu.mode, FW_CPU_LONG64);
	assert_int_equal(g->cpu.rip, PREF + 0x200);
	assert_int_equal(g->cpu.rsi, BP);
	assert_int_equal(g->cpu.rsp, FW_STACK_TOP);
	assert_int_equal(g->cpu.rax | g->cpu.rbx | g->cpu.rdi, 0);
	assert_int_equal(g->cpu.cr3, FW_PAGE_TABLES);
	for (uint64_t va = 0; va < 4 * GIB; va += 0x1fff3)
		assert_int_equal(guest_walk(g, va), va);
	/* __BOOT_CS 0x10: 64-bit code; __BOOT_DS 0x18: writable data; both flat */
	assert_int_equal(g->cpu.code_sel, 0x10);
	assert_int_equal(g->cpu.data_sel, 0x18);
	assert_int_equal(g->cpu.gdt_base, FW_GDT_BASE);
	assert_int_equal(g->cpu.gdt_limit, 31);
	code = g64(g, FW_GDT_BASE + 0x10);
	data = g64(g, FW_GDT_BASE + 0x18);
	assert_true(code >> 53 & 1);	     /* L */
	assert_false(code >> 54 & 1);	     /* D */
	assert_true(code >> 47 & 1);	     /* P */
	assert_int_equal(code >> 41 & 7, 5); /* code, readable */
	assert_int_equal(data >> 41 & 7, 1); /* data, writable */
	assert_true(data >> 47 & 1);
	assert_int_equal(g64(g, FW_GDT_BASE), 0);
	free(img.data);
}

static void boot_params_carry_the_setup_header_and_what_the_loader_sets(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	assert_int_equal(boot(g, img, NULL, 0, NULL, NULL), 0);
	/* the image's header fields, as the kernel wrote them */
	assert_int_equal(g16(g, BP + HDR_BOOT_FLAG), 0xaa55);
	assert_memory_equal(g->ram + BP + HDR_MAGIC, "HdrS", 4);
	assert_int_equal(g16(g, BP + HDR_VERSION), 0x020f);
	assert_int_equal(g8(g, BP + HDR_SETUP_SECTS), SETUP_SECTS);
	assert_int_equal(g32(g, BP + HDR_SYSSIZE), PAYLOAD / 16);
	assert_int_equal(g16(g, BP + HDR_XLOADFLAGS), 0x7f);
	assert_int_equal(g32(g, BP + HDR_CMDLINE_SIZE), 2047);
	assert_int_equal(g64(g, BP + HDR_PREF_ADDRESS), PREF);
	assert_int_equal(g32(g, BP + HDR_INIT_SIZE), INIT_SIZE);
	/* and the loader's */
	assert_int_equal(g8(g, BP + HDR_TYPE_OF_LOADER), 0xff);
	assert_int_equal(g8(g, BP + HDR_LOADFLAGS), 0x81); /* LOADED_HIGH | CAN_USE_HEAP */
	assert_int_equal(g16(g, BP + HDR_HEAP_END_PTR), 0xde00);
	assert_int_equal(g32(g, BP + HDR_CODE32_START), PREF);
	assert_int_equal(g32(g, BP + HDR_CMD_LINE_PTR), FW_LINUX_CMDLINE);
	assert_string_equal(guest_cmdline(g), "");
	assert_int_equal(g32(g, BP + HDR_RAMDISK_IMAGE), 0);
	assert_int_equal(g32(g, BP + HDR_RAMDISK_SIZE), 0);
	assert_int_equal(g8(g, BP + BP_SENTINEL), 0);
	assert_int_equal(g64(g, BP + BP_ACPI_RSDP), 0); /* no platform, no ACPI */
	assert_int_equal(acpi_find_rsdp(&g->acpi), 0);
	assert_int_equal(g64(g, BP), 0);
	free(img.data);
}

static void e820_map_has_ram_and_reserves_the_bios_and_acpi_area(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform(1, 0);
	const uint64_t want[3][3] = { { 0, 0x9fc00, 1 },
				      { 0x9fc00, MIB - 0x9fc00, 2 },
				      { MIB, RAM_SIZE - MIB, 1 } };

	assert_int_equal(boot(g, img, NULL, 0, NULL, &p), 0);
	assert_int_equal(g8(g, BP + BP_E820_ENTRIES), 3);
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t e = BP + BP_E820_TABLE + 20 * i;

		assert_int_equal(g64(g, e), want[i][0]);
		assert_int_equal(g64(g, e + 8), want[i][1]);
		assert_int_equal(g32(g, e + 16), want[i][2]);
	}
	assert_int_equal(g64(g, BP + BP_E820_TABLE + 60), 0);
	/* the ACPI tables lie in the reserved entry */
	assert_int_equal(acpi_parse(&g->acpi, g->ram + g64(g, BP + BP_ACPI_RSDP), &g->info), 0);
	for (unsigned int i = 0; i < g->info.ntables; i++)
		assert_true(g->info.tables[i].phys >= 0x9fc00 &&
			    g->info.tables[i].phys + g->info.tables[i].len <= MIB);
	free(img.data);
}

static void acpi_rsdp_addr_leads_to_every_vcpu(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform(4, 2);
	uint64_t rsdp;

	assert_int_equal(boot(g, img, NULL, 0, NULL, &p), 0);
	rsdp = g64(g, BP + BP_ACPI_RSDP);
	assert_int_equal(rsdp, FW_ACPI_RSDP);
	assert_int_equal(acpi_find_rsdp(&g->acpi), rsdp);
	assert_int_equal(acpi_parse(&g->acpi, g->ram + rsdp, &g->info), 0);
	assert_int_equal(g->info.ncpus, 4);
	assert_int_equal(g->info.nioapics, 1);
	assert_int_equal(g->info.pm_timer_port, FW_PM_TMR_PORT);
	assert_int_equal(g->info.noverrides, 4); /* timer, SCI, virtio IRQs 5 and 6 */
	assert_int_equal(g->info.ntables, 3);
	assert_string_equal(g->info.tables[2].sig, "SSDT"); /* the devices, for Debian's kernel */
	free(img.data);
}

static void devices_go_to_acpi_only_unless_the_platform_asks_for_the_cmdline(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform(1, 2);

	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0", &p), 0);
	assert_string_equal(guest_cmdline(g), "console=ttyS0");
	p = platform_cmdline(1, 2);
	p.flags &= ~FW_PLAT_VIRTIO_ACPI;
	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0", &p), 0);
	assert_string_equal(guest_cmdline(g), "console=ttyS0 virtio_mmio.device=512@0xfeb00000:5 "
					      "virtio_mmio.device=512@0xfeb00200:6");
	assert_int_equal(acpi_parse(&g->acpi, g->ram + FW_ACPI_RSDP, &g->info), 0);
	assert_int_equal(g->info.ntables, 2);
	free(img.data);
}

/* Command line */

static void cmdline_gets_a_virtio_mmio_parameter_per_device(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform_cmdline(1, 2);

	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0 quiet", &p), 0);
	assert_string_equal(guest_cmdline(g),
			    "console=ttyS0 quiet virtio_mmio.device=512@0xfeb00000:5 "
			    "virtio_mmio.device=512@0xfeb00200:6");
	assert_true(g32(g, BP + HDR_CMD_LINE_PTR) >= FW_BOOTINFO_BASE);
	assert_true(g32(g, BP + HDR_CMD_LINE_PTR) < FW_STACK_BASE);
	assert_int_equal(boot(g, img, NULL, 0, NULL, &p), 0);
	assert_string_equal(guest_cmdline(g), "virtio_mmio.device=512@0xfeb00000:5 "
					      "virtio_mmio.device=512@0xfeb00200:6");
	free(img.data);
}

static void virtio_parameters_go_before_the_arguments_of_init(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform_cmdline(1, 1);

	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0  -- single x--y", &p), 0);
	assert_string_equal(guest_cmdline(g),
			    "console=ttyS0 virtio_mmio.device=512@0xfeb00000:5 -- single x--y");
	assert_int_equal(boot(g, img, NULL, 0, "init=/bin/sh --", &p), 0);
	assert_string_equal(guest_cmdline(g),
			    "init=/bin/sh virtio_mmio.device=512@0xfeb00000:5 --");
	/* inside quotes "--" is a value, not the end of the kernel's parameters */
	assert_int_equal(boot(g, img, NULL, 0, "a=\"x -- y\" b--", &p), 0);
	assert_string_equal(guest_cmdline(g),
			    "a=\"x -- y\" b-- virtio_mmio.device=512@0xfeb00000:5");
	free(img.data);
}

static void tsc_rate_leads_the_line_unless_the_user_gave_one(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform_cmdline(1, 1);

	p.tsc_khz = 2338623;
	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0 -- single", &p), 0);
	assert_string_equal(guest_cmdline(g), "tsc_early_khz=2338623 console=ttyS0 "
					      "virtio_mmio.device=512@0xfeb00000:5 -- single");
	assert_int_equal(boot(g, img, NULL, 0, NULL, &p), 0);
	assert_string_equal(guest_cmdline(g),
			    "tsc_early_khz=2338623 virtio_mmio.device=512@0xfeb00000:5");
	assert_int_equal(boot(g, img, NULL, 0, "quiet tsc_early_khz=1000", &p), 0);
	assert_string_equal(guest_cmdline(g),
			    "quiet tsc_early_khz=1000 virtio_mmio.device=512@0xfeb00000:5");
	/* a word that only contains the name is not the parameter */
	p.nvirtio = 0;
	assert_int_equal(boot(g, img, NULL, 0, "x.tsc_early_khz=5", &p), 0);
	assert_string_equal(guest_cmdline(g), "tsc_early_khz=2338623 x.tsc_early_khz=5");
	free(img.data);
}

static void cmdline_without_devices_is_kept_as_given(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform(1, 0);

	assert_int_equal(boot(g, img, NULL, 0, " a  -- b ", &p), 0);
	assert_string_equal(guest_cmdline(g), " a  -- b ");
	free(img.data);
}

static void cmdline_up_to_cmdline_size_fits_and_one_more_byte_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform_cmdline(1, 1);
	char *line = malloc(2049);

	memset(line, 'x', 2048);
	line[2048] = '\0';
	assert_int_equal(boot(g, img, NULL, 0, line, NULL), -E2BIG);
	assert_string_equal(g->err, "command line of 2048 bytes (with 0 virtio_mmio.device= "
				    "parameters) is longer than the 2047 bytes the kernel takes "
				    "(cmdline_size 2047)");
	assert_true(ram_is_zero(g));
	line[2047] = '\0';
	assert_int_equal(boot(g, img, NULL, 0, line, NULL), 0);
	assert_string_equal(guest_cmdline(g), line);
	/* the same line leaves no room for a device */
	memset(g->ram, 0, g->backed);
	assert_int_equal(boot(g, img, NULL, 0, line, &p), -E2BIG);
	assert_err_has(g, "command line of 2083 bytes (with 1 virtio_mmio.device= parameters)");
	assert_true(ram_is_zero(g));
	free(line);
	free(img.data);
}

static void cmdline_size_above_the_loaders_area_is_capped(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	char *line = malloc(FW_CMDLINE_MAX + 1);

	put(img, HDR_CMDLINE_SIZE, 1 << 20, 4);
	memset(line, 'y', FW_CMDLINE_MAX);
	line[FW_CMDLINE_MAX] = '\0';
	assert_int_equal(boot(g, img, NULL, 0, line, NULL), -E2BIG);
	assert_err_has(g, "longer than the 4095 bytes");
	line[FW_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(boot(g, img, NULL, 0, line, NULL), 0);
	assert_string_equal(guest_cmdline(g), line);
	free(line);
	free(img.data);
}

/* Initrd */

static void initrd_goes_high_page_aligned_above_the_kernel(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	size_t len = 100000;
	uint8_t *initrd = malloc(len);
	uint64_t at;

	for (size_t i = 0; i < len; i++)
		initrd[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(boot(g, img, initrd, len, NULL, NULL), 0);
	at = g32(g, BP + HDR_RAMDISK_IMAGE);
	assert_int_equal(at, (RAM_SIZE - len) & ~0xfffull);
	assert_int_equal(g32(g, BP + HDR_RAMDISK_SIZE), len);
	assert_memory_equal(g->ram + at, initrd, len);
	assert_true(at >= PREF + INIT_SIZE);
	free(initrd);
	free(img.data);
}

static void initrd_stays_below_initrd_addr_max(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	uint8_t initrd[5000] = { 1 };
	uint64_t at;

	put(img, HDR_INITRD_ADDR_MAX, 32 * MIB - 1, 4);
	assert_int_equal(boot(g, img, initrd, sizeof(initrd), NULL, NULL), 0);
	at = g32(g, BP + HDR_RAMDISK_IMAGE);
	assert_int_equal(at, (32 * MIB - sizeof(initrd)) & ~0xfffull);
	assert_true(at + sizeof(initrd) - 1 <= 32 * MIB - 1);
	free(img.data);
}

static void initrd_too_big_for_the_ram_above_the_kernel_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	size_t len = RAM_SIZE - PREF - INIT_SIZE + 1;
	uint8_t *initrd = calloc(1, len);

	assert_int_equal(boot(g, img, initrd, len, NULL, NULL), -E2BIG);
	assert_string_equal(g->err, "initrd of 46137345 bytes does not fit in guest RAM between "
				    "the kernel's end 0x1400000 and 0x4000000 (the lowest of RAM, "
				    "initrd_addr_max and 4 GiB)");
	assert_true(ram_is_zero(g));
	assert_int_equal(boot(g, img, initrd, len - 1, NULL, NULL), 0);
	assert_int_equal(g32(g, BP + HDR_RAMDISK_IMAGE), PREF + INIT_SIZE);
	free(initrd);
	free(img.data);
}

/* Placement of the kernel */

static void relocatable_kernel_moves_to_kernel_alignment_when_pref_does_not_fit(void **state)
{
	struct guest *g = guest_new(12 * MIB, 12 * MIB);
	struct image img = bzimage();

	(void)state;
	assert_int_equal(boot(g, img, NULL, 0, NULL, NULL), 0);
	assert_int_equal(g->cpu.rip, 2 * MIB + 0x200);
	assert_memory_equal(g->ram + 2 * MIB, img.data + KERNEL_OFF, PAYLOAD);
	assert_int_equal(g32(g, BP + HDR_CODE32_START), 2 * MIB);
	guest_free(g);
	free(img.data);
}

static void setup_sects_zero_means_four(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_SETUP_SECTS, 0, 1);
	assert_int_equal(boot(g, img, NULL, 0, NULL, NULL), 0);
	assert_memory_equal(g->ram + PREF, img.data + KERNEL_OFF, PAYLOAD);
	free(img.data);
}

static void trailing_signature_after_syssize_is_not_loaded(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_SYSSIZE, PAYLOAD / 16 - 2, 4); /* the last 32 bytes are not kernel */
	assert_int_equal(boot(g, img, NULL, 0, NULL, NULL), 0);
	assert_memory_equal(g->ram + PREF, img.data + KERNEL_OFF, PAYLOAD - 32);
	assert_int_equal(g->ram[PREF + PAYLOAD - 32], 0);
	free(img.data);
}

/* Refusals */

static void refused(struct guest *g, struct image img, int error, const char *why)
{
	struct fw_platform p = platform(2, 2);

	assert_int_equal(boot(g, img, NULL, 0, "console=ttyS0", &p), error);
	assert_err_has(g, why);
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void image_without_the_boot_flag_or_hdrs_is_not_a_bzimage(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_BOOT_FLAG, 0xaa56, 2);
	assert_int_equal(fw_image_probe(img.data, img.len), FW_IMAGE_UNKNOWN);
	refused(g, img, -EINVAL, "not a Linux bzImage");
	img = bzimage();
	img.data[HDR_MAGIC + 3] = 'T';
	refused(g, img, -EINVAL, "not a Linux bzImage");
	img = bzimage();
	img.len = 0x200;
	refused(g, img, -EINVAL, "not a Linux bzImage");
}

static void protocol_older_than_2_12_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_VERSION, 0x020b, 2);
	refused(g, img, -EINVAL, "Linux boot protocol 2.11 is older than 2.12");
	img = bzimage();
	put(img, HDR_VERSION, 0x0206, 2);
	refused(g, img, -EINVAL, "Linux boot protocol 2.06 is older than 2.12");
}

static void kernel_without_64bit_entry_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_XLOADFLAGS, 0x7e, 2);
	refused(g, img, -EINVAL,
		"Linux kernel has no 64-bit entry (xloadflags 0x7e lacks XLF_KERNEL_64)");
}

static void zimage_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_LOADFLAGS, 0, 1);
	refused(g, img, -EINVAL, "zImage");
}

static void short_setup_header_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_JUMP + 1, 0x50, 1); /* ends at 0x252, before pref_address and init_size */
	refused(g, img, -EINVAL, "Linux setup header ends at 0x252, before init_size at 0x260");
}

static void truncated_kernel_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_SYSSIZE, PAYLOAD / 16 + 1, 4);
	refused(g, img, -EINVAL,
		"Linux protected-mode kernel of 0x3010 bytes (syssize) does not match the 0x3000 "
		"bytes after the setup");
	img = bzimage();
	put(img, HDR_SETUP_SECTS, 200, 1);
	refused(g, img, -EINVAL, "Linux setup of 200 sectors runs to the image's end");
	img = bzimage();
	put(img, HDR_SYSSIZE, 0, 4);
	refused(g, img, -EINVAL, "of 0x0 bytes (syssize)");
}

static void kernel_too_big_for_ram_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();

	put(img, HDR_INIT_SIZE, RAM_SIZE, 4);
	refused(g, img, -E2BIG,
		"Linux kernel needs 64 MiB of RAM (init_size) from 0x200000, beyond guest RAM "
		"(64 MiB)");
	img = bzimage();
	put(img, HDR_RELOCATABLE, 0, 1);
	put(img, HDR_INIT_SIZE, RAM_SIZE - PREF + 1, 4);
	refused(g, img, -E2BIG, "from 0x1000000 (init_size at pref_address; not relocatable)");
	img = bzimage();
	put(img, HDR_RELOCATABLE, 0, 1);
	put(img, HDR_PREF_ADDRESS, 0x10000, 8);
	refused(g, img, -EINVAL, "pref_address 0x10000 is below 1 MiB");
	img = bzimage();
	put(img, HDR_PREF_ADDRESS, RAM_SIZE, 8);
	put(img, HDR_KERNEL_ALIGNMENT, 3 * MIB, 4);
	refused(g, img, -EINVAL, "kernel_alignment 0x300000 is not a power of two");
}

static void bad_platform_is_refused(void **state)
{
	struct guest *g = *state;
	struct image img = bzimage();
	struct fw_platform p = platform(0, 0);

	assert_int_equal(boot(g, img, NULL, 0, NULL, &p), -EINVAL);
	assert_err_has(g, "0 vCPUs");
	p = platform(1, 1);
	p.virtio = (const struct fw_virtio_mmio[]){ { 0x100000, 512, 5 } };
	assert_int_equal(boot(g, img, NULL, 0, NULL, &p), -EINVAL);
	assert_err_has(g, "virtio-mmio device 0 at 0x100000 lies in guest RAM");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void small_or_missing_guest_is_refused(void **state)
{
	struct guest *g = guest_new(MIB, MIB);
	struct image img = bzimage();
	uint8_t byte = 0;

	assert_int_equal(boot(g, img, NULL, 0, NULL, NULL), -ENOMEM);
	assert_string_equal(g->err, "guest RAM (1 MiB) does not reach above 1 MiB");
	assert_int_equal(fw_load_linux(NULL, img.data, img.len, NULL, 0, NULL, NULL, &g->cpu,
				       g->err, sizeof(g->err)),
			 -EINVAL);
	assert_int_equal(fw_load_linux(&g->env, img.data, img.len, NULL, 10, NULL, NULL, &g->cpu,
				       g->err, sizeof(g->err)),
			 -EINVAL);
	assert_true(ram_is_zero(g));
	guest_free(g);
	g = *state;
	assert_int_equal(fw_load_linux(&g->env, &byte, 0, NULL, 0, NULL, NULL, &g->cpu, g->err,
				       sizeof(g->err)),
			 -EINVAL);
	assert_string_equal(g->err, "empty image");
	assert_true(ram_is_zero(g));
	free(img.data);
}

static void ram_too_large_for_the_identity_map_is_refused(void **state)
{
	struct guest *g = guest_new(RAM_SIZE, 200 * GIB);
	struct image img = bzimage();

	(void)state;
	assert_int_equal(boot(g, img, NULL, 0, NULL, NULL), -E2BIG);
	assert_err_has(g, "needs 200 GiB of identity map");
	assert_true(ram_is_zero(g));
	guest_free(g);
	free(img.data);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(bzimage_is_probed_as_linux_and_refused_by_the_multiboot_loader),
		T(kernel_goes_to_pref_address_and_enters_at_0x200_in_long_mode),
		T(boot_params_carry_the_setup_header_and_what_the_loader_sets),
		T(e820_map_has_ram_and_reserves_the_bios_and_acpi_area),
		T(acpi_rsdp_addr_leads_to_every_vcpu),
		T(devices_go_to_acpi_only_unless_the_platform_asks_for_the_cmdline),
		T(cmdline_gets_a_virtio_mmio_parameter_per_device),
		T(virtio_parameters_go_before_the_arguments_of_init),
		T(tsc_rate_leads_the_line_unless_the_user_gave_one),
		T(cmdline_without_devices_is_kept_as_given),
		T(cmdline_up_to_cmdline_size_fits_and_one_more_byte_is_refused),
		T(cmdline_size_above_the_loaders_area_is_capped),
		T(initrd_goes_high_page_aligned_above_the_kernel),
		T(initrd_stays_below_initrd_addr_max),
		T(initrd_too_big_for_the_ram_above_the_kernel_is_refused),
		T(relocatable_kernel_moves_to_kernel_alignment_when_pref_does_not_fit),
		T(setup_sects_zero_means_four),
		T(trailing_signature_after_syssize_is_not_loaded),
		T(image_without_the_boot_flag_or_hdrs_is_not_a_bzimage),
		T(protocol_older_than_2_12_is_refused),
		T(kernel_without_64bit_entry_is_refused),
		T(zimage_is_refused),
		T(short_setup_header_is_refused),
		T(truncated_kernel_is_refused),
		T(kernel_too_big_for_ram_is_refused),
		T(bad_platform_is_refused),
		T(small_or_missing_guest_is_refused),
		T(ram_too_large_for_the_identity_map_is_refused),
	};

	return cmocka_run_group_tests_name("test_linux_loader", tests, NULL, NULL);
}
