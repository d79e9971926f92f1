/* capacity.c - static capacity analysis (docs/capacity.md) and its HDF5
 * file.
 *
 * The analysis is a sum over every source of lots (a product's own release
 * plan, an order) and its route: each visit of a lot to a step offers its
 * share of a job's tool time (load, setup, processing, unload) and the
 * wafer-based PM its wafers cause to the step's group, at the source's
 * release rate.  Visits come from solving the route as a Markov chain in
 * O(steps).  It costs three passes over the routes (setup shares, loads,
 * per-product figures) and allocates the report and scratch linear in the
 * model.
 *
 * The file follows the conventions of the run output (models/output.c):
 * plain HDF5 plus dimension scales, so xarray (h5netcdf), h5py and ncdump
 * open it; creation order tracked; no time stamps, so the same inputs give
 * the same bytes; written as PATH.partial and renamed when complete.  The
 * HDF5 helpers are output.c's, shared through h5file.h.
 */
#include "capacity.h"
#include "h5file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#define HOURS_PER_DAY 24.0

/* A quotient that should be a whole number of tools can come out a few ulps
 * above it (6 / (24 x 0.25) computed as 1.0000000000000002); a billionth
 * of a tool is not worth buying, so it is ignored before rounding up. */
#define TOOLS_TOLERANCE 1e-9

/* Above this a double no longer counts tools exactly. */
#define TOOLS_MAX 9007199254740992.0    /* 2^53 */

static const char assumptions_text[] =
    "visits from sampling and rework loops, exact in the mean (rework and "
    "scrap by time constraints ignored); wafers thinned by yield loss, a lot "
    "lost with its last wafer, taken as scrap^wafers per step; batches full "
    "(batch_max, else batch_min, of whole lots); a setup change whenever the "
    "tool's previous job had another setup, jobs in random order, at most "
    "one per min_run lots; availability from breakdowns and calendar PM as "
    "independent calendars, wafer-based PM counted as load; a cascading job "
    "holds its tool max(setup + load + interval, job / cascade), at most the "
    "job; a limited order's lots spread over the horizon; CONWIP starts not "
    "counted";

const char *capacity_assumptions(void)
{
    return assumptions_text;
}

/* ---- release rates ----------------------------------------------------- */

/* Lots of one product and one lot size from one release plan: the
 * product's own or an order.  seq (the source's place in the model) breaks
 * ties when sorting, so merged rates are summed in a fixed order. */
typedef struct lot_source {
    int32_t product;
    int32_t wafers;
    double lots_per_day;
    size_t seq;
} lot_source;

/* Mean lots per day of the product's own release plan: NaN for CONWIP,
 * whose starts follow the fab's cycle time, and 0 for a product released
 * only by orders. */
static double product_lots_per_day(const product *p)
{
    switch (p->release) {
    case RELEASE_INTERVAL:
        return 1.0 / p->release_interval_days;
    case RELEASE_RANDOM:
        return 1.0 / p->interarrival.mean;
    case RELEASE_CONWIP:
        return NAN;
    case RELEASE_NONE:
        break;
    }
    return 0.0;
}

/* Mean lots per day of an order; NaN for a bad interval.  An unlimited
 * order counts at its rate, as a product's own plan does, wherever it
 * starts.  A limited one counts its lots within the horizon spread over
 * the horizon: for fixed intervals exactly the releases first + k x
 * interval < horizon, k < count; for drawn interarrival times the renewal
 * mean 1 + (horizon - first) / mean capped at count (exact for a Poisson
 * stream without the cap, above the truth with it). */
static double order_lots_per_day(const release_order *o, double horizon)
{
    double mean = o->kind == RELEASE_INTERVAL ? o->interval_days
                                              : o->interarrival.mean;
    if (!(mean > 0.0) || !isfinite(mean) || !(horizon > 0.0))
        return NAN;
    if (o->count < 0)
        return 1.0 / mean;
    if (o->count == 0 || !(o->first_days < horizon))
        return 0.0;
    double span = horizon - o->first_days, lots;
    if (o->kind == RELEASE_INTERVAL) {
        /* The same sums the release events use, so no release is counted
         * that rounding keeps out of the horizon, or missed. */
        lots = ceil(span / mean);
        while (lots > 0.0 && o->first_days + (lots - 1.0) * mean >= horizon)
            lots -= 1.0;
        while (o->first_days + lots * mean < horizon)
            lots += 1.0;
    } else {
        lots = 1.0 + span / mean;
    }
    return fmin(lots, (double)o->count) / horizon;
}

static int compare_source(const void *a, const void *b)
{
    const lot_source *x = a, *y = b;
    if (x->product != y->product)
        return x->product < y->product ? -1 : 1;
    if (x->wafers != y->wafers)
        return x->wafers < y->wafers ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The model's lot sources with a rate, merged per (product, lot size), in
 * that order: products' own plans first, then orders, so their rates add
 * in model order. */
static int gather_sources(const model *m, lot_source **out, size_t *count,
                          ws_error *err)
{
    size_t n = 0;
    lot_source *src = malloc(((size_t)m->nproducts + (size_t)m->norders + 1)
                             * sizeof *src);
    if (!src)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t i = 0; i < m->nproducts; i++) {
        const product *p = &m->products[i];
        if (p->release == RELEASE_CONWIP || p->release == RELEASE_NONE)
            continue;
        double rate = product_lots_per_day(p);
        if (!(rate > 0.0) || !isfinite(rate)) {
            free(src);
            return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                "product %s: its release plan gives %g lots "
                                "per day; capacity needs a finite rate > 0",
                                p->name, rate);
        }
        src[n] = (lot_source){i, p->lot_size, rate, n};
        n++;
    }
    for (int32_t i = 0; i < m->norders; i++) {
        const release_order *o = &m->orders[i];
        double rate = order_lots_per_day(o, m->horizon_days);
        const char *why = NULL;
        if (o->product < 0 || o->product >= m->nproducts)
            why = "names no product of the model";
        else if (o->wafers < 1 || o->wafers > MODEL_MAX_LOT_SIZE)
            why = "has a lot size out of range";
        else if (!(rate >= 0.0) || !isfinite(rate))
            why = "has no finite release rate";
        if (why) {
            free(src);
            return ws_error_set(err, WS_EDATA, NULL, 0, 0, "order %s %s",
                                o->name ? o->name : "?", why);
        }
        src[n] = (lot_source){o->product, o->wafers, rate, n};
        n++;
    }
    qsort(src, n, sizeof *src, compare_source);
    size_t merged = 0;
    for (size_t i = 0; i < n; i++) {
        if (merged > 0 && src[merged - 1].product == src[i].product
            && src[merged - 1].wafers == src[i].wafers)
            src[merged - 1].lots_per_day += src[i].lots_per_day;
        else
            src[merged++] = src[i];
    }
    *out = src;
    *count = merged;
    return 0;
}

/* ---- visits: the route as a Markov chain ------------------------------- */

/* Scratch of one route, nsteps + 1 entries each, reused for every route. */
typedef struct route_scratch {
    double *survive;    /* what passes processing at the step */
    double *log_pass;   /* prefix sums of log(pass) over steps with pass > 0 */
    int32_t *blocked;   /* prefix counts of steps with pass = 0 */
    double *back;       /* share of an arrival that comes back after a loop */
    double *gain;       /* arrivals per first arrival: 1 / (1 - back) */
    double *rise;       /* passes through the step per first pass, / Q */
    double *leaving;    /* loop terms to drop below each rework target */
    double *lot_visits; /* performed visits of a lot released, per step */
    double *wafers;     /* wafers processed at the step per lot released */
} route_scratch;

static void scratch_free(route_scratch *w)
{
    free(w->survive);
    free(w->log_pass);
    free(w->blocked);
    free(w->back);
    free(w->gain);
    free(w->rise);
    free(w->leaving);
    free(w->lot_visits);
    free(w->wafers);
}

static int scratch_alloc(route_scratch *w, size_t steps)
{
    size_t n = steps + 1;
    w->survive = malloc(n * sizeof *w->survive);
    w->log_pass = malloc(n * sizeof *w->log_pass);
    w->blocked = malloc(n * sizeof *w->blocked);
    w->back = malloc(n * sizeof *w->back);
    w->gain = malloc(n * sizeof *w->gain);
    w->rise = malloc(n * sizeof *w->rise);
    w->leaving = malloc(n * sizeof *w->leaving);
    w->lot_visits = malloc(n * sizeof *w->lot_visits);
    w->wafers = malloc(n * sizeof *w->wafers);
    return w->survive && w->log_pass && w->blocked && w->back && w->gain
           && w->rise && w->leaving && w->lot_visits && w->wafers ? 0 : -1;
}

/* Share of what first reaches step i that goes on to reach step j >= i. */
static double route_pass(const route_scratch *w, int32_t i, int32_t j)
{
    return w->blocked[j] > w->blocked[i] ? 0.0
                                         : exp(w->log_pass[j] - w->log_pass[i]);
}

/* Mean performed visits of each step per unit entering step 0, written to
 * visits[], and the share that leaves the route's end.  At step s a unit is
 * processed with probability sample_prob (else skips the step), survives
 * processing with w->survive[s], and a survivor goes back to rework_to with
 * rework_prob, else on.  With survive = 1 this counts lots; with the wafer
 * survival it is the expected wafer mass (rework decisions do not depend on
 * wafers, so the mass obeys the same linear equations).
 *
 * Lots move forward one step at a time and back only through loops, so
 * every path from step s to s + 1 starts at s: the route splits into
 * passages T_s (from the first arrival at s to the first at s + 1), and a
 * loop from j back to t runs fresh passages T_t .. T_{j-1}.  Ascending, the
 * share `pass` of T_s that reaches s + 1 and the return share back_s =
 * rework x pass(t, s) give gain_s = 1 / (1 - back_s); descending, the
 * passages of s per first pass, rise_s = 1 + sum over loops j -> t with
 * t <= s < j of rise_j back_j / (1 - back_j), give the arrivals
 * pass(0, s) rise_s gain_s.  Exact for any nesting or overlap of loops,
 * O(steps); the only rounding is in the logarithms of `pass` < 1. */
static int route_chain(const product *p, route_scratch *w, double *visits,
                       double *leaves, ws_error *err)
{
    int32_t n = p->nsteps;
    w->log_pass[0] = 0.0;
    w->blocked[0] = 0;
    for (int32_t s = 0; s < n; s++) {
        const route_step *st = &p->steps[s];
        double q = st->sample_prob, survive = w->survive[s];
        double rework = st->rework_to >= 0 ? q * survive * st->rework_prob : 0.0;
        double lost = q * (1.0 - survive);
        double on = fmax(1.0 - rework - lost, 0.0);
        double back = rework > 0.0 ? rework * route_pass(w, st->rework_to, s)
                                   : 0.0;
        if (!(back < 1.0))
            return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                "product %s step %d: its rework loop never "
                                "lets a lot go on", p->name, (int)s + 1);
        double gain = 1.0 / (1.0 - back);
        /* Without losses on = 1 - rework and pass(target, s) = 1, so pass
         * is exactly 1 and the logarithms exactly 0. */
        double pass = on * gain;
        w->back[s] = back;
        w->gain[s] = gain;
        w->log_pass[s + 1] = w->log_pass[s] + (pass > 0.0 ? log(pass) : 0.0);
        w->blocked[s + 1] = w->blocked[s] + (pass > 0.0 ? 0 : 1);
    }
    for (int32_t s = 0; s <= n; s++)
        w->leaving[s] = 0.0;
    double loops = 0.0;     /* the sum in rise_s over the loops open at s */
    for (int32_t s = n - 1; s >= 0; s--) {
        int32_t j = s + 1;
        if (j < n) {
            loops -= w->leaving[j];
            int32_t target = p->steps[j].rework_to;
            if (target >= 0 && target < j && w->back[j] > 0.0) {
                double term = w->rise[j] * w->back[j] / (1.0 - w->back[j]);
                loops += term;
                w->leaving[target] += term;
            }
        }
        w->rise[s] = 1.0 + loops;
        visits[s] = p->steps[s].sample_prob * route_pass(w, 0, s) * w->rise[s]
                    * w->gain[s];
    }
    *leaves = route_pass(w, 0, n);
    return 0;
}

