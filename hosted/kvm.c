/*
 * hosted/kvm.c: the KVM accelerator of bvm (hosted/accel.h), on /dev/kvm
 * (Documentation/virt/kvm/api.rst in Linux): the VM with its in-kernel
 * irqchip and PIT (4.2, 4.24, 4.41), memory slots over bvm's RAM (4.35), a
 * vCPU with the CPUID bivisor gives its guests (4.46), KVM_RUN and the
 * kvm_run page decoded into a neutral struct accel_exit (4.10, 5 "The kvm_run
 * structure"), registers (4.11-4.14, 4.38) and interrupt lines (4.25);
 * for bvm --gdb, KVM_SET_GUEST_DEBUG (4.87) with the debug registers of
 * Intel SDM vol. 3B 18.2 and KVM_TRANSLATE (4.15).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drivers/cpu_policy.h"
#include "include/public/hypercall.h"
#include "hosted/accel.h"

#define CPUID_MAX_ENTRIES 128
#define KVM_MAX_CPUS 64
#define KVM_MAX_SLOTS 8

struct accel_vcpu {
	int fd;
	struct kvm_run *run; /* NULL: not created */
	size_t run_size;
};

struct accel_vm {
	int kvm_fd, vm_fd;
	unsigned int nslots, ncpus;
	struct accel_vcpu vcpu[KVM_MAX_CPUS];
};

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -errno;
}

/*
 * GSIs as a PC wires them and as our MADT says: ISA IRQs 0-15 (but the
 * cascade, 2) to the 8259 pair, GSIs 0-23 to the IOAPIC pins of the same
 * number, except that the timer (GSI 0) arrives at pin 2 (the MADT's
 * interrupt source override).
 */
static int set_gsi_routing(int vm_fd)
{
	static struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[40];
	} rt;
	unsigned int n = 0;

	for (unsigned int gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)
			continue;
		rt.e[n].gsi = gsi;
		rt.e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt.e[n].u.irqchip.irqchip =
			gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		rt.e[n++].u.irqchip.pin = gsi % 8;
	}
	for (unsigned int gsi = 0; gsi < 24; gsi++) {
		if (gsi == 2)
			continue;
		rt.e[n].gsi = gsi;
		rt.e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt.e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		rt.e[n++].u.irqchip.pin = gsi ? gsi : 2;
	}
	rt.r.nr = n;
	return ioctl(vm_fd, KVM_SET_GSI_ROUTING, &rt.r);
}

/* The VM and its in-kernel devices on a /dev/kvm already open in vm->kvm_fd. */
static int kvm_vm_setup(struct accel_vm *vm, char *err, size_t errlen)
{
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm speaks an unknown KVM API version");
		return -EINVAL;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail(err, errlen, "KVM_CREATE_VM");
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul); /* needed by some hosts for real mode */
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail(err, errlen, "KVM_CREATE_IRQCHIP");
	/* the in-kernel 8254: Linux checks its timer through the IOAPIC at boot */
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2,
		  &(struct kvm_pit_config){ .flags = KVM_PIT_SPEAKER_DUMMY }) < 0)
		return fail(err, errlen, "KVM_CREATE_PIT2");
	if (set_gsi_routing(vm->vm_fd) < 0)
		return fail(err, errlen, "KVM_SET_GSI_ROUTING");
	return 0;
}

static void kvm_vm_destroy(struct accel_vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < KVM_MAX_CPUS; i++) {
		if (!vm->vcpu[i].run)
			continue;
		munmap(vm->vcpu[i].run, vm->vcpu[i].run_size);
		close(vm->vcpu[i].fd);
	}
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
}

static int kvm_vm_create(struct accel_vm **out, const struct accel_vm_config *cfg, char *err,
			 size_t errlen)
{
	struct accel_vm *vm = calloc(1, sizeof(*vm));

	*out = vm;
	if (!vm)
		return fail(err, errlen, "cannot allocate the VM");
	vm->vm_fd = -1;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail(err, errlen, "cannot open /dev/kvm");
	if (cfg->ncpus > KVM_MAX_CPUS) {
		snprintf(err, errlen, "%u vcpus: at most %d on kvm", cfg->ncpus, KVM_MAX_CPUS);
		return -EINVAL;
	}
	vm->ncpus = cfg->ncpus;
	return kvm_vm_setup(vm, err, errlen);
}

static int kvm_mem_add(struct accel_vm *vm, gpa_t gpa, uint64_t len, void *hva)
{
	struct kvm_userspace_memory_region slot = { .slot = vm->nslots,
						    .guest_phys_addr = gpa,
						    .memory_size = len,
						    .userspace_addr = (uintptr_t)hva };

	if (vm->nslots == KVM_MAX_SLOTS)
		return -ENOSPC;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return -errno;
	vm->nslots++;
	return 0;
}

/*
 * bivisor's CPUID policy, drivers/cpu_policy.c:cpu_policy_cpuid as the Type-1
 * kernel applies it, on what KVM offers. The LAPIC timer is KVM's in-kernel
 * one, which counts at 1 GHz (APIC_BUS_CYCLE_NS_DEFAULT of 1 ns in Linux's
 * arch/x86/kvm/lapic.h; KVM_CAP_X86_APIC_BUS_CYCLES_NS in api.rst changes it,
 * and bvm does not). Hypervisor leaves KVM offers are replaced by bivisor's.
 */
static void cpuid_policy(struct kvm_cpuid2 *c, const struct cpu_policy_vcpu *pv)
{
	uint32_t n = 0, basic = 0;
	struct kvm_cpuid_entry2 add[2 * CPU_POLICY_TOPOLOGY_SUBLEAVES + 3];
	uint32_t nadd = 0;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		struct cpu_policy_regs r = { e.eax, e.ebx, e.ecx, e.edx };

		if (e.function == 0)
			basic = e.eax;
		/* Left out: what the policy gives whole (appended below) and the hidden leaves,
		 * which KVM would otherwise update as the guest runs (0xD's EBX from XCR0). */
		if ((e.function & 0xffffff00) == CPU_POLICY_HV_LEAF || e.function == 0xb ||
		    e.function == 0x1f || cpu_policy_leaf_is_hidden(e.function))
			continue;
		r = cpu_policy_cpuid(e.function, e.index, r, pv);
		e.eax = r.eax, e.ebx = r.ebx, e.ecx = r.ecx, e.edx = r.edx;
		c->entries[n++] = e;
	}
	for (uint32_t t = 0; t < 2; t++) { /* the topology leaves 0xB and 0x1F */
		uint32_t f = t ? 0x1f : 0xb;

		for (uint32_t sub = 0; f <= basic && sub < CPU_POLICY_TOPOLOGY_SUBLEAVES; sub++)
			add[nadd++] = (struct kvm_cpuid_entry2){
				.function = f,
				.index = sub,
				.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX
			};
	}
	add[nadd++] = (struct kvm_cpuid_entry2){ .function = CPU_POLICY_HV_LEAF };
	add[nadd++] = (struct kvm_cpuid_entry2){ .function = BV_CPUID_HYPERCALL };
	add[nadd++] = (struct kvm_cpuid_entry2){ .function = CPU_POLICY_HV_TIMING };
	for (uint32_t i = 0; i < nadd; i++) {
		struct cpu_policy_regs r = cpu_policy_cpuid(add[i].function, add[i].index,
							    (struct cpu_policy_regs){ 0 }, pv);

		add[i].eax = r.eax, add[i].ebx = r.ebx, add[i].ecx = r.ecx, add[i].edx = r.edx;
		c->entries[n++] = add[i];
	}
	c->nent = n;
}

/* The guest's TSC rate in kHz, 0 when KVM does not know it. */
static uint32_t kvm_tsc_khz(struct accel_vm *vm)
{
	int khz = ioctl(vm->vm_fd, KVM_GET_TSC_KHZ, 0);

	return khz > 0 ? (uint32_t)khz : 0;
}

static int vcpu_set_cpuid(struct accel_vm *vm, int fd, unsigned int id)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	struct cpu_policy_vcpu pv = { .apic_id = id,
				      .nvcpus = vm->ncpus ? vm->ncpus : 1,
				      .tsc_khz = kvm_tsc_khz(vm),
				      .lapic_timer_khz = CPU_POLICY_LAPIC_TIMER_KHZ };
	int rc;

	if (!c)
		return -1;
	c->nent = CPUID_MAX_ENTRIES - 10; /* room for the entries cpuid_policy adds */
	rc = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
	if (rc == 0) {
		cpuid_policy(c, &pv);
		rc = ioctl(fd, KVM_SET_CPUID2, c);
	}
	free(c);
	return rc;
}

static int kvm_vcpu_create(struct accel_vm *vm, unsigned int id, struct accel_vcpu **out)
{
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct accel_vcpu *v;
	int fd, err;
	void *run;

	if (id >= KVM_MAX_CPUS || vm->vcpu[id].run)
		return -EINVAL;
	v = &vm->vcpu[id];
	fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (fd < 0 || size <= 0)
		return fd < 0 ? -errno : -EINVAL;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED || vcpu_set_cpuid(vm, fd, id) < 0) {
		err = errno ? -errno : -EIO;
		if (run != MAP_FAILED)
			munmap(run, size);
		close(fd);
		return err;
	}
	*v = (struct accel_vcpu){ .fd = fd, .run = run, .run_size = (size_t)size };
	*out = v;
	return 0;
}

/* From any thread or a signal handler: KVM_RUN returns -EINTR now or at once next time. */
static void kvm_vcpu_kick(struct accel_vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static void decode_io(struct kvm_run *run, struct accel_exit *e)
{
	e->kind = ACCEL_EXIT_IO;
	e->io.port = run->io.port;
	e->io.size = run->io.size;
	e->io.write = run->io.direction == KVM_EXIT_IO_OUT;
	e->io.count = run->io.count;
	e->io.data = (uint8_t *)run + run->io.data_offset;
}

static void decode_mmio(struct kvm_run *run, struct accel_exit *e)
{
	e->kind = ACCEL_EXIT_MMIO;
	e->mmio.addr = run->mmio.phys_addr;
	e->mmio.size = run->mmio.len;
	e->mmio.write = run->mmio.is_write;
	e->mmio.data = run->mmio.data;
}

static enum accel_system_event system_event(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return ACCEL_SYSTEM_POWEROFF;
	case KVM_SYSTEM_EVENT_RESET:
		return ACCEL_SYSTEM_RESET;
	case KVM_SYSTEM_EVENT_CRASH:
		return ACCEL_SYSTEM_CRASH;
	default:
		return ACCEL_SYSTEM_OTHER;
	}
}

/* A power-off ends the guest with 0, as bvm's ACPI PM device does. */
static void decode_system(struct kvm_run *run, struct accel_exit *e)
{
	e->kind = ACCEL_EXIT_SYSTEM;
	e->system.event = system_event(run->system_event.type);
	e->system.status = 0;
}

/* The exit KVM_RUN left in run, as the kind that hosted/run.c dispatches on. */
static void decode_exit(struct kvm_run *run, struct accel_exit *e)
{
	static const enum accel_exit_kind kinds[] = {
		[KVM_EXIT_HLT] = ACCEL_EXIT_HALT,
		[KVM_EXIT_SHUTDOWN] = ACCEL_EXIT_SHUTDOWN,
		[KVM_EXIT_FAIL_ENTRY] = ACCEL_EXIT_FAIL_ENTRY,
		[KVM_EXIT_INTERNAL_ERROR] = ACCEL_EXIT_INTERNAL,
		[KVM_EXIT_INTR] = ACCEL_EXIT_INTERRUPTED,
		[KVM_EXIT_DEBUG] = ACCEL_EXIT_DEBUG,
	};
	uint32_t r = run->exit_reason;

	*e = (struct accel_exit){ .kind = r < sizeof(kinds) / sizeof(kinds[0]) ? kinds[r] : 0,
				  .error.code = r };
	if (r == KVM_EXIT_IO)
		decode_io(run, e);
	else if (r == KVM_EXIT_MMIO)
		decode_mmio(run, e);
	else if (r == KVM_EXIT_SYSTEM_EVENT)
		decode_system(run, e);
	else if (r == KVM_EXIT_DEBUG)
		e->debug.vector = run->debug.arch.exception, e->debug.pc = run->debug.arch.pc;
	else if (r == KVM_EXIT_FAIL_ENTRY)
		e->error.code = run->fail_entry.hardware_entry_failure_reason;
	else if (r == KVM_EXIT_INTERNAL_ERROR)
		e->error.code = run->internal.suberror;
}

