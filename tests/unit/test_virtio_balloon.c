/*
 * tests/unit/test_virtio_balloon.c: drivers/virtio_balloon.c (virtio 1.2
 * §5.5) with a recording backend, driven by a test driver through
 * virtio-mmio: the target and actual in the configuration space, inflate and
 * deflate runs reaching the backend, hostile PFNs and requests, the stats queue,
 * free page reporting, how the queues after deflateq are numbered, and the
 * line that says how long the driver took to reach a target.
 */
#include "drivers/virtio_balloon.h"
#include "tests/unit/test_virtio_rig.h"

#define V1 (1ull << VIRTIO_F_VERSION_1)
#define STATS (1ull << VIRTIO_BALLOON_F_STATS_VQ)
#define REPORT (1ull << VIRTIO_BALLOON_F_REPORTING)
#define BUF 0x40000
#define CALLS_MAX 16

struct call {
	int release;
	gpa_t gpa;
	uint64_t len;
};

struct bt {
	struct rig *r;
	struct dm_balloon be;
	struct virtio_balloon b;
	struct drvq q[4];
	struct call calls[CALLS_MAX];
	int ncalls;
	int fail;
};

static int be_record(struct bt *t, int release, gpa_t gpa, uint64_t len)
{
	if (t->ncalls < CALLS_MAX)
		t->calls[t->ncalls] = (struct call){ release, gpa, len };
	t->ncalls++;
	return t->fail ? -EIO : 0;
}

static int be_release(void *ctx, gpa_t gpa, uint64_t len)
{
	return be_record(ctx, 1, gpa, len);
}

static int be_reclaim(void *ctx, gpa_t gpa, uint64_t len)
{
	return be_record(ctx, 0, gpa, len);
}

