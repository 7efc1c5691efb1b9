// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile-guest fuzzer: every vCPU issues random exits from a seeded PRNG (CPUID, MSRs, I/O,
 * hypercalls with almost-valid VP sets and range lists, control registers, IPIs, INIT/SIPI,
 * timers in every mode, interrupt windows, HLT, and on CPU 0 the same at CPL 3) and survives
 * its own faults. `seed=S ops=N` replay a run: each CPU's sequence of operations follows from
 * S (how they interleave does not). `end=outside` makes the last operation a load from
 * guest-physical memory outside RAM, which stops the VM (docs/design.md, "Memory").
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>
#include "traps.h"

#define DEFAULT_OPS	100000
#define DEFAULT_SEED	1
#define VEC_FIRST	0x20	/* vectors the fuzzer sends and takes: 0x20-0xef */
#define VEC_LAST	0xef	/* 0xf0 and up are the runtime's (kestrel-rt/irq.h) */
#define VEC_WAKE_HLT	0x30	/* the timer that ends an HLT operation */
#define CANARY_WORDS	8192
#define SCRATCH_SIZE	(64 * 1024)
#define OUTSIDE_FAR	(1ull << 40)
#define AP_WAIT_TICKS	(1ull << 30)	/* TSC ticks an AP restart or stop may take */

/* x2APIC MSRs, 0x800 + offset / 16 (SDM Vol. 3A, 12.12.1.2, table 12-6). */
#define X2APIC(reg)	(0x800 + (reg) / 16)
#define MSR_ICR		X2APIC(RT_APIC_ICR_LO)

/* CR0, CR4 and EFER bits (SDM Vol. 3A, 2.5, figure 2-7; 2.2.1, table 2-1). */
#define CR0_FLIPPABLE	(0x3eull | 1ull << 16 | 1ull << 18 | 1ull << 30)
#define CR4_PAE		(1ull << 5)
#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)

enum op_class {
	OP_CPUID,
	OP_RDMSR,
	OP_WRMSR,
	OP_IO,
	OP_HYPERCALL,
	OP_CR,
	OP_APIC,
	OP_IPI,
	OP_INIT_SIPI,
	OP_TIMER,
	OP_WINDOW,
	OP_HLT,
	OP_RING3,
	OP_NR_CLASSES,
};

static const char *const class_names[OP_NR_CLASSES] = {
	"cpuid", "rdmsr", "wrmsr", "io", "hypercall", "cr", "apic", "ipi", "init-sipi",
	"timer", "window", "hlt", "ring3",
};

struct fuzz_cpu {
	u64 rng;
	u64 ops[OP_NR_CLASSES];
	volatile u32 irqs, nmis, apic_errors;
	volatile u32 running;		/* in the loop (an INIT drops it without a word) */
	u32 restarts;
	volatile u32 cur;		/* the class of the operation under way */
	volatile u32 parked_round;	/* the last round of `quiesce` this AP parked for */
	volatile u32 in_hlt;		/* between STI;HLT and the CLI after it */
	volatile u64 op_tsc;		/* when the operation under way began */
	u64 last_icr;			/* the last ICR value op_ipi() wrote */
	u8 last[16];			/* the classes of the last 16, for a report */
	u32 nr;
	u64 bad;			/* invariant failures seen on this CPU */
	struct kestrel_vcpu_area area;	/* each CPU's own, registered for good at the start */
} RT_ALIGNED(64);

static struct fuzz_cpu cpus[RT_MAX_CPUS];
static volatile u32 go, stop;
/*
 * CPU 0 restarts an AP: the APs park for round `quiesce` (0: none), each noting it in its
 * parked_round. A round number, not a flag and a count: an AP still spinning from the last
 * round may never see the flag drop between two rounds (it shares a pCPU, and nothing makes it
 * run in that window), and an increment of its from the last round must not count for this one.
 */
static volatile u32 quiesce;
static u32 rounds;
static volatile u64 total_ops;
static u64 want_ops, seed, progress_every, ram_end;
static u32 class_mask;			/* `classes=`: a bit per operation class that runs */
static u32 n_cpus;
static bool have_ring3, x2apic;
static bool nmis_on;			/* `nmi=off`: no NMI IPIs (to tell a finding apart) */
static bool mem_protect;		/* `mem=on`: KESTREL_HC_MEM_PROTECT among the hypercalls */
static bool park_aps;			/* `park=off`: INIT an AP wherever it is, spin meanwhile */
static u64 canary[CANARY_WORDS];
static u8 scratch[SCRATCH_SIZE] RT_ALIGNED(4096);	/* everything Kestrel may write */
/*
 * What KESTREL_HC_MEM_PROTECT may give back, make read-only or take back: nothing else reads or
 * writes it, and two whole 2 MiB chunks lie in it, so a give-back returns host frames.
 */
#define PROTECT_PAGE	4096ul
#define PROTECT_CHUNK	(2ul << 20)
#define PROTECT_SIZE	(3 * PROTECT_CHUNK)
static u8 protect_area[PROTECT_SIZE] RT_ALIGNED(4096);
static u32 tramp_vector;				/* the runtime's AP trampoline page */

void fuzz_describe(u32 cpu);
static void op_hlt(struct fuzz_cpu *c);

/* The runtime's AP boot-stack slot counter (smp.c): one per start, reset for each restart. */
extern volatile u32 rt_ap_boot_seq;
extern u8 rt_trampoline_start[];

