/*
 * drivers/i8254.c: the PC's interval timer, after the Intel 8254 data sheet
 * ("8254 Programmable Interval Timer", 1993): Operational Description (control
 * word, write and read operations, counter latch and read-back commands, the
 * status byte), Mode Definitions (modes 0-5) and the Gate Pin Operations
 * Summary. Port 0x61 holds the PC/AT's timer-2 gate, speaker enable and OUT 2.
 */
#include "drivers/i8254.h"

/*
 * Choices where the data sheet leaves room or a model differs from a chip:
 * - No thread ticks: a counter's position is computed at each access from
 *   the ticks of I8254_HZ elapsed on env->clock_ns since its count loaded.
 *   A count loads at the write that completes it (the chip takes one more
 *   CLK, so there mode 0's OUT rises N + 1 ticks after the write, here N).
 * - Modes 1 and 5 start on a rising edge of GATE, which only counter 2 has:
 *   a PC ties GATE high on counters 0 and 1, so there they never start.
 * - Modes 2 and 3: count 1, which the data sheet forbids, runs as 2. A count
 *   written while counting loads at the end of the current period (in mode 3
 *   the chip loads it at the end of the current half-cycle).
 * - BCD counting works: counts 1-10000 are written and read in BCD.
 * - A control word holds the current count, which reads back until a new
 *   count loads. Before any control word a counter is in mode 0, LSB then
 *   MSB, binary, with no count (OUT low).
 * - Counter 0 alone has an interrupt: each rising edge of its OUT is one
 *   pulse on I8254_IRQ, raised by i8254_update (which every write to the
 *   timer calls first, so reprogramming does not lose an edge already due).
 * - Port 0x61: bits 0-3 read back as written (2 and 3, the parity and I/O
 *   check NMI enables, have nothing to enable), bit 4 flips on every read,
 *   bit 5 is OUT 2, bits 6-7 (NMI sources) read 0. The speaker is silent.
 * - Port 0x43 has nothing to read: it gives 0xff. Only one-byte accesses.
 */

#define PORT_CONTROL 3

/* Control word fields: SC (bits 7-6), RW (5-4), M (3-1), BCD (0). */
#define CW_READBACK 3 /* SC = 11 */
#define RW_LATCH 0
#define RW_LSB 1
#define RW_MSB 2
#define RW_BOTH 3
#define CW_BCD 0x01
#define CW_FIELDS 0x3f /* what the status byte reports of the control word */

/* Read-back command: D5 = 0 latches counts, D4 = 0 latches status, D3-D1 select. */
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10

#define STATUS_OUT 0x80
#define STATUS_NULL_COUNT 0x40

#define P61_GATE2 0x01
#define P61_WRITABLE 0x0f
#define P61_REFRESH 0x10
#define P61_OUT2 0x20

#define NS_PER_S 1000000000ull

/* floor(ns * I8254_HZ / 1e9), split so that no product overflows. */
static uint64_t ticks_of_ns(uint64_t ns)
{
	return ns / NS_PER_S * I8254_HZ + ns % NS_PER_S * I8254_HZ / NS_PER_S;
}

/* The fewest ns in which `ticks` ticks pass: the inverse of ticks_of_ns. */
static uint64_t ns_of_ticks(uint64_t ticks)
{
	uint64_t rest = ticks % I8254_HZ * NS_PER_S;

	return ticks / I8254_HZ * NS_PER_S + (rest + I8254_HZ - 1) / I8254_HZ;
}

static uint64_t i8254_now(const struct i8254 *p)
{
	return p->env->clock_ns ? p->env->clock_ns(p->env->ctx) : 0;
}

static uint16_t bcd_of(uint32_t v)
{
	return (uint16_t)(v % 10 | v / 10 % 10 << 4 | v / 100 % 10 << 8 | v / 1000 % 10 << 12);
}

static uint32_t bcd_value(uint16_t v)
{
	return (v >> 12 & 0xf) * 1000u + (v >> 8 & 0xf) * 100u + (v >> 4 & 0xf) * 10u + (v & 0xf);
}

/* Modes 6 and 7 are 2 and 3 again (M2 is "don't care" there). */
static unsigned int chan_mode(const struct i8254_channel *c)
{
	unsigned int m = c->ctrl >> 1 & 7;

	return m > 5 ? m - 4 : m;
}

static unsigned int chan_rw(const struct i8254_channel *c)
{
	return c->ctrl >> 4 & 3;
}

