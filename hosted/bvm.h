/*
 * hosted/bvm.h: the hosted VMM. A struct vm is one guest: its accelerator
 * (hosted/accel.h), its memory, its vCPU threads, and the address-range
 * registry that sends every port and MMIO access to a device model of
 * drivers/ (DESIGN.md seam 5).
 */
#ifndef HOSTED_BVM_H
#define HOSTED_BVM_H

#include <pthread.h>
#include <stdio.h>
#include <stdint.h>

#include "drivers/dm_env.h"
#include "drivers/firmware/loader.h"
#include "drivers/acpi_pm.h"
#include "drivers/iobus.h"
#include "drivers/pc_platform.h"
#include "drivers/rtc_cmos.h"
#include "drivers/uart16550.h"
#include "drivers/virtio_balloon.h"
#include "drivers/virtio_blk.h"
#include "drivers/virtio_console.h"
#include "drivers/virtio_net.h"
#include "drivers/virtio_rng.h"
#include "hosted/accel.h"
#include "hosted/backends.h"
#include "include/public/trace.h"

#define BVM_MAX_CPUS 16
#define BVM_MAX_DISKS 4
#define BVM_MAX_NETS 2
#define BVM_NAME_LEN 32 /* a guest's name with its NUL: letters, digits, '-', '_' */
/* virtio-mmio windows: drivers/pc_platform.h's layout */
#define BVM_MAX_VIRTIO PC_VIRTIO_MAX

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
	const char *vconsole;	       /* "none", "file=PATH" or "socket=FD" */
	uint64_t balloon;	       /* --balloon: the memory target in bytes; 0: no balloon */
	int balloon_report;	       /* --balloon SIZE,report: free page reporting offered */
	unsigned int watchdog;	       /* seconds until the guest is dumped and ended; 0: never */
	const struct accel_ops *accel; /* --accel (default: kvm) */
	char name[BVM_NAME_LEN];       /* --name, or the kernel file's name (accel_vm_config) */
	int share;		       /* --share: guest RAM is mergeable by the host's KSM */
	const char *trace;	       /* --trace FILE, or NULL */
	unsigned int gdb_port;	       /* --gdb: 0 none */
};

/* bvm's exit statuses besides the guest's own (README.md "The hosted mode: bvm"). */
#define BVM_EXIT_ENV 1	      /* no /dev/kvm (/dev/bivisor) to use, or an internal failure */
#define BVM_EXIT_BAD_INPUT 2  /* a bad option or file, found before /dev/kvm is opened */
#define BVM_EXIT_WATCHDOG 124 /* --watchdog ran out (as timeout(1)) */
#define BVM_EXIT_CRASH 255  /* the guest crashed: triple fault, the accelerator could not run it */
#define BVM_EXIT_SIGNAL 128 /* plus the signal's number: SIGINT, SIGTERM, SIGHUP */

/* What a vCPU thread counts of its exits (hosted/diag.c prints it). */
struct bvm_vcpu_stats {
	uint64_t exits; /* the guest's: not the kicks (ACCEL_EXIT_INTERRUPTED) */
	uint64_t by_kind[ACCEL_EXIT_KINDS];
	enum accel_exit_kind last_kind; /* likewise, the guest's last */
	uint64_t last_addr; /* the port or guest-physical address of the last I/O exit */
	uint32_t last_size;
	uint32_t last_write;
};

struct vm;
struct gdbstub; /* hosted/gdbstub.h */

/* One vCPU: the accelerator's vCPU, its thread, what it counted. */
struct bvm_vcpu {
	struct vm *vm;
	unsigned int id;
	struct accel_vcpu *acc; /* NULL: not created */
	pthread_t thread;
	int started;
	unsigned int diag_done; /* the last dump request it answered (vm->diag_gen) */
	struct bvm_vcpu_stats stats;
	uint64_t cpu_ns; /* its thread's CPU time once cpu_done (under vm->pause_lock) */
	int cpu_done;
	struct bv_trace_rec *trace; /* --trace: its ring of BVM_TRACE_RING records, or NULL */
	uint64_t traced;	    /* records ever written to it */
};

