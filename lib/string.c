/*
 * lib/string.c: the C library's memory and string functions (C11 7.24) for
 * the kernel, bivisor.efi and the test guests. memset and memcpy are string
 * instructions (REP STOSQ/MOVSQ, then the tail by bytes: SDM vol. 1 7.3.9,
 * vol. 2B "REP"), because they zero and fill whole domains' RAM and copy
 * Linux images: an emulator runs one of those instructions many times faster
 * than the same bytes as a loop of moves (Bochs: a 64 MiB domain took 5 s to
 * zero). The rest are plain loops. DF is clear wherever these run: the SysV
 * and UEFI ABIs keep it clear at calls; the kernel's entry, the AP trampoline
 * and the interrupt stubs clear it, the test guests are entered with it clear
 * (bivisor, bvm and QEMU's Multiboot loader), and a VM exit leaves
 * it clear (SVM restores the host's RFLAGS, VMX sets RFLAGS to 2). Under
 * AddressSanitizer (unit tests that link this file) they stay byte loops, which
 * ASan can check (it cannot see into inline assembly), unless LIB_STRING_ASM is
 * defined, as tests/unit/test_string.c does to test the kernel's versions.
 */
#include <stdint.h>

#include "lib/string.h"

#if defined(__SANITIZE_ADDRESS__) && !defined(LIB_STRING_ASM)
void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
#else
void *memset(void *dst, int c, size_t n)
{
	uint64_t fill = 0x0101010101010101ull * (unsigned char)c;
	size_t quads = n / 8, bytes = n % 8;
	void *d = dst;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(quads) : "a"(fill) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(fill) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	size_t quads = n / 8, bytes = n % 8;
	void *d = dst;
	const void *s = src;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(quads) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
	return dst;
}
#endif

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--) /* forward, by hand: memcpy may not be given overlapping ranges */
			*d++ = *s++;
		return dst;
	}
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}
