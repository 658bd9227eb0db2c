/*
 * tests/fuzz/fuzz.c: the shared harness of the libFuzzer targets (fuzz.h):
 * the input reader, a dm_env over a calloc'd guest RAM, and the loop that
 * turns input bytes into guest port/MMIO accesses, RAM writes and time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

enum { STEP_READ, STEP_WRITE, STEP_POKE, STEP_CLOCK, STEP_POLL, NR_STEPS };

uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

void fuzz_take_bytes(struct fuzz_in *in, void *buf, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memcpy(buf, in->p, n);
	memset((uint8_t *)buf + n, 0, len - n);
	in->p += n, in->n -= n;
}

void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz: broken: %s\n", what);
	abort();
}

static int vm_outside(const struct fuzz_vm *vm, gpa_t gpa, size_t len)
{
	return gpa >= vm->env.ram_size || len > vm->env.ram_size - gpa;
}

static int vm_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct fuzz_vm *vm = ctx;

	if (vm_outside(vm, gpa, len))
		return -EFAULT;
	memcpy(buf, vm->ram + gpa, len);
	return 0;
}

static int vm_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct fuzz_vm *vm = ctx;

	if (vm_outside(vm, gpa, len))
		return -EFAULT;
	memcpy(vm->ram + gpa, buf, len);
	return 0;
}

static void *vm_translate(void *ctx, gpa_t gpa, size_t len)
{
	struct fuzz_vm *vm = ctx;

	return vm_outside(vm, gpa, len) ? NULL : vm->ram + gpa;
}

static void vm_set_irq(void *ctx, unsigned int line, int level)
{
	struct fuzz_vm *vm = ctx;
	uint32_t bit = 1u << (line % 32);

	vm->irq_lines = level ? vm->irq_lines | bit : vm->irq_lines & ~bit;
}

static uint64_t vm_clock(void *ctx)
{
	return ((struct fuzz_vm *)ctx)->now_ns;
}

static void vm_log(void *ctx, int level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

void fuzz_vm_init_size(struct fuzz_vm *vm, uint64_t ram_size)
{
	static uint8_t *ram;
	static uint64_t have;

	if (ram_size > have) {
		free(ram);
		ram = malloc(ram_size);
		have = ram_size;
	}
	memset(ram, 0, ram_size < FUZZ_RAM_SIZE ? ram_size : FUZZ_RAM_SIZE);
	*vm = (struct fuzz_vm){ .ram = ram, .now_ns = 1000000000ull };
	vm->env = (struct dm_env){ .ctx = vm,
				   .mem_read = vm_read,
				   .mem_write = vm_write,
				   .mem_translate = vm_translate,
				   .ram_size = ram_size,
				   .set_irq = vm_set_irq,
				   .clock_ns = vm_clock,
				   .log = vm_log };
}

void fuzz_vm_init(struct fuzz_vm *vm)
{
	fuzz_vm_init_size(vm, FUZZ_RAM_SIZE);
}

static void step_access(struct fuzz_in *in, const struct dm_io_region *r, int write)
{
	unsigned int size = 1u << fuzz_take(in, 1) % 4;
	uint64_t off = fuzz_take(in, 2) % r->len, value = 0;

	if (write && r->write)
		r->write(r->dev, off, size, fuzz_take(in, size));
	else if (!write && r->read)
		r->read(r->dev, off, size, &value);
}

static void step_poke(struct fuzz_in *in, struct fuzz_vm *vm)
{
	uint64_t gpa = fuzz_take(in, 2) % (FUZZ_RAM_SIZE - 8), v = fuzz_take(in, 8);

	memcpy(vm->ram + gpa, &v, 8);
}

void fuzz_io_run(struct fuzz_in *in, struct fuzz_vm *vm, const struct dm_io_region *regions,
		 unsigned int n, fuzz_poll_fn poll, void *ctx)
{
	while (in->n) {
		unsigned int op = fuzz_take(in, 1);
		const struct dm_io_region *r = &regions[(op / NR_STEPS) % n];

		switch (op % NR_STEPS) {
		case STEP_READ:
		case STEP_WRITE:
			step_access(in, r, op % NR_STEPS == STEP_WRITE);
			break;
		case STEP_POKE:
			step_poke(in, vm);
			break;
		case STEP_CLOCK:
			vm->now_ns += fuzz_take(in, 4) << (fuzz_take(in, 1) % 24);
			break;
		case STEP_POLL:
			if (poll)
				poll(ctx);
			break;
		}
	}
}
