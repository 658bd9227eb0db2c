/*
 * drivers/firmware/boot_cmdline.h: the command line a Multiboot (1 or 2)
 * kernel is given, with the image's name as its first word, as GRUB's
 * `multiboot`/`multiboot2` commands and QEMU's -kernel give it (test kernels
 * take that word as argv[0]). Written against drivers/dm_env.h only.
 */
#ifndef DRIVERS_FIRMWARE_BOOT_CMDLINE_H
#define DRIVERS_FIRMWARE_BOOT_CMDLINE_H

#include <stddef.h>

/*
 * Writes "name cmdline" (or name alone when cmdline is empty or NULL) into
 * buf with its NUL. Returns 0, -EINVAL for an empty name or one with a space
 * (it would not be one word), or -E2BIG when it does not fit in size bytes.
 */
int fw_boot_cmdline(char *buf, size_t size, const char *name, const char *cmdline);

#endif
