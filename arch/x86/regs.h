/* SPDX-License-Identifier: GPL-2.0 */
/* A guest's general-purpose registers, in hardware encoding order (SDM Vol. 2A, table 2-2). */
#ifndef KESTREL_ARCH_X86_REGS_H
#define KESTREL_ARCH_X86_REGS_H

#include "lib/types.h"

/* The order of ModRM reg fields and exit qualifications: a register number indexes gpr[]. */
enum gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

struct guest_regs {
	u64 gpr[16]; /* gpr[GPR_RSP] is unused: RSP lives in the VMCS */
};

/* vmenter.asm's offsets. */
_Static_assert(__builtin_offsetof(struct guest_regs, gpr[GPR_RAX]) == 0, "vmenter.asm R_RAX");
_Static_assert(__builtin_offsetof(struct guest_regs, gpr[GPR_RBX]) == 24, "vmenter.asm R_RBX");
_Static_assert(__builtin_offsetof(struct guest_regs, gpr[GPR_RDI]) == 56, "vmenter.asm R_RDI");
_Static_assert(__builtin_offsetof(struct guest_regs, gpr[GPR_R15]) == 120, "vmenter.asm R_R15");

u64 vmx_enter(struct guest_regs *regs, u64 launched, u64 *host_rsp);
void vmx_exit_entry(void);

#endif
