; guest-tools/lib/isr.asm: the 256 entry stubs of the test guests' IDT and
; their common path (Intel SDM vol. 3A 6.12.1 "Exception- or Interrupt-Handler
; Procedures", 6.14.2 "64-Bit Mode Stack Frame"). Each stub makes the frame
; uniform (a zero where the CPU pushes no error code, then the vector); the
; common path saves the general registers as struct guest_frame (idt.h) and
; calls idt_dispatch with a pointer to it.

bits 64
section .text
extern idt_dispatch
global isr_stubs

; Exceptions for which the CPU pushes an error code (SDM 6.15, Table 6-1).
%macro ENTRY 1
align 16
isr_entry_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push qword 0
%endif
	push qword %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
ENTRY v
%assign v v + 1
%endrep

; 22 quadwords from the CPU's aligned frame on: RSP stays 16-byte aligned for the call.
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call idt_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq

section .rodata
align 8
%macro ADDR 1
	dq isr_entry_%1
%endmacro
isr_stubs:
%assign v 0
%rep 256
ADDR v
%assign v v + 1
%endrep
