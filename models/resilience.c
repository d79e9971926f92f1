/* resilience.c - wafers lost, recovery and early-warning lead times of a
 * disrupted run against its baseline (see resilience.h).
 *
 * Everything is per replication and in index order, so the results do not
 * depend on how the replications were produced.  Comparisons are written
 * so that a NaN makes them false: a missing value is never a drop, a flag
 * or a recovery.
 */
#include "resilience.h"

#include <math.h>
#include <stdlib.h>

#include "../sim/stats.h"
#include "../sim/wserror.h"

void resilience_wafers_lost(const double *base, const double *other,
                            size_t nmonths, double *lost, double *cumulative)
{
    double sum = 0.0;
    for (size_t m = 0; m < nmonths; m++) {
        lost[m] = base[m] - other[m];
        sum += lost[m];
        cumulative[m] = sum;
    }
}

size_t resilience_month_of(const double *month_start, size_t nmonths,
                           double t)
{
    size_t m = 0;
    while (m + 1 < nmonths && month_start[m + 1] <= t)
        m++;
    return m;
}

size_t resilience_week_of(const double *week_end, size_t nweeks, double t)
{
    size_t k = 0;
    while (k < nweeks && !(week_end[k] > t))
        k++;
    return k;
}

/* 1 when other is more than tolerance below base, 0 when within it, -1
 * when the month cannot be judged (no baseline output, or a NaN). */
static int shortfall(double base, double other, double tolerance)
{
    if (!(base > 0.0) || isnan(other))
        return -1;
    return other < (1.0 - tolerance) * base;
}

resilience_recovery resilience_recovery_find(const double *base,
                                             const double *other,
                                             size_t nmonths,
                                             size_t onset_month,
                                             double tolerance)
{
    resilience_recovery r = {-1, -1, NAN};
    size_t m = onset_month;
    while (m < nmonths && shortfall(base[m], other[m], tolerance) != 1)
        m++;
    if (m >= nmonths)
        return r;
    r.drop_month = (ptrdiff_t)m;
    for (m++; m < nmonths; m++) {
        if (shortfall(base[m], other[m], tolerance) == 0) {
            r.recovery_month = (ptrdiff_t)m;
            r.recovery_months = (double)m - (double)onset_month;
            break;
        }
    }
    return r;
}

void resilience_control_limits(const double *x, size_t nweeks, size_t ncols,
                               const unsigned char *warmup, double sigma,
                               double *low, double *high)
{
    /* Two passes per column: the weeks are in hand, and this gives the same
     * bits as numpy's mean and std(ddof=1). */
    for (size_t c = 0; c < ncols; c++) {
        double sum = 0.0, ss = 0.0;
        size_t n = 0;
        for (size_t w = 0; w < nweeks; w++) {
            double v = x[w * ncols + c];
            if (!warmup[w] && !isnan(v)) {
                sum += v;
                n++;
            }
        }
        low[c] = high[c] = NAN;
        if (n < 2)
            continue;
        double mean = sum / (double)n;
        for (size_t w = 0; w < nweeks; w++) {
            double v = x[w * ncols + c];
            if (!warmup[w] && !isnan(v))
                ss += (v - mean) * (v - mean);
        }
        double sd = sqrt(ss / (double)(n - 1));
        low[c] = mean - sigma * sd;
        high[c] = mean + sigma * sd;
    }
}

/* 1 when some column of the row is outside its limits, 0 when every
 * judgeable column is inside, -1 when no column can be judged. */
static int out_of_limits(const double *row, size_t ncols, const double *low,
                         const double *high)
{
    int judged = 0;
    for (size_t c = 0; c < ncols; c++) {
        if (isnan(row[c]) || isnan(low[c]) || isnan(high[c]))
            continue;
        if (row[c] < low[c] || row[c] > high[c])
            return 1;
        judged = 1;
    }
    return judged ? 0 : -1;
}

resilience_warning resilience_warning_find(const double *x, size_t nweeks,
                                           size_t ncols,
                                           const unsigned char *warmup,
                                           size_t onset_week,
                                           const double *low,
                                           const double *high)
{
    resilience_warning r = {-1, NAN};
    size_t judged = 0, flagged = 0;
    for (size_t w = 0; w < nweeks && w < onset_week; w++) {
        if (warmup[w])
            continue;
        int out = out_of_limits(x + w * ncols, ncols, low, high);
        if (out < 0)
            continue;
        judged++;
        flagged += (size_t)out;
    }
    if (judged > 0)
        r.false_alarm_share = (double)flagged / (double)judged;
    for (size_t w = onset_week; w < nweeks; w++) {
        if (out_of_limits(x + w * ncols, ncols, low, high) == 1) {
            r.flag_week = (ptrdiff_t)w;
            break;
        }
    }
    return r;
}

ptrdiff_t resilience_output_drop_week(const double *base, const double *other,
                                      size_t nweeks, size_t onset_week,
                                      double tolerance)
{
    for (size_t w = onset_week; w < nweeks; w++) {
        size_t first = w + 1 >= RESILIENCE_TRAILING_WEEKS
                           ? w + 1 - RESILIENCE_TRAILING_WEEKS : 0;
        double b = 0.0, o = 0.0;
        for (size_t k = first; k <= w; k++) {
            b += base[k];
            o += other[k];
        }
        if (shortfall(b, o, tolerance) == 1)
            return (ptrdiff_t)w;
    }
    return -1;
}

double resilience_lead_time_days(const double *week_end, ptrdiff_t flag_week,
                                 ptrdiff_t drop_week)
{
    if (flag_week < 0 || drop_week < 0)
        return NAN;
    return week_end[drop_week] - week_end[flag_week];
}

double resilience_share_warned(const double *lead, size_t rows, size_t cols,
                               size_t col, const ptrdiff_t *drop_week,
                               size_t *warned, size_t *dropped)
{
    size_t w = 0, d = 0;
    for (size_t r = 0; r < rows; r++) {
        if (drop_week[r] < 0)
            continue;
        d++;
        w += lead[r * cols + col] > 0.0;
    }
    if (warned)
        *warned = w;
    if (dropped)
        *dropped = d;
    return d ? (double)w / (double)d : NAN;
}

int resilience_column_intervals(const double *x, size_t rows, size_t cols,
                                double level, double *mean,
                                double *half_width, size_t *n)
{
    /* One column at a time, gathered so that stats_confidence_interval
     * (the t quantile and summation order of every other interval in
     * wafersim) does the work. */
    double *column = malloc((rows ? rows : 1) * sizeof *column);
    if (!column)
        return ws_error_set(NULL, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t c = 0; c < cols; c++) {
        for (size_t r = 0; r < rows; r++)
            column[r] = x[r * cols + c];
        confidence_interval ci = stats_confidence_interval(column, rows, level);
        mean[c] = ci.mean;
        half_width[c] = ci.half_width;
        if (n)
            n[c] = ci.n;
    }
    free(column);
    return 0;
}
