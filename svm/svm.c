/*
 * svm/svm.c: the AMD SVM backend (AMD APM vol. 2 chapter 15): enabling SVM
 * on each CPU (15.4 EFER.SVME, VM_HSAVE_PA), one VMCB per vCPU whose
 * intercepts come from a table (15.9-15.13; CR4 writes for kernel/exit.c to
 * check), ASIDs with TLB control (15.16), registers, segments, events (15.20;
 * interrupts as V_IRQ, 15.21.4; NMI blocking in svm/svm_nmi.c), the run loop.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/x86.h"
#include "include/public/hypercall.h"
#include "kernel/domain.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/printk.h"
#include "lib/format.h"
#include "lib/string.h"
#include "svm/svm.h"

#define MSR_VM_HSAVE_PA 0xc0010117
#define IOPM_PAGES 3
#define MSRPM_PAGES 2
#define DEFAULT_PAT 0x0007040600070406ull

static hpa_t hsave_area[MAX_CPUS], host_area[MAX_CPUS];
static hpa_t iopm_pa, msrpm_pa;
static uint32_t asid_count, next_asid = 1;
static int asid_wrapped;

/* What bivisor intercepts in every guest: the table a student edits. */
static const struct {
	uint32_t cr, misc1, misc2, exceptions;
} intercepts = {
	.cr = INTERCEPT_CR4_WRITE, /* CR4 follows the guest's CPUID (drivers/cpu_policy.c) */
	.misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT | INTERCEPT_CPUID |
		 INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_IOIO | INTERCEPT_MSR |
		 INTERCEPT_SHUTDOWN,
	.misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | INTERCEPT_VMSAVE |
		 INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT | INTERCEPT_XSETBV,
	.exceptions = 1u << 18, /* #MC: the host's to handle */
};

/* CPUID 0x8000000a EDX (AMD APM vol. 3 E.4.10): the SVM features the banner names. */
static void print_features(uint32_t edx)
{
	static const char *const names[26] = {
		[0] = "NPT",
		[1] = "LBR-virt",
		[3] = "NRIP-save",
		[4] = "TSC-rate",
		[5] = "VMCB-clean",
		[6] = "flush-by-ASID",
		[7] = "decode-assists",
		[10] = "pause-filter",
		[12] = "pause-threshold",
		[13] = "AVIC",
		[15] = "virt-VMSAVE",
		[16] = "vGIF",
		[25] = "vNMI",
	};
	char line[160];
	unsigned int n = 0;

	line[0] = '\0';
	for (unsigned int b = 0; b < 26; b++)
		if (names[b] && (edx & (1u << b)) && n < sizeof(line))
			n += (unsigned int)fmt_snprintf(line + n, sizeof(line) - n, " %s",
							names[b]);
	pr_info("svm: the CPU offers%s\n", n ? line : " nothing beyond SVM");
}

