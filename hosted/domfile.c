/*
 * hosted/domfile.c: domain files (hosted/domfile.h), in the syntax of Xen's
 * xl.cfg(5): `key = value` statements ended by a newline or ';', values
 * that are a decimal number, a 'string' or "string" (a backslash escapes
 * the next character) or a [ list, of, strings ] that may span lines, and
 * # comments. Each key has a type and a setter in one table; the first bad
 * thing found is reported as "FILE:LINE: what" and nothing else is read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hosted/domfile.h"

#define MAX_ITEMS 8

enum df_type { DF_NUMBER, DF_STRING, DF_LIST };

struct df_value {
	enum df_type type;
	uint64_t num;
	const char *str;
	const char *items[MAX_ITEMS];
	unsigned int nitems;
};

/* The parser's place in the text. */
struct df_cursor {
	struct domfile *d;
	const char *p;
	unsigned int line;     /* of p */
	unsigned int key_line; /* of the statement being read */
	const char *key;
	char *err;
	size_t errlen;
};

static int fail(struct df_cursor *c, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: what" into the cursor's err; always -1. */
static int fail(struct df_cursor *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s:%u: ", c->d->file, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A copy of [s, s + len) in the domain's pool, or NULL when it is full. */
static char *pool_add(struct domfile *d, const char *s, size_t len)
{
	char *out = d->pool + d->used;

	if (len >= sizeof(d->pool) - d->used)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	d->used += len + 1;
	return out;
}

/* Spaces, tabs and comments; newlines too when nl (inside a list). */
static void skip_blank(struct df_cursor *c, int nl)
{
	for (;;) {
		if (*c->p == ' ' || *c->p == '\t' || *c->p == '\r') {
			c->p++;
		} else if (*c->p == '#') {
			while (*c->p && *c->p != '\n')
				c->p++;
		} else if (nl && *c->p == '\n') {
			c->p++, c->line++;
		} else {
			return;
		}
	}
}

/* A quoted string at c->p, unescaped into the pool. */
static int parse_string(struct df_cursor *c, const char **out)
{
	char buf[4096], quote = *c->p++;
	size_t n = 0;

	while (*c->p != quote) {
		if (*c->p == '\\' && c->p[1] && c->p[1] != '\n')
			c->p++;
		if (!*c->p || *c->p == '\n')
			return fail(c, c->line, "a string that does not end (a %c is missing)",
				    quote);
		if (n == sizeof(buf) - 1)
			return fail(c, c->line, "a string longer than %zu bytes", sizeof(buf) - 1);
		buf[n++] = *c->p++;
	}
	c->p++;
	*out = pool_add(c->d, buf, n);
	return *out ? 0
		    : fail(c, c->line, "the file's strings take more than %zu bytes",
			   sizeof(c->d->pool));
}

static int parse_number(struct df_cursor *c, uint64_t *out)
{
	uint64_t v = 0;

	for (; *c->p >= '0' && *c->p <= '9'; c->p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return fail(c, c->line, "the value of '%s' is too large", c->key);
		v = v * 10 + (uint64_t)(*c->p - '0');
	}
	*out = v;
	return 0;
}

/* [ 'a', "b", ] : strings only, a trailing comma allowed, newlines inside. */
static int parse_list(struct df_cursor *c, struct df_value *v)
{
	c->p++;
	for (;;) {
		skip_blank(c, 1);
		if (*c->p == ']')
			break;
		if (*c->p != '\'' && *c->p != '"')
			return fail(c, c->line, "a list of '%s' holds quoted strings only", c->key);
		if (v->nitems == MAX_ITEMS)
			return fail(c, c->line, "more than %d items in '%s'", MAX_ITEMS, c->key);
		if (parse_string(c, &v->items[v->nitems++]))
			return -1;
		skip_blank(c, 1);
		if (*c->p == ',')
			c->p++;
		else if (*c->p != ']')
			return fail(c, c->line, "a ',' or ']' is missing in the list of '%s'",
				    c->key);
	}
	c->p++;
	return 0;
}

static int parse_value(struct df_cursor *c, struct df_value *v)
{
	*v = (struct df_value){ 0 };
	if (*c->p == '\'' || *c->p == '"') {
		v->type = DF_STRING;
		return parse_string(c, &v->str);
	}
	if (*c->p == '[') {
		v->type = DF_LIST;
		return parse_list(c, v);
	}
	if (*c->p >= '0' && *c->p <= '9') {
		v->type = DF_NUMBER;
		return parse_number(c, &v->num);
	}
	return fail(c, c->line, "the value of '%s': give a number, a 'string' or a [list]", c->key);
}

/* A path from the file relative to the file's directory (absolute ones stay). */
static int resolve_path(struct df_cursor *c, const char *path, const char **out)
{
	const char *slash = strrchr(c->d->file, '/');
	char buf[4096];
	int n;

	if (path[0] == '/' || !slash) {
		*out = path;
		return 0;
	}
	n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - c->d->file), c->d->file, path);
	*out = n > 0 && (size_t)n < sizeof(buf) ? pool_add(c->d, buf, (size_t)n) : NULL;
	return *out ? 0 : fail(c, c->key_line, "'%s': the path is too long", c->key);
}

static int range(struct df_cursor *c, uint64_t v, uint64_t min, uint64_t max, uint64_t *out)
{
	if (v < min || v > max)
		return fail(c, c->key_line, "%s %llu: give %llu to %llu", c->key,
			    (unsigned long long)v, (unsigned long long)min,
			    (unsigned long long)max);
	*out = v;
	return 0;
}

static int set_name(struct df_cursor *c, const struct df_value *v)
{
	size_t n = strlen(v->str);

	if (!n || n >= DOMFILE_NAME_LEN ||
	    strspn(v->str, "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789-_") != n)
		return fail(c, c->key_line, "name '%s': give 1 to %d letters, digits, '-' or '_'",
			    v->str, DOMFILE_NAME_LEN - 1);
	memcpy(c->d->name, v->str, n + 1);
	return 0;
}

/* Any size a host could hold; domfile_check_memory compares it with the host's. */
static int set_memory(struct df_cursor *c, const struct df_value *v)
{
	return range(c, v->num, 4, 1u << 30, &c->d->memory_mib);
}

static int set_maxmem(struct df_cursor *c, const struct df_value *v)
{
	return range(c, v->num, 4, 1u << 30, &c->d->maxmem_mib);
}

static int set_uint(struct df_cursor *c, const struct df_value *v, unsigned int min,
		    unsigned int max, unsigned int *out)
{
	uint64_t n = 0;

	if (range(c, v->num, min, max, &n))
		return -1;
	*out = (unsigned int)n;
	return 0;
}

static int set_vcpus(struct df_cursor *c, const struct df_value *v)
{
	return set_uint(c, v, 1, BVM_MAX_CPUS, &c->d->vcpus);
}

static int set_weight(struct df_cursor *c, const struct df_value *v)
{
	return set_uint(c, v, 1, 65535, &c->d->weight);
}

/* Checked against vcpus once the whole file is read (domfile_finish). */
static int set_cap(struct df_cursor *c, const struct df_value *v)
{
	return set_uint(c, v, 0, 100 * BVM_MAX_CPUS, &c->d->cap);
}

static int set_kernel(struct df_cursor *c, const struct df_value *v)
{
	if (!v->str[0])
		return fail(c, c->key_line, "kernel: give the path of a guest image");
	return resolve_path(c, v->str, &c->d->kernel);
}

static int set_ramdisk(struct df_cursor *c, const struct df_value *v)
{
	if (!v->str[0])
		return fail(c, c->key_line, "ramdisk: give the path of an initrd");
	return resolve_path(c, v->str, &c->d->ramdisk);
}

static int set_cmdline(struct df_cursor *c, const struct df_value *v)
{
	if (strlen(v->str) >= FW_CMDLINE_MAX)
		return fail(c, c->key_line, "cmdline: %zu bytes, give at most %d", strlen(v->str),
			    FW_CMDLINE_MAX - 1);
	c->d->cmdline = v->str;
	return 0;
}

static int set_accel(struct df_cursor *c, const struct df_value *v)
{
	if (strcmp(v->str, "kvm") && strcmp(v->str, "bivisor"))
		return fail(c, c->key_line, "accel '%s': give kvm or bivisor", v->str);
	c->d->accel = v->str;
	return 0;
}

static int set_action(struct df_cursor *c, const char *s, enum domfile_action *out)
{
	if (!strcmp(s, "destroy") || !strcmp(s, "preserve")) {
		*out = s[0] == 'd' ? DF_DESTROY : DF_PRESERVE;
		return 0;
	}
	if (!strcmp(s, "restart"))
		return fail(c, c->key_line,
			    "%s 'restart': bvm cannot restart a domain yet; "
			    "give destroy or preserve",
			    c->key);
	return fail(c, c->key_line, "%s '%s': give destroy or preserve", c->key, s);
}

