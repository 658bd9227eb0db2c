/*
 * kernel/guest_console.c: a domain's console. Its COM1 is the shared 16550
 * model (drivers/uart16550.c); the bytes the guest writes to it come here,
 * become whole lines prefixed with the domain's name on the hypervisor
 * console, and the last few are kept for domain_crash's report.
 */
#include "kernel/guest_console.h"
#include "kernel/printk.h"
#include "lib/string.h"

/* A finished line: printed, and kept among the last ones. */
static void line_end(struct guest_console *c)
{
	c->line[c->line_len] = '\0';
	printk("[%s] %s\n", c->name, c->line);
	memcpy(c->last[c->nlast++ % GUEST_CONSOLE_LAST], c->line, c->line_len + 1);
	c->line_len = 0;
}

/* The stream COM1 writes to: whole lines, control characters shown as '?'. */
static size_t console_guest_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct guest_console *c = ctx;

	for (size_t i = 0; i < len; i++) {
		char ch = (char)buf[i];

		if (ch == '\r')
			continue;
		if (ch != '\n' && c->line_len < GUEST_CONSOLE_LINE - 1) {
			c->line[c->line_len++] = (ch >= ' ' && ch < 127) || ch == '\t' ? ch : '?';
			continue;
		}
		line_end(c);
		if (ch != '\n')
			c->line[c->line_len++] = ch;
	}
	return len;
}

void guest_console_init(struct guest_console *c, const char *name, const struct dm_env *env)
{
	c->name = name;
	c->out = (struct dm_stream){ .ctx = c, .write = console_guest_write };
	uart16550_init(&c->com1, env, &c->out, 4);
}

void guest_console_print_last(const struct guest_console *c)
{
	unsigned int first = c->nlast > GUEST_CONSOLE_LAST ? c->nlast - GUEST_CONSOLE_LAST : 0;

	if (c->nlast)
		printk("  its last console lines:\n");
	for (unsigned int i = first; i < c->nlast; i++)
		printk("  | %s\n", c->last[i % GUEST_CONSOLE_LAST]);
}
