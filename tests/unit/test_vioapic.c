/*
 * tests/unit/test_vioapic.c: kernel/vioapic.c, the virtual I/O APIC, driven
 * through IOREGSEL/IOWIN and device lines, delivering to the four real vLAPICs
 * of test_vlapic_rig.h. Values from the Intel 82093AA I/O APIC datasheet (3.1,
 * 3.2) and Intel SDM vol. 3A 11.6.2 (destinations).
 */
#include "tests/unit/test_vlapic_rig.h"

#include "kernel/vioapic.h"

/* The page (82093AA 3.1) and the register indexes (82093AA Table 2). */
enum { IOREGSEL = 0x00, IOWIN = 0x10 };
enum { IOAPICID = 0x00, IOAPICVER = 0x01, IOAPICARB = 0x02, REDTBL = 0x10 };

/* Redirection entry bits (82093AA 3.2.4); the delivery modes, destination mode, trigger
 * and mask sit where the ICR has them, so the rig's DM_*, LOGICAL, TRIG_LEVEL, MASKED serve. */
enum { DM_EXTINT = 0x700, DELIVS = 0x1000, ACTIVE_LOW = 0x2000, RIRR = 0x4000 };

struct rig {
	struct dom *d;
	struct vioapic io;
};

static int rig_setup(void **state)
{
	struct rig *r = test_calloc(1, sizeof(*r));
	void *d;

	dom_setup(&d);
	r->d = d;
	enable_all(r->d);
	vioapic_init(&r->io, &r->d->env, 2);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	test_free(r->d);
	test_free(r);
	return 0;
}

static uint32_t io_rd(struct rig *r, uint32_t off)
{
	uint64_t v = 0xdead;

	assert_int_equal(vioapic_mmio_read(&r->io, off, 4, &v), 0);
	return (uint32_t)v;
}

static void io_wr(struct rig *r, uint32_t off, uint32_t v)
{
	assert_int_equal(vioapic_mmio_write(&r->io, off, 4, v), 0);
}

static uint32_t reg(struct rig *r, uint32_t idx)
{
	io_wr(r, IOREGSEL, idx);
	return io_rd(r, IOWIN);
}

static void set_reg(struct rig *r, uint32_t idx, uint32_t v)
{
	io_wr(r, IOREGSEL, idx);
	io_wr(r, IOWIN, v);
}

static uint32_t entry_low(struct rig *r, unsigned int pin)
{
	return reg(r, REDTBL + 2 * pin);
}

/* Programs a pin as Linux does: destination (high dword) first, then the low dword. */
static void route(struct rig *r, unsigned int pin, uint8_t dest, uint32_t low)
{
	set_reg(r, REDTBL + 2 * pin + 1, (uint32_t)dest << 24);
	set_reg(r, REDTBL + 2 * pin, low);
}

/* The guest's handler on vLAPIC l: takes the pending vector and writes EOI; the
 * domain hands a level EOI (the rig's eoi_level log) to the IOAPIC. */
static void guest_eoi(struct rig *r, struct vlapic *l)
{
	int n = r->d->eoi_count;

	take_and_eoi(l);
	for (; n < r->d->eoi_count; n++)
		vioapic_eoi(&r->io, r->d->eoi_log[n]);
}

static int tmr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, TMR + (v / 32) * 16) >> (v % 32)) & 1;
}

static void reset_masks_every_pin_and_reports_version_0x11_with_23_entries(void **state)
{
	struct rig *r = *state;

	assert_int_equal(io_rd(r, IOREGSEL), 0);
	assert_int_equal(reg(r, IOAPICID), 2u << 24);
	assert_int_equal(reg(r, IOAPICVER), 0x00170011);
	assert_int_equal(reg(r, IOAPICARB), 2u << 24);
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(entry_low(r, pin), MASKED);
		assert_int_equal(reg(r, REDTBL + 2 * pin + 1), 0);
		vioapic_set_irq(&r->io, pin, 1);
	}
	for (int i = 0; i < NR; i++)
		assert_int_equal(vlapic_pending_irq(&r->d->apic[i]), -1);
}

static void ioregsel_selects_what_iowin_reads_and_writes(void **state)
{
	struct rig *r = *state;

	io_wr(r, IOREGSEL, 0x12345621);
	assert_int_equal(io_rd(r, IOREGSEL), 0x21); /* bits 31:8 reserved */
	io_wr(r, IOWIN, 0x0a000000);
	assert_int_equal(reg(r, REDTBL + 0x11), 0x0a000000); /* pin 8, high dword */
	route(r, 0, 0x01, MASKED | TRIG_LEVEL | LOGICAL | 0x30);
	route(r, 23, 0xfe, MASKED | DM_LOWPRI | 0xfe);
	assert_int_equal(entry_low(r, 0), MASKED | TRIG_LEVEL | LOGICAL | 0x30);
	assert_int_equal(reg(r, REDTBL + 1), 0x01000000);
	assert_int_equal(entry_low(r, 23), MASKED | DM_LOWPRI | 0xfe);
	assert_int_equal(reg(r, REDTBL + 47), 0xfe000000);
	/* Reserved bits are dropped: 55:32, 31:17. */
	set_reg(r, REDTBL + 2 * 5, 0xffffffff);
	set_reg(r, REDTBL + 2 * 5 + 1, 0xffffffff);
	assert_int_equal(entry_low(r, 5), 0x1afff);
	assert_int_equal(reg(r, REDTBL + 2 * 5 + 1), 0xff000000);
}

static void id_is_four_bits_and_arbitration_reads_it(void **state)
{
	struct rig *r = *state;

	set_reg(r, IOAPICID, 0xffffffff);
	assert_int_equal(reg(r, IOAPICID), 0x0f000000);
	assert_int_equal(reg(r, IOAPICARB), 0x0f000000);
	set_reg(r, IOAPICID, 0x05000000);
	set_reg(r, IOAPICVER, 0xffffffff); /* read-only */
	set_reg(r, IOAPICARB, 0x0a000000); /* read-only */
	assert_int_equal(reg(r, IOAPICID), 0x05000000);
	assert_int_equal(reg(r, IOAPICVER), 0x00170011);
	assert_int_equal(reg(r, IOAPICARB), 0x05000000);
}

static void delivery_status_and_remote_irr_ignore_writes(void **state)
{
	struct rig *r = *state;

	route(r, 3, 0, MASKED | DELIVS | RIRR | 0x40);
	assert_int_equal(entry_low(r, 3), MASKED | 0x40);
	route(r, 3, 0, TRIG_LEVEL | 0x40);
	vioapic_set_irq(&r->io, 3, 1);
	assert_int_equal(entry_low(r, 3), RIRR | TRIG_LEVEL | 0x40);
	route(r, 3, 0, TRIG_LEVEL | 0x41); /* a level rewrite keeps Remote IRR set */
	assert_int_equal(entry_low(r, 3), RIRR | TRIG_LEVEL | 0x41);
}

static void polarity_is_reported_but_lines_are_logical(void **state)
{
	struct rig *r = *state;

	route(r, 1, 0, ACTIVE_LOW | 0x31);
	assert_int_equal(entry_low(r, 1), ACTIVE_LOW | 0x31);
	vioapic_set_irq(&r->io, 1, 1); /* 1 is "asserted", whatever the polarity */
	assert_true(irr_has(&r->d->apic[0], 0x31));
}