/* A count of 0 means the modulus: 65536 in binary, 10000 in BCD. */
static uint32_t chan_modulus(const struct i8254_channel *c)
{
	return (c->ctrl & CW_BCD) ? 10000 : 65536;
}

static int chan_periodic(const struct i8254_channel *c)
{
	return chan_mode(c) == 2 || chan_mode(c) == 3;
}

static int chan_gate_triggered(const struct i8254_channel *c)
{
	return chan_mode(c) == 1 || chan_mode(c) == 5;
}

static uint64_t chan_period(const struct i8254_channel *c)
{
	return c->n < 2 ? 2 : c->n;
}

/* Ticks since the count loaded, at now. */
static int64_t chan_elapsed(const struct i8254_channel *c, uint64_t now)
{
	if (!c->counting)
		return c->held;
	return c->held + (int64_t)ticks_of_ns(now - c->start_ns);
}

/* When tick t (in ticks since the count loaded) comes; only while counting. */
static uint64_t chan_tick_ns(const struct i8254_channel *c, int64_t t)
{
	return t <= c->held ? c->start_ns : c->start_ns + ns_of_ticks((uint64_t)(t - c->held));
}

/* The count register goes into the counting element and counting starts. */
static void chan_load(struct i8254_channel *c, uint64_t now)
{
	c->n = c->cr;
	c->held = 0;
	c->start_ns = now;
	c->armed = 1;
	c->counting = chan_gate_triggered(c) ? 1 : c->gate;
	c->pending = 0;
	c->null_count = 0;
	c->edges_done = 0;
	c->owed = 0;
}

/* OUT rising edges since the count loaded, e ticks ago. */
static uint64_t chan_edges(const struct i8254_channel *c, int64_t e)
{
	if (!c->armed)
		return 0;
	switch (chan_mode(c)) {
	case 0:
	case 1:
		return e >= c->n; /* OUT rises at terminal count */
	case 4:
	case 5:
		return e > c->n; /* the strobe ends one tick after it */
	default:
		return (uint64_t)e / chan_period(c);
	}
}

/*
 * Brings a counter to now and returns its ticks since the count loaded: in
 * modes 2 and 3 a count written while counting takes over at `boundary`.
 * Counter 0 keeps an edge of the old period it had not yet raised as owed.
 */
static int64_t chan_sync(struct i8254_channel *c, uint64_t now)
{
	int64_t e = chan_elapsed(c, now);

	if (!c->pending || !c->counting || e < (int64_t)c->boundary)
		return e;
	if (c->edges_done < c->boundary / chan_period(c) && !c->owed) {
		c->owed = 1;
		c->owed_ns = chan_tick_ns(c, (int64_t)c->boundary);
	}
	c->edges_done = 0;
	c->held -= (int64_t)c->boundary;
	c->n = c->cr;
	c->pending = 0;
	c->null_count = 0;
	return e - (int64_t)c->boundary;
}

/* The counting element e ticks after the count loaded, in binary. */
static uint32_t chan_count(const struct i8254_channel *c, int64_t e)
{
	uint32_t mod = chan_modulus(c);
	uint64_t per = chan_period(c), phase;

	if (!c->armed)
		return c->idle % mod;
	switch (chan_mode(c)) {
	case 2: /* N down to 1, then N again */
		return (uint32_t)((per - (uint64_t)e % per) % mod);
	case 3: /* by twos from N (N - 1 if odd), once per half-cycle */
		phase = (uint64_t)e % per;
		if (phase >= (per + 1) / 2)
			phase -= (per + 1) / 2;
		return (uint32_t)(((per & ~1ull) - 2 * phase) % mod);
	default: /* down from N, through 0, on round the modulus */
		return (uint32_t)((c->n + mod - (uint64_t)e % mod) % mod);
	}
}

static int chan_out(const struct i8254_channel *c, int64_t e)
{
	uint64_t per = chan_period(c);

	switch (chan_mode(c)) {
	case 0: /* low from the control word to terminal count */
		return c->armed && e >= c->n;
	case 1: /* low from the trigger to terminal count */
		return !c->armed || e >= c->n;
	case 2: /* low for the one tick the count is 1 */
		return !c->armed || !c->gate || (uint64_t)e % per != per - 1;
	case 3: /* high for the first half (the longer one if N is odd) */
		return !c->armed || !c->gate || (uint64_t)e % per < (per + 1) / 2;
	default: /* modes 4 and 5: low for the one tick at terminal count */
		return !c->armed || e != c->n;
	}
}

