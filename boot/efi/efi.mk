# boot/efi/efi.mk: bivisor.efi, bivisor's UEFI loader, built with gnu-efi
# (crt0, its linker script and its self-relocation; our code uses only the
# gnu-efi headers), and the EFI System Partition image build/bivisor-esp.img.
# Included by the Makefile.

GNUEFI_LIB := /usr/lib
EFI_SRC := boot/efi/main.c boot/efi/console.c boot/efi/esp.c boot/efi/config.c \
	boot/efi/mbi.c boot/efi/kimage.c lib/format.c lib/string.c
EFI_OBJ := $(patsubst %.c,$(B)/efi/%.o,$(EFI_SRC))

# What gnu-efi needs (position-independent, 16-bit wchar_t, no red zone, the
# Microsoft calling convention for firmware calls), and our warnings.
EFI_CFLAGS := -std=gnu11 -O2 $(WARN) -I. -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-isystem /usr/include/efi -isystem /usr/include/efi/x86_64 -DGNU_EFI_USE_MS_ABI \
	-fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables -MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -T $(GNUEFI_LIB)/elf_x86_64_efi.lds

$(B)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(B)/efi/bivisor.so: $(EFI_OBJ)
	$(LD) $(EFI_LDFLAGS) $(GNUEFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) -o $@ \
		-L$(GNUEFI_LIB) -lgnuefi

# PE32+ EFI application (subsystem 10) from the relocatable shared object.
$(B)/bivisor.efi: $(B)/efi/bivisor.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

# The ESP image `make run-uefi` boots: the modules of `make run`'s ISO.
$(B)/bivisor-esp.img: $(B)/bivisor.efi $(B)/bivisor.elf $(GUESTS) scripts/mkesp.sh
	scripts/mkesp.sh $@ "$(RUN_CMDLINE)" $(ISO_MODULES)

OVMF := /usr/share/ovmf/OVMF.fd

.PHONY: run-uefi
run-uefi: deps
	@$(MAKE) --no-print-directory all
	@echo "bivisor through bivisor.efi in QEMU with OVMF: the console is this terminal. Quit with Ctrl-A then X."
	qemu-system-x86_64 $(QEMU_ACCEL) $(QEMU_RUN_OPTS) -bios $(OVMF) -nic none \
		-drive format=raw,file=$(B)/bivisor-esp.img,snapshot=on -nographic \
		-serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 || true
