/*
 * tests/fuzz/fuzz_hypercall.c: libFuzzer target of the hypercall checks
 * (kernel/hc_check.c, the seam kernel/hypercall.c, domctl.c and evtchn.c
 * call; the ABI is include/public/hypercall.h, domctl.h, evtchn.h). The
 * input is a series of calls: an op byte picks the gate (number and caller's
 * role) or one call's check, and the argument structure and the numbers the
 * kernel would read from the domains follow. What each check accepts must
 * keep the ABI's promises, checked here from the headers' words.
 */
#include <string.h>

#include "drivers/firmware/loader.h"
#include "include/public/errno.h"
#include "include/public/evtchn.h"
#include "include/public/hypercall.h"
#include "kernel/hc_check.h"
#include "tests/fuzz/fuzz.h"

/* [gpa, gpa + len) inside [0, size), computed without wrapping. */
static int inside(uint64_t size, uint64_t gpa, uint64_t len)
{
	return (unsigned __int128)gpa + len <= size;
}

static void gate(struct fuzz_in *in)
{
	uint64_t nr = fuzz_take(in, 1) < 0xf0 ? fuzz_take(in, 1) : fuzz_take(in, 8);
	uint32_t role = fuzz_take(in, 4);
	long rc = hc_gate(nr, role);

	FUZZ_CHECK(rc == -ENOSYS || rc == -EPERM || rc == HC_ANY || rc == HC_SERVICE);
	FUZZ_CHECK(nr < BV_HC_COUNT || rc == -ENOSYS);
	FUZZ_CHECK(rc != HC_SERVICE || (role & BV_CPUID_ROLE_SERVICE));
	FUZZ_CHECK(nr != BV_HC_VERSION || rc == HC_ANY);
}

static void create(struct fuzz_in *in)
{
	struct bv_domain_create a;

	fuzz_take_bytes(in, &a, sizeof(a));
	if (hc_check_create(&a))
		return;
	FUZZ_CHECK(memchr(a.name, 0, BV_NAME_LEN) && a.name[0]);
	FUZZ_CHECK(a.vcpus >= 1 && a.vcpus <= BV_MAX_VCPUS);
	FUZZ_CHECK(a.mem >= (2u << 20) && a.mem % BV_PAGE_SIZE == 0);
}

static void populate(struct fuzz_in *in)
{
	struct bv_memory_populate a;
	uint64_t ram = fuzz_take(in, 8);

	fuzz_take_bytes(in, &a, sizeof(a));
	if (hc_check_populate(&a, ram))
		return;
	FUZZ_CHECK(a.count >= 1 && a.count <= BV_POPULATE_MAX);
	FUZZ_CHECK(inside(ram, a.gpa, (uint64_t)a.count * BV_PAGE_SIZE));
}

static void set_regs(struct fuzz_in *in)
{
	struct bv_vcpu_regs r;
	uint32_t nvcpus = fuzz_take(in, 1) % (BV_MAX_VCPUS + 1);
	int started = fuzz_take(in, 1) & 1;

	fuzz_take_bytes(in, &r, sizeof(r));
	if (!hc_check_set_regs(&r, nvcpus, started))
		FUZZ_CHECK(!started && r.vcpu < nvcpus && r.mode <= BV_CPU_LONG64);
}

static void copy(struct fuzz_in *in)
{
	struct bv_memory_copy a;
	uint64_t ram = fuzz_take(in, 8);

	fuzz_take_bytes(in, &a, sizeof(a));
	if (!hc_check_copy(&a, ram))
		FUZZ_CHECK(a.len && a.len <= BV_COPY_MAX && inside(ram, a.gpa, a.len));
	FUZZ_CHECK(hc_range_in(ram, a.buf_gpa, a.len) ==
		   (a.buf_gpa < ram && inside(ram, a.buf_gpa, a.len)));
}

static void map(struct fuzz_in *in)
{
	struct bv_memory_map a;
	uint64_t cram = fuzz_take(in, 8), sram = fuzz_take(in, 8), len;

	fuzz_take_bytes(in, &a, sizeof(a));
	if (hc_check_map(&a, cram, sram))
		return;
	len = (uint64_t)a.count * BV_PAGE_SIZE;
	FUZZ_CHECK(a.count >= 1 && a.count <= BV_POPULATE_MAX && inside(cram, a.gpa, len));
	FUZZ_CHECK(a.service_gpa >= sram && inside(HC_MAP_LIMIT, a.service_gpa, len));
	FUZZ_CHECK(a.service_gpa + len <= FW_IOAPIC_BASE ||
		   a.service_gpa >= FW_LAPIC_BASE + BV_PAGE_SIZE);
}

static void evtchn(struct fuzz_in *in)
{
	int have = fuzz_take(in, 1), plat = have & 2;
	uint64_t gpa = fuzz_take(in, 8), how = fuzz_take(in, 4), port = fuzz_take(in, 1);

	if (!evtchn_check_setup(have & 1, plat, gpa, how)) {
		FUZZ_CHECK(!(have & 1) && gpa % 8 == 0);
		FUZZ_CHECK(how < 256 || (plat && (how & ~(uint64_t)BV_EVTCHN_GSI) <= 23));
	}
	if (evtchn_port_ok(port))
		FUZZ_CHECK(port >= 1 && port < BV_EVTCHN_PORTS);
}

static void small(struct fuzz_in *in)
{
	uint64_t a = fuzz_take(in, 8), b = fuzz_take(in, 8);

	if (!hc_check_set_irq(fuzz_take(in, 1) & 1, a, b))
		FUZZ_CHECK(a <= 23 && b <= 1);
	if (!hc_check_info(a))
		FUZZ_CHECK(a <= BV_DOMAIN_INFO_NEXT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const ops[])(struct fuzz_in *) = { gate, create, populate, set_regs,
							 copy, map,    evtchn,	 small };
	struct fuzz_in in = { data, size };

	while (in.n)
		ops[fuzz_take(&in, 1) % (sizeof(ops) / sizeof(ops[0]))](&in);
	return 0;
}
