/*
 * kernel/cmdline.c: splits the command line into words (spaces separate,
 * double quotes group) and hands each "name" or "name=value" to its option.
 * Words longer than CMDLINE_MAX_WORD are reported, not cut silently.
 */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "lib/format.h"

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int cmdline_parse_uint(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned long d = (unsigned long)(*s - '0');

		if (*s < '0' || *s > '9' || v > (~0ul - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static const struct cmdline_opt *find(const struct cmdline_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(opts[i].name, name))
			return &opts[i];
	return NULL;
}

static int apply(char *word, const struct cmdline_opt *opts, size_t nopts, void *ctx,
		 cmdline_warn_fn warn)
{
	char msg[CMDLINE_MAX_WORD * 2 + 64];
	const struct cmdline_opt *o;
	char *value = NULL;

	for (char *p = word; *p; p++) {
		if (*p == '=') {
			*p = '\0';
			value = p + 1;
			break;
		}
	}
	o = find(opts, nopts, word);
	if (!o) {
		fmt_snprintf(msg, sizeof(msg), "unknown option '%s' ignored", word);
	} else if (!!o->takes_value != !!value) {
		fmt_snprintf(msg, sizeof(msg), "option '%s' %s ignored", word,
			     value ? "takes no value;" : "needs a value (name=value);");
	} else if (o->set(ctx, value) == 0) {
		return 0;
	} else {
		fmt_snprintf(msg, sizeof(msg), "bad value '%s' for option '%s' (%s) ignored",
			     value ? value : "", word, o->help);
	}
	warn(ctx, msg);
	return 1;
}

/* Copies the next word into buf; returns the position after it, or NULL at the end. */
static const char *next_word(const char *p, char *buf, size_t size, int *too_long)
{
	size_t n = 0;
	int quoted = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	*too_long = 0;
	for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < size)
			buf[n++] = *p;
		else
			*too_long = 1;
	}
	buf[n] = '\0';
	return p;
}

int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts, size_t nopts, void *ctx,
		  cmdline_warn_fn warn)
{
	char word[CMDLINE_MAX_WORD], msg[CMDLINE_MAX_WORD + 64];
	int problems = 0, too_long;
	const char *p = cmdline ? cmdline : "";

	while ((p = next_word(p, word, sizeof(word), &too_long))) {
		if (too_long) {
			fmt_snprintf(msg, sizeof(msg), "option '%.40s...' too long; ignored", word);
			warn(ctx, msg);
			problems++;
			continue;
		}
		problems += apply(word, opts, nopts, ctx, warn);
	}
	return problems;
}
