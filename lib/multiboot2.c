// SPDX-License-Identifier: GPL-2.0
/* Parses and validates the multiboot2 boot information (Multiboot2 spec 1.0, 3.6). */
#include "lib/multiboot2.h"
#include "lib/string.h"

struct mb2_tag {
	u32 type;
	u32 size;
} __packed;

static bool tag_string(const u8 *p, u32 size, u32 off, const char **out)
{
	if (size <= off || strnlen((const char *)p + off, size - off) == size - off)
		return false; /* no terminating NUL inside the tag */
	*out = (const char *)p + off;
	return true;
}

static enum mb2_error parse_mmap(const u8 *p, u32 size, struct boot_info *bi)
{
	u32 entry_size, off;

	if (size < 16)
		return MB2_E_TAG_SIZE;
	memcpy(&entry_size, p + 8, 4);
	if (entry_size < sizeof(struct mb2_mmap_entry) || entry_size % 8)
		return MB2_E_MMAP_ENTRY;
	for (off = 16; entry_size <= size - off; off += entry_size) { /* no u32 wrap */
		struct mb2_mmap_entry e;

		memcpy(&e, p + off, sizeof(e));
		if (e.length == 0)
			continue;
		if (e.base + e.length < e.base)
			return MB2_E_MMAP_ENTRY;
		if (bi->nr_mmap == MB2_MAX_MMAP)
			return MB2_E_TOO_MANY_MMAP;
		bi->mmap[bi->nr_mmap++] = e;
	}
	return MB2_OK;
}

/*
 * The framebuffer tag: a 32-byte common part (GRUB's struct multiboot_tag_framebuffer_common:
 * the spec's "u8 reserved" is a u16 there), then colour information whose size depends on the
 * type. Only the RGB field positions are kept; whether the values make sense is the screen's
 * business (hv/screen.c), not the parser's.
 */
static enum mb2_error parse_framebuffer(const u8 *p, u32 size, struct boot_info *bi)
{
	struct mb2_framebuffer *fb = &bi->fb;

	if (size < 32)
		return MB2_E_TAG_SIZE;
	memset(fb, 0, sizeof(*fb));
	memcpy(&fb->addr, p + 8, 8);
	memcpy(&fb->pitch, p + 16, 4);
	memcpy(&fb->width, p + 20, 4);
	memcpy(&fb->height, p + 24, 4);
	fb->bpp = p[28];
	fb->type = p[29];
	if (fb->type == MB2_FB_RGB) {
		if (size < 38)
			return MB2_E_TAG_SIZE;
		fb->red_pos = p[32];
		fb->red_size = p[33];
		fb->green_pos = p[34];
		fb->green_size = p[35];
		fb->blue_pos = p[36];
		fb->blue_size = p[37];
	}
	bi->have_fb = true;
	return MB2_OK;
}

static enum mb2_error parse_tag(const u8 *p, u32 type, u32 size, struct boot_info *bi)
{
	u32 a, b;

	switch (type) {
	case MB2_TAG_CMDLINE:
		return tag_string(p, size, 8, &bi->cmdline) ? MB2_OK : MB2_E_STRING;
	case MB2_TAG_LOADER_NAME:
		return tag_string(p, size, 8, &bi->loader_name) ? MB2_OK : MB2_E_STRING;
	case MB2_TAG_MODULE: {
		struct mb2_module *m;

		if (size < 17)
			return MB2_E_TAG_SIZE;
		if (bi->nr_modules == MB2_MAX_MODULES)
			return MB2_E_TOO_MANY_MODULES;
		m = &bi->modules[bi->nr_modules];
		memcpy(&a, p + 8, 4);
		memcpy(&b, p + 12, 4);
		if (b < a)
			return MB2_E_MODULE_RANGE;
		m->start = a;
		m->end = b;
		if (!tag_string(p, size, 16, &m->cmdline))
			return MB2_E_STRING;
		bi->nr_modules++;
		return MB2_OK;
	}
	case MB2_TAG_BASIC_MEMINFO:
		if (size < 16)
			return MB2_E_TAG_SIZE;
		memcpy(&bi->mem_lower_kib, p + 8, 4);
		memcpy(&bi->mem_upper_kib, p + 12, 4);
		return MB2_OK;
	case MB2_TAG_MMAP:
		return parse_mmap(p, size, bi);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(p, size, bi);
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		bi->efi = true;
		return MB2_OK;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (size < 8 + 20)
			return MB2_E_TAG_SIZE;
		/* The new (ACPI 2.0+) copy wins over the old one, whatever the order. */
		if (!bi->rsdp || type == MB2_TAG_ACPI_NEW) {
			bi->rsdp = p + 8;
			bi->rsdp_len = size - 8;
		}
		return MB2_OK;
	default:
		return MB2_OK; /* tags Kestrel does not use */
	}
}