/* Performed visits of each step per lot of `wafers` released (w->lot_visits)
 * and wafers processed there per lot released (w->wafers), and the share
 * of the lot's wafers that leave the route.  A lot is lost only with its
 * last wafer; that chance is taken as scrap^wafers at every step, as if the
 * lot still had all its wafers: exact for one-wafer lots, and for larger
 * ones it undercounts lost lots by a negligible amount, so visits err
 * high. */
static int route_visits(const product *p, int32_t wafers, route_scratch *w,
                        double *yield, ws_error *err)
{
    double leaves;
    for (int32_t s = 0; s < p->nsteps; s++)
        w->survive[s] = 1.0 - pow(p->steps[s].scrap_prob, wafers);
    int rc = route_chain(p, w, w->lot_visits, &leaves, err);
    for (int32_t s = 0; s < p->nsteps && rc == 0; s++)
        w->survive[s] = 1.0 - p->steps[s].scrap_prob;
    if (rc == 0)
        rc = route_chain(p, w, w->wafers, yield, err);
    for (int32_t s = 0; s < p->nsteps && rc == 0; s++)
        w->wafers[s] *= wafers;
    return rc;
}

/* ---- tool time per visit ----------------------------------------------- */

/* Lots that share one job of the step: a batching group batches every
 * step, in full batches of batch_max (no limit given: batch_min) units, of
 * whole lots when the unit is wafers (a lot is never split); other groups
 * run one lot per job. */
static int32_t lots_per_job(const tool_group *g, const route_step *st,
                            int32_t wafers)
{
    if (!g->batching)
        return 1;
    int32_t size = st->batch_max > 0 ? st->batch_max : st->batch_min;
    if (g->batch_unit == BATCH_WAFERS)
        size = wafers > 0 ? size / wafers : 1;
    return size > 1 ? size : 1;
}

/* Long-run fraction of time a tool of the group can process: each
 * breakdown and calendar PM calendar is up interval / (interval + duration)
 * of the time (intervals counted from the end of the last occurrence), and
 * the calendars are taken as independent, so the shares multiply.
 * Wafer-based PM is not here: its time grows with the wafers processed, so
 * it is load (group_pm_days_per_wafer). */
static double group_availability(const tool_group *g)
{
    double availability = 1.0;
    for (int32_t d = 0; d < g->ndowntimes; d++) {
        const tool_downtime *dt = &g->downtimes[d];
        if (dt->kind == DOWN_PM_WAFERS || dt->duration.mean == 0.0)
            continue;
        double up = dt->interval.mean;
        availability *= up / (up + dt->duration.mean);
    }
    return availability;
}

/* PM time per wafer processed, days: duration / interval_wafers summed over
 * the group's wafer-based PMs; infinite for an interval of no wafers.  A
 * PM starts when the job that reaches the count ends and the count starts
 * again from 0, so PMs come every interval_wafers plus part of a job:
 * this errs high by at most one job's wafers / interval_wafers. */
static double group_pm_days_per_wafer(const tool_group *g)
{
    double days = 0.0;
    for (int32_t d = 0; d < g->ndowntimes; d++) {
        const tool_downtime *dt = &g->downtimes[d];
        if (dt->kind != DOWN_PM_WAFERS || dt->duration.mean == 0.0)
            continue;
        days += dt->interval_wafers > 0.0
                    ? dt->duration.mean / dt->interval_wafers : HUGE_VAL;
    }
    return days;
}

/* Where each step stands among the setups of its group (see
 * step_setup_days): filled once per model by estimate_setups. */
typedef struct setup_estimate {
    double *share;      /* [global step] share of the group's setup jobs
                           that need the step's setup */
    double *change_days;/* [global step] mean change time into it */
} setup_estimate;

/* Mean setup time per job of step st, days.  Sequences are not known
 * statically, so the estimate takes the jobs of a group in random order: a
 * job needs a change when the tool's previous job had another setup, with
 * probability 1 - share (share: the step's setup among the group's jobs
 * that have one; jobs without a setup leave the tool as it is), so a group
 * with a single setup needs none; a minimum run of min_run lots allows at
 * most one change per min_run lots.  The change takes the step's own
 * setup_time when it has one, else the matrix time from the other setups
 * weighted by their jobs.  Setup-aware dispatching changes less often than
 * this; long runs of one setup, too. */
static double step_setup_days(const model *m, const route_step *st,
                              int32_t lots_per_job, double share,
                              double change_days)
{
    if (st->setup < 0)
        return 0.0;
    double change = 1.0 - share;
    int32_t min_run = m->setup_min_run ? m->setup_min_run[st->setup] : 0;
    if (min_run > lots_per_job)
        change = fmin(change, (double)lots_per_job / min_run);
    double days = st->has_setup_time ? st->setup_time.mean : change_days;
    return change > 0.0 ? days * change : 0.0;
}

/* Tool time one lot visit offers, and the lot's own time on the tool. */
typedef struct visit_cost {
    double tool_days;   /* the lot's share of its job's tool time: setup,
                           load, processing, unload (cascading: the time
                           the job holds the tool), over the job's lots */
    double setup_days;  /* the setup part of tool_days */
    double pm_days;     /* wafer-based PM caused by the lot's wafers */
    double lot_days;    /* load + setup + processing + unload of its job */
    double jobs;        /* jobs per lot visit: 1 / lots per job */
} visit_cost;

