/*
 * drivers/firmware/boot_cmdline.c: a Multiboot kernel's command line with
 * the image's name as argv[0] (Multiboot 0.6.96 3.3 "cmdline", Multiboot2
 * 3.6.3: the loader passes the command line it was given, and GRUB's starts
 * with the kernel's path).
 */
#include "drivers/dm_env.h"
#include "drivers/firmware/boot_cmdline.h"

/* Appends s at *pos; 0, or -E2BIG when s and a NUL after it do not fit. */
static int put(char *buf, size_t size, size_t *pos, const char *s)
{
	for (; *s; s++) {
		if (*pos + 1 >= size)
			return -E2BIG;
		buf[(*pos)++] = *s;
	}
	buf[*pos] = '\0';
	return 0;
}

int fw_boot_cmdline(char *buf, size_t size, const char *name, const char *cmdline)
{
	size_t pos = 0;
	int rc;

	if (!size)
		return -E2BIG;
	buf[0] = '\0';
	if (!name || !*name)
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == ' ')
			return -EINVAL;
	rc = put(buf, size, &pos, name);
	if (!rc && cmdline && *cmdline)
		rc = put(buf, size, &pos, " ");
	if (!rc && cmdline)
		rc = put(buf, size, &pos, cmdline);
	return rc;
}
