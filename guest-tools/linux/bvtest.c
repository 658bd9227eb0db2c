/*
 * guest-tools/linux/bvtest.c: the ioctls of /dev/bivisor (include/public/
 * bivisor_dev.h) exercised for real inside the Linux service domain: bad
 * arguments first, then a domain made from this process's own memory that
 * runs a few instructions, asks one port write and one port read of us and
 * ends with status 42; then a second domain that another open file destroys.
 * One "BVTEST: PASS what" or "BVTEST: FAIL what: why" line per check.
 * Built with gcc -static (scripts/mkdom0.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "include/public/bivisor_dev.h"

#define MEM (2u << 20)
#define PORT 0x500

static int passed, failed;

static void report(int ok, const char *what, const char *why)
{
	if (ok)
		passed++, printf("BVTEST: PASS %s\n", what);
	else
		failed++, printf("BVTEST: FAIL %s: %s\n", what, why);
	fflush(stdout);
}

/* An ioctl that must fail with err. */
static void expect_err(int fd, unsigned long cmd, void *arg, int err, const char *what)
{
	char why[80];
	int rc = ioctl(fd, cmd, arg);

	snprintf(why, sizeof(why), "returned %d, errno %d (%s), wanted errno %d", rc, errno,
		 strerror(errno), err);
	report(rc < 0 && errno == err, what, why);
}

/* An ioctl that must succeed; returns its value. */
static int expect_ok(int fd, unsigned long cmd, void *arg, const char *what)
{
	char why[80];
	int rc = ioctl(fd, cmd, arg);

	snprintf(why, sizeof(why), "errno %d (%s)", errno, strerror(errno));
	report(rc >= 0, what, why);
	return rc;
}

static struct bivisor_create create_args(const char *name, uint64_t mem, uint32_t vcpus)
{
	struct bivisor_create c = { .mem = mem, .vcpus = vcpus };

	strncpy(c.name, name, sizeof(c.name) - 1);
	return c;
}

static void bad_create_tests(int fd)
{
	struct bivisor_create c = create_args("bad name", MEM, 1);

	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: a space in the name");
	c = create_args("bvt", MEM + 1, 1);
	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: mem not whole pages");
	c = create_args("bvt", 1u << 20, 1);
	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: mem below 2 MiB");
	c = create_args("bvt", MEM, 0);
	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: 0 vcpus");
	c = create_args("bvt", MEM, 17);
	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: 17 vcpus");
	c = create_args("bvt", MEM, 1);
	c.flags = 2;
	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: unknown flag bit");
	expect_err(fd, BIVISOR_CREATE, NULL, EFAULT, "CREATE: NULL pointer");
	expect_err(fd, BIVISOR_CREATE, (void *)16, EFAULT, "CREATE: bad pointer");
}

static void no_domain_tests(int fd)
{
	struct bivisor_run r = { 0 };
	struct bv_domain_info info = { .domid = 9999 };
	uint32_t id = 9999;

	expect_err(fd, BIVISOR_START, NULL, EINVAL, "START: no domain on this file");
	expect_err(fd, BIVISOR_RUN, &r, EINVAL, "RUN: no domain on this file");
	expect_err(fd, BIVISOR_INFO, &info, EINVAL, "INFO: unknown domid");
	expect_err(fd, BIVISOR_INFO, (void *)16, EFAULT, "INFO: bad pointer");
	expect_err(fd, BIVISOR_PAUSE, &id, EINVAL, "PAUSE: unknown domid");
	expect_err(fd, BIVISOR_DESTROY, &id, EINVAL, "DESTROY: unknown domid");
	expect_err(fd, BIVISOR_DESTROY, NULL, EFAULT, "DESTROY: NULL pointer");
	expect_err(fd, _IO(BIVISOR_IOCTL_TYPE, 0x3f), NULL, ENOTTY, "an unknown ioctl");
}

/* 32-bit code at client 0x100 (paging off, flat GDT at 0): a write and a read of PORT,
 * then the test-exit port with what was read. */
static const uint8_t code[] = {
	0x66, 0xba, 0x00, 0x05,	      /* mov dx, 0x500 */
	0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
	0xef,			      /* out dx, eax */
	0xec,			      /* in al, dx */
	0xe6, 0xf4,		      /* out 0xf4, al */
	0xf4,			      /* hlt */
};

