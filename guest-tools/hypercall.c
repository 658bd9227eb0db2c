/*
 * guest-tools/hypercall.c: the hypercall ABI's bad-input and permission tests
 * (include/public/hypercall.h, domctl.h, evtchn.h, ioreq.h). CPUID leaf
 * 0x40000001 says which instruction traps (VMCALL or VMMCALL) and whether
 * this domain is the service domain. As a plain domain: every control call
 * is -EPERM, VERSION answers, an unknown number is -ENOSYS. As the service
 * domain (role=service): each call with a pointer outside its RAM, each
 * field out of range, is refused with the ABI's errno, and nothing happened
 * (DOMAIN_INFO, a second call that succeeds, its own memory unchanged).
 * With ioreq=1 the service runs a client of a few instructions whose port
 * and MMIO accesses it serves, woken by its event channel's vector; with
 * hostile=N it answers the first one wrongly (enum hostile) and the client,
 * not the hypervisor or another domain, pays.
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/bivisor.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "include/public/domctl.h"
#include "include/public/errno.h"
#include "include/public/evtchn.h"
#include "include/public/hypercall.h"
#include "include/public/ioreq.h"

#define PAGE 4096ul
#define BAD_GPA 0x7ff00000000ull /* far above any test guest's RAM */

static uint32_t hc_insn;

static long hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	long rc;

	if (hc_insn & BV_CPUID_HC_VMMCALL)
		asm volatile("vmmcall" : "=a"(rc) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	else
		asm volatile("vmcall" : "=a"(rc) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return rc;
}

static long hcp(uint64_t nr, const void *p)
{
	return hc(nr, (uint64_t)(uintptr_t)p, 0, 0);
}

static void expect(long rc, long want, const char *what)
{
	if (rc != want)
		guest_printf("  %s: got %ld, want %ld\n", what, rc, want);
	report(rc == want, what);
}

/* --- A plain domain --- */

static void plain_tests(void)
{
	int all = 1;

	expect(hc(BV_HC_VERSION, 0, 0, 0), BV_ABI_VERSION, "VERSION answers BV_ABI_VERSION");
	for (uint64_t nr = BV_HC_VERSION + 1; nr < BV_HC_COUNT; nr++) {
		/* SHARE_INFO is any domain's: -EINVAL without share=1 */
		long want = nr == BV_HC_SHARE_INFO ? -EINVAL : -EPERM, rc = hc(nr, 0, 0, 0);

		if (rc != want)
			guest_printf("  control call %lu: %ld\n", nr, rc);
		all &= rc == want;
	}
	report(all, "every control call is -EPERM for a plain domain");
	expect(hc(BV_HC_DOMAIN_CREATE, BAD_GPA, 0, 0), -EPERM, "-EPERM before the pointer");
	expect(hc(BV_HC_COUNT, 0, 0, 0), -ENOSYS, "an unknown number is -ENOSYS");
	expect(hc(~0ull, 0, 0, 0), -ENOSYS, "number 2^64-1 is -ENOSYS");
}

/* --- The service domain --- */

static struct bv_domain_create cr;
static struct bv_memory_populate pop;
static uint64_t frames[BV_POPULATE_MAX + 1];
static struct bv_vcpu_regs regs;
static struct bv_domain_info info;
static struct bv_ioreq_server srv;
static struct bv_evtchn_page evt __attribute__((aligned(8)));
static uint8_t page[PAGE] __attribute__((aligned(PAGE)));	/* given to the probe domain */
static uint8_t ioreqs[PAGE] __attribute__((aligned(PAGE)));	/* its ioreq page */
static uint8_t fwd_ioreqs[PAGE] __attribute__((aligned(PAGE))); /* the FORWARD_COM1 one's */

static uint64_t ram_end(void)
{
	return guest_ram_top();
}

/* 1 if no client with an id in 0..64 exists. */
static int no_clients(void)
{
	for (uint64_t id = 0; id <= 64; id++)
		if (hc(BV_HC_DOMAIN_INFO, id, (uint64_t)(uintptr_t)&info, 0) != -EINVAL)
			return 0;
	return 1;
}

static void create_args(const char *name, uint64_t mem, uint32_t vcpus)
{
	cr = (struct bv_domain_create){ .mem = mem, .vcpus = vcpus };
	for (int i = 0; name[i] && i < BV_NAME_LEN; i++)
		cr.name[i] = name[i];
}

static void create_tests(void)
{
	expect(hcp(BV_HC_DOMAIN_CREATE, (void *)BAD_GPA), -EFAULT, "CREATE: pointer outside RAM");
	expect(hcp(BV_HC_DOMAIN_CREATE, (void *)(ram_end() - 8)), -EFAULT,
	       "CREATE: struct across the end of RAM");
	create_args("", 2 << 20, 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: empty name");
	create_args("bad name", 2 << 20, 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: a space in the name");
	create_args("abcdefghijklmnopqrstuvwxyz012345", 2 << 20, 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: name without its NUL");
	create_args("probe", (2 << 20) + 1, 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: mem not whole pages");
	create_args("probe", 1 << 20, 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: mem below 2 MiB");
	create_args("probe", 1ull << 41, 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: mem above 1 TiB");
	create_args("probe", 2 << 20, 0);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: 0 vcpus");
	create_args("probe", 2 << 20, BV_MAX_VCPUS + 1);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: 17 vcpus");
	create_args("probe", 2 << 20, 1);
	cr.flags = 2;
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: flag bit 1");
	cr.flags = BV_DOMAIN_FORWARD_COM1 | (1u << 31);
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EINVAL, "CREATE: FORWARD_COM1 and bit 31");
	report(no_clients(), "CREATE: no domain was made by the failed calls");
}

static long populate(uint32_t domid, uint32_t count, uint64_t gpa, const void *list)
{
	pop = (struct bv_memory_populate){ domid, count, gpa, (uint64_t)(uintptr_t)list };
	return hcp(BV_HC_MEMORY_POPULATE, &pop);
}

static uint64_t populated(uint32_t id)
{
	if (hc(BV_HC_DOMAIN_INFO, id, (uint64_t)(uintptr_t)&info, 0))
		return ~0ull;
	return info.populated;
}

static void populate_tests(uint32_t id)
{
	frames[0] = (uint64_t)(uintptr_t)page;
	expect(hcp(BV_HC_MEMORY_POPULATE, (void *)BAD_GPA), -EFAULT,
	       "POPULATE: pointer outside RAM");
	expect(populate(id + 100, 1, 0, frames), -EINVAL, "POPULATE: unknown domain");
	expect(populate(id, 0, 0, frames), -EINVAL, "POPULATE: count 0");
	expect(populate(id, BV_POPULATE_MAX + 1, 0, frames), -EINVAL, "POPULATE: count 513");
	expect(populate(id, 1, 100, frames), -EINVAL, "POPULATE: gpa not page-aligned");
	expect(populate(id, 1, 2 << 20, frames), -EINVAL, "POPULATE: gpa at the end of mem");
	expect(populate(id, 2, (2 << 20) - PAGE, frames), -EINVAL, "POPULATE: range past mem");
	expect(populate(id, 1, 0, (void *)BAD_GPA), -EFAULT, "POPULATE: frame list outside RAM");
	expect(populate(id, 1, 0, (void *)(ram_end() - 4)), -EFAULT,
	       "POPULATE: frame list across the end of RAM");
	frames[0] = (uint64_t)(uintptr_t)page + 8;
	expect(populate(id, 1, 0, frames), -EINVAL, "POPULATE: frame not page-aligned");
	frames[0] = ram_end();
	expect(populate(id, 1, 0, frames), -EINVAL, "POPULATE: frame outside the service's RAM");
	frames[0] = (uint64_t)(uintptr_t)page;
	frames[1] = BAD_GPA;
	expect(populate(id, 2, 0, frames), -EINVAL, "POPULATE: second frame bad");
	report(populated(id) == 0, "POPULATE: no page was given by the failed calls");
	expect(populate(id, 1, 0, frames), 0, "POPULATE: one good page");
	expect(populate(id, 1, 0, frames), -EINVAL, "POPULATE: a page populated already");
	frames[1] = (uint64_t)(uintptr_t)page;
	expect(populate(id, 2, PAGE, frames), 0, "POPULATE: two pages (1, 2)");
	expect(populate(id, 2, 2 * PAGE, frames), -EINVAL, "POPULATE: overlapping what is there");
	report(populated(id) == 3, "POPULATE: DOMAIN_INFO counts 3 pages");
}

static void regs_tests(uint32_t id)
{
	regs = (struct bv_vcpu_regs){ .domid = id, .rip = 0x1000 };
	expect(hcp(BV_HC_VCPU_SET_REGS, (void *)BAD_GPA), -EFAULT, "SET_REGS: pointer outside RAM");
	regs.domid = id + 100;
	expect(hcp(BV_HC_VCPU_SET_REGS, &regs), -EINVAL, "SET_REGS: unknown domain");
	regs.domid = id, regs.vcpu = 1;
	expect(hcp(BV_HC_VCPU_SET_REGS, &regs), -EINVAL, "SET_REGS: vcpu 1 of 1");
	regs.vcpu = 0, regs.mode = 2;
	expect(hcp(BV_HC_VCPU_SET_REGS, &regs), -EINVAL, "SET_REGS: mode 2");
	regs.mode = 0, regs.pad = 1;
	expect(hcp(BV_HC_VCPU_SET_REGS, &regs), -EINVAL, "SET_REGS: pad not 0");
	regs.pad = 0, regs.pad2 = 1;
	expect(hcp(BV_HC_VCPU_SET_REGS, &regs), -EINVAL, "SET_REGS: pad2 not 0");
	regs.pad2 = 0;
	expect(hcp(BV_HC_VCPU_SET_REGS, &regs), 0, "SET_REGS: good");
}

static void control_tests(uint32_t id)
{
	expect(hc(BV_HC_DOMAIN_START, id + 100, 0, 0), -EINVAL, "START: unknown domain");
	expect(hc(BV_HC_DOMAIN_PAUSE, id, 0, 0), -EINVAL, "PAUSE: not started");
	expect(hc(BV_HC_DOMAIN_UNPAUSE, id, 0, 0), -EINVAL, "UNPAUSE: not started");
	expect(hc(BV_HC_DOMAIN_INFO, id + 100, (uint64_t)(uintptr_t)&info, 0), -EINVAL,
	       "INFO: unknown domain");
	expect(hc(BV_HC_DOMAIN_INFO, id, BAD_GPA, 0), -EFAULT, "INFO: pointer outside RAM");
	expect(hc(BV_HC_DOMAIN_INFO, id, (uint64_t)(uintptr_t)&info, 0), 0, "INFO: good");
	report(info.domid == id && info.state == BV_DOMAIN_CREATED && info.vcpus == 1 &&
		       info.mem == 2 << 20 && info.exit_status == -1,
	       "INFO: created, 1 vcpu, 2 MiB");
	expect(hc(BV_HC_DOMAIN_INFO, id, (uint64_t)(uintptr_t)&info, 2), -EINVAL, "INFO: how 2");
	expect(hc(BV_HC_DOMAIN_INFO, 0, (uint64_t)(uintptr_t)&info, BV_DOMAIN_INFO_NEXT), 0,
	       "INFO: NEXT from 0");
	report(info.domid == id, "INFO: NEXT from 0 is the probe");
	expect(hc(BV_HC_DOMAIN_INFO, id, (uint64_t)(uintptr_t)&info, BV_DOMAIN_INFO_NEXT), -ENOENT,
	       "INFO: NEXT after the last");
	expect(hc(BV_HC_DOMAIN_DESTROY, id + 100, 0, 0), -EINVAL, "DESTROY: unknown domain");
}

static void evtchn_tests(uint32_t id)
{
	uint64_t p = (uint64_t)(uintptr_t)&evt;

	expect(hc(BV_HC_EVTCHN_SETUP, p, 31, 0), -EINVAL, "EVTCHN_SETUP: vector 31");
	expect(hc(BV_HC_EVTCHN_SETUP, 0, BV_EVTCHN_RESET, 0), -EINVAL,
	       "EVTCHN_SETUP: RESET before a setup");
	expect(hc(BV_HC_EVTCHN_SETUP, p, BV_EVTCHN_NONE, 0), 0, "EVTCHN_SETUP: NONE (polling)");
	expect(hc(BV_HC_EVTCHN_SETUP, 0, BV_EVTCHN_RESET, 0), 0, "EVTCHN_SETUP: RESET");
	expect(hc(BV_HC_EVTCHN_SETUP, p, BV_EVTCHN_GSI | 20, 0), 0, "EVTCHN_SETUP: GSI 20");
	expect(hc(BV_HC_EVTCHN_SETUP, 0, BV_EVTCHN_RESET, 0), 0, "EVTCHN_SETUP: RESET again");
	expect(hc(BV_HC_EVTCHN_SETUP, p, BV_EVTCHN_GSI | 24, 0), -EINVAL, "EVTCHN_SETUP: GSI 24");
	expect(hc(BV_HC_EVTCHN_SETUP, p, BV_EVTCHN_GSI | 0x20000 | 20, 0), -EINVAL,
	       "EVTCHN_SETUP: GSI with another bit");
	expect(hc(BV_HC_EVTCHN_SETUP, p, 0x20000 | 64, 0), -EINVAL,
	       "EVTCHN_SETUP: vector with a high bit");
	expect(hc(BV_HC_EVTCHN_SETUP, p, 256, 0), -EINVAL, "EVTCHN_SETUP: vector 256");
	expect(hc(BV_HC_EVTCHN_SETUP, p + 4, 64, 0), -EINVAL, "EVTCHN_SETUP: page not aligned");
	expect(hc(BV_HC_EVTCHN_SETUP, BAD_GPA, 64, 0), -EFAULT, "EVTCHN_SETUP: outside RAM");
	expect(hc(BV_HC_EVTCHN_SETUP, p, 64, 0), 0, "EVTCHN_SETUP: good");
	expect(hc(BV_HC_EVTCHN_SETUP, p, 64, 0), -EINVAL, "EVTCHN_SETUP: a second time");
	expect(hc(BV_HC_EVTCHN_BIND, id + 100, 0, 0), -EINVAL, "EVTCHN_BIND: unknown domain");
	expect(hc(BV_HC_EVTCHN_BIND, id, 0, 0), 1, "EVTCHN_BIND: port 1");
	expect(hc(BV_HC_EVTCHN_SETUP, 0, BV_EVTCHN_RESET, 0), -EBUSY,
	       "EVTCHN_SETUP: RESET with a port bound");
	expect(hc(BV_HC_EVTCHN_BIND, id, 0, 0), -EINVAL, "EVTCHN_BIND: bound already");
	expect(hc(BV_HC_EVTCHN_NOTIFY, 0, 0, 0), -EINVAL, "EVTCHN_NOTIFY: port 0");
	expect(hc(BV_HC_EVTCHN_NOTIFY, 2, 0, 0), -EINVAL, "EVTCHN_NOTIFY: port not bound");
	expect(hc(BV_HC_EVTCHN_NOTIFY, BV_EVTCHN_PORTS, 0, 0), -EINVAL, "EVTCHN_NOTIFY: port 64");
	expect(hc(BV_HC_EVTCHN_NOTIFY, 1, 0, 0), -EINVAL, "EVTCHN_NOTIFY: no ioreq server");
}

static void server_args(uint32_t id, uint32_t type, uint64_t base, uint64_t len)
{
	srv = (struct bv_ioreq_server){ .domid = id,
					.nranges = 1,
					.page_gpa = (uint64_t)(uintptr_t)ioreqs };
	srv.range[0] = (struct bv_ioreq_range){ .type = type, .base = base, .len = len };
}

static long ioreq_server(uint32_t id, uint32_t type, uint64_t base, uint64_t len)
{
	server_args(id, type, base, len);
	return hcp(BV_HC_IOREQ_SERVER, &srv);
}

static void ioreq_tests(uint32_t id)
{
	expect(hcp(BV_HC_IOREQ_SERVER, (void *)BAD_GPA), -EFAULT, "IOREQ_SERVER: outside RAM");
	expect(ioreq_server(id + 100, BV_IOREQ_PIO, 0x500, 8), -EINVAL,
	       "IOREQ_SERVER: unknown domain");
	server_args(id, BV_IOREQ_PIO, 0x500, 8);
	srv.nranges = 0;
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EINVAL, "IOREQ_SERVER: 0 ranges");
	srv.nranges = BV_IOREQ_RANGES + 1;
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EINVAL, "IOREQ_SERVER: 9 ranges");
	srv.nranges = 1, srv.page_gpa += 16;
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EINVAL, "IOREQ_SERVER: page not aligned");
	srv.page_gpa = BAD_GPA;
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EFAULT, "IOREQ_SERVER: page outside RAM");
	expect(ioreq_server(id, 2, 0x500, 8), -EINVAL, "IOREQ_SERVER: type 2");
	expect(ioreq_server(id, BV_IOREQ_PIO, 0x500, 0), -EINVAL, "IOREQ_SERVER: length 0");
	expect(ioreq_server(id, BV_IOREQ_PIO, 0xfff0, 0x20), -EINVAL, "IOREQ_SERVER: port 0x10000");
	expect(ioreq_server(id, BV_IOREQ_MMIO, 0, PAGE), -EINVAL, "IOREQ_SERVER: MMIO over RAM");
	expect(ioreq_server(id, BV_IOREQ_MMIO, ~0ull - 8, 0x20), -EINVAL, "IOREQ_SERVER: wraps");
	server_args(id, BV_IOREQ_PIO, 0x500, 8);
	srv.range[0].pad = 1;
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EINVAL, "IOREQ_SERVER: pad not 0");
	server_args(id, BV_IOREQ_PIO, 0x500, 8);
	srv.nranges = 2;
	srv.range[1] = (struct bv_ioreq_range){ .type = BV_IOREQ_PIO, .base = 0x504, .len = 8 };
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EINVAL, "IOREQ_SERVER: ranges overlap");
	srv.range[1] = (struct bv_ioreq_range){ .type = BV_IOREQ_PIO, .base = 0x3f8, .len = 8 };
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), -EBUSY, "IOREQ_SERVER: over COM1");
	expect(hc(BV_HC_EVTCHN_NOTIFY, 1, 0, 0), -EINVAL, "IOREQ_SERVER: no server after them");
	expect(ioreq_server(id, BV_IOREQ_PIO, 0x500, 8), 0, "IOREQ_SERVER: good");
	expect(ioreq_server(id, BV_IOREQ_PIO, 0x600, 8), -EINVAL, "IOREQ_SERVER: a second one");
	expect(hc(BV_HC_EVTCHN_NOTIFY, 1, 0, 0), 0, "EVTCHN_NOTIFY: nothing to answer");
	((struct bv_ioreq_page *)ioreqs)->slot[3].state = BV_IOREQ_RESPONSE_READY;
	expect(hc(BV_HC_EVTCHN_NOTIFY, 1, 0, 0), -EINVAL, "EVTCHN_NOTIFY: a slot moved unasked");
	report(((struct bv_ioreq_page *)ioreqs)->slot[3].state == BV_IOREQ_NONE,
	       "EVTCHN_NOTIFY: that slot is NONE again");
}

/* A FORWARD_COM1 client leaves 0x3f8-0x3ff to the ioreq server. */
static void forward_com1_tests(void)
{
	long id;

	create_args("fwd", 2 << 20, 1);
	cr.flags = BV_DOMAIN_FORWARD_COM1;
	id = hcp(BV_HC_DOMAIN_CREATE, &cr);
	report(id > 0, "CREATE: FORWARD_COM1");
	if (id <= 0)
		return;
	server_args((uint32_t)id, BV_IOREQ_PIO, 0x3f8, 8);
	srv.page_gpa = (uint64_t)(uintptr_t)fwd_ioreqs;
	expect(hcp(BV_HC_IOREQ_SERVER, &srv), 0, "IOREQ_SERVER: COM1 of a FORWARD_COM1 client");
	expect(bv_domain_destroy((uint32_t)id), 0, "DESTROY: the FORWARD_COM1 client");
}

static struct bv_memory_copy cp;
static struct bv_memory_map mp;
static uint8_t buf[64];

#define MAP_AT 0x40000000ull /* above the service's RAM, identity-mapped by guest-tools/lib */

static long copy(uint64_t nr, uint32_t id, uint32_t len, uint64_t gpa, const void *b)
{
	cp = (struct bv_memory_copy){ id, len, gpa, (uint64_t)(uintptr_t)b };
	return hcp(nr, &cp);
}

