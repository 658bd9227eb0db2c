/*
 * drivers/iobus.c: a guest's I/O bus (DESIGN.md seam 6): the one registry of
 * port and MMIO ranges that both the Type-1 kernel's exits (kernel/exit.c)
 * and bvm's (hosted/run.c) reach a device model through, as kvmtool's
 * kvm__register_mmio. Unclaimed addresses behave as an open ISA/PCI bus:
 * reads float to all ones, writes vanish. Counters are statistics: relaxed
 * atomics, read without a lock.
 */
#include "drivers/iobus.h"
#include "lib/format.h"

void iobus_init(struct iobus *bus, void *lock_ctx, uint64_t (*lock)(void *ctx),
		void (*unlock)(void *ctx, uint64_t flags))
{
	bus->ndev = 0;
	bus->unclaimed[0] = bus->unclaimed[1] = 0;
	bus->lock_ctx = lock_ctx;
	bus->lock = lock;
	bus->unlock = unlock;
}

static int ranges_overlap(const struct dm_io_region *a, const struct dm_io_region *b)
{
	return a->space == b->space && a->len && b->len && a->base < b->base + b->len &&
	       b->base < a->base + a->len;
}

static int iobus_add(struct iobus *bus, const struct dm_io_region *r)
{
	if (bus->ndev == IOBUS_MAX_DEVICES)
		return -ENOSPC;
	bus->dev[bus->ndev] = (struct iobus_dev){ .r = *r };
	return (int)bus->ndev++;
}

int iobus_register(struct iobus *bus, const struct dm_io_region *r,
		   const struct dm_io_region **clash)
{
	int rc;

	if (!r->len || r->base + r->len - 1 < r->base)
		return -EINVAL;
	for (unsigned int i = 0; i < bus->ndev; i++) {
		if (ranges_overlap(&bus->dev[i].r, r)) {
			if (clash)
				*clash = &bus->dev[i].r;
			return -EBUSY;
		}
	}
	rc = iobus_add(bus, r);
	return rc < 0 ? rc : 0;
}

int iobus_attach(struct iobus *bus, const struct dm_io_region *r, const struct dm_env *env)
{
	const struct dm_io_region *o = NULL;
	int rc = iobus_register(bus, r, &o);
	char msg[160];

	if (rc != -EBUSY)
		return rc;
	fmt_snprintf(msg, sizeof(msg), "device %s at %s %#lx+%#lx overlaps device %s at %#lx+%#lx",
		     r->name, r->space == DM_SPACE_PIO ? "port" : "mmio", r->base, r->len, o->name,
		     o->base, o->len);
	env->log(env->ctx, DM_LOG_ERR, msg);
	return rc;
}

int iobus_add_counter(struct iobus *bus, const char *name)
{
	return iobus_add(bus, &(struct dm_io_region){ .name = name, .space = DM_SPACE_MMIO });
}

void iobus_count(struct iobus *bus, int index, int is_write)
{
	struct iobus_dev *d = &bus->dev[index];

	__atomic_fetch_add(is_write ? &d->writes : &d->reads, 1, __ATOMIC_RELAXED);
}

struct iobus_dev *iobus_find(struct iobus *bus, enum dm_space space, uint64_t addr)
{
	for (unsigned int i = 0; i < bus->ndev; i++) {
		struct iobus_dev *d = &bus->dev[i];

		if (d->r.space == space && addr >= d->r.base && addr - d->r.base < d->r.len)
			return d;
	}
	return NULL;
}

/* Finds and counts the device of one access; NULL (counted as unclaimed) if none. */
static struct iobus_dev *iobus_claim(struct iobus *bus, enum dm_space space, uint64_t addr,
				     int is_write)
{
	struct iobus_dev *d = iobus_find(bus, space, addr);

	if (d)
		__atomic_fetch_add(is_write ? &d->writes : &d->reads, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&bus->unclaimed[space == DM_SPACE_MMIO], 1, __ATOMIC_RELAXED);
	return d;
}

uint64_t iobus_read(struct iobus *bus, enum dm_space space, uint64_t addr, unsigned int size)
{
	struct iobus_dev *d = iobus_claim(bus, space, addr, 0);
	uint64_t value = ~0ull, flags = 0;

	if (d && d->r.read) {
		if (bus->lock)
			flags = bus->lock(bus->lock_ctx);
		if (d->r.read(d->r.dev, addr - d->r.base, size, &value))
			value = ~0ull; /* the model refused it: as unclaimed */
		if (bus->unlock)
			bus->unlock(bus->lock_ctx, flags);
	}
	return value & iobus_width_mask(size);
}

void iobus_write(struct iobus *bus, enum dm_space space, uint64_t addr, unsigned int size,
		 uint64_t value)
{
	struct iobus_dev *d = iobus_claim(bus, space, addr, 1);
	uint64_t flags = 0;

	if (!d || !d->r.write)
		return;
	if (bus->lock)
		flags = bus->lock(bus->lock_ctx);
	d->r.write(d->r.dev, addr - d->r.base, size, value & iobus_width_mask(size));
	if (bus->unlock)
		bus->unlock(bus->lock_ctx, flags);
}
