/*
 * tests/unit/test_virtio_console.c: drivers/virtio_console.c with a fake
 * byte stream, driven by a test driver through virtio-mmio: output from the
 * transmit queue, input into the receive queue (waiting for buffers, split
 * over them), and the chains and states in which the device must not act.
 */
#include "drivers/virtio_console.h"
#include "tests/unit/test_virtio_rig.h"

#define V1 (1ull << VIRTIO_F_VERSION_1)
#define TXBUF 0x40000
#define RXBUF 0x50000

struct stream {
	struct dm_stream s;
	uint8_t out[8192];
	size_t out_len;
	size_t out_limit; /* the stream takes at most this many bytes in all */
	uint8_t in[1024];
	size_t in_head, in_len;
	int reads;
};

struct ct {
	struct rig *r;
	struct stream st;
	struct virtio_console con;
	struct drvq rxq, txq;
};

static size_t st_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct stream *s = ctx;
	size_t room = s->out_limit - s->out_len;

	if (len > room)
		len = room;
	memcpy(s->out + s->out_len, buf, len);
	s->out_len += len;
	return len;
}

static size_t st_read(void *ctx, uint8_t *buf, size_t len)
{
	struct stream *s = ctx;
	size_t n = s->in_len - s->in_head;

	s->reads++;
	if (n > len)
		n = len;
	memcpy(buf, s->in + s->in_head, n);
	s->in_head += n;
	return n;
}

static void type(struct ct *t, const char *text)
{
	size_t n = strlen(text);

	memcpy(t->st.in + t->st.in_len, text, n);
	t->st.in_len += n;
}

/* The driver (re)starts the device with fresh rings: a reset first. */
static void ct_restart(struct ct *t)
{
	struct drvq *qs[] = { &t->rxq, &t->txq };

	drvq_init(&t->rxq, t->r, 0x10000, 16);
	drvq_init(&t->txq, t->r, 0x20000, 16);
	drv_start(&t->con.mmio, V1, qs, 2);
}

static void ct_init(struct ct *t, const struct dm_stream *s)
{
	assert_int_equal(virtio_console_init(&t->con, &t->r->env, s, RIG_IRQ), 0);
	ct_restart(t);
}

static int ct_setup(void **state)
{
	struct ct *t = test_calloc(1, sizeof(*t));

	t->r = rig_new();
	t->st.s = (struct dm_stream){ .ctx = &t->st, .write = st_write, .read = st_read };
	t->st.out_limit = sizeof(t->st.out);
	ct_init(t, &t->st.s);
	*state = t;
	return 0;
}

static int ct_teardown(void **state)
{
	struct ct *t = *state;

	rig_free(t->r);
	test_free(t);
	return 0;
}

static void write_text(struct ct *t, const char *text)
{
	struct drv_buf b = { TXBUF, (uint32_t)strlen(text), 0 };

	memcpy(t->r->ram + TXBUF, text, b.len);
	drv_add(&t->txq, &b, 1);
	drv_notify(&t->con.mmio, VIRTIO_CONSOLE_TXQ);
}

static void post_rx(struct ct *t, gpa_t gpa, uint32_t len)
{
	struct drv_buf b = { gpa, len, 1 };

	drv_add(&t->rxq, &b, 1);
	drv_notify(&t->con.mmio, VIRTIO_CONSOLE_RXQ);
}

static void console_is_device_3_without_features(void **state)
{
	struct ct *t = *state;
	uint64_t v;

	assert_int_equal(mmio_rd(&t->con.mmio, REG(device_id)), 3);
	assert_int_equal(drv_device_features(&t->con.mmio),
			 V1 | (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX));
	assert_int_equal(virtio_mmio_io_read(&t->con.mmio, 0x104, 4, &v), 0);
	assert_int_equal(v, 0);
}

static void output_reaches_the_stream(void **state)
{
	struct ct *t = *state;
	uint32_t id, len;

	write_text(t, "hello, ");
	write_text(t, "world\n");
	assert_int_equal(t->st.out_len, 13);
	assert_memory_equal(t->st.out, "hello, world\n", 13);
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(t->r->irq_level, 1);
}