static int set_on_poweroff(struct df_cursor *c, const struct df_value *v)
{
	return set_action(c, v->str, &c->d->on_poweroff);
}

static int set_on_crash(struct df_cursor *c, const struct df_value *v)
{
	return set_action(c, v->str, &c->d->on_crash);
}

/* One item of a disk spec: its xl key (target, format, vdev, access) and its value. */
static int disk_item(struct df_cursor *c, const char *key, const char *val, const char **path,
		     int *ro)
{
	if (!strcmp(key, "target"))
		*path = val;
	else if (!strcmp(key, "format") && strcmp(val, "raw"))
		return fail(c, c->key_line, "disk format '%s': bvm reads raw images only", val);
	else if (!strcmp(key, "access") && strcmp(val, "rw") && strcmp(val, "w"))
		*ro = !strcmp(val, "ro") || !strcmp(val, "r") ? 1 : -1;
	else if (strcmp(key, "format") && strcmp(key, "vdev") && strcmp(key, "access") &&
		 strcmp(key, "devtype"))
		return fail(c, c->key_line, "disk key '%s': give target, format, vdev or access",
			    key);
	if (*ro < 0)
		return fail(c, c->key_line, "disk access '%s': give ro or rw", val);
	return 0;
}

/* The next ", "-separated item of s: "key=value" or a positional value (key NULL). */
static const char *next_item(const char **s, char *buf, size_t len, const char **key)
{
	const char *end = strchr(*s, ','), *eq;
	size_t n = end ? (size_t)(end - *s) : strlen(*s);

	if (!strncmp(*s, "target=", 7))
		n = strlen(*s); /* xl: target comes last and may hold commas */
	n = n < len ? n : len - 1;
	memcpy(buf, *s, n);
	buf[n] = '\0';
	*s += n + ((*s)[n] == ',');
	while (**s == ' ')
		(*s)++;
	eq = strchr(buf, '=');
	*key = NULL;
	if (!eq)
		return buf;
	buf[eq - buf] = '\0';
	*key = buf;
	return eq + 1;
}

/* 'PATH' or xl's 'target=PATH, access=ro' (also positional: target,format,vdev,access). */
static int disk_spec(struct df_cursor *c, const char *spec, const char **out)
{
	static const char *const positional[] = { "target", "format", "vdev", "access" };
	const char *path = NULL, *key, *val;
	char buf[4096], item[4096];
	int ro = 0;

	for (unsigned int i = 0; *spec; i++) {
		val = next_item(&spec, item, sizeof(item), &key);
		if (!key && i >= 4)
			return fail(c, c->key_line, "disk '%s': too many items", val);
		if (disk_item(c, key ? key : positional[i], val, &path, &ro))
			return -1;
		if (path == val) /* item is reused by the next round */
			path = pool_add(c->d, val, strlen(val));
	}
	if (!path || !path[0])
		return fail(c, c->key_line, "disk: an item without a target (give 'PATH')");
	if (resolve_path(c, path, &path))
		return -1;
	snprintf(buf, sizeof(buf), "%s%s", path, ro ? ",ro" : "");
	*out = pool_add(c->d, buf, strlen(buf));
	return *out ? 0 : fail(c, c->key_line, "disk: the file's strings are too long");
}

/* Each item of a list key through its spec parser, at most max of them. */
static int set_specs(struct df_cursor *c, const struct df_value *v, unsigned int max,
		     int (*spec)(struct df_cursor *c, const char *item, const char **out),
		     const char **out, unsigned int *n)
{
	if (v->nitems > max)
		return fail(c, c->key_line, "%s: %u items, bvm takes at most %u", c->key, v->nitems,
			    max);
	for (unsigned int i = 0; i < v->nitems; i++) {
		if (spec(c, v->items[i], &out[i]))
			return -1;
	}
	*n = v->nitems;
	return 0;
}

static int set_disk(struct df_cursor *c, const struct df_value *v)
{
	return set_specs(c, v, BVM_MAX_DISKS, disk_spec, c->d->disks, &c->d->ndisks);
}

