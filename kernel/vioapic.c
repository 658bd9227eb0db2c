/*
 * kernel/vioapic.c: the virtual I/O APIC (Intel 82093AA I/O APIC datasheet,
 * 1996): IOREGSEL and IOWIN (3.1), IOAPICID, IOAPICVER, IOAPICARB and the
 * redirection table (3.2), edge and level inputs, Remote IRR and the EOI that
 * clears it. Destinations are matched the way the local APIC matches IPIs
 * (Intel SDM vol. 3A 11.6.2), by vlapic_dest_match.
 */
#include <stdint.h>
#include <stddef.h>

#include "kernel/vioapic.h"
#include "lib/string.h"

/* The two registers of the page (82093AA 3.1); only 32-bit accesses reach them. */
#define IOREGSEL 0x00
#define IOWIN 0x10

/* IOREGSEL indexes (82093AA Table 2): two per redirection entry, low dword first. */
enum { IDX_ID = 0x00, IDX_VERSION = 0x01, IDX_ARB = 0x02, IDX_REDIR = 0x10 };
#define IDX_REDIR_END (IDX_REDIR + 2 * VIOAPIC_PINS)

/*
 * Version 0x11, the 82093AA's, and the highest entry (23) in bits 23:16. Not
 * 0x20: that version has an EOI register (offset 0x40) that Linux then writes
 * to end a level interrupt. Here, as on the 82093AA, the only EOI is the one
 * the vLAPIC broadcasts (it cannot suppress it), and Linux clears a stale
 * Remote IRR the pre-0x20 way: it turns the entry to edge and back, which
 * redir_write honours.
 */
#define VERSION (0x11u | (VIOAPIC_PINS - 1u) << 16)

/* Redirection entry (82093AA 3.2.4). */
#define RE_VECTOR 0xffu
#define RE_MODE_SHIFT 8
#define RE_LOGICAL (1ull << 11)
#define RE_DELIVS (1ull << 12) /* delivery status: reads 0, delivery is immediate */
#define RE_POLARITY (1ull << 13)
#define RE_RIRR (1ull << 14)
#define RE_LEVEL (1ull << 15)
#define RE_MASKED (1ull << 16)
#define RE_DEST_SHIFT 56
/* What a guest may write: vector, mode, destination mode, polarity, trigger, mask; 63:56. */
#define RE_LOW_WRITABLE                                                                            \
	(RE_VECTOR | 7u << RE_MODE_SHIFT | RE_LOGICAL | RE_POLARITY | RE_LEVEL | RE_MASKED)
#define RE_HIGH_WRITABLE 0xff000000u

/* Delivery modes (82093AA 3.2.4, bits 10:8). SMI, INIT and ExtINT are not modelled. */
enum { DM_FIXED = 0, DM_LOWPRI = 1, DM_NMI = 4 };

/* The vLAPIC bits read here (public fields of struct vlapic): IA32_APIC_BASE (SDM
 * 11.4.4) EN and EXTD, and SVR's software enable (SDM 11.4.7.2). */
#define LAPIC_BASE_EXTD (1ull << 10)
#define LAPIC_BASE_EN (1ull << 11)
#define LAPIC_SVR_ENABLE (1u << 8)

static unsigned int entry_mode(uint64_t e)
{
	return (unsigned int)(e >> RE_MODE_SHIFT) & 7;
}

/*
 * Whether the pin follows the level rules (Remote IRR, re-delivery after EOI).
 * Only fixed and lowest-priority entries do: the 82093AA treats an NMI as edge
 * triggered even when the entry says level.
 */
static int entry_is_level(uint64_t e)
{
	unsigned int mode = entry_mode(e);

	return (e & RE_LEVEL) && (mode == DM_FIXED || mode == DM_LOWPRI);
}

/* A vLAPIC that accepts fixed interrupts: enabled in IA32_APIC_BASE and in SVR. */
static int lapic_enabled(const struct vlapic *t)
{
	return (t->apic_base & LAPIC_BASE_EN) && (t->svr & LAPIC_SVR_ENABLE);
}

/*
 * Whether t is a destination of the entry (SDM 11.6.2). An xAPIC compares the
 * 8-bit destination with its ID or LDR bits 31:24, so it goes in bits 31:24. An
 * x2APIC (no interrupt remapping here) sees it zero-extended to 32 bits, with
 * 0xff still a broadcast.
 */
static int vioapic_targets(const struct vlapic *t, uint64_t e)
{
	uint32_t dest = (uint32_t)(e >> RE_DEST_SHIFT);

	if (t->apic_base & LAPIC_BASE_EXTD)
		dest = dest == 0xff ? 0xffffffffu : dest;
	else
		dest <<= 24;
	return vlapic_dest_match(t, t, dest, (e & RE_LOGICAL) != 0);
}

/* As the vLAPIC's NMI IPI: a flag for the owner's vCPU, then a kick. */
static void vioapic_send_nmi(struct vlapic *t)
{
	__atomic_store_n(&t->pending_nmi, 1, __ATOMIC_RELEASE);
	if (t->env->kick)
		t->env->kick(t);
}

/*
 * Sends the entry's interrupt message; returns how many vLAPICs accepted it. A
 * lowest-priority message goes to the first enabled destination in domain
 * order, as the vLAPIC's own lowest-priority IPIs do (SDM 11.6.2.4 leaves the
 * arbitration to the chipset). A vector below 16 reaches the vLAPIC, which
 * records the illegal vector (SDM 11.5.3), but counts as not accepted.
 */
