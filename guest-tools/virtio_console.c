/*
 * guest-tools/virtio_console.c: lines through a virtio console (virtio 1.2
 * §5.3: port 0's receiveq and transmitq, without VIRTIO_CONSOLE_F_MULTIPORT
 * §5.3.6). It writes "ping N" lines; the peer at the other end of the
 * console's stream (the test runner) answers each with "pong N".
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"
#include "lib/format.h"

#define RXQ 0
#define TXQ 1
#define ROUNDS 3

static struct gvirtio dev;
static struct gvq rxq __attribute__((aligned(4096)));
static struct gvq txq __attribute__((aligned(4096)));
static char rx[64];	    /* the receive buffer */
static long rx_len, rx_pos; /* bytes in it, bytes taken */
static char tx[32];

/* The next byte from the peer, or -1 when none comes. */
static int rx_byte(void)
{
	struct gvbuf b = { rx, sizeof(rx), 1 };

	if (rx_pos == rx_len) {
		rx_pos = 0;
		rx_len = gvq_submit(&dev, &rxq, &b, 1) ? -1 : gvq_wait(&rxq);
		if (rx_len <= 0) {
			rx_len = 0;
			return -1;
		}
	}
	return (unsigned char)rx[rx_pos++];
}

/* One line without its newline into buf (cut to size - 1); its length, or -1. */
static int read_line(char *buf, unsigned int size)
{
	unsigned int n = 0;
	int c;

	while ((c = rx_byte()) >= 0 && c != '\n') {
		if (n + 1 < size)
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return c < 0 ? -1 : (int)n;
}

static int send_ping(unsigned int n)
{
	struct gvbuf b = { tx, 0, 0 };

	b.len = (uint32_t)fmt_snprintf(tx, sizeof(tx), "ping %u\n", n);
	return gvq_submit(&dev, &txq, &b, 1) == 0 && gvq_wait(&txq) >= 0;
}

static int same_string(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int guest_main(void)
{
	char line[32], want[32], what[64];

	report(gvirtio_find(VIRTIO_ID_CONSOLE, &dev) == 0, "a virtio console is present");
	report(gvirtio_negotiate(&dev, 0) == 0, "features negotiated with VERSION_1");
	report(gvirtio_queue_setup(&dev, &rxq, RXQ) == 0 &&
		       gvirtio_queue_setup(&dev, &txq, TXQ) == 0,
	       "receive and transmit queues set up");
	gvirtio_driver_ok(&dev);
	for (unsigned int i = 1; i <= ROUNDS; i++) {
		fmt_snprintf(want, sizeof(want), "pong %u", i);
		fmt_snprintf(what, sizeof(what), "'ping %u' answered with '%s'", i, want);
		line[0] = '\0';
		if (send_ping(i))
			read_line(line, sizeof(line));
		if (!same_string(line, want))
			guest_printf("got '%s'\n", line);
		report(same_string(line, want), what);
	}
	report(!(gvirtio_status(&dev) & 64), "the device does not need a reset");
	return report_summary();
}