static u64 splitmix(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u64 rnd(struct fuzz_cpu *c)
{
	return splitmix(&c->rng);
}

/* Uniform enough below n (n > 0). */
static u64 below(struct fuzz_cpu *c, u64 n)
{
	return rnd(c) % n;
}

static bool chance(struct fuzz_cpu *c, u32 one_in)
{
	return below(c, one_in) == 0;
}

static u8 rnd_vector(struct fuzz_cpu *c)
{
	return (u8)(VEC_FIRST + below(c, VEC_LAST - VEC_FIRST + 1));
}

/* A random value with a bias to the edges: 0, all ones, one bit, small, anything. */
static u64 rnd_value(struct fuzz_cpu *c)
{
	switch (below(c, 6)) {
	case 0:
		return 0;
	case 1:
		return ~0ull;
	case 2:
		return 1ull << below(c, 64);
	case 3:
		return below(c, 256);
	default:
		return rnd(c);
	}
}

/* An invariant of the interface failed: counted, and reported once per CPU and kind. */
#define BAD(c, fmt, ...)                                                                       \
	do {                                                                                   \
		if ((c)->bad++ < 8)                                                            \
			rt_check(false, "seed %lu cpu %u: " fmt, seed, rt_cpu_index(),          \
				 ##__VA_ARGS__);                                               \
	} while (0)

static bool try_rdmsr(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;

	__asm__ volatile(FIXUP("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (u64)hi << 32 | lo;
	return !traps_take();
}

static bool try_wrmsr(u32 msr, u64 val)
{
	__asm__ volatile(FIXUP("wrmsr") : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			 : "memory");
	return !traps_take();
}

static u64 read_cr0(void)
{
	u64 v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static u64 read_cr4(void)
{
	u64 v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static bool try_cr0(u64 v)
{
	__asm__ volatile(FIXUP("mov %0, %%cr0") : : "r"(v) : "memory");
	return !traps_take();
}

static bool try_cr4(u64 v)
{
	__asm__ volatile(FIXUP("mov %0, %%cr4") : : "r"(v) : "memory");
	return !traps_take();
}

static bool try_cr8(u64 v)
{
	__asm__ volatile(FIXUP("mov %0, %%cr8") : : "r"(v) : "memory");
	return !traps_take();
}

static u64 read_cr8(void)
{
	u64 v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void op_cpuid(struct fuzz_cpu *c)
{
	static const u32 bases[] = { 0, 0x40000000, 0x80000000, 0x40000100, 0x8fffffff };
	u32 leaf = chance(c, 4) ? (u32)rnd(c) : bases[below(c, 5)] + (u32)below(c, 0x20);
	u32 sub = chance(c, 2) ? (u32)below(c, 4) : (u32)rnd(c);
	u32 a = leaf, b, cx = sub, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(cx), "=d"(d));
	if (leaf == 1 && (cx & RT_CPUID1_ECX_VMX))
		BAD(c, "CPUID.1:ECX shows VMX (0x%x)", cx);
	if (leaf == KESTREL_CPUID_BASE &&
	    (b != KESTREL_SIGNATURE_EBX || cx != KESTREL_SIGNATURE_ECX ||
	     d != KESTREL_SIGNATURE_EDX))
		BAD(c, "leaf 0x40000000 subleaf 0x%x lost its signature", sub);
}

/* MSRs the guest itself lives on, or that another class fuzzes with a restore. */
static bool msr_kept(u32 msr)
{
	return msr == RT_MSR_IA32_APIC_BASE || msr == RT_MSR_IA32_GS_BASE ||
	       msr == RT_MSR_IA32_EFER || msr == RT_MSR_IA32_TSC_DEADLINE ||
	       (msr >= 0x800 && msr <= 0x8ff);
}

static u32 rnd_msr(struct fuzz_cpu *c)
{
	static const u32 known[] = { 0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0xfe, 0x174, 0x175,
				     0x176, 0x179, 0x17a, 0x1a0, 0x1d9, 0x277, 0x2ff, 0x345,
				     0x480, 0x48d, 0x491, 0x6e0, 0x10a, 0xc0000081, 0xc0000082,
				     0xc0000084, 0xc0000100, 0xc0000102, 0xc0000103,
				     0x40000000, 0x4b564d00, 0xc0010000 };

	switch (below(c, 4)) {
	case 0:
		return (u32)rnd(c);
	case 1:
		return known[below(c, RT_ARRAY_SIZE(known))] + (u32)below(c, 4);
	case 2:
		return 0x800 + (u32)below(c, 0x100);
	default:
		return (u32)below(c, 0x2000) | (chance(c, 2) ? 0xc0000000u : 0);
	}
}

static void op_rdmsr(struct fuzz_cpu *c)
{
	u32 msr = rnd_msr(c);
	u64 v;
	bool ok = try_rdmsr(msr, &v);

	/* VMX is not offered: its capability MSRs do not exist (SDM Vol. 4, table 2-2). */
	if (ok && msr >= 0x480 && msr <= 0x493)
		BAD(c, "RDMSR 0x%x (a VMX capability) gave 0x%lx", msr, v);
	if (ok && msr == 0x3a && (v & 6))
		BAD(c, "IA32_FEATURE_CONTROL 0x%lx allows VMXON", v);
}

static void op_wrmsr(struct fuzz_cpu *c)
{
	u32 msr = rnd_msr(c);
	u64 old, v = rnd_value(c);

	if (msr_kept(msr))
		return;
	if (!try_rdmsr(msr, &old)) {
		try_wrmsr(msr, v);
		return;
	}
	/* Readable: a random value, then the old one back (both may #GP). */
	try_wrmsr(msr, v);
	try_wrmsr(msr, old);
}

/* Ports that end or reset the VM (tests/guests/README.md) and the console's UART. */
static bool port_out_kept(u16 port, u32 val)
{
	return port == 0xf4 || (port == 0xcf9 && (val & 4)) || (port == 0x64 && (u8)val == 0xfe) ||
	       (port >= 0x3f8 && port < 0x400);
}

static void op_io(struct fuzz_cpu *c)
{
	u16 port = chance(c, 2) ? (u16)rnd(c) : (u16)below(c, 0x400);
	u32 val = (u32)rnd_value(c), size = 1u << below(c, 3), in = 0;

	if (chance(c, 2)) {
		if (size == 1)
			__asm__ volatile("inb %w1, %b0" : "=a"(in) : "Nd"(port));
		else if (size == 2)
			__asm__ volatile("inw %w1, %w0" : "=a"(in) : "Nd"(port));
		else
			__asm__ volatile("inl %w1, %0" : "=a"(in) : "Nd"(port));
		return;
	}
	if (port_out_kept(port, val))
		return;
	if (size == 1)
		__asm__ volatile("outb %b0, %w1" : : "a"(val), "Nd"(port));
	else if (size == 2)
		__asm__ volatile("outw %w0, %w1" : : "a"(val), "Nd"(port));
	else
		__asm__ volatile("outl %0, %w1" : : "a"(val), "Nd"(port));
}

/* A VP set in registers or in scratch, almost valid: one thing wrong now and then. */
static void rnd_vpset(struct fuzz_cpu *c, u64 *flags, u64 *rsi, u64 *rdx, u64 *r10)
{
	u64 valid = n_cpus >= 64 ? ~0ull : (1ull << n_cpus) - 1;
	struct kestrel_vp_set *s;
	u32 nr, off;

	if (chance(c, 2)) {
		*flags |= KESTREL_VPSET_INLINE;
		*rsi = chance(c, 4) ? rnd(c) : (chance(c, 8) ? 1ull << 32 : 0);
		*rdx = chance(c, 4) ? rnd_value(c) : rnd(c) & valid;
		*r10 = chance(c, 4) ? rnd_value(c) : 0;
		return;
	}
	off = (u32)below(c, SCRATCH_SIZE / 2) & ~7u;
	s = (struct kestrel_vp_set *)(scratch + off);
	nr = chance(c, 8) ? (u32)rnd_value(c) : 1 + (u32)below(c, 4);
	s->nr_banks = nr;
	s->reserved = chance(c, 16) ? (u32)rnd(c) : 0;
	for (u32 i = 0; i < 4; i++) {
		s->banks[i].index = chance(c, 6) ? (u32)rnd_value(c) : i;
		s->banks[i].reserved = chance(c, 16) ? (u32)rnd(c) : 0;
		s->banks[i].bits = chance(c, 4) ? rnd_value(c) : rnd(c) & valid;
	}
	switch (below(c, 12)) {
	case 0:
		*rsi = OUTSIDE_FAR + off;
		break;
	case 1:
		*rsi = ram_end - below(c, 64);
		break;
	case 2:
		*rsi = rnd(c);
		break;
	default:
		*rsi = (u64)(uintptr_t)s;
	}
	*rdx = chance(c, 10) ? rnd(c) : 0;
	*r10 = chance(c, 10) ? rnd(c) : 0;
}

static u64 rnd_ranges(struct fuzz_cpu *c, u32 nr)
{
	u32 off = SCRATCH_SIZE / 2 + ((u32)below(c, SCRATCH_SIZE / 4) & ~15u);
	struct kestrel_flush_range *r = (struct kestrel_flush_range *)(scratch + off);

	for (u32 i = 0; i < nr && i < KESTREL_FLUSH_MAX_RANGES + 1; i++) {
		r[i].addr = chance(c, 6) ? rnd_value(c) : below(c, 1ull << 47) & ~0xfffull;
		r[i].pages = chance(c, 6) ? rnd_value(c) : 1 + below(c, 64);
		if (chance(c, 8))
			r[i].addr |= 0xffff800000000000ull;
	}
	switch (below(c, 10)) {
	case 0:
		return OUTSIDE_FAR;
	case 1:
		return ram_end - 16 * below(c, 4);
	default:
		return (u64)(uintptr_t)r;
	}
}

/* KVM's guest ABI (docs/abi.md, section 10): its numbers, and its "no such call". */
#define KVM_HC_KICK_CPU 5
#define KVM_HC_SEND_IPI 10
#define KVM_HC_SCHED_YIELD 11
#define KVM_HC_MAX 0xffff
#define KVM_ENOSYS 1000

static bool kvm; /* KVMKVMKVM at CPUID 0x40000100: this VM answers KVM's numbers too */

static bool documented(s64 r)
{
	return r == 0 || r == -KESTREL_EPERM || r == -KESTREL_EFAULT || r == -KESTREL_EINVAL ||
	       r == -KESTREL_E2BIG || r == -KESTREL_ENOSYS;
}

static void op_hypercall(struct fuzz_cpu *c)
{
	u64 nr, rdi = rnd_value(c), rsi = rnd_value(c), rdx = rnd_value(c), r10 = rnd_value(c);
	u64 r8 = rnd_value(c), r9 = rnd(c), kind;
	bool known = true;
	s64 r;

	switch (below(c, mem_protect ? 8 : 7)) {
	case 7: { /* this VM's own memory, in protect_area; now and then a range that is wrong */
		u64 base = (u64)(uintptr_t)protect_area, pages = PROTECT_SIZE / PROTECT_PAGE;
		u64 chunk = (base + PROTECT_CHUNK - 1) & ~(PROTECT_CHUNK - 1);
		u64 first = below(c, pages), n = 1 + below(c, pages - first);

		nr = KESTREL_HC_MEM_PROTECT;
		if (chance(c, 4)) /* a whole 2 MiB chunk or more: host frames move */
			first = (chunk - base) / PROTECT_PAGE,
			n = PROTECT_CHUNK / PROTECT_PAGE * (1 + below(c, 2));
		rdi = base + first * PROTECT_PAGE;
		rsi = n * PROTECT_PAGE;
		rdx = below(c, 3);
		if (chance(c, 10))
			rdi += below(c, PROTECT_PAGE);	/* unaligned: -EINVAL */
		if (chance(c, 10))
			rsi = chance(c, 2) ? 0 : rnd_value(c);
		if (chance(c, 10))
			rdx = rnd_value(c);
		if (chance(c, 20))
			rdi = ram_end - PROTECT_PAGE * below(c, 4); /* past RAM: -EFAULT */
		break;
	}
	case 0: /* a shared area: in scratch (aligned or not), past RAM, or 0 */
		nr = KESTREL_HC_SET_SHARED_AREA;
		kind = below(c, 5);
		rdi = kind == 0 ? (u64)(uintptr_t)scratch + (below(c, SCRATCH_SIZE / 64) << 6) :
		      kind == 1 ? (u64)(uintptr_t)scratch + below(c, SCRATCH_SIZE - 64) :
		      kind == 2 ? ram_end + (below(c, 64) << 6) :
		      kind == 3 ? rnd(c) : (u64)(uintptr_t)&c->area;
		break;
	case 1:
	case 2:
		nr = KESTREL_HC_SEND_IPI;
		rdi = rnd_vector(c);
		if (chance(c, 8) && nmis_on)
			rdi |= KESTREL_IPI_NMI;
		if (chance(c, 10))	/* a flag abi.h does not define (7:0 are the vector) */
			rdi |= 1ull << (9 + below(c, 55));
		rnd_vpset(c, &rdi, &rsi, &rdx, &r10);
		break;
	case 3:
	case 4: {
		static const u32 kinds[] = { KESTREL_FLUSH_ALL, KESTREL_FLUSH_NONGLOBAL,
					     KESTREL_FLUSH_RANGES };
		u32 n = 0;

		nr = KESTREL_HC_FLUSH_TLB;
		rdi = kinds[below(c, 3)];
		if (chance(c, 2))
			rdi |= KESTREL_FLUSH_SET_GEN;
		if (chance(c, 10))
			rdi |= 1ull << below(c, 31);
		if (rdi & KESTREL_FLUSH_RANGES || chance(c, 10)) {
			n = chance(c, 10) ? (u32)rnd_value(c) : 1 + (u32)below(c, 66);
			r8 = rnd_ranges(c, n);
		}
		rdi |= (u64)n << 32;
		rnd_vpset(c, &rdi, &rsi, &rdx, &r10);
		r9 = chance(c, 2) ? rnd_value(c) : total_ops;
		break;
	}
	case 5:
		nr = chance(c, 2) ? KESTREL_HC_DEBUG_STATS : KESTREL_HC_DEBUG_EPT_INVALIDATE;
		known = false;
		break;
	default:
		nr = chance(c, 2) ? rnd(c) : chance(c, 2) ? below(c, 0x200) : 0x10000 + below(c, 0x200);
		known = nr == KESTREL_HC_SET_SHARED_AREA || nr == KESTREL_HC_FLUSH_TLB ||
			nr == KESTREL_HC_SEND_IPI || nr == KVM_HC_SEND_IPI ||
			nr == KESTREL_HC_MEM_PROTECT;
		/*
		 * An area anywhere is a write anywhere: keep to the calls above. KVM's PV IPI with
		 * random registers would send this guest vectors it keeps clear of (below 0x20).
		 */
		if (known)
			return;
		break;
	}
	r = kestrel_hypercall(nr, rdi, rsi, rdx, r10, r8, r9);
	if (!documented(r) && !(kvm && nr <= KVM_HC_MAX && r == -KVM_ENOSYS))
		BAD(c, "hypercall 0x%lx (0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx) returned %ld", nr,
		    rdi, rsi, rdx, r10, r8, r9, r);
	/*
	 * This VM has no debug=on: the debug calls are unknown numbers like the rest (abi.h). In a
	 * VM that offers KVM's ABI, numbers up to 0xffff are KVM's: a kick and a directed yield
	 * answer 0 whatever their target, the rest -1000 (docs/abi.md, section 10).
	 */
	if (!known && kvm && nr <= KVM_HC_MAX) {
		s64 want = nr == KVM_HC_KICK_CPU || nr == KVM_HC_SCHED_YIELD ? 0 : -KVM_ENOSYS;

		if (r != want)
			BAD(c, "hypercall 0x%lx returned %ld, expected %ld (KVM's)", nr, r, want);
	} else if (!known && r != -KESTREL_ENOSYS) {
		BAD(c, "hypercall 0x%lx returned %ld, expected -ENOSYS", nr, r);
	}
	if (nr == KESTREL_HC_SET_SHARED_AREA)
		kestrel_hypercall(nr, (u64)(uintptr_t)&c->area, 0, 0, 0, 0, 0);
}

static void op_cr(struct fuzz_cpu *c)
{
	u64 old, v;
	bool ok;

	switch (below(c, 4)) {
	case 0: /* CR0: a bit the guest can live with flipped, or one of the reserved high half */
		old = read_cr0();
		do
			v = 1ull << below(c, 64);
		while (!(v & CR0_FLIPPABLE) && v < (1ull << 32));
		ok = try_cr0(old ^ v);
		if (ok && v >= (1ull << 32))
			BAD(c, "CR0 bit %u (reserved) was accepted", __builtin_ctzll(v));
		if (ok)
			try_cr0(old);
		break;
	case 1: /* CR4: any bit but PAE (long mode needs it) and SMEP/SMAP (ring 3's pages) */
		old = read_cr4();
		do
			v = 1ull << below(c, 64);
		while (v & (CR4_PAE | CR4_SMEP | CR4_SMAP));
		if (try_cr4(old ^ v))
			try_cr4(old);
		break;
	case 2: /* CR8: 0-15, or a reserved bit (#GP, SDM Vol. 2B, MOV to CR8) */
		old = read_cr8();
		v = chance(c, 4) ? rnd_value(c) | 16 : below(c, 16);
		ok = try_cr8(v);
		if (ok && v > 15)
			BAD(c, "CR8 = 0x%lx was accepted", v);
		if (ok && v < 16 && read_cr8() != v)
			BAD(c, "CR8 reads 0x%lx after writing 0x%lx", read_cr8(), v);
		try_cr8(old);
		break;
	default: /* EFER: flip a bit, restore when it took */
		if (!try_rdmsr(RT_MSR_IA32_EFER, &old))
			break;
		v = 1ull << (chance(c, 2) ? below(c, 16) : below(c, 64));
		if (try_wrmsr(RT_MSR_IA32_EFER, old ^ v))
			try_wrmsr(RT_MSR_IA32_EFER, old);
		break;
	}
}

/* The local APIC's registers through their MSRs: random writes, the old value back after. */
static void op_apic(struct fuzz_cpu *c)
{
	static const u32 regs[] = { RT_APIC_TPR, RT_APIC_LDR, RT_APIC_SVR, RT_APIC_ESR,
				    RT_APIC_LVT_LINT0, RT_APIC_LVT_LINT1, RT_APIC_LVT_ERROR,
				    RT_APIC_TIMER_DIV, RT_APIC_ID, RT_APIC_VERSION, RT_APIC_EOI,
				    RT_APIC_SELF_IPI, 0x2f0, 0x330, 0x340, 0x3f0 };
	u32 reg = regs[below(c, RT_ARRAY_SIZE(regs))], msr = X2APIC(reg);
	u64 old, v = chance(c, 2) ? rnd_value(c) : (u32)rnd(c);

	if (chance(c, 3)) {
		try_rdmsr(0x800 + (u32)below(c, 0x100), &old);
		return;
	}
	if (reg == RT_APIC_SELF_IPI) {
		/*
		 * Vectors 0-15 are illegal (an APIC error, SDM Vol. 3A, 12.5.3); 16-31 would be
		 * delivered and taken for exceptions, 0xf0 and up are the runtime's (0xff has no
		 * EOI): the fuzzer would break itself, not Kestrel.
		 */
		try_wrmsr(msr, chance(c, 8) ? (v & ~0xffull) | below(c, 16) : rnd_vector(c));
		return;
	}
	if (reg == RT_APIC_EOI) {
		/* A non-zero EOI is #GP in x2APIC mode (SDM Vol. 3A, 12.12.1.2). */
		if (v && try_wrmsr(msr, v))
			BAD(c, "x2APIC EOI of 0x%lx was accepted", v);
		return;
	}
	if (!try_rdmsr(msr, &old)) {
		try_wrmsr(msr, v);
		return;
	}
	/* LVT vectors below 0x20 are not deliverable; keep the vector in the fuzzer's range. */
	if (reg >= RT_APIC_LVT_LINT0 && reg <= RT_APIC_LVT_ERROR)
		v = (v & ~0xffull) | rnd_vector(c);
	if (try_wrmsr(msr, v))
		try_wrmsr(msr, old);
}

/* Fixed, lowest-priority, SMI, NMI and reserved modes anywhere; INIT and SIPI nowhere real. */
static void op_ipi(struct fuzz_cpu *c)
{
	u64 dest, lo, mode = below(c, 8);

	if (!x2apic)
		return;
	if (mode == 4 && !nmis_on)
		mode = 0;
	lo = (mode << 8) | rnd_vector(c) | RT_IPI_ASSERT;
	if (chance(c, 2))
		lo |= RT_IPI_LOGICAL;
	if (chance(c, 16))
		lo |= RT_IPI_LEVEL;
	dest = chance(c, 2) ? below(c, n_cpus + 2) : rnd_value(c) & 0xffffffffull;
	if (mode == 5 || mode == 6) {
		/* INIT and SIPI to IDs no vCPU has: physical, no shorthand, not broadcast. */
		lo &= ~RT_IPI_LOGICAL;
		dest = n_cpus + below(c, 0xffff);
	} else if (chance(c, 3)) {
		lo |= (u64)(1 + below(c, 3)) << 18;	/* self, all, all but self */
	}
	if (chance(c, 16))
		lo |= 1ull << (20 + below(c, 12));	/* a reserved bit: #GP (12.12.1.2) */
	c->last_icr = dest << 32 | lo;
	try_wrmsr(MSR_ICR, dest << 32 | lo);
}

/*
 * CPU 0 waits for the APs by halting on a short TSC deadline between looks, not by spinning: the
 * pCPU it may share with an AP goes to the AP (or to the victim) meanwhile.
 */
static void wait_a_little(struct fuzz_cpu *c)
{
	if (park_aps)
		op_hlt(c);
	else
		rt_pause();
}

/* How many APs parked for round r (after their exit, so what was posted to them is taken). */
static u32 aps_parked(u32 r)
{
	u32 n = 0;

	for (u32 i = 1; i < n_cpus; i++)
		n += rt_atomic_load(&cpus[i].parked_round) == r;
	return n;
}

/* CPU 0 only: INIT an AP (its fuzzing is cut short) and SIPI it back into the trampoline. */
static void op_init_sipi(struct fuzz_cpu *c)
{
	u32 ap = 1 + (u32)below(c, n_cpus - 1), id = rt_smp_apic_id(ap), before, round, n;
	u64 t0;

	if (!x2apic || !tramp_vector)
		return;
	/*
	 * Every AP parks first, after an exit: an NMI it was sent is taken before the INIT.
	 * Kestrel keeps a pending NMI across INIT (docs/security.md, "NMI and INIT"), which
	 * triple-faulted the AP in its real-mode trampoline (seed 1, classes=0x181).
	 */
	round = ++rounds;
	rt_atomic_store(&quiesce, park_aps ? round : 0);
	t0 = rt_rdtsc();
	while (park_aps && (n = aps_parked(round)) < n_cpus - 1 && rt_rdtsc() - t0 < AP_WAIT_TICKS)
		wait_a_little(c);
	if (park_aps && (n = aps_parked(round)) < n_cpus - 1) {
		BAD(c, "%u of %u APs parked for an INIT", n, n_cpus - 1);
		for (u32 i = 1; i < n_cpus; i++)
			fuzz_describe(i);
	}
	before = rt_smp_starts(ap);
	rt_ap_boot_seq = 0;	/* one restart in flight at a time: slot 0 is free */
	try_wrmsr(MSR_ICR, (u64)id << 32 | RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT);
	if (chance(c, 2))
		try_wrmsr(MSR_ICR, (u64)id << 32 | RT_IPI_INIT | RT_IPI_LEVEL);
	/* No wait, or a short one: the 10 ms of SDM Vol. 3A, 10.4.4.1 are for hardware. */
	if (chance(c, 4))
		rt_udelay(below(c, 50));
	try_wrmsr(MSR_ICR, (u64)id << 32 | RT_IPI_SIPI | RT_IPI_ASSERT | tramp_vector);
	if (chance(c, 2))
		try_wrmsr(MSR_ICR, (u64)id << 32 | RT_IPI_SIPI | RT_IPI_ASSERT | tramp_vector);
	t0 = rt_rdtsc();
	while (rt_smp_starts(ap) == before && rt_rdtsc() - t0 < AP_WAIT_TICKS)
		wait_a_little(c);
	if (rt_smp_starts(ap) == before)
		BAD(c, "cpu %u did not come back after INIT-SIPI (it was in a %s operation, its "
		    "%lu-th)", ap, class_names[cpus[ap].cur], cpus[ap].ops[cpus[ap].cur] + 1);
	else
		cpus[ap].restarts++;
	rt_atomic_store(&quiesce, 0);
	/* While it runs: SIPIs with any vector must be ignored. */
	if (chance(c, 2))
		try_wrmsr(MSR_ICR, (u64)id << 32 | RT_IPI_SIPI | RT_IPI_ASSERT | below(c, 256));
}

static void op_timer(struct fuzz_cpu *c)
{
	u64 lvt = rnd_vector(c) | below(c, 4) << 17 | (chance(c, 4) ? 1u << 16 : 0);

	if (chance(c, 16))
		lvt |= rnd(c) & 0xfff80000ull & 0xffffffffull;
	try_wrmsr(X2APIC(RT_APIC_LVT_TIMER), lvt);
	switch (below(c, 4)) {
	case 0:
		try_wrmsr(X2APIC(RT_APIC_TIMER_DIV), rnd_value(c) & (chance(c, 4) ? ~0ull : 0xb));
		break;
	case 1:
		try_wrmsr(X2APIC(RT_APIC_TIMER_INIT), chance(c, 2) ? below(c, 5000) : rnd_value(c));
		break;
	case 2:
		try_wrmsr(RT_MSR_IA32_TSC_DEADLINE, chance(c, 2) ? rnd_value(c) :
			  rt_rdtsc() + below(c, 200000) - 1000);
		break;
	default:
		try_wrmsr(X2APIC(RT_APIC_TIMER_INIT), 0);
		try_wrmsr(RT_MSR_IA32_TSC_DEADLINE, 0);
		break;
	}
}

static void op_window(struct fuzz_cpu *c)
{
	u32 n = 1 + (u32)below(c, 8);

	while (n--)
		__asm__ volatile("sti; nop; cli" ::: "memory");
}

/* HLT with a wake-up armed: a TSC deadline soon, on this CPU's own vector. */
static void op_hlt(struct fuzz_cpu *c)
{
	if (!x2apic || !rt_timer_deadline_supported()) {
		op_window(c);
		return;
	}
	try_wrmsr(X2APIC(RT_APIC_LVT_TIMER), VEC_WAKE_HLT | 2u << 17);
	try_wrmsr(RT_MSR_IA32_TSC_DEADLINE, rt_rdtsc() + 1000 + below(c, 100000));
	c->in_hlt = 1;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	c->in_hlt = 0;
}

static void op_ring3(struct fuzz_cpu *c)
{
	enum ring3_op op = (enum ring3_op)below(c, RING3_NR_OPS);
	u64 rax = chance(c, 2) ? below(c, 0x200) : rnd(c), rcx = rnd_msr(c);
	u64 rdi = chance(c, 2) ? below(c, 8ull << 20) : rnd(c), ret;
	u32 v;

	if (!have_ring3)
		return;
	ret = ring3_run(op, rax, rcx, rnd(c), rdi);
	v = traps_take();
	switch (op) {
	case RING3_VMCALL:
		if ((s64)ret != -KESTREL_EPERM)
			BAD(c, "hypercall 0x%lx at CPL 3 returned %ld", rax, (s64)ret);
		break;
	case RING3_CPUID:
		break;
	case RING3_LOAD:
		if (v && v != 13 + 1 && v != 14 + 1)
			BAD(c, "a CPL 3 load of 0x%lx raised vector %u", rdi, v - 1);
		break;
	default: /* privileged at CPL 3: #GP (SDM Vol. 2, each instruction's exceptions) */
		if (v != 13 + 1)
			BAD(c, "ring-3 program %u raised %d, expected #GP", op, (int)v - 1);
		break;
	}
}

static void (*const ops[OP_NR_CLASSES])(struct fuzz_cpu *c) = {
	[OP_CPUID] = op_cpuid,		[OP_RDMSR] = op_rdmsr,	[OP_WRMSR] = op_wrmsr,
	[OP_IO] = op_io,		[OP_HYPERCALL] = op_hypercall,
	[OP_CR] = op_cr,		[OP_APIC] = op_apic,	[OP_IPI] = op_ipi,
	[OP_INIT_SIPI] = op_init_sipi,	[OP_TIMER] = op_timer,	[OP_WINDOW] = op_window,
	[OP_HLT] = op_hlt,		[OP_RING3] = op_ring3,
};

static void count_irq(struct rt_frame *f)
{
	(void)f;
	cpus[rt_cpu_index()].irqs++;
}

static void count_nmi(struct rt_frame *f)
{
	(void)f;
	cpus[rt_cpu_index()].nmis++;
}

/* Illegal vectors sent or received are the APIC's to report (SDM Vol. 3A, 12.5.3). */
static void count_apic_error(struct rt_frame *f)
{
	(void)f;
	try_wrmsr(X2APIC(RT_APIC_ESR), 0);
	cpus[rt_cpu_index()].apic_errors++;
}

static void fuzz_loop(u32 cpu)
{
	struct fuzz_cpu *c = &cpus[cpu];

	rt_cli();
	c->running = 1;
	kestrel_hypercall(KESTREL_HC_SET_SHARED_AREA, (u64)(uintptr_t)&c->area, 0, 0, 0, 0, 0);
	while (!rt_atomic_load(&stop)) {
		enum op_class k = (enum op_class)below(c, OP_NR_CLASSES);
		u32 q;

		/* CPU 0 alone has ring 3 and restarts the APs (it must never take an INIT). */
		if (k == OP_RING3 || k == OP_INIT_SIPI)
			k = OP_CPUID;
		if (!(class_mask & 1u << k))
			continue;
		q = rt_atomic_load(&quiesce);
		if (q) {
			u32 a = 0, b, cx = 0, d;

			/*
			 * An exit, so that what was posted to this vCPU is delivered; then wait
			 * while this round lasts. Restarted by CPU 0 in the round it parked for, it
			 * waits again without parking twice.
			 */
			if (c->parked_round != q) {
				__asm__ volatile("sti; cpuid; nop; cli"
						 : "+a"(a), "=b"(b), "+c"(cx), "=d"(d) : : "memory");
				rt_atomic_store(&c->parked_round, q);
			}
			while (rt_atomic_load(&quiesce) == q)
				rt_pause();
			continue;
		}
		c->cur = k;
		c->op_tsc = rt_rdtsc();
		c->last[c->nr++ % 16] = (u8)k;
		ops[k](c);
		c->ops[k]++;
		__atomic_fetch_add(&total_ops, 1, __ATOMIC_RELAXED);
	}
	try_wrmsr(X2APIC(RT_APIC_TIMER_INIT), 0);
	try_wrmsr(RT_MSR_IA32_TSC_DEADLINE, 0);
	try_wrmsr(X2APIC(RT_APIC_LVT_TIMER), 1u << 16 | VEC_WAKE_HLT);
	c->running = 0;
	rt_sti();
}

void ap_main(u32 cpu)
{
	while (!rt_atomic_load(&go))
		rt_pause();
	fuzz_loop(cpu);
}

/* Called by traps.c before it stops a CPU on an exception no fixup covers. */
void fuzz_describe(u32 cpu)
{
	struct fuzz_cpu *c = &cpus[cpu];
	char line[16 * 12 + 1];
	int n = 0;

	for (u32 i = c->nr > 16 ? c->nr - 16 : 0; i < c->nr; i++)
		n += rt_snprintf(line + n, sizeof(line) - n, " %s", class_names[c->last[i % 16]]);
	rt_printf("hostile-fuzz: cpu %u (seed %lu): its operation %u was a %s (%s, begun %lu TSC "
		  "ticks ago, last ICR 0x%lx); before it:%s\n", cpu, seed, c->nr,
		  class_names[c->cur], c->in_hlt ? "in its HLT" : "not halted",
		  rt_rdtsc() - c->op_tsc, c->last_icr, line);
}

/* Progress lines while CPU 0 fuzzes: its loop checks in between operations. */
static void report(u64 done)
{
	rt_printf("hostile-fuzz: %lu of %lu ops, tsc %lu\n", done, want_ops, rt_rdtsc());
}

static bool canary_intact(void)
{
	u64 s = seed ^ 0x6b657374726c;

	for (u32 i = 0; i < CANARY_WORDS; i++)
		if (canary[i] != splitmix(&s))
			return false;
	return true;
}

static void cpu0_fuzz(void)
{
	struct fuzz_cpu *c = &cpus[0];
	u64 next = progress_every;

	rt_atomic_store(&go, 1);
	rt_cli();
	c->running = 1;
	kestrel_hypercall(KESTREL_HC_SET_SHARED_AREA, (u64)(uintptr_t)&c->area, 0, 0, 0, 0, 0);
	while (!rt_atomic_load(&stop)) {
		enum op_class k = (enum op_class)below(c, OP_NR_CLASSES);

		if (k == OP_INIT_SIPI && n_cpus < 2)
			k = OP_CPUID;
		if (!(class_mask & 1u << k))
			continue;
		c->cur = k;
		c->op_tsc = rt_rdtsc();
		c->last[c->nr++ % 16] = (u8)k;
		ops[k](c);
		c->ops[k]++;
		if (__atomic_add_fetch(&total_ops, 1, __ATOMIC_RELAXED) >= want_ops)
			rt_atomic_store(&stop, 1);
		if (total_ops >= next) {
			rt_sti();
			report(total_ops);
			rt_cli();
			next += progress_every;
		}
	}
	try_wrmsr(X2APIC(RT_APIC_TIMER_INIT), 0);
	try_wrmsr(RT_MSR_IA32_TSC_DEADLINE, 0);
	try_wrmsr(X2APIC(RT_APIC_LVT_TIMER), 1u << 16 | VEC_WAKE_HLT);
	c->running = 0;
	rt_sti();
}

void kmain(const struct rt_boot *boot)
{
	char end[16] = "", nmi[8] = "on", park[8] = "", mem[8] = "";
	u64 s, t0, sum[OP_NR_CLASSES] = { 0 };
	u32 irqs = 0, nmis = 0, restarts = 0, errors = 0;

	seed = rt_cmdline_u64("seed", DEFAULT_SEED);
	want_ops = rt_cmdline_u64("ops", DEFAULT_OPS);
	progress_every = rt_cmdline_u64("progress", want_ops / 10 ? want_ops / 10 : 1);
	rt_cmdline_str("end", end, sizeof(end));
	rt_cmdline_str("nmi", nmi, sizeof(nmi));
	nmis_on = strcmp(nmi, "off") != 0;
	park_aps = !(rt_cmdline_str("park", park, sizeof(park)) && !strcmp(park, "off"));
	mem_protect = rt_cmdline_str("mem", mem, sizeof(mem)) && !strcmp(mem, "on");
	class_mask = (u32)rt_cmdline_u64("classes", (1u << OP_NR_CLASSES) - 1);
	ram_end = boot->mem_top;
	{
		struct rt_cpuid k = rt_cpuid(0x40000100, 0);

		kvm = k.ebx == 0x4b4d564b && k.ecx == 0x564b4d56 && k.edx == 0x4d;
	}
	rt_printf("hostile-fuzz: seed %lu ops %lu classes 0x%x (replay: seed=%lu ops=%lu)\n", seed,
		  want_ops, class_mask, seed, want_ops);
	s = seed ^ 0x6b657374726c;
	for (u32 i = 0; i < CANARY_WORDS; i++)
		canary[i] = splitmix(&s);
	x2apic = rt_apic_mode() == RT_APIC_X2APIC;
	for (u32 v = VEC_FIRST; v <= VEC_LAST; v++)
		rt_irq_install(v, count_irq);
	rt_irq_install(RT_VEC_NMI, count_nmi);
	rt_irq_install(RT_VEC_APIC_ERROR, count_apic_error);
	traps_install();
	have_ring3 = ring3_setup();

	rt_test_begin("hostile-fuzz-start");
	n_cpus = rt_smp_start(RT_SMP_DEFAULT);
	/* The runtime put its AP trampoline at 0x8000 when that page was free (smp.c). */
	if (!memcmp((void *)0x8000, rt_trampoline_start, 16))
		tramp_vector = 0x8;
	if (rt_smp_cpus_wanted())
		rt_check(n_cpus == rt_smp_cpus_wanted(), "%u cpus up, cpus=%u", n_cpus,
			 rt_smp_cpus_wanted());
	rt_check(x2apic, "the fuzzer drives the APIC through x2APIC MSRs; this one is xAPIC");
	rt_printf("hostile-fuzz: %u cpus, ring 3 %s, AP restarts %s, RAM ends at 0x%lx\n", n_cpus,
		  have_ring3 ? "yes" : "no", tramp_vector ? "yes" : "no", ram_end);
	for (u32 i = 0; i < n_cpus; i++)
		cpus[i].rng = seed * 0x100000001b3ull + i + 1;
	rt_test_end();
	if (rt_tests_failed())
		return;
	rt_test_begin("hostile-fuzz");
	cpu0_fuzz();
	t0 = rt_rdtsc();
	for (u32 i = 1; i < n_cpus; i++)
		while (rt_atomic_load(&cpus[i].running) && rt_rdtsc() - t0 < AP_WAIT_TICKS)
			wait_a_little(&cpus[0]);
	irqs = ring3_strays;	/* vector 0x81's other interrupts */
	for (u32 i = 0; i < n_cpus; i++) {
		for (u32 k = 0; k < OP_NR_CLASSES; k++)
			sum[k] += cpus[i].ops[k];
		irqs += cpus[i].irqs;
		nmis += cpus[i].nmis;
		errors += cpus[i].apic_errors;
		restarts += cpus[i].restarts;
		rt_check(!cpus[i].running, "cpu %u still fuzzing after the stop", i);
	}
	rt_printf("hostile-fuzz: %lu ops done; interrupts %u, NMIs %u, APIC errors %u, AP restarts "
		  "%u, ring-3 returns %u\n", total_ops, irqs, nmis, errors, restarts,
		  ring3_returns());
	for (u32 k = 0; k < OP_NR_CLASSES; k++)
		rt_printf("hostile-fuzz: ops %-10s %lu\n", class_names[k], sum[k]);
	for (u32 v = 0; v < TRAPS_VECTORS; v++)
		if (traps_count(v))
			rt_printf("hostile-fuzz: faults stepped over, vector %2u: %lu\n", v,
				  traps_count(v));
	rt_check(total_ops >= want_ops, "%lu ops of %lu", total_ops, want_ops);
	rt_check(!traps_unexpected(), "%u exceptions outside fuzzed instructions",
		 traps_unexpected());
	rt_check(canary_intact(), "the canary (guest memory Kestrel must not write) changed");
	rt_test_end();
	if (!strcmp(end, "outside")) {
		u64 gpa = ram_end + (below(&cpus[0], (0xfee00000ull - ram_end) >> 12) << 12);

		rt_printf("hostile-fuzz: last op: a load from guest-physical 0x%lx, outside RAM\n",
			  gpa);
		rt_printf("RESULT: %s\n", rt_tests_failed() ? "FAIL" : "PASS");
		rt_console_flush();
		(void)*(volatile u64 *)(uintptr_t)gpa;
		rt_printf("hostile-fuzz: the load outside RAM came back\n");
	}
}
