/*
 * kernel/vioapic.h: the virtual I/O APIC of a domain (Intel 82093AA I/O APIC
 * datasheet, 1996: registers section 3; destinations as the local APIC reads
 * them, Intel SDM vol. 3A 11.6.2). A pure model: device lines come in through
 * vioapic_set_irq, interrupts go out to the domain's vLAPICs (kernel/vlapic.h).
 *
 * Locking: the model takes no lock. Every call (MMIO, set_irq, eoi) is made
 * with the domain's IOAPIC lock held by the caller. Delivery only touches the
 * vLAPICs through vlapic_set_irq and the NMI flag, which any CPU may do.
 */
#ifndef KERNEL_VIOAPIC_H
#define KERNEL_VIOAPIC_H

#include <stdint.h>

#include "kernel/vlapic.h"

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_SIZE 0x1000u
#define VIOAPIC_PINS 24

struct vioapic {
	uint8_t id;			 /* IOAPICID bits 27:24 (4 bits) */
	uint32_t ioregsel;		 /* IOREGSEL bits 7:0 */
	uint64_t redir[VIOAPIC_PINS];	 /* reset: masked (bit 16); Remote IRR is bit 14 */
	uint32_t pin_level;		 /* bit per pin: the line is asserted now */
	const struct vlapic_env *lapics; /* the domain's vLAPICs */
};

/* Reset (82093AA 3.2): every entry masked, IOREGSEL 0; id is the IOAPIC ID (4 bits). */
void vioapic_init(struct vioapic *io, const struct vlapic_env *lapics, uint8_t id);

/*
 * Accesses at offset off (0..0xfff) of the IOAPIC page: IOREGSEL at 0x00 and
 * IOWIN at 0x10, 32-bit only. Anything else reads 0 and writes are ignored.
 * Always returns 0: the whole page belongs to the IOAPIC.
 */
int vioapic_mmio_read(struct vioapic *io, uint32_t off, unsigned int size, uint64_t *value);
int vioapic_mmio_write(struct vioapic *io, uint32_t off, unsigned int size, uint64_t value);

/*
 * A device's line (a GSI below VIOAPIC_PINS; others are ignored): level 1
 * asserted, 0 deasserted, as the models raise them (polarity is not applied).
 * An edge pin delivers on a 0->1 change; a level pin delivers while asserted,
 * unmasked and with Remote IRR clear.
 */
void vioapic_set_irq(struct vioapic *io, unsigned int pin, int level);

/*
 * A vLAPIC's EOI of a level-triggered vector (vlapic_env.eoi_level): clears
 * Remote IRR of every pin with that vector and re-delivers the ones that are
 * still asserted.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
