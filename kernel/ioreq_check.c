/*
 * kernel/ioreq_check.c: the argument checks of BV_HC_IOREQ_SERVER and the
 * reading of an ioreq slot the service answered (kernel/ioreq_check.h; the
 * ABI and the slot's states are include/public/ioreq.h, after Xen's ioreq
 * servers and ACRN's I/O requests). Pure: the client's RAM size and bus
 * come in as arguments, the slot as the values read from it once.
 */
#include "include/public/errno.h"
#include "kernel/gpt.h"
#include "kernel/ioreq_check.h"

static int ranges_overlap(uint64_t b1, uint64_t l1, uint64_t b2, uint64_t l2)
{
	return b1 < b2 + l2 && b2 < b1 + l1;
}

static int range_ok(uint64_t ram_size, const struct bv_ioreq_range *r)
{
	uint64_t limit = r->type == BV_IOREQ_PIO ? 0x10000 : GPT_GPA_LIMIT;

	if (r->type > BV_IOREQ_MMIO || r->pad || !r->len || r->base >= limit ||
	    r->len > limit - r->base)
		return 0;
	return r->type == BV_IOREQ_PIO || r->base >= ram_size;
}

/* Each range good and apart from the ones before it of its type. */
static int ranges_valid(const struct bv_ioreq_server *a, uint64_t ram_size)
{
	for (unsigned int i = 0; i < a->nranges; i++) {
		const struct bv_ioreq_range *r = &a->range[i];

		if (!range_ok(ram_size, r))
			return 0;
		for (unsigned int j = 0; j < i; j++)
			if (a->range[j].type == r->type &&
			    ranges_overlap(r->base, r->len, a->range[j].base, a->range[j].len))
				return 0;
	}
	return 1;
}

static int range_on_bus(const struct bv_ioreq_range *r, const struct iobus *bus)
{
	enum dm_space space = r->type == BV_IOREQ_PIO ? DM_SPACE_PIO : DM_SPACE_MMIO;

	for (unsigned int k = 0; k < bus->ndev; k++) {
		const struct dm_io_region *d = &bus->dev[k].r;

		if (d->len && d->space == space && ranges_overlap(r->base, r->len, d->base, d->len))
			return 1;
	}
	return 0;
}

int ioreq_args_check(const struct bv_ioreq_server *a, uint64_t ram_size, const struct iobus *bus)
{
	if (!a->nranges || a->nranges > BV_IOREQ_RANGES || a->page_gpa % 4096 ||
	    !ranges_valid(a, ram_size))
		return -EINVAL;
	for (unsigned int i = 0; i < a->nranges; i++)
		if (range_on_bus(&a->range[i], bus))
			return -EBUSY;
	return bus->ndev + a->nranges > IOBUS_MAX_DEVICES ? -ENOSPC : 0;
}

int ioreq_same_access(const struct ioreq_access *x, const struct ioreq_access *y)
{
	return x->addr == y->addr && x->size == y->size && x->type == y->type && x->dir == y->dir;
}

enum ioreq_verdict ioreq_slot_verdict(uint32_t st, const struct ioreq_access *got,
				      const struct ioreq_access *kept)
{
	if (!kept)
		return st == BV_IOREQ_NONE ? IOREQ_V_IDLE : IOREQ_V_STRAY;
	if (st == BV_IOREQ_RESPONSE_READY)
		return ioreq_same_access(got, kept) ? IOREQ_V_TAKE : IOREQ_V_OTHER;
	if (st == BV_IOREQ_INPROCESS || st == BV_IOREQ_READY) /* READY: not taken yet */
		return IOREQ_V_WAIT;
	return IOREQ_V_BACKWARDS;
}

uint64_t ioreq_read_value(const struct ioreq_access *kept, uint64_t data)
{
	return data & iobus_width_mask(kept->size);
}

const char *ioreq_state_name(uint32_t st)
{
	static const char *const names[] = { "NONE", "READY", "INPROCESS", "RESPONSE_READY" };

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "an unknown state";
}
