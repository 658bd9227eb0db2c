/*
 * include/public/bivisor_dev.h: /dev/bivisor, the ioctls of the service
 * guest's Linux module (guest-tools/linux/bivisor.c) that bvm's bivisor
 * accelerator (hosted/bivisor.c) and its management verbs use. They mirror
 * what bvm asks of /dev/kvm, on top of the hypercalls of hypercall.h:
 *
 *   open("/dev/bivisor")        one file, at most one domain
 *   BIVISOR_CREATE              makes a paused domain and ties it to the file
 *   BIVISOR_MEMORY              pins the caller's pages, populates guest RAM
 *   BIVISOR_SET_REGS            the boot vCPU's state (struct bv_vcpu_regs)
 *   BIVISOR_IOREQ_RANGES        the ranges this file serves (ioreq server)
 *   BIVISOR_START               runs the domain
 *   BIVISOR_RUN                 completes a vCPU's last ioreq, waits for its next
 *   BIVISOR_SET_IRQ             drives a line of the domain's vIOAPIC
 *   close()                     destroys the domain if it is still there
 *
 * and, on any open file, for management (bvm list, pause, unpause, destroy):
 *   BIVISOR_INFO, BIVISOR_PAUSE, BIVISOR_UNPAUSE, BIVISOR_DESTROY by domid,
 *   BIVISOR_INFO_NEXT to list every client of this service domain.
 *
 * poll() on a file with a domain reports POLLIN while one of its vCPUs has
 * an ioreq READY, and POLLHUP once the domain has ended, crashed or been
 * destroyed (POLLERR on a file without a domain).
 *
 * Order: CREATE first (a second CREATE on one file: -EINVAL); MEMORY,
 * SET_REGS, IOREQ_RANGES (once) before START; RUN after START and
 * IOREQ_RANGES, and at any time once the domain is over. A domain that
 * BIVISOR_DESTROY removed (from any file) reads as BIVISOR_RUN_CRASHED with
 * exit_status -1 on its own file. close() destroys a domain that is still
 * there (the hypervisor logs "destroyed by its service domain S while
 * running" if it ran), then unpins its memory.
 *
 * Errors: -EFAULT for a bad user pointer (also a BIVISOR_MEMORY range that
 * is not wholly mapped), -EINVAL for a bad field or a call out of order,
 * -ENOTTY for an unknown ioctl, -EINTR when a signal interrupted BIVISOR_RUN
 * (the ioreq stays pending: the next BIVISOR_RUN without
 * BIVISOR_RUN_COMPLETE waits for it again, or returns it again if it had
 * been taken). The hypervisor's own errno passes through (its numbers are
 * Linux's: -EINVAL for an unknown domid or a state that forbids the call,
 * e.g. PAUSE before START; -EEXIST for a name in use; -EBUSY for ioreq
 * ranges over a device; -ENOSPC, -ENOMEM; -ENOENT after the last
 * BIVISOR_INFO_NEXT). Those that mean the module and the hypervisor
 * disagree (-EPERM, -ENOSYS, -EFAULT) are logged and become -ENODEV.
 * Loading the module outside a bivisor service domain fails with -ENODEV.
 */
#ifndef PUBLIC_BIVISOR_DEV_H
#define PUBLIC_BIVISOR_DEV_H

#include <linux/ioctl.h>
#include <stdint.h>

#include "include/public/domctl.h"
#include "include/public/ioreq.h"

#define BIVISOR_DEV_VERSION 1
#define BIVISOR_IOCTL_TYPE 0xb7

/* BIVISOR_CREATE. flags: BV_DOMAIN_* of domctl.h. The domid comes back. */
struct bivisor_create {
	char name[BV_NAME_LEN]; /*  0 */
	uint64_t mem;		/* 32: bytes of guest RAM from gpa 0 */
	uint32_t vcpus;		/* 40 */
	uint32_t flags;		/* 44 */
	uint32_t domid;		/* 48: out */
	uint32_t pad;		/* 52 */
};
_Static_assert(sizeof(struct bivisor_create) == 56, "bivisor_create");

/*
 * BIVISOR_MEMORY: guest [gpa, gpa + len) becomes the caller's [uaddr, uaddr + len),
 * pinned until close(); len at most BIVISOR_MEMORY_MAX a call (make more calls).
 */
#define BIVISOR_MEMORY_MAX (1ull << 36)
struct bivisor_memory {
	uint64_t gpa;	/*  0: page-aligned */
	uint64_t uaddr; /*  8: page-aligned, the caller's mapping (anonymous memory) */
	uint64_t len;	/* 16: a multiple of the page size */
};
_Static_assert(sizeof(struct bivisor_memory) == 24, "bivisor_memory");

/* BIVISOR_IOREQ_RANGES: once, before BIVISOR_START. */
struct bivisor_ioreq_ranges {
	uint32_t nranges; /* 0: 1 to BV_IOREQ_RANGES */
	uint32_t pad;	  /* 4 */
	struct bv_ioreq_range range[BV_IOREQ_RANGES];
};
_Static_assert(sizeof(struct bivisor_ioreq_ranges) == 8 + 24 * BV_IOREQ_RANGES,
	       "bivisor_ioreq_ranges");

enum bivisor_run_kind {
	BIVISOR_RUN_IOREQ = 1,	 /* req holds vCPU vcpu's access; answer it with the next RUN */
	BIVISOR_RUN_ENDED = 2,	 /* the domain ended: exit_status is its status */
	BIVISOR_RUN_CRASHED = 3, /* the domain crashed (the hypervisor's log says why) */
};

/*
 * BIVISOR_RUN, on vCPU vcpu's own thread. With BIVISOR_RUN_COMPLETE in flags
 * the vCPU's pending ioreq is answered first (data: a read's value, the low
 * req.size bytes). Then it waits until that vCPU has an ioreq or the domain
 * is over, and says which in kind.
 */
#define BIVISOR_RUN_COMPLETE (1u << 0)
struct bivisor_run {
	uint32_t vcpu;	     /*  0: in */
	uint32_t flags;	     /*  4: in */
	uint64_t data;	     /*  8: in, with BIVISOR_RUN_COMPLETE */
	uint32_t kind;	     /* 16: out: enum bivisor_run_kind */
	int32_t exit_status; /* 20: out, BIVISOR_RUN_ENDED */
	struct bv_ioreq req; /* 24: out, BIVISOR_RUN_IOREQ (state is READY) */
};
_Static_assert(sizeof(struct bivisor_run) == 56, "bivisor_run");

struct bivisor_irq {
	uint32_t line;	/* 0: 0-23 */
	uint32_t level; /* 4: 0 or 1 */
};
_Static_assert(sizeof(struct bivisor_irq) == 8, "bivisor_irq");

#define BIVISOR_VERSION _IO(BIVISOR_IOCTL_TYPE, 0x00) /* returns BIVISOR_DEV_VERSION */
#define BIVISOR_CREATE _IOWR(BIVISOR_IOCTL_TYPE, 0x01, struct bivisor_create)
#define BIVISOR_MEMORY _IOW(BIVISOR_IOCTL_TYPE, 0x02, struct bivisor_memory)
#define BIVISOR_SET_REGS _IOW(BIVISOR_IOCTL_TYPE, 0x03, struct bv_vcpu_regs)
#define BIVISOR_IOREQ_RANGES _IOW(BIVISOR_IOCTL_TYPE, 0x04, struct bivisor_ioreq_ranges)
#define BIVISOR_START _IO(BIVISOR_IOCTL_TYPE, 0x05)
#define BIVISOR_RUN _IOWR(BIVISOR_IOCTL_TYPE, 0x06, struct bivisor_run)
#define BIVISOR_SET_IRQ _IOW(BIVISOR_IOCTL_TYPE, 0x07, struct bivisor_irq)
/*
 * Management: the argument is a struct bv_domain_info (72 bytes since
 * cpu_ns) with domid set; INFO fills the rest. INFO_NEXT: domid 0 gives the
 * first client, then each answer's domid gives the next one.
 */
#define BIVISOR_INFO _IOWR(BIVISOR_IOCTL_TYPE, 0x10, struct bv_domain_info)
#define BIVISOR_PAUSE _IOW(BIVISOR_IOCTL_TYPE, 0x11, uint32_t)	 /* domid */
#define BIVISOR_UNPAUSE _IOW(BIVISOR_IOCTL_TYPE, 0x12, uint32_t) /* domid */
#define BIVISOR_DESTROY _IOW(BIVISOR_IOCTL_TYPE, 0x13, uint32_t) /* domid */
#define BIVISOR_INFO_NEXT _IOWR(BIVISOR_IOCTL_TYPE, 0x14, struct bv_domain_info)

#endif
