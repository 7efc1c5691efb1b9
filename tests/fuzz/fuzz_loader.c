// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: hv/loader.c takes any kernel image and writes only where it says, inside RAM. */
#include <sanitizer/asan_interface.h>
#include "fuzz.h"
#include "hv/loader.h"

/*
 * Guest RAM here is a fake that records every write instead of backing it, so RAM can be as
 * large as a real VM's (past 4 GiB) at no cost; the source bytes are still copied, so ASan sees
 * a read outside the image or a module.
 */
#define MAX_WRITES 8192
#define MAX_MODULES 4
#define MODULE_MAX (16 * KiB)

struct write_rec {
	u64 gpa, len;
};

static struct write_rec writes[MAX_WRITES];
static u32 nr_writes;
static u8 sink[64 * KiB];
static u8 module_data[MAX_MODULES][MODULE_MAX];

static int record(const struct guest_mem *gm, u64 gpa, const void *src, u64 len)
{
	if (!gmem_range_ok(gm, gpa, len))
		return -EFAULT;
	if (nr_writes == MAX_WRITES)
		abort(); /* more writes than any image of this size can ask for */
	writes[nr_writes++] = (struct write_rec){ gpa, len };
	for (u64 done = 0; src && done < len; done += sizeof(sink))
		memcpy(sink, (const u8 *)src + done, MIN(len - done, (u64)sizeof(sink)));
	return 0;
}

bool gmem_range_ok(const struct guest_mem *gm, u64 gpa, u64 len)
{
	return gpa <= gm->size && len <= gm->size - gpa;
}

int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len)
{
	return record(gm, gpa, src, len);
}

int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len)
{
	return record(gm, gpa, NULL, len);
}

int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len)
{
	abort(); /* the loader never reads guest RAM */
}

static bool inside(u64 gpa, u64 len, u64 start, u64 end)
{
	return gpa >= start && gpa <= end && len <= end - gpa;
}

/* Available RAM below 4 GiB, as the loader's own memory map says (page 0 to the EBDA, 1 MiB up). */
static bool available(u64 gpa, u64 len, u64 ram)
{
	u64 top = MIN(ram, 4 * GiB);

	return inside(gpa, len, 0, MIN(top, (u64)LOADER_LOW_END)) ||
	       inside(gpa, len, LOADER_HIGH_START, top);
}

/* Where the loader says it put the modules: page-aligned, in order, after the kernel. */
static void module_places(const struct loader_result *res, const struct loader_module *m, u32 nr,
			  u64 *at)
{
	u64 cur = ALIGN_UP(MAX(res->kernel_end, (u64)LOADER_HIGH_START), PAGE_SIZE);

	for (u32 i = 0; i < nr; i++) {
		at[i] = cur;
		cur = ALIGN_UP(cur + m[i].len, PAGE_SIZE);
	}
}

/*
 * A padded image ends where pad_buf does, and the bytes before it are poisoned: ASan sees an
 * access outside it as it would with a heap copy, without an allocation of up to 36 KiB per run
 * (that made the target three times slower).
 */
static u8 pad_buf[255 * 128 + 8 * KiB] __attribute__((aligned(8)));

static u8 *padded_image(u64 len)
{
	u8 *p;

	if (len > sizeof(pad_buf))
		return malloc(len);
	p = pad_buf + sizeof(pad_buf) - len;
	ASAN_POISON_MEMORY_REGION(pad_buf, (u64)(p - pad_buf) & ~7ull);
	return p;
}

static void check_success(const struct guest_mem *gm, const struct loader_result *res,
			  const struct loader_module *m, u32 nr)
{
	u64 at[MAX_MODULES];

	module_places(res, m, nr, at);
	if (res->error[0] || (res->version != 1 && res->version != 2))
		abort();
	/* Its segments may lie on both sides of the reserved hole: each write is checked below. */
	if (res->kernel_start >= res->kernel_end || res->kernel_end > MIN(gm->size, 4 * GiB))
		abort();
	if (res->entry < res->kernel_start || res->entry >= res->kernel_end)
		abort();
	if (res->info < (nr ? at[nr - 1] + m[nr - 1].len : res->kernel_end) ||
	    res->info % 8 || res->end <= res->info || !available(res->info, res->end - res->info,
								  gm->size))
		abort(); /* the information overlaps the modules or is not in available RAM */
	for (u32 i = 0; i < nr; i++)
		if (!available(at[i], m[i].len, gm->size))
			abort();
	/* Every write is inside the kernel, a module or the information, all available RAM. */
	for (u32 i = 0; i < nr_writes; i++) {
		const struct write_rec *w = &writes[i];
		bool ok = inside(w->gpa, w->len, res->kernel_start, res->kernel_end) ||
			  inside(w->gpa, w->len, res->info, res->end);

		for (u32 j = 0; !ok && j < nr; j++)
			ok = inside(w->gpa, w->len, at[j], at[j] + m[j].len);
		if (!ok || !available(w->gpa, w->len, gm->size))
			abort();
	}
}

/*
 * Input: a byte for the RAM size, the modules, the RSDP and the command line; the module
 * lengths; how many 128-byte blocks of zeros to insert into the image, and where (in 8-byte
 * units); then the image (the rest). RAM is 2 MiB to 4 GiB + 6 MiB, so the "below 4 GiB" checks
 * are reached as well as the RAM ones.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u64 ram_sizes[] = { 2 * MiB, 4 * MiB, 6 * MiB, 32 * MiB, 4 * GiB - 2 * MiB,
					 4 * GiB, 4 * GiB + 6 * MiB, 64 * MiB };
	static const char cmdline[] = "console=ttyS0 rounds=100";
	static const char *const names[MAX_MODULES] = { "initrd", "", "data.bin x=1", "m" };
	struct fuzz_input in = { data, size };
	struct loader_module mods[MAX_MODULES];
	struct guest_mem gm = { .size = 0 }; /* state NULL: every chunk ready */
	struct loader_result res;
	struct loader_args a;
	u32 sel = (u32)fuzz_u64(&in, 1), nr = ((sel >> 3) & 7) % (MAX_MODULES + 1);
	u8 *image = NULL;
	u64 pad, at;
	int err;

	gm.size = ram_sizes[sel & 7];
	gm.nr_chunks = gm.size / GMEM_CHUNK_SIZE;
	for (u32 i = 0; i < nr; i++)
		mods[i] = (struct loader_module){ module_data[i], fuzz_u64(&in, 2) % MODULE_MAX,
						  names[i], strlen(names[i]) };
	pad = fuzz_u64(&in, 1) * 128;
	at = fuzz_u64(&in, 1) * 8;
	at = MIN(at, (u64)in.n);
	if (pad) {
		/* Zeros inserted: headers and segments past the 8 KiB and 32 KiB search windows. */
		image = padded_image(in.n + pad);
		memcpy(image, in.p, at);
		memset(image + at, 0, pad);
		memcpy(image + at + pad, in.p + at, in.n - at);
	}
	a = (struct loader_args){ pad ? image : in.p, in.n + pad, cmdline,
				  (sel & 0x80) ? sizeof(cmdline) - 1 : 0, mods, nr, "Kestrel",
				  (sel & 0x40) ? "RSD PTR " : NULL, 8 };
	nr_writes = 0;
	err = loader_load(&gm, &a, &res);
	if (image && image != pad_buf + sizeof(pad_buf) - (in.n + pad))
		free(image);
	ASAN_UNPOISON_MEMORY_REGION(pad_buf, sizeof(pad_buf));
	if (strnlen(res.error, sizeof(res.error)) == sizeof(res.error))
		abort(); /* a message without its terminator */
	if (err) {
		/* Everything is checked before anything is written. */
		if (nr_writes || !res.error[0] || err == -EFAULT || res.version)
			abort();
		return 0;
	}
	check_success(&gm, &res, mods, nr);
	return 0;
}
