/*
 * drivers/pc_platform.h: the PC's legacy port devices as one list of I/O
 * regions, so that both modes put the same ports with the same sizes on a
 * guest's bus (drivers/iobus.c): COM1, the 8254 PIT and port 0x61, the CMOS
 * clock, the ACPI PM registers at the FADT's ports and the reset register,
 * fw_cfg, the 8259 pair, PCI mechanism #1 and QEMU's pc-testdev.
 * Also the two test ports a host serves itself, before the bus.
 */
#ifndef DRIVERS_PC_PLATFORM_H
#define DRIVERS_PC_PLATFORM_H

#include "drivers/acpi_pm.h"
#include "drivers/dm_env.h"
#include "drivers/fw_cfg.h"
#include "drivers/i8254.h"
#include "drivers/i8259.h"
#include "drivers/iobus.h"
#include "drivers/pc_testdev.h"
#include "drivers/pci_host.h"
#include "drivers/rtc_cmos.h"
#include "drivers/uart16550.h"
#include "lib/test_abi.h"

#define PC_COM1_PORT 0x3f8
#define PC_RESET_PORT 0xcf9 /* the reset control register the FADT names */
#define PC_RESET_LEN 1
#define PC_RESET_VALUE 0x06		 /* full reset */
#define PC_TEST_EXIT_PORT TEST_EXIT_PORT /* a write ends the guest with AL (lib/test_abi.h) */
#define PC_PROGRESS_PORT                                                                           \
	TEST_PROGRESS_PORT /* a guest's work counter (scheduler tests, benchmarks) */
#define PC_PLATFORM_MAX_REGIONS 20

/*
 * The virtio-mmio windows, for bvm and the service guest alike, as on QEMU's
 * microvm machine so that test guests find them the same everywhere: window
 * n at PC_VIRTIO_BASE + n * PC_VIRTIO_STRIDE, PC_VIRTIO_STRIDE bytes (virtio
 * 1.2 4.2.2's registers and configuration space), on ISA IRQ pc_virtio_irq(n).
 * The MADT (drivers/firmware/acpi.c) makes those level, active high, which
 * is how the models drive them (GSIs 16-23 would be active low to Linux).
 */
#define PC_VIRTIO_BASE 0xfeb00000ull
#define PC_VIRTIO_STRIDE 0x200
#define PC_VIRTIO_MAX 8

static inline uint64_t pc_virtio_base(unsigned int n)
{
	return PC_VIRTIO_BASE + (uint64_t)n * PC_VIRTIO_STRIDE;
}

static inline unsigned int pc_virtio_irq(unsigned int n)
{
	static const uint8_t irqs[PC_VIRTIO_MAX] = { 5, 6, 7, 10, 11, 12, 14, 15 };

	return irqs[n % PC_VIRTIO_MAX];
}

/* The devices a guest has; NULL (reset_write NULL) for those it has not. */
struct pc_platform {
	struct uart16550 *com1;
	struct i8254 *pit; /* its counters and port 0x61 */
	struct rtc_cmos *rtc;
	struct acpi_pm *pm;
	dm_io_read_fn reset_read; /* the reset register is the host's: it ends the guest */
	dm_io_write_fn reset_write;
	void *reset_dev;
	struct fw_cfg *fw_cfg; /* QEMU's fw_cfg: 0x510 (2) and its DMA register 0x514 (8) */
	struct i8259 *pic;     /* 0x20 (2), 0xa0 (2), the ELCR 0x4d0 (2) */
	struct pci_host *pci;  /* CONFIG_ADDRESS 0xcf8 (1: dwords only), CONFIG_DATA 0xcfc (4) */
	struct pc_testdev *testdev; /* 0xe0 (4), flush 0xe4 (4), 0xe8 (4), IRQ lines 0x2000 (24) */
};

/* Fills r with the regions of the devices p has, in a fixed order; returns how many. */
unsigned int pc_platform_regions(const struct pc_platform *p,
				 struct dm_io_region r[PC_PLATFORM_MAX_REGIONS]);
/* Puts those regions on bus (iobus_attach: an overlap is logged through env); 0 or the first error.
 */
int pc_platform_register(const struct pc_platform *p, struct iobus *bus, const struct dm_env *env);

#endif
