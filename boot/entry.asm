; SPDX-License-Identifier: GPL-2.0
; The bootstrap CPU's entry from GRUB: 32-bit protected mode to long mode, then C.
;
; GRUB leaves us in 32-bit protected mode, paging off, EAX = magic, EBX = the
; boot information (Multiboot2 spec 1.0, 3.3). Build an identity map of the
; first 4 GiB with 2 MiB pages, enter IA-32e mode (SDM Vol. 3A, 11.8.5) and
; call boot_main(magic, mbi). The C side builds the real page tables.

%define KSTACK_SIZE 16384

section .text
bits 32
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov edi, eax			; keep magic and mbi in callee-neutral registers
	mov esi, ebx

	; Long mode is CPUID 80000001h:EDX bit 29; without it, say so on COM1 and stop.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
	mov eax, boot_pdpt
	or eax, 0x3
	mov [boot_pml4], eax
	mov dword [boot_pml4 + 4], 0
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, 0x3
	mov [boot_pdpt + ecx * 8], eax
	mov dword [boot_pdpt + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 4
	jne .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83			; present, writable, 2 MiB page
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11			; bits 32+ of (ecx << 21)
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jne .pd

	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xc0000080		; IA32_EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | (1 << 5) | 1	; PG, WP, NE, PE
	mov cr0, eax
	lgdt [boot_gdt_ptr]
	jmp 0x08:.long_mode

.no_long_mode:
	mov esi, no_lm_msg
.putc:
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3fd
	mov ah, al
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, 0x3f8
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
.long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	; edi = magic, esi = mbi (zero-extended by the 32-bit moves above)
	extern boot_main
	call boot_main
.dead:
	cli
	hlt
	jmp .dead

section .rodata
no_lm_msg: db "kestrel: this CPU has no 64-bit long mode; Kestrel needs an x86-64 CPU with VMX", 13, 10, 0

align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

section .bss
align 4096
global boot_pml4
boot_pml4:	resb 4096
boot_pdpt:	resb 4096
boot_pd:	resb 4096 * 4
global boot_stack_top
boot_stack:	resb KSTACK_SIZE
boot_stack_top:
