/*
 * hosted/run.c: the threads of a running guest. One thread per vCPU loops on
 * KVM_RUN (Documentation/virt/kvm/api.rst 4.10); the I/O thread polls the
 * devices' backends; the main thread waits for signals and the watchdog.
 * When the guest ends, every vCPU is kicked out of KVM_RUN by a signal and
 * kvm_run.immediate_exit (api.rst 5, "immediate_exit"), so that a kick that
 * comes just before KVM_RUN is not lost, and every thread is joined.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "hosted/bvm.h"

#define SIG_KICK SIGUSR1
#define JOIN_RETRY_NS 50000000l /* a thread not gone in 50 ms is kicked again */

static void kick_handler(int sig)
{
	(void)sig; /* its only work: KVM_RUN returns -EINTR */
}

/* Makes v leave KVM_RUN now, or return at once from its next one. */
static void vcpu_kick(struct bvm_vcpu *v)
{
	if (!v->run)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v->started)
		pthread_kill(v->thread, SIG_KICK);
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

static void *vcpu_loop(void *arg)
{
	struct bvm_vcpu *v = arg;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (v->vm->exit_status < 0) {
		if (ioctl(v->fd, KVM_RUN, 0) == 0) {
			if (kvm_vcpu_exit(v))
				break;
			continue;
		}
		if (errno != EINTR && errno != EAGAIN) {
			fprintf(stderr, "bvm: vcpu %u: KVM_RUN: %s\n", v->id, strerror(errno));
			vm_guest_ends(v->vm, BVM_EXIT_CRASH);
			break;
		}
		/* kicked: clear the flag first, then look at what was asked */
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		diag_answer(v);
	}
	return NULL;
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
 * only SIG_KICK, whose handler does nothing (no SA_RESTART: KVM_RUN returns).
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
