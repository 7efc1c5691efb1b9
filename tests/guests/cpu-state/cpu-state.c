// SPDX-License-Identifier: GPL-2.0
/*
 * CPU state a VMM must get right for one vCPU, each `mode=` a program the BSP gives its AP
 * (INIT-SIPI to a page below 1 MiB, real mode, an IVT entry for #GP that counts and steps over
 * the 3-byte MOV to CR0):
 *  - cr0: MOV to CR0 of values the processor refuses with #GP(0) (SDM Vol. 2B, MOV CR; Vol. 3A
 *    2.5, 4.1.1): PG with EFER.LME set and CR4.PAE clear, NW without CD. Each write also sets
 *    CR0.NE, so it reaches the hypervisor, which must refuse it too. Then a good one.
 *  - task-switch: 32-bit protected mode, LTR, then a far JMP to a second TSS (Vol. 3A, 7.3).
 *    The marker after the JMP is written by the new task's code only if the switch is done.
 *  - init (`cpus=2`, the runtime's own start): the AP sets DR0-DR3 and the MSRs VMX does not
 *    switch, the BSP sends it INIT and starts it again. After INIT, DR0-DR3 are 0 and DR6 is
 *    FFFF0FF0H, the MSRs what it wrote (Vol. 3A, 10.1 and table 10-1: INIT leaves MSRs alone).
 *  - vectoring (`cpus=2 apic=xapic`): the AP makes a VM exit happen in the middle of delivering
 *    an interrupt and that same exit send it an INIT: its IDT is put at the xAPIC page, so
 *    reading the gate of vector 0x30 is an access to offset 0x300 (the ICR), and the
 *    instruction at RIP, which the hypervisor emulates for it, writes an INIT to itself there.
 *    After the BSP's SIPI, the AP's real-mode program must start clean: the interrupt whose
 *    delivery the exit cut short belongs to the state before the INIT and must not arrive
 *    (through the real-mode IVT entry 0x30, which counts).
 */
#include <kestrel-rt/rt.h>

#define MARKER		0x600d
#define GP_VECTOR	13

__asm__(".pushsection .rodata\n"
	".global cr0_start, cr0_end, cr0_handler, cr0_marker, cr0_faults, cr0_value\n"
	".code16\n"
	"cr0_start:\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %ss\n"
	"	mov $0xff0, %sp\n"
	/* 1: paging with EFER.LME = 1 and CR4.PAE = 0 (IA-32e mode without PAE) */
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x100, %eax\n"
	"	wrmsr\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000021, %eax\n"		/* PG | NE | PE */
	"	mov %eax, %cr0\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	and $~0x100, %eax\n"
	"	wrmsr\n"
	/* 2: NW set, CD clear */
	"	mov %cr0, %eax\n"
	"	and $~0x40000000, %eax\n"
	"	or $0x20000020, %eax\n"		/* NW | NE */
	"	mov %eax, %cr0\n"
	/* 3: a good one: NE set */
	"	mov %cr0, %eax\n"
	"	or $0x20, %eax\n"
	"	mov %eax, %cr0\n"
	"	mov %cr0, %eax\n"
	"	mov %eax, (cr0_value - cr0_start)\n"
	"	movw $0x600d, (cr0_marker - cr0_start)\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"cr0_handler:\n"			/* IP, CS, FLAGS on the stack */
	"	push %bp\n"
	"	mov %sp, %bp\n"
	"	addw $3, 2(%bp)\n"		/* past MOV to CR0 (0f 22 c0) */
	"	incw %cs:(cr0_faults - cr0_start)\n"
	"	pop %bp\n"
	"	iret\n"
	"cr0_marker: .word 0\n"
	"cr0_faults: .word 0\n"
	"cr0_value: .long 0\n"
	"cr0_end:\n"
	".code64\n"
	".popsection\n");

/*
 * The task-switch program: GDT filled in by the BSP (bases are the page's address). Task 1
 * CALLs task 2 (NT set, link = task 1), which IRETs back (EBX survives in task 1's TSS);
 * task 1 then JMPs to task 2, which goes on after its IRET: INT 0x40 through a task gate to
 * task 1 (on after its JMP), whose IRET comes back to task 2 for the marker.
 */
