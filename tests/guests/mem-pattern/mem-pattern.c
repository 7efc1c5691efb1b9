// SPDX-License-Identifier: GPL-2.0
/*
 * Fills every free page of RAM with a pattern made from `seed=` and each address, then reads
 * it all back. Two VMs running this at once with different seeds show their memory is private.
 */
#include <kestrel-rt/rt.h>

#define PAGE		4096ull
#define MAPPED_TOP	(4ull << 30)	/* the runtime's identity map */
#define DEFAULT_SEED	0x1234

static u64 seed;

/* A 64-bit mix of the address and the seed (splitmix64's finalizer). */
static u64 pattern(u64 addr, u32 pass)
{
	u64 x = (addr ^ (seed << 32) ^ seed ^ ((u64)pass << 48)) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* fn on every page of free RAM: available, mapped, not the image, boot info or a module. */
static u64 for_each_free_page(const struct rt_boot *boot, u64 (*fn)(u64 page, u32 pass),
			      u32 pass)
{
	u64 result = 0;

	for (u32 i = 0; i < boot->n_regions; i++) {
		const struct rt_mem_region *r = &boot->regions[i];
		u64 start = (r->base + PAGE - 1) & ~(PAGE - 1);
		u64 end = (r->base + r->len) & ~(PAGE - 1);

		if (r->type != RT_MEM_AVAILABLE)
			continue;
		if (start < PAGE)
			start = PAGE;	/* not page 0: a null pointer to the compiler */
		if (end > MAPPED_TOP)
			end = MAPPED_TOP;
		for (u64 page = start; page < end; page += PAGE) {
			if (!rt_boot_range_in_use(page, page + PAGE))
				result += fn(page, pass);
		}
	}
	return result;
}

static u64 fill_page(u64 page, u32 pass)
{
	volatile u64 *p = (volatile u64 *)(uintptr_t)page;

	for (u64 off = 0; off < PAGE / 8; off++)
		p[off] = pattern(page + off * 8, pass);
	return PAGE;
}

static u64 first_bad = ~0ull, bad_value, bad_want;

static u64 check_page(u64 page, u32 pass)
{
	volatile u64 *p = (volatile u64 *)(uintptr_t)page;
	u64 bad = 0;

	for (u64 off = 0; off < PAGE / 8; off++) {
		u64 want = pattern(page + off * 8, pass), got = p[off];

		if (got == want)
			continue;
		if (!bad && first_bad == ~0ull) {
			first_bad = page + off * 8;
			bad_value = got;
			bad_want = want;
		}
		bad++;
	}
	return bad;
}

void kmain(const struct rt_boot *boot)
{
	u32 passes = (u32)rt_cmdline_u64("passes", 1);

	seed = rt_cmdline_u64("seed", DEFAULT_SEED);
	rt_printf("mem-pattern: seed 0x%lx, %u pass(es), %lu KiB available, image 0x%lx-0x%lx\n",
		  seed, passes, boot->mem_available >> 10, boot->image_start, boot->image_end);
	rt_test_begin("mem-pattern");
	for (u32 pass = 1; pass <= passes; pass++) {
		u64 t0 = rt_rdtsc(), bytes, bad;

		bytes = for_each_free_page(boot, fill_page, pass);
		rt_printf("mem-pattern: pass %u: wrote %lu KiB\n", pass, bytes >> 10);
		bad = for_each_free_page(boot, check_page, pass);
		rt_printf("mem-pattern: pass %u: read back %lu KiB, %lu bad words, %lu us\n", pass,
			  bytes >> 10, bad, rt_tsc_to_us(rt_rdtsc() - t0));
		rt_check(bad == 0, "%lu words differ; first at 0x%lx: 0x%lx, wrote 0x%lx", bad,
			 first_bad, bad_value, bad_want);
		/* Most of RAM is free: testing much less means the walk is wrong. */
		rt_check(bytes >= boot->mem_available / 2, "only %lu of %lu KiB tested",
			 bytes >> 10, boot->mem_available >> 10);
	}
	rt_test_end();
}
