// SPDX-License-Identifier: GPL-2.0
/* Generation-number invalidation of a VM's EPT, with lazy batched teardown (KVM 2013). */
#include "mm/ept_gen.h"

int ept_gen_init(struct vm_ept *e, const struct guest_mem *gm)
{
	int err = ept_tree_init(&e->cur);

	e->generation = 1;
	for (u64 gpa = 0; !err && gpa < gm->size; gpa += GMEM_CHUNK_SIZE)
		err = ept_tree_map_2m(&e->cur, gpa, gm->chunks[gpa >> GMEM_CHUNK_SHIFT]);
	e->start_tables = e->cur.nr_tables;
	return err;
}

bool ept_gen_fault(struct vm_ept *e, const struct guest_mem *gm, u64 gpa)
{
	bool ok = true;

	if (gpa >= gm->size)
		return false;
	/* Zeroed before the guest can see it, outside the lock: other chunks fault meanwhile. */
	gmem_prepare(gm, ALIGN_DOWN(gpa, GMEM_CHUNK_SIZE), GMEM_CHUNK_SIZE);
	spin_lock(&e->lock);
	/* Another vCPU may have mapped it since this one faulted. */
	if (!ept_tree_mapped(&e->cur, gpa)) {
		ok = !ept_tree_map_2m(&e->cur, ALIGN_DOWN(gpa, GMEM_CHUNK_SIZE),
				      gm->chunks[gpa >> GMEM_CHUNK_SHIFT]);
		e->faults++;
	}
	spin_unlock(&e->lock);
	return ok;
}

int ept_gen_invalidate(struct vm_ept *e)
{
	struct ept_tree fresh;

	if (ept_tree_init(&fresh))
		return -ENOMEM;
	spin_lock(&e->lock);
	if (e->nr_obsolete == EPT_GEN_MAX_OBSOLETE) {
		spin_unlock(&e->lock);
		ept_tree_free_some(&fresh, &(u32){ 1 });
		return -EBUSY;
	}
	e->obsolete[e->nr_obsolete++] = (struct ept_obsolete){ e->cur, e->generation };
	e->cur = fresh;
	/* The bump and the new root are one critical section: a reader never sees them apart. */
	WRITE_ONCE(e->generation, e->generation + 1);
	e->invalidations++;
	spin_unlock(&e->lock);
	return 0;
}

u64 ept_gen_zap_walk(struct vm_ept *e)
{
	u64 n;

	spin_lock(&e->lock);
	n = ept_tree_zap_walk(&e->cur);
	e->walks++;
	spin_unlock(&e->lock);
	return n;
}

void ept_gen_current(struct vm_ept *e, u64 *generation, u64 *eptp)
{
	spin_lock(&e->lock);
	*generation = e->generation;
	*eptp = e->cur.eptp;
	spin_unlock(&e->lock);
}

u32 ept_gen_reclaim(struct vm_ept *e, u64 min_loaded)
{
	u32 budget = EPT_GEN_FREE_BATCH;

	spin_lock(&e->lock);
	/* Oldest first; nothing is freed that a vCPU may still walk or have cached. */
	if (e->nr_obsolete && e->obsolete[0].generation < min_loaded &&
	    ept_tree_free_some(&e->obsolete[0].tree, &budget)) {
		for (u32 i = 1; i < e->nr_obsolete; i++)
			e->obsolete[i - 1] = e->obsolete[i];
		e->nr_obsolete--;
	}
	e->tables_freed += EPT_GEN_FREE_BATCH - budget;
	spin_unlock(&e->lock);
	return EPT_GEN_FREE_BATCH - budget;
}