static void edge_pin_delivers_once_per_rising_edge(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[0];

	route(r, 4, 0, 0x31);
	vioapic_set_irq(&r->io, 4, 1);
	assert_true(irr_has(l, 0x31));
	assert_false(tmr_has(l, 0x31));
	assert_int_equal(r->d->kicks[0], 1);
	vlapic_ack_irq(l, 0x31);
	vioapic_set_irq(&r->io, 4, 1); /* held: no new edge */
	assert_false(irr_has(l, 0x31));
	vioapic_set_irq(&r->io, 4, 0);
	vioapic_set_irq(&r->io, 4, 1);
	assert_true(irr_has(l, 0x31));
	assert_int_equal(entry_low(r, 4), 0x31); /* no Remote IRR on an edge pin */
	wr(l, EOI, 0);
	assert_int_equal(r->d->eoi_count, 0);
}

static void level_pin_holds_remote_irr_until_eoi_then_redelivers(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[0];

	route(r, 9, 0, TRIG_LEVEL | 0x41);
	vioapic_set_irq(&r->io, 9, 1);
	assert_true(irr_has(l, 0x41));
	assert_true(tmr_has(l, 0x41));
	assert_true(entry_low(r, 9) & RIRR);
	vlapic_ack_irq(l, 0x41);
	vioapic_set_irq(&r->io, 9, 1); /* still asserted, Remote IRR set: nothing */
	assert_false(irr_has(l, 0x41));
	wr(l, EOI, 0);
	assert_int_equal(r->d->eoi_count, 1);
	assert_int_equal(r->d->eoi_log[0], 0x41);
	vioapic_eoi(&r->io, 0x41); /* the line is still up: delivered again */
	assert_true(irr_has(l, 0x41));
	assert_true(entry_low(r, 9) & RIRR);
}

static void level_pin_deasserted_before_eoi_is_not_redelivered(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[0];

	route(r, 9, 0, TRIG_LEVEL | 0x41);
	vioapic_set_irq(&r->io, 9, 1);
	vioapic_set_irq(&r->io, 9, 0); /* the handler quieted the device */
	assert_true(entry_low(r, 9) & RIRR);
	guest_eoi(r, l);
	assert_false(entry_low(r, 9) & RIRR);
	assert_false(irr_has(l, 0x41));
	vioapic_set_irq(&r->io, 9, 1);
	assert_true(irr_has(l, 0x41));
}

static void masked_edge_is_lost_and_masked_level_waits_for_unmask(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[0];

	route(r, 2, 0, MASKED | 0x32);
	route(r, 3, 0, MASKED | TRIG_LEVEL | 0x33);
	vioapic_set_irq(&r->io, 2, 1);
	vioapic_set_irq(&r->io, 3, 1);
	assert_int_equal(vlapic_pending_irq(l), -1);
	route(r, 2, 0, 0x32);
	route(r, 3, 0, TRIG_LEVEL | 0x33);
	assert_false(irr_has(l, 0x32)); /* the edge came while masked */
	assert_true(irr_has(l, 0x33));	/* the level is still there */
	assert_true(entry_low(r, 3) & RIRR);
	/* Masking after delivery changes nothing for the accepted interrupt. */
	route(r, 3, 0, MASKED | TRIG_LEVEL | 0x33);
	assert_true(irr_has(l, 0x33));
	guest_eoi(r, l);
	assert_int_equal(vlapic_pending_irq(l), -1); /* masked: not re-delivered */
	route(r, 3, 0, TRIG_LEVEL | 0x33);
	assert_true(irr_has(l, 0x33));
}

static void physical_destination_reaches_one_vlapic(void **state)
{
	struct rig *r = *state;

	route(r, 5, 1, 0x50);
	vioapic_set_irq(&r->io, 5, 1);
	assert_int_equal(irr_mask(r->d, 0x50), 0x2);
	route(r, 6, 3, 0x51);
	vioapic_set_irq(&r->io, 6, 1);
	assert_int_equal(irr_mask(r->d, 0x51), 0x8);
	route(r, 7, 9, TRIG_LEVEL | 0x52); /* no such APIC ID */
	vioapic_set_irq(&r->io, 7, 1);
	assert_int_equal(irr_mask(r->d, 0x52), 0);
	assert_false(entry_low(r, 7) & RIRR); /* nobody accepted it */
}

