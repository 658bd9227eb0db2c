/*
 * kernel/hc_check.c: the hypercall gate and the argument checks of each call
 * (kernel/hc_check.h; the ABI is include/public/hypercall.h, domctl.h and
 * evtchn.h). Intel SDM vol. 3C 25.1.3 and AMD APM vol. 2 15.9 give the
 * exits; which call a domain may make is the table here (after ACRN's
 * hypercall table with per-entry flags). No state: every input is an
 * argument, so a fuzz target runs the same code the kernel does.
 */
#include "drivers/firmware/loader.h"
#include "include/public/errno.h"
#include "include/public/evtchn.h"
#include "include/public/hypercall.h"
#include "kernel/hc_check.h"

static const uint8_t hc_perms[BV_HC_COUNT] = {
	[BV_HC_VERSION] = HC_ANY,
	[BV_HC_EVTCHN_SETUP] = HC_SERVICE,
	[BV_HC_EVTCHN_BIND] = HC_SERVICE,
	[BV_HC_EVTCHN_NOTIFY] = HC_SERVICE,
	[BV_HC_DOMAIN_CREATE] = HC_SERVICE,
	[BV_HC_MEMORY_POPULATE] = HC_SERVICE,
	[BV_HC_VCPU_SET_REGS] = HC_SERVICE,
	[BV_HC_DOMAIN_START] = HC_SERVICE,
	[BV_HC_DOMAIN_PAUSE] = HC_SERVICE,
	[BV_HC_DOMAIN_UNPAUSE] = HC_SERVICE,
	[BV_HC_DOMAIN_DESTROY] = HC_SERVICE,
	[BV_HC_IOREQ_SERVER] = HC_SERVICE,
	[BV_HC_SET_IRQ] = HC_SERVICE,
	[BV_HC_MEMORY_READ] = HC_SERVICE,
	[BV_HC_MEMORY_WRITE] = HC_SERVICE,
	[BV_HC_MEMORY_MAP] = HC_SERVICE,
	[BV_HC_DOMAIN_INFO] = HC_SERVICE,
	[BV_HC_SHARE_INFO] = HC_ANY,
};

long hc_gate(uint64_t nr, uint32_t role)
{
	unsigned int perm = nr < BV_HC_COUNT ? hc_perms[nr] : HC_UNDEFINED;

	if (perm == HC_UNDEFINED)
		return -ENOSYS;
	if (perm == HC_SERVICE && !(role & BV_CPUID_ROLE_SERVICE))
		return -EPERM;
	return perm;
}

int hc_range_in(uint64_t size, uint64_t gpa, uint64_t len)
{
	return gpa < size && len <= size - gpa;
}

static int name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

int hc_name_ok(const char name[BV_NAME_LEN])
{
	unsigned int len = 0;

	while (len < BV_NAME_LEN && name[len])
		len++;
	if (!len || len == BV_NAME_LEN)
		return 0;
	for (unsigned int i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return 0;
	return 1;
}

long hc_check_create(const struct bv_domain_create *a)
{
	if (!hc_name_ok(a->name) || a->mem % BV_PAGE_SIZE || a->mem < (2u << 20) ||
	    a->mem > HC_CLIENT_MEM_MAX || !a->vcpus || a->vcpus > BV_MAX_VCPUS ||
	    (a->flags & ~BV_DOMAIN_FORWARD_COM1))
		return -EINVAL;
	return 0;
}

long hc_check_populate(const struct bv_memory_populate *a, uint64_t client_ram)
{
	if (!a->count || a->count > BV_POPULATE_MAX || a->gpa % BV_PAGE_SIZE ||
	    a->gpa >= client_ram || a->count > (client_ram - a->gpa) / BV_PAGE_SIZE)
		return -EINVAL;
	return 0;
}

long hc_check_set_regs(const struct bv_vcpu_regs *r, uint32_t nvcpus, int started)
{
	if (started || r->vcpu >= nvcpus || r->mode > BV_CPU_LONG64 || r->pad || r->pad2)
		return -EINVAL;
	return 0;
}

long hc_check_set_irq(int has_platform, uint64_t line, uint64_t level)
{
	return has_platform && line <= 23 && level <= 1 ? 0 : -EINVAL;
}

long hc_check_info(uint64_t flags)
{
	return flags > BV_DOMAIN_INFO_NEXT ? -EINVAL : 0;
}

long hc_check_copy(const struct bv_memory_copy *a, uint64_t client_ram)
{
	if (!a->len || a->len > BV_COPY_MAX || !hc_range_in(client_ram, a->gpa, a->len))
		return -EINVAL;
	return 0;
}

/* Page-aligned, above the service's RAM, below HC_MAP_LIMIT, off the APIC pages. */
static int window_ok(uint64_t service_ram, uint64_t gpa, uint64_t len)
{
	return !(gpa % BV_PAGE_SIZE) && gpa >= service_ram && gpa < HC_MAP_LIMIT &&
	       len <= HC_MAP_LIMIT - gpa &&
	       !(gpa < FW_LAPIC_BASE + BV_PAGE_SIZE && gpa + len > FW_IOAPIC_BASE);
}

long hc_check_map(const struct bv_memory_map *a, uint64_t client_ram, uint64_t service_ram)
{
	uint64_t len = (uint64_t)a->count * BV_PAGE_SIZE;

	if (!a->count || a->count > BV_POPULATE_MAX || a->gpa % BV_PAGE_SIZE ||
	    !hc_range_in(client_ram, a->gpa, len) || !window_ok(service_ram, a->service_gpa, len))
		return -EINVAL;
	return 0;
}

int evtchn_how_ok(int has_platform, uint64_t how)
{
	if (how & BV_EVTCHN_GSI)
		return has_platform && (how & ~(uint64_t)BV_EVTCHN_GSI) <= BV_EVTCHN_GSI_MAX;
	return how == BV_EVTCHN_NONE || (how >= 32 && how <= 255);
}

long evtchn_check_setup(int have_page, int has_platform, uint64_t gpa, uint64_t how)
{
	if (have_page || gpa % sizeof(uint64_t) || !evtchn_how_ok(has_platform, how))
		return -EINVAL;
	return 0;
}

int evtchn_port_ok(uint64_t port)
{
	return port && port < BV_EVTCHN_PORTS;
}
