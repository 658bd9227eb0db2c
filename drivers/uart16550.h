/*
 * drivers/uart16550.h: a 16550A UART model (the guest's COM port). One
 * instance per port; it owns no memory beyond the struct.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "drivers/dm_env.h"

#define UART16550_FIFO 16
#define UART16550_REGION_LEN 8

struct uart16550 {
	const struct dm_env *env;
	const struct dm_stream *stream;
	unsigned int irq;
	/* register and FIFO state: see drivers/uart16550.c */
	uint8_t ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	uint8_t lsr_errors;   /* OE, held until LSR is read */
	uint8_t thre_pending; /* THRE interrupt armed (cleared by reading IIR) */
	uint8_t rx[UART16550_FIFO];
	unsigned int rx_head, rx_count;
	uint64_t rx_stamp_ns; /* last RX FIFO activity: starts the character timeout */
	int irq_level;	      /* what set_irq was last told */
};

/*
 * env must outlive the instance; stream may be NULL (output dropped, no
 * input); irq is the line to raise. The line is assumed low at init.
 */
void uart16550_init(struct uart16550 *u, const struct dm_env *env, const struct dm_stream *stream,
		    unsigned int irq);
/*
 * The dm_io_read_fn / dm_io_write_fn of the 8-port region. Only one-byte
 * accesses at offsets 0-7 are accepted; others return -EINVAL.
 */
int uart16550_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int uart16550_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
/*
 * Pulls waiting input from the stream into the receive FIFO and updates the
 * interrupt line (a character timeout is noticed here); call it periodically.
 */
void uart16550_poll(struct uart16550 *u);

#endif
