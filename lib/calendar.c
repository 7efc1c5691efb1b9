// SPDX-License-Identifier: GPL-2.0
/* The Gregorian calendar: dates to days since 1970-01-01 and back, for the RTCs. */
#include "lib/calendar.h"

/*
 * Both conversions count in 400-year eras starting on 1 March of year 0, so that the leap day is
 * the last day of a counted year: an era has 146097 days, a year 365 days from March on, and
 * the day of the year follows from the month by the run of month lengths 31 30 31 30 31 (five
 * months, 153 days) from March, which (153 * m + 2) / 5 gives exactly. Leap years: every
 * 4th, but not every 100th, but every 400th.
 */
#define ERA_DAYS 146097
#define EPOCH_DAYS 719468 /* from 0000-03-01 to 1970-01-01 */

s64 cal_days_from_date(const struct cal_date *d)
{
	s64 y = (s64)d->year - (d->mon <= 2); /* January and February end the year before */
	s64 era = (y >= 0 ? y : y - 399) / 400; /* rounded down: y is -1 in Jan/Feb of year 0 */
	s64 yoe = y - era * 400;
	s64 m = d->mon > 2 ? d->mon - 3 : d->mon + 9; /* 0 is March */
	s64 doy = (153 * m + 2) / 5 + (s64)d->mday - 1;
	s64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * ERA_DAYS + doe - EPOCH_DAYS;
}

void cal_date_from_days(s64 days, struct cal_date *d)
{
	s64 z = days + EPOCH_DAYS;
	s64 era = (z >= 0 ? z : z - (ERA_DAYS - 1)) / ERA_DAYS;
	s64 doe = z - era * ERA_DAYS; /* 0-146096 */
	s64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0-399 */
	s64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* 0-365, from 1 March */
	s64 mp = (5 * doy + 2) / 153; /* 0-11, March first */
	s64 y = yoe + era * 400;

	d->mday = (u32)(doy - (153 * mp + 2) / 5 + 1);
	d->mon = (u32)(mp < 10 ? mp + 3 : mp - 9);
	d->year = (u32)(y + (d->mon <= 2));
}
