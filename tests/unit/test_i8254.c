/*
 * tests/unit/test_i8254.c: drivers/i8254.c, the 8254 PIT at ports 0x40-0x43
 * and port 0x61, driven through its port regions the way a guest does, on a
 * test clock the rig moves by hand and with a log of the IRQ line, including
 * Linux's TSC calibration against counter 2 (quick_pit_calibrate's MSB polls).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/i8254.h"

enum { CH0 = 0x40, CH1 = 0x41, CH2 = 0x42, CTRL = 0x43, P61 = 0x61 };
enum { P61_GATE = 0x01, P61_SPEAKER = 0x02, P61_REFRESH = 0x10, P61_OUT2 = 0x20 };
enum { ST_OUT = 0x80, ST_NULL = 0x40 }; /* status byte: OUT, NULL COUNT */

#define HZ 1193182ull
#define NS 1000000000ull
#define T0 (7 * NS + 123456) /* the rig's clock at init: not a tick boundary */
#define MAX_IRQS 64

struct rig {
	struct dm_env env;
	struct i8254 pit;
	uint64_t now_ns;
	struct {
		unsigned int line;
		int level;
		uint64_t ns;
	} irqs[MAX_IRQS];
	int nirqs;
};

static void rig_set_irq(void *ctx, unsigned int line, int level)
{
	struct rig *r = ctx;

	assert_true(r->nirqs < MAX_IRQS);
	r->irqs[r->nirqs].line = line;
	r->irqs[r->nirqs].level = level;
	r->irqs[r->nirqs++].ns = r->now_ns;
}

static uint64_t rig_clock(void *ctx)
{
	return ((struct rig *)ctx)->now_ns;
}

