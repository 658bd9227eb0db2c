/*
 * tests/unit/test_uart16550.c: drivers/uart16550.c, the guest's 16550A COM
 * port, driven through its I/O region the way a guest driver does, with a
 * test dm_env that records the IRQ line and a fake stream; ends with the
 * probe, startup, transmit and receive sequences of Linux's 8250 driver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/uart16550.h"

/* Registers and bits, from the PC16550D data sheet. */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2 };
enum { LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
enum { IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4, IER_MSI = 8 };
enum { IIR_NONE = 0x01, IIR_MSI = 0x00, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_RLSI = 0x06 };
enum { IIR_TIMEOUT = 0x0c, IIR_FIFO = 0xc0 };
enum { FCR_ENABLE = 1, FCR_CLEAR_RX = 2, FCR_CLEAR_TX = 4, FCR_TRIG8 = 0x80, FCR_TRIG14 = 0xc0 };
enum { LCR_8N1 = 0x03, LCR_DLAB = 0x80 };
enum { MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 0x10 };
enum { LSR_DR = 1, LSR_OE = 2, LSR_THRE = 0x20, LSR_TEMT = 0x40 };
enum { MSR_DCTS = 1, MSR_DDSR = 2, MSR_TERI = 4, MSR_DDCD = 8 };
enum { MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80 };

#define COM1_IRQ 4
/* Four 10-bit characters at 115200 baud (divisor 1). */
#define TIMEOUT_8N1_DIV1_NS 347222

/* The test host: a dm_env and a stream whose ctx is the rig itself. */
struct rig {
	struct dm_env env;
	struct dm_stream stream;
	struct uart16550 u;
	uint64_t now_ns;
	int irq_calls;
	unsigned int irq_line;
	int irq_level;
	uint8_t out[512];
	size_t out_len;
	uint8_t in[64];
	size_t in_head, in_len;
};

static void rig_set_irq(void *ctx, unsigned int line, int level)
{
	struct rig *r = ctx;

	r->irq_calls++;
	r->irq_line = line;
	r->irq_level = level;
}

static uint64_t rig_clock(void *ctx)
{
	return ((struct rig *)ctx)->now_ns;
}

static size_t rig_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct rig *r = ctx;

	assert_true(r->out_len + len <= sizeof(r->out));
	memcpy(r->out + r->out_len, buf, len);
	r->out_len += len;
	return len;
}

static size_t rig_read(void *ctx, uint8_t *buf, size_t len)
{
	struct rig *r = ctx;
	size_t n = r->in_len - r->in_head;

	if (n > len)
		n = len;
	memcpy(buf, r->in + r->in_head, n);
	r->in_head += n;
	return n;
}

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->now_ns = 1000000;
	r->env = (struct dm_env){ .ctx = r, .set_irq = rig_set_irq, .clock_ns = rig_clock };
	r->stream = (struct dm_stream){ .ctx = r, .write = rig_write, .read = rig_read };
	uart16550_init(&r->u, &r->env, &r->stream, COM1_IRQ);
}

static uint8_t rd(struct rig *r, unsigned int reg)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(uart16550_io_read(&r->u, reg, 1, &v), 0);
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void wr(struct rig *r, unsigned int reg, uint8_t v)
{
	assert_int_equal(uart16550_io_write(&r->u, reg, 1, v), 0);
}

static void feed(struct rig *r, const char *s)
{
	size_t n = strlen(s);

	assert_true(r->in_len + n <= sizeof(r->in));
	memcpy(r->in + r->in_len, s, n);
	r->in_len += n;
}

static void send_bytes(struct rig *r, uint8_t first, int count)
{
	for (int i = 0; i < count; i++)
		wr(r, THR, (uint8_t)(first + i));
}

