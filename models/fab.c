/* fab.c - one replication of the fab: lots flowing through re-entrant
 * routes over tool groups of identical tools.
 *
 * The whole state of a replication lives in one fab_state, built and freed
 * by fab_run; the model is only read.  Memory is allocated up front or
 * grows by doubling (lots, lot records, the calendar), so the event loop
 * does not allocate in the steady state.
 *
 * Statistics are cut at "cuts": the month boundaries and the end of the
 * warm-up.  Before an event at time t is handled, every cut <= t is closed,
 * so an event at exactly a month boundary belongs to the month it opens,
 * whatever the order of events in the calendar.
 */
#include "fab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "invariants.h"
#include "../sim/calendar.h"
#include "../sim/date.h"
#include "../sim/stats.h"
#include "../sim/stream.h"

/* Stream ids: the kind of source in the upper 32 bits, its index below.
 * They are part of the results' identity: changing them changes every
 * number, so new sources get new kinds rather than renumbering. */
#define STREAM_RELEASE (UINT64_C(1) << 32)     /* + product */
#define STREAM_PROCESS (UINT64_C(2) << 32)     /* + tool group */

enum event_kind {
    EVENT_RELEASE,      /* subject: product; tag: release number */
    EVENT_STEP_DONE     /* subject: tool */
};

typedef struct lot {
    int32_t product;
    int32_t step;
    int32_t wafers;
    int32_t next;           /* next lot in the queue, -1 at the tail */
    int64_t record;         /* index into result->lots, -1 if not kept */
    double release_day;
} lot;

typedef struct tool {
    int32_t group;
    int32_t lot;            /* lot in process, -1 when idle */
    double busy_since;      /* start of the current busy spell */
    double busy_days;       /* busy time of finished spells */
} tool;

typedef struct group_state {
    int32_t queue_head;     /* FIFO of waiting lots, linked by lot.next */
    int32_t queue_tail;
    int32_t queue_length;
    int32_t idle_count;     /* idle tools, stacked in idle[0..idle_count) */
    int32_t *idle;
    int32_t busy;
    time_integral busy_time;
    gsl_rng *rng;
} group_state;

/* A dispatching rule takes the lot to start next out of a non-empty queue.
 * FIFO takes the head of the queue. */
typedef struct fab_state fab_state;
typedef int32_t (*dispatch_rule)(fab_state *s, group_state *g);

struct fab_state {
    const model *m;
    fab_result *r;
    int record_lots;
    calendar *cal;
    uint32_t scenario;
    uint32_t replication;
    const atomic_int *stop;
    ws_error *err;              /* where the event loop reports invariants */
    gsl_rng **release_rng;      /* [product], NULL for fixed intervals */
    group_state *groups;
    tool *tools;
    int32_t ntools;
    lot *lots;
    int32_t nlots_capacity;
    int32_t free_lot;           /* free list through lot.next */
    size_t records_capacity;
    /* Cuts: month boundaries and the end of warm-up, ascending. */
    double *cut_time;
    int32_t *cut_month;         /* month of the interval ending at the cut */
    unsigned char *cut_steady;  /* interval ending at the cut is after warm-up */
    unsigned char *cut_month_end;
    int32_t ncuts;
    int32_t cut;                /* next cut to close */
    double next_cut;
    int32_t month;              /* month of the current interval */
    /* Per product. */
    double *wip;                /* wafers in the fab */
    double *released;           /* wafers released, for the conservation check */
    double *finished;
    time_integral *wip_time;
    double *ct_sum;             /* [month * P + p] cycle time sums */
    double *ct_count;
    double *ss_wafers_out;
    double *ss_ct_sum;
    double *ss_ct_count;
    double *ss_wip_area;
    double *ss_busy_area;       /* [group] */
    double *busy_area;          /* [month * G + g] */
    double *wip_area;           /* [month * P + p] */
    double *month_days;
};

