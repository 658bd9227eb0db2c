/*
 * kernel/share.h: page sharing for domains with share=1 (issue 18), in the
 * manner of Linux's KSM: a scanner hashes their pages, identical pages are
 * merged into one read-only frame, and a write breaks the sharing by
 * copy-on-write through the nested tables' write protection (AMD APM vol. 2
 * 15.25.5, Intel SDM vol. 3C 29.3.3). The policy is docs/memory.md.
 */
#ifndef KERNEL_SHARE_H
#define KERNEL_SHARE_H

#include <stdint.h>

#include "kernel/virt.h"

struct domain;
struct vcpu;
struct bv_share_info;

/* The counters of one domain (and, summed, of all). */
struct share_stats {
	uint64_t scanned; /* pages the scanner looked at */
	uint64_t shared;  /* pages mapped to a shared frame now */
	int64_t saved;	  /* frames given back by merges, less those CoW breaks took */
	uint64_t cow;	  /* write faults that broke the sharing of a page */
};

/* Opts a domain in (share=1); -EINVAL for more than one vCPU or no RAM of its own. */
int __must_check share_domain_init(struct domain *d);
/* After an exit of v on this CPU: scans v's domain within this CPU's budget. */
void share_scan(struct vcpu *v);
/* A nested page fault at gpa: 1 if it was a write to a shared page, whose sharing
 * is now broken (the guest retries), 0 if it is not sharing's. */
int share_fault(struct vcpu *v, gpa_t gpa, int is_write);
/* The hypervisor writes [gpa, gpa+len) of a domain: breaks the sharing there first. */
int share_unshare(struct domain *d, gpa_t gpa, uint64_t len);
/* At the domain's end: frees its RAM (1), or 0 if it does not share. Prints its counters. */
int share_domain_release(struct domain *d);
/* One line of the domain's counters, and of the totals (debug keys d and m). */
void share_print(struct domain *d);
void share_print_total(void);
/* BV_HC_SHARE_INFO: the caller's counters, merged pages counted in a range. */
long share_info(struct domain *d, uint64_t gpa, uint64_t range_gpa, uint64_t range_len);

#endif