/* A read's answer is already in kvm_run, where KVM_RUN takes it from. */
static int kvm_vcpu_run(struct accel_vcpu *v, struct accel_exit *e)
{
	int err;

	if (ioctl(v->fd, KVM_RUN, 0) == 0) {
		decode_exit(v->run, e);
		return 0;
	}
	err = errno;
	if (err != EINTR && err != EAGAIN)
		return -err;
	/* kicked: the flag is cleared before the caller looks at what was asked */
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	*e = (struct accel_exit){ .kind = ACCEL_EXIT_INTERRUPTED };
	return 0;
}

static int kvm_irq_line(struct accel_vm *vm, unsigned int line, int level)
{
	struct kvm_irq_level irq = { .irq = line, .level = level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

static void seg_get(struct accel_segment *s, const struct kvm_segment *k)
{
	*s = (struct accel_segment){ .base = k->base,
				     .limit = k->limit,
				     .selector = k->selector,
				     .type = k->type,
				     .present = k->present,
				     .dpl = k->dpl,
				     .s = k->s,
				     .db = k->db,
				     .l = k->l,
				     .g = k->g };
}

static void seg_set(struct kvm_segment *k, const struct accel_segment *s)
{
	*k = (struct kvm_segment){ .base = s->base,
				   .limit = s->limit,
				   .selector = s->selector,
				   .type = s->type,
				   .present = s->present,
				   .dpl = s->dpl,
				   .s = s->s,
				   .db = s->db,
				   .l = s->l,
				   .g = s->g,
				   .unusable = !s->present };
}

static enum accel_vcpu_state vcpu_state(int fd)
{
	static const enum accel_vcpu_state states[] = {
		[KVM_MP_STATE_RUNNABLE] = ACCEL_VCPU_RUNNABLE,
		[KVM_MP_STATE_UNINITIALIZED] = ACCEL_VCPU_WAIT_INIT,
		[KVM_MP_STATE_INIT_RECEIVED] = ACCEL_VCPU_WAIT_SIPI,
		[KVM_MP_STATE_HALTED] = ACCEL_VCPU_HALTED,
		[KVM_MP_STATE_SIPI_RECEIVED] = ACCEL_VCPU_RUNNABLE,
	};
	struct kvm_mp_state mp;

	if (ioctl(fd, KVM_GET_MP_STATE, &mp) < 0 ||
	    mp.mp_state >= sizeof(states) / sizeof(states[0]))
		return ACCEL_VCPU_UNKNOWN;
	return states[mp.mp_state];
}

static void sregs_get(struct accel_regs *r, const struct kvm_sregs *sr)
{
	seg_get(&r->cs, &sr->cs);
	seg_get(&r->ds, &sr->ds);
	seg_get(&r->es, &sr->es);
	seg_get(&r->fs, &sr->fs);
	seg_get(&r->gs, &sr->gs);
	seg_get(&r->ss, &sr->ss);
	r->gdt_base = sr->gdt.base;
	r->gdt_limit = sr->gdt.limit;
	r->cr0 = sr->cr0;
	r->cr2 = sr->cr2;
	r->cr3 = sr->cr3;
	r->cr4 = sr->cr4;
	r->efer = sr->efer;
}

static void sregs_set(struct kvm_sregs *sr, const struct accel_regs *r)
{
	seg_set(&sr->cs, &r->cs);
	seg_set(&sr->ds, &r->ds);
	seg_set(&sr->es, &r->es);
	seg_set(&sr->fs, &r->fs);
	seg_set(&sr->gs, &r->gs);
	seg_set(&sr->ss, &r->ss);
	sr->gdt.base = r->gdt_base;
	sr->gdt.limit = r->gdt_limit;
	sr->cr0 = r->cr0;
	sr->cr2 = r->cr2;
	sr->cr3 = r->cr3;
	sr->cr4 = r->cr4;
	sr->efer = r->efer;
}

/* Each general register's offset in struct kvm_regs and in struct accel_regs. */
#define GPR(name)                                                                                  \
	{                                                                                          \
		offsetof(struct kvm_regs, name), offsetof(struct accel_regs, name)                 \
	}
static const struct {
	size_t kvm, acc;
} gprs[] = { GPR(rax), GPR(rbx), GPR(rcx), GPR(rdx), GPR(rsi), GPR(rdi),
	     GPR(rsp), GPR(rbp), GPR(r8),  GPR(r9),  GPR(r10), GPR(r11),
	     GPR(r12), GPR(r13), GPR(r14), GPR(r15), GPR(rip), GPR(rflags) };

static int kvm_get_regs(struct accel_vcpu *v, struct accel_regs *r)
{
	struct kvm_regs k;
	struct kvm_sregs sr;

	if (ioctl(v->fd, KVM_GET_REGS, &k) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
		memcpy((char *)r + gprs[i].acc, (char *)&k + gprs[i].kvm, sizeof(uint64_t));
	sregs_get(r, &sr);
	r->state = vcpu_state(v->fd);
	return 0;
}

static int kvm_set_regs(struct accel_vcpu *v, const struct accel_regs *r)
{
	struct kvm_regs k;
	struct kvm_sregs sr;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	sregs_set(&sr, r);
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
		memcpy((char *)&k + gprs[i].kvm, (const char *)r + gprs[i].acc, sizeof(uint64_t));
	return ioctl(v->fd, KVM_SET_REGS, &k) < 0 ? -errno : 0;
}

/* DR7 (SDM vol. 3B 18.2.4): L0-L3 enable DR0-DR3; R/W and LEN 0 mean "on execution". */
static int kvm_set_debug(struct accel_vcpu *v, const struct accel_debug *d)
{
	struct kvm_guest_debug g = { 0 };

	if (d->enable)
		g.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
	if (d->enable && d->single_step)
		g.control |= KVM_GUESTDBG_SINGLESTEP;
	for (unsigned int i = 0; d->enable && i < ACCEL_HW_BPS; i++) {
		if (!(d->hw_mask & (1u << i)))
			continue;
		g.control |= KVM_GUESTDBG_USE_HW_BP;
		g.arch.debugreg[i] = d->hw_bp[i];
		g.arch.debugreg[7] |= 1ull << (2 * i);
	}
	return ioctl(v->fd, KVM_SET_GUEST_DEBUG, &g) < 0 ? -errno : 0;
}

static int kvm_translate(struct accel_vcpu *v, uint64_t la, gpa_t *gpa)
{
	struct kvm_translation t = { .linear_address = la };

	if (ioctl(v->fd, KVM_TRANSLATE, &t) < 0)
		return -errno;
	if (!t.valid)
		return -EFAULT;
	*gpa = t.physical_address;
	return 0;
}

const struct accel_ops accel_kvm_ops = {
	.name = "kvm",
	.vm_create = kvm_vm_create,
	.mem_add = kvm_mem_add,
	.tsc_khz = kvm_tsc_khz,
	.vcpu_create = kvm_vcpu_create,
	.vcpu_run = kvm_vcpu_run,
	.get_regs = kvm_get_regs,
	.set_regs = kvm_set_regs,
	.vcpu_kick = kvm_vcpu_kick,
	.irq_line = kvm_irq_line,
	.set_debug = kvm_set_debug,
	.translate = kvm_translate,
	.vm_destroy = kvm_vm_destroy,
};