static int rig_setup(void **state)
{
	struct rig *r = test_malloc(sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->now_ns = T0;
	r->env = (struct dm_env){ .ctx = r, .set_irq = rig_set_irq, .clock_ns = rig_clock };
	i8254_init(&r->pit, &r->env);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* The first ns at which `ticks` ticks have passed since `from`. */
static uint64_t at_tick(uint64_t from, uint64_t ticks)
{
	return from + (uint64_t)(((unsigned __int128)ticks * NS + HZ - 1) / HZ);
}

static void out(struct rig *r, unsigned int port, uint8_t v)
{
	if (port == P61)
		assert_int_equal(i8254_port61_write(&r->pit, 0, 1, v), 0);
	else
		assert_int_equal(i8254_io_write(&r->pit, port - CH0, 1, v), 0);
}

static uint8_t in(struct rig *r, unsigned int port)
{
	uint64_t v = 0xdeadbeef;

	if (port == P61)
		assert_int_equal(i8254_port61_read(&r->pit, 0, 1, &v), 0);
	else
		assert_int_equal(i8254_io_read(&r->pit, port - CH0, 1, &v), 0);
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void write_count(struct rig *r, unsigned int port, uint16_t count)
{
	out(r, port, count & 0xff);
	out(r, port, count >> 8);
}

static uint16_t read_count(struct rig *r, unsigned int port)
{
	uint8_t lsb = in(r, port);

	return (uint16_t)(lsb | in(r, port) << 8);
}

/* Counter 2 as Linux's calibration sets it up: gate on, speaker off, mode 0. */
static void start_counter2_mode0(struct rig *r, uint16_t count)
{
	out(r, P61, (in(r, P61) & ~P61_SPEAKER) | P61_GATE);
	out(r, CTRL, 0xb0); /* counter 2, LSB then MSB, mode 0, binary */
	write_count(r, CH2, count);
}

static int pulses(const struct rig *r)
{
	for (int i = 0; i < r->nirqs; i++) {
		assert_int_equal(r->irqs[i].line, 0);
		assert_int_equal(r->irqs[i].level, i % 2 == 0);
	}
	assert_int_equal(r->nirqs % 2, 0);
	return r->nirqs / 2;
}

static void mode0_msb_falls_at_the_pit_rate(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	start_counter2_mode0(r, 0xffff);
	assert_int_equal(read_count(r, CH2), 0xffff);
	for (unsigned int k = 0; k < 40; k++) {
		r->now_ns = at_tick(t, 256 * k + 128);
		assert_int_equal(in(r, CH2), 0x7f); /* the LSB, discarded by Linux */
		assert_int_equal(in(r, CH2), 0xff - k);
	}
}

/* pit_calibrate_tsc: OUT 2 at port 0x61 bit 5 rises after CAL_LATCH ticks (10 ms). */
static void mode0_out_rises_at_terminal_count_and_stays(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;
	const uint16_t latch = 11931;

	start_counter2_mode0(r, latch);
	assert_false(in(r, P61) & P61_OUT2);
	r->now_ns = at_tick(t, latch) - 1;
	assert_false(in(r, P61) & P61_OUT2);
	assert_int_equal(read_count(r, CH2), 1);
	r->now_ns += 1;
	assert_true(in(r, P61) & P61_OUT2);
	assert_int_equal(read_count(r, CH2), 0);
	r->now_ns = at_tick(t, latch + 5);
	assert_true(in(r, P61) & P61_OUT2);
	assert_int_equal(read_count(r, CH2), 0x10000 - 5); /* the count wraps on */
	assert_int_equal(r->nirqs, 0);			   /* counter 2 has no interrupt */
}

static void gate_low_stops_counter2(void **state)
{
	struct rig *r = *state;
	uint64_t t;

	out(r, CTRL, 0xb0); /* GATE is low at reset: the count waits */
	write_count(r, CH2, 5000);
	r->now_ns += NS;
	assert_int_equal(read_count(r, CH2), 5000);
	t = r->now_ns;
	out(r, P61, P61_GATE);
	r->now_ns = at_tick(t, 1000);
	out(r, P61, 0);
	assert_int_equal(read_count(r, CH2), 4000);
	r->now_ns += 10 * NS;
	assert_int_equal(read_count(r, CH2), 4000);
	assert_false(in(r, P61) & P61_OUT2);
	t = r->now_ns;
	out(r, P61, P61_GATE);
	r->now_ns = at_tick(t, 3999);
	assert_int_equal(read_count(r, CH2), 1);
	assert_false(in(r, P61) & P61_OUT2);
	r->now_ns = at_tick(t, 4000);
	assert_true(in(r, P61) & P61_OUT2);
}

static void latch_command_freezes_the_read_value(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, CTRL, 0x74); /* counter 1, LSB then MSB, mode 2 */
	write_count(r, CH1, 1000);
	r->now_ns = at_tick(t, 100);
	out(r, CTRL, 0x40); /* latch counter 1 */
	r->now_ns = at_tick(t, 300);
	out(r, CTRL, 0x40); /* ignored: the first latch is unread */
	assert_int_equal(in(r, CH1), 900 & 0xff);
	r->now_ns = at_tick(t, 350);
	assert_int_equal(in(r, CH1), 900 >> 8);
	assert_int_equal(read_count(r, CH1), 650); /* live again */
	out(r, CTRL, 0x40);
	r->now_ns = at_tick(t, 999);
	assert_int_equal(read_count(r, CH1), 650);
	assert_int_equal(read_count(r, CH1), 1);
	r->now_ns = at_tick(t, 1000);
	assert_int_equal(read_count(r, CH1), 1000); /* mode 2 reloads */
	t = r->now_ns;
	out(r, CTRL, 0x60); /* MSB only: a latched count is one byte */
	out(r, CH1, 0x12);
	r->now_ns = at_tick(t, 0x300);
	out(r, CTRL, 0x40);
	r->now_ns = at_tick(t, 0x900);
	assert_int_equal(in(r, CH1), 0x0f); /* latched 0x0f00 */
	assert_int_equal(in(r, CH1), 0x09); /* live 0x0900 */
}

static void read_back_latches_status_then_count(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, P61, P61_GATE);
	out(r, CTRL, 0xb0);
	out(r, CTRL, 0xe8);			      /* read-back: status of counter 2 */
	assert_int_equal(in(r, CH2), ST_NULL | 0x30); /* no count yet, OUT low */
	write_count(r, CH2, 0x4000);
	out(r, CTRL, 0xc8); /* read-back: count and status of counter 2 */
	r->now_ns = at_tick(t, 0x100);
	assert_int_equal(in(r, CH2), 0x30);
	assert_int_equal(read_count(r, CH2), 0x4000);
	assert_int_equal(read_count(r, CH2), 0x3f00);
	r->now_ns = at_tick(t, 0x4000);
	out(r, CTRL, 0xe8);
	out(r, CTRL, 0xe8); /* ignored: the status is unread */
	out(r, CTRL, 0x74); /* counter 1: mode 2, no count yet */
	out(r, CTRL, 0xce); /* read-back: count and status of counters 0, 1 and 2 */
	assert_int_equal(in(r, CH2), ST_OUT | 0x30);
	assert_int_equal(read_count(r, CH2), 0);
	assert_int_equal(in(r, CH1), ST_OUT | ST_NULL | 0x34);
	assert_int_equal(read_count(r, CH1), 0);
	assert_int_equal(in(r, CH0), ST_NULL | 0x30); /* never programmed: mode 0 */
	assert_int_equal(read_count(r, CH0), 0);
}

static void mode2_counter0_pulses_irq0_each_period(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;
	const uint16_t latch = 1193; /* Linux's LATCH for HZ = 1000 */

	out(r, CTRL, 0x34); /* counter 0, LSB then MSB, mode 2 */
	write_count(r, CH0, latch);
	for (unsigned int k = 1; k <= 20; k++) {
		uint64_t edge = at_tick(t, (uint64_t)k * latch);

		assert_int_equal(i8254_next_event_ns(&r->pit), edge);
		r->now_ns = edge - 1;
		i8254_update(&r->pit);
		assert_int_equal(pulses(r), k - 1);
		r->now_ns = edge;
		i8254_update(&r->pit);
		i8254_update(&r->pit);
		assert_int_equal(pulses(r), k);
		assert_int_equal(r->irqs[r->nirqs - 1].ns, edge);
	}
	r->now_ns = at_tick(t, 1020 * latch + 10); /* a second without an update */
	assert_true(i8254_next_event_ns(&r->pit) <= r->now_ns);
	for (unsigned int k = 1; k <= I8254_CATCHUP_MAX; k++) {
		i8254_update(&r->pit); /* late periods: one pulse each, the last ten of them */
		assert_int_equal(pulses(r), 20 + k);
		assert_true(i8254_next_event_ns(&r->pit) <= r->now_ns || k == I8254_CATCHUP_MAX);
	}
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 20 + I8254_CATCHUP_MAX); /* the rest were dropped */
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 1021 * latch));
}

static void next_event_follows_the_mode(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	assert_int_equal(i8254_next_event_ns(&r->pit), 0);
	out(r, CTRL, 0x30); /* mode 0: one edge at terminal count */
	write_count(r, CH0, 500);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 500));
	r->now_ns = at_tick(t, 500);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 1);
	assert_int_equal(i8254_next_event_ns(&r->pit), 0);
	r->now_ns = at_tick(t, 70000); /* past the wrap: no second edge */
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 1);
	t = r->now_ns;
	out(r, CTRL, 0x38); /* mode 4, Linux's oneshot: the strobe ends a tick later */
	write_count(r, CH0, 500);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 501));
	r->now_ns = at_tick(t, 500);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 1);
	r->now_ns = at_tick(t, 501);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 2);
	t = r->now_ns;
	write_count(r, CH0, 500); /* a new count retriggers mode 4 */
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 501));
	out(r, CTRL, 0x30); /* a control word alone: no count, no event */
	assert_int_equal(i8254_next_event_ns(&r->pit), 0);
	r->now_ns += NS;
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 2);
}

static void access_modes_lsb_msb_and_pairs(void **state)
{
	struct rig *r = *state;

	out(r, CTRL, 0x50); /* counter 1, LSB only */
	out(r, CH1, 0x34);
	assert_int_equal(in(r, CH1), 0x34);
	assert_int_equal(in(r, CH1), 0x34);
	out(r, CTRL, 0x60); /* MSB only */
	out(r, CH1, 0x12);
	assert_int_equal(in(r, CH1), 0x12);
	assert_int_equal(in(r, CH1), 0x12);
	out(r, CTRL, 0x70); /* LSB then MSB */
	out(r, CH1, 0x78);
	out(r, CH1, 0x56);
	assert_int_equal(in(r, CH1), 0x78);
	assert_int_equal(in(r, CH1), 0x56);
	assert_int_equal(in(r, CH1), 0x78);
	out(r, CTRL, 0x70); /* a control word restarts the byte order */
	out(r, CH1, 0xcd);
	out(r, CH1, 0xab);
	assert_int_equal(in(r, CH1), 0xcd);
	out(r, CTRL, 0x70);
	assert_int_equal(in(r, CH1), 0xcd); /* and shows the count it had until a new one */
	assert_int_equal(in(r, CH1), 0xab);
}

