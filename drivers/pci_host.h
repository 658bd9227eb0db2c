/*
 * drivers/pci_host.h: PCI configuration mechanism #1 (the CONFIG_ADDRESS
 * register at 0xcf8, dword accesses only, and CONFIG_DATA at 0xcfc-0xcff)
 * with one device on bus 0: a host bridge at 00:00.0 with the IDs of QEMU's
 * pc machine (Intel 440FX, 8086:1237). Every other bus, device and function
 * is absent: its reads give all ones. One instance per guest.
 */
#ifndef DRIVERS_PCI_HOST_H
#define DRIVERS_PCI_HOST_H

#include "drivers/dm_env.h"

#define PCI_CONFIG_ADDR_PORT 0xcf8
#define PCI_CONFIG_ADDR_LEN 1 /* its dword spans 0xcf9, the reset register, served apart */
#define PCI_CONFIG_DATA_PORT 0xcfc
#define PCI_CONFIG_DATA_LEN 4
#define PCI_HOST_VENDOR 0x8086
#define PCI_HOST_DEVICE 0x1237
#define PCI_CONFIG_SPACE 256

struct pci_host {
	uint32_t addr; /* CONFIG_ADDRESS: enable (31), bus, device, function, register */
	uint8_t bridge[PCI_CONFIG_SPACE];
};

void pci_host_init(struct pci_host *h);
/* The regions at PCI_CONFIG_ADDR_PORT and PCI_CONFIG_DATA_PORT. */
int pci_host_addr_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int pci_host_addr_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
int pci_host_data_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int pci_host_data_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);

#endif
