/*
 * drivers/dm_ram.h: guest RAM as one flat host mapping, the case of both of
 * bivisor's hosts (the Type-1 kernel's contiguous frames, bvm's mmap). The
 * bounds check of the dm_env memory contract lives here once: [gpa, gpa+len)
 * must lie inside [0, size), without overflow.
 */
#ifndef DRIVERS_DM_RAM_H
#define DRIVERS_DM_RAM_H

#include "drivers/dm_env.h"

static inline void *dm_ram_at(uint8_t *base, uint64_t size, gpa_t gpa, size_t len)
{
	if (gpa >= size || len > size - gpa)
		return NULL;
	return base + gpa;
}

static inline int dm_ram_read(uint8_t *base, uint64_t size, gpa_t gpa, void *buf, size_t len)
{
	const uint8_t *p = dm_ram_at(base, size, gpa, len);

	if (!p)
		return -EFAULT;
	__builtin_memcpy(buf, p, len);
	return 0;
}

static inline int dm_ram_write(uint8_t *base, uint64_t size, gpa_t gpa, const void *buf, size_t len)
{
	uint8_t *p = dm_ram_at(base, size, gpa, len);

	if (!p)
		return -EFAULT;
	__builtin_memcpy(p, buf, len);
	return 0;
}

#endif
