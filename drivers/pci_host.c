/*
 * drivers/pci_host.c: PCI configuration mechanism #1 after the PCI Local
 * Bus Specification 3.0, 3.2.2.3.2 (CONFIG_ADDRESS and CONFIG_DATA), and a
 * type 0 configuration header (6.1, 6.2) for the host bridge at 00:00.0.
 *
 * Choices: CONFIG_ADDRESS keeps its enable bit and bits 23-2 (the rest read
 * 0); only dword accesses reach it, as on a PIIX (a byte at 0xcf9 is the
 * reset register). With the enable bit clear, or for any function but
 * 00:00.0, CONFIG_DATA reads all ones and drops writes (master abort). Of
 * the bridge's header only the command register's memory-space and
 * bus-master bits and the latency timer are writable; it has no BARs.
 */
#include "drivers/pci_host.h"

#define ADDR_ENABLE 0x80000000u
#define ADDR_KEEP 0x80fffffcu
#define ADDR_FUNC_MASK 0x00ffff00u /* bus, device, function */
#define REG_VENDOR 0x00
#define REG_DEVICE 0x02
#define REG_COMMAND 0x04
#define REG_REVISION 0x08
#define REG_CLASS 0x0a /* sub-class, then base class */
#define REG_LATENCY 0x0d
#define REG_SUBSYS_VENDOR 0x2c
#define REG_SUBSYS 0x2e
#define CMD_WRITABLE 0x0006 /* memory space, bus master */
#define CMD_RESET 0x0006
#define CLASS_HOST_BRIDGE 0x0600
#define QEMU_SUBSYS_VENDOR 0x1af4
#define QEMU_SUBSYS 0x1100

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void pci_host_init(struct pci_host *h)
{
	*h = (struct pci_host){ 0 };
	put16(h->bridge + REG_VENDOR, PCI_HOST_VENDOR);
	put16(h->bridge + REG_DEVICE, PCI_HOST_DEVICE);
	put16(h->bridge + REG_COMMAND, CMD_RESET);
	h->bridge[REG_REVISION] = 0x02;
	put16(h->bridge + REG_CLASS, CLASS_HOST_BRIDGE);
	put16(h->bridge + REG_SUBSYS_VENDOR, QEMU_SUBSYS_VENDOR);
	put16(h->bridge + REG_SUBSYS, QEMU_SUBSYS);
}

int pci_host_addr_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	if (offset || size != 4)
		return -EINVAL;
	*value = ((struct pci_host *)dev)->addr;
	return 0;
}

int pci_host_addr_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	if (offset || size != 4)
		return -EINVAL;
	((struct pci_host *)dev)->addr = (uint32_t)value & ADDR_KEEP;
	return 0;
}

/* The bridge's register byte a data access at offset reaches, or -1 (master abort). */
static int bridge_reg(const struct pci_host *h, uint64_t offset, unsigned int size)
{
	if (offset + size > PCI_CONFIG_DATA_LEN || !(h->addr & ADDR_ENABLE) ||
	    (h->addr & ADDR_FUNC_MASK))
		return -1;
	return (int)((h->addr & 0xfc) + offset);
}

int pci_host_data_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct pci_host *h = dev;
	int reg = bridge_reg(h, offset, size);
	uint64_t v = 0;

	if (offset + size > PCI_CONFIG_DATA_LEN)
		return -EINVAL;
	if (reg < 0) {
		*value = ~0ull >> (64 - 8 * size); /* all ones at the access width */
		return 0;
	}
	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)h->bridge[reg + (int)i] << (8 * i);
	*value = v;
	return 0;
}

/* One byte written to the bridge's header: only the writable bits take. */
static void bridge_write(struct pci_host *h, int reg, uint8_t v)
{
	uint8_t mask = 0;

	if (reg == REG_COMMAND)
		mask = CMD_WRITABLE & 0xff;
	else if (reg == REG_COMMAND + 1)
		mask = CMD_WRITABLE >> 8;
	else if (reg == REG_LATENCY)
		mask = 0xff;
	h->bridge[reg] = (uint8_t)((h->bridge[reg] & ~mask) | (v & mask));
}

int pci_host_data_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pci_host *h = dev;
	int reg = bridge_reg(h, offset, size);

	if (offset + size > PCI_CONFIG_DATA_LEN)
		return -EINVAL;
	for (unsigned int i = 0; reg >= 0 && i < size; i++)
		bridge_write(h, reg + (int)i, (uint8_t)(value >> (8 * i)));
	return 0;
}
