/*
 * kernel/vlapic.h: the virtual local APIC of one vCPU (Intel SDM vol. 3A
 * chapter 11; x2APIC 11.12). A pure model: it knows its registers, its
 * timer and its peers in the same domain through struct vlapic_env, never
 * the scheduler or a backend. kernel/ asks it, before each guest entry,
 * which vector to inject, and tells it which one was injected.
 *
 * Any CPU may raise an interrupt in a vLAPIC (vlapic_set_irq, an IPI from a
 * peer): IRR and the INIT/SIPI/NMI flags are updated atomically and then
 * env->kick() is called for the owner. Everything else (registers, ISR, the
 * timer) is touched only by the CPU that runs the owning vCPU.
 */
#ifndef KERNEL_VLAPIC_H
#define KERNEL_VLAPIC_H

#include <stdint.h>

#define VLAPIC_DEFAULT_BASE 0xfee00000ull
#define VLAPIC_TIMER_KHZ 1000000u /* the timer counts at 1 GHz before its divider */
#define VLAPIC_NR_LVT 7		  /* CMCI, timer, thermal, perf, LINT0, LINT1, error */

struct vlapic;

struct vlapic_env {
	void *ctx; /* the domain */
	/* The domain's vLAPICs, for IPI destinations: count and the i-th one. */
	unsigned int (*count)(void *ctx);
	struct vlapic *(*get)(void *ctx, unsigned int i);
	/* The target has something new pending (IRR, NMI, INIT, SIPI): wake or kick its vCPU. */
	void (*kick)(struct vlapic *target);
	/* A level-triggered vector's EOI, for the I/O APIC; may be NULL. */
	void (*eoi_level)(void *ctx, uint8_t vector);
	/* The guest's time stamp counter now, and its rate. */
	uint64_t (*tsc)(void *ctx);
	uint64_t tsc_khz;
};

struct vlapic {
	const struct vlapic_env *env;
	void *owner;	    /* the vCPU, for env->kick */
	uint32_t id;	    /* APIC ID = x2APIC ID = vCPU index */
	uint64_t apic_base; /* IA32_APIC_BASE: base, EN (bit 11), EXTD (bit 10), BSP (bit 8) */
	volatile uint32_t irr[8]; /* atomic: set from any CPU */
	uint32_t isr[8], tmr[8];
	uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
	uint32_t lvt[VLAPIC_NR_LVT];
	uint32_t icr_low, icr_high;
	uint32_t timer_initial, timer_divide; /* the raw registers */
	uint64_t timer_start;		      /* TSC at which the current count was loaded */
	uint64_t timer_expiry;		      /* TSC of the next expiry, 0 if not armed */
	uint64_t tsc_deadline;		      /* IA32_TSC_DEADLINE */
	volatile uint32_t pending_init;	      /* atomic: an INIT arrived */
	volatile uint32_t pending_sipi;	      /* atomic: 0x100 | vector of a SIPI that arrived */
	volatile uint32_t pending_nmi;	      /* atomic */
	uint64_t timer_fired;		      /* count of timer interrupts raised (debug console) */
};

/* Power-on state: xAPIC enabled at 0xfee00000 (SDM 11.4.7.1); bsp sets IA32_APIC_BASE.BSP
 * and, as a BIOS leaves the BSP (and QEMU resets it), LINT0 to ExtINT, unmasked. */
void vlapic_init(struct vlapic *l, const struct vlapic_env *env, void *owner, uint32_t id, int bsp);
/* The state after an INIT (SDM 11.4.7.3): like power-on but keeps ID and IA32_APIC_BASE. */
void vlapic_reset_init(struct vlapic *l);

/* MMIO base the guest sees now, or 0 if the xAPIC page is not decoded (disabled or x2APIC). */
uint64_t vlapic_mmio_base(const struct vlapic *l);
/* Accesses at offset off (0..4095) of the xAPIC page. Reads of undefined registers return 0
 * and writes are ignored, with ESR's illegal-register bit set; returns 0. */
int vlapic_mmio_read(struct vlapic *l, uint32_t off, unsigned int size, uint64_t *value);
int vlapic_mmio_write(struct vlapic *l, uint32_t off, unsigned int size, uint64_t value);
/* IA32_APIC_BASE (0x1b), IA32_TSC_DEADLINE (0x6e0) and the x2APIC MSRs (0x800-0x8ff).
 * Returns 0, -ENOENT if msr is not an APIC MSR, -EINVAL if the access must raise #GP. */
int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value);
int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value);

/* Whether t is a destination of dest (SDM 11.6.2; x2APIC 11.12.9, 11.12.10), read in sender
 * l's mode: xAPIC uses bits 31:24, x2APIC all 32 bits (0xffffffff is a broadcast). */
int vlapic_dest_match(const struct vlapic *l, const struct vlapic *t, uint32_t dest, int logical);

/* Raises a vector (a device or the IOAPIC): sets IRR (and TMR if level), then kicks. */
void vlapic_set_irq(struct vlapic *l, uint8_t vector, int level);
/* The highest vector in IRR whose priority class is above PPR, or -1 (SDM 11.8.3.1). */
int vlapic_pending_irq(struct vlapic *l);
/* The vector was injected: moves it from IRR to ISR. */
void vlapic_ack_irq(struct vlapic *l, uint8_t vector);
/* The injection was withdrawn before the guest took it: moves it back to IRR. */
void vlapic_unack_irq(struct vlapic *l, uint8_t vector);
/* 1 if something would wake a halted vCPU: a deliverable vector, NMI, INIT or SIPI. */
int vlapic_has_event(struct vlapic *l);
/* Whether an 8259's INT reaches this vCPU as an ExtINT: its APIC is disabled in
 * IA32_APIC_BASE, or LINT0 is unmasked in ExtINT mode (virtual wire, SDM 11.5.1). */
int vlapic_accepts_extint(const struct vlapic *l);
/* Takes (and clears) a pending NMI, INIT, or SIPI (returns its vector, or -1). */
int vlapic_take_nmi(struct vlapic *l);
int vlapic_take_init(struct vlapic *l);
int vlapic_take_sipi(struct vlapic *l);

/* Fires the timer if it is due at now (a TSC value): raises the LVT timer vector unless
 * masked, reloads a periodic timer (never more than once per call: a guest that programs a
 * tiny period gets one interrupt per check, not a storm). */
void vlapic_timer_update(struct vlapic *l, uint64_t now);
/* TSC of the next expiry, or 0 if the timer is not armed. */
uint64_t vlapic_timer_next(const struct vlapic *l);

#endif
