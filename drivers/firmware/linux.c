/*
 * drivers/firmware/linux.c: boots a Linux bzImage by the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst: "The Real-Mode Kernel Header", "Details of
 * Header Fields", "Loading The Rest of The Kernel", "64-bit Boot Protocol";
 * zero-page.rst): checks the setup header, places the protected-mode kernel,
 * the initrd and the command line, fills boot_params (the e820 map, the RSDP
 * of acpi.c) and enters the kernel at +0x200 in long mode.
 */
#include <stddef.h>

#include "drivers/firmware/linux_boot.h"
#include "drivers/firmware/loader_internal.h"
#include "lib/string.h"

#define PAGE_SIZE 4096ull
#define HDR_AREA_END 0x290   /* the zero page's room for the setup header ends here */
#define HDR_NEEDED_END 0x264 /* through init_size, the last field this loader reads */
#define ENTRY_MAX 80	     /* one " virtio_mmio.device=SIZE@0xBASE:IRQ" */
#define VIRTIO_PARAM "virtio_mmio.device="

_Static_assert(FW_LINUX_CMDLINE + FW_CMDLINE_MAX <= FW_STACK_BASE, "command line fits");
_Static_assert(FW_LINUX_BOOT_PARAMS + sizeof(struct linux_boot_params) <= FW_LINUX_CMDLINE,
	       "boot_params fits");
_Static_assert(FW_MEM_USABLE == LINUX_E820_RAM && FW_MEM_RESERVED == LINUX_E820_RESERVED,
	       "the memory map's types are e820's");
_Static_assert(FW_MEM_MAP_MAX <= LINUX_E820_MAX, "the memory map fits the zero page");

/* One load, worked out whole before the first write. */
struct linux_plan {
	struct linux_setup_header hdr; /* as in the image, then as the kernel gets it */
	uint64_t hdr_len;	       /* bytes of setup header in the image, from 0x1f1 */
	uint64_t kernel_off;	       /* file offset of the protected-mode kernel */
	uint64_t kernel_len;
	uint64_t load; /* its guest-physical address */
	uint64_t end;  /* load + init_size: what the kernel may use */
	const uint8_t *initrd;
	uint64_t initrd_len;
	uint64_t initrd_gpa;
	const char *cmdline; /* the caller's, never NULL */
	uint64_t cmdline_len;
	const struct fw_platform *plat; /* NULL: no ACPI, no devices */
};

/* "2.12" from 0x020c: the minor number is decimal in the protocol's own naming. */
static int linux_fail_version(struct fw_load *ld, uint16_t v)
{
	return fw_fail(ld, -EINVAL,
		       "Linux boot protocol %u.%u%u is older than 2.12, the first with the "
		       "xloadflags that tell a 64-bit entry",
		       v >> 8, (v & 0xff) / 10, (v & 0xff) % 10);
}

/* The setup header: a bzImage of protocol 2.12 or later with the 64-bit entry. */
static int linux_read_header(struct fw_load *ld, struct linux_plan *p)
{
	uint64_t end;

	if (!fw_linux_has_header(ld))
		return fw_fail(
			ld, -EINVAL,
			"not a Linux bzImage: no boot flag 0xaa55 at 0x1fe and \"HdrS\" at 0x202");
	end = 0x202 + (uint64_t)ld->image[0x201];
	if (end > ld->len)
		return fw_fail(ld, -EINVAL,
			       "Linux setup header ends at 0x%lx, past the image's end 0x%zx", end,
			       ld->len);
	p->hdr_len = (end < HDR_AREA_END ? end : HDR_AREA_END) - LINUX_HDR_OFFSET;
	fw_read(ld, LINUX_HDR_OFFSET, &p->hdr,
		p->hdr_len < sizeof(p->hdr) ? p->hdr_len : sizeof(p->hdr));
	if (p->hdr.version < FW_LINUX_MIN_VERSION)
		return linux_fail_version(ld, p->hdr.version);
	if (end < HDR_NEEDED_END)
		return fw_fail(ld, -EINVAL,
			       "Linux setup header ends at 0x%lx, before init_size at 0x%x", end,
			       HDR_NEEDED_END - 4);
	if (!(p->hdr.xloadflags & LINUX_XLF_KERNEL_64))
		return fw_fail(
			ld, -EINVAL,
			"Linux kernel has no 64-bit entry (xloadflags 0x%x lacks XLF_KERNEL_64)",
			p->hdr.xloadflags);
	if (!(p->hdr.loadflags & LINUX_LOADED_HIGH))
		return fw_fail(ld, -EINVAL,
			       "Linux image is a zImage (loaded at 0x10000), not a bzImage");
	return 0;
}

