; boot/entry.asm: Multiboot2 header and the 32-bit entry of the Type-1 kernel.
; GRUB enters here in 32-bit protected mode with paging off (Multiboot2 spec
; 1.0, section 3.3 "I386 machine state"). We check for long mode, build early
; page tables that identity-map the first 4 GiB with 2 MiB pages, enable
; PAE + EFER.LME + NXE + paging (Intel SDM vol. 3A 9.8.5 "Initializing IA-32e
; Mode") and jump to 64-bit C: kmain(magic, mbi).

%define MB2_MAGIC        0xe85250d6
%define MB2_ARCH_I386    0
%define COM1             0x3f8

section .multiboot2 align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request tag: memory map(6), cmdline(1), modules(3),
	; ACPI old(14), ACPI new(15) are wanted but optional
	align 8
	dw 1, 1				; type 1, optional
	dd 8 + 4 * 5
	dd 6, 1, 3, 14, 15
	align 8
	dw 0, 0				; end tag
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite
bits 32
global _start32
extern kmain
global boot_stack_top
_start32:
	cli
	cld
	mov edi, eax			; Multiboot2 magic
	mov esi, ebx			; boot information (physical)
	mov esp, early_stack_top

	; long mode needs CPUID leaf 0x80000001 EDX bit 29
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT; PDPT[0..3] -> 4 page directories of 2 MiB pages
	mov eax, early_pdpt
	or eax, 3
	mov [early_pml4], eax
	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, early_pd
	or eax, 3
	mov [early_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83			; present, writable, 2 MiB page
	mov [early_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11			; high dword: bits 32+ of the address
	mov [early_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax
	mov ecx, 0xc0000080		; IA32_EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)	; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)	; PG, WP
	mov cr0, eax
	lgdt [early_gdt_ptr]
	jmp 0x08:.long_mode

.no_long_mode:
	mov esi, msg_no_lm
.putc:
	lodsb
	test al, al
	jz .halt
	mov bl, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
.long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	; edi = magic, esi = mbi (zero-extended by the 32-bit moves above)
	call kmain
.dead:
	cli
	hlt
	jmp .dead

section .rodata
msg_no_lm:
	db "bivisor: this CPU has no long mode (x86-64); cannot boot", 13, 10, 0

align 8
early_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
early_gdt_ptr:
	dw early_gdt_ptr - early_gdt - 1
	dd early_gdt

section .bss
align 4096
early_pml4:	resb 4096
early_pdpt:	resb 4096
early_pd:	resb 4096 * 4
early_stack:	resb 4096
early_stack_top:
align 16
boot_stack:	resb 16384
boot_stack_top:
