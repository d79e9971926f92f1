/* summary.h - per-point statistics over replications: the steady-state
 * figures of every replication (after warm-up), and their means with
 * Student-t confidence intervals, for the table on stdout and the summary
 * variables of the result file. */
#ifndef WAFERSIM_SUMMARY_H
#define WAFERSIM_SUMMARY_H

#include <stdint.h>
#include "fab.h"
#include "model.h"

#define SUMMARY_DAYS_PER_MONTH (365.2425 / 12.0)

typedef struct summary summary;

/* A mean over replications with the half-width of its confidence interval
 * (NaN with fewer than two values). */
typedef struct summary_value {
    double mean;
    double half_width;
} summary_value;

typedef struct summary_point {
    int32_t replications;           /* replications with results */
    summary_value *wafers_per_month;    /* [product] */
    summary_value *cycle_time_days;     /* [product] */
    summary_value *x_factor;            /* [product] */
    summary_value *wip_wafers;          /* [product] */
    summary_value *utilisation;         /* [group] */
    summary_value *wafers_scrapped_per_month;   /* [product] */
    summary_value *on_time_share;       /* [product] */
    summary_value *hot_cycle_time_days; /* [product] */
    summary_value *availability;        /* [group]: 1 - down - pm shares */
    summary_value *tool_state_share;    /* [group * TOOL_STATE_COUNT + state] */
    int32_t bottleneck;             /* group with the highest mean, -1 if none */
    summary_value bottleneck_utilisation;
    summary_value bottleneck_availability;
} summary_point;

/* The steady-state figures of one replication (the mean_* fields of a
 * fab_result), by pointer; every array must be there. */
typedef struct summary_figures {
    const double *throughput_per_day;   /* [product] */
    const double *cycle_time;           /* [product] */
    const double *wip;                  /* [product] */
    const double *utilisation;          /* [group] */
    const double *scrapped_per_day;     /* [product] */
    const double *on_time_share;        /* [product] */
    const double *hot_cycle_time;       /* [product] */
    const double *tool_state_share;     /* [group * TOOL_STATE_COUNT + state] */
} summary_figures;

summary *summary_create(int32_t points, int32_t replications,
                        int32_t nproducts, int32_t ngroups);
void summary_destroy(summary *s);

/* Raw process time (days) of each product at a point, for x-factors. */
void summary_set_raw_process_times(summary *s, int32_t point,
                                   const double *days);

/* Records the steady-state figures of replication (point, replication). */
void summary_add(summary *s, int32_t point, int32_t replication,
                 const summary_figures *f);
void summary_add_result(summary *s, int32_t point, const fab_result *r);

/* Names for tables: products, tool groups, and a label per point (e.g.
 * "products.A.wafers_per_month=1000"); copied. 0 or -1 out of memory. */
int summary_set_names(summary *s, const char *const *products,
                      const char *const *groups);
int summary_set_label(summary *s, int32_t point, const char *label);

int32_t summary_points(const summary *s);
int32_t summary_products(const summary *s);
int32_t summary_groups(const summary *s);
const char *summary_product_name(const summary *s, int32_t p);
const char *summary_group_name(const summary *s, int32_t g);
const char *summary_label(const summary *s, int32_t point);   /* "" if none */

/* Computes the statistics of a point at the given level (e.g. 0.95) into
 * p, whose arrays the summary owns (valid until the next call). */
void summary_compute(summary *s, int32_t point, double level,
                     summary_point *p);

#endif