static uint8_t chan_status(struct i8254_channel *c, uint64_t now)
{
	int64_t e = chan_sync(c, now);

	return (uint8_t)((chan_out(c, e) ? STATUS_OUT : 0) |
			 (c->null_count ? STATUS_NULL_COUNT : 0) | (c->ctrl & CW_FIELDS));
}

/* The count as the guest reads it: BCD digits in BCD mode. */
static uint16_t chan_value(struct i8254_channel *c, uint64_t now)
{
	uint32_t v = chan_count(c, chan_sync(c, now));

	return (c->ctrl & CW_BCD) ? bcd_of(v) : (uint16_t)v;
}

/* Counter latch command: a second latch before the first is read is ignored. */
static void chan_latch_count(struct i8254_channel *c, uint64_t now)
{
	if (c->latch_left)
		return;
	c->latch = chan_value(c, now);
	c->latch_left = chan_rw(c) == RW_BOTH ? 2 : 1;
}

static void chan_latch_status(struct i8254_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = chan_status(c, now);
	c->status_latched = 1;
}

/* Read-back command: latch count and/or status of each selected counter. */
static void i8254_read_back(struct i8254 *p, uint8_t cmd, uint64_t now)
{
	for (unsigned int i = 0; i < I8254_CHANNELS; i++) {
		if (!(cmd & (2u << i)))
			continue;
		if (!(cmd & RB_NO_COUNT))
			chan_latch_count(&p->ch[i], now);
		if (!(cmd & RB_NO_STATUS))
			chan_latch_status(&p->ch[i], now);
	}
}

/* A control word resets the counter's logic; its current count stays shown. */
static void chan_control(struct i8254_channel *c, uint8_t cw, uint64_t now)
{
	c->idle = (uint16_t)chan_count(c, chan_sync(c, now));
	c->ctrl = cw & CW_FIELDS;
	c->has_cr = 0;
	c->armed = 0;
	c->counting = 0;
	c->pending = 0;
	c->null_count = 1;
	c->write_msb = 0;
	c->read_msb = 0;
	c->latch_left = 0;
	c->status_latched = 0;
	c->held = 0;
	c->edges_done = 0;
	c->owed = 0;
}

static void i8254_write_control(struct i8254 *p, uint8_t cw, uint64_t now)
{
	unsigned int sc = cw >> 6;

	if (sc == CW_READBACK)
		i8254_read_back(p, cw, now);
	else if ((cw >> 4 & 3) == RW_LATCH)
		chan_latch_count(&p->ch[sc], now);
	else
		chan_control(&p->ch[sc], cw, now);
}

/* Mode 0: writing the first byte of a pair stops the count and drops OUT. */
static void chan_hold(struct i8254_channel *c, uint64_t now)
{
	c->idle = (uint16_t)chan_count(c, chan_sync(c, now));
	c->armed = 0;
	c->counting = 0;
	c->pending = 0;
	c->null_count = 1;
}

/* A whole count arrived in the count register (raw: as the guest wrote it). */
static void chan_write_count(struct i8254_channel *c, uint16_t raw, uint64_t now)
{
	uint32_t v = (c->ctrl & CW_BCD) ? bcd_value(raw) % 10000 : raw;
	int64_t e = chan_sync(c, now);

	c->cr = v ? v : chan_modulus(c);
	c->has_cr = 1;
	c->null_count = 1;
	if (chan_gate_triggered(c))
		return; /* loads at the next trigger */
	if (!chan_periodic(c) || !c->armed) {
		chan_load(c, now);
	} else if (c->counting && !c->pending) {
		c->pending = 1;
		c->boundary = ((uint64_t)e / chan_period(c) + 1) * chan_period(c);
	}
	/* Periodic with GATE low: the next rising edge of GATE loads it. */
}

static void chan_write(struct i8254_channel *c, uint8_t v, uint64_t now)
{
	switch (chan_rw(c)) {
	case RW_LSB:
		chan_write_count(c, v, now);
		break;
	case RW_MSB:
		chan_write_count(c, (uint16_t)(v << 8), now);
		break;
	default:
		if (!c->write_msb) {
			c->lsb = v;
			c->write_msb = 1;
			if (chan_mode(c) == 0)
				chan_hold(c, now);
			break;
		}
		c->write_msb = 0;
		chan_write_count(c, (uint16_t)(c->lsb | v << 8), now);
		break;
	}
}

