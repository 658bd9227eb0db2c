/*
 * drivers/pc_testdev.h: QEMU's pc-testdev, the ISA test device that
 * kvm-unit-tests' x86 guests expect (`-device pc-testdev`): a 32-bit scratch
 * register at ports 0xe0-0xe3 (and byte-wise at 0xe8-0xeb), a page-flush
 * port at 0xe4, and one port per interrupt line at 0x2000-0x2017 whose
 * write raises or lowers that ISA line. One instance per guest.
 */
#ifndef DRIVERS_PC_TESTDEV_H
#define DRIVERS_PC_TESTDEV_H

#include "drivers/dm_env.h"

#define PC_TESTDEV_REG_PORT 0xe0 /* the scratch register, any width */
#define PC_TESTDEV_FLUSH_PORT 0xe4
#define PC_TESTDEV_BYTE_PORT 0xe8 /* the same register */
#define PC_TESTDEV_PORT_LEN 4
#define PC_TESTDEV_IRQ_PORT 0x2000 /* + line: a byte write sets the line's level */
#define PC_TESTDEV_IRQ_LINES 24	   /* ports QEMU claims; lines 16-23 are ignored */
#define PC_TESTDEV_ISA_LINES 16

struct pc_testdev {
	const struct dm_env *env;
	uint32_t reg;	      /* the scratch register */
	uint32_t flushes;     /* writes to the flush port */
	uint16_t lines;	      /* the level written last to each ISA line */
	uint32_t dropped_irq; /* writes to lines 16-23 or of a width other than 1 */
};

void pc_testdev_init(struct pc_testdev *t, const struct dm_env *env);
/* The scratch register (both PC_TESTDEV_REG_PORT and PC_TESTDEV_BYTE_PORT). */
int pc_testdev_reg_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int pc_testdev_reg_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
/* PC_TESTDEV_FLUSH_PORT: dword writes only, of a guest-physical address. */
int pc_testdev_flush_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
/* PC_TESTDEV_IRQ_PORT + line: byte writes only; reads are refused (open bus). */
int pc_testdev_irq_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);

#endif