enum mb2_error mb2_parse(u32 magic, const void *mbi, size_t avail, struct boot_info *bi)
{
	const u8 *base = mbi;
	u32 total, off;
	enum mb2_error err;

	memset(bi, 0, sizeof(*bi));
	if (magic != MB2_BOOTLOADER_MAGIC)
		return MB2_E_BAD_MAGIC;
	if ((uintptr_t)mbi % 8)
		return MB2_E_MISALIGNED;
	if (avail < 16)
		return MB2_E_TOO_SMALL;
	memcpy(&total, base, 4);
	if (total < 16)
		return MB2_E_TOO_SMALL;
	if (total > avail || total > MB2_MAX_TOTAL_SIZE)
		return MB2_E_TOO_BIG;
	bi->mbi_phys = (u64)(uintptr_t)mbi;
	bi->mbi_size = total;

	for (off = 8;; ) {
		struct mb2_tag t;

		if (off + sizeof(t) > total)
			return MB2_E_NO_END;
		memcpy(&t, base + off, sizeof(t));
		if (t.size < sizeof(t))
			return MB2_E_TAG_SIZE;
		if (t.size > total - off)
			return MB2_E_TAG_OVERRUN;
		if (t.type == MB2_TAG_END)
			break;
		err = parse_tag(base + off, t.type, t.size, bi);
		if (err)
			return err;
		off = ALIGN_UP(off + t.size, 8u);
	}
	if (!bi->nr_mmap)
		return MB2_E_NO_MMAP;
	return MB2_OK;
}

const char *mb2_strerror(enum mb2_error e)
{
	static const char *const names[] = {
		[MB2_OK] = "ok",
		[MB2_E_BAD_MAGIC] = "not loaded by a multiboot2 loader (bad magic)",
		[MB2_E_TOO_SMALL] = "information structure too small",
		[MB2_E_TOO_BIG] = "information structure larger than its buffer",
		[MB2_E_MISALIGNED] = "information structure not 8-byte aligned",
		[MB2_E_TAG_OVERRUN] = "a tag runs past the end of the structure",
		[MB2_E_TAG_SIZE] = "a tag is too small for its type",
		[MB2_E_NO_END] = "no end tag",
		[MB2_E_STRING] = "a string tag is not NUL-terminated",
		[MB2_E_MMAP_ENTRY] = "bad memory-map entry",
		[MB2_E_TOO_MANY_MODULES] = "too many modules",
		[MB2_E_TOO_MANY_MMAP] = "too many memory-map entries",
		[MB2_E_MODULE_RANGE] = "a module ends before it starts",
		[MB2_E_NO_MMAP] = "no memory map",
	};

	if ((unsigned int)e < ARRAY_SIZE(names) && names[e])
		return names[e];
	return "unknown error";
}

const char *mb2_mem_type_name(u32 type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return "available";
	case MB2_MEM_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case MB2_MEM_NVS:
		return "ACPI NVS";
	case MB2_MEM_BADRAM:
		return "bad RAM";
	default:
		return "reserved";
	}
}