/* The cost of one visit of a lot with `wafers` (mean, after yield loss) of
 * a lot released with `lot_wafers`.  A job of k lots takes setup + load +
 * process + unload, the process time being the step's per batch, k times
 * it per lot, and per wafer times the job's wafers (or pipelined: see
 * route_step_mean_time).  A cascading group (cascade > 1) lets the next
 * job start setup + load + cascade_interval (per wafer of the job for
 * per-wafer steps) after this one, with at most `cascade` in process, so
 * a job holds the tool for max(that, job / cascade), at most the whole
 * job. */
static visit_cost step_visit_cost(const model *m, const route_step *st,
                                  double wafers, int32_t lot_wafers,
                                  double pm_days_per_wafer, double share,
                                  double change_days)
{
    const tool_group *g = &m->groups[st->tool_group];
    int32_t k = lots_per_job(g, st, lot_wafers);
    double time = st->per == TIME_PER_WAFER
                      ? route_step_mean_time(m, st, wafers * k)
                  : st->per == TIME_PER_LOT ? st->time.mean * k
                                            : st->time.mean;
    double setup = step_setup_days(m, st, k, share, change_days);
    double job = setup + g->load_days + time + g->unload_days;
    double held = job;
    if (g->cascade > 1 && !isnan(st->cascade_interval_days)) {
        double entry = setup + st->cascade_interval_days
                       * (st->per == TIME_PER_WAFER ? wafers * k : 1.0);
        held = fmin(job, fmax(entry, job / g->cascade));
    }
    visit_cost c;
    c.tool_days = held / k;
    c.setup_days = setup / k;
    c.pm_days = wafers * pm_days_per_wafer;
    c.lot_days = job;
    c.jobs = 1.0 / k;
    return c;
}

/* ---- the analysis ------------------------------------------------------ */

static capacity_report *report_alloc(int32_t ngroups, int32_t nproducts)
{
    capacity_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    /* +1: calloc(0) may return NULL, which would read as out of memory. */
    size_t g = (size_t)ngroups + 1, p = (size_t)nproducts + 1;
    r->ngroups = ngroups;
    r->nproducts = nproducts;
    r->tools = calloc(g, sizeof *r->tools);
    r->availability = calloc(g, sizeof *r->availability);
    r->load_tool_hours_per_day = calloc(g, sizeof *r->load_tool_hours_per_day);
    r->utilisation = calloc(g, sizeof *r->utilisation);
    r->tools_needed = calloc(g, sizeof *r->tools_needed);
    r->setup_tool_hours_per_day = calloc(g, sizeof *r->setup_tool_hours_per_day);
    r->pm_tool_hours_per_day = calloc(g, sizeof *r->pm_tool_hours_per_day);
    r->planned_wafers_per_month = calloc(p, sizeof *r->planned_wafers_per_month);
    r->max_wafers_per_month = calloc(p, sizeof *r->max_wafers_per_month);
    r->raw_process_time_days = calloc(p, sizeof *r->raw_process_time_days);
    r->visits_per_lot = calloc(p, sizeof *r->visits_per_lot);
    r->wafer_yield = calloc(p, sizeof *r->wafer_yield);
    if (!r->tools || !r->availability || !r->load_tool_hours_per_day
        || !r->utilisation || !r->tools_needed || !r->setup_tool_hours_per_day
        || !r->pm_tool_hours_per_day || !r->planned_wafers_per_month
        || !r->max_wafers_per_month || !r->raw_process_time_days
        || !r->visits_per_lot || !r->wafer_yield) {
        capacity_report_destroy(r);
        return NULL;
    }
    return r;
}

void capacity_report_destroy(capacity_report *r)
{
    if (!r)
        return;
    free(r->tools);
    free(r->availability);
    free(r->load_tool_hours_per_day);
    free(r->utilisation);
    free(r->tools_needed);
    free(r->setup_tool_hours_per_day);
    free(r->pm_tool_hours_per_day);
    free(r->planned_wafers_per_month);
    free(r->max_wafers_per_month);
    free(r->raw_process_time_days);
    free(r->visits_per_lot);
    free(r->wafer_yield);
    free(r);
}

static int in_unit_interval(double x)
{
    return x >= 0.0 && x <= 1.0;
}

/* The fields the analysis relies on, which readers validate too: the model
 * is public API, and a bad probability would give a plausible wrong load. */
static int check_route(const model *m, const product *p, ws_error *err)
{
    for (int32_t s = 0; s < p->nsteps; s++) {
        const route_step *st = &p->steps[s];
        const char *why = NULL;
        if (st->tool_group < 0 || st->tool_group >= m->ngroups)
            return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                "product %s step %d: tool group %d of %d",
                                p->name, (int)s + 1, (int)st->tool_group,
                                (int)m->ngroups);
        if (!in_unit_interval(st->sample_prob))
            why = "sample probability";
        else if (!in_unit_interval(st->rework_prob))
            why = "rework probability";
        else if (!in_unit_interval(st->scrap_prob))
            why = "scrap probability";
        else if (st->rework_to < -1 || st->rework_to > s)
            why = "rework target step";
        else if (st->setup < -1 || st->setup >= m->nsetups)
            why = "setup";
        if (why)
            return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                "product %s step %d: %s out of range",
                                p->name, (int)s + 1, why);
    }
    return 0;
}

static int check_groups(const model *m, ws_error *err)
{
    for (int32_t g = 0; g < m->ngroups; g++) {
        const tool_group *tg = &m->groups[g];
        for (int32_t d = 0; d < tg->ndowntimes; d++) {
            const tool_downtime *dt = &tg->downtimes[d];
            if (dt->kind == DOWN_PM_WAFERS && dt->duration.mean > 0.0
                && !(dt->interval_wafers > 0.0 && isfinite(dt->interval_wafers)))
                return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                    "tool group %s: PM %s needs an interval "
                                    "of wafers > 0", tg->name,
                                    dt->name ? dt->name : "?");
        }
    }
    return 0;
}