static int rig_setup(void **state)
{
	struct rig *r = test_malloc(sizeof(*r));

	rig_init(r);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void reset_values_match_the_data_sheet(void **state)
{
	struct rig *r = *state;

	assert_int_equal(rd(r, IER), 0);
	assert_int_equal(rd(r, IIR), IIR_NONE);
	assert_int_equal(rd(r, LCR), 0);
	assert_int_equal(rd(r, MCR), 0);
	assert_int_equal(rd(r, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(r, MSR), MSR_CTS | MSR_DSR | MSR_DCD);
	assert_int_equal(r->irq_calls, 0);
}

static void scratch_register_holds_what_was_written(void **state)
{
	static const uint8_t values[] = { 0xa5, 0x5a, 0x00, 0xff };
	struct rig *r = *state;

	for (size_t i = 0; i < sizeof(values); i++) {
		wr(r, SCR, values[i]);
		assert_int_equal(rd(r, SCR), values[i]);
	}
}

static void ier_keeps_only_its_four_enable_bits(void **state)
{
	struct rig *r = *state;

	wr(r, IER, 0xff);
	assert_int_equal(rd(r, IER), 0x0f);
	wr(r, IER, 0x40);
	assert_int_equal(rd(r, IER), 0);
}

static void dlab_switches_to_divisor_latches(void **state)
{
	struct rig *r = *state;

	wr(r, IER, IER_RDI);
	wr(r, LCR, LCR_DLAB | LCR_8N1);
	wr(r, DLL, 0x34);
	wr(r, DLM, 0x12);
	assert_int_equal(rd(r, DLL), 0x34);
	assert_int_equal(rd(r, DLM), 0x12);
	assert_int_equal(r->out_len, 0);
	wr(r, LCR, LCR_8N1);
	assert_int_equal(rd(r, IER), IER_RDI);
	assert_int_equal(rd(r, LCR), LCR_8N1);
	wr(r, LCR, LCR_DLAB);
	assert_int_equal(rd(r, DLL), 0x34);
	assert_int_equal(rd(r, DLM), 0x12);
}

static void thr_write_reaches_the_stream_at_once(void **state)
{
	struct rig *r = *state;

	wr(r, THR, 'h');
	wr(r, THR, 'i');
	assert_int_equal(r->out_len, 2);
	assert_memory_equal(r->out, "hi", 2);
	assert_int_equal(rd(r, LSR), LSR_THRE | LSR_TEMT);
}

static void null_stream_drops_output_and_gives_no_input(void **state)
{
	struct rig *r = *state;

	uart16550_init(&r->u, &r->env, NULL, COM1_IRQ);
	feed(r, "x");
	wr(r, THR, 'a');
	uart16550_poll(&r->u);
	assert_int_equal(r->out_len, 0);
	assert_int_equal(rd(r, LSR), LSR_THRE | LSR_TEMT);
}

static void poll_fills_the_receiver_and_sets_dr(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE);
	feed(r, "abc");
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(r, RBR), 'a');
	assert_int_equal(rd(r, RBR), 'b');
	assert_int_equal(rd(r, RBR), 'c');
	assert_int_equal(rd(r, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(r, RBR), 0);
}

static void poll_takes_no_more_than_the_fifo_has_room_for(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE);
	feed(r, "0123456789abcdefghij");
	uart16550_poll(&r->u);
	assert_int_equal(r->in_head, UART16550_FIFO);
	assert_int_equal(rd(r, RBR), '0');
	assert_int_equal(rd(r, RBR), '1');
	uart16550_poll(&r->u);
	assert_int_equal(r->in_head, UART16550_FIFO + 2);
	assert_false(rd(r, LSR) & LSR_OE);
	for (const char *p = "23456789abcdefgh"; *p; p++)
		assert_int_equal(rd(r, RBR), *p);
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, RBR), 'i');
	assert_int_equal(rd(r, RBR), 'j');
}