static unsigned int vioapic_deliver(struct vioapic *io, uint64_t e)
{
	const struct vlapic_env *env = io->lapics;
	unsigned int mode = entry_mode(e), accepted = 0, i, n;
	uint8_t vector = e & RE_VECTOR;

	if (!env || (mode != DM_FIXED && mode != DM_LOWPRI && mode != DM_NMI))
		return 0;
	n = env->count(env->ctx);
	for (i = 0; i < n; i++) {
		struct vlapic *t = env->get(env->ctx, i);

		if (!t || !vioapic_targets(t, e))
			continue;
		if (mode == DM_NMI) {
			vioapic_send_nmi(t);
			accepted++;
			continue;
		}
		if (!lapic_enabled(t))
			continue;
		vlapic_set_irq(t, vector, entry_is_level(e));
		accepted += vector >= 16;
		if (mode == DM_LOWPRI)
			break;
	}
	return accepted;
}

/*
 * Delivers the pin's interrupt if its entry lets it now. A masked pin sends
 * nothing (82093AA 3.2.4; an edge is lost, a level is seen again when
 * unmasked). A level pin sends while its line is asserted and Remote IRR is
 * clear, and sets Remote IRR once a vLAPIC has accepted the message.
 */
static void vioapic_service(struct vioapic *io, unsigned int pin)
{
	uint64_t *e = &io->redir[pin];

	if (*e & RE_MASKED)
		return;
	if (!entry_is_level(*e)) {
		vioapic_deliver(io, *e);
		return;
	}
	if (!(io->pin_level & (1u << pin)) || (*e & RE_RIRR))
		return;
	if (vioapic_deliver(io, *e))
		*e |= RE_RIRR;
}

void vioapic_set_irq(struct vioapic *io, unsigned int pin, int level)
{
	uint32_t bit;
	int was_asserted;

	if (pin >= VIOAPIC_PINS)
		return;
	bit = 1u << pin;
	was_asserted = (io->pin_level & bit) != 0;
	if (!level) {
		io->pin_level &= ~bit;
		return;
	}
	io->pin_level |= bit;
	if (entry_is_level(io->redir[pin]) || !was_asserted)
		vioapic_service(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	unsigned int pin;

	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		if ((io->redir[pin] & RE_VECTOR) != vector)
			continue;
		io->redir[pin] &= ~RE_RIRR;
		vioapic_service(io, pin);
	}
}

/* --- Registers (82093AA 3.2) --- */

/*
 * A write to one dword of an entry; delivery status and Remote IRR keep their
 * value. Remote IRR has no meaning for an edge entry and is cleared when the
 * entry becomes edge triggered (what Linux relies on before version 0x20). A
 * level pin that the new entry lets through (unmasked, asserted, Remote IRR
 * clear) is delivered at once.
 */
static void vioapic_redir_write(struct vioapic *io, unsigned int idx, uint32_t v)
{
	unsigned int pin = (idx - IDX_REDIR) / 2;
	uint64_t *e = &io->redir[pin];

	if (idx & 1) {
		*e = (*e & 0xffffffffull) | (uint64_t)(v & RE_HIGH_WRITABLE) << 32;
	} else {
		*e = (*e & ~(uint64_t)RE_LOW_WRITABLE) | (v & RE_LOW_WRITABLE);
		if (!(*e & RE_LEVEL))
			*e &= ~RE_RIRR;
	}
	if (entry_is_level(*e))
		vioapic_service(io, pin);
}

/* The register IOREGSEL selects; an index that names none reads 0. */
static uint32_t vioapic_reg_read(const struct vioapic *io)
{
	uint32_t idx = io->ioregsel;
	uint64_t e;

	switch (idx) {
	case IDX_ID:
	case IDX_ARB: /* the arbitration ID is loaded with the ID */
		return (uint32_t)io->id << 24;
	case IDX_VERSION:
		return VERSION;
	}
	if (idx < IDX_REDIR || idx >= IDX_REDIR_END)
		return 0;
	e = io->redir[(idx - IDX_REDIR) / 2];
	return idx & 1 ? (uint32_t)(e >> 32) : (uint32_t)e;
}

/* IOAPICVER and IOAPICARB are read-only; an index that names no register is ignored. */
static void vioapic_reg_write(struct vioapic *io, uint32_t v)
{
	uint32_t idx = io->ioregsel;

	if (idx == IDX_ID)
		io->id = (v >> 24) & 0xf;
	else if (idx >= IDX_REDIR && idx < IDX_REDIR_END)
		vioapic_redir_write(io, idx, v);
}

/*
 * Only aligned 32-bit accesses to IOREGSEL and IOWIN reach a register (82093AA
 * 3.1 defines both as dwords). Anything else in the page reads 0, like an
 * undefined vLAPIC register, and writes are dropped; the page is still ours,
 * so the result is 0.
 */
int vioapic_mmio_read(struct vioapic *io, uint32_t off, unsigned int size, uint64_t *value)
{
	*value = 0;
	if (size != 4)
		return 0;
	if (off == IOREGSEL)
		*value = io->ioregsel;
	else if (off == IOWIN)
		*value = vioapic_reg_read(io);
	return 0;
}

int vioapic_mmio_write(struct vioapic *io, uint32_t off, unsigned int size, uint64_t value)
{
	if (size != 4)
		return 0;
	if (off == IOREGSEL)
		io->ioregsel = (uint32_t)value & 0xff; /* bits 31:8 are reserved */
	else if (off == IOWIN)
		vioapic_reg_write(io, (uint32_t)value);
	return 0;
}

/* --- Reset --- */

void vioapic_init(struct vioapic *io, const struct vlapic_env *lapics, uint8_t id)
{
	unsigned int pin;

	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->lapics = lapics;
	for (pin = 0; pin < VIOAPIC_PINS; pin++)
		io->redir[pin] = RE_MASKED;
}
