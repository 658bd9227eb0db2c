/*
 * tests/unit/test_vlapic.c: kernel/vlapic.c, the virtual local APIC's registers,
 * priorities and IPIs, driven through its xAPIC page and x2APIC MSRs the way a
 * guest does, in the fake four-vCPU domain of test_vlapic_rig.h. Values from
 * Intel SDM vol. 3A chapter 11; the timer is in test_vlapic_timer.c.
 */
#include "tests/unit/test_vlapic_rig.h"

static void reset_values_match_the_sdm(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[2];

	assert_int_equal(rd(l, ID), 2u << 24);
	assert_int_equal(rd(l, VER), 0x00060014); /* version 0x14, max LVT 6 (CMCI..error) */
	assert_int_equal(rd(l, TPR), 0);
	assert_int_equal(rd(l, APR), 0);
	assert_int_equal(rd(l, PPR), 0);
	assert_int_equal(rd(l, RRD), 0);
	assert_int_equal(rd(l, LDR), 0);
	assert_int_equal(rd(l, DFR), 0xffffffff);
	assert_int_equal(rd(l, SVR), 0xff);
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(rd(l, ISR + i * 16), 0);
		assert_int_equal(rd(l, TMR + i * 16), 0);
		assert_int_equal(rd(l, IRR + i * 16), 0);
	}
	assert_int_equal(rd(l, ESR), 0);
	assert_int_equal(rd(l, LVT_CMCI), MASKED);
	for (uint32_t off = LVT_TIMER; off <= LVT_ERROR; off += 16)
		assert_int_equal(rd(l, off), MASKED);
	assert_int_equal(rd(l, ICR), 0);
	assert_int_equal(rd(l, ICR2), 0);
	assert_int_equal(rd(l, TMICT), 0);
	assert_int_equal(rd(l, TMCCT), 0);
	assert_int_equal(rd(l, TDCR), 0);
	assert_int_equal(rdmsr(l, MSR_APIC_BASE), 0xfee00800);
	assert_int_equal(rdmsr(&d->apic[0], MSR_APIC_BASE), 0xfee00900);
	assert_int_equal(rdmsr(l, MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_mmio_base(l), 0xfee00000);
	assert_int_equal(vlapic_timer_next(l), 0);
	assert_int_equal(vlapic_pending_irq(l), -1);
	assert_false(vlapic_has_event(l));
	assert_int_equal(latch_esr(l), 0);
}

static void id_is_8_bits_high_in_xapic_and_32_bits_in_x2apic(void **state)
{
	struct dom *d = *state;
	struct vlapic l;

	vlapic_init(&l, &d->env, NULL, 0x35, 0);
	assert_int_equal(rd(&l, ID), 0x35000000);
	wr(&l, ID, 0x07000000); /* read-only here */
	assert_int_equal(rd(&l, ID), 0x35000000);
	wr(&l, LDR, 0x12345678);
	assert_int_equal(rd(&l, LDR), 0x12000000);
	to_x2apic(&l);
	assert_int_equal(rdmsr(&l, X2MSR(ID)), 0x35);
	assert_int_equal(rdmsr(&l, X2MSR(LDR)), 0x30020); /* cluster 3, bit 5 */
	assert_int_equal(rdmsr(&l, X2MSR(VER)), 0x00060014);
}

static void tpr_masks_vectors_of_its_priority_class_and_below(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[0];

	enable(l);
	vlapic_set_irq(l, 0x45, 0);
	assert_int_equal(vlapic_pending_irq(l), 0x45);
	wr(l, TPR, 0x40);
	assert_int_equal(rd(l, PPR), 0x40);
	assert_int_equal(vlapic_pending_irq(l), -1); /* same class is not above */
	assert_false(vlapic_has_event(l));
	wr(l, TPR, 0x3f);
	assert_int_equal(vlapic_pending_irq(l), 0x45);
	vlapic_set_irq(l, 0x51, 0);
	assert_int_equal(vlapic_pending_irq(l), 0x51);
	wr(l, TPR, 0x1ff); /* only bits 7:0 */
	assert_int_equal(rd(l, TPR), 0xff);
	assert_int_equal(vlapic_pending_irq(l), -1);
}

