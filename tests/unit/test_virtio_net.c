/*
 * tests/unit/test_virtio_net.c: drivers/virtio_net.c with a fake packet port,
 * driven by a test driver through virtio-mmio: the MAC in the configuration
 * space, frames sent from the transmit queue without their header, frames
 * received into the receive queue behind a header, waiting for buffers, and
 * the malformed chains and resets a driver can throw at it.
 */
#include "drivers/virtio_net.h"
#include "tests/unit/test_virtio_rig.h"

#define V1 (1ull << VIRTIO_F_VERSION_1)
#define HDR_LEN 12
#define TXBUF 0x40000
#define RXBUF 0x50000
#define FRAMES 200

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct port {
	struct dm_packet pkt;
	uint8_t in[FRAMES][2048];
	size_t in_len[FRAMES];
	int in_head, in_count;
	uint8_t sent[8][2048];
	size_t sent_len[8];
	int sent_count;
	int recv_calls;
	int send_fails;
};

struct nt {
	struct rig *r;
	struct port port;
	struct virtio_net net;
	struct drvq rxq, txq;
};

static int port_send(void *ctx, const void *frame, size_t len)
{
	struct port *p = ctx;

	assert_true(len <= sizeof(p->sent[0]) && p->sent_count < 8);
	memcpy(p->sent[p->sent_count], frame, len);
	p->sent_len[p->sent_count++] = len;
	return p->send_fails ? -EIO : 0;
}

static long port_recv(void *ctx, void *buf, size_t size)
{
	struct port *p = ctx;
	size_t len;

	p->recv_calls++;
	if (p->in_head == p->in_count)
		return 0;
	len = p->in_len[p->in_head];
	assert_true(len <= size);
	memcpy(buf, p->in[p->in_head++], len);
	return (long)len;
}

/* A frame from the outside: bytes seed, seed + 1, ... */
static void feed(struct nt *t, size_t len, uint8_t seed)
{
	struct port *p = &t->port;

	for (size_t i = 0; i < len; i++)
		p->in[p->in_count][i] = (uint8_t)(seed + i);
	p->in_len[p->in_count++] = len;
}

static void nt_init(struct nt *t, const uint8_t *mac)
{
	t->port.pkt = (struct dm_packet){ .ctx = &t->port, .send = port_send, .recv = port_recv };
	assert_int_equal(virtio_net_init(&t->net, &t->r->env, &t->port.pkt, mac, RIG_IRQ), 0);
	drvq_init(&t->rxq, t->r, 0x10000, 16);
	drvq_init(&t->txq, t->r, 0x20000, 16);
}

static void nt_start(struct nt *t, uint64_t features)
{
	struct drvq *qs[] = { &t->rxq, &t->txq };

	drv_start(&t->net.mmio, features, qs, 2);
}

static int nt_setup(void **state)
{
	struct nt *t = test_calloc(1, sizeof(*t));

	t->r = rig_new();
	nt_init(t, test_mac);
	nt_start(t, V1 | (1ull << VIRTIO_NET_F_MAC));
	*state = t;
	return 0;
}

static int nt_teardown(void **state)
{
	struct nt *t = *state;

	rig_free(t->r);
	test_free(t);
	return 0;
}

/* A transmit chain: a zero header, then a frame of len bytes seed, seed + 1, ... */
static void send_frame(struct nt *t, size_t len, uint8_t seed)
{
	struct drv_buf b[] = { { TXBUF, HDR_LEN, 0 }, { TXBUF + 64, (uint32_t)len, 0 } };

	memset(t->r->ram + TXBUF, 0, HDR_LEN);
	for (size_t i = 0; i < len; i++)
		t->r->ram[TXBUF + 64 + i] = (uint8_t)(seed + i);
	drv_add(&t->txq, b, 2);
	drv_notify(&t->net.mmio, VIRTIO_NET_TXQ);
}