static int svm_global_init(void)
{
	struct cpuid_regs leaf;
	iopm_pa = frame_alloc_contig(IOPM_PAGES, 1);
	msrpm_pa = frame_alloc_contig(MSRPM_PAGES, 1);
	if (!iopm_pa || !msrpm_pa)
		return -ENOMEM;
	/* every port and every MSR is intercepted; the policies live in kernel/ */
	memset(hpa_to_virt(iopm_pa), 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(hpa_to_virt(msrpm_pa), 0xff, MSRPM_PAGES * PAGE_SIZE);
	trap_set_guest_window((uint64_t)svm_window_start, (uint64_t)svm_window_end);
	leaf = cpuid(0x8000000a, 0);
	asid_count = leaf.ebx;
	print_features(leaf.edx);
	svm_features = leaf.edx & (SVM_FEAT_NRIP | SVM_FEAT_FLUSH_ASID | SVM_FEAT_DECODE |
				   SVM_FEAT_PAUSE_FILTER | SVM_FEAT_VMCB_CLEAN);
	if (opts.clean_off)
		svm_features &= ~SVM_FEAT_VMCB_CLEAN;
	if (opts.nrip_off)
		svm_features &= ~SVM_FEAT_NRIP;
	if (opts.decode_off)
		svm_features &= ~SVM_FEAT_DECODE;
	pr_info("svm: uses%s%s, %s\n",
		svm_features & SVM_FEAT_FLUSH_ASID ? " flush-by-ASID (TLB_CONTROL 3)"
						   : " full TLB flushes",
		svm_features & SVM_FEAT_PAUSE_FILTER ? ", the pause filter (3000 PAUSEs)" : "",
		svm_features & SVM_FEAT_VMCB_CLEAN ? "VMCB clean bits"
		: opts.clean_off		   ? "no VMCB clean bits (clean=off)"
						   : "no VMCB clean bits");
	pr_info("svm: %u ASIDs, NRIP save %s, decode assists %s\n", asid_count,
		svm_features & SVM_FEAT_NRIP ? "used"
		: opts.nrip_off		     ? "off (nrip=off)"
					     : "no",
		svm_features & SVM_FEAT_DECODE ? "used for CR4-write and MMIO exits"
		: opts.decode_off	       ? "off (decode=off)"
					       : "no");
	return 0;
}

static int svm_cpu_enable(void)
{
	unsigned int cpu = this_cpu()->id;

	if (cpu == 0 && svm_global_init())
		return -ENOMEM;
	hsave_area[cpu] = frame_alloc();
	host_area[cpu] = frame_alloc();
	if (!hsave_area[cpu] || !host_area[cpu])
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave_area[cpu]);
	/* the host's FS/GS/TR/LDTR and syscall MSRs, reloaded after each exit */
	asm volatile("vmsave %%rax" : : "a"(host_area[cpu]) : "memory");
	return 0;
}

static uint16_t attr_to_vmcb(uint16_t a)
{
	return (a & 0xff) | ((a >> 4) & 0xf00);
}

static uint16_t attr_from_vmcb(uint16_t a)
{
	return (a & 0xff) | ((a & 0xf00) << 4);
}

/* Where each neutral segment sits in the save area: a table, not rebuilt per call. */
static struct vmcb_seg *vmcb_seg(struct vmcb *vmcb, enum vm_seg s)
{
	static const size_t offset[VM_NR_SEGS] = {
		[VM_SEG_ES] = offsetof(struct vmcb, save.es),
		[VM_SEG_CS] = offsetof(struct vmcb, save.cs),
		[VM_SEG_SS] = offsetof(struct vmcb, save.ss),
		[VM_SEG_DS] = offsetof(struct vmcb, save.ds),
		[VM_SEG_FS] = offsetof(struct vmcb, save.fs),
		[VM_SEG_GS] = offsetof(struct vmcb, save.gs),
		[VM_SEG_LDTR] = offsetof(struct vmcb, save.ldtr),
		[VM_SEG_TR] = offsetof(struct vmcb, save.tr),
		[VM_SEG_GDTR] = offsetof(struct vmcb, save.gdtr),
		[VM_SEG_IDTR] = offsetof(struct vmcb, save.idtr),
	};

	return (struct vmcb_seg *)((uint8_t *)vmcb + offset[s]);
}

/* The architectural reset state (APM 14.1.3), with SVME set as VMRUN requires. */
static void vmcb_init_state(struct vmcb *vmcb)
{
	static const struct vm_segment data = { 0, 0x0093, 0xffff, 0 };

	for (int s = VM_SEG_ES; s <= VM_SEG_GS; s++) {
		struct vmcb_seg *vs = vmcb_seg(vmcb, s);

		*vs = (struct vmcb_seg){ data.selector, attr_to_vmcb(data.attr), data.limit, 0 };
	}
	vmcb->save.cs.attrib = attr_to_vmcb(0x009b);
	vmcb->save.ldtr = (struct vmcb_seg){ 0, attr_to_vmcb(SEG_ATTR_LDT), 0xffff, 0 };
	vmcb->save.tr = (struct vmcb_seg){ 0, attr_to_vmcb(SEG_ATTR_TSS), 0xffff, 0 };
	vmcb->save.gdtr.limit = 0xffff;
	vmcb->save.idtr.limit = 0xffff;
	vmcb->save.cr0 = 0x60000010; /* CD, NW, ET */
	vmcb->save.efer = EFER_SVME;
	vmcb->save.rflags = 0x2;
	vmcb->save.dr6 = 0xffff0ff0;
	vmcb->save.dr7 = 0x400;
	vmcb->save.g_pat = DEFAULT_PAT;
}