/* The protected-mode kernel follows the setup sectors; syssize counts 16-byte units. */
static int linux_find_kernel(struct fw_load *ld, struct linux_plan *p)
{
	uint64_t sects = p->hdr.setup_sects ? p->hdr.setup_sects : LINUX_SETUP_SECTS_DEFAULT;
	uint64_t size = (uint64_t)p->hdr.syssize * 16, rest;

	p->kernel_off = (sects + 1) * LINUX_SECTOR;
	if (p->kernel_off >= ld->len)
		return fw_fail(ld, -EINVAL,
			       "Linux setup of %lu sectors runs to the image's end (0x%zx bytes)",
			       sects, ld->len);
	rest = ld->len - p->kernel_off;
	if (!size || size > rest + 15) /* syssize rounds up; a signature may follow */
		return fw_fail(ld, -EINVAL,
			       "Linux protected-mode kernel of 0x%lx bytes (syssize) does not "
			       "match the 0x%lx bytes after the setup",
			       size, rest);
	p->kernel_len = size < rest ? size : rest;
	return 0;
}

/* [load, load + size) lies in RAM above 1 MiB (no overflow). */
static int linux_fits(const struct fw_load *ld, uint64_t load, uint64_t size)
{
	return load >= FW_HIGH_RAM && load <= ld->env->ram_size && size <= ld->env->ram_size - load;
}

/*
 * pref_address if init_size bytes from it are RAM; else, for a relocatable
 * kernel, the lowest kernel_alignment boundary above 1 MiB. (An x86-64 Linux
 * still decompresses itself at pref_address and up, so RAM below
 * pref_address + init_size lets it start but not finish; the protocol allows
 * the load, so the loader does too.)
 */
static int linux_place_kernel(struct fw_load *ld, struct linux_plan *p)
{
	uint64_t size = p->hdr.init_size > p->kernel_len ? p->hdr.init_size : p->kernel_len;
	uint64_t pref = p->hdr.pref_address, align = p->hdr.kernel_alignment;

	if (linux_fits(ld, pref, size)) {
		p->load = pref;
	} else if (!p->hdr.relocatable_kernel) {
		if (pref < FW_HIGH_RAM)
			return fw_fail(ld, -EINVAL,
				       "Linux kernel is not relocatable and its pref_address 0x%lx "
				       "is below 1 MiB",
				       pref);
		return fw_fail(ld, -E2BIG,
			       "Linux kernel needs %s from 0x%lx (init_size at pref_address; not "
			       "relocatable), beyond guest RAM (%s)",
			       FW_SIZE(size), pref, FW_SIZE(ld->env->ram_size));
	} else if (align < PAGE_SIZE || (align & (align - 1))) {
		return fw_fail(
			ld, -EINVAL,
			"Linux kernel_alignment 0x%lx is not a power of two of 4 KiB or more",
			align);
	} else {
		p->load = (FW_HIGH_RAM + align - 1) & ~(align - 1);
		if (!linux_fits(ld, p->load, size))
			return fw_fail(ld, -E2BIG,
				       "Linux kernel needs %s of RAM (init_size) from 0x%lx, "
				       "beyond guest RAM (%s)",
				       FW_SIZE(size), p->load, FW_SIZE(ld->env->ram_size));
	}
	p->end = p->load + size;
	return 0;
}

