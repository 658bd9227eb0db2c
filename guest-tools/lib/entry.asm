; guest-tools/lib/entry.asm: Multiboot (version 1) header and entry of the
; test guests. The a.out-kludge address fields (Multiboot 0.6.96 section 3.1.3,
; flag bit 16) let any Multiboot loader, QEMU's -kernel included, load the
; image without reading its ELF64 headers. The entry builds page tables for
; the first 4 GiB (2 MiB pages), enters long mode (Intel SDM vol. 3A 9.8.5) and
; calls guest_main; its return value goes to the test exit port 0xf4.

%define MB1_MAGIC 0x1badb002
%define MB1_FLAGS ((1 << 1) | (1 << 16))	; memory info, address fields valid

extern __load_start, __load_end, __bss_end, guest_start64
global _start

section .mbheader progbits alloc exec nowrite align=4
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)
	dd mb1_header			; header_addr
	dd __load_start			; load_addr
	dd __load_end			; load_end_addr
	dd __bss_end			; bss_end_addr
	dd _start			; entry_addr

section .text32 progbits alloc exec nowrite
bits 32
_start:
	cli
	mov esp, stack_top
	mov [boot_magic], eax
	mov [boot_info], ebx
	mov eax, pdpt
	or eax, 3
	mov [pml4], eax
	xor ecx, ecx
.fill_pdpt:				; PDPT[0..3] -> the four page directories
	mov eax, ecx
	shl eax, 12
	add eax, pd
	or eax, 3
	mov [pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	xor ecx, ecx
.fill:					; 2048 x 2 MiB: the first 4 GiB, identity
	mov eax, ecx
	shl eax, 21
	or eax, 0x83			; present, writable, 2 MiB
	mov [pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11
	mov [pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, 0xc0000080		; EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | 1		; PG, PE
	mov cr0, eax
	lgdt [gdt_ptr]
	jmp 0x08:long_mode

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, stack_top
	mov edi, [boot_magic]
	mov esi, [boot_info]
	call guest_start64
.halt:
	cli
	hlt
	jmp .halt

section .rodata
align 8
gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
gdt_ptr:
	dw gdt_ptr - gdt - 1
	dd gdt

section .data
global boot_magic, boot_info
boot_magic:	dd 0
boot_info:	dd 0

section .bss
align 4096
pml4:	resb 4096
pdpt:	resb 4096
pd:	resb 4096 * 4
stack:	resb 16384
stack_top:
