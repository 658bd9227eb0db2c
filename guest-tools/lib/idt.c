/*
 * guest-tools/lib/idt.c: the test guests' IDT (Intel SDM vol. 3A 6.10
 * "Interrupt Descriptor Table", 6.14.1 64-bit gate descriptors) and the C
 * dispatcher its stubs call. One table and one handler array serve every
 * CPU; an unhandled vector fails the test instead of triple-faulting.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "guest-tools/lib/smp.h"
#include "lib/format.h"

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_low;  /* 0x00 */
	uint16_t selector;    /* 0x02 */
	uint8_t ist;	      /* 0x04 */
	uint8_t type;	      /* 0x05 */
	uint16_t offset_mid;  /* 0x06 */
	uint32_t offset_high; /* 0x08 */
	uint32_t reserved;    /* 0x0c */
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "SDM Figure 6-8");

extern const uint64_t isr_stubs[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static guest_handler_t handlers[256];
static int idt_built;

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "15",  "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void idt_dispatch(struct guest_frame *f);

static void idt_build(void)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = isr_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)a,
			.selector = cs,
			.type = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_high = (uint32_t)(a >> 32),
		};
	}
	idt_built = 1;
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	if (!idt_built)
		idt_build();
	asm volatile("lidt %0" : : "m"(idtr));
}

void guest_set_handler(uint8_t vector, guest_handler_t fn)
{
	__atomic_store_n(&handlers[vector], fn, __ATOMIC_RELEASE);
}

void idt_unexpected(const struct guest_frame *f)
{
	char what[160];
	unsigned int v = (unsigned int)f->vector;

	if (v < 32)
		fmt_snprintf(
			what, sizeof(what),
			"unexpected exception %u (%s) on cpu %u at RIP=%#lx error=%#lx CR2=%#lx", v,
			exception_names[v] ? exception_names[v] : "reserved", guest_cpu_index(),
			(unsigned long)f->rip, (unsigned long)f->error, (unsigned long)read_cr2());
	else
		fmt_snprintf(what, sizeof(what),
			     "unexpected interrupt, vector %#x, on cpu %u at RIP=%#lx", v,
			     guest_cpu_index(), (unsigned long)f->rip);
	report(0, what);
	report_summary();
	guest_exit(1);
}

void idt_dispatch(struct guest_frame *f)
{
	guest_handler_t fn = __atomic_load_n(&handlers[f->vector & 0xff], __ATOMIC_ACQUIRE);

	if (!fn)
		idt_unexpected(f);
	fn(f);
}
