/*
 * lib/hex.h: one hexadecimal digit's value, for the programs that read hex
 * text: bvm's gdb stub (the remote protocol's packets) and the unit tests'
 * capture parser (tests/unit/dump.c). Header-only and pure.
 */
#ifndef LIB_HEX_H
#define LIB_HEX_H

/* 0-15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for anything else. */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
