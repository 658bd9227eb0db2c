# tests/unit/deps-virtio.mk: what the unit tests of the virtio device models link.
UNIT_DEPS_test_virtqueue := drivers/virtqueue.c
UNIT_DEPS_test_virtio_mmio := drivers/virtio_mmio.c drivers/virtqueue.c
UNIT_DEPS_test_virtio_blk := drivers/virtio_blk.c drivers/virtio_mmio.c drivers/virtqueue.c
UNIT_DEPS_test_virtio_net := drivers/virtio_net.c drivers/virtio_mmio.c drivers/virtqueue.c
UNIT_DEPS_test_virtio_console := drivers/virtio_console.c drivers/virtio_mmio.c \
	drivers/virtqueue.c
UNIT_DEPS_test_virtio_rng := drivers/virtio_rng.c drivers/virtio_mmio.c drivers/virtqueue.c
UNIT_DEPS_test_virtio_balloon := drivers/virtio_balloon.c drivers/virtio_mmio.c \
	drivers/virtqueue.c lib/format.c
