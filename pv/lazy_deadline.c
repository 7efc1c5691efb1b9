// SPDX-License-Identifier: GPL-2.0
/* The lazy TSC deadline's decisions: at the guest's MSR write, at an expiry, at a CLEAR. */
#include "pv/lazy_deadline.h"

u64 lazy_deadline_on_write(u64 value, u64 now, bool lvt_ok)
{
	/* 0 disarms; a past deadline fires at once (SDM Vol. 3A, 12.5.4.1): nothing is armed. */
	if (!lvt_ok || !value || now >= value)
		return 0;
	return value;
}

enum lazy_action lazy_deadline_on_expiry(u64 armed, u64 pending, u64 now, bool lvt_ok,
					  u64 *new_armed, u64 *rearm_at)
{
	*new_armed = armed;
	if (!armed || now < armed)
		return LAZY_NONE;
	/* The guest moved its deadline later without an exit: perform that write now. */
	if (pending > armed && now < pending) {
		*new_armed = lvt_ok ? pending : 0;
		*rearm_at = pending;
		return LAZY_REARM;
	}
	*new_armed = 0;
	return lvt_ok ? LAZY_INJECT : LAZY_NONE;
}

u64 lazy_deadline_deferred(u64 armed, u64 pending)
{
	/* With armed 0 every write exited: the vLAPIC has the guest's deadline already. */
	return armed && pending > armed ? pending : 0;
}

u64 lazy_deadline_clear(void)
{
	return 0;
}
