// SPDX-License-Identifier: GPL-2.0
/*
 * FPU/SSE state must not cross from one VM to another. role=writer: vCPU 0 fills XMM0-15
 * with a pattern and MXCSR with an odd value, then spins for three times spin_us, checking that
 * its own registers survive being descheduled. role=reader: after spin_us (the writer has
 * written by then), it starts its AP, whose first instructions read XMM0-15 and MXCSR:
 * a vCPU that never ran must see the power-on state (SDM Vol. 3A, "Processor Management and
 * Initialization", table of register states after power-up: XMM0-15 zero, MXCSR 0x1F80), never
 * the writer's values.
 */
#include <kestrel-rt/rt.h>

#define CR0_MP		(1ull << 1)
#define CR0_EM		(1ull << 2)
#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXMMEXCPT	(1ull << 10)
#define PATTERN		0x5a5a5a5a00c0ffeeull
#define WRITER_MXCSR	0x9fc0u		/* all exceptions masked, flush-to-zero, DAZ */
#define POWER_ON_MXCSR	0x1f80u

static u64 xmm[16];
static u32 mxcsr;

/* SSE may be used: CR0.EM clear, MP set, CR4.OSFXSR and OSXMMEXCPT set (per vCPU). */
static void sse_on(void)
{
	u64 cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" ::"r"((cr0 & ~CR0_EM) | CR0_MP));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT));
}

#define XMM_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
		    X(13) X(14) X(15)

static void xmm_read(u64 *out, u32 *csr)
{
#define READ(n) __asm__ volatile("movq %%xmm" #n ", %0" : "=r"(out[n]));
	XMM_EACH(READ)
#undef READ
	__asm__ volatile("stmxcsr %0" : "=m"(*csr));
}

static void xmm_write(u64 v, u32 csr)
{
#define WRITE(n) __asm__ volatile("movq %0, %%xmm" #n ::"r"(v + n));
	XMM_EACH(WRITE)
#undef WRITE
	__asm__ volatile("ldmxcsr %0" ::"m"(csr));
}

static volatile u32 bad[RT_MAX_CPUS];
static u64 spin_tsc;

static void writer(u32 cpu, void *arg)
{
	u64 got[16], t0 = rt_rdtsc();
	u32 csr;

	(void)arg;
	sse_on();
	xmm_write(PATTERN, WRITER_MXCSR);
	rt_printf("fpu-leak: cpu %u wrote its pattern at TSC %lu\n", cpu, rt_rdtsc());
	while (rt_rdtsc() - t0 < 3 * spin_tsc) {
		rt_pause();
		xmm_read(got, &csr);
		for (u32 i = 0; i < 16; i++)
			bad[cpu] += got[i] != PATTERN + i;
		bad[cpu] += csr != WRITER_MXCSR;
		if (bad[cpu])
			break;
	}
}

/* The AP's first act: what its registers hold before it ever wrote them. */
static void reader(u32 cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	sse_on();
	xmm_read(xmm, &mxcsr);
}

void kmain(const struct rt_boot *boot)
{
	char role[16] = "";
	u32 n;

	(void)boot;
	rt_cmdline_str("role", role, sizeof(role));
	spin_tsc = rt_tsc_from_us(rt_cmdline_u64("spin_us", 100000));
	if (!strcmp(role, "writer")) {
		rt_test_begin("fpu-own-state");
		writer(0, NULL); /* one vCPU: its APs, if any, stay waiting for SIPI */
		rt_check(!bad[0], "its own XMM/MXCSR changed while it was descheduled");
		rt_test_end();
		return;
	}
	rt_test_begin("fpu-fresh-vcpu");
	/* Let the writer run first: its registers are then what this pCPU's FPU holds. */
	for (u64 t0 = rt_rdtsc(); rt_rdtsc() - t0 < spin_tsc;)
		rt_pause();
	rt_printf("fpu-leak: starting the AP at TSC %lu\n", rt_rdtsc());
	n = rt_smp_start(RT_SMP_DEFAULT);
	rt_check(n >= 2, "the reader needs cpus=2, %u up", n);
	if (n >= 2) {
		rt_smp_call(1, reader, NULL);
		rt_smp_wait(1);
		rt_printf("fpu-leak: the AP's first XMM0 0x%lx XMM15 0x%lx MXCSR 0x%x\n", xmm[0],
			  xmm[15], mxcsr);
		for (u32 i = 0; i < 16; i++)
			rt_check(xmm[i] == 0, "a fresh vCPU's XMM%u holds 0x%lx, not 0 (%s)", i,
				 xmm[i], xmm[i] == PATTERN + i ? "the other VM's value" : "garbage");
		rt_check(mxcsr == POWER_ON_MXCSR, "a fresh vCPU's MXCSR is 0x%x, not 0x%x", mxcsr,
			 POWER_ON_MXCSR);
	}
	rt_test_end();
}
