/*
 * drivers/iobus.h: a guest's I/O bus, one instance per guest (DESIGN.md seam
 * 6). Devices register port and MMIO ranges (struct dm_io_region); a range
 * that overlaps one already there is refused. An access goes to the range
 * that holds it; addresses nobody claims act as an open bus: reads give all
 * ones at the access width, writes are dropped. Each device's reads and
 * writes are counted, and so are the unclaimed accesses.
 */
#ifndef DRIVERS_IOBUS_H
#define DRIVERS_IOBUS_H

#include "drivers/dm_env.h"

#define IOBUS_MAX_DEVICES 40 /* a domain's platform (20), an ioreq server's ranges (16) */

struct iobus_dev {
	struct dm_io_region r; /* len 0: a counter only, never found by an access */
	uint64_t reads, writes;
};

struct iobus {
	struct iobus_dev dev[IOBUS_MAX_DEVICES];
	unsigned int ndev;
	uint64_t unclaimed[2]; /* indexed by enum dm_space: ports, MMIO */
	/* Held around every device call when set (device models are not thread-safe). */
	void *lock_ctx;
	uint64_t (*lock)(void *ctx);
	void (*unlock)(void *ctx, uint64_t flags);
};

/* An empty bus; lock and unlock may be NULL (one thread only). */
void iobus_init(struct iobus *bus, void *lock_ctx, uint64_t (*lock)(void *ctx),
		void (*unlock)(void *ctx, uint64_t flags));
/* Adds a range: 0, -EINVAL (empty or wrapping), -ENOSPC, or -EBUSY when it overlaps
 * a range already there (*clash, when clash is not NULL, is that range). */
int iobus_register(struct iobus *bus, const struct dm_io_region *r,
		   const struct dm_io_region **clash);
/* iobus_register that logs an overlap through env, naming both devices. */
int iobus_attach(struct iobus *bus, const struct dm_io_region *r, const struct dm_env *env);
/* A named counter with no range (an access the host serves itself, like a vLAPIC
 * page): its index for iobus_count, or a negative errno. */
int iobus_add_counter(struct iobus *bus, const char *name);
void iobus_count(struct iobus *bus, int index, int is_write);
/* The device that holds addr, or NULL. */
struct iobus_dev *iobus_find(struct iobus *bus, enum dm_space space, uint64_t addr);
/* One access of size 1, 2, 4 or 8; a read's value is masked to its width. */
uint64_t iobus_read(struct iobus *bus, enum dm_space space, uint64_t addr, unsigned int size);
void iobus_write(struct iobus *bus, enum dm_space space, uint64_t addr, unsigned int size,
		 uint64_t value);

/* The bits an access of size bytes (1, 2, 4 or 8) carries. */
static inline uint64_t iobus_width_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

#endif
