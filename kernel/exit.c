/*
 * kernel/exit.c: handling a neutral struct vm_exit (DESIGN.md seam 2). One
 * handler per kind, in the table exit_handlers that the run loop (run_slice in
 * kernel/run.c) calls through; an empty slot or a handler
 * that cannot go on crashes the domain with a register dump, never the
 * hypervisor (docs/error-handling.md). Port and MMIO accesses go to the
 * domain's I/O registry; addresses nobody claims read as all ones and
 * ignore writes, like an open bus. Device models run under the domain's
 * dev_lock, since several vCPUs may reach the same device at once.
 */
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/insn.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/vcpu_irq.h"
#include "lib/test_abi.h"

static uint64_t mask_of(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Per-device counts for the debug console and a domain's end (racy by design: statistics). */
static void count_access(struct domain *d, enum dm_space space, const struct dm_io_region *r)
{
	if (r)
		d->io_hits[r - d->io]++;
	else
		d->open_bus[space == DM_SPACE_MMIO]++;
}

static uint64_t io_read(struct domain *d, enum dm_space space, uint64_t addr, unsigned int size)
{
	const struct dm_io_region *r = domain_find_io(d, space, addr);
	uint64_t value = ~0ull, flags;

	count_access(d, space, r);
	if (r && r->read) {
		flags = spin_lock_irqsave(&d->dev_lock);
		if (r->read(r->dev, addr - r->base, size, &value))
			value = ~0ull;
		spin_unlock_irqrestore(&d->dev_lock, flags);
	}
	return value & mask_of(size);
}

static void io_write(struct domain *d, enum dm_space space, uint64_t addr, unsigned int size,
		     uint64_t value)
{
	const struct dm_io_region *r = domain_find_io(d, space, addr);
	uint64_t flags;

	count_access(d, space, r);
	if (r && r->write) {
		flags = spin_lock_irqsave(&d->dev_lock);
		r->write(r->dev, addr - r->base, size, value & mask_of(size));
		spin_unlock_irqrestore(&d->dev_lock, flags);
	}
}

static void handle_io(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t rax = vcpu_get_reg(v, VM_REG_RAX), mask = mask_of(e->io.size);

	if (e->io.is_string) {
		domain_crash(v->dom, v, "string port I/O (INS/OUTS) on port %#x is not supported",
			     e->io.port);
		return;
	}
	if (e->io.is_write && e->io.port == TEST_EXIT_PORT) {
		domain_end(v->dom, (int)(rax & 0xff));
		return;
	}
	if (e->io.is_write && e->io.port == TEST_PROGRESS_PORT)
		__atomic_add_fetch(&v->dom->progress, 1, __ATOMIC_RELAXED);
	if (!e->io.is_write && e->io.size == 4) /* a 32-bit register write clears 63:32 */
		vcpu_set_reg(v, VM_REG_RAX, io_read(v->dom, DM_SPACE_PIO, e->io.port, 4));
	else if (!e->io.is_write)
		vcpu_set_reg(v, VM_REG_RAX,
			     (rax & ~mask) | io_read(v->dom, DM_SPACE_PIO, e->io.port, e->io.size));
	else
		io_write(v->dom, DM_SPACE_PIO, e->io.port, e->io.size, rax & mask);
	if (v->dom->reset_requested) {
		domain_crash(v->dom, v,
			     "the guest reset itself (ACPI reset register %#x); "
			     "bivisor does not restart domains",
			     e->io.port);
		return;
	}
	vcpu_advance_rip(v, e->insn_len);
}

/* The vCPU's own xAPIC page comes first (each vCPU sees its own LAPIC at the same
 * address), then the domain's registry. */
static int lapic_offset(struct vcpu *v, uint64_t gpa, uint32_t *off)
{
	uint64_t base = vlapic_mmio_base(&v->lapic);

	if (!base || gpa < base || gpa - base >= 4096)
		return 0;
	*off = (uint32_t)(gpa - base);
	return 1;
}

static int mmio_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value)
{
	struct vcpu *v = ctx;
	uint32_t off;

	if (lapic_offset(v, gpa, &off)) {
		v->dom->lapic_hits++;
		return vlapic_mmio_read(&v->lapic, off, size, value);
	}
	*value = io_read(v->dom, DM_SPACE_MMIO, gpa, size);
	return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
	struct vcpu *v = ctx;
	uint32_t off;

	if (lapic_offset(v, gpa, &off)) {
		v->dom->lapic_hits++;
		return vlapic_mmio_write(&v->lapic, off, size, value);
	}
	io_write(v->dom, DM_SPACE_MMIO, gpa, size, value);
	return 0;
}

static enum insn_mode vcpu_mode(struct vcpu *v)
{
	struct vm_segment cs;

	vcpu_get_seg(v, VM_SEG_CS, &cs);
	if ((vcpu_get_reg(v, VM_REG_EFER) & (1ull << 10)) && (cs.attr & (1u << 13)))
		return INSN_MODE_64;
	return cs.attr & (1u << 14) ? INSN_MODE_32 : INSN_MODE_16;
}

