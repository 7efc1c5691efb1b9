; SPDX-License-Identifier: GPL-2.0
; The multiboot2 header GRUB looks for in the first 32 KiB of the image (Multiboot2 spec 1.0, 3.1).

MB2_HEADER_MAGIC	equ 0xe85250d6
MB2_ARCH_I386		equ 0
MB2_TAG_OPTIONAL	equ 1

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request: we need the memory map, the modules and ACPI
	align 8
.info_req:
	dw 1, 0
	dd .info_req_end - .info_req
	dd 1, 3, 6, 14, 15
.info_req_end:
	; framebuffer (3.1.10): any mode, no preference; optional, so GRUB boots where none is set.
	; Under BIOS, grub.cfg's gfxpayload=text keeps VGA text (an EGA-text framebuffer tag).
	align 8
.framebuffer:
	dw 5, MB2_TAG_OPTIONAL
	dd .framebuffer_end - .framebuffer
	dd 0, 0, 0
.framebuffer_end:
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:
