; arch/x86/isr.asm: the 256 interrupt entry stubs and the common path that
; saves every general register into a struct trap_frame (arch/x86/trap.h)
; and calls trap_dispatch (Intel SDM vol. 3A 6.12 "Exception and Interrupt
; Handling", 6.14.2 the 64-bit stack frame). Vectors without a CPU error code
; push a zero so every frame has the same layout.

bits 64
section .text
extern trap_dispatch

%macro STUB 1
isr_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

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
	call trap_dispatch
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
global isr_table
align 8
isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep
