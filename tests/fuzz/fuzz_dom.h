/*
 * tests/fuzz/fuzz_dom.h: the fake domain of the vLAPIC and vIOAPIC targets:
 * FUZZ_NR_APICS vLAPICs whose TSC the input moves, and the guest's steps on
 * one of them (xAPIC page, x2APIC MSRs, interrupts taken and acknowledged).
 */
#ifndef TESTS_FUZZ_FUZZ_DOM_H
#define TESTS_FUZZ_FUZZ_DOM_H

#include "kernel/vlapic.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_NR_APICS 3

struct fuzz_dom {
	struct vlapic_env env;
	struct vlapic apic[FUZZ_NR_APICS];
	uint64_t tsc;
};

static inline unsigned int dom_count(void *ctx)
{
	(void)ctx;
	return FUZZ_NR_APICS;
}

static inline struct vlapic *dom_get(void *ctx, unsigned int i)
{
	return &((struct fuzz_dom *)ctx)->apic[i];
}

static inline void dom_kick(struct vlapic *t)
{
	(void)t;
}

static inline uint64_t dom_tsc(void *ctx)
{
	return ((struct fuzz_dom *)ctx)->tsc;
}

static inline void fuzz_dom_init(struct fuzz_dom *d, void (*eoi_level)(void *, uint8_t))
{
	d->env = (struct vlapic_env){ .ctx = d,
				      .count = dom_count,
				      .get = dom_get,
				      .kick = dom_kick,
				      .eoi_level = eoi_level,
				      .tsc = dom_tsc,
				      .tsc_khz = 2000000 };
	d->tsc = 1000;
	for (unsigned int i = 0; i < FUZZ_NR_APICS; i++)
		vlapic_init(&d->apic[i], &d->env, NULL, i, i == 0);
}

/* The MSRs a guest reaches the vLAPIC through, and a few it does not. */
static inline uint32_t fuzz_dom_msr(struct fuzz_in *in)
{
	static const uint32_t base[] = { 0x1b, 0x6e0, 0x800, 0x900 };
	unsigned int b = fuzz_take(in, 1);

	return base[b % 4] + (b / 4 % 4 == 0 ? 0 : fuzz_take(in, 1));
}

/* One guest step on vLAPIC l: op picks it, operands follow in the input. */
static inline void fuzz_dom_step(struct fuzz_dom *d, struct vlapic *l, unsigned int op,
				 struct fuzz_in *in)
{
	uint64_t v = 0;
	int vec;

	switch (op % 8) {
	case 0:
		vlapic_mmio_read(l, fuzz_take(in, 2) % 4096, 1u << fuzz_take(in, 1) % 4, &v);
		break;
	case 1:
		vlapic_mmio_write(l, fuzz_take(in, 2) % 4096, 1u << fuzz_take(in, 1) % 4,
				  fuzz_take(in, 4));
		break;
	case 2:
		vlapic_msr_read(l, fuzz_dom_msr(in), &v);
		break;
	case 3:
		vlapic_msr_write(l, fuzz_dom_msr(in), fuzz_take(in, 8));
		break;
	case 4:
		vlapic_set_irq(l, fuzz_take(in, 1), fuzz_take(in, 1) & 1);
		break;
	case 5:
		vec = vlapic_pending_irq(l);
		if (vec >= 0)
			vlapic_ack_irq(l, vec);
		break;
	case 6:
		(void)vlapic_has_event(l), (void)vlapic_take_nmi(l);
		(void)vlapic_take_init(l), (void)vlapic_take_sipi(l);
		break;
	case 7:
		d->tsc += fuzz_take(in, 4) << fuzz_take(in, 1) % 24;
		vlapic_timer_update(l, d->tsc);
		(void)vlapic_timer_next(l);
		break;
	}
}

#endif
