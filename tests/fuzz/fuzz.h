/*
 * tests/fuzz/fuzz.h: the harness the libFuzzer targets share. A target reads
 * its input as a script (fuzz_take), runs the device models against a
 * dm_env over a small guest RAM (fuzz_vm), and drives I/O regions the way a
 * guest would: reads, writes, RAM pokes and clock steps (fuzz_io_run).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dm_env.h"

#define FUZZ_RAM_SIZE 0x10000u /* 64 KiB: random ring addresses land in RAM */

/* The unread rest of the input. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* The next bytes (1-8) as a little-endian number; zeros once the input is used up. */
uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes);

/* The next len bytes into buf, zeros once the input is used up (an argument structure). */
void fuzz_take_bytes(struct fuzz_in *in, void *buf, size_t len);

/* A property the code under test promises was broken: says which, then aborts (a crash). */
void fuzz_fail(const char *what) __attribute__((noreturn));
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__ ": " #cond);                                            \
	} while (0)

/* A guest: RAM, an IRQ line state and a clock the script moves. */
struct fuzz_vm {
	struct dm_env env;
	uint8_t *ram;
	uint64_t now_ns;
	uint32_t irq_lines;
};

/* Sets up vm with zeroed RAM of FUZZ_RAM_SIZE bytes (allocated once per process). */
void fuzz_vm_init(struct fuzz_vm *vm);
/* The same with ram_size bytes of RAM, of which only the first FUZZ_RAM_SIZE are zeroed:
 * the loaders' targets keep what the last run left above that, to stay fast. */
void fuzz_vm_init_size(struct fuzz_vm *vm, uint64_t ram_size);

/* Called between steps so a target can poll its models (may be NULL). */
typedef void (*fuzz_poll_fn)(void *ctx);

/*
 * Runs the input as guest steps against regions[0..n): each step is an op
 * byte (read, write, RAM poke, clock step) and its operands.
 */
void fuzz_io_run(struct fuzz_in *in, struct fuzz_vm *vm, const struct dm_io_region *regions,
		 unsigned int n, fuzz_poll_fn poll, void *ctx);

#endif