static uint8_t chan_read(struct i8254_channel *c, uint64_t now)
{
	unsigned int rw = chan_rw(c);
	uint16_t v;
	int msb;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->latch_left) {
		v = c->latch;
		c->latch_left--;
		msb = rw == RW_MSB || (rw == RW_BOTH && !c->latch_left);
	} else {
		v = chan_value(c, now);
		msb = rw == RW_MSB || (rw == RW_BOTH && c->read_msb);
		if (rw == RW_BOTH)
			c->read_msb ^= 1;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

/* GATE (Gate Pin Operations Summary): level-sensitive in 0, 2, 3, 4; edges start 1, 2, 3, 5. */
static void chan_set_gate(struct i8254_channel *c, uint8_t gate, uint64_t now)
{
	int64_t e;

	if (gate == c->gate)
		return;
	e = chan_sync(c, now);
	c->gate = gate;
	if (!gate) {
		if (!chan_gate_triggered(c) && c->counting) {
			c->held = e;
			c->counting = 0;
		}
		return;
	}
	if (chan_mode(c) == 0 || chan_mode(c) == 4) {
		if (c->armed) {
			c->start_ns = now; /* counting resumes where it stopped */
			c->counting = 1;
		}
	} else if (c->has_cr) {
		chan_load(c, now);
	}
}

void i8254_init(struct i8254 *p, const struct dm_env *env)
{
	*p = (struct i8254){ .env = env };
	for (unsigned int i = 0; i < I8254_CHANNELS; i++) {
		p->ch[i].ctrl = RW_BOTH << 4;
		p->ch[i].gate = i != 2; /* counter 2's gate is port 0x61 bit 0, clear at reset */
		p->ch[i].null_count = 1;
	}
}

int i8254_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct i8254 *p = dev;

	if (size != 1 || offset >= I8254_REGION_LEN)
		return -EINVAL;
	if (offset == PORT_CONTROL)
		*value = 0xff;
	else
		*value = chan_read(&p->ch[offset], i8254_now(p));
	return 0;
}

int i8254_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct i8254 *p = dev;

	if (size != 1 || offset >= I8254_REGION_LEN)
		return -EINVAL;
	i8254_update(p);
	if (offset == PORT_CONTROL)
		i8254_write_control(p, (uint8_t)value, i8254_now(p));
	else
		chan_write(&p->ch[offset], (uint8_t)value, i8254_now(p));
	return 0;
}

int i8254_port61_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct i8254 *p = dev;
	struct i8254_channel *c = &p->ch[2];
	uint8_t v = p->port61;

	if (size != 1 || offset >= I8254_PORT61_REGION_LEN)
		return -EINVAL;
	if (chan_out(c, chan_sync(c, i8254_now(p))))
		v |= P61_OUT2;
	if (p->refresh)
		v |= P61_REFRESH;
	p->refresh ^= 1;
	*value = v;
	return 0;
}

int i8254_port61_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct i8254 *p = dev;

	if (size != 1 || offset >= I8254_PORT61_REGION_LEN)
		return -EINVAL;
	p->port61 = (uint8_t)(value & P61_WRITABLE);
	chan_set_gate(&p->ch[2], (uint8_t)(value & P61_GATE2), i8254_now(p));
	return 0;
}

void i8254_update(struct i8254 *p)
{
	struct i8254_channel *c = &p->ch[0];
	uint64_t edges = chan_edges(c, chan_sync(c, i8254_now(p)));

	if (!c->owed && edges <= c->edges_done)
		return;
	c->owed = 0;
	if (edges > c->edges_done + I8254_CATCHUP_MAX)
		c->edges_done = edges - I8254_CATCHUP_MAX; /* older ones are dropped */
	if (edges > c->edges_done)
		c->edges_done++; /* late periods come one pulse per update */
	if (p->env->set_irq) {
		p->env->set_irq(p->env->ctx, I8254_IRQ, 1);
		p->env->set_irq(p->env->ctx, I8254_IRQ, 0);
	}
}

uint64_t i8254_next_event_ns(const struct i8254 *p)
{
	struct i8254_channel copy = p->ch[0], *c = &copy; /* a query: p stays as it is */
	uint64_t next, ns;

	chan_sync(c, i8254_now(p));
	if (c->owed)
		return c->owed_ns ? c->owed_ns : 1;
	if (!c->armed || !c->counting)
		return 0;
	if (chan_periodic(c))
		next = (c->edges_done + 1) * chan_period(c);
	else if (c->edges_done)
		return 0; /* one-shot modes: their edge has been raised */
	else
		next = chan_mode(c) >= 4 ? c->n + 1ull : c->n;
	ns = chan_tick_ns(c, (int64_t)next);
	return ns ? ns : 1;
}
