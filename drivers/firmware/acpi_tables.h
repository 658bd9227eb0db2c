/*
 * drivers/firmware/acpi_tables.h: the ACPI tables fw_build_acpi writes, as
 * laid out in guest memory (ACPI 6.4: 5.2.3.2 Generic Address Structure,
 * 5.2.5.3 RSDP, 5.2.6 system description table header, 5.2.7 RSDT, 5.2.8
 * XSDT, 5.2.9 FADT, 5.2.10 FACS, 5.2.12 MADT and its entries). Layouts only:
 * acpi.c writes them.
 */
#ifndef DRIVERS_FIRMWARE_ACPI_TABLES_H
#define DRIVERS_FIRMWARE_ACPI_TABLES_H

#include <stdint.h>

#define ACPI_OEM_ID "BIVSOR"	     /* 6 bytes, also in dsdt.asl */
#define ACPI_OEM_TABLE_ID "BIVISOR " /* 8 bytes */
#define ACPI_CREATOR_ID "BVSR"
#define ACPI_RSDP_CHECKSUM_LEN 20 /* the ACPI 1.0 part the first checksum covers */

struct acpi_gas {
	uint8_t space_id;    /* 0x00: 1 system I/O */
	uint8_t bit_width;   /* 0x01 */
	uint8_t bit_offset;  /* 0x02 */
	uint8_t access_size; /* 0x03: 1 byte, 2 word, 3 dword */
	uint64_t address;    /* 0x04 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 6.4 table 5.1");

#define ACPI_GAS_IO 1
#define ACPI_ACCESS_BYTE 1
#define ACPI_ACCESS_WORD 2
#define ACPI_ACCESS_DWORD 3

struct acpi_rsdp {
	char signature[8];    /* 0x00: "RSD PTR " */
	uint8_t checksum;     /* 0x08: of the first 20 bytes */
	char oem_id[6];	      /* 0x09 */
	uint8_t revision;     /* 0x0f: 2 for ACPI 2.0 and later */
	uint32_t rsdt;	      /* 0x10 */
	uint32_t length;      /* 0x14: 36 */
	uint64_t xsdt;	      /* 0x18 */
	uint8_t ext_checksum; /* 0x20: of all 36 bytes */
	uint8_t reserved[3];  /* 0x21 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.4 table 5.3");

struct acpi_header {
	char signature[4];	   /* 0x00 */
	uint32_t length;	   /* 0x04: with this header */
	uint8_t revision;	   /* 0x08 */
	uint8_t checksum;	   /* 0x09: the whole table sums to 0 */
	char oem_id[6];		   /* 0x0a */
	char oem_table_id[8];	   /* 0x10 */
	uint32_t oem_revision;	   /* 0x18 */
	char creator_id[4];	   /* 0x1c */
	uint32_t creator_revision; /* 0x20 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI 6.4 table 5.4");

#define ACPI_CHECKSUM_OFFSET 9

/* FADT flags (ACPI 6.4 table 5.10) */
#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4) /* 1: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5) /* 1: no fixed-feature sleep button */
#define ACPI_FADT_FIX_RTC (1u << 6)    /* 1: no RTC wake status in PM1 */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)

/* IA-PC boot architecture flags (ACPI 6.4 table 5.11) */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042 (1u << 1)
#define ACPI_IAPC_NO_VGA (1u << 2)
#define ACPI_IAPC_NO_CMOS_RTC (1u << 5)

#define ACPI_FADT_REVISION 6	   /* ACPI 6.0 */
#define ACPI_FADT_P_LVL2_NONE 101  /* a C2 latency above 100 us: no C2 */
#define ACPI_FADT_P_LVL3_NONE 1001 /* a C3 latency above 1000 us: no C3 */
#define ACPI_RTC_CENTURY 0x32	   /* the CMOS century register, when there is an RTC */

struct acpi_fadt {
	struct acpi_header header;	   /* 0x00: "FACP" */
	uint32_t firmware_ctrl;		   /* 0x24: FACS */
	uint32_t dsdt;			   /* 0x28 */
	uint8_t reserved_2c;		   /* 0x2c */
	uint8_t preferred_pm_profile;	   /* 0x2d */
	uint16_t sci_int;		   /* 0x2e */
	uint32_t smi_cmd;		   /* 0x30: 0: the machine is always in ACPI mode */
	uint8_t acpi_enable;		   /* 0x34 */
	uint8_t acpi_disable;		   /* 0x35 */
	uint8_t s4bios_req;		   /* 0x36 */
	uint8_t pstate_cnt;		   /* 0x37 */
	uint32_t pm1a_evt_blk;		   /* 0x38 */
	uint32_t pm1b_evt_blk;		   /* 0x3c */
	uint32_t pm1a_cnt_blk;		   /* 0x40 */
	uint32_t pm1b_cnt_blk;		   /* 0x44 */
	uint32_t pm2_cnt_blk;		   /* 0x48 */
	uint32_t pm_tmr_blk;		   /* 0x4c */
	uint32_t gpe0_blk;		   /* 0x50 */
	uint32_t gpe1_blk;		   /* 0x54 */
	uint8_t pm1_evt_len;		   /* 0x58 */
	uint8_t pm1_cnt_len;		   /* 0x59 */
	uint8_t pm2_cnt_len;		   /* 0x5a */
	uint8_t pm_tmr_len;		   /* 0x5b */
	uint8_t gpe0_blk_len;		   /* 0x5c */
	uint8_t gpe1_blk_len;		   /* 0x5d */
	uint8_t gpe1_base;		   /* 0x5e */
	uint8_t cst_cnt;		   /* 0x5f */
	uint16_t p_lvl2_lat;		   /* 0x60 */
	uint16_t p_lvl3_lat;		   /* 0x62 */
	uint16_t flush_size;		   /* 0x64 */
	uint16_t flush_stride;		   /* 0x66 */
	uint8_t duty_offset;		   /* 0x68 */
	uint8_t duty_width;		   /* 0x69 */
	uint8_t day_alrm;		   /* 0x6a */
	uint8_t mon_alrm;		   /* 0x6b */
	uint8_t century;		   /* 0x6c */
	uint16_t iapc_boot_arch;	   /* 0x6d */
	uint8_t reserved_6f;		   /* 0x6f */
	uint32_t flags;			   /* 0x70 */
	struct acpi_gas reset_reg;	   /* 0x74 */
	uint8_t reset_value;		   /* 0x80 */
	uint16_t arm_boot_arch;		   /* 0x81 */
	uint8_t minor_version;		   /* 0x83 */
	uint64_t x_firmware_ctrl;	   /* 0x84 */
	uint64_t x_dsdt;		   /* 0x8c */
	struct acpi_gas x_pm1a_evt_blk;	   /* 0x94 */
	struct acpi_gas x_pm1b_evt_blk;	   /* 0xa0 */
	struct acpi_gas x_pm1a_cnt_blk;	   /* 0xac */
	struct acpi_gas x_pm1b_cnt_blk;	   /* 0xb8 */
	struct acpi_gas x_pm2_cnt_blk;	   /* 0xc4 */
	struct acpi_gas x_pm_tmr_blk;	   /* 0xd0 */
	struct acpi_gas x_gpe0_blk;	   /* 0xdc */
	struct acpi_gas x_gpe1_blk;	   /* 0xe8 */
	struct acpi_gas sleep_control_reg; /* 0xf4 */
	struct acpi_gas sleep_status_reg;  /* 0x100 */
	char hypervisor_vendor[8];	   /* 0x10c */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 6.4 table 5.9");

struct acpi_facs {
	char signature[4];	     /* 0x00: "FACS"; no checksum */
	uint32_t length;	     /* 0x04: 64 */
	uint32_t hardware_signature; /* 0x08 */
	uint32_t waking_vector;	     /* 0x0c */
	uint32_t global_lock;	     /* 0x10 */
	uint32_t flags;		     /* 0x14 */
	uint64_t x_waking_vector;    /* 0x18 */
	uint8_t version;	     /* 0x20: 2 */
	uint8_t reserved[3];	     /* 0x21 */
	uint32_t ospm_flags;	     /* 0x24 */
	uint8_t reserved2[24];	     /* 0x28 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI 6.4 table 5.14");

#define ACPI_FACS_ALIGN 64

/* MADT (ACPI 6.4 5.2.12) */
#define ACPI_MADT_REVISION 4		/* ACPI 6.0-6.2; 5 would change the CPU flags' meaning */
#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* a dual 8259 is installed too */
#define ACPI_MADT_LAPIC 0
#define ACPI_MADT_IOAPIC 1
#define ACPI_MADT_OVERRIDE 2
#define ACPI_MADT_LAPIC_NMI 4
#define ACPI_MADT_ENABLED 1u
/* MPS INTI flags (table 5.26): polarity in bits 0-1, trigger mode in bits 2-3 */
#define ACPI_MPS_CONFORMS 0x0
#define ACPI_MPS_HIGH_LEVEL 0xd /* active high (01), level (11) */
#define ACPI_MADT_ALL_CPUS 0xff /* processor UID in a NMI entry: every CPU */

struct acpi_madt {
	struct acpi_header header; /* 0x00: "APIC" */
	uint32_t lapic_addr;	   /* 0x24 */
	uint32_t flags;		   /* 0x28 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 6.4 table 5.19");

struct acpi_madt_lapic {
	uint8_t type;	 /* 0x00: ACPI_MADT_LAPIC */
	uint8_t length;	 /* 0x01: 8 */
	uint8_t uid;	 /* 0x02: ACPI processor UID */
	uint8_t apic_id; /* 0x03 */
	uint32_t flags;	 /* 0x04: ACPI_MADT_ENABLED */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 6.4 table 5.22");

struct acpi_madt_ioapic {
	uint8_t type;	   /* 0x00: ACPI_MADT_IOAPIC */
	uint8_t length;	   /* 0x01: 12 */
	uint8_t id;	   /* 0x02 */
	uint8_t reserved;  /* 0x03 */
	uint32_t addr;	   /* 0x04 */
	uint32_t gsi_base; /* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 6.4 table 5.24");

struct acpi_madt_override {
	uint8_t type;	/* 0x00: ACPI_MADT_OVERRIDE */
	uint8_t length; /* 0x01: 10 */
	uint8_t bus;	/* 0x02: 0, ISA */
	uint8_t source; /* 0x03: ISA IRQ */
	uint32_t gsi;	/* 0x04 */
	uint16_t flags; /* 0x08: MPS INTI flags */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_override) == 10, "ACPI 6.4 table 5.25");

struct acpi_madt_lapic_nmi {
	uint8_t type;	/* 0x00: ACPI_MADT_LAPIC_NMI */
	uint8_t length; /* 0x01: 6 */
	uint8_t uid;	/* 0x02: ACPI_MADT_ALL_CPUS */
	uint16_t flags; /* 0x03: MPS INTI flags */
	uint8_t lint;	/* 0x05: LINT0 or LINT1 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "ACPI 6.4 table 5.28");

#endif
