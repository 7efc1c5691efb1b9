/* SPDX-License-Identifier: GPL-2.0 */
/* VMCS field encodings (SDM Vol. 3C, appendix B) and width-checked VMREAD/VMWRITE accessors. */
#ifndef KESTREL_ARCH_X86_VMX_VMCS_H
#define KESTREL_ARCH_X86_VMX_VMCS_H

#include "lib/types.h"

/* Bits 14:13 of an encoding give the field's width, SDM Vol. 3C, 26.11.2. */
#define VMCS_W16 0
#define VMCS_W64 1
#define VMCS_W32 2
#define VMCS_WNAT 3
#define VMCS_WIDTH(f) (((f) >> 13) & 3)

enum vmcs_field {
	/* 16-bit, B.1 */
	VPID = 0x0000,
	POSTED_INTR_NV = 0x0002,
	GUEST_ES_SEL = 0x0800,
	GUEST_CS_SEL = 0x0802,
	GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806,
	GUEST_FS_SEL = 0x0808,
	GUEST_GS_SEL = 0x080a,
	GUEST_LDTR_SEL = 0x080c,
	GUEST_TR_SEL = 0x080e,
	GUEST_INTR_STATUS = 0x0810, /* RVI 7:0, SVI 15:8 (26.4.2) */
	HOST_ES_SEL = 0x0c00,
	HOST_CS_SEL = 0x0c02,
	HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06,
	HOST_FS_SEL = 0x0c08,
	HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	/* 64-bit, B.2 */
	IO_BITMAP_A = 0x2000,
	IO_BITMAP_B = 0x2002,
	MSR_BITMAP = 0x2004,
	EXIT_MSR_STORE_ADDR = 0x2006,
	EXIT_MSR_LOAD_ADDR = 0x2008,
	ENTRY_MSR_LOAD_ADDR = 0x200a,
	TSC_OFFSET = 0x2010,
	VIRTUAL_APIC_PAGE = 0x2012,
	POSTED_INTR_DESC = 0x2016,
	EPT_POINTER = 0x201a,
	EOI_EXIT_BITMAP0 = 0x201c, /* vectors 0-63; 1, 2, 3 follow two apart */
	EOI_EXIT_BITMAP1 = 0x201e,
	EOI_EXIT_BITMAP2 = 0x2020,
	EOI_EXIT_BITMAP3 = 0x2022,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_POINTER = 0x2800,
	GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804,
	GUEST_IA32_EFER = 0x2806,
	GUEST_PDPTE0 = 0x280a,
	GUEST_PDPTE1 = 0x280c,
	GUEST_PDPTE2 = 0x280e,
	GUEST_PDPTE3 = 0x2810,
	HOST_IA32_PAT = 0x2c00,
	HOST_IA32_EFER = 0x2c02,
	/* 32-bit, B.3 */
	PIN_BASED_CTLS = 0x4000,
	PROC_BASED_CTLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004,
	PF_ERROR_MASK = 0x4006,
	PF_ERROR_MATCH = 0x4008,
	CR3_TARGET_COUNT = 0x400a,
	EXIT_CTLS = 0x400c,
	EXIT_MSR_STORE_COUNT = 0x400e,
	EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CTLS = 0x4012,
	ENTRY_MSR_LOAD_COUNT = 0x4014,
	ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERROR = 0x4018,
	ENTRY_INSTR_LEN = 0x401a,
	TPR_THRESHOLD = 0x401c,
	PROC_BASED_CTLS2 = 0x401e,
	VM_INSTRUCTION_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERROR = 0x4406,
	IDT_VECTORING_INFO = 0x4408,
	IDT_VECTORING_ERROR = 0x440a,
	EXIT_INSTR_LEN = 0x440c,
	EXIT_INSTR_INFO = 0x440e,
	GUEST_ES_LIMIT = 0x4800,
	GUEST_CS_LIMIT = 0x4802,
	GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806,
	GUEST_FS_LIMIT = 0x4808,
	GUEST_GS_LIMIT = 0x480a,
	GUEST_LDTR_LIMIT = 0x480c,
	GUEST_TR_LIMIT = 0x480e,
	GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814,
	GUEST_CS_AR = 0x4816,
	GUEST_SS_AR = 0x4818,
	GUEST_DS_AR = 0x481a,
	GUEST_FS_AR = 0x481c,
	GUEST_GS_AR = 0x481e,
	GUEST_LDTR_AR = 0x4820,
	GUEST_TR_AR = 0x4822,
	GUEST_INTERRUPTIBILITY = 0x4824,
	GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SYSENTER_CS = 0x482a,
	PREEMPTION_TIMER_VALUE = 0x482e,
	HOST_SYSENTER_CS = 0x4c00,
	/* natural width, B.4 */
	CR0_GUEST_HOST_MASK = 0x6000,
	CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004,
	CR4_READ_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400,
	GUEST_LINEAR_ADDR = 0x640a,
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806,
	GUEST_CS_BASE = 0x6808,
	GUEST_SS_BASE = 0x680a,
	GUEST_DS_BASE = 0x680c,
	GUEST_FS_BASE = 0x680e,
	GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812,
	GUEST_TR_BASE = 0x6814,
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00,
	HOST_CR3 = 0x6c02,
	HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10,
	HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14,
	HOST_RIP = 0x6c16,
};

