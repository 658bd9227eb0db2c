/*
 * kernel/mb2.h: parser of the Multiboot2 boot information into struct
 * boot_info (Multiboot2 spec 1.0, section 3.6 "Boot information format").
 */
#ifndef KERNEL_MB2_H
#define KERNEL_MB2_H

#include <stdint.h>

#include "kernel/bootinfo.h"

#include "lib/mb2.h"

/*
 * Parses the information block at mbi (whose physical address is mbi_phys).
 * Returns 0, or -EINVAL for a wrong magic or a malformed block.
 */
int mb2_parse(uint32_t magic, const void *mbi, uint64_t mbi_phys, struct boot_info *bi);

#endif
