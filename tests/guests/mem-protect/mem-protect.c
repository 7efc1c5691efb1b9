// SPDX-License-Identifier: GPL-2.0
/*
 * KESTREL_HC_MEM_PROTECT while the other vCPUs use the range: CPU 0 makes a window of pages
 * read-only, read-write, gives it back and takes it back, while every other CPU keeps reading
 * (and in read-write phases writing) its own page of the window. Each value a CPU reads during
 * a change must be one the ABI allows before or after it; once the call returned and CPU 0
 * announced the phase, every CPU must see the new rights at once: a write to read-only memory
 * goes nowhere (also a read-modify-write), given-back memory reads all ones and drops writes,
 * taken back it reads zero, made read-write again it keeps its contents. Then every argument
 * check: alignment, overflow, outside RAM, an unknown mode, read-only over given-back memory,
 * and one page made read-only inside a 2 MiB page (its neighbours stay writable).
 */
#include <kestrel-rt/rt.h>
#include <kestrel/abi.h>

#define WINDOW (8ull << 20) /* above the runtime's image, stack and boot information */
#define WINDOW_PAGES 16
#define SPLIT_PAGE ((10ull << 20) + 4096) /* one page inside the 2 MiB page at 10 MiB */
#define ONES 0xffffffffu
#define STRADDLE_PAGE (12ull << 20) /* its last 4 bytes and the next page's first 4 */
#define CHUNKS (16ull << 20) /* two whole 2 MiB host chunks: they go back to the host */

enum phase { P_RW, P_RO, P_RW_AGAIN, P_GONE, P_BACK, P_END };

static volatile u32 phase, changing, acked[RT_MAX_CPUS];
static volatile u32 bad_reads[RT_MAX_CPUS];
static volatile u32 last_bad[RT_MAX_CPUS];

static s64 mem_protect(u64 gpa, u64 size, u64 mode)
{
	u64 rax = KESTREL_HC_MEM_PROTECT;

	__asm__ volatile("vmcall" : "+a"(rax) : "D"(gpa), "S"(size), "d"(mode) : "memory");
	return (s64)rax;
}

static volatile u32 *page_of(u32 cpu)
{
	return (volatile u32 *)(uintptr_t)(WINDOW + cpu * 4096ull);
}

static u32 pattern(u32 cpu, u32 phase_nr)
{
	return 0x5a000000u | cpu << 8 | phase_nr;
}

/* A read-modify-write with a memory destination: an emulated one must read, then drop. */
static void add_one(volatile u32 *p)
{
	__asm__ volatile("addl $1, %0" : "+m"(*p) : : "cc");
}

/* While CPU 0 changes the rights: each value read must be what was there or what comes. */
static void watch(u32 cpu, u32 before, u32 after)
{
	while (rt_atomic_load(&changing)) {
		u32 v = *page_of(cpu);

		if (v != before && v != after) {
			bad_reads[cpu]++;
			last_bad[cpu] = v;
		}
	}
}

static void worker(u32 cpu, void *arg)
{
	volatile u32 *p = page_of(cpu);
	u32 v;

	(void)arg;
	/* Read-write: what it writes it reads back. */
	*p = pattern(cpu, P_RW);
	rt_check(*p == pattern(cpu, P_RW), "cpu %u: read-write page did not keep a write", cpu);
	rt_atomic_store(&acked[cpu], P_RW + 1);
	while (rt_atomic_load(&phase) == P_RW)
		watch(cpu, pattern(cpu, P_RW), pattern(cpu, P_RW));
	/* Read-only: plain and read-modify-write stores go nowhere. */
	*p = 0x12345678;
	add_one(p);
	v = *p;
	rt_check(v == pattern(cpu, P_RW), "cpu %u: wrote read-only memory after the call: %#x",
		 cpu, v);
	rt_atomic_store(&acked[cpu], P_RO + 1);
	while (rt_atomic_load(&phase) == P_RO)
		watch(cpu, pattern(cpu, P_RW), pattern(cpu, P_RW));
	/* Read-write again: the contents kept, writes land. */
	v = *p;
	rt_check(v == pattern(cpu, P_RW), "cpu %u: read-write again reads %#x", cpu, v);
	*p = pattern(cpu, P_RW_AGAIN);
	add_one(p);
	v = *p;
	rt_check(v == pattern(cpu, P_RW_AGAIN) + 1, "cpu %u: a write after read-write was lost "
		 "(%#x)", cpu, v);
	rt_atomic_store(&acked[cpu], P_RW_AGAIN + 1);
	while (rt_atomic_load(&phase) == P_RW_AGAIN)
		watch(cpu, pattern(cpu, P_RW_AGAIN) + 1, ONES);
	/* Given back: all ones, and writes go nowhere. */
	v = *p;
	rt_check(v == ONES, "cpu %u: given-back memory reads %#x, not all ones", cpu, v);
	*p = 0x12345678;
	add_one(p);
	v = *p;
	rt_check(v == ONES, "cpu %u: a write to given-back memory stayed (%#x)", cpu, v);
	rt_atomic_store(&acked[cpu], P_GONE + 1);
	while (rt_atomic_load(&phase) == P_GONE)
		watch(cpu, ONES, 0);
	/* Taken back: zero, and ours again. */
	v = *p;
	rt_check(v == 0, "cpu %u: taken-back memory reads %#x, not 0", cpu, v);
	*p = pattern(cpu, P_BACK);
	rt_check(*p == pattern(cpu, P_BACK), "cpu %u: taken-back memory did not keep a write",
		 cpu);
	rt_check(bad_reads[cpu] == 0, "cpu %u: %u reads during the changes gave values neither "
		 "before nor after (last %#x)", cpu, bad_reads[cpu], last_bad[cpu]);
	rt_atomic_store(&acked[cpu], P_BACK + 1);
}