static int svm_vcpu_init(struct vcpu *v)
{
	struct svm_vcpu *sv = kzalloc(sizeof(*sv));
	struct vmcb_control *c;

	if (!sv)
		return -ENOMEM;
	sv->vmcb_pa = domain_frame_alloc(v->dom);
	if (!sv->vmcb_pa) {
		kfree(sv);
		return -ENOMEM;
	}
	sv->vmcb = hpa_to_virt(sv->vmcb_pa);
	sv->last_cpu = ~0u;
	sv->asid = next_asid++;
	if (next_asid >= asid_count) {
		next_asid = 1; /* ASIDs are reused from now on: every entry flushes */
		asid_wrapped = 1;
	}
	c = &sv->vmcb->ctl;
	c->intercept_cr = intercepts.cr;
	c->intercept_misc1 = intercepts.misc1;
	if (svm_features & SVM_FEAT_PAUSE_FILTER) { /* a spinning vCPU exits and yields */
		c->intercept_misc1 |= INTERCEPT_PAUSE;
		c->pause_count = PAUSE_FILTER_COUNT;
	}
	c->intercept_misc2 = intercepts.misc2;
	c->intercept_exc = intercepts.exceptions;
	c->iopm_base = iopm_pa;
	c->msrpm_base = msrpm_pa;
	c->asid = sv->asid;
	c->vintr = 1ull << 24; /* V_INTR_MASKING: the guest's IF does not mask host interrupts */
	c->np_enable = 1;
	c->n_cr3 = v->dom->gpt.root; /* nested paging (APM 15.25.3) */
	vmcb_init_state(sv->vmcb);
	v->arch = sv;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;

	if (!sv)
		return;
	domain_frames_free(v->dom, sv->vmcb_pa, 1);
	kfree(sv);
	v->arch = NULL;
}

/*
 * External interrupts go in through V_IRQ (APM 15.21.4), never EVENTINJ: the
 * guest takes the vector at its first instruction boundary with IF set, and the
 * VMCB says when it did (V_IRQ clear). QEMU's TCG delivers an EVENTINJ interrupt
 * inside VMRUN but leaves it latched as a pending exception of the emulated CPU;
 * when its loop is left for another emulated CPU (every switch under
 * -accel tcg,thread=single) it delivers it a second time, with IF clear, before
 * the handler's first instruction: Linux then runs its entry code without the
 * SWAPGS and faults on %gs until its exception stack overflows. A V_IRQ without
 * the VINTR intercept is "posted": acknowledged in the vLAPIC, not yet taken.
 */
static int virq_posted(const struct vmcb_control *c)
{
	return (c->vintr & VINTR_IRQ) && !(c->intercept_misc1 & INTERCEPT_VINTR);
}

static void virq_post(struct vmcb_control *c, uint8_t vector)
{
	c->vintr &= ~(VINTR_IRQ_BITS | VINTR_VECTOR_MASK);
	c->vintr |= VINTR_IRQ_BITS | ((uint64_t)vector << VINTR_VECTOR_SHIFT);
	c->intercept_misc1 &= ~INTERCEPT_VINTR;
}

/* An event whose delivery the exit cut short is delivered again (APM 15.7.2);
 * an external interrupt as a posted V_IRQ, like any other. QEMU's TCG reports
 * an interrupt cut short as an exception (type 3) of its vector, which as
 * EVENTINJ makes VMRUN fail (a share=1 Linux domain whose stack page was
 * merged: "the CPU refused the guest state"). No exception has a vector above
 * 31 (APM 15.20), so such an event is an external interrupt too. */
static void svm_redeliver(struct vmcb_control *c)
{
	uint64_t info = c->exit_int_info, type = info & EVENTINJ_TYPE_MASK;

	c->event_inj = 0;
	if (!(info & EVENTINJ_VALID))
		return;
	if (type == EVENTINJ_TYPE_INTR || (type == EVENTINJ_TYPE_EXC && (uint8_t)info >= 32))
		virq_post(c, (uint8_t)info);
	else
		c->event_inj = info;
}

