/*
 * drivers/firmware/loader.h: laying a guest image out in guest memory, the
 * same way under bvm and under the Type-1 kernel. A loader writes the image,
 * the boot information its protocol promises, and says in what state the
 * boot vCPU must start. Written against drivers/dm_env.h only.
 */
#ifndef DRIVERS_FIRMWARE_LOADER_H
#define DRIVERS_FIRMWARE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dm_env.h"

/* Guest-physical layout of what loaders build below 1 MiB. */
#define FW_LOW_RAM_END 0x9fc00ull   /* end of conventional memory (639 KiB) */
#define FW_BIOS_AREA 0xe0000ull	    /* 0xe0000-0xfffff: reserved, ACPI RSDP lives here */
#define FW_HIGH_RAM 0x100000ull	    /* images load at or above 1 MiB */
#define FW_BOOTINFO_BASE 0x10000ull /* boot information (MBI, boot_params, ...) */
#define FW_BOOTINFO_LIMIT 0x80000ull

/*
 * Inside [FW_BOOTINFO_BASE, FW_BOOTINFO_LIMIT), which no image may overlap:
 * the boot information from FW_BOOTINFO_BASE, the FW_CPU_LONG64 entry stack,
 * the GDT and the identity-map page tables.
 */
#define FW_STACK_BASE 0x1b000ull /* 16 KiB stack; RSP = FW_STACK_TOP */
#define FW_STACK_TOP 0x1f000ull
#define FW_GDT_BASE 0x1f000ull	  /* flat GDT: null, then the code and data descriptors */
#define FW_PAGE_TABLES 0x20000ull /* PML4, PDPT, then one PD per GiB (2 MiB pages) */
#define FW_CMDLINE_MAX 4096	  /* bytes of the command line with its NUL */

/*
 * Selectors of the GDT at FW_GDT_BASE (base 0, limit 4 GiB, accessed set):
 * the code segment is 32-bit for FW_CPU_PROT32 and 64-bit for FW_CPU_LONG64.
 * Multiboot and ELF images get FW_SEL_CODE/FW_SEL_DATA; Linux's 64-bit boot
 * protocol asks for __BOOT_CS and __BOOT_DS (boot.rst "64-bit Boot Protocol").
 */
#define FW_SEL_CODE 0x08
#define FW_SEL_DATA 0x10
#define FW_SEL_BOOT_CS 0x10
#define FW_SEL_BOOT_DS 0x18

enum fw_cpu_mode {
	FW_CPU_PROT32, /* 32-bit protected mode, flat segments, paging off (Multiboot) */
	FW_CPU_LONG64, /* 64-bit mode with the page tables at cr3 and a flat GDT */
};

/* The boot vCPU's starting state that a loader asks for. */
struct fw_boot_cpu {
	enum fw_cpu_mode mode;
	uint64_t rip;
	uint64_t rsp;
	uint64_t rax, rbx, rsi, rdi;
	uint64_t cr3;	   /* FW_CPU_LONG64: guest-physical PML4 */
	uint64_t gdt_base; /* guest-physical GDT the loader wrote, or 0 */
	uint16_t gdt_limit;
	uint16_t code_sel; /* CS, a code descriptor of that GDT */
	uint16_t data_sel; /* DS, ES, FS, GS and SS, a data descriptor of that GDT */
};

/*
 * The guest's memory map (e820 / Multiboot types): usable [0, FW_LOW_RAM_END),
 * reserved [FW_LOW_RAM_END, FW_HIGH_RAM), usable [FW_HIGH_RAM, env->ram_size).
 */
enum fw_mem_type {
	FW_MEM_USABLE = 1,
	FW_MEM_RESERVED = 2,
};

struct fw_mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum fw_mem_type */
};

#define FW_MEM_MAP_MAX 3

/* Fills up to max ranges of the map above, in address order; returns how many. */
unsigned int fw_memory_map(const struct dm_env *env, struct fw_mem_range *map, unsigned int max);

