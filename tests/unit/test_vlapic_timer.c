/*
 * tests/unit/test_vlapic_timer.c: kernel/vlapic_timer.c, the virtual local
 * APIC's timer (Intel SDM vol. 3A 11.5.4): one-shot over every divide value and
 * two TSC rates, the current count, periodic reloads without drift or bursts,
 * the 50 us floor, TSC-deadline mode (11.5.4.1), masking and mode changes.
 */
#include "tests/unit/test_vlapic_rig.h"

static void one_shot_fires_at_counts_times_divisor_in_tsc_ticks(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[0];
	static const struct {
		uint32_t tdcr, divisor;
	} div[] = { { 0x0, 2 },	 { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		    { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 } };
	static const uint64_t khz[] = { 2000000, 3500000 };

	enable(l);
	wr(l, LVT_TIMER, 0xec);
	for (size_t k = 0; k < 2; k++) {
		d->env.tsc_khz = khz[k];
		for (size_t i = 0; i < sizeof(div) / sizeof(div[0]); i++) {
			uint64_t ticks = 1000ull * div[i].divisor * khz[k] / 1000000;
			uint64_t fired = l->timer_fired;

			d->tsc = 1000000 + i;
			wr(l, TDCR, div[i].tdcr);
			wr(l, TMICT, 1000);
			assert_int_equal(vlapic_timer_next(l), d->tsc + ticks);
			vlapic_timer_update(l, d->tsc + ticks - 1);
			assert_int_equal(vlapic_pending_irq(l), -1);
			vlapic_timer_update(l, d->tsc + ticks);
			assert_int_equal(vlapic_pending_irq(l), 0xec);
			assert_int_equal(l->timer_fired, fired + 1);
			assert_int_equal(vlapic_timer_next(l), 0);
			take_and_eoi(l);
		}
	}
}

static void one_shot_of_2_to_the_32_counts_does_not_overflow(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[0];

	d->env.tsc_khz = 3500000;
	wr(l, TDCR, 0xa); /* 128 */
	wr(l, TMICT, 0xffffffff);
	assert_int_equal(vlapic_timer_next(l), 0xffffffffull * 128 * 35 / 10);
	d->tsc = 0xffffffffull * 128 * 35 / 10 / 2;
	assert_int_equal(rd(l, TMCCT), 0x80000000);
}

static void current_count_counts_down_to_zero(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[1];

	enable(l);
	wr(l, TDCR, 0xb); /* divide by 1: 2 TSC ticks per count at 2 GHz */
	d->tsc = 500;
	wr(l, TMICT, 1000);
	assert_int_equal(rd(l, TMCCT), 1000);
	d->tsc += 1000;
	assert_int_equal(rd(l, TMCCT), 500);
	d->tsc += 998;
	assert_int_equal(rd(l, TMCCT), 1);
	d->tsc += 2;
	assert_int_equal(rd(l, TMCCT), 0);
	assert_int_equal(rd(l, TMICT), 1000);
	wr(l, TMICT, 0); /* stops it */
	assert_int_equal(vlapic_timer_next(l), 0);
}

static void periodic_rearms_from_the_expiry_without_drift(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[2];
	const uint64_t p = 200000; /* 100000 counts at 1 GHz, 2 GHz TSC: 100 us */

	enable(l);
	wr(l, TDCR, 0xb);
	wr(l, LVT_TIMER, PERIODIC | 0x40);
	d->tsc = 7000;
	wr(l, TMICT, 100000);
	assert_int_equal(vlapic_timer_next(l), 7000 + p);
	vlapic_timer_update(l, 7000 + p + 30); /* a late check */
	assert_int_equal(vlapic_pending_irq(l), 0x40);
	assert_int_equal(vlapic_timer_next(l), 7000 + 2 * p);
	take_and_eoi(l);
	d->tsc = 7000 + p + 50000;
	assert_int_equal(rd(l, TMCCT), 75000);
	vlapic_timer_update(l, 7000 + 2 * p);
	assert_int_equal(vlapic_timer_next(l), 7000 + 3 * p);
	assert_int_equal(l->timer_fired, 2);
	/* Due but not yet updated: the count goes on in the next period. */
	d->tsc = 7000 + 3 * p + 2000;
	assert_int_equal(rd(l, TMCCT), 99000);
}

static void periodic_far_behind_raises_once_and_rearms_from_now(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[2];
	const uint64_t p = 200000;

	enable(l);
	wr(l, TDCR, 0xb);
	wr(l, LVT_TIMER, PERIODIC | 0x40);
	wr(l, TMICT, 100000);
	vlapic_timer_update(l, 10 * p + 7);
	assert_int_equal(l->timer_fired, 1);
	assert_int_equal(vlapic_timer_next(l), 11 * p + 7);
	take_and_eoi(l);
	assert_int_equal(vlapic_pending_irq(l), -1);
}

static void periodic_period_is_at_least_50_us(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[3];

	enable(l);
	wr(l, TDCR, 0xb);
	d->tsc = 100;
	wr(l, LVT_TIMER, PERIODIC | 0x40);
	wr(l, TMICT, 10);				      /* 10 ns */
	assert_int_equal(vlapic_timer_next(l), 100 + 100000); /* 50 us at 2 GHz */
	vlapic_timer_update(l, 100 + 100000 + 5);
	assert_int_equal(vlapic_timer_next(l), 100 + 200000);
	d->env.tsc_khz = 3500000;
	wr(l, TMICT, 10);
	assert_int_equal(vlapic_timer_next(l), 100 + 175000);
	wr(l, LVT_TIMER, 0x40); /* one-shot is not clamped */
	wr(l, TMICT, 10);
	assert_int_equal(vlapic_timer_next(l), 100 + 35);
}

static void tsc_deadline_arms_fires_and_disarms(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[0];

	enable(l);
	wrmsr(l, MSR_TSC_DEADLINE, 5000); /* one-shot mode: ignored */
	assert_int_equal(rdmsr(l, MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_timer_next(l), 0);
	wr(l, LVT_TIMER, DEADLINE | 0x41);
	wrmsr(l, MSR_TSC_DEADLINE, 5000);
	assert_int_equal(rdmsr(l, MSR_TSC_DEADLINE), 5000);
	assert_int_equal(vlapic_timer_next(l), 5000);
	wr(l, TMICT, 10); /* ignored in TSC-deadline mode */
	assert_int_equal(rd(l, TMICT), 0);
	assert_int_equal(rd(l, TMCCT), 0);
	vlapic_timer_update(l, 4999);
	assert_int_equal(vlapic_pending_irq(l), -1);
	vlapic_timer_update(l, 5000);
	assert_int_equal(vlapic_pending_irq(l), 0x41);
	assert_int_equal(rdmsr(l, MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_timer_next(l), 0);
	take_and_eoi(l);
	wrmsr(l, MSR_TSC_DEADLINE, 9000);
	wrmsr(l, MSR_TSC_DEADLINE, 0); /* disarms */
	assert_int_equal(vlapic_timer_next(l), 0);
	vlapic_timer_update(l, 10000);
	assert_int_equal(vlapic_pending_irq(l), -1);
	wrmsr(l, MSR_TSC_DEADLINE, 1); /* in the past: fires at the next check */
	vlapic_timer_update(l, 10000);
	assert_int_equal(vlapic_pending_irq(l), 0x41);
}

static void masked_timer_does_not_raise_but_keeps_its_period(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[1];

	enable(l);
	wr(l, TDCR, 0xb);
	wr(l, LVT_TIMER, MASKED | PERIODIC | 0x42);
	wr(l, TMICT, 100000);
	vlapic_timer_update(l, 200000);
	assert_int_equal(vlapic_pending_irq(l), -1);
	assert_int_equal(l->timer_fired, 0);
	assert_int_equal(vlapic_timer_next(l), 400000);
	wr(l, LVT_TIMER, PERIODIC | 0x42); /* same mode: keeps running */
	vlapic_timer_update(l, 400000);
	assert_int_equal(vlapic_pending_irq(l), 0x42);
}

static void changing_the_timer_mode_disarms_it(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[1];

	enable(l);
	wr(l, LVT_TIMER, 0x43);
	wr(l, TMICT, 1000);
	assert_true(vlapic_timer_next(l) != 0);
	wr(l, LVT_TIMER, PERIODIC | 0x43);
	assert_int_equal(vlapic_timer_next(l), 0);
	assert_int_equal(rd(l, TMICT), 0);
	wr(l, LVT_TIMER, DEADLINE | 0x43);
	wrmsr(l, MSR_TSC_DEADLINE, 777);
	wr(l, LVT_TIMER, 0x43);
	assert_int_equal(vlapic_timer_next(l), 0);
	wr(l, LVT_TIMER, DEADLINE | 0x43);
	assert_int_equal(rdmsr(l, MSR_TSC_DEADLINE), 0);
	vlapic_timer_update(l, 1000);
	assert_int_equal(vlapic_pending_irq(l), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(one_shot_fires_at_counts_times_divisor_in_tsc_ticks),
		T(one_shot_of_2_to_the_32_counts_does_not_overflow),
		T(current_count_counts_down_to_zero),
		T(periodic_rearms_from_the_expiry_without_drift),
		T(periodic_far_behind_raises_once_and_rearms_from_now),
		T(periodic_period_is_at_least_50_us),
		T(tsc_deadline_arms_fires_and_disarms),
		T(masked_timer_does_not_raise_but_keeps_its_period),
		T(changing_the_timer_mode_disarms_it),
	};

	return cmocka_run_group_tests_name("test_vlapic_timer", tests, NULL, NULL);
}
