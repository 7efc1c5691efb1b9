; SPDX-License-Identifier: MIT
; Where a started AP begins: real mode at the SIPI page, then protected mode, long mode, C.
;
; smp.c copies rt_trampoline_start..rt_trampoline_end to a free page below 1 MiB, fills in
; the fields marked "patched" (absolute addresses in that copy, CR3, the 64-bit entry), and
; sends the SIPI with the page number as vector: the AP starts at CS = page << 8, IP = 0
; (SDM Vol. 3A, 10.4.4.1 and 12.6.1). The route to IA-32e mode is the architectural one
; through protected mode (SDM Vol. 3A, 11.8.5).
;
; In long mode the AP takes the next boot-stack slot with LOCK XADD (several APs may be
; started at once by a shorthand) and calls rt_smp_ap_entry(slot) in the image; an AP that
; finds no slot left counts itself in rt_ap_boot_overflow and halts, touching no stack.

%define OFF(x) ((x) - rt_trampoline_start)

BOOT_STACK_SIZE		equ 4096	; smp.c

section .rodata
align 16
bits 16
global rt_trampoline_start
rt_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4			; this copy's physical address, for the 32/64-bit parts
	o32 lgdt [OFF(tramp_gdtr)]
	mov eax, cr0
	or eax, 1			; CR0.PE
	mov cr0, eax
	o32 jmp far [OFF(tramp_pm32_ptr)]

bits 32
global rt_tramp_pm32_code
rt_tramp_pm32_code:
tramp_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; CR4.PAE
	mov cr4, eax
	mov eax, [ebx + OFF(rt_tramp_cr3)]
	mov cr3, eax
	mov ecx, 0xc0000080		; IA32_EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | (1 << 5)	; CR0.PG, WP, NE
	mov cr0, eax
	jmp far [ebx + OFF(tramp_lm64_ptr)]

bits 64
global rt_tramp_lm64_code
rt_tramp_lm64_code:
tramp_lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, [rbx + OFF(rt_tramp_entry)]
	jmp rax

align 8
global rt_tramp_gdt
rt_tramp_gdt:
tramp_gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code
	dq 0x00cf92000000ffff		; 0x10: flat data
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
tramp_gdt_end:
align 8
tramp_gdtr:
	dw tramp_gdt_end - tramp_gdt - 1
global rt_tramp_gdt_base
rt_tramp_gdt_base:			; patched: physical address of tramp_gdt in the copy
	dd 0
align 8
tramp_pm32_ptr:
global rt_tramp_pm32
rt_tramp_pm32:				; patched: physical address of tramp_pm32 in the copy
	dd 0
	dw 0x08
align 8
tramp_lm64_ptr:
global rt_tramp_lm64
rt_tramp_lm64:				; patched: physical address of tramp_lm64 in the copy
	dd 0
	dw 0x18
align 8
global rt_tramp_cr3, rt_tramp_entry
rt_tramp_cr3:	dq 0			; patched: crt0's page tables (below 4 GiB)
rt_tramp_entry:	dq 0			; patched: rt_ap_long_entry
global rt_trampoline_end
rt_trampoline_end:

section .text
bits 64
; The AP's first code in the image, still on the trampoline's GDT and without a stack.
global rt_ap_long_entry
rt_ap_long_entry:
	extern rt_ap_boot_seq, rt_ap_boot_stack_base, rt_ap_boot_slots, rt_ap_boot_overflow
	extern rt_smp_ap_entry, rt_gdt_load
	mov eax, 1
	lock xadd [rel rt_ap_boot_seq], eax
	cmp eax, [rel rt_ap_boot_slots]
	jae .no_slot
	mov edi, eax
	inc eax
	shl rax, 12			; (slot + 1) * BOOT_STACK_SIZE
	add rax, [rel rt_ap_boot_stack_base]
	mov rsp, rax
	xor ebp, ebp
	call rt_gdt_load
	call rt_smp_ap_entry		; rt_smp_ap_entry(slot), never returns
	jmp .dead
.no_slot:
	lock inc dword [rel rt_ap_boot_overflow]
.dead:
	cli
	hlt
	jmp .dead

; No executable stack: the linker otherwise assumes one for this object.
section .note.GNU-stack noalloc noexec nowrite progbits
