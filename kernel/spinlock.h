/*
 * kernel/spinlock.h: a test-and-set spinlock with interrupts saved and
 * disabled while held (GCC __atomic builtins; x86 "lock xchg").
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "arch/x86/x86.h"

typedef struct {
	volatile int locked;
} spinlock_t;

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t flags = irq_save();

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_relax();
	return flags;
}

/* Bounded attempt, for paths (panic, exceptions) that must print anyway. */
static inline int spin_trylock_bounded(spinlock_t *l, unsigned long spins)
{
	while (spins--) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return 1;
		cpu_relax();
	}
	return 0;
}

/* Releases the lock but leaves interrupts as they are (off, from spin_lock_irqsave). */
static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

#endif
