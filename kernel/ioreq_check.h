/*
 * kernel/ioreq_check.h: the checks of forwarded I/O (include/public/ioreq.h)
 * as pure functions: a BV_HC_IOREQ_SERVER argument against the client's RAM
 * size and I/O bus, and what a slot the service wrote means for the request
 * the hypervisor kept. kernel/ioreq.c calls them and acts on the answer;
 * tests/fuzz/fuzz_ioreq.c drives them with arbitrary input.
 */
#ifndef KERNEL_IOREQ_CHECK_H
#define KERNEL_IOREQ_CHECK_H

#include <stdint.h>

#include "drivers/iobus.h"
#include "include/public/ioreq.h"

/* One access as the hypervisor keeps it (the slot in the service's page is untrusted). */
struct ioreq_access {
	uint64_t addr, data;
	uint32_t size;
	uint8_t type, dir; /* enum bv_ioreq_type, enum bv_ioreq_dir */
};

/*
 * BV_HC_IOREQ_SERVER's argument for a client with ram_size bytes of RAM and
 * bus: 0; -EINVAL for a range count out of 1-BV_IOREQ_RANGES, a page not
 * page-aligned, a bad range (empty, past the port space or GPT_GPA_LIMIT, an
 * MMIO range in RAM, a bad type or pad) or ranges that overlap each other;
 * -EBUSY for one over a device on the bus; -ENOSPC when the bus has no room.
 * A range it accepts, iobus_register accepts too.
 */
int ioreq_args_check(const struct bv_ioreq_server *a, uint64_t ram_size, const struct iobus *bus);

/* What a slot the service moved means (ioreq_slot_verdict). */
enum ioreq_verdict {
	IOREQ_V_IDLE,	   /* no request waits and the slot is NONE: nothing to do */
	IOREQ_V_STRAY,	   /* moved with no request waiting: logged, set back to NONE, -EINVAL */
	IOREQ_V_WAIT,	   /* READY or INPROCESS: the service still has it */
	IOREQ_V_TAKE,	   /* RESPONSE_READY for the request kept: the vCPU gets its answer */
	IOREQ_V_OTHER,	   /* RESPONSE_READY for another request: the client crashes */
	IOREQ_V_BACKWARDS, /* NONE or no state at all while the request waits: the client crashes */
};

/*
 * The slot's state st and its fields got (read once), for a vCPU that waits
 * for kept (NULL when none waits: no vCPU for the slot, or not waiting).
 */
enum ioreq_verdict ioreq_slot_verdict(uint32_t st, const struct ioreq_access *got,
				      const struct ioreq_access *kept);
/* The same request: address, size, type and direction (not the data). */
int ioreq_same_access(const struct ioreq_access *x, const struct ioreq_access *y);
/* The value a read gets from an answer: data cut to the kept request's size. */
uint64_t ioreq_read_value(const struct ioreq_access *kept, uint64_t data);
/* A slot state's name for a message; "an unknown state" past RESPONSE_READY. */
const char *ioreq_state_name(uint32_t st);

#endif
