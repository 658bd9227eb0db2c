; guest-tools/lib/isr.asm: the test guests' 256 IDT entry stubs, which save the
; general registers as struct guest_frame (idt.h) and call idt_dispatch; the
; stubs are the hypervisor's own (arch/x86/isr_stubs.inc). isr_stubs holds
; their addresses for idt.c.

bits 64
%include "arch/x86/isr_stubs.inc"
ISR_STUBS idt_dispatch, isr_stubs
