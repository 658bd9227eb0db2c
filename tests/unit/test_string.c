/*
 * tests/unit/test_string.c: lib/string.c, the freestanding memory and string
 * functions. memmove must copy overlapping ranges in both directions without
 * handing them to memcpy (found by tests/fuzz/fuzz_iobus.c under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Through a pointer, so the compiler calls lib/string.c's memmove instead of inlining its own. */
static void *(*volatile move)(void *, const void *, size_t) = memmove;

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