typedef struct setup_use {
    int32_t group;
    int32_t setup;
    size_t step;        /* global step index */
} setup_use;

static int compare_setup_use(const void *a, const void *b)
{
    const setup_use *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->setup != y->setup)
        return x->setup < y->setup ? -1 : 1;
    return (x->step > y->step) - (x->step < y->step);
}

/* Mean time of a change from setup `from` to `to` on the matrix; 0 where
 * the matrix has no entry (no setup needed). */
static double change_days(const model *m, int32_t from, int32_t to)
{
    const dist *d = model_setup_change_time(m, from, to);
    return d ? d->mean : 0.0;
}

/* Fills est from job_rate[global step] (setup jobs per day): every step
 * with a setup gets its setup's share of its group's setup jobs and the
 * mean change time into it.  Sorting the uses by (group, setup) puts each
 * group's setups together; a group of S setups costs S^2 matrix look-ups,
 * each linear in the matrix, which is small for fab models (tens of setups
 * per group). */
static int estimate_setups(const model *m, const size_t *base,
                           const double *job_rate, setup_estimate *est,
                           ws_error *err)
{
    size_t nuses = 0;
    for (int32_t i = 0; i < m->nproducts; i++)
        for (int32_t s = 0; s < m->products[i].nsteps; s++)
            nuses += m->products[i].steps[s].setup >= 0;
    setup_use *use = malloc((nuses + 1) * sizeof *use);
    double *rate = malloc((nuses + 1) * sizeof *rate);      /* per pair */
    size_t *first = malloc((nuses + 2) * sizeof *first);    /* of each pair */
    if (!use || !rate || !first) {
        free(use);
        free(rate);
        free(first);
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t u = 0;
    for (int32_t i = 0; i < m->nproducts; i++)
        for (int32_t s = 0; s < m->products[i].nsteps; s++) {
            const route_step *st = &m->products[i].steps[s];
            if (st->setup >= 0)
                use[u++] = (setup_use){st->tool_group, st->setup, base[i] + s};
        }
    qsort(use, nuses, sizeof *use, compare_setup_use);
    size_t npairs = 0;
    for (size_t i = 0; i < nuses; i++) {
        if (npairs == 0 || use[first[npairs - 1]].group != use[i].group
            || use[first[npairs - 1]].setup != use[i].setup) {
            first[npairs] = i;
            rate[npairs++] = 0.0;
        }
        rate[npairs - 1] += job_rate[use[i].step];
    }
    first[npairs] = nuses;
    /* Groups are runs of pairs [g0, g1). */
    for (size_t g0 = 0, g1 = 0; g0 < npairs; g0 = g1) {
        int32_t group = use[first[g0]].group;
        double total = 0.0;
        for (g1 = g0; g1 < npairs && use[first[g1]].group == group; g1++)
            total += rate[g1];
        for (size_t a = g0; a < g1; a++) {
            int32_t to = use[first[a]].setup;
            double share = total > 0.0 ? rate[a] / total : (g1 - g0 == 1);
            double weighted = 0.0, weight = 0.0, plain = 0.0;
            for (size_t b = g0; b < g1; b++) {
                if (b == a)
                    continue;
                double c = change_days(m, use[first[b]].setup, to);
                weighted += rate[b] * c;
                weight += rate[b];
                plain += c;
            }
            /* Other setups without jobs still say what a change costs. */
            double change = weight > 0.0 ? weighted / weight
                          : g1 - g0 > 1 ? plain / (double)(g1 - g0 - 1)
                          : change_days(m, -1, to);
            for (size_t i = first[a]; i < first[a + 1]; i++) {
                est->share[use[i].step] = share;
                est->change_days[use[i].step] = change;
            }
        }
    }
    free(use);
    free(rate);
    free(first);
    return 0;
}

/* Everything one pass over the sources needs. */
typedef struct analysis {
    const model *m;
    capacity_report *r;
    lot_source *sources;
    size_t nsources;
    size_t *base;           /* [product] global index of its first step */
    double *job_rate;       /* [global step] setup jobs per day */
    setup_estimate setups;
    double *pm_per_wafer;   /* [group] */
    route_scratch w;
} analysis;

static void analysis_free(analysis *a)
{
    free(a->sources);
    free(a->base);
    free(a->job_rate);
    free(a->setups.share);
    free(a->setups.change_days);
    free(a->pm_per_wafer);
    scratch_free(&a->w);
}

static int analysis_init(analysis *a, const model *m, capacity_report *r,
                         ws_error *err)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->r = r;
    int rc = check_groups(m, err);
    for (int32_t i = 0; i < m->nproducts && rc == 0; i++)
        rc = check_route(m, &m->products[i], err);
    if (rc == 0)
        rc = gather_sources(m, &a->sources, &a->nsources, err);
    if (rc)
        return rc;
    size_t steps = 0, most = 0;
    a->base = malloc(((size_t)m->nproducts + 1) * sizeof *a->base);
    if (!a->base)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t i = 0; i < m->nproducts; i++) {
        size_t n = (size_t)m->products[i].nsteps;
        a->base[i] = steps;
        steps += n;
        most = n > most ? n : most;
    }
    a->job_rate = calloc(steps + 1, sizeof *a->job_rate);
    a->setups.share = calloc(steps + 1, sizeof *a->setups.share);
    a->setups.change_days = calloc(steps + 1, sizeof *a->setups.change_days);
    a->pm_per_wafer = calloc((size_t)m->ngroups + 1, sizeof *a->pm_per_wafer);
    if (!a->job_rate || !a->setups.share || !a->setups.change_days
        || !a->pm_per_wafer || scratch_alloc(&a->w, most) != 0)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t g = 0; g < m->ngroups; g++)
        a->pm_per_wafer[g] = group_pm_days_per_wafer(&m->groups[g]);
    return 0;
}

