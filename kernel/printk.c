/*
 * kernel/printk.c: formats log lines with lib/format.c and writes them to
 * the console serial port under a lock, so lines from several CPUs do not
 * interleave. A line looks like "[    1.234567] cpu1: text".
 */
#include <stdarg.h>

#include "arch/x86/serial.h"
#include "arch/x86/tsc.h"
#include "lib/format.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

static uint16_t console_port = COM1_PORT;
static int console_level = LOG_INFO;
static spinlock_t console_lock;

void console_init(enum console_kind kind)
{
	console_port = kind == CONSOLE_COM2 ? COM2_PORT : kind == CONSOLE_NONE ? 0 : COM1_PORT;
	if (console_port)
		serial_init(console_port);
}

void console_set_loglevel(int level)
{
	console_level = level;
}

static void console_write(const char *s, uint64_t len)
{
	if (!console_port)
		return;
	for (uint64_t i = 0; i < len; i++)
		serial_putc(console_port, s[i]);
}

static void emit(int force, const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n = 0, locked = 1;
	uint64_t flags = 0;

	if (prefix)
		n = fmt_snprintf(line, sizeof(line), "%s", prefix);
	fmt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (force)
		locked = spin_trylock_bounded(&console_lock, 10000000);
	else
		flags = spin_lock_irqsave(&console_lock);
	for (const char *p = line; *p; p++)
		console_write(p, 1);
	if (force && locked)
		__atomic_store_n(&console_lock.locked, 0, __ATOMIC_RELEASE);
	else if (!force)
		spin_unlock_irqrestore(&console_lock, flags);
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const tags[] = { "", "error: ", "warning: ", "", "" };
	char prefix[48];
	uint64_t ns = tsc_ns();
	va_list ap;

	if (level > console_level)
		return;
	fmt_snprintf(prefix, sizeof(prefix), "[%5lu.%06lu] %s", ns / 1000000000ul,
		     ns / 1000 % 1000000, tags[level < 5 && level > 0 ? level : 0]);
	va_start(ap, fmt);
	emit(0, prefix, fmt, ap);
	va_end(ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(0, NULL, fmt, ap);
	va_end(ap);
}

void printk_force(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, NULL, fmt, ap);
	va_end(ap);
}

int console_getc(void)
{
	return console_port ? serial_getc(console_port) : -1;
}
