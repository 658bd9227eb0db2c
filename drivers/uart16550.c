/*
 * drivers/uart16550.c: the 16550A UART a guest sees as its COM port, after the
 * National Semiconductor PC16550D data sheet (June 1995), section 8 "Registers":
 * Table II (register map), Table III (reset values), Table IV (interrupt control),
 * 8.4 LSR, 8.5 FCR, 8.6 IIR, 8.8 MCR (loopback), 8.9 MSR, 8.11 FIFO interrupt mode.
 */
#include "drivers/uart16550.h"

/*
 * Choices where the data sheet leaves room or a model differs from a chip:
 * - Transmission is instantaneous: THR (and the transmit FIFO) is always
 *   empty, so LSR.THRE and LSR.TEMT always read 1. A THR write clears the
 *   THRE interrupt and the byte leaves at once, which arms it again.
 * - Every IER write that leaves ETBEI set arms the THRE interrupt (THR is
 *   empty), which is what Linux's 8250 driver checks for at startup.
 * - The line is a byte stream: no parity, framing or break errors; OE is the
 *   only error, from a loopback byte sent into a full receiver.
 * - Outside loopback CTS, DSR and DCD are asserted and RI is not.
 * - The interrupt reaches the line only while MCR.OUT2 is set and loopback is
 *   off: on a PC, OUT2 enables the IRQ driver, and loopback forces OUT2 off.
 * - Reading an empty receiver gives 0. The divisor latch starts at 12.
 * - Only one-byte accesses at offsets 0-7 are accepted; others get -EINVAL.
 */

/* Register offsets (Table II). DLL and DLM replace RBR/THR and IER while LCR.DLAB is set. */
#define REG_RBR 0 /* read: receiver buffer; write: transmitter holding register */
#define REG_IER 1
#define REG_IIR 2 /* read: interrupt identification; write: FIFO control */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDI 0x01  /* received data available (and character timeout) */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI 0x08  /* modem status */
#define IER_MASK 0x0f /* bits 4-7 are always 0 */

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO 0xc0 /* both set while FCR0 is: a 16550A with working FIFOs */

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA 0x08
#define FCR_TRIGGER 0xc0

#define LCR_WLEN 0x03 /* word length - 5 */
#define LCR_STOP 0x04 /* 1.5 or 2 stop bits */
#define LCR_PARITY 0x08
#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

/* The reference clock of a PC serial port is 1.8432 MHz: a bit lasts divisor/115200 s. */
#define UART16550_BASE_BAUD 115200

static uint64_t uart16550_now(const struct uart16550 *u)
{
	return u->env->clock_ns ? u->env->clock_ns(u->env->ctx) : 0;
}

static int uart16550_fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & FCR_ENABLE;
}

/* How many bytes the receiver holds: the FIFO, or RBR alone in 16450 mode. */
static unsigned int uart16550_rx_capacity(const struct uart16550 *u)
{
	return uart16550_fifo_enabled(u) ? UART16550_FIFO : 1;
}

/* FCR bits 6-7 (8.5): the RX FIFO level that raises the received data interrupt. */
static unsigned int uart16550_rx_trigger(const struct uart16550 *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };

	return uart16550_fifo_enabled(u) ? levels[u->fcr >> 6] : 1;
}

/* Four character times at the programmed rate and format (8.11): the FIFO timeout. */
static uint64_t uart16550_timeout_ns(const struct uart16550 *u)
{
	uint64_t divisor = (unsigned int)u->dlm << 8 | u->dll;
	unsigned int half_bits;

	if (!divisor)
		divisor = 1;
	/* start bit, 5 to 8 data bits, parity: counted in half bits for 1.5 stop bits */
	half_bits = 2 * (1 + 5 + (u->lcr & LCR_WLEN) + !!(u->lcr & LCR_PARITY));
	if (!(u->lcr & LCR_STOP))
		half_bits += 2;
	else
		half_bits += (u->lcr & LCR_WLEN) ? 4 : 3;
	return 4 * half_bits * divisor * 1000000000ull / (2 * UART16550_BASE_BAUD);
}

/*
 * No character has entered or left the FIFO for four character times. Without
 * a clock the time is taken to have passed, so waiting input is never stuck.
 */
static int uart16550_rx_timed_out(const struct uart16550 *u)
{
	if (!u->env->clock_ns)
		return 1;
	return uart16550_now(u) - u->rx_stamp_ns >= uart16550_timeout_ns(u);
}

/* The highest-priority enabled interrupt (Table IV), as IIR bits 0-3. */
static uint8_t uart16550_pending(const struct uart16550 *u)
{
	if ((u->ier & IER_RLSI) && u->lsr_errors)
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count) {
		if (u->rx_count >= uart16550_rx_trigger(u))
			return IIR_RDI;
		if (uart16550_rx_timed_out(u))
			return IIR_TIMEOUT;
	}
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

/* The level of the IRQ line, through the OUT2 gate of a PC; set_irq hears only changes. */
static void uart16550_update_irq(struct uart16550 *u)
{
	int level = 0;

	if ((u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2)
		level = uart16550_pending(u) != IIR_NO_INT;
	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->env->set_irq)
		u->env->set_irq(u->env->ctx, u->irq, level);
}

static void uart16550_rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->rx_stamp_ns = uart16550_now(u);
}

/* A character completes in the receiver (8.4: overrun rules of both modes). */
static void uart16550_rx_push(struct uart16550 *u, uint8_t byte)
{
	unsigned int capacity = uart16550_rx_capacity(u);

	u->rx_stamp_ns = uart16550_now(u);
	if (u->rx_count < capacity) {
		u->rx[(u->rx_head + u->rx_count) % UART16550_FIFO] = byte;
		u->rx_count++;
		return;
	}
	u->lsr_errors |= LSR_OE;
	/* 16450 mode: the new character overwrites RBR; FIFO mode: it is lost. */
	if (capacity == 1)
		u->rx[u->rx_head] = byte;
}

static uint8_t uart16550_read_rbr(struct uart16550 *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART16550_FIFO;
	u->rx_count--;
	u->rx_stamp_ns = uart16550_now(u); /* a read restarts the timeout (8.11) */
	return byte;
}

/* Reading IIR clears a THRE interrupt when it is the one reported (Table IV). */
static uint8_t uart16550_read_iir(struct uart16550 *u)
{
	uint8_t id = uart16550_pending(u);

	if (id == IIR_THRI)
		u->thre_pending = 0;
	return id | (uart16550_fifo_enabled(u) ? IIR_FIFO : 0);
}

/* Reading LSR clears the error bits (8.4). */
static uint8_t uart16550_read_lsr(struct uart16550 *u)
{
	uint8_t lsr = u->lsr_errors | LSR_THRE | LSR_TEMT;

	if (u->rx_count)
		lsr |= LSR_DR;
	u->lsr_errors = 0;
	return lsr;
}

/* Reading MSR clears the delta bits (8.9). */
static uint8_t uart16550_read_msr(struct uart16550 *u)
{
	uint8_t msr = u->msr;

	u->msr &= ~MSR_DELTAS;
	return msr;
}

static uint8_t uart16550_read_reg(struct uart16550 *u, unsigned int reg)
{
	int dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR:
		return dlab ? u->dll : uart16550_read_rbr(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR:
		return uart16550_read_iir(u);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return uart16550_read_lsr(u);
	case REG_MSR:
		return uart16550_read_msr(u);
	default:
		return u->scr;
	}
}

static void uart16550_write_thr(struct uart16550 *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP)
		uart16550_rx_push(u, byte);
	else if (u->stream && u->stream->write)
		u->stream->write(u->stream->ctx, &byte, 1);
	/* The write cleared THRE and the byte has already gone: THR is empty again. */
	u->thre_pending = 1;
}

static void uart16550_write_ier(struct uart16550 *u, uint8_t value)
{
	u->ier = value & IER_MASK;
	if (u->ier & IER_THRI)
		u->thre_pending = 1;
}

