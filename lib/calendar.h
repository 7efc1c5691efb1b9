/* SPDX-License-Identifier: GPL-2.0 */
/* The Gregorian calendar: dates to days since 1970-01-01 and back, for the RTCs. */
#ifndef KESTREL_LIB_CALENDAR_H
#define KESTREL_LIB_CALENDAR_H

#include "lib/types.h"

struct cal_date {
	u32 year; /* 0-9999 */
	u32 mon; /* 1-12 */
	u32 mday; /* 1-31; a day past the month's end counts on into the next month */
};

/* Days from 1970-01-01 to d (negative before it). */
s64 cal_days_from_date(const struct cal_date *d);
/* The date days after 1970-01-01. */
void cal_date_from_days(s64 days, struct cal_date *d);

#endif
