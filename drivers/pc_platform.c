/*
 * drivers/pc_platform.c: the port map of a PC's legacy devices, shared by
 * the Type-1 kernel (kernel/domain.c, kernel/platform.c) and bvm
 * (hosted/bvm.c, hosted/devices.c), so both put each model at the same ports
 * with the same sizes: COM1 0x3f8 (8), PIT 0x40 (4), port 0x61 (1), CMOS
 * 0x70 (2), PM1a event 0x600 (4), PM1a control 0x604 (2), PM timer 0x608
 * (4, read-only), reset 0xcf9 (1), fw_cfg 0x510 (2) and its DMA register 0x514
 * (8), the 8259 pair 0x20 (2) and 0xa0 (2) with the ELCR 0x4d0 (2), PCI
 * configuration 0xcf8 (1) and 0xcfc (4), QEMU's pc-testdev 0xe0 (4), 0xe4 (4),
 * 0xe8 (4) and 0x2000 (24). ACPI 6.4 4.8.3 for the PM blocks, QEMU
 * docs/specs/fw_cfg.rst for fw_cfg, QEMU hw/misc/pc-testdev.c for the test device.
 */
#include "drivers/firmware/loader.h"
#include "drivers/pc_platform.h"

static struct dm_io_region *add(struct dm_io_region *r, const char *name, uint64_t port,
				uint64_t len, dm_io_read_fn read, dm_io_write_fn write, void *dev)
{
	*r = (struct dm_io_region){ name, DM_SPACE_PIO, port, len, read, write, dev };
	return r + 1;
}

/* QEMU's pc-testdev: the scratch register twice, the flush port, the IRQ lines. */
static struct dm_io_region *add_testdev(struct dm_io_region *r, struct pc_testdev *t)
{
	r = add(r, "testdev", PC_TESTDEV_REG_PORT, PC_TESTDEV_PORT_LEN, pc_testdev_reg_read,
		pc_testdev_reg_write, t);
	r = add(r, "testdev-flush", PC_TESTDEV_FLUSH_PORT, PC_TESTDEV_PORT_LEN, NULL,
		pc_testdev_flush_write, t);
	r = add(r, "testdev-byte", PC_TESTDEV_BYTE_PORT, PC_TESTDEV_PORT_LEN, pc_testdev_reg_read,
		pc_testdev_reg_write, t);
	return add(r, "testdev-irq", PC_TESTDEV_IRQ_PORT, PC_TESTDEV_IRQ_LINES, NULL,
		   pc_testdev_irq_write, t);
}

unsigned int pc_platform_regions(const struct pc_platform *p,
				 struct dm_io_region r[PC_PLATFORM_MAX_REGIONS])
{
	struct dm_io_region *end = r;

	if (p->com1)
		end = add(end, "com1", PC_COM1_PORT, UART16550_REGION_LEN, uart16550_io_read,
			  uart16550_io_write, p->com1);
	if (p->pit) {
		end = add(end, "pit", I8254_PORT, I8254_REGION_LEN, i8254_io_read, i8254_io_write,
			  p->pit);
		end = add(end, "port61", I8254_PORT61, I8254_PORT61_REGION_LEN, i8254_port61_read,
			  i8254_port61_write, p->pit);
	}
	if (p->rtc)
		end = add(end, "rtc", RTC_CMOS_PORT, RTC_CMOS_REGION_LEN, rtc_cmos_io_read,
			  rtc_cmos_io_write, p->rtc);
	if (p->pm) {
		end = add(end, "pm1a-evt", FW_PM1A_EVT_PORT, ACPI_PM1A_EVT_LEN, acpi_pm_evt_read,
			  acpi_pm_evt_write, p->pm);
		end = add(end, "pm1a-cnt", FW_PM1A_CNT_PORT, ACPI_PM1A_CNT_LEN, acpi_pm_cnt_read,
			  acpi_pm_cnt_write, p->pm);
		end = add(end, "pm-timer", FW_PM_TMR_PORT, ACPI_PM_TMR_LEN, acpi_pm_tmr_read, NULL,
			  p->pm);
	}
	if (p->reset_write)
		end = add(end, "reset", PC_RESET_PORT, PC_RESET_LEN, p->reset_read, p->reset_write,
			  p->reset_dev);
	if (p->fw_cfg) {
		end = add(end, "fw-cfg", FW_CFG_PORT, FW_CFG_REGION_LEN, fw_cfg_io_read,
			  fw_cfg_io_write, p->fw_cfg);
		end = add(end, "fw-cfg-dma", FW_CFG_DMA_PORT, FW_CFG_DMA_REGION_LEN,
			  fw_cfg_dma_read, fw_cfg_dma_write, p->fw_cfg);
	}
	if (p->pic) {
		end = add(end, "pic-master", I8259_MASTER_PORT, I8259_REGION_LEN, i8259_master_read,
			  i8259_master_write, p->pic);
		end = add(end, "pic-slave", I8259_SLAVE_PORT, I8259_REGION_LEN, i8259_slave_read,
			  i8259_slave_write, p->pic);
		end = add(end, "pic-elcr", I8259_ELCR_PORT, I8259_ELCR_REGION_LEN, i8259_elcr_read,
			  i8259_elcr_write, p->pic);
	}
	if (p->pci) {
		end = add(end, "pci-addr", PCI_CONFIG_ADDR_PORT, PCI_CONFIG_ADDR_LEN,
			  pci_host_addr_read, pci_host_addr_write, p->pci);
		end = add(end, "pci-data", PCI_CONFIG_DATA_PORT, PCI_CONFIG_DATA_LEN,
			  pci_host_data_read, pci_host_data_write, p->pci);
	}
	if (p->testdev)
		end = add_testdev(end, p->testdev);
	return (unsigned int)(end - r);
}

int pc_platform_register(const struct pc_platform *p, struct iobus *bus, const struct dm_env *env)
{
	struct dm_io_region r[PC_PLATFORM_MAX_REGIONS];
	unsigned int n = pc_platform_regions(p, r);
	int rc = 0;

	for (unsigned int i = 0; i < n && !rc; i++)
		rc = iobus_attach(bus, &r[i], env);
	return rc;
}
