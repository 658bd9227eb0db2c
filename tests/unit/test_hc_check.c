/*
 * tests/unit/test_hc_check.c: kernel/hc_check.c and kernel/ioreq_check.c,
 * the hypercall, event-channel and ioreq checks the kernel calls (ABI:
 * include/public/hypercall.h, domctl.h, evtchn.h, ioreq.h): the gate's
 * -ENOSYS and -EPERM, the edges of each call's fields, ioreq servers against
 * a client's RAM and bus, and how a slot the service wrote is judged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/firmware/loader.h"
#include "include/public/errno.h"
#include "include/public/evtchn.h"
#include "include/public/hypercall.h"
#include "kernel/hc_check.h"
#include "kernel/ioreq_check.h"

static void gate_orders_nosys_then_eperm(void **state)
{
	(void)state;
	assert_int_equal(hc_gate(BV_HC_VERSION, 0), HC_ANY);
	assert_int_equal(hc_gate(BV_HC_DOMAIN_CREATE, 0), -EPERM);
	assert_int_equal(hc_gate(BV_HC_DOMAIN_CREATE, BV_CPUID_ROLE_SERVICE), HC_SERVICE);
	assert_int_equal(hc_gate(BV_HC_COUNT, BV_CPUID_ROLE_SERVICE), -ENOSYS);
	assert_int_equal(hc_gate(~0ull, 0), -ENOSYS);
	assert_int_equal(hc_gate(BV_HC_SHARE_INFO, 0), HC_ANY); /* a domain's own counters */
	for (uint64_t nr = 1; nr < BV_HC_COUNT; nr++)
		if (nr != BV_HC_SHARE_INFO)
			assert_int_equal(hc_gate(nr, 0), -EPERM);
}

static void names_are_one_word_inside_the_field(void **state)
{
	char name[BV_NAME_LEN] = "web-1_a";

	(void)state;
	assert_true(hc_name_ok(name));
	memset(name, 'a', sizeof(name));
	assert_false(hc_name_ok(name)); /* no NUL inside the field */
	name[BV_NAME_LEN - 1] = 0;
	assert_true(hc_name_ok(name));
	memcpy(name, "a b", 4);
	assert_false(hc_name_ok(name));
	name[0] = 0;
	assert_false(hc_name_ok(name));
}

static void create_takes_the_documented_ranges(void **state)
{
	struct bv_domain_create a = { .name = "c", .mem = 2u << 20, .vcpus = 1 };

	(void)state;
	assert_int_equal(hc_check_create(&a), 0);
	a.mem -= BV_PAGE_SIZE;
	assert_int_equal(hc_check_create(&a), -EINVAL);
	a.mem = (2u << 20) + 1;
	assert_int_equal(hc_check_create(&a), -EINVAL);
	a.mem = 2u << 20, a.vcpus = BV_MAX_VCPUS + 1;
	assert_int_equal(hc_check_create(&a), -EINVAL);
	a.vcpus = BV_MAX_VCPUS, a.flags = 2;
	assert_int_equal(hc_check_create(&a), -EINVAL);
}

static void populate_copy_and_map_stay_inside_the_client(void **state)
{
	struct bv_memory_populate p = { .count = 16, .gpa = (16u << 20) - 16 * BV_PAGE_SIZE };
	struct bv_memory_copy c = { .len = 8, .gpa = (16u << 20) - 8 };
	struct bv_memory_map m = { .count = 1, .gpa = 0, .service_gpa = 1ull << 32 };

	(void)state;
	assert_int_equal(hc_check_populate(&p, 16u << 20), 0);
	p.count++;
	assert_int_equal(hc_check_populate(&p, 16u << 20), -EINVAL);
	assert_int_equal(hc_check_copy(&c, 16u << 20), 0);
	c.gpa = ~0ull - 3;
	assert_int_equal(hc_check_copy(&c, 16u << 20), -EINVAL); /* gpa + len wraps */
	assert_int_equal(hc_check_map(&m, 16u << 20, 256u << 20), 0);
	m.service_gpa = FW_IOAPIC_BASE;
	assert_int_equal(hc_check_map(&m, 16u << 20, 256u << 20), -EINVAL);
	m.service_gpa = HC_MAP_LIMIT - BV_PAGE_SIZE, m.count = 2;
	assert_int_equal(hc_check_map(&m, 16u << 20, 256u << 20), -EINVAL);
}

