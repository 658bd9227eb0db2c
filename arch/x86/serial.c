/*
 * arch/x86/serial.c: polled driver for the host's 16550 UART (National
 * Semiconductor PC16550D data sheet: DLL/DLM, LCR, FCR, LSR). 115200 8N1.
 */
#include "arch/x86/serial.h"
#include "arch/x86/x86.h"

#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

void serial_init(uint16_t port)
{
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, 0x80); /* DLAB */
	outb(port + UART_DLL, 1);    /* 115200 baud */
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	outb(port + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
}

void serial_putc(uint16_t port, char c)
{
	unsigned spins = 100000;

	if (c == '\n')
		serial_putc(port, '\r');
	while (!(inb(port + UART_LSR) & LSR_THRE) && --spins)
		cpu_relax();
	outb(port + UART_THR, (uint8_t)c);
}

int serial_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}