/* V_IRQ as an interrupt-window request: its VINTR intercept fires once the guest
 * could take it (APM 15.21.4), before the guest ever sees it. A posted V_IRQ is
 * left alone: the next vector waits for the exit after it is taken. No window
 * is open for an entry in a shadow (see svm_keep_shadow), nor while an NMI
 * handler's IRET is stepped (svm/svm_nmi.c: its exit comes one instruction
 * later): the vector waits for the next exit. */
static void svm_intr_window(struct vcpu *v, int on)
{
	struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->ctl;

	if (virq_posted(c) || (on && ((struct svm_vcpu *)v->arch)->nmi_step))
		return;
	if (on) {
		c->vintr |= VINTR_IRQ_BITS;
		c->intercept_misc1 |= INTERCEPT_VINTR;
	} else {
		c->vintr &= ~VINTR_IRQ_BITS;
		c->intercept_misc1 &= ~INTERCEPT_VINTR;
	}
}

/*
 * QEMU's TCG does not load the VMCB's interrupt shadow at VMRUN: after an exit
 * between `sti` and `hlt` (a host interrupt), the next entry may exit again at
 * once for another one, now reporting no shadow at the same RIP, or open a
 * VINTR window that fires at once; either way the vector went in at the HLT,
 * the handler returned to it and the vCPU halted with the wake-up consumed
 * (svc's lost event channel). An exit at the RIP where the last one reported a
 * shadow keeps it, a few times at most (a `sti; jmp .` loop must still take
 * its interrupts); an emulated instruction (svm_set_reg of RIP) ends it.
 */
static void svm_keep_shadow(struct svm_vcpu *sv)
{
	struct vmcb_control *c = &sv->vmcb->ctl;
	uint64_t rip = sv->vmcb->save.rip;

	if (c->int_shadow & 1) {
		sv->shadow_rip = rip;
		sv->shadow_left = 4;
	} else if (sv->shadow_left && rip == sv->shadow_rip) {
		c->int_shadow |= 1;
		sv->shadow_left--;
	} else {
		sv->shadow_left = 0;
	}
}

/*
 * Called with interrupts off; returns with them on. The TLB is flushed when the
 * vCPU comes to a CPU other than the one it last ran on: that CPU may hold stale
 * entries of its ASID from an earlier visit (APM 15.16.1), and when the nested
 * tables changed since its last flush (unmap, protect, a remap), and after a
 * CR4 write that asks for it (svm_set_reg).
 */
static void svm_vcpu_run(struct vcpu *v, struct vm_exit *exit)
{
	struct svm_vcpu *sv = v->arch;
	struct vmcb_control *c = &sv->vmcb->ctl;
	unsigned int cpu = this_cpu()->id;

	c->tlb_control = gpt_tlb_stale(&v->dom->gpt, &sv->npt_gen) | !sv->launched | asid_wrapped |
			 (sv->last_cpu != cpu) | sv->tlb_flush;
	if (c->tlb_control && (svm_features & SVM_FEAT_FLUSH_ASID) && !asid_wrapped)
		c->tlb_control = 3; /* this ASID's entries only */
	c->clean = (svm_features & SVM_FEAT_VMCB_CLEAN) && sv->launched && sv->last_cpu == cpu
			   ? svm_clean_bits(sv)
			   : 0;
	sv->last_cpu = cpu;
	sv->tlb_flush = 0;
	if (c->int_shadow & 1) /* no window inside a shadow: see svm_keep_shadow */
		svm_intr_window(v, 0);
	svm_vmrun(sv->vmcb_pa, sv->gprs, host_area[cpu]);
	if (svm_features & SVM_FEAT_VMCB_CLEAN)
		svm_clean_snap(sv);
	sv->launched = 1;
	svm_keep_shadow(sv);
	svm_decode_exit(v, exit);
	svm_nmi_after_exit(sv, exit);
	if (exit->kind == VM_EXIT_INTR_WINDOW) /* stop asking: the next entry injects */
		svm_intr_window(v, 0);
	svm_redeliver(c);
}

