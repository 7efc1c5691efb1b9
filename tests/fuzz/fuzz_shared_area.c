// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: pv/shared_area.c registers only aligned areas in RAM and writes nothing else. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fuzz.h"
#include "hv/sched/sched.h"
#include "hv/vm.h"
#include "pv/pv.h"

/*
 * Guest RAM is mapped twice. Kestrel's view (the chunks) is read-only but for at most two pages,
 * those of the last areas the guest registered, so a write anywhere else faults at once; the
 * writable pages are compared before and after every step, all but the areas the step may
 * write. (They are made read-only again only when another page is needed: mprotect was most
 * of the time.) The guest's view is always writable: the guest stores to its RAM whenever it
 * likes, and each input starts from zeros.
 */
#define RAM_CHUNKS 2
#define RAM_SIZE (RAM_CHUNKS * GMEM_CHUNK_SIZE)
#define AREA sizeof(struct kestrel_vcpu_area)
#define HOST_PAGE 4096u

static struct vm vm;
static struct vcpu vcpu;
static u64 chunks[RAM_CHUNKS];
static u8 *kview, *gview; /* the same memory: Kestrel's view, the guest's */
static u8 *rw[2]; /* the pages of Kestrel's view it may write, or NULL */
static u8 before[2][HOST_PAGE];

/*
 * This pCPU as sched_timers_changed (inline) sees it: GS points at a per-CPU area of the
 * target's own, whose scheduler runs no vCPU; the timer changes themselves go nowhere.
 */
static struct percpu fake_cpu;
static struct sched_cpu fake_sched;

void sched_timers_changed_other(struct vcpu *v)
{
	(void)v;
}

void sched_policy_timer_deferred(struct sched_cpu *s, struct vcpu *v)
{
	(void)s;
	(void)v;
}

void pv_do_flush(struct vcpu *v)
{
	v->pv.flush.kind = 0; /* done, as the architecture would */
}

/* The KVM steal-time area (pv/kvm.c) is set only by an MSR write, which this target never does. */
void pv_kvm_schedule_in(struct vcpu *v, u64 steal_tsc)
{
	(void)v;
	(void)steal_tsc;
}

void pv_kvm_preempted(struct vcpu *v)
{
	(void)v;
}

/* The core's pin, without the lock: the host address of RAM the VM holds. */
void *vm_mem_pin(struct vm *vm, u64 gpa, u64 len, void **slot)
{
	u64 off;

	if (!gmem_offset(&vm->mem, gpa, len, &off)) {
		*slot = NULL;
		return NULL;
	}
	gmem_prepare(&vm->mem, off, len);
	*slot = (void *)(uintptr_t)gmem_hpa(&vm->mem, gpa);
	return *slot;
}

void pv_kvm_reset(struct vcpu *v)
{
	(void)v;
}

static u8 *host(u64 gpa)
{
	return (u8 *)(uintptr_t)gmem_hpa(&vm.mem, gpa);
}

static u8 *page_of(u64 gpa)
{
	return (u8 *)((uintptr_t)host(gpa) & ~(uintptr_t)(HOST_PAGE - 1));
}

/*
 * Kestrel's view maps each page on its own, neighbours swapped in the file, so that no two
 * pages form one mapping: mprotect of a page then neither splits nor merges mappings, which
 * made it the most expensive thing this target did.
 */
static u64 file_off(u8 *kva)
{
	u64 off = (u64)(kva - kview);

	return (off ^ HOST_PAGE);
}

static void protect(u8 *page, int prot)
{
	if (mprotect(page, HOST_PAGE, prot))
		abort();
}

/* The pages written since the last input, zeroed before the next so each input runs alike. */
#define MAX_DIRTY 64
static u64 dirty[MAX_DIRTY];
static u32 nr_dirty;
static bool all_dirty;

