/*
 * drivers/firmware/loader.c: tells a guest image's kind and dispatches it to
 * the Multiboot or ELF loader (a bzImage goes to linux.c's fw_load_linux); the guest's memory map;
 * the checks and copies every loader shares; and the 64-bit entry of a plain ELF64 image: identity
 * page tables with 2 MiB pages (Intel SDM vol. 3A 4.5) and a flat GDT (3.4.5).
 */
#include <stdarg.h>

#include "drivers/firmware/linux_boot.h"
#include "drivers/firmware/loader_internal.h"
#include "drivers/firmware/multiboot.h"
#include "lib/format.h"
#include "lib/sizes.h"

#define PAGE_SIZE 4096ull

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_LARGE (1ull << 7) /* a PDE that maps 2 MiB */
#define PTES_PER_TABLE 512
#define PT_MIN_GIB 4 /* the LAPIC, IOAPIC and MMIO below 4 GiB stay reachable */
#define PT_MAX_PDS ((FW_BOOTINFO_LIMIT - FW_PAGE_TABLES) / PAGE_SIZE - 2)

static const uint8_t fw_zeros[4096];

/* Flat descriptors (Intel SDM vol. 3A 3.4.5): base 0, limit 4 GiB, accessed set. */
#define GDT_CODE32 0x00cf9b000000ffffull /* D=1 */
#define GDT_CODE64 0x00af9b000000ffffull /* L=1 */
#define GDT_DATA 0x00cf93000000ffffull	 /* read/write */
#define GDT_ENTRIES 4			 /* room for FW_SEL_CODE to FW_SEL_BOOT_DS */

int fw_fail(struct fw_load *ld, int error, const char *fmt, ...)
{
	va_list ap;

	if (!ld->err || !ld->errlen)
		return error;
	va_start(ap, fmt);
	fmt_vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
	return error;
}

void fw_name(struct fw_load *ld, const char *what, int index)
{
	if (!what)
		ld->name[0] = '\0';
	else if (index < 0)
		fmt_snprintf(ld->name, sizeof(ld->name), "%s", what);
	else
		fmt_snprintf(ld->name, sizeof(ld->name), "%s %d", what, index);
}

const char *fw_what(const struct fw_load *ld)
{
	return ld->name[0] ? ld->name : "image";
}

const char *fw_size(char buf[FW_SIZE_LEN], uint64_t v)
{
	static const struct {
		uint64_t unit;
		const char *name;
	} units[] = { { GIB, "GiB" }, { MIB, "MiB" }, { KIB, "KiB" } };

	for (unsigned int i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v && v % units[i].unit == 0) {
			fmt_snprintf(buf, FW_SIZE_LEN, "%lu %s", v / units[i].unit, units[i].name);
			return buf;
		}
	}
	fmt_snprintf(buf, FW_SIZE_LEN, "%lu bytes", v);
	return buf;
}

int fw_read(const struct fw_load *ld, uint64_t off, void *buf, size_t size)
{
	uint8_t *dst = buf;

	if (off > ld->len || size > ld->len - off)
		return -EINVAL;
	for (size_t i = 0; i < size; i++)
		dst[i] = ld->image[off + i];
	return 0;
}

/* Where a segment may not go: what the loader builds, and the hole below 1 MiB. */
static int fw_check_areas(struct fw_load *ld, uint64_t start, uint64_t end)
{
	if (start < FW_BOOTINFO_LIMIT && end > FW_BOOTINFO_BASE)
		return fw_fail(ld, -EINVAL,
			       "%s [0x%lx, 0x%lx) overlaps the boot information and page tables at "
			       "[0x%llx, 0x%llx)",
			       fw_what(ld), start, end, FW_BOOTINFO_BASE, FW_BOOTINFO_LIMIT);
	if (start < FW_HIGH_RAM && end > FW_LOW_RAM_END)
		return fw_fail(ld, -EINVAL,
			       "%s [0x%lx, 0x%lx) overlaps the reserved area [0x%llx, 0x%llx)",
			       fw_what(ld), start, end, FW_LOW_RAM_END, FW_HIGH_RAM);
	return 0;
}

int fw_check_segment(struct fw_load *ld, const struct fw_segment *s, uint64_t limit)
{
	uint64_t end = s->gpa + s->memsz;

	if (s->filesz > s->memsz)
		return fw_fail(ld, -EINVAL,
			       "%s has 0x%lx file bytes for only 0x%lx bytes of memory",
			       fw_what(ld), s->filesz, s->memsz);
	if (s->offset > ld->len || s->filesz > ld->len - s->offset)
		return fw_fail(ld, -EINVAL,
			       "%s data at file offset 0x%lx (0x%lx bytes) runs past the end of "
			       "the image (0x%zx bytes)",
			       fw_what(ld), s->offset, s->filesz, ld->len);
	if (!s->memsz)
		return 0;
	if (end < s->gpa)
		return fw_fail(ld, -EINVAL,
			       "%s at 0x%lx (0x%lx bytes) wraps around the address space",
			       fw_what(ld), s->gpa, s->memsz);
	if (end > limit)
		return fw_fail(ld, -EINVAL,
			       "%s ends at 0x%lx, above the 4 GiB a 32-bit entry reaches",
			       fw_what(ld), end);
	if (end > ld->env->ram_size)
		return fw_fail(ld, -E2BIG, "%s ends at 0x%lx, beyond guest RAM (%s)", fw_what(ld),
			       end, FW_SIZE(ld->env->ram_size));
	return fw_check_areas(ld, s->gpa, end);
}

int fw_write(struct fw_load *ld, gpa_t gpa, const void *buf, size_t size)
{
	int ret = ld->env->mem_write(ld->env->ctx, gpa, buf, size);

	if (ret)
		return fw_fail(ld, ret,
			       "writing 0x%zx bytes at guest address 0x%lx failed (error %u)", size,
			       gpa, -ret);
	return 0;
}

int fw_zero(struct fw_load *ld, gpa_t gpa, uint64_t size)
{
	while (size) {
		size_t n = size < sizeof(fw_zeros) ? size : sizeof(fw_zeros);
		int ret = fw_write(ld, gpa, fw_zeros, n);

		if (ret)
			return ret;
		gpa += n;
		size -= n;
	}
	return 0;
}

int fw_load_segment(struct fw_load *ld, const struct fw_segment *s)
{
	int ret = 0;

	if (s->filesz)
		ret = fw_write(ld, s->gpa, ld->image + s->offset, s->filesz);
	if (!ret && s->memsz > s->filesz)
		ret = fw_zero(ld, s->gpa + s->filesz, s->memsz - s->filesz);
	if (!ret && s->gpa + s->memsz > ld->image_end)
		ld->image_end = s->gpa + s->memsz;
	return ret;
}

const char *fw_module_cmdline(const struct fw_load *ld, unsigned int i)
{
	return ld->mods[i].cmdline ? ld->mods[i].cmdline : "";
}

static uint64_t fw_page_up(uint64_t v)
{
	return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

int fw_load_modules(struct fw_load *ld)
{
	uint64_t pos = fw_page_up(ld->image_end), top = ld->env->ram_size;

	if (top > FW_4G)
		top = FW_4G;
	for (unsigned int i = 0; i < ld->nmods; i++) {
		const struct fw_module *m = &ld->mods[i];
		int ret;

		fw_name(ld, "module", (int)i);
		if (pos > top || m->len > top - pos)
			return fw_fail(ld, -E2BIG,
				       "%s (%s) at 0x%lx does not fit below the end of guest RAM "
				       "or 4 GiB (0x%lx)",
				       fw_what(ld), FW_SIZE(m->len), pos, top);
		ret = fw_write(ld, pos, m->data, m->len);
		if (ret)
			return ret;
		ld->mod_gpa[i] = (uint32_t)pos;
		pos = fw_page_up(pos + m->len);
	}
	fw_name(ld, NULL, -1);
	return 0;
}

int fw_setup_low_memory(struct fw_load *ld, enum fw_cpu_mode mode, uint16_t code_sel,
			uint16_t data_sel)
{
	uint64_t gdt[GDT_ENTRIES] = { 0 };
	unsigned int code = code_sel / 8, data = data_sel / 8;
	unsigned int n = (code > data ? code : data) + 1;
	int ret;

	if (!code || !data || code == data || n > GDT_ENTRIES)
		return fw_fail(ld, -EINVAL, "selectors 0x%x and 0x%x do not fit the loader's GDT",
			       code_sel, data_sel);
	ret = fw_zero(ld, FW_BOOTINFO_BASE, FW_BOOTINFO_LIMIT - FW_BOOTINFO_BASE);
	if (ret)
		return ret;
	gdt[code] = mode == FW_CPU_LONG64 ? GDT_CODE64 : GDT_CODE32;
	gdt[data] = GDT_DATA;
	ld->cpu->gdt_base = FW_GDT_BASE;
	ld->cpu->gdt_limit = n * sizeof(gdt[0]) - 1;
	ld->cpu->code_sel = code_sel;
	ld->cpu->data_sel = data_sel;
	return fw_write(ld, FW_GDT_BASE, gdt, n * sizeof(gdt[0]));
}

unsigned int fw_memory_map(const struct dm_env *env, struct fw_mem_range *map, unsigned int max)
{
	const struct fw_mem_range all[FW_MEM_MAP_MAX] = {
		{ 0, FW_LOW_RAM_END, FW_MEM_USABLE },
		{ FW_LOW_RAM_END, FW_HIGH_RAM - FW_LOW_RAM_END, FW_MEM_RESERVED },
		{ FW_HIGH_RAM, 0, FW_MEM_USABLE },
	};
	unsigned int n = 0;

	for (unsigned int i = 0; i < FW_MEM_MAP_MAX && n < max; i++) {
		struct fw_mem_range r = all[i];

		if (r.base >= env->ram_size)
			break;
		if (i == FW_MEM_MAP_MAX - 1 || r.base + r.len > env->ram_size)
			r.len = env->ram_size - r.base;
		map[n++] = r;
	}
	return n;
}

/* GiB the identity map covers: all of RAM, and at least PT_MIN_GIB. */
static uint64_t pt_gib(const struct dm_env *env)
{
	uint64_t gib = env->ram_size / GIB + (env->ram_size % GIB != 0);

	return gib < PT_MIN_GIB ? PT_MIN_GIB : gib;
}

/* PML4 at FW_PAGE_TABLES, one PDPT after it, then the PDs. */
static int pt_write(struct fw_load *ld, uint64_t gib)
{
	const gpa_t pdpt = FW_PAGE_TABLES + PAGE_SIZE, pd = pdpt + PAGE_SIZE;
	uint64_t e[64];
	int ret;

	e[0] = pdpt | PTE_PRESENT | PTE_WRITE;
	ret = fw_write(ld, FW_PAGE_TABLES, e, sizeof(e[0]));
	for (uint64_t i = 0; !ret && i < gib; i++) {
		e[0] = (pd + i * PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
		ret = fw_write(ld, pdpt + i * sizeof(e[0]), e, sizeof(e[0]));
	}
	/* PD entry n maps [n * 2 MiB, (n + 1) * 2 MiB), written 64 at a time */
	for (uint64_t n = 0; !ret && n < gib * PTES_PER_TABLE; n += 64) {
		for (unsigned int j = 0; j < 64; j++)
			e[j] = ((n + j) * 2 * MIB) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		ret = fw_write(ld, pd + n * sizeof(e[0]), e, sizeof(e));
	}
	return ret;
}

int fw_check_identity_map(struct fw_load *ld)
{
	uint64_t gib = pt_gib(ld->env);

	if (gib > PT_MAX_PDS)
		return fw_fail(ld, -E2BIG,
			       "guest RAM of %s needs %lu GiB of identity map, more than the %llu "
			       "the page tables below 0x%llx can hold",
			       FW_SIZE(ld->env->ram_size), gib, PT_MAX_PDS, FW_BOOTINFO_LIMIT);
	return 0;
}

int fw_write_identity_map(struct fw_load *ld)
{
	ld->cpu->cr3 = FW_PAGE_TABLES;
	return pt_write(ld, pt_gib(ld->env));
}

static int fw_boot_elf64(struct fw_load *ld)
{
	uint64_t entry;
	gpa_t info;
	int ret;

	ret = fw_check_identity_map(ld);
	if (!ret)
		ret = elf_load(ld, 0, 0, &entry);
	if (!ret)
		ret = fw_load_modules(ld);
	if (!ret)
		ret = fw_setup_low_memory(ld, FW_CPU_LONG64, FW_SEL_CODE, FW_SEL_DATA);
	if (!ret)
		ret = fw_write_identity_map(ld);
	if (!ret)
		ret = mb2_write_info(ld, &info);
	if (ret)
		return ret;
	ld->cpu->mode = FW_CPU_LONG64;
	ld->cpu->rip = entry;
	ld->cpu->rsp = FW_STACK_TOP;
	ld->cpu->rax = MB2_BOOT_MAGIC;
	ld->cpu->rbx = info;
	ld->cpu->rdi = info;
	return 0;
}

static uint32_t fw_le(const uint8_t *p, unsigned int bytes)
{
	uint32_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

int fw_linux_has_header(const struct fw_load *ld)
{
	return ld->len >= 0x206 && fw_le(ld->image + 0x1fe, 2) == LINUX_BOOT_FLAG &&
	       fw_le(ld->image + 0x202, 4) == LINUX_HDR_MAGIC;
}

/*
 * A valid Multiboot2 header wins over Multiboot 1, both over a bzImage (which
 * is refused here: fw_load_linux boots it) and over plain ELF64. A Multiboot
 * magic with a bad checksum or a truncated header fails the load (unless the
 * other protocol's header is valid) rather than let the file boot as
 * something its author did not mean.
 */
static int fw_dispatch(struct fw_load *ld)
{
	size_t off;
	int ret2, ret1;

	ret2 = mb2_find(ld, &off);
	if (ret2 > 0)
		return mb2_load(ld, off);
	ret1 = mb1_find(ld, &off);
	if (ret1 > 0)
		return mb1_load(ld, off);
	if (ret2 < 0 || ret1 < 0)
		return ret1 < 0 ? ret1 : ret2;
	if (fw_linux_has_header(ld))
		return fw_fail(ld, -EINVAL,
			       "a Linux bzImage: boot it through the Linux boot protocol "
			       "(fw_load_linux), not as Multiboot or ELF");
	if (elf_has_magic(ld))
		return fw_boot_elf64(ld);
	return fw_fail(ld, -EINVAL, "not a Multiboot or ELF64 image");
}

enum fw_image_kind fw_image_probe(const void *image, size_t len)
{
	struct fw_load ld = {
		.image = image,
		.len = image ? len : 0,
	};
	size_t off;
	int ret2, ret1;

	ret2 = mb2_find(&ld, &off);
	if (ret2 > 0)
		return FW_IMAGE_MULTIBOOT2;
	ret1 = mb1_find(&ld, &off);
	if (ret1 > 0)
		return FW_IMAGE_MULTIBOOT1;
	if (!ret2 && !ret1 && fw_linux_has_header(&ld))
		return FW_IMAGE_LINUX;
	if (!ret2 && !ret1 && elf_is_exec64(&ld))
		return FW_IMAGE_ELF64;
	return FW_IMAGE_UNKNOWN;
}

size_t fw_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* The module list, checked before anything is written. */
static int fw_check_modules(struct fw_load *ld)
{
	if (ld->nmods > FW_MODULES_MAX || (ld->nmods && !ld->mods))
		return fw_fail(ld, -EINVAL, "%u modules: the loader takes up to %u", ld->nmods,
			       FW_MODULES_MAX);
	for (unsigned int i = 0; i < ld->nmods; i++) {
		if (!ld->mods[i].data && ld->mods[i].len)
			return fw_fail(ld, -EINVAL, "module %u has no data", i);
		if (fw_strnlen(fw_module_cmdline(ld, i), FW_MODULE_CMDLINE_MAX) ==
		    FW_MODULE_CMDLINE_MAX)
			return fw_fail(ld, -E2BIG,
				       "module %u's command line is longer than %u bytes", i,
				       FW_MODULE_CMDLINE_MAX - 1);
	}
	return 0;
}

int fw_load_image(const struct dm_env *env, const void *image, size_t len, const char *cmdline,
		  struct fw_boot_cpu *cpu, char *err, size_t errlen)
{
	return fw_load_image_modules(env, image, len, cmdline, NULL, 0, cpu, err, errlen);
}

int fw_load_image_modules(const struct dm_env *env, const void *image, size_t len,
			  const char *cmdline, const struct fw_module *mods, unsigned int nmods,
			  struct fw_boot_cpu *cpu, char *err, size_t errlen)
{
	struct fw_load ld = {
		.env = env,
		.image = image,
		.len = len,
		.cpu = cpu,
		.err = err,
		.errlen = errlen,
		.mods = mods,
		.nmods = nmods,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!env || !env->mem_write || !cpu || (!image && len))
		return fw_fail(&ld, -EINVAL, "loader called without a guest, an image or a CPU");
	ret = fw_check_modules(&ld);
	if (ret)
		return ret;
	*cpu = (struct fw_boot_cpu){ 0 };
	ld.cmdline = cmdline ? cmdline : "";
	ld.cmdline_len = fw_strnlen(ld.cmdline, FW_CMDLINE_MAX);
	if (ld.cmdline_len == FW_CMDLINE_MAX)
		return fw_fail(&ld, -E2BIG,
			       "command line longer than the %u bytes the boot information holds",
			       FW_CMDLINE_MAX - 1);
	if (env->ram_size <= FW_HIGH_RAM)
		return fw_fail(&ld, -ENOMEM, "guest RAM (%s) does not reach above 1 MiB",
			       FW_SIZE(env->ram_size));
	if (!len)
		return fw_fail(&ld, -EINVAL, "empty image");
	ret = fw_dispatch(&ld);
	if (!ret && err && errlen)
		err[0] = '\0'; /* a broken header of the other protocol may have left a reason */
	return ret;
}
