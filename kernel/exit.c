/*
 * kernel/exit.c: handling a neutral struct vm_exit (DESIGN.md seam 2). One
 * handler per kind, in the table exit_handlers that the run loop (run_slice in
 * kernel/run.c) calls through; an empty slot or a handler
 * that cannot go on crashes the domain with a register dump, never the
 * hypervisor (docs/error-handling.md). Port and MMIO accesses go to the
 * domain's I/O bus (drivers/iobus.c); addresses nobody claims read as all
 * ones and ignore writes, like an open bus. Device models run under the
 * domain's dev_lock (the bus takes it), since several vCPUs may reach the
 * same device at once. A MOV to CR4 is checked against the guest's CPUID
 * (Intel SDM vol. 2B "MOV - Move to/from Control Registers").
 */
#include "arch/x86/x86.h"
#include "drivers/cpu_policy.h"
#include "kernel/balloon.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/hypercall.h"
#include "kernel/insn.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/vcpu_irq.h"
#include "kernel/share.h"
#include "lib/string.h"

/*
 * An OUT's special ports first, then the bus. Returns 1 when it was the test
 * exit, which ended the domain (there is no next instruction to go to), or
 * when the port is forwarded to the service and the vCPU waits for its
 * answer (kernel/ioreq.c: the exit is handled again then).
 */
static int port_write(struct vcpu *v, uint16_t port, unsigned int size, uint64_t value)
{
	if (port == PC_TEST_EXIT_PORT) {
		domain_end(v->dom, (int)(value & 0xff));
		return 1;
	}
	if (port == PC_PROGRESS_PORT)
		__atomic_add_fetch(&v->dom->progress, 1, __ATOMIC_RELAXED);
	iobus_write(&v->dom->bus, DM_SPACE_PIO, port, size, value);
	return v->wait == WAIT_IOREQ;
}

/* After a port write: a reset the guest asked for ends it. Returns 1 if it did. */
static int reset_asked(struct vcpu *v, uint16_t port)
{
	if (!v->dom->reset_requested)
		return 0;
	domain_crash(v->dom, v,
		     "the guest reset itself (ACPI reset register %#x); "
		     "bivisor does not restart domains",
		     port);
	return 1;
}

static void handle_string_io(struct vcpu *v, const struct vm_exit *e);

static void handle_io(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t rax = vcpu_get_reg(v, VM_REG_RAX), mask = iobus_width_mask(e->io.size), val;

	if (e->io.is_string) {
		handle_string_io(v, e);
		return;
	}
	if (!e->io.is_write) {
		val = iobus_read(&v->dom->bus, DM_SPACE_PIO, e->io.port, e->io.size);
		if (v->wait == WAIT_IOREQ)
			return;
		/* a 32-bit register write clears 63:32 */
		vcpu_set_reg(v, VM_REG_RAX, e->io.size == 4 ? val : (rax & ~mask) | val);
	} else if (port_write(v, e->io.port, e->io.size, rax & mask)) {
		return;
	}
	if (reset_asked(v, e->io.port))
		return;
	vcpu_advance_rip(v, e->insn_len);
}

/* The vCPU's own xAPIC page comes first (each vCPU sees its own LAPIC at the same
 * address), then the domain's I/O bus. */
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
		iobus_count(&v->dom->bus, v->dom->lapic_counter, 0);
		return vlapic_mmio_read(&v->lapic, off, size, value);
	}
	*value = iobus_read(&v->dom->bus, DM_SPACE_MMIO, gpa, size);
	return v->wait == WAIT_IOREQ ? -EBUSY : 0; /* forwarded */
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
	struct vcpu *v = ctx;
	uint32_t off;

	if (lapic_offset(v, gpa, &off)) {
		iobus_count(&v->dom->bus, v->dom->lapic_counter, 1);
		return vlapic_mmio_write(&v->lapic, off, size, value);
	}
	iobus_write(&v->dom->bus, DM_SPACE_MMIO, gpa, size, value);
	return v->wait == WAIT_IOREQ ? -EBUSY : 0; /* forwarded */
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

/*
 * The opcode bytes after the prefixes of the instructions whose exits carry no
 * length when the CPU has no NRIP save (AMD APM vol. 2 15.7.1): CPUID, RDMSR,
 * WRMSR, HLT and VMMCALL / VMCALL. A prefix (a segment override, 66, REX ...)
 * makes the instruction longer than its opcode, so the length is read from
 * the guest's code at RIP rather than taken from a table.
 */
static const struct {
	uint8_t len, op[3];
} fixed_opcodes[VM_EXIT_NR_KINDS] = {
	[VM_EXIT_CPUID] = { 2, { 0x0f, 0xa2 } },     [VM_EXIT_MSR_READ] = { 2, { 0x0f, 0x32 } },
	[VM_EXIT_MSR_WRITE] = { 2, { 0x0f, 0x30 } }, [VM_EXIT_HLT] = { 1, { 0xf4 } },
	[VM_EXIT_HYPERCALL] = { 3, { 0x0f, 0x01 } },
};

/*
 * MOV to CRn is 0F 22 /r (SDM vol. 2B "MOV - Move to/from Control Registers";
 * AMD APM vol. 2 15.9 without decode assists): ModRM.reg (REX.R: +8) names the
 * control register, ModRM.rm (REX.B: +8) the source, whatever ModRM.mod says.
 * Leaves gpr unknown if the code at RIP is not that instruction.
 */
static void cr_write_decode(struct vcpu *v, struct vm_exit *e)
{
	uint8_t code[INSN_MAX_LEN], modrm;
	struct insn_prefixes p;
	enum insn_mode mode = vcpu_mode(v);
	unsigned int n = fetch_insn(v, mode, code);

	if (!n || insn_decode_prefixes(code, n, mode, &p) || p.len + 3 > n || code[p.len] != 0x0f ||
	    code[p.len + 1] != 0x22)
		return;
	modrm = code[p.len + 2];
	if ((((modrm >> 3) & 7) | (p.rex & 4 ? 8 : 0)) != e->cr.cr)
		return;
	e->cr.gpr = (modrm & 7) | (p.rex & 1 ? 8 : 0);
	e->insn_len = p.len + 3;
}

