// SPDX-License-Identifier: GPL-2.0
/* Loads multiboot kernels into guest RAM and writes their boot information; pure, unit-tested. */
#include <stdarg.h>
#include "hv/loader.h"
#include "lib/format.h"
#include "lib/string.h"

#define BELOW_4G (4 * GiB)
#define EBDA_END 0xa0000u /* the EBDA ends where the VGA window starts */
#define BIOS_START 0xe0000u /* the BIOS area, up to 1 MiB: where the ACPI tables are */
#define MB2_TAG_ACPI_NEW_TYPE 15 /* the RSDP of ACPI 2.0 and later, Multiboot2 3.6.12 */

struct image {
	const u8 *p;
	u64 len;
};

/* An ELF program header, of either class. */
struct segment {
	u32 type;
	u64 offset, vaddr, paddr, filesz, memsz;
};

/* Everything decided before a byte is written. */
struct plan {
	const struct guest_mem *gm;
	const struct loader_args *args;
	struct loader_result *res;
	struct image im;
	u32 version;
	u64 hdr_off; /* where the chosen header is in the image */
	bool flat; /* load addresses from the header (MB2 address tag, MB1 a.out kludge) */
	u32 header_addr, load_addr, load_end_addr, bss_end_addr;
	bool have_entry; /* from the header rather than the ELF */
	u32 entry;
	u64 file_off, load_size; /* flat: what to copy */
	bool elf64;
	u64 e_entry, phoff;
	u32 phnum, phentsize;
	size_t name_len;
	u64 mods[LOADER_MAX_MODULES];
};

/* Writes into guest RAM, or (gm NULL) only measures what would be written. */
struct writer {
	const struct guest_mem *gm;
	bool failed;
};

static __printf(3, 4) int fail(struct loader_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return err;
}

static bool img_has(const struct image *im, u64 off, u64 len)
{
	return off <= im->len && len <= im->len - off;
}

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

u32 loader_mmap(u64 ram_size, struct mb2_mmap_entry *out, u32 max)
{
	/* The layout INT 15h E820 reports on a PC (ACPI 6.5, 15.1); types per Multiboot2 3.6.8. */
	u64 low = MIN(ram_size, GMEM_HOLE_START);
	const struct mb2_mmap_entry pc[] = {
		{ 0, MIN(ram_size, (u64)LOADER_LOW_END), MB2_MEM_AVAILABLE, 0 },
		{ LOADER_LOW_END, EBDA_END - LOADER_LOW_END, MB2_MEM_RESERVED, 0 },
		{ BIOS_START, LOADER_HIGH_START - BIOS_START, MB2_MEM_RESERVED, 0 },
		{ LOADER_HIGH_START, low > LOADER_HIGH_START ? low - LOADER_HIGH_START : 0,
		  MB2_MEM_AVAILABLE, 0 },
		/* The PCI hole [3 GiB, 4 GiB) is no RAM: the rest of it from 4 GiB (guest_mem.h). */
		{ GMEM_HOLE_END, ram_size - low, MB2_MEM_AVAILABLE, 0 },
	};
	u32 n = 0;

	for (u32 i = 0; i < ARRAY_SIZE(pc); i++)
		if (pc[i].length && n < max)
			out[n++] = pc[i];
	return n;
}