static void memory_copy_tests(uint32_t id)
{
	const uint64_t R = BV_HC_MEMORY_READ, W = BV_HC_MEMORY_WRITE;

	expect(hcp(R, (void *)BAD_GPA), -EFAULT, "MEMORY_READ: pointer outside RAM");
	expect(copy(R, id + 100, 16, 0, buf), -EINVAL, "MEMORY_READ: unknown domain");
	expect(copy(R, id, 0, 0, buf), -EINVAL, "MEMORY_READ: length 0");
	expect(copy(R, id, BV_COPY_MAX + 1, 0, buf), -EINVAL, "MEMORY_READ: length 1 MiB + 1");
	expect(copy(R, id, 16, 3 * PAGE, buf), -EINVAL, "MEMORY_READ: page not populated");
	expect(copy(R, id, 16, 3 * PAGE - 8, buf), -EINVAL, "MEMORY_READ: runs into one");
	expect(copy(R, id, 16, (2 << 20) - 8, buf), -EINVAL, "MEMORY_READ: past mem");
	expect(copy(R, id, 16, 0, (void *)BAD_GPA), -EFAULT, "MEMORY_READ: buffer outside RAM");
	expect(copy(W, id, 16, 0, (void *)(ram_end() - 8)), -EFAULT,
	       "MEMORY_WRITE: buffer across the end of RAM");
	expect(copy(W, id, 16, 3 * PAGE, buf), -EINVAL, "MEMORY_WRITE: page not populated");
	expect(copy(R, id, 16, PAGE + 0x10, buf), 0, "MEMORY_READ: good");
	report(!__builtin_memcmp(buf, page + 0x10, 16), "MEMORY_READ: the client's bytes");
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)~page[0x20 + i];
	expect(copy(W, id, 8, 2 * PAGE + 0x20, buf), 0, "MEMORY_WRITE: good");
	report(page[0x20] == buf[0] && page[0x27] == buf[7], "MEMORY_WRITE: the bytes arrived");
	for (int i = 0; i < 8; i++)
		page[0x20 + i] = (uint8_t)~page[0x20 + i];
}

static long map(uint32_t id, uint32_t count, uint64_t gpa, uint64_t at)
{
	mp = (struct bv_memory_map){ id, count, gpa, at };
	return hcp(BV_HC_MEMORY_MAP, &mp);
}

static void memory_map_tests(uint32_t id)
{
	expect(hcp(BV_HC_MEMORY_MAP, (void *)BAD_GPA), -EFAULT, "MEMORY_MAP: pointer outside RAM");
	expect(map(id + 100, 1, 0, MAP_AT), -EINVAL, "MEMORY_MAP: unknown domain");
	expect(map(id, 0, 0, MAP_AT), -EINVAL, "MEMORY_MAP: count 0");
	expect(map(id, BV_POPULATE_MAX + 1, 0, MAP_AT), -EINVAL, "MEMORY_MAP: count 513");
	expect(map(id, 1, 8, MAP_AT), -EINVAL, "MEMORY_MAP: gpa not page-aligned");
	expect(map(id, 4, 0, MAP_AT), -EINVAL, "MEMORY_MAP: a page not populated");
	expect(map(id, 1, 0, 0x100000), -EINVAL, "MEMORY_MAP: inside the service's RAM");
	expect(map(id, 1, 0, MAP_AT + 8), -EINVAL, "MEMORY_MAP: window not page-aligned");
	expect(map(id, 1, 0, 1ull << 46), -EINVAL, "MEMORY_MAP: window at 2^46");
	expect(map(id, 2, 0, 0xfedff000), -EINVAL, "MEMORY_MAP: window over the LAPIC");
	expect(map(id, 3, 0, MAP_AT), 0, "MEMORY_MAP: good");
	expect(map(id, 1, 0, MAP_AT + 2 * PAGE), -EINVAL, "MEMORY_MAP: window in use");
	report(*(volatile uint64_t *)(MAP_AT + PAGE + 0x40) == *(uint64_t *)(page + 0x40),
	       "MEMORY_MAP: the client's page appears there");
	expect(hc(BV_HC_SET_IRQ, id, 24, 1), -EINVAL, "SET_IRQ: line 24");
	expect(hc(BV_HC_SET_IRQ, id, 4, 2), -EINVAL, "SET_IRQ: level 2");
	expect(hc(BV_HC_SET_IRQ, id, 4, 1), 0, "SET_IRQ: line 4 up, into its vIOAPIC");
	expect(hc(BV_HC_SET_IRQ, id, 4, 0), 0, "SET_IRQ: line 4 down");
	expect(hc(BV_HC_SET_IRQ, id + 100, 4, 1), -EINVAL, "SET_IRQ: unknown domain");
}

static void service_tests(void)
{
	long id;

	for (unsigned int i = 0; i < PAGE; i++)
		page[i] = (uint8_t)(i * 7);
	expect(hc(BV_HC_COUNT, 0, 0, 0), -ENOSYS, "an unknown number is -ENOSYS");
	expect(hc(1ull << 32, 0, 0, 0), -ENOSYS, "number 2^32 is -ENOSYS");
	create_tests();
	create_args("probe", 2 << 20, 1);
	id = hcp(BV_HC_DOMAIN_CREATE, &cr);
	report(id > 0, "CREATE: good");
	if (id <= 0)
		return;
	expect(hcp(BV_HC_DOMAIN_CREATE, &cr), -EEXIST, "CREATE: a name in use");
	forward_com1_tests();
	populate_tests((uint32_t)id);
	regs_tests((uint32_t)id);
	control_tests((uint32_t)id);
	evtchn_tests((uint32_t)id);
	ioreq_tests((uint32_t)id);
	memory_copy_tests((uint32_t)id);
	memory_map_tests((uint32_t)id);
	expect(bv_domain_destroy((uint32_t)id), 0, "DESTROY: good");
	report(*(volatile uint32_t *)MAP_AT == 0xffffffffu, "DESTROY: the mapped window is gone");
	report(no_clients(), "DESTROY: the domain is gone");
	expect(hc(BV_HC_DOMAIN_DESTROY, (uint64_t)id, 0, 0), -EINVAL, "DESTROY: a second time");
	for (unsigned int i = 0; i < PAGE; i++)
		if (page[i] != (uint8_t)(i * 7)) {
			report(0, "the service's page is unchanged");
			return;
		}
	report(1, "the service's page is unchanged");
}

/* --- A client served end to end (ioreq=1) --- */

#define EVT_VECTOR 0x40
#define VIRTIO_BASE 0xfeb00000u

static uint8_t cmem[PAGE] __attribute__((aligned(PAGE))); /* the client's page 0 */
static volatile unsigned int evt_irqs;

/* 32-bit code at client 0x100 (paging off, flat): a port read and write, an MMIO
 * read, write and read-modify-write, REP OUTSB of two bytes; exit 42 if the
 * values read were the service's. */
static const uint8_t client_code[] = {
	0x66, 0xba, 0x00, 0x05,					    /* mov dx, 0x500 */
	0xec,							    /* in al, dx */
	0x88, 0xc3,						    /* mov bl, al */
	0xa1, 0x10, 0x00, 0xb0, 0xfe,				    /* mov eax, [0xfeb00010] */
	0x89, 0xc1,						    /* mov ecx, eax */
	0xc7, 0x05, 0x20, 0x00, 0xb0, 0xfe, 0x0d, 0xf0, 0xfe, 0xca, /* mov [..20], imm */
	0x83, 0x05, 0x30, 0x00, 0xb0, 0xfe, 0x05,		    /* add dword [0xfeb00030], 5 */
	0x89, 0xcf,						    /* mov edi, ecx */
	0xbe, 0x00, 0x08, 0x00, 0x00,				    /* mov esi, 0x800 */
	0xb9, 0x02, 0x00, 0x00, 0x00,				    /* mov ecx, 2 */
	0xf3, 0x6e,						    /* rep outsb */
	0xb0, 0x77,						    /* mov al, 0x77 */
	0xee,							    /* out dx, al */
	0x80, 0xfb, 0x5a,					    /* cmp bl, 0x5a */
	0x75, 0x0c,						    /* jne bad */
	0x81, 0xff, 0x78, 0x56, 0x34, 0x12,			    /* cmp edi, 0x12345678 */
	0x75, 0x04,						    /* jne bad */
	0xb0, 0x2a,						    /* mov al, 42 */
	0xe6, 0xf4,						    /* out 0xf4, al */
	0xb0, 0x01,						    /* bad: mov al, 1 */
	0xe6, 0xf4,						    /* out 0xf4, al */
	0xf4,							    /* hlt */
};

