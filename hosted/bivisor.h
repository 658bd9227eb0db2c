/*
 * hosted/bivisor.h: the pure conversions of bvm's bivisor accelerator
 * (hosted/bivisor.c), apart so that tests/unit/test_bivisor.c checks them
 * without /dev/bivisor: bvm's register set to the hypervisor's boot state
 * (include/public/domctl.h struct bv_vcpu_regs), the ranges bvm claims, and
 * a BIVISOR_RUN answer (include/public/bivisor_dev.h) to a neutral exit.
 */
#ifndef HOSTED_BIVISOR_H
#define HOSTED_BIVISOR_H

#include <stddef.h>
#include <stdint.h>

#include "hosted/accel.h"
#include "include/public/bivisor_dev.h"

/*
 * regs as the boot state of vCPU vcpu (domid left 0): -EINVAL, and err
 * says which register, when bv_vcpu_regs cannot express them (a mode
 * other than PROT32 or LONG64, a register it does not carry set).
 */
int bivisor_regs_convert(const struct accel_regs *regs, unsigned int vcpu, struct bv_vcpu_regs *out,
			 char *err, size_t errlen);

/* Adds [base, base + len) of ports or MMIO to ranges: -EINVAL, -EEXIST (overlap), -ENOSPC. */
int bivisor_claim_add(struct bivisor_ioreq_ranges *ranges, int is_mmio, uint64_t base,
		      uint64_t len);

/*
 * run, as BIVISOR_RUN left it, as the exit hosted/run.c dispatches: an
 * ioreq inside the claimed ranges becomes IO or MMIO with its data (a
 * write's value) in data[8]; the domain's end a power-off with its status;
 * its crash a SHUTDOWN; anything malformed an INTERNAL exit. msg (msglen
 * bytes) holds the words error.msg points to.
 */
void bivisor_exit_decode(const struct bivisor_run *run, const struct bivisor_ioreq_ranges *claimed,
			 uint8_t data[8], char *msg, size_t msglen, struct accel_exit *e);

#endif
