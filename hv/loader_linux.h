/* SPDX-License-Identifier: GPL-2.0 */
/* Loads a Linux bzImage into a VM's RAM by the x86 boot protocol (2.12 and later); pure. */
#ifndef KESTREL_HV_LOADER_LINUX_H
#define KESTREL_HV_LOADER_LINUX_H

#include "hv/loader.h"
#include "mm/guest_mem.h"
#include "lib/types.h"

/*
 * The Linux/x86 boot protocol (the kernel's Documentation/arch/x86/boot.rst, "The Real-Mode
 * Kernel Header", "Details of Header Fields" and "Zero Page"): offsets in the bzImage file,
 * which are also the offsets of the same fields in struct boot_params (the "zero page").
 */
#define LINUX_SETUP_SECTS 0x1f1 /* u8: 512-byte sectors of real-mode setup; 0 means 4 */
#define LINUX_SYSSIZE 0x1f4 /* u32: protected-mode code, 16-byte units (2.04+) */
#define LINUX_VID_MODE 0x1fa /* u16 */
#define LINUX_BOOT_FLAG 0x1fe /* u16: 0xAA55 */
#define LINUX_JUMP 0x200 /* u16: a short jump; byte 0x201 ends the header at 0x202 + it */
#define LINUX_HEADER 0x202 /* u32: "HdrS" */
#define LINUX_VERSION 0x206 /* u16: protocol, major << 8 | minor */
#define LINUX_TYPE_OF_LOADER 0x210 /* u8, written */
#define LINUX_LOADFLAGS 0x211 /* u8, modified */
#define LINUX_CODE32_START 0x214 /* u32: the 32-bit entry of a kernel loaded where it asks */
#define LINUX_RAMDISK_IMAGE 0x218 /* u32, written */
#define LINUX_RAMDISK_SIZE 0x21c /* u32, written */
#define LINUX_HEAP_END_PTR 0x224 /* u16, written */
#define LINUX_CMD_LINE_PTR 0x228 /* u32, written */
#define LINUX_INITRD_ADDR_MAX 0x22c /* u32: highest address the initrd may occupy */
#define LINUX_KERNEL_ALIGNMENT 0x230 /* u32: alignment a relocatable kernel needs */
#define LINUX_RELOCATABLE 0x234 /* u8 */
#define LINUX_MIN_ALIGNMENT 0x235 /* u8: log2 of the least alignment it accepts (2.10+) */
#define LINUX_XLOADFLAGS 0x236 /* u16 (2.12+) */
#define LINUX_CMDLINE_SIZE 0x238 /* u32: longest command line, without its NUL (2.06+) */
#define LINUX_PREF_ADDRESS 0x258 /* u64: where a relocatable kernel prefers to be (2.10+) */
#define LINUX_INIT_SIZE 0x260 /* u32: bytes from the load address the kernel needs (2.10+) */
#define LINUX_HEADER_END_MAX 0x290 /* the setup header ends before the EDD buffer */

#define LINUX_BOOT_FLAG_MAGIC 0xaa55
#define LINUX_HEADER_MAGIC 0x53726448 /* "HdrS" */
#define LINUX_MIN_VERSION 0x020c /* 2.12: xloadflags, and everything the fields above need */
#define LINUX_LOADED_HIGH BIT(0) /* loadflags: protected-mode code at 0x100000 or higher */
#define LINUX_TYPE_UNDEFINED 0xff /* type_of_loader for a loader without an assigned id */
#define LINUX_VID_NORMAL 0xffff

/* Zero-page fields outside the setup header (arch/x86/include/uapi/asm/bootparam.h). */
#define LINUX_BP_ACPI_RSDP_ADDR 0x070 /* u64 (2.14+) */
#define LINUX_BP_EXT_RAMDISK_IMAGE 0x0c0 /* u32: bits 63:32 of ramdisk_image */
#define LINUX_BP_EXT_RAMDISK_SIZE 0x0c4
#define LINUX_BP_EXT_CMD_LINE_PTR 0x0c8
#define LINUX_BP_E820_ENTRIES 0x1e8 /* u8 */
#define LINUX_BP_SENTINEL 0x1ef /* u8: must be 0, else the kernel thinks the page is stale */
#define LINUX_BP_E820_TABLE 0x2d0 /* 128 entries of { u64 addr, size; u32 type } */
#define LINUX_BP_E820_MAX 128
#define LINUX_BP_SIZE 4096
#define LINUX_E820_RAM 1
#define LINUX_E820_RESERVED 2

/*
 * Where the loader puts what it builds: low memory, below the EBDA, where a PC's boot loader
 * puts its zero page and command line. The kernel finds them through ESI and cmd_line_ptr and
 * keeps KASLR's choice away from them.
 */
#define LINUX_GDT_GPA 0x1000u
#define LINUX_BOOT_PARAMS_GPA 0x2000u
#define LINUX_CMDLINE_GPA 0x3000u
#define LINUX_CMDLINE_MAX (LOADER_LOW_END - LINUX_CMDLINE_GPA - 1)

/* The boot protocol's 32-bit entry: __BOOT_CS and __BOOT_DS, both 4 GiB flat. */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

struct loader_linux_args {
	const void *image; /* the bzImage file, untrusted */
	u64 image_len;
	const char *cmdline; /* need not be NUL-terminated */
	size_t cmdline_len;
	const struct loader_module *initrds; /* concatenated, each 4-byte aligned, as GRUB does */
	u32 nr_initrds;
	u64 rsdp_gpa; /* acpi_rsdp_addr, or 0 */
};

struct loader_linux_result {
	u32 version; /* the kernel's boot protocol version */
	u32 entry; /* EIP: the 32-bit entry, protected mode, paging off */
	u32 boot_params; /* ESI */
	u32 gdt_base; /* GDTR: null, null, __BOOT_CS, __BOOT_DS */
	u16 gdt_limit;
	u64 kernel_start, kernel_end; /* [load address, load address + init_size) */
	u64 initrd_start, initrd_end;
	char error[LOADER_ERROR_LEN]; /* why it failed, "" on success */
};

/* True when image has a setup header ("HdrS" at LINUX_HEADER): the caller's dispatch. */
bool loader_linux_detect(const void *image, u64 image_len);

/*
 * Loads a bzImage as the boot protocol says, for its 32-bit entry: the protected-mode kernel
 * at pref_address when it is relocatable and that fits, else at the lowest address from 1 MiB
 * aligned to kernel_alignment (a kernel that is not relocatable only at 1 MiB); the initrds
 * as high as initrd_addr_max and RAM allow, above the kernel's init_size; the zero page, the
 * command line and a GDT in low memory; an e820 table from loader_mmap(). Every header field
 * is checked before anything is written, so no value in the image reads outside it or writes
 * outside gm. Returns 0, or -EINVAL (malformed), -ENOTSUP (a protocol before 2.12, a zImage)
 * or -ENOSPC (does not fit), with res->error saying why.
 * @pre gm != NULL && args != NULL && res != NULL
 */
int loader_linux_load(const struct guest_mem *gm, const struct loader_linux_args *args,
		      struct loader_linux_result *res);

#endif
