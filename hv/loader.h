/* SPDX-License-Identifier: GPL-2.0 */
/* Loads a multiboot (1 or 2) kernel into a VM's RAM and builds its boot information. */
#ifndef KESTREL_HV_LOADER_H
#define KESTREL_HV_LOADER_H

#include "lib/multiboot2.h"
#include "mm/guest_mem.h"
#include "lib/types.h"

/* Multiboot 0.6.96, 3.1.1: the header, searched 4-aligned in the first 8 KiB. */
#define MB1_HEADER_MAGIC 0x1BADB002u
#define MB1_HEADER_ALIGN 4
#define MB1_SEARCH 8192
/* 3.1.2: bits 0-15 are requirements a loader must refuse when it cannot meet them. */
#define MB1_HF_PAGE_ALIGN BIT(0) /* modules page-aligned: always */
#define MB1_HF_MEMORY_INFO BIT(1) /* mem_* and mmap_*: always */
#define MB1_HF_VIDEO_MODE BIT(2) /* a video mode: not supported */
#define MB1_HF_REQUIRED_MASK 0xffffu
#define MB1_HF_AOUT_KLUDGE BIT(16) /* the address fields below are valid */

/* 3.1.1-3.1.3 */
struct mb1_header {
	u32 magic;
	u32 flags;
	u32 checksum; /* magic + flags + checksum == 0 */
	u32 header_addr;
	u32 load_addr;
	u32 load_end_addr; /* 0: to the end of the file */
	u32 bss_end_addr; /* 0: no bss */
	u32 entry_addr;
} __packed;

/* 3.2: EAX when the kernel is entered. */
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u

/* 3.3: the information structure EBX points to. */
#define MB1_INFO_MEMORY BIT(0)
#define MB1_INFO_CMDLINE BIT(2)
#define MB1_INFO_MODS BIT(3)
#define MB1_INFO_MEM_MAP BIT(6)
#define MB1_INFO_LOADER_NAME BIT(9)

struct mb1_info {
	u32 flags;
	u32 mem_lower, mem_upper; /* KiB from 0 and from 1 MiB */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u32 vbe_control_info, vbe_mode_info;
	u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	u64 framebuffer_addr;
	u32 framebuffer_pitch, framebuffer_width, framebuffer_height;
	u8 framebuffer_bpp, framebuffer_type;
	u8 color_info[6];
} __packed;

struct mb1_module {
	u32 mod_start;
	u32 mod_end; /* exclusive, as GRUB does */
	u32 string;
	u32 reserved;
} __packed;

/* mmap_addr points at the size field, which counts the bytes after itself. */
struct mb1_mmap_entry {
	u32 size;
	u64 base_addr;
	u64 length;
	u32 type;
} __packed;

_Static_assert(sizeof(struct mb1_header) == 32, "Multiboot 3.1.1");
_Static_assert(sizeof(struct mb1_info) == 116, "Multiboot 3.3");
_Static_assert(__builtin_offsetof(struct mb1_info, mmap_length) == 44, "Multiboot 3.3");
_Static_assert(__builtin_offsetof(struct mb1_info, boot_loader_name) == 64, "Multiboot 3.3");
_Static_assert(__builtin_offsetof(struct mb1_info, framebuffer_addr) == 88, "Multiboot 3.3");
_Static_assert(sizeof(struct mb1_module) == 16, "Multiboot 3.3");
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot 3.3");

/* Multiboot2 1.0, 3.1.1: the header, searched 8-aligned in the first 32 KiB. */
#define MB2_HEADER_MAGIC 0xE85250D6u
#define MB2_HEADER_ALIGN 8
#define MB2_SEARCH 32768
#define MB2_ARCH_I386 0

struct mb2_header {
	u32 magic;
	u32 architecture;
	u32 header_length; /* with the tags */
	u32 checksum; /* magic + architecture + header_length + checksum == 0 */
} __packed;

/* 3.1.3-3.1.13: header tags, 8-aligned, up to an end tag. */
struct mb2_header_tag {
	u16 type;
	u16 flags;
	u32 size;
} __packed;

#define MB2_HTAG_OPTIONAL BIT(0) /* in flags: a loader may ignore the tag */
#define MB2_HTAG_END 0
#define MB2_HTAG_INFO_REQUEST 1
#define MB2_HTAG_ADDRESS 2
#define MB2_HTAG_ENTRY 3
#define MB2_HTAG_CONSOLE 4
#define MB2_HTAG_FRAMEBUFFER 5
#define MB2_HTAG_MODULE_ALIGN 6
#define MB2_HTAG_EFI_BS 7
#define MB2_HTAG_ENTRY_EFI32 8
#define MB2_HTAG_ENTRY_EFI64 9
#define MB2_HTAG_RELOCATABLE 10
#define MB2_CONSOLE_REQUIRED BIT(0) /* 3.1.7, in console_flags */
/* 3.6: the highest information tag type the specification defines (load base address). */
#define MB2_TAG_LAST_DEFINED 21
#define MB2_MEM_RESERVED 2 /* 3.6.8: any type but 1, 3, 4, 5 is reserved */

/* ELF, System V gABI 4.1 and the i386 and x86-64 psABIs: what a multiboot kernel uses. */
#define ELF_MAGIC "\177ELF"
#define ELF_CLASS32 1
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_VERSION 1
#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3
#define ELF_EM_386 3
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PN_XNUM 0xffff

struct elf32_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version, e_entry, e_phoff, e_shoff, e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} __packed;

struct elf64_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} __packed;

struct elf32_phdr {
	u32 p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
} __packed;

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} __packed;

_Static_assert(sizeof(struct elf32_ehdr) == 52 && sizeof(struct elf64_ehdr) == 64, "gABI");
_Static_assert(sizeof(struct elf32_phdr) == 32 && sizeof(struct elf64_phdr) == 56, "gABI");

/*
 * The guest's memory map, like a PC's: [0, 0x9fc00) available, the EBDA
 * [0x9fc00, 0xa0000) and the BIOS area [0xf0000, 0x100000) reserved, and
 * [0x100000, ram_size) available (the available ranges clipped to RAM).
 * Types as in Multiboot2 3.6.8. Writes at most max entries; returns how many.
 */
#define LOADER_MMAP_MAX 5
#define LOADER_LOW_END 0x9fc00u
#define LOADER_HIGH_START 0x100000u
u32 loader_mmap(u64 ram_size, struct mb2_mmap_entry *out, u32 max);

#define LOADER_MAX_MODULES MB2_MAX_MODULES
#define LOADER_MAX_STRING (64 * KiB) /* a command line or module string, without its NUL */
#define LOADER_ERROR_LEN 128

/* One of the guest's own modules. */
struct loader_module {
	const void *data;
	u64 len;
	const char *string; /* need not be NUL-terminated */
	size_t string_len;
};

struct loader_args {
	const void *image; /* the kernel file, untrusted */
	u64 image_len;
	const char *cmdline; /* the guest's command line; need not be NUL-terminated */
	size_t cmdline_len;
	const struct loader_module *modules;
	u32 nr_modules;
	const char *loader_name; /* NUL-terminated, e.g. "Kestrel" */
	const void *rsdp; /* a copy for the multiboot2 ACPI tag (3.6.12), or NULL */
	u32 rsdp_len;
};

struct loader_result {
	u32 version; /* 1 or 2: the multiboot protocol the kernel was entered with */
	u32 entry; /* EIP, in 32-bit protected mode with paging off */
	u32 magic; /* EAX: MB1_BOOTLOADER_MAGIC or MB2_BOOTLOADER_MAGIC */
	u32 info; /* EBX: guest-physical address of the information structure */
	u64 kernel_start, kernel_end; /* guest-physical [start, end) of the kernel */
	u64 end; /* the first byte after everything the loader placed */
	char error[LOADER_ERROR_LEN]; /* why it failed, "" on success */
};

/*
 * Loads the kernel into gm as a multiboot loader would: the multiboot2 header
 * if there is one, else the multiboot one; the header's load addresses (MB2
 * address tag, MB1 a.out kludge) or else the ELF32/ELF64 PT_LOAD segments at
 * their p_paddr. Then the modules, page-aligned from the end of the kernel (or
 * from 1 MiB), then the information structure; all below min(RAM, 4 GiB) and
 * in available memory. The image is checked before anything is written, so
 * no offset or size in it reads outside it or writes outside gm. RAM the
 * loader does not write is left as it is: the caller hands over zeroed RAM.
 * Returns 0, or -EINVAL (malformed image), -ENOTSUP (it requires something
 * Kestrel does not provide) or -ENOSPC (it does not fit), with res->error
 * saying why, e.g. "ELF program header table out of bounds".
 * @pre gm != NULL && args != NULL && res != NULL
 */
int loader_load(const struct guest_mem *gm, const struct loader_args *args,
		struct loader_result *res);

#endif
