; SPDX-License-Identifier: GPL-2.0
; The application processors' start: real mode -> protected mode -> long mode -> C.
;
; boot/smp.c copies this code to a free page below 1 MiB (the memory map
; says which) and sends INIT-SIPI-SIPI with that page's number as the vector
; (SDM Vol. 3A, 10.4.4). The code runs at whatever page it lands in: it finds
; its own base from CS and patches its GDT pointer and far jumps at run time.
; The BSP fills tramp_cr3/stack/entry/arg before each start; the AP reads
; them in long mode and calls entry(arg) on its own stack.
;
; The route goes through 32-bit protected mode, as SDM Vol. 3A, 11.8.5 says
; IA-32e mode is entered.

section .trampoline progbits alloc exec nowrite align=4096

%define OFF(x) ((x) - trampoline_start)

bits 16
global trampoline_start
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4				; ebx = this page's physical address

	lea eax, [ebx + OFF(tramp_gdt)]
	mov [OFF(tramp_gdtr) + 2], eax
	lea eax, [ebx + OFF(pm32)]
	mov [OFF(pm32_ptr)], eax
	o32 lgdt [OFF(tramp_gdtr)]
	mov eax, cr0
	or eax, 1				; PE
	mov cr0, eax
	jmp dword far [OFF(pm32_ptr)]

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5				; PAE
	mov cr4, eax
	mov eax, [ebx + OFF(tramp_cr3)]
	mov cr3, eax
	mov ecx, 0xc0000080			; IA32_EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | (1 << 5) | 1	; PG, WP, NE, PE
	mov cr0, eax
	lea eax, [ebx + OFF(lm64)]
	mov [ebx + OFF(lm64_ptr)], eax
	jmp far [ebx + OFF(lm64_ptr)]

bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rbx + OFF(tramp_stack)]
	mov rdi, [rbx + OFF(tramp_arg)]
	mov rax, [rbx + OFF(tramp_entry)]
	xor ebp, ebp
	call rax
.dead:
	cli
	hlt
	jmp .dead

align 8
tramp_gdt:
	dq 0
	dq 0x00cf9a000000ffff			; 0x08: 32-bit code
	dq 0x00cf92000000ffff			; 0x10: data
	dq 0x00af9a000000ffff			; 0x18: 64-bit code
tramp_gdtr:
	dw 4 * 8 - 1
	dd 0
align 8
pm32_ptr:
	dd 0
	dw 0x08
align 8
lm64_ptr:
	dd 0
	dw 0x18
align 8
global tramp_cr3, tramp_stack, tramp_entry, tramp_arg
tramp_cr3:	dq 0
tramp_stack:	dq 0
tramp_entry:	dq 0
tramp_arg:	dq 0
global trampoline_end
trampoline_end:
