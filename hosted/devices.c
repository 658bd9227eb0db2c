/*
 * hosted/devices.c: bvm's virtio devices. Each gets the next virtio-mmio
 * window and its ISA IRQ (drivers/pc_platform.h: pc_virtio_base,
 * pc_virtio_irq, as QEMU's microvm lays them out); a virtio-rng device is always there, then one
 * virtio-blk per --disk, one virtio-net per --net, with --vconsole a
 * virtio console and, with --balloon, a virtio memory balloon whose pages
 * bvm gives back to the host with madvise(MADV_DONTNEED). The Linux command line names them with
 * virtio_mmio.device=512@ADDR:IRQ. Their backends were opened and checked
 * by hosted/inputs.c. Besides them: ACPI power management, the CMOS clock,
 * QEMU's fw_cfg (drivers/fw_cfg.c), a PCI host bridge (drivers/pci_host.c)
 * and QEMU's pc-testdev (drivers/pc_testdev.c);
 * the 8259 pair and the PIT are KVM's (hosted/kvm.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "hosted/bvm.h"

static unsigned int has_vconsole(const struct bvm_options *o)
{
	return strcmp(o->vconsole, "none") != 0;
}

unsigned int vm_virtio_count(const struct bvm_options *o)
{
	return 1 + o->ndisks + o->nnets + has_vconsole(o) + (o->balloon != 0);
}

struct fw_virtio_mmio vm_virtio_window(unsigned int n)
{
	return (struct fw_virtio_mmio){ pc_virtio_base(n), PC_VIRTIO_STRIDE, pc_virtio_irq(n) };
}

static int add_window(struct vm *vm, const char *name, struct virtio_mmio *t)
{
	struct dm_io_region r = { name,
				  DM_SPACE_MMIO,
				  vm_virtio_window(vm->nvirtio).base,
				  VIRTIO_MMIO_REGION_LEN,
				  virtio_mmio_io_read,
				  virtio_mmio_io_write,
				  t };

	vm->nvirtio++;
	return iobus_attach(&vm->bus, &r, &vm->env);
}

static unsigned int next_irq(struct vm *vm)
{
	return vm_virtio_window(vm->nvirtio).irq;
}

static void poweroff(void *ctx)
{
	vm_guest_ends(ctx, 0);
}

/*
 * The guest gave these pages: their host memory goes back to Linux at once,
 * and the next touch finds a zeroed page (guest RAM is private anonymous).
 */
static int balloon_release(void *ctx, gpa_t gpa, uint64_t len)
{
	struct vm *vm = ctx;

	return madvise(vm->ram + gpa, len, MADV_DONTNEED) ? -EIO : 0;
}

static int add_balloon(struct vm *vm, uint64_t target, int report)
{
	vm->balloon_report = report;
	vm->balloon_be = (struct dm_balloon){ .ctx = vm, .release = balloon_release };
	if (virtio_balloon_init(&vm->balloon, &vm->env, &vm->balloon_be, next_irq(vm),
				vm->balloon_report) ||
	    add_window(vm, "virtio-balloon", &vm->balloon.mmio))
		return -1;
	vm->has_balloon = 1;
	virtio_balloon_set_target(&vm->balloon, (vm->ram_size - target) / VIRTIO_BALLOON_PAGE_SIZE);
	return 0;
}

int vm_balloon_set(struct vm *vm, uint64_t target)
{
	if (!vm->has_balloon)
		return -ENODEV;
	if (target > vm->ram_size || target % VIRTIO_BALLOON_PAGE_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&vm->dev_lock);
	virtio_balloon_set_target(&vm->balloon, (vm->ram_size - target) / VIRTIO_BALLOON_PAGE_SIZE);
	pthread_mutex_unlock(&vm->dev_lock);
	return 0;
}