/* [addr, addr + len) must be available RAM below 4 GiB, all 32-bit protected mode reaches. */
static int check_range(struct plan *pl, const char *what, u64 addr, u64 len)
{
	struct mb2_mmap_entry map[LOADER_MMAP_MAX];
	u64 ram = pl->gm->size;
	u32 nr = loader_mmap(ram, map, ARRAY_SIZE(map));

	if (addr > ram || len > ram - addr)
		return fail(pl->res, -ENOSPC, "%s at 0x%lx (0x%lx bytes) does not fit in %lu MiB "
			    "of RAM", what, addr, len, ram / MiB);
	if (addr > BELOW_4G || len > BELOW_4G - addr)
		return fail(pl->res, -ENOSPC, "%s at 0x%lx (0x%lx bytes) is not below 4 GiB", what,
			    addr, len);
	for (u32 i = 0; i < nr; i++)
		if (map[i].type == MB2_MEM_AVAILABLE && addr >= map[i].base &&
		    addr + len <= map[i].base + map[i].length)
			return 0;
	if (!len)
		return 0;
	if (addr + len > GMEM_HOLE_START)
		return fail(pl->res, -ENOSPC, "%s at 0x%lx (0x%lx bytes) lies in the PCI hole "
			    "[0x%llx, 0x%llx)", what, addr, len, GMEM_HOLE_START, GMEM_HOLE_END);
	return fail(pl->res, -ENOSPC, "%s at 0x%lx (0x%lx bytes) overlaps reserved memory "
		    "[0x%x, 0x%x)", what, addr, len, LOADER_LOW_END, LOADER_HIGH_START);
}

/* Multiboot2 3.1.1, Multiboot 3.1.1: the first aligned header whose checksum holds. */
struct candidate {
	u32 version;
	u64 off;
	const char *why;
};

static void reject(struct candidate *bad, u32 version, u64 off, const char *why)
{
	if (!bad->version) {
		bad->version = version;
		bad->off = off;
		bad->why = why;
	}
}

static bool find_mb2(const struct image *im, u64 *off, struct candidate *bad)
{
	u64 end = MIN(im->len, (u64)MB2_SEARCH);

	for (u64 o = 0; o + sizeof(struct mb2_header) <= end; o += MB2_HEADER_ALIGN) {
		struct mb2_header h;

		memcpy(&h, im->p + o, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if (h.magic + h.architecture + h.header_length + h.checksum) {
			reject(bad, 2, o, "bad checksum");
			continue;
		}
		if (h.architecture != MB2_ARCH_I386) {
			reject(bad, 2, o, "not for i386 (architecture field)");
			continue;
		}
		*off = o;
		return true;
	}
	return false;
}

static bool find_mb1(const struct image *im, u64 *off, struct candidate *bad)
{
	u64 end = MIN(im->len, (u64)MB1_SEARCH);

	for (u64 o = 0; o + 12 <= end; o += MB1_HEADER_ALIGN) {
		u32 magic = rd32(im->p + o), flags = rd32(im->p + o + 4);

		if (magic != MB1_HEADER_MAGIC)
			continue;
		if (magic + flags + rd32(im->p + o + 8)) {
			reject(bad, 1, o, "bad checksum");
			continue;
		}
		*off = o;
		return true;
	}
	return false;
}

/* Multiboot2 3.1.3-3.1.13: the header tags, refusing what is required and not provided. */
static int plan_mb2_tag(struct plan *pl, const u8 *t, u16 type, u16 flags, u32 size)
{
	bool optional = flags & MB2_HTAG_OPTIONAL;
	static const u8 min_size[] = {
		[MB2_HTAG_ADDRESS] = 24, [MB2_HTAG_ENTRY] = 12, [MB2_HTAG_CONSOLE] = 12,
		[MB2_HTAG_FRAMEBUFFER] = 20, [MB2_HTAG_RELOCATABLE] = 24,
	};

	if (type < ARRAY_SIZE(min_size) && size < min_size[type])
		return fail(pl->res, -EINVAL, "multiboot2 header tag %u: size %u too small", type,
			    size);
	switch (type) {
	case MB2_HTAG_INFO_REQUEST:
		/* 3.1.4: fail only on types not known; known but absent ones are fine. */
		for (u32 off = 8; !optional && off + 4 <= size; off += 4)
			if (rd32(t + off) > MB2_TAG_LAST_DEFINED)
				return fail(pl->res, -ENOTSUP, "requires boot information of "
					    "unknown type %u (multiboot2 header tag 1)",
					    rd32(t + off));
		return 0;
	case MB2_HTAG_ADDRESS:
		pl->flat = true;
		pl->header_addr = rd32(t + 8);
		pl->load_addr = rd32(t + 12);
		pl->load_end_addr = rd32(t + 16);
		pl->bss_end_addr = rd32(t + 20);
		return 0;
	case MB2_HTAG_ENTRY:
		pl->have_entry = true;
		pl->entry = rd32(t + 8);
		return 0;
	case MB2_HTAG_CONSOLE:
		if (!optional && (rd32(t + 8) & MB2_CONSOLE_REQUIRED))
			return fail(pl->res, -ENOTSUP, "requires an EGA text console (multiboot2 "
				    "header tag 4), which Kestrel does not emulate");
		return 0;
	case MB2_HTAG_FRAMEBUFFER:
		if (!optional)
			return fail(pl->res, -ENOTSUP, "requires a framebuffer (multiboot2 header "
				    "tag 5), which Kestrel does not provide");
		return 0;
	case MB2_HTAG_MODULE_ALIGN: /* modules are always page-aligned */
	case MB2_HTAG_RELOCATABLE: /* loading at the link addresses is one valid choice */
		return 0;
	case MB2_HTAG_EFI_BS:
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		if (!optional)
			return fail(pl->res, -ENOTSUP, "requires UEFI (multiboot2 header tag %u), "
				    "which Kestrel does not provide", type);
		return 0;
	default:
		if (!optional)
			return fail(pl->res, -ENOTSUP, "requires multiboot2 header tag %u, which "
				    "Kestrel does not support", type);
		return 0;
	}
}

static int plan_mb2(struct plan *pl)
{
	struct mb2_header_tag t = { 0, 0, 0 };
	struct mb2_header h;
	u64 pos, end;
	int err;

	memcpy(&h, pl->im.p + pl->hdr_off, sizeof(h));
	end = pl->hdr_off + h.header_length;
	if (h.header_length < sizeof(h))
		return fail(pl->res, -EINVAL, "multiboot2 header at 0x%lx: length %u too small",
			    pl->hdr_off, h.header_length);
	if (end > MIN(pl->im.len, (u64)MB2_SEARCH))
		return fail(pl->res, -EINVAL, "multiboot2 header at 0x%lx: length %u runs past the "
			    "image or its first 32 KiB", pl->hdr_off, h.header_length);
	for (pos = pl->hdr_off + sizeof(h);; pos += ALIGN_UP((u64)t.size, MB2_HEADER_ALIGN)) {
		if (pos + sizeof(t) > end)
			return fail(pl->res, -EINVAL, "multiboot2 header has no end tag");
		memcpy(&t, pl->im.p + pos, sizeof(t));
		if (t.size < sizeof(t) || t.size > end - pos)
			return fail(pl->res, -EINVAL, "multiboot2 header tag %u at 0x%lx: bad "
				    "size %u", t.type, pos, t.size);
		if (t.type == MB2_HTAG_END)
			break;
		err = plan_mb2_tag(pl, pl->im.p + pos, t.type, t.flags, t.size);
		if (err)
			return err;
	}
	if (pl->flat && !pl->have_entry)
		return fail(pl->res, -EINVAL, "multiboot2 address tag without an entry address "
			    "tag");
	return 0;
}

/* Multiboot 3.1.2-3.1.3 */
static int plan_mb1(struct plan *pl)
{
	struct mb1_header h;
	u32 required;

	memset(&h, 0, sizeof(h));
	memcpy(&h, pl->im.p + pl->hdr_off, 12);
	required = h.flags & MB1_HF_REQUIRED_MASK & ~(u32)(MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO);
	if (required & MB1_HF_VIDEO_MODE)
		return fail(pl->res, -ENOTSUP, "requires a video mode (multiboot header flags "
			    "bit 2), which Kestrel does not provide");
	if (required)
		return fail(pl->res, -ENOTSUP, "requires unknown features (multiboot header flags "
			    "0x%x)", required);
	if (!(h.flags & MB1_HF_AOUT_KLUDGE))
		return 0;
	if (!img_has(&pl->im, pl->hdr_off, sizeof(h)) || pl->hdr_off + sizeof(h) > MB1_SEARCH)
		return fail(pl->res, -EINVAL, "multiboot header at 0x%lx: address fields past the "
			    "image or its first 8 KiB", pl->hdr_off);
	memcpy(&h, pl->im.p + pl->hdr_off, sizeof(h));
	pl->flat = true;
	pl->header_addr = h.header_addr;
	pl->load_addr = h.load_addr;
	pl->load_end_addr = h.load_end_addr;
	pl->bss_end_addr = h.bss_end_addr;
	pl->have_entry = true;
	pl->entry = h.entry_addr;
	return 0;
}

/* Multiboot 3.1.3, Multiboot2 3.1.5: the image is one run of text and data, then bss. */
static int plan_flat(struct plan *pl)
{
	u64 load = pl->load_addr, mem_end;
	struct loader_result *res = pl->res;
	int err;

	if (pl->version == 2 && pl->load_addr == 0xffffffffu) {
		/* "Special value -1 means that the file must be loaded from its beginning." */
		if (pl->header_addr < pl->hdr_off)
			return fail(res, -EINVAL, "header_addr 0x%x lies below the image start",
				    pl->header_addr);
		load = pl->header_addr - pl->hdr_off;
	}
	if (load > pl->header_addr)
		return fail(res, -EINVAL, "load_addr 0x%lx above header_addr 0x%x", load,
			    pl->header_addr);
	if (pl->header_addr - load > pl->hdr_off)
		return fail(res, -EINVAL, "load_addr 0x%lx lies before the start of the image",
			    load);
	pl->file_off = pl->hdr_off - (pl->header_addr - load);
	if (!pl->load_end_addr) {
		pl->load_size = pl->im.len - pl->file_off;
	} else if (pl->load_end_addr < load) {
		return fail(res, -EINVAL, "load_end_addr 0x%x below load_addr 0x%lx",
			    pl->load_end_addr, load);
	} else {
		pl->load_size = pl->load_end_addr - load;
		if (!img_has(&pl->im, pl->file_off, pl->load_size))
			return fail(res, -EINVAL, "load_end_addr 0x%x lies past the end of the "
				    "image", pl->load_end_addr);
	}
	mem_end = load + pl->load_size;
	if (pl->bss_end_addr) {
		if (pl->bss_end_addr < mem_end)
			return fail(res, -EINVAL, "bss_end_addr 0x%x below the end of the data "
				    "0x%lx", pl->bss_end_addr, mem_end);
		mem_end = pl->bss_end_addr;
	}
	if (mem_end == load)
		return fail(res, -EINVAL, "the header's addresses load nothing");
	err = check_range(pl, "kernel", load, mem_end - load);
	if (err)
		return err;
	if (pl->entry < load || pl->entry >= mem_end)
		return fail(res, -EINVAL, "entry point 0x%x is outside the loaded kernel "
			    "[0x%lx, 0x%lx)", pl->entry, load, mem_end);
	pl->load_addr = (u32)load;
	res->kernel_start = load;
	res->kernel_end = mem_end;
	return 0;
}

static void elf_segment(const struct plan *pl, u32 i, struct segment *s)
{
	const u8 *p = pl->im.p + pl->phoff + (u64)i * pl->phentsize;

	if (pl->elf64) {
		struct elf64_phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct segment){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz,
				       ph.p_memsz };
	} else {
		struct elf32_phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct segment){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz,
				       ph.p_memsz };
	}
}

