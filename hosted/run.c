/*
 * hosted/run.c: the threads of a running guest, above the accelerator seam
 * (hosted/accel.h). One thread per vCPU loops on the accelerator's vcpu_run
 * and dispatches each neutral exit by its kind through a table: port I/O and
 * MMIO go to the guest's I/O bus (drivers/iobus.c), port 0xf4 ends the guest
 * with its status. The I/O thread polls the devices' backends; the main
 * thread waits for signals and the watchdog. When the guest ends, every vCPU
 * is kicked (the accelerator's vcpu_kick, then a signal), and every thread is
 * joined. bvm pause (hosted/control.c) kicks them too and holds each thread
 * out of its run until bvm unpause (vm_pause, vm_unpause).
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hosted/bvm.h"
#include "hosted/gdbstub.h"
#include "lib/test_abi.h"

#define SIG_KICK SIGUSR1
#define JOIN_RETRY_NS 50000000l /* a thread not gone in 50 ms is kicked again */

static void kick_handler(int sig)
{
	(void)sig; /* its only work: the accelerator's run returns (KVM_RUN: -EINTR) */
}

/* Makes v's run return now, or at once the next time; a paused vCPU looks up too. */
static void vcpu_kick(struct bvm_vcpu *v)
{
	if (!v->acc)
		return;
	v->vm->accel->vcpu_kick(v->acc);
	if (v->started)
		pthread_kill(v->thread, SIG_KICK);
	pthread_mutex_lock(&v->vm->pause_lock);
	pthread_cond_broadcast(&v->vm->pause_cond);
	pthread_mutex_unlock(&v->vm->pause_lock);
}

void vm_kick_vcpus(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpu[i]);
}

/* Sets the status if none is set yet, then stops every thread; 1 if this call set it. */
static int vm_stop(struct vm *vm, int status)
{
	if (!__sync_bool_compare_and_swap(&vm->exit_status, -1, status))
		return 0;
	vm_kick_vcpus(vm);
	pthread_kill(vm->main_thread, SIG_KICK);
	return 1;
}

void vm_guest_ends(struct vm *vm, int status)
{
	if (vm_stop(vm, status))
		fprintf(stderr, "bvm: guest exited with status %d\n", status);
}

static int exit_io(struct bvm_vcpu *v, const struct accel_exit *e)
{
	uint8_t *data = e->io.data;

	for (uint32_t i = 0; i < e->io.count; i++, data += e->io.size) {
		uint64_t val = 0;

		memcpy(&val, data, e->io.size);
		if (e->io.write && e->io.port == PC_TEST_EXIT_PORT) {
			vm_guest_ends(v->vm, (int)(val & 0xff));
			return 1;
		}
		if (e->io.write) {
			iobus_write(&v->vm->bus, DM_SPACE_PIO, e->io.port, e->io.size, val);
		} else {
			val = iobus_read(&v->vm->bus, DM_SPACE_PIO, e->io.port, e->io.size);
			memcpy(data, &val, e->io.size);
		}
	}
	return 0;
}

static int exit_mmio(struct bvm_vcpu *v, const struct accel_exit *e)
{
	uint64_t val = 0;

	if (e->mmio.size > 8)
		return 0;
	memcpy(&val, e->mmio.data, e->mmio.size);
	if (e->mmio.write) {
		iobus_write(&v->vm->bus, DM_SPACE_MMIO, e->mmio.addr, e->mmio.size, val);
	} else {
		val = iobus_read(&v->vm->bus, DM_SPACE_MMIO, e->mmio.addr, e->mmio.size);
		memcpy(e->mmio.data, &val, e->mmio.size);
	}
	return 0;
}

static int exit_halt(struct bvm_vcpu *v, const struct accel_exit *e)
{
	(void)e;
	fprintf(stderr, "bvm: vcpu %u halted\n", v->id);
	vm_guest_ends(v->vm, 0);
	return 1;
}

static int exit_interrupted(struct bvm_vcpu *v, const struct accel_exit *e)
{
	(void)e;
	diag_answer(v); /* kicked: a dump may have asked */
	if (v->vm->gdb && v->id == 0 && gdbstub_interrupted(v->vm->gdb))
		return gdbstub_stop(v->vm->gdb, v, 0); /* or gdb's Ctrl-C */
	return 0;
}

