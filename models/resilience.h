/* resilience.h - what a disruption costs and whether it was seen coming:
 * wafers lost, time to recover and early-warning lead times of a disrupted
 * run against its baseline, one replication at a time.
 *
 * The two runs share common random numbers replication by replication, so
 * every measure here is a paired difference of replication r of both.
 * Pure functions on plain arrays (no HDF5, no I/O): `wafersim compare`
 * (cli/compare.c) reads the files and calls these per replication, then
 * resilience_column_intervals over replications.  Times are days since the
 * runs' start date; months are given by their start, weeks by their end.
 * NaN in an input means "not there" and never counts as a drop, a flag or
 * a recovery.  Definitions: docs/output-format.md, "Comparison file".
 */
#ifndef WAFERSIM_RESILIENCE_H
#define WAFERSIM_RESILIENCE_H

#include <stddef.h>

#define RESILIENCE_TOLERANCE 0.05   /* a drop: more than 5% below baseline */
#define RESILIENCE_SIGMA 3.0        /* control limits: mean +- 3 sd */
#define RESILIENCE_TRAILING_WEEKS 4 /* weekly output is judged over 4 weeks */

/* lost[m] = base[m] - other[m] and cumulative[m] = lost[0] + .. + lost[m];
 * a NaN month makes lost NaN there and cumulative NaN from there on. */
void resilience_wafers_lost(const double *base, const double *other,
                            size_t nmonths, double *lost, double *cumulative);

/* The month holding time t: the last m with month_start[m] <= t (0 when t
 * is before them all; nmonths must be > 0). */
size_t resilience_month_of(const double *month_start, size_t nmonths,
                           double t);

/* The week holding time t, weeks given by their ends: the first k with
 * week_end[k] > t, nweeks when t is at or after the last end. */
size_t resilience_week_of(const double *week_end, size_t nweeks, double t);

typedef struct resilience_recovery {
    ptrdiff_t drop_month;       /* first month >= onset more than tolerance
                                   below baseline; -1: none */
    ptrdiff_t recovery_month;   /* first later month back within tolerance;
                                   -1: no drop, or not by the horizon */
    double recovery_months;     /* recovery_month - onset_month; NaN when
                                   recovery_month is -1 */
} resilience_recovery;

/* Drop and recovery of one replication's monthly output.  A month is
 * short when other < (1 - tolerance) x base, back when other >= that; a
 * month whose baseline is not > 0 (or either value NaN) is neither. */
resilience_recovery resilience_recovery_find(const double *base,
                                             const double *other,
                                             size_t nmonths,
                                             size_t onset_month,
                                             double tolerance);

/* Control limits of each of ncols series (x[week * ncols + col]): mean -
 * sigma x sd and mean + sigma x sd (sample sd) over the weeks not in
 * warm-up whose value is not NaN.  NaN limits when fewer than two. */
void resilience_control_limits(const double *x, size_t nweeks, size_t ncols,
                               const unsigned char *warmup, double sigma,
                               double *low, double *high);

typedef struct resilience_warning {
    ptrdiff_t flag_week;        /* first week >= onset_week with some column
                                   strictly outside its limits; -1: none */
    double false_alarm_share;   /* of the weeks before onset_week and not in
                                   warm-up, the share flagged; NaN if none */
} resilience_warning;

/* Judges one indicator of the disrupted run (laid out as in
 * resilience_control_limits) against limits from the baseline.  A week
 * with no column judgeable (value or limits NaN) is left out. */
resilience_warning resilience_warning_find(const double *x, size_t nweeks,
                                           size_t ncols,
                                           const unsigned char *warmup,
                                           size_t onset_week,
                                           const double *low,
                                           const double *high);

/* The first week w >= onset_week where other's output over the trailing
 * RESILIENCE_TRAILING_WEEKS weeks (w-3 .. w, fewer at the start) is less
 * than (1 - tolerance) x base's, base's being > 0; -1: none.  A window
 * holding a NaN is skipped. */
ptrdiff_t resilience_output_drop_week(const double *base, const double *other,
                                      size_t nweeks, size_t onset_week,
                                      double tolerance);

/* week_end[drop_week] - week_end[flag_week]: positive when the indicator
 * warned before output dropped; NaN when either week is -1. */
double resilience_lead_time_days(const double *week_end, ptrdiff_t flag_week,
                                 ptrdiff_t drop_week);

/* Of the rows (replications) with drop_week[row] >= 0, the share whose
 * lead[row * cols + col] is > 0 (warned before the drop); NaN when no row
 * has a drop.  *warned and *dropped (either may be NULL) get the counts. */
double resilience_share_warned(const double *lead, size_t rows, size_t cols,
                               size_t col, const ptrdiff_t *drop_week,
                               size_t *warned, size_t *dropped);

/* For each column of x[rows][cols]: mean over rows and the half-width of
 * its Student-t confidence interval at level (stats_confidence_interval:
 * NaN skipped, half-width NaN with fewer than two values).  n (may be
 * NULL) gets the values used per column.  0, or WS_ENOMEM. */
int resilience_column_intervals(const double *x, size_t rows, size_t cols,
                                double level, double *mean,
                                double *half_width, size_t *n);

#endif