/* A byte stream on file descriptors: in < 0 gives no input, out < 0 takes no output. */
struct bvm_stream {
	int in, out;
	int empty_out;	      /* out is a file to empty when the guest starts */
	struct dm_stream ops; /* ops.ctx is the struct bvm_stream */
};

struct vm {
	const struct accel_ops *accel;
	struct accel_vm *acc;
	struct bvm_vcpu vcpu[BVM_MAX_CPUS];
	unsigned int ncpus;
	uint8_t *ram;
	uint64_t ram_size;
	struct dm_env env;
	struct iobus bus;	  /* its ports and MMIO ranges, with counts (drivers/iobus.c) */
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
	struct fw_cfg fw_cfg; /* QEMU's fw_cfg at 0x510: RAM, CPUs, e820 (drivers/fw_cfg.h) */
	struct pci_host pci;  /* configuration mechanism #1, a host bridge (the 8259s are KVM's) */
	struct pc_testdev testdev;     /* QEMU's pc-testdev: its IRQ ports reach KVM's irqchip */
	struct bvm_stream vcon_stream; /* out < 0: no virtio console */
	struct virtio_console vcon;
	struct dm_balloon balloon_be; /* madvise(MADV_DONTNEED) on the pages the guest gives */
	struct virtio_balloon balloon;
	int has_balloon, balloon_report;
	unsigned int nvirtio;	  /* virtio-mmio windows in use */
	volatile int exit_status; /* -1 while running */
	pthread_t main_thread;	  /* waits for signals and the watchdog (hosted/run.c) */
	pthread_t io_thread;
	int io_started;
	/* A register dump that every vCPU thread answers (hosted/diag.c). */
	pthread_mutex_t diag_lock;
	pthread_cond_t diag_cond;
	unsigned int diag_gen;
	char diag_text[BVM_MAX_CPUS][1024];
	/* bvm pause (hosted/manage.c): the vCPUs wait out of their runs while paused. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	int paused;
	unsigned int nparked;
	FILE *trace;	     /* --trace FILE (hosted/trace.c), or NULL */
	struct gdbstub *gdb; /* --gdb: serves gdb on vCPU 0's thread; NULL: none */
};

/* What hosted/inputs.c read and checked before the accelerator is opened. */
struct bvm_inputs {
	void *image, *initrd;
	size_t image_len, initrd_len;
	enum fw_image_kind kind; /* the image's, probed once */
};

/* hosted/inputs.c */
/*
 * Reads the kernel and initrd, loads them into a dry-run guest memory,
 * opens the disks, network ports and console streams into vm: every bad
 * file or option gets one line on stderr and -1, before the accelerator (/dev/kvm)
 * is touched.
 */
int inputs_open(struct vm *vm, const struct bvm_options *o, struct bvm_inputs *in);
/* Empties the --console and --vconsole files, once the guest is about to run. */
void inputs_start_streams(struct vm *vm);
/* Loads the guest image into env; tsc_khz goes on a Linux command line (0: none). */
int inputs_load(const struct dm_env *env, const struct bvm_options *o, const struct bvm_inputs *in,
		uint32_t tsc_khz, struct fw_boot_cpu *boot, char *err, size_t errlen);

/* hosted/trace.c: --trace FILE (docs/tracing.md) */
#define BVM_TRACE_RING (1u << 20) /* records per vCPU: the last ones are kept */
uint64_t trace_now(void);	  /* the TSC */
/* Opens FILE (before /dev/kvm), then gives each vCPU its ring; -1 (said why) on failure. */
int trace_open(struct vm *vm, const char *path);
int trace_start(struct vm *vm);
/* After v's handler ran for exit e, which KVM_RUN returned at TSC t0. */
void trace_record(struct bvm_vcpu *v, const struct accel_exit *e, uint64_t t0);
/* Writes every vCPU's records to the file and closes it; -1 if it could not. */
int trace_finish(struct vm *vm, const char *name);

