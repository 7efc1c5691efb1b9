; SPDX-License-Identifier: GPL-2.0
; Enter a guest and come back on its exit: vmx_enter() is a call, the run loop stays in C.
;
;   u64 vmx_enter(struct guest_regs *regs, u64 launched, u64 *host_rsp);
;
; Returns 0 after a VM exit (guest registers saved in *regs), or 1 when
; VMLAUNCH/VMRESUME itself failed (VM-instruction error in the VMCS, or
; VMfailInvalid). The guest's RSP, RIP and RFLAGS live in the VMCS.
; Register offsets are those of struct guest_regs: hardware encoding order,
; 8 bytes each (arch/x86/regs.h checks them with _Static_assert).
; *host_rsp is what this VMCS's HOST_RSP holds (0: unknown): written only when RSP differs.

%define R_RAX 0
%define R_RCX 8
%define R_RDX 16
%define R_RBX 24
%define R_RBP 40
%define R_RSI 48
%define R_RDI 56
%define R_R8 64
%define R_R9 72
%define R_R10 80
%define R_R11 88
%define R_R12 96
%define R_R13 104
%define R_R14 112
%define R_R15 120

%define VMCS_HOST_RSP 0x6c14

bits 64
section .text

global vmx_enter
vmx_enter:
	push rbp			; no frame of its own: nothing walks the stack from a guest's run
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; regs, found again at [rsp] on exit
	cmp rsp, [rdx]
	je .host_rsp_set
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .fail_early			; CF or ZF: the write failed
	mov [rdx], rsp
.host_rsp_set:
	test rsi, rsi			; launched?
	mov rax, rdi
	mov rcx, [rax + R_RCX]
	mov rdx, [rax + R_RDX]
	mov rbx, [rax + R_RBX]
	mov rbp, [rax + R_RBP]
	mov rsi, [rax + R_RSI]
	mov rdi, [rax + R_RDI]
	mov r8, [rax + R_R8]
	mov r9, [rax + R_R9]
	mov r10, [rax + R_R10]
	mov r11, [rax + R_R11]
	mov r12, [rax + R_R12]
	mov r13, [rax + R_R13]
	mov r14, [rax + R_R14]
	mov r15, [rax + R_R15]
	mov rax, [rax + R_RAX]		; mov leaves the flags of the test alone
	jnz .resume
	vmlaunch
	jmp .fail
.resume:
	vmresume
.fail:
	; Only reached when the entry failed; host registers still hold guest values.
	pop rdi
	mov eax, 1
	jmp vmx_enter_out

.fail_early:
	pop rdi
	mov eax, 1
	jmp vmx_enter_out

; HOST_RIP: the CPU comes here on every VM exit, RSP as written above.
global vmx_exit_entry
vmx_exit_entry:
	push rax
	mov rax, [rsp + 8]		; regs
	mov [rax + R_RCX], rcx
	mov [rax + R_RDX], rdx
	mov [rax + R_RBX], rbx
	mov [rax + R_RBP], rbp
	mov [rax + R_RSI], rsi
	mov [rax + R_RDI], rdi
	mov [rax + R_R8], r8
	mov [rax + R_R9], r9
	mov [rax + R_R10], r10
	mov [rax + R_R11], r11
	mov [rax + R_R12], r12
	mov [rax + R_R13], r13
	mov [rax + R_R14], r14
	mov [rax + R_R15], r15
	pop rcx				; the guest's rax
	mov [rax + R_RAX], rcx
	pop rdi				; regs (balance the push)
	xor eax, eax
vmx_enter_out:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
