/*
 * tests/unit/test_virtqueue.c: drivers/virtqueue.c, the device side of split
 * virtqueues, against rings a test driver builds in guest RAM: chains,
 * indirect tables, 16-bit index wrap, EVENT_IDX, and every hostile ring the
 * device must refuse without touching memory outside guest RAM.
 */
#include "tests/unit/test_virtio_rig.h"

#define QBASE 0x10000
#define DATA 0x80000
#define TABLE 0x40000
#define ALL_FEATURES ((1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX))

struct vqt {
	struct rig *r;
	struct drvq q;
	struct virtq vq;
	struct virtq_seg seg[16];
	struct virtq_chain c;
};

static void vqt_enable(struct vqt *t, uint16_t size, uint64_t features)
{
	drvq_init(&t->q, t->r, QBASE, size);
	virtq_init(&t->vq, &t->r->env);
	assert_int_equal(virtq_enable(&t->vq, size, t->q.desc, t->q.avail, t->q.used, features), 0);
}

static int vqt_setup(void **state)
{
	struct vqt *t = test_calloc(1, sizeof(*t));

	t->r = rig_new();
	t->c = (struct virtq_chain){ .seg = t->seg, .max = 16 };
	vqt_enable(t, 8, ALL_FEATURES);
	*state = t;
	return 0;
}

static int vqt_teardown(void **state)
{
	struct vqt *t = *state;

	rig_free(t->r);
	test_free(t);
	return 0;
}

static int pop(struct vqt *t, unsigned int flags)
{
	return virtq_pop(&t->vq, &t->c, flags);
}

/* The device refuses the ring: an error with a reason, nothing consumed. */
static void expect_refused(struct vqt *t, int err)
{
	uint16_t last = t->vq.last_avail;

	t->vq.error = NULL;
	assert_int_equal(pop(t, 0), err);
	assert_non_null(t->vq.error);
	assert_int_equal(t->vq.last_avail, last);
	assert_int_equal(drv_used_idx(&t->q), 0);
}

static void empty_ring_pops_nothing(void **state)
{
	struct vqt *t = *state;

	assert_int_equal(pop(t, 0), 0);
	assert_int_equal(virtq_should_notify(&t->vq), 0);
}

static void disabled_queue_pops_nothing(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 16, 0 };

	drv_add(&t->q, &b, 1);
	virtq_disable(&t->vq);
	assert_false(virtq_enabled(&t->vq));
	assert_int_equal(pop(t, 0), 0);
}

static void single_buffer_goes_round_trip(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 64, 1 };
	uint32_t id, len;
	uint16_t head = drv_add(&t->q, &b, 1);

	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.head, head);
	assert_int_equal(t->c.nseg, 1);
	assert_int_equal(t->c.nread, 0);
	assert_int_equal(t->c.write_len, 64);
	assert_int_equal(t->seg[0].gpa, DATA);
	assert_true(t->seg[0].write);
	assert_int_equal(pop(t, 0), 0);
	assert_int_equal(virtq_push(&t->vq, &t->c, 10), 0);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 10);
}

static void chain_gives_readable_then_writable_buffers(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = {
		{ DATA, 16, 0 }, { DATA + 100, 8, 0 }, { DATA + 200, 512, 1 }, { DATA + 800, 1, 1 }
	};

	drv_add(&t->q, b, 4);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.nseg, 4);
	assert_int_equal(t->c.nread, 2);
	assert_int_equal(t->c.read_len, 24);
	assert_int_equal(t->c.write_len, 513);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(t->seg[i].gpa, b[i].gpa);
		assert_int_equal(t->seg[i].len, b[i].len);
		assert_int_equal(t->seg[i].write, b[i].write);
	}
}

static void chain_may_use_descriptors_in_any_order(void **state)
{
	struct vqt *t = *state;

	drv_desc(&t->q, 5, DATA, 4, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(&t->q, 2, DATA + 64, 4, VIRTQ_DESC_F_NEXT, 7);
	drv_desc(&t->q, 7, DATA + 128, 4, VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&t->q, 5);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.head, 5);
	assert_int_equal(t->c.nseg, 3);
	assert_int_equal(t->seg[2].gpa, DATA + 128);
}

static void indirect_table_gives_its_chain(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = { { DATA, 16, 0 }, { DATA + 64, 4096, 1 }, { DATA + 8192, 1, 1 } };
	uint16_t head = drv_add_indirect(&t->q, TABLE, b, 3);

	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.head, head);
	assert_int_equal(t->c.nseg, 3);
	assert_int_equal(t->c.nread, 1);
	assert_int_equal(t->c.write_len, 4097);
	assert_int_equal(t->seg[1].gpa, DATA + 64);
}

static void chain_may_end_in_an_indirect_table(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = { { DATA + 64, 8, 0 }, { DATA + 128, 8, 1 } };

	drv_desc_at(t->r, TABLE, 0, b[0].gpa, b[0].len, VIRTQ_DESC_F_NEXT, 1);
	drv_desc_at(t->r, TABLE, 1, b[1].gpa, b[1].len, VIRTQ_DESC_F_WRITE, 0);
	drv_desc(&t->q, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	/* §2.7.5.3.2: the WRITE flag of the descriptor naming the table is ignored. */
	drv_desc(&t->q, 1, TABLE, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&t->q, 0);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.nseg, 3);
	assert_int_equal(t->c.nread, 2);
	assert_int_equal(t->c.read_len, 24);
	assert_int_equal(t->c.write_len, 8);
}

static void zero_length_buffer_is_accepted_wherever_it_points(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = { { 0xfffffffffffff000ull, 0, 0 }, { DATA, 4, 1 } };

	drv_add(&t->q, b, 2);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.nseg, 2);
	assert_int_equal(t->c.read_len, 0);
}

static void indices_wrap_past_65535(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 0x10000, 1 };
	uint32_t id, len;

	vqt_enable(t, 4, 0);
	for (unsigned int i = 0; i < 70000; i++) {
		uint16_t head = drv_add(&t->q, &b, 1);

		assert_int_equal(pop(t, 0), 1);
		assert_int_equal(t->c.head, head);
		assert_int_equal(virtq_push(&t->vq, &t->c, i & 0xffff), 0);
		assert_int_equal(drv_used(&t->q, &id, &len), 1);
		assert_int_equal(id, head);
		assert_int_equal(len, i & 0xffff);
	}
	assert_int_equal(rd16(t->r, t->q.avail + 2), 70000 & 0xffff);
	assert_int_equal(drv_used_idx(&t->q), 70000 & 0xffff);
	assert_int_equal(pop(t, 0), 0);
}

static void full_ring_wraps_with_every_entry_in_use(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 0 };
	uint32_t id, len;

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++)
			drv_add(&t->q, &b, 1);
		for (int i = 0; i < 8; i++) {
			assert_int_equal(pop(t, 0), 1);
			assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
		}
		assert_int_equal(pop(t, 0), 0);
		for (int i = 0; i < 8; i++)
			assert_int_equal(drv_used(&t->q, &id, &len), 1);
	}
}

static void unpop_gives_the_same_chain_again(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };
	uint16_t head = drv_add(&t->q, &b, 1);

	assert_int_equal(pop(t, 0), 1);
	virtq_unpop(&t->vq);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(t->c.head, head);
	assert_int_equal(pop(t, 0), 0);
}

static void no_interrupt_flag_suppresses_notification_without_event_idx(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };

	vqt_enable(t, 8, 0);
	drv_add(&t->q, &b, 1);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
	assert_int_equal(virtq_should_notify(&t->vq), 1);
	assert_int_equal(virtq_should_notify(&t->vq), 0); /* nothing new since */
	drv_set_avail_flags(&t->q, VIRTQ_AVAIL_F_NO_INTERRUPT);
	drv_add(&t->q, &b, 1);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
	assert_int_equal(virtq_should_notify(&t->vq), 0);
}

static void event_idx_notifies_when_used_idx_passes_used_event(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };

	drv_set_avail_flags(&t->q, VIRTQ_AVAIL_F_NO_INTERRUPT); /* ignored with EVENT_IDX */
	drv_set_used_event(&t->q, 2);				/* wake me when entry 2 is used */
	for (int i = 0; i < 5; i++)
		drv_add(&t->q, &b, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pop(t, 0), 1);
		assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
	}
	assert_int_equal(virtq_should_notify(&t->vq), 0); /* used idx 2: entry 2 not used yet */
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
	assert_int_equal(virtq_should_notify(&t->vq), 1); /* used idx 3 */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pop(t, 0), 1);
		assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
	}
	assert_int_equal(virtq_should_notify(&t->vq), 0); /* used_event left behind */
}

static void event_idx_notifies_once_for_a_batch_crossing_used_event(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };

	drv_set_used_event(&t->q, 1);
	for (int i = 0; i < 4; i++) {
		drv_add(&t->q, &b, 1);
		assert_int_equal(pop(t, 0), 1);
		assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
	}
	assert_int_equal(virtq_should_notify(&t->vq), 1);
}

static void event_idx_works_across_the_index_wrap(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };
	int notified = 0;

	for (unsigned int i = 0; i < 65540; i++) {
		drv_set_used_event(&t->q, 65535);
		drv_add(&t->q, &b, 1);
		assert_int_equal(pop(t, 0), 1);
		assert_int_equal(virtq_push(&t->vq, &t->c, 0), 0);
		if (virtq_should_notify(&t->vq)) {
			notified++;
			assert_int_equal(i, 65535);
		}
	}
	assert_int_equal(notified, 1);
}

static void event_idx_empty_ring_asks_for_the_next_chain(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };

	for (int i = 0; i < 3; i++)
		drv_add(&t->q, &b, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pop(t, 0), 1);
	assert_int_equal(drv_avail_event(&t->q), 0);
	assert_int_equal(pop(t, 0), 0);
	assert_int_equal(drv_avail_event(&t->q), 3); /* notify me when you put entry 3 */
}

static void avail_event_is_left_alone_without_event_idx(void **state)
{
	struct vqt *t = *state;

	vqt_enable(t, 8, 0);
	wr16(t->r, t->q.used + 4 + 8 * 8, 0x7777);
	assert_int_equal(pop(t, 0), 0);
	assert_int_equal(drv_avail_event(&t->q), 0x7777);
}

static void read_and_write_cross_buffer_boundaries(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = {
		{ DATA, 3, 0 }, { DATA + 16, 5, 0 }, { DATA + 32, 2, 1 }, { DATA + 48, 6, 1 }
	};
	uint8_t buf[8];

	memcpy(t->r->ram + DATA, "abc", 3);
	memcpy(t->r->ram + DATA + 16, "defgh", 5);
	drv_add(&t->q, b, 4);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(virtq_read(&t->vq, &t->c, 1, buf, 6), 0);
	assert_memory_equal(buf, "bcdefg", 6);
	assert_int_equal(virtq_write(&t->vq, &t->c, 1, "XYZ", 3), 0);
	assert_memory_equal(t->r->ram + DATA + 32, "\0X", 2);
	assert_memory_equal(t->r->ram + DATA + 48, "YZ", 2);
	assert_int_equal(virtq_read(&t->vq, &t->c, 6, buf, 3), -EINVAL);
	assert_int_equal(virtq_write(&t->vq, &t->c, 7, "X", 2), -EINVAL);
	assert_int_equal(virtq_write(&t->vq, &t->c, ~0ull, "X", 2), -EINVAL);
}

static void works_without_mem_translate(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = { { DATA, 4, 0 }, { DATA + 16, 4, 1 } };
	uint32_t id, len;

	t->r->env.mem_translate = NULL;
	vqt_enable(t, 8, ALL_FEATURES);
	memcpy(t->r->ram + DATA, "ping", 4);
	drv_add(&t->q, b, 2);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(virtq_write(&t->vq, &t->c, 0, "pong", 4), 0);
	assert_int_equal(virtq_push(&t->vq, &t->c, 4), 0);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_memory_equal(t->r->ram + DATA + 16, "pong", 4);
	assert_int_equal(pop(t, 0), 0);
	assert_int_equal(drv_avail_event(&t->q), 1);
}

static void push_reports_no_more_than_the_writable_bytes(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 8, 1 };
	uint32_t id, len;

	drv_add(&t->q, &b, 1);
	assert_int_equal(pop(t, 0), 1);
	assert_int_equal(virtq_push(&t->vq, &t->c, 1000), 0);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(len, 8);
}

/* --- setup the device refuses --- */

static void enable_refuses_bad_sizes_and_areas(void **state)
{
	static const struct {
		uint16_t size;
		gpa_t desc, avail, used;
	} bad[] = {
		{ 0, QBASE, QBASE + 0x1000, QBASE + 0x2000 },
		{ 3, QBASE, QBASE + 0x1000, QBASE + 0x2000 },
		{ 8, QBASE + 8, QBASE + 0x1000, QBASE + 0x2000 },
		{ 8, QBASE, QBASE + 0x1001, QBASE + 0x2000 },
		{ 8, QBASE, QBASE + 0x1000, QBASE + 0x2002 },
		{ 8, RIG_RAM_SIZE - 64, QBASE + 0x1000, QBASE + 0x2000 },
		{ 8, QBASE, RIG_RAM_SIZE - 2, QBASE + 0x2000 },
		{ 8, QBASE, QBASE + 0x1000, RIG_RAM_SIZE - 8 },
		{ 8, 0xfffffffffffffff0ull, QBASE + 0x1000, QBASE + 0x2000 },
		{ 0x8000, 0xf0000, QBASE + 0x1000, QBASE + 0x2000 },
	};
	struct vqt *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t->vq.error = NULL;
		assert_int_equal(virtq_enable(&t->vq, bad[i].size, bad[i].desc, bad[i].avail,
					      bad[i].used, 0),
				 -EINVAL);
		assert_non_null(t->vq.error);
		assert_false(virtq_enabled(&t->vq));
	}
	assert_int_equal(virtq_enable(&t->vq, 0x8000, 0, 0x80000, 0x90000, 0), 0);
}

/* --- hostile rings: refused, reported, nothing outside guest RAM touched --- */

static void head_index_out_of_range_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_publish(&t->q, 8);
	expect_refused(t, -EINVAL);
}

static void next_index_out_of_range_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_desc(&t->q, 0, DATA, 4, VIRTQ_DESC_F_NEXT, 9);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
}

static void loop_in_a_chain_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_desc(&t->q, 0, DATA, 4, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&t->q, 1, DATA, 4, VIRTQ_DESC_F_NEXT, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
}

static void self_loop_is_refused_even_with_room_for_the_buffers(void **state)
{
	struct vqt *t = *state;
	struct virtq_seg many[64];

	t->c = (struct virtq_chain){ .seg = many, .max = 64 };
	drv_desc(&t->q, 3, DATA, 4, VIRTQ_DESC_F_NEXT, 3);
	drv_publish(&t->q, 3);
	expect_refused(t, -EINVAL);
	assert_string_equal(t->vq.error, "descriptor chain loops");
}

static void chain_longer_than_the_device_takes_is_refused(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (struct drv_buf){ DATA + 16 * i, 4, 0 };
	t->c.max = 7;
	drv_add(&t->q, b, 8);
	expect_refused(t, -E2BIG);
}

static void avail_idx_jumping_ahead_is_refused(void **state)
{
	struct vqt *t = *state;

	wr16(t->r, t->q.avail + 2, 9);
	expect_refused(t, -EINVAL);
	wr16(t->r, t->q.avail + 2, 0xffff); /* a driver cannot go backwards either */
	expect_refused(t, -EINVAL);
}

static void buffer_outside_guest_ram_is_refused(void **state)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ RIG_RAM_SIZE, 1 },		       /* just past the end */
		{ RIG_RAM_SIZE - 4, 8 },	       /* crossing the end */
		{ 0xfffffffffffffff0ull, 0x20 },       /* wrapping around */
		{ 0x8000000000000000ull, 0xffffffff }, /* far away */
	};
	struct vqt *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drv_buf b = { bad[i].addr, bad[i].len, 1 };

		vqt_enable(t, 8, ALL_FEATURES);
		drv_add(&t->q, &b, 1);
		expect_refused(t, -EFAULT);
	}
}

static void readable_after_writable_is_refused(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b[] = { { DATA, 4, 1 }, { DATA + 16, 4, 0 } };

	drv_add(&t->q, b, 2);
	expect_refused(t, -EINVAL);
}

static void direction_the_queue_forbids_is_refused(void **state)
{
	struct vqt *t = *state;
	struct drv_buf w = { DATA, 4, 1 }, r = { DATA, 4, 0 };

	drv_add(&t->q, &w, 1);
	assert_int_equal(pop(t, VIRTQ_ONLY_READABLE), -EINVAL);
	vqt_enable(t, 8, 0);
	drv_add(&t->q, &r, 1);
	assert_int_equal(pop(t, VIRTQ_ONLY_WRITABLE), -EINVAL);
	vqt_enable(t, 8, 0);
	drv_add(&t->q, &r, 1);
	assert_int_equal(pop(t, VIRTQ_ONLY_READABLE), 1);
}

static void indirect_without_the_feature_is_refused(void **state)
{
	struct vqt *t = *state;
	struct drv_buf b = { DATA, 4, 1 };

	vqt_enable(t, 8, 1ull << VIRTIO_F_EVENT_IDX);
	drv_add_indirect(&t->q, TABLE, &b, 1);
	expect_refused(t, -EINVAL);
}

static void indirect_with_next_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_desc_at(t->r, TABLE, 0, DATA, 4, 0, 0);
	drv_desc(&t->q, 0, TABLE, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&t->q, 1, DATA, 4, 0, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
}

