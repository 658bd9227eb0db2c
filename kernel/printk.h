/*
 * kernel/printk.h: the hypervisor console. Every log line carries a
 * timestamp (seconds since boot, from the TSC) and a level; `loglevel=`
 * chooses which levels reach the console.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdint.h>

enum log_level {
	LOG_ERR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

enum console_kind {
	CONSOLE_COM1,
	CONSOLE_COM2,
	CONSOLE_NONE,
};

void console_init(enum console_kind kind);
void console_set_loglevel(int level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Unconditional, unprefixed output (register dumps, banners). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For panic and exception paths: take the console even if another CPU holds it. */
void printk_force(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A key typed on the console, or -1 (the debug console polls it). */
int console_getc(void);

#endif
