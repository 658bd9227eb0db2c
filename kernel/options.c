/*
 * kernel/options.c: the table of hypervisor command-line options. Unknown
 * options and bad values are warned about on the console and boot goes on
 * with the default (kernel/cmdline.c does the parsing).
 */
#include "arch/x86/percpu.h"
#include "kernel/cmdline.h"
#include "kernel/debug_keys.h"
#include "kernel/errno.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/trace.h"
#include "lib/string.h"

struct options opts = {
	.apic_mode = APIC_AUTO,
	.maxcpus = MAX_CPUS,
	.fake_ap = -1,
	.crash = "",
};

static char crash_kind[32];

static int set_loglevel(void *ctx, const char *v)
{
	static const char *const names[] = { "", "error", "warn", "info", "debug" };
	unsigned long n;

	(void)ctx;
	for (int i = 1; i < 5; i++) {
		if (!strcmp(v, names[i])) {
			console_set_loglevel(i);
			return 0;
		}
	}
	if (cmdline_parse_uint(v, &n) || n < 1 || n > 4)
		return -EINVAL;
	console_set_loglevel((int)n);
	return 0;
}

static int set_console(void *ctx, const char *v)
{
	(void)ctx;
	if (!strcmp(v, "com1"))
		console_init(CONSOLE_COM1);
	else if (!strcmp(v, "com2"))
		console_init(CONSOLE_COM2);
	else if (!strcmp(v, "none"))
		console_init(CONSOLE_NONE);
	else
		return -EINVAL;
	return 0;
}

static int set_testexit(void *ctx, const char *v)
{
	(void)ctx, (void)v;
	test_exit_enabled = 1;
	return 0;
}

static int set_mb2dump(void *ctx, const char *v)
{
	(void)ctx, (void)v;
	opts.mb2_dump = 1;
	return 0;
}

static int set_acpi(void *ctx, const char *v)
{
	(void)ctx;
	if (!strcmp(v, "off"))
		opts.acpi_off = 1;
	else if (!strcmp(v, "dump"))
		opts.acpi_dump = 1;
	else if (strcmp(v, "on"))
		return -EINVAL;
	return 0;
}

/* An on|off value into *off: 1 for "off". */
static int set_off(int *off, const char *v)
{
	if (strcmp(v, "off") && strcmp(v, "on"))
		return -EINVAL;
	*off = !strcmp(v, "off");
	return 0;
}

/* nrip=off: ignore the CPU's NRIP save (AMD), to test the length decoder where it exists. */
static int set_nrip(void *ctx, const char *v)
{
	(void)ctx;
	return set_off(&opts.nrip_off, v);
}

/* decode=off: ignore the CPU's decode assists (AMD), to test the decoder of MOV to CR4. */
static int set_decode(void *ctx, const char *v)
{
	(void)ctx;
	return set_off(&opts.decode_off, v);
}

/* clean=off: never set the VMCB clean bits (AMD), to compare with a CPU that has none. */
static int set_clean(void *ctx, const char *v)
{
	(void)ctx;
	return set_off(&opts.clean_off, v);
}

/* vpid=off: leave VPID off (Intel), as on a CPU without it. */
static int set_vpid(void *ctx, const char *v)
{
	(void)ctx;
	return set_off(&opts.vpid_off, v);
}

static int set_apic(void *ctx, const char *v)
{
	(void)ctx;
	if (!strcmp(v, "xapic"))
		opts.apic_mode = APIC_XAPIC;
	else if (!strcmp(v, "x2apic"))
		opts.apic_mode = APIC_X2APIC;
	else if (!strcmp(v, "auto"))
		opts.apic_mode = APIC_AUTO;
	else
		return -EINVAL;
	return 0;
}

static int set_tsc(void *ctx, const char *v)
{
	(void)ctx;
	if (!strcmp(v, "auto"))
		opts.tsc = TSC_AUTO;
	else if (!strcmp(v, "pit"))
		opts.tsc = TSC_PIT;
	else if (!strcmp(v, "pmtimer"))
		opts.tsc = TSC_PMTIMER;
	else
		return -EINVAL;
	return 0;
}

static int set_maxcpus(void *ctx, const char *v)
{
	unsigned long n;

	(void)ctx;
	if (cmdline_parse_uint(v, &n) || n < 1)
		return -EINVAL;
	opts.maxcpus = n > MAX_CPUS ? MAX_CPUS : (unsigned int)n;
	return 0;
}

static int set_fake_ap(void *ctx, const char *v)
{
	unsigned long n;

	(void)ctx;
	if (cmdline_parse_uint(v, &n) || n > 0xfffffffful)
		return -EINVAL;
	opts.fake_ap = (long)n;
	return 0;
}

static int set_crash(void *ctx, const char *v)
{
	(void)ctx;
	if (strlen(v) >= sizeof(crash_kind))
		return -EINVAL;
	memcpy(crash_kind, v, strlen(v) + 1);
	opts.crash = crash_kind;
	return 0;
}

static int set_sched(void *ctx, const char *v)
{
	(void)ctx;
	return sched_set_policy(v);
}

static char keys_script[CMDLINE_MAX_WORD];

static int set_keys(void *ctx, const char *v)
{
	(void)ctx;
	if (strlen(v) >= sizeof(keys_script) || debug_keys_check_script(v))
		return -EINVAL;
	memcpy(keys_script, v, strlen(v) + 1);
	opts.keys = keys_script;
	return 0;
}

static int set_trace(void *ctx, const char *v)
{
	(void)ctx;
	return trace_set_option(v);
}

static const struct cmdline_opt table[] = {
	{ "sched", 1, set_sched, "rr|credit" },
	{ "keys", 1, set_keys,
	  "debug keys to type at given times: MS:KEYS/MS:KEYS..., such as 2000:p1/3000:u1" },
	{ "loglevel", 1, set_loglevel, "1-4 or error|warn|info|debug" },
	{ "console", 1, set_console, "com1|com2|none" },
	{ "testexit", 0, set_testexit, "end the emulator through port 0xf4 when done" },
	{ "acpi", 1, set_acpi, "on|off|dump" },
	{ "mb2dump", 0, set_mb2dump, "print the Multiboot2 information as hex" },
	{ "apic", 1, set_apic, "auto|xapic|x2apic" },
	{ "nrip", 1, set_nrip, "on|off: use the CPU's NRIP save (AMD SVM) where it has one" },
	{ "decode", 1, set_decode,
	  "on|off: use the CPU's decode assists (AMD SVM) where it has them" },
	{ "clean", 1, set_clean,
	  "on|off: set the VMCB clean bits (AMD SVM) where the CPU has them" },
	{ "vpid", 1, set_vpid,
	  "on|off: tag the guest's TLB entries with a VPID (Intel VMX) where the CPU can" },
	{ "tsc", 1, set_tsc, "auto|pit|pmtimer" },
	{ "maxcpus", 1, set_maxcpus, "a number of CPUs, 1 or more" },
	{ "fake_ap", 1, set_fake_ap, "APIC id of a CPU that is not there, for tests" },
	{ "trace", 1, set_trace,
	  "records per vCPU of the exit trace, written to COM2 (docs/tracing.md)" },
	{ "crash", 1, set_crash,
	  "write-text|write-rodata|exec-data|ud|null|triple|window, for tests" },
};

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("cmdline: %s\n", msg);
}

void options_parse(const char *cmdline)
{
	cmdline_parse(cmdline, table, sizeof(table) / sizeof(table[0]), NULL, warn);
}
