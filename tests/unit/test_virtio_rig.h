/*
 * tests/unit/test_virtio_rig.h: the test host shared by the virtio unit tests.
 * A dm_env over calloc'd guest RAM framed by guard regions (poisoned for ASan
 * and filled with a pattern that rig_teardown checks), an IRQ line and log
 * recorder, and the driver's side of split virtqueues and of the virtio-mmio
 * register protocol, built in guest RAM the way a guest driver builds them.
 * A header of static inline helpers, so each test links only the drivers it tests.
 */
#ifndef TESTS_UNIT_TEST_VIRTIO_RIG_H
#define TESTS_UNIT_TEST_VIRTIO_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtqueue.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define RIG_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define RIG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define RIG_POISON(p, n) ((void)(p), (void)(n))
#define RIG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define RIG_RAM_SIZE 0x100000u /* 1 MiB of guest RAM */
#define RIG_GUARD 0x10000u     /* 64 KiB on each side */
#define RIG_GUARD_BYTE 0xa5
#define RIG_IRQ 5

struct rig {
	struct dm_env env;
	uint8_t *block; /* guard, RAM, guard */
	uint8_t *ram;
	int irq_level, irq_calls;
	unsigned int irq_line;
	int logs;
	char last_log[256];
	int refused; /* guest accesses the env refused (outside RAM) */
};

static inline int rig_outside(const struct rig *r, gpa_t gpa, size_t len)
{
	return gpa >= r->env.ram_size || len > r->env.ram_size - gpa;
}

static inline int rig_mem_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (rig_outside(r, gpa, len)) {
		r->refused++;
		return -EFAULT;
	}
	memcpy(buf, r->ram + gpa, len);
	return 0;
}

static inline int rig_mem_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct rig *r = ctx;

	if (rig_outside(r, gpa, len)) {
		r->refused++;
		return -EFAULT;
	}
	memcpy(r->ram + gpa, buf, len);
	return 0;
}

static inline void *rig_mem_translate(void *ctx, gpa_t gpa, size_t len)
{
	struct rig *r = ctx;

	if (rig_outside(r, gpa, len)) {
		r->refused++;
		return NULL;
	}
	return r->ram + gpa;
}

static inline void rig_set_irq(void *ctx, unsigned int line, int level)
{
	struct rig *r = ctx;

	r->irq_calls++;
	r->irq_line = line;
	r->irq_level = level;
}

static inline void rig_log(void *ctx, int level, const char *msg)
{
	struct rig *r = ctx;

	(void)level;
	r->logs++;
	snprintf(r->last_log, sizeof(r->last_log), "%s", msg);
}

static inline struct rig *rig_new(void)
{
	struct rig *r = test_calloc(1, sizeof(*r));

	r->block = test_malloc(RIG_RAM_SIZE + 2 * RIG_GUARD);
	memset(r->block, RIG_GUARD_BYTE, RIG_GUARD);
	memset(r->block + RIG_GUARD, 0, RIG_RAM_SIZE);
	memset(r->block + RIG_GUARD + RIG_RAM_SIZE, RIG_GUARD_BYTE, RIG_GUARD);
	r->ram = r->block + RIG_GUARD;
	RIG_POISON(r->block, RIG_GUARD);
	RIG_POISON(r->ram + RIG_RAM_SIZE, RIG_GUARD);
	r->env = (struct dm_env){ .ctx = r,
				  .mem_read = rig_mem_read,
				  .mem_write = rig_mem_write,
				  .mem_translate = rig_mem_translate,
				  .ram_size = RIG_RAM_SIZE,
				  .set_irq = rig_set_irq,
				  .log = rig_log };
	return r;
}

/* Nothing outside guest RAM was written (ASan already traps reads and writes there). */
static inline void rig_check_guards(struct rig *r)
{
	RIG_UNPOISON(r->block, RIG_GUARD);
	RIG_UNPOISON(r->ram + RIG_RAM_SIZE, RIG_GUARD);
	for (size_t i = 0; i < RIG_GUARD; i++) {
		assert_int_equal(r->block[i], RIG_GUARD_BYTE);
		assert_int_equal(r->ram[RIG_RAM_SIZE + i], RIG_GUARD_BYTE);
	}
	RIG_POISON(r->block, RIG_GUARD);
	RIG_POISON(r->ram + RIG_RAM_SIZE, RIG_GUARD);
}

static inline void rig_free(struct rig *r)
{
	rig_check_guards(r);
	RIG_UNPOISON(r->block, RIG_GUARD);
	RIG_UNPOISON(r->ram + RIG_RAM_SIZE, RIG_GUARD);
	test_free(r->block);
	test_free(r);
}

/* Little-endian guest words, as a driver writes them. */
static inline void wr16(struct rig *r, gpa_t gpa, uint16_t v)
{
	memcpy(r->ram + gpa, &v, 2);
}

static inline void wr32(struct rig *r, gpa_t gpa, uint32_t v)
{
	memcpy(r->ram + gpa, &v, 4);
}

static inline void wr64(struct rig *r, gpa_t gpa, uint64_t v)
{
	memcpy(r->ram + gpa, &v, 8);
}

static inline uint16_t rd16(struct rig *r, gpa_t gpa)
{
	uint16_t v;

	memcpy(&v, r->ram + gpa, 2);
	return v;
}

static inline uint32_t rd32(struct rig *r, gpa_t gpa)
{
	uint32_t v;

	memcpy(&v, r->ram + gpa, 4);
	return v;
}

/* The driver's side of one split virtqueue, laid out at base: table, avail, used (4 KiB apart). */
struct drvq {
	struct rig *r;
	uint16_t size;
	gpa_t desc, avail, used;
	uint16_t avail_idx; /* the driver's next avail idx */
	uint16_t used_seen; /* used entries the driver has consumed */
	uint16_t next_desc; /* descriptors are taken round robin */
};

/* A buffer the driver offers: device-readable, or device-writable with write set. */
struct drv_buf {
	gpa_t gpa;
	uint32_t len;
	int write;
};

static inline gpa_t drvq_align(gpa_t v)
{
	return (v + 0xfff) & ~(gpa_t)0xfff;
}

static inline void drvq_init(struct drvq *q, struct rig *r, gpa_t base, uint16_t size)
{
	*q = (struct drvq){ .r = r, .size = size, .desc = base };
	q->avail = drvq_align(q->desc + 16ull * size);
	q->used = drvq_align(q->avail + 6 + 2ull * size);
	memset(r->ram + q->desc, 0, 16ull * size);
	memset(r->ram + q->avail, 0, 6 + 2ull * size);
	memset(r->ram + q->used, 0, 6 + 8ull * size);
}

static inline gpa_t drvq_end(const struct drvq *q)
{
	return drvq_align(q->used + 6 + 8ull * q->size);
}

static inline void drv_desc_at(struct rig *r, gpa_t table, uint16_t i, uint64_t addr, uint32_t len,
			       uint16_t flags, uint16_t next)
{
	gpa_t d = table + 16ull * i;

	wr64(r, d, addr);
	wr32(r, d + 8, len);
	wr16(r, d + 12, flags);
	wr16(r, d + 14, next);
}

static inline void drv_desc(struct drvq *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
			    uint16_t next)
{
	drv_desc_at(q->r, q->desc, i, addr, len, flags, next);
}

/* Puts head in the available ring and exposes it (the idx store comes last). */
static inline void drv_publish(struct drvq *q, uint16_t head)
{
	wr16(q->r, q->avail + 4 + 2ull * (q->avail_idx % q->size), head);
	q->avail_idx++;
	wr16(q->r, q->avail + 2, q->avail_idx);
}

/* Chains n buffers through the next free descriptors and publishes the chain; returns its head. */
static inline uint16_t drv_add(struct drvq *q, const struct drv_buf *b, unsigned int n)
{
	uint16_t head = q->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % q->size);
		uint16_t flags = b[i].write ? VIRTQ_DESC_F_WRITE : 0;

		if (i + 1 < n)
			flags |= VIRTQ_DESC_F_NEXT;
		drv_desc(q, d, b[i].gpa, b[i].len, flags, (uint16_t)((d + 1) % q->size));
	}
	q->next_desc = (uint16_t)((head + n) % q->size);
	drv_publish(q, head);
	return head;
}

/* Writes the n buffers as an indirect table at table and publishes one descriptor for it. */
static inline uint16_t drv_add_indirect(struct drvq *q, gpa_t table, const struct drv_buf *b,
					unsigned int n)
{
	uint16_t head = q->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t flags = b[i].write ? VIRTQ_DESC_F_WRITE : 0;

		if (i + 1 < n)
			flags |= VIRTQ_DESC_F_NEXT;
		drv_desc_at(q->r, table, (uint16_t)i, b[i].gpa, b[i].len, flags, (uint16_t)(i + 1));
	}
	drv_desc(q, head, table, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
	q->next_desc = (uint16_t)((head + 1) % q->size);
	drv_publish(q, head);
	return head;
}

static inline uint16_t drv_used_idx(struct drvq *q)
{
	return rd16(q->r, q->used + 2);
}

/* Takes the next used element: 1 with id and len, 0 when none is new. */
static inline int drv_used(struct drvq *q, uint32_t *id, uint32_t *len)
{
	gpa_t e;

	if (drv_used_idx(q) == q->used_seen)
		return 0;
	e = q->used + 4 + 8ull * (q->used_seen % q->size);
	*id = rd32(q->r, e);
	*len = rd32(q->r, e + 4);
	q->used_seen++;
	return 1;
}

