/*
 * include/public/domctl.h: the argument structures of the service domain's
 * control hypercalls (include/public/hypercall.h has the numbers). A new
 * domain's RAM is pages of the service domain (as ACRN's Service VM and
 * KVM_SET_USER_MEMORY_REGION do it): the service creates the domain, hands
 * over its own pages with BV_HC_MEMORY_POPULATE, loads the image into them
 * itself, sets the boot vCPU's registers and starts it. On destroy those
 * pages go back to the service domain, which never stopped owning them:
 * BV_HC_DOMAIN_DESTROY pauses a running client first, then waits (up to
 * 100 ms) until none of its vCPUs is on a CPU, so when it returns 0 the
 * client's tables are gone and the service may reuse the pages at once. It
 * returns -EBUSY, with the client paused and nothing freed, when a vCPU is
 * still on a CPU after that (an emulated CPU its host did not run): the
 * service calls it again, and must not reuse the pages before it returns 0.
 * Every field is checked by the hypervisor; the offsets are part of the ABI.
 */
#ifndef PUBLIC_DOMCTL_H
#define PUBLIC_DOMCTL_H

#include <stdint.h>

#define BV_PAGE_SIZE 4096u
#define BV_NAME_LEN 32	       /* NUL-terminated; letters, digits, '-' and '_' */
#define BV_MAX_VCPUS 16	       /* vCPUs of a domain */
#define BV_POPULATE_MAX 512u   /* pages per BV_HC_MEMORY_POPULATE */
#define BV_COPY_MAX (1u << 20) /* bytes per BV_HC_MEMORY_READ / _WRITE */

/* BV_HC_DOMAIN_CREATE: a paused domain with vcpus vCPUs and no RAM mapped yet. */
struct bv_domain_create {
	char name[BV_NAME_LEN]; /*  0 */
	uint64_t mem;		/* 32: guest RAM [0, mem), a multiple of BV_PAGE_SIZE, >= 2 MiB */
	uint32_t vcpus;		/* 40: 1 to BV_MAX_VCPUS */
	uint32_t flags;		/* 44: BV_DOMAIN_* */
};
/*
 * The client's COM1 (ports 0x3f8-0x3ff, IRQ 4) is not emulated by the
 * hypervisor but left free for the service's ioreq server, so the service's
 * own 16550 model (bvm's) is the domain's serial console. Every other bit of
 * flags is reserved: -EINVAL.
 */
#define BV_DOMAIN_FORWARD_COM1 (1u << 0)
_Static_assert(sizeof(struct bv_domain_create) == 48, "bv_domain_create");

/*
 * BV_HC_MEMORY_POPULATE: client page gpa + i * BV_PAGE_SIZE becomes the
 * service's page frames[i] (a service guest-physical address, page-aligned,
 * inside the service's RAM), for i < count. The client range must lie in
 * [0, mem) and not be populated yet.
 */
struct bv_memory_populate {
	uint32_t domid;	     /*  0 */
	uint32_t count;	     /*  4: 1 to BV_POPULATE_MAX */
	uint64_t gpa;	     /*  8: client guest-physical, page-aligned */
	uint64_t frames_gpa; /* 16: service gpa of uint64_t frames[count] */
};
_Static_assert(sizeof(struct bv_memory_populate) == 24, "bv_memory_populate");

/* BV_HC_VCPU_SET_REGS: a vCPU's state at its start (what a Multiboot or Linux loader asks). */
enum bv_cpu_mode {
	BV_CPU_PROT32 = 0, /* 32-bit protected mode, flat segments, paging off (Multiboot) */
	BV_CPU_LONG64 = 1, /* 64-bit mode, page tables at cr3, a flat GDT */
};

struct bv_vcpu_regs {
	uint32_t domid;	    /*  0 */
	uint32_t vcpu;	    /*  4 */
	uint32_t mode;	    /*  8: enum bv_cpu_mode */
	uint32_t pad;	    /* 12: 0 */
	uint64_t rip;	    /* 16 */
	uint64_t rsp;	    /* 24 */
	uint64_t rax;	    /* 32 */
	uint64_t rbx;	    /* 40 */
	uint64_t rsi;	    /* 48 */
	uint64_t rdi;	    /* 56 */
	uint64_t cr3;	    /* 64: BV_CPU_LONG64: the PML4's client gpa */
	uint64_t gdt_base;  /* 72: client gpa of the GDT */
	uint16_t gdt_limit; /* 80 */
	uint16_t code_sel;  /* 82: CS: a code descriptor of that GDT */
	uint16_t data_sel;  /* 84: DS, ES, FS, GS, SS */
	uint16_t pad2;	    /* 86: 0 */
};
_Static_assert(sizeof(struct bv_vcpu_regs) == 88, "bv_vcpu_regs");

/* BV_HC_MEMORY_READ / _WRITE: copies len bytes between client gpa and service buf_gpa. */
struct bv_memory_copy {
	uint32_t domid;	  /*  0 */
	uint32_t len;	  /*  4: 1 to BV_COPY_MAX */
	uint64_t gpa;	  /*  8: client guest-physical */
	uint64_t buf_gpa; /* 16: service guest-physical */
};
_Static_assert(sizeof(struct bv_memory_copy) == 24, "bv_memory_copy");

/*
 * BV_HC_MEMORY_MAP: the client's pages [gpa, gpa + count pages) appear in the
 * service's physical address space at service_gpa (page-aligned, above the
 * service's RAM and below 2^46), read-write, until the client is destroyed.
 */
struct bv_memory_map {
	uint32_t domid;	      /*  0 */
	uint32_t count;	      /*  4: 1 to BV_POPULATE_MAX */
	uint64_t gpa;	      /*  8 */
	uint64_t service_gpa; /* 16 */
};
_Static_assert(sizeof(struct bv_memory_map) == 24, "bv_memory_map");

/*
 * BV_HC_DOMAIN_INFO(domid, gpa, how): a client's state as the hypervisor
 * keeps it (only the caller's own clients; the service itself and domains
 * GRUB started are not listed). how = 0: client domid, -EINVAL if there is
 * none. how = BV_DOMAIN_INFO_NEXT: the client with the smallest id greater
 * than domid, -ENOENT when there is none; so a caller lists every client by
 * starting from domid 0 and passing each answer's domid back. Ids are never
 * reused while the hypervisor runs. Other values of how: -EINVAL.
 */
#define BV_DOMAIN_INFO_NEXT 1
enum bv_domain_state {
	BV_DOMAIN_CREATED = 0, /* made, not started */
	BV_DOMAIN_RUNNING = 1,
	BV_DOMAIN_PAUSED = 2,
	BV_DOMAIN_ENDED = 3,   /* it wrote the test-exit port or powered off: status is valid */
	BV_DOMAIN_CRASHED = 4, /* a fault, or its service stopped answering */
};

struct bv_domain_info {
	uint32_t domid;		/*  0 */
	uint32_t state;		/*  4: enum bv_domain_state */
	int32_t exit_status;	/*  8: BV_DOMAIN_ENDED: the guest's status; else -1 */
	uint32_t vcpus;		/* 12 */
	uint64_t mem;		/* 16 */
	uint64_t populated;	/* 24: pages given so far */
	char name[BV_NAME_LEN]; /* 32 */
	uint64_t cpu_ns; /* 64: CPU time its vCPUs have run, summed (the scheduler's count) */
};
_Static_assert(sizeof(struct bv_domain_info) == 72, "bv_domain_info");

#endif
