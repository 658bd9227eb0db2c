/*
 * kernel/evtchn.c: event channels, after Xen's, cut down to what forwarding
 * needs (include/public/evtchn.h). The service gives one pending word in its
 * RAM and how to notify it: an interrupt vector, or an input (GSI) of its own
 * vIOAPIC; each client it binds gets a port, a bit of that word. Raising a
 * port is an atomic OR; only a 0 -> 1 change injects the vector into the
 * service's vCPU 0 (its vLAPIC, kernel/vlapic.c) or pulses the GSI (an edge,
 * kernel/vioapic.c), so a client's events cost the service one interrupt
 * until it takes the bits; a service that polls the word asks for neither.
 * NOTIFY goes the other way: the hypervisor looks at that client's ioreq
 * slots (kernel/ioreq.c), at most BV_IOREQ_SLOTS of them per call.
 */
#include "include/public/evtchn.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "kernel/evtchn.h"
#include "kernel/hc_check.h"
#include "kernel/ioreq.h"
#include "kernel/platform.h"

static uint64_t *pending; /* in the service's RAM, which outlives its clients */
static uint8_t vector;
static int gsi = -1; /* >= 0: notify by this vIOAPIC input instead of the vector */
static struct domain *ports[BV_EVTCHN_PORTS]; /* under the control lock */

/* BV_EVTCHN_RESET: the service takes its page back, once no port is bound. */
static long evtchn_reset_page(void)
{
	if (!pending)
		return -EINVAL;
	for (unsigned int p = 0; p < BV_EVTCHN_PORTS; p++)
		if (ports[p])
			return -EBUSY;
	evtchn_reset();
	return 0;
}

long evtchn_setup(struct domain *s, uint64_t gpa, uint64_t vec, uint64_t a2)
{
	uint64_t *p;

	(void)a2;
	if (vec == BV_EVTCHN_RESET)
		return evtchn_reset_page();
	if (evtchn_check_setup(pending != NULL, s->plat != NULL, gpa, vec))
		return -EINVAL;
	p = s->env.mem_translate(s, gpa, sizeof(struct bv_evtchn_page));
	if (!p)
		return -EFAULT;
	gsi = vec & BV_EVTCHN_GSI ? (int)(vec & ~BV_EVTCHN_GSI) : -1;
	vector = gsi < 0 ? (uint8_t)vec : 0;
	__atomic_store_n(&pending, p, __ATOMIC_RELEASE);
	return 0;
}

long evtchn_bind(struct domain *s, uint64_t domid, uint64_t a1, uint64_t a2)
{
	struct domain *c = domctl_find(s, domid);

	(void)a1, (void)a2;
	if (!c || c->port)
		return -EINVAL;
	for (unsigned int p = 1; p < BV_EVTCHN_PORTS; p++) {
		if (!ports[p]) {
			ports[p] = c;
			__atomic_store_n(&c->port, p, __ATOMIC_RELEASE);
			return p;
		}
	}
	return -ENOSPC;
}

long evtchn_notify(struct domain *s, uint64_t port, uint64_t a1, uint64_t a2)
{
	(void)s, (void)a1, (void)a2;
	if (!evtchn_port_ok(port) || !ports[port])
		return -EINVAL;
	return ioreq_complete(ports[port]);
}

void evtchn_raise(struct domain *c)
{
	unsigned int p = __atomic_load_n(&c->port, __ATOMIC_ACQUIRE);
	uint64_t *word = __atomic_load_n(&pending, __ATOMIC_ACQUIRE), bit = 1ull << (p % 64);

	if (!p || !word)
		return;
	if (__atomic_fetch_or(word, bit, __ATOMIC_ACQ_REL) & bit)
		return;
	if (gsi >= 0)
		platform_pulse_gsi(c->service, (unsigned int)gsi);
	else if (vector)
		vlapic_set_irq(&c->service->vcpus[0]->lapic, vector, 0);
}

void evtchn_unbind(struct domain *c)
{
	if (c->port && ports[c->port] == c)
		ports[c->port] = NULL;
	__atomic_store_n(&c->port, 0, __ATOMIC_RELEASE);
}

void evtchn_reset(void)
{
	__atomic_store_n(&pending, NULL, __ATOMIC_RELEASE);
	gsi = -1;
	vector = 0;
	for (unsigned int p = 0; p < BV_EVTCHN_PORTS; p++)
		ports[p] = NULL;
}
