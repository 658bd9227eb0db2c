# tests/fuzz/fuzz.mk: the libFuzzer targets (tests/fuzz/fuzz_X.c, clang with
# -fsanitize=fuzzer,address,undefined). `make fuzz-build` builds them (or says
# why not, without failing, when clang or libFuzzer is missing); `make fuzz`
# runs each for FUZZ_SECONDS (default 60) and prints its execs.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wmissing-prototypes -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_HARNESS := tests/fuzz/fuzz.c
VIRTIO_SRC := drivers/virtio_mmio.c drivers/virtqueue.c
LOADER_SRC := drivers/firmware/loader.c drivers/firmware/multiboot.c drivers/firmware/elf.c

# The sources each target links besides its own file and the harness.
FUZZ_DEPS_uart16550 := drivers/uart16550.c
FUZZ_DEPS_i8254 := drivers/i8254.c
FUZZ_DEPS_rtc_cmos := drivers/rtc_cmos.c
FUZZ_DEPS_acpi_pm := drivers/acpi_pm.c
FUZZ_DEPS_pc := drivers/pc_platform.c drivers/fw_cfg.c drivers/firmware/fw_cfg_pc.c drivers/i8259.c \
	drivers/pci_host.c drivers/pc_testdev.c drivers/uart16550.c drivers/i8254.c drivers/rtc_cmos.c \
	drivers/acpi_pm.c drivers/iobus.c $(LOADER_SRC) lib/format.c
FUZZ_DEPS_iobus := drivers/iobus.c lib/format.c
FUZZ_DEPS_virtio_blk := drivers/virtio_blk.c $(VIRTIO_SRC)
FUZZ_DEPS_virtio_net := drivers/virtio_net.c $(VIRTIO_SRC)
FUZZ_DEPS_virtio_console := drivers/virtio_console.c $(VIRTIO_SRC)
FUZZ_DEPS_virtio_rng := drivers/virtio_rng.c $(VIRTIO_SRC)
FUZZ_DEPS_virtio_balloon := drivers/virtio_balloon.c $(VIRTIO_SRC) lib/format.c
FUZZ_DEPS_vlapic := kernel/vlapic.c kernel/vlapic_timer.c
FUZZ_DEPS_vioapic := kernel/vioapic.c kernel/vlapic.c kernel/vlapic_timer.c
FUZZ_DEPS_insn := kernel/insn.c kernel/insn_alu.c
FUZZ_DEPS_loader := $(LOADER_SRC) lib/format.c
FUZZ_DEPS_linux := drivers/firmware/linux.c drivers/firmware/acpi.c $(LOADER_SRC) lib/format.c
FUZZ_DEPS_mb2 := kernel/mb2.c
FUZZ_DEPS_cmdline := kernel/cmdline.c lib/format.c
FUZZ_DEPS_acpi := arch/x86/acpi.c lib/format.c
FUZZ_DEPS_domfile := hosted/domfile.c
FUZZ_DEPS_hypercall := kernel/hc_check.c
FUZZ_DEPS_ioreq := kernel/ioreq_check.c drivers/iobus.c lib/format.c
# bvm.c itself is included by the target (its parser is static), so not here.
FUZZ_DEPS_bvm_options := $(filter-out hosted/bvm.c,$(wildcard hosted/*.c drivers/*.c \
	drivers/firmware/*.c)) lib/format.c lib/trace_fmt.c

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(B)/fuzz/fuzz-,$(FUZZ_NAMES))
fuzz_objs = $(patsubst %.c,$(B)/fuzz/obj/%.o,tests/fuzz/fuzz_$(1).c $(FUZZ_HARNESS) \
	$(FUZZ_DEPS_$(1)))

# Whether this clang links libFuzzer (Debian: clang and libclang-rt-14-dev).
FUZZ_OK = $(shell echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' | \
	$(FUZZ_CC) -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null && echo yes)

.PHONY: fuzz fuzz-build
fuzz-build:
	@if [ "$(FUZZ_OK)" = yes ]; then $(MAKE) $(FUZZ_BINS); else \
		echo "fuzz: $(FUZZ_CC) with libFuzzer not found (scripts/deps.sh), not built"; fi
fuzz: fuzz-build
	@python3 tests/fuzz.py $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(B)/fuzz/obj/drivers/firmware/acpi.o: $(B)/firmware/dsdt_aml.h
$(B)/fuzz/obj/drivers/firmware/acpi.o: FUZZ_CFLAGS += -I$(B)/firmware
$(B)/fuzz/obj/hosted/doctor.o: $(B)/host/gen/probe_bin.h
$(B)/fuzz/obj/hosted/doctor.o: FUZZ_CFLAGS += -I$(B)/host/gen
$(B)/fuzz/fuzz-bvm_options: FUZZ_CFLAGS += -pthread
# hosted/kvm.c embeds a KVM ioctl struct with a flexible array (fine with gcc).
$(B)/fuzz/obj/hosted/%.o: FUZZ_CFLAGS += -Wno-gnu-variable-sized-type-not-at-end

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(foreach t,$(FUZZ_NAMES),$(eval $(B)/fuzz/fuzz-$(t): $(call fuzz_objs,$(t))))
$(FUZZ_BINS):
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

-include $(shell find $(B)/fuzz -name '*.d' 2>/dev/null)
