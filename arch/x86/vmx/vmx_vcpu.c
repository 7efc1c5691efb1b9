// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's VMCS: controls from the capability MSRs, host state, guest reset state; and the
 * hooks of hv/arch.h that create a vCPU and move it between pCPUs.
 */
#include "arch/x86/vmx/vmx_bits.h"
#include "arch/x86/vmx/apicv.h"
#include "arch/x86/vmx/posted.h"
#include "lib/atomic.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/deadline.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/exception.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vpid.h"
#include "hv/arch.h"
#include "lib/console.h"
#include "lib/string.h"
#include "mm/mm.h"

#define PAT_POWER_ON 0x0007040600070406ULL /* SDM Vol. 3A, 13.12.4 */

/* msr_bitmap_shadow: the same but IA32_EFER exits (shadow page tables keep the guest's). */
static u64 msr_bitmap, msr_bitmap_shadow, io_bitmap_a, io_bitmap_b;

/* Bits an MSR bitmap lets through: VMX does not switch these, the run loop does. */
static const u32 passthrough_msrs[] = {
	MSR_IA32_FS_BASE, MSR_IA32_GS_BASE, MSR_IA32_KERNEL_GS_BASE,
	MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
	MSR_IA32_FMASK, 0x174 /* SYSENTER_CS */, 0x175, 0x176,
	MSR_IA32_EFER, MSR_IA32_PAT,
};

static void bitmap_allow(u8 *bm, u32 msr)
{
	/* 25.6.9: read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072. */
	u32 base = msr >= 0xc0000000 ? 1024 : 0, bit = msr & 0x1fff;

	bm[base + bit / 8] &= (u8) ~(1u << (bit % 8));
	bm[2048 + base + bit / 8] &= (u8) ~(1u << (bit % 8));
}

int vmx_bitmaps_init(void)
{
	msr_bitmap = frames_alloc(1, 0);
	msr_bitmap_shadow = frames_alloc(1, 0);
	io_bitmap_a = frames_alloc(1, 0);
	io_bitmap_b = frames_alloc(1, 0);
	if (!msr_bitmap || !msr_bitmap_shadow || !io_bitmap_a || !io_bitmap_b)
		return -ENOMEM;
	/* Every MSR and port exits unless listed: a guest sees only what Kestrel emulates. */
	memset(phys_to_virt(msr_bitmap), 0xff, PAGE_SIZE);
	memset(phys_to_virt(io_bitmap_a), 0xff, PAGE_SIZE);
	memset(phys_to_virt(io_bitmap_b), 0xff, PAGE_SIZE);
	memset(phys_to_virt(msr_bitmap_shadow), 0xff, PAGE_SIZE);
	for (u32 i = 0; i < ARRAY_SIZE(passthrough_msrs); i++) {
		bitmap_allow(phys_to_virt(msr_bitmap), passthrough_msrs[i]);
		if (passthrough_msrs[i] != MSR_IA32_EFER)
			bitmap_allow(phys_to_virt(msr_bitmap_shadow), passthrough_msrs[i]);
	}
	if (vmx_caps.posted)
		posted_init();
	return apicv_bitmap_init();
}

/* The MSR bitmap of vCPUs without APICv (NULL: the EPT one); a shadow VM's lets IA32_EFER exit. */
u64 vmx_shared_msr_bitmap(const struct vcpu *v)
{
	return v && vmx_shadow_on(v) ? msr_bitmap_shadow : msr_bitmap;
}

/* A control value: what we want, plus what the CPU insists on (allowed-0), within allowed-1. */
static u32 adjust(u64 cap, u32 want)
{
	return (want | (u32)cap) & (u32)(cap >> 32);
}

/*
 * Without EPT (or with ept=off) a VM runs on shadow page tables; then it needs neither EPT nor
 * unrestricted guest (which requires EPT, SDM Vol. 3C, 26.6.2), but CR3-load, CR3-store and
 * INVLPG exiting, which every CPU with VMX may leave off (A.3.2).
 */
