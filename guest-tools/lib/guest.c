/*
 * guest-tools/lib/guest.c: console output on COM1 (a 16550 at 0x3f8),
 * report() counting and the exit through port 0xf4 (QEMU's isa-debug-exit,
 * bvm's and bivisor's test exit; lib/test_abi.h). Formats with lib/format.c.
 * Output from several CPUs is serialised by a lock held for one guest_printf call.
 */
#include <stdarg.h>

#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/smp.h"
#include "lib/format.h"
#include "lib/test_abi.h"

#define COM1 0x3f8

extern uint32_t boot_magic, boot_info;

static unsigned int passed, failed;
static int print_owner = -1; /* CPU index holding the console, or -1 */

void guest_start64(void);

static void putc_com1(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

/*
 * Takes the console for this CPU; returns 0 if this CPU holds it already (an
 * NMI or an exception that came while it was printing), which then prints
 * inside the other line rather than waiting for itself forever.
 */
static int print_lock(void)
{
	int me = (int)guest_cpu_index();
	int free;

	if (__atomic_load_n(&print_owner, __ATOMIC_RELAXED) == me)
		return 0;
	do {
		free = -1;
		while (__atomic_load_n(&print_owner, __ATOMIC_RELAXED) != -1)
			cpu_relax();
	} while (!__atomic_compare_exchange_n(&print_owner, &free, me, 0, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return 1;
}

void guest_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	uint64_t flags;
	int locked;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	flags = irq_save();
	locked = print_lock();
	for (const char *p = buf; *p; p++) {
		if (*p == '\n')
			putc_com1('\r');
		putc_com1(*p);
	}
	if (locked)
		__atomic_store_n(&print_owner, -1, __ATOMIC_RELEASE);
	irq_restore(flags);
}

void report(int cond, const char *what)
{
	guest_printf("%s: %s\n", cond ? "PASS" : "FAIL", what);
	__atomic_fetch_add(cond ? &passed : &failed, 1, __ATOMIC_RELAXED);
}

int report_summary(void)
{
	guest_printf("SUMMARY: %u passed, %u failed\n", passed, failed);
	return failed != 0;
}

uint32_t guest_boot_magic(void)
{
	return boot_magic;
}

/* The text after "key=" on the Multiboot command line (flags bit 2, +16), or NULL. */
static const char *cmdline_find(const char *key)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)boot_info;
	const char *line;

	if (boot_magic != 0x2badb002 || !mbi || !(mbi[0] & (1u << 2)) || !mbi[4])
		return 0;
	line = (const char *)(uintptr_t)mbi[4];
	for (const char *p = line; *p; p++) {
		unsigned int i = 0;

		if (p != line && p[-1] != ' ')
			continue;
		while (key[i] && p[i] == key[i])
			i++;
		if (!key[i] && p[i] == '=')
			return p + i + 1;
	}
	return 0;
}

uint32_t guest_cmdline_number(const char *key, uint32_t def, uint32_t max)
{
	const char *p = cmdline_find(key);
	uint32_t n = 0;

	if (!p || *p < '0' || *p > '9')
		return def;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint32_t)(*p - '0');
		if (n > max)
			return def;
	}
	return ((*p && *p != ' ') || !n) ? def : n;
}

int guest_cmdline_word(const char *key, char *buf, unsigned int len)
{
	const char *p = cmdline_find(key);
	unsigned int n = 0;

	if (!p || !len)
		return -1;
	while (p[n] && p[n] != ' ' && n < len - 1) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	return 0;
}

int guest_module(unsigned int i, uint64_t *start, uint64_t *end, const char **cmdline)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)boot_info, *mod;

	/* flags bit 3: mods_count at +20, mods_addr at +24; 16 bytes per module */
	if (boot_magic != 0x2badb002 || !mbi || !(mbi[0] & (1u << 3)) || i >= mbi[5])
		return -1;
	mod = (const uint32_t *)(uintptr_t)(mbi[6] + 16 * i);
	*start = mod[0];
	*end = mod[1];
	*cmdline = mod[2] ? (const char *)(uintptr_t)mod[2] : "";
	return 0;
}

uint64_t guest_ram_top(void)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)boot_info;

	if (boot_magic != 0x2badb002 || !mbi || !(mbi[0] & 1))
		return 0;
	return (1ull << 20) + ((uint64_t)mbi[2] << 10); /* flags, mem_lower, mem_upper */
}

/* Marsaglia's xorshift64 (shifts 13, 7, 17) from a fixed seed: hostile guests'
 * values, the same sequence wherever they run. Not thread-safe: one CPU uses it. */
uint64_t guest_rand(void)
{
	static uint64_t state = 0x9e3779b97f4a7c15ull;

	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

void guest_exit(int status)
{
	outb(TEST_EXIT_PORT, (uint8_t)status);
	for (;;)
		asm volatile("cli; hlt");
}

void guest_progress(uint32_t units)
{
	asm volatile("outl %0, %1" : : "a"(units), "Nd"((uint16_t)TEST_PROGRESS_PORT));
}

void guest_start64(void)
{
	outb(COM1 + 3, 0x03); /* 8N1; the divisor is left as the loader set it */
	guest_exit(guest_main());
}

void guest_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	asm volatile("lidt %0; int3" : : "m"(empty));
}
