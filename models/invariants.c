/* invariants.c - consistency checks of a replication's accounting. */
#include "invariants.h"

#include <math.h>
#include <stdio.h>

/* Relative slack for sums of floating-point durations taken in different
 * orders: far above rounding (1e-15 per term), far below any real error. */
#define TIME_SLACK 1e-9

static int violated(const invariant_where *w, ws_error *err, const char *name,
                    const char *detail)
{
    return ws_error_set(err, WS_ESOFTWARE, NULL, 0, 0,
                        "invariant '%s' violated in scenario %u, replication "
                        "%u at day %.6f: %s", name, (unsigned)w->scenario,
                        (unsigned)w->replication, w->day, detail);
}

int invariant_conservation(const invariant_where *w, int32_t nproducts,
                           const char *const *names, const double *released,
                           const double *finished, const double *wip,
                           const double *scrapped, ws_error *err)
{
    for (int32_t p = 0; p < nproducts; p++)
        if (released[p] != finished[p] + wip[p] + scrapped[p] || wip[p] < 0
            || scrapped[p] < 0) {
            char detail[600];
            snprintf(detail, sizeof detail,
                     "product '%s': %.17g released, %.17g out, %.17g in the "
                     "fab, %.17g scrapped", names[p], released[p],
                     finished[p], wip[p], scrapped[p]);
            return violated(w, err, "wafers released = out + WIP + scrapped",
                            detail);
        }
    return 0;
}

int invariant_lot_places(const invariant_where *w, int32_t nlots,
                         const unsigned char *live, const int32_t *place,
                         ws_error *err)
{
    for (int32_t i = 0; i < nlots; i++) {
        int32_t expected = live[i] ? 1 : 0;
        if (place[i] != expected) {
            char detail[200];
            snprintf(detail, sizeof detail, "lot %d is %s in %d places",
                     (int)i, live[i] ? "in the fab but" : "gone but",
                     (int)place[i]);
            return violated(w, err, "every lot in exactly one place", detail);
        }
    }
    return 0;
}

int invariant_tool_time(const invariant_where *w, const char *group,
                        int32_t ntools, int32_t nstates,
                        const double *state_days, double elapsed,
                        const double *group_state_days, ws_error *err)
{
    char detail[400];
    for (int32_t k = 0; k < nstates; k++) {
        double sum = 0.0;
        for (int32_t t = 0; t < ntools; t++)
            sum += state_days[(size_t)t * (size_t)nstates + (size_t)k];
        if (fabs(sum - group_state_days[k])
            > TIME_SLACK * (elapsed * ntools + 1.0)) {
            snprintf(detail, sizeof detail,
                     "group '%s': its tools spent %.17g tool-days in state "
                     "%d, the group's statistics count %.17g", group, sum,
                     (int)k, group_state_days[k]);
            return violated(w, err, "tool time = sum of its states", detail);
        }
    }
    for (int32_t t = 0; t < ntools; t++) {
        double sum = 0.0;
        for (int32_t k = 0; k < nstates; k++) {
            double d = state_days[(size_t)t * (size_t)nstates + (size_t)k];
            if (!(d >= -TIME_SLACK * elapsed)) {
                snprintf(detail, sizeof detail,
                         "tool %d of group '%s': %.17g days in state %d",
                         (int)t, group, d, (int)k);
                return violated(w, err, "tool time = sum of its states",
                                detail);
            }
            sum += d;
        }
        if (fabs(sum - elapsed) > TIME_SLACK * (elapsed + 1.0)) {
            snprintf(detail, sizeof detail,
                     "tool %d of group '%s': its states add up to %.17g days "
                     "of %.17g", (int)t, group, sum, elapsed);
            return violated(w, err, "tool time = sum of its states", detail);
        }
    }
    return 0;
}

int invariant_time_order(const invariant_where *w, double previous,
                         double next, ws_error *err)
{
    if (next >= previous)
        return 0;
    char detail[200];
    snprintf(detail, sizeof detail, "an event at day %.17g after one at %.17g",
             next, previous);
    return violated(w, err, "time never goes backwards", detail);
}
