/*
 * drivers/i8254.h: the PC's interval timer, an Intel 8254 PIT at ports
 * 0x40-0x43, with the timer-2 gate and OUT bits of the NMI status and control
 * port 0x61. One instance per guest; it owns no memory beyond the struct.
 */
#ifndef DRIVERS_I8254_H
#define DRIVERS_I8254_H

#include "drivers/dm_env.h"

#define I8254_PORT 0x40 /* counters 0-2 at offsets 0-2, the control word at 3 */
#define I8254_REGION_LEN 4
#define I8254_PORT61 0x61 /* NMI status and control: gate 2, speaker, OUT 2 */
#define I8254_PORT61_REGION_LEN 1
#define I8254_IRQ 0	  /* counter 0's OUT: an edge-triggered line */
#define I8254_HZ 1193182u /* the input clock of all three counters */
#define I8254_CHANNELS 3

/* One counter: see drivers/i8254.c for how its state maps to the data sheet's. */
struct i8254_channel {
	uint8_t ctrl;	    /* RW, mode and BCD bits (5-0) of the last control word */
	uint8_t gate;	    /* the GATE input: 1 on counters 0 and 1 */
	uint8_t has_cr;	    /* a whole count was written after the control word */
	uint8_t armed;	    /* the counting element holds a count */
	uint8_t counting;   /* and the counter decrements it now */
	uint8_t pending;    /* modes 2 and 3: cr loads at tick `boundary` */
	uint8_t null_count; /* the status byte's NULL COUNT */
	uint8_t write_msb;  /* the next write of an LSB-MSB pair is the MSB */
	uint8_t read_msb;   /* the next read of an LSB-MSB pair is the MSB */
	uint8_t lsb;	    /* the LSB of a pair, until its MSB arrives */
	uint8_t latch_left; /* bytes of the latched count not yet read */
	uint8_t status_latched;
	uint8_t status;
	uint8_t owed;	     /* counter 0: an edge passed in a period since replaced */
	uint16_t latch;	     /* the latched count, as the guest reads it */
	uint16_t idle;	     /* the count shown while nothing is armed */
	uint32_t cr;	     /* the count register: 1-65536 (1-10000 in BCD) */
	uint32_t n;	     /* the count the counting element runs with */
	uint64_t start_ns;   /* clock_ns when the ticks in `held` were counted */
	int64_t held;	     /* ticks elapsed at start_ns (since the count loaded) */
	uint64_t boundary;   /* see pending */
	uint64_t edges_done; /* counter 0: OUT rising edges already raised */
	uint64_t owed_ns;    /* counter 0: when the owed edge came */
};

struct i8254 {
	const struct dm_env *env;
	struct i8254_channel ch[I8254_CHANNELS];
	uint8_t port61;	 /* bits 0-3 as the guest wrote them */
	uint8_t refresh; /* port 0x61 bit 4, flipped by every read */
};

/*
 * env must outlive the instance and have clock_ns. Counter 0 raises line
 * I8254_IRQ through env->set_irq, as a pulse (1 then 0) on each rising edge
 * of its OUT; the line rests low.
 */
void i8254_init(struct i8254 *p, const struct dm_env *env);
/* The 4-port region at I8254_PORT. Only one-byte accesses; others get -EINVAL. */
int i8254_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int i8254_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
/* The 1-port region at I8254_PORT61. Only one-byte accesses; others get -EINVAL. */
int i8254_port61_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int i8254_port61_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
/*
 * No thread ticks the counters: the host calls i8254_update before it enters
 * the guest, which raises counter 0's interrupt if an edge is due, and arms
 * its own timer for
 * i8254_next_event_ns: the clock_ns of the next edge, a time already past
 * when one is due, or 0 when counter 0 will not fire without a guest write.
 */
void i8254_update(struct i8254 *p);
/*
 * Periods missed while the guest did not run (a busy host, a descheduled
 * vCPU) are not lost but delivered late, one pulse per i8254_update, as
 * KVM's PIT reinjects them: Linux counts jiffies in them, and its check that
 * the timer works (timer_irq_works) wants 5 ticks in a short TSC window. At
 * most this many are owed; older ones are dropped.
 */
#define I8254_CATCHUP_MAX 10
uint64_t i8254_next_event_ns(const struct i8254 *p);

#endif