/* As high as RAM, initrd_addr_max and the 32-bit ramdisk_image allow, above the kernel. */
static int linux_place_initrd(struct fw_load *ld, struct linux_plan *p)
{
	uint64_t top = ld->env->ram_size, max = (uint64_t)p->hdr.initrd_addr_max + 1;
	uint64_t low = (p->end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (!p->initrd_len)
		return 0;
	if (top > max)
		top = max;
	if (top > FW_4G)
		top = FW_4G;
	if (p->initrd_len > top || ((top - p->initrd_len) & ~(PAGE_SIZE - 1)) < low)
		return fw_fail(ld, -E2BIG,
			       "initrd of %s does not fit in guest RAM between the kernel's end "
			       "0x%lx and 0x%lx (the lowest of RAM, initrd_addr_max and 4 GiB)",
			       FW_SIZE(p->initrd_len), low, top);
	p->initrd_gpa = (top - p->initrd_len) & ~(PAGE_SIZE - 1);
	return 0;
}

/* The command line goes out twice: counted, then (checked) written. */
struct linux_cmdline {
	struct fw_load *ld;
	int write;
	uint64_t pos;
	int ret;
};

static void cmdline_put(struct linux_cmdline *c, const char *s, size_t n)
{
	if (c->write && !c->ret && n)
		c->ret = fw_write(c->ld, FW_LINUX_CMDLINE + c->pos, s, n);
	c->pos += n;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Where a "--" word outside double quotes starts (the rest is init's), or len. */
static size_t cmdline_split(const char *s, size_t len)
{
	int quoted = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '-' && i + 1 < len && s[i + 1] == '-' &&
			 (i == 0 || is_blank(s[i - 1])) && (i + 2 == len || is_blank(s[i + 2])))
			return i;
	}
	return len;
}

static size_t put_number(char *buf, uint64_t v, unsigned int base)
{
	char digits[20];
	size_t n = 0, len = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		buf[len++] = digits[--n];
	return len;
}

/* "virtio_mmio.device=SIZE@0xBASE:IRQ" into buf; returns its length. */
static size_t virtio_param(char *buf, const struct fw_virtio_mmio *d)
{
	size_t n = sizeof(VIRTIO_PARAM) - 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = VIRTIO_PARAM[i];
	n += put_number(buf + n, d->size, 10);
	buf[n++] = '@';
	buf[n++] = '0';
	buf[n++] = 'x';
	n += put_number(buf + n, d->base, 16);
	buf[n++] = ':';
	n += put_number(buf + n, d->irq, 10);
	return n;
}

static unsigned int cmdline_devices(const struct linux_plan *p)
{
	return p->plat && (p->plat->flags & FW_PLAT_VIRTIO_CMDLINE) ? p->plat->nvirtio : 0;
}

/* A word, after a blank if the line has something already. */
static void cmdline_word(struct linux_cmdline *c, const char *s, size_t n)
{
	if (!n)
		return;
	if (c->pos)
		cmdline_put(c, " ", 1);
	cmdline_put(c, s, n);
}

/* Whether a word of the first len bytes of s starts with word. */
static int cmdline_has(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++)
		if ((i == 0 || is_blank(s[i - 1])) && !memcmp(s + i, word, n))
			return 1;
	return 0;
}

/*
 * Linux takes the TSC rate from CPUID only on Intel (leaf 0x15), and its own
 * calibration fails where every PIT or PM-timer read is an exit costing more
 * than its limits (under TCG): the host's measured rate leads the line as
 * tsc_early_khz= (admin-guide/kernel-parameters), unless the caller gave one.
 */
static void cmdline_tsc(struct linux_cmdline *c, const struct linux_plan *p)
{
	static const char param[] = "tsc_early_khz=";
	char entry[ENTRY_MAX];
	size_t n = sizeof(param) - 1;

	if (!p->plat || !p->plat->tsc_khz || cmdline_has(p->cmdline, p->cmdline_len, param))
		return;
	memcpy(entry, param, n);
	cmdline_word(c, entry, n + put_number(entry + n, p->plat->tsc_khz, 10));
}

/* The caller's line, after tsc_early_khz= and with a parameter per virtio device
 * before any "--" word. */
static void cmdline_emit(struct linux_cmdline *c, const struct linux_plan *p)
{
	unsigned int n = cmdline_devices(p);
	size_t split = cmdline_split(p->cmdline, p->cmdline_len), head = split;
	char entry[ENTRY_MAX];

	cmdline_tsc(c, p);
	if (!n) {
		cmdline_word(c, p->cmdline, p->cmdline_len);
		return;
	}
	while (head && is_blank(p->cmdline[head - 1]))
		head--;
	cmdline_word(c, p->cmdline, head);
	for (unsigned int i = 0; i < n; i++)
		cmdline_word(c, entry, virtio_param(entry, &p->plat->virtio[i]));
	cmdline_word(c, p->cmdline + split, p->cmdline_len - split);
}

static int linux_check_cmdline(struct fw_load *ld, struct linux_plan *p)
{
	struct linux_cmdline c = { ld, 0, 0, 0 };
	uint64_t limit = p->hdr.cmdline_size;

	if (limit > FW_CMDLINE_MAX - 1)
		limit = FW_CMDLINE_MAX - 1;
	if (p->cmdline_len <= limit)
		cmdline_emit(&c, p);
	if (p->cmdline_len > limit || c.pos > limit)
		return fw_fail(
			ld, -E2BIG,
			"command line of %lu bytes (with %u virtio_mmio.device= parameters) is "
			"longer than the %lu bytes the kernel takes (cmdline_size %u)",
			p->cmdline_len > limit ? p->cmdline_len : c.pos, cmdline_devices(p), limit,
			p->hdr.cmdline_size);
	return 0;
}

/* Every check, in the order a reader meets the fields; nothing is written. */
static int linux_check(struct fw_load *ld, struct linux_plan *p)
{
	int ret = fw_check_identity_map(ld);

	if (!ret)
		ret = linux_read_header(ld, p);
	if (!ret && p->plat)
		ret = fw_acpi_check(ld, p->plat);
	if (!ret)
		ret = linux_find_kernel(ld, p);
	if (!ret)
		ret = linux_place_kernel(ld, p);
	if (!ret)
		ret = linux_place_initrd(ld, p);
	if (!ret)
		ret = linux_check_cmdline(ld, p);
	return ret;
}

/* The zero page: the setup header as the kernel gets it, the e820 map, the RSDP. */
static int linux_write_boot_params(struct fw_load *ld, struct linux_plan *p, uint64_t rsdp)
{
	const gpa_t bp = FW_LINUX_BOOT_PARAMS;
	struct fw_mem_range map[FW_MEM_MAP_MAX];
	struct linux_e820_entry e820[FW_MEM_MAP_MAX];
	uint8_t n = (uint8_t)fw_memory_map(ld->env, map, FW_MEM_MAP_MAX);
	struct linux_setup_header *h = &p->hdr;
	int ret;

	h->type_of_loader = LINUX_TYPE_OF_LOADER_UNDEFINED;
	h->loadflags = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	h->heap_end_ptr = LINUX_HEAP_END - 0x200;
	h->code32_start = (uint32_t)p->load;
	h->ramdisk_image = (uint32_t)p->initrd_gpa;
	h->ramdisk_size = (uint32_t)p->initrd_len;
	h->cmd_line_ptr = (uint32_t)FW_LINUX_CMDLINE;
	for (unsigned int i = 0; i < n; i++)
		e820[i] = (struct linux_e820_entry){ map[i].base, map[i].len, map[i].type };
	ret = fw_write(ld, bp + offsetof(struct linux_boot_params, hdr), h, sizeof(*h));
	if (!ret && p->hdr_len > sizeof(*h)) /* fields of a newer protocol, as the image has them */
		ret = fw_write(ld, bp + LINUX_HDR_OFFSET + sizeof(*h),
			       ld->image + LINUX_HDR_OFFSET + sizeof(*h), p->hdr_len - sizeof(*h));
	if (!ret)
		ret = fw_write(ld, bp + offsetof(struct linux_boot_params, e820_entries), &n, 1);
	if (!ret)
		ret = fw_write(ld, bp + offsetof(struct linux_boot_params, e820), e820,
			       n * sizeof(e820[0]));
	if (!ret && rsdp)
		ret = fw_write(ld, bp + offsetof(struct linux_boot_params, acpi_rsdp_addr), &rsdp,
			       sizeof(rsdp));
	return ret;
}

/* Writes what linux_check checked; the kernel enters at load + 0x200 with RSI = boot_params. */
static int linux_write(struct fw_load *ld, struct linux_plan *p)
{
	struct linux_cmdline c = { ld, 1, 0, 0 };
	uint64_t rsdp = 0;
	int ret;

	ret = fw_setup_low_memory(ld, FW_CPU_LONG64, FW_SEL_BOOT_CS, FW_SEL_BOOT_DS);
	if (!ret)
		ret = fw_write_identity_map(ld);
	if (!ret)
		ret = fw_write(ld, p->load, ld->image + p->kernel_off, p->kernel_len);
	if (!ret && p->initrd_len)
		ret = fw_write(ld, p->initrd_gpa, p->initrd, p->initrd_len);
	if (!ret) {
		cmdline_emit(&c, p);
		cmdline_put(&c, "", 1);
		ret = c.ret;
	}
	if (!ret && p->plat) {
		ret = fw_acpi_write(ld, p->plat);
		rsdp = FW_ACPI_RSDP;
	}
	if (!ret)
		ret = linux_write_boot_params(ld, p, rsdp);
	if (ret)
		return ret;
	ld->cpu->mode = FW_CPU_LONG64;
	ld->cpu->rip = p->load + LINUX_ENTRY64_OFFSET;
	ld->cpu->rsi = FW_LINUX_BOOT_PARAMS;
	ld->cpu->rsp = FW_STACK_TOP;
	return 0;
}

int fw_load_linux(const struct dm_env *env, const void *bzimage, size_t len, const void *initrd,
		  size_t initrd_len, const char *cmdline, const struct fw_platform *plat,
		  struct fw_boot_cpu *cpu, char *err, size_t errlen)
{
	struct fw_load ld = {
		.env = env,
		.image = bzimage,
		.len = len,
		.cmdline = "",
		.cpu = cpu,
		.err = err,
		.errlen = errlen,
	};
	struct linux_plan p = { .initrd = initrd, .initrd_len = initrd_len, .plat = plat };
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!env || !env->mem_write || !cpu || (!bzimage && len) || (!initrd && initrd_len))
		return fw_fail(&ld, -EINVAL, "loader called without a guest, an image or a CPU");
	*cpu = (struct fw_boot_cpu){ 0 };
	p.cmdline = cmdline ? cmdline : "";
	p.cmdline_len = fw_strnlen(p.cmdline, FW_CMDLINE_MAX);
	if (env->ram_size <= FW_HIGH_RAM)
		return fw_fail(&ld, -ENOMEM, "guest RAM (%s) does not reach above 1 MiB",
			       FW_SIZE(env->ram_size));
	if (!len)
		return fw_fail(&ld, -EINVAL, "empty image");
	ret = linux_check(&ld, &p);
	return ret ? ret : linux_write(&ld, &p);
}
