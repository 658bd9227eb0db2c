/*
 * drivers/firmware/dsdt.asl: the DSDT of a bivisor guest (ACPI 6.4 5.2.11.1),
 * compiled by iasl at build time into build/firmware/dsdt_aml.h, which
 * drivers/firmware/acpi.c writes into guest memory. It holds what an OS
 * needs from ACPI beyond the static tables: the \_S5 sleep object (7.4.2),
 * whose first two values are the SLP_TYP that OSPM writes with SLP_EN into
 * PM1a_CNT / PM1b_CNT to power the machine off. 5 here is FW_ACPI_S5_SLP_TYP
 * in drivers/firmware/loader.h; the two must agree. Devices are not listed:
 * virtio-mmio devices go on the Linux command line.
 */
DefinitionBlock ("", "DSDT", 2, "BIVSOR", "BIVISOR", 0x00000001)
{
    Name (\_S5, Package (0x04)
    {
        0x05, /* SLP_TYPa */
        0x05, /* SLP_TYPb */
        Zero,
        Zero
    })
}