/* What the client asks, in order: type, dir, addr, size, data written or answered. */
static const struct bv_ioreq expected[] = {
	{ 0x500, 0x5a, 1, 1, BV_IOREQ_PIO, BV_IOREQ_READ, 0, 0 },
	{ VIRTIO_BASE + 0x10, 0x12345678, 4, 1, BV_IOREQ_MMIO, BV_IOREQ_READ, 0, 0 },
	{ VIRTIO_BASE + 0x20, 0xcafef00d, 4, 1, BV_IOREQ_MMIO, BV_IOREQ_WRITE, 0, 0 },
	{ VIRTIO_BASE + 0x30, 10, 4, 1, BV_IOREQ_MMIO, BV_IOREQ_READ, 0, 0 },
	{ VIRTIO_BASE + 0x30, 15, 4, 1, BV_IOREQ_MMIO, BV_IOREQ_WRITE, 0, 0 },
	{ 0x500, 'h', 1, 1, BV_IOREQ_PIO, BV_IOREQ_WRITE, 0, 0 },
	{ 0x500, 'i', 1, 1, BV_IOREQ_PIO, BV_IOREQ_WRITE, 0, 0 },
	{ 0x500, 0x77, 1, 1, BV_IOREQ_PIO, BV_IOREQ_WRITE, 0, 0 },
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static void evt_irq(struct guest_frame *f)
{
	(void)f;
	evt_irqs++;
	apic_eoi();
}

static long client_make(void)
{
	static const uint64_t gdt[] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
	long id;

	__builtin_memcpy(cmem, gdt, sizeof(gdt));
	__builtin_memcpy(cmem + 0x100, client_code, sizeof(client_code));
	cmem[0x800] = 'h', cmem[0x801] = 'i';
	create_args("client", 2 << 20, 1);
	id = hcp(BV_HC_DOMAIN_CREATE, &cr);
	frames[0] = (uint64_t)(uintptr_t)cmem;
	if (id <= 0 || populate((uint32_t)id, 1, 0, frames))
		return -1;
	regs = (struct bv_vcpu_regs){ .domid = (uint32_t)id,
				      .mode = BV_CPU_PROT32,
				      .rip = 0x100,
				      .rsp = 0xff0,
				      .gdt_base = 0,
				      .gdt_limit = 23,
				      .code_sel = 8,
				      .data_sel = 16 };
	return hcp(BV_HC_VCPU_SET_REGS, &regs) ? -1 : id;
}

static long client_serve_setup(uint32_t id)
{
	long port;

	if (hc(BV_HC_EVTCHN_SETUP, (uint64_t)(uintptr_t)&evt, EVT_VECTOR, 0))
		return -1;
	port = hc(BV_HC_EVTCHN_BIND, id, 0, 0);
	server_args(id, BV_IOREQ_PIO, 0x500, 8);
	srv.nranges = 2;
	srv.range[1] = (struct bv_ioreq_range){ .type = BV_IOREQ_MMIO,
						.base = VIRTIO_BASE,
						.len = 0x1000 };
	if (port <= 0 || hcp(BV_HC_IOREQ_SERVER, &srv))
		return -1;
	return port;
}

/* hostile=N: what a broken service does with the first request. */
enum hostile {
	HOSTILE_NONE,
	HOSTILE_BACKWARDS, /* answers by setting the slot back to NONE */
	HOSTILE_SIZE,	   /* answers with another size */
	HOSTILE_SILENT,	   /* never answers */
	HOSTILE_CRASH,	   /* triple-faults while the client waits */
	HOSTILE_FLOOD,	   /* 10000 NOTIFYs before it answers */
};

static unsigned int hostile;
static int flood_ok = 1;

/* Breaks the first request as hostile= says; 1 if it is not answered normally. */
static int misbehave(volatile struct bv_ioreq *q, long port)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	switch (hostile) {
	case HOSTILE_BACKWARDS:
		__atomic_store_n(&q->state, BV_IOREQ_NONE, __ATOMIC_RELEASE);
		break;
	case HOSTILE_SIZE:
		q->size = 2;
		__atomic_store_n(&q->state, BV_IOREQ_RESPONSE_READY, __ATOMIC_RELEASE);
		break;
	case HOSTILE_SILENT:
		return 1;
	case HOSTILE_CRASH:
		asm volatile("lidt %0; int3" : : "m"(no_idt));
		break;
	case HOSTILE_FLOOD:
		for (int i = 0; i < 10000; i++)
			flood_ok &= hc(BV_HC_EVTCHN_NOTIFY, (uint64_t)port, 0, 0) == 0;
		return 0;
	}
	hc(BV_HC_EVTCHN_NOTIFY, (uint64_t)port, 0, 0);
	return 1;
}

