/* SPDX-License-Identifier: GPL-2.0 */
/* VM configuration from GRUB's module2 lines: one VM per kernel module, extra modules by name. */
#ifndef KESTREL_HV_VMCONFIG_H
#define KESTREL_HV_VMCONFIG_H

#include "lib/multiboot2.h"
#include "mm/guest_mem.h"
#include "lib/cpuset.h"
#include "lib/types.h"

/*
 * The module2 lines (README.md, "Running VMs"):
 *
 *   module2 /guests/demo.elf  vm=demo vcpus=4 mem=64M -- demo.elf rounds=100
 *   module2 /guests/demo.elf  vm=second vcpus=4 mem=64M pv=off cpus=0-1
 *   module2 /guests/data.bin  vm=second
 *
 * GRUB hands over the words after the file name (older GRUBs include the
 * path: a first word starting with '/' or '(' is skipped). Words before "--":
 *
 *   vm=NAME    required; 1 to 15 of A-Z a-z 0-9 _ -
 *   vcpus=N    1 to KESTREL_MAX_VCPUS (default 1)
 *   mem=SIZE   K, M or G suffix; a multiple of 2 MiB, 2 MiB to 1 TiB (default 32M)
 *   pv=on|kestrel|off  the paravirtual interfaces: Kestrel's own and the KVM-compatible one
 *              (on, the default), Kestrel's alone, or none
 *   cpus=LIST  the pCPUs it may run on, as 0-3,6; 0 to CPUSET_MAX - 1 (default all)
 *   debug=on|off  the debug hypercalls: tables printed, EPT invalidated on demand (off)
 *   strict_mmio=on|off  an access to guest-physical memory nothing backs stops the VM, instead
 *              of reading all ones and dropping writes as a PC does (off)
 *   console=on|off  what is typed at Kestrel's console goes to this VM from boot (off: to the
 *              first VM unless another says on; the first that says on wins)
 *   ept=on|off  second-level translation by EPT, or shadow page tables (on; a CPU without EPT
 *              runs every VM on shadow page tables)
 *   apicv=on|off  the processor's APIC virtualization where it has it, or the local APIC
 *              emulated at every access and interrupts injected by Kestrel (off for now;
 *              never on shadow page tables)
 *
 * The rest of the line after "--" is the guest's command line, verbatim.
 * A line with a VM word (vcpus, mem, pv, cpus, debug, strict_mmio, console, ept, apicv), an
 * unknown word or a "--" defines a VM, and its module is that VM's kernel. A line with only vm=NAME
 * is an extra module of VM NAME (an initrd, a data file), wherever NAME is
 * defined: the VM sees its extra modules as its multiboot modules, in module
 * order, each with an empty string.
 */
#define KESTREL_MAX_VCPUS 16384
#define VMCONFIG_NAME_MAX 15
#define VMCONFIG_MAX_EXTRA MB2_MAX_MODULES
#define VMCONFIG_MAX MB2_MAX_MODULES /* at most one entry per module line */
#define VMCONFIG_ERROR_LEN 128
#define VMCONFIG_MEM_UNIT GMEM_CHUNK_SIZE /* guest RAM comes in 2 MiB chunks */
#define VMCONFIG_MEM_MAX (1024 * GiB)
#define VMCONFIG_DEFAULT_VCPUS 1
#define VMCONFIG_DEFAULT_MEM (32 * MiB)

struct vm_config {
	char name[VMCONFIG_NAME_MAX + 1]; /* "" in an entry that only reports a bad line */
	u32 vcpus;
	u64 mem; /* bytes of RAM, a multiple of VMCONFIG_MEM_UNIT */
	bool pv; /* Kestrel's own PV interface */
	bool kvm; /* the KVM-compatible one (hv/kvm_abi.h) */
	bool debug; /* debug hypercalls (statistics on demand, EPT invalidation) answer */
	bool strict_mmio; /* unbacked accesses stop the VM (else: all ones, writes dropped) */
	bool console; /* console=on: the console's input focus at boot */
	bool ept_off; /* ept=off: shadow page tables even where the CPU has EPT */
	bool apicv; /* APIC virtualization where the processor has it */
	struct cpuset cpus; /* the pCPUs it may run on */
	u32 kernel; /* index in bi->modules of the line that defines the VM (or is bad) */
	const char *cmdline; /* the guest's: NUL-terminated, never NULL; points into bi */
	size_t cmdline_len;
	u32 nr_extra;
	u32 extra[VMCONFIG_MAX_EXTRA]; /* indices in bi->modules, in module order */
	bool ok; /* false: must not start, and error says why */
	char error[VMCONFIG_ERROR_LEN];
};

/*
 * Reads every module line of bi into out[0..return value). One entry per VM,
 * in the order of the lines that define them, then one entry (with an empty
 * name) per line that defines no VM and has an error: no vm= word, a bad
 * name, an extra module naming no VM. An entry with ok false has an error
 * that names the VM or the module (numbered from 1 in grub.cfg order), e.g.
 * "vm demo: vcpus=0: must be 1 to 1024" or "module 5: vm=ghost names no VM";
 * the other entries are unaffected. A VM defined twice keeps one entry, not ok.
 * Pointers in the result point into bi's strings.
 * @pre bi != NULL && out != NULL; max >= bi->nr_modules (else lines are dropped)
 */
u32 vmconfig_parse(const struct boot_info *bi, struct vm_config *out, u32 max);

#endif
