/*
 * drivers/i8259.c: the PC/AT's two 8259A interrupt controllers, after the
 * Intel 8259A data sheet ("8259A Programmable Interrupt Controller", 1988):
 * Interrupt Sequence, Initialization Command Words (ICW1-ICW4), Operation
 * Command Words (OCW1-OCW3), the fully nested mode, the EOI, rotation,
 * special mask and poll commands, the cascade, and edge or level triggered
 * inputs as the PIIX's ELCR registers (ports 0x4d0-0x4d1) select them.
 *
 * Choices where the data sheet leaves room or a model differs from a chip:
 * - At start the chips are as a PC BIOS (SeaBIOS) leaves them: initialised
 *   for an 8086, vectors 0x08 (master) and 0x70 (slave), every IRQ masked
 *   but the cascade, all edge-triggered. ICW1's LTIM makes every input of
 *   that chip level-triggered, whatever the ELCR says.
 * - Edge: a rising edge latches IRR, which stays set when the line falls
 *   (a pulse, as drivers/i8254.c raises, is remembered). Level: IRR follows
 *   the line. INTA clears the IRR bit; a level line still high sets it again.
 * - A spurious INTA (nothing left to give) returns IR7 of that chip.
 * - The cascade is IR2 of the master, which follows the slave's INT; the
 *   ELCR bits of IRQs 0, 1, 2, 8 and 13 are fixed at 0 (edge), as on PIIX.
 * - Only one-byte accesses.
 */
#include "drivers/i8259.h"

#define ICW1 0x10
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define OCW2_EOI 0x20
#define OCW2_SL 0x40
#define OCW2_R 0x80
#define POLL_INT 0x80
#define ELCR_FIXED_EDGE0 0x07 /* IRQs 0-2 */
#define ELCR_FIXED_EDGE1 0x21 /* IRQs 8 and 13 */
#define MASTER 0
#define SLAVE 1
#define BIOS_MASTER_BASE 0x08
#define BIOS_SLAVE_BASE 0x70

/* The inputs that are level-triggered. */
static uint8_t level_mask(const struct i8259_chip *c)
{
	return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* 0 is the highest priority, 7 the lowest. */
static unsigned int prio(const struct i8259_chip *c, unsigned int ir)
{
	return (ir - c->lowest - 1) & 7;
}

/* The IR of highest priority set in bits, or -1. */
static int highest(const struct i8259_chip *c, uint8_t bits)
{
	for (unsigned int i = 0; i < 8; i++) {
		unsigned int ir = (c->lowest + 1 + i) & 7;

		if (bits & (1u << ir))
			return (int)ir;
	}
	return -1;
}

/* The IR in service that blocks requests of its priority and below, or -1. */
static int in_service(const struct i8259_chip *c, int master)
{
	uint8_t isr = c->isr;

	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	if (master && (c->icw4 & ICW4_SFNM))
		isr &= (uint8_t) ~(1u << I8259_CASCADE_IRQ);
	return highest(c, isr);
}

/* The IR this chip asks its CPU (or master) for now, or -1. */
static int chip_request(const struct i8259_chip *c, int master)
{
	int req = highest(c, c->irr & (uint8_t)~c->imr), cur;

	if (req < 0)
		return -1;
	cur = in_service(c, master);
	if (cur >= 0 && prio(c, (unsigned int)cur) <= prio(c, (unsigned int)req))
		return -1;
	return req;
}

/* One input of one chip goes to level. */
static void chip_line(struct i8259_chip *c, unsigned int ir, int level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (level && !(c->lines & bit))
		c->irr |= bit;
	else if (!level && (level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
}

/* Carries the slave's INT to the master's IR2, then the master's INT to the host. */
static void update(struct i8259 *p)
{
	struct i8259_chip *m = &p->chip[MASTER];
	uint8_t cascade = 1u << I8259_CASCADE_IRQ;
	int out;

	if (chip_request(&p->chip[SLAVE], 0) >= 0)
		m->irr |= cascade, m->lines |= cascade;
	else
		m->irr &= (uint8_t)~cascade, m->lines &= (uint8_t)~cascade;
	out = chip_request(&p->chip[MASTER], 1) >= 0;
	if (out != p->out) {
		p->out = out;
		if (p->intr)
			p->intr(p->ctx, out);
	}
}

static void chip_reset(struct i8259_chip *c, uint8_t elcr)
{
	*c = (struct i8259_chip){ .lowest = 7, .elcr = elcr };
}

/* ICW1 (cascade, ICW4), ICW2 base, ICW3, ICW4 (8086 mode), then OCW1 mask. */
static void chip_bios(struct i8259_chip *c, uint8_t base, uint8_t imr)
{
	chip_reset(c, 0);
	c->icw1 = ICW1 | ICW1_IC4;
	c->base = base;
	c->icw4 = 0x01;
	c->imr = imr;
}

void i8259_init(struct i8259 *p, void (*intr)(void *ctx, int level), void *ctx)
{
	*p = (struct i8259){ .intr = intr, .ctx = ctx };
	chip_bios(&p->chip[MASTER], BIOS_MASTER_BASE, (uint8_t) ~(1u << I8259_CASCADE_IRQ));
	chip_bios(&p->chip[SLAVE], BIOS_SLAVE_BASE, 0xff);
}

void i8259_set_irq(struct i8259 *p, unsigned int irq, int level)
{
	if (irq >= I8259_IRQS || irq == I8259_CASCADE_IRQ)
		return;
	chip_line(&p->chip[irq >> 3], irq & 7, level);
	update(p);
}

int i8259_pending(const struct i8259 *p)
{
	return p->out;
}

/* INTA on one chip: IR ir goes in service (unless AEOI) and leaves IRR. */
static void chip_take(struct i8259_chip *c, unsigned int ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	c->irr &= (uint8_t)~bit;
	if ((level_mask(c) & bit) && (c->lines & bit))
		c->irr |= bit; /* a level line still high asks again */
	if (!(c->icw4 & ICW4_AEOI))
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)ir;
}

/* The vector of chip c's highest request, taken; IR7's if none. */
static uint8_t chip_ack(struct i8259_chip *c, int master, int *cascade)
{
	int ir = chip_request(c, master);

	*cascade = 0;
	if (ir < 0)
		return (uint8_t)(c->base | 7);
	chip_take(c, (unsigned int)ir);
	*cascade = master && ir == I8259_CASCADE_IRQ && !(c->icw1 & ICW1_SNGL);
	return (uint8_t)(c->base | ir);
}

uint8_t i8259_ack(struct i8259 *p)
{
	int cascade, unused;
	uint8_t vec = chip_ack(&p->chip[MASTER], 1, &cascade);

	if (cascade)
		vec = chip_ack(&p->chip[SLAVE], 0, &unused);
	update(p);
	return vec;
}

static void icw1(struct i8259_chip *c, uint8_t v)
{
	uint8_t lines = c->lines;

	chip_reset(c, c->elcr); /* IMR, ISR, IRR cleared, IR7 lowest, no special mask */
	c->lines = lines;	/* a line already high must fall and rise again */
	c->icw1 = v;
	c->init_step = 2;
}

static void ocw2(struct i8259_chip *c, uint8_t v)
{
	int ir = (v & OCW2_SL) ? (v & 7) : highest(c, c->isr);

	if ((v & (OCW2_R | OCW2_SL | OCW2_EOI)) == OCW2_R) {
		c->rotate_aeoi = 1; /* set rotate in automatic EOI mode */
		return;
	}
	if (!(v & (OCW2_R | OCW2_SL | OCW2_EOI))) {
		c->rotate_aeoi = 0;
		return;
	}
	if (ir < 0)
		return;
	if (v & OCW2_EOI)
		c->isr &= (uint8_t) ~(1u << ir);
	if (v & OCW2_R)
		c->lowest = (uint8_t)ir; /* rotate, or set priority (R and SL, no EOI) */
}

static void ocw3(struct i8259_chip *c, uint8_t v)
{
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_ESMM)
		c->special_mask = !!(v & OCW3_SMM);
	c->poll = !!(v & OCW3_POLL);
}

static void write_even(struct i8259_chip *c, uint8_t v)
{
	if (v & ICW1)
		icw1(c, v);
	else if (v & OCW3)
		ocw3(c, v);
	else
		ocw2(c, v);
}

static void write_odd(struct i8259_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		c->base = v & 0xf8;
		c->init_step = (c->icw1 & ICW1_SNGL) ? 4 : 3;
		break;
	case 3:
		c->init_step = 4;
		break;
	case 4:
		c->icw4 = (c->icw1 & ICW1_IC4) ? v : 0;
		c->init_step = 0;
		break;
	default:
		c->imr = v;
		return;
	}
	if (c->init_step == 4 && !(c->icw1 & ICW1_IC4))
		c->init_step = 0; /* no ICW4 comes */
}