/* Answers slot 0 if it is READY; returns 1 if it did and the request was the n-th. */
static int serve_one(long port, unsigned int n, int *ok)
{
	volatile struct bv_ioreq *q = &((struct bv_ioreq_page *)ioreqs)->slot[0];
	const struct bv_ioreq *x = &expected[n < NEXPECTED ? n : 0];

	if (__atomic_load_n(&q->state, __ATOMIC_ACQUIRE) != BV_IOREQ_READY)
		return 0;
	if (n == 0 && hostile && misbehave(q, port))
		return 0;
	q->state = BV_IOREQ_INPROCESS;
	if (n >= NEXPECTED || q->addr != x->addr || q->size != x->size || q->type != x->type ||
	    q->dir != x->dir || q->count != 1 || (x->dir == BV_IOREQ_WRITE && q->data != x->data)) {
		guest_printf("  request %u: addr %lx size %u type %u dir %u data %lx\n", n, q->addr,
			     q->size, q->type, q->dir, q->data);
		*ok = 0;
	}
	if (x->dir == BV_IOREQ_READ)
		q->data = x->data;
	__atomic_store_n(&q->state, BV_IOREQ_RESPONSE_READY, __ATOMIC_RELEASE);
	if (hc(BV_HC_EVTCHN_NOTIFY, (uint64_t)port, 0, 0))
		*ok = 0;
	return 1;
}

/* A broken service's client ends crashed, and the service goes on. */
static void hostile_results(long id)
{
	report(info.state == BV_DOMAIN_CRASHED, "hostile: the client crashed");
	expect(hc(BV_HC_VERSION, 0, 0, 0), BV_ABI_VERSION, "hostile: the hypervisor answers");
	expect(bv_domain_destroy((uint32_t)id), 0, "hostile: DESTROY");
}

static void client_tests(void)
{
	long id = client_make(), port = id > 0 ? client_serve_setup((uint32_t)id) : -1;
	unsigned int n = 0, events = 0;
	int ok = 1;

	report(id > 0 && port > 0, "client: created, populated, registers, port and server");
	if (id <= 0 || port <= 0)
		return;
	idt_init();
	apic_init();
	guest_set_handler(EVT_VECTOR, evt_irq);
	asm volatile("sti");
	expect(hc(BV_HC_DOMAIN_START, (uint64_t)id, 0, 0), 0, "client: START");
	for (;;) {
		uint64_t bits = __atomic_exchange_n(&evt.pending[0], 0, __ATOMIC_ACQ_REL);

		events += (bits >> port) & 1;
		while (serve_one(port, n, &ok))
			n++;
		hc(BV_HC_DOMAIN_INFO, (uint64_t)id, (uint64_t)(uintptr_t)&info, 0);
		if (info.state == BV_DOMAIN_ENDED || info.state == BV_DOMAIN_CRASHED)
			break;
		asm volatile("cli");
		if (!__atomic_load_n(&evt.pending[0], __ATOMIC_ACQUIRE))
			asm volatile("sti; hlt");
		asm volatile("sti");
	}
	if (hostile && hostile != HOSTILE_FLOOD) {
		hostile_results(id);
		return;
	}
	report(flood_ok, "client: every NOTIFY of the flood answered 0");
	report(ok && n == NEXPECTED, "client: every request as expected, answered");
	report(events > 0 && evt_irqs > 0, "client: its port's bit and the vector came");
	report(info.state == BV_DOMAIN_ENDED && info.exit_status == 42,
	       "client: ended with 42 (it read the service's values)");
	expect(bv_domain_destroy((uint32_t)id), 0, "client: DESTROY");
}

int guest_main(void)
{
	struct cpuid_regs r = cpuid(BV_CPUID_HYPERCALL, 0);

	hc_insn = r.ebx;
	bv_init(); /* guest-tools/lib/bivisor.c's calls too: DESTROY, called again on -EBUSY */
	guest_printf("hypercall: ABI %u, insn %u, domain %u, role %u\n", r.eax, r.ebx, r.ecx,
		     r.edx);
	report(r.eax == BV_ABI_VERSION && r.ecx != 0, "CPUID 0x40000001: ABI version, domain id");
	report(hc_insn == BV_CPUID_HC_VMCALL || hc_insn == BV_CPUID_HC_VMMCALL,
	       "CPUID 0x40000001: VMCALL or VMMCALL");
	hostile = guest_cmdline_number("hostile", 0, HOSTILE_FLOOD);
	if ((r.edx & BV_CPUID_ROLE_SERVICE) && (hostile || guest_cmdline_number("ioreq", 0, 1)))
		client_tests();
	else if (r.edx & BV_CPUID_ROLE_SERVICE)
		service_tests();
	else
		plain_tests();
	return report_summary();
}
