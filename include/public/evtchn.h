/*
 * include/public/evtchn.h: event channels, how the hypervisor tells the
 * service domain that something waits (after Xen's event channels, cut
 * down to what forwarding needs).
 *
 * BV_HC_EVTCHN_SETUP(gpa, how) gives the hypervisor a page of the service's
 * RAM with the pending bitmap (8-byte aligned) and says how to notify, once
 * (a second call is -EINVAL):
 *   how = 32-255: that interrupt vector, injected into the service's vCPU 0
 *         (a freestanding service such as guest-tools/svc.c owns its IDT);
 *   how = BV_EVTCHN_GSI | gsi (gsi 0-23): an edge on that input of the
 *         service's own vIOAPIC (raised, then lowered), so the service's
 *         kernel routes, masks and acknowledges it like any device interrupt
 *         (Linux: acpi_register_gsi + request_irq; the IOAPIC entry must be
 *         edge-triggered, an edge while it is masked is lost);
 *   how = BV_EVTCHN_NONE: no notification; the service polls the word.
 * BV_HC_EVTCHN_SETUP(0, BV_EVTCHN_RESET) gives the page back (a Linux
 * module being unloaded): -EBUSY while a port is bound, -EINVAL when no page
 * is set up; a later BV_HC_EVTCHN_SETUP may set up another.
 * BV_HC_EVTCHN_BIND binds a client domain to a port (1 to
 * BV_EVTCHN_PORTS - 1): from then on, when one of that client's ioreqs
 * becomes READY or the client ends or crashes, the hypervisor sets the
 * port's bit in pending and, if the bit was clear, notifies. The service
 * takes the bits with an atomic exchange, then looks at the slots and at
 * BV_HC_DOMAIN_INFO (a service may also poll the word and never be
 * notified). BV_HC_EVTCHN_NOTIFY(port) goes the other way: the hypervisor
 * looks at that client's RESPONSE_READY slots.
 */
#ifndef PUBLIC_EVTCHN_H
#define PUBLIC_EVTCHN_H

#include <stdint.h>

#define BV_EVTCHN_PORTS 64
#define BV_EVTCHN_GSI 0x10000u /* BV_HC_EVTCHN_SETUP: notify by a vIOAPIC input */
#define BV_EVTCHN_GSI_MAX 23
#define BV_EVTCHN_NONE 0	 /* BV_HC_EVTCHN_SETUP: no notification, the service polls */
#define BV_EVTCHN_RESET 0x20000u /* BV_HC_EVTCHN_SETUP: the page goes back */

struct bv_evtchn_page {
	uint64_t pending[BV_EVTCHN_PORTS / 64]; /* 0: bit p: port p has news; set atomically */
};
_Static_assert(sizeof(struct bv_evtchn_page) == 8, "bv_evtchn_page");

#endif
