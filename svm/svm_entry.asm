; svm/svm_entry.asm: one trip into the guest (AMD APM vol. 2: 15.5 VMRUN,
; 15.6 #VMEXIT, 15.5.2 VMSAVE/VMLOAD). With GIF cleared no host interrupt or
; NMI can run between loading the guest's hidden state (FS/GS/TR/LDTR, syscall
; MSRs) and VMRUN, nor before the host's is loaded back.
;
; Called with interrupts off so that nothing runs between the caller's last check
; of pending work and VMRUN; returns with them on (STGI lets the held one in).
;
; svm_window_start..svm_window_end is where the guest's TR, GS base and syscall
; MSRs are loaded in the host: arch/x86/trap.c reports any event taken there
; (trap_set_guest_window) instead of running a handler on the guest's GS. With
; crash=window (kernel/selftest.c) a #UD right after VMRUN tests that report; the
; flag is read after every VMRUN (a compare and a branch not taken).
;
; void svm_vmrun(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_area_pa)
; gprs[] holds the guest registers the VMCB does not: indexed like enum
; vm_reg (RAX at 0 and RSP at 4 are unused: they live in the VMCB).

bits 64
section .text
global svm_vmrun, svm_window_start, svm_window_end
extern selftest_window_fault

%macro GUEST_LOAD 0
	mov rcx, [rsi + 8 * 1]
	mov rdx, [rsi + 8 * 2]
	mov rbx, [rsi + 8 * 3]
	mov rbp, [rsi + 8 * 5]
	mov rdi, [rsi + 8 * 7]
	mov r8, [rsi + 8 * 8]
	mov r9, [rsi + 8 * 9]
	mov r10, [rsi + 8 * 10]
	mov r11, [rsi + 8 * 11]
	mov r12, [rsi + 8 * 12]
	mov r13, [rsi + 8 * 13]
	mov r14, [rsi + 8 * 14]
	mov r15, [rsi + 8 * 15]
	mov rsi, [rsi + 8 * 6]
%endmacro

%macro GUEST_SAVE 0			; gprs pointer in rax
	mov [rax + 8 * 1], rcx
	mov [rax + 8 * 2], rdx
	mov [rax + 8 * 3], rbx
	mov [rax + 8 * 5], rbp
	mov [rax + 8 * 6], rsi
	mov [rax + 8 * 7], rdi
	mov [rax + 8 * 8], r8
	mov [rax + 8 * 9], r9
	mov [rax + 8 * 10], r10
	mov [rax + 8 * 11], r11
	mov [rax + 8 * 12], r12
	mov [rax + 8 * 13], r13
	mov [rax + 8 * 14], r14
	mov [rax + 8 * 15], r15
%endmacro

svm_vmrun:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdx			; host state area
	push rsi			; gprs
	clgi
	sti				; GIF holds host interrupts; with V_INTR_MASKING the
					; host's IF at VMRUN lets them end the guest (APM 15.21.1)
	mov rax, rdi
	GUEST_LOAD
	vmload				; rAX holds the VMCB address
svm_window_start:
	vmrun
	cmp byte [rel selftest_window_fault], 0
	je svm_guest_save
	ud2				; crash=window only
svm_guest_save:
	vmsave
	mov rax, [rsp]
	GUEST_SAVE
	add rsp, 8
	pop rax
	vmload				; rAX holds the VMCB address
svm_window_end:
	stgi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
