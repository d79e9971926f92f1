/* test_dists.h - one-parameter distributions for the Check suites that
 * build models by hand (test_realism.c, test_disruptions.c); a bad
 * parameter fails the test that asked for it. */
#ifndef WAFERSIM_TEST_DISTS_H
#define WAFERSIM_TEST_DISTS_H

#include <check.h>
#include "sim/dist.h"

static inline dist test_dist(enum dist_kind kind, double a)
{
    dist d;
    double p[3] = {a, 0.0, 0.0};
    char why[128];
    ck_assert_msg(dist_init(&d, kind, p, why, sizeof why) == 0, "%s", why);
    return d;
}

static inline dist constant(double days)
{
    return test_dist(DIST_CONSTANT, days);
}

static inline dist exponential(double mean_days)
{
    return test_dist(DIST_EXPONENTIAL, mean_days);
}

#endif
