/*
 * drivers/i8259.h: the PC/AT's pair of 8259A interrupt controllers, the
 * master at ports 0x20-0x21 (IRQs 0-7) and the slave at 0xa0-0xa1 (IRQs
 * 8-15, cascaded on the master's IR2), with the edge/level control
 * registers (ELCR) at 0x4d0-0x4d1. One instance per guest.
 *
 * The host raises and lowers lines with i8259_set_irq, learns through
 * intr() when the master's INT output changes, and runs the INTA cycle with
 * i8259_ack when it delivers the interrupt (an ExtINT through LINT0).
 */
#ifndef DRIVERS_I8259_H
#define DRIVERS_I8259_H

#include "drivers/dm_env.h"

#define I8259_MASTER_PORT 0x20
#define I8259_SLAVE_PORT 0xa0
#define I8259_REGION_LEN 2
#define I8259_ELCR_PORT 0x4d0
#define I8259_ELCR_REGION_LEN 2
#define I8259_IRQS 16
#define I8259_CASCADE_IRQ 2

struct i8259_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;	   /* the level each input is at now */
	uint8_t elcr;	   /* 1: level-triggered input */
	uint8_t base;	   /* ICW2: the vector of IR0 */
	uint8_t lowest;	   /* the IR with the lowest priority (rotation) */
	uint8_t init_step; /* 0: initialised; 2, 3, 4: the ICW expected next */
	uint8_t icw1, icw4;
	uint8_t read_isr, poll, special_mask, rotate_aeoi;
};

struct i8259 {
	struct i8259_chip chip[2]; /* master, slave */
	/* The master's INT output is now level (0 or 1); may be NULL. */
	void (*intr)(void *ctx, int level);
	void *ctx;
	int out; /* the last level given to intr */
};

/* Both chips as a BIOS leaves them: vectors 0x08 and 0x70, all masked but IRQ 2. */
void i8259_init(struct i8259 *p, void (*intr)(void *ctx, int level), void *ctx);
/* ISA IRQ irq (0-15) at level; IRQ 2 is the cascade and is ignored. */
void i8259_set_irq(struct i8259 *p, unsigned int irq, int level);
/* Whether the master's INT output is asserted. */
int i8259_pending(const struct i8259 *p);
/* The INTA cycle: the vector to deliver (IR7's or IR15's for a spurious one). */
uint8_t i8259_ack(struct i8259 *p);
/* The regions at I8259_MASTER_PORT (dev: &p->chip[0]'s pair), I8259_SLAVE_PORT, ELCR. */
int i8259_master_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int i8259_master_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
int i8259_slave_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int i8259_slave_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
int i8259_elcr_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int i8259_elcr_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);

#endif
