/*
 * tests/unit/test_vmx_caps.c: vmx/vmx_caps.c, the names of what the VMX
 * capability MSRs offer (Intel SDM vol. 3D A.3, A.10) and the INVEPT/INVVPID
 * types chosen from IA32_VMX_EPT_VPID_CAP (vol. 2B "INVEPT", "INVVPID"). The
 * secondary word and the EPT/VPID capabilities are those Bochs 2.7's
 * corei7_skylake_x reports (PLATFORMS.md §2); the pin-based and
 * primary words are examples with every bit but "activate tertiary controls".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx/vmx_caps.h"

#define SKX_PROC2 0x02177fffu
#define SKX_EPT_VPID 0x00000f0106334141ull

static const struct vmx_offer skx = {
	.pin = 0x7f, /* virtual NMIs, the preemption timer; no posted interrupts */
	.proc = 0xfff9fffeu & ~(1u << 17),
	.proc2 = SKX_PROC2,
	.ept_vpid = SKX_EPT_VPID,
};

static void skylake_controls_are_named(void **state)
{
	char line[400];

	(void)state;
	vmx_offer_controls(&skx, line, sizeof(line));
	assert_string_equal(line,
			    " virtual-NMIs preemption-timer TSC-offsetting TPR-shadow"
			    " monitor-trap-flag APIC-access EPT RDTSCP x2APIC-virt VPID"
			    " unrestricted-guest APIC-register-virt virtual-interrupt-delivery"
			    " PAUSE-loop-exiting INVPCID VM-functions VMCS-shadowing PML EPT-#VE"
			    " XSAVES TSC-scaling");
}

static void skylake_ept_vpid_caps_are_named(void **state)
{
	char line[400];

	(void)state;
	vmx_offer_ept_vpid(&skx, line, sizeof(line));
	assert_string_equal(line, " execute-only 4-level WB 2M-pages 1G-pages accessed-dirty"
				  " INVEPT-single INVEPT-all INVVPID-single INVVPID-all");
}

/* The secondary and tertiary words count only where the primary word offers them. */
static void secondary_and_tertiary_need_their_primary_bit(void **state)
{
	struct vmx_offer o = { .proc = 0, .proc2 = SKX_PROC2, .proc3 = 1u << 4 };
	char line[400];

	(void)state;
	vmx_offer_controls(&o, line, sizeof(line));
	assert_string_equal(line, "");
	o.proc = 1u << 17;
	vmx_offer_controls(&o, line, sizeof(line));
	assert_string_equal(line, " IPI-virt");
}

static void a_short_buffer_stays_terminated(void **state)
{
	char line[16];

	(void)state;
	memset(line, 'x', sizeof(line));
	vmx_offer_controls(&skx, line, sizeof(line));
	assert_true(strlen(line) < sizeof(line));
	assert_memory_equal(line, " virtual-NMIs", 13);
}

static void invept_single_context_first_then_all(void **state)
{
	(void)state;
	assert_int_equal(vmx_invept_type(SKX_EPT_VPID), VMX_INV_SINGLE);
	assert_int_equal(vmx_invept_type((1ull << 20) | (1ull << 26)), VMX_INV_ALL);
	assert_int_equal(vmx_invept_type(1ull << 20), 0);
	assert_int_equal(vmx_invept_type((1ull << 25) | (1ull << 26)), 0); /* no INVEPT at all */
}

static void invvpid_single_context_first_then_all(void **state)
{
	(void)state;
	assert_int_equal(vmx_invvpid_type(SKX_EPT_VPID), VMX_INV_SINGLE);
	assert_int_equal(vmx_invvpid_type((1ull << 32) | (1ull << 42)), VMX_INV_ALL);
	assert_int_equal(vmx_invvpid_type((1ull << 32) | (1ull << 40)), 0); /* one address only */
	assert_int_equal(vmx_invvpid_type(1ull << 41), 0);
	assert_int_equal(vmx_invvpid_type(0x06334141), 0); /* EPT without VPID */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(skylake_controls_are_named),
		cmocka_unit_test(skylake_ept_vpid_caps_are_named),
		cmocka_unit_test(secondary_and_tertiary_need_their_primary_bit),
		cmocka_unit_test(a_short_buffer_stays_terminated),
		cmocka_unit_test(invept_single_context_first_then_all),
		cmocka_unit_test(invvpid_single_context_first_then_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