static void mode0_new_count_restarts_and_first_byte_holds(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	start_counter2_mode0(r, 1000);
	r->now_ns = at_tick(t, 400);
	out(r, CH2, 0x00); /* the first byte stops the count */
	r->now_ns = at_tick(t, 2000);
	assert_false(in(r, P61) & P61_OUT2); /* held: no terminal count */
	assert_int_equal(read_count(r, CH2), 600);
	t = r->now_ns;
	out(r, CH2, 0x01); /* the second: 256 from here */
	r->now_ns = at_tick(t, 255);
	assert_int_equal(read_count(r, CH2), 1);
	r->now_ns = at_tick(t, 256);
	assert_true(in(r, P61) & P61_OUT2);
}

static void mode2_new_count_loads_at_the_end_of_the_period(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, CTRL, 0x34);
	write_count(r, CH0, 1000);
	r->now_ns = at_tick(t, 2300);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 1);
	write_count(r, CH0, 100); /* the current period still ends at 3000 */
	assert_int_equal(read_count(r, CH0), 700);
	out(r, CTRL, 0xe2); /* status of counter 0: NULL COUNT until the new count loads */
	assert_int_equal(in(r, CH0), ST_OUT | ST_NULL | 0x34);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 3000));
	r->now_ns = at_tick(t, 3000);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 3); /* 2000's edge, late, and 3000's */
	assert_int_equal(read_count(r, CH0), 100);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 3100));
	r->now_ns = at_tick(t, 3150);
	assert_int_equal(read_count(r, CH0), 50);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 4);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 3200));
}

static void pending_count_keeps_an_edge_not_yet_raised(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, CTRL, 0x34);
	write_count(r, CH0, 1000);
	r->now_ns = at_tick(t, 500);
	out(r, CTRL, 0x74); /* counter 1: a write that is not counter 0's */
	write_count(r, CH1, 7);
	assert_int_equal(pulses(r), 0);
	write_count(r, CH0, 10);
	r->now_ns = at_tick(t, 1005); /* a read moves counter 0 past the boundary */
	assert_int_equal(read_count(r, CH0), 5);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 1000));
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 1);
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, 1010));
}

