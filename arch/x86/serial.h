/*
 * arch/x86/serial.h: the host's own 16550 serial port, used as the
 * hypervisor console (polled output, polled input for debug keys).
 */
#ifndef ARCH_X86_SERIAL_H
#define ARCH_X86_SERIAL_H

#include <stdint.h>

#define COM1_PORT 0x3f8
#define COM2_PORT 0x2f8

void serial_init(uint16_t port);
void serial_putc(uint16_t port, char c);
int serial_getc(uint16_t port); /* -1 when no byte is waiting */

#endif