static int svm_intr_ready(struct vcpu *v)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;

	return (vmcb->save.rflags & RFLAGS_IF) && !(vmcb->ctl.int_shadow & 1) &&
	       !(vmcb->ctl.event_inj & EVENTINJ_VALID) && !virq_posted(&vmcb->ctl) &&
	       !((struct svm_vcpu *)v->arch)->nmi_step; /* svm_nmi.c: the step exit is next */
}

/* A posted V_IRQ the guest has not taken: at a `sti; hlt` the HLT exits inside
 * STI's shadow, before the guest could take it. */
static int svm_intr_posted(struct vcpu *v)
{
	return virq_posted(&((struct svm_vcpu *)v->arch)->vmcb->ctl);
}

/* The posted V_IRQ of `vector` the guest has not taken is withdrawn (see
 * kernel/vcpu_irq.c:vcpu_irq_after_exit); one it took left V_IRQ clear. */
static int svm_intr_cancel(struct vcpu *v, uint8_t vector)
{
	struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->ctl;

	if (!virq_posted(c) || ((c->vintr & VINTR_VECTOR_MASK) >> VINTR_VECTOR_SHIFT) != vector)
		return 0;
	c->vintr &= ~VINTR_IRQ_BITS;
	return 1;
}

static void svm_vcpu_unload(struct vcpu *v)
{
	(void)v; /* nothing CPU-local but the TLB, which svm_vcpu_run flushes on a move */
}

static uint64_t *reg_slot(struct svm_vcpu *sv, enum vm_reg r)
{
	struct vmcb_save *s = &sv->vmcb->save;

	switch (r) {
	case VM_REG_RAX:
		return &s->rax;
	case VM_REG_RSP:
		return &s->rsp;
	case VM_REG_RIP:
		return &s->rip;
	case VM_REG_RFLAGS:
		return &s->rflags;
	case VM_REG_CR0:
		return &s->cr0;
	case VM_REG_CR2:
		return &s->cr2;
	case VM_REG_CR3:
		return &s->cr3;
	case VM_REG_CR4:
		return &s->cr4;
	case VM_REG_EFER:
		return &s->efer;
	case VM_REG_PAT:
		return &s->g_pat;
	case VM_REG_STAR:
		return &s->star;
	case VM_REG_LSTAR:
		return &s->lstar;
	case VM_REG_CSTAR:
		return &s->cstar;
	case VM_REG_SFMASK:
		return &s->sfmask;
	case VM_REG_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case VM_REG_SYSENTER_CS:
		return &s->sysenter_cs;
	case VM_REG_SYSENTER_ESP:
		return &s->sysenter_esp;
	case VM_REG_SYSENTER_EIP:
		return &s->sysenter_eip;
	case VM_REG_FS_BASE:
		return &s->fs.base;
	case VM_REG_GS_BASE:
		return &s->gs.base;
	case VM_REG_TSC_OFFSET:
		return &sv->vmcb->ctl.tsc_offset;
	default:
		return r < 16 ? &sv->gprs[r] : NULL;
	}
}

static uint64_t svm_get_reg(struct vcpu *v, enum vm_reg r)
{
	uint64_t *slot = reg_slot(v->arch, r);
	uint64_t val = slot ? *slot : 0;

	return r == VM_REG_EFER ? val & ~(uint64_t)EFER_SVME : val; /* SVME is ours */
}

static void svm_set_reg(struct vcpu *v, enum vm_reg r, uint64_t value)
{
	uint64_t *slot = reg_slot(v->arch, r);

	if (r == VM_REG_EFER)
		value |= EFER_SVME;
	if (r == VM_REG_CR4 && ((*slot ^ value) & VM_CR4_TLB_BITS))
		((struct svm_vcpu *)v->arch)->tlb_flush = 1;
	if (slot)
		*slot = value;
	if (r == VM_REG_RIP) { /* an emulated instruction ends an STI or MOV SS shadow */
		((struct svm_vcpu *)v->arch)->vmcb->ctl.int_shadow = 0;
		((struct svm_vcpu *)v->arch)->shadow_left = 0;
	}
}