/* Poll command: the next read acknowledges the highest request as INTA would. */
static uint8_t poll_read(struct i8259 *p, struct i8259_chip *c, int master)
{
	int ir = chip_request(c, master), cascade;

	c->poll = 0;
	if (ir < 0)
		return 0;
	chip_ack(c, master, &cascade);
	update(p);
	return (uint8_t)(POLL_INT | ir);
}

static int chip_read(struct i8259 *p, int which, uint64_t off, unsigned int size, uint64_t *value)
{
	struct i8259_chip *c = &p->chip[which];

	if (size != 1 || off >= I8259_REGION_LEN)
		return -EINVAL;
	if (off)
		*value = c->imr;
	else if (c->poll)
		*value = poll_read(p, c, which == MASTER);
	else
		*value = c->read_isr ? c->isr : c->irr;
	return 0;
}

static int chip_write(struct i8259 *p, int which, uint64_t off, unsigned int size, uint64_t value)
{
	struct i8259_chip *c = &p->chip[which];

	if (size != 1 || off >= I8259_REGION_LEN)
		return -EINVAL;
	if (off)
		write_odd(c, (uint8_t)value);
	else
		write_even(c, (uint8_t)value);
	update(p);
	return 0;
}

int i8259_master_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	return chip_read(dev, MASTER, offset, size, value);
}

int i8259_master_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	return chip_write(dev, MASTER, offset, size, value);
}

int i8259_slave_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	return chip_read(dev, SLAVE, offset, size, value);
}

int i8259_slave_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	return chip_write(dev, SLAVE, offset, size, value);
}

int i8259_elcr_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct i8259 *p = dev;

	if (size != 1 || offset >= I8259_ELCR_REGION_LEN)
		return -EINVAL;
	*value = p->chip[offset].elcr;
	return 0;
}

int i8259_elcr_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	static const uint8_t fixed[2] = { ELCR_FIXED_EDGE0, ELCR_FIXED_EDGE1 };
	struct i8259 *p = dev;

	if (size != 1 || offset >= I8259_ELCR_REGION_LEN)
		return -EINVAL;
	p->chip[offset].elcr = (uint8_t)(value & ~fixed[offset]);
	update(p);
	return 0;
}