static void ack_moves_irr_to_isr_and_eoi_retires_the_highest(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[1];

	enable(l);
	vlapic_set_irq(l, 0x30, 0);
	vlapic_ack_irq(l, 0x30);
	assert_false(irr_has(l, 0x30));
	assert_true(isr_has(l, 0x30));
	assert_int_equal(rd(l, PPR), 0x30);
	vlapic_set_irq(l, 0x35, 0);
	assert_int_equal(vlapic_pending_irq(l), -1); /* same class as in service */
	vlapic_set_irq(l, 0x60, 0);
	assert_int_equal(vlapic_pending_irq(l), 0x60);
	vlapic_ack_irq(l, 0x60); /* nests above 0x30 */
	assert_int_equal(rd(l, PPR), 0x60);
	wr(l, TPR, 0x70);
	assert_int_equal(rd(l, PPR), 0x70); /* TPR above ISR class */
	wr(l, TPR, 0);
	wr(l, EOI, 0);
	assert_false(isr_has(l, 0x60));
	assert_true(isr_has(l, 0x30));
	assert_int_equal(rd(l, PPR), 0x30);
	assert_int_equal(vlapic_pending_irq(l), -1);
	wr(l, EOI, 0);
	assert_int_equal(rd(l, PPR), 0);
	assert_int_equal(vlapic_pending_irq(l), 0x35);
	wr(l, EOI, 0); /* nothing in service: no effect */
	assert_int_equal(vlapic_pending_irq(l), 0x35);
}

static void eoi_of_a_level_vector_goes_to_eoi_level(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[0];

	enable(l);
	vlapic_set_irq(l, 0x71, 1);
	assert_int_equal(rd(l, TMR + 3 * 16), 1u << 17);
	take_and_eoi(l);
	assert_int_equal(d->eoi_count, 1);
	assert_int_equal(d->eoi_log[0], 0x71);
	vlapic_set_irq(l, 0x71, 0); /* now edge: TMR cleared, no EOI message */
	assert_int_equal(rd(l, TMR + 3 * 16), 0);
	take_and_eoi(l);
	assert_int_equal(d->eoi_count, 1);
	d->env.eoi_level = NULL; /* optional */
	vlapic_set_irq(l, 0x72, 1);
	take_and_eoi(l);
}

static void set_irq_raises_irr_and_kicks(void **state)
{
	struct dom *d = *state;

	enable(&d->apic[3]);
	vlapic_set_irq(&d->apic[3], 0x99, 0);
	assert_true(irr_has(&d->apic[3], 0x99));
	assert_int_equal(d->kicks[3], 1);
	assert_true(vlapic_has_event(&d->apic[3]));
	d->env.kick = NULL; /* optional */
	vlapic_set_irq(&d->apic[3], 0x9a, 0);
	assert_true(irr_has(&d->apic[3], 0x9a));
}

static void illegal_vectors_set_esr_and_are_dropped(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[0];

	enable(l);
	enable(&d->apic[1]);
	vlapic_set_irq(l, 15, 0);
	assert_int_equal(vlapic_pending_irq(l), -1);
	assert_int_equal(rd(l, ESR), 0); /* not until ESR is written */
	assert_int_equal(latch_esr(l), 0x40);
	assert_int_equal(latch_esr(l), 0);
	send_ipi(l, 1, DM_FIXED | 3);
	assert_int_equal(latch_esr(l), 0x20); /* send illegal vector */
	assert_int_equal(irr_mask(d, 3), 0);
	wr(l, LVT_ERROR, 0xee); /* the error interrupt */
	vlapic_set_irq(l, 0, 0);
	assert_int_equal(vlapic_pending_irq(l), 0xee);
	assert_int_equal(latch_esr(l), 0x40);
}

static void undefined_mmio_accesses_read_zero_and_set_esr(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[0];
	static const uint32_t bad[] = { 0x0,   0x10,  0x40,  0x70,  0x290, 0x2e0,
					0x3a0, 0x3d0, 0x3f0, 0x400, 0xff0, 0x84 };
	uint64_t v;

	enable(l);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wr(l, bad[i], 0xffffffff);
		assert_int_equal(rd(l, bad[i]), 0);
		assert_int_equal(latch_esr(l), 0x80);
	}
	assert_int_equal(vlapic_mmio_write(l, TPR, 1, 0x20), 0); /* not 32 bits */
	assert_int_equal(vlapic_mmio_read(l, TPR, 8, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rd(l, TPR), 0);
	assert_int_equal(latch_esr(l), 0x80);
	assert_int_equal(rd(l, EOI), 0); /* write-only: no error */
	assert_int_equal(latch_esr(l), 0);
}

