; guest-tools/lib/trampoline.asm: where an application processor of a test
; guest starts. The BSP's INIT-SIPI-SIPI (Intel SDM vol. 3A 8.4.4.1) starts it
; in real mode at CS:IP = (vector << 8):0, that is at the page the vector
; names; guest_start_aps (smp.c) copies this code to TRAMP_BASE and fills the
; parameters at its end. The AP goes to protected mode (SDM 9.9.1), enables
; IA-32e paging with the BSP's CR3 (9.8.5), loads the BSP's GDT, takes a CPU
; index with a locked add as in the SDM's example (8.4.4.2), and calls the C
; entry on that index's stack. Indexes past the number asked for halt.

%define TRAMP_BASE 0x8000		; smp.c's TRAMP_BASE; SIPI vector 0x08
%define LIN(x) (TRAMP_BASE + ((x) - tramp_start))

global tramp_start, tramp_end, tramp_self
global tramp_cr3, tramp_gdtr, tramp_entry, tramp_stacks, tramp_stack_size
global tramp_ticket, tramp_max

section .text
bits 16
tramp_start:
	cli
	cld
	mov ax, cs			; = TRAMP_BASE >> 4
	mov ds, ax
	lgdt [tramp_gdt_ptr - tramp_start]
	mov eax, cr0
	and eax, ~((1 << 30) | (1 << 29))	; CD, NW: INIT leaves the caches off
	or eax, (1 << 5) | 1			; NE, PE
	mov cr0, eax
	jmp dword 0x18:LIN(tramp32)

bits 32
tramp32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, [LIN(tramp_cr3)]
	mov cr3, eax
	mov ecx, 0xc0000080		; IA32_EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, 1 << 31			; PG: IA-32e mode is active from here
	mov cr0, eax
	jmp 0x08:LIN(tramp64)

bits 64
tramp64:
	lgdt [abs LIN(tramp_gdtr)]	; the BSP's: the same 0x08 code and 0x10 data
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov eax, 1
	lock xadd [abs LIN(tramp_ticket)], eax
	cmp eax, [abs LIN(tramp_max)]
	jae .park
	inc eax				; CPU index: 1 for the first AP
	mov edi, eax			; the C entry's argument
	imul rax, [abs LIN(tramp_stack_size)]
	add rax, [abs LIN(tramp_stacks)]
	mov rsp, rax			; the top of that index's stack
	xor ebp, ebp
	mov rax, [abs LIN(tramp_entry)]
	call rax
.park:
	cli
	hlt
	jmp .park

align 8
tramp_gdt:				; used from real mode until the BSP's GDT is loaded
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
	dq 0x00cf9a000000ffff		; 0x18: 32-bit code
tramp_gdt_ptr:
	dw tramp_gdt_ptr - tramp_gdt - 1
	dd LIN(tramp_gdt)

; Parameters, written by the BSP into the copy at TRAMP_BASE.
align 8
tramp_self:	dq LIN(tramp_self)	; lets smp.c check that TRAMP_BASE agrees
tramp_cr3:	dq 0
tramp_entry:	dq 0			; void entry(unsigned int cpu)
tramp_stacks:	dq 0			; the AP stacks: index i's top is stacks + i * size
tramp_stack_size: dq 0
tramp_ticket:	dd 0			; APs that reached 64-bit mode
tramp_max:	dd 0			; how many may go on
		dw 0, 0, 0
tramp_gdtr:	dw 0			; what SGDT stored on the BSP: limit, then base
		dq 0
tramp_end:
