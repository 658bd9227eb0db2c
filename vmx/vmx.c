/*
 * vmx/vmx.c: the Intel VMX backend (Intel SDM vol. 3C): capability MSRs
 * read once and every control adjusted to what they allow (appendix A.3-A.8),
 * VMXON per CPU (24.7, 24.11.5), a VMCS per vCPU written from tables (25.4
 * guest state, 25.5 host state, 25.6-25.8 controls), VPID (29.1), register
 * and segment access, event injection (27.6) and VM entry (26).
 */
#include "arch/x86/gdt.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "include/public/hypercall.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "vmx/vmx.h"
#include "vmx/vmx_caps.h"
#include "kernel/options.h"

#define MSR_FEATURE_CONTROL 0x3a
#define MSR_PAT 0x277
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define CR0_PE (1ull << 0)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define EFER_LMA (1ull << 10)

struct vmx_caps {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry; /* the values in use */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

static struct vmx_caps caps;
static hpa_t vmxon_region[MAX_CPUS];
static hpa_t io_bitmaps, msr_bitmap;
static hpa_t current_vmcs[MAX_CPUS];
static uint16_t next_vpid = 1;
static uint32_t preempt_ticks; /* PREEMPT_NS in the preemption timer's units (SDM A.6) */
static int nmi_window_ok;      /* virtual NMIs and NMI-window exiting allowed (SDM A.3) */
static unsigned int invept_type, invvpid_type; /* VMX_INV_*, chosen by vmx_choose_features */

#define MSR_VMX_MISC 0x485
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_PROCBASED_CTLS3 0x492
#define PROC_TERTIARY (1u << 17)
#define PREEMPT_NS 1000000ull /* a guest exits at least this often, as with the host tick */
/*
 * PAUSE-loop exiting (SDM 25.6.13, 26.1.3): at CPL 0, PAUSEs at most PLE_GAP
 * TSC ticks apart form one loop, and a loop longer than PLE_WINDOW ticks
 * exits, so a vCPU spinning on a lock yields its CPU (kernel/exit.c), as
 * with SVM's pause filter. KVM's defaults.
 */
#define PLE_GAP 128
#define PLE_WINDOW 4096

static const uint32_t guest_msr_index[VMX_GUEST_MSRS] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102,
};

/* Controls: (want | must-be-one) & may-be-one; returns -1 if a required bit is missing. */
static int adjust(uint32_t msr, uint32_t want, uint32_t need, uint32_t *out, const char *what)
{
	uint64_t allowed = rdmsr(msr);
	uint32_t v = (want | (uint32_t)allowed) & (uint32_t)(allowed >> 32);

	if ((v & need) != need) {
		printk("vmx: the CPU lacks %s controls bivisor needs (%#x of %#x)\n", what,
		       need & ~v, need);
		return -1;
	}
	*out = v;
	return 0;
}

/* What the CPU offers (SDM vol. 3D A.3, A.10), for the banner and the choices below. */
static void vmx_read_offer(int tru, struct vmx_offer *o)
{
	o->pin = (uint32_t)(rdmsr(tru ? 0x48d : 0x481) >> 32);
	o->proc = (uint32_t)(rdmsr(tru ? 0x48e : 0x482) >> 32);
	o->proc2 = o->proc & PROC_SECONDARY ? (uint32_t)(rdmsr(0x48b) >> 32) : 0;
	o->proc3 = o->proc & PROC_TERTIARY ? rdmsr(MSR_VMX_PROCBASED_CTLS3) : 0;
	o->ept_vpid = o->proc2 & (PROC2_EPT | PROC2_VPID) ? rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
}

static const char *const inv_names[] = { "none", "single-context", "all-context" };

/* Names what the CPU offers, whether or not bivisor can run there. */
static void vmx_print_offer(const struct vmx_offer *o)
{
	char line[400];

	vmx_offer_controls(o, line, sizeof(line));
	pr_info("vmx: the CPU offers%s\n", line[0] ? line : " no optional controls");
	vmx_offer_ept_vpid(o, line, sizeof(line));
	pr_info("vmx: EPT/VPID capabilities%s\n", line[0] ? line : " none");
}

/*
 * Chooses each feature bivisor uses with its fallback, and names them: VPID
 * (SDM 29.1) unless vpid=off or no INVVPID type is offered, then every VM
 * entry and exit flushes the guest's TLB entries; INVEPT single-context, else
 * all-context (29.4.3.1); PAUSE-loop exiting where offered, else a spinning
 * vCPU keeps its CPU until the preemption timer or the host tick.
 */
static int vmx_choose_features(const struct vmx_offer *o)
{
	invept_type = vmx_invept_type(o->ept_vpid);
	invvpid_type = vmx_invvpid_type(o->ept_vpid);
	if (opts.vpid_off || !invvpid_type)
		caps.proc2 &= ~PROC2_VPID;
	pr_info("vmx: uses EPT (INVEPT %s), unrestricted guest, %s%s%s%s%s\n",
		inv_names[invept_type],
		!(caps.proc2 & PROC2_VPID) ? (opts.vpid_off ? "no VPID (vpid=off)" : "no VPID")
		: invvpid_type == VMX_INV_SINGLE ? "VPID (INVVPID single-context)"
						 : "VPID (INVVPID all-context)",
		caps.pin & PIN_VIRTUAL_NMIS ? ", virtual NMIs" : "",
		caps.pin & PIN_PREEMPTION_TIMER ? ", the preemption timer" : "",
		caps.proc & PROC_TSC_OFFSETTING ? ", TSC offsetting" : "",
		caps.proc2 & PROC2_PAUSE_LOOP ? ", PAUSE-loop exiting (gap 128, window 4096)" : "");
	if (!invept_type)
		printk("vmx: the CPU offers no INVEPT type bivisor can use\n");
	return invept_type ? 0 : -1;
}

static int vmx_read_caps(void)
{
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	int tru = (basic >> 55) & 1; /* the TRUE_ capability MSRs exist */
	struct vmx_offer offer;
	int err = 0;

	vmx_read_offer(tru, &offer);
	vmx_print_offer(&offer);
	caps.revision = basic & 0x7fffffff;
	/* virtual NMIs where the CPU has them: with NMI exiting on, only they let the
	 * guest's IRET end the blocking an injected NMI starts (SDM 25.3, 26.6.1.2) */
	err |= adjust(tru ? 0x48d : 0x481,
		      PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS |
			      PIN_PREEMPTION_TIMER,
		      PIN_EXTINT_EXITING | PIN_NMI_EXITING, &caps.pin, "pin-based");
	preempt_ticks = (uint32_t)(tsc_from_ns(PREEMPT_NS) >> (rdmsr(MSR_VMX_MISC) & 31));
	nmi_window_ok = (caps.pin & PIN_VIRTUAL_NMIS) &&
			((rdmsr(tru ? 0x48e : 0x482) >> 32) & PROC_NMI_WINDOW);
	err |= adjust(tru ? 0x48e : 0x482,
		      PROC_HLT_EXITING | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY |
			      PROC_TSC_OFFSETTING,
		      PROC_HLT_EXITING | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY,
		      &caps.proc, "processor-based");
	if (!err)
		err |= adjust(0x48b,
			      PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_RDTSCP |
				      PROC2_INVPCID | PROC2_PAUSE_LOOP,
			      PROC2_EPT | PROC2_UNRESTRICTED, &caps.proc2,
			      "secondary (EPT, unrestricted guest)");
	err |= adjust(tru ? 0x48f : 0x483,
		      EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT |
			      EXIT_LOAD_PAT,
		      EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER, &caps.exit, "VM-exit");
	err |= adjust(tru ? 0x490 : 0x484, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, ENTRY_LOAD_EFER,
		      &caps.entry, "VM-entry");
	caps.entry &= ~ENTRY_IA32E_GUEST; /* set per guest from its EFER.LMA */
	caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	if (!err)
		err |= vmx_choose_features(&offer);
	pr_info("vmx: VMCS revision %#x, controls pin %#x proc %#x proc2 %#x exit %#x entry %#x\n",
		caps.revision, caps.pin, caps.proc, caps.proc2, caps.exit, caps.entry);
	return err ? -ENOSYS : 0;
}

static int vmx_global_init(void)
{
	if (vmx_read_caps())
		return -ENOSYS;
	io_bitmaps = frame_alloc_contig(2, 1);
	msr_bitmap = frame_alloc();
	if (!io_bitmaps || !msr_bitmap)
		return -ENOMEM;
	memset(hpa_to_virt(io_bitmaps), 0xff, 2 * PAGE_SIZE); /* every port exits */
	memset(hpa_to_virt(msr_bitmap), 0xff, PAGE_SIZE);     /* every MSR exits */
	return 0;
}

static int vmx_cpu_enable(void)
{
	unsigned int cpu = this_cpu()->id;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL), cr0 = read_cr0(), cr4 = read_cr4();
	uint8_t fail;

	if (cpu == 0 && vmx_global_init())
		return -ENOSYS;
	if (!(fc & 1))
		wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4); /* lock, VMX outside SMX */
	vmxon_region[cpu] = frame_alloc();
	if (!vmxon_region[cpu])
		return -ENOMEM;
	*(uint32_t *)hpa_to_virt(vmxon_region[cpu]) = caps.revision;
	cr0 = (cr0 | caps.cr0_fixed0) & caps.cr0_fixed1;
	cr4 = (cr4 | caps.cr4_fixed0 | CR4_VMXE) & caps.cr4_fixed1;
	asm volatile("mov %0, %%cr0; mov %1, %%cr4" : : "r"(cr0), "r"(cr4) : "memory");
	asm volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(vmxon_region[cpu]) : "cc", "memory");
	if (fail) {
		printk("vmx: VMXON failed on cpu%u\n", cpu);
		return -EIO;
	}
	return 0;
}

static void vmcs_load(struct vmx_vcpu *xv)
{
	unsigned int cpu = this_cpu()->id;
	uint8_t fail;

	if (current_vmcs[cpu] == xv->vmcs_pa)
		return;
	asm volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(xv->vmcs_pa) : "cc", "memory");
	if (fail)
		vmx_fail("VMPTRLD", xv->vmcs_pa);
	current_vmcs[cpu] = xv->vmcs_pa;
}

static void vmcs_clear(hpa_t pa);

/*
 * Accessors load the vCPU's VMCS; before its first launch they clear it again
 * afterwards, so the CPU that will run it finds it written back to memory
 * (SDM 24.11.1: a VMCS may be active on one logical processor only).
 */
void vmx_access_begin(struct vmx_vcpu *xv)
{
	vmcs_load(xv);
}

void vmx_access_end(struct vmx_vcpu *xv)
{
	if (!xv->launched)
		vmcs_clear(xv->vmcs_pa);
}

static void vmcs_clear(hpa_t pa)
{
	uint8_t fail;

	asm volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		vmx_fail("VMCLEAR", pa);
	for (unsigned int i = 0; i < MAX_CPUS; i++)
		if (current_vmcs[i] == pa)
			current_vmcs[i] = 0;
}

struct desc_ptr64 {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Host state: what the CPU loads at every VM exit (SDM 25.5, 28.5). */
static void vmcs_write_host(void)
{
	struct percpu *pc = this_cpu();
	struct desc_ptr64 idtr;

	asm volatile("sidt %0" : "=m"(idtr));
	const struct {
		uint32_t field;
		uint64_t value;
	} host[] = {
		{ VMCS_HOST_CR0, read_cr0() },
		{ VMCS_HOST_CR3, read_cr3() },
		{ VMCS_HOST_CR4, read_cr4() },
		{ VMCS_HOST_CS_SEL, KERNEL_CS },
		{ VMCS_HOST_SS_SEL, KERNEL_DS },
		{ VMCS_HOST_DS_SEL, KERNEL_DS },
		{ VMCS_HOST_ES_SEL, KERNEL_DS },
		{ VMCS_HOST_FS_SEL, 0 },
		{ VMCS_HOST_GS_SEL, 0 },
		{ VMCS_HOST_TR_SEL, TSS_SEL },
		{ VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE) },
		{ VMCS_HOST_GS_BASE, (uint64_t)pc },
		{ VMCS_HOST_TR_BASE, (uint64_t)&pc->tss },
		{ VMCS_HOST_GDTR_BASE, (uint64_t)pc->gdt },
		{ VMCS_HOST_IDTR_BASE, idtr.base },
		{ VMCS_HOST_SYSENTER_CS, 0 },
		{ VMCS_HOST_SYSENTER_ESP, 0 },
		{ VMCS_HOST_SYSENTER_EIP, 0 },
		{ VMCS_HOST_EFER, rdmsr(MSR_EFER) },
		{ VMCS_HOST_PAT, rdmsr(MSR_PAT) },
		{ VMCS_HOST_RIP, (uint64_t)vmx_exit_point },
	};

