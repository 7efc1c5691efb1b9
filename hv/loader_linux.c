// SPDX-License-Identifier: GPL-2.0
/* Loads a Linux bzImage by the x86 boot protocol and builds its zero page; pure, unit-tested. */
#include <stdarg.h>
#include "hv/loader_linux.h"
#include "lib/format.h"
#include "lib/string.h"

#define BELOW_4G (4 * GiB)
#define SECTOR 512
#define DEFAULT_SETUP_SECTS 4 /* boot.rst: "if this field is 0, the real value is 4" */
#define INITRD_ALIGN 4 /* each initrd after the first starts 4-byte aligned, as GRUB does */

/* Everything decided before a byte is written. */
struct plan {
	const struct guest_mem *gm;
	const struct loader_linux_args *args;
	struct loader_linux_result *res;
	const u8 *img;
	u64 img_len;
	u64 setup_size; /* the real-mode part: the file's first (setup_sects + 1) sectors */
	u64 header_end; /* the setup header is [LINUX_SETUP_SECTS, header_end) */
	u64 load_len; /* protected-mode bytes copied from the file */
	u64 init_size;
	u64 load_addr;
	u64 initrd_len;
	size_t cmdline_len;
};

static __printf(3, 4) int fail(struct loader_linux_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return err;
}

static u64 rd(const u8 *img, u64 off, u32 bytes)
{
	u64 v = 0;

	memcpy(&v, img + off, bytes);
	return v;
}

/* Writes a field of the zero page, which is in guest RAM; failures are summed in *err. */
static void bp_put(const struct plan *pl, u64 off, u64 v, u32 bytes, int *err)
{
	*err |= gmem_write(pl->gm, LINUX_BOOT_PARAMS_GPA + off, &v, bytes);
}

bool loader_linux_detect(const void *image, u64 image_len)
{
	return image && image_len >= LINUX_HEADER + 4 &&
	       rd(image, LINUX_HEADER, 4) == LINUX_HEADER_MAGIC;
}

/* The end of the highest RAM a 32-bit entry reaches, from 1 MiB up (loader_mmap's layout). */
static u64 high_end(const struct plan *pl)
{
	return gmem_low(pl->gm); /* RAM stops at the PCI hole, below 4 GiB */
}

static bool high_fits(const struct plan *pl, u64 addr, u64 len)
{
	return addr >= LOADER_HIGH_START && addr <= high_end(pl) && len <= high_end(pl) - addr;
}

static int check_header(struct plan *pl)
{
	u32 version, setup_sects, syssize;
	u64 pm_len;

	if (!loader_linux_detect(pl->img, pl->img_len))
		return fail(pl->res, -EINVAL, "no Linux setup header (\"HdrS\" at 0x202)");
	/* Every field read below is in the 2.12 header, which ends at init_size (found by fuzzing). */
	if (pl->img_len < LINUX_INIT_SIZE + 4)
		return fail(pl->res, -EINVAL, "a file of %lu bytes ends inside the setup header",
			    pl->img_len);
	version = (u32)rd(pl->img, LINUX_VERSION, 2);
	pl->res->version = version;
	if (version < LINUX_MIN_VERSION)
		return fail(pl->res, -ENOTSUP, "boot protocol %u.%02u: Kestrel needs 2.12 or later",
			    version >> 8, version & 0xff);
	if (rd(pl->img, LINUX_BOOT_FLAG, 2) != LINUX_BOOT_FLAG_MAGIC)
		return fail(pl->res, -EINVAL, "boot_flag is not 0xAA55");
	setup_sects = (u32)rd(pl->img, LINUX_SETUP_SECTS, 1);
	pl->setup_size = ((u64)(setup_sects ? setup_sects : DEFAULT_SETUP_SECTS) + 1) * SECTOR;
	pl->header_end = LINUX_HEADER + (u64)rd(pl->img, LINUX_JUMP + 1, 1);
	if (pl->header_end < LINUX_INIT_SIZE + 4 || pl->header_end > LINUX_HEADER_END_MAX)
		return fail(pl->res, -EINVAL, "setup header ends at 0x%lx: outside [0x%x, 0x%x]",
			    pl->header_end, LINUX_INIT_SIZE + 4, LINUX_HEADER_END_MAX);
	if (pl->setup_size >= pl->img_len || pl->header_end > pl->setup_size)
		return fail(pl->res, -EINVAL, "setup of %lu bytes in a file of %lu", pl->setup_size,
			    pl->img_len);
	if (!(rd(pl->img, LINUX_LOADFLAGS, 1) & LINUX_LOADED_HIGH))
		return fail(pl->res, -ENOTSUP, "a zImage (loaded below 1 MiB): only bzImage is "
			    "supported");
	/* syssize rounds the protected-mode part up to 16 bytes; files may carry more after it. */
	pm_len = pl->img_len - pl->setup_size;
	syssize = (u32)rd(pl->img, LINUX_SYSSIZE, 4);
	if (!syssize || (u64)syssize * 16 > pm_len + 15)
		return fail(pl->res, -EINVAL, "syssize says %lu bytes of protected-mode code, the "
			    "file has %lu", (u64)syssize * 16, pm_len);
	pl->load_len = MIN((u64)syssize * 16, pm_len);
	pl->init_size = rd(pl->img, LINUX_INIT_SIZE, 4);
	if (pl->init_size < pl->load_len)
		return fail(pl->res, -EINVAL, "init_size 0x%lx is less than the 0x%lx bytes loaded",
			    pl->init_size, pl->load_len);
	return 0;
}

/* boot.rst, "Details of Header Fields": kernel_alignment, min_alignment, pref_address. */
static int place_kernel(struct plan *pl)
{
	u64 align = rd(pl->img, LINUX_KERNEL_ALIGNMENT, 4);
	u32 min_shift = (u32)rd(pl->img, LINUX_MIN_ALIGNMENT, 1);
	u64 pref = rd(pl->img, LINUX_PREF_ADDRESS, 8);
	u64 min_align, a;

	if (!rd(pl->img, LINUX_RELOCATABLE, 1)) {
		u64 entry = rd(pl->img, LINUX_CODE32_START, 4);

		pl->load_addr = LOADER_HIGH_START;
		if (!high_fits(pl, pl->load_addr, pl->init_size))
			return fail(pl->res, -ENOSPC, "kernel of init_size 0x%lx at 1 MiB does not "
				    "fit in %lu MiB of RAM", pl->init_size, pl->gm->size / MiB);
		if (entry < pl->load_addr || entry - pl->load_addr >= pl->load_len)
			return fail(pl->res, -EINVAL, "code32_start 0x%lx is outside the kernel",
				    entry);
		pl->res->entry = (u32)entry;
		return 0;
	}
	if (min_shift < PAGE_SHIFT || min_shift > 30)
		return fail(pl->res, -EINVAL, "min_alignment 2^%u: not 4 KiB to 1 GiB", min_shift);
	min_align = (u64)1 << min_shift;
	if (align < min_align || align > GiB || (align & (align - 1)))
		return fail(pl->res, -EINVAL, "kernel_alignment 0x%lx: not a power of two from "
			    "min_alignment to 1 GiB", align);
	/* pref_address first; then the lowest address at kernel_alignment, then at min. */
	if (pref && !(pref & (min_align - 1)) && high_fits(pl, pref, pl->init_size)) {
		pl->load_addr = pref;
	} else {
		a = ALIGN_UP((u64)LOADER_HIGH_START, align);
		if (!high_fits(pl, a, pl->init_size))
			a = ALIGN_UP((u64)LOADER_HIGH_START, min_align);
		if (!high_fits(pl, a, pl->init_size))
			return fail(pl->res, -ENOSPC, "kernel of init_size 0x%lx does not fit in %lu "
				    "MiB of RAM", pl->init_size, pl->gm->size / MiB);
		pl->load_addr = a;
	}
	/* startup_32 is the first byte of the protected-mode code, wherever it is loaded. */
	pl->res->entry = (u32)pl->load_addr;
	return 0;
}

/* As high as initrd_addr_max and RAM allow, above everything the kernel may use. */
static int place_initrd(struct plan *pl)
{
	const struct loader_linux_args *a = pl->args;
	u64 top, start, max = rd(pl->img, LINUX_INITRD_ADDR_MAX, 4);

	pl->initrd_len = 0;
	if (a->nr_initrds > LOADER_MAX_MODULES)
		return fail(pl->res, -EINVAL, "%u initrds: at most %u", a->nr_initrds,
			    LOADER_MAX_MODULES);
	for (u32 i = 0; i < a->nr_initrds; i++) {
		if (a->initrds[i].len > BELOW_4G)
			return fail(pl->res, -ENOSPC, "initrd %u of %lu bytes", i + 1,
				    a->initrds[i].len);
		pl->initrd_len = ALIGN_UP(pl->initrd_len, INITRD_ALIGN) + a->initrds[i].len;
	}
	if (!pl->initrd_len)
		return 0;
	top = MIN(high_end(pl), max + 1);
	if (pl->initrd_len > top)
		return fail(pl->res, -ENOSPC, "initrd of %lu bytes does not fit below 0x%lx",
			    pl->initrd_len, top);
	start = ALIGN_DOWN(top - pl->initrd_len, PAGE_SIZE);
	if (start < pl->res->kernel_end)
		return fail(pl->res, -ENOSPC, "initrd of %lu bytes does not fit between the kernel "
			    "(to 0x%lx) and 0x%lx", pl->initrd_len, pl->res->kernel_end, top);
	pl->res->initrd_start = start;
	pl->res->initrd_end = start + pl->initrd_len;
	return 0;
}

static int check_cmdline(struct plan *pl)
{
	const struct loader_linux_args *a = pl->args;
	u64 max = MIN(rd(pl->img, LINUX_CMDLINE_SIZE, 4), (u64)LINUX_CMDLINE_MAX);

	pl->cmdline_len = a->cmdline ? strnlen(a->cmdline, a->cmdline_len) : 0;
	if (pl->cmdline_len > max)
		return fail(pl->res, -EINVAL, "command line of %lu bytes: the kernel takes %lu",
			    pl->cmdline_len, max);
	return 0;
}

/* The e820 table: loader_mmap()'s PC layout, in the zero page's own format. */
static void build_e820(const struct plan *pl, int *err)
{
	struct mb2_mmap_entry map[LOADER_MMAP_MAX];
	u32 nr = loader_mmap(pl->gm->size, map, ARRAY_SIZE(map));

	for (u32 i = 0; i < nr; i++) {
		u64 off = LINUX_BP_E820_TABLE + (u64)i * 20;

		bp_put(pl, off, map[i].base, 8, err);
		bp_put(pl, off + 8, map[i].length, 8, err);
		bp_put(pl, off + 16, map[i].type == MB2_MEM_AVAILABLE ? LINUX_E820_RAM :
		       LINUX_E820_RESERVED, 4, err);
	}
	bp_put(pl, LINUX_BP_E820_ENTRIES, nr, 1, err);
}

/*
 * boot.rst, "32-bit Boot Protocol": a zeroed page (the sentinel byte 0 with it), the setup
 * header copied from the file, then the fields a boot loader sets.
 */
static void build_zero_page(const struct plan *pl, int *err)
{
	*err |= gmem_zero(pl->gm, LINUX_BOOT_PARAMS_GPA, LINUX_BP_SIZE);
	*err |= gmem_write(pl->gm, LINUX_BOOT_PARAMS_GPA + LINUX_SETUP_SECTS,
			   pl->img + LINUX_SETUP_SECTS, pl->header_end - LINUX_SETUP_SECTS);
	bp_put(pl, LINUX_VID_MODE, LINUX_VID_NORMAL, 2, err);
	bp_put(pl, LINUX_TYPE_OF_LOADER, LINUX_TYPE_UNDEFINED, 1, err);
	/* A relocated kernel learns where it is from code32_start (boot.rst, code32_start). */
	bp_put(pl, LINUX_CODE32_START, pl->res->entry, 4, err);
	bp_put(pl, LINUX_CMD_LINE_PTR, LINUX_CMDLINE_GPA, 4, err);
	bp_put(pl, LINUX_RAMDISK_IMAGE, pl->res->initrd_start, 4, err);
	bp_put(pl, LINUX_RAMDISK_SIZE, pl->initrd_len, 4, err);
	bp_put(pl, LINUX_BP_ACPI_RSDP_ADDR, pl->args->rsdp_gpa, 8, err);
	build_e820(pl, err);
}

static int write_all(const struct plan *pl)
{
	/* Null, null, __BOOT_CS (code, execute/read), __BOOT_DS (data, read/write): 4 GiB flat. */
	static const u64 gdt[] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	const struct loader_linux_args *a = pl->args;
	const u8 nul = 0;
	u64 at = pl->res->initrd_start;
	int err = 0;

	build_zero_page(pl, &err);
	err |= gmem_write(pl->gm, LINUX_GDT_GPA, gdt, sizeof(gdt));
	if (pl->cmdline_len)
		err |= gmem_write(pl->gm, LINUX_CMDLINE_GPA, a->cmdline, pl->cmdline_len);
	err |= gmem_write(pl->gm, LINUX_CMDLINE_GPA + pl->cmdline_len, &nul, 1);
	err |= gmem_write(pl->gm, pl->load_addr, pl->img + pl->setup_size, pl->load_len);
	/* The kernel zeroes its own bss; the rest of init_size is left as the caller gave it. */
	for (u32 i = 0; i < a->nr_initrds; i++) {
		u64 aligned = ALIGN_UP(at, INITRD_ALIGN);

		err |= gmem_zero(pl->gm, at, aligned - at);
		if (a->initrds[i].len)
			err |= gmem_write(pl->gm, aligned, a->initrds[i].data, a->initrds[i].len);
		at = aligned + a->initrds[i].len;
	}
	return err ? fail(pl->res, -EFAULT, "write outside guest RAM (a loader bug)") : 0;
}

int loader_linux_load(const struct guest_mem *gm, const struct loader_linux_args *args,
		      struct loader_linux_result *res)
{
	struct plan pl = { .gm = gm, .args = args, .res = res, .img = args->image,
			   .img_len = args->image ? args->image_len : 0 };
	int err;

	memset(res, 0, sizeof(*res));
	err = check_header(&pl);
	if (!err)
		err = place_kernel(&pl);
	if (!err) {
		res->kernel_start = pl.load_addr;
		res->kernel_end = pl.load_addr + pl.init_size;
		err = place_initrd(&pl);
	}
	if (!err)
		err = check_cmdline(&pl);
	if (!err && gm->size < LOADER_LOW_END)
		err = fail(res, -ENOSPC, "%lu bytes of RAM: no room below the EBDA", gm->size);
	if (!err)
		err = write_all(&pl);
	if (err) {
		u32 version = res->version;
		char why[LOADER_ERROR_LEN];

		memcpy(why, res->error, sizeof(why));
		memset(res, 0, sizeof(*res));
		res->version = version;
		memcpy(res->error, why, sizeof(why));
		return err;
	}
	res->boot_params = LINUX_BOOT_PARAMS_GPA;
	res->gdt_base = LINUX_GDT_GPA;
	res->gdt_limit = 4 * 8 - 1;
	return 0;
}