static inline void drv_set_used_event(struct drvq *q, uint16_t v)
{
	wr16(q->r, q->avail + 4 + 2ull * q->size, v);
}

static inline uint16_t drv_avail_event(struct drvq *q)
{
	return rd16(q->r, q->used + 4 + 8ull * q->size);
}

static inline void drv_set_avail_flags(struct drvq *q, uint16_t flags)
{
	wr16(q->r, q->avail, flags);
}

#ifdef DRIVERS_VIRTIO_MMIO_H
/* The driver's side of the virtio-mmio registers: aligned 32-bit accesses. */
static inline uint32_t mmio_rd(struct virtio_mmio *t, uint64_t off)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(virtio_mmio_io_read(t, off, 4, &v), 0);
	assert_true(v <= 0xffffffffull);
	return (uint32_t)v;
}

static inline void mmio_wr(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	assert_int_equal(virtio_mmio_io_write(t, off, 4, v), 0);
}

#define REG(f) VIRTIO_MMIO_REG(f)

static inline uint64_t drv_device_features(struct virtio_mmio *t)
{
	uint64_t f;

	mmio_wr(t, REG(device_features_sel), 1);
	f = (uint64_t)mmio_rd(t, REG(device_features)) << 32;
	mmio_wr(t, REG(device_features_sel), 0);
	return f | mmio_rd(t, REG(device_features));
}

/* §3.1.1 steps 1-6 (reset to FEATURES_OK); returns the status the driver reads back. */
static inline uint32_t drv_negotiate(struct virtio_mmio *t, uint64_t features)
{
	assert_int_equal(mmio_rd(t, REG(magic)), VIRTIO_MMIO_MAGIC);
	assert_int_equal(mmio_rd(t, REG(version)), 2);
	mmio_wr(t, REG(status), 0);
	mmio_wr(t, REG(status), VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_wr(t, REG(status), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_wr(t, REG(driver_features_sel), 0);
	mmio_wr(t, REG(driver_features), (uint32_t)features);
	mmio_wr(t, REG(driver_features_sel), 1);
	mmio_wr(t, REG(driver_features), (uint32_t)(features >> 32));
	mmio_wr(t, REG(status),
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return mmio_rd(t, REG(status));
}

/* §4.2.3.2: one queue, with the driver's areas. */
static inline void drv_queue_setup(struct virtio_mmio *t, unsigned int index, struct drvq *q)
{
	mmio_wr(t, REG(queue_sel), index);
	assert_int_equal(mmio_rd(t, REG(queue_ready)), 0);
	assert_true(mmio_rd(t, REG(queue_num_max)) >= q->size);
	mmio_wr(t, REG(queue_num), q->size);
	mmio_wr(t, REG(queue_desc_low), (uint32_t)q->desc);
	mmio_wr(t, REG(queue_desc_high), (uint32_t)(q->desc >> 32));
	mmio_wr(t, REG(queue_driver_low), (uint32_t)q->avail);
	mmio_wr(t, REG(queue_driver_high), (uint32_t)(q->avail >> 32));
	mmio_wr(t, REG(queue_device_low), (uint32_t)q->used);
	mmio_wr(t, REG(queue_device_high), (uint32_t)(q->used >> 32));
	mmio_wr(t, REG(queue_ready), 1);
	assert_int_equal(mmio_rd(t, REG(queue_ready)), 1);
}

static inline void drv_driver_ok(struct virtio_mmio *t)
{
	mmio_wr(t, REG(status), mmio_rd(t, REG(status)) | VIRTIO_STATUS_DRIVER_OK);
	assert_true(mmio_rd(t, REG(status)) & VIRTIO_STATUS_DRIVER_OK);
}

/* The whole §3.1.1 sequence with the given queues (NULL entries are skipped). */
static inline void drv_start(struct virtio_mmio *t, uint64_t features, struct drvq **queues,
			     unsigned int n)
{
	assert_true(drv_negotiate(t, features) & VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int i = 0; i < n; i++)
		if (queues[i])
			drv_queue_setup(t, i, queues[i]);
	drv_driver_ok(t);
}

static inline void drv_notify(struct virtio_mmio *t, unsigned int q)
{
	mmio_wr(t, REG(queue_notify), q);
}

/* Reads and acknowledges InterruptStatus, as the driver's interrupt handler does. */
static inline uint32_t drv_ack(struct virtio_mmio *t)
{
	uint32_t isr = mmio_rd(t, REG(interrupt_status));

	mmio_wr(t, REG(interrupt_ack), isr);
	return isr;
}

static inline int drv_needs_reset(struct virtio_mmio *t)
{
	return !!(mmio_rd(t, REG(status)) & VIRTIO_STATUS_NEEDS_RESET);
}
#endif

#endif
