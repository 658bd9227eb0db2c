/*
 * drivers/virtqueue.c: split virtqueues, device side (virtio 1.2 §2.7): the
 * descriptor table and chains (§2.7.5), indirect descriptors (§2.7.5.3), the
 * available and used rings (§2.7.6, §2.7.8), notification suppression with
 * and without VIRTIO_F_EVENT_IDX (§2.7.7, §2.7.10), message framing (§2.7.4).
 */
#include "drivers/virtqueue.h"

/*
 * Choices:
 * - Rings and descriptors are read through dm_env only. Each descriptor is
 *   read once into a local copy, so a driver rewriting it meanwhile cannot
 *   make the device act on a value it did not check.
 * - The free-running indices (avail idx, used idx, used_event, avail_event)
 *   are loaded and stored as whole 16-bit words, through mem_translate when
 *   the host gives a pointer, so another vCPU never sees a torn value.
 * - A chain is checked whole before the device sees it: every buffer inside
 *   guest RAM (and mapped, when the host can translate), readable buffers
 *   before writable ones, at most the queue size of descriptors in the table
 *   and the table's own size in an indirect table, 4 GiB in total.
 */

#define VQ_CHAIN_MAX_BYTES 0x100000000ull /* §2.7.5: no chain over 2^32 bytes */

static gpa_t vq_avail_ring(const struct virtq *vq, uint16_t idx)
{
	return vq->avail + offsetof(struct virtq_avail, ring) + 2ull * (idx & (vq->size - 1));
}

static gpa_t vq_used_event(const struct virtq *vq)
{
	return vq->avail + offsetof(struct virtq_avail, ring) + 2ull * vq->size;
}

static gpa_t vq_avail_event(const struct virtq *vq)
{
	return vq->used + offsetof(struct virtq_used, ring) +
	       sizeof(struct virtq_used_elem) * (uint64_t)vq->size;
}

int virtq_error(struct virtq *vq, int err, const char *why)
{
	vq->error = why;
	return err;
}

/* A host pointer to an aligned guest word, or NULL to go through mem_read/mem_write. */
static uint16_t *vq_word(const struct virtq *vq, gpa_t gpa)
{
	const struct dm_env *env = vq->env;
	uint16_t *p;

	if (!env->mem_translate)
		return NULL;
	p = env->mem_translate(env->ctx, gpa, sizeof(*p));
	return p && !((uintptr_t)p & 1) ? p : NULL;
}

static int vq_load16(struct virtq *vq, gpa_t gpa, uint16_t *value)
{
	uint16_t *p = vq_word(vq, gpa);

	if (p) {
		*value = __atomic_load_n(p, __ATOMIC_RELAXED);
		return 0;
	}
	if (vq->env->mem_read(vq->env->ctx, gpa, value, sizeof(*value)))
		return virtq_error(vq, -EFAULT, "ring outside guest RAM");
	return 0;
}

static int vq_store16(struct virtq *vq, gpa_t gpa, uint16_t value)
{
	uint16_t *p = vq_word(vq, gpa);

	if (p) {
		__atomic_store_n(p, value, __ATOMIC_RELAXED);
		return 0;
	}
	if (vq->env->mem_write(vq->env->ctx, gpa, &value, sizeof(value)))
		return virtq_error(vq, -EFAULT, "ring outside guest RAM");
	return 0;
}

/* [gpa, gpa + len) lies in guest RAM, without wrapping, and the host can map it. */
static int vq_in_ram(const struct dm_env *env, gpa_t gpa, uint64_t len)
{
	if (!len)
		return 1;
	if (gpa >= env->ram_size || len > env->ram_size - gpa)
		return 0;
	if (env->mem_translate && !env->mem_translate(env->ctx, gpa, (size_t)len))
		return 0;
	return 1;
}

void virtq_init(struct virtq *vq, const struct dm_env *env)
{
	*vq = (struct virtq){ .env = env };
}

void virtq_disable(struct virtq *vq)
{
	virtq_init(vq, vq->env);
}

int virtq_enable(struct virtq *vq, uint16_t size, gpa_t desc, gpa_t avail, gpa_t used,
		 uint64_t features)
{
	const struct dm_env *env = vq->env;

	virtq_disable(vq);
	if (!size || size > VIRTQ_SIZE_MAX || (size & (size - 1)))
		return virtq_error(vq, -EINVAL, "queue size is not a power of 2 up to 32768");
	if ((desc & 15) || (avail & 1) || (used & 3))
		return virtq_error(vq, -EINVAL, "queue area misaligned");
	if (!vq_in_ram(env, desc, sizeof(struct virtq_desc) * (uint64_t)size) ||
	    !vq_in_ram(env, avail, 6 + 2ull * size) ||
	    !vq_in_ram(env, used, 6 + sizeof(struct virtq_used_elem) * (uint64_t)size))
		return virtq_error(vq, -EINVAL, "queue area outside guest RAM");
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->event_idx = !!(features & (1ull << VIRTIO_F_EVENT_IDX));
	vq->indirect = !!(features & (1ull << VIRTIO_F_INDIRECT_DESC));
	vq->size = size;
	return 0;
}

