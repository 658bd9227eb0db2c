/*
 * kernel/vlapic_timer.c: the virtual local APIC's timer (Intel SDM vol. 3A
 * 11.5.4): one-shot and periodic count-down at VLAPIC_TIMER_KHZ over the divide
 * configuration, and TSC-deadline mode (11.5.4.1). Time is the guest's TSC; the
 * caller asks vlapic_timer_next when to call vlapic_timer_update.
 */
#include <stdint.h>
#include <stddef.h>

#include "kernel/vlapic.h"
#include "kernel/vlapic_regs.h"

/* The shortest periodic period, so that a guest cannot program an interrupt storm. */
#define TIMER_MIN_PERIOD_US 50

static unsigned int timer_mode(const struct vlapic *l)
{
	unsigned int mode = (l->lvt[LVT_TIMER] & LVT_TIMER_MODE) >> 17;

	return mode == TIMER_PERIODIC || mode == TIMER_DEADLINE ? mode : TIMER_ONESHOT;
}

/* Divide configuration bits 3, 1:0 (SDM Figure 11-10): 000b = 2, ..., 110b = 128, 111b = 1. */
static uint64_t timer_divisor(const struct vlapic *l)
{
	uint32_t v = (l->timer_divide & 3) | (l->timer_divide & 8) >> 1;

	return 1ull << ((v + 1) & 7);
}

/*
 * a * b / c rounded down, as (a / c) * b + (a % c) * b / c, so that no product
 * overflows for the values used here: counts * divisor < 2^39 times tsc_khz over
 * 10^6, and TSC ticks times 10^6 over tsc_khz * divisor.
 */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	return a / c * b + a % c * b / c;
}

static uint64_t counts_to_ticks(const struct vlapic *l, uint64_t counts)
{
	return mul_div(counts * timer_divisor(l), l->env->tsc_khz, VLAPIC_TIMER_KHZ);
}

static uint64_t ticks_to_counts(const struct vlapic *l, uint64_t ticks)
{
	uint64_t rate = l->env->tsc_khz * timer_divisor(l);

	return rate ? mul_div(ticks, VLAPIC_TIMER_KHZ, rate) : 0;
}

/* TSC ticks for one count-down of the initial count, at least 1; 50 us if periodic. */
static uint64_t timer_period(const struct vlapic *l)
{
	uint64_t ticks = counts_to_ticks(l, l->timer_initial);
	uint64_t min = l->env->tsc_khz * TIMER_MIN_PERIOD_US / 1000;

	if (timer_mode(l) == TIMER_PERIODIC && ticks < min)
		ticks = min;
	return ticks ? ticks : 1;
}

/* timer_expiry 0 means "not armed", so an expiry at TSC 0 is moved to 1. */
static void timer_arm(struct vlapic *l, uint64_t expiry)
{
	l->timer_expiry = expiry ? expiry : 1;
}

void vlapic_timer_write_initial(struct vlapic *l, uint32_t count)
{
	if (timer_mode(l) == TIMER_DEADLINE)
		return; /* ignored in TSC-deadline mode */
	l->timer_initial = count;
	l->timer_expiry = 0;
	if (!count)
		return;
	l->timer_start = l->env->tsc(l->env->ctx);
	timer_arm(l, l->timer_start + timer_period(l));
}

/* The initial count less the whole counts since the (re)load at timer_start. */
uint32_t vlapic_timer_read_current(const struct vlapic *l)
{
	uint64_t now, elapsed, counts;

	if (!l->timer_expiry || timer_mode(l) == TIMER_DEADLINE)
		return 0;
	now = l->env->tsc(l->env->ctx);
	if (now < l->timer_expiry)
		elapsed = now > l->timer_start ? now - l->timer_start : 0;
	else if (timer_mode(l) == TIMER_PERIODIC) /* due, not yet reloaded by vlapic_timer_update */
		elapsed = (now - l->timer_expiry) % timer_period(l);
	else
		return 0;
	counts = ticks_to_counts(l, elapsed);
	return counts < l->timer_initial ? l->timer_initial - (uint32_t)counts : 0;
}

/* A mode change stops the timer, as KVM does (hardware does for TSC-deadline). */
void vlapic_timer_write_lvt(struct vlapic *l, uint32_t old_lvt)
{
	if (!((old_lvt ^ l->lvt[LVT_TIMER]) & LVT_TIMER_MODE))
		return;
	l->timer_expiry = 0;
	l->timer_initial = 0;
	l->tsc_deadline = 0;
}

void vlapic_timer_write_deadline(struct vlapic *l, uint64_t tsc)
{
	if (timer_mode(l) != TIMER_DEADLINE)
		return; /* ignored outside TSC-deadline mode, and reads return 0 */
	l->tsc_deadline = tsc;
	l->timer_expiry = 0;
	if (tsc)
		timer_arm(l, tsc);
}

uint64_t vlapic_timer_read_deadline(const struct vlapic *l)
{
	return timer_mode(l) == TIMER_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_timer_update(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LVT_TIMER];
	uint64_t period, next;

	if (!l->timer_expiry || now < l->timer_expiry)
		return;
	if (!(lvt & LVT_MASKED) && vlapic_is_enabled(l)) {
		vlapic_set_irq(l, lvt & 0xff, 0);
		l->timer_fired++;
	}
	switch (timer_mode(l)) {
	case TIMER_PERIODIC:
		/* The next period starts at the expiry, not now (no drift), unless that too has
		 * passed: then once from now, so a late check gets one interrupt, not a burst. */
		period = timer_period(l);
		next = l->timer_expiry + period;
		if (next <= now)
			next = now + period;
		l->timer_start = next - period;
		timer_arm(l, next);
		break;
	case TIMER_DEADLINE:
		l->tsc_deadline = 0;
		l->timer_expiry = 0;
		break;
	default:
		l->timer_expiry = 0;
		break;
	}
}

uint64_t vlapic_timer_next(const struct vlapic *l)
{
	return l->timer_expiry;
}
