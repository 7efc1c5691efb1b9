; SPDX-License-Identifier: GPL-2.0
; Interrupt and exception entry stubs: one per vector, all funnelling into trap_dispatch.
; The saved layout is struct trap_frame in arch/x86/trap.h.

bits 64
section .text

; Vectors whose exceptions push an error code (SDM Vol. 3A, table 7-1).
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%assign v 0
%rep 256
trap_stub_%+v:
%if HAS_ERROR(v) == 0
	push 0
%endif
	push v
	jmp trap_common
%assign v v + 1
%endrep

extern trap_dispatch
trap_common:
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
	mov rdi, rsp
	mov rbx, rsp			; rbx is callee-saved: the frame survives the call
	and rsp, -16			; the ABI wants a 16-byte aligned stack at a call
	cld
	call trap_dispatch
	mov rsp, rbx
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
global trap_stubs
align 8
trap_stubs:
%assign v 0
%rep 256
	dq trap_stub_%+v
%assign v v + 1
%endrep
