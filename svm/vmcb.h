/*
 * svm/vmcb.h: the Virtual Machine Control Block (AMD APM vol. 2, appendix B:
 * table B-1 the control area, table B-2 the state save area), the exit codes
 * (appendix C) and the intercept bits bivisor uses.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* the descriptor's bits 40-47 and 52-55, packed into 12 bits */
	uint32_t limit;
	uint64_t base;
};
_Static_assert(sizeof(struct vmcb_seg) == 16, "APM B-2");

struct vmcb_control {
	uint32_t intercept_cr;	  /* 0x000: reads bits 0-15, writes 16-31 */
	uint32_t intercept_dr;	  /* 0x004 */
	uint32_t intercept_exc;	  /* 0x008 */
	uint32_t intercept_misc1; /* 0x00c */
	uint32_t intercept_misc2; /* 0x010 */
	uint32_t intercept_misc3; /* 0x014 */
	uint8_t reserved0[0x3c - 0x18];
	uint16_t pause_threshold; /* 0x03c */
	uint16_t pause_count;	  /* 0x03e */
	uint64_t iopm_base;	  /* 0x040 */
	uint64_t msrpm_base;	  /* 0x048 */
	uint64_t tsc_offset;	  /* 0x050 */
	uint32_t asid;		  /* 0x058 */
	uint8_t tlb_control;	  /* 0x05c */
	uint8_t reserved1[3];
	uint64_t vintr;		/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING ... */
	uint64_t int_shadow;	/* 0x068 */
	uint64_t exit_code;	/* 0x070 */
	uint64_t exit_info1;	/* 0x078 */
	uint64_t exit_info2;	/* 0x080 */
	uint64_t exit_int_info; /* 0x088 */
	uint64_t np_enable;	/* 0x090 */
	uint64_t avic_apic_bar; /* 0x098 */
	uint64_t ghcb;		/* 0x0a0 */
	uint64_t event_inj;	/* 0x0a8 */
	uint64_t n_cr3;		/* 0x0b0 */
	uint64_t virt_ext;	/* 0x0b8 */
	uint32_t clean;		/* 0x0c0 */
	uint32_t reserved2;
	uint64_t next_rip;	/* 0x0c8 */
	uint8_t insn_len;	/* 0x0d0: bits 3:0 bytes fetched (decode assists) */
	uint8_t insn_bytes[15]; /* 0x0d1 */
	uint8_t reserved3[0x400 - 0xe0];
};
_Static_assert(sizeof(struct vmcb_control) == 0x400, "APM B-1");

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t reserved1;
	uint64_t efer; /* 0x4d0 */
	uint8_t reserved2[0x548 - 0x4d8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t reserved3[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint8_t reserved4[0x5f8 - 0x5e0];
	uint64_t rax;		 /* 0x5f8 */
	uint64_t star;		 /* 0x600 */
	uint64_t lstar;		 /* 0x608 */
	uint64_t cstar;		 /* 0x610 */
	uint64_t sfmask;	 /* 0x618 */
	uint64_t kernel_gs_base; /* 0x620 */
	uint64_t sysenter_cs;	 /* 0x628 */
	uint64_t sysenter_esp;	 /* 0x630 */
	uint64_t sysenter_eip;	 /* 0x638 */
	uint64_t cr2;		 /* 0x640 */
	uint8_t reserved5[0x668 - 0x648];
	uint64_t g_pat; /* 0x668 */
	uint8_t reserved6[0x1000 - 0x670];
};
_Static_assert(sizeof(struct vmcb_save) == 0x1000 - 0x400, "APM B-2");

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
};
_Static_assert(sizeof(struct vmcb) == 4096, "a VMCB is one page");
_Static_assert(offsetof(struct vmcb, ctl.n_cr3) == 0x0b0, "APM B-1");
_Static_assert(offsetof(struct vmcb, ctl.next_rip) == 0x0c8, "APM B-1");
_Static_assert(offsetof(struct vmcb, ctl.insn_len) == 0x0d0, "APM B-1");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "APM B-2");

/*
 * The guest instruction bytes a CPU with decode assists saves at a nested page
 * fault (APM 15.33.4, B-1 offsets 0x0d0-0x0df): copies them to out[15] and
 * returns how many there are, 0-15. Fewer than the instruction when fetching
 * them would have crossed into a page that faults, none when the fetch itself
 * faulted.
 */
static inline unsigned int vmcb_saved_insn(const struct vmcb_control *c, uint8_t *out)
{
	unsigned int n = c->insn_len & 15;

	for (unsigned int i = 0; i < n; i++)
		out[i] = c->insn_bytes[i];
	return n;
}

/* intercept_cr (APM 15.9, B-1 offset 0x000): writes of CR4 */
#define INTERCEPT_CR4_WRITE (1u << (16 + 4))
/* intercept_misc1 (APM 15.9-15.13, B-1 offset 0x00c) */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_SMI (1u << 2)
#define INTERCEPT_INIT (1u << 3)
#define INTERCEPT_VINTR (1u << 4)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_IRET (1u << 20)
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_PAUSE (1u << 23)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_IOIO (1u << 27)
#define INTERCEPT_MSR (1u << 28)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 (offset 0x010) */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_XSETBV (1u << 13)

/* exit codes (APM appendix C) */
#define SVM_EXIT_CR4_WRITE 0x14
#define SVM_EXIT_EXCP_BASE 0x40
#define SVM_EXIT_DB 0x41 /* #DB: intercepted only to step over an NMI handler's IRET */
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_SMI 0x62
#define SVM_EXIT_INIT 0x63
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IRET 0x74
#define SVM_EXIT_PAUSE 0x77
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((uint64_t)-1)

/* VINTR (APM 15.21.4): V_IRQ, priority 15 and V_IGN_TPR; the vector in V_INTR_VECTOR */
#define VINTR_IRQ (1ull << 8)
#define VINTR_IRQ_BITS (VINTR_IRQ | (0xfull << 16) | (1ull << 20))
#define VINTR_VECTOR_SHIFT 32
#define VINTR_VECTOR_MASK (0xffull << VINTR_VECTOR_SHIFT)

/* EVENTINJ (APM 15.20) */
#define EVENTINJ_VALID (1ull << 31)
#define EVENTINJ_ERR_VALID (1ull << 11)
#define EVENTINJ_TYPE_INTR (0ull << 8)
#define EVENTINJ_TYPE_MASK (7ull << 8)
#define EVENTINJ_TYPE_NMI (2ull << 8)
#define EVENTINJ_TYPE_EXC (3ull << 8)

#endif
