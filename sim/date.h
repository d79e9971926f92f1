/* date.h - proleptic Gregorian calendar dates as day numbers.
 *
 * Day 0 is 1970-01-01.  Used to cut a simulation horizon into calendar
 * months and to write "days since YYYY-MM-DD" time coordinates.
 */
#ifndef WAFERSIM_DATE_H
#define WAFERSIM_DATE_H

#include <stdint.h>

int64_t date_days_from_civil(int year, int month, int day);
void date_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Parses "YYYY-MM-DD" (nothing else); returns 0 or -1 when malformed or not
 * a real date (e.g. 2025-02-30). */
int date_parse_iso(const char *text, int64_t *days);

/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). */
void date_format_iso(int64_t days, char buf[11]);

/* Cuts [0, horizon_days) after a start date into calendar months: boundary
 * k is the offset in days from the start of the k-th month (boundary 0 is 0,
 * i.e. the first month may be partial when start is not the 1st, and so may
 * the last).  Writes up to max+1 boundaries, the last equal to horizon_days,
 * and returns the number of months, or -1 when more than max are needed. */
int date_month_boundaries(int64_t start_days, double horizon_days,
                          double *boundaries, int max);

#endif
