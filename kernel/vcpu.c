/*
 * kernel/vcpu.c: what kernel/ does with a vCPU regardless of the backend:
 * the boot state a loader asks for (Multiboot: 32-bit protected mode, flat,
 * paging off; ELF64 and Linux: long mode; the selectors of the loader's GDT),
 * reads through the guest's own page tables (Intel SDM vol. 3A 4.3 32-bit
 * paging, 4.4 PAE, 4.5 4-level and 5-level paging; the same formats on AMD), and the
 * register dump of a crash.
 */
#include "drivers/firmware/boot_cmdline.h"
#include "drivers/firmware/loader.h"
#include "drivers/firmware/pc_acpi.h"
#include "kernel/cmdline.h"
#include "kernel/domain.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "lib/format.h"

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

/* CS gets code; ES, SS, DS, FS and GS get data. */
static void set_code_data(struct vcpu *v, const struct vm_segment *code,
			  const struct vm_segment *data)
{
	vcpu_set_seg(v, VM_SEG_CS, code);
	for (int s = VM_SEG_ES; s <= VM_SEG_GS; s++)
		if (s != VM_SEG_CS)
			vcpu_set_seg(v, s, data);
}

void vcpu_set_boot_state(struct vcpu *v, const struct fw_boot_cpu *c)
{
	int long_mode = c->mode == FW_CPU_LONG64;
	/* flat, the selectors index the GDT the loader wrote */
	struct vm_segment code = { c->code_sel, long_mode ? SEG_ATTR_CODE64 : SEG_ATTR_CODE32,
				   0xffffffff, 0 };
	struct vm_segment data = { c->data_sel, SEG_ATTR_DATA, 0xffffffff, 0 };
	struct vm_segment gdtr = { 0, 0, c->gdt_limit, c->gdt_base };
	struct vm_segment idtr = { 0, 0, 0, 0 };

	set_code_data(v, &code, &data);
	vcpu_set_seg(v, VM_SEG_GDTR, &gdtr);
	vcpu_set_seg(v, VM_SEG_IDTR, &idtr);
	vcpu_set_reg(v, VM_REG_CR0, CR0_PE | CR0_ET | (long_mode ? CR0_PG : 0));
	vcpu_set_reg(v, VM_REG_CR4, long_mode ? CR4_PAE : 0);
	vcpu_set_reg(v, VM_REG_CR3, long_mode ? c->cr3 : 0);
	vcpu_set_reg(v, VM_REG_EFER, long_mode ? EFER_LME | EFER_LMA : 0);
	vcpu_set_reg(v, VM_REG_RFLAGS, 0x2);
	vcpu_set_reg(v, VM_REG_RIP, c->rip);
	vcpu_set_reg(v, VM_REG_RSP, c->rsp);
	vcpu_set_reg(v, VM_REG_RAX, c->rax);
	vcpu_set_reg(v, VM_REG_RBX, c->rbx);
	vcpu_set_reg(v, VM_REG_RSI, c->rsi);
	vcpu_set_reg(v, VM_REG_RDI, c->rdi);
}

/* Real mode with the given CS; the other registers as INIT leaves them. */
static void set_real_mode(struct vcpu *v, uint16_t cs_sel, uint64_t cs_base, uint64_t rip)
{
	struct vm_segment code = { cs_sel, 0x009b, 0xffff, cs_base };
	struct vm_segment data = { 0, 0x0093, 0xffff, 0 };
	struct vm_segment table = { 0, 0, 0xffff, 0 };
	struct vm_segment ldtr = { 0, SEG_ATTR_LDT, 0xffff, 0 };
	struct vm_segment tr = { 0, SEG_ATTR_TSS, 0xffff, 0 };

	set_code_data(v, &code, &data);
	vcpu_set_seg(v, VM_SEG_GDTR, &table);
	vcpu_set_seg(v, VM_SEG_IDTR, &table);
	vcpu_set_seg(v, VM_SEG_LDTR, &ldtr);
	vcpu_set_seg(v, VM_SEG_TR, &tr);
	vcpu_set_reg(v, VM_REG_RIP, rip);
}

