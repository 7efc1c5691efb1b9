/* SPDX-License-Identifier: MIT */
/* What the loader told the guest: command line, memory map, modules (from multiboot2). */
#ifndef KESTREL_RT_BOOT_H
#define KESTREL_RT_BOOT_H

#include <kestrel-rt/types.h>

#define RT_MAX_REGIONS		64
#define RT_MAX_MODULES		16
#define RT_CMDLINE_MAX		1024
#define RT_MODULE_CMDLINE_MAX	128

/* Memory map types (Multiboot2 spec 1.0, 3.6.8). */
#define RT_MEM_AVAILABLE	1
#define RT_MEM_RESERVED		2
#define RT_MEM_ACPI		3
#define RT_MEM_NVS		4
#define RT_MEM_BAD		5

struct rt_mem_region {
	u64 base;
	u64 len;
	u32 type;
};

struct rt_module {
	u64 start;
	u64 end;		/* one past the last byte */
	char cmdline[RT_MODULE_CMDLINE_MAX];
};

/*
 * Everything is copied out of the multiboot2 information at boot, so a guest may
 * overwrite that information afterwards (it stays listed in mbi_start/mbi_end).
 */
struct rt_boot {
	char cmdline[RT_CMDLINE_MAX];
	u64 mem_available;	/* bytes the map marks available */
	u64 mem_top;		/* end of the highest available region */
	u32 n_regions;
	struct rt_mem_region regions[RT_MAX_REGIONS];
	u32 n_modules;
	struct rt_module modules[RT_MAX_MODULES];
	u64 mbi_start, mbi_end;		/* the multiboot2 information itself */
	u64 image_start, image_end;	/* this kernel, .bss (stacks, page tables) included */
};

/* The boot information kmain() got. */
const struct rt_boot *rt_boot_info(void);

/* True when [start, end) lies wholly in memory the map marks available. */
bool rt_boot_range_available(u64 start, u64 end);

/* True when [start, end) overlaps the image, the multiboot2 information, a module or memory
 * rt_alloc_pages() gave out. */
bool rt_boot_range_in_use(u64 start, u64 end);

/*
 * The guest command line: space-separated words, `key=value` or `key`.
 * rt_cmdline_u64 accepts decimal or 0x-hex numbers with an optional K, M or G suffix and
 * returns def when the word is absent or its value is not a number (it says so on the console).
 */
const char *rt_cmdline(void);
bool rt_cmdline_has(const char *key);
bool rt_cmdline_str(const char *key, char *buf, size_t size);
u64 rt_cmdline_u64(const char *key, u64 def);

/* The guest's entry point, called on the bootstrap CPU; returning calls rt_finish(). */
void kmain(const struct rt_boot *boot);

#endif
