/* stats.h - statistics accumulators and confidence intervals. */
#ifndef WAFERSIM_STATS_H
#define WAFERSIM_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Welford's running mean and variance: numerically stable in one pass. */
typedef struct welford {
    uint64_t n;
    double mean;
    double m2;
} welford;

void welford_init(welford *w);
void welford_add(welford *w, double x);
double welford_variance(const welford *w);   /* sample variance; NaN if n < 2 */

/* Time-weighted integral of a piecewise-constant quantity (WIP, busy tools). */
typedef struct time_integral {
    double last_time;
    double value;
    double area;      /* integral of value dt since the last take */
} time_integral;

void time_integral_init(time_integral *ti, double t0, double value);
/* The quantity changes to value at time t (t >= last_time). */
void time_integral_set(time_integral *ti, double t, double value);
/* Returns the integral over [last take, t] and starts a new interval at t. */
double time_integral_take(time_integral *ti, double t);

typedef struct confidence_interval {
    size_t n;           /* observations used (those that are not NaN) */
    double mean;
    double half_width;  /* NaN when n < 2 */
    double low;
    double high;
} confidence_interval;

/* Student-t confidence interval of the mean of x[0..n-1] at level (e.g.
 * 0.95), skipping NaN entries.  Sums in index order, so the result does
 * not depend on how the observations were produced. */
confidence_interval stats_confidence_interval(const double *x, size_t n,
                                              double level);

#endif
