/* synthetic.h - generated models for benchmarks and tests. */
#ifndef WAFERSIM_SYNTHETIC_H
#define WAFERSIM_SYNTHETIC_H

#include <stdint.h>
#include "model.h"
#include "../sim/wserror.h"

typedef struct synthetic_line {
    int32_t groups;         /* tool groups, each with 1 to 4 tools */
    int32_t steps;          /* route steps; group of step i is (7 i) mod groups */
    double load;            /* utilisation of every tool group, in (0, 1) */
    double lots_per_day;    /* release rate of the single product */
    double process_cv;      /* cv of the gamma process times */
    double horizon_days;
    uint64_t seed;
} synthetic_line;

/* A re-entrant line: one product of 25-wafer lots released at a constant
 * rate, a route that visits every tool group steps/groups times, process
 * times (gamma) sized so that every group runs at the given load. */
int synthetic_reentrant_line(const synthetic_line *spec, model **out,
                             ws_error *err);

#endif
