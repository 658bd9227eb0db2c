/*
 * drivers/virtio_balloon.h: the traditional virtio memory balloon (virtio 1.2
 * §5.5) on the virtio-mmio transport: the host sets a target (num_pages), the
 * guest's driver gives pages (inflateq) or takes them back (deflateq), and a
 * dm_balloon backend releases or reclaims the guest memory behind them.
 */
#ifndef DRIVERS_VIRTIO_BALLOON_H
#define DRIVERS_VIRTIO_BALLOON_H

#include "drivers/dm_env.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtqueue.h"

/* §5.5.3: feature bits. STATS_VQ is offered, REPORTING when the host asks. */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VIRTIO_BALLOON_F_STATS_VQ 1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT 3
#define VIRTIO_BALLOON_F_REPORTING 5

/*
 * §5.5.2: the queues. The ones after deflateq exist only with their
 * feature, and take the next index in order (statsq, then reporting_vq,
 * FREE_PAGE_HINT not being offered), as Linux's driver numbers them.
 */
#define VIRTIO_BALLOON_Q_INFLATE 0
#define VIRTIO_BALLOON_Q_DEFLATE 1
#define VIRTIO_BALLOON_Q_STATS 2 /* with STATS_VQ */

#define VIRTIO_BALLOON_PAGE_SHIFT 12 /* §5.5.6: PFNs are of 4 KiB pages, whatever the guest's */
#define VIRTIO_BALLOON_PAGE_SIZE (1ull << VIRTIO_BALLOON_PAGE_SHIFT)
#define VIRTIO_BALLOON_QUEUE_SIZE 128
#define VIRTIO_BALLOON_SEG_MAX 32	 /* Linux reports up to 32 free ranges at once */
#define VIRTIO_BALLOON_PFN_BUF 256	 /* PFNs read from the guest at a time */
#define VIRTIO_BALLOON_REQUEST_MAX 65536 /* bytes of PFNs in one chain at most */
#define VIRTIO_BALLOON_STATS_MAX 16	 /* tags kept: 0 to 15 (§5.5.6.3 defines 0 to 10) */

/* §5.5.4: the configuration space, little-endian. */
struct virtio_balloon_config {
	uint32_t num_pages;		/* 0x00 R  the host's target, in pages */
	uint32_t actual;		/* 0x04 RW the pages the driver says it holds */
	uint32_t free_page_hint_cmd_id; /* 0x08 R  (VIRTIO_BALLOON_F_FREE_PAGE_HINT: not offered) */
	uint32_t poison_val;		/* 0x0c RW (VIRTIO_BALLOON_F_PAGE_POISON: not offered) */
};
_Static_assert(sizeof(struct virtio_balloon_config) == 16, "balloon config is 16 bytes");

/* §5.5.6.3: one statistic in the stats buffer, 10 bytes, packed. */
#define VIRTIO_BALLOON_STAT_SIZE 10
#define VIRTIO_BALLOON_S_AVAIL 6 /* MemAvailable, bytes */

/* What the device did, in 4 KiB pages. */
struct virtio_balloon_counters {
	uint64_t released;  /* given to the backend's release */
	uint64_t reclaimed; /* given to reclaim (or taken back, when it is NULL) */
	uint64_t reported;  /* free pages the guest reported (F_REPORTING), given to release */
	uint64_t refused;   /* PFNs outside guest RAM: ignored */
	uint64_t failed;    /* pages the backend failed on */
};

struct virtio_balloon {
	struct virtio_mmio mmio; /* the region's dev pointer is &b->mmio */
	const struct dm_balloon *backend;
	struct virtio_balloon_config config;
	struct virtio_balloon_counters count;
	uint64_t stats[VIRTIO_BALLOON_STATS_MAX];
	uint32_t stats_valid; /* bit per tag: the driver reported it */
	uint64_t stats_updates;
	int stats_held; /* the driver's stats buffer is held until stats are asked for */
	struct virtq_chain chain, stats_chain;
	struct virtq_seg seg[VIRTIO_BALLOON_SEG_MAX], stats_seg[VIRTIO_BALLOON_SEG_MAX];
	uint32_t pfns[VIRTIO_BALLOON_PFN_BUF];
	uint8_t stat_buf[VIRTIO_BALLOON_STATS_MAX * 2 * VIRTIO_BALLOON_STAT_SIZE];
	gpa_t run_gpa; /* contiguous pages waiting for one backend call */
	uint64_t run_len;
	uint64_t target_set_ns; /* when the host last moved the target (env->clock_ns) */
	int target_pending;	/* and the driver has not reached it yet */
};

/*
 * Makes b a virtio-mmio balloon on interrupt line irq over backend (which,
 * like env, must outlive it), with a target of 0 pages; reporting offers
 * free page reporting too. Returns 0, or -EINVAL for a missing backend or
 * backend->release.
 */
int __must_check virtio_balloon_init(struct virtio_balloon *b, const struct dm_env *env,
				     const struct dm_balloon *backend, unsigned int irq,
				     int reporting);
/*
 * The host's target: the balloon should hold pages pages (at most guest RAM's
 * pages). A configuration change interrupt tells the driver.
 */
void virtio_balloon_set_target(struct virtio_balloon *b, uint64_t pages);
/* The pages the driver says the balloon holds (config actual). */
uint64_t virtio_balloon_actual(const struct virtio_balloon *b);
/* Gives the held stats buffer back so the driver refills it: 0, or -ENOENT if none is held. */
int virtio_balloon_request_stats(struct virtio_balloon *b);
/* The last value the driver reported for tag: 0, or -ENOENT. */
int virtio_balloon_stat(const struct virtio_balloon *b, unsigned int tag, uint64_t *value);

#endif
