/*
 * kernel/selftest.c: faults on purpose, so the tests can check that the
 * exception path reports them and that W^X really holds: a write to .text
 * or .rodata and a jump into .data must fault (Intel SDM vol. 3A 4.6).
 * `triple` is the one fault bivisor cannot report: with an IDT limit of 0
 * the #UD, then the #GP and the #DF it becomes find no gate (SDM vol. 3A
 * 6.10, 6.15 "Interrupt 8"), and the CPU shuts down; the test runner catches
 * that shutdown and reads the registers at it (docs/testing.md).
 * `window` makes SVM's entry code take a #UD right after VMRUN, where the
 * guest's TR and GS base are still loaded (svm/svm_entry.asm), so the
 * report of arch/x86/trap.c:guest_window_trap is tested.
 * Also prints ACPI tables as hex for tests/data/.
 */
#include "kernel/selftest.h"
#include "kernel/printk.h"
#include "lib/string.h"

static const char rodata_probe[] = "read-only";
static unsigned char data_probe[16] = { 0xc3 }; /* ret */
volatile uint8_t selftest_window_fault;		/* read by svm/svm_entry.asm */

/* A triple fault of the host: no IDT gate for anything. */
static void triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };

	asm volatile("lidt %0; ud2" : : "m"(none) : "memory");
}

static void dump_bytes(const char *what, uint64_t phys, const uint8_t *p, uint64_t len)
{
	printk("acpidump %s %#lx %lu\n", what, phys, len);
	for (uint64_t off = 0; off < len; off += 32) {
		printk("acpidump ");
		for (uint64_t i = off; i < off + 32 && i < len; i++)
			printk("%02x", p[i]);
		printk("\n");
	}
}

void selftest_mb2_dump(const struct boot_info *bi)
{
	dump_bytes("MB2", bi->info_start, (const uint8_t *)bi->info_start,
		   bi->info_end - bi->info_start);
	printk("acpidump end\n");
}

void selftest_acpi_dump(const void *rsdp, const struct acpi_info *ai)
{
	const uint8_t *r = rsdp;

	if (!r)
		return;
	dump_bytes("RSDP", (uint64_t)r, r, r[15] >= 2 ? 36 : 20);
	if (ai->root_phys)
		dump_bytes("ROOT", ai->root_phys, (const uint8_t *)ai->root_phys,
			   *(const uint32_t *)(ai->root_phys + 4));
	for (unsigned int i = 0; i < ai->ntables; i++)
		dump_bytes(ai->tables[i].sig, ai->tables[i].phys,
			   (const uint8_t *)ai->tables[i].phys, ai->tables[i].len);
	printk("acpidump end\n");
}

void selftest_run(const char *kind)
{
	volatile char *p;

	if (!kind || !*kind)
		return;
	printk("selftest: provoking '%s'\n", kind);
	if (!strcmp(kind, "write-text")) {
		p = (volatile char *)(void *)selftest_run;
		*p = 0x90;
	} else if (!strcmp(kind, "write-rodata")) {
		p = (volatile char *)rodata_probe;
		*p = 'X';
	} else if (!strcmp(kind, "exec-data")) {
		((void (*)(void))(void *)data_probe)();
	} else if (!strcmp(kind, "ud")) {
		asm volatile("ud2");
	} else if (!strcmp(kind, "triple")) {
		triple_fault();
	} else if (!strcmp(kind, "window")) {
		selftest_window_fault = 1;
		printk("selftest: 'window' armed: the first VM exit of an SVM guest takes a #UD "
		       "(VMX has no such window)\n");
		return;
	} else if (!strcmp(kind, "null")) {
		p = (volatile char *)0;
		(void)*p;
	} else {
		pr_warn("selftest: unknown crash kind '%s'\n", kind);
		return;
	}
	printk("selftest: '%s' did not fault\n", kind);
}
