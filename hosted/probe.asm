; hosted/probe.asm: the probe guest of `bvm doctor` (hosted/doctor.c), built
; with nasm -f bin into a C array (build/host/probe_bin.h). It starts in
; 32-bit protected mode with a flat CS = 0x08 (as a Multiboot guest does), at
; PROBE_BASE + PROBE_ENTRY; its GDT is the first 32 bytes. It builds its own
; page tables (one 2 MiB page at 0), enters long mode (AMD APM vol. 2 14.6,
; Intel SDM vol. 3A 10.8.5) and writes 'L' to port 0xf4; then it runs
; `lock cmpxchg16b` (SDM vol. 2A, CMPXCHG8B/CMPXCHG16B) on an aligned pair and
; writes 'P' if the exchange happened as it must, 'W' if not. On a
; paravirtual KVM (PVM) that instruction ends the guest with
; KVM_EXIT_INTERNAL_ERROR (PLATFORMS.md §3). doctor.c knows these numbers.

PROBE_BASE	equ 0x10000	; where doctor.c copies this image
PML4		equ 0x11000	; page tables: three pages after the code
PDPT		equ 0x12000
PD		equ 0x13000
PAIR		equ 0x14000	; the 16-byte aligned operand of cmpxchg16b
PORT		equ 0xf4	; the result port

	bits 32
	org PROBE_BASE

gdt:	dq 0				; 0x00
	dq 0x00cf9b000000ffff		; 0x08: 32-bit code, flat
	dq 0x00cf93000000ffff		; 0x10: data, flat
	dq 0x00af9b000000ffff		; 0x18: 64-bit code

entry:					; PROBE_BASE + 0x20
	mov edi, PML4			; zero the three table pages
	xor eax, eax
	mov ecx, 3 * 4096 / 4
	rep stosd
	mov dword [PML4], PDPT | 3	; present, writable
	mov dword [PDPT], PD | 3
	mov dword [PD], 0x83		; 2 MiB page at 0: present, writable, PS
	mov eax, cr4
	or eax, 1 << 5			; CR4.PAE
	mov cr4, eax
	mov eax, PML4
	mov cr3, eax
	mov ecx, 0xc0000080		; EFER
	rdmsr
	or eax, 1 << 8			; EFER.LME
	wrmsr
	mov eax, cr0
	or eax, 1 << 31			; CR0.PG: long mode is active
	mov cr0, eax
	jmp 0x18:long_mode

	bits 64
long_mode:
	mov al, 'L'
	out PORT, al
	mov rdi, PAIR
	mov rax, 0x1111111111111111	; rdx:rax, what the pair holds
	mov rdx, 0x2222222222222222
	mov [rdi], rax
	mov [rdi + 8], rdx
	mov rbx, 0x3333333333333333	; rcx:rbx, what it must hold after
	mov rcx, 0x4444444444444444
	lock cmpxchg16b [rdi]
	jnz wrong
	cmp [rdi], rbx
	jne wrong
	cmp [rdi + 8], rcx
	jne wrong
	mov al, 'P'
	out PORT, al
	hlt
wrong:
	mov al, 'W'
	out PORT, al
	hlt
