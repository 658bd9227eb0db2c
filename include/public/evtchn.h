/*
 * include/public/evtchn.h: event channels, how the hypervisor tells the
 * service domain that something waits (after Xen's event channels, cut
 * down to what forwarding needs).
 *
 * BV_HC_EVTCHN_SETUP gives the hypervisor a page of the service's RAM with
 * the pending bitmap and an interrupt vector. BV_HC_EVTCHN_BIND binds a
 * client domain to a port (1 to BV_EVTCHN_PORTS - 1): from then on, when one
 * of that client's ioreqs becomes READY or the client ends or crashes, the
 * hypervisor sets the port's bit in pending and, if the bit was clear,
 * injects the vector into the service's vCPU 0. The service takes the
 * bits with an atomic exchange, then looks at the slots and at
 * BV_HC_DOMAIN_INFO. BV_HC_EVTCHN_NOTIFY(port) goes the other way: the
 * hypervisor looks at that client's RESPONSE_READY slots.
 */
#ifndef PUBLIC_EVTCHN_H
#define PUBLIC_EVTCHN_H

#include <stdint.h>

#define BV_EVTCHN_PORTS 64

struct bv_evtchn_page {
	uint64_t pending[BV_EVTCHN_PORTS / 64]; /* 0: bit p: port p has news; set atomically */
};
_Static_assert(sizeof(struct bv_evtchn_page) == 8, "bv_evtchn_page");

#endif