static void read_only_registers_ignore_mmio_writes(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[1];

	enable(l);
	vlapic_set_irq(l, 0x40, 0);
	wr(l, VER, 0);
	wr(l, PPR, 0xf0);
	wr(l, APR, 0xf0);
	wr(l, IRR + 2 * 16, 0);
	wr(l, ISR + 2 * 16, 0xffffffff);
	wr(l, TMCCT, 5);
	assert_int_equal(rd(l, VER), 0x00060014);
	assert_int_equal(rd(l, PPR), 0);
	assert_int_equal(rd(l, APR), 0);
	assert_int_equal(rd(l, IRR + 2 * 16), 1);
	assert_int_equal(rd(l, ISR + 2 * 16), 0);
	assert_int_equal(rd(l, TMCCT), 0);
	assert_int_equal(latch_esr(l), 0);
	wr(l, DFR, 0);
	assert_int_equal(rd(l, DFR), 0x0fffffff); /* model bits only */
	wr(l, LVT_CMCI, 0xffffffff);
	assert_int_equal(rd(l, LVT_CMCI), 0x107ff);
}

static void x2apic_is_entered_through_apic_base(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[1];

	enable(l);
	wr(l, TPR, 0x20);
	assert_int_equal(vlapic_msr_read(l, X2MSR(TPR), &(uint64_t){ 0 }), -EINVAL);
	wrmsr(l, MSR_APIC_BASE, 0xfee00000 | BASE_EN | BASE_EXTD);
	assert_int_equal(rdmsr(l, MSR_APIC_BASE), 0xfee00c00);
	assert_int_equal(vlapic_mmio_base(l), 0);
	assert_int_equal(rd(l, TPR), 0);	      /* the page is not decoded */
	assert_int_equal(rdmsr(l, X2MSR(TPR)), 0x20); /* state kept */
	wrmsr(l, X2MSR(TPR), 0x30);
	assert_int_equal(rdmsr(l, X2MSR(PPR)), 0x30);
	wrmsr(l, X2MSR(ESR), 0);
	assert_int_equal(rdmsr(l, X2MSR(ESR)), 0);
}

static void invalid_apic_base_writes_raise_gp(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[0];
	uint64_t base = 0xfee00000 | BASE_EN | BASE_BSP;

	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, base | 1), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, base | 0x200), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, base | 1ull << 36), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, 0xfee00000 | BASE_EXTD), -EINVAL);
	wrmsr(l, MSR_APIC_BASE, base | BASE_EXTD);
	/* x2APIC to xAPIC directly, and x2APIC to the invalid state. */
	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, base), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, 0xfee00000 | BASE_EXTD), -EINVAL);
	assert_int_equal(rdmsr(l, MSR_APIC_BASE), base | BASE_EXTD);
	wrmsr(l, MSR_APIC_BASE, 0xfee00000); /* to disabled */
	/* From disabled only xAPIC is valid (SDM 11.12.5). */
	assert_int_equal(vlapic_msr_write(l, MSR_APIC_BASE, base | BASE_EXTD), -EINVAL);
	wrmsr(l, MSR_APIC_BASE, 0xfee00000 | BASE_EN);
	assert_int_equal(rdmsr(l, MSR_APIC_BASE), base); /* BSP is not writable */
	assert_int_equal(rd(l, ID), 0);
}

static void x2apic_msrs_that_do_not_exist_or_are_read_only_raise_gp(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[2];
	static const uint32_t absent[] = { 0x800, 0x801, 0x804, 0x809, 0x80c, 0x80e, 0x829,
					   0x82e, 0x831, 0x83a, 0x83d, 0x840, 0x8ff };
	static const uint32_t read_only[] = { 0x802, 0x803, 0x80a, 0x80d, 0x810,
					      0x818, 0x820, 0x827, 0x839 };
	uint64_t v;

	to_x2apic(l);
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		assert_int_equal(vlapic_msr_read(l, absent[i], &v), -EINVAL);
		assert_int_equal(vlapic_msr_write(l, absent[i], 0), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++) {
		assert_int_equal(vlapic_msr_read(l, read_only[i], &v), 0);
		assert_int_equal(vlapic_msr_write(l, read_only[i], 0), -EINVAL);
	}
	/* Write-only EOI and SELF IPI; reserved bits in EOI, ESR, SELF IPI, upper halves. */
	assert_int_equal(vlapic_msr_read(l, X2MSR(EOI), &v), -EINVAL);
	assert_int_equal(vlapic_msr_read(l, 0x83f, &v), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, X2MSR(EOI), 1), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, X2MSR(ESR), 1), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, 0x83f, 0x100), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, X2MSR(TPR), 1ull << 32), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, X2MSR(EOI), 0), 0);
	/* Not APIC MSRs at all. */
	assert_int_equal(vlapic_msr_read(l, 0x10, &v), -ENOENT);
	assert_int_equal(vlapic_msr_write(l, 0x7ff, 0), -ENOENT);
	assert_int_equal(vlapic_msr_read(l, 0x900, &v), -ENOENT);
}

