/*
 * kernel/guest_console.h: a domain's console, its COM1 (the drivers/ 16550
 * model) and the line buffers that turn the guest's bytes into lines on the
 * hypervisor console, "[NAME] line", keeping the last few for a crash report.
 */
#ifndef KERNEL_GUEST_CONSOLE_H
#define KERNEL_GUEST_CONSOLE_H

#include "drivers/dm_env.h"
#include "drivers/uart16550.h"

#define GUEST_CONSOLE_LINE 160
#define GUEST_CONSOLE_LAST 6

struct guest_console {
	const char *name; /* the domain's, in front of each line */
	struct uart16550 com1;
	struct dm_stream out;
	char line[GUEST_CONSOLE_LINE]; /* output waiting for its newline */
	unsigned int line_len;
	char last[GUEST_CONSOLE_LAST][GUEST_CONSOLE_LINE]; /* its last lines */
	unsigned int nlast;
};

/* Sets up COM1 (IRQ 4) on env; name and env must outlive c. The caller registers
 * c->com1 at ports 0x3f8-0x3ff. */
void guest_console_init(struct guest_console *c, const char *name, const struct dm_env *env);
/* Prints its last lines, if any, indented, for a crash report. */
void guest_console_print_last(const struct guest_console *c);

#endif
