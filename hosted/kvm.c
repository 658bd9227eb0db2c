/*
 * hosted/kvm.c: a guest on /dev/kvm (the KVM API, Documentation/virt/kvm/
 * api.rst in Linux): the VM with its in-kernel irqchip and PIT, one memory slot for
 * guest RAM, a vCPU per thread with the CPUID bivisor gives its guests, the
 * boot vCPU's state from the loader, and the handling of one exit, which hands
 * port and MMIO accesses to the registry (api.rst 5 "The kvm_run structure"). Port
 * 0xf4 ends the guest with its status; hosted/run.c runs the vCPU threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drivers/cpu_policy.h"
#include "hosted/bvm.h"

#define TEST_EXIT_PORT 0xf4
#define CPUID_MAX_ENTRIES 128
#define RAM_ALIGN (2ull << 20)

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
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

/*
 * Guest RAM on a 2 MiB boundary, as transparent huge pages: KVM maps a 2 MiB
 * page of the guest with one large nested page-table entry only when the host
 * page behind it is huge and equally aligned. Otherwise every 4 KiB of the
 * guest costs a nested page fault, which in the nested-KVM lab (PLATFORMS.md
 * §4) made Linux's boot seconds slower.
 */
static uint8_t *ram_map(uint64_t mem)
{
	uint64_t len = mem + RAM_ALIGN, head;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	head = (RAM_ALIGN - (uintptr_t)p % RAM_ALIGN) % RAM_ALIGN;
	if (head)
		munmap(p, head);
	munmap(p + head + mem, RAM_ALIGN - head);
	p += head;
	madvise(p, mem, MADV_HUGEPAGE); /* a hint: without it the guest still runs */
	return p;
}

int kvm_vm_create(struct vm *vm, uint64_t mem, unsigned int cpus, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region slot;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail(err, errlen, "cannot open /dev/kvm");
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm speaks an unknown KVM API version");
		return -1;
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
	vm->ram = ram_map(mem);
	if (!vm->ram)
		return fail(err, errlen, "cannot map guest memory");
	vm->ram_size = mem;
	slot = (struct kvm_userspace_memory_region){ .slot = 0,
						     .guest_phys_addr = 0,
						     .memory_size = mem,
						     .userspace_addr = (uintptr_t)vm->ram };
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return fail(err, errlen, "KVM_SET_USER_MEMORY_REGION");
	vm->ncpus = cpus;
	return 0;
}

/*
 * bivisor's CPUID policy, drivers/cpu_policy.c:cpu_policy_cpuid as the Type-1
 * kernel applies it, on what KVM offers. The LAPIC timer is KVM's in-kernel
 * one, which counts at 1 GHz (APIC_BUS_CYCLE_NS_DEFAULT of 1 ns in Linux's
 * arch/x86/kvm/lapic.h; KVM_CAP_X86_APIC_BUS_CYCLES_NS in api.rst changes it,
 * and bvm does not). Hypervisor leaves KVM offers are replaced by bivisor's.
 */
static void cpuid_policy(struct kvm_cpuid2 *c, uint32_t tsc_khz, unsigned int apic_id)
{
	struct cpu_policy_vcpu pv = { .apic_id = apic_id,
				      .nvcpus = c->padding ? c->padding : 1,
				      .tsc_khz = tsc_khz,
				      .lapic_timer_khz = CPU_POLICY_LAPIC_TIMER_KHZ };
	uint32_t n = 0, basic = 0;
	struct kvm_cpuid_entry2 add[2 * CPU_POLICY_TOPOLOGY_SUBLEAVES + 2];
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
		r = cpu_policy_cpuid(e.function, e.index, r, &pv);
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
	add[nadd++] = (struct kvm_cpuid_entry2){ .function = CPU_POLICY_HV_TIMING };
	for (uint32_t i = 0; i < nadd; i++) {
		struct cpu_policy_regs r = cpu_policy_cpuid(add[i].function, add[i].index,
							    (struct cpu_policy_regs){ 0 }, &pv);

		add[i].eax = r.eax, add[i].ebx = r.ebx, add[i].ecx = r.ecx, add[i].edx = r.edx;
		c->entries[n++] = add[i];
	}
	c->nent = n;
	c->padding = 0;
}

/* The guest's TSC rate in kHz, 0 when KVM does not know it. */
uint32_t kvm_tsc_khz(struct vm *vm)
{
	int khz = ioctl(vm->vm_fd, KVM_GET_TSC_KHZ, 0);

	return khz > 0 ? (uint32_t)khz : 0;
}

static int vcpu_set_cpuid(struct vm *vm, int fd, unsigned int id)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	int rc;

	if (!c)
		return -1;
	c->nent = CPUID_MAX_ENTRIES - 8; /* room for the entries cpuid_policy adds */
	rc = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
	if (rc == 0) {
		c->padding = vm->ncpus; /* the vCPU count, for cpuid_policy (cleared there) */
		cpuid_policy(c, kvm_tsc_khz(vm), id);
		rc = ioctl(fd, KVM_SET_CPUID2, c);
	}
	free(c);
	return rc;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, int code, int long_mode)
{
	*s = (struct kvm_segment){ .base = 0,
				   .limit = 0xffffffff,
				   .selector = sel,
				   .type = code ? 11 : 3,
				   .present = 1,
				   .s = 1,
				   .db = code && long_mode ? 0 : 1,
				   .l = code && long_mode,
				   .g = 1 };
}

static int vcpu_boot_state(int fd, const struct fw_boot_cpu *b)
{
	struct kvm_sregs sr;
	struct kvm_regs r = { .rip = b->rip,
			      .rsp = b->rsp,
			      .rax = b->rax,
			      .rbx = b->rbx,
			      .rsi = b->rsi,
			      .rdi = b->rdi,
			      .rflags = 2 };
	int lm = b->mode == FW_CPU_LONG64;

	if (ioctl(fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	set_seg(&sr.cs, b->code_sel, 1, lm);
	set_seg(&sr.ds, b->data_sel, 0, lm);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = b->gdt_base;
	sr.gdt.limit = b->gdt_limit;
	sr.cr0 = 0x11 | (lm ? 0x80000000u : 0);
	sr.cr4 = lm ? 0x20 : 0;
	sr.cr3 = lm ? b->cr3 : 0;
	sr.efer = lm ? 0x500 : 0;
	if (ioctl(fd, KVM_SET_SREGS, &sr) < 0)
		return -1;
	return ioctl(fd, KVM_SET_REGS, &r);
}

int kvm_vcpu_setup(struct vm *vm, unsigned int id, const struct fw_boot_cpu *boot)
{
	struct bvm_vcpu *v = &vm->vcpu[id];
	int fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run;

	if (fd < 0 || size <= 0)
		return -1;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*v = (struct bvm_vcpu){ .vm = vm, .id = id, .fd = fd, .run = run };
	if (run == MAP_FAILED || vcpu_set_cpuid(vm, fd, id) < 0) {
		v->run = NULL;
		return -1;
	}
	v->run_size = (size_t)size;
	return id == 0 ? vcpu_boot_state(fd, boot) : 0; /* APs wait for INIT-SIPI */
}

void kvm_vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if (!vm->vcpu[i].run)
			continue;
		munmap(vm->vcpu[i].run, vm->vcpu[i].run_size);
		close(vm->vcpu[i].fd);
	}
	close(vm->vm_fd);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	close(vm->kvm_fd);
}

static int handle_io(struct vm *vm, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int is_write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		uint64_t v = 0;

		memcpy(&v, data, run->io.size);
		if (is_write && run->io.port == TEST_EXIT_PORT) {
			vm_guest_ends(vm, (int)(v & 0xff));
			return 1;
		}
		vm_io(vm, DM_SPACE_PIO, run->io.port, run->io.size, is_write, &v);
		if (!is_write)
			memcpy(data, &v, run->io.size);
	}
	return 0;
}

static int handle_mmio(struct vm *vm, struct kvm_run *run)
{
	uint64_t v = 0;

	if (run->mmio.len > 8)
		return 0;
	memcpy(&v, run->mmio.data, run->mmio.len);
	vm_io(vm, DM_SPACE_MMIO, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write, &v);
	if (!run->mmio.is_write)
		memcpy(run->mmio.data, &v, run->mmio.len);
	return 0;
}

/* A guest or KVM failure: the vCPU's state goes with its message, the guest is ended. */
static int vcpu_crash(struct bvm_vcpu *v)
{
	diag_print_vcpu(v);
	vm_guest_ends(v->vm, BVM_EXIT_CRASH);
	return 1;
}

int kvm_vcpu_exit(struct bvm_vcpu *v)
{
	struct kvm_run *run = v->run;

	diag_count_exit(v);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v->vm, run);
	case KVM_EXIT_MMIO:
		return handle_mmio(v->vm, run);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_HLT:
		fprintf(stderr, "bvm: vcpu %u halted\n", v->id);
		vm_guest_ends(v->vm, 0);
		return 1;
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "bvm: vcpu %u: triple fault (shutdown); the guest is ended\n",
			v->id);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "bvm: vcpu %u: KVM refused to enter the guest (reason %#llx)\n",
			v->id, (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "bvm: vcpu %u: KVM internal error, suberror %u\n", v->id,
			run->internal.suberror);
		break;
	default:
		fprintf(stderr, "bvm: vcpu %u: unexpected exit reason %u\n", v->id,
			run->exit_reason);
		break;
	}
	return vcpu_crash(v);
}