static void receiver_without_fifo_holds_one_byte(void **state)
{
	struct rig *r = *state;

	feed(r, "xy");
	uart16550_poll(&r->u);
	assert_int_equal(r->in_head, 1);
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, RBR), 'x');
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, RBR), 'y');
	assert_false(rd(r, LSR) & (LSR_DR | LSR_OE));
}

static void rx_fifo_overflow_sets_oe(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE);
	wr(r, MCR, MCR_LOOP);
	send_bytes(r, 0x40, UART16550_FIFO + 1);
	assert_int_equal(rd(r, LSR), LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(r, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	/* The FIFO keeps what it held; the character that did not fit is lost. */
	for (int i = 0; i < UART16550_FIFO; i++)
		assert_int_equal(rd(r, RBR), 0x40 + i);
	assert_false(rd(r, LSR) & LSR_DR);
}

static void overrun_without_fifo_keeps_the_newest_byte(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_LOOP);
	wr(r, THR, 'a');
	wr(r, THR, 'b');
	assert_int_equal(rd(r, LSR), LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(r, RBR), 'b');
}

static void overrun_interrupt_comes_before_data_and_clears_on_lsr_read(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE);
	wr(r, IER, IER_RDI | IER_RLSI);
	wr(r, MCR, MCR_LOOP);
	send_bytes(r, 0, UART16550_FIFO + 1);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_RLSI);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_RLSI);
	rd(r, LSR);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_RDI);
}

static void iir_reports_16550a_fifo_after_enabling(void **state)
{
	struct rig *r = *state;

	assert_int_equal(rd(r, IIR), IIR_NONE);
	wr(r, FCR, FCR_ENABLE);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_NONE);
	wr(r, FCR, 0);
	assert_int_equal(rd(r, IIR), IIR_NONE);
}

static void fcr_reset_bit_empties_the_fifo_and_clears_itself(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE);
	feed(r, "abc");
	uart16550_poll(&r->u);
	wr(r, FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	assert_false(rd(r, LSR) & LSR_DR);
	feed(r, "d");
	uart16550_poll(&r->u);
	wr(r, FCR, FCR_ENABLE);
	assert_int_equal(rd(r, RBR), 'd');
}

static void fcr_bits_need_fcr0_and_mode_switch_empties_the_receiver(void **state)
{
	struct rig *r = *state;

	feed(r, "ab");
	uart16550_poll(&r->u);
	wr(r, FCR, FCR_CLEAR_RX); /* FCR0 clear: not programmed */
	assert_true(rd(r, LSR) & LSR_DR);
	wr(r, FCR, FCR_ENABLE);
	assert_false(rd(r, LSR) & LSR_DR);
	uart16550_poll(&r->u);
	wr(r, FCR, 0);
	assert_false(rd(r, LSR) & LSR_DR);
}

static void rx_data_interrupt_waits_for_the_trigger_level(void **state)
{
	static const struct {
		uint8_t fcr;
		int level;
	} cases[] = { { 0, 1 },
		      { FCR_ENABLE, 1 },
		      { FCR_ENABLE | 0x40, 4 },
		      { FCR_ENABLE | FCR_TRIG8, 8 },
		      { FCR_ENABLE | FCR_TRIG14, 14 } };
	struct rig *r = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rig_init(r);
		wr(r, FCR, cases[i].fcr);
		wr(r, IER, IER_RDI);
		wr(r, MCR, MCR_LOOP);
		send_bytes(r, 0, cases[i].level - 1);
		assert_int_equal(rd(r, IIR) & 0x0f, IIR_NONE);
		wr(r, THR, 0);
		assert_int_equal(rd(r, IIR) & 0x0f, IIR_RDI);
		rd(r, RBR);
		assert_int_equal(rd(r, IIR) & 0x0f, IIR_NONE);
	}
}

