/*
 * hosted/accel.h: bvm's accelerator seam (DESIGN.md seam 5, docs/design.md
 * "bvm's accelerators"). An accelerator creates the VM and its vCPUs, backs
 * guest-physical ranges with bvm's own memory, runs a vCPU until an exit it
 * decodes into a struct accel_exit, and reads and writes a neutral register
 * set. Its state stays behind struct accel_vm and struct accel_vcpu, which
 * only its own file defines: hosted/kvm.c (/dev/kvm) and hosted/bivisor.c
 * (/dev/bivisor, the module of bivisor's Linux service guest). Nothing above
 * this header includes <linux/kvm.h> or include/public/bivisor_dev.h.
 */
#ifndef HOSTED_ACCEL_H
#define HOSTED_ACCEL_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dm_env.h"

struct accel_vm;   /* the accelerator's VM, defined in its own file */
struct accel_vcpu; /* the accelerator's vCPU, defined in its own file */

/* Why a run ended; the table of hosted/run.c handles each kind. */
enum accel_exit_kind {
	ACCEL_EXIT_OTHER,	/* an exit bvm does not know: error.code is the raw reason */
	ACCEL_EXIT_IO,		/* port I/O: io */
	ACCEL_EXIT_MMIO,	/* an access to guest-physical memory without RAM: mmio */
	ACCEL_EXIT_HALT,	/* hlt with no interrupt to wake the vCPU (no in-kernel LAPIC) */
	ACCEL_EXIT_SHUTDOWN,	/* a triple fault */
	ACCEL_EXIT_FAIL_ENTRY,	/* the hardware refused the vCPU's state: error.code */
	ACCEL_EXIT_INTERNAL,	/* the accelerator could not go on: error.code */
	ACCEL_EXIT_SYSTEM,	/* the guest asked for power-off, reset or a crash: system */
	ACCEL_EXIT_INTERRUPTED, /* a kick or a signal: nothing for the guest */
	ACCEL_EXIT_DEBUG,	/* a breakpoint or single step asked by set_debug: debug */
	ACCEL_EXIT_KINDS
};

enum accel_system_event {
	ACCEL_SYSTEM_POWEROFF, /* S5 */
	ACCEL_SYSTEM_RESET,
	ACCEL_SYSTEM_CRASH,
	ACCEL_SYSTEM_OTHER,
};

/*
 * One exit. The data of port I/O and MMIO lives in the accelerator's buffer:
 * a write's value is there, a read's answer is left there, and the next
 * vcpu_run hands it to the guest. String I/O (rep ins/outs) comes as count
 * accesses of size bytes each, one after the other in data.
 */
struct accel_exit {
	enum accel_exit_kind kind;
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			uint8_t write;
			uint32_t count;
			uint8_t *data; /* count * size bytes */
		} io;
		struct {
			gpa_t addr;
			uint32_t size; /* 1 to 8 */
			uint8_t write;
			uint8_t *data; /* size bytes */
		} mmio;
		struct {
			enum accel_system_event event;
			int status; /* POWEROFF: the guest's exit status (0 for ACPI S5) */
		} system;
		struct {
			uint32_t vector; /* 1 (#DB: a step, a hardware breakpoint) or 3 (#BP) */
			uint64_t pc;	 /* the linear address of the instruction it stopped at */
		} debug;
		struct {
			uint64_t code;	 /* the accelerator's own reason, for the message */
			const char *msg; /* NULL, or what went wrong in words (it says it) */
		} error;
	};
};

/* A segment register as the loaders set it and the dumps show it. */
struct accel_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, s, db, l, g;
};

/* What a vCPU waits for (the dumps say it); set_regs leaves it as it is. */
enum accel_vcpu_state {
	ACCEL_VCPU_UNKNOWN,
	ACCEL_VCPU_RUNNABLE,
	ACCEL_VCPU_WAIT_INIT, /* an AP before INIT */
	ACCEL_VCPU_WAIT_SIPI,
	ACCEL_VCPU_HALTED,
};

/*
 * The registers of a vCPU bvm reads and writes: enough for the loaders'
 * initial state (drivers/firmware/loader.h struct fw_boot_cpu) and the
 * dumps of hosted/diag.c. set_regs keeps whatever else the vCPU holds.
 */
