/*
 * tests/unit/test_virtio_blk.c: drivers/virtio_blk.c over an in-memory store,
 * driven by a test driver through virtio-mmio: read, write, flush and get-id
 * in any framing, direct and indirect; read-only stores never written; sector
 * range checks; malformed and hostile requests; reset in the middle of I/O.
 */
#include "drivers/virtio_blk.h"
#include "tests/unit/test_virtio_rig.h"

#define DISK_SIZE (64 * 1024 + 100) /* a partial last sector is not part of the disk */
#define DISK_SECTORS 128
#define HDR 0x40000
#define STATUS 0x40100
#define DATA 0x50000
#define DATA2 0x60000
#define TABLE 0x41000
#define V1 (1ull << VIRTIO_F_VERSION_1)

struct disk {
	struct dm_block store;
	uint8_t bytes[DISK_SIZE];
	int reads, writes, flushes;
	int fail;
};

struct bt {
	struct rig *r;
	struct disk disk;
	struct virtio_blk blk;
	struct drvq q;
	uint32_t used_len;
};

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct disk *d = ctx;

	assert_true(off <= DISK_SIZE && len <= DISK_SIZE - off);
	d->reads++;
	if (d->fail)
		return -EIO;
	memcpy(buf, d->bytes + off, len);
	return 0;
}

static int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct disk *d = ctx;

	assert_true(off <= DISK_SIZE && len <= DISK_SIZE - off);
	d->writes++;
	if (d->store.read_only)
		return -EPERM;
	if (d->fail)
		return -EIO;
	memcpy(d->bytes + off, buf, len);
	return 0;
}

static int disk_flush(void *ctx)
{
	struct disk *d = ctx;

	d->flushes++;
	return d->fail ? -EIO : 0;
}

static void bt_init(struct bt *t, int read_only)
{
	t->disk.store = (struct dm_block){ .ctx = &t->disk,
					   .size = DISK_SIZE,
					   .read_only = read_only,
					   .id = "bivisor-disk-0001",
					   .read = disk_read,
					   .write = disk_write,
					   .flush = disk_flush };
	for (size_t i = 0; i < DISK_SIZE; i++)
		t->disk.bytes[i] = (uint8_t)(i * 7 + i / 512);
	assert_int_equal(virtio_blk_init(&t->blk, &t->r->env, &t->disk.store, RIG_IRQ), 0);
	drvq_init(&t->q, t->r, 0x10000, 16);
}

static void bt_start(struct bt *t, uint64_t features)
{
	struct drvq *qs[] = { &t->q };

	drv_start(&t->blk.mmio, features, qs, 1);
}

static int bt_setup(void **state)
{
	struct bt *t = test_calloc(1, sizeof(*t));

	t->r = rig_new();
	bt_init(t, 0);
	bt_start(t, V1);
	*state = t;
	return 0;
}

static int bt_teardown(void **state)
{
	struct bt *t = *state;

	rig_free(t->r);
	test_free(t);
	return 0;
}

static void put_hdr(struct bt *t, uint32_t type, uint64_t sector)
{
	wr32(t->r, HDR, type);
	wr32(t->r, HDR + 4, 0);
	wr64(t->r, HDR + 8, sector);
	t->r->ram[STATUS] = 0xee;
}

/* Notifies, expects one used chain with the given head, and returns the status byte. */
static int finish(struct bt *t, uint16_t head)
{
	uint32_t id;

	drv_notify(&t->blk.mmio, 0);
	assert_false(drv_needs_reset(&t->blk.mmio));
	assert_int_equal(drv_used(&t->q, &id, &t->used_len), 1);
	assert_int_equal(id, head);
	return t->r->ram[STATUS];
}

/* The usual framing: header, one data buffer (if len), status. */
static int request(struct bt *t, uint32_t type, uint64_t sector, gpa_t data, uint32_t len)
{
	struct drv_buf b[3];
	unsigned int n = 0;

	put_hdr(t, type, sector);
	b[n++] = (struct drv_buf){ HDR, 16, 0 };
	if (len)
		b[n++] = (struct drv_buf){ data, len, type != VIRTIO_BLK_T_OUT };
	b[n++] = (struct drv_buf){ STATUS, 1, 1 };
	return finish(t, drv_add(&t->q, b, n));
}

static uint64_t cfg(struct bt *t, uint64_t off, unsigned int size)
{
	uint64_t v;

	assert_int_equal(virtio_mmio_io_read(&t->blk.mmio, 0x100 + off, size, &v), 0);
	return v;
}

static void config_gives_capacity_and_seg_max(void **state)
{
	struct bt *t = *state;
	uint64_t f = drv_device_features(&t->blk.mmio);

	assert_int_equal(mmio_rd(&t->blk.mmio, REG(device_id)), 2);
	assert_int_equal(cfg(t, 0, 4) | cfg(t, 4, 4) << 32, DISK_SECTORS);
	assert_int_equal(cfg(t, 12, 4), VIRTIO_BLK_SEG_MAX);
	assert_int_equal(cfg(t, 0x30, 4), 0);
	assert_true(f & (1ull << VIRTIO_BLK_F_FLUSH));
	assert_true(f & (1ull << VIRTIO_BLK_F_SEG_MAX));
	assert_false(f & (1ull << VIRTIO_BLK_F_RO));
}

static void write_then_read_back(void **state)
{
	struct bt *t = *state;

	for (int i = 0; i < 1024; i++)
		t->r->ram[DATA + i] = (uint8_t)(0x40 + i);
	assert_int_equal(request(t, VIRTIO_BLK_T_OUT, 5, DATA, 1024), VIRTIO_BLK_S_OK);
	assert_int_equal(t->used_len, 1);
	assert_memory_equal(t->disk.bytes + 5 * 512, t->r->ram + DATA, 1024);
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 5, DATA2, 1024), VIRTIO_BLK_S_OK);
	assert_int_equal(t->used_len, 1025);
	assert_memory_equal(t->r->ram + DATA2, t->r->ram + DATA, 1024);
	assert_int_equal(t->r->irq_level, 1);
	assert_int_equal(drv_ack(&t->blk.mmio), VIRTIO_MMIO_INT_VRING);
}

static void requests_may_be_framed_any_way(void **state)
{
	struct bt *t = *state;
	/* OUT: header and the first 100 data bytes in one buffer, the rest in two more. */
	struct drv_buf out[] = {
		{ HDR, 116, 0 }, { DATA, 412, 0 }, { DATA + 1000, 512, 0 }, { STATUS, 1, 1 }
	};
	/* IN: data and status in one writable buffer. */
	struct drv_buf in[] = { { HDR, 16, 0 }, { DATA2, 1025, 1 } };

	for (int i = 0; i < 100; i++)
		t->r->ram[HDR + 16 + i] = 0x11;
	memset(t->r->ram + DATA, 0x22, 412);
	memset(t->r->ram + DATA + 1000, 0x33, 512);
	put_hdr(t, VIRTIO_BLK_T_OUT, 10);
	assert_int_equal(finish(t, drv_add(&t->q, out, 4)), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.bytes[10 * 512], 0x11);
	assert_int_equal(t->disk.bytes[10 * 512 + 100], 0x22);
	assert_int_equal(t->disk.bytes[10 * 512 + 511], 0x22);
	assert_int_equal(t->disk.bytes[11 * 512], 0x33);
	put_hdr(t, VIRTIO_BLK_T_IN, 10);
	drv_add(&t->q, in, 2);
	drv_notify(&t->blk.mmio, 0);
	assert_int_equal(t->r->ram[DATA2 + 1024], VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA2, t->disk.bytes + 10 * 512, 1024);
}

static void indirect_request_is_served(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = {
		{ HDR, 16, 0 }, { DATA, 512, 1 }, { DATA + 4096, 512, 1 }, { STATUS, 1, 1 }
	};

	bt_start(t, V1 | (1ull << VIRTIO_F_INDIRECT_DESC));
	put_hdr(t, VIRTIO_BLK_T_IN, 0);
	assert_int_equal(finish(t, drv_add_indirect(&t->q, TABLE, b, 4)), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA, t->disk.bytes, 512);
	assert_memory_equal(t->r->ram + DATA + 4096, t->disk.bytes + 512, 512);
	assert_int_equal(t->used_len, 1025);
}

