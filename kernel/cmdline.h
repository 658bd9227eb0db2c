/*
 * kernel/cmdline.h: the hypervisor command line ("loglevel=4 console=com1
 * testexit"). Words are matched against a table of options; an unknown word
 * or a bad value is reported through a callback and parsing goes on.
 * Pure code (host unit tests).
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_WORD 512

struct cmdline_opt {
	const char *name;
	int takes_value; /* "name=value" rather than a bare "name" */
	/* Returns 0, or -EINVAL for a value it does not accept. */
	int (*set)(void *ctx, const char *value);
	const char *help;
};

/* Receives "unknown option 'x'" or "bad value 'v' for option 'x' (help)". */
typedef void (*cmdline_warn_fn)(void *ctx, const char *msg);

/* Returns the number of problems reported. */
int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts, size_t nopts, void *ctx,
		  cmdline_warn_fn warn);

/* Helpers for option setters. */
int cmdline_parse_uint(const char *s, unsigned long *out);

#endif