/* A guest or accelerator failure: the vCPU's state goes with its message, the guest is ended. */
static int exit_crash(struct bvm_vcpu *v, const struct accel_exit *e)
{
	const char *accel = v->vm->accel->name;
	unsigned long long code = e->error.code;

	if (e->error.msg)
		fprintf(stderr, "bvm: vcpu %u: %s: %s; the guest is ended\n", v->id, accel,
			e->error.msg);
	else if (e->kind == ACCEL_EXIT_SHUTDOWN)
		fprintf(stderr, "bvm: vcpu %u: triple fault (shutdown); the guest is ended\n",
			v->id);
	else if (e->kind == ACCEL_EXIT_FAIL_ENTRY)
		fprintf(stderr, "bvm: vcpu %u: %s refused to enter the guest (reason %#llx)\n",
			v->id, accel, code);
	else if (e->kind == ACCEL_EXIT_INTERNAL)
		fprintf(stderr, "bvm: vcpu %u: %s internal error, suberror %llu\n", v->id, accel,
			code);
	else
		fprintf(stderr, "bvm: vcpu %u: unexpected exit, %s reason %llu\n", v->id, accel,
			code);
	diag_print_vcpu(v);
	vm_guest_ends(v->vm, BVM_EXIT_CRASH);
	return 1;
}

/* A breakpoint or step of --gdb (hosted/gdbstub.c); the accelerator gives none without it. */
static int exit_debug(struct bvm_vcpu *v, const struct accel_exit *e)
{
	(void)e;
	return v->vm->gdb && v->id == 0 ? gdbstub_stop(v->vm->gdb, v, 0) : 0;
}

/*
 * Power-off (S5) ends the guest as the ACPI PM device does, with the status
 * the accelerator saw (bivisor: the domain's own); bvm does not reset a guest.
 */
static int exit_system(struct bvm_vcpu *v, const struct accel_exit *e)
{
	static const char *const what[] = { [ACCEL_SYSTEM_RESET] = "a reset (bvm has none)",
					    [ACCEL_SYSTEM_CRASH] = "a crash",
					    [ACCEL_SYSTEM_OTHER] = "an unknown system event" };

	if (e->system.event == ACCEL_SYSTEM_POWEROFF) {
		vm_guest_ends(v->vm, e->system.status);
		return 1;
	}
	fprintf(stderr, "bvm: vcpu %u: the guest asked for %s; it is ended\n", v->id,
		what[e->system.event]);
	diag_print_vcpu(v);
	vm_guest_ends(v->vm, BVM_EXIT_CRASH);
	return 1;
}

/* One handler per exit kind; returns 1 when the vCPU must stop. */
typedef int exit_handler_fn(struct bvm_vcpu *v, const struct accel_exit *e);
static exit_handler_fn *const exit_handlers[ACCEL_EXIT_KINDS] = {
	[ACCEL_EXIT_OTHER] = exit_crash,
	[ACCEL_EXIT_IO] = exit_io,
	[ACCEL_EXIT_MMIO] = exit_mmio,
	[ACCEL_EXIT_HALT] = exit_halt,
	[ACCEL_EXIT_SHUTDOWN] = exit_crash,
	[ACCEL_EXIT_FAIL_ENTRY] = exit_crash,
	[ACCEL_EXIT_INTERNAL] = exit_crash,
	[ACCEL_EXIT_SYSTEM] = exit_system,
	[ACCEL_EXIT_INTERRUPTED] = exit_interrupted,
	[ACCEL_EXIT_DEBUG] = exit_debug,
};

/*
 * Out of its run while the VM is paused (bvm pause): waits, answering dump
 * requests, until vm_unpause or the guest's end. A waiting thread uses no
 * CPU time, so `bvm list` shows the domain's time standing still.
 */
static void vcpu_park(struct bvm_vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->pause_lock);
	vm->nparked++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (vm->paused && vm->exit_status < 0) {
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
		pthread_mutex_unlock(&vm->pause_lock);
		diag_answer(v);
		pthread_mutex_lock(&vm->pause_lock);
	}
	vm->nparked--;
	pthread_mutex_unlock(&vm->pause_lock);
}

int vm_pause(struct vm *vm)
{
	struct timespec t;

	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = 1;
	pthread_mutex_unlock(&vm->pause_lock);
	vm_kick_vcpus(vm);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->nparked < vm->ncpus && vm->exit_status < 0) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += JOIN_RETRY_NS;
		if (t.tv_nsec >= 1000000000l)
			t.tv_sec++, t.tv_nsec -= 1000000000l;
		pthread_cond_timedwait(&vm->pause_cond, &vm->pause_lock, &t);
	}
	pthread_mutex_unlock(&vm->pause_lock);
	return vm->exit_status < 0 ? 0 : -1;
}

void vm_unpause(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = 0;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

static uint64_t timespec_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

/* On the vCPU's thread as it ends: its CPU time stays readable after the join. */
static void vcpu_account_end(struct bvm_vcpu *v)
{
	struct timespec t = { 0 };

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	pthread_mutex_lock(&v->vm->pause_lock);
	v->cpu_ns = timespec_ns(&t);
	v->cpu_done = 1;
	pthread_mutex_unlock(&v->vm->pause_lock);
}

/* A thread still running cannot be joined while pause_lock is held (vcpu_account_end). */
uint64_t vm_cpu_ns(struct vm *vm)
{
	uint64_t sum = 0;
	struct timespec t;
	clockid_t clock;

	pthread_mutex_lock(&vm->pause_lock);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct bvm_vcpu *v = &vm->vcpu[i];

		if (v->cpu_done)
			sum += v->cpu_ns;
		else if (v->started && !pthread_getcpuclockid(v->thread, &clock) &&
			 !clock_gettime(clock, &t))
			sum += timespec_ns(&t);
	}
	pthread_mutex_unlock(&vm->pause_lock);
	return sum;
}

/* The exit's handler; with --trace, timed and recorded (hosted/trace.c). 1: stop. */
static int vcpu_handle(struct bvm_vcpu *v, const struct accel_exit *e, uint64_t t0)
{
	int stop = exit_handlers[e->kind](v, e);

	if (v->trace)
		trace_record(v, e, t0);
	return stop;
}

static void *vcpu_loop(void *arg)
{
	struct bvm_vcpu *v = arg;
	const struct accel_ops *accel = v->vm->accel;
	struct accel_exit e;
	sigset_t kick;
	uint64_t t0;
	int rc;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (v->vm->gdb && v->id == 0 && gdbstub_stop(v->vm->gdb, v, 1))
		vm_guest_ends(v->vm, BVM_EXIT_ENV); /* no gdb came: ended by a signal or watchdog */
	while (v->vm->exit_status < 0) {
		if (v->vm->paused) {
			vcpu_park(v);
			continue;
		}
		rc = accel->vcpu_run(v->acc, &e);
		t0 = v->trace ? trace_now() : 0;
		if (rc < 0) {
			fprintf(stderr, "bvm: vcpu %u: %s cannot run it: %s\n", v->id, accel->name,
				strerror(-rc));
			vm_guest_ends(v->vm, BVM_EXIT_CRASH);
			break;
		}
		diag_count_exit(v, &e);
		if (vcpu_handle(v, &e, t0))
			break;
	}
	vcpu_account_end(v);
	return NULL;
}

static void boot_segment(struct accel_segment *s, uint16_t sel, int code, int long_mode)
{
	*s = (struct accel_segment){ .base = 0,
				     .limit = 0xffffffff,
				     .selector = sel,
				     .type = code ? 11 : 3,
				     .present = 1,
				     .s = 1,
				     .db = code && long_mode ? 0 : 1,
				     .l = code && long_mode,
				     .g = 1 };
}

/* The loader's state of the boot vCPU (set_regs keeps what this does not name). */
static void boot_regs(struct accel_regs *r, const struct fw_boot_cpu *b)
{
	int lm = b->mode == FW_CPU_LONG64;

	*r = (struct accel_regs){ .rip = b->rip,
				  .rsp = b->rsp,
				  .rax = b->rax,
				  .rbx = b->rbx,
				  .rsi = b->rsi,
				  .rdi = b->rdi,
				  .rflags = 2,
				  .cr0 = 0x11 | (lm ? 0x80000000u : 0),
				  .cr4 = lm ? 0x20 : 0,
				  .cr3 = lm ? b->cr3 : 0,
				  .efer = lm ? 0x500 : 0,
				  .gdt_base = b->gdt_base,
				  .gdt_limit = b->gdt_limit };
	boot_segment(&r->cs, b->code_sel, 1, lm);
	boot_segment(&r->ds, b->data_sel, 0, lm);
	r->es = r->fs = r->gs = r->ss = r->ds;
}

int vm_vcpu_create(struct vm *vm, unsigned int id, const struct fw_boot_cpu *boot)
{
	struct bvm_vcpu *v = &vm->vcpu[id];
	struct accel_regs r;
	int rc;

	*v = (struct bvm_vcpu){ .vm = vm, .id = id };
	rc = vm->accel->vcpu_create(vm->acc, id, &v->acc);
	if (rc < 0 || id != 0) /* APs wait for INIT-SIPI */
		return rc;
	boot_regs(&r, boot);
	return vm->accel->set_regs(v->acc, &r);
}

/* The I/O thread: console input, network frames and waiting requests. */
static void *io_loop(void *arg)
{
	struct vm *vm = arg;

	while (vm->exit_status < 0)
		vm_poll_devices(vm);
	return NULL;
}

/*
 * The signals the main thread takes with sigtimedwait. Blocked before any
 * thread starts, so every thread inherits the mask; vCPU threads unblock
 * only SIG_KICK, whose handler does nothing (no SA_RESTART: the run returns).
 */
static void run_signals(sigset_t *set)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(set);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);
}

static int run_start(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct bvm_vcpu *v = &vm->vcpu[i];

		if (pthread_create(&v->thread, NULL, vcpu_loop, v)) {
			fprintf(stderr, "bvm: cannot start the thread of vcpu %u\n", i);
			return -1;
		}
		v->started = 1;
	}
	if (pthread_create(&vm->io_thread, NULL, io_loop, vm)) {
		fprintf(stderr, "bvm: cannot start the I/O thread\n");
		return -1;
	}
	return 0;
}

static void watchdog_fire(struct vm *vm, unsigned int seconds)
{
	fprintf(stderr, "bvm: watchdog: the guest did not end within %u s; it is ended\n", seconds);
	diag_dump(vm, "watchdog");
	if (vm_stop(vm, BVM_EXIT_WATCHDOG))
		fprintf(stderr, "bvm: watchdog: exit status %d\n", BVM_EXIT_WATCHDOG);
}

static void on_signal(struct vm *vm, int sig)
{
	if (sig == SIGQUIT) {
		diag_dump(vm, "SIGQUIT");
		return;
	}
	if (sig != SIG_KICK && vm_stop(vm, BVM_EXIT_SIGNAL + sig))
		fprintf(stderr, "bvm: %s: the guest is ended (exit status %d)\n", strsignal(sig),
			BVM_EXIT_SIGNAL + sig);
}

/* The main thread until the guest ends: SIGQUIT dumps, the watchdog dumps and ends. */
static void run_wait(struct vm *vm, const sigset_t *set, unsigned int watchdog)
{
	struct timespec now, end, left;
	int sig;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += watchdog;
	while (vm->exit_status < 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0)
			left.tv_sec--, left.tv_nsec += 1000000000l;
		if (watchdog && left.tv_sec < 0) {
			watchdog_fire(vm, watchdog);
			continue;
		}
		sig = sigtimedwait(set, NULL, watchdog ? &left : NULL);
		if (sig > 0)
			on_signal(vm, sig);
	}
}

/* Every thread that was started, kicked again until it is gone. */
static void run_join(struct vm *vm)
{
	struct timespec t;

	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct bvm_vcpu *v = &vm->vcpu[i];

		while (v->started) {
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += JOIN_RETRY_NS;
			if (t.tv_nsec >= 1000000000l)
				t.tv_sec++, t.tv_nsec -= 1000000000l;
			if (pthread_timedjoin_np(v->thread, NULL, &t) != ETIMEDOUT)
				v->started = 0;
			else
				vcpu_kick(v);
		}
	}
	if (vm->io_started)
		pthread_join(vm->io_thread, NULL);
}

int vm_run(struct vm *vm, unsigned int watchdog)
{
	sigset_t set;

	vm->exit_status = -1;
	vm->main_thread = pthread_self();
	pthread_mutex_init(&vm->diag_lock, NULL);
	pthread_cond_init(&vm->diag_cond, NULL);
	run_signals(&set);
	if (run_start(vm))
		vm_stop(vm, BVM_EXIT_ENV);
	else
		vm->io_started = 1;
	run_wait(vm, &set, watchdog);
	run_join(vm);
	return vm->exit_status;
}
