/*
 * boot/efi/console.h: where bivisor.efi's messages go: the firmware console
 * (UEFI 2.10, 12.4 Simple Text Output Protocol) and COM1, written directly
 * unless the firmware console already reaches a serial port.
 */
#ifndef BOOT_EFI_CONSOLE_H
#define BOOT_EFI_CONSOLE_H

#include <efi.h>

void console_init(EFI_SYSTEM_TABLE *st);

/* One line, "bivisor.efi: " and the message, on every console. */
void console_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same on COM1 only: for after ExitBootServices, when ConOut is gone. */
void console_say_serial(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A firmware status as words ("not found"), for messages. */
const char *console_status(EFI_STATUS s);

#endif