void vcpu_reset_state(struct vcpu *v)
{
	for (int r = VM_REG_RAX; r <= VM_REG_R15; r++)
		vcpu_set_reg(v, r, 0);
	vcpu_set_reg(v, VM_REG_CR0, 0x60000010); /* CD, NW, ET */
	vcpu_set_reg(v, VM_REG_CR2, 0);
	vcpu_set_reg(v, VM_REG_CR3, 0);
	vcpu_set_reg(v, VM_REG_CR4, 0);
	vcpu_set_reg(v, VM_REG_EFER, 0);
	vcpu_set_reg(v, VM_REG_RFLAGS, 0x2);
	set_real_mode(v, 0xf000, 0xffff0000, 0xfff0);
}

void vcpu_sipi_state(struct vcpu *v, uint8_t vec)
{
	set_real_mode(v, (uint16_t)(vec << 8), (uint64_t)vec << 12, 0);
}

static int read_pte(struct vcpu *v, gpa_t table, unsigned int idx, unsigned int size, uint64_t *pte)
{
	*pte = 0;
	return v->dom->env.mem_read(v->dom, table + idx * size, pte, size);
}

/* A level of a crash report's walk: the table's gpa, the host frame behind it, the entry. */
static void trace_level(struct vcpu *v, int level, gpa_t table, unsigned int idx, uint64_t pte,
			int bad)
{
	struct gpt_leaf leaf = { 0 };

	gpt_lookup(&v->dom->gpt, table, &leaf);
	printk("    L%d table gpa %#lx (hpa %#lx) [%u] = %016lx%s\n", level, table, leaf.hpa, idx,
	       pte, bad ? " (unreadable)" : "");
}

/* Walks levels of 512 8-byte entries (PAE, 4- and 5-level) from the table at root;
 * with trace, prints each level it reads (vcpu_dump). */
static int walk_wide(struct vcpu *v, gpa_t root, gva_t gva, int levels, gpa_t *gpa, int trace)
{
	unsigned int shift = 12 + 9 * (levels - 1);
	uint64_t pte;

	for (int level = levels; level >= 1; level--, shift -= 9) {
		unsigned int idx = (gva >> shift) & 511;
		int bad = read_pte(v, root, idx, 8, &pte);

		if (trace)
			trace_level(v, level, root, idx, pte, bad);
		if (bad || !(pte & PTE_P))
			return -EFAULT;
		if (level == 1 || (level <= 3 && (pte & PTE_PS))) {
			uint64_t page = (1ull << shift) - 1;

			*gpa = ((pte & PTE_ADDR) & ~page) | (gva & page);
			return 0;
		}
		root = pte & PTE_ADDR;
	}
	return -EFAULT;
}

static int walk_legacy(struct vcpu *v, gpa_t root, gva_t gva, gpa_t *gpa)
{
	uint64_t pde, pte;

	if (read_pte(v, root, (gva >> 22) & 1023, 4, &pde) || !(pde & PTE_P))
		return -EFAULT;
	if ((pde & PTE_PS) && (vcpu_get_reg(v, VM_REG_CR4) & CR4_PSE)) {
		*gpa = (pde & 0xffc00000) | ((pde & 0x1fe000) << 19) | (gva & 0x3fffff);
		return 0;
	}
	if (read_pte(v, pde & 0xfffff000, (gva >> 12) & 1023, 4, &pte) || !(pte & PTE_P))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (gva & 0xfff);
	return 0;
}