/* How many chains the driver has made available that the device has not taken. */
static int vq_avail_count(struct virtq *vq)
{
	uint16_t idx, count;
	int ret;

	ret = vq_load16(vq, vq->avail + offsetof(struct virtq_avail, idx), &idx);
	if (ret)
		return ret;
	count = (uint16_t)(idx - vq->last_avail);
	if (count > vq->size)
		return virtq_error(vq, -EINVAL, "available index more than the queue size ahead");
	return count;
}

/*
 * With EVENT_IDX an empty ring asks, through avail_event, for a notification
 * on the next chain, then looks again: a chain made available in between
 * would otherwise wait for a notification the driver will not send (§2.7.10).
 */
static int vq_pending(struct virtq *vq)
{
	int count = vq_avail_count(vq);

	if (count || !vq->event_idx)
		return count;
	count = vq_store16(vq, vq_avail_event(vq), vq->last_avail);
	if (count)
		return count;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq_avail_count(vq);
}

static int vq_read_desc(struct virtq *vq, gpa_t table, uint16_t idx, struct virtq_desc *d)
{
	if (vq->env->mem_read(vq->env->ctx, table + sizeof(*d) * (uint64_t)idx, d, sizeof(*d)))
		return virtq_error(vq, -EFAULT, "descriptor table outside guest RAM");
	return 0;
}

/* Appends one buffer to c after checking it against §2.7.4, §2.7.5 and flags. */
static int vq_add_seg(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *d,
		      unsigned int flags)
{
	uint32_t write = !!(d->flags & VIRTQ_DESC_F_WRITE);

	if (!write && c->nseg > c->nread)
		return virtq_error(vq, -EINVAL,
				   "device-readable buffer after a device-writable one");
	if (write && (flags & VIRTQ_ONLY_READABLE))
		return virtq_error(vq, -EINVAL,
				   "device-writable buffer in a queue the device reads");
	if (!write && (flags & VIRTQ_ONLY_WRITABLE))
		return virtq_error(vq, -EINVAL,
				   "device-readable buffer in a queue the device fills");
	if (!vq_in_ram(vq->env, d->addr, d->len))
		return virtq_error(vq, -EFAULT, "buffer outside guest RAM");
	if (c->read_len + c->write_len + d->len > VQ_CHAIN_MAX_BYTES)
		return virtq_error(vq, -EINVAL, "chain longer than 4 GiB");
	if (c->nseg >= c->max)
		return virtq_error(vq, -E2BIG, "chain has more buffers than the device takes");
	c->seg[c->nseg++] = (struct virtq_seg){ .gpa = d->addr, .len = d->len, .write = write };
	if (write) {
		c->write_len += d->len;
	} else {
		c->nread++;
		c->read_len += d->len;
	}
	return 0;
}

/* The chain inside an indirect table (§2.7.5.3): no nesting, at most len / 16 entries. */
static int vq_walk_indirect(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *ind,
			    unsigned int flags)
{
	uint64_t entries = ind->len / sizeof(struct virtq_desc), count = 0;
	struct virtq_desc d;
	uint16_t idx = 0;
	int ret;

	if (!vq->indirect)
		return virtq_error(vq, -EINVAL,
				   "indirect descriptor without VIRTIO_F_INDIRECT_DESC");
	if (ind->flags & VIRTQ_DESC_F_NEXT)
		return virtq_error(vq, -EINVAL, "indirect descriptor with NEXT");
	if (!ind->len || ind->len % sizeof(struct virtq_desc))
		return virtq_error(vq, -EINVAL, "indirect table length not a multiple of 16");
	if (!vq_in_ram(vq->env, ind->addr, ind->len))
		return virtq_error(vq, -EFAULT, "indirect table outside guest RAM");
	for (;;) {
		if (++count > entries)
			return virtq_error(vq, -EINVAL, "indirect chain loops");
		ret = vq_read_desc(vq, ind->addr, idx, &d);
		if (ret)
			return ret;
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return virtq_error(vq, -EINVAL, "nested indirect descriptor");
		ret = vq_add_seg(vq, c, &d, flags);
		if (ret || !(d.flags & VIRTQ_DESC_F_NEXT))
			return ret;
		idx = d.next;
		if (idx >= entries)
			return virtq_error(vq, -EINVAL, "indirect descriptor index out of range");
	}
}

/* Zero or more descriptors of the table, perhaps ending in one indirect descriptor. */
static int vq_walk_chain(struct virtq *vq, struct virtq_chain *c, uint16_t idx, unsigned int flags)
{
	unsigned int count = 0;
	struct virtq_desc d;
	int ret;

	for (;;) {
		if (++count > vq->size)
			return virtq_error(vq, -EINVAL, "descriptor chain loops");
		ret = vq_read_desc(vq, vq->desc, idx, &d);
		if (ret)
			return ret;
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return vq_walk_indirect(vq, c, &d, flags);
		ret = vq_add_seg(vq, c, &d, flags);
		if (ret || !(d.flags & VIRTQ_DESC_F_NEXT))
			return ret;
		idx = d.next;
		if (idx >= vq->size)
			return virtq_error(vq, -EINVAL, "descriptor index out of range");
	}
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c, unsigned int flags)
{
	uint16_t head;
	int ret;

	if (!vq->size)
		return 0;
	ret = vq_pending(vq);
	if (ret <= 0)
		return ret;
	/* The ring entry and descriptors are read only after the idx that exposed them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	ret = vq_load16(vq, vq_avail_ring(vq, vq->last_avail), &head);
	if (ret)
		return ret;
	if (head >= vq->size)
		return virtq_error(vq, -EINVAL, "descriptor index out of range");
	c->nseg = c->nread = 0;
	c->read_len = c->write_len = 0;
	c->head = head;
	ret = vq_walk_chain(vq, c, head, flags);
	if (ret)
		return ret;
	vq->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail--;
}

int virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written)
{
	struct virtq_used_elem elem = { .id = c->head, .len = written };
	gpa_t slot;

	if (!vq->size)
		return virtq_error(vq, -EINVAL, "queue disabled");
	if (written > c->write_len)
		elem.len = (uint32_t)c->write_len;
	slot = vq->used + offsetof(struct virtq_used, ring) +
	       sizeof(elem) * (uint64_t)(vq->used_idx & (vq->size - 1));
	if (vq->env->mem_write(vq->env->ctx, slot, &elem, sizeof(elem)))
		return virtq_error(vq, -EFAULT, "used ring outside guest RAM");
	/* The element (and the data before it) is visible before the new idx (§2.7.8). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	vq->unsignalled++;
	return vq_store16(vq, vq->used + offsetof(struct virtq_used, idx), vq->used_idx);
}

int virtq_should_notify(struct virtq *vq)
{
	uint32_t pushed = vq->unsignalled;
	uint16_t flags, event;

	vq->unsignalled = 0;
	if (!vq->size || !pushed)
		return 0;
	if (pushed > 0xffff)
		return 1; /* the event index cannot tell: notify rather than risk a lost one */
	/* The used idx store comes before reading what the driver asked for. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		if (vq_load16(vq, vq->avail + offsetof(struct virtq_avail, flags), &flags))
			return 1;
		return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (vq_load16(vq, vq_used_event(vq), &event))
		return 1;
	/* Did used idx step past used_event in this batch of pushed entries? */
	return (uint16_t)(vq->used_idx - event - 1) < (uint16_t)pushed;
}

int virtq_walk(const struct virtq_chain *c, int writable, uint64_t off, uint64_t len,
	       virtq_piece_fn fn, void *arg)
{
	unsigned int i = writable ? c->nread : 0;
	unsigned int end = writable ? c->nseg : c->nread;
	uint64_t total = writable ? c->write_len : c->read_len;
	int ret;

	if (off > total || len > total - off)
		return -EINVAL;
	for (; i < end && len; i++) {
		uint64_t n = c->seg[i].len;

		if (off >= n) {
			off -= n;
			continue;
		}
		n -= off;
		if (n > len)
			n = len;
		ret = fn(arg, c->seg[i].gpa + off, (size_t)n);
		if (ret)
			return ret;
		off = 0;
		len -= n;
	}
	return 0;
}

struct vq_copy {
	const struct dm_env *env;
	uint8_t *buf;
};

static int vq_copy_in(void *arg, gpa_t gpa, size_t len)
{
	struct vq_copy *cp = arg;

	if (cp->env->mem_read(cp->env->ctx, gpa, cp->buf, len))
		return -EFAULT;
	cp->buf += len;
	return 0;
}

static int vq_copy_out(void *arg, gpa_t gpa, size_t len)
{
	struct vq_copy *cp = arg;

	if (cp->env->mem_write(cp->env->ctx, gpa, cp->buf, len))
		return -EFAULT;
	cp->buf += len;
	return 0;
}

int virtq_read(struct virtq *vq, const struct virtq_chain *c, uint64_t off, void *buf, size_t len)
{
	struct vq_copy cp = { .env = vq->env, .buf = buf };
	int ret = virtq_walk(c, 0, off, len, vq_copy_in, &cp);

	if (ret == -EFAULT)
		return virtq_error(vq, ret, "buffer outside guest RAM");
	if (ret)
		return virtq_error(vq, ret, "read past the device-readable buffers");
	return 0;
}

int virtq_write(struct virtq *vq, const struct virtq_chain *c, uint64_t off, const void *buf,
		size_t len)
{
	struct vq_copy cp = { .env = vq->env, .buf = (uint8_t *)(uintptr_t)buf };
	int ret = virtq_walk(c, 1, off, len, vq_copy_out, &cp);

	if (ret == -EFAULT)
		return virtq_error(vq, ret, "buffer outside guest RAM");
	if (ret)
		return virtq_error(vq, ret, "write past the device-writable buffers");
	return 0;
}
