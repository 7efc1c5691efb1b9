; SPDX-License-Identifier: GPL-2.0
; A multiboot (version 1) guest in 32-bit assembly: Kestrel must load an MB1 ELF32 kernel and
; enter it as a multiboot loader would (Multiboot 0.6.96, 3.2): EAX = 0x2BADB002, EBX = the
; information structure. It checks both, prints its command line and its modules' strings,
; and reports TEST/RESULT lines like the other test guests, then ends through port 0xf4.

MB1_MAGIC	equ 0x1badb002
MB1_FLAGS	equ 0x3			; page-aligned modules, memory information
MB1_LOADER	equ 0x2badb002
COM1		equ 0x3f8

section .text
bits 32
align 4
	dd MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

global _start
_start:
	mov esp, stack_top
	mov ebp, ebx			; the information structure
	cmp eax, MB1_LOADER
	jne fail_magic
	mov esi, ok_magic
	call puts
	; flags bit 0: mem_lower/mem_upper, 3.3; a VM of 16 MiB has about 15 MiB above 1 MiB.
	test dword [ebp], 1
	jz fail_mem
	cmp dword [ebp + 8], 1024
	jb fail_mem
	mov esi, ok_mem
	call puts
	; flags bit 2: the command line
	test dword [ebp], 4
	jz fail_cmdline
	mov esi, cmdline_is
	call puts
	mov esi, [ebp + 16]
	call puts
	mov esi, newline
	call puts
	; flags bit 3: modules; each entry is start, end, string, reserved
	test dword [ebp], 8
	jz fail_mods
	mov ecx, [ebp + 20]
	cmp ecx, 1
	jb fail_mods
	mov ebx, [ebp + 24]
.mod:
	mov esi, module_is
	call puts
	mov esi, [ebx + 8]
	call puts
	mov esi, newline
	call puts
	add ebx, 16
	loop .mod
	mov esi, ok_all
	call puts
	xor eax, eax
	out 0xf4, eax			; status 0: pass
	jmp $

fail_magic:
	mov esi, bad_magic
	jmp fail
fail_mem:
	mov esi, bad_mem
	jmp fail
fail_cmdline:
	mov esi, bad_cmdline
	jmp fail
fail_mods:
	mov esi, bad_mods
fail:
	call puts
	mov esi, result_fail
	call puts
	mov eax, 1
	out 0xf4, eax
	jmp $

; Prints the NUL-terminated string at esi on COM1 (the UART is always ready in a VM).
puts:
	push eax
	push edx
	mov dx, COM1
.next:
	lodsb
	test al, al
	jz .done
	out dx, al
	jmp .next
.done:
	pop edx
	pop eax
	ret

section .rodata
ok_magic:	db "TEST mb1-magic: PASS", 10, 0
ok_mem:		db "TEST mb1-meminfo: PASS", 10, 0
cmdline_is:	db "mb1: command line '", 0
module_is:	db "mb1: module '", 0
newline:	db "'", 10, 0
ok_all:		db "TEST mb1-info: PASS", 10, "RESULT: PASS", 10, 0
bad_magic:	db "TEST mb1-magic: FAIL EAX is not 0x2BADB002", 10, 0
bad_mem:	db "TEST mb1-meminfo: FAIL no memory information", 10, 0
bad_cmdline:	db "TEST mb1-info: FAIL no command line", 10, 0
bad_mods:	db "TEST mb1-info: FAIL no modules", 10, 0
result_fail:	db "RESULT: FAIL (1 failed)", 10, 0

section .bss
align 16
	resb 4096
stack_top:
