; boot/entry.asm: Multiboot2 header and the two entries of the Type-1 kernel.
; GRUB enters _start32 in 32-bit protected mode with paging off (Multiboot2
; spec 1.0, section 3.3 "I386 machine state"). We check for long mode, build
; early page tables that identity-map the first 4 GiB with 2 MiB pages, enable
; PAE + EFER.LME + NXE + paging (Intel SDM vol. 3A 9.8.5 "Initializing IA-32e
; Mode") and jump to 64-bit C: kmain(magic, mbi).
; bivisor.efi (boot/efi/) enters _start64 in long mode on the firmware's
; identity-mapped page tables (UEFI 2.10, 2.3.4 "x64 Platforms"); it loads the
; same early tables and GDT and joins the path above. docs/uefi.md compares them.

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

	; The 64-bit entry record, read by bivisor.efi (boot/efi/kimage.c): right
	; after the Multiboot2 header, a signature and _start64's physical address.
	; GRUB never looks past the header's length.
	align 8
	db "ENTRY64", 0
	dq _start64

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
	jmp 0x08:long_mode

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
; bivisor.efi jumps here after ExitBootServices: long mode, paging on with the
; firmware's identity map, interrupts off, EDI = the Multiboot2 magic and RSI =
; the Multiboot2 information block (below 4 GiB), as _start32 has them in EDI
; and ESI once it has saved EAX and EBX. Everything it touches (this code, the
; early tables, stack and GDT) is identity-mapped by both the firmware's tables
; and ours, so the CR3 switch is seamless.
global _start64
_start64:
	cli
	cld
	mov rsp, early_stack_top

	; the same early tables as _start32: PML4[0] -> PDPT -> 4 page directories
	mov eax, early_pdpt + 3
	mov [early_pml4], rax
	xor ecx, ecx
.fill_pdpt:
	mov rax, rcx
	shl rax, 12
	add rax, early_pd + 3
	mov [early_pdpt + rcx * 8], rax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	xor ecx, ecx
.fill_pd:
	mov rax, rcx
	shl rax, 21
	or rax, 0x83			; present, writable, 2 MiB page
	mov [early_pd + rcx * 8], rax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov rax, cr4
	and rax, ~(1 << 7)		; PGE off: the CR3 load then drops every
	mov cr4, rax			; translation the firmware had, global or not
	mov eax, early_pml4
	mov cr3, rax
	mov ecx, 0xc0000080		; IA32_EFER: LME and LMA are set already
	rdmsr
	or eax, 1 << 11			; NXE: the kernel's tables use the NX bit
	wrmsr
	mov rax, cr0
	or rax, 1 << 16			; WP
	mov cr0, rax
	lgdt [early_gdt_ptr]
	push 0x08			; reload CS from our GDT: a far return
	mov eax, long_mode
	push rax
	o64 retf

long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	; edi = magic, esi = mbi (from _start32's 32-bit moves, or _start64's caller).
	; Bits 63:32 of a register written in 32-bit mode are undefined in 64-bit
	; mode (SDM vol. 1, 3.4.1.1); the MBI is below 4 GiB on both paths.
	mov esi, esi
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
	dq early_gdt			; lgdt reads 4 bytes of base in 32-bit mode, 8 in 64-bit

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