static void character_timeout_after_four_character_times(void **state)
{
	struct rig *r = *state;

	wr(r, LCR, LCR_DLAB | LCR_8N1);
	wr(r, DLL, 1);
	wr(r, LCR, LCR_8N1);
	wr(r, FCR, FCR_ENABLE | FCR_TRIG14);
	wr(r, IER, IER_RDI);
	wr(r, MCR, MCR_OUT2);
	feed(r, "ab");
	uart16550_poll(&r->u);
	r->now_ns += TIMEOUT_8N1_DIV1_NS - 1;
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_level, 0);
	r->now_ns += 1;
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_level, 1);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_TIMEOUT);
	/* A read clears the timeout and restarts the timer. */
	assert_int_equal(rd(r, RBR), 'a');
	assert_int_equal(r->irq_level, 0);
	r->now_ns += TIMEOUT_8N1_DIV1_NS;
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_TIMEOUT);
	assert_int_equal(rd(r, RBR), 'b');
	r->now_ns += 10 * TIMEOUT_8N1_DIV1_NS;
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_NONE);
	assert_int_equal(r->irq_level, 0);
}

static void character_timeout_follows_divisor_and_format(void **state)
{
	/* Character lengths in half bits: start, data, parity and 1, 1.5 or 2 stop bits. */
	static const struct {
		uint8_t lcr;
		uint16_t divisor;
		unsigned int half_bits;
	} cases[] = {
		{ 0x0e, 12, 22 },     /* 7 data bits, parity, 2 stop bits at 9600 baud */
		{ 0x04, 0x180, 15 },  /* 5 data bits, 1.5 stop bits at 300 baud */
		{ 0x03, 0xffff, 20 }, /* 8N1 at the slowest rate */
	};
	struct rig *r = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t timeout =
			2ull * cases[i].half_bits * cases[i].divisor * 1000000000 / 115200;

		rig_init(r);
		wr(r, LCR, LCR_DLAB | cases[i].lcr);
		wr(r, DLL, cases[i].divisor & 0xff);
		wr(r, DLM, cases[i].divisor >> 8);
		wr(r, LCR, cases[i].lcr);
		wr(r, FCR, FCR_ENABLE | FCR_TRIG8);
		wr(r, IER, IER_RDI);
		feed(r, "a");
		uart16550_poll(&r->u);
		r->now_ns += timeout - 1;
		assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_NONE);
		r->now_ns += 1;
		assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_TIMEOUT);
	}
}

static void character_timeout_is_at_once_without_a_clock(void **state)
{
	struct rig *r = *state;

	r->env.clock_ns = NULL;
	uart16550_init(&r->u, &r->env, &r->stream, COM1_IRQ);
	wr(r, FCR, FCR_ENABLE | FCR_TRIG8);
	wr(r, IER, IER_RDI);
	wr(r, MCR, MCR_OUT2);
	feed(r, "a");
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_level, 1);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_TIMEOUT);
}

static void thre_interrupt_raised_when_enabled_with_empty_thr(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_OUT2);
	assert_int_equal(r->irq_calls, 0);
	wr(r, IER, IER_THRI);
	assert_int_equal(r->irq_calls, 1);
	assert_int_equal(r->irq_line, COM1_IRQ);
	assert_int_equal(r->irq_level, 1);
	assert_int_equal(rd(r, IIR), IIR_THRI);
}

static void reading_iir_clears_thre_and_writing_ier_arms_it_again(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_OUT2);
	wr(r, IER, IER_THRI);
	assert_int_equal(rd(r, IIR), IIR_THRI);
	assert_int_equal(r->irq_level, 0);
	assert_int_equal(rd(r, IIR), IIR_NONE);
	wr(r, IER, 0);
	wr(r, IER, IER_THRI);
	assert_int_equal(r->irq_level, 1);
	assert_int_equal(rd(r, IIR), IIR_THRI);
	wr(r, IER, IER_THRI | IER_RDI); /* any write with ETBEI set, as the data sheet allows */
	assert_int_equal(rd(r, IIR), IIR_THRI);
}

