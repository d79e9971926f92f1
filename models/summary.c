/* summary.c - per-point statistics over replications. */
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/stats.h"

/* summary_point arrays per product (wafers, cycle time, x-factor, WIP,
 * scrap, on-time share, hot cycle time) and per group (utilisation,
 * availability, then TOOL_STATE_COUNT state shares), in s->values. */
#define SUMMARY_PRODUCT_VALUES 7
#define SUMMARY_GROUP_VALUES (2 + TOOL_STATE_COUNT)

struct summary {
    int32_t points, reps, np, ng;
    /* [(point * reps + rep) * n + k], n products, groups or group states;
     * NaN where nothing was recorded */
    double *throughput, *cycle_time, *wip, *utilisation;
    double *scrapped, *on_time, *hot_cycle_time;    /* [.. * np + p] */
    double *availability;                           /* [.. * ng + g] */
    double *state_share;        /* [(.. * ng + g) * TOOL_STATE_COUNT + k] */
    double *raw_time;               /* [point * np + p] */
    double *column;                 /* one replication column, [reps] */
    summary_value *values;          /* the arrays of the last summary_point */
    char **names;                   /* [np + ng] products then groups */
    char **labels;                  /* [points] */
};

static char *copy_text(const char *t)
{
    size_t n = strlen(t) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, t, n);
    return c;
}

int summary_set_names(summary *s, const char *const *products,
                      const char *const *groups)
{
    for (int32_t i = 0; i < s->np + s->ng; i++) {
        const char *t = i < s->np ? products[i] : groups[i - s->np];
        free(s->names[i]);
        s->names[i] = copy_text(t);
        if (!s->names[i])
            return -1;
    }
    return 0;
}

int summary_set_label(summary *s, int32_t point, const char *label)
{
    free(s->labels[point]);
    s->labels[point] = copy_text(label);
    return s->labels[point] ? 0 : -1;
}

int32_t summary_points(const summary *s) { return s->points; }
int32_t summary_products(const summary *s) { return s->np; }
int32_t summary_groups(const summary *s) { return s->ng; }

const char *summary_product_name(const summary *s, int32_t p)
{
    return s->names[p] ? s->names[p] : "";
}

const char *summary_group_name(const summary *s, int32_t g)
{
    return s->names[s->np + g] ? s->names[s->np + g] : "";
}

const char *summary_label(const summary *s, int32_t point)
{
    return s->labels[point] ? s->labels[point] : "";
}

/* An array of n doubles, all NaN (at least one, so that NULL means out of
 * memory). */
static double *nan_array(size_t n)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; a && i < n; i++)
        a[i] = NAN;
    return a;
}

summary *summary_create(int32_t points, int32_t replications,
                        int32_t nproducts, int32_t ngroups)
{
    summary *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->points = points;
    s->reps = replications;
    s->np = nproducts;
    s->ng = ngroups;
    size_t cells = (size_t)points * (size_t)replications;
    size_t np = cells * (size_t)nproducts, ng = cells * (size_t)ngroups;
    s->throughput = nan_array(np);
    s->cycle_time = nan_array(np);
    s->wip = nan_array(np);
    s->scrapped = nan_array(np);
    s->on_time = nan_array(np);
    s->hot_cycle_time = nan_array(np);
    s->utilisation = nan_array(ng);
    s->availability = nan_array(ng);
    s->state_share = nan_array(ng * TOOL_STATE_COUNT);
    s->raw_time = nan_array((size_t)points * (size_t)nproducts);
    s->column = malloc(((size_t)replications + 1) * sizeof(double));
    s->values = malloc(((size_t)SUMMARY_PRODUCT_VALUES * (size_t)nproducts
                        + (size_t)SUMMARY_GROUP_VALUES * (size_t)ngroups + 1)
                       * sizeof *s->values);
    s->names = calloc((size_t)nproducts + (size_t)ngroups + 1, sizeof *s->names);
    s->labels = calloc((size_t)points + 1, sizeof *s->labels);
    if (!s->throughput || !s->cycle_time || !s->wip || !s->scrapped
        || !s->on_time || !s->hot_cycle_time || !s->utilisation
        || !s->availability || !s->state_share || !s->raw_time || !s->column
        || !s->values || !s->names || !s->labels) {
        summary_destroy(s);
        return NULL;
    }
    return s;
}

void summary_destroy(summary *s)
{
    if (!s)
        return;
    free(s->throughput);
    free(s->cycle_time);
    free(s->wip);
    free(s->utilisation);
    free(s->scrapped);
    free(s->on_time);
    free(s->hot_cycle_time);
    free(s->availability);
    free(s->state_share);
    free(s->raw_time);
    free(s->column);
    free(s->values);
    if (s->names)
        for (int32_t i = 0; i < s->np + s->ng; i++)
            free(s->names[i]);
    free(s->names);
    if (s->labels)
        for (int32_t i = 0; i < s->points; i++)
            free(s->labels[i]);
    free(s->labels);
    free(s);
}

void summary_set_raw_process_times(summary *s, int32_t point,
                                   const double *days)
{
    memcpy(s->raw_time + (size_t)point * (size_t)s->np, days,
           (size_t)s->np * sizeof(double));
}

void summary_add(summary *s, int32_t point, int32_t replication,
                 const summary_figures *f)
{
    size_t cell = (size_t)point * (size_t)s->reps + (size_t)replication;
    for (int32_t p = 0; p < s->np; p++) {
        size_t i = cell * (size_t)s->np + (size_t)p;
        s->throughput[i] = f->throughput_per_day[p] * SUMMARY_DAYS_PER_MONTH;
        s->cycle_time[i] = f->cycle_time[p];
        s->wip[i] = f->wip[p];
        s->scrapped[i] = f->scrapped_per_day[p] * SUMMARY_DAYS_PER_MONTH;
        s->on_time[i] = f->on_time_share[p];
        s->hot_cycle_time[i] = f->hot_cycle_time[p];
    }
    for (int32_t g = 0; g < s->ng; g++) {
        size_t i = cell * (size_t)s->ng + (size_t)g;
        const double *share = f->tool_state_share + (size_t)g * TOOL_STATE_COUNT;
        s->utilisation[i] = f->utilisation[g];
        s->availability[i] = 1.0 - share[TOOL_DOWN] - share[TOOL_PM];
        memcpy(s->state_share + i * TOOL_STATE_COUNT, share,
               TOOL_STATE_COUNT * sizeof *share);
    }
}

void summary_add_result(summary *s, int32_t point, const fab_result *r)
{
    summary_figures f = {
        .throughput_per_day = r->throughput_wafers_per_day,
        .cycle_time = r->mean_cycle_time_days,
        .wip = r->mean_wip_wafers,
        .utilisation = r->mean_utilisation,
        .scrapped_per_day = r->mean_wafers_scrapped_per_day,
        .on_time_share = r->mean_on_time_share,
        .hot_cycle_time = r->mean_hot_cycle_time_days,
        .tool_state_share = r->mean_tool_state_share,
    };
    summary_add(s, point, (int32_t)r->replication, &f);
}

/* The interval of k-th values over the replications of a point, each
 * scaled by factor; sums in replication order. */
static summary_value interval(summary *s, const double *data, int32_t point,
                              int32_t n, int32_t k, double factor,
                              double level, size_t *count)
{
    for (int32_t r = 0; r < s->reps; r++) {
        size_t cell = (size_t)point * (size_t)s->reps + (size_t)r;
        s->column[r] = data[cell * (size_t)n + (size_t)k] * factor;
    }
    confidence_interval ci = stats_confidence_interval(s->column,
                                                       (size_t)s->reps, level);
    if (count)
        *count = ci.n;
    summary_value v = {ci.n ? ci.mean : NAN, ci.half_width};
    return v;
}

void summary_compute(summary *s, int32_t point, double level,
                     summary_point *p)
{
    size_t np = (size_t)s->np, ng = (size_t)s->ng;
    summary_value *v = s->values;
    p->wafers_per_month = v;
    p->cycle_time_days = v + np;
    p->x_factor = v + 2 * np;
    p->wip_wafers = v + 3 * np;
    p->wafers_scrapped_per_month = v + 4 * np;
    p->on_time_share = v + 5 * np;
    p->hot_cycle_time_days = v + 6 * np;
    v += SUMMARY_PRODUCT_VALUES * np;
    p->utilisation = v;
    p->availability = v + ng;
    p->tool_state_share = v + 2 * ng;
    size_t most = 0, n;
    for (int32_t k = 0; k < s->np; k++) {
        double raw = s->raw_time[(size_t)point * np + (size_t)k];
        p->wafers_per_month[k] = interval(s, s->throughput, point, s->np, k,
                                          1.0, level, &n);
        most = n > most ? n : most;
        p->cycle_time_days[k] = interval(s, s->cycle_time, point, s->np, k,
                                         1.0, level, NULL);
        p->x_factor[k] = interval(s, s->cycle_time, point, s->np, k,
                                  raw > 0 ? 1.0 / raw : NAN, level, NULL);
        p->wip_wafers[k] = interval(s, s->wip, point, s->np, k, 1.0, level,
                                    NULL);
        p->wafers_scrapped_per_month[k] = interval(s, s->scrapped, point,
                                                   s->np, k, 1.0, level, NULL);
        p->on_time_share[k] = interval(s, s->on_time, point, s->np, k, 1.0,
                                       level, NULL);
        p->hot_cycle_time_days[k] = interval(s, s->hot_cycle_time, point,
                                             s->np, k, 1.0, level, NULL);
    }
    p->bottleneck = -1;
    p->bottleneck_utilisation.mean = p->bottleneck_utilisation.half_width = NAN;
    p->bottleneck_availability = p->bottleneck_utilisation;
    int32_t nstates = s->ng * TOOL_STATE_COUNT;
    for (int32_t k = 0; k < nstates; k++)
        p->tool_state_share[k] = interval(s, s->state_share, point, nstates,
                                          k, 1.0, level, NULL);
    for (int32_t g = 0; g < s->ng; g++) {
        p->utilisation[g] = interval(s, s->utilisation, point, s->ng, g, 1.0,
                                     level, &n);
        p->availability[g] = interval(s, s->availability, point, s->ng, g,
                                      1.0, level, NULL);
        most = n > most ? n : most;
        if (!isnan(p->utilisation[g].mean) &&
            (p->bottleneck < 0 ||
             p->utilisation[g].mean > p->bottleneck_utilisation.mean)) {
            p->bottleneck = g;
            p->bottleneck_utilisation = p->utilisation[g];
            p->bottleneck_availability = p->availability[g];
        }
    }
    p->replications = (int32_t)most;
}
