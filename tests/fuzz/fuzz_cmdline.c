/*
 * tests/fuzz/fuzz_cmdline.c: libFuzzer target of kernel/cmdline.c, the
 * parser of the hypervisor's command line and of each guest module's line
 * (words, name=value, quoting, word length limits, cmdline_parse_uint).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/errno.h"

static int set_uint(void *ctx, const char *value)
{
	unsigned long v;

	(void)ctx;
	return cmdline_parse_uint(value, &v) ? -EINVAL : 0;
}

static int set_word(void *ctx, const char *value)
{
	(void)ctx;
	return strlen(value) < CMDLINE_MAX_WORD ? 0 : -EINVAL;
}

static int set_flag(void *ctx, const char *value)
{
	(void)ctx, (void)value; /* value is NULL: a bare word */
	return 0;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cmdline_opt opts[] = {
		{ "loglevel", 1, set_uint, "0-7" },
		{ "console", 1, set_word, "com1 or none" },
		{ "testexit", 0, set_flag, "a bare word" },
		{ "cpus", 1, set_uint, "a count" },
	};
	char *line = malloc(size + 1);

	memcpy(line, data, size);
	line[size] = 0;
	(void)cmdline_parse(line, opts, sizeof(opts) / sizeof(opts[0]), NULL, warn);
	free(line);
	return 0;
}
