// SPDX-License-Identifier: GPL-2.0
/* Prints a VM's exit statistics as a table: one row per exit reason, one per vCPU. */
#include <stdarg.h>
#include "hv/stats.h"
#include "hv/arch.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "lib/atomic.h"
#include "lib/console.h"
#include "hv/vm.h"
#include "lib/format.h"
#include "lib/spinlock.h"

bool stats_timing;

/* A 1024-vCPU VM gets its first rows and a total, not a thousand lines. */
#define STATS_MAX_ROWS 16

/*
 * The table is built here and written with one console_write, so VMs that stop at the same
 * time print whole tables, one after the other. Rows: at most every exit reason, the vCPU
 * rows and a few more, each under 128 characters but two: vCPU 0's exits by reason, which may
 * take about 520 (4 rows' worth), and the shadow line, about 300 and at most about 480 with
 * every count at 20 digits (4 rows), both counted in the 17 spare. row() cuts what does not
 * fit.
 */
#define STATS_MAX_REASONS 96 /* rows for exit reasons; arch_exit_reasons() is below it */
static char table_buf[(STATS_MAX_REASONS + STATS_MAX_ROWS + 17) * 128];
static size_t table_len;
static struct spinlock table_lock = SPINLOCK_INIT;

static void __printf(1, 2) row(const char *fmt, ...)
{
	size_t room = sizeof(table_buf) - table_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(table_buf + table_len, room, fmt, ap);
	va_end(ap);
	table_len += MIN((size_t)n, room - 1);
}

static void print_pv(struct vm *vm)
{
	struct pv_stats t = { 0 };

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		const struct pv_stats *s = &vm->vcpus[i]->pv_stats;

		t.flush_calls += s->flush_calls;
		t.flush_targets += s->flush_targets;
		t.flush_waited += s->flush_waited;
		t.flush_deferred += s->flush_deferred;
		t.flush_area_bit += s->flush_area_bit;
		t.ipi_calls += s->ipi_calls;
		t.ipi_targets += s->ipi_targets;
		t.deadline_writes += s->deadline_writes;
		t.deadline_rearms += s->deadline_rearms;
		t.kicks += s->kicks;
		t.yields += s->yields;
	}
	row("  pv: flush calls %lu (targets %lu: waited for %lu, deferred %lu), "
		       "FLUSH-bit flushes %lu\n", t.flush_calls, t.flush_targets, t.flush_waited,
		       t.flush_deferred, t.flush_area_bit);
	row("  pv: IPI calls %lu (targets %lu), TSC-deadline writes %lu, lazy re-arms %lu\n",
		       t.ipi_calls, t.ipi_targets, t.deadline_writes, t.deadline_rearms);
	if (vm->kvm)
		row("  pv: KVM kicks %lu, directed yields %lu\n", t.kicks, t.yields);
}

/* Time its runs took past their slice ends while others waited: owed, paid back (hv/sched). */
static void print_overruns(struct vm *vm)
{
	u64 sum = 0, max = 0;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		sum += vm->vcpus[i]->stats.overrun_tsc;
		max = MAX(max, vm->vcpus[i]->stats.overrun_max);
	}
	row("  sched: runs past their slice end by %lu TSC ticks in all (longest %lu), paid back "
	    "from the next slices\n", sum, max);
}

/* The ports and MSRs it touched that nothing models, a row per few. */
static void print_unmodelled(struct vm *vm)
{
	char line[100];
	u32 from = 0;

	if (!unmodelled_format(&vm->unmodelled, &from, line, sizeof(line))) {
		row("  unmodelled: none\n");
		return;
	}
	do
		row("  unmodelled: %s\n", line);
	while (unmodelled_format(&vm->unmodelled, &from, line, sizeof(line)));
	if (READ_ONCE(vm->unmodelled.others))
		row("  unmodelled: and %lu accesses to ports or MSRs past the first %u\n",
		    READ_ONCE(vm->unmodelled.others), UNMODELLED_MAX);
}

/*
 * vCPU 0's exits by reason on one line: what a test of one vCPU's path counts, apart from the
 * exits the clock and (under shadow paging) the guest's page tables cause it.
 */
static void format_vcpu0_reasons(struct vm *vm)
{
	char line[512];
	size_t len = 0;

	if (!vm->nr_vcpus)
		return;
	for (u32 r = 0; r < MIN(arch_exit_reasons(), (u32)STATS_MAX_REASONS); r++) {
		u64 n, t;
		int w;

		arch_vcpu_exit_stats(vm->vcpus[0], r, &n, &t);
		if (!n)
			continue;
		w = fmt_snprintf(line + len, sizeof(line) - len, "%s%s %lu", len ? ", " : "",
				 arch_exit_name(r), n);
		if (w < 0 || (size_t)w >= sizeof(line) - len)
			break; /* the reasons that fit: a whole one or none */
		len += (size_t)w;
	}
	line[len] = '\0';
	row("  vcpu 0 exits by reason: %s\n", len ? line : "none");
}