/* FCR (8.5): bits 1-2 act and clear themselves; others take effect only with FCR0 set. */
static void uart16550_write_fcr(struct uart16550 *u, uint8_t value)
{
	/* Switching between FIFO and 16450 mode empties the FIFOs. */
	if ((value ^ u->fcr) & FCR_ENABLE)
		uart16550_rx_clear(u);
	if (!(value & FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (value & FCR_CLEAR_RX)
		uart16550_rx_clear(u);
	/* FCR_CLEAR_TX: nothing waits to be sent, transmission being instantaneous. */
	u->fcr = value & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER);
}

/* The modem inputs: fixed outside loopback, the MCR outputs inside it (8.8). */
static uint8_t uart16550_modem_lines(uint8_t mcr)
{
	uint8_t lines = 0;

	if (!(mcr & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD;
	if (mcr & MCR_RTS)
		lines |= MSR_CTS;
	if (mcr & MCR_DTR)
		lines |= MSR_DSR;
	if (mcr & MCR_OUT1)
		lines |= MSR_RI;
	if (mcr & MCR_OUT2)
		lines |= MSR_DCD;
	return lines;
}

/* MSR bits 0-3 record changes of bits 4-7; TERI only RI's trailing edge (8.9). */
static void uart16550_write_mcr(struct uart16550 *u, uint8_t value)
{
	uint8_t old = u->msr & ~MSR_DELTAS;
	uint8_t lines = uart16550_modem_lines(value & MCR_MASK);
	uint8_t deltas = ((old ^ lines) >> 4) & (MSR_DCTS | MSR_DDSR | MSR_DDCD);

	if (old & ~lines & MSR_RI)
		deltas |= MSR_TERI;
	u->mcr = value & MCR_MASK;
	u->msr = lines | (u->msr & MSR_DELTAS) | deltas;
}

static void uart16550_write_reg(struct uart16550 *u, unsigned int reg, uint8_t value)
{
	int dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR:
		if (dlab)
			u->dll = value;
		else
			uart16550_write_thr(u, value);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = value;
		else
			uart16550_write_ier(u, value);
		break;
	case REG_IIR:
		uart16550_write_fcr(u, value);
		break;
	case REG_LCR:
		u->lcr = value;
		break;
	case REG_MCR:
		uart16550_write_mcr(u, value);
		break;
	case REG_SCR:
		u->scr = value;
		break;
	default:
		/* LSR and MSR: writing them is for factory testing only (8.4); ignored. */
		break;
	}
}

void uart16550_init(struct uart16550 *u, const struct dm_env *env, const struct dm_stream *stream,
		    unsigned int irq)
{
	*u = (struct uart16550){ .env = env, .stream = stream, .irq = irq };
	u->dll = 12; /* undefined at reset (Table III): 9600 baud, as a PC BIOS leaves it */
	u->msr = uart16550_modem_lines(0);
	u->rx_stamp_ns = uart16550_now(u);
}

int uart16550_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct uart16550 *u = dev;

	if (size != 1 || offset >= UART16550_REGION_LEN)
		return -EINVAL;
	*value = uart16550_read_reg(u, (unsigned int)offset);
	uart16550_update_irq(u);
	return 0;
}

int uart16550_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct uart16550 *u = dev;

	if (size != 1 || offset >= UART16550_REGION_LEN)
		return -EINVAL;
	uart16550_write_reg(u, (unsigned int)offset, (uint8_t)value);
	uart16550_update_irq(u);
	return 0;
}

void uart16550_poll(struct uart16550 *u)
{
	uint8_t buf[UART16550_FIFO];
	size_t space = uart16550_rx_capacity(u) - u->rx_count;
	size_t n = 0, i;

	/* In loopback the receiver is cut off from the line: input waits in the stream. */
	if (space && !(u->mcr & MCR_LOOP) && u->stream && u->stream->read)
		n = u->stream->read(u->stream->ctx, buf, space);
	if (n > space)
		n = space;
	for (i = 0; i < n; i++)
		uart16550_rx_push(u, buf[i]);
	uart16550_update_irq(u);
}