static void evtchn_how_and_ports(void **state)
{
	(void)state;
	assert_int_equal(evtchn_check_setup(0, 0, 0x1000, 32), 0);
	assert_int_equal(evtchn_check_setup(0, 0, 0x1000, 31), -EINVAL);
	assert_int_equal(evtchn_check_setup(0, 0, 0x1004, 32), -EINVAL);
	assert_int_equal(evtchn_check_setup(1, 0, 0x1000, 32), -EINVAL);
	assert_int_equal(evtchn_check_setup(0, 0, 0x1000, BV_EVTCHN_GSI | 5), -EINVAL);
	assert_int_equal(evtchn_check_setup(0, 1, 0x1000, BV_EVTCHN_GSI | 23), 0);
	assert_int_equal(evtchn_check_setup(0, 1, 0x1000, BV_EVTCHN_GSI | 24), -EINVAL);
	assert_false(evtchn_port_ok(0));
	assert_true(evtchn_port_ok(BV_EVTCHN_PORTS - 1));
	assert_false(evtchn_port_ok(BV_EVTCHN_PORTS));
}

static struct bv_ioreq_server server(uint32_t type, uint64_t base, uint64_t len)
{
	return (struct bv_ioreq_server){ .nranges = 1,
					 .page_gpa = 0x7000,
					 .range[0] = { .type = type, .base = base, .len = len } };
}

static void ioreq_servers_against_ram_and_bus(void **state)
{
	struct dm_io_region com1 = {
		.name = "com1", .space = DM_SPACE_PIO, .base = 0x3f8, .len = 8
	};
	struct bv_ioreq_server a = server(BV_IOREQ_PIO, 0x2f8, 8);
	static struct iobus bus;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(iobus_register(&bus, &com1, NULL), 0);
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), 0);
	a = server(BV_IOREQ_PIO, 0x3fc, 8);
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -EBUSY);
	a = server(BV_IOREQ_PIO, 0xfffc, 8);
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -EINVAL);
	a = server(BV_IOREQ_MMIO, 0x80000, 0x1000); /* inside the client's RAM */
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -EINVAL);
	a = server(BV_IOREQ_MMIO, 0xfe000000, 0x1000);
	a.page_gpa = 0x7008;
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -EINVAL);
	a.page_gpa = 0x7000, a.nranges = BV_IOREQ_RANGES + 1;
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -EINVAL);
	a.nranges = 2;
	a.range[1] = (struct bv_ioreq_range){ BV_IOREQ_MMIO, 0, 0xfe000800, 0x1000 };
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -EINVAL); /* they overlap */
	while (bus.ndev < IOBUS_MAX_DEVICES)
		iobus_add_counter(&bus, "counter");
	a = server(BV_IOREQ_PIO, 0x2f8, 8);
	assert_int_equal(ioreq_args_check(&a, 1u << 20, &bus), -ENOSPC);
}

static void slots_are_judged_against_the_kept_request(void **state)
{
	struct ioreq_access kept = { 0x2f8, 0, 1, BV_IOREQ_PIO, BV_IOREQ_READ }, got = kept;

	(void)state;
	got.data = 0x1234;
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_NONE, &got, NULL), IOREQ_V_IDLE);
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_RESPONSE_READY, &got, NULL), IOREQ_V_STRAY);
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_READY, &got, &kept), IOREQ_V_WAIT);
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_INPROCESS, &got, &kept), IOREQ_V_WAIT);
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_RESPONSE_READY, &got, &kept), IOREQ_V_TAKE);
	assert_int_equal(ioreq_read_value(&kept, got.data), 0x34);
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_NONE, &got, &kept), IOREQ_V_BACKWARDS);
	assert_int_equal(ioreq_slot_verdict(7, &got, &kept), IOREQ_V_BACKWARDS);
	assert_string_equal(ioreq_state_name(7), "an unknown state");
	got.size = 2;
	assert_int_equal(ioreq_slot_verdict(BV_IOREQ_RESPONSE_READY, &got, &kept), IOREQ_V_OTHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gate_orders_nosys_then_eperm),
		cmocka_unit_test(names_are_one_word_inside_the_field),
		cmocka_unit_test(create_takes_the_documented_ranges),
		cmocka_unit_test(populate_copy_and_map_stay_inside_the_client),
		cmocka_unit_test(evtchn_how_and_ports),
		cmocka_unit_test(ioreq_servers_against_ram_and_bus),
		cmocka_unit_test(slots_are_judged_against_the_kept_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