/* Fetches up to 15 bytes at CS:RIP, fewer if the next page is not mapped. */
static unsigned int fetch_insn(struct vcpu *v, enum insn_mode mode, uint8_t *code)
{
	struct vm_segment cs;
	uint64_t ip = vcpu_get_reg(v, VM_REG_RIP);
	unsigned int first;

	vcpu_get_seg(v, VM_SEG_CS, &cs);
	if (mode != INSN_MODE_64)
		ip = (ip + cs.base) & 0xffffffff;
	first = 4096 - (ip & 4095);
	if (first > INSN_MAX_LEN)
		first = INSN_MAX_LEN;
	if (vcpu_read_gva(v, ip, code, first))
		return 0;
	if (first < INSN_MAX_LEN &&
	    !vcpu_read_gva(v, ip + first, code + first, INSN_MAX_LEN - first))
		return INSN_MAX_LEN;
	return first;
}

static void load_regs(struct vcpu *v, struct insn_regs *r)
{
	for (int i = 0; i < INSN_NR_GPRS; i++)
		r->gpr[i] = vcpu_get_reg(v, i);
	r->rip = vcpu_get_reg(v, VM_REG_RIP);
	r->rflags = vcpu_get_reg(v, VM_REG_RFLAGS);
}

static void store_regs(struct vcpu *v, const struct insn_regs *r)
{
	for (int i = 0; i < INSN_NR_GPRS; i++)
		vcpu_set_reg(v, i, r->gpr[i]);
	vcpu_set_reg(v, VM_REG_RIP, r->rip);
	vcpu_set_reg(v, VM_REG_RFLAGS, r->rflags);
}

static void handle_mmio(struct vcpu *v, const struct vm_exit *e)
{
	struct insn_mmio_ops ops = { v, mmio_read, mmio_write };
	enum insn_mode mode = vcpu_mode(v);
	uint8_t code[INSN_MAX_LEN];
	struct insn_regs regs;
	struct insn_info info;
	unsigned int len;
	int err;

	if (e->mmio.is_walk) {
		domain_crash(v->dom, v, "its page tables point at %#lx, which is not RAM",
			     e->mmio.gpa);
		return;
	}
	if (e->mmio.is_fetch) {
		domain_crash(v->dom, v, "instruction fetch from %#lx, which is not RAM",
			     e->mmio.gpa);
		return;
	}
	len = fetch_insn(v, mode, code);
	if (!len) {
		domain_crash(v->dom, v,
			     "MMIO access to %#lx from an instruction at an unmapped "
			     "address",
			     e->mmio.gpa);
		return;
	}
	load_regs(v, &regs);
	err = insn_emulate_mmio(code, len, mode, &regs, e->mmio.gpa, &ops, &info);
	if (err) {
		domain_crash(v->dom, v,
			     "%s access to MMIO %#lx by an instruction bivisor cannot "
			     "emulate (%02x %02x %02x %02x, error %d)",
			     e->mmio.is_write ? "write" : "read", e->mmio.gpa, code[0], code[1],
			     code[2], code[3], err);
		return;
	}
	store_regs(v, &regs);
}

static void handle_hlt(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_advance_rip(v, e->insn_len);
	vcpu_halt(v, (vcpu_get_reg(v, VM_REG_RFLAGS) & RFLAGS_IF) != 0);
}

static void handle_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_set_reg(v, VM_REG_RAX, (uint64_t)-ENOSYS); /* no hypercalls defined yet */
	vcpu_advance_rip(v, e->insn_len);
}

static void handle_nothing(struct vcpu *v, const struct vm_exit *e)
{
	(void)v, (void)e; /* the host took its interrupt after the exit */
}

static void handle_shutdown(struct vcpu *v, const struct vm_exit *e)
{
	(void)e;
	domain_crash(v->dom, v, "triple fault (shutdown)");
}

static void handle_invalid(struct vcpu *v, const struct vm_exit *e)
{
	domain_crash(v->dom, v, "the CPU refused the guest state (exit %#lx)", e->hw_reason);
}

const exit_handler_t exit_handlers[VM_EXIT_NR_KINDS] = {
	[VM_EXIT_NONE] = handle_nothing,
	[VM_EXIT_IO] = handle_io,
	[VM_EXIT_MMIO] = handle_mmio,
	[VM_EXIT_CPUID] = handle_cpuid,
	[VM_EXIT_MSR_READ] = handle_msr_read,
	[VM_EXIT_MSR_WRITE] = handle_msr_write,
	[VM_EXIT_HLT] = handle_hlt,
	[VM_EXIT_HYPERCALL] = handle_hypercall,
	[VM_EXIT_EXTINT] = handle_nothing,
	[VM_EXIT_NMI] = handle_nothing,
	[VM_EXIT_SHUTDOWN] = handle_shutdown,
	[VM_EXIT_INVALID] = handle_invalid,
	[VM_EXIT_INTR_WINDOW] = handle_nothing, /* the next entry injects */
};

static const char *const kind_names[VM_EXIT_NR_KINDS] = {
	"none",	     "io",	 "mmio",      "cpuid",	 "msr-read",
	"msr-write", "hlt",	 "hypercall", "extint",	 "nmi",
	"exception", "shutdown", "invalid",   "unknown", "intr-window",
};

const char *exit_kind_name(enum vm_exit_kind k)
{
	return k < VM_EXIT_NR_KINDS ? kind_names[k] : "?";
}
