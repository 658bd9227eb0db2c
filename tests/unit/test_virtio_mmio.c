/*
 * tests/unit/test_virtio_mmio.c: drivers/virtio_mmio.c, the virtio-mmio
 * transport, driven through its 0x200-byte region the way a guest driver
 * does, with a fake two-queue device that records what the transport asks of
 * it: registers, feature negotiation, the status state machine, queue setup,
 * notifications, the level-triggered interrupt, reset and NEEDS_RESET.
 */
#include "drivers/virtio_mmio.h"
#include "tests/unit/test_virtio_rig.h"

#define FAKE_ID 42
#define FAKE_QSIZE 16
#define FAKE_FEATURE 3
#define V1 (1ull << VIRTIO_F_VERSION_1)

struct fake {
	struct virtio_mmio mmio;
	uint8_t config[6];
	unsigned int notified[2];
	int resets;
	uint64_t last_write_off, last_write_val;
};

struct mt {
	struct rig *r;
	struct fake dev;
	struct drvq q0, q1;
};

static int fake_config_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct fake *f = dev;

	return virtio_config_read_bytes(f->config, sizeof(f->config), offset, size, value);
}

static int fake_config_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct fake *f = dev;

	(void)size;
	f->last_write_off = offset;
	f->last_write_val = value;
	return 0;
}

static void fake_notify(void *dev, unsigned int q)
{
	struct fake *f = dev;

	f->notified[q]++;
}

static void fake_reset(void *dev)
{
	struct fake *f = dev;

	f->resets++;
}

static const struct virtio_device_ops fake_ops = {
	.device_id = FAKE_ID,
	.num_queues = 2,
	.queue_size_max = FAKE_QSIZE,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.queue_notify = fake_notify,
	.reset = fake_reset,
};

static int mt_setup(void **state)
{
	struct mt *t = test_calloc(1, sizeof(*t));

	t->r = rig_new();
	memcpy(t->dev.config, "\x01\x02\x03\x04\x05\x06", 6);
	virtio_mmio_init(&t->dev.mmio, &t->r->env, RIG_IRQ, &fake_ops, &t->dev,
			 1ull << FAKE_FEATURE);
	drvq_init(&t->q0, t->r, 0x10000, 16);
	drvq_init(&t->q1, t->r, 0x20000, 8);
	*state = t;
	return 0;
}

static int mt_teardown(void **state)
{
	struct mt *t = *state;

	rig_free(t->r);
	test_free(t);
	return 0;
}

static void mt_start(struct mt *t, uint64_t features)
{
	struct drvq *qs[] = { &t->q0, &t->q1 };

	drv_start(&t->dev.mmio, features, qs, 2);
}

static void identity_registers_read_as_the_spec_says(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	assert_int_equal(mmio_rd(m, 0x000), 0x74726976);
	assert_int_equal(mmio_rd(m, 0x004), 2);
	assert_int_equal(mmio_rd(m, 0x008), FAKE_ID);
	assert_int_equal(mmio_rd(m, 0x00c), VIRTIO_MMIO_VENDOR_ID);
	assert_int_equal(mmio_rd(m, 0x070), 0);
	assert_int_equal(mmio_rd(m, 0x060), 0);
	assert_int_equal(t->dev.resets, 1); /* init resets the device */
	assert_int_equal(t->r->irq_calls, 0);
}

static void device_features_offer_version_1_indirect_and_event_idx(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	assert_int_equal(drv_device_features(m), V1 | (1ull << VIRTIO_F_INDIRECT_DESC) |
							 (1ull << VIRTIO_F_EVENT_IDX) |
							 (1ull << FAKE_FEATURE));
	mmio_wr(m, REG(device_features_sel), 2);
	assert_int_equal(mmio_rd(m, REG(device_features)), 0);
}

static void accepted_subset_with_version_1_keeps_features_ok(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	uint32_t status = drv_negotiate(m, V1 | (1ull << VIRTIO_F_EVENT_IDX));

	assert_int_equal(status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					 VIRTIO_STATUS_FEATURES_OK);
	assert_true(virtio_mmio_has_feature(m, VIRTIO_F_EVENT_IDX));
	assert_true(virtio_mmio_has_feature(m, VIRTIO_F_VERSION_1));
	assert_false(virtio_mmio_has_feature(m, FAKE_FEATURE));
	assert_false(virtio_mmio_has_feature(m, VIRTIO_F_INDIRECT_DESC));
	assert_false(virtio_mmio_has_feature(m, 99));
}

static void driver_without_version_1_is_refused(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	uint32_t status = drv_negotiate(m, 1ull << FAKE_FEATURE);

	assert_false(status & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(t->r->logs, 1);
	assert_non_null(strstr(t->r->last_log, "VERSION_1"));
	assert_false(virtio_mmio_has_feature(m, FAKE_FEATURE));
	/* Without FEATURES_OK there is no DRIVER_OK, and no queue is served. */
	drv_queue_setup(m, 0, &t->q0);
	mmio_wr(m, REG(status), status | VIRTIO_STATUS_DRIVER_OK);
	assert_false(mmio_rd(m, REG(status)) & VIRTIO_STATUS_DRIVER_OK);
	drv_notify(m, 0);
	assert_int_equal(t->dev.notified[0], 0);
	assert_null(virtio_mmio_queue(m, 0));
}

static void features_not_offered_are_refused(void **state)
{
	struct mt *t = *state;

	assert_false(drv_negotiate(&t->dev.mmio, V1 | (1ull << 7)) & VIRTIO_STATUS_FEATURES_OK);
	assert_false(drv_negotiate(&t->dev.mmio, V1 | (1ull << 40)) & VIRTIO_STATUS_FEATURES_OK);
	assert_true(drv_negotiate(&t->dev.mmio, V1) & VIRTIO_STATUS_FEATURES_OK);
}

static void driver_features_are_frozen_by_features_ok(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	drv_negotiate(m, V1);
	mmio_wr(m, REG(driver_features_sel), 0);
	mmio_wr(m, REG(driver_features), 1u << FAKE_FEATURE);
	assert_false(virtio_mmio_has_feature(m, FAKE_FEATURE));
}

static void status_bits_accumulate_and_needs_reset_is_the_devices(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mmio_wr(m, REG(status), VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_wr(m, REG(status), VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_NEEDS_RESET | 0x30);
	assert_int_equal(mmio_rd(m, REG(status)), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_wr(m, REG(status), VIRTIO_STATUS_FAILED);
	assert_true(mmio_rd(m, REG(status)) & VIRTIO_STATUS_FAILED);
}

static void queue_registers_follow_queue_sel(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mmio_wr(m, REG(queue_sel), 1);
	assert_int_equal(mmio_rd(m, REG(queue_num_max)), FAKE_QSIZE);
	mmio_wr(m, REG(queue_sel), 2);
	assert_int_equal(mmio_rd(m, REG(queue_num_max)), 0); /* no queue 2 */
	mmio_wr(m, REG(queue_ready), 1);
	assert_int_equal(mmio_rd(m, REG(queue_ready)), 0);
	mt_start(t, V1);
	assert_non_null(virtio_mmio_queue(m, 0));
	assert_non_null(virtio_mmio_queue(m, 1));
	assert_null(virtio_mmio_queue(m, 2));
	assert_int_equal(m->queues[0].vq.size, 16);
	assert_int_equal(m->queues[1].vq.size, 8);
	assert_int_equal(m->queues[1].vq.used, t->q1.used);
	assert_int_equal(mmio_rd(m, REG(queue_reset)), 0);
}

static void queue_addresses_take_both_halves(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mmio_wr(m, REG(queue_sel), 0);
	mmio_wr(m, REG(queue_desc_high), 0x12);
	mmio_wr(m, REG(queue_desc_low), 0x3000);
	mmio_wr(m, REG(queue_driver_low), 0x4000);
	mmio_wr(m, REG(queue_driver_high), 0x56);
	mmio_wr(m, REG(queue_device_high), 0x78);
	mmio_wr(m, REG(queue_device_low), 0x5000);
	assert_int_equal(m->queues[0].desc, 0x1200003000ull);
	assert_int_equal(m->queues[0].driver, 0x5600004000ull);
	assert_int_equal(m->queues[0].device, 0x7800005000ull);
}

static void queue_registers_are_ignored_while_ready(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mt_start(t, V1);
	mmio_wr(m, REG(queue_sel), 0);
	mmio_wr(m, REG(queue_num), 4);
	mmio_wr(m, REG(queue_desc_low), 0x7000);
	assert_int_equal(m->queues[0].num, 16);
	assert_int_equal(m->queues[0].desc, t->q0.desc);
	/* Writing 0 stops the queue (and reads back 0); then it can be set again. */
	mmio_wr(m, REG(queue_ready), 0);
	assert_int_equal(mmio_rd(m, REG(queue_ready)), 0);
	assert_null(virtio_mmio_queue(m, 0));
	mmio_wr(m, REG(queue_num), 4);
	mmio_wr(m, REG(queue_ready), 1);
	assert_int_equal(m->queues[0].vq.size, 4);
}

static void notify_reaches_the_device_only_when_it_may_act(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	drv_negotiate(m, V1);
	drv_queue_setup(m, 0, &t->q0);
	drv_notify(m, 0); /* before DRIVER_OK */
	assert_int_equal(t->dev.notified[0], 0);
	drv_driver_ok(m);
	drv_notify(m, 0);
	drv_notify(m, 1); /* queue 1 not ready */
	drv_notify(m, 7); /* no such queue */
	drv_notify(m, 0x10000);
	assert_int_equal(t->dev.notified[0], 1);
	assert_int_equal(t->dev.notified[1], 0);
}

static void used_buffer_interrupt_is_level_triggered_until_acked(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	struct drv_buf b = { 0x80000, 4, 1 };
	struct virtq_seg seg[1];
	struct virtq_chain c = { .seg = seg, .max = 1 };

	mt_start(t, V1);
	drv_add(&t->q0, &b, 1);
	assert_int_equal(virtq_pop(virtio_mmio_queue(m, 0), &c, 0), 1);
	assert_int_equal(virtq_push(virtio_mmio_queue(m, 0), &c, 4), 0);
	virtio_mmio_signal_used(m, 0);
	assert_int_equal(t->r->irq_level, 1);
	assert_int_equal(t->r->irq_line, RIG_IRQ);
	assert_int_equal(mmio_rd(m, REG(interrupt_status)), VIRTIO_MMIO_INT_VRING);
	virtio_mmio_signal_used(m, 0); /* nothing new: no change */
	assert_int_equal(t->r->irq_calls, 1);
	mmio_wr(m, REG(interrupt_ack), VIRTIO_MMIO_INT_CONFIG); /* not the pending bit */
	assert_int_equal(t->r->irq_level, 1);
	assert_int_equal(drv_ack(m), VIRTIO_MMIO_INT_VRING);
	assert_int_equal(t->r->irq_level, 0);
	assert_int_equal(t->r->irq_calls, 2);
}

static void used_interrupt_respects_no_interrupt_flag(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	struct drv_buf b = { 0x80000, 4, 1 };
	struct virtq_seg seg[1];
	struct virtq_chain c = { .seg = seg, .max = 1 };

	mt_start(t, V1);
	drv_set_avail_flags(&t->q0, VIRTQ_AVAIL_F_NO_INTERRUPT);
	drv_add(&t->q0, &b, 1);
	assert_int_equal(virtq_pop(virtio_mmio_queue(m, 0), &c, 0), 1);
	assert_int_equal(virtq_push(virtio_mmio_queue(m, 0), &c, 4), 0);
	virtio_mmio_signal_used(m, 0);
	assert_int_equal(t->r->irq_calls, 0);
}

static void writing_zero_to_status_resets_everything(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mt_start(t, V1 | (1ull << VIRTIO_F_EVENT_IDX));
	virtio_mmio_config_changed(m);
	assert_int_equal(t->r->irq_level, 1);
	mmio_wr(m, REG(queue_sel), 1);
	mmio_wr(m, REG(status), 0);
	assert_int_equal(mmio_rd(m, REG(status)), 0);
	assert_int_equal(mmio_rd(m, REG(interrupt_status)), 0);
	assert_int_equal(t->r->irq_level, 0);
	assert_int_equal(t->dev.resets, 3); /* init, the driver's first write of 0, this one */
	for (unsigned int q = 0; q < 2; q++) {
		mmio_wr(m, REG(queue_sel), q);
		assert_int_equal(mmio_rd(m, REG(queue_ready)), 0);
		assert_false(virtq_enabled(&m->queues[q].vq));
	}
	assert_false(virtio_mmio_has_feature(m, VIRTIO_F_EVENT_IDX));
	assert_int_equal(m->driver_features, 0);
}

static void bad_queue_setup_sets_needs_reset(void **state)
{
	static const struct {
		uint32_t num;
		gpa_t desc;
	} bad[] = { { 12, 0x10000 },
		    { 32, 0x10000 },
		    { 0, 0x10000 },
		    { 16, 0x10008 },
		    { 16, RIG_RAM_SIZE - 0x80 } };
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		drv_negotiate(m, V1);
		mmio_wr(m, REG(queue_sel), 0);
		mmio_wr(m, REG(queue_num), bad[i].num);
		mmio_wr(m, REG(queue_desc_low), (uint32_t)bad[i].desc);
		mmio_wr(m, REG(queue_driver_low), 0x11000);
		mmio_wr(m, REG(queue_device_low), 0x12000);
		mmio_wr(m, REG(queue_ready), 1);
		assert_int_equal(mmio_rd(m, REG(queue_ready)), 0);
		assert_true(drv_needs_reset(m));
		assert_int_equal(t->r->irq_calls, 0); /* before DRIVER_OK: no interrupt */
	}
	assert_non_null(strstr(t->r->last_log, "queue 0: "));
	assert_non_null(strstr(t->r->last_log, "needs reset"));
	/* The driver goes on to DRIVER_OK: now it hears of the error. */
	mmio_wr(m, REG(status), mmio_rd(m, REG(status)) | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(mmio_rd(m, REG(interrupt_status)), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(t->r->irq_level, 1);
}

static void needs_reset_raises_a_config_interrupt_and_stops_the_queues(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mt_start(t, V1);
	virtio_mmio_needs_reset(m, 1, "test failure");
	assert_true(drv_needs_reset(m));
	assert_true(mmio_rd(m, REG(status)) & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(mmio_rd(m, REG(interrupt_status)), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(t->r->irq_level, 1);
	assert_string_equal(t->r->last_log, "queue 1: test failure; device needs reset");
	assert_null(virtio_mmio_queue(m, 0));
	drv_notify(m, 0);
	assert_int_equal(t->dev.notified[0], 0);
	/* A second error is not logged again; a reset brings the device back. */
	virtio_mmio_needs_reset(m, 0, "again");
	assert_int_equal(t->r->logs, 1);
	drvq_init(&t->q0, t->r, 0x10000, 16);
	drvq_init(&t->q1, t->r, 0x20000, 8);
	mt_start(t, V1);
	assert_false(drv_needs_reset(m));
	assert_int_equal(t->r->irq_level, 0);
	drv_notify(m, 0);
	assert_int_equal(t->dev.notified[0], 1);
}

static void config_space_takes_natural_accesses(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	uint64_t v;

	assert_int_equal(virtio_mmio_io_read(m, 0x100, 1, &v), 0);
	assert_int_equal(v, 0x01);
	assert_int_equal(virtio_mmio_io_read(m, 0x102, 2, &v), 0);
	assert_int_equal(v, 0x0403);
	assert_int_equal(virtio_mmio_io_read(m, 0x104, 4, &v), 0);
	assert_int_equal(v, 0x0605); /* bytes past the device's config read as 0 */
	assert_int_equal(virtio_mmio_io_read(m, 0x100, 8, &v), 0);
	assert_int_equal(v, 0x060504030201ull);
	assert_int_equal(virtio_mmio_io_read(m, 0x101, 2, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_read(m, 0x100, 3, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_write(m, 0x104, 2, 0xabcd), 0);
	assert_int_equal(t->dev.last_write_off, 4);
	assert_int_equal(t->dev.last_write_val, 0xabcd);
}

static void registers_take_only_aligned_32_bit_accesses(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	uint64_t v = 0x55;

	assert_int_equal(virtio_mmio_io_read(m, 0x000, 1, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_read(m, 0x000, 8, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_read(m, 0x002, 4, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_read(m, 0x200, 4, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_read(m, 0x1fc, 8, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_read(m, ~0ull, 1, &v), -EINVAL);
	assert_int_equal(virtio_mmio_io_write(m, 0x070, 1, 1), -EINVAL);
	assert_int_equal(virtio_mmio_io_write(m, 0x070, 2, 1), -EINVAL);
	assert_int_equal(v, 0x55);
	assert_int_equal(mmio_rd(m, REG(status)), 0);
}

static void unused_registers_read_zero_and_shared_memory_reads_minus_one(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	assert_int_equal(mmio_rd(m, 0x018), 0);
	assert_int_equal(mmio_rd(m, REG(queue_notify)), 0);
	assert_int_equal(mmio_rd(m, REG(shm_len_low)), 0xffffffff);
	assert_int_equal(mmio_rd(m, REG(shm_len_high)), 0xffffffff);
	assert_int_equal(mmio_rd(m, REG(shm_base_low)), 0xffffffff);
	mmio_wr(m, REG(magic), 0); /* read-only: dropped */
	mmio_wr(m, 0x0f0, 0);
	assert_int_equal(mmio_rd(m, REG(magic)), VIRTIO_MMIO_MAGIC);
}

static void config_change_bumps_the_generation(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;
	uint32_t gen = mmio_rd(m, REG(config_generation));

	virtio_mmio_config_changed(m); /* before DRIVER_OK: no interrupt */
	assert_int_equal(mmio_rd(m, REG(config_generation)), gen + 1);
	assert_int_equal(t->r->irq_calls, 0);
	mt_start(t, V1);
	virtio_mmio_config_changed(m);
	assert_int_equal(drv_ack(m), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(t->r->irq_level, 0);
}

static void queue_enable_uses_the_negotiated_features(void **state)
{
	struct mt *t = *state;
	struct virtio_mmio *m = &t->dev.mmio;

	mt_start(t, V1 | (1ull << VIRTIO_F_INDIRECT_DESC));
	assert_true(m->queues[0].vq.indirect);
	assert_false(m->queues[0].vq.event_idx);
}

#define T(f) cmocka_unit_test_setup_teardown(f, mt_setup, mt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(identity_registers_read_as_the_spec_says),
		T(device_features_offer_version_1_indirect_and_event_idx),
		T(accepted_subset_with_version_1_keeps_features_ok),
		T(driver_without_version_1_is_refused),
		T(features_not_offered_are_refused),
		T(driver_features_are_frozen_by_features_ok),
		T(status_bits_accumulate_and_needs_reset_is_the_devices),
		T(queue_registers_follow_queue_sel),
		T(queue_addresses_take_both_halves),
		T(queue_registers_are_ignored_while_ready),
		T(notify_reaches_the_device_only_when_it_may_act),
		T(used_buffer_interrupt_is_level_triggered_until_acked),
		T(used_interrupt_respects_no_interrupt_flag),
		T(writing_zero_to_status_resets_everything),
		T(bad_queue_setup_sets_needs_reset),
		T(needs_reset_raises_a_config_interrupt_and_stops_the_queues),
		T(config_space_takes_natural_accesses),
		T(registers_take_only_aligned_32_bit_accesses),
		T(unused_registers_read_zero_and_shared_memory_reads_minus_one),
		T(config_change_bumps_the_generation),
		T(queue_enable_uses_the_negotiated_features),
	};

	return cmocka_run_group_tests_name("test_virtio_mmio", tests, NULL, NULL);
}