static void x2apic_msrs_raise_gp_in_xapic_mode(void **state)
{
	struct vlapic *l = &((struct dom *)*state)->apic[2];
	uint64_t v;

	assert_int_equal(vlapic_msr_read(l, X2MSR(ID), &v), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, X2MSR(TPR), 0x10), -EINVAL);
	assert_int_equal(vlapic_msr_write(l, 0x830, 0), -EINVAL);
	assert_int_equal(rd(l, TPR), 0);
}

static void fixed_ipi_to_one_physical_destination(void **state)
{
	struct dom *d = *state;

	enable_all(d);
	send_ipi(&d->apic[0], 2, DM_FIXED | 0x40);
	assert_int_equal(irr_mask(d, 0x40), 1u << 2);
	assert_int_equal(d->kicks[2], 1);
	assert_int_equal(d->kicks[1] + d->kicks[3], 0);
	assert_int_equal(rd(&d->apic[0], ICR), 0x40); /* delivery status idle */
	send_ipi(&d->apic[0], 9, DM_FIXED | 0x41);    /* nobody */
	assert_int_equal(irr_mask(d, 0x41), 0);
}

static void ipi_broadcast_and_shorthands(void **state)
{
	struct dom *d = *state;

	enable_all(d);
	send_ipi(&d->apic[1], 0xff, DM_FIXED | 0x50);
	assert_int_equal(irr_mask(d, 0x50), 0xf);
	send_ipi(&d->apic[1], 0, SH_OTHERS | 0x51);
	assert_int_equal(irr_mask(d, 0x51), 0xd);
	send_ipi(&d->apic[1], 0, SH_ALL | 0x52);
	assert_int_equal(irr_mask(d, 0x52), 0xf);
	send_ipi(&d->apic[1], 3, SH_SELF | 0x53); /* the destination field is ignored */
	assert_int_equal(irr_mask(d, 0x53), 0x2);
	send_ipi(&d->apic[1], 0xff, DM_SMI | 0x54);
	assert_int_equal(irr_mask(d, 0x54), 0);
}

static void logical_flat_and_cluster_destinations(void **state)
{
	struct dom *d = *state;

	enable_all(d);
	for (int i = 0; i < NR; i++)
		wr(&d->apic[i], LDR, 1u << (24 + i));
	send_ipi(&d->apic[0], 0x06, LOGICAL | 0x60);
	assert_int_equal(irr_mask(d, 0x60), 0x6);
	send_ipi(&d->apic[0], 0xff, LOGICAL | 0x61);
	assert_int_equal(irr_mask(d, 0x61), 0xf);
	send_ipi(&d->apic[0], 0x0c, LOGICAL | DM_LOWPRI | 0x62); /* first match only */
	assert_int_equal(irr_mask(d, 0x62), 0x4);
	/* Cluster model: clusters 1 and 2, two members each. */
	static const uint32_t ldr[NR] = { 0x11, 0x12, 0x21, 0x22 };
	for (int i = 0; i < NR; i++) {
		wr(&d->apic[i], DFR, 0x0fffffff);
		wr(&d->apic[i], LDR, ldr[i] << 24);
	}
	send_ipi(&d->apic[0], 0x13, LOGICAL | 0x63);
	assert_int_equal(irr_mask(d, 0x63), 0x3);
	send_ipi(&d->apic[0], 0x22, LOGICAL | 0x64);
	assert_int_equal(irr_mask(d, 0x64), 0x8);
	send_ipi(&d->apic[0], 0x31, LOGICAL | 0x65);
	assert_int_equal(irr_mask(d, 0x65), 0);
	send_ipi(&d->apic[0], 0xff, LOGICAL | 0x66);
	assert_int_equal(irr_mask(d, 0x66), 0xf);
}

