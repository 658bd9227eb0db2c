/*
 * tests/unit/test_vlapic_rig.h: the fake domain shared by the vLAPIC unit tests
 * (test_vlapic.c, test_vlapic_timer.c): four vLAPICs with a settable TSC, a kick
 * counter per vCPU and a log of level-triggered EOIs, and the guest's accessors
 * for the xAPIC page and the x2APIC MSRs. Register values from Intel SDM vol. 3A
 * chapter 11; a header of static inline helpers, like test_virtio_rig.h.
 */
#ifndef TESTS_UNIT_TEST_VLAPIC_RIG_H
#define TESTS_UNIT_TEST_VLAPIC_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/vlapic.h"

/* xAPIC register offsets (SDM Table 11-1) and MSRs (SDM Table 11-6). */
enum { ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, RRD = 0xc0 };
enum { LDR = 0xd0, DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280 };
enum { LVT_CMCI = 0x2f0, ICR = 0x300, ICR2 = 0x310, LVT_TIMER = 0x320, LVT_ERROR = 0x370 };
enum { TMICT = 0x380, TMCCT = 0x390, TDCR = 0x3e0 };
enum { MSR_APIC_BASE = 0x1b, MSR_TSC_DEADLINE = 0x6e0, X2 = 0x800 };
#define X2MSR(off) (X2 + (off) / 16)

#define BASE_BSP 0x100ull
#define BASE_EXTD 0x400ull
#define BASE_EN 0x800ull
#define MASKED 0x10000u
#define PERIODIC 0x20000u
#define DEADLINE 0x40000u

/* ICR low: delivery modes, logical, level assert, level trigger, shorthands (SDM 11.6.1). */
enum { DM_FIXED = 0, DM_LOWPRI = 0x100, DM_SMI = 0x200, DM_NMI = 0x400, DM_INIT = 0x500 };
enum { DM_SIPI = 0x600, LOGICAL = 0x800, ASSERT = 0x4000, TRIG_LEVEL = 0x8000 };
enum { SH_SELF = 0x40000, SH_ALL = 0x80000, SH_OTHERS = 0xc0000 };

#define NR 4

struct dom {
	struct vlapic_env env;
	struct vlapic apic[NR];
	uint64_t tsc;
	int kicks[NR];
	uint8_t eoi_log[16];
	int eoi_count;
};

static inline unsigned int dom_count(void *ctx)
{
	(void)ctx;
	return NR;
}

static inline struct vlapic *dom_get(void *ctx, unsigned int i)
{
	return &((struct dom *)ctx)->apic[i];
}

static inline void dom_kick(struct vlapic *t)
{
	struct dom *d = t->env->ctx;

	d->kicks[t - d->apic]++;
}

static inline void dom_eoi_level(void *ctx, uint8_t vector)
{
	struct dom *d = ctx;

	assert_true(d->eoi_count < 16);
	d->eoi_log[d->eoi_count++] = vector;
}

static inline uint64_t dom_tsc(void *ctx)
{
	return ((struct dom *)ctx)->tsc;
}

static inline int dom_setup(void **state)
{
	struct dom *d = test_calloc(1, sizeof(*d));

	d->env = (struct vlapic_env){ .ctx = d,
				      .count = dom_count,
				      .get = dom_get,
				      .kick = dom_kick,
				      .eoi_level = dom_eoi_level,
				      .tsc = dom_tsc,
				      .tsc_khz = 2000000 };
	for (int i = 0; i < NR; i++)
		vlapic_init(&d->apic[i], &d->env, &d->kicks[i], (uint32_t)i, i == 0);
	*state = d;
	return 0;
}

static inline int dom_teardown(void **state)
{
	test_free(*state);
	return 0;
}

static inline uint32_t rd(struct vlapic *l, uint32_t off)
{
	uint64_t v = 0xdead;

	assert_int_equal(vlapic_mmio_read(l, off, 4, &v), 0);
	return (uint32_t)v;
}

static inline void wr(struct vlapic *l, uint32_t off, uint32_t v)
{
	assert_int_equal(vlapic_mmio_write(l, off, 4, v), 0);
}

static inline uint64_t rdmsr(struct vlapic *l, uint32_t msr)
{
	uint64_t v = 0;

	assert_int_equal(vlapic_msr_read(l, msr, &v), 0);
	return v;
}

static inline void wrmsr(struct vlapic *l, uint32_t msr, uint64_t v)
{
	assert_int_equal(vlapic_msr_write(l, msr, v), 0);
}

/* Software-enables the APIC with spurious vector 0xff. */
static inline void enable(struct vlapic *l)
{
	wr(l, SVR, 0x1ff);
}

static inline void enable_all(struct dom *d)
{
	for (int i = 0; i < NR; i++)
		enable(&d->apic[i]);
}

static inline void to_x2apic(struct vlapic *l)
{
	wrmsr(l, MSR_APIC_BASE, rdmsr(l, MSR_APIC_BASE) | BASE_EXTD);
	wrmsr(l, X2MSR(SVR), 0x1ff);
}

static inline void send_ipi(struct vlapic *l, uint8_t dest, uint32_t low)
{
	wr(l, ICR2, (uint32_t)dest << 24);
	wr(l, ICR, low);
}

static inline int irr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, IRR + (v / 32) * 16) >> (v % 32)) & 1;
}

static inline int isr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, ISR + (v / 32) * 16) >> (v % 32)) & 1;
}

/* Which of the four vLAPICs have vector v in IRR, as a bit mask. */
static inline unsigned int irr_mask(struct dom *d, uint8_t v)
{
	unsigned int m = 0;

	for (int i = 0; i < NR; i++)
		m |= (unsigned int)irr_has(&d->apic[i], v) << i;
	return m;
}

static inline uint32_t latch_esr(struct vlapic *l)
{
	wr(l, ESR, 0);
	return rd(l, ESR);
}

/* Acks and EOIs whatever is pending, as the guest's handler would. */
static inline void take_and_eoi(struct vlapic *l)
{
	int v = vlapic_pending_irq(l);

	assert_true(v >= 0);
	vlapic_ack_irq(l, (uint8_t)v);
	wr(l, EOI, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, dom_setup, dom_teardown)

#endif
