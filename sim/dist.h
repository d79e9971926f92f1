/* dist.h - sampling distributions, on top of GSL.
 *
 * Parameters by kind (params[0..2]):
 *   constant     value
 *   uniform      min, max                   (min <= max)
 *   exponential  mean                       (> 0)
 *   normal       mean, sd                   truncated at 0 by rejection
 *   lognormal    mean, cv                   (mean > 0, cv > 0)
 *   gamma        mean, cv                   (mean > 0, cv > 0)
 *   triangular   min, mode, max             (min <= mode <= max)
 * Every parameter must be finite and every distribution non-negative
 * (min >= 0, value >= 0, normal mean > 0), since they model durations.
 * Time parameters are at most DIST_MAX_TIME and a cv lies within
 * [DIST_MIN_CV, DIST_MAX_CV]: beyond that, derived parameters (1/cv^2,
 * sums of extremes) overflow, and no fab duration comes near.
 */
#ifndef WAFERSIM_DIST_H
#define WAFERSIM_DIST_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#define DIST_MAX_TIME 1e12
#define DIST_MIN_CV 1e-6
#define DIST_MAX_CV 1e3

enum dist_kind {
    DIST_CONSTANT,
    DIST_UNIFORM,
    DIST_EXPONENTIAL,
    DIST_NORMAL,
    DIST_LOGNORMAL,
    DIST_GAMMA,
    DIST_TRIANGULAR
};

typedef struct dist {
    enum dist_kind kind;
    double p[3];      /* parameters as given (see above) */
    double q[3];      /* derived parameters used when sampling */
    double mean;      /* exact mean of what dist_sample returns */
} dist;

/* Number of parameters a kind takes (1, 2 or 3). */
int dist_param_count(enum dist_kind kind);

/* Lower-case name ("gamma") and its inverse; dist_kind_from_name returns 0
 * on success, -1 for an unknown name. */
const char *dist_kind_name(enum dist_kind kind);
int dist_kind_from_name(const char *name, enum dist_kind *kind);

/* Validates the parameters and precomputes what sampling needs.  On bad
 * parameters returns -1 and writes a one-line reason into why. */
int dist_init(dist *d, enum dist_kind kind, const double params[3],
              char *why, size_t why_size);

/* Multiplies every time parameter by factor, e.g. to convert units; the
 * caller guarantees that factor is finite and > 0. */
void dist_scale(dist *d, double factor);

double dist_sample(const dist *d, gsl_rng *rng);

/* Coefficient of variation of what dist_sample returns. */
double dist_cv(const dist *d);

#endif
