/*
 * tests/unit/test_pci_host.c: drivers/pci_host.c, configuration mechanism
 * #1 at 0xcf8/0xcfc, read as Linux's pci_check_type1 and a bus scan do:
 * the address register, the host bridge's header, absent functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/pci_host.h"

static struct pci_host h;

static int rig_setup(void **state)
{
	(void)state;
	pci_host_init(&h);
	return 0;
}

static uint32_t cfg_addr(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read(uint32_t addr, unsigned int reg, unsigned int size)
{
	uint64_t v = 0;

	assert_int_equal(pci_host_addr_write(&h, 0, 4, addr), 0);
	assert_int_equal(pci_host_data_read(&h, reg & 3, size, &v), 0);
	return (uint32_t)v;
}

static void address_register_reads_back_as_linux_probes_it(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(pci_host_addr_write(&h, 0, 4, 0x80000000u), 0);
	assert_int_equal(pci_host_addr_read(&h, 0, 4, &v), 0);
	assert_int_equal(v, 0x80000000u);
	assert_int_equal(pci_host_addr_write(&h, 0, 4, 0xffffffffu), 0);
	assert_int_equal(pci_host_addr_read(&h, 0, 4, &v), 0);
	assert_int_equal(v, 0x80fffffcu);
	assert_int_equal(pci_host_addr_write(&h, 0, 1, 0), -EINVAL);
	assert_int_equal(pci_host_addr_read(&h, 0, 2, &v), -EINVAL);
}

static void host_bridge_at_00_00_0(void **state)
{
	uint32_t a = cfg_addr(0, 0, 0, 0);

	(void)state;
	assert_int_equal(cfg_read(a, 0, 4), 0x12378086u);
	assert_int_equal(cfg_read(a, 2, 2), 0x1237);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 8), 0, 4) >> 8, 0x060000);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0xc), 2, 1),
			 0); /* header type 0, one function */
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x10), 0, 4), 0); /* no BAR */
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x2c), 0, 4), 0x11001af4u);
}

static void every_other_function_is_absent(void **state)
{
	(void)state;
	assert_int_equal(cfg_read(cfg_addr(0, 0, 1, 0), 0, 4), 0xffffffffu);
	assert_int_equal(cfg_read(cfg_addr(0, 1, 0, 0), 0, 2), 0xffff);
	assert_int_equal(cfg_read(cfg_addr(0, 31, 7, 0), 0, 4), 0xffffffffu);
	assert_int_equal(cfg_read(cfg_addr(1, 0, 0, 0), 0, 4), 0xffffffffu);
	assert_int_equal(cfg_read(0x00000000u, 0, 4), 0xffffffffu); /* enable bit clear */
}

static void only_command_bits_and_latency_are_writable(void **state)
{
	uint32_t a = cfg_addr(0, 0, 0, 4);

	(void)state;
	assert_int_equal(pci_host_data_write(&h, 0, 2, 0xffff), 0);
	assert_int_equal(cfg_read(a, 0, 2), 0x0006);
	assert_int_equal(pci_host_data_write(&h, 0, 2, 0x0000), 0);
	assert_int_equal(cfg_read(a, 0, 2), 0x0000);
	assert_int_equal(pci_host_addr_write(&h, 0, 4, cfg_addr(0, 0, 0, 0)), 0);
	assert_int_equal(pci_host_data_write(&h, 0, 4, 0), 0);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0), 0, 4), 0x12378086u);
	assert_int_equal(pci_host_addr_write(&h, 0, 4, cfg_addr(0, 0, 0, 0xc)), 0);
	assert_int_equal(pci_host_data_write(&h, 1, 1, 0x40), 0);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0xc), 1, 1), 0x40);
}

static void accesses_past_the_data_dword_are_refused(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pci_host_data_read(&h, 2, 4, &v), -EINVAL);
	assert_int_equal(pci_host_data_write(&h, 3, 2, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(address_register_reads_back_as_linux_probes_it, rig_setup),
		cmocka_unit_test_setup(host_bridge_at_00_00_0, rig_setup),
		cmocka_unit_test_setup(every_other_function_is_absent, rig_setup),
		cmocka_unit_test_setup(only_command_bits_and_latency_are_writable, rig_setup),
		cmocka_unit_test_setup(accesses_past_the_data_dword_are_refused, rig_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
