/*
 * hosted/bivisor.c: bvm's bivisor accelerator (hosted/accel.h) on /dev/bivisor,
 * the module of bivisor's Linux service guest (include/public/bivisor_dev.h).
 * The domain's vCPUs run inside the hypervisor, which emulates the PC itself;
 * bvm sees only the accesses to the ranges it claimed, forwarded as ioreqs
 * (include/public/ioreq.h): vCPU i's thread waits in BIVISOR_RUN for vCPU i's
 * next ioreq and answers it with the RUN after. The boot state is the
 * hypervisor's BV_HC_VCPU_SET_REGS (include/public/domctl.h struct bv_vcpu_regs).
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hosted/bivisor.h"

#define BIVISOR_DEV "/dev/bivisor"
#define BIVISOR_MAX_MEM (3ull << 30) /* one RAM range from 0, below the PCI hole */
#define BIVISOR_IRQ_LINES 24	     /* the vIOAPIC's pins */
#define PORT_SPACE 0x10000ull

#define CR0_PE 0x1ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define RFLAGS_FIXED 0x2ull

struct accel_vcpu {
	struct accel_vm *vm;
	unsigned int id;
	int created;
	int kicked;	 /* vcpu_kick's flag, taken by vcpu_run */
	int answer;	 /* the last ioreq waits for its answer (BIVISOR_RUN_COMPLETE) */
	uint32_t size;	 /* its size: the bytes of data a read's answer takes */
	uint8_t data[8]; /* the exit's data: a write's value, a read's answer */
	char msg[160];	 /* the words of an INTERNAL or SHUTDOWN exit */
};

struct accel_vm {
	int fd;
	uint32_t domid;
	uint64_t mem;
	unsigned int ncpus;
	struct bivisor_ioreq_ranges ranges; /* io_claim's, registered at the start */
	pthread_mutex_t start_lock;
	int start_rc; /* 1 until the first vcpu_run; then what starting gave */
	struct accel_vcpu vcpu[BV_MAX_VCPUS];
};

/* --- The pure conversions (hosted/bivisor.h) --- */

static const char *regs_mode(const struct accel_regs *r, uint32_t *mode)
{
	int paging = !!(r->cr0 & CR0_PG), lm = !!(r->efer & (EFER_LME | EFER_LMA));

	if (!(r->cr0 & CR0_PE))
		return "real mode (cr0.PE clear): the hypervisor starts PROT32 or LONG64 only";
	if (paging && lm && (r->cr4 & CR4_PAE) && r->cs.l) {
		*mode = BV_CPU_LONG64;
		return NULL;
	}
	if (!paging && !lm && !r->cs.l && r->cs.db) {
		*mode = BV_CPU_PROT32;
		return NULL;
	}
	return "neither 32-bit protected mode without paging nor 64-bit long mode";
}

/* The control registers and flags beyond what the mode sets. */
static int regs_control(const struct accel_regs *r, uint32_t mode, char *err, size_t errlen)
{
	uint64_t cr4 = mode == BV_CPU_LONG64 ? CR4_PAE : 0;
	uint64_t efer = mode == BV_CPU_LONG64 ? EFER_LME | EFER_LMA : 0;
	const char *name = NULL;
	uint64_t val = 0;

	if (r->cr0 & ~(CR0_PE | CR0_ET | CR0_NE | CR0_PG))
		name = "cr0", val = r->cr0;
	else if (r->cr4 & ~cr4)
		name = "cr4", val = r->cr4;
	else if (r->efer & ~efer)
		name = "efer", val = r->efer;
	else if (r->cr2)
		name = "cr2", val = r->cr2;
	else if (r->rflags & ~RFLAGS_FIXED)
		name = "rflags", val = r->rflags;
	if (!name)
		return 0;
	snprintf(err, errlen, "%s %#llx: the hypervisor's boot state cannot set it", name,
		 (unsigned long long)val);
	return -EINVAL;
}