static void control_word_mid_count_stops_the_counter_and_raises_what_is_due(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, CTRL, 0x34);
	write_count(r, CH0, 1000);
	r->now_ns = at_tick(t, 250);
	out(r, CTRL, 0x34);
	r->now_ns = at_tick(t, 5000);
	assert_int_equal(read_count(r, CH0), 750);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 0);
	t = r->now_ns;
	write_count(r, CH0, 2000);
	r->now_ns = at_tick(t, 2000);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 1);
	r->now_ns = at_tick(t, 4100); /* due but not raised: the write raises it first */
	out(r, CTRL, 0x38);
	assert_int_equal(pulses(r), 2);
	write_count(r, CH0, 100);
	i8254_update(&r->pit);
	assert_int_equal(pulses(r), 2);
}

static void mode3_square_wave_on_counter2(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, P61, P61_GATE | P61_SPEAKER);
	out(r, CTRL, 0xb6); /* counter 2, LSB then MSB, mode 3: the speaker tone */
	write_count(r, CH2, 10);
	for (unsigned int e = 0; e < 30; e++) {
		r->now_ns = at_tick(t, e);
		assert_int_equal(!!(in(r, P61) & P61_OUT2), e % 10 < 5);
		assert_int_equal(read_count(r, CH2), 10 - 2 * (e % 5));
	}
	out(r, P61, 0); /* GATE low forces OUT high and stops */
	r->now_ns = at_tick(t, 100);
	assert_true(in(r, P61) & P61_OUT2);
	t = r->now_ns;
	out(r, P61, P61_GATE); /* the rising edge reloads */
	r->now_ns = at_tick(t, 5);
	assert_false(in(r, P61) & P61_OUT2);
	out(r, CTRL, 0xb6);
	t = r->now_ns;
	write_count(r, CH2, 7); /* odd: the high half is the longer, by twos from 6 */
	for (unsigned int e = 0; e < 14; e++) {
		unsigned int phase = e % 7 < 4 ? e % 7 : e % 7 - 4;

		r->now_ns = at_tick(t, e);
		assert_int_equal(!!(in(r, P61) & P61_OUT2), e % 7 < 4);
		assert_int_equal(read_count(r, CH2), 6 - 2 * phase);
	}
}

static void mode1_is_started_by_the_gate(void **state)
{
	struct rig *r = *state;
	uint64_t t;

	out(r, CTRL, 0xb2); /* counter 2, mode 1 */
	write_count(r, CH2, 50);
	r->now_ns += NS;
	assert_true(in(r, P61) & P61_OUT2);
	t = r->now_ns;
	out(r, P61, P61_GATE); /* the trigger */
	r->now_ns = at_tick(t, 49);
	assert_false(in(r, P61) & P61_OUT2);
	assert_int_equal(read_count(r, CH2), 1);
	t = r->now_ns;
	out(r, P61, 0);
	out(r, P61, P61_GATE); /* retriggered */
	r->now_ns = at_tick(t, 49);
	assert_false(in(r, P61) & P61_OUT2);
	r->now_ns = at_tick(t, 50);
	assert_true(in(r, P61) & P61_OUT2);
}

static void bcd_counts_in_decimal(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;

	out(r, P61, P61_GATE);
	out(r, CTRL, 0xb1); /* counter 2, mode 0, BCD */
	write_count(r, CH2, 0x1000);
	r->now_ns = at_tick(t, 1);
	assert_int_equal(read_count(r, CH2), 0x0999);
	r->now_ns = at_tick(t, 1001);
	assert_int_equal(read_count(r, CH2), 0x9999); /* 0 wraps to 9999 */
	out(r, CTRL, 0xe8);
	assert_int_equal(in(r, CH2), ST_OUT | 0x31);
}

