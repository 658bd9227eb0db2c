/*
 * kernel/domain.h: a domain (a guest) and its vCPUs. A domain owns its
 * guest-physical RAM (host frames from the frame pool), its vCPUs, its I/O
 * bus (drivers/iobus.c) and a name; everything it owns returns to the pool when it
 * is destroyed.
 */
#ifndef KERNEL_DOMAIN_H
#define KERNEL_DOMAIN_H

#include <stdint.h>

#include "drivers/dm_env.h"
#include "drivers/iobus.h"
#include "drivers/pc_platform.h"
#include "drivers/uart16550.h"
#include "kernel/gpt.h"
#include "kernel/guest_console.h"
#include "kernel/ioreq.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/trace.h"
#include "kernel/vlapic.h"
#include "kernel/virt.h"

struct share_domain;
struct balloon_domain;

#define DOMAIN_NAME_LEN 32
#define DOMAIN_MAX_VCPUS 16
#define MAX_DOMAINS 16
#define DOMAIN_MAX_MAPS 32 /* BV_HC_MEMORY_MAP calls per client */

enum vcpu_state {
	VCPU_RUNNABLE, /* on a run queue */
	VCPU_RUNNING,  /* on a CPU now */
	VCPU_BLOCKED,  /* waits for an interrupt (HLT) or a SIPI; costs no CPU time */
	VCPU_PAUSED,   /* its domain is paused */
	VCPU_DEAD,
};

enum vcpu_wait {
	WAIT_NONE,
	WAIT_HLT,	/* HLT with interrupts on: any interrupt wakes it */
	WAIT_HLT_NOIRQ, /* HLT with interrupts off: only NMI or INIT */
	WAIT_SIPI,	/* an AP before its start-up IPI (SDM 8.4) */
	WAIT_IOREQ,	/* a forwarded access waits for the service (kernel/ioreq.c); no
			   interrupt wakes it */
};

/*
 * A vCPU's x87 and SSE state while it is off its CPU: the 512-byte FXSAVE
 * image (Intel SDM vol. 1 10.5.1), 16-byte aligned inside fpu_raw. Guests
 * see neither XSAVE nor AVX (drivers/cpu_policy.c), so x87, MXCSR and
 * XMM0-15 are all the state two guests on one CPU could share.
 */
#define VCPU_FPU_SIZE 512

struct vcpu {
	struct domain *dom;
	uint8_t fpu_raw[VCPU_FPU_SIZE + 16];
	unsigned int id;
	unsigned int cpu; /* the CPU it runs on, or whose run queue holds it, or ran on last */
	enum vcpu_state state;
	enum vcpu_wait wait;
	void *arch; /* the backend's per-vCPU state (VMCB or VMCS and registers) */
	struct vlapic lapic;
	int posted_vec; /* the vLAPIC vector injected at the last entry, or -1 */
	uint64_t exits[VM_EXIT_NR_KINDS];
	uint64_t exit_rip; /* guest RIP at its last exit, for the debug console */
	uint64_t run_ns;   /* CPU time it has used */
	uint64_t switches; /* times it was put on a CPU */
	uint64_t migrations;
	union sched_vcpu_priv sched; /* the scheduling policy's own state */
	struct vcpu *next;	     /* in its run queue */
	struct vcpu_ioreq io;	     /* its forwarded access, if any (kernel/ioreq.c) */
	struct vcpu_trace trace;     /* its exit trace (trace=N, kernel/trace.c) */
};

/* Scheduling parameters (Xen's credit scheduler: weight 1-65535, cap in percent of one CPU). */
#define DOMAIN_WEIGHT_DEFAULT 256
#define DOMAIN_WEIGHT_MAX 65535

enum domain_state {
	DOMAIN_RUNNING,
	DOMAIN_ENDED,	/* the guest asked to end (port 0xf4) */
	DOMAIN_CRASHED, /* a guest fault or a broken policy ended it */
};

