/*
 * guest-tools/lib/bivisor.h: a test guest's side of bivisor's hypercall ABI
 * (include/public/hypercall.h): CPUID leaf BV_CPUID_HYPERCALL says whether
 * VMCALL (Intel SDM vol. 3C 25.1.3) or VMMCALL (AMD APM vol. 2 15.9) traps;
 * one wrapper per call takes the argument structures by pointer (the test
 * guests run identity-mapped, so a pointer is the guest-physical address).
 */
#ifndef GUEST_TOOLS_BIVISOR_H
#define GUEST_TOOLS_BIVISOR_H

#include <stdint.h>

#include "include/public/domctl.h"
#include "include/public/errno.h"
#include "include/public/evtchn.h"
#include "include/public/hypercall.h"
#include "include/public/ioreq.h"

/* Reads the CPUID leaf once: 0, or -ENOSYS when no hypercall instruction traps here. */
int bv_init(void);
uint32_t bv_domid(void);
uint32_t bv_role(void); /* BV_CPUID_ROLE_* */

/* Any call by number: RAX, RDI, RSI, RDX in, RAX out (>= 0 or a negative errno). */
long bv_hypercall(unsigned long nr, uint64_t a0, uint64_t a1, uint64_t a2);

long bv_version(void);
long bv_evtchn_setup(struct bv_evtchn_page *page, unsigned int vector);
long bv_evtchn_bind(uint32_t domid);
long bv_evtchn_notify(unsigned int port);
long bv_domain_create(const struct bv_domain_create *c);
long bv_memory_populate(const struct bv_memory_populate *p);
long bv_vcpu_set_regs(const struct bv_vcpu_regs *r);
long bv_domain_start(uint32_t domid);
long bv_domain_destroy(uint32_t domid);
long bv_ioreq_server(const struct bv_ioreq_server *s);
long bv_set_irq(uint32_t domid, unsigned int line, int level);
long bv_domain_info(uint32_t domid, struct bv_domain_info *info);
/* This domain's page-sharing counters, merged pages counted in [range, range + len). */
long bv_share_info(struct bv_share_info *info, const void *range, uint64_t len);

#endif