static void port61_refresh_toggles_and_bits_read_back(void **state)
{
	struct rig *r = *state;
	uint8_t a = in(r, P61), b = in(r, P61), c = in(r, P61);

	assert_int_equal((a ^ b) & P61_REFRESH, P61_REFRESH);
	assert_int_equal((b ^ c) & P61_REFRESH, P61_REFRESH);
	out(r, P61, 0xff);
	assert_int_equal(in(r, P61) & 0xcf, 0x0f);
	out(r, P61, 0x0c);
	assert_int_equal(in(r, P61) & 0xcf, 0x0c);
}

static void counts_stay_exact_after_days(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns;
	uint64_t ticks = 30ull * 86400 * HZ + 12345;

	out(r, CTRL, 0x34);
	write_count(r, CH0, 0); /* 65536 */
	r->now_ns = at_tick(t, ticks);
	assert_int_equal(read_count(r, CH0), (65536 - ticks % 65536) % 65536);
	for (unsigned int k = 0; k < I8254_CATCHUP_MAX; k++)
		i8254_update(&r->pit); /* the late periods it still owes */
	assert_int_equal(i8254_next_event_ns(&r->pit), at_tick(t, (ticks / 65536 + 1) * 65536));
}

static void other_sizes_and_offsets_are_rejected(void **state)
{
	struct rig *r = *state;
	uint64_t v = 0x77;

	assert_int_equal(i8254_io_read(&r->pit, 0, 2, &v), -EINVAL);
	assert_int_equal(i8254_io_read(&r->pit, 4, 1, &v), -EINVAL);
	assert_int_equal(i8254_io_write(&r->pit, 3, 4, 0x34), -EINVAL);
	assert_int_equal(i8254_port61_read(&r->pit, 1, 1, &v), -EINVAL);
	assert_int_equal(i8254_port61_write(&r->pit, 0, 2, 1), -EINVAL);
	assert_int_equal(v, 0x77);
	assert_int_equal(in(r, CTRL), 0xff);
}

/* calibrate_by_pit's pit_expect_msb: the MSB holds, then drops by one, 256 ticks apart. */
static void linux_quick_pit_calibrate_sees_each_msb(void **state)
{
	struct rig *r = *state;
	uint64_t t = r->now_ns, step = 20000; /* 20 us between two port reads */
	unsigned int expect = 0xff, seen = 0;

	start_counter2_mode0(r, 0xffff);
	while (expect > 0xff - 40) {
		unsigned int polls = 0, msb = expect;

		for (; polls < 50000; polls++) {
			in(r, CH2);
			msb = in(r, CH2);
			if (msb != expect)
				break;
			r->now_ns += step;
		}
		assert_true(polls > 5);
		assert_int_equal(msb, expect - 1);
		seen++;
		expect--;
	}
	assert_int_equal(seen, 40);
	assert_true(r->now_ns - t >= 40 * 256 * NS / HZ);
}

#define T(f) cmocka_unit_test_setup_teardown(f, rig_setup, rig_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(mode0_msb_falls_at_the_pit_rate),
		T(mode0_out_rises_at_terminal_count_and_stays),
		T(gate_low_stops_counter2),
		T(latch_command_freezes_the_read_value),
		T(read_back_latches_status_then_count),
		T(mode2_counter0_pulses_irq0_each_period),
		T(next_event_follows_the_mode),
		T(access_modes_lsb_msb_and_pairs),
		T(mode0_new_count_restarts_and_first_byte_holds),
		T(mode2_new_count_loads_at_the_end_of_the_period),
		T(pending_count_keeps_an_edge_not_yet_raised),
		T(control_word_mid_count_stops_the_counter_and_raises_what_is_due),
		T(mode3_square_wave_on_counter2),
		T(mode1_is_started_by_the_gate),
		T(bcd_counts_in_decimal),
		T(port61_refresh_toggles_and_bits_read_back),
		T(counts_stay_exact_after_days),
		T(other_sizes_and_offsets_are_rejected),
		T(linux_quick_pit_calibrate_sees_each_msb),
	};

	return cmocka_run_group_tests_name("test_i8254", tests, NULL, NULL);
}
