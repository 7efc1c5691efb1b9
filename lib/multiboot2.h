/* SPDX-License-Identifier: GPL-2.0 */
/* The multiboot2 boot information, as GRUB hands it over, and Kestrel's parsed view of it. */
#ifndef KESTREL_LIB_MULTIBOOT2_H
#define KESTREL_LIB_MULTIBOOT2_H

#include "lib/types.h"

/* Multiboot2 specification 1.0, section 3.6. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BADRAM 5

/* Framebuffer types (3.6.12). */
#define MB2_FB_INDEXED 0
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2

#define MB2_MAX_MODULES 32
#define MB2_MAX_MMAP 256
/* GRUB builds the information in a few KiB; anything claiming more is broken. */
#define MB2_MAX_TOTAL_SIZE (1u << 20)

struct mb2_mmap_entry {
	u64 base;
	u64 length;
	u32 type;
	u32 reserved;
} __packed;

struct mb2_module {
	u64 start;
	u64 end; /* exclusive */
	const char *cmdline;
};

/* The framebuffer info tag (3.6.12); the field sizes are only meaningful for MB2_FB_RGB. */
struct mb2_framebuffer {
	u64 addr;
	u32 pitch; /* bytes from one line to the next */
	u32 width, height; /* pixels, or characters for EGA text */
	u8 bpp;
	u8 type;
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
	u64 mbi_phys;
	u32 mbi_size;
	const char *cmdline;
	const char *loader_name;
	u32 nr_modules;
	struct mb2_module modules[MB2_MAX_MODULES];
	u32 nr_mmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	u32 mem_lower_kib, mem_upper_kib; /* 0 when GRUB gave no basic meminfo */
	const void *rsdp; /* the RSDP copy in a tag (new preferred), or NULL */
	u32 rsdp_len;
	bool have_fb; /* GRUB handed over a framebuffer tag: fb is filled in */
	struct mb2_framebuffer fb;
	bool efi; /* an EFI system table tag: booted from UEFI, so no legacy VGA assumed */
};

/* Why a parse failed: named so the boot log can say it. */
enum mb2_error {
	MB2_OK = 0,
	MB2_E_BAD_MAGIC,
	MB2_E_TOO_SMALL,
	MB2_E_TOO_BIG,
	MB2_E_MISALIGNED,
	MB2_E_TAG_OVERRUN,
	MB2_E_TAG_SIZE,
	MB2_E_NO_END,
	MB2_E_STRING,
	MB2_E_MMAP_ENTRY,
	MB2_E_TOO_MANY_MODULES,
	MB2_E_TOO_MANY_MMAP,
	MB2_E_MODULE_RANGE,
	MB2_E_NO_MMAP,
};

/*
 * Parses the information at mbi (whose bytes the caller can read up to
 * avail bytes; avail may exceed the structure) into *out. Every length is
 * checked against the structure's own total size and against avail, so a
 * malformed structure gives an error, never a read out of bounds.
 * @pre mbi != NULL && out != NULL
 */
enum mb2_error mb2_parse(u32 magic, const void *mbi, size_t avail, struct boot_info *out);
const char *mb2_strerror(enum mb2_error e);
const char *mb2_mem_type_name(u32 type);

#endif
