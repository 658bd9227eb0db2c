# scripts/debug.gdb: what `make debug` (scripts/debug.sh) gives gdb after it
# connects to QEMU's gdbstub, with build/bivisor.elf's symbols: a hardware
# breakpoint at the kernel's entry (_start32, where GRUB enters it in 32-bit
# protected mode with paging off: boot/entry.asm) and one at the exit
# dispatcher (kernel/run.c:exit_handler, inlined into run_loop: it counts each
# exit and finds its handler in kernel/exit.c's exit_handlers), then continue.
# Hardware breakpoints match the instruction's address in every CPU mode and
# need no write to memory GRUB has not filled yet (docs/debugging.md).
set pagination off
hbreak *_start32
hbreak exit_handler
continue
