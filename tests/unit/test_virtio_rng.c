/*
 * tests/unit/test_virtio_rng.c: drivers/virtio_rng.c with a fake entropy
 * source, driven by a test driver through virtio-mmio: buffers filled from
 * the source, partial fills, requests waiting for entropy, and bad chains.
 */
#include "drivers/virtio_rng.h"
#include "tests/unit/test_virtio_rig.h"

#define V1 (1ull << VIRTIO_F_VERSION_1)
#define BUF 0x40000

struct source {
	struct dm_entropy e;
	uint8_t next;	  /* bytes given count up from here */
	size_t available; /* bytes the source can still give */
	int calls;
};

struct rt {
	struct rig *r;
	struct source src;
	struct virtio_rng rng;
	struct drvq q;
};

static size_t src_fill(void *ctx, void *buf, size_t len)
{
	struct source *s = ctx;
	uint8_t *p = buf;

	s->calls++;
	if (len > s->available)
		len = s->available;
	for (size_t i = 0; i < len; i++)
		p[i] = s->next++;
	s->available -= len;
	return len;
}

static int rt_setup(void **state)
{
	struct rt *t = test_calloc(1, sizeof(*t));
	struct drvq *qs[] = { &t->q };

	t->r = rig_new();
	t->src = (struct source){ .e = { .ctx = &t->src, .fill = src_fill },
				  .next = 1,
				  .available = 1 << 20 };
	assert_int_equal(virtio_rng_init(&t->rng, &t->r->env, &t->src.e, RIG_IRQ), 0);
	drvq_init(&t->q, t->r, 0x10000, 16);
	drv_start(&t->rng.mmio, V1, qs, 1);
	*state = t;
	return 0;
}

static int rt_teardown(void **state)
{
	struct rt *t = *state;

	rig_free(t->r);
	test_free(t);
	return 0;
}

static void request(struct rt *t, gpa_t gpa, uint32_t len)
{
	struct drv_buf b = { gpa, len, 1 };

	memset(t->r->ram + gpa, 0, len);
	drv_add(&t->q, &b, 1);
	drv_notify(&t->rng.mmio, 0);
}

static void rng_is_device_4_without_config(void **state)
{
	struct rt *t = *state;
	uint64_t v;

	assert_int_equal(mmio_rd(&t->rng.mmio, REG(device_id)), 4);
	assert_int_equal(virtio_mmio_io_read(&t->rng.mmio, 0x100, 4, &v), -EINVAL);
}

static void request_is_filled_from_the_source(void **state)
{
	struct rt *t = *state;
	uint32_t id, len;

	request(t, BUF, 64);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(len, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(t->r->ram[BUF + i], (uint8_t)(1 + i));
	assert_int_equal(t->r->irq_level, 1);
}

static void chained_buffers_are_filled_in_order(void **state)
{
	struct rt *t = *state;
	struct drv_buf b[] = { { BUF, 10, 1 }, { BUF + 0x100, 300, 1 } };
	uint32_t id, len;

	drv_add(&t->q, b, 2);
	drv_notify(&t->rng.mmio, 0);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(len, 310);
	assert_int_equal(t->r->ram[BUF + 9], 10);
	assert_int_equal(t->r->ram[BUF + 0x100], 11);
	assert_int_equal(t->r->ram[BUF + 0x100 + 299], (uint8_t)310);
}

static void large_request_gets_at_most_the_cap(void **state)
{
	struct rt *t = *state;
	uint32_t id, len;

	request(t, BUF, 3 * VIRTIO_RNG_REQUEST_MAX);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(len, VIRTIO_RNG_REQUEST_MAX);
}

static void short_source_gives_a_partial_fill(void **state)
{
	struct rt *t = *state;
	uint32_t id, len;

	t->src.available = 20;
	request(t, BUF, 64);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(len, 20);
	assert_int_equal(t->r->ram[BUF + 20], 0);
}

static void empty_source_makes_the_request_wait_for_poll(void **state)
{
	struct rt *t = *state;
	uint32_t id, len;

	t->src.available = 0;
	request(t, BUF, 32);
	assert_int_equal(drv_used_idx(&t->q), 0);
	virtio_rng_poll(&t->rng);
	assert_int_equal(drv_used_idx(&t->q), 0);
	t->src.available = 100;
	virtio_rng_poll(&t->rng);
	assert_int_equal(drv_used(&t->q, &id, &len), 1);
	assert_int_equal(len, 32);
	assert_false(drv_needs_reset(&t->rng.mmio));
}

static void readable_buffer_needs_reset(void **state)
{
	struct rt *t = *state;
	struct drv_buf b = { BUF, 16, 0 };

	drv_add(&t->q, &b, 1);
	drv_notify(&t->rng.mmio, 0);
	assert_true(drv_needs_reset(&t->rng.mmio));
	assert_int_equal(t->src.calls, 0);
	assert_int_equal(drv_ack(&t->rng.mmio), VIRTIO_MMIO_INT_CONFIG);
}

static void buffer_outside_guest_ram_needs_reset(void **state)
{
	struct rt *t = *state;
	struct drv_buf b = { RIG_RAM_SIZE - 8, 16, 1 };

	drv_add(&t->q, &b, 1);
	drv_notify(&t->rng.mmio, 0);
	assert_true(drv_needs_reset(&t->rng.mmio));
	assert_int_equal(t->src.calls, 0);
}

static void init_refuses_a_missing_source(void **state)
{
	struct rt *t = *state;
	struct dm_entropy none = { 0 };

	assert_int_equal(virtio_rng_init(&t->rng, &t->r->env, NULL, RIG_IRQ), -EINVAL);
	assert_int_equal(virtio_rng_init(&t->rng, &t->r->env, &none, RIG_IRQ), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, rt_setup, rt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rng_is_device_4_without_config),
		T(request_is_filled_from_the_source),
		T(chained_buffers_are_filled_in_order),
		T(large_request_gets_at_most_the_cap),
		T(short_source_gives_a_partial_fill),
		T(empty_source_makes_the_request_wait_for_poll),
		T(readable_buffer_needs_reset),
		T(buffer_outside_guest_ram_needs_reset),
		T(init_refuses_a_missing_source),
	};

	return cmocka_run_group_tests_name("test_virtio_rng", tests, NULL, NULL);
}