enum fw_image_kind {
	FW_IMAGE_UNKNOWN,
	FW_IMAGE_MULTIBOOT1,
	FW_IMAGE_MULTIBOOT2,
	FW_IMAGE_ELF64,
	FW_IMAGE_LINUX, /* a bzImage: boot flag 0xaa55 and "HdrS"; load it with fw_load_linux */
};

/*
 * Tells what an image is from its bytes: a Multiboot header wins over a
 * bzImage's setup header, both over plain ELF.
 */
enum fw_image_kind fw_image_probe(const void *image, size_t len);

/*
 * Loads a Multiboot (1 or 2) image or a plain ELF64 (a bzImage is refused:
 * fw_load_linux boots it), writes the boot
 * information (memory map of [0, env->ram_size) with the conventional holes,
 * the command line, the loader name) and fills *cpu. Returns 0, or -EINVAL
 * for a malformed image (err names the problem, NUL-terminated, in errlen
 * bytes), -E2BIG / -ENOMEM when it does not fit in guest RAM.
 * -E2BIG: a segment ends beyond guest RAM, the command line is FW_CMDLINE_MAX
 * bytes or more, or RAM is too large for the page tables; -ENOMEM: guest RAM
 * is not above FW_HIGH_RAM. The image is checked whole before any write.
 * Both modes get the GDT at FW_GDT_BASE: CS = FW_SEL_CODE, the data
 * segments FW_SEL_DATA (in cpu->code_sel and cpu->data_sel). Multiboot: EAX the loader magic, EBX
 * the information. Plain ELF64: RSP = FW_STACK_TOP, RDI = RBX = a Multiboot2 information block, RAX
 * = its magic 0x36d76289.
 */
int fw_load_image(const struct dm_env *env, const void *image, size_t len, const char *cmdline,
		  struct fw_boot_cpu *cpu, char *err, size_t errlen);

/*
 * Boot modules of a Multiboot image (MB1 3.3 mods_*, MB2 3.6.6 tag type 3):
 * what fw_load_image_modules copies into guest RAM and lists in the boot
 * information, with its command line.
 */
#define FW_MODULES_MAX 8
#define FW_MODULE_CMDLINE_MAX 256 /* bytes of a module's command line with its NUL */

struct fw_module {
	const void *data;
	size_t len;
	const char *cmdline; /* NULL: "" */
};

/*
 * fw_load_image, and the nmods modules (up to FW_MODULES_MAX) after the
 * image's last byte, each at a page boundary, in order, below 4 GiB and
 * inside guest RAM. A module is Multiboot's business: with a plain ELF64 image
 * they are listed in its Multiboot2 information as well. -E2BIG: the
 * modules do not fit (written after the image), or a module's command line
 * is FW_MODULE_CMDLINE_MAX bytes or more; -EINVAL: too many modules.
 */
int fw_load_image_modules(const struct dm_env *env, const void *image, size_t len,
			  const char *cmdline, const struct fw_module *mods, unsigned int nmods,
			  struct fw_boot_cpu *cpu, char *err, size_t errlen);

/*
 * The guest-visible platform that fw_build_acpi describes and fw_load_linux
 * announces (DESIGN.md "Guest-visible platform"): the vCPUs (APIC IDs 0 to
 * ncpus - 1), the LAPIC at FW_LAPIC_BASE, one IOAPIC at FW_IOAPIC_BASE with
 * GSIs 0-23, the ACPI fixed-hardware I/O ports that a PM device model serves,
 * and the virtio-mmio devices (in an SSDT, on the Linux command line, or both).
 */
#define FW_LAPIC_BASE 0xfee00000u
#define FW_IOAPIC_BASE 0xfec00000u
#define FW_IOAPIC_ID 0	  /* what KVM's in-kernel IOAPIC reports in its ID register */
#define FW_IOAPIC_PINS 24 /* GSIs 0-23 */
#define FW_MAX_CPUS 255	  /* xAPIC IDs 0-254 in Processor Local APIC entries */
#define FW_VIRTIO_MAX 32

/*
 * fw_platform_init's choices: the PM1a event block (status and enable, 2
 * bytes each), the PM1a control block (2 bytes), the PM timer (4 bytes).
 */
#define FW_PM1A_EVT_PORT 0x600
#define FW_PM1A_CNT_PORT 0x604
#define FW_PM_TMR_PORT 0x608
#define FW_SCI_IRQ 9 /* ISA IRQ = GSI 9, level-triggered, active high */

/*
 * PM1 control register (ACPI 6.4 4.8.3.2.1): power-off is a write of
 * SLP_TYP = FW_ACPI_S5_SLP_TYP (the \_S5 package of dsdt.asl) with SLP_EN.
 * The machine is always in ACPI mode (the FADT has no SMI_CMD), so a read
 * must show SCI_EN.
 */
#define FW_PM1_CNT_SCI_EN (1u << 0)
#define FW_PM1_CNT_SLP_TYP_SHIFT 10
#define FW_PM1_CNT_SLP_TYP_MASK (7u << 10)
#define FW_PM1_CNT_SLP_EN (1u << 13)
#define FW_ACPI_S5_SLP_TYP 5

/*
 * fw_platform.flags: legacy hardware the machine has (FADT, MADT flags), and
 * how the virtio-mmio devices are announced. Debian's kernel is built without
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES (its virtio_mmio ignores "device="): it
 * finds them only in ACPI, as LNRO0005 devices of an SSDT.
 */
#define FW_PLAT_PIC (1u << 0)		 /* a dual 8259 (MADT PCAT_COMPAT) */
#define FW_PLAT_RTC (1u << 1)		 /* a CMOS RTC at 0x70 (else FADT "CMOS RTC not present") */
#define FW_PLAT_I8042 (1u << 2)		 /* an 8042 keyboard controller at 0x60/0x64 */
#define FW_PLAT_VIRTIO_ACPI (1u << 3)	 /* the devices in an SSDT (_HID LNRO0005, _CRS) */
#define FW_PLAT_VIRTIO_CMDLINE (1u << 4) /* virtio_mmio.device= on the Linux command line */

struct fw_virtio_mmio {
	uint64_t base; /* guest-physical, outside RAM; below 4 GiB for FW_PLAT_VIRTIO_ACPI */
	uint64_t size; /* bytes of registers, 512 for bvm's windows */
	uint32_t irq;  /* IOAPIC input (GSI); ISA IRQs 1-15 are made level, active high */
};

struct fw_platform {
	unsigned int ncpus;	/* 1 to FW_MAX_CPUS */
	uint16_t pm1a_evt_port; /* ACPI fixed hardware: not 0 */
	uint16_t pm1a_cnt_port; /* not 0 */
	uint16_t pm_tmr_port;	/* 0: no PM timer */
	uint16_t reset_port;	/* FADT reset register, 0: none */
	uint8_t reset_value;	/* written to reset_port to reset the machine */
	uint8_t sci_irq;	/* ISA IRQ 1-15, not 2; level, active high */
	uint32_t flags;		/* FW_PLAT_* */
	unsigned int nvirtio;	/* up to FW_VIRTIO_MAX */
	const struct fw_virtio_mmio *virtio;
	/* Linux: not 0: "tsc_early_khz=N" leads its command line unless the caller's
	 * line has that parameter (docs/design.md, "Time for Linux") */
	uint32_t tsc_khz;
};

/*
 * Fills *plat with ncpus, the FW_PM*_PORT ports, FW_SCI_IRQ, no devices, and
 * the flags FW_PLAT_PIC | FW_PLAT_VIRTIO_ACPI.
 */
void fw_platform_init(struct fw_platform *plat, unsigned int ncpus);