static void indirect_table_with_bad_length_is_refused(void **state)
{
	static const uint32_t lens[] = { 0, 8, 17, 31 };
	struct vqt *t = *state;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		vqt_enable(t, 8, ALL_FEATURES);
		drv_desc_at(t->r, TABLE, 0, DATA, 4, 0, 0);
		drv_desc(&t->q, 0, TABLE, lens[i], VIRTQ_DESC_F_INDIRECT, 0);
		drv_publish(&t->q, 0);
		expect_refused(t, -EINVAL);
	}
}

static void indirect_table_outside_guest_ram_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_desc(&t->q, 0, RIG_RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EFAULT);
}

static void nested_indirect_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_desc_at(t->r, TABLE, 0, TABLE + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_desc_at(t->r, TABLE + 0x100, 0, DATA, 4, 0, 0);
	drv_desc(&t->q, 0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
}

static void loop_or_bad_index_in_an_indirect_table_is_refused(void **state)
{
	struct vqt *t = *state;

	drv_desc_at(t->r, TABLE, 0, DATA, 4, VIRTQ_DESC_F_NEXT, 1);
	drv_desc_at(t->r, TABLE, 1, DATA, 4, VIRTQ_DESC_F_NEXT, 0);
	drv_desc(&t->q, 0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
	vqt_enable(t, 8, ALL_FEATURES);
	drv_desc_at(t->r, TABLE, 1, DATA, 4, VIRTQ_DESC_F_NEXT, 2); /* past the table's 2 entries */
	drv_desc(&t->q, 0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
}

static void chain_over_4_gib_is_refused(void **state)
{
	struct vqt *t = *state;
	unsigned int n = 4097; /* each buffer all of guest RAM: 4097 MiB */
	struct virtq_seg *many = test_calloc(n, sizeof(*many));

	t->c = (struct virtq_chain){ .seg = many, .max = n };
	for (unsigned int i = 0; i < n; i++)
		drv_desc_at(t->r, TABLE, (uint16_t)i, 0, RIG_RAM_SIZE, VIRTQ_DESC_F_NEXT,
			    (uint16_t)(i + 1));
	drv_desc_at(t->r, TABLE, (uint16_t)(n - 1), 0, RIG_RAM_SIZE, 0, 0);
	drv_desc(&t->q, 0, TABLE, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
	drv_publish(&t->q, 0);
	expect_refused(t, -EINVAL);
	assert_string_equal(t->vq.error, "chain longer than 4 GiB");
	test_free(many);
}

#define T(f) cmocka_unit_test_setup_teardown(f, vqt_setup, vqt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(empty_ring_pops_nothing),
		T(disabled_queue_pops_nothing),
		T(single_buffer_goes_round_trip),
		T(chain_gives_readable_then_writable_buffers),
		T(chain_may_use_descriptors_in_any_order),
		T(indirect_table_gives_its_chain),
		T(chain_may_end_in_an_indirect_table),
		T(zero_length_buffer_is_accepted_wherever_it_points),
		T(indices_wrap_past_65535),
		T(full_ring_wraps_with_every_entry_in_use),
		T(unpop_gives_the_same_chain_again),
		T(no_interrupt_flag_suppresses_notification_without_event_idx),
		T(event_idx_notifies_when_used_idx_passes_used_event),
		T(event_idx_notifies_once_for_a_batch_crossing_used_event),
		T(event_idx_works_across_the_index_wrap),
		T(event_idx_empty_ring_asks_for_the_next_chain),
		T(avail_event_is_left_alone_without_event_idx),
		T(read_and_write_cross_buffer_boundaries),
		T(works_without_mem_translate),
		T(push_reports_no_more_than_the_writable_bytes),
		T(enable_refuses_bad_sizes_and_areas),
		T(head_index_out_of_range_is_refused),
		T(next_index_out_of_range_is_refused),
		T(loop_in_a_chain_is_refused),
		T(self_loop_is_refused_even_with_room_for_the_buffers),
		T(chain_longer_than_the_device_takes_is_refused),
		T(avail_idx_jumping_ahead_is_refused),
		T(buffer_outside_guest_ram_is_refused),
		T(readable_after_writable_is_refused),
		T(direction_the_queue_forbids_is_refused),
		T(indirect_without_the_feature_is_refused),
		T(indirect_with_next_is_refused),
		T(indirect_table_with_bad_length_is_refused),
		T(indirect_table_outside_guest_ram_is_refused),
		T(nested_indirect_is_refused),
		T(loop_or_bad_index_in_an_indirect_table_is_refused),
		T(chain_over_4_gib_is_refused),
	};

	return cmocka_run_group_tests_name("test_virtqueue", tests, NULL, NULL);
}
