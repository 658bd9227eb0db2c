/*
 * kernel/vlapic.c: the virtual local APIC of one vCPU (Intel SDM vol. 3A
 * chapter 11): IA32_APIC_BASE and enabling (11.4), the LVT (11.5.1), the ICR
 * and IPI destinations (11.6, 11.6.2), interrupt handling (11.8: PPR 11.8.3.1,
 * EOI 11.8.5) and x2APIC (11.12). The timer (11.5.4, TSC-deadline 11.5.4.1) is
 * in kernel/vlapic_timer.c.
 */
#include <stdint.h>
#include <stddef.h>

#include "kernel/vlapic.h"
#include "lib/string.h"
#include "kernel/errno.h"
#include "kernel/vlapic_regs.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

#define APIC_BASE_RESERVED (~(APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP))

/* Version 0x14 (integrated APIC), max LVT entry in 23:16; no EOI-broadcast suppression. */
#define VERSION (0x14u | (VLAPIC_NR_LVT - 1u) << 16)
#define SVR_MASK 0x1ffu /* vector and enable; no focus checking, no EOI-broadcast suppression */

/* ESR bits (SDM 11.5.3). */
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG (1u << 7)

/* The bits each LVT entry keeps (SDM Figure 11-8). */
static const uint32_t lvt_writable[VLAPIC_NR_LVT] = {
	[LVT_CMCI] = 0x107ff,  [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
	[LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

/* ICR (SDM Figure 11-12): delivery modes, bits, destination shorthands. */
enum { DM_FIXED, DM_LOWPRI, DM_SMI, DM_RESERVED3, DM_NMI, DM_INIT, DM_SIPI, DM_RESERVED7 };
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };
#define ICR_LOGICAL (1u << 11)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_LOW_MASK 0xccfffu /* vector, mode, dest mode, level, trigger, shorthand */

/*
 * Who may read and write each register (index off / 16), in xAPIC mode (MMIO) and in
 * x2APIC mode (MSR, SDM Table 11-6). No bit in either mode: the offset is undefined.
 */
#define XR 1 /* xAPIC read */
#define XW 2 /* xAPIC write */
#define X2R 4
#define X2W 8
#define RW_BOTH (XR | XW | X2R | X2W)
#define RO_BOTH (XR | X2R)
static const uint8_t reg_access[0x40] = {
	[REG_ID >> 4] = RO_BOTH,
	[REG_VERSION >> 4] = RO_BOTH,
	[REG_TPR >> 4] = RW_BOTH,
	[REG_APR >> 4] = XR,
	[REG_PPR >> 4] = RO_BOTH,
	[REG_EOI >> 4] = XW | X2W,
	[REG_RRD >> 4] = XR,
	[REG_LDR >> 4] = XR | XW | X2R,
	[REG_DFR >> 4] = XR | XW,
	[REG_SVR >> 4] = RW_BOTH,
	[0x10 ... 0x27] = RO_BOTH, /* ISR, TMR, IRR */
	[REG_ESR >> 4] = RW_BOTH,
	[REG_LVT_CMCI >> 4] = RW_BOTH,
	[REG_ICR >> 4] = RW_BOTH,
	[REG_ICR_HIGH >> 4] = XR | XW,
	[0x32 ... 0x37] = RW_BOTH, /* LVT timer .. error */
	[REG_TIMER_INITIAL >> 4] = RW_BOTH,
	[REG_TIMER_CURRENT >> 4] = RO_BOTH,
	[REG_TIMER_DIVIDE >> 4] = RW_BOTH,
	[REG_SELF_IPI >> 4] = X2W,
};

static unsigned int access_of(uint32_t off)
{
	return off < 0x400 && !(off & 0xf) ? reg_access[off >> 4] : 0;
}

static int is_x2apic(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* Logical x2APIC ID (SDM 11.12.10.2): cluster in 31:16, one bit of 16 in 15:0. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | 1u << (id & 15);
}

static void kick(struct vlapic *t)
{
	if (t->env->kick)
		t->env->kick(t);
}

/* The highest vector set in a 256-bit register, or -1. */
static int highest_vector(const volatile uint32_t *bits)
{
	int i;

	for (i = 7; i >= 0; i--) {
		uint32_t w = __atomic_load_n(&bits[i], __ATOMIC_ACQUIRE);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* SDM 11.8.3.1: PPR is TPR if its class is at least the highest in-service class. */
static uint32_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = highest_vector(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* Records an error in ESR (seen at the next ESR write) and raises the LVT error vector. */
static void vlapic_error(struct vlapic *l, uint32_t bit)
{
	uint32_t lvt = l->lvt[LVT_ERROR];

	__atomic_fetch_or(&l->esr_pending, bit, __ATOMIC_RELAXED);
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
		vlapic_set_irq(l, lvt & 0xff, 0);
}

/* --- Interrupt acceptance and priority (SDM 11.8) --- */

void vlapic_set_irq(struct vlapic *l, uint8_t vector, int level)
{
	uint32_t bit = 1u << (vector & 31);
	unsigned int w = vector >> 5;

	if (!vlapic_is_enabled(l))
		return; /* a disabled APIC drops fixed interrupts (SDM 11.4.7.2) */
	if (vector < 16) {
		vlapic_error(l, ESR_RECV_ILLEGAL);
		return;
	}
	if (level)
		__atomic_fetch_or(&l->tmr[w], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&l->tmr[w], ~bit, __ATOMIC_RELAXED);
	__atomic_fetch_or(&l->irr[w], bit, __ATOMIC_RELEASE);
	kick(l);
}

int vlapic_pending_irq(struct vlapic *l)
{
	int v = highest_vector(l->irr);

	if (v < 0 || ((uint32_t)v & 0xf0) <= (vlapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack_irq(struct vlapic *l, uint8_t vector)
{
	uint32_t bit = 1u << (vector & 31);

	__atomic_fetch_and(&l->irr[vector >> 5], ~bit, __ATOMIC_ACQUIRE);
	l->isr[vector >> 5] |= bit;
}

void vlapic_unack_irq(struct vlapic *l, uint8_t vector)
{
	uint32_t bit = 1u << (vector & 31);

	l->isr[vector >> 5] &= ~bit;
	__atomic_fetch_or(&l->irr[vector >> 5], bit, __ATOMIC_RELEASE);
}

/* SDM 11.8.5: EOI retires the highest in-service vector; a level one also goes to the IOAPIC. */
static void vlapic_eoi(struct vlapic *l)
{
	int v = highest_vector(l->isr);
	uint32_t bit;

	if (v < 0)
		return;
	bit = 1u << (v & 31);
	l->isr[v >> 5] &= ~bit;
	if ((__atomic_load_n(&l->tmr[v >> 5], __ATOMIC_RELAXED) & bit) && l->env->eoi_level)
		l->env->eoi_level(l->env->ctx, (uint8_t)v);
}

int vlapic_has_event(struct vlapic *l)
{
	return vlapic_pending_irq(l) >= 0 || __atomic_load_n(&l->pending_nmi, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&l->pending_init, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&l->pending_sipi, __ATOMIC_ACQUIRE);
}

int vlapic_take_nmi(struct vlapic *l)
{
	return __atomic_exchange_n(&l->pending_nmi, 0, __ATOMIC_ACQ_REL) != 0;
}

int vlapic_take_init(struct vlapic *l)
{
	return __atomic_exchange_n(&l->pending_init, 0, __ATOMIC_ACQ_REL) != 0;
}

int vlapic_take_sipi(struct vlapic *l)
{
	uint32_t v = __atomic_exchange_n(&l->pending_sipi, 0, __ATOMIC_ACQ_REL);

	return v ? (int)(v & 0xff) : -1;
}

/* --- IPIs (SDM 11.6) --- */

/* Physical and logical destinations (SDM 11.6.2, x2APIC 11.12.9, 11.12.10). */
int vlapic_dest_match(const struct vlapic *l, const struct vlapic *t, uint32_t dest, int logical)
{
	uint32_t ldr;

	if (is_x2apic(l)) {
		if (dest == 0xffffffff)
			return 1;
		if (!logical)
			return dest == t->id;
		ldr = x2apic_ldr(t->id);
		return dest >> 16 == ldr >> 16 && (dest & ldr & 0xffff);
	}
	dest >>= 24;
	if (!logical)
		return dest == 0xff || dest == (t->id & 0xff);
	ldr = t->ldr >> 24;
	if (t->dfr >> 28 == 0xf) /* flat model */
		return (ldr & dest) != 0;
	if (t->dfr >> 28 == 0) /* cluster model; 0xff is a broadcast */
		return dest == 0xff || (dest >> 4 == ldr >> 4 && (dest & ldr & 0xf));
	return 0;
}

static int icr_targets(const struct vlapic *l, const struct vlapic *t)
{
	switch ((l->icr_low >> 18) & 3) {
	case SH_SELF:
		return t == l;
	case SH_ALL:
		return 1;
	case SH_OTHERS:
		return t != l;
	default:
		return vlapic_dest_match(l, t, l->icr_high, (l->icr_low & ICR_LOGICAL) != 0);
	}
}

static void ipi_deliver(struct vlapic *t, unsigned int mode, uint8_t vector)
{
	switch (mode) {
	case DM_FIXED:
	case DM_LOWPRI:
		vlapic_set_irq(t, vector, 0);
		return;
	case DM_NMI:
		__atomic_store_n(&t->pending_nmi, 1, __ATOMIC_RELEASE);
		break;
	case DM_INIT:
		__atomic_store_n(&t->pending_init, 1, __ATOMIC_RELEASE);
		break;
	case DM_SIPI:
		__atomic_store_n(&t->pending_sipi, 0x100u | vector, __ATOMIC_RELEASE);
		break;
	}
	kick(t);
}

/*
 * Sends the IPI in the ICR at once (so xAPIC's delivery status always reads idle).
 * Lowest priority goes to the first enabled match in domain order rather than
 * arbitrating on priorities: a simplification that SDM 11.6.2.4 leaves to the chipset.
 */
static void icr_send(struct vlapic *l)
{
	const struct vlapic_env *env = l->env;
	unsigned int mode = (l->icr_low >> 8) & 7;
	uint8_t vector = l->icr_low & 0xff;
	unsigned int i, n;

	if (mode == DM_SMI || mode == DM_RESERVED3 || mode == DM_RESERVED7)
		return;
	if (mode == DM_INIT && !(l->icr_low & ICR_ASSERT) && (l->icr_low & ICR_LEVEL))
		return; /* INIT level de-assert: only an arbitration ID resync */
	if ((mode == DM_FIXED || mode == DM_LOWPRI) && vector < 16) {
		vlapic_error(l, ESR_SEND_ILLEGAL);
		return;
	}
	n = env->count(env->ctx);
	for (i = 0; i < n; i++) {
		struct vlapic *t = env->get(env->ctx, i);

		if (!t || !icr_targets(l, t))
			continue;
		if (mode == DM_LOWPRI && !vlapic_is_enabled(t))
			continue;
		ipi_deliver(t, mode, vector);
		if (mode == DM_LOWPRI)
			return;
	}
}

/* --- Registers --- */

static int lvt_index(uint32_t off)
{
	if (off == REG_LVT_CMCI)
		return LVT_CMCI;
	if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR)
		return LVT_TIMER + (int)((off - REG_LVT_TIMER) >> 4);
	return -1;
}

static void lvt_write(struct vlapic *l, int i, uint32_t v)
{
	uint32_t old = l->lvt[i];

	v &= lvt_writable[i];
	if (!(l->svr & SVR_ENABLE))
		v |= LVT_MASKED; /* SDM 11.4.7.2: masked while software-disabled */
	l->lvt[i] = v;
	if (i == LVT_TIMER)
		vlapic_timer_write_lvt(l, old);
}

static void svr_write(struct vlapic *l, uint32_t v)
{
	int i;

	l->svr = v & SVR_MASK;
	if (!(l->svr & SVR_ENABLE))
		for (i = 0; i < VLAPIC_NR_LVT; i++)
			l->lvt[i] |= LVT_MASKED;
}

static uint32_t reg_read(struct vlapic *l, uint32_t off)
{
	int lvt = lvt_index(off);

	if (lvt >= 0)
		return l->lvt[lvt];
	if (off >= REG_ISR && off < REG_TMR)
		return l->isr[(off - REG_ISR) >> 4];
	if (off >= REG_TMR && off < REG_IRR)
		return __atomic_load_n(&l->tmr[(off - REG_TMR) >> 4], __ATOMIC_RELAXED);
	if (off >= REG_IRR && off < REG_ESR)
		return __atomic_load_n(&l->irr[(off - REG_IRR) >> 4], __ATOMIC_RELAXED);
	switch (off) {
	case REG_ID:
		return is_x2apic(l) ? l->id : l->id << 24;
	case REG_VERSION:
		return VERSION;
	case REG_TPR:
		return l->tpr;
	case REG_PPR:
		return vlapic_ppr(l);
	case REG_LDR:
		return is_x2apic(l) ? x2apic_ldr(l->id) : l->ldr;
	case REG_DFR:
		return l->dfr;
	case REG_SVR:
		return l->svr;
	case REG_ESR:
		return l->esr;
	case REG_ICR:
		return l->icr_low;
	case REG_ICR_HIGH:
		return l->icr_high;
	case REG_TIMER_INITIAL:
		return l->timer_initial;
	case REG_TIMER_CURRENT:
		return vlapic_timer_read_current(l);
	case REG_TIMER_DIVIDE:
		return l->timer_divide;
	default:
		return 0; /* APR, RRD, EOI */
	}
}

/* A write the caller has checked is allowed in the current mode. */
static void reg_write(struct vlapic *l, uint32_t off, uint32_t v)
{
	int lvt = lvt_index(off);

	if (lvt >= 0) {
		lvt_write(l, lvt, v);
		return;
	}
	switch (off) {
	case REG_TPR:
		l->tpr = v & 0xff;
		break;
	case REG_EOI:
		vlapic_eoi(l);
		break;
	case REG_LDR:
		l->ldr = v & 0xff000000;
		break;
	case REG_DFR:
		l->dfr = v | 0x0fffffff;
		break;
	case REG_SVR:
		svr_write(l, v);
		break;
	case REG_ESR: /* latches the errors seen since the last write (SDM 11.5.3) */
		l->esr = __atomic_exchange_n(&l->esr_pending, 0, __ATOMIC_RELAXED);
		break;
	case REG_ICR:
		l->icr_low = v & ICR_LOW_MASK;
		icr_send(l);
		break;
	case REG_ICR_HIGH:
		l->icr_high = v & 0xff000000;
		break;
	case REG_TIMER_INITIAL:
		vlapic_timer_write_initial(l, v);
		break;
	case REG_TIMER_DIVIDE:
		l->timer_divide = v & 0xb;
		break;
	}
}

uint64_t vlapic_mmio_base(const struct vlapic *l)
{
	if ((l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) != APIC_BASE_EN)
		return 0;
	return l->apic_base & APIC_BASE_ADDR;
}

/* Only 32-bit accesses to the first dword of a defined register (SDM 11.4.1). */
static int mmio_access(struct vlapic *l, uint32_t off, unsigned int size)
{
	unsigned int a = access_of(off);

	if (size != 4 || !(a & (XR | XW))) {
		vlapic_error(l, ESR_ILLEGAL_REG);
		return 0;
	}
	return (int)a;
}

int vlapic_mmio_read(struct vlapic *l, uint32_t off, unsigned int size, uint64_t *value)
{
	*value = 0;
	if (vlapic_mmio_base(l) && (mmio_access(l, off, size) & XR))
		*value = reg_read(l, off);
	return 0;
}

int vlapic_mmio_write(struct vlapic *l, uint32_t off, unsigned int size, uint64_t value)
{
	if (vlapic_mmio_base(l) && (mmio_access(l, off, size) & XW))
		reg_write(l, off, (uint32_t)value);
	return 0;
}

/* SDM 11.12.5: the valid IA32_APIC_BASE transitions; leaving a mode resets the registers. */
static int apic_base_write(struct vlapic *l, uint64_t v)
{
	uint64_t old = l->apic_base;
	int old_x2 = is_x2apic(l);

	if (v & APIC_BASE_RESERVED)
		return -EINVAL;
	if ((v & APIC_BASE_EXTD) && !(v & APIC_BASE_EN))
		return -EINVAL; /* the invalid state */
	if (old_x2 && (v & APIC_BASE_EN) && !(v & APIC_BASE_EXTD))
		return -EINVAL; /* x2APIC to xAPIC must go through disabled */
	if (!(old & APIC_BASE_EN) && (v & APIC_BASE_EXTD))
		return -EINVAL; /* disabled may only go to xAPIC */
	l->apic_base = (v & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
	if ((old & APIC_BASE_EN) && !(v & APIC_BASE_EN))
		vlapic_reset_init(l);
	else if (!old_x2 && is_x2apic(l))
		l->ldr = x2apic_ldr(l->id);
	return 0;
}

/* Reserved bits that must be 0 (SDM 11.12.1.3): checked where a guest would notice. */
static int x2apic_write(struct vlapic *l, uint32_t msr, uint64_t value)
{
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;

	if (!(access_of(off) & X2W))
		return -EINVAL;
	if (off == REG_ICR) {
		l->icr_high = (uint32_t)(value >> 32);
		reg_write(l, off, (uint32_t)value);
		return 0;
	}
	if (value >> 32)
		return -EINVAL;
	if ((off == REG_EOI || off == REG_ESR) && value)
		return -EINVAL;
	if (off == REG_SELF_IPI) {
		if (value > 0xff)
			return -EINVAL;
		vlapic_set_irq(l, (uint8_t)value, 0);
		return 0;
	}
	reg_write(l, off, (uint32_t)value);
	return 0;
}

int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value)
{
	uint32_t off;

	if (msr == MSR_APIC_BASE) {
		*value = l->apic_base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*value = vlapic_timer_read_deadline(l);
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return -ENOENT;
	off = (msr - MSR_X2APIC_FIRST) << 4;
	if (!is_x2apic(l) || !(access_of(off) & X2R))
		return -EINVAL;
	if (off == REG_ICR)
		*value = (uint64_t)l->icr_high << 32 | l->icr_low;
	else
		*value = reg_read(l, off);
	return 0;
}

int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value)
{
	if (msr == MSR_APIC_BASE)
		return apic_base_write(l, value);
	if (msr == MSR_TSC_DEADLINE) {
		vlapic_timer_write_deadline(l, value);
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return -ENOENT;
	if (!is_x2apic(l))
		return -EINVAL;
	return x2apic_write(l, msr, value);
}

/* --- Reset --- */

/*
 * INIT (SDM 11.4.7.3) keeps the ID and IA32_APIC_BASE. The pending NMI, INIT and
 * SIPI flags are kept too: they are events for the caller, and a SIPI sent right
 * after the INIT that the caller is handling must not be lost.
 */
void vlapic_reset_init(struct vlapic *l)
{
	int i;

	for (i = 0; i < 8; i++) {
		__atomic_store_n(&l->irr[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&l->tmr[i], 0, __ATOMIC_RELAXED);
		l->isr[i] = 0;
	}
	for (i = 0; i < VLAPIC_NR_LVT; i++)
		l->lvt[i] = LVT_MASKED;
	l->tpr = 0;
	l->ldr = is_x2apic(l) ? x2apic_ldr(l->id) : 0;
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	l->esr = 0;
	__atomic_store_n(&l->esr_pending, 0, __ATOMIC_RELAXED);
	l->icr_low = 0;
	l->icr_high = 0;
	l->timer_initial = 0;
	l->timer_divide = 0;
	l->timer_start = 0;
	l->timer_expiry = 0;
	l->tsc_deadline = 0;
}

void vlapic_init(struct vlapic *l, const struct vlapic_env *env, void *owner, uint32_t id, int bsp)
{
	memset(l, 0, sizeof(*l));
	l->env = env;
	l->owner = owner;
	l->id = id;
	l->apic_base = VLAPIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	vlapic_reset_init(l);
	if (bsp)
		l->lvt[LVT_LINT0] = LVT_DELIVERY_EXTINT;
}

int vlapic_accepts_extint(const struct vlapic *l)
{
	return !(l->apic_base & APIC_BASE_EN) ||
	       (l->lvt[LVT_LINT0] & (LVT_MASKED | LVT_DELIVERY_MASK)) == LVT_DELIVERY_EXTINT;
}
