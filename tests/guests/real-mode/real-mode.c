// SPDX-License-Identifier: GPL-2.0
/*
 * Faults in real mode. The BSP gives the AP a real-mode program of its own (INIT-SIPI to a page
 * below 1 MiB) and an IVT entry for #GP. The AP does RDMSR of an MSR nobody has: the #GP it
 * takes must be delivered as real mode delivers it, with no error code on the stack (SDM Vol.
 * 3A, "Interrupt and Exception Handling": error codes are pushed in protected mode only; an
 * injected event with one in real mode fails VM entry, Vol. 3C 28.2.1.3). The handler steps
 * over the RDMSR; the AP then takes INT 0x42 and INT3 through its IVT (a software interrupt in
 * real mode, SDM Vol. 3A, 21.1.4), writes its marker and halts.
 *
 * Then INIT drops pending events: ROUNDS times, the BSP sends the AP an NMI and an INIT back to
 * back, then a SIPI. An INIT clears pending events (SDM Vol. 3C, 27.2, "INIT signals", on what
 * it does outside VMX operation), so an NMI must never reach the program the SIPI starts: the
 * AP's NMI handler counts NMIs that interrupted its first instruction (IP 0, where one left
 * pending across the INIT is injected). One taken before the INIT, in the halt loop, is fine.
 * With `cpus=4` (vCPUs 1 and 3 on one pCPU, balance=off, the VM debug=on) vCPU 3 asks for the
 * exit statistics each round and the NMI and INIT are sent while that pCPU's scheduler prints
 * them, between runs: so they reach vCPU 1's requests together, as one batch.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define MARKER		0x600d
#define GP_VECTOR	13
#define BP_VECTOR	3
#define SOFT_VECTOR	0x42

/* The AP's program, run at CS = page >> 4, IP = 0: offsets are from rm_start. */
__asm__(".pushsection .rodata\n"
	".global rm_start, rm_end, rm_handler, rm_marker, rm_faults, rm_nmi, rm_nmis\n"
	".global rm_nmis_at_start, rm_soft, rm_softs\n"
	".code16\n"
	"rm_start:\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %ss\n"
	"	mov $0xff0, %sp\n"
	"	sti\n"
	"	mov $0xdead0000, %ecx\n"	/* an MSR nobody has */
	"	rdmsr\n"
	"	int $0x42\n"			/* software interrupts: through the IVT */
	"	int3\n"
	"	movw $0x600d, (rm_marker - rm_start)\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"rm_handler:\n"			/* IP, CS, FLAGS on the stack; nothing more */
	"	push %bp\n"
	"	mov %sp, %bp\n"
	"	addw $2, 2(%bp)\n"		/* past the 2-byte RDMSR */
	"	incw %cs:(rm_faults - rm_start)\n"
	"	pop %bp\n"
	"	iret\n"
	"rm_soft:\n"			/* IP past the INT: nothing to step over */
	"	incw %cs:(rm_softs - rm_start)\n"
	"	iret\n"
	"rm_nmi:\n"			/* IP, CS, FLAGS on the stack, wherever SS:SP was */
	"	push %bp\n"
	"	mov %sp, %bp\n"
	"	incw %cs:(rm_nmis - rm_start)\n"
	"	cmpw $0, 2(%bp)\n"
	"	jne 2f\n"
	"	incw %cs:(rm_nmis_at_start - rm_start)\n"
	"2:	pop %bp\n"
	"	iret\n"
	"rm_marker: .word 0\n"
	"rm_faults: .word 0\n"
	"rm_softs: .word 0\n"
	"rm_nmis: .word 0\n"
	"rm_nmis_at_start: .word 0\n"
	"rm_end:\n"
	".code64\n"
	".popsection\n");

extern const u8 rm_start[], rm_end[], rm_handler[], rm_marker[], rm_faults[];
extern const u8 rm_nmi[], rm_nmis[], rm_nmis_at_start[], rm_soft[], rm_softs[];

#define NMI_VECTOR	2
#define ROUNDS		20

/* A word of the AP's program, by its label. */
static volatile u16 *rm_word(u64 page, const u8 *label)
{
	return (volatile u16 *)(uintptr_t)(page + (u64)(label - rm_start));
}

#define NOISE_CPU	3

static volatile u32 noise_go, noise_ready;
static bool noisy;

/*
 * vCPU 3: Kestrel's exit-statistics table each round, which its pCPU's scheduler prints right
 * after the call's exit, before it runs anything (the debug hypercall of a debug=on VM); ready
 * is set just before the call.
 * Calls are 10 ms apart at least (KESTREL_DEBUG_STATS_INTERVAL_US, from the end of the last).
 */
static void noise(u32 cpu, void *arg)
{
	u64 last_end = 0;

	(void)cpu, (void)arg;
	for (u32 r = 1; r <= ROUNDS; r++) {
		u64 t0 = rt_rdtsc();

		while (rt_atomic_load(&noise_go) < r && rt_rdtsc() - t0 < rt_tsc_from_us(2000000))
			rt_pause();
		while (last_end && rt_rdtsc() - last_end <
		       rt_tsc_from_us(KESTREL_DEBUG_STATS_INTERVAL_US + 2000))
			rt_pause();
		rt_atomic_store(&noise_ready, r);
		kestrel_hc_debug_stats();
		last_end = rt_rdtsc();
	}
}