__asm__(".pushsection .rodata\n"
	".global ts_start, ts_end, ts_gdt, ts_gdtr, ts_tss1, ts_tss2, ts_task2, ts_marker\n"
	".global ts_called, ts_returned, ts_nt, ts_ebx, ts_idt, ts_idtr, ts_gated\n"
	".code16\n"
	"ts_start:\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	lgdtl (ts_gdtr - ts_start)\n"
	"	mov %cr0, %eax\n"
	"	or $1, %eax\n"
	"	mov %eax, %cr0\n"
	"	ljmpl $0x08, $(ts_pm - ts_start)\n"
	".code32\n"
	"ts_pm:\n"
	"	mov $0x10, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %es\n"
	"	mov %ax, %ss\n"
	"	mov $0xff0, %esp\n"
	"	mov $0x18, %ax\n"
	"	ltr %ax\n"
	"	mov $0x12345678, %ebx\n"
	"	lcall $0x20, $0\n"		/* to task 2; back here by its IRET */
	"	mov %ebx, (ts_ebx - ts_start)\n"
	"	movw $1, (ts_returned - ts_start)\n"
	"	ljmp $0x20, $0\n"		/* task 2 again: on after its IRET */
	"	movw $1, (ts_gated - ts_start)\n"	/* through task 2's task gate */
	"	iret\n"			/* NT: back to task 2 */
	"2:	hlt\n"
	"	jmp 2b\n"
	"ts_task2:\n"				/* EIP from TSS 2 */
	"	movw $1, (ts_called - ts_start)\n"
	"	pushf\n"
	"	pop %eax\n"
	"	mov %eax, (ts_nt - ts_start)\n"
	"	xor %ebx, %ebx\n"
	"	iret\n"			/* NT: back to task 1 */
	"	lidt (ts_idtr - ts_start)\n"
	"	int $0x40\n"			/* a task gate: to task 1 */
	"	movw $0x600d, (ts_marker - ts_start)\n"
	"3:	hlt\n"
	"	jmp 3b\n"
	".balign 8\n"
	"ts_gdt: .fill 5, 8, 0\n"
	"ts_gdtr: .word 5 * 8 - 1\n"
	"	.long 0\n"
	".balign 8\n"
	"ts_idt: .fill 0x41, 8, 0\n"
	"ts_idtr: .word 0x41 * 8 - 1\n"
	"	.long 0\n"
	".balign 16\n"
	"ts_tss1: .fill 104, 1, 0\n"
	"ts_tss2: .fill 104, 1, 0\n"
	"ts_marker: .word 0\n"
	"ts_called: .word 0\n"
	"ts_returned: .word 0\n"
	"ts_nt: .long 0\n"
	"ts_ebx: .long 0\n"
	"ts_gated: .word 0\n"
	"ts_end:\n"
	".code64\n"
	".popsection\n");

/* The AP's program after the INIT: a marker; IVT entry 0x30 counts what arrives there. */
__asm__(".pushsection .rodata\n"
	".global vec_start, vec_end, vec_handler, vec_marker, vec_count\n"
	".code16\n"
	"vec_start:\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	movw $0x600d, (vec_marker - vec_start)\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"vec_handler:\n"
	"	incw %cs:(vec_count - vec_start)\n"
	"	iret\n"
	"vec_marker: .word 0\n"
	"vec_count: .word 0\n"
	"vec_end:\n"
	".code64\n"
	".popsection\n");

extern const u8 vec_start[], vec_end[], vec_handler[], vec_marker[], vec_count[];
extern const u8 cr0_start[], cr0_end[], cr0_handler[], cr0_marker[], cr0_faults[], cr0_value[];
extern const u8 ts_start[], ts_end[], ts_gdt[], ts_gdtr[], ts_tss1[], ts_tss2[], ts_task2[];
extern const u8 ts_marker[], ts_called[], ts_returned[], ts_nt[], ts_ebx[], ts_idt[], ts_idtr[];
extern const u8 ts_gated[];

static u64 find_page(void)
{
	for (u64 p = 0x8000; p < 0x9f000; p += 0x1000)
		if (rt_boot_range_available(p, p + 0x1000) && !rt_boot_range_in_use(p, p + 0x1000))
			return p;
	return 0;
}

static void start_ap(u64 page)
{
	rt_apic_send_ipi(1, RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT);
	rt_udelay(10000);
	rt_apic_send_ipi(1, RT_IPI_SIPI | (u32)(page >> 12));
}

/* The AP's programs take some thousand instructions: 2^31 TSC ticks is far more than enough. */
#define WAIT_TSC (1ULL << 31)

static bool wait_marker(volatile u16 *marker)
{
	for (u64 t0 = rt_rdtsc(); *marker != MARKER && rt_rdtsc() - t0 < WAIT_TSC;)
		rt_pause();
	return *marker == MARKER;
}

static void test_cr0(u64 page)
{
	volatile u32 *ivt;
	volatile u16 *marker = (volatile u16 *)(uintptr_t)(page + (u64)(cr0_marker - cr0_start));
	volatile u16 *faults = (volatile u16 *)(uintptr_t)(page + (u64)(cr0_faults - cr0_start));
	volatile u32 *value = (volatile u32 *)(uintptr_t)(page + (u64)(cr0_value - cr0_start));

	rt_test_begin("cr0-consistency");
	__asm__("" : "=r"(ivt) : "0"((uintptr_t)0)); /* the IVT at 0, hidden from null checks */
	memcpy((void *)(uintptr_t)page, cr0_start, (size_t)(cr0_end - cr0_start));
	ivt[GP_VECTOR] = (u32)((page >> 4) << 16) | (u32)(cr0_handler - cr0_start);
	start_ap(page);
	wait_marker(marker);
	rt_printf("cpu-state: cr0: marker 0x%x, %u #GP taken, cr0 0x%x\n", *marker, *faults,
		  *value);
	rt_check(*marker == MARKER, "the AP did not get past its CR0 writes (marker 0x%x)",
		 *marker);
	rt_check(*faults == 2, "%u #GP taken, expected 2 (PG without PAE, NW without CD)",
		 *faults);
	rt_check((*value & 0x80000021) == 0x20, "CR0 reads 0x%x: PG and PE clear, NE set",
		 *value);
	rt_test_end();
}

/* A GDT entry: base, limit (bytes, or 4 KiB pages with G), type byte, flags nibble. */
static u64 gdt_entry(u32 base, u32 limit, u8 type, u8 flags)
{
	return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)type << 40) |
	       ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) |
	       ((u64)(base >> 24) << 56);
}

static void test_task_switch(u64 page)
{
	u8 *p = (u8 *)(uintptr_t)page;
	u64 *gdt = (u64 *)(p + (ts_gdt - ts_start));
	u8 *gdtr = p + (ts_gdtr - ts_start);
	u32 *tss2 = (u32 *)(p + (ts_tss2 - ts_start));
	u32 base = (u32)page, gdt_base = (u32)page + (u32)(ts_gdt - ts_start);
	volatile u16 *marker = (volatile u16 *)(p + (ts_marker - ts_start));
	volatile u16 *called = (volatile u16 *)(p + (ts_called - ts_start));
	volatile u16 *returned = (volatile u16 *)(p + (ts_returned - ts_start));
	volatile u32 *nt = (volatile u32 *)(p + (ts_nt - ts_start));
	volatile u32 *ebx = (volatile u32 *)(p + (ts_ebx - ts_start));
	u32 *tss1 = (u32 *)(p + (ts_tss1 - ts_start));
	volatile u16 *gated = (volatile u16 *)(p + (ts_gated - ts_start));
	u64 *idt = (u64 *)(p + (ts_idt - ts_start));
	u32 idt_base = (u32)page + (u32)(ts_idt - ts_start);

	rt_test_begin("task-switch");
	memcpy(p, ts_start, (size_t)(ts_end - ts_start));
	gdt[1] = gdt_entry(base, 0xfffff, 0x9b, 0xc); /* 32-bit code, base = the page */
	gdt[2] = gdt_entry(base, 0xfffff, 0x93, 0xc); /* data */
	gdt[3] = gdt_entry(base + (u32)(ts_tss1 - ts_start), 103, 0x89, 0); /* available TSS */
	gdt[4] = gdt_entry(base + (u32)(ts_tss2 - ts_start), 103, 0x89, 0);
	memcpy(gdtr + 2, &gdt_base, 4);
	memcpy(p + (ts_idtr - ts_start) + 2, &idt_base, 4);
	idt[0x40] = (0x18ULL << 16) | (0x85ULL << 40); /* task gate to TSS 1, present, DPL 0 */
	/* TSS 2 (Vol. 3A, 7.2.1): EIP at 0x20, EFLAGS 0x24, ESP 0x38, ES CS SS DS at 0x48-0x54. */
	tss2[0x20 / 4] = (u32)(ts_task2 - ts_start);
	tss2[0x24 / 4] = 0x2;
	tss2[0x38 / 4] = 0xf00;
	tss2[0x48 / 4] = 0x10;
	tss2[0x4c / 4] = 0x08;
	tss2[0x50 / 4] = 0x10;
	tss2[0x54 / 4] = 0x10;
	start_ap(page);
	wait_marker(marker);
	rt_printf("cpu-state: task-switch: called %u, NT %u, returned %u, EBX %#x, JMP marker "
		  "0x%x; TSS 2 link %#x, TSS 1 EIP %#x\n", *called, (*nt >> 14) & 1, *returned,
		  *ebx, *marker, tss2[0], tss1[0x20 / 4]);
	rt_printf("cpu-state: task-switch: through the task gate %u, TSS 1 link %#x\n", *gated,
		  tss1[0]);
	rt_check(*called == 1, "CALL: task 2 did not run");
	rt_check(*nt & (1u << 14), "CALL: NT clear in task 2 (EFLAGS %#x)", *nt);
	rt_check((tss2[0] & 0xffff) == 0x18, "CALL: task 2's link is %#x, not task 1", tss2[0]);
	rt_check(*returned == 1, "IRET: task 1 did not go on after its CALL");
	rt_check(*ebx == 0x12345678, "IRET: task 1's EBX is %#x", *ebx);
	rt_check(*gated == 1, "task gate: task 1 did not go on after its JMP");
	rt_check((tss1[0] & 0xffff) == 0x20, "task gate: task 1's link is %#x, not task 2",
		 tss1[0]);
	rt_check(*marker == MARKER, "IRET from the gate's task: task 2 did not go on after its "
		 "INT (marker 0x%x)", *marker);
	rt_test_end();
}

static const u32 init_msrs[] = {
	0xc0000102, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* KERNEL_GS_BASE ... SFMASK */
};
#define NR_INIT_MSRS (sizeof(init_msrs) / sizeof(init_msrs[0]))

static volatile u64 ap_dr[5], ap_msr[NR_INIT_MSRS];

static u64 read_dr(int n)
{
	u64 v;

	switch (n) {
	case 0: __asm__ volatile("mov %%db0, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%db1, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%db2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%db3, %0" : "=r"(v)); break;
	default: __asm__ volatile("mov %%db6, %0" : "=r"(v)); break;
	}
	return v;
}

#define VEC 0x30
#define XAPIC_BASE 0xfee00000UL

static char mode[16] = "cr0";
static volatile u32 ap_about_to_init;

/* Never returns: the exit this causes sends the AP an INIT. */
static void ap_init_in_delivery(void)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } idtr = { 0xfff, XAPIC_BASE };
	volatile u32 *apic = (volatile u32 *)XAPIC_BASE;
	u32 id = rt_apic_id();

	__asm__ volatile("cli");
	/* Vector VEC pending (IF 0 holds it), then the INIT's destination: itself. */
	rt_apic_send_ipi(id, RT_IPI_FIXED | VEC);
	apic[RT_APIC_ICR_HI / 4] = id << 24;
	ap_about_to_init = 1;
	/*
	 * STI's shadow covers the NOP: VEC is delivered at the MOV, and reading its gate at
	 * XAPIC_BASE + VEC * 16 = the ICR exits; what the hypervisor does for the MOV there is
	 * an INIT to itself.
	 */
	__asm__ volatile("lidt %0\n"
			 "sti\n"
			 "nop\n"
			 "mov %1, (%2)\n"
			 "1: jmp 1b"
			 : : "m"(idtr), "a"(RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT),
			   "d"(XAPIC_BASE + RT_APIC_ICR_LO) : "memory");
}

void ap_main(u32 cpu)
{
	if (cpu != 1)
		return;
	if (!strcmp(mode, "vectoring"))
		ap_init_in_delivery();
	for (int n = 0; n < 5; n++)
		ap_dr[n] = read_dr(n);
	for (u32 i = 0; i < NR_INIT_MSRS; i++)
		ap_msr[i] = rt_rdmsr(init_msrs[i]);
	if (rt_smp_starts(1) != 1)
		return;
	/* The first start: values of its own, for the INIT to reset or to keep. */
	__asm__ volatile("mov %0, %%db0" : : "r"(0x1000ULL));
	__asm__ volatile("mov %0, %%db1" : : "r"(0x2000ULL));
	__asm__ volatile("mov %0, %%db2" : : "r"(0x3000ULL));
	__asm__ volatile("mov %0, %%db3" : : "r"(0x4000ULL));
	for (u32 i = 0; i < NR_INIT_MSRS; i++)
		rt_wrmsr(init_msrs[i], 0x5000 + i * 0x10);
}

static void test_init(void)
{
	rt_test_begin("init-state");
	if (!rt_check(rt_smp_start(RT_SMP_DEFAULT) == 2, "the AP did not start"))
		goto out;
	rt_smp_wait(1);
	rt_smp_reset(RT_SMP_DEFAULT);
	if (!rt_check(rt_smp_start(RT_SMP_DEFAULT) == 2, "the AP did not start again"))
		goto out;
	rt_smp_wait(1);
	rt_printf("cpu-state: after INIT: DR0-3 %lx %lx %lx %lx DR6 %lx, LSTAR %lx\n", ap_dr[0],
		  ap_dr[1], ap_dr[2], ap_dr[3], ap_dr[4], ap_msr[2]);
	for (int n = 0; n < 4; n++)
		rt_check(ap_dr[n] == 0, "DR%d reads %#lx after INIT, expected 0", n, ap_dr[n]);
	rt_check((u32)ap_dr[4] == 0xffff0ff0, "DR6 reads %#lx after INIT", ap_dr[4]);
	for (u32 i = 0; i < NR_INIT_MSRS; i++)
		rt_check(ap_msr[i] == 0x5000 + i * 0x10, "MSR %#x reads %#lx after INIT, expected "
			 "what the AP wrote before it", init_msrs[i], ap_msr[i]);
out:
	rt_test_end();
}

static void test_vectoring(u64 page)
{
	volatile u32 *ivt;
	volatile u16 *marker = (volatile u16 *)(uintptr_t)(page + (u64)(vec_marker - vec_start));
	volatile u16 *count = (volatile u16 *)(uintptr_t)(page + (u64)(vec_count - vec_start));

	rt_test_begin("vectoring-after-init");
	__asm__("" : "=r"(ivt) : "0"((uintptr_t)0));
	if (!rt_check(rt_smp_start(RT_SMP_DEFAULT) == 2, "the AP did not start"))
		goto out;
	/* Only now: the runtime's start code may have used the same free page. */
	memcpy((void *)(uintptr_t)page, vec_start, (size_t)(vec_end - vec_start));
	ivt[VEC] = (u32)((page >> 4) << 16) | (u32)(vec_handler - vec_start);
	while (!ap_about_to_init)
		rt_pause();
	/* A SIPI before the INIT is ignored: send it until the program runs. */
	for (u32 i = 0; i < 100 && *marker != MARKER; i++) {
		rt_apic_send_ipi(rt_smp_apic_id(1), RT_IPI_SIPI | (u32)(page >> 12));
		for (u64 t0 = rt_rdtsc(); *marker != MARKER && rt_rdtsc() - t0 < (1u << 20);)
			rt_pause();
	}
	rt_printf("cpu-state: vectoring: marker 0x%x, %u interrupts at vector 0x%x\n", *marker,
		  *count, VEC);
	rt_check(*marker == MARKER, "the AP's program did not run (marker 0x%x)", *marker);
	rt_check(*count == 0, "%u interrupts from before the INIT arrived after it", *count);
out:
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	u64 page = find_page();

	(void)boot;
	rt_cmdline_str("mode", mode, sizeof(mode));
	if (!page) {
		rt_test_begin("page");
		rt_check(false, "no free page below 1 MiB");
		rt_test_end();
		return;
	}
	if (!strcmp(mode, "cr0"))
		test_cr0(page);
	else if (!strcmp(mode, "task-switch"))
		test_task_switch(page);
	else if (!strcmp(mode, "init"))
		test_init();
	else if (!strcmp(mode, "vectoring"))
		test_vectoring(page);
}
