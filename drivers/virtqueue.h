/*
 * drivers/virtqueue.h: the device side of a split virtqueue (virtio 1.2 §2.7):
 * the ring layouts in guest memory and the helpers a device model uses to take
 * a chain of buffers from the driver, move bytes in and out of it, give it back
 * and decide whether to interrupt. Every access goes through dm_env and every
 * value read from the guest is checked; a bad one is returned as an error
 * (with a reason in vq->error) that the device turns into DEVICE_NEEDS_RESET.
 */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include "drivers/dm_env.h"

/* Rings, headers and configuration spaces are little-endian: read here as host words. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio structures are little-endian");

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/* Reserved feature bits (§6) that change how rings are read. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTQ_SIZE_MAX 32768 /* §2.7: a power of 2, at most 32768 */

/* §2.7.5: a descriptor, in the table (Descriptor Area) or an indirect table. */
struct virtq_desc {
	uint64_t addr;	/* 0x00 guest-physical */
	uint32_t len;	/* 0x08 bytes; for VIRTQ_DESC_F_INDIRECT the table's size */
	uint16_t flags; /* 0x0c VIRTQ_DESC_F_* */
	uint16_t next;	/* 0x0e with VIRTQ_DESC_F_NEXT: the next descriptor's index */
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2 /* device-writable (otherwise device-readable) */
#define VIRTQ_DESC_F_INDIRECT 4

/* §2.7.6: the available ring (Driver Area), 2-byte aligned, 6 + 2 * size bytes. */
struct virtq_avail {
	uint16_t flags;	 /* 0x00 VIRTQ_AVAIL_F_NO_INTERRUPT */
	uint16_t idx;	 /* 0x02 free-running: where the driver puts the next head */
	uint16_t ring[]; /* 0x04 heads [size], then le16 used_event (VIRTIO_F_EVENT_IDX) */
};
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail header is 4 bytes");

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* §2.7.8: the used ring (Device Area), 4-byte aligned, 6 + 8 * size bytes. */
struct virtq_used_elem {
	uint32_t id;  /* 0x00 head of the chain given back */
	uint32_t len; /* 0x04 bytes the device wrote into it */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes");

struct virtq_used {
	uint16_t flags;		       /* 0x00 VIRTQ_USED_F_NO_NOTIFY (left 0 here) */
	uint16_t idx;		       /* 0x02 free-running */
	struct virtq_used_elem ring[]; /* 0x04 [size], then le16 avail_event */
};
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used header is 4 bytes");

#define VIRTQ_USED_F_NO_NOTIFY 1

/* One queue as the device sees it. Zeroed (size 0) it is disabled. */
struct virtq {
	const struct dm_env *env;
	gpa_t desc, avail, used; /* Descriptor, Driver and Device Areas */
	uint16_t size;		 /* entries; 0 while disabled */
	uint16_t last_avail;	 /* free-running index of the next available entry to take */
	uint16_t used_idx;	 /* free-running used idx last published */
	uint8_t event_idx;	 /* VIRTIO_F_EVENT_IDX negotiated */
	uint8_t indirect;	 /* VIRTIO_F_INDIRECT_DESC negotiated */
	uint32_t unsignalled;	 /* used entries since the last notification decision */
	const char *error;	 /* why the last call failed (a static string) */
};

/* One guest buffer of a chain: inside guest RAM, at most 4 GiB - 1. */
struct virtq_seg {
	gpa_t gpa;
	uint32_t len;
	uint32_t write; /* device-writable */
};
_Static_assert(sizeof(struct virtq_seg) == 16, "virtq_seg is 16 bytes");

/*
 * A chain taken by virtq_pop. The caller points seg at an array of max
 * entries (kept in the device instance, not on the stack); pop fills it with
 * the chain's buffers in order: nread device-readable ones, then the
 * device-writable ones. A chain never exceeds 4 GiB in total (§2.7.5).
 */
struct virtq_chain {
	struct virtq_seg *seg;
	unsigned int max;
	unsigned int nseg;
	unsigned int nread;
	uint16_t head;	    /* descriptor index handed back by virtq_push */
	uint64_t read_len;  /* bytes in the device-readable buffers */
	uint64_t write_len; /* bytes in the device-writable buffers */
};

/* virtq_pop flags: what the device accepts in this queue besides the §2.7.4 order. */
#define VIRTQ_ONLY_READABLE 1 /* a transmit-style queue: a device-writable buffer is an error */
#define VIRTQ_ONLY_WRITABLE 2 /* a receive-style queue: a device-readable buffer is an error */

/* Leaves vq disabled, bound to env. */
void virtq_init(struct virtq *vq, const struct dm_env *env);
/*
 * Enables vq with the driver's size and area addresses (QueueReady = 1) and
 * the negotiated features. -EINVAL (and vq->error) if the size is not a power
 * of 2 up to VIRTQ_SIZE_MAX, an area is misaligned (§2.7) or not wholly in
 * guest RAM; vq then stays disabled.
 */
int __must_check virtq_enable(struct virtq *vq, uint16_t size, gpa_t desc, gpa_t avail, gpa_t used,
			      uint64_t features);
void virtq_disable(struct virtq *vq);

static inline int virtq_enabled(const struct virtq *vq)
{
	return vq->size != 0;
}

/*
 * Takes the next available chain into c. Returns 1 with c filled, 0 when no
 * chain waits (with VIRTIO_F_EVENT_IDX, avail_event then asks for a
 * notification on the next one), or a negative errno for a hostile ring:
 * avail idx more than size ahead, a descriptor index out of range, a chain
 * longer than the queue (a loop), an indirect table without the feature,
 * with NEXT, with a bad length or nested, a buffer outside guest RAM, a chain
 * over 4 GiB, a readable buffer after a writable one, a direction that flags
 * forbid, or more than c->max buffers (-E2BIG).
 */
int __must_check virtq_pop(struct virtq *vq, struct virtq_chain *c, unsigned int flags);
/* Gives back the chain the last virtq_pop took, unused: the next pop takes it again. */
void virtq_unpop(struct virtq *vq);
/* Returns c's chain as used with written bytes (at most c->write_len); 0 or -EFAULT. */
int __must_check virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written);
/*
 * Whether the driver wants a used buffer notification for what was pushed
 * since the last call (§2.7.7: avail flags, or used_event with EVENT_IDX).
 */
int virtq_should_notify(struct virtq *vq);

/*
 * Calls fn(arg, gpa, len) for each piece of bytes [off, off + len) of c's
 * device-readable (writable = 0) or device-writable (writable = 1) buffers, in
 * order. Returns 0, fn's first non-zero result, or -EINVAL if the range is
 * not inside those buffers.
 */
typedef int (*virtq_piece_fn)(void *arg, gpa_t gpa, size_t len);
int virtq_walk(const struct virtq_chain *c, int writable, uint64_t off, uint64_t len,
	       virtq_piece_fn fn, void *arg);
/* Copies bytes [off, off + len) of the readable part of c into buf; 0 or a negative errno. */
int __must_check virtq_read(struct virtq *vq, const struct virtq_chain *c, uint64_t off, void *buf,
			    size_t len);
/* Copies buf into bytes [off, off + len) of the writable part of c; 0 or a negative errno. */
int __must_check virtq_write(struct virtq *vq, const struct virtq_chain *c, uint64_t off,
			     const void *buf, size_t len);
/* Records why a device refuses what the driver gave (for the log) and returns err. */
int virtq_error(struct virtq *vq, int err, const char *why);

#endif
