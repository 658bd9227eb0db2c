/*
 * tests/unit/test_svm_clean.c: svm/svm_clean.c, the VMCB clean bits (AMD APM
 * vol. 2 §15.15.3, table 15-9): after a snapshot every group is clean, and a
 * change to one field clears exactly its group's bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svm/svm.h"

#define ALL_GROUPS 0x3ffu

static struct vmcb vmcb __attribute__((aligned(4096)));
static struct svm_vcpu sv = { .vmcb = &vmcb };

static void snap_fresh(void)
{
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.save.cr0 = 0x80000011;
	vmcb.ctl.asid = 1;
	svm_clean_snap(&sv);
}

static void unchanged_vmcb_is_all_clean(void **state)
{
	(void)state;
	snap_fresh();
	assert_int_equal(svm_clean_bits(&sv), ALL_GROUPS);
}

/* Fields outside every group (EVENTINJ, the exit code, RIP, RAX, TLB_CONTROL) are read
 * at every VMRUN anyway: changing them leaves every bit set. */
static void ungrouped_fields_leave_all_clean(void **state)
{
	(void)state;
	snap_fresh();
	vmcb.ctl.event_inj = 0x80000b0e;
	vmcb.ctl.tlb_control = 3;
	vmcb.ctl.int_shadow = 1;
	vmcb.save.rip = 0x1000;
	vmcb.save.rax = 42;
	vmcb.save.fs.base = 0x7000;
	assert_int_equal(svm_clean_bits(&sv), ALL_GROUPS);
}

struct one_change {
	const char *what;
	size_t off, len;
	unsigned int bit;
};

static const struct one_change changes[] = {
	{ "an intercept word", offsetof(struct vmcb, ctl.intercept_misc1), 4, 0 },
	{ "the pause count", offsetof(struct vmcb, ctl.pause_count), 2, 0 },
	{ "TSC_OFFSET", offsetof(struct vmcb, ctl.tsc_offset), 8, 0 },
	{ "MSRPM_BASE_PA", offsetof(struct vmcb, ctl.msrpm_base), 8, 1 },
	{ "the ASID", offsetof(struct vmcb, ctl.asid), 4, 2 },
	{ "V_IRQ", offsetof(struct vmcb, ctl.vintr), 8, 3 },
	{ "N_CR3", offsetof(struct vmcb, ctl.n_cr3), 8, 4 },
	{ "G_PAT", offsetof(struct vmcb, save.g_pat), 8, 4 },
	{ "EFER", offsetof(struct vmcb, save.efer), 8, 5 },
	{ "CR4", offsetof(struct vmcb, save.cr4), 8, 5 },
	{ "CR0", offsetof(struct vmcb, save.cr0), 8, 5 },
	{ "DR7", offsetof(struct vmcb, save.dr7), 8, 6 },
	{ "the IDTR", offsetof(struct vmcb, save.idtr), 16, 7 },
	{ "CS", offsetof(struct vmcb, save.cs), 16, 8 },
	{ "the CPL", offsetof(struct vmcb, save.cpl), 1, 8 },
	{ "CR2", offsetof(struct vmcb, save.cr2), 8, 9 },
};

static void each_change_clears_its_group_only(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		const struct one_change *c = &changes[i];

		snap_fresh();
		((uint8_t *)&vmcb)[c->off + c->len - 1] ^= 0x5a;
		if (svm_clean_bits(&sv) != (ALL_GROUPS & ~(1u << c->bit)))
			fail_msg("%s: clean bits %#x, want %#x", c->what, svm_clean_bits(&sv),
				 ALL_GROUPS & ~(1u << c->bit));
	}
}

/* A change written back to what the snapshot holds is no change. */
static void a_value_put_back_is_clean(void **state)
{
	(void)state;
	snap_fresh();
	vmcb.save.cr0 = 0x80000031;
	vmcb.save.cr0 = 0x80000011;
	assert_int_equal(svm_clean_bits(&sv), ALL_GROUPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unchanged_vmcb_is_all_clean),
		cmocka_unit_test(ungrouped_fields_leave_all_clean),
		cmocka_unit_test(each_change_clears_its_group_only),
		cmocka_unit_test(a_value_put_back_is_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