static int bt_setup(void **state)
{
	struct bt *t = test_calloc(1, sizeof(*t));
	struct drvq *qs[] = { &t->q[0], &t->q[1], &t->q[2], &t->q[3] };

	t->r = rig_new();
	t->be = (struct dm_balloon){ t, be_release, be_reclaim };
	assert_int_equal(virtio_balloon_init(&t->b, &t->r->env, &t->be, RIG_IRQ, 1), 0);
	for (int i = 0; i < 4; i++)
		drvq_init(&t->q[i], t->r, 0x10000 + 0x4000 * i, 16);
	drv_start(&t->b.mmio, V1 | STATS | REPORT, qs, 4);
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

static uint32_t cfg_rd(struct bt *t, uint64_t off)
{
	return mmio_rd(&t->b.mmio, VIRTIO_MMIO_CONFIG + off);
}

/* The driver sends n PFNs through queue q, as Linux's tell_host does. */
static void send_pfns(struct bt *t, unsigned int q, const uint32_t *pfn, unsigned int n)
{
	struct drv_buf b = { BUF, 4 * n, 0 };

	memcpy(t->r->ram + BUF, pfn, 4 * n);
	drv_add(&t->q[q], &b, 1);
	drv_notify(&t->b.mmio, q);
}

static void balloon_is_device_5_offering_stats(void **state)
{
	struct bt *t = *state;

	assert_int_equal(mmio_rd(&t->b.mmio, REG(device_id)), VIRTIO_ID_BALLOON);
	assert_int_equal(drv_device_features(&t->b.mmio), V1 | STATS | REPORT |
								  (1ull << VIRTIO_F_INDIRECT_DESC) |
								  (1ull << VIRTIO_F_EVENT_IDX));
	mmio_wr(&t->b.mmio, REG(queue_sel), 2);
	assert_int_equal(mmio_rd(&t->b.mmio, REG(queue_num_max)), VIRTIO_BALLOON_QUEUE_SIZE);
}

static void target_shows_in_num_pages_with_a_config_interrupt(void **state)
{
	struct bt *t = *state;
	uint32_t gen = mmio_rd(&t->b.mmio, REG(config_generation));

	virtio_balloon_set_target(&t->b, 100);
	assert_int_equal(cfg_rd(t, 0), 100);
	assert_int_equal(drv_ack(&t->b.mmio), VIRTIO_MMIO_INT_CONFIG);
	assert_int_not_equal(mmio_rd(&t->b.mmio, REG(config_generation)), gen);
}

static void target_is_capped_at_guest_ram(void **state)
{
	struct bt *t = *state;

	virtio_balloon_set_target(&t->b, 1ull << 40);
	assert_int_equal(cfg_rd(t, 0), RIG_RAM_SIZE / 4096);
}

static void driver_writes_actual_and_nothing_else(void **state)
{
	struct bt *t = *state;

	mmio_wr(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 42);
	assert_int_equal(cfg_rd(t, 4), 42);
	assert_int_equal(virtio_balloon_actual(&t->b), 42);
	assert_int_equal(virtio_mmio_io_write(&t->b.mmio, VIRTIO_MMIO_CONFIG, 4, 7), -EINVAL);
	assert_int_equal(virtio_mmio_io_write(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 2, 7), -EINVAL);
	assert_int_equal(cfg_rd(t, 0), 0);
	assert_int_equal(cfg_rd(t, 4), 42);
}

static void inflate_releases_contiguous_pages_as_runs(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[] = { 10, 11, 12, 40, 41, 5 };
	uint32_t id, len;

	send_pfns(t, VIRTIO_BALLOON_Q_INFLATE, pfn, 6);
	assert_int_equal(t->ncalls, 3);
	assert_true(t->calls[0].release && t->calls[0].gpa == 10 * 4096 &&
		    t->calls[0].len == 3 * 4096);
	assert_true(t->calls[1].gpa == 40 * 4096 && t->calls[1].len == 2 * 4096);
	assert_true(t->calls[2].gpa == 5 * 4096 && t->calls[2].len == 4096);
	assert_int_equal(t->b.count.released, 6);
	assert_int_equal(drv_used(&t->q[0], &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(drv_ack(&t->b.mmio), VIRTIO_MMIO_INT_VRING);
}

static void deflate_reclaims(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[] = { 7, 8 };
	uint32_t id, len;

	send_pfns(t, VIRTIO_BALLOON_Q_DEFLATE, pfn, 2);
	assert_int_equal(t->ncalls, 1);
	assert_true(!t->calls[0].release && t->calls[0].gpa == 7 * 4096 &&
		    t->calls[0].len == 2 * 4096);
	assert_int_equal(t->b.count.reclaimed, 2);
	assert_int_equal(drv_used(&t->q[1], &id, &len), 1);
}

static void deflate_without_reclaim_just_counts(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[] = { 7 };

	t->be.reclaim = NULL;
	send_pfns(t, VIRTIO_BALLOON_Q_DEFLATE, pfn, 1);
	assert_int_equal(t->ncalls, 0);
	assert_int_equal(t->b.count.reclaimed, 1);
}

static void pfns_outside_ram_are_refused_and_the_rest_served(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[] = { RIG_RAM_SIZE / 4096, 3, 0xffffffffu, RIG_RAM_SIZE / 4096 - 1 };
	uint32_t id, len;

	send_pfns(t, VIRTIO_BALLOON_Q_INFLATE, pfn, 4);
	assert_int_equal(t->b.count.refused, 2);
	assert_int_equal(t->b.count.released, 2);
	assert_int_equal(t->ncalls, 2);
	assert_int_equal(t->calls[1].gpa, RIG_RAM_SIZE - 4096);
	assert_int_equal(drv_used(&t->q[0], &id, &len), 1);
	assert_false(drv_needs_reset(&t->b.mmio));
}

static void backend_failure_is_counted_not_told(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[] = { 1, 2 };
	uint32_t id, len;

	t->fail = 1;
	send_pfns(t, VIRTIO_BALLOON_Q_INFLATE, pfn, 2);
	assert_int_equal(t->b.count.failed, 2);
	assert_int_equal(t->b.count.released, 0);
	assert_int_equal(drv_used(&t->q[0], &id, &len), 1);
	assert_false(drv_needs_reset(&t->b.mmio));
}

static void many_pfns_are_read_in_batches(void **state)
{
	struct bt *t = *state;
	static uint32_t pfn[600];
	uint32_t id, len;

	for (unsigned int i = 0; i < 600; i++) /* three runs of 200; the reads split at 256 */
		pfn[i] = 16 + i % 200;
	send_pfns(t, VIRTIO_BALLOON_Q_INFLATE, pfn, 600);
	assert_int_equal(t->ncalls, 3);
	assert_int_equal(t->calls[1].gpa, 16 * 4096);
	assert_int_equal(t->calls[1].len, 200 * 4096);
	assert_int_equal(t->b.count.released, 600);
	assert_int_equal(drv_used(&t->q[0], &id, &len), 1);
}

static void oversized_request_needs_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b = { BUF, VIRTIO_BALLOON_REQUEST_MAX + 4, 0 };

	drv_add(&t->q[0], &b, 1);
	drv_notify(&t->b.mmio, 0);
	assert_true(drv_needs_reset(&t->b.mmio));
	assert_int_equal(t->ncalls, 0);
	assert_true(strstr(t->r->last_log, "over 64 KiB") != NULL);
}

static void writable_buffer_needs_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b = { BUF, 8, 1 };

	drv_add(&t->q[1], &b, 1);
	drv_notify(&t->b.mmio, 1);
	assert_true(drv_needs_reset(&t->b.mmio));
	assert_int_equal(t->ncalls, 0);
}

static void put_stat(struct bt *t, gpa_t gpa, uint16_t tag, uint64_t val)
{
	wr16(t->r, gpa, tag);
	memcpy(t->r->ram + gpa + 2, &val, 8);
}

static void stats_buffer_is_read_held_and_given_back_on_request(void **state)
{
	struct bt *t = *state;
	struct drv_buf b = { BUF, 3 * VIRTIO_BALLOON_STAT_SIZE, 0 };
	uint64_t v;
	uint32_t id, len;

	put_stat(t, BUF, VIRTIO_BALLOON_S_AVAIL, 123456789);
	put_stat(t, BUF + 10, 99, 5); /* an unknown tag: skipped */
	put_stat(t, BUF + 20, 0, 7);
	drv_add(&t->q[2], &b, 1);
	drv_notify(&t->b.mmio, 2);
	assert_int_equal(virtio_balloon_stat(&t->b, VIRTIO_BALLOON_S_AVAIL, &v), 0);
	assert_int_equal(v, 123456789);
	assert_int_equal(virtio_balloon_stat(&t->b, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(virtio_balloon_stat(&t->b, 1, &v), -ENOENT);
	assert_int_equal(drv_used_idx(&t->q[2]), 0);
	assert_int_equal(virtio_balloon_request_stats(&t->b), 0);
	assert_int_equal(drv_used(&t->q[2], &id, &len), 1);
	assert_int_equal(virtio_balloon_request_stats(&t->b), -ENOENT);
}

static void reported_free_ranges_are_released_in_whole_pages(void **state)
{
	struct bt *t = *state;
	struct drv_buf b[] = { { 0x80000, 0x4000, 1 }, { 0x90800, 0x2000, 1 } };
	uint32_t id, len;

	drv_add(&t->q[3], b, 2);
	drv_notify(&t->b.mmio, 3);
	assert_int_equal(t->ncalls, 2);
	assert_true(t->calls[0].release && t->calls[0].gpa == 0x80000 && t->calls[0].len == 0x4000);
	assert_true(t->calls[1].gpa == 0x91000 && t->calls[1].len == 0x1000); /* inside only */
	assert_int_equal(t->b.count.reported, 5);
	assert_int_equal(t->b.count.released, 0);
	assert_int_equal(drv_used(&t->q[3], &id, &len), 1);
	assert_int_equal(len, 0);
}

static void readable_report_buffer_needs_reset(void **state)
{
	struct bt *t = *state;
	struct drv_buf b = { 0x80000, 0x1000, 0 };

	drv_add(&t->q[3], &b, 1);
	drv_notify(&t->b.mmio, 3);
	assert_true(drv_needs_reset(&t->b.mmio));
	assert_int_equal(t->ncalls, 0);
}

static void without_stats_the_reporting_queue_is_2(void **state)
{
	struct bt *t = *state;
	struct drvq *qs[] = { &t->q[0], &t->q[1], &t->q[3] };
	struct drv_buf b = { 0x80000, 0x1000, 1 };

	drvq_init(&t->q[3], t->r, 0x1c000, 16);
	drv_start(&t->b.mmio, V1 | REPORT, qs, 3);
	drv_add(&t->q[3], &b, 1);
	drv_notify(&t->b.mmio, 2);
	assert_int_equal(t->b.count.reported, 1);
	assert_false(drv_needs_reset(&t->b.mmio));
	assert_int_equal(virtio_balloon_request_stats(&t->b), -ENOENT);
}

static void reporting_is_offered_only_when_asked(void **state)
{
	struct bt *t = *state;

	assert_int_equal(virtio_balloon_init(&t->b, &t->r->env, &t->be, RIG_IRQ, 0), 0);
	assert_false(drv_device_features(&t->b.mmio) & REPORT);
}

static void reset_clears_actual_and_keeps_the_target(void **state)
{
	struct bt *t = *state;

	virtio_balloon_set_target(&t->b, 50);
	mmio_wr(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 50);
	mmio_wr(&t->b.mmio, REG(status), 0);
	assert_int_equal(cfg_rd(t, 4), 0);
	assert_int_equal(cfg_rd(t, 0), 50);
}

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

/* The driver reaching a target the host moved gives one line with how long it took;
 * the same target set again (already reached) gives none. */
static void reaching_the_target_is_logged_with_its_time(void **state)
{
	struct bt *t = *state;
	int logs = t->r->logs;

	t->r->env.clock_ns = fake_clock;
	fake_now = 1000000000;
	virtio_balloon_set_target(&t->b, 128);
	drv_ack(&t->b.mmio);
	mmio_wr(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 64);
	assert_int_equal(t->r->logs, logs);
	fake_now += 250000000;
	mmio_wr(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 128);
	assert_int_equal(t->r->logs, logs + 1);
	assert_string_equal(t->r->last_log,
			    "balloon at its target of 128 pages (0 MiB), 250 ms after it was set");
	mmio_wr(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 128);
	virtio_balloon_set_target(&t->b, 128);
	mmio_wr(&t->b.mmio, VIRTIO_MMIO_CONFIG + 4, 128);
	assert_int_equal(t->r->logs, logs + 1);
}

static void init_refuses_a_missing_backend(void **state)
{
	struct bt *t = *state;
	struct dm_balloon none = { 0 };

	assert_int_equal(virtio_balloon_init(&t->b, &t->r->env, NULL, RIG_IRQ, 0), -EINVAL);
	assert_int_equal(virtio_balloon_init(&t->b, &t->r->env, &none, RIG_IRQ, 0), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, bt_setup, bt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(balloon_is_device_5_offering_stats),
		T(target_shows_in_num_pages_with_a_config_interrupt),
		T(target_is_capped_at_guest_ram),
		T(driver_writes_actual_and_nothing_else),
		T(inflate_releases_contiguous_pages_as_runs),
		T(deflate_reclaims),
		T(deflate_without_reclaim_just_counts),
		T(pfns_outside_ram_are_refused_and_the_rest_served),
		T(backend_failure_is_counted_not_told),
		T(many_pfns_are_read_in_batches),
		T(oversized_request_needs_reset),
		T(writable_buffer_needs_reset),
		T(stats_buffer_is_read_held_and_given_back_on_request),
		T(reported_free_ranges_are_released_in_whole_pages),
		T(readable_report_buffer_needs_reset),
		T(without_stats_the_reporting_queue_is_2),
		T(reporting_is_offered_only_when_asked),
		T(reset_clears_actual_and_keeps_the_target),
		T(reaching_the_target_is_logged_with_its_time),
		T(init_refuses_a_missing_backend),
	};

	return cmocka_run_group_tests_name("test_virtio_balloon", tests, NULL, NULL);
}