/* The general registers that struct bv_vcpu_regs does not carry: they must be 0. */
#define UNCARRIED(name)                                                                            \
	{                                                                                          \
#name, offsetof(struct accel_regs, name)                                           \
	}
static const struct {
	const char *name;
	size_t off;
} uncarried[] = { UNCARRIED(rcx), UNCARRIED(rdx), UNCARRIED(rbp), UNCARRIED(r8),
		  UNCARRIED(r9),  UNCARRIED(r10), UNCARRIED(r11), UNCARRIED(r12),
		  UNCARRIED(r13), UNCARRIED(r14), UNCARRIED(r15) };

static int regs_uncarried(const struct accel_regs *r, char *err, size_t errlen)
{
	uint64_t val;

	for (size_t i = 0; i < sizeof(uncarried) / sizeof(uncarried[0]); i++) {
		memcpy(&val, (const char *)r + uncarried[i].off, sizeof(val));
		if (!val)
			continue;
		snprintf(err, errlen,
			 "%s %#llx: the hypervisor's boot state sets only rax, rbx, rsi, rdi, "
			 "rsp and rip",
			 uncarried[i].name, (unsigned long long)val);
		return -EINVAL;
	}
	return 0;
}

/* A flat segment of the GDT; the data segments all with the selector of ds. */
static int regs_segment(const char *name, const struct accel_segment *s, uint16_t sel, char *err,
			size_t errlen)
{
	if (s->base == 0 && s->limit == 0xffffffff && s->present && s->selector == sel)
		return 0;
	snprintf(err, errlen,
		 "%s (selector %#x, base %#llx, limit %#x): the hypervisor's boot state has "
		 "flat segments only, ds = es = fs = gs = ss",
		 name, s->selector, (unsigned long long)s->base, s->limit);
	return -EINVAL;
}

static int regs_segments(const struct accel_regs *r, char *err, size_t errlen)
{
	const struct {
		const char *name;
		const struct accel_segment *s;
		uint16_t sel;
	} segs[] = { { "cs", &r->cs, r->cs.selector }, { "ds", &r->ds, r->ds.selector },
		     { "es", &r->es, r->ds.selector }, { "fs", &r->fs, r->ds.selector },
		     { "gs", &r->gs, r->ds.selector }, { "ss", &r->ss, r->ds.selector } };

	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		if (regs_segment(segs[i].name, segs[i].s, segs[i].sel, err, errlen))
			return -EINVAL;
	}
	return 0;
}

int bivisor_regs_convert(const struct accel_regs *r, unsigned int vcpu, struct bv_vcpu_regs *out,
			 char *err, size_t errlen)
{
	const char *why;
	uint32_t mode = 0;

	why = regs_mode(r, &mode);
	if (why) {
		snprintf(err, errlen, "cr0 %#llx efer %#llx: %s", (unsigned long long)r->cr0,
			 (unsigned long long)r->efer, why);
		return -EINVAL;
	}
	if (regs_control(r, mode, err, errlen) || regs_uncarried(r, err, errlen) ||
	    regs_segments(r, err, errlen))
		return -EINVAL;
	*out = (struct bv_vcpu_regs){ .vcpu = vcpu,
				      .mode = mode,
				      .rip = r->rip,
				      .rsp = r->rsp,
				      .rax = r->rax,
				      .rbx = r->rbx,
				      .rsi = r->rsi,
				      .rdi = r->rdi,
				      .cr3 = mode == BV_CPU_LONG64 ? r->cr3 : 0,
				      .gdt_base = r->gdt_base,
				      .gdt_limit = r->gdt_limit,
				      .code_sel = r->cs.selector,
				      .data_sel = r->ds.selector };
	return 0;
}