/* Report a failed VMX instruction (field, VM-instruction error, caller) and mark this CPU's VM. */
void vmcs_failed(const char *insn, u32 field, const char *caller);

/*
 * VMfail sets CF (VMfailInvalid) or ZF (VMfailValid), SDM Vol. 3C, 32.2: one JNA on the
 * instruction's own flags branches to the report, which is out of the way of the common path.
 */
static __always_inline void __vmcs_write(u32 field, u64 v, const char *caller)
{
	asm goto("vmwrite %1, %0; jna %l[fail]" : : "r"((u64)field), "rm"(v) : "cc" : fail);
	return;
fail: __attribute__((cold));
	vmcs_failed("VMWRITE", field, caller);
}

static __always_inline u64 __vmcs_read(u32 field, const char *caller)
{
	u64 v;

	asm goto("vmread %1, %0; jna %l[fail]" : "=r"(v) : "r"((u64)field) : "cc" : fail);
	return v;
fail: __attribute__((cold));
	vmcs_failed("VMREAD", field, caller);
	return 0;
}

/* A field of the wrong width is a compile-time error, as in KVM's vmx_ops.h. */
#define VMCS_CHECK(f, w) \
	_Static_assert(__builtin_constant_p(f) && VMCS_WIDTH(f) == (w), "VMCS field width")

#define vmcs_write16(f, v) ({ VMCS_CHECK(f, VMCS_W16); __vmcs_write(f, (u16)(v), __func__); })
#define vmcs_write32(f, v) ({ VMCS_CHECK(f, VMCS_W32); __vmcs_write(f, (u32)(v), __func__); })
#define vmcs_write64(f, v) ({ VMCS_CHECK(f, VMCS_W64); __vmcs_write(f, (u64)(v), __func__); })
#define vmcs_writel(f, v) ({ VMCS_CHECK(f, VMCS_WNAT); __vmcs_write(f, (u64)(v), __func__); })
#define vmcs_read16(f) ({ VMCS_CHECK(f, VMCS_W16); (u16)__vmcs_read(f, __func__); })
#define vmcs_read32(f) ({ VMCS_CHECK(f, VMCS_W32); (u32)__vmcs_read(f, __func__); })
#define vmcs_read64(f) ({ VMCS_CHECK(f, VMCS_W64); __vmcs_read(f, __func__); })
#define vmcs_readl(f) ({ VMCS_CHECK(f, VMCS_WNAT); __vmcs_read(f, __func__); })

/* VMCLEAR / VMPTRLD, with the same reporting. */
bool vmcs_clear(u64 phys);
bool vmcs_load(u64 phys);
/*
 * An entry of a VM-entry or VM-exit MSR-load list (SDM Vol. 3C, 25.7.2 and 25.8.2; table 25-15):
 * 16 bytes, the list 16-byte aligned.
 */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

/* Where a vCPU's lists start in its list page (vmx_vcpu.c): guest values at 0, the host's here. */
#define VMX_HOST_MSR_LIST 8

/*
 * The IA32_EFER and IA32_PAT the CPU runs the current VMCS's guest with, and the host's after a
 * VM exit: in GUEST_IA32_* and HOST_IA32_* where the CPU has the VM-entry and VM-exit controls
 * that load them (vmx_caps.efer_ctls, pat_ctls), else in the VM-entry and VM-exit MSR-load
 * lists; the fields are never read or written then (the CPU may not have them).
 */
u64 vmcs_guest_efer(void);
void vmcs_set_guest_efer(u64 efer);
void vmcs_set_host_efer(u64 efer);
void vmcs_set_guest_pat(u64 pat);
void vmcs_set_host_pat(u64 pat);
/* Prints the fields that explain a failure or an unknown exit. */
void vmcs_dump(void);

#endif