static void long_output_split_over_buffers_arrives_in_order(void **state)
{
	struct ct *t = *state;
	struct drv_buf b[] = { { TXBUF, 300, 0 }, { TXBUF + 0x1000, 700, 0 } };

	for (int i = 0; i < 300; i++)
		t->r->ram[TXBUF + i] = (uint8_t)i;
	for (int i = 0; i < 700; i++)
		t->r->ram[TXBUF + 0x1000 + i] = (uint8_t)(300 + i);
	drv_add(&t->txq, b, 2);
	drv_notify(&t->con.mmio, VIRTIO_CONSOLE_TXQ);
	assert_int_equal(t->st.out_len, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(t->st.out[i], (uint8_t)i);
}

static void output_the_stream_refuses_is_dropped(void **state)
{
	struct ct *t = *state;
	uint32_t id, len;

	t->st.out_limit = 4;
	write_text(t, "truncated");
	assert_int_equal(t->st.out_len, 4);
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
}

static void input_fills_a_receive_buffer(void **state)
{
	struct ct *t = *state;
	uint32_t id, len;

	post_rx(t, RXBUF, 64);
	type(t, "ls -l\r");
	virtio_console_poll(&t->con);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(t->r->ram + RXBUF, "ls -l\r", 6);
	assert_int_equal(t->r->irq_level, 1);
}

static void input_waits_for_a_buffer_and_is_split_over_small_ones(void **state)
{
	struct ct *t = *state;
	uint32_t id, len;

	type(t, "abcdefgh");
	virtio_console_poll(&t->con);
	assert_int_equal(t->st.in_head, 8); /* taken from the stream, held by the device */
	assert_int_equal(drv_used_idx(&t->rxq), 0);
	post_rx(t, RXBUF, 3);
	post_rx(t, RXBUF + 0x100, 3);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_int_equal(len, 3);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_memory_equal(t->r->ram + RXBUF, "abc", 3);
	assert_memory_equal(t->r->ram + RXBUF + 0x100, "def", 3);
	post_rx(t, RXBUF + 0x200, 16);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(t->r->ram + RXBUF + 0x200, "gh", 2);
}

static void no_input_is_read_before_driver_ok(void **state)
{
	struct ct *t = *state;

	assert_int_equal(virtio_console_init(&t->con, &t->r->env, &t->st.s, RIG_IRQ), 0);
	type(t, "early");
	virtio_console_poll(&t->con);
	assert_int_equal(t->st.reads, 0);
}

static void null_stream_drops_output_and_gives_no_input(void **state)
{
	struct ct *t = *state;
	uint32_t id, len;

	ct_init(t, NULL);
	write_text(t, "lost");
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
	post_rx(t, RXBUF, 16);
	virtio_console_poll(&t->con);
	assert_int_equal(drv_used_idx(&t->rxq), 0);
}

static void writable_buffer_in_the_transmit_queue_needs_reset(void **state)
{
	struct ct *t = *state;
	struct drv_buf b = { TXBUF, 16, 1 };

	drv_add(&t->txq, &b, 1);
	drv_notify(&t->con.mmio, VIRTIO_CONSOLE_TXQ);
	assert_true(drv_needs_reset(&t->con.mmio));
	assert_int_equal(t->st.out_len, 0);
}

static void readable_buffer_in_the_receive_queue_needs_reset(void **state)
{
	struct ct *t = *state;
	struct drv_buf b = { RXBUF, 16, 0 };

	type(t, "x");
	drv_add(&t->rxq, &b, 1);
	virtio_console_poll(&t->con);
	assert_true(drv_needs_reset(&t->con.mmio));
	assert_int_equal(t->r->ram[RXBUF], 0);
}

static void transmit_loop_needs_reset(void **state)
{
	struct ct *t = *state;

	drv_desc(&t->txq, 0, TXBUF, 4, VIRTQ_DESC_F_NEXT, 0);
	drv_publish(&t->txq, 0);
	drv_notify(&t->con.mmio, VIRTIO_CONSOLE_TXQ);
	assert_true(drv_needs_reset(&t->con.mmio));
	assert_int_equal(t->st.out_len, 0);
}

static void input_survives_a_reset(void **state)
{
	struct ct *t = *state;
	uint32_t id, len;

	type(t, "kept");
	virtio_console_poll(&t->con);
	ct_restart(t);
	post_rx(t, RXBUF, 16);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_memory_equal(t->r->ram + RXBUF, "kept", 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ct_setup, ct_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(console_is_device_3_without_features),
		T(output_reaches_the_stream),
		T(long_output_split_over_buffers_arrives_in_order),
		T(output_the_stream_refuses_is_dropped),
		T(input_fills_a_receive_buffer),
		T(input_waits_for_a_buffer_and_is_split_over_small_ones),
		T(no_input_is_read_before_driver_ok),
		T(null_stream_drops_output_and_gives_no_input),
		T(writable_buffer_in_the_transmit_queue_needs_reset),
		T(readable_buffer_in_the_receive_queue_needs_reset),
		T(transmit_loop_needs_reset),
		T(input_survives_a_reset),
	};

	return cmocka_run_group_tests_name("test_virtio_console", tests, NULL, NULL);
}