/* Mean wafers of a lot at its visits to step s (w->wafers per lot visit),
 * the released count where no lot arrives. */
static double visit_wafers(const route_scratch *w, int32_t s, int32_t wafers)
{
    return w->lot_visits[s] > 0.0 ? w->wafers[s] / w->lot_visits[s]
                                  : (double)wafers;
}

/* First pass: setup jobs per day of every step, for the setup shares. */
static int count_setup_jobs(analysis *a, ws_error *err)
{
    const model *m = a->m;
    for (size_t k = 0; k < a->nsources; k++) {
        const lot_source *src = &a->sources[k];
        const product *p = &m->products[src->product];
        double yield;
        int rc = route_visits(p, src->wafers, &a->w, &yield, err);
        if (rc)
            return rc;
        for (int32_t s = 0; s < p->nsteps; s++) {
            const route_step *st = &p->steps[s];
            if (st->setup < 0)
                continue;
            int32_t per_job = lots_per_job(&m->groups[st->tool_group], st,
                                           src->wafers);
            a->job_rate[a->base[src->product] + s] +=
                src->lots_per_day * a->w.lot_visits[s] / per_job;
        }
    }
    return estimate_setups(m, a->base, a->job_rate, &a->setups, err);
}

static visit_cost cost_of(const analysis *a, int32_t product_index, int32_t s,
                          int32_t wafers)
{
    const route_step *st = &a->m->products[product_index].steps[s];
    size_t i = a->base[product_index] + s;
    return step_visit_cost(a->m, st, visit_wafers(&a->w, s, wafers), wafers,
                           a->pm_per_wafer[st->tool_group],
                           a->setups.share[i], a->setups.change_days[i]);
}

/* Second pass: offered load per group (tool-hours per day) from every
 * source, and per product its planned starts, and raw process time,
 * visits and yield of a lot of its own lot size.  Sums in source order,
 * so the result depends on nothing but the model. */
static int add_loads(analysis *a, ws_error *err)
{
    const model *m = a->m;
    capacity_report *r = a->r;
    for (size_t k = 0; k < a->nsources; k++) {
        const lot_source *src = &a->sources[k];
        const product *p = &m->products[src->product];
        double yield;
        int rc = route_visits(p, src->wafers, &a->w, &yield, err);
        if (rc)
            return rc;
        r->planned_wafers_per_month[src->product] +=
            src->lots_per_day * src->wafers * CAPACITY_DAYS_PER_MONTH;
        for (int32_t s = 0; s < p->nsteps; s++) {
            visit_cost c = cost_of(a, src->product, s, src->wafers);
            int32_t g = p->steps[s].tool_group;
            double per_day = src->lots_per_day * a->w.lot_visits[s]
                             * HOURS_PER_DAY;
            r->load_tool_hours_per_day[g] += per_day * (c.tool_days + c.pm_days);
            r->setup_tool_hours_per_day[g] += per_day * c.setup_days;
            r->pm_tool_hours_per_day[g] += per_day * c.pm_days;
        }
    }
    for (int32_t i = 0; i < m->nproducts; i++) {
        const product *p = &m->products[i];
        int rc = route_visits(p, p->lot_size, &a->w, &r->wafer_yield[i], err);
        if (rc)
            return rc;
        double raw = 0.0, visits = 0.0;
        for (int32_t s = 0; s < p->nsteps; s++) {
            raw += a->w.lot_visits[s] * cost_of(a, i, s, p->lot_size).lot_days;
            visits += a->w.lot_visits[s];
        }
        r->raw_process_time_days[i] = raw;
        r->visits_per_lot[i] = visits;
        if (p->release == RELEASE_CONWIP)
            r->planned_wafers_per_month[i] = NAN;
    }
    return 0;
}

int capacity_analyse(const model *m, double target_utilisation,
                     capacity_report **out, ws_error *err)
{
    *out = NULL;
    if (!(target_utilisation > 0.0 && target_utilisation <= 1.0))
        return ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                            "target utilisation must be in (0, 1], not %g",
                            target_utilisation);
    capacity_report *r = report_alloc(m->ngroups, m->nproducts);
    if (!r)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    r->target_utilisation = target_utilisation;
    r->bottleneck = -1;
    analysis a;
    int rc = analysis_init(&a, m, r, err);
    if (rc == 0)
        rc = count_setup_jobs(&a, err);
    if (rc == 0)
        rc = add_loads(&a, err);
    analysis_free(&a);
    for (int32_t g = 0; g < m->ngroups && rc == 0; g++) {
        const tool_group *tg = &m->groups[g];
        double availability = group_availability(tg);
        double load = r->load_tool_hours_per_day[g];
        if (tg->tools < 1 || !(availability > 0.0 && availability <= 1.0))
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "tool group %s: %d tools at availability %g "
                              "have no capacity", tg->name, (int)tg->tools,
                              availability);
        else if (!isfinite(load))
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "tool group %s: offered load is not finite",
                              tg->name);
        if (rc)
            break;
        r->tools[g] = tg->tools;
        r->availability[g] = availability;
        r->utilisation[g] = load / (tg->tools * HOURS_PER_DAY * availability);
        double needed = load / (HOURS_PER_DAY * availability * target_utilisation);
        if (!(needed < TOOLS_MAX))
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "tool group %s would need %g tools, more than "
                              "can be counted", tg->name, needed);
        else
            r->tools_needed[g] = needed > TOOLS_TOLERANCE
                               ? (int64_t)ceil(needed - TOOLS_TOLERANCE) : 0;
        /* Strictly greater: ties go to the first group in model order. */
        if (r->utilisation[g] > 0.0
            && (r->bottleneck < 0
                || r->utilisation[g] > r->utilisation[r->bottleneck]))
            r->bottleneck = g;
    }
    if (rc) {
        capacity_report_destroy(r);
        return rc;
    }
    /* Scaling every product's starts by 1/u of the bottleneck brings it to
     * exactly 100 %; with no load at all, no group limits the starts.  A
     * product without planned starts (orders that release nothing) keeps
     * 0, and a CONWIP product NaN. */
    double scale = r->bottleneck >= 0 ? 1.0 / r->utilisation[r->bottleneck]
                                      : HUGE_VAL;
    for (int32_t i = 0; i < m->nproducts; i++) {
        double planned = r->planned_wafers_per_month[i];
        r->max_wafers_per_month[i] = planned == 0.0 ? 0.0 : planned * scale;
    }
    *out = r;
    return 0;
}

