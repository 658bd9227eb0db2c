/*
 * drivers/pc_testdev.c: QEMU's pc-testdev (hw/misc/pc-testdev.c), the ISA
 * device kvm-unit-tests' x86 guests use to reach the emulator and the
 * interrupt controllers from inside a test: x86/emulator.c's string I/O on
 * port 0xe0, x86/ioapic.c's lines through lib/x86's set_irq_line (port
 * 0x2000 + line), x86/eventinj.c's page flush on port 0xe4. Interrupt lines
 * are ISA IRQs as the 8259A data sheet and the Intel 82093AA I/O APIC data
 * sheet wire them on a PC; the host's dm_env set_irq routes each one.
 *
 * Choices, where QEMU's device is the reference:
 * - The register: an access of n bytes at offset o reads or writes bytes
 *   o..o+n-1 of the little-endian 32-bit value; bytes past byte 3 are
 *   dropped on a write and read 0. The same register answers at 0xe8-0xeb.
 * - IRQ ports: a byte write sets line (port - 0x2000) to (value != 0).
 *   QEMU stops the machine on lines 16-23 (an ISA bus has 16): here such
 *   writes are counted and dropped, as are writes wider than a byte.
 * - Flush: QEMU drops the host mapping of the guest page, so that the next
 *   guest access faults in the hypervisor's nested paging (a test of event
 *   delivery through such a fault). dm_env has no such operation, and guest
 *   RAM stays mapped for a guest's life: the write is counted, no more.
 * - QEMU's 64 KiB scratch memory at 0xff000000 is not given: no
 *   kvm-unit-tests x86 test reads it (docs/pc-platform.md).
 */
#include "drivers/pc_testdev.h"

void pc_testdev_init(struct pc_testdev *t, const struct dm_env *env)
{
	*t = (struct pc_testdev){ .env = env };
}

int pc_testdev_reg_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	const struct pc_testdev *t = dev;
	uint64_t v = 0;

	if (offset >= PC_TESTDEV_PORT_LEN)
		return -EINVAL;
	for (unsigned int i = 0; i < size && offset + i < PC_TESTDEV_PORT_LEN; i++)
		v |= (uint64_t)((t->reg >> (8 * (offset + i))) & 0xff) << (8 * i);
	*value = v;
	return 0;
}

int pc_testdev_reg_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pc_testdev *t = dev;

	if (offset >= PC_TESTDEV_PORT_LEN)
		return -EINVAL;
	for (unsigned int i = 0; i < size && offset + i < PC_TESTDEV_PORT_LEN; i++) {
		unsigned int shift = 8 * (unsigned int)(offset + i);

		t->reg = (t->reg & ~(0xffu << shift)) | (uint32_t)((value >> (8 * i)) & 0xff)
								<< shift;
	}
	return 0;
}

int pc_testdev_flush_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pc_testdev *t = dev;

	(void)value;
	if (offset || size != 4)
		return -EINVAL;
	t->flushes++;
	return 0;
}

int pc_testdev_irq_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pc_testdev *t = dev;
	unsigned int line = (unsigned int)offset;
	int level = (value & 0xff) != 0;

	if (size != 1 || offset >= PC_TESTDEV_ISA_LINES) {
		t->dropped_irq++;
		return -EINVAL;
	}
	t->lines = (uint16_t)((t->lines & ~(1u << line)) | (unsigned int)level << line);
	if (t->env && t->env->set_irq)
		t->env->set_irq(t->env->ctx, line, level);
	return 0;
}