/* 'vifname=TAP' (xl's name of the host's end) or 'tap=TAP' or 'socket=FD'. */
static int vif_spec(struct df_cursor *c, const char *spec, const char **out)
{
	const char *key, *val, *rest = spec;
	char item[256], buf[300];

	*out = NULL;
	while (*rest) {
		val = next_item(&rest, item, sizeof(item), &key);
		if (!key || (strcmp(key, "vifname") && strcmp(key, "tap") && strcmp(key, "socket")))
			return fail(c, c->key_line,
				    "vif '%s': bvm takes vifname=TAP, tap=TAP or socket=FD "
				    "(no bridge, mac or script)",
				    spec);
		if (*out || !val[0])
			return fail(c, c->key_line, "vif '%s': give one TAP or socket", spec);
		snprintf(buf, sizeof(buf), "%s=%s", key[0] == 's' ? "socket" : "tap", val);
		*out = pool_add(c->d, buf, strlen(buf));
	}
	if (!*out)
		return fail(c, c->key_line, "vif '%s': give vifname=TAP or socket=FD", spec);
	return 0;
}

static int set_vif(struct df_cursor *c, const struct df_value *v)
{
	return set_specs(c, v, BVM_MAX_NETS, vif_spec, c->d->nets, &c->d->nnets);
}

static const struct df_keydef {
	const char *name;
	enum df_type type;
	int (*set)(struct df_cursor *c, const struct df_value *v);
} keys[DF_KEYS] = {
	[DF_NAME] = { "name", DF_STRING, set_name },
	[DF_MEMORY] = { "memory", DF_NUMBER, set_memory },
	[DF_VCPUS] = { "vcpus", DF_NUMBER, set_vcpus },
	[DF_KERNEL] = { "kernel", DF_STRING, set_kernel },
	[DF_RAMDISK] = { "ramdisk", DF_STRING, set_ramdisk },
	[DF_CMDLINE] = { "cmdline", DF_STRING, set_cmdline },
	[DF_DISK] = { "disk", DF_LIST, set_disk },
	[DF_VIF] = { "vif", DF_LIST, set_vif },
	[DF_ON_POWEROFF] = { "on_poweroff", DF_STRING, set_on_poweroff },
	[DF_ON_CRASH] = { "on_crash", DF_STRING, set_on_crash },
	[DF_WEIGHT] = { "weight", DF_NUMBER, set_weight },
	[DF_CAP] = { "cap", DF_NUMBER, set_cap },
	[DF_ACCEL] = { "accel", DF_STRING, set_accel },
	[DF_MAXMEM] = { "maxmem", DF_NUMBER, set_maxmem },
};

static const char *const type_names[] = { [DF_NUMBER] = "a number",
					  [DF_STRING] = "a quoted string",
					  [DF_LIST] = "a [list] of quoted strings" };

/* The key c->key names: known, given once, with a value of its type. */
static int apply(struct df_cursor *c, const struct df_value *v)
{
	for (unsigned int k = 0; k < DF_KEYS; k++) {
		if (strcmp(c->key, keys[k].name))
			continue;
		if (c->d->line[k])
			return fail(c, c->key_line, "'%s' again (first on line %u)", c->key,
				    c->d->line[k]);
		if (v->type != keys[k].type)
			return fail(c, c->key_line, "the value of '%s': give %s", c->key,
				    type_names[keys[k].type]);
		c->d->line[k] = c->key_line;
		return keys[k].set(c, v);
	}
	return fail(c, c->key_line, "unknown key '%s'", c->key);
}

/* key = value, then the end of the line, a ';' or of the file. */
static int parse_statement(struct df_cursor *c)
{
	const char *start = c->p;
	char key[64];
	struct df_value v;

	c->key_line = c->line;
	while ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z') ||
	       (*c->p >= '0' && *c->p <= '9' && c->p != start) || *c->p == '_')
		c->p++;
	if (c->p == start || (size_t)(c->p - start) >= sizeof(key))
		return fail(c, c->line, "give 'key = value' (a key is letters, digits, '_')");
	snprintf(key, sizeof(key), "%.*s", (int)(c->p - start), start);
	c->key = key;
	skip_blank(c, 0);
	if (*c->p++ != '=')
		return fail(c, c->line, "'%s': an '=' is missing", key);
	skip_blank(c, 0);
	if (parse_value(c, &v))
		return -1;
	skip_blank(c, 0);
	if (*c->p && *c->p != '\n' && *c->p != ';')
		return fail(c, c->line, "'%s': more after its value ('%c')", key, *c->p);
	return apply(c, &v);
}