/* Round r: vCPU 3 is about to have its table printed (or 2 s of TSC went by). */
static void noise_wait(u32 r)
{
	u64 t0 = rt_rdtsc();

	rt_atomic_store(&noise_go, r);
	while (rt_atomic_load(&noise_ready) < r && rt_rdtsc() - t0 < rt_tsc_from_us(2000000))
		rt_pause();
}

/* INIT and SIPI to the AP at page, then until it wrote its marker; false if it never does. */
static bool start_ap(u64 page, bool nmi_first, u32 round)
{
	volatile u16 *marker = rm_word(page, rm_marker);

	*marker = 0;
	if (nmi_first && noisy)
		noise_wait(round);
	if (nmi_first)
		rt_apic_send_ipi(1, RT_IPI_NMI);
	rt_apic_send_ipi(1, RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT);
	rt_udelay(10000);
	rt_apic_send_ipi(1, RT_IPI_SIPI | (u32)(page >> 12));
	for (u64 t0 = rt_rdtsc(); *marker != MARKER && rt_rdtsc() - t0 < rt_tsc_from_us(2000000);)
		rt_pause();
	return *marker == MARKER;
}

static void test_init_drops_nmi(u64 page, volatile u32 *ivt)
{
	u32 started = 0;

	rt_test_begin("real-mode-init-nmi");
	ivt[NMI_VECTOR] = (u32)((page >> 4) << 16) | (u32)(rm_nmi - rm_start);
	if (noisy)
		rt_smp_call(NOISE_CPU, noise, NULL);
	for (u32 r = 0; r < ROUNDS; r++)
		started += start_ap(page, true, r + 1);
	if (noisy)
		rt_smp_wait(NOISE_CPU);
	rt_printf("real-mode: %u rounds of NMI+INIT+SIPI, %u started, NMIs taken %u, of which at "
		  "the first instruction after SIPI %u\n", ROUNDS, started,
		  *rm_word(page, rm_nmis), *rm_word(page, rm_nmis_at_start));
	rt_check(started == ROUNDS, "the AP started %u times of %u", started, ROUNDS);
	rt_check(*rm_word(page, rm_nmis_at_start) == 0,
		 "%u NMI(s) sent before an INIT reached the program the SIPI started",
		 *rm_word(page, rm_nmis_at_start));
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	u64 page = 0;
	volatile u16 *marker, *faults;
	volatile u32 *ivt;

	(void)boot;
	/* vCPU 3 makes noise; the runtime starts it (and vCPU 1, which the tests INIT again). */
	noisy = rt_smp_cpus_wanted() > NOISE_CPU && rt_smp_start(RT_SMP_DEFAULT) > NOISE_CPU;
	/* The IVT is at physical 0 (identity-mapped); hidden from the compiler's null checks. */
	__asm__("" : "=r"(ivt) : "0"((uintptr_t)0));
	rt_test_begin("real-mode-gp");
	for (u64 p = 0x8000; p < 0x9f000 && !page; p += 0x1000)
		if (rt_boot_range_available(p, p + 0x1000) && !rt_boot_range_in_use(p, p + 0x1000))
			page = p;
	if (!rt_check(page, "no free page below 1 MiB")) {
		rt_test_end();
		return;
	}
	memcpy((void *)(uintptr_t)page, rm_start, (size_t)(rm_end - rm_start));
	marker = (volatile u16 *)(uintptr_t)(page + (u64)(rm_marker - rm_start));
	faults = (volatile u16 *)(uintptr_t)(page + (u64)(rm_faults - rm_start));
	/* The real-mode IVT at 0: #GP goes to rm_handler, segment = page >> 4. */
	ivt[GP_VECTOR] = (u32)((page >> 4) << 16) | (u32)(rm_handler - rm_start);
	ivt[BP_VECTOR] = ivt[SOFT_VECTOR] = (u32)((page >> 4) << 16) | (u32)(rm_soft - rm_start);
	rt_apic_send_ipi(1, RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT);
	rt_udelay(10000);
	rt_apic_send_ipi(1, RT_IPI_SIPI | (u32)(page >> 12));
	for (u64 t0 = rt_rdtsc(); *marker != MARKER && rt_rdtsc() - t0 < rt_tsc_from_us(2000000);)
		rt_pause();
	rt_printf("real-mode: marker 0x%x, %u #GP taken\n", *marker, *faults);
	rt_check(*marker == MARKER, "the AP did not get past its RDMSR (marker 0x%x)", *marker);
	rt_check(*faults == 1, "%u #GP taken, expected 1", *faults);
	rt_test_end();
	/* INT 0x42 and INT3 after the RDMSR, each through its IVT entry, as real mode does. */
	rt_test_begin("real-mode-int");
	rt_printf("real-mode: %u software interrupts taken\n", *rm_word(page, rm_softs));
	rt_check(*rm_word(page, rm_softs) == 2, "%u software interrupts taken, expected 2",
		 *rm_word(page, rm_softs));
	rt_test_end();
	test_init_drops_nmi(page, ivt);
}