static void physical_broadcast_reaches_every_vlapic(void **state)
{
	struct rig *r = *state;

	route(r, 5, 0xff, 0x50);
	vioapic_set_irq(&r->io, 5, 1);
	assert_int_equal(irr_mask(r->d, 0x50), 0xf);
}

static void logical_flat_and_cluster_destinations(void **state)
{
	struct rig *r = *state;

	for (int i = 0; i < NR; i++)
		wr(&r->d->apic[i], LDR, (1u << i) << 24);
	route(r, 5, 0x0a, LOGICAL | 0x50); /* flat: bits 1 and 3 */
	vioapic_set_irq(&r->io, 5, 1);
	assert_int_equal(irr_mask(r->d, 0x50), 0xa);
	for (int i = 0; i < NR; i++) {
		wr(&r->d->apic[i], DFR, 0x0fffffff); /* cluster model */
		wr(&r->d->apic[i], LDR, (uint32_t)(i / 2 + 1) << 28 | 1u << (24 + i % 2));
	}
	route(r, 6, 0x21, LOGICAL | 0x51); /* cluster 2, member bit 0: vLAPIC 2 */
	vioapic_set_irq(&r->io, 6, 1);
	assert_int_equal(irr_mask(r->d, 0x51), 0x4);
	route(r, 7, 0x00, LOGICAL | 0x52); /* an empty set */
	vioapic_set_irq(&r->io, 7, 1);
	assert_int_equal(irr_mask(r->d, 0x52), 0);
}

static void lowest_priority_goes_to_the_first_enabled_match(void **state)
{
	struct rig *r = *state;

	wr(&r->d->apic[0], SVR, 0xff); /* software-disabled */
	route(r, 5, 0xff, DM_LOWPRI | 0x50);
	vioapic_set_irq(&r->io, 5, 1);
	assert_int_equal(irr_mask(r->d, 0x50), 0x2);
	for (int i = 0; i < NR; i++)
		wr(&r->d->apic[i], LDR, (1u << i) << 24);
	route(r, 6, 0x0c, LOGICAL | DM_LOWPRI | 0x51);
	vioapic_set_irq(&r->io, 6, 1);
	assert_int_equal(irr_mask(r->d, 0x51), 0x4);
}

static void nmi_mode_sets_pending_nmi_and_kicks(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[2];

	route(r, 8, 2, DM_NMI | TRIG_LEVEL | 0x99); /* NMI is edge whatever the entry says */
	vioapic_set_irq(&r->io, 8, 1);
	assert_int_equal(r->d->kicks[2], 1);
	assert_int_equal(vlapic_take_nmi(l), 1);
	assert_int_equal(vlapic_pending_irq(l), -1);
	assert_false(entry_low(r, 8) & RIRR);
	vioapic_set_irq(&r->io, 8, 1); /* held: no second NMI */
	assert_int_equal(vlapic_take_nmi(l), 0);
	vioapic_set_irq(&r->io, 8, 0);
	vioapic_set_irq(&r->io, 8, 1);
	assert_int_equal(vlapic_take_nmi(l), 1);
	assert_int_equal(vlapic_take_nmi(&r->d->apic[0]), 0);
}

static void extint_smi_and_init_modes_deliver_nothing(void **state)
{
	struct rig *r = *state;
	const uint32_t modes[] = { DM_SMI, DM_INIT, DM_SIPI, DM_EXTINT };

	for (unsigned int i = 0; i < 4; i++) {
		route(r, i, 0xff, modes[i] | 0x60);
		vioapic_set_irq(&r->io, i, 1);
	}
	assert_int_equal(irr_mask(r->d, 0x60), 0);
	for (int i = 0; i < NR; i++) {
		assert_int_equal(r->d->kicks[i], 0);
		assert_false(vlapic_has_event(&r->d->apic[i]));
	}
}