static void thr_write_arms_thre_again(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_OUT2);
	wr(r, IER, IER_THRI);
	rd(r, IIR);
	wr(r, THR, 'x');
	assert_int_equal(r->irq_level, 1);
	assert_int_equal(rd(r, IIR), IIR_THRI);
}

static void iir_read_clears_thre_only_when_it_is_the_one_reported(void **state)
{
	struct rig *r = *state;

	feed(r, "a");
	uart16550_poll(&r->u);
	wr(r, IER, IER_RDI | IER_THRI);
	assert_int_equal(rd(r, IIR), IIR_RDI);
	rd(r, RBR);
	assert_int_equal(rd(r, IIR), IIR_THRI);
	assert_int_equal(rd(r, IIR), IIR_NONE);
}

static void loopback_returns_tx_on_rx_and_mirrors_mcr_in_msr(void **state)
{
	static const struct {
		uint8_t mcr, msr;
	} wires[] = { { MCR_RTS, MSR_CTS },
		      { MCR_DTR, MSR_DSR },
		      { MCR_OUT1, MSR_RI },
		      { MCR_OUT2, MSR_DCD },
		      { 0x0f, 0xf0 } };
	struct rig *r = *state;

	wr(r, MCR, MCR_LOOP);
	assert_int_equal(rd(r, MCR), MCR_LOOP);
	wr(r, THR, 'Z');
	assert_int_equal(r->out_len, 0);
	assert_int_equal(rd(r, RBR), 'Z');
	for (size_t i = 0; i < sizeof(wires) / sizeof(wires[0]); i++) {
		wr(r, MCR, MCR_LOOP | wires[i].mcr);
		assert_int_equal(rd(r, MSR) & 0xf0, wires[i].msr);
	}
	wr(r, MCR, 0);
	assert_int_equal(rd(r, MSR) & 0xf0, MSR_CTS | MSR_DSR | MSR_DCD);
	wr(r, THR, 'Y');
	assert_int_equal(r->out_len, 1);
}

static void loopback_leaves_stream_input_waiting(void **state)
{
	struct rig *r = *state;

	feed(r, "q");
	wr(r, MCR, MCR_LOOP);
	uart16550_poll(&r->u);
	assert_false(rd(r, LSR) & LSR_DR);
	wr(r, MCR, 0);
	uart16550_poll(&r->u);
	assert_int_equal(rd(r, RBR), 'q');
}

static void msr_deltas_record_changes_until_read(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_LOOP);
	assert_int_equal(rd(r, MSR), MSR_DCTS | MSR_DDSR | MSR_DDCD);
	assert_int_equal(rd(r, MSR), 0);
	wr(r, MCR, MCR_LOOP | MCR_OUT1); /* RI rises: no TERI */
	assert_int_equal(rd(r, MSR), MSR_RI);
	wr(r, MCR, MCR_LOOP); /* RI falls: its trailing edge */
	assert_int_equal(rd(r, MSR), MSR_TERI);
	wr(r, MCR, MCR_LOOP | MCR_RTS);
	wr(r, MCR, MCR_LOOP);
	assert_int_equal(rd(r, MSR), MSR_DCTS);
}

static void modem_status_interrupt_until_msr_is_read(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_LOOP);
	wr(r, MCR, MCR_OUT2); /* leaving loopback asserts CTS, DSR, DCD again */
	assert_int_equal(r->irq_level, 0);
	wr(r, IER, IER_MSI);
	assert_int_equal(r->irq_level, 1);
	assert_int_equal(rd(r, IIR), IIR_MSI);
	assert_int_equal(rd(r, MSR), MSR_CTS | MSR_DSR | MSR_DCD | MSR_DCTS | MSR_DDSR | MSR_DDCD);
	assert_int_equal(r->irq_level, 0);
	assert_int_equal(rd(r, IIR), IIR_NONE);
}

static void interrupts_are_reported_in_data_sheet_priority(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE);
	wr(r, MCR, MCR_LOOP);		      /* modem status deltas */
	send_bytes(r, 0, UART16550_FIFO + 1); /* data and an overrun */
	wr(r, IER, 0x0f);		      /* and THRE */
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_RLSI);
	rd(r, LSR);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_RDI);
	for (int i = 0; i < UART16550_FIFO; i++)
		rd(r, RBR);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_THRI);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_MSI);
	rd(r, MSR);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_NONE);
}

static void irq_needs_out2(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_DTR | MCR_RTS | MCR_OUT1);
	wr(r, IER, IER_THRI);
	assert_int_equal(r->irq_calls, 0);
	wr(r, MCR, MCR_OUT2);
	assert_int_equal(r->irq_level, 1);
	wr(r, MCR, 0);
	assert_int_equal(r->irq_level, 0);
	assert_int_equal(rd(r, IIR), IIR_THRI); /* still pending, only not wired */
}

static void irq_line_is_released_in_loopback(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_OUT2);
	wr(r, IER, IER_THRI);
	assert_int_equal(r->irq_level, 1);
	wr(r, MCR, MCR_OUT2 | MCR_LOOP);
	assert_int_equal(r->irq_level, 0);
	assert_int_equal(rd(r, IIR), IIR_THRI);
}

static void set_irq_hears_only_level_changes(void **state)
{
	struct rig *r = *state;

	wr(r, MCR, MCR_OUT2);
	wr(r, IER, IER_THRI);
	wr(r, IER, IER_THRI);
	wr(r, THR, 'a');
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_calls, 1);
	rd(r, IIR);
	rd(r, IIR);
	assert_int_equal(r->irq_calls, 2);
	assert_int_equal(r->irq_level, 0);
}

static void other_sizes_and_offsets_are_rejected(void **state)
{
	static const unsigned int sizes[] = { 2, 4, 8 };
	struct rig *r = *state;
	uint64_t v = 0x77;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(uart16550_io_read(&r->u, SCR, sizes[i], &v), -EINVAL);
		assert_int_equal(uart16550_io_write(&r->u, THR, sizes[i], 'x'), -EINVAL);
	}
	assert_int_equal(uart16550_io_read(&r->u, UART16550_REGION_LEN, 1, &v), -EINVAL);
	assert_int_equal(uart16550_io_write(&r->u, UART16550_REGION_LEN, 1, 0), -EINVAL);
	assert_int_equal(v, 0x77);
	assert_int_equal(r->out_len, 0);
	assert_int_equal(rd(r, SCR), 0);
}

