# Makefile: builds the Type-1 kernel (build/bivisor.elf), its GRUB ISO
# (build/bivisor.iso), the test guests and the host unit tests; `make run`,
# `make test` and `make bench` install what they need first (scripts/deps.sh).

CC := gcc
MAKEFLAGS += --no-print-directory
NASM := nasm
B := build

KERNEL_C := $(wildcard kernel/*.c arch/x86/*.c svm/*.c vmx/*.c drivers/*.c drivers/firmware/*.c)
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
QEMU_RUN_OPTS ?= -cpu max -smp 2 -m 512M

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
	qemu-system-x86_64 $(QEMU_RUN_OPTS) -cdrom $(B)/bivisor.iso -nographic \
		-serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 || true

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: clean"

print-%:
	@echo $($*)

clean:
	rm -rf $(B)

# The UEFI loader bivisor.efi, the ESP image and `make run-uefi` (docs/uefi.md).
include boot/efi/efi.mk

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# bvm, the hosted VMM: a Linux program built with the host compiler from
# hosted/ and the same drivers/ sources the kernel compiles.
BVM_SRC := $(wildcard hosted/*.c) $(wildcard drivers/*.c drivers/firmware/*.c)
BVM_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -pthread -MMD -MP
$(B)/bvm: $(patsubst %.c,$(B)/host/%.o,$(BVM_SRC))
	$(CC) -pthread $^ -o $@
$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BVM_CFLAGS) -c $< -o $@
all: $(B)/bvm