static void read_only_store_is_never_written(void **state)
{
	struct bt *t = *state;
	uint8_t before[DISK_SIZE];
	uint64_t f;

	bt_init(t, 1);
	f = drv_device_features(&t->blk.mmio);
	assert_true(f & (1ull << VIRTIO_BLK_F_RO));
	assert_false(f & (1ull << VIRTIO_BLK_F_FLUSH));
	bt_start(t, V1 | (1ull << VIRTIO_BLK_F_RO));
	memcpy(before, t->disk.bytes, DISK_SIZE);
	memset(t->r->ram + DATA, 0x99, 512);
	assert_int_equal(request(t, VIRTIO_BLK_T_OUT, 0, DATA, 512), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(t, VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 0, DATA2, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.writes, 0);
	assert_int_equal(t->disk.flushes, 0);
	assert_memory_equal(before, t->disk.bytes, DISK_SIZE);
}

static void store_without_write_is_read_only(void **state)
{
	struct bt *t = *state;

	t->disk.store.write = NULL;
	assert_int_equal(virtio_blk_init(&t->blk, &t->r->env, &t->disk.store, RIG_IRQ), 0);
	assert_true(drv_device_features(&t->blk.mmio) & (1ull << VIRTIO_BLK_F_RO));
	bt_start(t, V1);
	assert_int_equal(request(t, VIRTIO_BLK_T_OUT, 0, DATA, 512), VIRTIO_BLK_S_IOERR);
}

static void flush_reaches_the_store(void **state)
{
	struct bt *t = *state;

	bt_start(t, V1 | (1ull << VIRTIO_BLK_F_FLUSH));
	assert_int_equal(request(t, VIRTIO_BLK_T_OUT, 1, DATA, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.flushes, 0); /* writeback: stable only after FLUSH */
	assert_int_equal(request(t, VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.flushes, 1);
	assert_int_equal(t->used_len, 1);
	t->disk.fail = 1;
	assert_int_equal(request(t, VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_IOERR);
}

static void writes_are_flushed_when_flush_is_offered_but_not_accepted(void **state)
{
	struct bt *t = *state;

	assert_false(virtio_mmio_has_feature(&t->blk.mmio, VIRTIO_BLK_F_FLUSH));
	assert_int_equal(request(t, VIRTIO_BLK_T_OUT, 1, DATA, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.flushes, 1);
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 1, DATA, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.flushes, 1);
}

static void get_id_gives_20_nul_padded_bytes(void **state)
{
	struct bt *t = *state;

	memset(t->r->ram + DATA, 0xff, 32);
	assert_int_equal(request(t, VIRTIO_BLK_T_GET_ID, 0, DATA, 20), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA, "bivisor-disk-0001\0\0\0", 20);
	assert_int_equal(t->r->ram[DATA + 20], 0xff);
	assert_int_equal(t->used_len, 21);
	t->disk.store.id = "abcdefghijklmnopqrstuvwxyz"; /* cut at 20, no NUL */
	assert_int_equal(request(t, VIRTIO_BLK_T_GET_ID, 0, DATA, 20), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA, "abcdefghijklmnopqrst", 20);
	t->disk.store.id = NULL;
	assert_int_equal(request(t, VIRTIO_BLK_T_GET_ID, 0, DATA, 20), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	assert_int_equal(request(t, VIRTIO_BLK_T_GET_ID, 0, DATA, 8), VIRTIO_BLK_S_IOERR);
}

static void sectors_outside_the_disk_fail_without_reaching_the_store(void **state)
{
	static const struct {
		uint64_t sector;
		uint32_t len;
	} bad[] = { { DISK_SECTORS, 512 },
		    { DISK_SECTORS - 1, 1024 },
		    { 0x8000000000000000ull, 512 },
		    { ~0ull, 512 },
		    { 0x0080000000000000ull, 512 }, /* sector * 512 wraps to 0 */
		    { 0, 100 } };		    /* not whole sectors */
	struct bt *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(request(t, VIRTIO_BLK_T_IN, bad[i].sector, DATA, bad[i].len),
				 VIRTIO_BLK_S_IOERR);
		assert_int_equal(request(t, VIRTIO_BLK_T_OUT, bad[i].sector, DATA, bad[i].len),
				 VIRTIO_BLK_S_IOERR);
		assert_int_equal(t->used_len, 1);
	}
	assert_int_equal(t->disk.reads + t->disk.writes, 0);
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, DATA, 512), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA, t->disk.bytes + (DISK_SECTORS - 1) * 512, 512);
}

static void unknown_requests_are_unsupported(void **state)
{
	static const uint32_t types[] = { 2, 10, 11, 13, 14, 0x80000000u };
	struct bt *t = *state;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(request(t, types[i], 0, DATA, 512), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(t->disk.reads + t->disk.writes + t->disk.flushes, 0);
}

static void store_failure_is_an_io_error(void **state)
{
	struct bt *t = *state;

	t->disk.fail = 1;
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 0, DATA, 512), VIRTIO_BLK_S_IOERR);
	assert_int_equal(t->used_len, 1);
	assert_int_equal(request(t, VIRTIO_BLK_T_OUT, 0, DATA, 512), VIRTIO_BLK_S_IOERR);
	assert_false(drv_needs_reset(&t->blk.mmio));
}

static void works_through_the_bounce_buffer_without_translate(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = { { HDR, 16, 0 }, { DATA, 3 * 4096 + 512, 0 }, { STATUS, 1, 1 } };

	t->r->env.mem_translate = NULL;
	bt_init(t, 0);
	bt_start(t, V1);
	for (int i = 0; i < 3 * 4096 + 512; i++)
		t->r->ram[DATA + i] = (uint8_t)(i / 3);
	put_hdr(t, VIRTIO_BLK_T_OUT, 3);
	assert_int_equal(finish(t, drv_add(&t->q, b, 3)), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->disk.bytes + 3 * 512, t->r->ram + DATA, 3 * 4096 + 512);
	assert_int_equal(t->disk.writes, 4);
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 3, DATA2, 3 * 4096 + 512), VIRTIO_BLK_S_OK);
	assert_memory_equal(t->r->ram + DATA2, t->r->ram + DATA, 3 * 4096 + 512);
}

static void event_idx_holds_the_interrupt_until_used_event(void **state)
{
	struct bt *t = *state;

	bt_start(t, V1 | (1ull << VIRTIO_F_EVENT_IDX));
	drv_set_used_event(&t->q, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(request(t, VIRTIO_BLK_T_IN, 0, DATA, 512), VIRTIO_BLK_S_OK);
		assert_int_equal(t->r->irq_level, 0);
	}
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 0, DATA, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(t->r->irq_level, 1);
	assert_int_equal(drv_avail_event(&t->q), 3);
}

/* --- what the device cannot answer: NEEDS_RESET, and nothing touched --- */

static void expect_needs_reset(struct bt *t)
{
	drv_notify(&t->blk.mmio, 0);
	assert_true(drv_needs_reset(&t->blk.mmio));
	assert_int_equal(drv_ack(&t->blk.mmio) & VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(drv_used_idx(&t->q), 0);
	assert_int_equal(t->disk.reads + t->disk.writes, 0);
	assert_int_equal(t->r->ram[STATUS], 0xee);
	assert_int_equal(t->r->logs, 1);
}

static void request_without_status_byte_needs_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = { { HDR, 16, 0 }, { DATA, 512, 0 } };

	put_hdr(t, VIRTIO_BLK_T_OUT, 0);
	drv_add(&t->q, b, 2);
	expect_needs_reset(t);
}

static void request_with_short_header_needs_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = { { HDR, 8, 0 }, { STATUS, 1, 1 } };

	put_hdr(t, VIRTIO_BLK_T_IN, 0);
	drv_add(&t->q, b, 2);
	expect_needs_reset(t);
}

static void data_outside_guest_ram_needs_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = { { HDR, 16, 0 }, { RIG_RAM_SIZE - 512, 1024, 1 }, { STATUS, 1, 1 } };

	put_hdr(t, VIRTIO_BLK_T_IN, 0);
	drv_add(&t->q, b, 3);
	expect_needs_reset(t);
	assert_non_null(strstr(t->r->last_log, "outside guest RAM"));
}

static void descriptor_loop_needs_reset(void **state)
{
	struct bt *t = *state;

	put_hdr(t, VIRTIO_BLK_T_IN, 0);
	drv_desc(&t->q, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&t->q, 1, DATA, 512, VIRTQ_DESC_F_NEXT, 0);
	drv_publish(&t->q, 0);
	expect_needs_reset(t);
	assert_non_null(strstr(t->r->last_log, "loops"));
}

static void too_many_data_buffers_need_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[VIRTIO_BLK_SEG_MAX + 3];
	unsigned int n = 0;

	bt_start(t, V1 | (1ull << VIRTIO_F_INDIRECT_DESC));
	b[n++] = (struct drv_buf){ HDR, 16, 0 };
	for (int i = 0; i < VIRTIO_BLK_SEG_MAX + 1; i++)
		b[n++] = (struct drv_buf){ DATA + 512 * i, 512, 1 };
	b[n++] = (struct drv_buf){ STATUS, 1, 1 };
	put_hdr(t, VIRTIO_BLK_T_IN, 0);
	drv_add_indirect(&t->q, TABLE, b, n);
	expect_needs_reset(t);
}

/* --- reset in the middle of I/O --- */

static void reset_forgets_requests_the_driver_had_not_seen_served(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = { { HDR, 16, 0 }, { DATA, 512, 0 }, { STATUS, 1, 1 } };
	struct drvq old = t->q;

	put_hdr(t, VIRTIO_BLK_T_OUT, 0);
	drv_add(&t->q, b, 3);
	drv_add(&t->q, b, 3);
	mmio_wr(&t->blk.mmio, REG(status), 0); /* the driver resets before notifying */
	drv_notify(&t->blk.mmio, 0);
	assert_int_equal(t->disk.writes, 0);
	/* The driver starts again with new rings elsewhere; the old ones are never read. */
	drvq_init(&t->q, t->r, 0x30000, 8);
	memset(t->r->ram + old.desc, 0xcc, 16 * 16);
	bt_start(t, V1);
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 2, DATA2, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(t->disk.writes, 0);
	assert_int_equal(drv_used_idx(&old), 0);
}

static void reset_after_a_hostile_chain_mid_batch_brings_the_device_back(void **state)
{
	struct bt *t = *state;
	struct drv_buf good[] = { { HDR, 16, 0 }, { DATA, 512, 1 }, { STATUS, 1, 1 } };
	struct drv_buf bad[] = { { HDR, 16, 0 }, { RIG_RAM_SIZE, 512, 1 }, { STATUS, 1, 1 } };
	uint32_t id, len;

	put_hdr(t, VIRTIO_BLK_T_IN, 0);
	drv_add(&t->q, good, 3);
	drv_add(&t->q, bad, 3);
	drv_add(&t->q, good, 3);
	drv_notify(&t->blk.mmio, 0);
	assert_true(drv_needs_reset(&t->blk.mmio));
	assert_int_equal(drv_used(&t->q, &id, &len), 1); /* the first was served */
	assert_int_equal(drv_used(&t->q, &id, &len), 0);
	assert_int_equal(drv_ack(&t->blk.mmio), VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	drvq_init(&t->q, t->r, 0x10000, 16);
	bt_start(t, V1);
	assert_false(drv_needs_reset(&t->blk.mmio));
	assert_int_equal(request(t, VIRTIO_BLK_T_IN, 1, DATA, 512), VIRTIO_BLK_S_OK);
}

static void init_refuses_a_missing_store(void **state)
{
	struct bt *t = *state;
	struct dm_block no_read = { .size = 512 };

	assert_int_equal(virtio_blk_init(&t->blk, &t->r->env, NULL, RIG_IRQ), -EINVAL);
	assert_int_equal(virtio_blk_init(&t->blk, &t->r->env, &no_read, RIG_IRQ), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, bt_setup, bt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(config_gives_capacity_and_seg_max),
		T(write_then_read_back),
		T(requests_may_be_framed_any_way),
		T(indirect_request_is_served),
		T(read_only_store_is_never_written),
		T(store_without_write_is_read_only),
		T(flush_reaches_the_store),
		T(writes_are_flushed_when_flush_is_offered_but_not_accepted),
		T(get_id_gives_20_nul_padded_bytes),
		T(sectors_outside_the_disk_fail_without_reaching_the_store),
		T(unknown_requests_are_unsupported),
		T(store_failure_is_an_io_error),
		T(works_through_the_bounce_buffer_without_translate),
		T(event_idx_holds_the_interrupt_until_used_event),
		T(request_without_status_byte_needs_reset),
		T(request_with_short_header_needs_reset),
		T(data_outside_guest_ram_needs_reset),
		T(descriptor_loop_needs_reset),
		T(too_many_data_buffers_need_reset),
		T(reset_forgets_requests_the_driver_had_not_seen_served),
		T(reset_after_a_hostile_chain_mid_batch_brings_the_device_back),
		T(init_refuses_a_missing_store),
	};

	return cmocka_run_group_tests_name("test_virtio_blk", tests, NULL, NULL);
}
