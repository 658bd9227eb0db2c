/*
 * kernel/virt.h: the seam between arch-neutral kernel code and a hardware
 * virtualization backend (DESIGN.md seam 1 and 2). svm/ exports svm_ops,
 * vmx/ exports vmx_ops; one is chosen at boot and called through the inline
 * wrappers below. Each backend decodes its hardware exit (VMCB EXITCODE,
 * VMCS exit reason) into the neutral struct vm_exit before kernel/ sees it.
 */
#ifndef KERNEL_VIRT_H
#define KERNEL_VIRT_H

#include <stdint.h>

#include "kernel/frame.h"

typedef uint64_t gpa_t;
typedef uint64_t gva_t;

struct domain;
struct vcpu;

/* Registers by a neutral name; the first 16 follow the x86 encoding order. */
enum vm_reg {
	VM_REG_RAX,
	VM_REG_RCX,
	VM_REG_RDX,
	VM_REG_RBX,
	VM_REG_RSP,
	VM_REG_RBP,
	VM_REG_RSI,
	VM_REG_RDI,
	VM_REG_R8,
	VM_REG_R9,
	VM_REG_R10,
	VM_REG_R11,
	VM_REG_R12,
	VM_REG_R13,
	VM_REG_R14,
	VM_REG_R15,
	VM_REG_RIP,
	VM_REG_RFLAGS,
	VM_REG_CR0,
	VM_REG_CR2,
	VM_REG_CR3,
	VM_REG_CR4,
	VM_REG_EFER,
	VM_REG_PAT,
	VM_REG_STAR,
	VM_REG_LSTAR,
	VM_REG_CSTAR,
	VM_REG_SFMASK,
	VM_REG_KERNEL_GS_BASE,
	VM_REG_SYSENTER_CS,
	VM_REG_SYSENTER_ESP,
	VM_REG_SYSENTER_EIP,
	VM_REG_FS_BASE,
	VM_REG_GS_BASE,
	VM_REG_TSC_OFFSET, /* added to the host's TSC for the guest's RDTSC (VMCB, VMCS field) */
	VM_NR_REGS,
};

enum vm_seg {
	VM_SEG_ES,
	VM_SEG_CS,
	VM_SEG_SS,
	VM_SEG_DS,
	VM_SEG_FS,
	VM_SEG_GS,
	VM_SEG_LDTR,
	VM_SEG_TR,
	VM_SEG_GDTR,
	VM_SEG_IDTR,
	VM_NR_SEGS,
};

/* A segment with its descriptor attributes in the x86 layout: type (bits 0-3), S,
 * DPL (5-6), P (7), AVL (12), L (13), D/B (14), G (15). */