	for (unsigned int i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		vmwrite(host[i].field, host[i].value);
}

static void vmcs_write_controls(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;
	const struct {
		uint32_t field;
		uint64_t value;
	} ctl[] = {
		{ VMCS_PIN_CTLS, caps.pin },
		{ VMCS_PROC_CTLS, caps.proc },
		{ VMCS_PROC_CTLS2, caps.proc2 },
		{ VMCS_EXIT_CTLS, caps.exit },
		{ VMCS_ENTRY_CTLS, caps.entry },
		{ VMCS_EXCEPTION_BITMAP, 0 },
		{ VMCS_CR3_TARGET_COUNT, 0 },
		{ VMCS_IO_BITMAP_A, io_bitmaps },
		{ VMCS_IO_BITMAP_B, io_bitmaps + PAGE_SIZE },
		{ VMCS_MSR_BITMAP, msr_bitmap },
		{ VMCS_EPT_POINTER, vmx_eptp(v->dom) },
		{ VMCS_TSC_OFFSET, 0 },
		{ VMCS_LINK_POINTER, ~0ull },
		{ VMCS_EXIT_MSR_STORE, xv->msr_area_pa },
		{ VMCS_EXIT_MSR_STORE_COUNT, VMX_GUEST_MSRS },
		{ VMCS_ENTRY_MSR_LOAD, xv->msr_area_pa },
		{ VMCS_ENTRY_MSR_LOAD_COUNT, VMX_GUEST_MSRS },
		{ VMCS_EXIT_MSR_LOAD_COUNT, 0 },
		{ VMCS_CR0_MASK, CR0_NE },
		/* VMXE (forced on) and each bit the guest's CPUID does not let it set, each
		 * 0 in the shadow: a MOV to CR4 that sets one exits (SDM 25.6.6, 26.1.3) */
		{ VMCS_CR4_MASK, ~cpuid_cr4_allowed() | CR4_VMXE },
		{ VMCS_CR0_SHADOW, 0 },
		{ VMCS_CR4_SHADOW, 0 },
		{ VMCS_GUEST_ACTIVITY, 0 },
		{ VMCS_GUEST_INTERRUPTIBILITY, 0 },
		{ VMCS_GUEST_PENDING_DBG, 0 },
		{ VMCS_GUEST_DEBUGCTL, 0 },
		{ VMCS_GUEST_DR7, 0x400 },
		{ VMCS_GUEST_PAT, 0x0007040600070406ull },
	};

	for (unsigned int i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
		vmwrite(ctl[i].field, ctl[i].value);
	if (caps.proc2 & PROC2_VPID)
		vmwrite(VMCS_VPID, xv->vpid);
	if (caps.proc2 & PROC2_PAUSE_LOOP) {
		vmwrite(VMCS_PLE_GAP, PLE_GAP);
		vmwrite(VMCS_PLE_WINDOW, PLE_WINDOW);
	}
}

/* The architectural reset state, as on SVM: real mode at F000:FFF0 until a loader says otherwise.
 */
static void vmcs_write_reset_state(struct vcpu *v)
{
	struct vm_segment data = { 0, 0x0093, 0xffff, 0 }, code = { 0, 0x009b, 0xffff, 0 };
	struct vm_segment ldtr = { 0, 0, 0, 0 },
			  tr = { 0, SEG_ATTR_TSS, 0xffff, 0 }; /* LDTR unusable */
	struct vm_segment table = { 0, 0, 0xffff, 0 };

	for (int s = VM_SEG_ES; s <= VM_SEG_GS; s++)
		vmx_set_seg(v, s, s == VM_SEG_CS ? &code : &data);
	vmx_set_seg(v, VM_SEG_LDTR, &ldtr);
	vmx_set_seg(v, VM_SEG_TR, &tr);
	vmx_set_seg(v, VM_SEG_GDTR, &table);
	vmx_set_seg(v, VM_SEG_IDTR, &table);
	vmx_set_reg(v, VM_REG_CR0, 0x60000010);
	vmx_set_reg(v, VM_REG_CR4, 0);
	vmx_set_reg(v, VM_REG_EFER, 0);
	vmx_set_reg(v, VM_REG_RFLAGS, 2);
}

static int vmx_vcpu_init(struct vcpu *v)
{
	struct vmx_vcpu *xv = kzalloc(sizeof(*xv));

	if (!xv)
		return -ENOMEM;
	v->arch = xv;
	xv->vmcs_pa = domain_frame_alloc(v->dom);
	xv->msr_area_pa = domain_frame_alloc(v->dom);
	if (!xv->vmcs_pa || !xv->msr_area_pa)
		return -ENOMEM; /* vcpu_destroy frees what was taken */
	xv->msrs = hpa_to_virt(xv->msr_area_pa);
	for (int i = 0; i < VMX_GUEST_MSRS; i++)
		xv->msrs[i].index = guest_msr_index[i];
	xv->vpid = next_vpid++;
	if (!next_vpid)
		next_vpid = 1;
	*(uint32_t *)hpa_to_virt(xv->vmcs_pa) = caps.revision;
	vmcs_clear(xv->vmcs_pa);
	vmcs_load(xv);
	vmcs_write_controls(v);
	vmcs_write_reset_state(v);
	vmx_access_end(xv);
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;

	if (!xv)
		return;
	if (xv->vmcs_pa) {
		vmcs_clear(xv->vmcs_pa);
		domain_frames_free(v->dom, xv->vmcs_pa, 1);
	}
	if (xv->msr_area_pa)
		domain_frames_free(v->dom, xv->msr_area_pa, 1);
	kfree(xv);
	v->arch = NULL;
}

static void invept_invvpid(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;
	struct {
		uint64_t a, b;
	} ept = { vmx_eptp(v->dom), 0 }, vpid = { xv->vpid, 0 };
	uint8_t fail;

	asm volatile("invept %1, %2; setna %0"
		     : "=qm"(fail)
		     : "m"(ept), "r"((uint64_t)invept_type)
		     : "cc", "memory");
	if (fail)
		vmx_fail("INVEPT", ept.a);
	if (!(caps.proc2 & PROC2_VPID))
		return;
	asm volatile("invvpid %1, %2; setna %0"
		     : "=qm"(fail)
		     : "m"(vpid), "r"((uint64_t)invvpid_type)
		     : "cc", "memory");
	if (fail)
		vmx_fail("INVVPID", xv->vpid);
}

/* An event whose delivery the exit cut short is delivered at the next entry
 * (SDM 28.2.4 IDT-vectoring information, 27.6 injection). */
static void reinject_cut_event(void)
{
	uint64_t info = vmread(VMCS_IDT_VECTORING_INFO);
	unsigned int type = (info >> 8) & 7;

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(VMCS_ENTRY_INTR_INFO, info & ~(1ull << 12) & 0xffffffffull);
	if (info & INTR_INFO_ERROR_VALID)
		vmwrite(VMCS_ENTRY_EXC_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
	if (type == 4 || type == 5 || type == 6) /* software interrupt or exception */
		vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
}

/* Sets or clears one window bit of the primary controls of the loaded VMCS. */
static void proc_ctl(uint32_t bit, int on)
{
	uint64_t ctl = vmread(VMCS_PROC_CTLS);

	vmwrite(VMCS_PROC_CTLS, on ? ctl | bit : ctl & ~(uint64_t)bit);
}

/*
 * An EPT violation in the middle of an IRET that had ended virtual-NMI blocking
 * (exit qualification bit 12, SDM 28.2.1 table 28-7): the IRET runs again, so
 * the blocking is put back before it does (SDM 28.2.3).
 */
static void vmx_nmi_iret_cut(uint64_t qual)
{
	if ((caps.pin & PIN_VIRTUAL_NMIS) && (qual & (1ull << 12)))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, vmread(VMCS_GUEST_INTERRUPTIBILITY) | 8);
}

/* Called with interrupts off; returns with them on. */
static void vmx_vcpu_run(struct vcpu *v, struct vm_exit *exit)
{
	struct vmx_vcpu *xv = v->arch;
	uint64_t entry = caps.entry;
	int stale = gpt_tlb_stale(&v->dom->gpt, &xv->ept_gen), rc;

	vmcs_load(xv); /* before the first launch it is clear: any CPU may load it */
	if (!xv->launched)
		vmcs_write_host();
	if (!xv->launched || stale || xv->tlb_flush) /* new CPU, EPT changed, CR4 write */
		invept_invvpid(v);
	xv->tlb_flush = 0;
	if (vmread(VMCS_GUEST_EFER) & EFER_LMA)
		entry |= ENTRY_IA32E_GUEST;
	vmwrite(VMCS_ENTRY_CTLS, entry);
	if (read_cr2() != xv->cr2)
		asm volatile("mov %0, %%cr2" : : "r"(xv->cr2));
	/*
	 * External-interrupt exiting makes any host interrupt end the guest, whatever
	 * the guest's IF (SDM 26.2). Bochs 2.7 holds host interrupts while the guest's
	 * IF is clear, so a guest spinning with interrupts off would never be preempted:
	 * the VMX-preemption timer (SDM 26.5.1), where the CPU has it, bounds every trip
	 * to PREEMPT_NS. Interrupts go on before the entry for the same Bochs reason; an
	 * interrupt that comes just before it is taken by the host and its work waits
	 * for the next exit.
	 */
	if (caps.pin & PIN_PREEMPTION_TIMER) /* see vmx_read_caps */
		vmwrite(VMCS_PREEMPTION_TIMER, preempt_ticks);
	irq_enable();
	rc = vmx_enter(xv->gprs, xv->launched);
	xv->cr2 = read_cr2();
	irq_enable(); /* a VM exit clears RFLAGS.IF: take the host interrupt that caused it */
	if (rc) {
		*exit = (struct vm_exit){ .kind = VM_EXIT_INVALID, .hw_reason = ~0ull };
		exit->raw.info1 = rc == 2 ? vmread(VMCS_INSN_ERROR) : 0;
		printk("vmx: VM entry of %s failed: %s\n", v->dom->name,
		       rc == 2 ? vmx_insn_error_name(exit->raw.info1) : "VMfailInvalid");
		return;
	}
	xv->launched = 1;
	reinject_cut_event();
	vmx_decode_exit(v, exit);
	if (exit->kind == VM_EXIT_INTR_WINDOW) /* stop asking: the next entry injects */
		proc_ctl(PROC_INTR_WINDOW, 0);
	if (exit->kind == VM_EXIT_NMI_WINDOW)
		proc_ctl(PROC_NMI_WINDOW, 0);
	if ((exit->hw_reason & 0xffff) == EXIT_REASON_EPT_VIOLATION)
		vmx_nmi_iret_cut(vmread(VMCS_EXIT_QUALIFICATION));
	if ((exit->hw_reason & 0xffff) == EXIT_REASON_CR_ACCESS &&
	    vmx_emulate_cr_write(v, exit->raw.info1, exit->insn_len))
		exit->kind = VM_EXIT_NONE; /* a VMX artefact: the guest/host masks */
}

static int vmx_intr_ready(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;
	int ready;

	vmx_access_begin(xv);
	ready = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
		!(vmread(VMCS_GUEST_INTERRUPTIBILITY) & 3) && /* STI, MOV SS shadow */
		!(vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
	vmx_access_end(xv);
	return ready;
}

/* Interrupt-window exiting (SDM 25.6.2, 27.2): an exit as soon as RFLAGS.IF is set and
 * no shadow blocks, before the guest runs another instruction. */
static void vmx_intr_window(struct vcpu *v, int on)
{
	struct vmx_vcpu *xv = v->arch;

	vmx_access_begin(xv);
	proc_ctl(PROC_INTR_WINDOW, on);
	vmx_access_end(xv);
}

/*
 * NMI-window exiting (SDM 25.6.2 bit 22, exit reason 8): with virtual NMIs,
 * an exit as soon as the guest's IRET ends virtual-NMI blocking, before the next
 * instruction. Without it (no virtual NMIs, or the control not allowed) nothing
 * blocks an injected NMI (SDM 26.6.1.2) and vmx_inject never refuses one for that.
 */
static void vmx_nmi_window(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;

	if (!nmi_window_ok)
		return;
	vmx_access_begin(xv);
	proc_ctl(PROC_NMI_WINDOW, 1);
	vmx_access_end(xv);
}

/* The VMCS is written back to memory and made inactive (SDM 24.11.3), so that any
 * CPU can VMPTRLD it and VMLAUNCH it again, with this CPU's host state. */
static void vmx_vcpu_unload(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;

	if (!xv->launched)
		return;
	vmcs_clear(xv->vmcs_pa);
	xv->launched = 0;
}

const struct virt_ops vmx_ops = {
	.name = "Intel VMX with EPT",
	.hypercall = BV_CPUID_HC_VMCALL,
	.cpu_enable = vmx_cpu_enable,
	.domain_init = vmx_domain_init,
	.domain_destroy = vmx_domain_destroy,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_run = vmx_vcpu_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.inject = vmx_inject,
	.intr_ready = vmx_intr_ready,
	.intr_window = vmx_intr_window,
	.nmi_window = vmx_nmi_window,
	.vcpu_unload = vmx_vcpu_unload,
	.map = domain_gpt_map,
	.unmap = domain_gpt_unmap,
	.protect = domain_gpt_protect,
	.dump = vmx_dump,
};
