/*
 * include/public/hypercall.h: how a guest calls bivisor (the ABI between the
 * hypervisor, the service guest, its Linux module and bvm; freestanding C,
 * fixed-width types only). Intel SDM vol. 3C 25.1.3 (VMCALL exits) and AMD
 * APM vol. 2 15.9 (VMMCALL intercept); the table with per-entry permission
 * flags follows ACRN's hypercall table.
 *
 * Discovery: CPUID leaf BV_CPUID_HYPERCALL (inside the 0x40000000 "bivisor"
 * range) gives EAX = BV_ABI_VERSION, EBX = BV_CPUID_HC_* (which instruction
 * traps here; 0 where nothing does, as under bvm on KVM), ECX = the caller's
 * domain id, EDX = BV_CPUID_ROLE_* of the caller's domain.
 *
 * Calling convention: RAX = the number, RDI, RSI, RDX = up to three
 * arguments; the result comes back in RAX: >= 0, or a negative errno of
 * include/public/errno.h. Every other register is preserved. A pointer
 * argument is a guest-physical address in the caller's RAM; the structure
 * it points to must lie wholly inside that RAM (else -EFAULT).
 *
 * Errors every call may return: -ENOSYS (no such number), -EPERM (a
 * control call from a domain that is not the service domain), -EFAULT (a
 * pointer outside the caller's RAM), -EINVAL (a field out of range, an
 * unknown domain id, a port not bound). Nothing else happens when a call
 * fails.
 */
#ifndef PUBLIC_HYPERCALL_H
#define PUBLIC_HYPERCALL_H

#include <stdint.h>

#define BV_ABI_VERSION 1

#define BV_CPUID_HYPERCALL 0x40000001u
#define BV_CPUID_HC_VMCALL (1u << 0)  /* Intel: VMCALL (0f 01 c1) */
#define BV_CPUID_HC_VMMCALL (1u << 1) /* AMD: VMMCALL (0f 01 d9) */
#define BV_CPUID_ROLE_SERVICE (1u << 0)

/*
 * The numbers. "any": every domain may call it; "svc": only the service
 * domain (module option role=service), others get -EPERM.
 */
enum bv_hypercall {
	BV_HC_VERSION = 0,	   /* any: returns BV_ABI_VERSION */
	BV_HC_EVTCHN_SETUP = 1,	   /* svc: (gpa of struct bv_evtchn_page, vector or GSI) */
	BV_HC_EVTCHN_BIND = 2,	   /* svc: (domid): a port for that client's events */
	BV_HC_EVTCHN_NOTIFY = 3,   /* svc: (port): look at that client's ioreq slots */
	BV_HC_DOMAIN_CREATE = 4,   /* svc: (gpa of struct bv_domain_create): the domid */
	BV_HC_MEMORY_POPULATE = 5, /* svc: (gpa of struct bv_memory_populate) */
	BV_HC_VCPU_SET_REGS = 6,   /* svc: (gpa of struct bv_vcpu_regs) */
	BV_HC_DOMAIN_START = 7,	   /* svc: (domid) */
	BV_HC_DOMAIN_PAUSE = 8,	   /* svc: (domid) */
	BV_HC_DOMAIN_UNPAUSE = 9,  /* svc: (domid) */
	BV_HC_DOMAIN_DESTROY = 10, /* svc: (domid): ends it if it runs, frees it; see domctl.h */
	BV_HC_IOREQ_SERVER = 11,   /* svc: (gpa of struct bv_ioreq_server) */
	BV_HC_SET_IRQ = 12,	   /* svc: (domid, line 0-23, level 0/1): its vIOAPIC input */
	BV_HC_MEMORY_READ = 13,	   /* svc: (gpa of struct bv_memory_copy) */
	BV_HC_MEMORY_WRITE = 14,   /* svc: (gpa of struct bv_memory_copy) */
	BV_HC_MEMORY_MAP = 15,	   /* svc: (gpa of struct bv_memory_map) */
	BV_HC_DOMAIN_INFO = 16,	   /* svc: (domid, gpa of struct bv_domain_info, 0 or NEXT) */
	BV_HC_SHARE_INFO = 17,	   /* any: (gpa of struct bv_share_info, range gpa, range len) */
	BV_HC_COUNT
};

/*
 * BV_HC_SHARE_INFO(gpa, range_gpa, range_len): the page-sharing counters of
 * the caller (module option share=1, kernel/share.c; -EINVAL without it, or
 * for a range that is not page-aligned inside its RAM). merged counts the
 * pages of [range_gpa, range_gpa + range_len) that map a frame another page
 * maps too; total_saved is over every domain. docs/memory.md defines each.
 */
struct bv_share_info {
	uint64_t scanned;    /* 0: pages its scanner looked at */
	uint64_t shared;     /* 8: its pages mapped to a shared frame now */
	int64_t saved;	     /* 16: frames its merges gave back, less those CoW took */
	uint64_t cow;	     /* 24: copy-on-write breaks of its pages */
	uint64_t merged;     /* 32: in the range, pages whose frame another page maps */
	int64_t total_saved; /* 40: frames saved by sharing in all domains */
};
_Static_assert(sizeof(struct bv_share_info) == 48, "bv_share_info");

#endif