static void x2apic_ipis_use_32_bit_destinations(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[3];

	for (int i = 0; i < NR; i++)
		to_x2apic(&d->apic[i]);
	wrmsr(l, 0x830, 2ull << 32 | 0x70);
	assert_int_equal(rdmsr(l, 0x830), 2ull << 32 | 0x70);
	wrmsr(l, 0x830, 0x102ull << 32 | 0x71); /* ID 0x102 does not exist */
	wrmsr(l, 0x830, 0xffffffffull << 32 | 0x72);
	/* Logical: cluster 0, members 0 and 2; then cluster 1, which is empty. */
	wrmsr(l, 0x830, 0x5ull << 32 | LOGICAL | 0x73);
	wrmsr(l, 0x830, 0x10005ull << 32 | LOGICAL | 0x74);
	wrmsr(l, 0x83f, 0x75);
	unsigned int m70 = 0, m71 = 0, m72 = 0, m73 = 0, m74 = 0, m75 = 0;
	for (int i = 0; i < NR; i++) {
		struct vlapic *t = &d->apic[i];
		uint64_t irr = rdmsr(t, X2MSR(IRR) + 3);

		m70 |= (unsigned int)(irr >> 16 & 1) << i;
		m71 |= (unsigned int)(irr >> 17 & 1) << i;
		m72 |= (unsigned int)(irr >> 18 & 1) << i;
		m73 |= (unsigned int)(irr >> 19 & 1) << i;
		m74 |= (unsigned int)(irr >> 20 & 1) << i;
		m75 |= (unsigned int)(irr >> 21 & 1) << i;
	}
	assert_int_equal(m70, 0x4);
	assert_int_equal(m71, 0);
	assert_int_equal(m72, 0xf);
	assert_int_equal(m73, 0x5);
	assert_int_equal(m74, 0);
	assert_int_equal(m75, 0x8);
}

static void nmi_init_and_sipi_are_flags_with_a_kick(void **state)
{
	struct dom *d = *state;
	struct vlapic *bsp = &d->apic[0], *ap = &d->apic[1];

	send_ipi(bsp, 1, DM_NMI);
	assert_int_equal(d->kicks[1], 1);
	assert_true(vlapic_has_event(ap));
	assert_int_equal(vlapic_take_nmi(ap), 1);
	assert_int_equal(vlapic_take_nmi(ap), 0);
	assert_false(vlapic_has_event(ap));
	/* Linux's wakeup_secondary_cpu_via_init: INIT assert, INIT de-assert, SIPI, SIPI. */
	send_ipi(bsp, 1, DM_INIT | ASSERT | TRIG_LEVEL);
	send_ipi(bsp, 1, DM_INIT | TRIG_LEVEL);
	send_ipi(bsp, 1, DM_SIPI | 0x9a);
	assert_int_equal(d->kicks[1], 3);
	assert_int_equal(vlapic_take_init(ap), 1);
	assert_int_equal(vlapic_take_init(ap), 0);
	vlapic_reset_init(ap); /* the SIPI that came right after the INIT survives */
	assert_int_equal(vlapic_take_sipi(ap), 0x9a);
	assert_int_equal(vlapic_take_sipi(ap), -1);
	assert_false(vlapic_has_event(&d->apic[2]));
}

static void init_level_deassert_is_ignored(void **state)
{
	struct dom *d = *state;

	send_ipi(&d->apic[0], 0, SH_ALL | DM_INIT | TRIG_LEVEL);
	for (int i = 0; i < NR; i++) {
		assert_int_equal(vlapic_take_init(&d->apic[i]), 0);
		assert_int_equal(d->kicks[i], 0);
	}
}

static void init_reset_keeps_id_and_apic_base(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[3];

	to_x2apic(l);
	wrmsr(l, X2MSR(TPR), 0x40);
	wrmsr(l, X2MSR(LVT_TIMER), 0x30);
	vlapic_set_irq(l, 0x80, 0);
	vlapic_reset_init(l);
	assert_int_equal(rdmsr(l, MSR_APIC_BASE), 0xfee00c00);
	assert_int_equal(rdmsr(l, X2MSR(ID)), 3);
	assert_int_equal(rdmsr(l, X2MSR(LDR)), 0x8);
	assert_int_equal(rdmsr(l, X2MSR(TPR)), 0);
	assert_int_equal(rdmsr(l, X2MSR(SVR)), 0xff);
	assert_int_equal(rdmsr(l, X2MSR(LVT_TIMER)), MASKED);
	assert_int_equal(vlapic_pending_irq(l), -1);
}

static void software_disable_drops_fixed_interrupts_and_masks_lvts(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[1];

	vlapic_set_irq(l, 0x40, 0); /* software-disabled since reset */
	assert_int_equal(vlapic_pending_irq(l), -1);
	assert_int_equal(d->kicks[1], 0);
	enable(l);
	wr(l, LVT_TIMER, 0x30);
	wr(l, LVT_ERROR, 0x31);
	assert_int_equal(rd(l, LVT_TIMER), 0x30);
	wr(l, SVR, 0xff);
	assert_int_equal(rd(l, LVT_TIMER), MASKED | 0x30);
	assert_int_equal(rd(l, LVT_ERROR), MASKED | 0x31);
	wr(l, LVT_TIMER, 0x30);
	assert_int_equal(rd(l, LVT_TIMER), MASKED | 0x30);
	vlapic_set_irq(l, 0x40, 0);
	assert_int_equal(vlapic_pending_irq(l), -1);
	send_ipi(&d->apic[0], 1, DM_NMI); /* NMI, INIT, SIPI still arrive */
	assert_int_equal(vlapic_take_nmi(l), 1);
}

static void apic_base_moves_the_page_and_clearing_en_disables(void **state)
{
	struct dom *d = *state;
	struct vlapic *l = &d->apic[2];

	enable(l);
	wr(l, TPR, 0x50);
	wrmsr(l, MSR_APIC_BASE, 0xfec00000 | BASE_EN);
	assert_int_equal(vlapic_mmio_base(l), 0xfec00000);
	assert_int_equal(rd(l, TPR), 0x50);
	wrmsr(l, MSR_APIC_BASE, 0x1fec00000ull | BASE_EN); /* above 4 GiB, below 2^36 */
	assert_int_equal(vlapic_mmio_base(l), 0x1fec00000ull);
	wrmsr(l, MSR_APIC_BASE, 0xfee00000);
	assert_int_equal(vlapic_mmio_base(l), 0);
	assert_int_equal(rd(l, SVR), 0);
	vlapic_set_irq(l, 0x40, 0);
	assert_int_equal(vlapic_pending_irq(l), -1);
	wrmsr(l, MSR_APIC_BASE, 0xfee00000 | BASE_EN); /* back in power-up state */
	assert_int_equal(rd(l, SVR), 0xff);
	assert_int_equal(rd(l, TPR), 0);
	assert_int_equal(rd(l, ID), 2u << 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reset_values_match_the_sdm),
		T(id_is_8_bits_high_in_xapic_and_32_bits_in_x2apic),
		T(tpr_masks_vectors_of_its_priority_class_and_below),
		T(ack_moves_irr_to_isr_and_eoi_retires_the_highest),
		T(eoi_of_a_level_vector_goes_to_eoi_level),
		T(set_irq_raises_irr_and_kicks),
		T(illegal_vectors_set_esr_and_are_dropped),
		T(undefined_mmio_accesses_read_zero_and_set_esr),
		T(read_only_registers_ignore_mmio_writes),
		T(x2apic_is_entered_through_apic_base),
		T(invalid_apic_base_writes_raise_gp),
		T(x2apic_msrs_that_do_not_exist_or_are_read_only_raise_gp),
		T(x2apic_msrs_raise_gp_in_xapic_mode),
		T(fixed_ipi_to_one_physical_destination),
		T(ipi_broadcast_and_shorthands),
		T(logical_flat_and_cluster_destinations),
		T(x2apic_ipis_use_32_bit_destinations),
		T(nmi_init_and_sipi_are_flags_with_a_kick),
		T(init_level_deassert_is_ignored),
		T(init_reset_keeps_id_and_apic_base),
		T(software_disable_drops_fixed_interrupts_and_masks_lvts),
		T(apic_base_moves_the_page_and_clearing_en_disables),
	};

	return cmocka_run_group_tests_name("test_vlapic", tests, NULL, NULL);
}
