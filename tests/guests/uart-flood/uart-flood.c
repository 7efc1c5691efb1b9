// SPDX-License-Identifier: GPL-2.0
/*
 * A VM that writes a lot to its UART beside one that measures its own progress. role=writer:
 * `lines=` lines of 199 characters and '\n', polling LSR.THRE before each byte as a 16550
 * driver does (PC16550D data sheet); the OUT of each line's '\n' (the exit that ends a line) is timed with
 * the TSC, less the steal time Kestrel reports in the shared area (a slice of the other VM that
 * begins at that exit is not the exit's cost); its worst case must stay under `max_exit=` ticks. role=victim (same pCPU): spins for
 * `spin_us=`, counting loops; the longest gap between two TSC reads (the longest time it was
 * kept off the pCPU) must stay under `max_gap=` ticks.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20
#define LINE_LEN	199 /* and the '\n': one line of Kestrel's at most 200 */

static void put(char c)
{
	/* No bound: a guest whose UART says "busy" waits, as it would on a PC. */
	while (!(rt_inb(COM1_LSR) & LSR_THRE))
		rt_pause();
	rt_outb(COM1, (u8)c);
}

static struct kestrel_vcpu_area area RT_ALIGNED(64);

/* Steal time so far: 0 when the area could not be registered (not Kestrel, or pv=off). */
static u64 steal(bool pv)
{
	return pv ? kestrel_steal_time(&area) : 0;
}

/*
 * The TSC less the steal time so far, read as one: a deschedule between the two reads would
 * count in one and not the other. Read before the TSC, the steal misses a deschedule that
 * ends after it; read after, it counts one that began after the TSC read (a line's OUT once
 * came out 75,460 ticks "negative" so). Read on both sides until they agree.
 */
static u64 running_tsc(bool pv)
{
	u64 s, t;

	do {
		s = steal(pv);
		t = rt_rdtsc();
	} while (steal(pv) != s);
	return t - s;
}

static void writer(u64 lines, u64 max_exit)
{
	u64 worst = 0, sum = 0;
	bool pv = kestrel_hc_set_shared_area((u64)(uintptr_t)&area) == 0;

	rt_printf("uart-flood: writing %lu lines of %u characters\n", lines, LINE_LEN);
	rt_console_flush();
	for (u64 i = 0; i < lines; i++) {
		char head[16];
		u32 n = (u32)rt_snprintf(head, sizeof(head), "line %04lu ", i);
		u64 t0, t1;

		for (u32 c = 0; c < LINE_LEN; c++)
			put(c < n ? head[c] : (char)('a' + (i + c) % 26));
		while (!(rt_inb(COM1_LSR) & LSR_THRE))
			rt_pause();
		t0 = running_tsc(pv);
		rt_outb(COM1, '\n');
		t1 = running_tsc(pv);
		worst = t1 - t0 > worst ? t1 - t0 : worst;
		sum += t1 - t0;
	}
	rt_printf("uart-flood: %lu lines, newline OUT max %lu avg %lu TSC ticks\n", lines, worst,
		  sum / lines);
	rt_test_begin("uart-flood-exit-bounded");
	rt_check(worst <= max_exit, "a line's last OUT took %lu TSC ticks (bound %lu)", worst,
		 max_exit);
	rt_test_end();
}

static void victim(u64 spin_tsc, u64 max_gap)
{
	u64 t0 = rt_rdtsc(), last = t0, gap = 0, loops = 0;

	while (last - t0 < spin_tsc) {
		u64 now = rt_rdtsc();

		gap = now - last > gap ? now - last : gap;
		last = now;
		loops++;
	}
	rt_printf("uart-flood: victim made %lu loops in %lu TSC ticks, longest gap %lu\n", loops,
		  spin_tsc, gap);
	rt_test_begin("uart-flood-victim-runs");
	rt_check(gap <= max_gap, "kept off its pCPU for %lu TSC ticks (bound %lu)", gap, max_gap);
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	char role[16] = "writer";

	(void)boot;
	rt_cmdline_str("role", role, sizeof(role));
	if (!strcmp(role, "victim"))
		victim(rt_tsc_from_us(rt_cmdline_u64("spin_us", 200000)),
		       rt_cmdline_u64("max_gap", ~0ull));
	else
		writer(rt_cmdline_u64("lines", 100), rt_cmdline_u64("max_exit", 100000));
}
