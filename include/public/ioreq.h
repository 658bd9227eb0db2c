/*
 * include/public/ioreq.h: forwarded I/O, the ioreq page (the model is Xen's
 * public/hvm/ioreq.h and ACRN's acrn_io_request; the layout is bivisor's).
 *
 * The service domain registers an ioreq server for a client domain with
 * BV_HC_IOREQ_SERVER: a page of its own RAM that holds one slot per client
 * vCPU, and the port and MMIO ranges it serves. A client access to such a
 * range is not emulated by the hypervisor: the vCPU's slot is filled and
 * the vCPU blocks until the service answers. One slot moves through
 *
 *   NONE --hypervisor--> READY --service--> INPROCESS --service-->
 *   RESPONSE_READY --hypervisor--> NONE
 *
 * The hypervisor fills addr, size, count, type and dir, sets READY and
 * raises the client's event channel port (include/public/evtchn.h). The
 * service may set INPROCESS while it works; for a read it stores the value
 * in data (the low size bytes count); it sets RESPONSE_READY and calls
 * BV_HC_EVTCHN_NOTIFY on the port. The hypervisor then checks the slot
 * against the request it kept itself, finishes the access (a read's value
 * goes to the guest register) and resumes the vCPU.
 *
 * Untrusted: the hypervisor reads a slot once and trusts none of it. A slot
 * set back to NONE while its request waits (a transition that goes
 * backwards), or answered with another addr, size, type or dir, crashes the
 * client domain whose access it was, with a line that says so; never the
 * hypervisor. A slot still READY at a NOTIFY is one the service has not
 * taken yet (another vCPU's request may become READY while the service
 * answers one): it waits, like INPROCESS. A slot the service moves when no
 * request waits in it is logged, set back to NONE and answered with
 * -EINVAL. A request with no answer after BV_IOREQ_TIMEOUT_MS crashes its
 * client.
 */
#ifndef PUBLIC_IOREQ_H
#define PUBLIC_IOREQ_H

#include <stdint.h>

#define BV_IOREQ_SLOTS 16 /* = BV_MAX_VCPUS: slot i is vCPU i's */
#define BV_IOREQ_RANGES 8 /* ranges per BV_HC_IOREQ_SERVER */
#define BV_IOREQ_TIMEOUT_MS 10000

enum bv_ioreq_state {
	BV_IOREQ_NONE = 0,
	BV_IOREQ_READY = 1,
	BV_IOREQ_INPROCESS = 2,
	BV_IOREQ_RESPONSE_READY = 3,
};

enum bv_ioreq_type {
	BV_IOREQ_PIO = 0,
	BV_IOREQ_MMIO = 1,
};

enum bv_ioreq_dir {
	BV_IOREQ_WRITE = 0, /* the guest wrote data */
	BV_IOREQ_READ = 1,  /* the guest reads: the service fills data */
};

struct bv_ioreq {
	uint64_t addr;	/*  0: port number or guest-physical address */
	uint64_t data;	/*  8: the value written, or the value to read */
	uint32_t size;	/* 16: 1, 2, 4 or 8 bytes */
	uint32_t count; /* 20: 1 (repeated string I/O is split by the hypervisor) */
	uint8_t type;	/* 24: enum bv_ioreq_type */
	uint8_t dir;	/* 25: enum bv_ioreq_dir */
	uint16_t pad;	/* 26 */
	uint32_t state; /* 28: enum bv_ioreq_state; read and written atomically */
};
_Static_assert(sizeof(struct bv_ioreq) == 32, "bv_ioreq");

struct bv_ioreq_page {
	struct bv_ioreq slot[BV_IOREQ_SLOTS]; /* 0: 512 bytes; the rest of the page is unused */
};
_Static_assert(sizeof(struct bv_ioreq_page) == 512, "bv_ioreq_page");

/* One range a server claims; [base, base + len) may not overlap another device. */
struct bv_ioreq_range {
	uint32_t type; /*  0: enum bv_ioreq_type */
	uint32_t pad;  /*  4: 0 */
	uint64_t base; /*  8 */
	uint64_t len;  /* 16: > 0; ports: base + len <= 0x10000 */
};
_Static_assert(sizeof(struct bv_ioreq_range) == 24, "bv_ioreq_range");

/* BV_HC_IOREQ_SERVER: one per client domain; the page stays the service's. */
struct bv_ioreq_server {
	uint32_t domid;	   /*  0 */
	uint32_t nranges;  /*  4: 1 to BV_IOREQ_RANGES */
	uint64_t page_gpa; /*  8: service gpa of a page-aligned struct bv_ioreq_page */
	struct bv_ioreq_range range[BV_IOREQ_RANGES]; /* 16 */
};
_Static_assert(sizeof(struct bv_ioreq_server) == 16 + 24 * BV_IOREQ_RANGES, "bv_ioreq_server");

#endif
