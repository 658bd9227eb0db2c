/*
 * drivers/virtio_mmio.c: the virtio-mmio transport, version 2 (virtio 1.2
 * §4.2.2 register layout, §4.2.3 initialization and notifications), with the
 * device status (§2.1, DEVICE_NEEDS_RESET §2.1.2), feature negotiation
 * (§2.2, §3.1.1, VIRTIO_F_VERSION_1 §6) and reset (§2.4).
 */
#include "drivers/virtio_mmio.h"

/*
 * Choices where the specification leaves room:
 * - Status bits only accumulate: a write ORs the driver's bits in (§4.2.2
 *   "writing non-zero values sets the status flags"); only 0 clears, by
 *   resetting. DEVICE_NEEDS_RESET is the device's: the driver cannot set or
 *   clear it.
 * - FEATURES_OK sticks only when the driver's features are a subset of the
 *   offer and include VIRTIO_F_VERSION_1 (a modern-only device); otherwise the
 *   driver reads it back clear (§3.1.1 step 6). DRIVER_OK needs FEATURES_OK.
 *   Driver features are frozen once FEATURES_OK is set.
 * - A queue the driver makes ready with a bad size or bad areas sets
 *   DEVICE_NEEDS_RESET and stays not ready. Queue registers are ignored while
 *   the queue is ready (§4.2.2 driver requirements).
 * - Notifications are ignored before DRIVER_OK and after DEVICE_NEEDS_RESET.
 * - A reset sets every QueueNum to QueueNumMax, the size a driver gets if it
 *   makes a queue ready without writing QueueNum.
 */

#define VM_DRIVER_STATUS                                                                           \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK |              \
	 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_FAILED)
#define VM_TRANSPORT_FEATURES                                                                      \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) |                         \
	 (1ull << VIRTIO_F_EVENT_IDX))
#define VM_LOG_MAX 160

struct vm_msg {
	char text[VM_LOG_MAX];
	unsigned int len;
};

static void vm_msg_add(struct vm_msg *m, const char *s)
{
	while (*s && m->len < VM_LOG_MAX - 1)
		m->text[m->len++] = *s++;
	m->text[m->len] = 0;
}

static void vm_msg_add_uint(struct vm_msg *m, unsigned int v)
{
	char digits[12];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && m->len < VM_LOG_MAX - 1)
		m->text[m->len++] = digits[--n];
	m->text[m->len] = 0;
}

static void vm_log(struct virtio_mmio *t, int level, const char *msg)
{
	if (t->env->log)
		t->env->log(t->env->ctx, level, msg);
}

/* Level-triggered: the line is high while any InterruptStatus bit is set. */
static void vm_update_irq(struct virtio_mmio *t)
{
	int level = t->interrupt_status != 0;

	if (level == t->irq_level)
		return;
	t->irq_level = level;
	if (t->env->set_irq)
		t->env->set_irq(t->env->ctx, t->irq, level);
}

static void vm_raise(struct virtio_mmio *t, uint32_t bits)
{
	t->interrupt_status |= bits;
	vm_update_irq(t);
}

static void vm_reset(struct virtio_mmio *t)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_MMIO_QUEUES_MAX; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];

		*q = (struct virtio_mmio_queue){ .num = t->ops->queue_size_max };
		virtq_init(&q->vq, t->env);
	}
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
	t->status = 0;
	t->interrupt_status = 0;
	vm_update_irq(t);
	if (t->ops->reset)
		t->ops->reset(t->dev);
}

void virtio_mmio_init(struct virtio_mmio *t, const struct dm_env *env, unsigned int irq,
		      const struct virtio_device_ops *ops, void *dev, uint64_t device_features)
{
	*t = (struct virtio_mmio){ .env = env, .ops = ops, .dev = dev, .irq = irq };
	t->device_features = device_features | VM_TRANSPORT_FEATURES;
	vm_reset(t);
}

static unsigned int vm_num_queues(const struct virtio_mmio *t)
{
	unsigned int n = t->ops->num_queues;

	return n < VIRTIO_MMIO_QUEUES_MAX ? n : VIRTIO_MMIO_QUEUES_MAX;
}

static struct virtio_mmio_queue *vm_selected(struct virtio_mmio *t)
{
	return t->queue_sel < vm_num_queues(t) ? &t->queues[t->queue_sel] : NULL;
}

static uint64_t vm_negotiated(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_STATUS_FEATURES_OK) ? t->driver_features : 0;
}

int virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned int bit)
{
	return bit < 64 && (vm_negotiated(t) >> bit) & 1;
}

struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned int q)
{
	if ((t->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) !=
	    VIRTIO_STATUS_DRIVER_OK)
		return NULL;
	if (q >= vm_num_queues(t) || !t->queues[q].ready)
		return NULL;
	return &t->queues[q].vq;
}

void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned int q)
{
	/* Buffers used before a NEEDS_RESET are still reported. */
	if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || q >= vm_num_queues(t))
		return;
	if (virtq_should_notify(&t->queues[q].vq))
		vm_raise(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, unsigned int q, const char *why)
{
	struct vm_msg m = { .len = 0 };

	if (t->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	if (!why && q < VIRTIO_MMIO_QUEUES_MAX)
		why = t->queues[q].vq.error;
	vm_msg_add(&m, "queue ");
	vm_msg_add_uint(&m, q);
	vm_msg_add(&m, ": ");
	vm_msg_add(&m, why ? why : "device error");
	vm_msg_add(&m, "; device needs reset");
	vm_log(t, DM_LOG_ERR, m.text);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		vm_raise(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_serve(struct virtio_mmio *t, unsigned int q, struct virtq_chain *c,
		       unsigned int flags, int (*serve)(void *dev, struct virtq *vq))
{
	struct virtq *vq = virtio_mmio_queue(t, q);
	int ret;

	if (!vq)
		return;
	while ((ret = virtq_pop(vq, c, flags)) > 0) {
		ret = serve(t->dev, vq);
		if (ret)
			break;
	}
	virtio_mmio_signal_used(t, q);
	if (ret < 0)
		virtio_mmio_needs_reset(t, q, NULL);
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	t->config_generation++;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		vm_raise(t, VIRTIO_MMIO_INT_CONFIG);
}

/* §2.2.2: a subset of the offer, and VERSION_1 (§6) since this device is not legacy. */
static int vm_features_ok(struct virtio_mmio *t)
{
	if (t->driver_features & ~t->device_features) {
		vm_log(t, DM_LOG_WARN, "driver accepted features the device did not offer");
		return 0;
	}
	if (!(t->driver_features & (1ull << VIRTIO_F_VERSION_1))) {
		vm_log(t, DM_LOG_WARN, "driver did not accept VIRTIO_F_VERSION_1");
		return 0;
	}
	return 1;
}

static void vm_write_status(struct virtio_mmio *t, uint32_t value)
{
	uint32_t status;

	if (!value) {
		vm_reset(t);
		return;
	}
	status = t->status | (value & VM_DRIVER_STATUS);
	if ((status & ~t->status & VIRTIO_STATUS_FEATURES_OK) && !vm_features_ok(t))
		status &= ~VIRTIO_STATUS_FEATURES_OK;
	if (!(status & VIRTIO_STATUS_FEATURES_OK))
		status &= ~VIRTIO_STATUS_DRIVER_OK;
	/* An error found during setup is announced once the driver can hear it (§2.1.2). */
	if ((status & ~t->status & VIRTIO_STATUS_DRIVER_OK) && (status & VIRTIO_STATUS_NEEDS_RESET))
		vm_raise(t, VIRTIO_MMIO_INT_CONFIG);
	t->status = status;
}

static void vm_write_driver_features(struct virtio_mmio *t, uint32_t value)
{
	unsigned int shift;

	if ((t->status & VIRTIO_STATUS_FEATURES_OK) || t->driver_features_sel > 1)
		return;
	shift = 32 * t->driver_features_sel;
	t->driver_features &= ~(0xffffffffull << shift);
	t->driver_features |= (uint64_t)value << shift;
}

static void vm_queue_ready(struct virtio_mmio *t, struct virtio_mmio_queue *q, uint32_t value)
{
	unsigned int index = (unsigned int)(q - t->queues);

	if (!value) {
		virtq_disable(&q->vq);
		q->ready = 0;
		return;
	}
	if (q->ready)
		return;
	if (q->num > t->ops->queue_size_max) {
		virtio_mmio_needs_reset(t, index, "QueueNum above QueueNumMax");
		return;
	}
	if (virtq_enable(&q->vq, (uint16_t)q->num, q->desc, q->driver, q->device,
			 vm_negotiated(t))) {
		virtio_mmio_needs_reset(t, index, NULL);
		return;
	}
	q->ready = 1;
}

static void vm_set_low(gpa_t *addr, uint32_t value)
{
	*addr = (*addr & ~0xffffffffull) | value;
}

static void vm_set_high(gpa_t *addr, uint32_t value)
{
	*addr = (*addr & 0xffffffffull) | (uint64_t)value << 32;
}

/* The registers of the selected queue; ignored for a missing queue or a ready one. */
static void vm_write_queue_reg(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	struct virtio_mmio_queue *q = vm_selected(t);

	if (!q)
		return;
	if (offset == VIRTIO_MMIO_REG(queue_ready)) {
		vm_queue_ready(t, q, value);
		return;
	}
	if (q->ready)
		return;
	switch (offset) {
	case VIRTIO_MMIO_REG(queue_num):
		q->num = value;
		break;
	case VIRTIO_MMIO_REG(queue_desc_low):
		vm_set_low(&q->desc, value);
		break;
	case VIRTIO_MMIO_REG(queue_desc_high):
		vm_set_high(&q->desc, value);
		break;
	case VIRTIO_MMIO_REG(queue_driver_low):
		vm_set_low(&q->driver, value);
		break;
	case VIRTIO_MMIO_REG(queue_driver_high):
		vm_set_high(&q->driver, value);
		break;
	case VIRTIO_MMIO_REG(queue_device_low):
		vm_set_low(&q->device, value);
		break;
	case VIRTIO_MMIO_REG(queue_device_high):
		vm_set_high(&q->device, value);
		break;
	}
}

static void vm_queue_notify(struct virtio_mmio *t, uint32_t value)
{
	if (!virtio_mmio_queue(t, value) || !t->ops->queue_notify)
		return;
	t->ops->queue_notify(t->dev, value);
}

static void vm_write_reg(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	switch (offset) {
	case VIRTIO_MMIO_REG(device_features_sel):
		t->device_features_sel = value;
		break;
	case VIRTIO_MMIO_REG(driver_features):
		vm_write_driver_features(t, value);
		break;
	case VIRTIO_MMIO_REG(driver_features_sel):
		t->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_REG(queue_sel):
		t->queue_sel = value;
		break;
	case VIRTIO_MMIO_REG(queue_notify):
		vm_queue_notify(t, value);
		break;
	case VIRTIO_MMIO_REG(interrupt_ack):
		t->interrupt_status &= ~value;
		vm_update_irq(t);
		break;
	case VIRTIO_MMIO_REG(status):
		vm_write_status(t, value);
		break;
	default:
		/* The selected queue's registers; read-only and reserved ones drop writes. */
		vm_write_queue_reg(t, offset, value);
		break;
	}
}

static uint32_t vm_read_device_features(const struct virtio_mmio *t)
{
	if (t->device_features_sel > 1)
		return 0;
	return (uint32_t)(t->device_features >> (32 * t->device_features_sel));
}

static uint32_t vm_read_queue_reg(struct virtio_mmio *t, uint64_t offset)
{
	struct virtio_mmio_queue *q = vm_selected(t);

	if (offset == VIRTIO_MMIO_REG(queue_num_max))
		return q ? t->ops->queue_size_max : 0;
	if (offset == VIRTIO_MMIO_REG(queue_ready))
		return q ? q->ready : 0;
	return 0; /* write-only, reserved, and QueueReset (VIRTIO_F_RING_RESET not offered) */
}

static uint32_t vm_read_reg(struct virtio_mmio *t, uint64_t offset)
{
	switch (offset) {
	case VIRTIO_MMIO_REG(magic):
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_REG(version):
		return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_REG(device_id):
		return t->ops->device_id;
	case VIRTIO_MMIO_REG(vendor_id):
		return VIRTIO_MMIO_VENDOR_ID;
	case VIRTIO_MMIO_REG(device_features):
		return vm_read_device_features(t);
	case VIRTIO_MMIO_REG(interrupt_status):
		return t->interrupt_status;
	case VIRTIO_MMIO_REG(status):
		return t->status;
	case VIRTIO_MMIO_REG(shm_len_low):
	case VIRTIO_MMIO_REG(shm_len_high):
	case VIRTIO_MMIO_REG(shm_base_low):
	case VIRTIO_MMIO_REG(shm_base_high):
		return 0xffffffff; /* no shared memory region: length and base -1 */
	case VIRTIO_MMIO_REG(config_generation):
		return t->config_generation;
	default:
		return vm_read_queue_reg(t, offset);
	}
}

/* §4.2.2: registers take aligned 32-bit accesses; the configuration space natural ones. */
static int vm_access_ok(uint64_t offset, unsigned int size)
{
	if (offset >= VIRTIO_MMIO_REGION_LEN)
		return 0;
	if (offset < VIRTIO_MMIO_CONFIG)
		return size == 4 && !(offset & 3);
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	return !(offset & (size - 1)) && offset + size <= VIRTIO_MMIO_REGION_LEN;
}

int virtio_mmio_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct virtio_mmio *t = dev;

	if (!vm_access_ok(offset, size))
		return -EINVAL;
	if (offset < VIRTIO_MMIO_CONFIG) {
		*value = vm_read_reg(t, offset);
		return 0;
	}
	if (!t->ops->config_read)
		return -EINVAL;
	return t->ops->config_read(t->dev, offset - VIRTIO_MMIO_CONFIG, size, value);
}

int virtio_mmio_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct virtio_mmio *t = dev;

	if (!vm_access_ok(offset, size))
		return -EINVAL;
	if (offset < VIRTIO_MMIO_CONFIG) {
		vm_write_reg(t, offset, (uint32_t)value);
		return 0;
	}
	if (!t->ops->config_write)
		return 0;
	return t->ops->config_write(t->dev, offset - VIRTIO_MMIO_CONFIG, size, value);
}

int virtio_config_read_bytes(const void *cfg, size_t len, uint64_t offset, unsigned int size,
			     uint64_t *value)
{
	const uint8_t *bytes = cfg;
	uint64_t v = 0;
	unsigned int i;

	for (i = size; i--;)
		v = v << 8 | (offset < len && i < len - offset ? bytes[offset + i] : 0);
	*value = v;
	return 0;
}
