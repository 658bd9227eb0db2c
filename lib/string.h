/*
 * lib/string.h: the freestanding memory and string functions the kernel,
 * bivisor.efi and the test guests use (and that the compiler may emit calls
 * to: memcpy, memset, memmove, memcmp). Hosted builds (bvm, the unit tests)
 * get these from the C library and do not link lib/string.c.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