static void post_rx(struct nt *t, gpa_t gpa, uint32_t len)
{
	struct drv_buf b = { gpa, len, 1 };

	memset(t->r->ram + gpa, 0xee, len);
	drv_add(&t->rxq, &b, 1);
}

static void check_received(struct nt *t, gpa_t gpa, size_t len, uint8_t seed)
{
	static const uint8_t hdr[HDR_LEN] = { [10] = 1 }; /* num_buffers 1 */

	assert_memory_equal(t->r->ram + gpa, hdr, HDR_LEN);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(t->r->ram[gpa + HDR_LEN + i], (uint8_t)(seed + i));
}

static void config_offers_the_mac(void **state)
{
	struct nt *t = *state;
	uint64_t v;

	assert_int_equal(mmio_rd(&t->net.mmio, REG(device_id)), 1);
	assert_true(drv_device_features(&t->net.mmio) & (1ull << VIRTIO_NET_F_MAC));
	for (int i = 0; i < 6; i++) {
		assert_int_equal(virtio_mmio_io_read(&t->net.mmio, 0x100 + i, 1, &v), 0);
		assert_int_equal(v, test_mac[i]);
	}
	assert_int_equal(virtio_mmio_io_read(&t->net.mmio, 0x106, 2, &v), 0);
	assert_int_equal(v, 0);
}

static void no_mac_means_no_mac_feature(void **state)
{
	struct nt *t = *state;
	uint64_t f;

	nt_init(t, NULL);
	f = drv_device_features(&t->net.mmio);
	assert_false(f & (1ull << VIRTIO_NET_F_MAC));
	assert_int_equal(f, V1 | (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX));
}

static void transmit_sends_the_frame_without_its_header(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	send_frame(t, 60, 0x10);
	assert_int_equal(t->port.sent_count, 1);
	assert_int_equal(t->port.sent_len[0], 60);
	assert_int_equal(t->port.sent[0][0], 0x10);
	assert_int_equal(t->port.sent[0][59], 0x10 + 59);
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(drv_ack(&t->net.mmio), VIRTIO_MMIO_INT_VRING);
}

static void transmit_frame_may_share_or_split_buffers(void **state)
{
	struct nt *t = *state;
	struct drv_buf one = { TXBUF, HDR_LEN + 100, 0 };
	struct drv_buf three[] = { { TXBUF, 5, 0 },
				   { TXBUF + 0x800, 57, 0 },
				   { TXBUF + 0x1000, 50, 0 } };

	memset(t->r->ram + TXBUF, 0, HDR_LEN);
	memset(t->r->ram + TXBUF + HDR_LEN, 0x77, 100);
	drv_add(&t->txq, &one, 1);
	drv_add(&t->txq, three, 3);
	memset(t->r->ram + TXBUF + 0x800, 0x88, 57);
	memset(t->r->ram + TXBUF + 0x1000, 0x99, 50);
	drv_notify(&t->net.mmio, VIRTIO_NET_TXQ);
	assert_int_equal(t->port.sent_count, 2);
	assert_int_equal(t->port.sent_len[0], 100);
	assert_int_equal(t->port.sent[0][99], 0x77);
	assert_int_equal(t->port.sent_len[1], 100);
	assert_int_equal(t->port.sent[1][0], 0x88);
	assert_int_equal(t->port.sent[1][50], 0x99);
}

static void oversized_or_empty_frames_are_not_sent(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	send_frame(t, VIRTIO_NET_FRAME_MAX + 1, 0);
	send_frame(t, 0, 0);
	assert_int_equal(t->port.sent_count, 0);
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
	send_frame(t, VIRTIO_NET_FRAME_MAX, 0);
	assert_int_equal(t->port.sent_count, 1);
	assert_false(drv_needs_reset(&t->net.mmio));
}

static void refused_frame_is_dropped(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	t->port.send_fails = 1;
	send_frame(t, 60, 0);
	assert_int_equal(drv_used(&t->txq, &id, &len), 1);
	assert_false(drv_needs_reset(&t->net.mmio));
}