static bool loaded(const struct segment *s)
{
	return s->type == ELF_PT_LOAD && s->memsz;
}

/* System V gABI 4.1, chapters 4 and 5: the ELF header and the program header table. */
static int plan_elf_header(struct plan *pl)
{
	const struct image *im = &pl->im;
	struct loader_result *res = pl->res;
	u32 version, min_phentsize;
	u16 type, machine;

	if (!img_has(im, 0, 16) || memcmp(im->p, ELF_MAGIC, 4))
		return fail(res, -EINVAL, "no load addresses in the multiboot%s header and not an "
			    "ELF image", pl->version == 2 ? "2" : "");
	if (im->p[5] != ELF_DATA_LSB)
		return fail(res, -EINVAL, "ELF image is not little-endian");
	if (im->p[4] == ELF_CLASS64) {
		struct elf64_ehdr eh;

		if (!img_has(im, 0, sizeof(eh)))
			return fail(res, -EINVAL, "ELF header truncated");
		memcpy(&eh, im->p, sizeof(eh));
		pl->elf64 = true;
		type = eh.e_type;
		machine = eh.e_machine;
		version = eh.e_version;
		pl->e_entry = eh.e_entry;
		pl->phoff = eh.e_phoff;
		pl->phnum = eh.e_phnum;
		pl->phentsize = eh.e_phentsize;
		min_phentsize = sizeof(struct elf64_phdr);
		if (machine != ELF_EM_X86_64)
			return fail(res, -EINVAL, "ELF64 machine %u is not x86-64", machine);
	} else if (im->p[4] == ELF_CLASS32) {
		struct elf32_ehdr eh;

		if (!img_has(im, 0, sizeof(eh)))
			return fail(res, -EINVAL, "ELF header truncated");
		memcpy(&eh, im->p, sizeof(eh));
		type = eh.e_type;
		machine = eh.e_machine;
		version = eh.e_version;
		pl->e_entry = eh.e_entry;
		pl->phoff = eh.e_phoff;
		pl->phnum = eh.e_phnum;
		pl->phentsize = eh.e_phentsize;
		min_phentsize = sizeof(struct elf32_phdr);
		if (machine != ELF_EM_386)
			return fail(res, -EINVAL, "ELF32 machine %u is not i386", machine);
	} else {
		return fail(res, -EINVAL, "ELF class %u is neither ELF32 nor ELF64", im->p[4]);
	}
	if (im->p[6] != ELF_VERSION)
		version = im->p[6];
	if (version != ELF_VERSION)
		return fail(res, -EINVAL, "ELF version %u is not 1", version);
	if (type != ELF_ET_EXEC && type != ELF_ET_DYN)
		return fail(res, -EINVAL, "ELF type %u is not an executable", type);
	if (!pl->phnum)
		return fail(res, -EINVAL, "ELF has no program headers");
	if (pl->phnum == ELF_PN_XNUM)
		return fail(res, -EINVAL, "ELF extended program header numbering is not supported");
	if (pl->phentsize < min_phentsize)
		return fail(res, -EINVAL, "ELF program header size %u too small", pl->phentsize);
	if (!img_has(im, pl->phoff, (u64)pl->phnum * pl->phentsize))
		return fail(res, -EINVAL, "ELF program header table out of bounds");
	return 0;
}

