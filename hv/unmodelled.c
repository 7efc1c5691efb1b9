// SPDX-License-Identifier: GPL-2.0
/* The record of unmodelled ports and MSRs a VM touched: a small table, bounded whatever it does. */
#include "hv/unmodelled.h"
#include "lib/format.h"

static const char *const kind_names[] = { "in", "out", "rdmsr", "wrmsr" };

void unmodelled_note(struct unmodelled *u, enum unmodelled_kind kind, u32 number)
{
	u32 i;

	spin_lock(&u->lock);
	for (i = 0; i < u->nr; i++)
		if (u->e[i].number == number && u->e[i].kind == kind)
			break;
	if (i < u->nr) {
		u->e[i].count++;
	} else if (u->nr < UNMODELLED_MAX) {
		u->e[i].number = number;
		u->e[i].kind = kind;
		u->e[i].count = 1;
		u->nr++;
	} else {
		u->others++;
	}
	spin_unlock(&u->lock);
}

u32 unmodelled_format(struct unmodelled *u, u32 *from, char *buf, size_t size)
{
	size_t len = 0;
	u32 n = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	spin_lock(&u->lock);
	for (; *from < u->nr; (*from)++, n++) {
		char one[48];
		int k = fmt_snprintf(one, sizeof(one), "%s%s %#x x%lu", n ? ", " : "",
				     kind_names[u->e[*from].kind], u->e[*from].number,
				     u->e[*from].count);

		if (len + (size_t)k >= size)
			break;
		for (int c = 0; c <= k; c++)
			buf[len + (size_t)c] = one[c];
		len += (size_t)k;
	}
	spin_unlock(&u->lock);
	return n;
}
