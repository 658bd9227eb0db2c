/*
 * tests/bench/kvm_raw.c: the floor bvm's exit cost is measured against
 * (`make bench`, issue 3 item 6b). The least a VMM can do per port-I/O exit
 * on /dev/kvm (KVM API, Documentation/virt/kvm/api.rst in Linux): one page of
 * real-mode code doing N OUTs to port 0x80 then one to 0xf4, no irqchip, no
 * devices, each KVM_EXIT_IO answered with no work. Prints ns per exit (wall
 * clock around the KVM_RUN loop) and the guest TSC rate KVM reports.
 *
 * usage: kvm_raw [N]   (default 1000000; exit status 0, else 1 with one line why)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/test_abi.h"

#define LOOP_PORT 0x80
#define GUEST_PAGE 0x1000
#define DEFAULT_COUNT 1000000ul
#define MAX_COUNT 0xfffffffful /* the loop counts in ECX */

/* Real mode at 0:0, ECX = N: 1: out 0x80,al; dec ecx; jnz 1b; out 0xf4,al; hlt */
static const uint8_t guest_code[] = {
	0xe6, LOOP_PORT,      /* out $0x80, %al */
	0x66, 0x49,	      /* dec %ecx (operand-size prefix: 32 bits in real mode) */
	0x75, 0xfa,	      /* jnz -6, back to the out */
	0xe6, TEST_EXIT_PORT, /* out $0xf4, %al */
	0xf4,		      /* hlt */
};

struct raw_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
};

static int raw_fail(const char *what)
{
	fprintf(stderr, "kvm_raw: %s: %s\n", what, strerror(errno));
	return -1;
}

static int raw_vm_create(struct raw_vm *r)
{
	struct kvm_userspace_memory_region slot = { .memory_size = GUEST_PAGE };
	void *mem;
	int size;

	r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (r->kvm < 0)
		return raw_fail("cannot open /dev/kvm");
	r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
	if (r->vm < 0)
		return raw_fail("KVM_CREATE_VM");
	ioctl(r->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul); /* real mode on hosts without it */
	mem = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return raw_fail("mmap");
	memcpy(mem, guest_code, sizeof(guest_code));
	slot.userspace_addr = (uintptr_t)mem;
	if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return raw_fail("KVM_SET_USER_MEMORY_REGION");
	r->vcpu = ioctl(r->vm, KVM_CREATE_VCPU, 0);
	size = ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r->vcpu < 0 || size <= 0)
		return raw_fail("KVM_CREATE_VCPU");
	r->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, r->vcpu, 0);
	if (r->run == MAP_FAILED)
		return raw_fail("mmap of kvm_run");
	return 0;
}

/* CS:IP = 0:0 in real mode, ECX = the loop count. */
static int raw_vcpu_start(struct raw_vm *r, unsigned long count)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rcx = count, .rflags = 2 };

	if (ioctl(r->vcpu, KVM_GET_SREGS, &sregs) < 0)
		return raw_fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(r->vcpu, KVM_SET_SREGS, &sregs) < 0)
		return raw_fail("KVM_SET_SREGS");
	if (ioctl(r->vcpu, KVM_SET_REGS, &regs) < 0)
		return raw_fail("KVM_SET_REGS");
	return 0;
}

/* Runs until the OUT to TEST_EXIT_PORT; returns the number of LOOP_PORT exits, or -1. */
static long raw_run(struct raw_vm *r, unsigned long count)
{
	unsigned long exits = 0, other = 0;

	while (exits <= count && other < 1000) {
		if (ioctl(r->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				other++;
				continue;
			}
			raw_fail("KVM_RUN");
			return -1;
		}
		if (r->run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "kvm_raw: unexpected exit reason %u after %lu exits\n",
				r->run->exit_reason, exits);
			return -1;
		}
		if (r->run->io.port == TEST_EXIT_PORT)
			return (long)exits;
		if (r->run->io.port == LOOP_PORT)
			exits++;
		else
			other++;
	}
	fprintf(stderr, "kvm_raw: the guest did not end after %lu exits\n", exits);
	return -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* argv[1], 1 to MAX_COUNT; DEFAULT_COUNT without one; 0 if it is not such a number. */
static unsigned long raw_parse_count(int argc, char **argv)
{
	unsigned long n;
	char *end;

	if (argc == 1)
		return DEFAULT_COUNT;
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (argc > 2 || errno || end == argv[1] || *end || n > MAX_COUNT)
		return 0;
	return n;
}

int main(int argc, char **argv)
{
	struct raw_vm r;
	unsigned long count = raw_parse_count(argc, argv);
	uint64_t t0, t1;
	long exits;
	int khz;

	if (!count) {
		fprintf(stderr, "usage: kvm_raw [N]   (1 to %lu OUTs, default %lu)\n", MAX_COUNT,
			DEFAULT_COUNT);
		return 2;
	}
	if (raw_vm_create(&r) || raw_vcpu_start(&r, count))
		return 1;
	t0 = now_ns();
	exits = raw_run(&r, count);
	t1 = now_ns();
	if (exits < 0)
		return 1;
	if ((unsigned long)exits != count) {
		fprintf(stderr, "kvm_raw: %ld exits to port 0x80, want %lu\n", exits, count);
		return 1;
	}
	printf("kvm_raw: %lu exits in %llu ns, %.1f ns per exit\n", count,
	       (unsigned long long)(t1 - t0), (double)(t1 - t0) / (double)count);
	khz = ioctl(r.vcpu, KVM_GET_TSC_KHZ, 0);
	if (khz > 0)
		printf("kvm_raw: tsc %d kHz (KVM_GET_TSC_KHZ)\n", khz);
	return 0;
}