/* Every PT_LOAD at its p_paddr; the entry is e_entry moved as its segment is (as GRUB does). */
static int plan_elf(struct plan *pl)
{
	struct loader_result *res = pl->res;
	u64 start = UINT64_MAX, end = 0, entry = 0;
	bool entry_found = false;
	struct segment s;
	int err;

	err = plan_elf_header(pl);
	if (err)
		return err;
	for (u32 i = 0; i < pl->phnum; i++) {
		elf_segment(pl, i, &s);
		if (!loaded(&s))
			continue;
		if (s.filesz > s.memsz)
			return fail(res, -EINVAL, "ELF segment %u: file size 0x%lx larger than "
				    "memory size 0x%lx", i, s.filesz, s.memsz);
		if (!img_has(&pl->im, s.offset, s.filesz))
			return fail(res, -EINVAL, "ELF segment %u: file data [0x%lx, +0x%lx) "
				    "out of bounds", i, s.offset, s.filesz);
		err = check_range(pl, "segment", s.paddr, s.memsz);
		if (err)
			return err;
		start = MIN(start, s.paddr);
		end = MAX(end, s.paddr + s.memsz);
		if (entry_found)
			continue;
		if (pl->have_entry && pl->entry >= s.paddr && pl->entry - s.paddr < s.memsz) {
			entry = pl->entry;
			entry_found = true;
		} else if (!pl->have_entry && pl->e_entry >= s.vaddr &&
			   pl->e_entry - s.vaddr < s.memsz) {
			entry = pl->e_entry - s.vaddr + s.paddr;
			entry_found = true;
		}
	}
	if (!end)
		return fail(res, -EINVAL, "ELF has no loadable segment");
	if (!entry_found)
		return fail(res, -EINVAL, "entry point 0x%lx is outside the loaded segments",
			    pl->have_entry ? (u64)pl->entry : pl->e_entry);
	pl->entry = (u32)entry; /* below 4 GiB: inside a segment check_range accepted */
	res->kernel_start = start;
	res->kernel_end = end;
	return 0;
}

