#!/bin/sh
# scripts/mkguestinitrd.sh: the Linux guest's initramfs: busybox, the virtio
# modules of the guest kernel (virtio_balloon too), tests/lab/linux-init as /init.
set -eu
B=${B:-build}
out=$1
kver=$(cat "$B/guest/kernel-version")
k="$B/debs/root/lib/modules/$kver/kernel"
set --
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio \
	drivers/block/virtio_blk net/core/failover drivers/net/net_failover \
	drivers/net/virtio_net drivers/char/virtio_console drivers/virtio/virtio_balloon; do
	set -- "$@" "$k/$m.ko:/lib/modules/$(basename "$m").ko"
done
exec scripts/mkinitramfs.sh "$out" tests/lab/linux-init "$@"