static void lsr_and_msr_ignore_writes(void **state)
{
	struct rig *r = *state;

	wr(r, LSR, 0xff);
	wr(r, MSR, 0xff);
	assert_int_equal(rd(r, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(r, MSR), MSR_CTS | MSR_DSR | MSR_DCD);
}

/* The probe of Linux's 8250 autoconfig: each step must answer "16550A". */
static void linux_8250_autoconfig_finds_a_16550a(void **state)
{
	struct rig *r = *state;
	uint8_t save;

	save = rd(r, IER); /* IER as scratch: only the low nibble sticks */
	wr(r, IER, 0);
	assert_int_equal(rd(r, IER) & 0x0f, 0);
	wr(r, IER, 0x0f);
	assert_int_equal(rd(r, IER) & 0x0f, 0x0f);
	wr(r, IER, save);
	save = rd(r, MCR); /* loopback: RTS and OUT2 come back as CTS and DCD */
	wr(r, MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
	assert_int_equal(rd(r, MSR) & 0xf0, MSR_CTS | MSR_DCD);
	wr(r, MCR, save);
	wr(r, LCR, 0xbf); /* no EFR of a 16650 behind LCR 0xbf or 0x80 */
	assert_int_not_equal(rd(r, 2), 0);
	wr(r, LCR, 0);
	wr(r, FCR, FCR_ENABLE);
	assert_int_equal(rd(r, IIR) >> 6, 3); /* FIFOs work: 16550A */
	wr(r, LCR, 0x80);
	assert_int_not_equal(rd(r, 2), 0);
	wr(r, LCR, 0xe0); /* no National SuperIO bank 2 mirroring MCR.LOOP */
	assert_false(rd(r, 2) & MCR_LOOP);
	wr(r, LCR, 0);
	wr(r, FCR, FCR_ENABLE | 0x20); /* no 64-byte FIFO of a 16750 */
	assert_int_equal(rd(r, IIR) >> 5, 6);
	wr(r, FCR, FCR_ENABLE);
	wr(r, IER, 0x40); /* no UUE bit of an XScale UART */
	assert_false(rd(r, IER) & 0x40);
	wr(r, FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	wr(r, FCR, 0);
	rd(r, RBR);
	wr(r, IER, 0);
	assert_int_equal(r->irq_calls, 0);
}

/* serial8250_do_startup: FIFO setup, the LSR check, the TXEN and THRE tests. */
static void linux_8250_startup_passes_its_thre_checks(void **state)
{
	struct rig *r = *state;

	wr(r, FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	wr(r, FCR, FCR_ENABLE | FCR_TRIG8);
	assert_int_not_equal(rd(r, LSR), 0xff);
	rd(r, LSR);
	rd(r, RBR);
	rd(r, IIR);
	rd(r, MSR);
	wr(r, LCR, LCR_8N1);
	wr(r, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	wr(r, IER, IER_THRI); /* TXEN test: THRE must show at once */
	assert_true(rd(r, LSR) & LSR_TEMT);
	assert_false(rd(r, IIR) & IIR_NONE);
	wr(r, IER, 0);
	wr(r, IER, IER_THRI); /* THRE test: and again after an IIR read */
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_THRI);
	wr(r, IER, 0);
	wr(r, IER, IER_THRI);
	assert_int_equal(rd(r, IIR), IIR_FIFO | IIR_THRI);
	wr(r, IER, 0);
	wr(r, IER, IER_RLSI | IER_RDI);
	rd(r, LSR);
	rd(r, RBR);
	rd(r, IIR);
	rd(r, MSR);
	assert_int_equal(r->irq_level, 0);
}

static void linux_8250_setup(struct rig *r)
{
	wr(r, LCR, LCR_DLAB | LCR_8N1);
	wr(r, DLL, 1);
	wr(r, DLM, 0);
	wr(r, LCR, LCR_8N1);
	wr(r, FCR, FCR_ENABLE | FCR_TRIG8);
	wr(r, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	wr(r, IER, IER_RLSI | IER_RDI);
}

/* The interrupt handler: IIR, then LSR, then receive, then transmit. */
static int linux_8250_handle_irq(struct rig *r, char *rx, size_t *rx_len, const char **tx)
{
	uint8_t lsr;
	int n;

	if (rd(r, IIR) & IIR_NONE)
		return 0;
	lsr = rd(r, LSR);
	while (lsr & LSR_DR) {
		rx[(*rx_len)++] = (char)rd(r, RBR);
		lsr = rd(r, LSR);
	}
	if (!(lsr & LSR_THRE) || !(rd(r, IER) & IER_THRI))
		return 1;
	for (n = 0; n < UART16550_FIFO && **tx; n++, (*tx)++)
		wr(r, THR, (uint8_t)(*tx)[0]);
	if (!**tx)
		wr(r, IER, IER_RLSI | IER_RDI); /* stop_tx */
	return 1;
}

static void linux_8250_transmits_by_interrupt(void **state)
{
	const char *msg = "Linux version 6.x (bivisor) #1 SMP PREEMPT_DYNAMIC";
	const char *tx = msg;
	char rx[4];
	size_t rx_len = 0;
	int irqs = 0;
	struct rig *r = *state;

	linux_8250_setup(r);
	wr(r, IER, IER_RLSI | IER_RDI | IER_THRI); /* start_tx */
	while (r->irq_level && irqs < 100)
		irqs += linux_8250_handle_irq(r, rx, &rx_len, &tx);
	assert_int_equal(r->out_len, strlen(msg));
	assert_memory_equal(r->out, msg, strlen(msg));
	assert_int_equal(irqs, (strlen(msg) + UART16550_FIFO - 1) / UART16550_FIFO);
	assert_int_equal(rx_len, 0);
}

static void linux_8250_receives_by_interrupt(void **state)
{
	const char *tx = "";
	char rx[32];
	size_t rx_len = 0;
	struct rig *r = *state;

	linux_8250_setup(r);
	feed(r, "hello world");
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_level, 1); /* 11 bytes reach the trigger level 8 */
	assert_int_equal(linux_8250_handle_irq(r, rx, &rx_len, &tx), 1);
	assert_int_equal(r->irq_level, 0);
	feed(r, "ls\r");
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_level, 0); /* 3 bytes: below the trigger level */
	r->now_ns += 1000000;
	uart16550_poll(&r->u);
	assert_int_equal(r->irq_level, 1); /* the character timeout */
	assert_int_equal(linux_8250_handle_irq(r, rx, &rx_len, &tx), 1);
	assert_int_equal(r->irq_level, 0);
	assert_int_equal(rx_len, 14);
	assert_memory_equal(rx, "hello worldls\r", 14);
	assert_int_equal(r->irq_line, COM1_IRQ);
}

#define T(f) cmocka_unit_test_setup_teardown(f, rig_setup, rig_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reset_values_match_the_data_sheet),
		T(scratch_register_holds_what_was_written),
		T(ier_keeps_only_its_four_enable_bits),
		T(dlab_switches_to_divisor_latches),
		T(thr_write_reaches_the_stream_at_once),
		T(null_stream_drops_output_and_gives_no_input),
		T(poll_fills_the_receiver_and_sets_dr),
		T(poll_takes_no_more_than_the_fifo_has_room_for),
		T(receiver_without_fifo_holds_one_byte),
		T(rx_fifo_overflow_sets_oe),
		T(overrun_without_fifo_keeps_the_newest_byte),
		T(overrun_interrupt_comes_before_data_and_clears_on_lsr_read),
		T(iir_reports_16550a_fifo_after_enabling),
		T(fcr_reset_bit_empties_the_fifo_and_clears_itself),
		T(fcr_bits_need_fcr0_and_mode_switch_empties_the_receiver),
		T(rx_data_interrupt_waits_for_the_trigger_level),
		T(character_timeout_after_four_character_times),
		T(character_timeout_follows_divisor_and_format),
		T(character_timeout_is_at_once_without_a_clock),
		T(thre_interrupt_raised_when_enabled_with_empty_thr),
		T(reading_iir_clears_thre_and_writing_ier_arms_it_again),
		T(thr_write_arms_thre_again),
		T(iir_read_clears_thre_only_when_it_is_the_one_reported),
		T(loopback_returns_tx_on_rx_and_mirrors_mcr_in_msr),
		T(loopback_leaves_stream_input_waiting),
		T(msr_deltas_record_changes_until_read),
		T(modem_status_interrupt_until_msr_is_read),
		T(interrupts_are_reported_in_data_sheet_priority),
		T(irq_needs_out2),
		T(irq_line_is_released_in_loopback),
		T(set_irq_hears_only_level_changes),
		T(other_sizes_and_offsets_are_rejected),
		T(lsr_and_msr_ignore_writes),
		T(linux_8250_autoconfig_finds_a_16550a),
		T(linux_8250_startup_passes_its_thre_checks),
		T(linux_8250_transmits_by_interrupt),
		T(linux_8250_receives_by_interrupt),
	};

	return cmocka_run_group_tests_name("test_uart16550", tests, NULL, NULL);
}
