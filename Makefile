# Makefile: builds the Type-1 kernel (build/bivisor.elf), its GRUB ISO
# (build/bivisor.iso), the test guests and the host unit tests; `make run`,
# `make test` and `make bench` install what they need first (scripts/deps.sh).

CC := gcc
MAKEFLAGS += --no-print-directory
NASM := nasm
B := build

KERNEL_C := $(wildcard kernel/*.c lib/*.c arch/x86/*.c svm/*.c vmx/*.c drivers/*.c drivers/firmware/*.c)
KERNEL_ASM := boot/entry.asm boot/blobs.asm arch/x86/isr.asm svm/svm_entry.asm vmx/vmx_entry.asm
KERNEL_OBJ := $(patsubst %.c,$(B)/%.o,$(KERNEL_C)) $(patsubst %.asm,$(B)/%.o,$(KERNEL_ASM))

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only \
	-mcmodel=small -fno-pie -fno-pic -fno-stack-protector -fno-omit-frame-pointer \
	-fno-delete-null-pointer-checks -fno-asynchronous-unwind-tables -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none -T linker.ld

# Options of the kernel in the ISO that `make run` boots; tests make their own.
RUN_CMDLINE ?= loglevel=info
QEMU_RUN_OPTS ?= -smp 2 -m 512M
# ACCEL=kvm: QEMU with KVM (-enable-kvm -cpu host) where KVM offers nested
# virtualization, else TCG with a line saying why (scripts/qemu-accel.sh).
ACCEL ?= tcg
QEMU_ACCEL = $$(ACCEL=$(ACCEL) scripts/qemu-accel.sh)

.PHONY: all deps run test bench format format-check clean print-%
all: $(B)/bivisor.elf $(B)/bivisor.iso $(B)/bivisor-esp.img

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(B)/trampoline.bin: boot/trampoline.asm
	@mkdir -p $(B)
	$(NASM) -f bin $< -o $@

$(B)/boot/blobs.o: boot/blobs.asm $(B)/trampoline.bin
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 $< -o $@

$(B)/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 $< -o $@

# The entry stubs both the hypervisor and the test guests assemble.
$(B)/arch/x86/isr.o $(B)/guest-tools/lib/isr.o: arch/x86/isr_stubs.inc

$(B)/bivisor.elf: $(KERNEL_OBJ) linker.ld
	$(CC) $(KLDFLAGS) $(KERNEL_OBJ) -o $@

include guest-tools/guest-tools.mk
include tests/tests.mk

$(B)/bivisor.iso: $(B)/bivisor.elf $(GUESTS) scripts/mkiso.sh
	scripts/mkiso.sh $@ "$(RUN_CMDLINE)" $(ISO_MODULES)

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@echo "bivisor in QEMU: the console is this terminal. Quit with Ctrl-A then X."
	@echo "Type h for the debug keys. Debian's Linux as a guest: make run-linux."
	qemu-system-x86_64 $(QEMU_ACCEL) $(QEMU_RUN_OPTS) -cdrom $(B)/bivisor.iso -nographic \
		-serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 || true

# `make debug`: bivisor as `make run` boots it, held before its first instruction
# with QEMU's gdbstub on 127.0.0.1:GDB_PORT, and gdb with the kernel's symbols and
# scripts/debug.gdb (breakpoints at the entry and the exit dispatcher); the
# console goes to build/debug-serial.log (docs/debugging.md).
GDB_PORT ?= 1234
.PHONY: debug
debug: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) GDB_PORT=$(GDB_PORT) QEMU_ACCEL_OPTS="$(QEMU_ACCEL)" QEMU_RUN_OPTS="$(QEMU_RUN_OPTS)" \
		scripts/debug.sh

# `make run-linux`: Debian's Linux (make guest-linux) as a domain with 2 vCPUs, beside
# the hello test guest; poweroff in the guest ends it (docs/walkthrough-linux.md).
LINUX_MODULES = "$(B)/guest/bzImage:name=linux mem=256M vcpus=2 initrd=linux-rd cmdline=\"console=ttyS0\"" \
	$(B)/guest/initrd.gz:name=linux-rd $(ISO_MODULES)
.PHONY: run-linux
run-linux: deps
	@$(MAKE) --no-print-directory all guest-linux
	scripts/mkiso.sh $(B)/bivisor-linux.iso "$(RUN_CMDLINE)" $(LINUX_MODULES)
	@echo "bivisor with Debian's Linux in QEMU. Quit with Ctrl-A then X; debug keys: h."
	qemu-system-x86_64 $(QEMU_ACCEL) -smp 2 -m 1G -cdrom $(B)/bivisor-linux.iso -nographic \
		-serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 || true

# `make run-dom0`: Debian's Linux as the service domain (role=service) with
# bivisor.ko and bvm; it starts a Linux domU from tests/dom0/domu.cfg whose
# virtio disk and network bvm serves, and shows its console (tests/dom0/run.sh).
DOM0_MODULES = "$(B)/guest/bzImage:name=dom0 mem=768M vcpus=2 role=service initrd=dom0-rd cmdline=\"console=ttyS0 quiet panic=-1 dom0=demo\"" \
	$(B)/dom0/initrd.gz:name=dom0-rd
.PHONY: run-dom0
run-dom0: deps
	@$(MAKE) --no-print-directory all dom0
	scripts/mkiso.sh $(B)/bivisor-dom0.iso "$(RUN_CMDLINE)" $(DOM0_MODULES)
	@echo "bivisor with a Linux service guest in QEMU. Quit with Ctrl-A then X; debug keys: h."
	qemu-system-x86_64 $(QEMU_ACCEL) -smp 2 -m 2G -cdrom $(B)/bivisor-dom0.iso -nographic \
		-serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 || true

# `make usb DEV=/dev/sdX [IMAGE=iso|esp] [YES=1]`: bivisor on a USB stick for a
# real PC (docs/bare-metal.md); without YES=1 it only says what it would do.
.PHONY: usb
usb: all
	@B=$(B) scripts/usb.sh

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: clean"

# `make plot`: an exit trace (docs/tracing.md) as Perfetto JSON and as PNG and SVG
# charts in build/plots/ (Debian's python3-matplotlib, so Debian's python3).
# TRACE=FILE: bivisor's COM2 output or bvm's --trace file (default: the trace of
# svm-qemu/trace-exitloop, `python3 tests/run.py svm-qemu/trace-exitloop`).
PLOT_PYTHON ?= /usr/bin/python3
TRACE ?= $(B)/tests/logs/svm-qemu-trace-exitloop.log.com2
PLOT ?= $(B)/plots/$(firstword $(subst ., ,$(notdir $(TRACE))))
.PHONY: plot
plot:
	@test -f $(TRACE) || { echo "plot: no $(TRACE); run its test or give TRACE=FILE"; exit 1; }
	@mkdir -p $(dir $(PLOT))
	@$(PLOT_PYTHON) tools/bvtrace.py json $(TRACE) -o $(PLOT).json
	@$(PLOT_PYTHON) tools/bvtrace.py plot $(TRACE) -o $(PLOT)

# `make kvm-unit-tests`: kvm-unit-tests' x86_64 kernels on plain QEMU and under
# bivisor (docs/kvm-unit-tests.md); KUT_SRC=DIR takes a local source tree.
.PHONY: kvm-unit-tests
kvm-unit-tests: all
	@B=$(B) scripts/kvm-unit-tests.sh

print-%:
	@echo $($*)

clean:
	rm -rf $(B)

# The UEFI loader bivisor.efi, the ESP image and `make run-uefi` (docs/uefi.md).
include boot/efi/efi.mk

-include $(shell find $(B) -path $(B)/debs -prune -o -name '*.d' -type f -print 2>/dev/null)

# bvm, the hosted VMM: a Linux program built with the host compiler from
# hosted/ and the same drivers/ sources the kernel compiles.
BVM_SRC := $(wildcard hosted/*.c) $(wildcard drivers/*.c drivers/firmware/*.c) lib/format.c lib/trace_fmt.c
BVM_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -pthread -MMD -MP
# SAN=1: $(B)/bvm with ASan and UBSan, from its own objects ($(B)/host-san);
# $(B)/bvm-static (the lab's) stays plain. The flavor stamp relinks on a switch.
BVM_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
BVM_FLAVOR := $(if $(filter 1,$(SAN)),host-san,host)
$(B)/bvm: $(patsubst %.c,$(B)/$(BVM_FLAVOR)/%.o,$(BVM_SRC)) $(B)/bvm-flavor-$(BVM_FLAVOR)
	$(CC) -pthread $(if $(filter 1,$(SAN)),$(BVM_SAN)) $(filter %.o,$^) -o $@
$(B)/bvm-flavor-$(BVM_FLAVOR):
	@mkdir -p $(dir $@)
	@rm -f $(B)/bvm-flavor-* && touch $@
$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BVM_CFLAGS) -c $< -o $@
$(B)/host-san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BVM_CFLAGS) $(BVM_SAN) -c $< -o $@
all: $(B)/bvm
# $(B)/bvm-san: bvm with ASan and UBSan whatever SAN says, the one the kvm-hosted and
# kvm-lab tests run (docs/testing.md); the sanitizer runtimes are linked in, so the
# lab's initramfs carries it with glibc's libraries only.
$(B)/bvm-san: $(patsubst %.c,$(B)/host-san/%.o,$(BVM_SRC))
	$(CC) -pthread $(BVM_SAN) -static-libasan -static-libubsan $^ -o $@
all: $(B)/bvm-san
# The probe guest of `bvm doctor`: flat machine code as a C array for hosted/doctor.c.
$(B)/host/probe.bin: hosted/probe.asm
	@mkdir -p $(dir $@)
	nasm -f bin $< -o $@
$(B)/host/gen/probe_bin.h: $(B)/host/probe.bin
	@mkdir -p $(dir $@)
	{ echo '/* generated from hosted/probe.asm by the Makefile */'; \
	  od -An -v -tx1 $< | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1, /g; s/ *$$//'; } >$@
