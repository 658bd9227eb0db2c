/*
 * tests/unit/test_string.c: lib/string.c, the freestanding memory and string
 * functions. memmove must copy overlapping ranges in both directions without
 * handing them to memcpy (found by tests/fuzz/fuzz_iobus.c under ASan).
 * memset and memcpy work in 8-byte strides and a byte tail: every length and
 * offset from 0 to 40 must touch exactly its bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* The kernel's memset and memcpy (REP STOSQ/MOVSQ), not the byte loops an ASan build
 * of lib/string.c gets. */
#define LIB_STRING_ASM
#include "lib/string.c"

/* Through a pointer, so the compiler calls lib/string.c's memmove instead of inlining its own. */
static void *(*volatile move)(void *, const void *, size_t) = memmove;
static void *(*volatile fill)(void *, int, size_t) = memset;
static void *(*volatile copy)(void *, const void *, size_t) = memcpy;

/* buf after fill(buf + off, 0xa5, len) over 0x11s: the range, and nothing else. */
static void check_fill(const unsigned char *buf, size_t size, size_t off, size_t len)
{
	for (size_t i = 0; i < size; i++)
		assert_int_equal(buf[i], i >= off && i < off + len ? 0xa5 : 0x11);
}

static void memset_fills_every_length_and_offset_exactly(void **state)
{
	unsigned char buf[96];

	(void)state;
	for (size_t off = 0; off <= 40; off++)
		for (size_t len = 0; len <= 40; len++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = 0x11;
			assert_ptr_equal(fill(buf + off, 0x1a5, len), buf + off);
			check_fill(buf, sizeof(buf), off, len);
		}
}

static void memcpy_copies_every_length_and_offset_exactly(void **state)
{
	unsigned char src[96], dst[96];

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 3);
	for (size_t off = 0; off <= 40; off++)
		for (size_t len = 0; len <= 40; len++) {
			for (size_t i = 0; i < sizeof(dst); i++)
				dst[i] = 0x11;
			const unsigned char *from = src + 40 - off;

			assert_ptr_equal(copy(dst + off, from, len), dst + off);
			for (size_t i = 0; i < sizeof(dst); i++) {
				int want = i >= off && i < off + len ? from[i - off] : 0x11;

				assert_int_equal(dst[i], want);
			}
		}
}

static void memmove_overlapping_forward_copies_every_byte(void **state)
{
	char buf[] = "abcdefgh";

	(void)state;
	move(buf, buf + 1, 7);
	assert_string_equal(buf, "bcdefghh");
}

static void memmove_overlapping_backward_copies_every_byte(void **state)
{
	char buf[] = "abcdefgh";

	(void)state;
	move(buf + 1, buf, 7);
	assert_string_equal(buf, "aabcdefg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memmove_overlapping_forward_copies_every_byte),
		cmocka_unit_test(memmove_overlapping_backward_copies_every_byte),
		cmocka_unit_test(memset_fills_every_length_and_offset_exactly),
		cmocka_unit_test(memcpy_copies_every_length_and_offset_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