struct vm_segment {
	uint16_t selector;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

#define SEG_ATTR_CODE32 0xc09b /* present, DPL 0, execute/read accessed, D, G */
#define SEG_ATTR_CODE64 0xa09b /* ... L instead of D */
#define SEG_ATTR_DATA 0xc093
#define SEG_ATTR_TSS 0x008b /* busy 32/64-bit TSS */
#define SEG_ATTR_LDT 0x0082

enum vm_exit_kind {
	VM_EXIT_NONE, /* the backend handled it (or a spurious exit): just re-enter */
	VM_EXIT_IO,   /* IN/OUT */
	VM_EXIT_MMIO, /* a guest-physical address with no RAM behind it */
	VM_EXIT_CPUID,
	VM_EXIT_MSR_READ,
	VM_EXIT_MSR_WRITE,
	VM_EXIT_HLT,
	VM_EXIT_HYPERCALL, /* VMMCALL / VMCALL */
	VM_EXIT_EXTINT,	   /* a host interrupt arrived while the guest ran */
	VM_EXIT_NMI,
	VM_EXIT_EXCEPTION,   /* an intercepted guest exception */
	VM_EXIT_SHUTDOWN,    /* triple fault */
	VM_EXIT_INVALID,     /* the hardware refused the guest state */
	VM_EXIT_UNKNOWN,     /* an exit the backend cannot decode */
	VM_EXIT_INTR_WINDOW, /* the guest can take an interrupt now (asked by intr_window) */
	VM_EXIT_PAUSE,	     /* a PAUSE loop: the vCPU spins (SVM pause filter); yield */
	VM_EXIT_NMI_WINDOW,  /* the guest's NMI handler returned: an NMI can go in now */
	VM_EXIT_CR_WRITE,    /* a MOV to a control register (CR4) */
	VM_EXIT_NR_KINDS,
};

#define VM_CR_GPR_UNKNOWN 0xff /* the CPU did not say (SVM without decode assists) */

struct vm_exit {
	enum vm_exit_kind kind;
	unsigned int insn_len; /* length of the exiting instruction, 0 if unknown */
	uint64_t hw_reason;    /* the backend's raw exit code, for dumps */
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			uint8_t is_write;
			uint8_t is_string;
			uint8_t rep;
		} io;
		struct {
			gpa_t gpa;
			uint8_t is_write;
			uint8_t is_fetch;
			uint8_t is_walk; /* during the guest's own page-table walk */
			/* the instruction's first bytes where the CPU saved them (SVM decode
			 * assists), else saved_len 0: kernel/exit.c reads guest memory */
			uint8_t saved_len;
			uint8_t saved[15];
		} mmio;
		struct {
			uint32_t index;
		} msr;
		struct {
			uint8_t vector;
			uint8_t has_error;
			uint32_t error;
			uint64_t cr2;
		} exc;
		struct {
			uint8_t cr;  /* the control register written: 4 */
			uint8_t gpr; /* enum vm_reg of the source, VM_CR_GPR_UNKNOWN: decode */
		} cr;
		struct {
			uint64_t info1, info2;
		} raw;
	};
};

/* PSE PAE PGE PCIDE SMEP SMAP PKE LA57: the CR4 bits whose change flushes the TLB. */
#define VM_CR4_TLB_BITS 0x7210b0ull

enum vm_event_type {
	VM_EVENT_EXTINT,
	VM_EVENT_NMI,
	VM_EVENT_EXCEPTION,
};

struct vm_event {
	enum vm_event_type type;
	uint8_t vector;
	uint8_t has_error;
	uint32_t error;
};

enum vm_prot {
	VM_PROT_READ = 1,
	VM_PROT_WRITE = 2,
	VM_PROT_EXEC = 4,
	VM_PROT_RWX = 7,
};

