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
                           ws_error *err)
{
    for (int32_t p = 0; p < nproducts; p++)
        if (released[p] != finished[p] + wip[p] || wip[p] < 0) {
            char detail[600];
            snprintf(detail, sizeof detail,
                     "product '%s': %.17g released, %.17g out, %.17g in the fab",
                     names[p], released[p], finished[p], wip[p]);
            return violated(w, err, "wafers released = out + WIP", detail);
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
                        int32_t ntools, const double *busy, double elapsed,
                        double group_busy, ws_error *err)
{
    double sum = 0.0;
    char detail[400];
    for (int32_t t = 0; t < ntools; t++) {
        double idle = elapsed - busy[t];
        if (!(busy[t] >= 0.0) || idle < -TIME_SLACK * elapsed) {
            snprintf(detail, sizeof detail,
                     "tool %d of group '%s': busy %.17g + idle %.17g days "
                     "in %.17g", (int)t, group, busy[t], idle, elapsed);
            return violated(w, err, "tool time = busy + idle", detail);
        }
        sum += busy[t];
    }
    if (fabs(sum - group_busy) > TIME_SLACK * (elapsed * ntools + 1.0)) {
        snprintf(detail, sizeof detail,
                 "group '%s': its tools were busy %.17g tool-days, its "
                 "utilisation counts %.17g", group, sum, group_busy);
        return violated(w, err, "tool time = busy + idle", detail);
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