struct accel_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	struct accel_segment cs, ds, es, fs, gs, ss;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	enum accel_vcpu_state state;
};

#define ACCEL_HW_BPS 4 /* debug registers DR0-DR3 (Intel SDM vol. 3B 18.2) */

/*
 * What a debugger asks of a vCPU (hosted/gdbstub.c): with enable, an INT3
 * of the guest exits to bvm (ACCEL_EXIT_DEBUG, vector 3) instead of reaching
 * its IDT, a single step exits after one instruction, and the instruction
 * breakpoints of hw_bp whose bit is in hw_mask exit before they run.
 */
struct accel_debug {
	int enable;
	int single_step;
	unsigned int hw_mask;
	uint64_t hw_bp[ACCEL_HW_BPS]; /* linear addresses */
};

/* What vm_create makes: the guest's name (letters, digits, '-', '_'), RAM, vCPUs. */
struct accel_vm_config {
	const char *name;
	uint64_t mem; /* bytes of RAM from guest-physical 0 */
	unsigned int ncpus;
};

/*
 * One accelerator. Calls that fail return a negative errno. vcpu_run,
 * get_regs and set_regs are called on the vCPU's own thread only; vcpu_kick
 * from any thread or a signal handler.
 */
struct accel_ops {
	const char *name; /* what --accel takes */
	/* A VM for cfg with its interrupt controllers; err says why not. */
	int (*vm_create)(struct accel_vm **vm, const struct accel_vm_config *cfg, char *err,
			 size_t errlen);
	/* Backs [gpa, gpa + len) with bvm's memory at hva (page aligned). */
	int (*mem_add)(struct accel_vm *vm, gpa_t gpa, uint64_t len, void *hva);
	/* The guest's TSC rate in kHz, 0 when unknown. */
	uint32_t (*tsc_khz)(struct accel_vm *vm);
	/* vCPU id, with bivisor's CPUID; the boot vCPU runs, the others wait for INIT. */
	int (*vcpu_create)(struct accel_vm *vm, unsigned int id, struct accel_vcpu **vcpu);
	/* Completes the last exit, runs the vCPU until the next one, decodes it. */
	int (*vcpu_run)(struct accel_vcpu *vcpu, struct accel_exit *exit);
	int (*get_regs)(struct accel_vcpu *vcpu, struct accel_regs *regs);
	int (*set_regs)(struct accel_vcpu *vcpu, const struct accel_regs *regs);
	/*
	 * Makes the current or next vcpu_run return ACCEL_EXIT_INTERRUPTED soon.
	 * hosted/run.c then also sends the vCPU's thread SIGUSR1 (a no-op handler
	 * without SA_RESTART), which ends a run blocked in a system call.
	 */
	void (*vcpu_kick)(struct accel_vcpu *vcpu);
	/* Drives interrupt line (a GSI: ISA IRQ or IOAPIC pin) to level. */
	int (*irq_line)(struct accel_vm *vm, unsigned int line, int level);
	/*
	 * Optional (NULL: every access without RAM exits to bvm anyway): the
	 * ports (is_mmio 0) or guest-physical range [base, base + len) bvm
	 * serves; every other access stays the accelerator's. Before any vcpu_run.
	 */
	int (*io_claim)(struct accel_vm *vm, int is_mmio, uint64_t base, uint64_t len);
	/* Optional (NULL: bvm --gdb is refused): sets the vCPU's debug controls. */
	int (*set_debug)(struct accel_vcpu *vcpu, const struct accel_debug *debug);
	/* Optional, with set_debug: the guest-physical address of linear address la
	 * in the vCPU's current mode (the same when paging is off); -EFAULT unmapped. */
	int (*translate)(struct accel_vcpu *vcpu, uint64_t la, gpa_t *gpa);
	/* Frees the vCPUs and the VM (not bvm's memory); vm may be half built. */
	void (*vm_destroy)(struct accel_vm *vm);
};

extern const struct accel_ops accel_kvm_ops;	 /* hosted/kvm.c */
extern const struct accel_ops accel_bivisor_ops; /* hosted/bivisor.c */

/*
 * hosted/bivisor.c, for `bvm doctor`: 0 when /dev/bivisor opens and speaks
 * bvm's version, else a negative errno (-ENOENT: absent); msg says which.
 */
int bivisor_doctor(char *msg, size_t len);

#endif