struct virt_ops {
	const char *name;
	uint32_t hypercall; /* the instruction guests call bivisor with: BV_CPUID_HC_* */
	/* Enables the extension on the calling CPU (every CPU, once). */
	int (*cpu_enable)(void);
	int (*domain_init)(struct domain *d);	  /* nested page table root */
	void (*domain_destroy)(struct domain *d); /* frees what domain_init and map built */
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Runs the vCPU on this CPU until its next exit, decoded into *exit. */
	void (*vcpu_run)(struct vcpu *v, struct vm_exit *exit);
	uint64_t (*get_reg)(struct vcpu *v, enum vm_reg reg);
	/* A CR4 that changes a bit of VM_CR4_TLB_BITS flushes the vCPU's TLB before its
	 * next entry, as the CPU's MOV to CR4 does (Intel SDM vol. 3A 4.10.4.1). */
	void (*set_reg)(struct vcpu *v, enum vm_reg reg, uint64_t value);
	void (*get_seg)(struct vcpu *v, enum vm_seg seg, struct vm_segment *s);
	void (*set_seg)(struct vcpu *v, enum vm_seg seg, const struct vm_segment *s);
	/* Queues an event for delivery at the next entry. */
	int (*inject)(struct vcpu *v, const struct vm_event *ev);
	/* 1 if an external interrupt can be injected now: RFLAGS.IF set, no STI or MOV SS
	 * shadow, and no event already queued (an injection cut short by an exit is queued
	 * again by the backend itself). */
	int (*intr_ready)(struct vcpu *v);
	/* Asks for a VM_EXIT_INTR_WINDOW exit as soon as the guest can take an interrupt
	 * (on: 1), or stops asking (0); the backend stops by itself after that exit. */
	void (*intr_window)(struct vcpu *v, int on);
	/* inject refused an NMI because the guest is still in its NMI handler: asks for a
	 * VM_EXIT_NMI_WINDOW exit once the handler's IRET has run (SVM: the IRET intercept,
	 * then a single step; VMX: NMI-window exiting). The backend stops by itself. */
	void (*nmi_window)(struct vcpu *v);
	/* 1 while an interrupt the vLAPIC acknowledged waits in the control block for the
	 * guest to take it (SVM's posted V_IRQ): a HLT must not block then. NULL: never
	 * (VMX delivers at the entry). Read from any CPU. */
	int (*intr_posted)(struct vcpu *v);
	/* Right after an exit, on the vCPU's CPU: withdraws the interrupt inject queued if
	 * it is `vector` and the guest has not taken it (SVM: V_IRQ still set); returns 1
	 * if it did. NULL: never (VMX delivers it at the entry or reports it cut short). */
	int (*intr_cancel)(struct vcpu *v, uint8_t vector);
	/* The vCPU leaves this CPU: drops what the CPU holds of it (VMX: VMCLEAR), so any
	 * CPU may run it next. Called on the CPU that ran it last. */
	void (*vcpu_unload)(struct vcpu *v);
	/* Maps [gpa, gpa+len) to host frames at hpa (page-aligned) in the nested tables. */
	int (*map)(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot);
	/* Unmaps [gpa, gpa+len) (page-aligned; absent pages are skipped). */
	int (*unmap)(struct domain *d, gpa_t gpa, uint64_t len);
	/* Sets the permissions (enum vm_prot, with READ) of the mapped pages in range.
	 * After map, unmap or protect each vCPU flushes what its TLB holds of the
	 * domain before its next entry; a vCPU in the guest sees it after its next exit. */
	int (*protect)(struct domain *d, gpa_t gpa, uint64_t len, unsigned int prot);
	/* Prints the backend's view of a vCPU (control block fields) for a crash dump. */
	void (*dump)(struct vcpu *v);
};

extern const struct virt_ops *virt;

/* Chooses the backend from the CPU's features; returns 0 or -ENOSYS. */
int virt_select(void);

static inline uint64_t vcpu_get_reg(struct vcpu *v, enum vm_reg r)
{
	return virt->get_reg(v, r);
}

static inline void vcpu_set_reg(struct vcpu *v, enum vm_reg r, uint64_t value)
{
	virt->set_reg(v, r, value);
}

static inline void vcpu_get_seg(struct vcpu *v, enum vm_seg s, struct vm_segment *seg)
{
	virt->get_seg(v, s, seg);
}

static inline void vcpu_set_seg(struct vcpu *v, enum vm_seg s, const struct vm_segment *seg)
{
	virt->set_seg(v, s, seg);
}

static inline int vcpu_inject(struct vcpu *v, const struct vm_event *ev)
{
	return virt->inject(v, ev);
}

/* #GP(0): what a refused MOV to CR4 or MSR access raises. */
static inline void vcpu_inject_gp(struct vcpu *v)
{
	struct vm_event gp = { VM_EVENT_EXCEPTION, 13, 1, 0 };

	vcpu_inject(v, &gp);
}

static inline int domain_map(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len,
			     unsigned int prot)
{
	return virt->map(d, gpa, hpa, len, prot);
}

static inline int domain_unmap(struct domain *d, gpa_t gpa, uint64_t len)
{
	return virt->unmap(d, gpa, len);
}

static inline int domain_protect(struct domain *d, gpa_t gpa, uint64_t len, unsigned int prot)
{
	return virt->protect(d, gpa, len, prot);
}

static inline void vcpu_advance_rip(struct vcpu *v, unsigned int len)
{
	virt->set_reg(v, VM_REG_RIP, virt->get_reg(v, VM_REG_RIP) + len);
}

#endif