static void svm_get_seg(struct vcpu *v, enum vm_seg s, struct vm_segment *seg)
{
	struct svm_vcpu *sv = v->arch;
	struct vmcb_seg *vs = vmcb_seg(sv->vmcb, s);

	*seg = (struct vm_segment){ vs->selector, attr_from_vmcb(vs->attrib), vs->limit, vs->base };
}

static void svm_set_seg(struct vcpu *v, enum vm_seg s, const struct vm_segment *seg)
{
	struct svm_vcpu *sv = v->arch;
	struct vmcb_seg *vs = vmcb_seg(sv->vmcb, s);

	*vs = (struct vmcb_seg){ seg->selector, attr_to_vmcb(seg->attr), seg->limit, seg->base };
	if (s == VM_SEG_SS)
		sv->vmcb->save.cpl = (seg->attr >> 5) & 3;
}

static int svm_inject(struct vcpu *v, const struct vm_event *ev)
{
	struct svm_vcpu *sv = v->arch;
	uint64_t inj = EVENTINJ_VALID | ev->vector;

	if ((sv->vmcb->ctl.event_inj & EVENTINJ_VALID) ||
	    (ev->type == VM_EVENT_NMI && sv->nmi_blocked))
		return -EBUSY; /* one event per entry; an NMI waits for the handler's IRET */
	if (ev->type == VM_EVENT_EXTINT) {
		if (virq_posted(&sv->vmcb->ctl))
			return -EBUSY;
		virq_post(&sv->vmcb->ctl, ev->vector);
		return 0;
	}
	if (ev->type == VM_EVENT_EXCEPTION)
		inj |= EVENTINJ_TYPE_EXC;
	else if (ev->type == VM_EVENT_NMI)
		inj = EVENTINJ_VALID | EVENTINJ_TYPE_NMI | 2;
	if (ev->type == VM_EVENT_EXCEPTION && ev->has_error)
		inj |= EVENTINJ_ERR_VALID | ((uint64_t)ev->error << 32);
	sv->vmcb->ctl.event_inj = inj;
	if (ev->type == VM_EVENT_NMI)
		svm_nmi_injected(sv);
	return 0;
}

static void svm_dump(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;
	struct vmcb_control *c = &sv->vmcb->ctl;
	struct vmcb_save *s = &sv->vmcb->save;

	printk("  VMCB %#lx: exit code %#lx info1 %#lx info2 %#lx exit_int_info %#lx\n",
	       sv->vmcb_pa, c->exit_code, c->exit_info1, c->exit_info2, c->exit_int_info);
	printk("  V_INTR %#lx event_inj %#lx int_shadow %#lx\n", c->vintr, c->event_inj,
	       c->int_shadow);
	printk("  NMI blocked %u, IRET seen %u at %#lx, stepping %u\n", sv->nmi_blocked,
	       sv->iret_seen, sv->iret_rip, sv->nmi_step);
	printk("  CS %04x attr %03x base %#lx limit %#x CPL %u EFER %#lx\n", s->cs.selector,
	       s->cs.attrib, s->cs.base, s->cs.limit, s->cpl, s->efer);
	printk("  GDTR %#lx/%#x IDTR %#lx/%#x ASID %u N_CR3 %#lx\n", s->gdtr.base, s->gdtr.limit,
	       s->idtr.base, s->idtr.limit, c->asid, c->n_cr3);
}

const struct virt_ops svm_ops = {
	.name = "AMD SVM with NPT",
	.hypercall = BV_CPUID_HC_VMMCALL,
	.cpu_enable = svm_cpu_enable,
	.domain_init = svm_domain_init,
	.domain_destroy = svm_domain_destroy,
	.vcpu_init = svm_vcpu_init,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.get_seg = svm_get_seg,
	.set_seg = svm_set_seg,
	.inject = svm_inject,
	.intr_ready = svm_intr_ready,
	.intr_window = svm_intr_window,
	.intr_posted = svm_intr_posted,
	.intr_cancel = svm_intr_cancel,
	.nmi_window = svm_nmi_window,
	.vcpu_unload = svm_vcpu_unload,
	.map = domain_gpt_map,
	.unmap = domain_gpt_unmap,
	.protect = domain_gpt_protect,
	.dump = svm_dump,
};