int bivisor_claim_add(struct bivisor_ioreq_ranges *c, int is_mmio, uint64_t base, uint64_t len)
{
	uint32_t type = is_mmio ? BV_IOREQ_MMIO : BV_IOREQ_PIO;

	if (!len || base + len < base ||
	    (!is_mmio && (base >= PORT_SPACE || len > PORT_SPACE - base)))
		return -EINVAL;
	for (uint32_t i = 0; i < c->nranges; i++) {
		const struct bv_ioreq_range *r = &c->range[i];

		if (r->type == type && base < r->base + r->len && r->base < base + len)
			return -EEXIST;
	}
	if (c->nranges == BV_IOREQ_RANGES)
		return -ENOSPC;
	c->range[c->nranges++] = (struct bv_ioreq_range){ .type = type, .base = base, .len = len };
	return 0;
}

static int ioreq_claimed(const struct bv_ioreq *q, const struct bivisor_ioreq_ranges *c)
{
	for (uint32_t i = 0; i < c->nranges && i < BV_IOREQ_RANGES; i++) {
		const struct bv_ioreq_range *r = &c->range[i];

		if (r->type == q->type && q->addr >= r->base && q->addr - r->base < r->len &&
		    q->size <= r->len - (q->addr - r->base))
			return 1;
	}
	return 0;
}

static int ioreq_size_ok(const struct bv_ioreq *q)
{
	if (q->type == BV_IOREQ_PIO)
		return q->size == 1 || q->size == 2 || q->size == 4;
	return q->size >= 1 && q->size <= 8;
}

/* Why the module's ioreq cannot be an access bvm serves, or NULL. */
static const char *ioreq_check(const struct bv_ioreq *q, const struct bivisor_ioreq_ranges *c)
{
	if (q->state != BV_IOREQ_READY)
		return "its state is not READY";
	if (q->type != BV_IOREQ_PIO && q->type != BV_IOREQ_MMIO)
		return "unknown type";
	if (q->dir != BV_IOREQ_WRITE && q->dir != BV_IOREQ_READ)
		return "unknown direction";
	if (q->count != 1)
		return "count is not 1";
	if (!ioreq_size_ok(q))
		return "bad size";
	if (!ioreq_claimed(q, c))
		return "outside every range bvm claimed";
	return NULL;
}

static void decode_ioreq(const struct bv_ioreq *q, const struct bivisor_ioreq_ranges *c,
			 uint8_t data[8], char *msg, size_t msglen, struct accel_exit *e)
{
	const char *why = ioreq_check(q, c);
	int write = q->dir == BV_IOREQ_WRITE;

	if (why) {
		snprintf(msg, msglen,
			 "/dev/bivisor gave a bad ioreq (%s): type %u dir %u addr %#llx size %u "
			 "count %u state %u",
			 why, q->type, q->dir, (unsigned long long)q->addr, q->size, q->count,
			 q->state);
		return;
	}
	memset(data, 0, 8);
	if (write)
		memcpy(data, &q->data, q->size); /* the low size bytes (x86: little-endian) */
	if (q->type == BV_IOREQ_PIO)
		*e = (struct accel_exit){ .kind = ACCEL_EXIT_IO,
					  .io = { .port = (uint16_t)q->addr,
						  .size = (uint8_t)q->size,
						  .write = (uint8_t)write,
						  .count = 1,
						  .data = data } };
	else
		*e = (struct accel_exit){ .kind = ACCEL_EXIT_MMIO,
					  .mmio = { .addr = q->addr,
						    .size = q->size,
						    .write = (uint8_t)write,
						    .data = data } };
}

static void decode_ended(int32_t status, char *msg, size_t msglen, struct accel_exit *e)
{
	if (status < 0 || status > 255) {
		snprintf(msg, msglen, "/dev/bivisor: the domain ended with status %d, not 0 to 255",
			 status);
		return;
	}
	*e = (struct accel_exit){ .kind = ACCEL_EXIT_SYSTEM,
				  .system = { .event = ACCEL_SYSTEM_POWEROFF, .status = status } };
}

