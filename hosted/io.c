/*
 * hosted/io.c: bvm's guest environment. The dm_env the device models and
 * loaders see (guest RAM is one mmap'ed range, interrupts are the
 * accelerator's irq_line, hosted/accel.h), and the one address-range registry through which
 * every port and MMIO exit reaches a model (as kvmtool's kvm__register_mmio),
 * counting the accesses of each range and those nobody claims (hosted/diag.c
 * prints them).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "drivers/dm_ram.h"
#include "hosted/bvm.h"

static void *env_translate(void *ctx, gpa_t gpa, size_t len)
{
	struct vm *vm = ctx;

	return dm_ram_at(vm->ram, vm->ram_size, gpa, len);
}

static int env_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct vm *vm = ctx;

	return dm_ram_read(vm->ram, vm->ram_size, gpa, buf, len);
}

static int env_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct vm *vm = ctx;

	return dm_ram_write(vm->ram, vm->ram_size, gpa, buf, len);
}

static void env_set_irq(void *ctx, unsigned int line, int level)
{
	struct vm *vm = ctx;
	int rc = vm->accel->irq_line(vm->acc, line, level);

	if (rc < 0)
		fprintf(stderr, "bvm: %s: interrupt line %u: %s\n", vm->accel->name, line,
			strerror(-rc));
}

static uint64_t env_clock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void env_log(void *ctx, int level, const char *msg)
{
	static const char *const names[] = { "", "error", "warning", "info", "debug" };

	(void)ctx;
	if (level <= DM_LOG_INFO)
		fprintf(stderr, "bvm: %s: %s\n", names[level > 0 && level < 5 ? level : 0], msg);
}

void vm_env_init(struct vm *vm)
{
	vm->env = (struct dm_env){
		.ctx = vm,
		.mem_read = env_read,
		.mem_write = env_write,
		.mem_translate = env_translate,
		.ram_size = vm->ram_size,
		.set_irq = env_set_irq,
		.clock_ns = env_clock,
		.log = env_log,
	};
}

int vm_register_io(struct vm *vm, const struct dm_io_region *r)
{
	for (unsigned int i = 0; i < vm->nio; i++) {
		const struct dm_io_region *o = &vm->io[i];

		if (o->space == r->space && r->base < o->base + o->len &&
		    o->base < r->base + r->len)
			return -EBUSY;
	}
	if (vm->nio == BVM_MAX_IO)
		return -ENOSPC;
	vm->io[vm->nio++] = *r;
	return 0;
}

void vm_io(struct vm *vm, enum dm_space space, uint64_t addr, unsigned int size, int is_write,
	   uint64_t *value)
{
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;

	for (unsigned int i = 0; i < vm->nio; i++) {
		const struct dm_io_region *r = &vm->io[i];
		int err;

		if (r->space != space || addr < r->base || addr - r->base >= r->len)
			continue;
		__atomic_fetch_add(is_write ? &vm->io_count[i].writes : &vm->io_count[i].reads, 1,
				   __ATOMIC_RELAXED);
		pthread_mutex_lock(&vm->dev_lock);
		if (is_write)
			err = r->write ? r->write(r->dev, addr - r->base, size, *value & mask) : 0;
		else
			err = r->read ? r->read(r->dev, addr - r->base, size, value) : -EINVAL;
		pthread_mutex_unlock(&vm->dev_lock);
		if (!is_write && err)
			*value = ~0ull;
		*value &= mask;
		return;
	}
	__atomic_fetch_add(&vm->unclaimed[space == DM_SPACE_MMIO], 1, __ATOMIC_RELAXED);
	if (!is_write)
		*value = mask; /* nobody claims it: an open bus */
}