/* CPU 0: the change, then the new phase, then every other CPU's checks. */
static void change(u32 n, u32 next, u64 mode, const char *what)
{
	s64 ret;

	for (u32 i = 1; i < n; i++)
		while (rt_atomic_load(&acked[i]) < next)
			rt_pause();
	rt_atomic_store(&changing, 1);
	ret = mem_protect(WINDOW, WINDOW_PAGES * 4096ull, mode);
	rt_atomic_store(&changing, 0);
	rt_check(ret == 0, "%s returned %ld", what, ret);
	rt_atomic_store(&phase, next);
}

static void check_arguments(u64 mem_top)
{
	static const struct {
		u64 gpa, size, mode;
		s64 want;
		const char *what;
	} bad[] = {
		{ WINDOW + 8, 4096, KESTREL_MEM_READ_ONLY, -KESTREL_EINVAL, "a misaligned address" },
		{ WINDOW, 4095, KESTREL_MEM_READ_ONLY, -KESTREL_EINVAL, "a misaligned size" },
		{ WINDOW, 0, KESTREL_MEM_READ_ONLY, -KESTREL_EINVAL, "size 0" },
		{ WINDOW, 4096, 3, -KESTREL_EINVAL, "mode 3" },
		{ WINDOW, 4096, 1ull << 32 | 1, -KESTREL_EINVAL, "mode with high bits" },
		{ 0xfffffffffffff000ull, 8192, KESTREL_MEM_READ_ONLY, -KESTREL_EINVAL,
		  "a range that wraps" },
		{ WINDOW, 0xfffffffffffff000ull, KESTREL_MEM_GIVE_BACK, -KESTREL_EINVAL,
		  "a size that wraps" },
		{ 0xfee00000, 4096, KESTREL_MEM_READ_WRITE, -KESTREL_EFAULT, "the xAPIC page" },
	};
	s64 ret;

	for (u32 i = 0; i < RT_ARRAY_SIZE(bad); i++) {
		ret = mem_protect(bad[i].gpa, bad[i].size, bad[i].mode);
		rt_check(ret == bad[i].want, "%s: returned %ld, not %ld", bad[i].what, ret,
			 bad[i].want);
	}
	ret = mem_protect(mem_top, 4096, KESTREL_MEM_READ_WRITE);
	rt_check(ret == -KESTREL_EFAULT, "past RAM: returned %ld", ret);
	ret = mem_protect(mem_top - 4096, 8192, KESTREL_MEM_GIVE_BACK);
	rt_check(ret == -KESTREL_EFAULT, "across RAM's end: returned %ld", ret);
	/* Read-only needs RAM throughout: a given-back page in the range refuses it whole. */
	ret = mem_protect(WINDOW + 4096, 4096, KESTREL_MEM_GIVE_BACK);
	rt_check(ret == 0, "giving one page back returned %ld", ret);
	ret = mem_protect(WINDOW, 3 * 4096, KESTREL_MEM_READ_ONLY);
	rt_check(ret == -KESTREL_EFAULT, "read-only over given-back memory: returned %ld", ret);
	*page_of(0) = 77;
	rt_check(*page_of(0) == 77, "a refused call changed the rights of the page before");
	ret = mem_protect(WINDOW, 3 * 4096, KESTREL_MEM_READ_WRITE);
	rt_check(ret == 0, "taking it back returned %ld", ret);
}

/* One read-only page inside a 2 MiB page: it refuses writes, its neighbours take them. */
static void check_split(void)
{
	volatile u32 *ro = (volatile u32 *)(uintptr_t)SPLIT_PAGE;
	volatile u32 *before = ro - 1024, *after = ro + 1024;

	*ro = 1;
	*before = 2;
	*after = 3;
	rt_check(mem_protect(SPLIT_PAGE, 4096, KESTREL_MEM_READ_ONLY) == 0, "split: call failed");
	*ro = 4;
	*before = 5;
	*after = 6;
	rt_check(*ro == 1 && *before == 5 && *after == 6, "split: read-only page %u, before %u, "
		 "after %u (want 1, 5, 6)", *ro, *before, *after);
	rt_check(mem_protect(SPLIT_PAGE, 4096, KESTREL_MEM_READ_WRITE) == 0, "split: undo failed");
	*ro = 7;
	rt_check(*ro == 7, "split: read-write again refused a write");
}