const char *arch_vm_unsupported(bool *shadow)
{
	const struct vmx_caps *c = &vmx_caps;
	u32 cr3_exits = PROC_CR3_LOAD | PROC_CR3_STORE | PROC_INVLPG;

	/*
	 * Without "load IA32_EFER" the MSR-load lists switch EFER, and VM exit saves nothing of
	 * it: the guest's EFER must exit, as it does on shadow page tables (shadow.c keeps it).
	 */
	if (!c->ept || !c->efer_ctls)
		*shadow = true;
	if (*shadow && (c->procbased >> 32 & cr3_exits) != cr3_exits)
		return "CR3-load, CR3-store and INVLPG exiting (for shadow page tables)";
	if (!*shadow && !c->unrestricted)
		return "unrestricted guest";
	if (!c->msr_bitmaps || !c->io_bitmaps)
		return "MSR and I/O bitmaps";
	if (!*shadow && !c->secondary)
		return "the secondary processor-based controls (EPT, unrestricted guest)";
	if (!c->intr_window)
		return "interrupt-window exiting";
	if ((c->procbased >> 32 & (PROC_CR8_LOAD | PROC_CR8_STORE)) !=
	    (PROC_CR8_LOAD | PROC_CR8_STORE))
		return "CR8-load and CR8-store exiting";
	if ((c->procbased >> 32 & (PROC_MWAIT | PROC_MONITOR)) != (PROC_MWAIT | PROC_MONITOR))
		return "MWAIT and MONITOR exiting";
	if (!*shadow && (!c->ept_4level || !c->ept_wb))
		return "4-level write-back EPT";
	/*
	 * DR7 and IA32_DEBUGCTL are switched only by these; with TRUE controls (A.4, A.5) a CPU
	 * may let them be 0, and then a VM exit sets DR7 to 400H and the guest's is lost.
	 */
	if (!((c->exit_ctls >> 32) & EXIT_SAVE_DEBUG) || !((c->entry_ctls >> 32) & ENTRY_LOAD_DEBUG))
		return "saving and loading the debug controls (DR7, IA32_DEBUGCTL)";
	return NULL;
}

static u32 vpids_out_warned;

struct vcpu *arch_vcpu_create(void)
{
	/* Zeroed frames: page-aligned, as its posted-interrupt descriptor must be (posted.c). */
	u64 phys = frames_alloc(ALIGN_UP(sizeof(struct vmx_vcpu), PAGE_SIZE) >> PAGE_SHIFT, 0);
	struct vmx_vcpu *x = phys ? phys_to_virt(phys) : NULL;

	if (!x)
		return NULL;
	x->vmcs_phys = frames_alloc(1, 0);
	if (!x->vmcs_phys)
		return NULL;
	*(u32 *)phys_to_virt(x->vmcs_phys) = vmx_caps.revision; /* 26.2 */
	/*
	 * Without the controls that switch IA32_PAT and IA32_EFER: its VM-entry MSR-load list at 0
	 * (the guest's values as the CPU runs them; PAT first, also the VM-exit MSR-store list),
	 * the VM-exit MSR-load list at entry VMX_HOST_MSR_LIST (the host's), 16-byte entries
	 * (SDM Vol. 3C, 25.7.2, 25.8.2).
	 */
	if (!vmx_caps.pat_ctls || !vmx_caps.efer_ctls) {
		struct vmx_msr_entry *l;

		x->msr_lists_phys = frames_alloc(1, 0);
		if (!x->msr_lists_phys)
			return NULL;
		l = phys_to_virt(x->msr_lists_phys);
		memset(l, 0, PAGE_SIZE);
		if (!vmx_caps.pat_ctls)
			l[x->msr_list_count++].index = MSR_IA32_PAT;
		if (!vmx_caps.efer_ctls)
			l[x->msr_list_count++].index = MSR_IA32_EFER;
		for (u32 i = 0; i < x->msr_list_count; i++)
			l[VMX_HOST_MSR_LIST + i].index = l[i].index;
	}
	x->fpu_reset = true; /* never the FPU state another vCPU left on the pCPU */
	x->msr_reset = true; /* nor its MSRs */
	x->vpid = vmx_caps.vpid ? vpid_alloc() : 0;
	if (vmx_caps.vpid && !x->vpid && !atomic_xchg(&vpids_out_warned, 1))
		pr_warn("every VPID is taken: further vCPUs run without one (flushed at every "
			"VM entry and exit)");
	/*
	 * Its VPID may have been another vCPU's: its first entry drops what that one left cached
	 * (SDM Vol. 3C, 30.4.3.3, "Guidelines for Use of the INVVPID Instruction").
	 */
	x->needs_tlb_flush = true;
	return &x->vcpu;
}

u32 arch_vcpu_release(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	u32 created_with = 0;

	vpid_free(x->vpid);
	if (v->vm->shadow) /* its root no longer holds back freeing the VM's shadow pages */
		shadow_vcpu_unload(v->vm->shadow, &x->shadow);
	apicv_vcpu_release(x); /* a page allocated at its first use, not with the vCPU */
	if (x->msr_lists_phys) {
		frames_free(x->msr_lists_phys, 1);
		x->msr_lists_phys = 0;
		created_with++;
	}
	return created_with;
}

static void setup_controls(struct vmx_vcpu *x)
{
	const struct vmx_caps *c = &vmx_caps;
	/*
	 * Host interrupts exit (26.2): kicks, and the host's LAPIC timer where it marks the
	 * deadlines instead of the VMX-preemption timer (deadline.c).
	 */
	u32 pin = PIN_EXT_INTR | PIN_NMI;
	/*
	 * CR8 exits: a guest's MOV to CR8 would otherwise set the physical TPR, and 15 there
	 * masks every host vector (kicks, the timer) on this pCPU (26.6.2).
	 */
	u32 proc = PROC_HLT | PROC_RDPMC | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY |
		   PROC_CR8_LOAD | PROC_CR8_STORE | PROC_MWAIT | PROC_MONITOR;
	/*
	 * WBINVD would write back and empty caches every VM shares: it exits (26.6.2) where the
	 * CPU lets it; elsewhere a guest's WBINVD runs as it is (slow for all, but harmless).
	 */
	u32 proc2 = PROC2_EPT | PROC2_UNRESTRICTED | PROC2_WBINVD;
	bool shadow = vmx_shadow_on(&x->vcpu);
	u32 msr_exit, msr_entry;

	if (vmx_deadline_preemption_timer)
		pin |= PIN_PREEMPTION_TIMER;
	if ((c->pinbased >> 32) & PIN_VIRTUAL_NMI)
		pin |= PIN_VIRTUAL_NMI;
	/*
	 * Without a VPID of its own it runs with VPID off: every VM entry and exit flushes then
	 * (30.4.3.1, "Operations that Invalidate Cached Mappings"), never VPID 0 (28.2.1.1).
	 */
	if (c->vpid && x->vpid)
		proc2 |= PROC2_VPID;
	/*
	 * Shadow page tables: the guest's CR3 is kept (loads and stores exit), INVLPG exits, and
	 * every #PF (exception bitmap bit 14, error-code mask and match 0, 26.2). With VPID the
	 * translations survive VM exits and entries (30.4.3.1), so every change of the shadow the
	 * TLB may hold is followed by an INVVPID (the rules are in shadow.h); without, every VM
	 * entry and exit flushes them and no change needs one.
	 */
	if (shadow) {
		proc |= PROC_CR3_LOAD | PROC_CR3_STORE | PROC_INVLPG;
		proc2 &= ~(u32)(PROC2_EPT | PROC2_UNRESTRICTED);
	}
	/*
	 * The guest's TSC is the host's plus the vCPU's offset, so that writes to IA32_TSC and
	 * IA32_TSC_ADJUST move its TSC alone; without the control CPUID hides TSC_ADJUST and TSC
	 * writes are ignored (exits/msr.c).
	 */
	if (c->tsc_offset)
		proc |= PROC_TSC_OFFSET;
	/* Without these two, RDTSCP and INVPCID raise #UD in the guest; CPUID hides them then. */
	proc2 |= (u32)(c->procbased2 >> 32) & (PROC2_RDTSCP | PROC2_INVPCID);
	/* With INVLPG exiting INVPCID would exit too (26.6.2); shadow VMs see no INVPCID. */
	if (shadow)
		proc2 &= ~(u32)PROC2_INVPCID;

	vmcs_write32(PIN_BASED_CTLS, adjust(c->pinbased, pin));
	x->proc_ctls = adjust(c->procbased, proc);
	vmcs_write32(PROC_BASED_CTLS, x->proc_ctls);
	/*
	 * Without "activate secondary controls" allowed (26.6.2), the field is not there for
	 * VMWRITE either: nothing of proc2 is on then (no VPID, RDTSCP, INVPCID, WBINVD exiting).
	 */
	x->proc2_ctls = c->secondary ? adjust(c->procbased2 & 0xffffffff00000000ULL, proc2) : 0;
	if (c->secondary)
		vmcs_write32(PROC_BASED_CTLS2, x->proc2_ctls);
	/*
	 * Guest DR7 and IA32_DEBUGCTL live in the VMCS: saved at exit, loaded at entry. EFER and
	 * PAT too where the CPU has the controls; else the MSR lists switch them (vmcs.c), and
	 * their GUEST_ and HOST_ fields are never touched (they may not exist).
	 */
	msr_exit = (c->efer_ctls ? EXIT_SAVE_EFER | EXIT_LOAD_EFER : 0) |
		   (c->pat_ctls ? EXIT_SAVE_PAT | EXIT_LOAD_PAT : 0);
	msr_entry = (c->efer_ctls ? ENTRY_LOAD_EFER : 0) | (c->pat_ctls ? ENTRY_LOAD_PAT : 0);
	/* Host interrupts that exit are taken from the exit information (exits/interrupt.c). */
	if (c->ack_intr)
		msr_exit |= EXIT_ACK_INTR;
	vmcs_write32(EXIT_CTLS, adjust(c->exit_ctls, EXIT_HOST_64 | msr_exit | EXIT_SAVE_DEBUG));
	vmcs_write32(ENTRY_CTLS, adjust(c->entry_ctls, msr_entry | ENTRY_LOAD_DEBUG));
	vmcs_write32(EXCEPTION_BITMAP, shadow ? BIT(EXC_PF) : 0);
	vmcs_write32(PF_ERROR_MASK, 0);
	vmcs_write32(PF_ERROR_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	/* The guest's PAT, written without an exit, is stored at exit (28.4), where entry loads it. */
	vmcs_write32(EXIT_MSR_STORE_COUNT, c->pat_ctls ? 0 : 1);
	vmcs_write32(EXIT_MSR_LOAD_COUNT, x->msr_list_count);
	vmcs_write32(ENTRY_MSR_LOAD_COUNT, x->msr_list_count);
	if (x->msr_list_count) {
		vmcs_write64(ENTRY_MSR_LOAD_ADDR, x->msr_lists_phys);
		vmcs_write64(EXIT_MSR_STORE_ADDR, x->msr_lists_phys);
		vmcs_write64(EXIT_MSR_LOAD_ADDR, x->msr_lists_phys +
						 VMX_HOST_MSR_LIST * sizeof(struct vmx_msr_entry));
	}
	vmcs_write32(ENTRY_INTR_INFO, 0);
	x->entry_intr_valid = false;
	vmcs_write64(MSR_BITMAP, shadow ? msr_bitmap_shadow : msr_bitmap);
	vmcs_write64(IO_BITMAP_A, io_bitmap_a);
	vmcs_write64(IO_BITMAP_B, io_bitmap_b);
	/*
	 * Written again before the first entry, where the pCPU is recorded as caching it. The
	 * field exists only where EPT does (appendix B): VMWRITE would fail elsewhere.
	 */
	if (c->ept && !shadow)
		vmcs_write64(EPT_POINTER, x->vcpu.eptp);
	x->vcpu.eptp_changed = !shadow;
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write64(TSC_OFFSET, x->vcpu.tsc_offset);
	if (c->vpid && x->vpid)
		vmcs_write16(VPID, x->vpid);
	apicv_setup_vmcs(x);
	/* The guest owns CR0/CR4 but for the bits VMX pins: it sees its own values in the shadows. */
	vmcs_writel(CR0_GUEST_HOST_MASK, shadow ? SHADOW_CR0_MASK : CR0_NE);
	vmcs_writel(CR4_GUEST_HOST_MASK, shadow ? SHADOW_CR4_MASK : CR4_VMXE | CR4_GUEST_HIDDEN);
}

static void setup_host_state(void)
{
	struct percpu *cpu = this_cpu();
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr, idtr;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_writel(HOST_CR3, read_cr3());
	vmcs_writel(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SEL, SEL_CODE);
	vmcs_write16(HOST_SS_SEL, SEL_DATA);
	vmcs_write16(HOST_DS_SEL, SEL_DATA);
	vmcs_write16(HOST_ES_SEL, SEL_DATA);
	vmcs_write16(HOST_FS_SEL, 0);
	vmcs_write16(HOST_GS_SEL, 0);
	vmcs_write16(HOST_TR_SEL, SEL_TSS);
	vmcs_writel(HOST_FS_BASE, 0);
	vmcs_writel(HOST_GS_BASE, (u64)(uintptr_t)cpu);
	vmcs_writel(HOST_TR_BASE, (u64)(uintptr_t)&cpu->desc.tss);
	vmcs_writel(HOST_GDTR_BASE, gdtr.base);
	vmcs_writel(HOST_IDTR_BASE, idtr.base);
	vmcs_write32(HOST_SYSENTER_CS, 0);
	vmcs_writel(HOST_SYSENTER_ESP, 0);
	vmcs_writel(HOST_SYSENTER_EIP, 0);
	vmcs_set_host_efer(rdmsr(MSR_IA32_EFER));
	vmcs_set_host_pat(rdmsr(MSR_IA32_PAT));
	vmcs_writel(HOST_RIP, (u64)(uintptr_t)vmx_exit_entry);
}

bool vmx_vcpu_load(struct vmx_vcpu *x)
{
	struct percpu *cpu = this_cpu();

	if (cpu->vmx.current_vmcs == x->vmcs_phys)
		return true;
	if (!x->launched && !x->vmcs_initialised) {
		/* First use: VMCLEAR puts it in the clear state, 26.11.3. */
		if (!vmcs_clear(x->vmcs_phys) || !vmcs_load(x->vmcs_phys))
			return false;
		cpu->vmx.current_vmcs = x->vmcs_phys;
		setup_controls(x);
		setup_host_state();
		x->host_rsp = 0;
		x->vmcs_initialised = true;
		return !cpu->vmx.failed;
	}
	if (!vmcs_load(x->vmcs_phys))
		return false;
	cpu->vmx.current_vmcs = x->vmcs_phys;
	if (x->needs_host_state) {
		/* Moved here: GS, TR, GDT and IDT bases are this pCPU's now. */
		setup_host_state();
		x->host_rsp = 0;
		x->needs_host_state = false;
	}
	return !cpu->vmx.failed;
}

void arch_vcpu_leave(struct vcpu *v, bool live_here)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct percpu *cpu = this_cpu();

	if (live_here)
		vmx_vcpu_save_state(x); /* its FPU and MSRs are still in this pCPU's registers */
	if (!x->vmcs_initialised)
		return;
	/* A VMCS is active on one CPU at a time: VMCLEAR writes it back for the next, 26.11.3. */
	vmcs_clear(x->vmcs_phys);
	if (cpu->vmx.current_vmcs == x->vmcs_phys)
		cpu->vmx.current_vmcs = 0;
	x->launched = false; /* VMCLEAR leaves it clear: the next entry is a VMLAUNCH */
	x->needs_host_state = true;
}

void arch_vcpu_arrive(struct vcpu *v)
{
	to_vmx(v)->needs_tlb_flush = true;
	v->eptp_changed = true; /* this pCPU caches its root from the next entry: recorded then */
}

struct seg {
	u16 sel;
	u64 base;
	u32 limit, ar;
};

static void write_segments(const struct seg *cs, const struct seg *data)
{
	vmcs_write16(GUEST_CS_SEL, cs->sel);
	vmcs_writel(GUEST_CS_BASE, cs->base);
	vmcs_write32(GUEST_CS_LIMIT, cs->limit);
	vmcs_write32(GUEST_CS_AR, cs->ar);
#define DATA_SEG(S)                                            \
	vmcs_write16(GUEST_##S##_SEL, data->sel);              \
	vmcs_writel(GUEST_##S##_BASE, data->base);             \
	vmcs_write32(GUEST_##S##_LIMIT, data->limit);          \
	vmcs_write32(GUEST_##S##_AR, data->ar)
	DATA_SEG(DS);
	DATA_SEG(ES);
	DATA_SEG(FS);
	DATA_SEG(GS);
	DATA_SEG(SS);
#undef DATA_SEG
	/* LDTR unusable; TR a busy TSS, as 26.3.1.2 requires even when the guest has none. */
	vmcs_write16(GUEST_LDTR_SEL, 0);
	vmcs_writel(GUEST_LDTR_BASE, 0);
	vmcs_write32(GUEST_LDTR_LIMIT, 0);
	vmcs_write32(GUEST_LDTR_AR, 0x10000);
	vmcs_write16(GUEST_TR_SEL, 0);
	vmcs_writel(GUEST_TR_BASE, 0);
	vmcs_write32(GUEST_TR_LIMIT, 0xffff);
	vmcs_write32(GUEST_TR_AR, 0x8b);
	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
}

/*
 * What power-on and INIT both set (SDM Vol. 3A, table 10-1). MSRs are not in it: INIT leaves
 * them unchanged (10.1), vmx_vcpu_power_on_msrs() sets them at power-on. x's registers are live
 * on this pCPU: the run loop calls this just before x's next entry.
 */
static void reset_common(struct vmx_vcpu *x, u64 cr0)
{
	memset(&x->vcpu.regs, 0, sizeof(x->vcpu.regs));
	/* DR0-DR3 0, DR6 FFFF0FF0H, DR7 400H after INIT too (table 10-1). */
	memset(x->dr, 0, sizeof(x->dr));
	x->dr6 = 0xffff0ff0ULL;
	asm volatile("mov %0, %%db0; mov %0, %%db1; mov %0, %%db2; mov %0, %%db3" ::"r"(0ULL));
	asm volatile("mov %0, %%db6" ::"r"(x->dr6));
	x->cr2 = 0; /* CR2 0 too, table 10-1 */
	asm volatile("mov %0, %%cr2" ::"r"(0ULL));
	/* The guest reads cr0 from the shadow; VMX needs NE set underneath, 24.8 and A.7. */
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, cr0 | CR0_NE);
	vmcs_writel(CR4_READ_SHADOW, 0);
	vmcs_writel(GUEST_CR4, CR4_VMXE);
	vmcs_writel(GUEST_CR3, 0);
	vmcs_writel(GUEST_DR7, 0x400);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, 0x2);
	vmcs_writel(GUEST_PENDING_DBG, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	/* EFER too: real mode and the multiboot state need LMA 0, and LME with it (KVM does so). */
	vmcs_set_guest_efer(0);
	/* No event from before the INIT or reset: nothing queued, nothing to re-deliver (29.2). */
	vmcs_write32(ENTRY_INTR_INFO, 0);
	x->entry_intr_valid = false;
	x->check_vectoring = false;
	/* Entering with EFER.LMA = 0: not an IA-32e mode guest, 26.2.1.3. */
	vmcs_write32(ENTRY_CTLS, vmcs_read32(ENTRY_CTLS) & ~ENTRY_IA32E_GUEST);
	if (vmx_shadow_on(&x->vcpu))
		vmx_shadow_reset(x, cr0); /* CR0, CR3, CR4 and EFER as the shadow runs them */
}

/* What the host's CPUID says of the MSRs hv/vmsr.c keeps: the guest's CPUID passes it through. */
static void vmsr_caps_of_host(struct vmsr_caps *c)
{
	struct cpuid_regs l0 = cpuid(0, 0), l1 = cpuid(1, 0), e0 = cpuid(0x80000000, 0);
	struct cpuid_regs e1 = { 0, 0, 0, 0 }, e8 = { 0, 0, 0, 0 };

	if (e0.eax >= 0x80000001)
		e1 = cpuid(0x80000001, 0);
	if (e0.eax >= 0x80000008)
		e8 = cpuid(0x80000008, 0);
	*c = (struct vmsr_caps){
		.mtrr = l1.edx & BIT(12),
		.mca = l1.edx & BIT(14),
		.xtpr = l1.ecx & BIT(14),
		.nx = e1.edx & BIT(20),
		.limit_cpuid = l0.eax > 2,
		.maxphyaddr = (u8)e8.eax,
	};
}

void vmx_vcpu_power_on_msrs(struct vmx_vcpu *x)
{
	struct vmsr_caps caps;

	vmsr_caps_of_host(&caps);
	vmsr_power_on(&x->vcpu.msr, &caps);
	/* IA32_MISC_ENABLE and IA32_APIC_BASE at power-on, and a reset VM's new count. */
	exit_cpuid_inputs_changed(&x->vcpu);
	/*
	 * Table 10-1 leaves them undefined at power-on; 0 is what a fresh vCPU has, so a reset
	 * VM never reads what its previous run wrote. The swapped ones are live in this pCPU.
	 */
	x->kernel_gs_base = x->star = x->lstar = x->cstar = x->sfmask = x->tsc_aux = 0;
	/* IA32_TSC_ADJUST is 0 after reset (SDM Vol. 3B, 18.17.3): the guest's TSC is the host's. */
	x->vcpu.tsc_offset = 0;
	vmcs_write64(TSC_OFFSET, 0);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, 0);
	wrmsr(MSR_IA32_STAR, 0);
	wrmsr(MSR_IA32_LSTAR, 0);
	wrmsr(MSR_IA32_CSTAR, 0);
	wrmsr(MSR_IA32_FMASK, 0);
	if (vmx_caps.rdtscp)
		wrmsr(MSR_IA32_TSC_AUX, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_set_guest_pat(PAT_POWER_ON);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
}

void vmx_vcpu_reset_protected(struct vmx_vcpu *x, const struct vm_boot *b)
{
	struct seg cs = { b->cs, 0, 0xffffffff, 0xc09b }, data = { b->ds, 0, 0xffffffff, 0xc093 };

	reset_common(x, CR0_PE | BIT(4) /* ET */);
	write_segments(&cs, &data);
	vmcs_writel(GUEST_GDTR_BASE, b->gdt_base);
	vmcs_write32(GUEST_GDTR_LIMIT, b->gdt_limit);
	vmcs_writel(GUEST_RIP, b->entry);
	x->vcpu.regs.gpr[GPR_RAX] = b->eax;
	x->vcpu.regs.gpr[GPR_RBX] = b->ebx;
	x->vcpu.regs.gpr[GPR_RSI] = b->esi;
}

void vmx_vcpu_reset_real(struct vmx_vcpu *x, u8 vector)
{
	struct seg cs = { (u16)(vector << 8), (u64)vector << 12, 0xffff, 0x9b };
	struct seg data = { 0, 0, 0xffff, 0x93 };

	reset_common(x, BIT(4) /* ET */);
	write_segments(&cs, &data);
	/* Real mode needs unrestricted guest, which needs EPT (SDM Vol. 3C, 26.6.2). */
	if (vmx_shadow_on(&x->vcpu))
		vmx_real_mode_start(x, vector);
	vmcs_writel(GUEST_RIP, 0);
	x->vcpu.regs.gpr[GPR_RDX] = 0x600; /* a family 6 CPU's reset EDX, 9.1.4 */
}