static void format_vm(struct vm *vm)
{
	u64 total = 0, total_tsc = 0;

	row("kestrel: vm %s: exit statistics\n", vm->name);
	row("  %-22s %10s %14s %10s\n", "exit reason", "count", "TSC ticks", "ticks/exit");
	for (u32 r = 0; r < MIN(arch_exit_reasons(), (u32)STATS_MAX_REASONS); r++) {
		u64 n = 0, t = 0;

		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			u64 vn, vt;

			arch_vcpu_exit_stats(vm->vcpus[i], r, &vn, &vt);
			n += vn;
			t += vt;
		}
		if (!n)
			continue;
		total += n;
		total_tsc += t;
		if (stats_timing)
			row("  %-22s %10lu %14lu %10lu\n", arch_exit_name(r), n, t, t / n);
		else
			row("  %-22s %10lu %14s %10s\n", arch_exit_name(r), n, "-", "-");
	}
	if (stats_timing)
		row("  %-22s %10lu %14lu %10lu\n", "total", total, total_tsc,
		    total ? total_tsc / total : 0);
	else
		row("  %-22s %10lu %14s %10s\n", "total", total, "-", "-");
	row("  %-6s %5s %5s %10s %10s %14s %14s %9s %8s\n", "vcpu", "pcpu", "moves",
	    "entries", "exits", "guest TSC", "steal TSC", "injected", "IPIs");
	for (u32 i = 0; i < vm->nr_vcpus && i < STATS_MAX_ROWS; i++) {
		const struct vcpu *v = vm->vcpus[i];
		u64 exits = 0;

		for (u32 r = 0; r < arch_exit_reasons(); r++) {
			u64 n, t;

			arch_vcpu_exit_stats(v, r, &n, &t);
			exits += n;
		}
		if (stats_timing)
			row("  %-6u %5u %5u %10lu %10lu %14lu %14lu %9lu %8lu\n", v->id, v->pcpu,
			    v->migrations, v->stats.entries, exits, v->stats.guest_tsc,
			    v->stats.steal_tsc, v->stats.injected, v->stats.ipis_sent);
		else
			row("  %-6u %5u %5u %10lu %10lu %14s %14lu %9lu %8lu\n", v->id, v->pcpu,
			    v->migrations, v->stats.entries, exits, "-", v->stats.steal_tsc,
			    v->stats.injected, v->stats.ipis_sent);
	}
	if (vm->nr_vcpus > STATS_MAX_ROWS)
		row("  (%u more vCPUs not shown)\n", vm->nr_vcpus - STATS_MAX_ROWS);
	format_vcpu0_reasons(vm);
	print_overruns(vm);
	print_pv(vm);
	print_unmodelled(vm);
	row("  console: input bytes %lu, dropped %lu (receive FIFO full or VM stopped)\n",
	    READ_ONCE(vm->console_in), READ_ONCE(vm->console_in_dropped));
	row("  dev: RTC index writes %lu, data accesses %lu; PCI configuration accesses %lu\n",
	    vm->rtc.index_writes, vm->rtc.data_accesses, READ_ONCE(vm->pci.accesses));
	/* Each pCPU's, not the VM's, for the pCPUs it may use that have run a VM. */
	for (u32 i = 0; i < nr_cpus; i++) {
		const struct spec_stats *c = &cpus[i]->spec;

		if (cpuset_has(&vm->cpus, i) && READ_ONCE(c->vm_switches))
			row("  spec: pcpu %u: switches between VMs %lu, IBPB %lu, L1D flushes %lu, "
			    "VERW %lu\n", i, READ_ONCE(c->vm_switches), READ_ONCE(c->ibpb),
			    READ_ONCE(c->l1d_flushes), READ_ONCE(c->verw));
	}
	row("  mem: pages mapped on demand 4K %lu, 2M %lu, 1G %lu, range zaps %lu, table limit "
	    "hits %lu, unbacked reads %lu and writes %lu\n", vm->ept.maps[0],
	    vm->ept.maps[1], vm->ept.maps[2], vm->ept.range_zaps, vm->ept.limit_hits,
	    vm->unbacked_reads, vm->unbacked_writes);
	if (vm->shadow) {
		const struct shadow_mmu *m = vm->shadow;
		const struct shadow_stats *t = &m->stats;

		row("  shadow: faults %lu (fixed %lu, the guest's %lu, emulated writes %lu), pages "
		    "made %lu, now %u of %u (obsolete %u), zapped %lu obsolete and %lu valid, "
		    "write-protected %lu, unshadowed as written over %lu, flushes %lu, invalidations "
		    "%lu (and by walking %lu), root reloads %lu (reused %lu)\n", t->faults, t->fixed,
		    t->injected, t->emulated, t->pages_made, m->nr_valid + m->nr_obsolete,
		    m->max_pages, m->nr_obsolete, t->obsolete_zapped, t->valid_zapped,
		    t->write_protected, t->flooded, t->flushes, t->invalidations, t->walks,
		    t->reloads, t->root_reuses);
	}
	row("  mem: host chunks given back %lu, fresh ones taken back %lu\n",
	    vm->ept.chunks_returned, vm->ept.chunks_taken);
	/* Last: the tests take this line for the end of the table. */
	row("  ept: generation %lu, invalidations by generation %lu and by walking %lu, "
	    "mapped on demand %lu, tables freed %lu, obsolete trees %u, tables now %lu (at most %lu), "
	    "pCPU flushes %lu\n",
	    vm->ept.generation, vm->ept.invalidations, vm->ept.walks, vm->ept.faults,
	    vm->ept.tables_freed, vm->ept.nr_obsolete, vm->ept.cur.nr_tables,
	    vm->ept.max_tables, vm->ept.cpu_flushes);
}

void stats_print_if_asked(struct vm *vm)
{
	if (!READ_ONCE(vm->stats_asked) || !atomic_xchg(&vm->stats_asked, 0))
		return;
	vm_console_flush(vm); /* the VM's lines so far come first */
	stats_print_vm(vm);
	WRITE_ONCE(vm->stats_next, rdtsc() + vm->stats_interval);
}

/* No interrupt handler prints a table, so the lock needs no interrupts off. */
void stats_print_vm(struct vm *vm)
{
	spin_lock(&table_lock);
	table_len = 0;
	format_vm(vm);
	console_write(table_buf, table_len);
	spin_unlock(&table_lock);
}
