/*
 * boot/efi/console.c: bivisor.efi's messages on the firmware console
 * (UEFI 2.10, 12.4 EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL.OutputString) and on COM1
 * (a 16550 at 0x3f8, polled). When the ConOut variable (UEFI 2.10, 3.3
 * "Globally Defined Variables") already names a UART device path node
 * (10.3.4.12), as OVMF's does, the firmware copies the console to the serial
 * port itself and writing COM1 too would print every line twice.
 */
#include <stdarg.h>

#include "arch/x86/x86.h"
#include "boot/efi/console.h"
#include "lib/format.h"

#define COM1 0x3f8
#define LINE_MAX 512 /* bytes of one message line */

static EFI_SYSTEM_TABLE *systab;
static int serial_direct; /* write COM1 ourselves before ExitBootServices */

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFOs on and cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	/* a missing UART reads 0xff, which has THRE set: no endless wait */
	for (unsigned int spin = 0; !(inb(COM1 + 5) & 0x20) && spin < 100000; spin++)
		;
	outb(COM1, (uint8_t)c);
}

static void serial_put(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

/* Does the ConOut device path (every instance) have a UART node? */
static int conout_has_uart(void)
{
	static EFI_GUID global = EFI_GLOBAL_VARIABLE;
	UINT8 buf[1024];
	UINTN size = sizeof(buf);
	UINTN off = 0;

	if (EFI_ERROR(systab->RuntimeServices->GetVariable(L"ConOut", &global, NULL, &size, buf)))
		return 0;
	while (off + sizeof(EFI_DEVICE_PATH_PROTOCOL) <= size) {
		const EFI_DEVICE_PATH_PROTOCOL *n = (const void *)(buf + off);
		UINTN len = n->Length[0] | (UINTN)n->Length[1] << 8;

		if (n->Type == MESSAGING_DEVICE_PATH && n->SubType == MSG_UART_DP)
			return 1;
		if (len < sizeof(*n))
			break; /* malformed: stop rather than loop */
		off += len;
	}
	return 0;
}

void console_init(EFI_SYSTEM_TABLE *st)
{
	systab = st;
	serial_direct = !conout_has_uart();
	if (serial_direct)
		serial_init();
}

static void firmware_put(const char *s)
{
	CHAR16 w[2 * LINE_MAX + 1];
	unsigned int n = 0;

	for (; *s; s++) {
		if (*s == '\n')
			w[n++] = L'\r';
		w[n++] = (CHAR16)(unsigned char)*s;
	}
	w[n] = 0;
	systab->ConOut->OutputString(systab->ConOut, w);
}

static void format_line(char *line, size_t size, const char *fmt, va_list ap)
{
	static const char prefix[] = "bivisor.efi: ";
	size_t n;

	fmt_snprintf(line, size, "%s", prefix);
	/* room is left for the newline */
	fmt_vsnprintf(line + sizeof(prefix) - 1, size - sizeof(prefix), fmt, ap);
	for (n = 0; line[n]; n++)
		;
	line[n] = '\n';
	line[n + 1] = '\0';
}

void console_say(const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	format_line(line, sizeof(line), fmt, ap);
	va_end(ap);
	firmware_put(line);
	if (serial_direct)
		serial_put(line);
}

void console_say_serial(const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	format_line(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!serial_direct)
		serial_init(); /* the firmware's terminal driver is gone: the port is ours */
	serial_direct = 1;
	serial_put(line);
}

const char *console_status(EFI_STATUS s)
{
	switch (s) {
	case EFI_NOT_FOUND:
		return "not found";
	case EFI_OUT_OF_RESOURCES:
		return "out of resources";
	case EFI_INVALID_PARAMETER:
		return "invalid parameter";
	case EFI_LOAD_ERROR:
		return "load error";
	case EFI_UNSUPPORTED:
		return "unsupported";
	case EFI_DEVICE_ERROR:
		return "device error";
	case EFI_VOLUME_CORRUPTED:
		return "volume corrupted";
	case EFI_ACCESS_DENIED:
		return "access denied";
	case EFI_NO_MEDIA:
		return "no media";
	case EFI_BUFFER_TOO_SMALL:
		return "buffer too small";
	default:
		return EFI_ERROR(s) ? "firmware error" : "success";
	}
}
