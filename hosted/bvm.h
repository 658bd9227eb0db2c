/*
 * hosted/bvm.h: the hosted VMM. A struct vm is one guest on /dev/kvm: its
 * memory, its vCPU threads, and the address-range registry that sends every
 * port and MMIO access to a device model of drivers/ (DESIGN.md seam 5).
 */
#ifndef HOSTED_BVM_H
#define HOSTED_BVM_H

#include <pthread.h>
#include <stdint.h>

#include "drivers/dm_env.h"
#include "drivers/firmware/loader.h"
#include "drivers/acpi_pm.h"
#include "drivers/rtc_cmos.h"
#include "drivers/uart16550.h"
#include "drivers/virtio_blk.h"
#include "drivers/virtio_console.h"
#include "drivers/virtio_net.h"
#include "drivers/virtio_rng.h"
#include "hosted/backends.h"

#define BVM_MAX_CPUS 16
#define BVM_MAX_IO 32
#define BVM_MAX_DISKS 4
#define BVM_MAX_NETS 2
/* virtio-mmio windows as on QEMU's microvm machine, so test guests find them alike */
#define BVM_VIRTIO_BASE 0xfeb00000ull
#define BVM_VIRTIO_STRIDE 0x200
/*
 * One ISA IRQ per device: the MADT (drivers/firmware/acpi.c) makes them level,
 * active high, which is how the models drive them (GSIs 16-23 would be
 * active low to Linux).
 */
#define BVM_VIRTIO_IRQS                                                                            \
	{                                                                                          \
		5, 6, 7, 10, 11, 12, 14, 15                                                        \
	}
#define BVM_MAX_VIRTIO 8

struct bvm_options {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem;
	unsigned int cpus;
	const char *console; /* "stdio" or "file=PATH" */
	const char *disks[BVM_MAX_DISKS];
	unsigned int ndisks;
	const char *nets[BVM_MAX_NETS];
	unsigned int nnets;
	const char *vconsole; /* "none", "file=PATH" or "socket=FD" */
};

/* A byte stream on file descriptors: in < 0 gives no input, out < 0 takes no output. */
struct bvm_stream {
	int in, out;
	struct dm_stream ops; /* ops.ctx is the struct bvm_stream */
};

struct vm {
	int kvm_fd, vm_fd;
	int vcpu_fd[BVM_MAX_CPUS];
	struct kvm_run *run[BVM_MAX_CPUS];
	unsigned int ncpus;
	uint8_t *ram;
	uint64_t ram_size;
	struct dm_env env;
	struct dm_io_region io[BVM_MAX_IO];
	unsigned int nio;
	pthread_mutex_t dev_lock; /* device models are not thread-safe: one access at a time */
	struct uart16550 com1;
	struct bvm_stream console; /* COM1's */
	struct bvm_disk disk[BVM_MAX_DISKS];
	struct virtio_blk blk[BVM_MAX_DISKS];
	unsigned int ndisks;
	struct bvm_net net[BVM_MAX_NETS];
	struct virtio_net vnet[BVM_MAX_NETS];
	unsigned int nnets;
	struct dm_entropy entropy;
	struct virtio_rng rng;
	struct acpi_pm pm; /* the guest's ACPI power-off */
	struct rtc_cmos rtc;
	struct bvm_stream vcon_stream; /* out < 0: no virtio console */
	struct virtio_console vcon;
	unsigned int nvirtio;	  /* virtio-mmio windows in use */
	volatile int exit_status; /* -1 while running */
};

/* hosted/kvm.c */
int kvm_vm_create(struct vm *vm, uint64_t mem, unsigned int cpus, char *err, size_t errlen);
int kvm_vcpu_setup(struct vm *vm, unsigned int id, const struct fw_boot_cpu *boot);
uint32_t kvm_tsc_khz(struct vm *vm);
/* Runs every vCPU on its own thread until the guest ends; returns its exit status. */
int kvm_vm_run(struct vm *vm);

/* hosted/devices.c */
unsigned int vm_virtio_irq(unsigned int n);
int vm_add_devices(struct vm *vm, const struct bvm_options *o);
void vm_poll_devices(struct vm *vm);

/* hosted/kvm.c: the guest is over, with this status (the first caller wins). */
void vm_guest_ends(struct vm *vm, int status);

/* hosted/io.c */
int vm_register_io(struct vm *vm, const struct dm_io_region *r);
/* Dispatches one access; unclaimed reads give all ones, unclaimed writes are dropped. */
void vm_io(struct vm *vm, enum dm_space space, uint64_t addr, unsigned int size, int is_write,
	   uint64_t *value);
void vm_env_init(struct vm *vm);

#endif