void bivisor_exit_decode(const struct bivisor_run *run, const struct bivisor_ioreq_ranges *claimed,
			 uint8_t data[8], char *msg, size_t msglen, struct accel_exit *e)
{
	*e = (struct accel_exit){ .kind = ACCEL_EXIT_INTERNAL,
				  .error = { .code = run->kind, .msg = msg } };
	if (run->kind == BIVISOR_RUN_IOREQ) {
		decode_ioreq(&run->req, claimed, data, msg, msglen, e);
	} else if (run->kind == BIVISOR_RUN_ENDED) {
		decode_ended(run->exit_status, msg, msglen, e);
	} else if (run->kind == BIVISOR_RUN_CRASHED) {
		e->kind = ACCEL_EXIT_SHUTDOWN;
		snprintf(msg, msglen, "the hypervisor crashed the domain (its log says why)");
	} else {
		snprintf(msg, msglen, "/dev/bivisor: BIVISOR_RUN gave an unknown kind %u",
			 run->kind);
	}
}

/* --- The accelerator on /dev/bivisor --- */

static int fail(char *err, size_t errlen, const char *what)
{
	int e = errno;

	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

static int open_dev(char *err, size_t errlen)
{
	int fd = open(BIVISOR_DEV, O_RDWR | O_CLOEXEC), e = errno;

	if (fd >= 0 || (e != ENOENT && e != ENODEV && e != ENXIO))
		return fd >= 0 ? fd : fail(err, errlen, "cannot open " BIVISOR_DEV);
	snprintf(err, errlen,
		 "cannot open " BIVISOR_DEV ": %s (--accel bivisor runs inside bivisor's Linux "
		 "service guest with its module loaded)",
		 strerror(e));
	return -e;
}

static int check_config(const struct accel_vm_config *cfg, char *err, size_t errlen)
{
	if (cfg->mem > BIVISOR_MAX_MEM) {
		snprintf(err, errlen,
			 "--accel bivisor: --mem %llu MiB: a domain's RAM is one range from 0 "
			 "and must stay below the PCI hole at 3 GiB",
			 (unsigned long long)(cfg->mem >> 20));
		return -EINVAL;
	}
	if (!cfg->ncpus || cfg->ncpus > BV_MAX_VCPUS || strlen(cfg->name) >= BV_NAME_LEN) {
		snprintf(err, errlen,
			 "--accel bivisor: %u vcpus named '%s': give 1 to %d, %d chars", cfg->ncpus,
			 cfg->name, BV_MAX_VCPUS, BV_NAME_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

/* The paused domain, COM1 left to bvm's 16550. */
static int domain_create(struct accel_vm *vm, const struct accel_vm_config *cfg, char *err,
			 size_t errlen)
{
	struct bivisor_create c = { .mem = cfg->mem,
				    .vcpus = cfg->ncpus,
				    .flags = BV_DOMAIN_FORWARD_COM1 };
	int version = ioctl(vm->fd, BIVISOR_VERSION, 0);

	if (version < 0)
		return fail(err, errlen, "BIVISOR_VERSION");
	if (version != BIVISOR_DEV_VERSION) {
		snprintf(err, errlen, BIVISOR_DEV " speaks version %d, bvm speaks %d", version,
			 BIVISOR_DEV_VERSION);
		return -EPROTO;
	}
	memcpy(c.name, cfg->name, strlen(cfg->name) + 1);
	if (ioctl(vm->fd, BIVISOR_CREATE, &c) < 0)
		return fail(err, errlen, "BIVISOR_CREATE");
	vm->domid = c.domid;
	return 0;
}

static int bivisor_vm_create(struct accel_vm **out, const struct accel_vm_config *cfg, char *err,
			     size_t errlen)
{
	struct accel_vm *vm = calloc(1, sizeof(*vm));
	int rc;

	*out = vm;
	if (!vm)
		return fail(err, errlen, "cannot allocate the VM");
	vm->fd = -1;
	pthread_mutex_init(&vm->start_lock, NULL);
	vm->start_rc = 1;
	rc = check_config(cfg, err, errlen);
	if (rc < 0)
		return rc;
	vm->mem = cfg->mem;
	vm->ncpus = cfg->ncpus;
	vm->fd = open_dev(err, errlen);
	if (vm->fd < 0)
		return vm->fd;
	return domain_create(vm, cfg, err, errlen);
}

/* bvm's pages become the domain's RAM: the module pins them (faulting them in). */
static int bivisor_mem_add(struct accel_vm *vm, gpa_t gpa, uint64_t len, void *hva)
{
	struct bivisor_memory m = { .gpa = gpa, .uaddr = (uintptr_t)hva, .len = len };

	if (gpa > vm->mem || len > vm->mem - gpa)
		return -EINVAL;
	return ioctl(vm->fd, BIVISOR_MEMORY, &m) < 0 ? -errno : 0;
}

/* The TSC rate bivisor's CPUID leaf 0x40000010 gives (the service guest's, as a domain's). */
static uint32_t bivisor_tsc_khz(struct accel_vm *vm)
{
	unsigned int a, b, c, d;

	(void)vm;
	__cpuid(0x40000000, a, b, c, d);
	if (b != 0x69766962 || c != 0x726f73 || a < 0x40000010) /* "bivisor" */
		return 0;
	__cpuid(0x40000010, a, b, c, d);
	return a;
}

static int bivisor_vcpu_create(struct accel_vm *vm, unsigned int id, struct accel_vcpu **out)
{
	struct accel_vcpu *v;

	if (id >= vm->ncpus || vm->vcpu[id].created)
		return -EINVAL;
	v = &vm->vcpu[id];
	*v = (struct accel_vcpu){ .vm = vm, .id = id, .created = 1 };
	*out = v;
	return 0;
}

/* Once, at the first vcpu_run of any vCPU (every set_regs is done): ranges, then start. */
static int vm_start(struct accel_vm *vm)
{
	int rc;

	const char *what = NULL;

	pthread_mutex_lock(&vm->start_lock);
	if (vm->start_rc > 0) {
		vm->start_rc = 0;
		if (vm->ranges.nranges && ioctl(vm->fd, BIVISOR_IOREQ_RANGES, &vm->ranges) < 0)
			what = "BIVISOR_IOREQ_RANGES";
		else if (ioctl(vm->fd, BIVISOR_START, 0) < 0)
			what = "BIVISOR_START";
		if (what) {
			vm->start_rc = -errno;
			fprintf(stderr, "bvm: bivisor: %s: %s\n", what, strerror(errno));
		}
	}
	rc = vm->start_rc;
	pthread_mutex_unlock(&vm->start_lock);
	return rc;
}

static int interrupted(struct accel_exit *e)
{
	*e = (struct accel_exit){ .kind = ACCEL_EXIT_INTERRUPTED };
	return 0;
}

/*
 * Answers the last ioreq (a read's value is in v->data, where hosted/run.c
 * left it) and waits for the next. A RUN that a signal interrupted took the
 * answer (bivisor_dev.h: the next RUN goes without BIVISOR_RUN_COMPLETE).
 */
static int bivisor_vcpu_run(struct accel_vcpu *v, struct accel_exit *e)
{
	struct bivisor_run run = { .vcpu = v->id };
	int rc;

	if (__atomic_exchange_n(&v->kicked, 0, __ATOMIC_SEQ_CST))
		return interrupted(e);
	rc = vm_start(v->vm);
	if (rc < 0)
		return rc;
	if (v->answer) {
		run.flags = BIVISOR_RUN_COMPLETE;
		memcpy(&run.data, v->data, v->size);
	}
	rc = ioctl(v->vm->fd, BIVISOR_RUN, &run);
	if (rc < 0 && errno != EINTR)
		return -errno;
	v->answer = 0;
	if (rc < 0) {
		__atomic_store_n(&v->kicked, 0, __ATOMIC_SEQ_CST);
		return interrupted(e);
	}
	bivisor_exit_decode(&run, &v->vm->ranges, v->data, v->msg, sizeof(v->msg), e);
	v->answer = e->kind == ACCEL_EXIT_IO || e->kind == ACCEL_EXIT_MMIO;
	v->size = run.req.size;
	return 0;
}

/* The hypervisor has no call that reads a running vCPU's registers. */
static int bivisor_get_regs(struct accel_vcpu *v, struct accel_regs *r)
{
	(void)v, (void)r;
	return -ENOSYS;
}

/* The boot state; an AP waiting for INIT is the hypervisor's to start (INIT-SIPI). */
static int bivisor_set_regs(struct accel_vcpu *v, const struct accel_regs *r)
{
	struct bv_vcpu_regs b;
	char err[200];

	if (v->id && (r->state == ACCEL_VCPU_WAIT_INIT || r->state == ACCEL_VCPU_WAIT_SIPI))
		return 0;
	if (bivisor_regs_convert(r, v->id, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bvm: bivisor: vcpu %u: %s\n", v->id, err);
		return -EINVAL;
	}
	b.domid = v->vm->domid;
	return ioctl(v->vm->fd, BIVISOR_SET_REGS, &b) < 0 ? -errno : 0;
}

/* The flag covers a kick before the RUN; hosted/run.c's SIGUSR1 one during it (-EINTR). */
static void bivisor_vcpu_kick(struct accel_vcpu *v)
{
	__atomic_store_n(&v->kicked, 1, __ATOMIC_SEQ_CST);
}

static int bivisor_irq_line(struct accel_vm *vm, unsigned int line, int level)
{
	struct bivisor_irq irq = { .line = line, .level = !!level };

	if (line >= BIVISOR_IRQ_LINES)
		return -EINVAL;
	return ioctl(vm->fd, BIVISOR_SET_IRQ, &irq) < 0 ? -errno : 0;
}

static int bivisor_io_claim(struct accel_vm *vm, int is_mmio, uint64_t base, uint64_t len)
{
	if (vm->start_rc <= 0)
		return -EBUSY; /* the ranges went to the module at the start */
	return bivisor_claim_add(&vm->ranges, is_mmio, base, len);
}

/* Closing the file destroys the domain if it is still there (bivisor_dev.h). */
static void bivisor_vm_destroy(struct accel_vm *vm)
{
	if (!vm)
		return;
	if (vm->fd >= 0)
		close(vm->fd);
	pthread_mutex_destroy(&vm->start_lock);
	free(vm);
}

int bivisor_doctor(char *msg, size_t len)
{
	int fd = open_dev(msg, len), version;

	if (fd < 0)
		return fd;
	version = ioctl(fd, BIVISOR_VERSION, 0);
	close(fd);
	if (version == BIVISOR_DEV_VERSION) {
		snprintf(msg, len, "BIVISOR_VERSION %d: --accel bivisor can run domains", version);
		return 0;
	}
	snprintf(msg, len, "BIVISOR_VERSION %d, bvm speaks %d", version, BIVISOR_DEV_VERSION);
	return -EPROTO;
}

const struct accel_ops accel_bivisor_ops = {
	.name = "bivisor",
	.vm_create = bivisor_vm_create,
	.mem_add = bivisor_mem_add,
	.tsc_khz = bivisor_tsc_khz,
	.vcpu_create = bivisor_vcpu_create,
	.vcpu_run = bivisor_vcpu_run,
	.get_regs = bivisor_get_regs,
	.set_regs = bivisor_set_regs,
	.vcpu_kick = bivisor_vcpu_kick,
	.irq_line = bivisor_irq_line,
	.io_claim = bivisor_io_claim,
	.vm_destroy = bivisor_vm_destroy,
};