/* ---- the HDF5 file ----------------------------------------------------- */

typedef struct writer {
    const char *partial;
    hid_t file;
    hid_t string_type;          /* variable-length UTF-8 */
} writer;

/* A dimension: a coordinate variable of names made a dimension scale.  It
 * gets at most five attributes (CLASS, NAME, long_name, units,
 * REFERENCE_LIST), under HDF5's compact limit of eight: each attach
 * rewrites REFERENCE_LIST, and rewriting attributes in dense storage with
 * an indexed creation order is buggy in HDF5 1.10. */
static hid_t create_dimension(const writer *w, const char *name,
                              const char *const *names, size_t n,
                              const char *long_name, ws_error *err)
{
    hsize_t dim = n;
    h5file_dataset_spec s = {name, w->string_type, 1, &dim, NULL, NULL, -1};
    hid_t d = h5file_dataset_create(w->partial, w->file, &s, err);
    if (d < 0)
        return -1;
    int rc = h5file_dataset_write_all(w->partial, d, w->string_type, n, names,
                                      err);
    if (rc == 0 && H5DSset_scale(d, name) < 0)
        rc = h5file_fail(w->partial, err, WS_EIO,
                         "cannot make a dimension scale of %s", name);
    if (rc == 0)
        rc = h5file_describe(w->partial, d, long_name, "1", w->string_type,
                             err);
    if (rc) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

typedef struct variable_spec {
    const char *name;
    hid_t file_type;
    hid_t mem_type;
    const void *values;
    const char *units;
    const char *long_name;
} variable_spec;

/* A 1-D contiguous data variable of n values along the dimension scale;
 * floats get NaN as fill value, as in the run output. */
static int write_variable(const writer *w, hid_t scale, size_t n,
                          const variable_spec *v, ws_error *err)
{
    int is_float = v->mem_type == H5T_NATIVE_DOUBLE;
    hsize_t dim = n;
    h5file_dataset_spec s = {v->name, v->file_type, 1, &dim, NULL, NULL,
                             is_float ? H5T_NATIVE_DOUBLE : -1};
    hid_t d = h5file_dataset_create(w->partial, w->file, &s, err);
    if (d < 0)
        return err->code;
    int rc = h5file_dataset_write_all(w->partial, d, v->mem_type, n, v->values,
                                      err);
    if (rc == 0 && is_float)
        rc = h5file_attr_nan_fill(w->partial, d, err);
    if (rc == 0)
        rc = h5file_describe(w->partial, d, v->long_name, v->units,
                             w->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(w->partial, d, scale, 0, err);
    if (H5Dclose(d) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close %s", v->name);
    return rc;
}

typedef struct dimensioned_variable {
    int per_product;            /* else per tool group */
    variable_spec spec;
} dimensioned_variable;

/* Written in this order, which readers list them in: new variables go at
 * the end, so files of older versions list theirs in the same places. */
static int write_variables(const writer *w, const capacity_report *r,
                           hid_t group_dim, hid_t product_dim, ws_error *err)
{
    /* Units "day", not "days": xarray would decode "days" to timedelta64. */
    const dimensioned_variable vars[] = {
        {0, {"tools", H5T_STD_I32LE, H5T_NATIVE_INT32, r->tools, "1",
             "tools in the group"}},
        {0, {"availability", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->availability, "1",
             "fraction of time a tool can process: breakdowns and calendar "
             "PM (1: no downtime modelled)"}},
        {0, {"load_tool_hours_per_day", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->load_tool_hours_per_day, "h/day",
             "tool time offered per day at the planned starts: processing, "
             "load and unload, setups and wafer-based PM"}},
        {0, {"utilisation", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->utilisation, "1",
             "load / (tools x 24 h x availability) at the planned starts"}},
        {0, {"tools_needed", H5T_STD_I64LE, H5T_NATIVE_INT64, r->tools_needed,
             "1", "tools for the target utilisation: "
                  "ceil(load / (24 h x availability x target))"}},
        {1, {"planned_wafers_per_month", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->planned_wafers_per_month, "wafer/month",
             "planned wafer starts per month of 365.2425/12 days, from the "
             "product's release plan and orders (NaN: CONWIP)"}},
        {1, {"max_wafers_per_month", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->max_wafers_per_month, "wafer/month",
             "sustainable wafer starts per month at the current product "
             "mix: planned / bottleneck utilisation"}},
        {1, {"raw_process_time_days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->raw_process_time_days, "day",
             "mean processing time of one lot through the route, no "
             "waiting: visits x (load + setup + process + unload)"}},
        {0, {"setup_tool_hours_per_day", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->setup_tool_hours_per_day, "h/day",
             "setup part of the load (estimate: jobs in random order)"}},
        {0, {"pm_tool_hours_per_day", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->pm_tool_hours_per_day, "h/day",
             "wafer-based PM part of the load"}},
        {1, {"visits_per_lot", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->visits_per_lot, "1",
             "mean steps a lot is processed at: sampling and rework "
             "included"}},
        {1, {"wafer_yield", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             r->wafer_yield, "1",
             "mean share of a lot's wafers that finish the route"}},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof vars / sizeof *vars && rc == 0; i++)
        rc = vars[i].per_product
                 ? write_variable(w, product_dim, (size_t)r->nproducts,
                                  &vars[i].spec, err)
                 : write_variable(w, group_dim, (size_t)r->ngroups,
                                  &vars[i].spec, err);
    return rc;
}

static int write_root_attributes(const writer *w, const model *m,
                                 const capacity_report *r,
                                 const capacity_file_meta *meta,
                                 ws_error *err)
{
    const model_source *src = m->nsources > 0 ? &m->sources[0] : NULL;
    size_t ninputs = m->nsources > 1 ? (size_t)m->nsources - 1 : 0;
    const char **inputs = malloc((2 * ninputs + 1) * sizeof *inputs);
    if (!inputs)
        return ws_error_set(err, WS_ENOMEM, w->partial, 0, 0, "out of memory");
    for (size_t i = 0; i < ninputs; i++) {
        const model_source *s = &m->sources[i + 1];
        inputs[i] = s->path ? s->path : "";
        inputs[ninputs + i] = s->text ? s->text : "";
    }
    const char *bottleneck = r->bottleneck >= 0
                           ? m->groups[r->bottleneck].name : "";
    /* Written in this order, which readers list them in. */
    const char *const strings[][2] = {
        {"software", "wafersim"},
        {"version", meta->version},
        {"git_revision", meta->git_revision},
        {"command_line", meta->command_line},
        {"scenario_name", m->name},
        {"scenario_path", src ? src->path : ""},
        {"scenario_text", src ? src->text : ""},
    };
    const char *path = w->partial;
    hid_t root = w->file, st = w->string_type;
    int rc = 0;
    for (size_t i = 0; i < sizeof strings / sizeof *strings && rc == 0; i++)
        rc = h5file_attr_string(path, root, strings[i][0], strings[i][1], st,
                                err);
    if (rc == 0)
        rc = h5file_attr_values(path, root, "input_files", st, st, ninputs,
                                inputs, err);
    if (rc == 0)
        rc = h5file_attr_values(path, root, "input_texts", st, st, ninputs,
                                inputs + ninputs, err);
    if (rc == 0)
        rc = h5file_attr_double(path, root, "target_utilisation",
                                r->target_utilisation, err);
    if (rc == 0)
        rc = h5file_attr_string(path, root, "bottleneck", bottleneck, st, err);
    if (rc == 0)
        rc = h5file_attr_string(path, root, "assumptions", assumptions_text, st,
                                err);
    free(inputs);
    return rc;
}

/* Creates w->file and w->string_type; WS_ECANTCREAT when the file cannot
 * be created. */
static int writer_open(writer *w, ws_error *err)
{
    int rc = h5file_create(w->partial, &w->file, err);
    if (rc == 0) {
        w->string_type = h5file_string_type();
        if (w->string_type < 0)
            rc = h5file_fail(w->partial, err, WS_EIO,
                             "cannot make the string type");
    }
    return rc;
}

static int write_contents(const writer *w, const model *m,
                          const capacity_report *r,
                          const capacity_file_meta *meta, ws_error *err)
{
    size_t ng = (size_t)r->ngroups, np = (size_t)r->nproducts;
    const char **names = malloc((ng + np + 1) * sizeof *names);
    if (!names)
        return ws_error_set(err, WS_ENOMEM, w->partial, 0, 0, "out of memory");
    for (size_t g = 0; g < ng; g++)
        names[g] = m->groups[g].name;
    for (size_t p = 0; p < np; p++)
        names[ng + p] = m->products[p].name;
    hid_t group_dim = create_dimension(w, "tool_group", names, ng,
                                       "tool group name", err);
    hid_t product_dim = group_dim < 0 ? -1
                      : create_dimension(w, "product", names + ng, np,
                                         "product name", err);
    free(names);
    int rc = group_dim < 0 || product_dim < 0 ? err->code : 0;
    if (rc == 0)
        rc = write_variables(w, r, group_dim, product_dim, err);
    if (rc == 0)
        rc = write_root_attributes(w, m, r, meta, err);
    if (product_dim >= 0 && H5Dclose(product_dim) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close product");
    if (group_dim >= 0 && H5Dclose(group_dim) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close tool_group");
    return rc;
}

int capacity_write_file(const char *path, const model *m,
                        const capacity_report *r,
                        const capacity_file_meta *meta, ws_error *err)
{
    if (r->ngroups != m->ngroups || r->nproducts != m->nproducts)
        return ws_error_set(err, WS_ESOFTWARE, path, 0, 0,
                            "capacity report of %d groups and %d products "
                            "does not match the model's %d and %d",
                            (int)r->ngroups, (int)r->nproducts,
                            (int)m->ngroups, (int)m->nproducts);
    size_t n = strlen(path);
    char *partial = malloc(n + sizeof ".partial");
    if (!partial)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    memcpy(partial, path, n);
    memcpy(partial + n, ".partial", sizeof ".partial");
    writer w = {partial, -1, -1};

    /* The library never prints: HDF5's own error printing is off while we
     * work and the caller's setting is restored afterwards. */
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);

    int rc = writer_open(&w, err);
    if (rc == 0)
        rc = write_contents(&w, m, r, meta, err);
    if (w.string_type >= 0 && H5Tclose(w.string_type) < 0 && rc == 0)
        rc = h5file_fail(w.partial, err, WS_EIO,
                         "cannot close the string type");
    if (w.file >= 0 && H5Fclose(w.file) < 0 && rc == 0)
        rc = h5file_fail(w.partial, err, WS_EIO, "cannot close the file");
    H5Eclear2(H5E_DEFAULT);
    h5file_quiet_end(&quiet);

    if (rc == 0 && rename(partial, path) != 0)
        rc = ws_error_set(err, WS_EIO, path, 0, 0, "cannot rename %s to %s: %s",
                          partial, path, strerror(errno));
    if (rc != 0 && w.file >= 0)
        unlink(partial);
    free(partial);
    return rc;
}
