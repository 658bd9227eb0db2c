/*
 * kernel/platform.h: the PC devices of a domain (I/O APIC, 8259 pair, PIT,
 * CMOS clock, ACPI PM registers, fw_cfg, PCI host bridge), the same for Linux
 * and for test guests.
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdint.h>

struct domain;

/* Loads a bzImage (fw_image_probe said FW_IMAGE_LINUX; 64-bit boot protocol,
 * drivers/firmware/linux.c) with its initramfs and ACPI tables for the domain's
 * vCPUs, after creating the devices; logs why on failure. */
int domain_load_linux(struct domain *d, const void *bzimage, uint64_t len, const void *initrd,
		      uint64_t initrd_len, const char *cmdline);
/* Creates the devices and registers their ports and MMIO; -errno on failure. */
int platform_create(struct domain *d);
void platform_destroy(struct domain *d);
/* Raises the PIT's interrupt if it is due; vCPU 0's CPU calls it before each entry. */
void platform_update(struct domain *d);
/* Whether the 8259 pair's INT is asserted (read without the device lock). */
int platform_pic_pending(struct domain *d);
/* The 8259's INTA cycle under the device lock: the vector to inject. */
uint8_t platform_pic_ack(struct domain *d);
/* An edge on vIOAPIC input gsi (raised, then lowered) under the device lock; any CPU. */
void platform_pulse_gsi(struct domain *d, unsigned int gsi);
/* When the PIT next raises its interrupt (tsc_ns time), or 0. */
uint64_t platform_next_event_ns(struct domain *d);

#endif
