/*
 * drivers/dm_env.h: everything a device model or guest loader in drivers/
 * may use (DESIGN.md seam 3). The host environment (the Type-1 kernel, bvm,
 * a unit test) fills a struct dm_env; the model keeps a pointer to it and
 * touches the guest only through it. No malloc, no threads, no OS headers:
 * the same file compiles into the hypervisor, bvm and the host unit tests.
 */
#ifndef DRIVERS_DM_ENV_H
#define DRIVERS_DM_ENV_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t gpa_t; /* guest-physical address */

#include "include/public/errno.h" /* the error numbers models return, negated */

enum dm_log_level {
	DM_LOG_ERR = 1,
	DM_LOG_WARN = 2,
	DM_LOG_INFO = 3,
	DM_LOG_DEBUG = 4,
};

struct dm_env {
	void *ctx;
	/*
	 * Guest memory. read/write return 0, or -EFAULT when any byte of
	 * [gpa, gpa+len) is outside guest RAM (nothing is copied then).
	 * translate returns a host pointer to len contiguous bytes of guest
	 * RAM, or NULL under the same rule.
	 */
	int (*mem_read)(void *ctx, gpa_t gpa, void *buf, size_t len);
	int (*mem_write)(void *ctx, gpa_t gpa, const void *buf, size_t len);
	void *(*mem_translate)(void *ctx, gpa_t gpa, size_t len);
	uint64_t ram_size; /* guest RAM is [0, ram_size) less the holes the platform declares */
	/* Interrupt line (a GSI: IOAPIC input / ISA IRQ) raised (1) or lowered (0). */
	void (*set_irq)(void *ctx, unsigned int line, int level);
	/* Monotonic nanoseconds. */
	uint64_t (*clock_ns)(void *ctx);
	/* One line, without a trailing newline; the host adds the device's name. */
	void (*log)(void *ctx, int level, const char *msg);
};

/* A byte-stream backend (a console, a terminal, a file, a socket). */
struct dm_stream {
	void *ctx;
	/* Takes up to len bytes from the guest; returns how many it took. */
	size_t (*write)(void *ctx, const uint8_t *buf, size_t len);
	/* Gives up to len bytes to the guest without blocking; 0 when none wait. */
	size_t (*read)(void *ctx, uint8_t *buf, size_t len);
};

/*
 * A block-store backend (a raw disk image). Offsets and lengths are bytes;
 * the model only issues accesses inside [0, size). Returns 0 or a negative
 * errno. A read-only store fails writes with -EPERM.
 */
struct dm_block {
	void *ctx;
	uint64_t size;
	int read_only;
	const char *id; /* identifier for VIRTIO_BLK_T_GET_ID, up to 20 bytes */
	int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t offset, const void *buf, size_t len);
	int (*flush)(void *ctx);
};

/* A packet-port backend (a TAP device, one end of a socket pair). Whole frames. */
struct dm_packet {
	void *ctx;
	/* Sends one frame; returns 0 or a negative errno (the frame is dropped). */
	int (*send)(void *ctx, const void *frame, size_t len);
	/* Takes one waiting frame into buf without blocking: its length, 0 if none waits. */
	long (*recv)(void *ctx, void *buf, size_t size);
};

/* An entropy backend (virtio-rng): fills buf, returns bytes given (0 if none now). */
struct dm_entropy {
	void *ctx;
	size_t (*fill)(void *ctx, void *buf, size_t len);
};

/*
 * A memory backend (virtio-balloon). Both take whole 4 KiB pages of guest RAM, a run of
 * contiguous ones at a time, and return 0 or a negative errno (counted, the
 * guest is not told: §5.5 gives the device no way to refuse).
 */
struct dm_balloon {
	void *ctx;
	/* The guest gave [gpa, gpa + len): its contents may be dropped. */
	int (*release)(void *ctx, gpa_t gpa, uint64_t len);
	/* The guest takes [gpa, gpa + len) back. NULL: a touch brings it back anyway. */
	int (*reclaim)(void *ctx, gpa_t gpa, uint64_t len);
};

/*
 * An I/O region: how a host dispatches a port or MMIO access to a model.
 * offset is from the region's base; size is 1, 2, 4 or 8. Returns 0, or a
 * negative errno for an access the model does not accept (the host then
 * treats it as unclaimed: reads give all ones, writes are dropped).
 */
typedef int (*dm_io_read_fn)(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
typedef int (*dm_io_write_fn)(void *dev, uint64_t offset, unsigned int size, uint64_t value);

enum dm_space {
	DM_SPACE_PIO,
	DM_SPACE_MMIO,
};

struct dm_io_region {
	const char *name;
	enum dm_space space;
	uint64_t base;
	uint64_t len;
	dm_io_read_fn read;
	dm_io_write_fn write;
	void *dev;
};

#endif
