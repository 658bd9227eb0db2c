/*
 * kernel/hc_check.h: the argument checks of the hypercalls
 * (include/public/hypercall.h, domctl.h, evtchn.h) as pure functions of the
 * caller's role, its argument structure and a few numbers the caller reads
 * from the domains involved. kernel/hypercall.c, domctl.c and evtchn.c call
 * them under the control lock; what needs the domains themselves (a client
 * found by id, its populated pages, the service's tables) stays there.
 * tests/fuzz/fuzz_hypercall.c drives them with arbitrary input.
 */
#ifndef KERNEL_HC_CHECK_H
#define KERNEL_HC_CHECK_H

#include <stdint.h>

#include "include/public/domctl.h"

enum hc_perm {
	HC_UNDEFINED, /* no such call: -ENOSYS */
	HC_ANY,	      /* every domain */
	HC_SERVICE,   /* the service domain only; run under the control lock */
};

/*
 * The gate every call passes first: -ENOSYS for an unknown number, -EPERM
 * for a service call from a domain whose role (BV_CPUID_ROLE_*) lacks
 * BV_CPUID_ROLE_SERVICE, else the call's enum hc_perm.
 */
long hc_gate(uint64_t nr, uint32_t role);

/* 1 when [gpa, gpa + len) lies inside [0, size). */
int hc_range_in(uint64_t size, uint64_t gpa, uint64_t len);
/* A NUL-terminated name of letters, digits, '-' and '_' within BV_NAME_LEN bytes. */
int hc_name_ok(const char name[BV_NAME_LEN]);

/* The field checks of each call's argument: 0 or -EINVAL. The client's RAM size,
 * vCPU count and state come from the client the domid names. */
long hc_check_create(const struct bv_domain_create *a);
long hc_check_populate(const struct bv_memory_populate *a, uint64_t client_ram);
long hc_check_set_regs(const struct bv_vcpu_regs *r, uint32_t nvcpus, int started);
long hc_check_set_irq(int has_platform, uint64_t line, uint64_t level);
long hc_check_info(uint64_t flags);
/* BV_HC_MEMORY_READ / _WRITE: the length, and the client range inside its RAM. */
long hc_check_copy(const struct bv_memory_copy *a, uint64_t client_ram);
/* BV_HC_MEMORY_MAP: the count, the client range inside its RAM, and the service's window
 * (page-aligned, above its RAM, below HC_MAP_LIMIT, off the LAPIC and IOAPIC pages). */
long hc_check_map(const struct bv_memory_map *a, uint64_t client_ram, uint64_t service_ram);

#define HC_MAP_LIMIT (1ull << 46) /* BV_HC_MEMORY_MAP: the top of the service's window */
#define HC_CLIENT_MEM_MAX (1ull << 40)

/* BV_HC_EVTCHN_SETUP's how: BV_EVTCHN_NONE, a vector 32-255, or BV_EVTCHN_GSI | an
 * input 0-BV_EVTCHN_GSI_MAX of the service's vIOAPIC (has_platform: it has one). */
int evtchn_how_ok(int has_platform, uint64_t how);
/* BV_HC_EVTCHN_SETUP (not a reset): 0, or -EINVAL when a page is set up already, gpa is
 * not 8-byte aligned or how is bad. */
long evtchn_check_setup(int have_page, int has_platform, uint64_t gpa, uint64_t how);
/* A port a client can be bound to: 1 to BV_EVTCHN_PORTS - 1. */
int evtchn_port_ok(uint64_t port);

#endif