static void put(struct writer *w, u64 gpa, const void *src, u64 len)
{
	if (w->gm && len && gmem_write(w->gm, gpa, src, len))
		w->failed = true;
}

static void put32(struct writer *w, u64 gpa, u32 v)
{
	put(w, gpa, &v, sizeof(v));
}

/* A string and its NUL; returns the address after them. */
static u64 put_string(struct writer *w, u64 gpa, const char *s, size_t len)
{
	put(w, gpa, s, len);
	put(w, gpa + len, "", 1);
	return gpa + len + 1;
}

/* mem_lower and mem_upper (KiB) as Multiboot 3.3 and Multiboot2 3.6.3 define them. */
static void meminfo(const struct mb2_mmap_entry *map, u32 nr, u32 *lower, u32 *upper)
{
	*lower = *upper = 0;
	for (u32 i = 0; i < nr; i++) {
		if (map[i].type != MB2_MEM_AVAILABLE)
			continue;
		if (map[i].base == 0)
			*lower = (u32)(map[i].length / KiB);
		else if (map[i].base == LOADER_HIGH_START)
			*upper = (u32)MIN(map[i].length / KiB, (u64)UINT32_MAX);
	}
}

/* Multiboot 3.3: the structure, the module list, the memory map, then the strings. */
static u64 build_mb1(const struct plan *pl, struct writer *w, u64 base)
{
	const struct loader_args *a = pl->args;
	struct mb2_mmap_entry map[LOADER_MMAP_MAX];
	u32 nr = loader_mmap(pl->gm->size, map, ARRAY_SIZE(map));
	u64 mods = base + ALIGN_UP(sizeof(struct mb1_info), 8);
	u64 mmap = mods + a->nr_modules * sizeof(struct mb1_module);
	u64 str = mmap + nr * sizeof(struct mb1_mmap_entry);
	struct mb1_info mi;
	u32 lower, upper;

	memset(&mi, 0, sizeof(mi));
	mi.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MEM_MAP |
		   MB1_INFO_LOADER_NAME;
	meminfo(map, nr, &lower, &upper);
	mi.mem_lower = lower;
	mi.mem_upper = upper;
	mi.mods_count = a->nr_modules;
	mi.mods_addr = (u32)mods;
	mi.mmap_length = (u32)(nr * sizeof(struct mb1_mmap_entry));
	mi.mmap_addr = (u32)mmap;
	mi.cmdline = (u32)str;
	str = put_string(w, str, a->cmdline, a->cmdline_len);
	mi.boot_loader_name = (u32)str;
	str = put_string(w, str, a->loader_name, pl->name_len);
	for (u32 i = 0; i < a->nr_modules; i++) {
		const struct loader_module *m = &a->modules[i];
		struct mb1_module e = { (u32)pl->mods[i], (u32)(pl->mods[i] + m->len), (u32)str,
					0 };

		put(w, mods + i * sizeof(e), &e, sizeof(e));
		str = put_string(w, str, m->string, m->string_len);
	}
	for (u32 i = 0; i < nr; i++) {
		struct mb1_mmap_entry e = { sizeof(e) - sizeof(e.size), map[i].base, map[i].length,
					    map[i].type };

		put(w, mmap + i * sizeof(e), &e, sizeof(e));
	}
	put(w, base, &mi, sizeof(mi));
	return str;
}

/* A tag header; returns where its body starts. */
static u64 put_tag(struct writer *w, u64 gpa, u32 type, u64 size)
{
	put32(w, gpa, type);
	put32(w, gpa + 4, (u32)size);
	return gpa + 8;
}

static u64 put_string_tag(struct writer *w, u64 gpa, u32 type, const char *s, size_t len)
{
	put_tag(w, gpa, type, 8 + len + 1);
	return ALIGN_UP(put_string(w, gpa + 8, s, len), 8);
}

/* Multiboot2 3.6: total size and reserved, then 8-aligned tags up to the end tag. */
static u64 build_mb2(const struct plan *pl, struct writer *w, u64 base)
{
	const struct loader_args *a = pl->args;
	struct mb2_mmap_entry map[LOADER_MMAP_MAX];
	u32 nr = loader_mmap(pl->gm->size, map, ARRAY_SIZE(map)), lower, upper;
	u64 p = base + 8, body;

	p = put_string_tag(w, p, MB2_TAG_CMDLINE, a->cmdline, a->cmdline_len);
	p = put_string_tag(w, p, MB2_TAG_LOADER_NAME, a->loader_name, pl->name_len);
	for (u32 i = 0; i < a->nr_modules; i++) {
		const struct loader_module *m = &a->modules[i];

		body = put_tag(w, p, MB2_TAG_MODULE, 16 + m->string_len + 1);
		put32(w, body, (u32)pl->mods[i]);
		put32(w, body + 4, (u32)(pl->mods[i] + m->len));
		p = ALIGN_UP(put_string(w, body + 8, m->string, m->string_len), 8);
	}
	meminfo(map, nr, &lower, &upper);
	body = put_tag(w, p, MB2_TAG_BASIC_MEMINFO, 16);
	put32(w, body, lower);
	put32(w, body + 4, upper);
	p = body + 8;
	body = put_tag(w, p, MB2_TAG_MMAP, 16 + nr * sizeof(map[0]));
	put32(w, body, sizeof(map[0])); /* entry_size */
	put32(w, body + 4, 0); /* entry_version */
	put(w, body + 8, map, nr * sizeof(map[0]));
	p = ALIGN_UP(body + 8 + nr * sizeof(map[0]), 8);
	if (a->rsdp && a->rsdp_len) {
		body = put_tag(w, p, MB2_TAG_ACPI_NEW_TYPE, 8 + a->rsdp_len);
		put(w, body, a->rsdp, a->rsdp_len);
		p = ALIGN_UP(body + a->rsdp_len, 8);
	}
	p = put_tag(w, p, MB2_TAG_END, 8);
	put32(w, base, (u32)(p - base));
	put32(w, base + 4, 0);
	return p;
}

static u64 build_info(const struct plan *pl, struct writer *w, u64 base)
{
	return pl->version == 2 ? build_mb2(pl, w, base) : build_mb1(pl, w, base);
}

/* Modules page-aligned after the kernel (and never below 1 MiB), then the information. */
static int plan_placement(struct plan *pl)
{
	const struct loader_args *a = pl->args;
	struct writer measure = { NULL, false };
	u64 cur = ALIGN_UP(MAX(pl->res->kernel_end, (u64)LOADER_HIGH_START), PAGE_SIZE);
	char what[32];
	int err;

	if (a->nr_modules > LOADER_MAX_MODULES)
		return fail(pl->res, -EINVAL, "%u modules: at most %u", a->nr_modules,
			    LOADER_MAX_MODULES);
	if (a->cmdline_len > LOADER_MAX_STRING)
		return fail(pl->res, -EINVAL, "command line longer than %lu bytes",
			    LOADER_MAX_STRING);
	pl->name_len = a->loader_name ? strnlen(a->loader_name, LOADER_MAX_STRING + 1) : 0;
	if (pl->name_len > LOADER_MAX_STRING)
		return fail(pl->res, -EINVAL, "loader name longer than %lu bytes",
			    LOADER_MAX_STRING);
	for (u32 i = 0; i < a->nr_modules; i++) {
		const struct loader_module *m = &a->modules[i];

		fmt_snprintf(what, sizeof(what), "module %u", i + 1);
		if (m->string_len > LOADER_MAX_STRING)
			return fail(pl->res, -EINVAL, "%s: string longer than %lu bytes", what,
				    LOADER_MAX_STRING);
		err = check_range(pl, what, cur, m->len);
		if (err)
			return err;
		pl->mods[i] = cur;
		cur = ALIGN_UP(cur + m->len, PAGE_SIZE);
	}
	pl->res->info = (u32)ALIGN_UP(cur, 8);
	pl->res->end = build_info(pl, &measure, ALIGN_UP(cur, 8));
	return check_range(pl, "boot information", ALIGN_UP(cur, 8),
			   pl->res->end - ALIGN_UP(cur, 8));
}

static int write_all(const struct plan *pl)
{
	const struct loader_args *a = pl->args;
	struct writer w = { pl->gm, false };
	const struct image *im = &pl->im;
	struct segment s;

	if (pl->flat) {
		put(&w, pl->load_addr, im->p + pl->file_off, pl->load_size);
		if (gmem_zero(pl->gm, pl->load_addr + pl->load_size,
			      pl->res->kernel_end - pl->load_addr - pl->load_size))
			w.failed = true;
	} else {
		for (u32 i = 0; i < pl->phnum; i++) {
			elf_segment(pl, i, &s);
			if (!loaded(&s))
				continue;
			put(&w, s.paddr, im->p + s.offset, s.filesz);
			if (gmem_zero(pl->gm, s.paddr + s.filesz, s.memsz - s.filesz))
				w.failed = true;
		}
	}
	for (u32 i = 0; i < a->nr_modules; i++)
		put(&w, pl->mods[i], a->modules[i].data, a->modules[i].len);
	if (gmem_zero(pl->gm, pl->res->info, pl->res->end - pl->res->info))
		w.failed = true;
	build_info(pl, &w, pl->res->info);
	return w.failed ? fail(pl->res, -EFAULT, "write outside guest RAM (a loader bug)") : 0;
}

int loader_load(const struct guest_mem *gm, const struct loader_args *args,
		struct loader_result *res)
{
	struct candidate bad = { 0, 0, NULL };
	struct plan pl;
	int err;

	memset(res, 0, sizeof(*res));
	memset(&pl, 0, sizeof(pl));
	pl.gm = gm;
	pl.args = args;
	pl.res = res;
	pl.im.p = args->image;
	pl.im.len = args->image ? args->image_len : 0;
	if (find_mb2(&pl.im, &pl.hdr_off, &bad)) {
		pl.version = 2;
		err = plan_mb2(&pl);
	} else if (find_mb1(&pl.im, &pl.hdr_off, &bad)) {
		pl.version = 1;
		err = plan_mb1(&pl);
	} else if (bad.version) {
		return fail(res, -EINVAL, "multiboot%s header at 0x%lx: %s",
			    bad.version == 2 ? "2" : "", bad.off, bad.why);
	} else {
		return fail(res, -EINVAL, "not a multiboot kernel (no header in the first 32 KiB)");
	}
	if (!err)
		err = pl.flat ? plan_flat(&pl) : plan_elf(&pl);
	if (!err)
		err = plan_placement(&pl);
	if (!err)
		err = write_all(&pl);
	if (err) {
		res->kernel_start = res->kernel_end = res->end = res->info = 0;
		return err;
	}
	res->version = pl.version;
	res->entry = pl.entry;
	res->magic = pl.version == 2 ? MB2_BOOTLOADER_MAGIC : MB1_BOOTLOADER_MAGIC;
	return 0;
}
