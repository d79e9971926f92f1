/* dist.c - sampling distributions on top of GSL (see dist.h).
 *
 * Derived parameters (q) are computed once in dist_init so dist_sample does
 * no logarithms or divisions it could avoid; sampling is in the hot path.
 */
#include "sim/dist.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

static const char *const dist_names[] = {
    [DIST_CONSTANT] = "constant",
    [DIST_UNIFORM] = "uniform",
    [DIST_EXPONENTIAL] = "exponential",
    [DIST_NORMAL] = "normal",
    [DIST_LOGNORMAL] = "lognormal",
    [DIST_GAMMA] = "gamma",
    [DIST_TRIANGULAR] = "triangular",
};

#define DIST_KIND_COUNT (sizeof dist_names / sizeof dist_names[0])

static int kind_is_valid(enum dist_kind kind)
{
    return (unsigned)kind < DIST_KIND_COUNT;
}

int dist_param_count(enum dist_kind kind)
{
    switch (kind) {
    case DIST_CONSTANT:
    case DIST_EXPONENTIAL:
        return 1;
    case DIST_UNIFORM:
    case DIST_NORMAL:
    case DIST_LOGNORMAL:
    case DIST_GAMMA:
        return 2;
    case DIST_TRIANGULAR:
        return 3;
    }
    return 0;
}

const char *dist_kind_name(enum dist_kind kind)
{
    return kind_is_valid(kind) ? dist_names[kind] : "unknown";
}

int dist_kind_from_name(const char *name, enum dist_kind *kind)
{
    size_t i;

    if (name == NULL)
        return -1;
    for (i = 0; i < DIST_KIND_COUNT; i++) {
        if (strcmp(name, dist_names[i]) == 0) {
            *kind = (enum dist_kind)i;
            return 0;
        }
    }
    return -1;
}

/* Mean and standard deviation of N(mean, sd) conditioned on x >= 0, from
 * the inverse Mills ratio lambda = phi(a) / (1 - Phi(a)), a = -mean/sd. */
static void truncated_normal_moments(double mean, double sd, double *tmean,
                                     double *tsd)
{
    double a, lambda, var;

    if (sd == 0.0) {
        *tmean = mean;
        *tsd = 0.0;
        return;
    }
    a = -mean / sd;
    lambda = gsl_ran_ugaussian_pdf(a) / gsl_cdf_ugaussian_Q(a);
    *tmean = mean + sd * lambda;
    var = sd * sd * (1.0 + a * lambda - lambda * lambda);
    *tsd = var > 0.0 ? sqrt(var) : 0.0;
}

/* Fills q and mean from p; p is assumed valid. */
static void dist_derive(dist *d)
{
    const double *p = d->p;
    double *q = d->q;

    q[0] = q[1] = q[2] = 0.0;
    switch (d->kind) {
    case DIST_CONSTANT:
        d->mean = p[0];
        break;
    case DIST_UNIFORM:
        q[0] = p[1] - p[0];
        d->mean = 0.5 * (p[0] + p[1]);
        break;
    case DIST_EXPONENTIAL:
        d->mean = p[0];
        break;
    case DIST_NORMAL:
        /* q[0], q[1]: mean and sd of the truncated normal. */
        truncated_normal_moments(p[0], p[1], &q[0], &q[1]);
        d->mean = q[0];
        break;
    case DIST_LOGNORMAL: {
        double sigma2 = log1p(p[1] * p[1]);
        q[0] = log(p[0]) - 0.5 * sigma2;   /* zeta */
        q[1] = sqrt(sigma2);               /* sigma */
        d->mean = p[0];
        break;
    }
    case DIST_GAMMA:
        q[0] = 1.0 / (p[1] * p[1]);        /* shape */
        q[1] = p[0] * p[1] * p[1];         /* scale */
        d->mean = p[0];
        break;
    case DIST_TRIANGULAR:
        q[0] = p[2] - p[0];                         /* width */
        q[1] = q[0] > 0.0 ? (p[1] - p[0]) / q[0] : 0.0; /* CDF at the mode */
        d->mean = (p[0] + p[1] + p[2]) / 3.0;
        break;
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int reject(char *why, size_t why_size, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && why_size > 0) {
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *const param_names[][3] = {
    [DIST_CONSTANT] = {"value", "", ""},
    [DIST_UNIFORM] = {"min", "max", ""},
    [DIST_EXPONENTIAL] = {"mean", "", ""},
    [DIST_NORMAL] = {"mean", "sd", ""},
    [DIST_LOGNORMAL] = {"mean", "cv", ""},
    [DIST_GAMMA] = {"mean", "cv", ""},
    [DIST_TRIANGULAR] = {"min", "mode", "max"},
};

static int dist_validate(enum dist_kind kind, const double *p, char *why,
                         size_t why_size)
{
    int i, count = dist_param_count(kind);

    for (i = 0; i < count; i++) {
        const char *name = param_names[kind][i];
        if (!isfinite(p[i])) {
            return reject(why, why_size, "%s must be finite (got %g)",
                          name, p[i]);
        }
        if (strcmp(name, "cv") == 0) {
            if (p[i] > 0.0 && (p[i] < DIST_MIN_CV || p[i] > DIST_MAX_CV))
                return reject(why, why_size, "cv must be within [%g, %g] "
                              "(got %g)", DIST_MIN_CV, DIST_MAX_CV, p[i]);
        } else if (fabs(p[i]) > DIST_MAX_TIME) {
            return reject(why, why_size, "%s must be at most %g (got %g)",
                          name, DIST_MAX_TIME, p[i]);
        }
    }
    switch (kind) {
    case DIST_CONSTANT:
        if (p[0] < 0.0)
            return reject(why, why_size, "value must be >= 0 (got %g)", p[0]);
        break;
    case DIST_UNIFORM:
        if (p[0] < 0.0)
            return reject(why, why_size, "min must be >= 0 (got %g)", p[0]);
        if (p[0] > p[1])
            return reject(why, why_size,
                           "min must be <= max (got %g > %g)", p[0], p[1]);
        break;
    case DIST_EXPONENTIAL:
        if (!(p[0] > 0.0))
            return reject(why, why_size, "mean must be > 0 (got %g)", p[0]);
        break;
    case DIST_NORMAL:
        /* mean > 0 keeps the rejection sampler's acceptance above 1/2. */
        if (!(p[0] > 0.0))
            return reject(why, why_size, "mean must be > 0 (got %g)", p[0]);
        if (p[1] < 0.0)
            return reject(why, why_size, "sd must be >= 0 (got %g)", p[1]);
        break;
    case DIST_LOGNORMAL:
    case DIST_GAMMA:
        if (!(p[0] > 0.0))
            return reject(why, why_size, "mean must be > 0 (got %g)", p[0]);
        if (!(p[1] > 0.0))
            return reject(why, why_size, "cv must be > 0 (got %g)", p[1]);
        break;
    case DIST_TRIANGULAR:
        if (p[0] < 0.0)
            return reject(why, why_size, "min must be >= 0 (got %g)", p[0]);
        if (p[0] > p[1])
            return reject(why, why_size,
                           "min must be <= mode (got %g > %g)", p[0], p[1]);
        if (p[1] > p[2])
            return reject(why, why_size,
                           "mode must be <= max (got %g > %g)", p[1], p[2]);
        break;
    }
    return 0;
}

int dist_init(dist *d, enum dist_kind kind, const double params[3],
              char *why, size_t why_size)
{
    int i, count;

    if (!kind_is_valid(kind)) {
        return reject(why, why_size, "unknown distribution kind %d",
                      (int)kind);
    }
    count = dist_param_count(kind);
    if (dist_validate(kind, params, why, why_size) != 0)
        return -1;
    d->kind = kind;
    /* Unused parameters are zeroed so a dist never carries stale input. */
    for (i = 0; i < 3; i++)
        d->p[i] = i < count ? params[i] : 0.0;
    dist_derive(d);
    /* A safety net under the bounds above: sampling from a non-finite
     * derived parameter would put NaN into the simulation. */
    for (i = 0; i < 3; i++)
        if (!isfinite(d->q[i]))
            return reject(why, why_size, "parameters out of range for %s",
                          dist_kind_name(kind));
    if (!isfinite(d->mean))
        return reject(why, why_size, "parameters out of range for %s",
                      dist_kind_name(kind));
    if (why != NULL && why_size > 0)
        why[0] = '\0';
    return 0;
}

void dist_scale(dist *d, double factor)
{
    switch (d->kind) {
    case DIST_CONSTANT:
    case DIST_EXPONENTIAL:
    case DIST_LOGNORMAL:   /* cv is dimensionless */
    case DIST_GAMMA:
        d->p[0] *= factor;
        break;
    case DIST_UNIFORM:
    case DIST_NORMAL:
        d->p[0] *= factor;
        d->p[1] *= factor;
        break;
    case DIST_TRIANGULAR:
        d->p[0] *= factor;
        d->p[1] *= factor;
        d->p[2] *= factor;
        break;
    }
    dist_derive(d);
}

double dist_sample(const dist *d, gsl_rng *rng)
{
    const double *p = d->p;
    const double *q = d->q;

    switch (d->kind) {
    case DIST_CONSTANT:
        return p[0];
    case DIST_UNIFORM:
        return p[0] + q[0] * gsl_rng_uniform(rng);
    case DIST_EXPONENTIAL:
        return gsl_ran_exponential(rng, p[0]);
    case DIST_NORMAL: {
        double x;
        if (p[1] == 0.0)
            return p[0];
        /* Acceptance is Phi(mean/sd) > 1/2 because mean > 0, so this
         * takes fewer than two draws on average.  The ziggurat is GSL's
         * fastest exact Gaussian sampler. */
        do
            x = p[0] + gsl_ran_gaussian_ziggurat(rng, p[1]);
        while (x < 0.0);
        return x;
    }
    case DIST_LOGNORMAL:
        return gsl_ran_lognormal(rng, q[0], q[1]);
    case DIST_GAMMA:
        return gsl_ran_gamma(rng, q[0], q[1]);
    case DIST_TRIANGULAR: {
        double u = gsl_rng_uniform(rng);
        if (q[0] == 0.0)
            return p[0];
        if (u < q[1])
            return p[0] + sqrt(u * q[0] * (p[1] - p[0]));
        return p[2] - sqrt((1.0 - u) * q[0] * (p[2] - p[1]));
    }
    }
    return NAN;
}

double dist_cv(const dist *d)
{
    const double *p = d->p;
    double sd = 0.0;

    switch (d->kind) {
    case DIST_CONSTANT:
        return 0.0;
    case DIST_UNIFORM:
        sd = (p[1] - p[0]) / sqrt(12.0);
        break;
    case DIST_EXPONENTIAL:
        return 1.0;
    case DIST_NORMAL:
        sd = d->q[1];
        break;
    case DIST_LOGNORMAL:
    case DIST_GAMMA:
        return p[1];
    case DIST_TRIANGULAR: {
        double a = p[0], c = p[1], b = p[2];
        double var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
        sd = var > 0.0 ? sqrt(var) : 0.0;
        break;
    }
    }
    /* A zero-width distribution has cv 0 even at mean 0 (constant 0). */
    if (sd == 0.0)
        return 0.0;
    return sd / d->mean;
}