static uint8_t *guest_ram(void)
{
	static const uint64_t gdt[] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
	uint8_t *m =
		mmap(NULL, MEM + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || munmap(m + MEM, 4096)) /* a hole right after it */
		return NULL;
	memcpy(m, gdt, sizeof(gdt));
	memcpy(m + 0x100, code, sizeof(code));
	return m;
}

static void memory_tests(int fd, uint8_t *ram)
{
	struct bivisor_memory m = { .gpa = 0, .uaddr = (uintptr_t)ram + 8, .len = MEM };

	expect_err(fd, BIVISOR_MEMORY, &m, EINVAL, "MEMORY: uaddr not page-aligned");
	m.uaddr = (uintptr_t)ram, m.len = 100;
	expect_err(fd, BIVISOR_MEMORY, &m, EINVAL, "MEMORY: len not whole pages");
	m.len = BIVISOR_MEMORY_MAX + 4096;
	expect_err(fd, BIVISOR_MEMORY, &m, EINVAL, "MEMORY: len above BIVISOR_MEMORY_MAX");
	m.len = MEM, m.gpa = 8;
	expect_err(fd, BIVISOR_MEMORY, &m, EINVAL, "MEMORY: gpa not page-aligned");
	m.gpa = 0, m.uaddr = 0x1000;
	expect_err(fd, BIVISOR_MEMORY, &m, EFAULT, "MEMORY: unmapped uaddr");
	m.uaddr = (uintptr_t)ram, m.len = MEM + 4096;
	expect_err(fd, BIVISOR_MEMORY, &m, EFAULT, "MEMORY: one page past the mapping");
	m.len = MEM;
	expect_ok(fd, BIVISOR_MEMORY, &m, "MEMORY: 2 MiB of anonymous RAM");
	expect_err(fd, BIVISOR_MEMORY, &m, EINVAL, "MEMORY: populated already");
}

static void info_tests(int fd, uint32_t id)
{
	struct bv_domain_info info = { .domid = id };

	expect_ok(fd, BIVISOR_INFO, &info, "INFO: the new domain");
	report(info.state == BV_DOMAIN_CREATED && info.vcpus == 1 && info.mem == MEM &&
		       info.populated == MEM / 4096 && !strcmp(info.name, "bvt"),
	       "INFO: CREATED, 1 vcpu, 512 pages populated", "other values");
	info.domid = 0;
	expect_ok(fd, BIVISOR_INFO_NEXT, &info, "INFO_NEXT: from 0");
	report(info.domid == id, "INFO_NEXT: from 0 is the new domain", "another domid");
	expect_err(fd, BIVISOR_INFO_NEXT, &info, ENOENT, "INFO_NEXT: after the last");
	expect_err(fd, BIVISOR_PAUSE, &id, EINVAL, "PAUSE: before START");
	expect_err(fd, BIVISOR_UNPAUSE, &id, EINVAL, "UNPAUSE: before START");
}

static void irq_tests(int fd)
{
	struct bivisor_irq q = { .line = 24, .level = 1 };

	expect_err(fd, BIVISOR_SET_IRQ, &q, EINVAL, "SET_IRQ: line 24");
	q.line = 5, q.level = 2;
	expect_err(fd, BIVISOR_SET_IRQ, &q, EINVAL, "SET_IRQ: level 2");
	q.level = 1;
	expect_ok(fd, BIVISOR_SET_IRQ, &q, "SET_IRQ: line 5 up");
	q.level = 0;
	expect_ok(fd, BIVISOR_SET_IRQ, &q, "SET_IRQ: line 5 down");
}

static void setup_tests(int fd, uint32_t id)
{
	struct bv_vcpu_regs regs = { .domid = 9999,
				     .mode = BV_CPU_PROT32,
				     .rip = 0x100,
				     .rsp = 0xff0,
				     .gdt_limit = 23,
				     .code_sel = 8,
				     .data_sel = 16 };
	struct bivisor_ioreq_ranges rr = { .nranges = 1 };
	struct bivisor_create c = create_args("bvt2", MEM, 1);
	struct bivisor_run r = { 0 };

	expect_err(fd, BIVISOR_CREATE, &c, EINVAL, "CREATE: a second domain on one file");
	expect_ok(fd, BIVISOR_SET_REGS, &regs, "SET_REGS: domid filled in by the module");
	expect_err(fd, BIVISOR_RUN, &r, EINVAL, "RUN: before START");
	rr.range[0] = (struct bv_ioreq_range){ .type = BV_IOREQ_PIO, .base = 0x3f8, .len = 8 };
	expect_err(fd, BIVISOR_IOREQ_RANGES, &rr, EBUSY, "IOREQ_RANGES: COM1 without FORWARD_COM1");
	rr.nranges = 0;
	expect_err(fd, BIVISOR_IOREQ_RANGES, &rr, EINVAL, "IOREQ_RANGES: 0 ranges");
	rr.nranges = 1;
	rr.range[0] = (struct bv_ioreq_range){ .type = BV_IOREQ_PIO, .base = PORT, .len = 8 };
	expect_ok(fd, BIVISOR_IOREQ_RANGES, &rr, "IOREQ_RANGES: port 0x500");
	expect_err(fd, BIVISOR_IOREQ_RANGES, &rr, EINVAL, "IOREQ_RANGES: a second time");
	irq_tests(fd);
	(void)id;
}

