# tests/unit/deps-pc.mk: the PC platform devices of issue 16 (fw_cfg, the 8259 pair, PCI).
UNIT_DEPS_test_fw_cfg := drivers/fw_cfg.c
UNIT_DEPS_test_pc_platform += drivers/fw_cfg.c
UNIT_DEPS_test_boot_cmdline := drivers/firmware/boot_cmdline.c
UNIT_DEPS_test_i8259 := drivers/i8259.c
UNIT_DEPS_test_pci_host := drivers/pci_host.c
UNIT_DEPS_test_pc_platform += drivers/i8259.c drivers/pci_host.c
UNIT_DEPS_test_pc_testdev := drivers/pc_testdev.c
UNIT_DEPS_test_pc_platform += drivers/pc_testdev.c
