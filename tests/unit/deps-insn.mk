# tests/unit/deps-insn.mk: what the unit test of the MMIO instruction emulator links.
UNIT_DEPS_test_insn := kernel/insn.c kernel/insn_alu.c
UNIT_DEPS_test_insn_saved := kernel/insn.c kernel/insn_alu.c