static int vcpu_gva_to_gpa(struct vcpu *v, gva_t gva, gpa_t *gpa)
{
	uint64_t cr0 = vcpu_get_reg(v, VM_REG_CR0), cr3 = vcpu_get_reg(v, VM_REG_CR3);
	uint64_t cr4 = vcpu_get_reg(v, VM_REG_CR4), efer = vcpu_get_reg(v, VM_REG_EFER);
	uint64_t pdpte;

	if (!(cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffff;
		return 0;
	}
	if (efer & EFER_LMA) /* 4-level, or 5-level with CR4.LA57 (SDM 4.5) */
		return walk_wide(v, cr3 & PTE_ADDR, gva, cr4 & CR4_LA57 ? 5 : 4, gpa, 0);
	if (!(cr4 & CR4_PAE))
		return walk_legacy(v, cr3 & 0xfffff000, gva & 0xffffffff, gpa);
	/* PAE: 4 PDPTEs at CR3[31:5], then two 512-entry levels */
	if (read_pte(v, cr3 & 0xffffffe0, (gva >> 30) & 3, 8, &pdpte) || !(pdpte & PTE_P))
		return -EFAULT;
	return walk_wide(v, pdpte & PTE_ADDR, gva & 0x3fffffff, 2, gpa, 0);
}

/* Copies between buf and guest memory at gva, page by page through the guest's tables. */
static int gva_copy(struct vcpu *v, gva_t gva, uint8_t *buf, unsigned int len, int is_write)
{
	struct dm_env *env = &v->dom->env;
	gpa_t gpa;

	while (len) {
		unsigned int chunk = 4096 - (gva & 4095);

		if (chunk > len)
			chunk = len;
		if (vcpu_gva_to_gpa(v, gva, &gpa) ||
		    (is_write ? env->mem_write(v->dom, gpa, buf, chunk)
			      : env->mem_read(v->dom, gpa, buf, chunk)))
			return -EFAULT;
		gva += chunk, buf += chunk, len -= chunk;
	}
	return 0;
}

int vcpu_read_gva(struct vcpu *v, gva_t gva, void *buf, unsigned int len)
{
	return gva_copy(v, gva, buf, len, 0);
}

int vcpu_write_gva(struct vcpu *v, gva_t gva, const void *buf, unsigned int len)
{
	return gva_copy(v, gva, (uint8_t *)buf, len, 1);
}

/* One line per level of the guest's long-mode walk of gva (a crash report shows
 * whether a table was emptied). */
static void dump_walk(struct vcpu *v, const char *what, gva_t gva)
{
	int levels = vcpu_get_reg(v, VM_REG_CR4) & CR4_LA57 ? 5 : 4;
	gpa_t gpa;

	if (!(vcpu_get_reg(v, VM_REG_EFER) & EFER_LMA))
		return;
	printk("  walk of %s %016lx:\n", what, gva);
	walk_wide(v, vcpu_get_reg(v, VM_REG_CR3) & PTE_ADDR, gva, levels, &gpa, 1);
}

void vcpu_dump(struct vcpu *v)
{
	static const char *const names[16] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP",
					       "RSI", "RDI", "R8 ", "R9 ", "R10", "R11",
					       "R12", "R13", "R14", "R15" };

	printk("  vcpu %u of %s: RIP=%016lx RFLAGS=%08lx\n", v->id, v->dom->name,
	       vcpu_get_reg(v, VM_REG_RIP), vcpu_get_reg(v, VM_REG_RFLAGS));
	for (int i = 0; i < 16; i += 4)
		printk("  %s=%016lx %s=%016lx %s=%016lx %s=%016lx\n", names[i], vcpu_get_reg(v, i),
		       names[i + 1], vcpu_get_reg(v, i + 1), names[i + 2], vcpu_get_reg(v, i + 2),
		       names[i + 3], vcpu_get_reg(v, i + 3));
	printk("  CR0=%08lx CR2=%016lx CR3=%016lx CR4=%08lx EFER=%lx\n",
	       vcpu_get_reg(v, VM_REG_CR0), vcpu_get_reg(v, VM_REG_CR2),
	       vcpu_get_reg(v, VM_REG_CR3), vcpu_get_reg(v, VM_REG_CR4),
	       vcpu_get_reg(v, VM_REG_EFER));
	virt->dump(v);
	dump_walk(v, "RIP", vcpu_get_reg(v, VM_REG_RIP));
	dump_walk(v, "CR2", vcpu_get_reg(v, VM_REG_CR2));
}

int domain_load(struct domain *d, const void *image, uint64_t len, const char *cmdline,
		const struct fw_module *mods, unsigned int nmods)
{
	struct fw_boot_cpu cpu;
	char err[128], line[DOMAIN_NAME_LEN + CMDLINE_MAX_WORD + 1];
	int rc = platform_create(d);

	if (rc) {
		pr_err("domain %s: not created: no room for its devices\n", d->name);
		return rc;
	}
	/* argv[0] is the domain's name: GRUB gives bivisor no module's path */
	rc = fw_boot_cmdline(line, sizeof(line), d->name, cmdline);
	if (!rc)
		rc = fw_load_image_modules(&d->env, image, len, line, mods, nmods, &cpu, err,
					   sizeof(err));
	else
		fmt_snprintf(err, sizeof(err), "the command line is too long");
	if (!rc) /* the PC's ACPI tables, as a Linux domain's (docs/pc-platform.md) */
		rc = fw_build_acpi_pc(&d->env, d->nvcpus, PC_RESET_PORT, err, sizeof(err));
	if (rc) {
		pr_err("domain %s: not created: %s\n", d->name, err);
		return rc;
	}
	vcpu_set_boot_state(d->vcpus[0], &cpu);
	return 0;
}
