; arch/x86/isr.asm: the hypervisor's 256 interrupt entry stubs, which save
; every general register into a struct trap_frame (arch/x86/trap.h) and call
; trap_dispatch; the stubs themselves are arch/x86/isr_stubs.inc, shared with
; the test guests. isr_table holds their addresses for the IDT.

bits 64
%include "arch/x86/isr_stubs.inc"
ISR_STUBS trap_dispatch, isr_table