static int32_t dispatch_fifo(fab_state *s, group_state *g)
{
    int32_t id = g->queue_head;
    g->queue_head = s->lots[id].next;
    if (g->queue_head < 0)
        g->queue_tail = -1;
    g->queue_length--;
    return id;
}

static const dispatch_rule dispatch_rules[] = {
    dispatch_fifo,
};

int32_t fab_month_count(const model *m)
{
    /* A month is at least 28 days, so horizon/28 + 3 bounds the count. */
    int32_t max = (int32_t)(m->horizon_days / 28.0) + 3;
    double *bounds = malloc(((size_t)max + 1) * sizeof *bounds);
    if (!bounds)
        return -1;
    int32_t n = date_month_boundaries(m->start_date, m->horizon_days, bounds,
                                      max);
    free(bounds);
    return n;
}

void fab_month_bounds(const model *m, double *bounds)
{
    int32_t n = fab_month_count(m);
    date_month_boundaries(m->start_date, m->horizon_days, bounds, n);
}

void fab_result_destroy(fab_result *r)
{
    if (!r)
        return;
    free(r->wafers_out);
    free(r->wafer_starts);
    free(r->wip_wafers);
    free(r->wip_wafers_mean);
    free(r->cycle_time_days);
    free(r->utilisation);
    free(r->throughput_wafers_per_day);
    free(r->mean_cycle_time_days);
    free(r->mean_wip_wafers);
    free(r->mean_utilisation);
    free(r->lots);
    free(r);
}

static fab_result *result_create(const model *m, int32_t nmonths)
{
    fab_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    size_t mp = (size_t)nmonths * (size_t)m->nproducts;
    size_t mg = (size_t)nmonths * (size_t)m->ngroups;
    r->nmonths = nmonths;
    r->nproducts = m->nproducts;
    r->ngroups = m->ngroups;
    r->wafers_out = calloc(mp, sizeof(double));
    r->wafer_starts = calloc(mp, sizeof(double));
    r->wip_wafers = calloc(mp, sizeof(double));
    r->wip_wafers_mean = calloc(mp, sizeof(double));
    r->cycle_time_days = calloc(mp, sizeof(double));
    r->utilisation = calloc(mg, sizeof(double));
    r->throughput_wafers_per_day = calloc((size_t)m->nproducts, sizeof(double));
    r->mean_cycle_time_days = calloc((size_t)m->nproducts, sizeof(double));
    r->mean_wip_wafers = calloc((size_t)m->nproducts, sizeof(double));
    r->mean_utilisation = calloc((size_t)m->ngroups, sizeof(double));
    if (!r->wafers_out || !r->wafer_starts || !r->wip_wafers ||
        !r->wip_wafers_mean || !r->cycle_time_days || !r->utilisation ||
        !r->throughput_wafers_per_day || !r->mean_cycle_time_days ||
        !r->mean_wip_wafers || !r->mean_utilisation) {
        fab_result_destroy(r);
        return NULL;
    }
    return r;
}

static void state_free(fab_state *s)
{
    const model *m = s->m;
    if (s->release_rng)
        for (int32_t p = 0; p < m->nproducts; p++)
            if (s->release_rng[p])
                gsl_rng_free(s->release_rng[p]);
    free(s->release_rng);
    if (s->groups)
        for (int32_t g = 0; g < m->ngroups; g++) {
            free(s->groups[g].idle);
            if (s->groups[g].rng)
                gsl_rng_free(s->groups[g].rng);
        }
    free(s->groups);
    free(s->tools);
    free(s->lots);
    free(s->cut_time);
    free(s->cut_month);
    free(s->cut_steady);
    free(s->cut_month_end);
    free(s->wip);
    free(s->released);
    free(s->finished);
    free(s->wip_time);
    free(s->ct_sum);
    free(s->ct_count);
    free(s->ss_wafers_out);
    free(s->ss_ct_sum);
    free(s->ss_ct_count);
    free(s->ss_wip_area);
    free(s->ss_busy_area);
    free(s->busy_area);
    free(s->wip_area);
    free(s->month_days);
    calendar_destroy(s->cal);
}

/* Merges the month boundaries and the end of warm-up into the cut list. */
static int build_cuts(fab_state *s, const double *bounds, int32_t nmonths)
{
    const model *m = s->m;
    size_t n = (size_t)nmonths + 1;
    s->cut_time = malloc(n * sizeof *s->cut_time);
    s->cut_month = malloc(n * sizeof *s->cut_month);
    s->cut_steady = malloc(n);
    s->cut_month_end = malloc(n);
    if (!s->cut_time || !s->cut_month || !s->cut_steady || !s->cut_month_end)
        return -1;
    double warmup = m->warmup_days;
    int32_t c = 0;
    for (int32_t k = 0; k < nmonths; k++) {
        double start = bounds[k], end = bounds[k + 1];
        if (warmup > start && warmup < end) {
            s->cut_time[c] = warmup;
            s->cut_month[c] = k;
            s->cut_steady[c] = 0;
            s->cut_month_end[c] = 0;
            c++;
            start = warmup;
        }
        s->cut_time[c] = end;
        s->cut_month[c] = k;
        s->cut_steady[c] = start >= warmup;
        s->cut_month_end[c] = 1;
        c++;
    }
    s->ncuts = c;
    s->cut = 0;
    s->next_cut = s->cut_time[0];
    s->month = s->cut_month[0];
    return 0;
}

static int state_init(fab_state *s, const model *m, const fab_options *opt,
                      uint32_t replication, ws_error *err)
{
    size_t P = (size_t)m->nproducts, G = (size_t)m->ngroups;
    memset(s, 0, sizeof *s);
    s->m = m;
    s->scenario = opt->scenario;
    s->replication = replication;
    s->stop = opt->stop;
    int32_t nmonths = fab_month_count(m);
    if (nmonths <= 0)
        return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                            "horizon of %g days cannot be cut into months",
                            m->horizon_days);
    s->record_lots = opt->record_lots;
    s->r = result_create(m, nmonths);
    double *bounds = malloc(((size_t)nmonths + 1) * sizeof *bounds);
    if (!s->r || !bounds) {
        free(bounds);
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    fab_month_bounds(m, bounds);
    s->r->scenario = opt->scenario;
    s->r->replication = replication;
    int rc = build_cuts(s, bounds, nmonths);
    s->month_days = malloc((size_t)nmonths * sizeof *s->month_days);
    if (s->month_days)
        for (int32_t k = 0; k < nmonths; k++)
            s->month_days[k] = bounds[k + 1] - bounds[k];
    free(bounds);

    int32_t ntools = 0;
    for (size_t g = 0; g < G; g++)
        ntools += m->groups[g].tools;
    s->ntools = ntools;
    s->cal = calendar_create((size_t)ntools + P + 64);
    s->release_rng = calloc(P, sizeof *s->release_rng);
    s->groups = calloc(G, sizeof *s->groups);
    s->tools = malloc((size_t)ntools * sizeof *s->tools);
    s->wip = calloc(P, sizeof(double));
    s->released = calloc(P, sizeof(double));
    s->finished = calloc(P, sizeof(double));
    s->wip_time = calloc(P, sizeof *s->wip_time);
    s->ct_sum = calloc((size_t)nmonths * P, sizeof(double));
    s->ct_count = calloc((size_t)nmonths * P, sizeof(double));
    s->wip_area = calloc((size_t)nmonths * P, sizeof(double));
    s->busy_area = calloc((size_t)nmonths * G, sizeof(double));
    s->ss_wafers_out = calloc(P, sizeof(double));
    s->ss_ct_sum = calloc(P, sizeof(double));
    s->ss_ct_count = calloc(P, sizeof(double));
    s->ss_wip_area = calloc(P, sizeof(double));
    s->ss_busy_area = calloc(G, sizeof(double));
    if (rc != 0 || !s->month_days || !s->cal || !s->release_rng ||
        !s->groups || !s->tools || !s->wip || !s->released || !s->finished ||
        !s->wip_time || !s->ct_sum || !s->ct_count || !s->wip_area ||
        !s->busy_area || !s->ss_wafers_out || !s->ss_ct_sum ||
        !s->ss_ct_count || !s->ss_wip_area || !s->ss_busy_area)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");

    int32_t t = 0;
    for (size_t g = 0; g < G; g++) {
        group_state *gs = &s->groups[g];
        int32_t n = m->groups[g].tools;
        gs->queue_head = gs->queue_tail = -1;
        gs->idle = malloc((size_t)n * sizeof *gs->idle);
        gs->rng = stream_create(m->seed, opt->stream_scenario, replication,
                                STREAM_PROCESS + g);
        if (!gs->idle || !gs->rng)
            return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        /* Stacked so that the lowest-numbered idle tool is taken first. */
        for (int32_t i = n - 1; i >= 0; i--)
            gs->idle[gs->idle_count++] = t + i;
        for (int32_t i = 0; i < n; i++) {
            s->tools[t + i].group = (int32_t)g;
            s->tools[t + i].lot = -1;
            s->tools[t + i].busy_since = 0.0;
            s->tools[t + i].busy_days = 0.0;
        }
        t += n;
        time_integral_init(&gs->busy_time, 0.0, 0.0);
    }
    for (size_t p = 0; p < P; p++) {
        time_integral_init(&s->wip_time[p], 0.0, 0.0);
        if (m->products[p].release == RELEASE_RANDOM) {
            s->release_rng[p] = stream_create(m->seed, opt->stream_scenario,
                                              replication, STREAM_RELEASE + p);
            if (!s->release_rng[p])
                return ws_error_set(err, WS_ENOMEM, NULL, 0, 0,
                                    "out of memory");
        }
    }
    s->free_lot = -1;
    return 0;
}

