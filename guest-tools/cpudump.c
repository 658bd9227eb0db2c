/*
 * guest-tools/cpudump.c: prints every CPUID leaf and subleaf the guest sees
 * and the MSRs whose values the platform does not choose, as `cpuid LEAF.SUB:
 * eax ebx ecx edx` and `msr INDEX: value`, then two FNV-1a digests: of the
 * whole dump (equal wherever the CPU vendor is) and of the bits bivisor's
 * policy decides (drivers/cpu_policy.c; equal everywhere). Fields that name
 * the host CPU or its clock print as `x` (docs/design.md lists them).
 */
#include "guest-tools/lib/guest.h"
#include "lib/format.h"

#define FNV_BASIS 0x811c9dc5u
#define FNV_PRIME 0x01000193u

static uint32_t dump_hash = FNV_BASIS, policy_hash = FNV_BASIS;

static void hash_line(uint32_t *h, const char *s)
{
	for (; *s; s++)
		*h = (*h ^ (uint8_t)*s) * FNV_PRIME;
	*h = (*h ^ '\n') * FNV_PRIME;
}

/* Which registers of leaf.sub name the host: bit 0 EAX .. bit 3 EDX. */
static unsigned int masked_regs(uint32_t leaf)
{
	if (leaf == 1 || leaf == 0x80000001) /* family, model, stepping */
		return 1u << 0;
	if (leaf >= 0x80000002 && leaf <= 0x80000004) /* brand string */
		return 0xf;
	if (leaf == 0x40000001) /* the hypercall instruction, the domain id and role */
		return 0xe;
	if (leaf == 0x40000010 || leaf == 0x16) /* the TSC's kHz; base and max MHz */
		return leaf == 0x16 ? 3u : 1u;
	if (leaf == 0x15) /* the TSC's MHz */
		return 1u << 1;
	return 0;
}

static void dump_leaf(uint32_t leaf, uint32_t sub, const struct cpuid_regs *r)
{
	uint32_t v[4] = { r->eax, r->ebx, r->ecx, r->edx };
	unsigned int m = masked_regs(leaf);
	char line[96], f[4][9];

	for (int i = 0; i < 4; i++) {
		if (m & (1u << i))
			fmt_snprintf(f[i], sizeof(f[i]), "x");
		else
			fmt_snprintf(f[i], sizeof(f[i]), "%08x", v[i]);
	}
	fmt_snprintf(line, sizeof(line), "cpuid %08x.%x: %s %s %s %s", leaf, sub, f[0], f[1], f[2],
		     f[3]);
	guest_printf("%s\n", line);
	hash_line(&dump_hash, line);
}

/* Subleaves of 4 and 0xB/0x1F (up to the first null cache or level type,
 * printed), 7 (up to EAX of subleaf 0), 0xD (0..63, zeros left out above 1). */
static void dump_one(uint32_t leaf)
{
	uint32_t last = 0;

	if (leaf == 7)
		last = cpuid(7, 0).eax;
	if (leaf == 0xd)
		last = 63;
	for (uint32_t sub = 0; sub <= last || leaf == 4 || leaf == 0xb || leaf == 0x1f; sub++) {
		struct cpuid_regs r = cpuid(leaf, sub);

		if (leaf == 0xd && sub > 1 && !(r.eax | r.ebx | r.ecx | r.edx))
			continue;
		dump_leaf(leaf, sub, &r);
		if (leaf == 4 && (!(r.eax & 0x1f) || sub >= 8))
			break;
		if ((leaf == 0xb || leaf == 0x1f) && (!(r.ecx & 0xff00) || sub >= 8))
			break;
	}
}

static void dump_range(uint32_t first)
{
	uint32_t max = cpuid(first, 0).eax;

	if (max < first || max > first + 0xff)
		max = first;
	for (uint32_t leaf = first; leaf <= max; leaf++)
		dump_one(leaf);
}

/* MSRs that hold the vCPU's architectural state: the same reset or
 * guest-set value on every platform (IA32_TSC and friends are left out). */
static const uint32_t msrs[] = {
	0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
	0xc0000101, 0xc0000102, 0x174,	    0x175,	0x176,	    0x277,
};

static void policy_line(const char *name, uint32_t value)
{
	char line[64];

	fmt_snprintf(line, sizeof(line), "policy %s: %08x", name, value);
	guest_printf("%s\n", line);
	hash_line(&policy_hash, line);
}

/* The bits drivers/cpu_policy.c decides, whatever the host CPU. */
static void dump_policy(void)
{
	uint32_t basic = cpuid(0, 0).eax, ext = cpuid(0x80000000, 0).eax;
	struct cpuid_regs hv = cpuid(0x40000000, 0), l1 = cpuid(1, 0);

	policy_line("40000000.ebx", hv.ebx);
	policy_line("40000000.ecx", hv.ecx);
	policy_line("40000000.edx", hv.edx);
	policy_line("40000010.ebx", cpuid(0x40000010, 0).ebx);
	policy_line("1.ebx[31:16]", l1.ebx >> 16);
	policy_line("1.ecx&policy", l1.ecx & 0xbd2091a8u);
	policy_line("1.edx&policy", l1.edx & 0x30400200u);
	if (basic >= 7) {
		policy_line("7.0.eax", cpuid(7, 0).eax);
		policy_line("7.0.ebx&policy", cpuid(7, 0).ebx & 0xdc230020u);
		policy_line("7.0.ecx&policy", cpuid(7, 0).ecx & 0x0040585au);
		policy_line("7.0.edx&policy", cpuid(7, 0).edx & 0x03c0010cu);
	}
	if (basic >= 0xd)
		policy_line("d.0.eax", cpuid(0xd, 0).eax);
	if (ext >= 0x80000001) {
		policy_line("80000001.ecx&policy", cpuid(0x80000001, 0).ecx & 0x20210804u);
		policy_line("80000001.edx&policy", cpuid(0x80000001, 0).edx & 0x08000000u);
	}
	if (ext >= 0x80000007)
		policy_line("80000007.edx&policy", cpuid(0x80000007, 0).edx & 0x100u);
}

int guest_main(void)
{
	char line[64];

	dump_range(0);
	dump_range(0x40000000);
	dump_range(0x80000000);
	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		fmt_snprintf(line, sizeof(line), "msr %08x: %016llx", msrs[i],
			     (unsigned long long)rdmsr(msrs[i]));
		guest_printf("%s\n", line);
		hash_line(&dump_hash, line);
		hash_line(&policy_hash, line);
	}
	dump_policy();
	guest_printf("cpudump: digest %08x\n", dump_hash);
	guest_printf("cpudump: policy digest %08x\n", policy_hash);
	report(!(cpuid(1, 0).ecx & ((1u << 26) | (1u << 28) | (1u << 3))),
	       "XSAVE, AVX and MONITOR are hidden");
	report(!(cpuid(0x80000001, 0).edx & (1u << 27)), "RDTSCP is hidden");
	report(cpuid(0x40000010, 0).ebx == 1000000, "leaf 0x40000010 EBX: the LAPIC timer's 1 GHz");
	return report_summary();
}
