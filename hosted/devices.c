/*
 * hosted/devices.c: bvm's virtio devices. Each gets the next virtio-mmio
 * window (0xfeb00000 + 0x200 * n, as QEMU's microvm lays them out) and the
 * next IOAPIC input from 16 on; a virtio-rng device is always there, then one
 * virtio-blk per --disk and one virtio-net per --net. The Linux command line
 * names them with virtio_mmio.device=512@ADDR:IRQ.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "hosted/bvm.h"

static int add_window(struct vm *vm, const char *name, struct virtio_mmio *t)
{
	uint64_t base = BVM_VIRTIO_BASE + (uint64_t)vm->nvirtio * BVM_VIRTIO_STRIDE;
	struct dm_io_region r = { name,
				  DM_SPACE_MMIO,
				  base,
				  VIRTIO_MMIO_REGION_LEN,
				  virtio_mmio_io_read,
				  virtio_mmio_io_write,
				  t };

	vm->nvirtio++;
	return vm_register_io(vm, &r);
}

static unsigned int next_irq(struct vm *vm)
{
	return BVM_VIRTIO_IRQ + vm->nvirtio;
}

int vm_add_devices(struct vm *vm, const struct bvm_options *o)
{
	static const uint8_t mac_base[6] = { 0x52, 0x54, 0x00, 0xb1, 0x00, 0x00 };
	uint8_t mac[6];

	bvm_entropy_init(&vm->entropy);
	if (virtio_rng_init(&vm->rng, &vm->env, &vm->entropy, next_irq(vm)) ||
	    add_window(vm, "virtio-rng", &vm->rng.mmio))
		return -1;
	for (unsigned int i = 0; i < o->ndisks; i++, vm->ndisks++) {
		if (bvm_disk_open(&vm->disk[i], o->disks[i], i) ||
		    virtio_blk_init(&vm->blk[i], &vm->env, &vm->disk[i].store, next_irq(vm)) ||
		    add_window(vm, "virtio-blk", &vm->blk[i].mmio))
			return -1;
	}
	for (unsigned int i = 0; i < o->nnets; i++, vm->nnets++) {
		memcpy(mac, mac_base, sizeof(mac));
		mac[5] = (uint8_t)i;
		if (bvm_net_open(&vm->net[i], o->nets[i]) ||
		    virtio_net_init(&vm->vnet[i], &vm->env, &vm->net[i].port, mac, next_irq(vm)) ||
		    add_window(vm, "virtio-net", &vm->vnet[i].mmio))
			return -1;
	}
	return 0;
}

/* Called from the I/O thread: waits up to 10 ms for input, then polls every model. */
void vm_poll_devices(struct vm *vm)
{
	struct pollfd fds[BVM_MAX_NETS + 1];
	unsigned int n = 0;

	for (unsigned int i = 0; i < vm->nnets; i++)
		fds[n++] = (struct pollfd){ vm->net[i].fd, POLLIN, 0 };
	if (vm->console_in >= 0)
		fds[n++] = (struct pollfd){ vm->console_in, POLLIN, 0 };
	poll(fds, n, 10);
	pthread_mutex_lock(&vm->dev_lock);
	uart16550_poll(&vm->com1);
	virtio_rng_poll(&vm->rng);
	for (unsigned int i = 0; i < vm->nnets; i++)
		virtio_net_poll(&vm->vnet[i]);
	pthread_mutex_unlock(&vm->dev_lock);
}
