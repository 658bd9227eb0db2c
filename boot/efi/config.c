/*
 * boot/efi/config.c: parses bivisor.efi's configuration file (the syntax is in
 * config.h and docs/uefi.md). Pure code: it runs in the EFI application and in
 * the host unit tests, and names the line of every mistake it finds.
 */
#include "boot/efi/config.h"
#include "kernel/errno.h"
#include "lib/format.h"
#include "lib/string.h"

struct cursor {
	char *text;
	size_t pos, end; /* the current line is [pos, end) */
	unsigned int line;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t word_end(const char *t, size_t i, size_t end)
{
	while (i < end && !is_blank(t[i]))
		i++;
	return i;
}

static size_t skip_blanks(const char *t, size_t i, size_t end)
{
	while (i < end && is_blank(t[i]))
		i++;
	return i;
}

static int fail(char *err, size_t errlen, unsigned int line, const char *what)
{
	fmt_snprintf(err, errlen, "line %u: %s", line, what);
	return -EINVAL;
}

/* Only printable ASCII, tabs and CRs: anything else is a mistake worth naming. */
static int line_check_bytes(const struct cursor *c, char *err, size_t errlen)
{
	char what[64];

	for (size_t i = c->pos; i < c->end; i++) {
		unsigned char b = (unsigned char)c->text[i];

		if ((b < 0x20 && b != '\t' && b != '\r') || b > 0x7e) {
			fmt_snprintf(what, sizeof(what),
				     "byte %#x at column %u is not printable ASCII", b,
				     (unsigned int)(i - c->pos + 1));
			return fail(err, errlen, c->line, what);
		}
	}
	return 0;
}

/* Fills f from "PATH ARGS" in [i, end) of the current line; end is trimmed. */
static int line_file(struct cursor *c, const char *kw, size_t i, size_t end, struct cfg_file *f,
		     char *err, size_t errlen)
{
	char *t = c->text;
	size_t pe = word_end(t, i, end);
	char what[96];

	if (i == end) {
		fmt_snprintf(what, sizeof(what), "'%s' needs a file path", kw);
		return fail(err, errlen, c->line, what);
	}
	if (t[i] != '/' && t[i] != '\\') {
		fmt_snprintf(what, sizeof(what), "the path '%.*s' does not start with / or \\",
			     (int)(pe - i > 40 ? 40 : pe - i), t + i);
		return fail(err, errlen, c->line, what);
	}
	if (pe - i > CFG_MAX_PATH) {
		fmt_snprintf(what, sizeof(what), "the path is longer than %d characters",
			     CFG_MAX_PATH);
		return fail(err, errlen, c->line, what);
	}
	f->path = t + i;
	f->args = t + skip_blanks(t, pe, end);
	f->line = c->line;
	t[end] = '\0'; /* end of the arguments (or of the path when there are none) */
	t[pe] = '\0';
	return 0;
}

static int line_parse(struct cursor *c, struct cfg *cfg, char *err, size_t errlen)
{
	char *t = c->text;
	size_t i = skip_blanks(t, c->pos, c->end), end = c->end, kw_end;
	char what[96];

	while (end > i && is_blank(t[end - 1]))
		end--;
	if (i == end || t[i] == '#')
		return 0;
	kw_end = word_end(t, i, end);
	if (kw_end - i == 6 && !memcmp(t + i, "kernel", 6)) {
		if (cfg->kernel.path) {
			fmt_snprintf(what, sizeof(what),
				     "a second 'kernel' line (the first is line %u)",
				     cfg->kernel.line);
			return fail(err, errlen, c->line, what);
		}
		return line_file(c, "kernel", skip_blanks(t, kw_end, end), end, &cfg->kernel, err,
				 errlen);
	}
	if (kw_end - i == 6 && !memcmp(t + i, "module", 6)) {
		if (cfg->nmods == CFG_MAX_MODS) {
			fmt_snprintf(what, sizeof(what), "more than %d modules", CFG_MAX_MODS);
			return fail(err, errlen, c->line, what);
		}
		return line_file(c, "module", skip_blanks(t, kw_end, end), end,
				 &cfg->mods[cfg->nmods++], err, errlen);
	}
	fmt_snprintf(what, sizeof(what),
		     "unknown keyword '%.*s' (a line is 'kernel PATH ARGS', 'module PATH ARGS' "
		     "or a # comment)",
		     (int)(kw_end - i > 20 ? 20 : kw_end - i), t + i);
	return fail(err, errlen, c->line, what);
}

int cfg_parse(char *text, size_t len, struct cfg *cfg, char *err, size_t errlen)
{
	struct cursor c = { text, 0, 0, 0 };
	int e;

	memset(cfg, 0, sizeof(*cfg));
	if (len > CFG_MAX_SIZE) {
		fmt_snprintf(err, errlen, "the file has %zu bytes; at most %d are read", len,
			     CFG_MAX_SIZE);
		return -EINVAL;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		c.pos = 3; /* a UTF-8 byte order mark, as some editors write */
	while (c.pos < len) {
		c.line++;
		for (c.end = c.pos; c.end < len && text[c.end] != '\n';)
			c.end++;
		e = line_check_bytes(&c, err, errlen);
		if (!e)
			e = line_parse(&c, cfg, err, errlen);
		if (e)
			return e;
		c.pos = c.end + 1;
	}
	if (!cfg->kernel.path) {
		fmt_snprintf(err, errlen, "no 'kernel PATH ARGS' line");
		return -EINVAL;
	}
	return 0;
}
