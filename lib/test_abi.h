/*
 * lib/test_abi.h: the test ABI's I/O ports, shared by the test guests
 * (guest-tools/lib), bivisor (kernel/exit.c, kernel/panic.c), bvm
 * (hosted/run.c, hosted/doctor.c) and the benchmarks. The same guest binary
 * runs on plain QEMU (isa-debug-exit at 0xf4 exits with status * 2 + 1),
 * under bvm and under bivisor. The assembly that writes these ports
 * (guest-tools/lib/entry.asm, hosted/probe.asm) repeats the number.
 */
#ifndef LIB_TEST_ABI_H
#define LIB_TEST_ABI_H

/* An 8-bit write ends the guest (or, from the hypervisor, the emulator) with that status. */
#define TEST_EXIT_PORT 0xf4
/* A 32-bit write adds that many finished work units to the domain's progress counter. */
#define TEST_PROGRESS_PORT 0xf5

#endif
