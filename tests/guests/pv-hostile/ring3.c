// SPDX-License-Identifier: GPL-2.0
/*
 * CPL 3 for one instruction: IRETQ to a user code segment (SDM Vol. 3A, 7.12.1 and 6.8.5), run
 * VMCALL there, and come back through an interrupt gate of DPL 3 (int 0x81), whose handler edits
 * the saved frame so that its IRETQ lands in ring3_vmcall() again at CPL 0.
 */
#include <kestrel-rt/rt.h>
#include "ring3.h"

#define KERNEL_CS	0x08	/* the runtime's (crt0.asm) */
#define KERNEL_DS	0x10
#define USER_DS		(0x18 | 3)
#define USER_CS		(0x20 | 3)
#define TSS_SEL		0x28
#define VEC_BACK	0x81
#define GATE_USER	0xee	/* present, DPL 3, 64-bit interrupt gate (SDM Vol. 3A, 7.14.1) */
#define PAGE_US		(1ull << 2)	/* SDM Vol. 3A, 5.5, tables 5-14 to 5-18 */
#define USER_LIMIT	(4ull << 20)	/* PD entries 0 and 1 get the U/S bit */

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "the 64-bit TSS is 104 bytes (SDM Vol. 3A, 9.7)");

static u64 gdt[8] RT_ALIGNED(16);
static struct tss64 tss RT_ALIGNED(16);
static u8 kernel_stack[8192] RT_ALIGNED(16);	/* TSS.RSP0: int 0x81 from CPL 3 lands here */
static u8 user_stack[4096] RT_ALIGNED(16);
static volatile u32 calls;

/* Saved by ring3_vmcall() before it leaves, used by the gate handler to come back. */
u64 ring3_kernel_rsp, ring3_kernel_flags, ring3_gs_base;
extern u8 ring3_user_code[], ring3_resume[];

__asm__(".text\n"
	"ring3_user_code:\n\t"
	"vmcall\n\t"
	"int $0x81\n\t"
	"ud2\n");

static void back_to_ring0(struct rt_frame *f)
{
	calls++;
	f->rip = (u64)(uintptr_t)ring3_resume;
	f->cs = KERNEL_CS;
	f->ss = KERNEL_DS;
	f->rsp = ring3_kernel_rsp;
	f->rflags = ring3_kernel_flags & ~(1ull << 9);	/* IF back on by ring3_vmcall() */
}

struct table_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

bool ring3_setup(void)
{
	struct table_ptr old, idtr, p;
	u64 base = (u64)(uintptr_t)&tss, cr3, *pml4, *pdpt, *pd;
	const struct rt_boot *b = rt_boot_info();
	u8 *gate;

	if (b->image_end > USER_LIMIT)
		return false;
	__asm__ volatile("sgdt %0" : "=m"(old));
	/* The runtime's null, code and data descriptors stay where they are. */
	memcpy(gdt, (void *)(uintptr_t)old.base, 3 * 8);
	gdt[3] = 0x00cff2000000ffffull;		/* user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull;		/* user 64-bit code, DPL 3 */
	/* 64-bit available TSS, 16 bytes (SDM Vol. 3A, 9.2.3, figure 9-4). */
	gdt[5] = (sizeof(tss) - 1) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;
	tss.rsp[0] = (u64)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap = sizeof(tss);
	p = (struct table_ptr){ sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0; ltr %w1" : : "m"(p), "r"(TSS_SEL) : "memory");
	/* The user bit on every level that maps the first 4 MiB (no SMEP/SMAP here). */
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(uintptr_t)(cr3 & ~0xfffull);
	pdpt = (u64 *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
	pd = (u64 *)(uintptr_t)(pdpt[0] & 0x000ffffffffff000ull);
	pml4[0] |= PAGE_US;
	pdpt[0] |= PAGE_US;
	pd[0] |= PAGE_US;
	pd[1] |= PAGE_US;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	__asm__ volatile("sidt %0" : "=m"(idtr));
	gate = (u8 *)(uintptr_t)(idtr.base + VEC_BACK * 16);
	gate[5] = GATE_USER;
	rt_irq_install(VEC_BACK, back_to_ring0);
	return true;
}

s64 ring3_vmcall(u64 nr, u64 rdi)
{
	u64 ret = nr;

	ring3_gs_base = rt_rdmsr(RT_MSR_IA32_GS_BASE);
	/*
	 * DS, ES, FS and GS get the user data selector first: IRET to CPL 3 would load null into
	 * one whose DPL is below 3 (SDM Vol. 2A, IRET), and the GS base (per-CPU data) must
	 * survive; loading GS resets its base, hence the WRMSR after it.
	 */
	__asm__ volatile("pushfq\n\t"
			 "pop ring3_kernel_flags(%%rip)\n\t"
			 "cli\n\t"
			 "mov %[uds], %%ecx\n\t"
			 "mov %%ecx, %%ds\n\t"
			 "mov %%ecx, %%es\n\t"
			 "mov %%ecx, %%fs\n\t"
			 "mov %%ecx, %%gs\n\t"
			 "mov $0xc0000101, %%ecx\n\t"
			 "mov ring3_gs_base(%%rip), %%rax\n\t"
			 "mov ring3_gs_base+4(%%rip), %%edx\n\t"
			 "wrmsr\n\t"
			 "mov %[nr], %%rax\n\t"
			 "mov %%rsp, ring3_kernel_rsp(%%rip)\n\t"
			 "pushq %[uds]\n\t"
			 "pushq %[ustack]\n\t"
			 "pushq $0x2\n\t"
			 "pushq %[ucs]\n\t"
			 "lea ring3_user_code(%%rip), %%rcx\n\t"
			 "pushq %%rcx\n\t"
			 "iretq\n"
			 "ring3_resume:\n\t"
			 "mov %[kds], %%ecx\n\t"
			 "mov %%ecx, %%ds\n\t"
			 "mov %%ecx, %%es\n\t"
			 "mov %%ecx, %%fs\n\t"
			 "mov %%rax, %%r8\n\t"
			 "mov %%ecx, %%gs\n\t"
			 "mov $0xc0000101, %%ecx\n\t"
			 "mov ring3_gs_base(%%rip), %%rax\n\t"
			 "mov ring3_gs_base+4(%%rip), %%edx\n\t"
			 "wrmsr\n\t"
			 "mov %%r8, %%rax\n\t"
			 "push ring3_kernel_flags(%%rip)\n\t"
			 "popfq\n\t"
			 : "=&a"(ret)
			 : [nr] "r"(nr), "D"(rdi), [uds] "i"(USER_DS), [ucs] "i"(USER_CS),
			   [kds] "i"(KERNEL_DS),
			   [ustack] "r"((u64)(uintptr_t)(user_stack + sizeof(user_stack)))
			 : "rcx", "rdx", "r8", "memory", "cc");
	return (s64)ret;
}

u32 ring3_calls(void)
{
	return calls;
}
