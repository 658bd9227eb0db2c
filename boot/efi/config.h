/*
 * boot/efi/config.h: the configuration file of bivisor.efi, by default
 * \EFI\bivisor\bivisor.cfg on the EFI System Partition. Its syntax (the
 * GRUB entry's, one file per line; docs/uefi.md has the details):
 *
 *     # a comment
 *     kernel /EFI/bivisor/bivisor.elf loglevel=info
 *     module /EFI/bivisor/hello.elf name=hello
 */
#ifndef BOOT_EFI_CONFIG_H
#define BOOT_EFI_CONFIG_H

#include <stddef.h>

#define CFG_MAX_MODS 16	   /* the kernel keeps 16 (BOOT_MAX_MODS) */
#define CFG_MAX_PATH 255   /* characters of a file path */
#define CFG_MAX_SIZE 65536 /* bytes of the whole file */

struct cfg_file {
	const char *path; /* absolute on the ESP, '/' or '\' separated */
	const char *args; /* the rest of the line, as written; "" if none */
	unsigned int line;
};

struct cfg {
	struct cfg_file kernel;
	struct cfg_file mods[CFG_MAX_MODS];
	unsigned int nmods;
};

/*
 * Parses the file's len bytes in place: words are cut out with NULs, so text
 * must have room for len + 1 bytes and outlive the results, which point into
 * it. Returns 0, or
 * -EINVAL with a one-line reason in err ("line 3: unknown keyword ...").
 */
int cfg_parse(char *text, size_t len, struct cfg *cfg, char *err, size_t errlen);

#endif