static void eoi_clears_remote_irr_of_every_pin_sharing_the_vector(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[0];

	route(r, 10, 0, TRIG_LEVEL | 0x70);
	route(r, 11, 0, TRIG_LEVEL | 0x70);
	route(r, 12, 0, TRIG_LEVEL | 0x60);
	vioapic_set_irq(&r->io, 10, 1);
	vioapic_set_irq(&r->io, 11, 1);
	vioapic_set_irq(&r->io, 12, 1);
	assert_true(entry_low(r, 10) & RIRR);
	assert_true(entry_low(r, 11) & RIRR);
	vioapic_set_irq(&r->io, 11, 0);
	guest_eoi(r, l); /* takes and ends 0x70, the highest */
	assert_false(entry_low(r, 11) & RIRR);
	assert_true(entry_low(r, 10) & RIRR); /* pin 10 is still up: sent again */
	assert_true(irr_has(l, 0x70));
	assert_true(entry_low(r, 12) & RIRR); /* another vector: untouched */
}

static void switching_to_edge_clears_remote_irr(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[0];

	/* Linux without an EOI register (version < 0x20): mask and edge, then restore. */
	route(r, 9, 0, TRIG_LEVEL | 0x41);
	vioapic_set_irq(&r->io, 9, 1);
	vlapic_ack_irq(l, 0x41);
	assert_true(entry_low(r, 9) & RIRR);
	route(r, 9, 0, MASKED | 0x41);
	assert_int_equal(entry_low(r, 9), MASKED | 0x41);
	route(r, 9, 0, TRIG_LEVEL | 0x41);
	assert_true(irr_has(l, 0x41)); /* still asserted: delivered again */
	assert_true(entry_low(r, 9) & RIRR);
}

static void x2apic_vlapic_takes_the_destination_as_its_id(void **state)
{
	struct rig *r = *state;

	to_x2apic(&r->d->apic[3]);
	route(r, 5, 3, 0x50);
	vioapic_set_irq(&r->io, 5, 1);
	assert_int_equal(vlapic_pending_irq(&r->d->apic[3]), 0x50);
	assert_int_equal(irr_mask(r->d, 0x50), 0); /* the xAPICs, and MMIO reads 0 in x2APIC */
	route(r, 6, 0xff, 0x61);
	vioapic_set_irq(&r->io, 6, 1);
	assert_int_equal(irr_mask(r->d, 0x61), 0x7);
	assert_int_equal(vlapic_pending_irq(&r->d->apic[3]), 0x61);
}

static void level_interrupt_nobody_accepts_is_sent_again_later(void **state)
{
	struct rig *r = *state;
	struct vlapic *l = &r->d->apic[1];

	wr(l, SVR, 0xff); /* software-disabled: drops fixed interrupts */
	route(r, 9, 1, TRIG_LEVEL | 0x41);
	vioapic_set_irq(&r->io, 9, 1);
	assert_false(entry_low(r, 9) & RIRR);
	enable(l);
	vioapic_set_irq(&r->io, 9, 1); /* the line is sampled again */
	assert_true(irr_has(l, 0x41));
	assert_true(entry_low(r, 9) & RIRR);
	/* An illegal vector reaches the vLAPIC as an error, and is not accepted. */
	route(r, 10, 1, TRIG_LEVEL | 0x05);
	vioapic_set_irq(&r->io, 10, 1);
	assert_false(entry_low(r, 10) & RIRR);
	assert_int_equal(latch_esr(l), 0x40);
}

static void out_of_range_pins_are_ignored(void **state)
{
	struct rig *r = *state;

	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		route(r, pin, 0xff, TRIG_LEVEL | 0x80);
	vioapic_set_irq(&r->io, VIOAPIC_PINS, 1);
	vioapic_set_irq(&r->io, 1000, 1);
	vioapic_set_irq(&r->io, ~0u, 1);
	assert_int_equal(r->io.pin_level, 0);
	assert_int_equal(irr_mask(r->d, 0x80), 0);
	vioapic_eoi(&r->io, 0x80); /* nothing asserted: nothing sent */
	assert_int_equal(irr_mask(r->d, 0x80), 0);
}