/* Closes the statistics interval that ends at the next cut. */
static void close_cut(fab_state *s)
{
    const model *m = s->m;
    fab_result *r = s->r;
    double t = s->cut_time[s->cut];
    int32_t k = s->cut_month[s->cut];
    int steady = s->cut_steady[s->cut];
    int32_t P = m->nproducts, G = m->ngroups;
    for (int32_t p = 0; p < P; p++) {
        double a = time_integral_take(&s->wip_time[p], t);
        s->wip_area[k * P + p] += a;
        if (steady)
            s->ss_wip_area[p] += a;
        if (s->cut_month_end[s->cut])
            r->wip_wafers[k * P + p] = s->wip[p];
    }
    for (int32_t g = 0; g < G; g++) {
        double a = time_integral_take(&s->groups[g].busy_time, t);
        s->busy_area[k * G + g] += a;
        if (steady)
            s->ss_busy_area[g] += a;
    }
    s->cut++;
    if (s->cut < s->ncuts) {
        s->next_cut = s->cut_time[s->cut];
        s->month = s->cut_month[s->cut];
    } else {
        s->next_cut = INFINITY;
    }
}

static int32_t lot_new(fab_state *s)
{
    if (s->free_lot < 0) {
        int32_t cap = s->nlots_capacity ? s->nlots_capacity * 2 : 1024;
        lot *grown = realloc(s->lots, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        s->lots = grown;
        for (int32_t i = cap - 1; i >= s->nlots_capacity; i--) {
            s->lots[i].next = s->free_lot;
            s->free_lot = i;
        }
        s->nlots_capacity = cap;
    }
    int32_t id = s->free_lot;
    s->free_lot = s->lots[id].next;
    return id;
}

static int record_new(fab_state *s, int32_t product_index, int32_t wafers,
                      double now, int64_t *index)
{
    fab_result *r = s->r;
    if (r->nlots == s->records_capacity) {
        size_t cap = s->records_capacity ? s->records_capacity * 2 : 1024;
        fab_lot_record *grown = realloc(r->lots, cap * sizeof *grown);
        if (!grown)
            return -1;
        r->lots = grown;
        s->records_capacity = cap;
    }
    fab_lot_record *rec = &r->lots[r->nlots];
    rec->product = product_index;
    rec->wafers = wafers;
    rec->release_day = now;
    rec->finish_day = NAN;
    *index = (int64_t)r->nlots++;
    return 0;
}

static int start_processing(fab_state *s, int32_t tool_id, int32_t lot_id,
                            double now)
{
    lot *l = &s->lots[lot_id];
    const route_step *st = &s->m->products[l->product].steps[l->step];
    group_state *g = &s->groups[st->tool_group];
    double d = dist_sample(&st->time, g->rng);
    if (st->per == TIME_PER_WAFER)
        d *= l->wafers;
    s->tools[tool_id].lot = lot_id;
    return calendar_push(s->cal, now + d, EVENT_STEP_DONE, tool_id, 0);
}

/* The lot joins the queue of its current step's tool group, or starts at
 * once on an idle tool (the queue is then empty, so every rule agrees). */
static int lot_arrive(fab_state *s, int32_t lot_id, double now)
{
    lot *l = &s->lots[lot_id];
    int32_t gi = s->m->products[l->product].steps[l->step].tool_group;
    group_state *g = &s->groups[gi];
    if (g->idle_count > 0) {
        int32_t tool_id = g->idle[--g->idle_count];
        s->tools[tool_id].busy_since = now;
        g->busy++;
        time_integral_set(&g->busy_time, now, g->busy);
        return start_processing(s, tool_id, lot_id, now);
    }
    l->next = -1;
    if (g->queue_tail >= 0)
        s->lots[g->queue_tail].next = lot_id;
    else
        g->queue_head = lot_id;
    g->queue_tail = lot_id;
    g->queue_length++;
    return 0;
}

static int release_lot(fab_state *s, int32_t p, int64_t number, double now)
{
    const product *pr = &s->m->products[p];
    int32_t id = lot_new(s);
    if (id < 0)
        return WS_ENOMEM;
    lot *l = &s->lots[id];
    l->product = p;
    l->step = 0;
    l->wafers = pr->lot_size;
    l->release_day = now;
    l->record = -1;
    if (s->record_lots && record_new(s, p, l->wafers, now, &l->record) != 0)
        return WS_ENOMEM;
    size_t cell = (size_t)s->month * (size_t)s->m->nproducts + (size_t)p;
    s->r->wafer_starts[cell] += l->wafers;
    s->released[p] += l->wafers;
    s->wip[p] += l->wafers;
    time_integral_set(&s->wip_time[p], now, s->wip[p]);

    double next;
    if (pr->release == RELEASE_INTERVAL)
        next = pr->first_release_days + (double)(number + 1) * pr->release_interval_days;
    else
        next = now + dist_sample(&pr->interarrival, s->release_rng[p]);
    if (next < s->m->horizon_days) {
        int rc = calendar_push(s->cal, next, EVENT_RELEASE, p, number + 1);
        if (rc != 0)
            return rc;
    }
    return lot_arrive(s, id, now);
}

static void lot_finish(fab_state *s, int32_t lot_id, double now)
{
    lot *l = &s->lots[lot_id];
    int32_t p = l->product;
    size_t cell = (size_t)s->month * (size_t)s->m->nproducts + (size_t)p;
    double ct = now - l->release_day;
    s->r->wafers_out[cell] += l->wafers;
    s->ct_sum[cell] += ct;
    s->ct_count[cell] += 1.0;
    if (now >= s->m->warmup_days) {
        s->ss_wafers_out[p] += l->wafers;
        s->ss_ct_sum[p] += ct;
        s->ss_ct_count[p] += 1.0;
    }
    if (l->record >= 0)
        s->r->lots[l->record].finish_day = now;
    s->finished[p] += l->wafers;
    s->wip[p] -= l->wafers;
    time_integral_set(&s->wip_time[p], now, s->wip[p]);
    l->next = s->free_lot;
    s->free_lot = lot_id;
}

static int step_done(fab_state *s, int32_t tool_id, double now)
{
    tool *t = &s->tools[tool_id];
    int32_t lot_id = t->lot;
    group_state *g = &s->groups[t->group];
    int rc = 0;
    s->r->lot_steps++;
    t->lot = -1;
    if (g->queue_length > 0) {
        int32_t next = dispatch_rules[0](s, g);
        rc = start_processing(s, tool_id, next, now);
    } else {
        g->idle[g->idle_count++] = tool_id;
        t->busy_days += now - t->busy_since;
        g->busy--;
        time_integral_set(&g->busy_time, now, g->busy);
    }
    if (rc != 0)
        return rc;
    lot *l = &s->lots[lot_id];
    if (++l->step == s->m->products[l->product].nsteps) {
        lot_finish(s, lot_id, now);
        return 0;
    }
    return lot_arrive(s, lot_id, now);
}

static void finalise(fab_state *s)
{
    const model *m = s->m;
    fab_result *r = s->r;
    int32_t P = m->nproducts, G = m->ngroups;
    double steady_days = m->horizon_days - m->warmup_days;
    for (int32_t k = 0; k < r->nmonths; k++) {
        for (int32_t p = 0; p < P; p++) {
            size_t c = (size_t)k * (size_t)P + (size_t)p;
            r->wip_wafers_mean[c] = s->wip_area[c] / s->month_days[k];
            r->cycle_time_days[c] = s->ct_count[c] > 0
                                        ? s->ct_sum[c] / s->ct_count[c] : NAN;
        }
        for (int32_t g = 0; g < G; g++) {
            size_t c = (size_t)k * (size_t)G + (size_t)g;
            r->utilisation[c] = s->busy_area[c] /
                                (m->groups[g].tools * s->month_days[k]);
        }
    }
    for (int32_t p = 0; p < P; p++) {
        r->throughput_wafers_per_day[p] = s->ss_wafers_out[p] / steady_days;
        r->mean_cycle_time_days[p] = s->ss_ct_count[p] > 0
                                         ? s->ss_ct_sum[p] / s->ss_ct_count[p]
                                         : NAN;
        r->mean_wip_wafers[p] = s->ss_wip_area[p] / steady_days;
    }
    for (int32_t g = 0; g < G; g++)
        r->mean_utilisation[g] = s->ss_busy_area[g] /
                                 (m->groups[g].tools * steady_days);
}

/* The end-of-replication invariants (models/invariants.h): O(lots + tools),
 * small next to the run. */
static int check_invariants(const fab_state *s, ws_error *err)
{
    const model *m = s->m;
    invariant_where w = {s->scenario, s->replication, m->horizon_days};
    const char **names = malloc(((size_t)m->nproducts + 1) * sizeof *names);
    unsigned char *live = calloc((size_t)s->nlots_capacity + 1, 1);
    int32_t *place = calloc((size_t)s->nlots_capacity + 1, sizeof *place);
    double *busy = NULL;
    int rc = 0;
    if (!names || !live || !place) {
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (int32_t p = 0; p < m->nproducts; p++)
        names[p] = m->products[p].name;
    rc = invariant_conservation(&w, m->nproducts, names, s->released,
                                s->finished, s->wip, err);
    /* Live lots: all but the free list (a loop in it marks a lot twice);
     * places: the queues and the tools. */
    for (int32_t i = 0; i < s->nlots_capacity; i++)
        live[i] = 1;
    for (int32_t i = s->free_lot, n = 0; i >= 0 && n <= s->nlots_capacity;
         i = s->lots[i].next, n++) {
        if (!live[i])
            place[i]++;
        live[i] = 0;
    }
    for (int32_t g = 0; g < m->ngroups && rc == 0; g++) {
        int32_t n = 0;
        for (int32_t i = s->groups[g].queue_head;
             i >= 0 && n <= s->nlots_capacity; i = s->lots[i].next, n++)
            place[i]++;
    }
    for (int32_t t = 0; t < s->ntools && rc == 0; t++)
        if (s->tools[t].lot >= 0)
            place[s->tools[t].lot]++;
    if (rc == 0)
        rc = invariant_lot_places(&w, s->nlots_capacity, live, place, err);

    int32_t most = 0;
    for (int32_t g = 0; g < m->ngroups; g++)
        most = m->groups[g].tools > most ? m->groups[g].tools : most;
    busy = malloc(((size_t)most + 1) * sizeof *busy);
    if (!busy && rc == 0)
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t g = 0, first = 0; g < m->ngroups && rc == 0; g++) {
        double group_busy = 0.0;
        for (int32_t k = 0; k < s->r->nmonths; k++)
            group_busy += s->busy_area[(size_t)k * (size_t)m->ngroups + (size_t)g];
        for (int32_t i = 0; i < m->groups[g].tools; i++) {
            const tool *t = &s->tools[first + i];
            busy[i] = t->busy_days
                      + (t->lot >= 0 ? m->horizon_days - t->busy_since : 0.0);
        }
        rc = invariant_tool_time(&w, m->groups[g].name, m->groups[g].tools,
                                 busy, m->horizon_days, group_busy, err);
        first += m->groups[g].tools;
    }
done:
    free(names);
    free(live);
    free(place);
    free(busy);
    return rc;
}

static int simulate(fab_state *s)
{
    const model *m = s->m;
    calendar *cal = s->cal;
    for (int32_t p = 0; p < m->nproducts; p++) {
        double first = m->products[p].first_release_days;
        if (first < m->horizon_days) {
            int rc = calendar_push(cal, first, EVENT_RELEASE, p, 0);
            if (rc != 0)
                return rc;
        }
    }
    calendar_event ev;
    double horizon = m->horizon_days;
#ifndef NDEBUG
    double previous = 0.0;
#endif
    while (calendar_pop(cal, &ev) && ev.time < horizon) {
#ifndef NDEBUG
        invariant_where w = {s->scenario, s->replication, ev.time};
        int bad = invariant_time_order(&w, previous, ev.time, s->err);
        if (bad)
            return bad;
        previous = ev.time;
#endif
        while (ev.time >= s->next_cut)
            close_cut(s);
        /* A stop request is honoured between events, every 4096 of them:
         * microseconds late, and nearly free in the loop. */
        if ((++s->r->events & 4095) == 0 && s->stop
            && atomic_load_explicit(s->stop, memory_order_relaxed))
            return WS_EINTERRUPTED;
        int rc = ev.kind == EVENT_RELEASE
                     ? release_lot(s, ev.subject, ev.tag, ev.time)
                     : step_done(s, ev.subject, ev.time);
        if (rc != 0)
            return rc;
    }
    while (s->cut < s->ncuts)
        close_cut(s);
    return 0;
}

int fab_run(const model *m, const fab_options *opt, uint32_t replication,
            fab_result **out, ws_error *err)
{
    fab_state s;
    *out = NULL;
    int rc = state_init(&s, m, opt, replication, err);
    if (rc == 0) {
        s.err = err;
        rc = simulate(&s);
        if (rc == WS_EINTERRUPTED)
            ws_error_set(err, rc, NULL, 0, 0,
                         "replication %u interrupted", replication);
        else if (rc == WS_ESOFTWARE && err && err->code == WS_ESOFTWARE)
            ; /* an invariant, reported already */
        else if (rc == WS_ENOMEM)
            ws_error_set(err, rc, NULL, 0, 0,
                         "out of memory in replication %u", replication);
        else if (rc != 0)
            ws_error_set(err, rc, NULL, 0, 0,
                         "event calendar rejected an event in replication %u",
                         replication);
    }
    if (rc == 0) {
        finalise(&s);
        rc = check_invariants(&s, err);
    }
    if (rc == 0) {
        *out = s.r;
        s.r = NULL;
    }
    fab_result_destroy(s.r);
    state_free(&s);
    return rc;
}
