// SPDX-License-Identifier: GPL-2.0
/*
 * Faults in real mode. The BSP gives the AP a real-mode program of its own (INIT-SIPI to a page
 * below 1 MiB) and an IVT entry for #GP. The AP does RDMSR of an MSR nobody has: the #GP it
 * takes must be delivered as real mode delivers it, with no error code on the stack (SDM Vol.
 * 3A, "Interrupt and Exception Handling": error codes are pushed in protected mode only; an
 * injected event with one in real mode fails VM entry, Vol. 3C 28.2.1.3). The handler steps
 * over the RDMSR; the AP then writes its marker and halts.
 */
#include <kestrel-rt/rt.h>

#define MARKER		0x600d
#define GP_VECTOR	13

/* The AP's program, run at CS = page >> 4, IP = 0: offsets are from rm_start. */
__asm__(".pushsection .rodata\n"
	".global rm_start, rm_end, rm_handler, rm_marker, rm_faults\n"
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
	"rm_marker: .word 0\n"
	"rm_faults: .word 0\n"
	"rm_end:\n"
	".code64\n"
	".popsection\n");

extern const u8 rm_start[], rm_end[], rm_handler[], rm_marker[], rm_faults[];

void kmain(const struct rt_boot *boot)
{
	u64 page = 0;
	volatile u16 *marker, *faults;
	volatile u32 *ivt;

	(void)boot;
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
	rt_apic_send_ipi(1, RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT);
	rt_udelay(10000);
	rt_apic_send_ipi(1, RT_IPI_SIPI | (u32)(page >> 12));
	for (u64 t0 = rt_rdtsc(); *marker != MARKER && rt_rdtsc() - t0 < rt_tsc_from_us(2000000);)
		rt_pause();
	rt_printf("real-mode: marker 0x%x, %u #GP taken\n", *marker, *faults);
	rt_check(*marker == MARKER, "the AP did not get past its RDMSR (marker 0x%x)", *marker);
	rt_check(*faults == 1, "%u #GP taken, expected 1", *faults);
	rt_test_end();
}
