; boot/trampoline.asm: the real-mode start of an application processor.
; An AP leaves INIT-SIPI-SIPI in real mode at CS:IP = vector*0x1000:0 (Intel
; SDM vol. 3A 9.4.4 "MP Initialization Example", 11.6 "Issuing IPIs"). This page
; is copied to 0x8000; the BSP fills the parameter block at its end (CR3 of the
; kernel page tables, the AP's stack, entry point and argument) before the SIPI.
; Assembled as a flat binary and linked into the kernel by boot/blobs.asm.

bits 16
org 0x8000

tramp16:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [gdt32_ptr]
	mov eax, cr0
	and eax, ~((1 << 30) | (1 << 29))	; CD, NW: INIT leaves the caches off (SDM 9.1.1
					; table 9-1: CR0 = 60000010H); the BSP's firmware
					; turned them on, an AP must itself
	or eax, 1			; PE
	mov cr0, eax
	jmp dword 0x08:tramp32

bits 32
tramp32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, [param_cr3]
	mov cr3, eax
	mov ecx, 0xc0000080		; IA32_EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)	; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)	; PG, WP
	mov cr0, eax
	jmp 0x18:tramp64

bits 64
tramp64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [param_stack]
	mov rdi, [param_arg]
	mov rax, [param_entry]
	xor ebp, ebp
	call rax
.dead:
	cli
	hlt
	jmp .dead

align 8
gdt32:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code
	dq 0x00cf92000000ffff		; 0x10: data
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
gdt32_ptr:
	dw gdt32_ptr - gdt32 - 1
	dd gdt32

; parameter block, at a fixed offset the C side knows (TRAMP_PARAMS)
times 0xf00 - ($ - $$) db 0
param_cr3:	dq 0
param_stack:	dq 0
param_entry:	dq 0
param_arg:	dq 0
