; SPDX-License-Identifier: MIT
; The guest's first code: multiboot2 header, 32-bit entry, identity map, long mode, then C.
;
; The loader enters _start as multiboot2 says (Multiboot2 spec 1.0, 3.3): 32-bit protected
; mode, paging off, EAX = 0x36d76289, EBX = physical address of the boot information.
; Nothing else is assumed: not the GDT, not a stack, not a zeroed .bss.

MB2_HEADER_MAGIC	equ 0xe85250d6
MB2_ARCH_I386		equ 0
MB2_BOOT_MAGIC		equ 0x36d76289

PAGE_P			equ 1 << 0
PAGE_RW			equ 1 << 1
PAGE_PWT		equ 1 << 3
PAGE_PCD		equ 1 << 4
PAGE_PS			equ 1 << 7	; 2 MiB page in a PD (SDM Vol. 3A, 5.5.4)
LAPIC_PD_INDEX		equ 0xfee00000 >> 21	; the 2 MiB page of the xAPIC registers

CR0_PE			equ 1 << 0
CR0_NE			equ 1 << 5
CR0_WP			equ 1 << 16
CR0_PG			equ 1 << 31
CR4_PAE			equ 1 << 5
EFER_LME		equ 1 << 8
MSR_EFER		equ 0xc0000080

BSP_STACK_SIZE		equ 65536	; guests keep RT_MAX_CPUS-sized arrays on it

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request, optional (flags bit 0): command line, modules, memory map
	align 8
.request:
	dw 1, 1
	dd .request_end - .request
	dd 1, 3, 6
.request_end:
	align 8
	dw 0, 0			; end tag
	dd 8
mb2_header_end:

section .text
bits 32
global _start
_start:
	cli
	cld
	cmp eax, MB2_BOOT_MAGIC
	jne bad_magic
	mov esi, ebx			; the boot information, kept until C gets it

	; Zero .bss: a loader should, but the page tables below must not depend on it.
	extern __bss_start, __bss_end
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd

	; Long mode is CPUID 80000001h:EDX bit 29 (SDM Vol. 2A, CPUID). These two CPUIDs are
	; counted with every other one the guest executes (runtime/cpu.c).
	extern rt_cpuid_count
	mov eax, 0x80000000
	cpuid
	inc dword [rt_cpuid_count]
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001
	cpuid
	inc dword [rt_cpuid_count]
	test edx, 1 << 29
	jz no_long_mode

	; Identity map of 0-4 GiB: PML4[0] -> PDPT, PDPT[i] -> PD i, 2048 PDEs of 2 MiB.
	mov dword [rt_boot_pml4], rt_boot_pdpt + (PAGE_P | PAGE_RW)
	xor ecx, ecx
.pdpt_loop:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd + (PAGE_P | PAGE_RW)
	mov [rt_boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt_loop
	xor ecx, ecx
.pd_loop:
	mov eax, ecx
	shl eax, 21
	or eax, PAGE_P | PAGE_RW | PAGE_PS
	cmp ecx, LAPIC_PD_INDEX
	jne .cached
	or eax, PAGE_PCD | PAGE_PWT	; APIC registers uncached (SDM Vol. 3A, 12.4.1)
.cached:
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11			; address bits 32 and up
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .pd_loop

	; IA-32e mode: PAE, CR3, EFER.LME, then paging (SDM Vol. 3A, 11.8.5).
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, rt_boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_NE | CR0_PE
	mov cr0, eax
	lgdt [rt_gdt_ptr]
	jmp 0x08:long_mode

; Says why on COM1, ends the VM with status 1 (port 0xf4), and stops.
bad_magic:
	mov esi, msg_bad_magic
	jmp fail32
no_long_mode:
	mov esi, msg_no_long_mode
fail32:
	lodsb
	test al, al
	jz .exit
	mov ah, al
	mov ecx, 100000
	mov dx, 0x3fd
.wait_thre:
	in al, dx
	test al, 0x20
	loopz .wait_thre
	mov al, ah
	mov dx, 0x3f8
	out dx, al
	jmp fail32
.exit:
	mov eax, 1
	out 0xf4, eax
.halt:
	hlt
	jmp .halt

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov rsp, bsp_stack_top
	xor ebp, ebp
	mov edi, esi			; zero-extends: the boot information's address
	extern rt_start
	call rt_start
.dead:
	cli
	hlt
	jmp .dead

; Reloads the runtime GDT and every segment register (APs come from the trampoline's).
global rt_gdt_load
rt_gdt_load:
	lgdt [rt_gdt_ptr]
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	pop rax
	push 0x08
	push rax
	retfq

section .rodata
msg_bad_magic:
	db "kestrel-rt: not started by a multiboot2 loader (bad magic in EAX)", 13, 10, 0
msg_no_long_mode:
	db "kestrel-rt: this CPU has no 64-bit long mode", 13, 10, 0

section .data
align 16
rt_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code, DPL 0 (SDM Vol. 3A, 3.4.5)
	dq 0x00cf92000000ffff		; 0x10: flat data
rt_gdt_end:
align 8
rt_gdt_ptr:
	dw rt_gdt_end - rt_gdt - 1
	dq rt_gdt			; a 32-bit LGDT reads the low 4 bytes only

section .bss
align 4096
global rt_boot_pml4
rt_boot_pml4:	resb 4096
rt_boot_pdpt:	resb 4096
boot_pd:	resb 4096 * 4
align 16
bsp_stack:	resb BSP_STACK_SIZE
bsp_stack_top:

; No executable stack: the linker otherwise assumes one for this object.
section .note.GNU-stack noalloc noexec nowrite progbits
