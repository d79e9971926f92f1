/* synthetic.c - generated models for benchmarks and tests. */
#include "synthetic.h"

#include <stdio.h>
#include <stdlib.h>

int synthetic_reentrant_line(const synthetic_line *spec, model **out,
                             ws_error *err)
{
    *out = NULL;
    if (spec->groups < 1 || spec->steps < 1 || !(spec->load > 0.0) ||
        !(spec->load < 1.0) || !(spec->lots_per_day > 0.0) ||
        !(spec->process_cv > 0.0) || !(spec->horizon_days > 0.0))
        return ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                            "synthetic line: groups and steps must be >= 1, "
                            "load in (0,1), rate, cv and horizon > 0");
    model *m = model_create();
    if (!m)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    m->horizon_days = spec->horizon_days;
    m->warmup_days = 0.0;
    m->replications = 1;
    m->seed = spec->seed;
    char name[64];
    for (int32_t g = 0; g < spec->groups; g++) {
        snprintf(name, sizeof name, "G%03d", (int)g);
        if (model_add_tool_group(m, name, 1 + g % 4) < 0)
            goto oom;
    }
    if (model_add_product(m, "P1") < 0)
        goto oom;
    int32_t *visits = calloc((size_t)spec->groups, sizeof *visits);
    if (!visits)
        goto oom;
    for (int32_t i = 0; i < spec->steps; i++)
        visits[(7 * (int64_t)i) % spec->groups]++;
    product *p = &m->products[0];
    p->lot_size = 25;
    p->release = RELEASE_INTERVAL;
    p->release_interval_days = 1.0 / spec->lots_per_day;
    for (int32_t i = 0; i < spec->steps; i++) {
        int32_t g = (int32_t)((7 * (int64_t)i) % spec->groups);
        double mean = spec->load * m->groups[g].tools /
                      (visits[g] * spec->lots_per_day);
        snprintf(name, sizeof name, "S%03d", (int)i + 1);
        route_step *s = model_add_step(p, name);
        if (!s) {
            free(visits);
            goto oom;
        }
        s->tool_group = g;
        s->per = TIME_PER_LOT;
        double params[3] = {mean, spec->process_cv, 0.0};
        char why[128];
        if (dist_init(&s->time, DIST_GAMMA, params, why, sizeof why) != 0) {
            free(visits);
            model_destroy(m);
            return ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                                "synthetic line: %s", why);
        }
    }
    free(visits);
    *out = m;
    return 0;
oom:
    model_destroy(m);
    return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
}