$(B)/host/hosted/doctor.o $(B)/host-san/hosted/doctor.o: $(B)/host/gen/probe_bin.h
$(B)/host/hosted/doctor.o $(B)/host-san/hosted/doctor.o: BVM_CFLAGS += -I$(B)/host/gen

# Debian's Linux as a guest, and the nested-KVM lab that runs bvm on real KVM
# inside QEMU TCG (PLATFORMS.md §4-5). `make guest-linux` downloads the
# packages once into build/debs/.
.PHONY: guest-linux lab dom0
guest-linux: $(B)/guest/bzImage $(B)/guest/initrd.gz $(B)/guest/bivisor.ko
$(B)/guest/bzImage: scripts/guest-linux.sh
	@B=$(B) scripts/guest-linux.sh
$(B)/guest/initrd.gz: $(B)/guest/bzImage tests/lab/linux-init scripts/mkguestinitrd.sh \
		scripts/mkinitramfs.sh
	@B=$(B) scripts/mkguestinitrd.sh $@
# The Linux service domain: bivisor.ko built against that kernel's headers, and
# the initramfs that loads it and runs bvtest (tests/manifest: dom0-*).
$(B)/guest/bivisor.ko: $(B)/guest/bzImage scripts/guest-kmod.sh guest-tools/linux/bivisor.c \
		guest-tools/linux/Kbuild guest-tools/linux/stdint.h $(wildcard include/public/*.h)
	@B=$(B) scripts/guest-kmod.sh
dom0: $(B)/dom0/initrd.gz
# It also holds bvm (static), netpeer, a Linux domU (build/guest's kernel and
# initramfs) and tests/dom0/run.sh, whose scenarios the dom0-* tests pick.
$(B)/dom0/initrd.gz: $(B)/guest/bivisor.ko guest-tools/linux/bvtest.c tests/dom0/init \
		scripts/mkdom0.sh scripts/mkinitramfs.sh $(wildcard include/public/*.h) \
		$(B)/bvm-static $(B)/lab/netpeer $(B)/guest/initrd.gz tests/dom0/run.sh \
		$(B)/guests/virtio_blk.elf tests/dom0/domu.cfg $(B)/guest/blk4k.cpio.gz
	@B=$(B) scripts/mkdom0.sh $@ $(B)/bvm-static:/bin/bvm $(B)/lab/netpeer:/bin/netpeer \
		$(B)/guest/blk4k.cpio.gz:/domu/blk4k.cpio.gz \
		$(B)/guests/virtio_blk.elf:/domu/virtio_blk.elf \
		$(B)/guest/bzImage:/domu/bzImage $(B)/guest/initrd.gz:/domu/initrd.gz \
		tests/dom0/run.sh:/dom0/run.sh tests/dom0/domu.cfg:/dom0/domu.cfg
# The domU's 4 KiB read timer for make bench (tests/bench_xen.py): a cpio to
# append to build/guest's initramfs, started with rdinit=/blk4k-init.
$(B)/guest/blk4k.cpio.gz: tests/bench/blk4k-init
	@mkdir -p $(@D) && d=$$(mktemp -d) && cp $< $$d/blk4k-init && chmod +x $$d/blk4k-init && \
		(cd $$d && echo blk4k-init | cpio -o -H newc --quiet) | gzip -9 >$@; rm -rf $$d
# The Xen 4.17 peer of make bench (PLATFORMS.md §7): build/xen/ from Debian's packages.
.PHONY: xen
xen: $(B)/xen/xen.iso
$(B)/xen/xen.iso: scripts/mkxen.sh tests/xen/init tests/xen/domu.cfg scripts/mkinitramfs.sh \
		$(B)/guest/bzImage $(B)/guest/initrd.gz
	@B=$(B) scripts/mkxen.sh
$(B)/bvm-static: $(patsubst %.c,$(B)/host/%.o,$(BVM_SRC))
	$(CC) -static -pthread $^ -o $@
lab: $(B)/lab/initrd.gz
$(B)/lab/initrd.gz: $(B)/guest/bzImage $(B)/guest/initrd.gz $(B)/bvm-static $(B)/bvm-san $(B)/lab/netpeer \
		$(GUESTS) tests/lab/init scripts/mklab.sh scripts/mkinitramfs.sh
	@mkdir -p $(dir $@)
	@B=$(B) scripts/mklab.sh $@
# The lab with this host's QEMU added, for make bench's Linux-in-the-lab peer.
$(B)/lab/initrd-qemu.gz: $(B)/lab/initrd.gz scripts/mklab.sh
	@B=$(B) scripts/mklab.sh --qemu $@ $<
# The lab with Debian's gdb-minimal added, for the kvm-lab gdb tests of bvm --gdb.
$(B)/lab/initrd-gdb.gz: $(B)/lab/initrd.gz scripts/mklab.sh
	@B=$(B) scripts/mklab.sh --gdb $@ $<
# The lab's answering end of a guest's --net socket=3 (ARP and ping for 10.0.2.2).
$(B)/lab/netpeer: tests/lab/netpeer.c
	@mkdir -p $(dir $@)
	$(CC) -static -std=gnu11 -O2 $(WARN) $< -o $@

# The raw KVM_RUN loop that `make bench` measures bvm's exit cost against.
$(B)/kvm_raw: tests/bench/kvm_raw.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -I. $< -o $@

# The guest's DSDT: drivers/firmware/dsdt.asl compiled by iasl (acpica-tools)
# into a C array that drivers/firmware/acpi.c includes, in the kernel's, bvm's
# and the unit tests' builds (tests/unit/deps-linux.mk) alike.
DSDT_AML_H := $(B)/firmware/dsdt_aml.h
$(DSDT_AML_H): drivers/firmware/dsdt.asl
	@mkdir -p $(dir $@)
	@iasl -vs -tc -p $(B)/firmware/dsdt $< >$(B)/firmware/dsdt.log || \
		{ cat $(B)/firmware/dsdt.log; exit 1; }
	sed 's/^unsigned char dsdt_aml_code/static const unsigned char dsdt_aml_code/' \
		$(B)/firmware/dsdt.hex >$@
$(B)/drivers/firmware/acpi.o $(B)/host/drivers/firmware/acpi.o: $(DSDT_AML_H)
$(B)/host-san/drivers/firmware/acpi.o: $(DSDT_AML_H)
$(B)/drivers/firmware/acpi.o: KCFLAGS += -I$(B)/firmware
$(B)/host/drivers/firmware/acpi.o $(B)/host-san/drivers/firmware/acpi.o: BVM_CFLAGS += -I$(B)/firmware
