/*
 * svm/svm_clean.c: the VMCB clean bits (AMD APM vol. 2 §15.15.3, "VMCB Clean
 * Bits", table 15-9; offered when CPUID 0x8000000a EDX bit 5 is set). A CPU
 * may keep VMCB fields cached from one VMRUN to the next on the same CPU;
 * a set clean bit tells it that bivisor has not changed that group since the
 * last #VMEXIT, so it may skip reloading it.
 *
 * Rather than clearing a bit at every place that writes a field (an exit
 * handler, an injected event, INIT and SIPI, a CR4 write...), bivisor keeps a
 * copy of each group's bytes taken right after the #VMEXIT (svm_clean_snap:
 * the CPU's own values, as it wrote them back) and before VMRUN marks clean
 * only the groups whose bytes are still the same (svm_clean_bits). A missed
 * write site cannot leave a stale group, and the cost is a compare of 241
 * bytes per entry. The caller gives 0 instead on a vCPU's first entry and
 * when it comes from another CPU (whose cache this CPU does not share).
 */
#include "lib/string.h"
#include "svm/svm.h"

/* One range of VMCB bytes (offsets of APM appendix B) in clean group `bit`. */
struct clean_range {
	uint8_t bit;
	uint16_t off, len;
};

static const struct clean_range ranges[] = {
	{ 0, 0x000, 0x18 }, /* I: the intercept vectors */
	{ 0, 0x03c, 4 },    /* I: pause filter threshold and count */
	{ 0, 0x050, 8 },    /* I: TSC_OFFSET */
	{ 1, 0x040, 16 },   /* IOPM: IOPM_BASE_PA, MSRPM_BASE_PA */
	{ 2, 0x058, 4 },    /* ASID */
	{ 3, 0x060, 8 },    /* TPR: V_TPR, V_IRQ, V_INTR_PRIO, V_IGN_TPR, masking, vector */
	{ 4, 0x090, 8 },    /* NP: NP_ENABLE */
	{ 4, 0x0b0, 8 },    /* NP: N_CR3 */
	{ 4, 0x668, 8 },    /* NP: G_PAT */
	{ 5, 0x4d0, 8 },    /* CRx: EFER */
	{ 5, 0x548, 24 },   /* CRx: CR4, CR3, CR0 */
	{ 6, 0x560, 16 },   /* DRx: DR7, DR6 */
	{ 7, 0x460, 16 },   /* DT: GDTR */
	{ 7, 0x480, 16 },   /* DT: IDTR */
	{ 8, 0x400, 64 },   /* SEG: ES, CS, SS, DS */
	{ 8, 0x4cb, 1 },    /* SEG: CPL */
	{ 9, 0x640, 8 },    /* CR2 */
};

#define NRANGES (sizeof(ranges) / sizeof(ranges[0]))
#define CLEAN_GROUPS 0x3ffu /* bits 0-9: the groups above */

_Static_assert(sizeof(((struct svm_vcpu *)0)->clean_snap) >= 241, "the ranges' bytes");

void svm_clean_snap(struct svm_vcpu *sv)
{
	const uint8_t *vmcb = (const uint8_t *)sv->vmcb;
	unsigned int at = 0;

	for (unsigned int i = 0; i < NRANGES; i++) {
		memcpy(sv->clean_snap + at, vmcb + ranges[i].off, ranges[i].len);
		at += ranges[i].len;
	}
}

uint32_t svm_clean_bits(const struct svm_vcpu *sv)
{
	const uint8_t *vmcb = (const uint8_t *)sv->vmcb;
	uint32_t clean = CLEAN_GROUPS;
	unsigned int at = 0;

	for (unsigned int i = 0; i < NRANGES; i++) {
		if (memcmp(sv->clean_snap + at, vmcb + ranges[i].off, ranges[i].len))
			clean &= ~(1u << ranges[i].bit);
		at += ranges[i].len;
	}
	return clean;
}
