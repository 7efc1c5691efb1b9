// SPDX-License-Identifier: GPL-2.0
/* Prints a VM's exit statistics as a table: one row per exit reason, one per vCPU. */
#include "hv/stats.h"
#include "hv/console.h"
#include "hv/vm.h"

/* A 1024-vCPU VM gets its first rows and a total, not a thousand lines. */
#define STATS_MAX_ROWS 16

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
	}
	console_printf("  pv: flush calls %lu (targets %lu: waited for %lu, deferred %lu), "
		       "FLUSH-bit flushes %lu\n", t.flush_calls, t.flush_targets, t.flush_waited,
		       t.flush_deferred, t.flush_area_bit);
	console_printf("  pv: IPI calls %lu (targets %lu), TSC-deadline writes %lu, lazy re-arms %lu\n",
		       t.ipi_calls, t.ipi_targets, t.deadline_writes, t.deadline_rearms);
}

void stats_print_vm(struct vm *vm)
{
	u64 total = 0, total_tsc = 0;

	console_printf("kestrel: vm %s: exit statistics\n", vm->name);
	console_printf("  %-22s %10s %14s %10s\n", "exit reason", "count", "TSC ticks", "ticks/exit");
	for (u32 r = 0; r < NR_EXIT_REASONS; r++) {
		u64 n = 0, t = 0;

		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			n += vm->vcpus[i]->stats.exits[r];
			t += vm->vcpus[i]->stats.exit_tsc[r];
		}
		if (!n)
			continue;
		total += n;
		total_tsc += t;
		console_printf("  %-22s %10lu %14lu %10lu\n", exit_reason_name(r), n, t, t / n);
	}
	console_printf("  %-22s %10lu %14lu %10lu\n", "total", total, total_tsc,
		       total ? total_tsc / total : 0);
	console_printf("  %-6s %5s %5s %10s %10s %14s %14s %9s %8s\n", "vcpu", "pcpu", "moves",
		       "entries", "exits", "guest TSC", "steal TSC", "injected", "IPIs");
	for (u32 i = 0; i < vm->nr_vcpus && i < STATS_MAX_ROWS; i++) {
		const struct vcpu *v = vm->vcpus[i];
		u64 exits = 0;

		for (u32 r = 0; r < NR_EXIT_REASONS; r++)
			exits += v->stats.exits[r];
		console_printf("  %-6u %5u %5u %10lu %10lu %14lu %14lu %9lu %8lu\n", v->id, v->pcpu,
			       v->migrations, v->stats.entries, exits, v->stats.guest_tsc, v->stats.steal_tsc,
			       v->stats.injected, v->stats.ipis_sent);
	}
	if (vm->nr_vcpus > STATS_MAX_ROWS)
		console_printf("  (%u more vCPUs not shown)\n", vm->nr_vcpus - STATS_MAX_ROWS);
	print_pv(vm);
	console_printf("  ept: generation %lu, invalidations by generation %lu and by walking %lu, "
		       "re-faults %lu, tables freed %lu, obsolete trees %u\n", vm->ept.generation,
		       vm->ept.invalidations, vm->ept.walks, vm->ept.faults, vm->ept.tables_freed,
		       vm->ept.nr_obsolete);
}
