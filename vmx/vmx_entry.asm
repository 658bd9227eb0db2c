; vmx/vmx_entry.asm: VM entry and the VM-exit landing point (Intel SDM vol. 3C
; 26 "VM Entries", 28.5 "Loading Host State": RIP and RSP come from the VMCS
; host-state area, RFLAGS is cleared). The guest registers the VMCS does not
; hold live in gprs[], indexed like enum vm_reg (RSP at 4 is unused).
;
; int vmx_enter(uint64_t *gprs, int launched)
;   0: the guest ran and exited; 1: VMfailInvalid; 2: VMfailValid (read the
;   VM-instruction error field).

bits 64
section .text
global vmx_enter, vmx_exit_point

%define VMCS_HOST_RSP 0x6c14

vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; gprs, found again at [rsp] after the exit
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .failed
	test esi, esi			; flags survive the moves below
	mov rax, [rdi + 8 * 0]
	mov rcx, [rdi + 8 * 1]
	mov rdx, [rdi + 8 * 2]
	mov rbx, [rdi + 8 * 3]
	mov rbp, [rdi + 8 * 5]
	mov rsi, [rdi + 8 * 6]
	mov r8, [rdi + 8 * 8]
	mov r9, [rdi + 8 * 9]
	mov r10, [rdi + 8 * 10]
	mov r11, [rdi + 8 * 11]
	mov r12, [rdi + 8 * 12]
	mov r13, [rdi + 8 * 13]
	mov r14, [rdi + 8 * 14]
	mov r15, [rdi + 8 * 15]
	mov rdi, [rdi + 8 * 7]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	mov eax, 2			; VMfailValid (ZF), unless CF says invalid
	jnc vmx_leave
	mov eax, 1
	jmp vmx_leave

vmx_exit_point:
	push rdi
	mov rdi, [rsp + 8]
	mov [rdi + 8 * 0], rax
	mov [rdi + 8 * 1], rcx
	mov [rdi + 8 * 2], rdx
	mov [rdi + 8 * 3], rbx
	mov [rdi + 8 * 5], rbp
	mov [rdi + 8 * 6], rsi
	mov [rdi + 8 * 8], r8
	mov [rdi + 8 * 9], r9
	mov [rdi + 8 * 10], r10
	mov [rdi + 8 * 11], r11
	mov [rdi + 8 * 12], r12
	mov [rdi + 8 * 13], r13
	mov [rdi + 8 * 14], r14
	mov [rdi + 8 * 15], r15
	pop rax
	mov [rdi + 8 * 7], rax
	xor eax, eax
vmx_leave:
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