static void mark_dirty(u64 gpa)
{
	for (u32 i = 0; i < nr_dirty; i++)
		if (dirty[i] == gpa / HOST_PAGE)
			return;
	if (nr_dirty == MAX_DIRTY)
		all_dirty = true;
	else
		dirty[nr_dirty++] = gpa / HOST_PAGE;
}

static void zero_dirty(void)
{
	if (all_dirty)
		memset(gview, 0, RAM_SIZE);
	for (u32 i = 0; !all_dirty && i < nr_dirty; i++)
		memset(gview + file_off(page_of(dirty[i] * HOST_PAGE)), 0, HOST_PAGE);
	nr_dirty = 0;
	all_dirty = false;
}

static void setup(void)
{
	int fd = memfd_create("guest-ram", 0);

	fake_cpu.self = &fake_cpu;
	fake_cpu.sched = &fake_sched;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, &fake_cpu))
		abort();
	if (fd < 0 || ftruncate(fd, RAM_SIZE))
		abort();
	kview = mmap(NULL, RAM_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gview = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (kview == MAP_FAILED || gview == MAP_FAILED)
		abort();
	for (u64 off = 0; off < RAM_SIZE; off += HOST_PAGE)
		if (mmap(kview + off, HOST_PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
			 (off_t)file_off(kview + off)) == MAP_FAILED)
			abort();
	/* Reverse host order, so a pointer carried across a chunk boundary is caught. */
	for (u32 i = 0; i < RAM_CHUNKS; i++)
		chunks[i] = (u64)(uintptr_t)(kview + (RAM_CHUNKS - 1 - i) * GMEM_CHUNK_SIZE);
	vm.mem = (struct guest_mem){ .size = RAM_SIZE, .nr_chunks = RAM_CHUNKS, .chunks = chunks };
}

/* The guest stores 8 bytes (fewer at the end of a page) anywhere in its RAM. */
static void guest_write(u64 gpa, u64 val)
{
	gpa %= RAM_SIZE;
	memcpy(gview + file_off(host(gpa)), &val, 8 - (gpa & 7));
	mark_dirty(gpa);
}

/* Makes the pages of the areas at a and b (0: none) writable, keeping what it can. */
static void writable(u64 a, u64 b)
{
	u8 *want[2] = { a ? page_of(a) : NULL, b ? page_of(b) : NULL };

	for (u32 i = 0; i < 2; i++) {
		u32 slot;

		if (!want[i])
			continue;
		mark_dirty(i ? b : a);
		if (want[i] == rw[0] || want[i] == rw[1])
			continue;
		/* A slot whose page neither area needs. */
		slot = rw[0] && (rw[0] == want[0] || rw[0] == want[1]) ? 1 : 0;
		if (rw[slot])
			protect(rw[slot], PROT_READ);
		protect(want[i], PROT_READ | PROT_WRITE);
		rw[slot] = want[i];
	}
}

static void snapshot(void)
{
	for (u32 i = 0; i < 2; i++)
		if (rw[i])
			memcpy(before[i], rw[i], HOST_PAGE);
}

/* Every writable page is as before but the areas at allow1 and allow2 (0: none). */
static void compare(u64 allow1, u64 allow2)
{
	for (u32 i = 0; i < 2; i++) {
		if (!rw[i])
			continue;
		if (allow1 && page_of(allow1) == rw[i])
			memcpy(before[i] + allow1 % HOST_PAGE, rw[i] + allow1 % HOST_PAGE, AREA);
		if (allow2 && page_of(allow2) == rw[i])
			memcpy(before[i] + allow2 % HOST_PAGE, rw[i] + allow2 % HOST_PAGE, AREA);
		if (memcmp(rw[i], before[i], HOST_PAGE))
			abort(); /* Kestrel wrote guest RAM outside the registered area */
	}
}

/* The registered area is 64-byte aligned, in RAM, and Kestrel's pointer is its host address. */
static void check_area(void)
{
	if (!vcpu.pv.area_gpa) {
		if (vcpu.pv.area)
			abort();
		return;
	}
	if (vcpu.pv.area_gpa % AREA || !gmem_range_ok(&vm.mem, vcpu.pv.area_gpa, AREA) ||
	    (u8 *)vcpu.pv.area != host(vcpu.pv.area_gpa))
		abort();
}

/*
 * Only the old area and, when the registration is one the ABI allows (docs/abi.md: 64-byte
 * aligned, in RAM), the new one may change; the page of a refused one stays read-only (unless
 * an earlier area left it writable: then it is compared), so a write there is caught.
 */
static void do_register(u64 gpa)
{
	bool allowed = gpa && gpa % AREA == 0 && gmem_range_ok(&vm.mem, gpa, AREA);
	u64 old = vcpu.pv.area_gpa;
	struct vcpu_pv was = vcpu.pv;
	s64 ret;

	writable(old, allowed ? gpa : 0);
	snapshot();
	vcpu.regs.gpr[GPR_RDI] = gpa;
	ret = hc_set_shared_area(&vcpu);
	if ((ret == 0 && gpa && !allowed) || (ret && allowed))
		abort(); /* took a misaligned area or one outside RAM, or refused a good one */
	if (ret && ret != -EINVAL && ret != -EFAULT)
		abort();
	if (ret && memcmp(&was, &vcpu.pv, sizeof(was)))
		abort(); /* a refused registration changed the state */
	if (ret == 0 && (vcpu.pv.area_gpa != gpa || (gpa && vcpu.pv.area->version & 1)))
		abort();
	compare(old, ret ? 0 : gpa);
	check_area();
}

/* One step other than registration: it may write the registered area and nothing else. */
static void step(u32 op, u64 val, u64 now)
{
	/* IA32_TSC_DEADLINE, LVT timer, initial count, divide configuration */
	static const u32 timer_msrs[] = { VLAPIC_MSR_TSC_DEADLINE, 0x832, 0x838, 0x83e };
	u64 gpa = vcpu.pv.area_gpa;
	struct vlapic_ipi ipi;

	writable(gpa, 0);
	snapshot();
	switch (op) {
	case 1: pv_schedule_in(&vcpu, val); break;
	case 2: pv_preempted(&vcpu); break;
	case 3: pv_deadline_written(&vcpu, val, now); break;
	case 4:
		/* The guest programs its timer, then Kestrel looks at the lazy deadline. */
		vlapic_msr_write(&vcpu.lapic, timer_msrs[(val >> 48) % 4], val & 0xffffffffffffull,
				 now, &ipi);
		pv_deadline_sync(&vcpu);
		break;
	case 5: pv_deadline_expired(&vcpu, now); break;
	case 6: pv_deadline_clear(&vcpu); break;
	default: pv_reset(&vcpu); break;
	}
	compare(gpa, 0);
	check_area();
}

/*
 * Input: steps of 1 op byte and 8 bytes of value. Registration addresses are raw, or a 64-byte
 * slot of RAM or just past it, or any byte of RAM or just past it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	u64 now = 1000;

	if (!kview)
		setup();
	zero_dirty();
	memset(&vcpu, 0, sizeof(vcpu));
	vm.pv = true;
	vcpu.vm = &vm;
	if (vlapic_init(&vcpu.lapic, 0, 1))
		abort();
	while (in.n) {
		u32 op = (u32)fuzz_u64(&in, 1);
		u64 val = fuzz_u64(&in, 8);

		now += val & 0xffff;
		switch (op % 12) {
		case 0: do_register(val); break;
		case 8: do_register(val % (RAM_SIZE / AREA + 2) * AREA); break;
		case 9: do_register(val % (RAM_SIZE + 2 * AREA)); break;
		case 10: guest_write(val % (RAM_SIZE / 8) * 8, val); break;
		case 11: guest_write(vcpu.pv.area_gpa + (op >> 4) % 8 * 8, val); break;
		default: step(op % 12, val, now); break;
		}
	}
	return 0;
}