/* RUN until the next event; returns its kind or -errno. */
static int run(int fd, struct bivisor_run *r, uint32_t flags, uint64_t data)
{
	r->vcpu = 0, r->flags = flags, r->data = data;
	return ioctl(fd, BIVISOR_RUN, r) ? -errno : (int)r->kind;
}

static void run_tests(int fd, uint32_t id)
{
	struct bivisor_run r = { 0 };
	struct bv_domain_info info = { .domid = id };
	struct pollfd p = { .fd = fd, .events = POLLIN };

	expect_ok(fd, BIVISOR_START, NULL, "START");
	expect_err(fd, BIVISOR_START, NULL, EINVAL, "START: a second time");
	report(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN), "poll: POLLIN for the ioreq",
	       "no POLLIN in 10 s");
	report(run(fd, &r, 0, 0) == BIVISOR_RUN_IOREQ && r.req.addr == PORT && r.req.size == 4 &&
		       r.req.dir == BV_IOREQ_WRITE && r.req.data == 0x12345678,
	       "RUN: the guest's 4-byte write of 0x12345678", "another event");
	report(run(fd, &r, BIVISOR_RUN_COMPLETE, 0) == BIVISOR_RUN_IOREQ && r.req.addr == PORT &&
		       r.req.size == 1 && r.req.dir == BV_IOREQ_READ,
	       "RUN: complete it, then the guest's 1-byte read", "another event");
	report(run(fd, &r, BIVISOR_RUN_COMPLETE, 42) == BIVISOR_RUN_ENDED && r.exit_status == 42,
	       "RUN: answer 42, the guest ends with status 42", "another event");
	p.events = 0;
	report(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "poll: POLLHUP once ended", "none");
	expect_ok(fd, BIVISOR_INFO, &info, "INFO: the ended domain");
	report(info.state == BV_DOMAIN_ENDED && info.exit_status == 42 && info.cpu_ns > 0,
	       "INFO: ENDED, status 42, cpu_ns counted", "other values");
}

/* A domain that a second open file destroys by its domid. */
static void destroy_tests(void)
{
	int a = open("/dev/bivisor", O_RDWR), b = open("/dev/bivisor", O_RDWR);
	struct bivisor_create c = create_args("bvt-victim", MEM, 1);
	struct bv_domain_info info;
	struct bivisor_run r = { 0 };

	if (a < 0 || b < 0) {
		report(0, "DESTROY: two files", strerror(errno));
		return;
	}
	expect_ok(a, BIVISOR_CREATE, &c, "CREATE: the victim");
	expect_ok(b, BIVISOR_DESTROY, &c.domid, "DESTROY: the victim, from a second file");
	info.domid = c.domid;
	expect_err(b, BIVISOR_INFO, &info, EINVAL, "INFO: the victim is gone");
	report(run(a, &r, 0, 0) == BIVISOR_RUN_CRASHED && r.exit_status == -1,
	       "RUN: on the victim's file says CRASHED", "another answer");
	expect_err(b, BIVISOR_DESTROY, &c.domid, EINVAL, "DESTROY: a second time");
	close(b);
	report(close(a) == 0, "close: the victim's file", strerror(errno));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A RUN on a vCPU that never asks anything: a signal ends the wait. */
static void eintr_tests(int fd)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct bivisor_run r = { 0 };

	report(poll(&p, 1, 0) == 0, "poll: nothing READY on a spinning vCPU", "an event");
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	report(run(fd, &r, 0, 0) == -EINTR, "RUN: a signal interrupts the wait (-EINTR)",
	       "another answer");
	r.data = 0;
	report(run(fd, &r, BIVISOR_RUN_COMPLETE, 0) == -EINVAL, "RUN: COMPLETE with nothing taken",
	       "another answer");
}

/* A domain that spins at 0x100 when its file is closed: the module destroys it running. */
static void close_running_tests(void)
{
	struct bv_vcpu_regs regs = {
		.mode = BV_CPU_PROT32, .rip = 0x100, .gdt_limit = 23, .code_sel = 8, .data_sel = 16
	};
	struct bivisor_create c = create_args("bvt-spin", MEM, 1);
	int fd = open("/dev/bivisor", O_RDWR);
	uint8_t *ram = guest_ram();
	struct bivisor_memory m = { .uaddr = (uintptr_t)ram, .len = MEM };
	struct bivisor_ioreq_ranges rr = { .nranges = 1 };
	struct bv_domain_info info;

	rr.range[0] = (struct bv_ioreq_range){ .type = BV_IOREQ_PIO, .base = PORT, .len = 8 };
	if (fd < 0 || !ram) {
		report(0, "close running: open and mmap", strerror(errno));
		return;
	}
	ram[0x100] = 0xeb, ram[0x101] = 0xfe; /* jmp $ */
	expect_ok(fd, BIVISOR_CREATE, &c, "CREATE: bvt-spin");
	expect_ok(fd, BIVISOR_MEMORY, &m, "MEMORY: bvt-spin");
	expect_ok(fd, BIVISOR_SET_REGS, &regs, "SET_REGS: bvt-spin");
	expect_ok(fd, BIVISOR_IOREQ_RANGES, &rr, "IOREQ_RANGES: bvt-spin");
	expect_ok(fd, BIVISOR_START, NULL, "START: bvt-spin");
	eintr_tests(fd);
	info.domid = c.domid;
	expect_ok(fd, BIVISOR_PAUSE, &c.domid, "PAUSE: bvt-spin");
	expect_ok(fd, BIVISOR_INFO, &info, "INFO: bvt-spin");
	report(info.state == BV_DOMAIN_PAUSED, "INFO: bvt-spin is PAUSED", "another state");
	expect_ok(fd, BIVISOR_UNPAUSE, &c.domid, "UNPAUSE: bvt-spin");
	report(close(fd) == 0, "close: destroys bvt-spin while it runs", strerror(errno));
	info.domid = c.domid;
	fd = open("/dev/bivisor", O_RDWR);
	expect_err(fd, BIVISOR_INFO, &info, EINVAL, "INFO: bvt-spin is gone");
	close(fd);
}

/* How many times the module's interrupt came, summed over CPUs; -1 without one. */
static long irq_count(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	long sum = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, "bivisor"))
			continue;
		sum = 0;
		for (char *end = ++p;; p = end) { /* one count per CPU, then the chip's name */
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

/* With notify=gsi (the default) the events of run_tests came as interrupts. */
static void notify_tests(void)
{
	FILE *f = fopen("/sys/module/bivisor/parameters/notify", "r");
	char mode[16] = "";
	char why[64];
	long n = irq_count();

	if (!f || !fgets(mode, sizeof(mode), f)) {
		report(0, "notify: the module's parameter", "not readable");
		return;
	}
	fclose(f);
	snprintf(why, sizeof(why), "%ld interrupts", n);
	if (!strncmp(mode, "poll", 4))
		report(n == -1, "notify=poll: no interrupt registered", why);
	else
		report(n > 0, "notify=gsi: the events came as interrupts", why);
}

int main(void)
{
	int fd = open("/dev/bivisor", O_RDWR);
	struct bivisor_create c = create_args("bvt", MEM, 1);
	uint8_t *ram = guest_ram();

	if (fd < 0 || !ram) {
		printf("BVTEST: FAIL open /dev/bivisor: %s\nBVTEST: done 0 passed 1 failed\n",
		       strerror(errno));
		return 1;
	}
	report(ioctl(fd, BIVISOR_VERSION) == BIVISOR_DEV_VERSION, "VERSION", "another version");
	bad_create_tests(fd);
	no_domain_tests(fd);
	if (expect_ok(fd, BIVISOR_CREATE, &c, "CREATE: bvt, 2 MiB, 1 vcpu") >= 0) {
		memory_tests(fd, ram);
		info_tests(fd, c.domid);
		setup_tests(fd, c.domid);
		run_tests(fd, c.domid);
	}
	notify_tests();
	report(close(fd) == 0, "close: destroys the ended domain", strerror(errno));
	destroy_tests();
	close_running_tests();
	printf("BVTEST: done %d passed %d failed\n", passed, failed);
	return failed != 0;
}