/*
 * Writes the ACPI tables of plat in [FW_BIOS_AREA, FW_HIGH_RAM), which the
 * memory map reserves: the RSDP (revision 2) at FW_ACPI_RSDP, where a BIOS
 * scan finds it, then the XSDT and RSDT (FADT, MADT, SSDT), the FACS, the FADT
 * (revision 6, PM1a and PM timer ports, SCI, DSDT), the DSDT (dsdt.asl,
 * with \_S5), the MADT (one enabled Processor Local APIC per vCPU, the
 * IOAPIC, overrides IRQ 0 -> GSI 2 and level/high for the SCI and the ISA
 * IRQs of virtio devices, LINT1 as NMI) and, with FW_PLAT_VIRTIO_ACPI and
 * devices, an SSDT with \_SB.VRnn for device nn (LNRO0005, its registers
 * and its interrupt, level, active high), each checksummed. The rest of the
 * area is zeroed. *rsdp_gpa = FW_ACPI_RSDP. Returns 0, -EINVAL for a bad
 * platform (err says which field), -ENOMEM when RAM does not cover 1 MiB.
 */
#define FW_ACPI_RSDP FW_BIOS_AREA
int fw_build_acpi(const struct dm_env *env, const struct fw_platform *plat, uint64_t *rsdp_gpa,
		  char *err, size_t errlen);

/* Where fw_load_linux puts what it builds (inside the boot information area). */
#define FW_LINUX_BOOT_PARAMS FW_BOOTINFO_BASE		/* the zero page, 4 KiB */
#define FW_LINUX_CMDLINE (FW_BOOTINFO_BASE + 0x1000ull) /* up to FW_CMDLINE_MAX bytes */
#define FW_LINUX_MIN_VERSION 0x020c /* 2.12: xloadflags, so XLF_KERNEL_64 can be checked */

/*
 * Boots a Linux bzImage by the 64-bit boot protocol (boot.rst "64-bit Boot
 * Protocol"): the protected-mode kernel at pref_address, or, for a
 * relocatable kernel whose pref_address range does not fit in RAM, at the
 * lowest kernel_alignment boundary above 1 MiB; init_size bytes from there
 * must be RAM. The initrd (optional) goes as high as initrd_addr_max, RAM
 * and 4 GiB allow, page aligned, above the kernel's init_size. The command
 * line, with " virtio_mmio.device=SIZE@0xBASE:IRQ" appended for each of
 * plat's devices when plat has FW_PLAT_VIRTIO_CMDLINE (before a "--" that
 * starts init's arguments), goes to FW_LINUX_CMDLINE; boot_params to
 * FW_LINUX_BOOT_PARAMS: the image's setup
 * header, type_of_loader 0xff, LOADED_HIGH | CAN_USE_HEAP, the initrd, the
 * command line, the e820 map of fw_memory_map and acpi_rsdp_addr. With plat,
 * fw_build_acpi writes the ACPI tables; plat NULL: no ACPI, no devices.
 * *cpu: FW_CPU_LONG64 at the load address + 0x200, RSI = boot_params, the
 * identity map of fw_load_image's ELF64 entry at cr3, the GDT with
 * FW_SEL_BOOT_CS and FW_SEL_BOOT_DS, RSP = FW_STACK_TOP, interrupts off.
 * Returns 0; -EINVAL for something that is not a bzImage this loader can
 * boot (protocol below FW_LINUX_MIN_VERSION, no 64-bit entry, truncated) or
 * a bad platform; -E2BIG when the kernel, the initrd or the command line
 * (cmdline_size, FW_CMDLINE_MAX) does not fit, or RAM is too large for the
 * page tables; -ENOMEM: RAM is not above 1 MiB. Everything is checked before
 * the first write; err names the problem as fw_load_image's does.
 */
int fw_load_linux(const struct dm_env *env, const void *bzimage, size_t len, const void *initrd,
		  size_t initrd_len, const char *cmdline, const struct fw_platform *plat,
		  struct fw_boot_cpu *cpu, char *err, size_t errlen);

#endif
