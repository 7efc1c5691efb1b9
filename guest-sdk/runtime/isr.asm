; SPDX-License-Identifier: MIT
; One entry stub per vector: push a zero where the CPU pushes no error code, push the
; vector, save the general registers as struct rt_frame (include/kestrel-rt/irq.h), call
; rt_irq_dispatch(frame), restore and IRETQ.

section .text
bits 64

; Vectors with an error code (SDM Vol. 3A, 7.3, table 7-1): #DF #TS #NP #SS #GP #PF #AC #CP
; #VC #SX.
%macro has_error_code 1
	%assign has_err 0
	%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
		%assign has_err 1
	%endif
%endmacro

; Stubs are 16 bytes apart (irq.c: RT_ISR_STUB_SIZE); the longest one is 12 bytes.
align 16
global rt_isr_stubs
rt_isr_stubs:
%assign vec 0
%rep 256
	align 16
	has_error_code vec
	%if has_err == 0
	push 0
	%endif
	push vec
	jmp isr_common
%assign vec vec + 1
%endrep

isr_common:
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
	cld
	mov rdi, rsp			; aligned: 5 + 2 + 15 quadwords below an aligned top
	extern rt_irq_dispatch
	call rt_irq_dispatch
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

; No executable stack: the linker otherwise assumes one for this object.
section .note.GNU-stack noalloc noexec nowrite progbits
