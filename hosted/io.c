/*
 * hosted/io.c: bvm's guest environment. The dm_env the device models and
 * loaders see (guest RAM is one mmap'ed range, interrupts are the
 * accelerator's irq_line, hosted/accel.h), and the guest's I/O bus
 * (drivers/iobus.c, shared with the Type-1 kernel) through which every port
 * and MMIO exit reaches a model; hosted/diag.c prints its counts.
 */
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

static uint64_t bus_lock(void *ctx)
{
	pthread_mutex_lock(&((struct vm *)ctx)->dev_lock);
	return 0;
}

static void bus_unlock(void *ctx, uint64_t flags)
{
	(void)flags;
	pthread_mutex_unlock(&((struct vm *)ctx)->dev_lock);
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
	iobus_init(&vm->bus, vm, bus_lock, bus_unlock);
}