static void transmit_chain_shorter_than_the_header_needs_reset(void **state)
{
	struct nt *t = *state;
	struct drv_buf b = { TXBUF, HDR_LEN - 1, 0 };

	drv_add(&t->txq, &b, 1);
	drv_notify(&t->net.mmio, VIRTIO_NET_TXQ);
	assert_true(drv_needs_reset(&t->net.mmio));
	assert_int_equal(t->port.sent_count, 0);
	assert_int_equal(drv_used_idx(&t->txq), 0);
}

static void writable_buffer_in_the_transmit_queue_needs_reset(void **state)
{
	struct nt *t = *state;
	struct drv_buf b[] = { { TXBUF, 100, 0 }, { TXBUF + 0x100, 100, 1 } };

	drv_add(&t->txq, b, 2);
	drv_notify(&t->net.mmio, VIRTIO_NET_TXQ);
	assert_true(drv_needs_reset(&t->net.mmio));
	assert_int_equal(t->port.sent_count, 0);
}

static void receive_puts_a_header_before_the_frame(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	post_rx(t, RXBUF, HDR_LEN + VIRTIO_NET_FRAME_MAX);
	feed(t, 98, 0x30);
	virtio_net_poll(&t->net);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_int_equal(len, HDR_LEN + 98);
	check_received(t, RXBUF, 98, 0x30);
	assert_int_equal(t->r->ram[RXBUF + HDR_LEN + 98], 0xee);
	assert_int_equal(t->r->irq_level, 1);
}

static void received_frame_may_span_buffers(void **state)
{
	struct nt *t = *state;
	struct drv_buf b[] = { { RXBUF, HDR_LEN, 1 },
			       { RXBUF + 0x1000, 800, 1 },
			       { RXBUF + 0x2000, 800, 1 } };
	uint32_t id, len;

	drv_add(&t->rxq, b, 3);
	feed(t, 1000, 1);
	virtio_net_poll(&t->net);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_int_equal(len, HDR_LEN + 1000);
	assert_int_equal(t->r->ram[RXBUF + 0x1000], 1);
	assert_int_equal(t->r->ram[RXBUF + 0x2000], (uint8_t)(1 + 800));
}

static void frame_waits_in_the_device_until_a_buffer_comes(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	feed(t, 64, 0x40);
	feed(t, 64, 0x80);
	virtio_net_poll(&t->net);
	virtio_net_poll(&t->net);
	assert_int_equal(t->port.in_head, 1); /* one frame taken and held, the other left */
	assert_int_equal(drv_used_idx(&t->rxq), 0);
	post_rx(t, RXBUF, 1526);
	post_rx(t, RXBUF + 0x1000, 1526);
	drv_notify(&t->net.mmio, VIRTIO_NET_RXQ); /* new buffers: the device delivers */
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	check_received(t, RXBUF, 64, 0x40);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	check_received(t, RXBUF + 0x1000, 64, 0x80);
}

static void frame_too_big_for_the_buffer_is_dropped_and_the_buffer_kept(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	post_rx(t, RXBUF, HDR_LEN + 100);
	feed(t, 101, 0);
	feed(t, 100, 0x55);
	virtio_net_poll(&t->net);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	assert_int_equal(len, HDR_LEN + 100);
	check_received(t, RXBUF, 100, 0x55);
	assert_false(drv_needs_reset(&t->net.mmio));
}

static void poll_moves_at_most_a_batch_of_frames(void **state)
{
	struct nt *t = *state;

	drvq_init(&t->rxq, t->r, 0x10000, 256);
	nt_start(t, V1);
	for (int i = 0; i < VIRTIO_NET_RX_BATCH + 10; i++) {
		post_rx(t, RXBUF + 0x800 * (gpa_t)i, 0x800);
		feed(t, 60, (uint8_t)i);
	}
	virtio_net_poll(&t->net);
	assert_int_equal(drv_used_idx(&t->rxq), VIRTIO_NET_RX_BATCH);
	virtio_net_poll(&t->net);
	assert_int_equal(drv_used_idx(&t->rxq), VIRTIO_NET_RX_BATCH + 10);
}

static void poll_before_driver_ok_leaves_frames_in_the_port(void **state)
{
	struct nt *t = *state;

	nt_init(t, test_mac);
	feed(t, 60, 0);
	virtio_net_poll(&t->net);
	assert_int_equal(t->port.recv_calls, 0);
	drv_negotiate(&t->net.mmio, V1);
	virtio_net_poll(&t->net);
	assert_int_equal(t->port.recv_calls, 0);
}

static void readable_buffer_in_the_receive_queue_needs_reset(void **state)
{
	struct nt *t = *state;
	struct drv_buf b = { RXBUF, 1526, 0 };

	drv_add(&t->rxq, &b, 1);
	feed(t, 60, 0);
	virtio_net_poll(&t->net);
	assert_true(drv_needs_reset(&t->net.mmio));
	assert_int_equal(t->r->ram[RXBUF], 0);
	assert_non_null(strstr(t->r->last_log, "queue 0: "));
}

static void receive_buffer_outside_guest_ram_needs_reset(void **state)
{
	struct nt *t = *state;
	struct drv_buf b[] = { { RXBUF, HDR_LEN, 1 }, { RIG_RAM_SIZE - 100, 1500, 1 } };

	drv_add(&t->rxq, b, 2);
	feed(t, 1000, 0);
	virtio_net_poll(&t->net);
	assert_true(drv_needs_reset(&t->net.mmio));
	assert_int_equal(drv_used_idx(&t->rxq), 0);
	virtio_net_poll(&t->net); /* a device that needs reset stays still */
	assert_int_equal(t->port.recv_calls, 1);
}

static void reset_drops_the_frame_held_for_the_old_driver(void **state)
{
	struct nt *t = *state;
	uint32_t id, len;

	feed(t, 60, 0x11);
	virtio_net_poll(&t->net); /* held: no buffer */
	drvq_init(&t->rxq, t->r, 0x30000, 16);
	nt_start(t, V1); /* resets first */
	feed(t, 60, 0x22);
	post_rx(t, RXBUF, 1526);
	virtio_net_poll(&t->net);
	assert_int_equal(drv_used(&t->rxq, &id, &len), 1);
	check_received(t, RXBUF, 60, 0x22);
}

static void init_refuses_a_missing_port(void **state)
{
	struct nt *t = *state;
	struct dm_packet half = { .send = port_send };

	assert_int_equal(virtio_net_init(&t->net, &t->r->env, NULL, NULL, RIG_IRQ), -EINVAL);
	assert_int_equal(virtio_net_init(&t->net, &t->r->env, &half, NULL, RIG_IRQ), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, nt_setup, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(config_offers_the_mac),
		T(no_mac_means_no_mac_feature),
		T(transmit_sends_the_frame_without_its_header),
		T(transmit_frame_may_share_or_split_buffers),
		T(oversized_or_empty_frames_are_not_sent),
		T(refused_frame_is_dropped),
		T(transmit_chain_shorter_than_the_header_needs_reset),
		T(writable_buffer_in_the_transmit_queue_needs_reset),
		T(receive_puts_a_header_before_the_frame),
		T(received_frame_may_span_buffers),
		T(frame_waits_in_the_device_until_a_buffer_comes),
		T(frame_too_big_for_the_buffer_is_dropped_and_the_buffer_kept),
		T(poll_moves_at_most_a_batch_of_frames),
		T(poll_before_driver_ok_leaves_frames_in_the_port),
		T(readable_buffer_in_the_receive_queue_needs_reset),
		T(receive_buffer_outside_guest_ram_needs_reset),
		T(reset_drops_the_frame_held_for_the_old_driver),
		T(init_refuses_a_missing_port),
	};

	return cmocka_run_group_tests_name("test_virtio_net", tests, NULL, NULL);
}