void exit_insn_len(struct vcpu *v, struct vm_exit *e)
{
	uint8_t code[INSN_MAX_LEN];
	struct insn_prefixes p;
	enum insn_mode mode;
	unsigned int n, len;

	if (e->kind == VM_EXIT_CR_WRITE && e->cr.gpr == VM_CR_GPR_UNKNOWN)
		cr_write_decode(v, e);
	if (e->insn_len || e->kind >= VM_EXIT_NR_KINDS || !fixed_opcodes[e->kind].len)
		return;
	len = fixed_opcodes[e->kind].len;
	e->insn_len = len; /* the opcode alone, if the code cannot be read or changed */
	mode = vcpu_mode(v);
	n = fetch_insn(v, mode, code);
	if (!n || insn_decode_prefixes(code, n, mode, &p) || p.len + len > n ||
	    memcmp(&code[p.len], fixed_opcodes[e->kind].op, len == 3 ? 2 : len))
		return;
	e->insn_len = p.len + len;
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

/*
 * The bytes of the instruction behind an MMIO exit: those the CPU saved (SVM
 * decode assists, AMD APM vol. 2 15.33.4) when they hold all of it, else read
 * at CS:RIP. Returns how many, 0 if the code cannot be read.
 */
static unsigned int mmio_insn_bytes(struct vcpu *v, const struct vm_exit *e, enum insn_mode mode,
				    uint8_t *code)
{
	if (!insn_saved_whole(e->mmio.saved, e->mmio.saved_len, mode))
		return fetch_insn(v, mode, code);
	memcpy(code, e->mmio.saved, e->mmio.saved_len);
	return e->mmio.saved_len;
}

static void handle_mmio(struct vcpu *v, const struct vm_exit *e)
{
	struct insn_mmio_ops ops = { v, mmio_read, mmio_write };
	enum insn_mode mode = vcpu_mode(v);
	uint8_t code[INSN_MAX_LEN] = { 0 };
	struct insn_regs regs;
	struct insn_info info;
	unsigned int len;
	int err;

	if (share_fault(v, e->mmio.gpa, e->mmio.is_write))
		return; /* a write to a shared page, now its own copy: the guest retries */
	if (balloon_fault(v, e->mmio.gpa))
		return; /* a page its balloon released, backed again: the guest retries */
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
	len = mmio_insn_bytes(v, e, mode, code);
	if (!len) {
		domain_crash(v->dom, v,
			     "MMIO access to %#lx from an instruction at an unmapped "
			     "address",
			     e->mmio.gpa);
		return;
	}
	load_regs(v, &regs);
	err = insn_emulate_mmio(code, len, mode, &regs, e->mmio.gpa, &ops, &info);
	if (err && (v->wait == WAIT_IOREQ || v->dom->state != DOMAIN_RUNNING))
		return; /* forwarded: handled again with the answer; or crashed */
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

/*
 * INS and OUTS (SDM vol. 2 "INS/INSB/INSW/INSD", "OUTS/OUTSB/OUTSW/OUTSD"; AMD
 * APM vol. 2 15.10.2): the exit gives the port, the width, the direction and
 * REP; the instruction's prefixes give its address size and, for OUTS, a
 * segment override. INS writes ES:rDI, OUTS reads DS:rSI (segment bases are
 * 0 in long mode but for FS and GS), both step by the width, backwards when
 * RFLAGS.DF is set; REP repeats rCX times. Up to STRING_IO_BATCH elements per
 * exit: the rest is done by the same instruction, which exits again.
 */
#define STRING_IO_BATCH 4096
#define RFLAGS_DF (1ull << 10)

/* OUTS's source segment: DS or the override of the prefix seg (kernel/insn.h). */
static enum vm_seg string_io_seg(uint8_t seg)
{
	static const enum vm_seg segs[] = { VM_SEG_ES, VM_SEG_CS, VM_SEG_SS, VM_SEG_DS };

	if (seg == 0x64 || seg == 0x65)
		return seg == 0x64 ? VM_SEG_FS : VM_SEG_GS;
	return seg ? segs[(seg >> 3) & 3] : VM_SEG_DS;
}

/* A register that holds an address of addr_size bytes, after it changed. */
static uint64_t merge_reg(uint64_t old, uint64_t val, unsigned int addr_size)
{
	if (addr_size == 4) /* a 32-bit result clears 63:32, as in 64-bit mode */
		return val & 0xffffffff;
	return addr_size == 8 ? val : (old & ~0xffffull) | (val & 0xffff);
}

/* One element of the string: 0, or -EFAULT if its memory is not guest RAM. A
 * forwarded port leaves the element undone (the vCPU waits, kernel/ioreq.c). */
static int string_io_one(struct vcpu *v, const struct vm_exit *e, gva_t gva)
{
	uint64_t val = 0;

	if (!e->io.is_write) {
		val = iobus_read(&v->dom->bus, DM_SPACE_PIO, e->io.port, e->io.size);
		if (v->wait == WAIT_IOREQ)
			return 0;
		return vcpu_write_gva(v, gva, &val, e->io.size);
	}
	if (vcpu_read_gva(v, gva, &val, e->io.size))
		return -EFAULT;
	port_write(v, e->io.port, e->io.size, val);
	return 0;
}

static void handle_string_io(struct vcpu *v, const struct vm_exit *e)
{
	enum insn_mode mode = vcpu_mode(v);
	int reg = e->io.is_write ? VM_REG_RSI : VM_REG_RDI;
	uint64_t rcx = vcpu_get_reg(v, VM_REG_RCX), idx = vcpu_get_reg(v, reg), amask, count;
	uint64_t step =
		vcpu_get_reg(v, VM_REG_RFLAGS) & RFLAGS_DF ? -(uint64_t)e->io.size : e->io.size;
	uint8_t code[INSN_MAX_LEN];
	struct vm_segment seg;
	struct insn_prefixes p;
	enum vm_seg sreg;
	unsigned int len = fetch_insn(v, mode, code);

	if (!len || insn_decode_prefixes(code, len, mode, &p) || (code[p.len] & 0xfc) != 0x6c) {
		domain_crash(v->dom, v,
			     "string port I/O on port %#x by an instruction bivisor "
			     "cannot decode",
			     e->io.port);
		return;
	}
	amask = iobus_width_mask(p.addr_size);
	count = e->io.rep ? rcx & amask : 1;
	sreg = e->io.is_write ? string_io_seg(p.seg) : VM_SEG_ES; /* INS has no override */
	vcpu_get_seg(v, sreg, &seg);
	if (mode == INSN_MODE_64 && sreg != VM_SEG_FS && sreg != VM_SEG_GS)
		seg.base = 0;
	for (unsigned int n = 0; count && n < STRING_IO_BATCH; n++, count--) {
		gva_t gva = seg.base + (idx & amask);

		if (string_io_one(v, e, mode == INSN_MODE_64 ? gva : gva & 0xffffffff)) {
			domain_crash(v->dom, v, "string port I/O on port %#x at %#lx, not RAM",
				     e->io.port, gva);
			return;
		}
		if (v->wait == WAIT_IOREQ || v->dom->state != DOMAIN_RUNNING)
			return; /* forwarded: this element is done when it is answered */
		idx = merge_reg(idx, idx + step, p.addr_size);
		if (v->io.replayed) { /* one forwarded element per round trip */
			count--;
			break;
		}
	}
	vcpu_set_reg(v, reg, idx);
	if (e->io.rep)
		vcpu_set_reg(v, VM_REG_RCX, merge_reg(rcx, count, p.addr_size));
	if (reset_asked(v, e->io.port) || count)
		return; /* REP not done: the instruction runs on from where it is */
	vcpu_advance_rip(v, p.len + 1);
}

/*
 * A MOV to CR4 (the only control register write that exits): checked against
 * the guest's CPUID and mode by drivers/cpu_policy.c:cpu_policy_cr4_valid, then
 * #GP(0) or done. Outside 64-bit mode the source is 32 bits wide. The backend
 * flushes the TLB where the new value asks for it (kernel/virt.h).
 */
static void handle_cr_write(struct vcpu *v, const struct vm_exit *e)
{
	struct cpu_policy_cr_state s = { vcpu_get_reg(v, VM_REG_CR0), vcpu_get_reg(v, VM_REG_CR3),
					 vcpu_get_reg(v, VM_REG_CR4),
					 vcpu_get_reg(v, VM_REG_EFER) };
	uint64_t value;

	if (e->cr.cr != 4 || e->cr.gpr >= 16 || !e->insn_len) {
		domain_crash(v->dom, v, "a MOV to CR%u bivisor cannot decode", e->cr.cr);
		return;
	}
	value = vcpu_get_reg(v, e->cr.gpr);
	if (vcpu_mode(v) != INSN_MODE_64)
		value = (uint32_t)value;
	if (!cpu_policy_cr4_valid(&s, value, cpuid_cr4_allowed())) {
		vcpu_inject_gp(v);
		return;
	}
	vcpu_set_reg(v, VM_REG_CR4, value);
	vcpu_advance_rip(v, e->insn_len);
}

static void handle_hlt(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_advance_rip(v, e->insn_len);
	vcpu_halt(v, (vcpu_get_reg(v, VM_REG_RFLAGS) & RFLAGS_IF) != 0);
}

static void handle_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	hypercall_dispatch(v); /* kernel/hypercall.c */
	vcpu_advance_rip(v, e->insn_len);
}

static void handle_nothing(struct vcpu *v, const struct vm_exit *e)
{
	(void)v, (void)e; /* the host took its interrupt after the exit */
}

/*
 * The vCPU ran PAUSE many times in a row (a spin loop waiting for another
 * vCPU, perhaps one that is not running): give its CPU to whoever waits for
 * it. RIP stays on the PAUSE, which runs again when the vCPU comes back.
 */
static void handle_pause(struct vcpu *v, const struct vm_exit *e)
{
	(void)e;
	sched_yield(v);
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
	[VM_EXIT_PAUSE] = handle_pause,
	[VM_EXIT_NMI_WINDOW] = handle_nothing, /* the next entry injects the waiting NMI */
	[VM_EXIT_CR_WRITE] = handle_cr_write,
};

static const char *const kind_names[VM_EXIT_NR_KINDS] = {
	"none",	   "io",	"mmio",	       "cpuid", "msr-read",   "msr-write",
	"hlt",	   "hypercall", "extint",      "nmi",	"exception",  "shutdown",
	"invalid", "unknown",	"intr-window", "pause", "nmi-window", "cr-write",
};

const char *exit_kind_name(enum vm_exit_kind k)
{
	return k < VM_EXIT_NR_KINDS ? kind_names[k] : "?";
}
