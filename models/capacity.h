/* capacity.h - static capacity analysis of a fab model (docs/capacity.md).
 *
 * From the routes, the mean step times and the release plan, without
 * simulating: the offered load and utilisation of every tool group at the
 * planned starts, the bottleneck, the starts the current product mix can
 * sustain, the tools each group needs for a target utilisation, and the raw
 * process time of every product.  All of it is a mean-value (first-order)
 * analysis: queueing, variability and dispatching do not enter it.
 *
 * The model's realism features enter as mean values, one function each in
 * capacity.c: visits per step (sampling and rework loops, solved exactly
 * as a Markov chain over the route), wafers per visit (yield loss), lots
 * per job (batching), tool time per job (load, unload, cascading), setup
 * time per job (a static estimate: sequences are not known), availability
 * (breakdowns and calendar PM) and wafer-based PM (tool time per wafer
 * processed, so part of the load).  Release rates come from the products'
 * own plans and the model's orders; CONWIP starts have no planned rate.
 * capacity_assumptions states every estimate in one sentence.
 */
#ifndef WAFERSIM_CAPACITY_H
#define WAFERSIM_CAPACITY_H

#include <stdint.h>
#include "model.h"
#include "../sim/wserror.h"

/* Days in the mean Gregorian month used for every "per month" figure. */
#define CAPACITY_DAYS_PER_MONTH (365.2425 / 12.0)

#define CAPACITY_DEFAULT_TARGET 0.85

typedef struct capacity_report {
    double target_utilisation;  /* in (0, 1] */
    int32_t bottleneck;         /* group of highest utilisation; -1: no load */
    /* Per tool group, in model order. */
    int32_t ngroups;
    int32_t *tools;
    double *availability;               /* fraction of time tools can work:
                                           breakdowns and calendar PM */
    double *load_tool_hours_per_day;    /* work offered at the planned starts:
                                           processing, load and unload,
                                           setups and wafer-based PM */
    double *utilisation;    /* load / (tools x 24 h x availability) */
    int64_t *tools_needed;  /* ceil(load / (24 h x availability x target)) */
    /* Per product, in model order. */
    int32_t nproducts;
    double *planned_wafers_per_month;   /* NaN for a CONWIP product */
    double *max_wafers_per_month;   /* planned / bottleneck utilisation */
    double *raw_process_time_days;  /* mean processing of one lot, no waits */
    /* Added with the realism features (after the above in the file). */
    double *setup_tool_hours_per_day;   /* [group] the setup part of load */
    double *pm_tool_hours_per_day;      /* [group] the wafer-based PM part */
    double *visits_per_lot;     /* [product] mean lot-steps of one lot */
    double *wafer_yield;        /* [product] mean share of a lot's wafers
                                   that leave the route (not scrapped) */
} capacity_report;

/* Analyses m at target utilisation (0 < target <= 1).  Returns 0 and sets
 * *out (free with capacity_report_destroy), or an error: WS_EUSAGE for a
 * target outside (0, 1], WS_EDATA for a model whose release plan or times
 * give no finite load (including a rework loop no lot ever leaves, and
 * probabilities, rework targets or orders out of range), WS_ENOMEM. */
int capacity_analyse(const model *m, double target_utilisation,
                     capacity_report **out, ws_error *err);

void capacity_report_destroy(capacity_report *r);

/* One sentence on the estimates the analysis makes where the model leaves
 * a quantity to the simulation (setup sequences, batch sizes, ...), for
 * tables and files; a static string. */
const char *capacity_assumptions(void);

/* Provenance stored in the file's root attributes. */
typedef struct capacity_file_meta {
    const char *version;
    const char *git_revision;
    const char *command_line;
} capacity_file_meta;

/* Writes r (computed from m) as an HDF5 file that xarray opens with
 * engine="h5netcdf" (layout in docs/capacity.md).  The file is written as
 * PATH.partial and renamed to PATH when complete; on failure PATH.partial
 * is removed.  Errors: WS_ECANTCREAT when the file cannot be created,
 * WS_EIO when writing or renaming fails, WS_ENOMEM. */
int capacity_write_file(const char *path, const model *m,
                        const capacity_report *r,
                        const capacity_file_meta *meta, ws_error *err);

#endif
