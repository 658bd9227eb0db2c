# guest-tools/guest-tools.mk: the test guests (Multiboot images, 64-bit
# inside) and their library. Each guest is one .c file with guest_main().

GUEST_NAMES := hello cpuid portio pcplat triplefault isolation exitloop virtio_blk virtio_rng virtio_net virtio_console virtio_hostile virtio_blk_ro quickexit blkbench \
	smp lapic_timer apic_hostile spin cpudump svc hypercall hostile prefixed nmi cpurules share balloon
GUESTS := $(patsubst %,$(B)/guests/%.elf,$(GUEST_NAMES))
GUEST_LIB := $(B)/guest-tools/lib/entry.o $(B)/guest-tools/lib/guest.o $(B)/guest-tools/lib/virtio.o \
	$(B)/guest-tools/lib/idt.o $(B)/guest-tools/lib/isr.o $(B)/guest-tools/lib/apic.o \
	$(B)/guest-tools/lib/timing.o $(B)/guest-tools/lib/smp.o $(B)/guest-tools/lib/trampoline.o \
	$(B)/guest-tools/lib/bivisor.o $(B)/guest-tools/lib-format.o $(B)/guest-tools/lib-string.o

# The service guest links the very drivers/ objects the kernel is built from (same KCFLAGS),
# the models bvm links too.
SVC_DRIVERS := $(patsubst %,$(B)/drivers/%.o,iobus virtqueue virtio_mmio virtio_blk \
	virtio_console virtio_rng firmware/loader firmware/multiboot firmware/elf)
$(B)/guests/svc.elf: $(SVC_DRIVERS)
$(B)/guests/svc.elf: GUEST_EXTRA := $(SVC_DRIVERS)

# Modules of the ISO that `make run` boots (FILE:MODULE-CMDLINE).
ISO_MODULES := $(B)/guests/hello.elf:name=hello

# lib/ (the formatter, and mem*/str* for what the compiler emits) built for the guests.
$(B)/guest-tools/lib-%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(B)/guests/%.elf: $(B)/guest-tools/%.o $(GUEST_LIB) guest-tools/lib/guest.ld
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -no-pie -z max-page-size=4096 -Wl,-z,noexecstack \
		-Wl,--build-id=none -T guest-tools/lib/guest.ld $< $(GUEST_LIB) $(GUEST_EXTRA) -o $@