static void hostile_accesses_are_harmless(void **state)
{
	struct rig *r = *state;
	const uint32_t bad_idx[] = { 0x03, 0x0f, 0x40, 0x41, 0x80, 0xff };
	const uint32_t bad_off[] = { 0x01, 0x04, 0x0c, 0x14, 0x20, 0x40, 0xffc, 0x1000, ~0u };
	const unsigned int sizes[] = { 0, 1, 2, 3, 8, 16 };
	uint64_t redir[VIOAPIC_PINS], v;

	route(r, 0, 1, MASKED | 0x30);
	io_wr(r, IOREGSEL, REDTBL);
	memcpy(redir, r->io.redir, sizeof(redir));
	for (unsigned int i = 0; i < sizeof(bad_idx) / sizeof(bad_idx[0]); i++) {
		assert_int_equal(reg(r, bad_idx[i]), 0);
		set_reg(r, bad_idx[i], 0xffffffff);
	}
	io_wr(r, IOREGSEL, REDTBL);
	for (unsigned int i = 0; i < sizeof(bad_off) / sizeof(bad_off[0]); i++) {
		assert_int_equal(io_rd(r, bad_off[i]), 0);
		io_wr(r, bad_off[i], 0xffffffff);
	}
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = 0xdead;
		assert_int_equal(vioapic_mmio_read(&r->io, IOWIN, sizes[i], &v), 0);
		assert_int_equal(v, 0);
		assert_int_equal(vioapic_mmio_write(&r->io, IOWIN, sizes[i], ~0ull), 0);
		assert_int_equal(vioapic_mmio_write(&r->io, IOREGSEL, sizes[i], 0x01), 0);
	}
	assert_memory_equal(redir, r->io.redir, sizeof(redir));
	assert_int_equal(r->io.id, 2);
	assert_int_equal(r->io.ioregsel, REDTBL);
	assert_int_equal(r->io.pin_level, 0);
	assert_int_equal(irr_mask(r->d, 0x30), 0);
}

int main(void)
{
#define R(f) cmocka_unit_test_setup_teardown(f, rig_setup, rig_teardown)
	const struct CMUnitTest tests[] = {
		R(reset_masks_every_pin_and_reports_version_0x11_with_23_entries),
		R(ioregsel_selects_what_iowin_reads_and_writes),
		R(id_is_four_bits_and_arbitration_reads_it),
		R(delivery_status_and_remote_irr_ignore_writes),
		R(polarity_is_reported_but_lines_are_logical),
		R(edge_pin_delivers_once_per_rising_edge),
		R(level_pin_holds_remote_irr_until_eoi_then_redelivers),
		R(level_pin_deasserted_before_eoi_is_not_redelivered),
		R(masked_edge_is_lost_and_masked_level_waits_for_unmask),
		R(physical_destination_reaches_one_vlapic),
		R(physical_broadcast_reaches_every_vlapic),
		R(logical_flat_and_cluster_destinations),
		R(lowest_priority_goes_to_the_first_enabled_match),
		R(nmi_mode_sets_pending_nmi_and_kicks),
		R(extint_smi_and_init_modes_deliver_nothing),
		R(eoi_clears_remote_irr_of_every_pin_sharing_the_vector),
		R(switching_to_edge_clears_remote_irr),
		R(x2apic_vlapic_takes_the_destination_as_its_id),
		R(level_interrupt_nobody_accepts_is_sent_again_later),
		R(out_of_range_pins_are_ignored),
		R(hostile_accesses_are_harmless),
	};
#undef R

	return cmocka_run_group_tests(tests, NULL, NULL);
}
