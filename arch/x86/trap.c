/*
 * arch/x86/trap.c: exception and interrupt dispatch. An exception in the
 * hypervisor is a hypervisor bug: it prints the vector, error code, RIP, CR2,
 * every register and a frame-pointer stack trace, then stops that CPU
 * (docs/error-handling.md). Vector names follow Intel SDM vol. 3A table 6-1.
 * An event taken where a guest's GS base and TR are loaded (SVM between VMRUN
 * and the host's VMLOAD, AMD APM vol. 2 15.5.2) first gets the host's GS base
 * back, found by the local APIC ID, so it can be reported; IST vectors (#DF,
 * NMI, #MC) cannot be: their stack comes from the guest's TSS.
 */
#include "arch/x86/trap.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/x86.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

static irq_handler_t handlers[256];
static uint64_t guest_window_start, guest_window_end;

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security",
	"reserved 31",
};

static const char *vector_name(uint64_t vector)
{
	return vector < 32 ? exc_names[vector] : "interrupt";
}

void trap_register(int vector, irq_handler_t fn)
{
	handlers[vector] = fn;
}

static void dump_stack(uint64_t rbp)
{
	printk_force("stack trace:\n");
	for (int depth = 0; depth < 16; depth++) {
		const uint64_t *fp = (const uint64_t *)rbp;

		if (rbp < 0x100000 || rbp % 8 || rbp >= (1ull << 32))
			break;
		if (!fp[1])
			break;
		printk_force("  #%d %016lx\n", depth, fp[1]);
		rbp = fp[0];
	}
}

static void trap_dump(const struct trap_frame *f)
{
	printk_force("RIP=%016lx CS=%04lx RFLAGS=%08lx RSP=%016lx SS=%04lx\n", f->rip, f->cs,
		     f->rflags, f->rsp, f->ss);
	printk_force("CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx\n", read_cr0(), read_cr2(),
		     read_cr3(), read_cr4());
	printk_force("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", f->rax, f->rbx, f->rcx,
		     f->rdx);
	printk_force("RSI=%016lx RDI=%016lx RBP=%016lx R8 =%016lx\n", f->rsi, f->rdi, f->rbp,
		     f->r8);
	printk_force("R9 =%016lx R10=%016lx R11=%016lx R12=%016lx\n", f->r9, f->r10, f->r11,
		     f->r12);
	printk_force("R13=%016lx R14=%016lx R15=%016lx\n", f->r13, f->r14, f->r15);
	printk_force("  #-1 %016lx (faulting RIP)\n", f->rip);
	dump_stack(f->rbp);
}

static void page_fault_reason(uint64_t err)
{
	printk_force("page fault: %s %s%s%s at CR2=%016lx\n",
		     err & 1 ? "protection violation on" : "not-present page on",
		     err & 16  ? "instruction fetch"
		     : err & 2 ? "write"
			       : "read",
		     err & 4 ? " (user)" : "", err & 8 ? " (reserved bit)" : "", read_cr2());
}

static void exception(struct trap_frame *f)
{
	struct percpu *pc = this_cpu();

	if (pc->in_exception++) {
		printk_force("EXCEPTION %s inside the exception handler on cpu%u; stopping\n",
			     vector_name(f->vector), pc->id);
		cpu_stop();
	}
	printk_force("\nEXCEPTION %s (vector %lu) on cpu%u, error code %#lx\n",
		     vector_name(f->vector), f->vector, pc->id, f->error);
	if (f->vector == 14)
		page_fault_reason(f->error);
	trap_dump(f);
	printk_force("cpu%u stopped\n", pc->id);
	cpu_stop();
}

void trap_set_guest_window(uint64_t start, uint64_t end)
{
	guest_window_start = start;
	guest_window_end = end;
}

/* The host's GS base again, so this_cpu() works: the percpu whose APIC ID is ours.
 * 0 when none is (then nothing that uses this_cpu() may run). */
static int host_gs_back(void)
{
	uint32_t id = lapic_id();

	for (unsigned int i = 0; i < ncpus_online; i++) {
		if (cpus[i]->apic_id == id) {
			wrmsr(MSR_GS_BASE, (uint64_t)cpus[i]);
			return 1;
		}
	}
	return 0;
}

/* Nothing may be taken there (GIF is clear): a hypervisor bug, reported whatever the vector. */
static void guest_window_trap(struct trap_frame *f)
{
	if (!host_gs_back()) {
		printk_force("\nvector %lu taken after VMRUN on a CPU of unknown APIC ID %u\n",
			     f->vector, lapic_id());
		cpu_stop();
	}
	printk_force("\nvector %lu (%s) taken between VMRUN and the host's VMLOAD, with the "
		     "guest's TR and GS base loaded, on cpu%u\n",
		     f->vector, vector_name(f->vector), this_cpu()->id);
	exception(f);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->rip - guest_window_start < guest_window_end - guest_window_start) {
		guest_window_trap(f);
		return;
	}
	if (f->vector < 32 && f->vector != 2) {
		exception(f);
		return;
	}
	if (handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	if (f->vector == 2) {
		if (panic_in_progress)
			cpu_halt_forever(); /* another CPU panicked and stops us */
		exception(f);
		return;
	}
	pr_warn("unexpected interrupt vector %lu on cpu%u\n", f->vector, this_cpu()->id);
	lapic_eoi();
}