/* What the whole file must hold, and the checks between keys. */
static int domfile_finish(struct df_cursor *c)
{
	struct domfile *d = c->d;

	if (!d->line[DF_NAME])
		return fail(c, c->line, "no 'name' (give name = \"NAME\")");
	if (!d->line[DF_KERNEL])
		return fail(c, c->line, "no 'kernel' (give kernel = \"PATH\")");
	if (d->cap > 100 * d->vcpus) {
		c->key = "cap";
		return fail(c, d->line[DF_CAP], "cap %u: give 0 (no cap) to %u (%u vcpus)", d->cap,
			    100 * d->vcpus, d->vcpus);
	}
	if (d->line[DF_MAXMEM] && d->maxmem_mib < d->memory_mib) {
		c->key = "maxmem";
		return fail(c, d->line[DF_MAXMEM],
			    "maxmem %llu MiB: give at least memory (%llu MiB)",
			    (unsigned long long)d->maxmem_mib, (unsigned long long)d->memory_mib);
	}
	return 0;
}

int domfile_parse(struct domfile *d, const char *file, const char *text, char *err, size_t errlen)
{
	struct df_cursor c = { .d = d, .p = text, .line = 1, .err = err, .errlen = errlen };

	memset(d, 0, sizeof(*d));
	*d = (struct domfile){ .file = file,
			       .cmdline = "",
			       .accel = "kvm",
			       .memory_mib = 256,
			       .vcpus = 1,
			       .weight = 256 };
	for (;;) {
		skip_blank(&c, 1);
		if (*c.p == ';') {
			c.p++;
			continue;
		}
		if (!*c.p)
			break;
		if (parse_statement(&c))
			return -1;
	}
	return domfile_finish(&c);
}

int domfile_check_memory(const struct domfile *d, uint64_t avail_mib, char *err, size_t errlen)
{
	unsigned int line = d->line[DF_MEMORY];
	unsigned long long mib = (unsigned long long)d->memory_mib;

	if (d->memory_mib > avail_mib)
		snprintf(err, errlen,
			 "%s:%u: memory %llu MiB: more than the host has free (%llu MiB "
			 "MemAvailable)",
			 d->file, line, mib, (unsigned long long)avail_mib);
	else if (d->memory_mib > DOMFILE_MAX_MEM_MIB)
		snprintf(err, errlen, "%s:%u: memory %llu MiB: bvm gives a guest at most %u MiB",
			 d->file, line, mib, DOMFILE_MAX_MEM_MIB);
	else if (d->maxmem_mib > DOMFILE_MAX_MEM_MIB)
		snprintf(err, errlen, "%s:%u: maxmem %llu MiB: bvm gives a guest at most %u MiB",
			 d->file, d->line[DF_MAXMEM], (unsigned long long)d->maxmem_mib,
			 DOMFILE_MAX_MEM_MIB);
	else
		return 0;
	return -1;
}

static int check_file(const struct domfile *d, enum domfile_key k, const char *path, char *err,
		      size_t errlen)
{
	if (!access(path, R_OK))
		return 0;
	snprintf(err, errlen, "%s:%u: %s '%s': %s", d->file, d->line[k], keys[k].name, path,
		 strerror(errno));
	return -1;
}

int domfile_check_files(const struct domfile *d, char *err, size_t errlen)
{
	char path[4096];

	if (check_file(d, DF_KERNEL, d->kernel, err, errlen) ||
	    (d->ramdisk && check_file(d, DF_RAMDISK, d->ramdisk, err, errlen)))
		return -1;
	for (unsigned int i = 0; i < d->ndisks; i++) {
		const char *ro = strrchr(d->disks[i], ',');
		size_t n =
			ro && !strcmp(ro, ",ro") ? (size_t)(ro - d->disks[i]) : strlen(d->disks[i]);

		snprintf(path, sizeof(path), "%.*s", (int)n, d->disks[i]);
		if (check_file(d, DF_DISK, path, err, errlen))
			return -1;
	}
	return 0;
}

void domfile_to_options(const struct domfile *d, struct bvm_options *o)
{
	*o = (struct bvm_options){ .kernel = d->kernel,
				   .initrd = d->ramdisk,
				   .cmdline = d->cmdline,
				   .mem = d->memory_mib << 20,
				   .cpus = d->vcpus,
				   .console = "stdio", /* bvm create puts COM1 on its ring */
				   .vconsole = "none",
				   .ndisks = d->ndisks,
				   .nnets = d->nnets };
	if (d->line[DF_MAXMEM]) { /* boots with maxmem; the balloon takes it down to memory */
		o->mem = d->maxmem_mib << 20;
		o->balloon = d->memory_mib << 20;
	}
	snprintf(o->name, sizeof(o->name), "%s", d->name);
	memcpy(o->disks, d->disks, sizeof(o->disks));
	memcpy(o->nets, d->nets, sizeof(o->nets));
}

const char *domfile_action_name(enum domfile_action a)
{
	return a == DF_PRESERVE ? "preserve" : "destroy";
}