/* Whole chunks given back read all ones; taken back (fresh host memory) they read zero. */
static void check_chunks(void)
{
	volatile u32 *first = (volatile u32 *)(uintptr_t)CHUNKS;
	volatile u32 *last = (volatile u32 *)(uintptr_t)(CHUNKS + (4ull << 20) - 4);

	*first = 5;
	*last = 6;
	rt_check(mem_protect(CHUNKS, 4ull << 20, KESTREL_MEM_GIVE_BACK) == 0, "chunks: give back");
	rt_check(*first == ONES && *last == ONES, "chunks: given back read %#x, %#x", *first,
		 *last);
	rt_check(mem_protect(CHUNKS, 4ull << 20, KESTREL_MEM_READ_WRITE) == 0, "chunks: take back");
	rt_check(*first == 0 && *last == 0, "chunks: taken back read %#x, %#x (want 0)", *first,
		 *last);
	*first = 7;
	rt_check(*first == 7, "chunks: taken back refused a write");
}

static void store8(u64 addr, u64 v)
{
	__asm__ volatile("movq %1, (%0)" : : "r"(addr), "r"(v) : "memory");
}

static u64 load8(u64 addr)
{
	u64 v;

	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

/* Accesses that start in emulated memory and end in RAM: each half goes where it lies. */
static void check_straddle(void)
{
	volatile u32 *last = (volatile u32 *)(uintptr_t)(STRADDLE_PAGE + 4092);
	volatile u32 *next = (volatile u32 *)(uintptr_t)(STRADDLE_PAGE + 4096);
	u64 v;

	*last = 0x11111111;
	*next = 0x22222222;
	rt_check(mem_protect(STRADDLE_PAGE, 4096, KESTREL_MEM_READ_ONLY) == 0, "straddle: RO");
	store8(STRADDLE_PAGE + 4092, 0x4444444433333333ull);
	rt_check(*last == 0x11111111 && *next == 0x44444444, "straddle: a store from read-only "
		 "memory into RAM left %#x, %#x (want 0x11111111, 0x44444444)", *last, *next);
	rt_check(mem_protect(STRADDLE_PAGE, 4096, KESTREL_MEM_READ_WRITE) == 0, "straddle: RW");
	rt_check(mem_protect(STRADDLE_PAGE, 4096, KESTREL_MEM_GIVE_BACK) == 0, "straddle: gone");
	v = load8(STRADDLE_PAGE + 4092);
	rt_check(v == 0x44444444ffffffffull, "straddle: a load from given-back memory into RAM "
		 "read %#lx (want 0x44444444ffffffff)", v);
	store8(STRADDLE_PAGE + 4092, 0x6666666655555555ull);
	rt_check(*next == 0x66666666, "straddle: a store from given-back memory into RAM left "
		 "%#x (want 0x66666666)", *next);
	rt_check(mem_protect(STRADDLE_PAGE, 4096, KESTREL_MEM_READ_WRITE) == 0, "straddle: back");
}

void kmain(const struct rt_boot *boot)
{
	struct rt_cpuid id = rt_cpuid(KESTREL_CPUID_BASE, 0);
	u32 n;

	rt_test_begin("mem-protect");
	if (!rt_check(id.ebx == KESTREL_SIGNATURE_EBX, "not on Kestrel with pv=on"))
		return;
	if (!rt_check(rt_cpuid(KESTREL_CPUID_FEATURES, 0).ebx & KESTREL_FEATURE_MEM,
		      "KESTREL_FEATURE_MEM not offered"))
		return;
	n = rt_smp_start(RT_SMP_DEFAULT);
	if (n > WINDOW_PAGES)
		n = WINDOW_PAGES;
	for (u32 i = 1; i < n; i++)
		rt_smp_call(i, worker, NULL);
	change(n, P_RO, KESTREL_MEM_READ_ONLY, "read-only");
	change(n, P_RW_AGAIN, KESTREL_MEM_READ_WRITE, "read-write");
	change(n, P_GONE, KESTREL_MEM_GIVE_BACK, "give back");
	change(n, P_BACK, KESTREL_MEM_READ_WRITE, "take back");
	for (u32 i = 1; i < n; i++)
		rt_smp_wait(i);
	rt_printf("mem-protect: %u CPUs saw every change\n", n);
	check_arguments(boot->mem_top);
	check_split();
	check_chunks();
	check_straddle();
	rt_test_end();
}
