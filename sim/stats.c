/* stats.c - statistics accumulators and confidence intervals. */
#include "sim/stats.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

void welford_init(welford *w)
{
    w->n = 0;
    w->mean = 0.0;
    w->m2 = 0.0;
}

void welford_add(welford *w, double x)
{
    double delta = x - w->mean;

    w->n++;
    w->mean += delta / (double)w->n;
    w->m2 += delta * (x - w->mean);
}

double welford_variance(const welford *w)
{
    if (w->n < 2)
        return NAN;
    return w->m2 / (double)(w->n - 1);
}

void time_integral_init(time_integral *ti, double t0, double value)
{
    ti->last_time = t0;
    ti->value = value;
    ti->area = 0.0;
}

void time_integral_set(time_integral *ti, double t, double value)
{
    ti->area += ti->value * (t - ti->last_time);
    ti->last_time = t;
    ti->value = value;
}

double time_integral_take(time_integral *ti, double t)
{
    double area = ti->area + ti->value * (t - ti->last_time);

    ti->last_time = t;
    ti->area = 0.0;
    return area;
}

confidence_interval stats_confidence_interval(const double *x, size_t n,
                                              double level)
{
    confidence_interval ci = {0, NAN, NAN, NAN, NAN};
    double sum = 0.0, ss = 0.0, t;
    size_t i;

    /* Two passes rather than Welford: with the observations in hand this is
     * as stable and gives the same bits as any other two-pass tool. */
    for (i = 0; i < n; i++) {
        if (isnan(x[i]))
            continue;
        sum += x[i];
        ci.n++;
    }
    if (ci.n == 0)
        return ci;
    ci.mean = sum / (double)ci.n;
    if (ci.n < 2 || !(level > 0.0 && level < 1.0))
        return ci;
    for (i = 0; i < n; i++) {
        double d;
        if (isnan(x[i]))
            continue;
        d = x[i] - ci.mean;
        ss += d * d;
    }
    t = gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), (double)(ci.n - 1));
    ci.half_width = t * sqrt(ss / (double)(ci.n - 1) / (double)ci.n);
    ci.low = ci.mean - ci.half_width;
    ci.high = ci.mean + ci.half_width;
    return ci;
}
