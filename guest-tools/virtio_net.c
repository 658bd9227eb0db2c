/*
 * guest-tools/virtio_net.c: Ethernet frames through a virtio network device
 * (virtio 1.2 §5.1: VIRTIO_NET_F_MAC §5.1.3, the MAC in the configuration
 * space §5.1.4, receiveq1 and transmitq1 with a 12-byte header before every
 * frame §5.1.6). The peer (the test runner) sends each frame of ethertype
 * 0x88b5 back with source and destination swapped and its marker byte set.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"
#include "lib/format.h"

#define F_MAC (1ull << 5)
#define RXQ 0
#define TXQ 1
#define HDR_LEN 12	 /* struct virtio_net_hdr with VIRTIO_F_VERSION_1 */
#define FRAME_MAX 1518	 /* what one receive buffer must hold after the header */
#define ETHERTYPE 0x88b5 /* IEEE 802 local experimental */
#define PAYLOAD 64
#define FRAMES 4
#define MARK_SENT 'P'
#define MARK_ECHOED 'E'

/* An Ethernet frame as the peer sees it (no FCS). */
struct frame {
	uint8_t dst[6];
	uint8_t src[6];
	uint8_t type[2]; /* big-endian */
	uint8_t mark;	 /* MARK_SENT going out, MARK_ECHOED coming back */
	uint8_t seq;
	uint8_t data[PAYLOAD - 2];
};
_Static_assert(sizeof(struct frame) == 14 + PAYLOAD, "an Ethernet header and the payload");

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xb1, 0xec }; /* locally assigned */
static struct gvirtio dev;
static struct gvq rxq __attribute__((aligned(4096)));
static struct gvq txq __attribute__((aligned(4096)));
static uint8_t mac[6];
static uint8_t tx_hdr[HDR_LEN];
static struct frame tx;
static uint8_t rx[HDR_LEN + FRAME_MAX];

static int same(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	while (n--)
		if (a[n] != b[n])
			return 0;
	return 1;
}

static void read_mac(void)
{
	uint32_t lo = gvirtio_config32(&dev, 0), hi = gvirtio_config32(&dev, 4);

	for (unsigned int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	guest_printf("mac: %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3], mac[4],
		     mac[5]);
}

static void fill_frame(unsigned int seq)
{
	for (unsigned int i = 0; i < 6; i++) {
		tx.dst[i] = peer_mac[i];
		tx.src[i] = mac[i];
	}
	tx.type[0] = ETHERTYPE >> 8;
	tx.type[1] = ETHERTYPE & 0xff;
	tx.mark = MARK_SENT;
	tx.seq = (uint8_t)seq;
	for (unsigned int i = 0; i < sizeof(tx.data); i++)
		tx.data[i] = (uint8_t)(seq * 31 + i);
}

/* The frame in rx is tx come back: addresses swapped, marker set, payload intact. */
static int is_echo(long len)
{
	const struct frame *f = (const struct frame *)(rx + HDR_LEN);

	if (len != HDR_LEN + (long)sizeof(tx)) {
		guest_printf("frame %u: received %ld bytes\n", tx.seq, len);
		return 0;
	}
	return same(f->dst, mac, 6) && same(f->src, peer_mac, 6) && same(f->type, tx.type, 2) &&
	       f->mark == MARK_ECHOED && f->seq == tx.seq &&
	       same(f->data, tx.data, sizeof(tx.data));
}

/* Posts a receive buffer, sends frame seq and waits for it to come back. */
static int exchange(unsigned int seq)
{
	struct gvbuf rxb = { rx, sizeof(rx), 1 };
	struct gvbuf txb[2] = { { tx_hdr, sizeof(tx_hdr), 0 }, { &tx, sizeof(tx), 0 } };

	for (unsigned int i = 0; i < sizeof(rx); i++)
		rx[i] = 0;
	fill_frame(seq);
	if (gvq_submit(&dev, &rxq, &rxb, 1) || gvq_submit(&dev, &txq, txb, 2))
		return 0;
	if (gvq_wait(&txq) < 0) {
		guest_printf("frame %u: transmit buffer not returned\n", seq);
		return 0;
	}
	return is_echo(gvq_wait(&rxq));
}

int guest_main(void)
{
	char what[64];

	report(gvirtio_find(VIRTIO_ID_NET, &dev) == 0, "a virtio-net device is present");
	report(gvirtio_negotiate(&dev, F_MAC) == 0, "features negotiated with VERSION_1");
	report(dev.features & F_MAC, "the device gives its MAC address");
	report(gvirtio_queue_setup(&dev, &rxq, RXQ) == 0 &&
		       gvirtio_queue_setup(&dev, &txq, TXQ) == 0,
	       "receive and transmit queues set up");
	gvirtio_driver_ok(&dev);
	read_mac();
	report(!(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]),
	       "the MAC address is a unicast one");
	for (unsigned int seq = 1; seq <= FRAMES; seq++) {
		fmt_snprintf(what, sizeof(what), "frame %u came back from the peer, marked", seq);
		report(exchange(seq), what);
	}
	report(!(gvirtio_status(&dev) & 64), "the device does not need a reset");
	return report_summary();
}