/* hosted/run.c */
/* Creates vCPU id; the boot vCPU (0) gets the loader's state, the others wait for INIT. */
int vm_vcpu_create(struct vm *vm, unsigned int id, const struct fw_boot_cpu *boot);
/*
 * Runs every vCPU on its own thread, and the I/O thread, until the guest
 * ends; SIGQUIT dumps the vCPUs and devices, a watchdog (seconds, 0: none)
 * dumps and ends the guest. Every thread is stopped and joined on return.
 */
int vm_run(struct vm *vm, unsigned int watchdog);
/* The guest is over, with this status (the first caller wins): every thread stops. */
void vm_guest_ends(struct vm *vm, int status);
/* Kicks every vCPU out of its run (it goes on if the guest is not over). */
void vm_kick_vcpus(struct vm *vm);
/* Holds every vCPU out of its run until vm_unpause: 0 once all wait, -1 if the guest ended. */
int vm_pause(struct vm *vm);
void vm_unpause(struct vm *vm);
/* The CPU time the vCPU threads have used, in nanoseconds. */
uint64_t vm_cpu_ns(struct vm *vm);

/* hosted/bvm.c: the steps of `bvm run` that `bvm create` (hosted/manage.c) shares. */
/* After inputs_open: the VM on its accelerator, its devices, the guest loaded; frees in. */
int bvm_vm_setup(struct vm *vm, const struct bvm_options *o, struct bvm_inputs *in);
void bvm_vm_teardown(struct vm *vm);
/* --accel's accelerator by name, or NULL with one line said. */
const struct accel_ops *bvm_accel_by_name(const char *name);
/* A size with an optional K, M or G: 0, or -1 for anything else. */
int bvm_parse_size(const char *s, uint64_t *out);

/* hosted/manage.c: bvm create, list, pause, unpause, destroy, console, info. */
/* The verb's exit status, or -1 when argv[1] is not a management verb. */
int manage_main(int argc, char **argv);

/* hosted/diag.c */
/* Counts the exit v's run just ended with; a kick only by its kind. */
/* --share (hosted/ksm.c): marks guest RAM mergeable, 0 or -1 (said why). */
int ksm_mergeable(void *ram, uint64_t len);
/* One line of the host's /sys/kernel/mm/ksm counters: "PREFIX (run N): pages_shared N, ...". */
void ksm_report(FILE *out, const char *prefix);

void diag_count_exit(struct bvm_vcpu *v, const struct accel_exit *e);
/* On a vCPU's own thread: answers a pending dump request, if any. */
void diag_answer(struct bvm_vcpu *v);
/* On a vCPU's own thread, out of its run: prints its state now (a crash). */
void diag_print_vcpu(struct bvm_vcpu *v);
/* Asks every vCPU for its state, waits for the answers, prints them and the devices. */
void diag_dump(struct vm *vm, const char *why);

/* hosted/devices.c */
/* How many virtio-mmio windows o asks for: the rng, the disks, the nets, the console, the balloon.
 */
unsigned int vm_virtio_count(const struct bvm_options *o);
/* Window n's address, length and IRQ, as vm_add_devices gives it and Linux is told. */
struct fw_virtio_mmio vm_virtio_window(unsigned int n);
int vm_add_devices(struct vm *vm, const struct bvm_options *o);
void vm_poll_devices(struct vm *vm);
/*
 * The balloon's memory target, in bytes (whole pages, at most guest RAM): 0,
 * or -ENODEV without a balloon, -EINVAL for a bad size. Takes dev_lock.
 */
int vm_balloon_set(struct vm *vm, uint64_t target);
/* Guest RAM now (less what the balloon released), the target, the maximum; 0: no balloon. */
int vm_balloon_mem(struct vm *vm, uint64_t *current, uint64_t *target, uint64_t *max);

/* hosted/io.c */
/* The guest's dm_env and its empty I/O bus, whose device calls take dev_lock. */
void vm_env_init(struct vm *vm);

/* hosted/doctor.c: `bvm doctor`, what this host offers bvm; always returns 0. */
int doctor_main(void);

#endif