struct domain {
	char name[DOMAIN_NAME_LEN];
	unsigned int id;
	enum domain_state state;
	int exit_status;
	hpa_t ram_hpa; /* contiguous, 2 MiB aligned; 0 for a client (pages of its service) or
			  lazy=1 (pages backed at their first touch, kernel/balloon.c) */
	uint64_t ram_size;
	uint64_t frames; /* frames this domain holds (RAM, nested tables, control blocks) */
	struct gpt gpt;	 /* guest-physical tables in the backend's format (kernel/gpt.c) */
	struct vcpu *vcpus[DOMAIN_MAX_VCPUS];
	unsigned int nvcpus;
	unsigned int weight, cap; /* cap 0: none */
	uint64_t affinity;	  /* host CPUs its vCPUs may run on (cpus=) */
	int paused;
	int destroying;		       /* its last vCPU stopped: one CPU is destroying it */
	union sched_domain_priv sched; /* the scheduling policy's own state */
	volatile uint64_t progress;    /* writes to the progress port 0xf5 */
	uint64_t progress_at_pause;    /* when its last vCPU left its CPU after a pause */
	struct vlapic_env lapic_env;
	struct platform *plat; /* its PC devices (kernel/platform.c), or NULL */
	spinlock_t dev_lock;   /* held around every device model call */
	int reset_requested;   /* the guest wrote the reset register */
	struct dm_env env;
	struct iobus bus;	      /* its ports and MMIO ranges, with counts (drivers/iobus.c) */
	int lapic_counter;	      /* the bus counter of xAPIC page accesses */
	struct guest_console console; /* COM1 and its lines (kernel/guest_console.c) */
	unsigned int role;	      /* BV_CPUID_ROLE_* (module option role=service) */
	/* A client, made by the service's BV_HC_DOMAIN_CREATE (kernel/domctl.c): */
	struct domain *service;	    /* its service domain; NULL for a domain from a module */
	int life;		    /* enum domctl_life */
	int started;		    /* BV_HC_DOMAIN_START ran */
	uint64_t populated;	    /* pages given by BV_HC_MEMORY_POPULATE */
	unsigned int port;	    /* its event channel port (kernel/evtchn.c), 0: none */
	struct ioreq_server *ioreq; /* the ranges its service serves (kernel/ioreq.c) */
	unsigned int refs;	    /* the service domain: 1 + its clients not yet freed */
	struct domain_map {	    /* BV_HC_MEMORY_MAP: its pages in the service's space */
		gpa_t service_gpa;
		uint64_t len;
	} maps[DOMAIN_MAX_MAPS];
	unsigned int nmaps;
	struct share_domain *share;	/* share=1: its pages' state (kernel/share.c), else NULL */
	struct balloon_domain *balloon; /* balloon=SIZE: its balloon (kernel/balloon.c), or NULL */
};

struct domain_config {
	char name[DOMAIN_NAME_LEN];
	uint64_t mem;
	unsigned int vcpus;
	unsigned int weight, cap;
	uint64_t affinity; /* 0: every CPU */
	int client;	   /* no RAM of its own: BV_HC_MEMORY_POPULATE maps its service's */
	int no_com1;	   /* ports 0x3f8-0x3ff left free (BV_DOMAIN_FORWARD_COM1) */
	int share;	   /* share=1: its pages may be merged (kernel/share.c) */
	uint64_t balloon;  /* balloon=SIZE: a virtio balloon with that target (kernel/balloon.c) */
	int lazy;	   /* lazy=1: no RAM block; each page backed at its first touch */
};

/* Creates a domain with RAM and its vCPUs (vCPU 0 the BSP, the others waiting for a
 * SIPI); returns NULL and logs why on failure. */
struct domain *domain_create(const struct domain_config *cfg);
struct fw_module;
/* Loads a boot image, and its Multiboot modules, into the domain and sets the boot vCPU's state. */
int domain_load(struct domain *d, const void *image, uint64_t len, const char *cmdline,
		const struct fw_module *mods, unsigned int nmods);
/* Frees everything the domain holds; the domain must have no running vCPU. */
void domain_destroy(struct domain *d);
/* A guest-caused failure: prints reason and registers, ends the domain. */
void domain_crash(struct domain *d, struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Ended from outside (its service destroyed it): one line, no dump; it counts as crashed. */
void domain_kill(struct domain *d, const char *why);
/* The guest ended itself with a status (port 0xf4). */
void domain_end(struct domain *d, int status);
/* One line of exit counts per reason, summed over its vCPUs (at its end, debug key e). */
void domain_print_exits(struct domain *d);

/* Frames allocated on behalf of a domain are counted, so their return can be checked. */
hpa_t domain_frame_alloc(struct domain *d);
void domain_frames_free(struct domain *d, hpa_t pa, uint64_t n);
/* Sets up d->gpt in a backend's format with frames counted to the domain; the
 * backends' virt_ops map, unmap and protect are the three functions after it. */
int __must_check domain_gpt_init(struct domain *d, const struct gpt_format *fmt);
int domain_gpt_map(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot);
int domain_gpt_unmap(struct domain *d, gpa_t gpa, uint64_t len);
int domain_gpt_protect(struct domain *d, gpa_t gpa, uint64_t len, unsigned int prot);
/* The host frame behind guest-physical gpa: its RAM or a populated page; -EFAULT if none. */
int domain_gpa_to_hpa(struct domain *d, gpa_t gpa, hpa_t *hpa);

struct fw_boot_cpu;
/* Puts the vCPU in the state a loader asked for (kernel/vcpu.c). */
void vcpu_set_boot_state(struct vcpu *v, const struct fw_boot_cpu *c);
/* Reads guest memory at a guest-virtual address through the guest's page tables. */
int vcpu_read_gva(struct vcpu *v, gva_t gva, void *buf, unsigned int len);
/* Writes guest memory at a guest-virtual address (string port I/O's INS). */
int vcpu_write_gva(struct vcpu *v, gva_t gva, const void *buf, unsigned int len);
void vcpu_dump(struct vcpu *v);
/* The architectural state after INIT (SDM 10.1.1 table 10-1): real mode at F000:FFF0. */
void vcpu_reset_state(struct vcpu *v);
/* An AP's start after a SIPI with vector vec: real mode at vec:0000 (SDM 8.4.4). */
void vcpu_sipi_state(struct vcpu *v, uint8_t vec);

#endif
