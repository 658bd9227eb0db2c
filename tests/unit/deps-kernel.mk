# tests/unit/deps-kernel.mk: what the unit tests of the kernel's pure modules link.
UNIT_DEPS_test_format := lib/format.c
UNIT_DEPS_test_frame := kernel/frame.c
UNIT_DEPS_test_cmdline := kernel/cmdline.c lib/format.c
UNIT_DEPS_test_mb2 := kernel/mb2.c tests/unit/dump.c
UNIT_DEPS_test_acpi := arch/x86/acpi.c lib/format.c tests/unit/dump.c
UNIT_DEPS_test_vlapic := kernel/vlapic.c kernel/vlapic_timer.c
UNIT_DEPS_test_vlapic_timer := kernel/vlapic.c kernel/vlapic_timer.c
UNIT_DEPS_test_vioapic := kernel/vioapic.c kernel/vlapic.c kernel/vlapic_timer.c
UNIT_DEPS_test_gpt := kernel/gpt.c
UNIT_DEPS_test_string :=
UNIT_DEPS_test_svm_clean := svm/svm_clean.c lib/string.c
UNIT_DEPS_test_vmx_caps := vmx/vmx_caps.c lib/format.c