int vm_balloon_mem(struct vm *vm, uint64_t *current, uint64_t *target, uint64_t *max)
{
	uint64_t held;

	*current = *target = *max = vm->ram_size;
	if (!vm->has_balloon)
		return 0;
	pthread_mutex_lock(&vm->dev_lock);
	held = vm->balloon.count.released - vm->balloon.count.reclaimed;
	if (held > vm->balloon.count.released) /* the guest deflated more than it gave */
		held = 0;
	*current -= held * VIRTIO_BALLOON_PAGE_SIZE;
	*target -= (uint64_t)vm->balloon.config.num_pages * VIRTIO_BALLOON_PAGE_SIZE;
	pthread_mutex_unlock(&vm->dev_lock);
	return 1;
}

/* ACPI fixed hardware at the ports the FADT of drivers/firmware/acpi.c names, the
 * CMOS clock at 0x70 showing the host's time (UTC) when bvm starts, fw_cfg, PCI,
 * pc-testdev. */
static int add_pc_devices(struct vm *vm)
{
	acpi_pm_init(&vm->pm, &vm->env, poweroff, vm);
	rtc_cmos_init(&vm->rtc, &vm->env, (int64_t)time(NULL));
	pci_host_init(&vm->pci);
	pc_testdev_init(&vm->testdev, &vm->env);
	if (fw_cfg_init_pc(&vm->fw_cfg, &vm->env, vm->ncpus))
		return -1;
	return pc_platform_register(&(struct pc_platform){ .rtc = &vm->rtc,
							   .pm = &vm->pm,
							   .fw_cfg = &vm->fw_cfg,
							   .pci = &vm->pci,
							   .testdev = &vm->testdev },
				    &vm->bus, &vm->env);
}

int vm_add_devices(struct vm *vm, const struct bvm_options *o)
{
	static const uint8_t mac_base[6] = { 0x52, 0x54, 0x00, 0xb1, 0x00, 0x00 };
	uint8_t mac[6];

	if (add_pc_devices(vm))
		return -1;
	bvm_entropy_init(&vm->entropy);
	if (virtio_rng_init(&vm->rng, &vm->env, &vm->entropy, next_irq(vm)) ||
	    add_window(vm, "virtio-rng", &vm->rng.mmio))
		return -1;
	for (unsigned int i = 0; i < o->ndisks; i++, vm->ndisks++) {
		if (virtio_blk_init(&vm->blk[i], &vm->env, &vm->disk[i].store, next_irq(vm)) ||
		    add_window(vm, "virtio-blk", &vm->blk[i].mmio))
			return -1;
	}
	for (unsigned int i = 0; i < o->nnets; i++, vm->nnets++) {
		memcpy(mac, mac_base, sizeof(mac));
		mac[5] = (uint8_t)i;
		if (virtio_net_init(&vm->vnet[i], &vm->env, &vm->net[i].port, mac, next_irq(vm)) ||
		    add_window(vm, "virtio-net", &vm->vnet[i].mmio))
			return -1;
	}
	if (has_vconsole(o) &&
	    (virtio_console_init(&vm->vcon, &vm->env, &vm->vcon_stream.ops, next_irq(vm)) ||
	     add_window(vm, "virtio-console", &vm->vcon.mmio)))
		return -1;
	return o->balloon ? add_balloon(vm, o->balloon, o->balloon_report) : 0;
}

/* Called from the I/O thread: waits up to 10 ms for input, then polls every model. */
void vm_poll_devices(struct vm *vm)
{
	struct pollfd fds[BVM_MAX_NETS + 2];
	unsigned int n = 0;

	for (unsigned int i = 0; i < vm->nnets; i++)
		fds[n++] = (struct pollfd){ vm->net[i].fd, POLLIN, 0 };
	if (vm->console.in >= 0)
		fds[n++] = (struct pollfd){ vm->console.in, POLLIN, 0 };
	if (vm->vcon_stream.in >= 0)
		fds[n++] = (struct pollfd){ vm->vcon_stream.in, POLLIN, 0 };
	poll(fds, n, 10);
	pthread_mutex_lock(&vm->dev_lock);
	uart16550_poll(&vm->com1);
	virtio_rng_poll(&vm->rng);
	for (unsigned int i = 0; i < vm->nnets; i++)
		virtio_net_poll(&vm->vnet[i]);
	if (vm->vcon_stream.out >= 0)
		virtio_console_poll(&vm->vcon);
	pthread_mutex_unlock(&vm->dev_lock);
}
