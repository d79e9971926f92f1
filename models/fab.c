/* fab.c - one replication of the fab: lots flowing through re-entrant
 * routes over tool groups, with batching, cascading tools, setups,
 * breakdowns and preventive maintenance, rank-list dispatching, sampling,
 * rework, yield loss, same-tool dedication and time constraints.
 *
 * The whole state of a replication lives in one fab_state, built and freed
 * by fab_run; the model is only read.  Memory is allocated up front or
 * grows by doubling (lots, jobs, lot records, the calendar), so the event
 * loop does not allocate in the steady state.
 *
 * A job is what a tool processes at once: one lot, or a batch of lots of
 * the same product and step.  A tool holds up to `cascade` jobs; a
 * breakdown suspends them and the repair resumes them with the time they
 * had left (every event of a tool carries the tool's version, so events of
 * a suspended job go stale).  A tool's state at any time is the first of
 * down, PM, setup, processing, idle that applies.
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

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "capacity.h"
#include "invariants.h"
#include "../sim/calendar.h"
#include "../sim/date.h"
#include "../sim/stats.h"
#include "../sim/stream.h"

/* Stream ids: the kind of source in the upper 32 bits, its index below.
 * They are part of the results' identity: changing them changes every
 * number, so new sources get new kinds rather than renumbering.  Each
 * source of randomness has its own stream, so that turning a feature on
 * does not shift the draws of the others (common random numbers). */
#define STREAM_RELEASE (UINT64_C(1) << 32)     /* + product */
#define STREAM_PROCESS (UINT64_C(2) << 32)     /* + tool group */
#define STREAM_ORDER (UINT64_C(3) << 32)       /* + model order */
#define STREAM_DOWN (UINT64_C(4) << 32)        /* + tool */
#define STREAM_TRANSPORT (UINT64_C(5) << 32)
#define STREAM_ROUTE (UINT64_C(6) << 32)       /* + product */
#define STREAM_SETUP (UINT64_C(7) << 32)       /* + tool group */
#define STREAM_DISRUPT (UINT64_C(8) << 32)     /* + disruption */

/* Same-tool dedications and time-constraint windows a lot can hold open at
 * once; fab_run refuses a model whose routes need more. */
#define LOT_MAX_DEDICATIONS 4
#define LOT_MAX_WINDOWS 4

enum event_kind {
    EVENT_RELEASE,      /* subject: release stream; tag: release number */
    EVENT_JOB_DONE,     /* subject: job; tag: the job's stamp */
    EVENT_SETUP_DONE,   /* subject: tool; tag: tool version */
    EVENT_ENTRY_FREE,   /* subject: tool; tag: tool version */
    EVENT_DOWN_DUE,     /* subject: tool; tag: downtime of its group */
    EVENT_UP,           /* subject: tool */
    EVENT_ARRIVE,       /* subject: lot, after transport */
    EVENT_BATCH_WAIT,   /* subject: group */
    EVENT_CONWIP_START, /* subject: product */
    EVENT_HOLD_END,     /* subject: tool; tag: its hold_stamp */
    /* Disruption events, last: deferred arrivals become events first. */
    EVENT_DISRUPT,      /* subject: disruption; tag: occurrence number */
    EVENT_DISRUPT_END,  /* subject: occurrence (result event) */
    EVENT_HALT_END,     /* subject: tool; tag: occurrence */
    EVENT_DETECT        /* subject: occurrence (an excursion found) */
};

enum lot_where { LOT_FREE, LOT_QUEUE, LOT_JOB, LOT_TRANSIT, LOT_HELD };

/* The first cache line holds what dispatching and moving a lot read; the
 * lots array is aligned to cache lines (lot_new). */
#define LOT_ALIGN 64

typedef struct lot {
    _Alignas(LOT_ALIGN) const route_step *route;
                            /* &products[product].steps[step] */
    int32_t product;
    int32_t step;
    int32_t wafers;
    int32_t priority;
    int32_t next;           /* queue, job or free list */
    int32_t prev;           /* queue */
    int32_t tool;           /* tool the current step must use, -1: any */
    uint8_t where;          /* enum lot_where */
    uint8_t ndedications;
    uint8_t nwindows;
    uint8_t cqt_fail;       /* enum cqt_action + 1 when a window of this
                               step was violated, 0 otherwise */
    int32_t hit;            /* disruption occurrence + 1 that dooms the lot
                               once it is found; 0: none */
    int32_t cqt_fail_from;  /* the violated window's first step */
    double arrival_day;     /* at the current queue */
    double due_day;         /* INFINITY when none */
    double release_day;
    int64_t record;         /* index into result->lots, -1 if not kept */
    int32_t dedication_step[LOT_MAX_DEDICATIONS];
    int32_t dedication_tool[LOT_MAX_DEDICATIONS];
    int32_t window[LOT_MAX_WINDOWS];        /* constraint */
    double window_deadline[LOT_MAX_WINDOWS];
} lot;

typedef struct job {
    int32_t tool;
    int32_t lots;           /* first lot, linked by lot.next */
    int32_t nlots;
    int32_t wafers;
    int32_t next;           /* the tool's next job, or the free list */
    double end;             /* while running */
    double setup_end;
    double left;            /* while suspended */
    double setup_left;
    int64_t stamp;          /* of its pending EVENT_JOB_DONE; stale ones
                               carry another */
} job;

typedef struct down_state {
    int pending;            /* due, waiting for the tool */
    double wafers;          /* processed since the last PM (PM_WAFERS) */
    double interval_wafers; /* PM_WAFERS: the model's, copied here so that
                               a job's end reads one line; else NaN */
} down_state;

/* A tool fills two cache lines, the first what deciding whether it can
 * start reads; the tools array is aligned to them (tools_init). */
#define TOOL_ALIGN 64

typedef struct tool {
    _Alignas(TOOL_ALIGN) int32_t group;
    int32_t avail_pos;      /* position in the group's avail list, or -1 */
    int32_t jobs;           /* jobs in process, linked by job.next */
    int32_t njobs;
    int32_t setup;          /* current setup, -1 for none */
    int32_t min_run_left;   /* lots to run before the setup may change */
    int32_t down;           /* downtime in progress, -1 when up */
    int32_t down_first;     /* its downtimes: s->downs[down_first + d] */
    int32_t pm_pending;     /* PMs due and waiting for the jobs to end */
    int32_t halted;         /* disruptions holding the tool stopped */
    uint8_t in_setup;
    uint8_t holding;        /* owes a minimum run: takes no lot that needs
                               a setup change (model setup_min_run_wait) */
    uint8_t entry_blocked;  /* cascade: the next job may not start yet */
    uint8_t suspended;      /* jobs suspended by a breakdown */
    uint8_t state;          /* enum tool_state */
    int32_t max_jobs;       /* its group's cascade, at least 1 */
    int64_t version;
    int64_t hold_stamp;     /* of the pending EVENT_HOLD_END */
    double state_since;
    double state_days[TOOL_STATE_COUNT];    /* time in each state */
    double entry_free_at;
    double entry_left;
    int32_t entry_job;      /* the job whose end unblocks entry, or -1 when
                               entry_free_at does */
} tool;

/* A lot on its way to a group whose arrival is deferred. */
typedef struct inbound_lot {
    double time;
    uint64_t seq;           /* the calendar sequence reserved for it */
    int32_t lot;
} inbound_lot;

typedef struct group_state {
    int32_t queue_head;     /* waiting lots in arrival order, linked by
                               lot.next / lot.prev */
    int32_t queue_tail;
    int32_t queue_length;
    int32_t *avail;         /* tools able to start a job, a stack: the
                               last one is offered work first */
    int32_t navail;
    int32_t state_count[TOOL_STATE_COUNT];
    time_integral state_time[TOOL_STATE_COUNT];
    int simple;             /* FIFO, one job per tool, no setups or
                               dedication: the head of the queue goes */
    /* The queue is kept sorted by the first `nstatic` keys of the rank
     * list (those whose order does not change while lots wait), ties in
     * arrival order; selection then only scans the first class.  After
     * the static keys come only FIFO keys (rest_fifo), or a setup key
     * and then only FIFO keys (rest_setup_fifo). */
    int32_t nstatic;
    int rest_fifo;
    int rest_setup_fifo;
    int32_t first_tool;
    int batching;               /* the model group's, for the hot path */
    int32_t pm_wafers_from;     /* [from, to): the group's downtimes that
                                   hold every wafer-count PM, so a job's
                                   end reads no other */
    int32_t pm_wafers_to;
    /* Deferred arrivals, [inbound_first, ninbound) of inbound, by their
     * (time, calendar sequence); kept here, not in the lots, so that
     * ordering them reads no lot. */
    inbound_lot *inbound;
    int32_t inbound_first;
    int32_t ninbound;
    int32_t inbound_capacity;
    double batch_wait_at;   /* pending EVENT_BATCH_WAIT, INFINITY: none */
    int all_fit;            /* every lot fits every tool (no setups or
                               dedications on the group) */
    int batch_none_ready;   /* all_fit, and no batch was ready at the last
                               look; cleared when a lot arrives or a
                               batch wait ends */
    gsl_rng *rng;           /* processing times */
    gsl_rng *setup_rng;
} group_state;

typedef struct release_stream {
    int32_t product;
    int32_t wafers;
    int32_t priority;
    enum release_kind kind;
    double interval_days;
    const dist *interarrival;
    double first_days;
    int64_t count;
    double due_offset_days;
    gsl_rng *rng;
} release_stream;

/* Per product, precomputed from the route. */
typedef struct product_plan {
    double rpt;                 /* raw process time */
    double *rpt_upto;           /* [step]: mean time of steps 0..step */
    int32_t *window_first;      /* [step .. step + 1): constraints that
                                   open after the step, in window_list */
    int32_t *window_list;
    int32_t *dedication_first;  /* [step .. step + 1): later steps that
                                   must use the step's tool */
    int32_t *dedication_list;
    gsl_rng *rng;               /* sampling, rework and yield draws */
} product_plan;

typedef struct fab_state fab_state;

struct fab_state {
    const model *m;
    fab_result *r;
    int record_lots;
    calendar *cal;
    double now;                 /* the event being handled: its time */
    uint64_t now_seq;           /* and its calendar sequence */
    int defer_arrivals;
    uint32_t scenario;
    uint32_t replication;
    const atomic_int *stop;
    ws_error *err;
    release_stream *streams;    /* [product] then [P + model order] */
    int32_t nstreams;
    product_plan *plans;
    group_state *groups;
    tool *tools;
    gsl_rng **tool_rng;         /* [tool]: downtime draws; NULL without
                                   downtimes */
    int32_t ntools;
    down_state *downs;
    job *jobs;
    int32_t njobs_capacity;
    int32_t free_job;
    int64_t stamp;              /* last job stamp handed out */
    lot *lots;
    int32_t nlots_capacity;
    int32_t free_lot;
    size_t records_capacity;
    gsl_rng *transport_rng;
    /* Scratch for batch forming: [queue length]. */
    int32_t *scratch;
    int32_t scratch_capacity;
    struct batch_key *batch_keys;   /* [2 x scratch_capacity] */
    /* CONWIP. */
    int32_t *lots_in_fab;       /* [product] */
    int32_t total_lots;
    unsigned char *conwip_open; /* [product]: its first release passed */
    int32_t conwip_next;
    int any_conwip;
    int conwip_filling;
    /* Cuts: month boundaries and the end of warm-up, ascending. */
    double *cut_time;
    int32_t *cut_month;
    unsigned char *cut_steady;
    unsigned char *cut_month_end;
    int32_t ncuts;
    int32_t cut;
    double next_cut;
    int32_t month;
    /* Per product. */
    double *wip;
    double *released;           /* initial WIP included */
    double *finished;
    double *scrapped;
    time_integral *wip_time;
    double *ss_wafers_out;
    double *ss_ct_sum;
    double *ss_ct_count;
    double *ss_wip_area;
    double *ss_scrapped;
    double *ss_on_time;
    double *ss_due_count;
    double *ss_hot_sum;
    double *ss_hot_count;
    /* [month * P + product] */
    double *ct_sum;
    double *ct_count;
    double *wip_area;
    double *on_time;
    double *due_count;
    double *hot_sum;
    double *hot_count;
    /* [(month * G + group) * TOOL_STATE_COUNT + state], [group * ...] */
    double *state_area;
    double *ss_state_area;
    double *month_days;
    /* Disruptions. */
    gsl_rng **disrupt_rng;      /* [disruption] */
    int32_t *disrupt_active;    /* [disruption]: occurrences whose window
                                   is open */
    int32_t *disrupt_event;     /* [disruption]: the latest occurrence */
    int32_t release_cuts;       /* open windows that cut releases */
    double *release_credit;     /* [stream]: thinning of cut releases */
    int32_t *step_base;         /* [product]: offset of its steps below */
    int32_t *step_blocked;      /* shortages blocking the step */
    int32_t *step_hit;          /* excursion occurrence + 1 open on the
                                   step; 0: none */
    int32_t held_head;          /* lots held at blocked steps, by next */
    unsigned char *event_found; /* [occurrence]: its doomed lots go */
    size_t events_capacity;
    /* Weekly indicators. */
    int32_t week;
    double next_week;
    int32_t *group_area;        /* [group] */
    double *rpt_area;           /* [product * areas + area], days per lot */
    double bottleneck_capacity; /* tool-days of work per day */
    double *max_rate;           /* [product]: wafers a day the fab can put
                                   out at the plan's mix; NaN: no limit */
    double *projected;          /* [product], scratch of week_close */
    double last_queue_days;
};

/* Calendar lanes by event kind (see calendar_push_lane): transport
 * arrivals and the short waits of cascades and setups are most of the
 * events and live minutes; job ends live minutes to hours (the long ones
 * in lane 3, see schedule_job_end); breakdowns, maintenance, releases and
 * disruptions are few and due far ahead.  Apart, the busy heaps stay
 * shallow. */
static const int8_t event_lane[] = {
    [EVENT_RELEASE] = 0,      [EVENT_JOB_DONE] = 2,
    [EVENT_SETUP_DONE] = 1,   [EVENT_ENTRY_FREE] = 1,
    [EVENT_DOWN_DUE] = 0,     [EVENT_UP] = 0,
    [EVENT_ARRIVE] = 1,       [EVENT_BATCH_WAIT] = 1,
    [EVENT_CONWIP_START] = 0, [EVENT_HOLD_END] = 0,
    [EVENT_DISRUPT] = 0,
    [EVENT_DISRUPT_END] = 0,  [EVENT_HALT_END] = 0,
    [EVENT_DETECT] = 0,
};

static int schedule(fab_state *s, double time, enum event_kind kind,
                    int32_t subject, int64_t tag)
{
    return calendar_push_lane(s->cal, event_lane[kind], time, (int32_t)kind,
                              subject, tag);
}

/* Job ends due beyond this are few to pop but many to hold (furnace
 * batches, long PM-like steps): they get a lane of their own, so the
 * frequent short jobs' heap stays shallow. */
#define LONG_JOB_DAYS (1.0 / 24.0)
#define LANE_LONG_JOBS 3

static int schedule_job_end(fab_state *s, const job *j, int32_t jid,
                            double now)
{
    int lane = j->end - now > LONG_JOB_DAYS ? LANE_LONG_JOBS
                                            : event_lane[EVENT_JOB_DONE];
    return calendar_push_lane(s->cal, lane, j->end, EVENT_JOB_DONE, jid,
                              j->stamp);
}

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
    double **arrays[] = {
        &r->wafers_out, &r->wafer_starts, &r->wip_wafers, &r->wip_wafers_mean,
        &r->cycle_time_days, &r->wafers_scrapped, &r->on_time_share,
        &r->x_factor, &r->hot_cycle_time_days, &r->utilisation,
        &r->tool_state_share, &r->throughput_wafers_per_day,
        &r->mean_cycle_time_days, &r->mean_wip_wafers, &r->mean_utilisation,
        &r->mean_wafers_scrapped_per_day, &r->mean_on_time_share,
        &r->mean_x_factor, &r->mean_hot_cycle_time_days,
        &r->mean_tool_state_share, &r->cqt_checks, &r->cqt_violations,
        &r->weekly_wafers_out, &r->weekly_wafer_starts, &r->ew_wip_wafers,
        &r->ew_wip_plan_wafers, &r->ew_wip_vs_plan,
        &r->ew_bottleneck_queue_wafers, &r->ew_bottleneck_queue_days,
        &r->ew_bottleneck_queue_growth_days, &r->ew_projected_output_wafers,
        &r->ew_projected_shortfall, &r->disruption_occurrences,
        &r->disruption_first_start_days, &r->disruption_last_end_days,
        &r->disruption_lots_scrapped, &r->disruption_wafers_scrapped,
        &r->disruption_wafers_not_started,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        free(*arrays[i]);
    free(r->disruption_events);
    free(r->lots);
    free(r);
}

static fab_result *result_create(const model *m, int32_t nmonths)
{
    fab_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    size_t P = (size_t)m->nproducts, G = (size_t)m->ngroups;
    size_t mp = (size_t)nmonths * P, mg = (size_t)nmonths * G;
    size_t K = TOOL_STATE_COUNT, C = (size_t)m->nconstraints;
    r->nmonths = nmonths;
    r->nproducts = m->nproducts;
    r->ngroups = m->ngroups;
    r->nconstraints = m->nconstraints;
    r->nweeks = (int32_t)floor(m->horizon_days / 7.0);
    r->nareas = model_area_count(m);
    size_t W = (size_t)r->nweeks, WA = W * (size_t)r->nareas;
    size_t D = (size_t)m->ndisruptions;
    r->ndisruptions = m->ndisruptions;
    struct { double **array; size_t n; } arrays[] = {
        {&r->wafers_out, mp}, {&r->wafer_starts, mp}, {&r->wip_wafers, mp},
        {&r->wip_wafers_mean, mp}, {&r->cycle_time_days, mp},
        {&r->wafers_scrapped, mp}, {&r->on_time_share, mp},
        {&r->x_factor, mp}, {&r->hot_cycle_time_days, mp},
        {&r->utilisation, mg}, {&r->tool_state_share, mg * K},
        {&r->throughput_wafers_per_day, P}, {&r->mean_cycle_time_days, P},
        {&r->mean_wip_wafers, P}, {&r->mean_utilisation, G},
        {&r->mean_wafers_scrapped_per_day, P}, {&r->mean_on_time_share, P},
        {&r->mean_x_factor, P}, {&r->mean_hot_cycle_time_days, P},
        {&r->mean_tool_state_share, G * K}, {&r->cqt_checks, C},
        {&r->cqt_violations, C}, {&r->weekly_wafers_out, W},
        {&r->weekly_wafer_starts, W}, {&r->ew_wip_wafers, WA},
        {&r->ew_wip_plan_wafers, WA}, {&r->ew_wip_vs_plan, WA},
        {&r->ew_bottleneck_queue_wafers, W},
        {&r->ew_bottleneck_queue_days, W},
        {&r->ew_bottleneck_queue_growth_days, W},
        {&r->ew_projected_output_wafers, W}, {&r->ew_projected_shortfall, W},
        {&r->disruption_occurrences, D}, {&r->disruption_first_start_days, D},
        {&r->disruption_last_end_days, D}, {&r->disruption_lots_scrapped, D},
        {&r->disruption_wafers_scrapped, D},
        {&r->disruption_wafers_not_started, D},
    };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) {
        /* One element at least, so that an empty array is not NULL. */
        *arrays[i].array = calloc(arrays[i].n ? arrays[i].n : 1,
                                  sizeof(double));
        if (!*arrays[i].array) {
            fab_result_destroy(r);
            return NULL;
        }
    }
    return r;
}

static void state_free(fab_state *s)
{
    const model *m = s->m;
    if (s->streams)
        for (int32_t i = 0; i < s->nstreams; i++)
            if (s->streams[i].rng)
                gsl_rng_free(s->streams[i].rng);
    free(s->streams);
    if (s->plans)
        for (int32_t p = 0; p < m->nproducts; p++) {
            product_plan *pl = &s->plans[p];
            free(pl->rpt_upto);
            free(pl->window_first);
            free(pl->window_list);
            free(pl->dedication_first);
            free(pl->dedication_list);
            if (pl->rng)
                gsl_rng_free(pl->rng);
        }
    free(s->plans);
    if (s->groups)
        for (int32_t g = 0; g < m->ngroups; g++) {
            free(s->groups[g].avail);
            free(s->groups[g].inbound);
            if (s->groups[g].rng)
                gsl_rng_free(s->groups[g].rng);
            if (s->groups[g].setup_rng)
                gsl_rng_free(s->groups[g].setup_rng);
        }
    free(s->groups);
    if (s->tool_rng)
        for (int32_t t = 0; t < s->ntools; t++)
            if (s->tool_rng[t])
                gsl_rng_free(s->tool_rng[t]);
    free(s->tool_rng);
    free(s->tools);
    free(s->downs);
    free(s->jobs);
    free(s->lots);
    if (s->transport_rng)
        gsl_rng_free(s->transport_rng);
    free(s->scratch);
    free(s->batch_keys);
    free(s->lots_in_fab);
    free(s->conwip_open);
    free(s->cut_time);
    free(s->cut_month);
    free(s->cut_steady);
    free(s->cut_month_end);
    double *arrays[] = {
        s->wip, s->released, s->finished, s->scrapped, s->ss_wafers_out,
        s->ss_ct_sum, s->ss_ct_count, s->ss_wip_area, s->ss_scrapped,
        s->ss_on_time, s->ss_due_count, s->ss_hot_sum, s->ss_hot_count,
        s->ct_sum, s->ct_count, s->wip_area, s->on_time, s->due_count,
        s->hot_sum, s->hot_count, s->state_area, s->ss_state_area,
        s->month_days,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        free(arrays[i]);
    free(s->wip_time);
    if (s->disrupt_rng)
        for (int32_t d = 0; d < m->ndisruptions; d++)
            if (s->disrupt_rng[d])
                gsl_rng_free(s->disrupt_rng[d]);
    free(s->disrupt_rng);
    free(s->disrupt_active);
    free(s->disrupt_event);
    free(s->release_credit);
    free(s->step_base);
    free(s->step_blocked);
    free(s->step_hit);
    free(s->event_found);
    free(s->group_area);
    free(s->rpt_area);
    free(s->max_rate);
    free(s->projected);
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

/* Precomputes the route tables of product p; WS_EDATA when its windows or
 * dedications overlap more than a lot can hold. */
static int plan_init(fab_state *s, int32_t p, const fab_options *opt,
                     uint32_t replication, ws_error *err)
{
    const model *m = s->m;
    const product *pr = &m->products[p];
    product_plan *pl = &s->plans[p];
    size_t n = (size_t)pr->nsteps;
    pl->rpt_upto = malloc((n + 1) * sizeof *pl->rpt_upto);
    pl->window_first = calloc(n + 2, sizeof *pl->window_first);
    pl->dedication_first = calloc(n + 2, sizeof *pl->dedication_first);
    int32_t *open = calloc(n + 1, sizeof *open);
    int rc = 0;
    if (!pl->rpt_upto || !pl->window_first || !pl->dedication_first || !open) {
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    double sum = 0.0;
    for (size_t k = 0; k < n; k++) {
        sum += pr->steps[k].sample_prob
               * route_step_mean_time(m, &pr->steps[k], pr->lot_size);
        pl->rpt_upto[k] = sum;
    }
    pl->rpt = sum;
    /* Counting sort of the windows by first step, then of dedications. */
    int32_t nwin = 0, nded = 0;
    for (int32_t c = 0; c < m->nconstraints; c++)
        if (m->constraints[c].product == p) {
            pl->window_first[m->constraints[c].from_step + 1]++;
            nwin++;
            for (int32_t k = m->constraints[c].from_step;
                 k < m->constraints[c].to_step; k++)
                open[k]++;
        }
    for (size_t k = 0; k < n; k++)
        if (open[k] > LOT_MAX_WINDOWS) {
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "product '%s': %d time constraints are open "
                              "at step %zu; at most %d may overlap",
                              pr->name, (int)open[k], k + 1, LOT_MAX_WINDOWS);
            goto done;
        }
    memset(open, 0, (n + 1) * sizeof *open);
    for (size_t k = 0; k < n; k++) {
        int32_t from = pr->steps[k].same_tool_as;
        if (from >= 0) {
            pl->dedication_first[from + 1]++;
            nded++;
            for (int32_t j = from; j < (int32_t)k; j++)
                open[j]++;
        }
    }
    for (size_t k = 0; k < n; k++)
        if (open[k] > LOT_MAX_DEDICATIONS) {
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "product '%s': %d same-tool dedications are "
                              "open at step %zu; at most %d may overlap",
                              pr->name, (int)open[k], k + 1,
                              LOT_MAX_DEDICATIONS);
            goto done;
        }
    for (size_t k = 0; k < n; k++) {
        pl->window_first[k + 1] += pl->window_first[k];
        pl->dedication_first[k + 1] += pl->dedication_first[k];
    }
    pl->window_list = malloc(((size_t)nwin + 1) * sizeof *pl->window_list);
    pl->dedication_list = malloc(((size_t)nded + 1)
                                 * sizeof *pl->dedication_list);
    if (!pl->window_list || !pl->dedication_list) {
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    memset(open, 0, (n + 1) * sizeof *open);
    for (int32_t c = 0; c < m->nconstraints; c++)
        if (m->constraints[c].product == p) {
            int32_t k = m->constraints[c].from_step;
            pl->window_list[pl->window_first[k] + open[k]++] = c;
        }
    memset(open, 0, (n + 1) * sizeof *open);
    for (size_t k = 0; k < n; k++) {
        int32_t from = pr->steps[k].same_tool_as;
        if (from >= 0)
            pl->dedication_list[pl->dedication_first[from] + open[from]++] =
                (int32_t)k;
    }
    pl->rng = stream_create(m->seed, opt->stream_scenario, replication,
                            STREAM_ROUTE + (uint64_t)p);
    if (!pl->rng)
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
done:
    free(open);
    return rc;
}

/* The release streams: each product's own release, then the model's
 * orders. */
static int streams_init(fab_state *s, const fab_options *opt,
                        uint32_t replication, ws_error *err)
{
    const model *m = s->m;
    s->nstreams = m->nproducts + m->norders;
    s->streams = calloc((size_t)s->nstreams + 1, sizeof *s->streams);
    if (!s->streams)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t i = 0; i < s->nstreams; i++) {
        release_stream *st = &s->streams[i];
        uint64_t id;
        if (i < m->nproducts) {
            const product *pr = &m->products[i];
            st->product = i;
            st->wafers = pr->lot_size;
            st->priority = pr->priority;
            st->kind = pr->release;
            st->interval_days = pr->release_interval_days;
            st->interarrival = &pr->interarrival;
            st->first_days = pr->first_release_days;
            st->count = -1;
            st->due_offset_days = pr->due_offset_days;
            id = STREAM_RELEASE + (uint64_t)i;
        } else {
            const release_order *o = &m->orders[i - m->nproducts];
            st->product = o->product;
            st->wafers = o->wafers;
            st->priority = o->priority;
            st->kind = o->kind;
            st->interval_days = o->interval_days;
            st->interarrival = &o->interarrival;
            st->first_days = o->first_days;
            st->count = o->count;
            st->due_offset_days = o->due_offset_days;
            id = STREAM_ORDER + (uint64_t)(i - m->nproducts);
        }
        if (st->kind == RELEASE_RANDOM) {
            st->rng = stream_create(m->seed, opt->stream_scenario,
                                    replication, id);
            if (!st->rng)
                return ws_error_set(err, WS_ENOMEM, NULL, 0, 0,
                                    "out of memory");
        }
    }
    return 0;
}

/* A group is simple when its first waiting lot is always the one to go. */
static int group_is_simple(const model *m, int32_t g)
{
    const tool_group *tg = &m->groups[g];
    if (tg->batching || tg->cascade > 1)
        return 0;
    for (int32_t k = 0; k < tg->nrank; k++)
        if (tg->rank[k] != RANK_FIFO)
            return 0;
    for (int32_t p = 0; p < m->nproducts; p++)
        for (int32_t k = 0; k < m->products[p].nsteps; k++) {
            const route_step *st = &m->products[p].steps[k];
            if (st->tool_group == g && (st->setup >= 0 || st->same_tool_as >= 0))
                return 0;
        }
    return 1;
}

/* Which keys of the group's rank list keep their order while lots wait,
 * and what follows them (see group_state). */
static void rank_plan(const tool_group *tg, group_state *gs)
{
    int32_t k = 0;
    while (k < tg->nrank && tg->rank[k] != RANK_SETUP && tg->rank[k] != RANK_CR)
        k++;
    gs->nstatic = k;
    int32_t j = k;
    int setup = j < tg->nrank && tg->rank[j] == RANK_SETUP;
    if (setup)
        j++;
    while (j < tg->nrank && tg->rank[j] == RANK_FIFO)
        j++;
    gs->rest_fifo = !setup && j == tg->nrank;
    gs->rest_setup_fifo = setup && j == tg->nrank;
}

/* No step on the group has a setup or a same-tool dedication. */
static int group_all_fit(const model *m, int32_t g)
{
    for (int32_t p = 0; p < m->nproducts; p++)
        for (int32_t k = 0; k < m->products[p].nsteps; k++) {
            const route_step *st = &m->products[p].steps[k];
            if (st->tool_group == g && (st->setup >= 0 || st->same_tool_as >= 0))
                return 0;
        }
    return 1;
}

static int tools_init(fab_state *s, const fab_options *opt,
                      uint32_t replication, ws_error *err)
{
    const model *m = s->m;
    int32_t ntools = 0, ndowns = 0;
    for (int32_t g = 0; g < m->ngroups; g++) {
        ntools += m->groups[g].tools;
        ndowns += m->groups[g].tools * m->groups[g].ndowntimes;
    }
    s->ntools = ntools;
    size_t bytes = ((size_t)ntools + 1) * sizeof *s->tools;
    s->tools = aligned_alloc(TOOL_ALIGN, bytes);
    if (s->tools)
        memset(s->tools, 0, bytes);
    s->tool_rng = calloc((size_t)ntools + 1, sizeof *s->tool_rng);
    s->downs = calloc((size_t)ndowns + 1, sizeof *s->downs);
    if (!s->tools || !s->tool_rng || !s->downs)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    int32_t t = 0, d = 0;
    for (int32_t g = 0; g < m->ngroups; g++) {
        const tool_group *tg = &m->groups[g];
        group_state *gs = &s->groups[g];
        int32_t n = tg->tools;
        gs->queue_head = gs->queue_tail = -1;
        gs->first_tool = t;
        gs->batch_wait_at = INFINITY;
        gs->simple = group_is_simple(m, g);
        gs->all_fit = group_all_fit(m, g);
        gs->batching = tg->batching;
        for (int32_t k = tg->ndowntimes - 1; k >= 0; k--)
            if (tg->downtimes[k].kind == DOWN_PM_WAFERS) {
                if (gs->pm_wafers_to == 0)
                    gs->pm_wafers_to = k + 1;
                gs->pm_wafers_from = k;
            }
        rank_plan(tg, gs);
        gs->avail = malloc((size_t)n * sizeof *gs->avail);
        gs->rng = stream_create(m->seed, opt->stream_scenario, replication,
                                STREAM_PROCESS + (uint64_t)g);
        gs->setup_rng = stream_create(m->seed, opt->stream_scenario,
                                      replication, STREAM_SETUP + (uint64_t)g);
        if (!gs->avail || !gs->rng || !gs->setup_rng)
            return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        for (int32_t k = 0; k < TOOL_STATE_COUNT; k++)
            time_integral_init(&gs->state_time[k], 0.0, 0.0);
        gs->state_count[TOOL_IDLE] = n;
        time_integral_set(&gs->state_time[TOOL_IDLE], 0.0, n);
        for (int32_t i = 0; i < n; i++) {
            tool *tl = &s->tools[t + i];
            tl->group = g;
            tl->jobs = -1;
            tl->setup = -1;
            tl->down = -1;
            tl->entry_job = -1;
            tl->down_first = d;
            tl->state = TOOL_IDLE;
            tl->max_jobs = tg->cascade > 1 ? tg->cascade : 1;
            for (int32_t k = 0; k < tg->ndowntimes; k++) {
                const tool_downtime *dt = &tg->downtimes[k];
                down_state *ds = &s->downs[d + k];
                if (dt->kind != DOWN_PM_WAFERS) {
                    ds->interval_wafers = NAN;
                    continue;
                }
                /* The count starts where the first PM falls after
                 * first_wafers: the PM is due at interval_wafers. */
                double first = dt->first_wafers > 0.0 ? dt->first_wafers
                                                      : dt->interval_wafers;
                if (dt->stagger)
                    first *= (double)(i + 1) / n;
                ds->interval_wafers = dt->interval_wafers;
                ds->wafers = dt->interval_wafers - first;
            }
            d += tg->ndowntimes;
            if (tg->ndowntimes > 0) {
                s->tool_rng[t + i] = stream_create(
                    m->seed, opt->stream_scenario, replication,
                    STREAM_DOWN + (uint64_t)(t + i));
                if (!s->tool_rng[t + i])
                    return ws_error_set(err, WS_ENOMEM, NULL, 0, 0,
                                        "out of memory");
            }
        }
        /* Stacked so that the lowest-numbered tool is offered work first. */
        for (int32_t i = n - 1; i >= 0; i--) {
            s->tools[t + i].avail_pos = gs->navail;
            gs->avail[gs->navail++] = t + i;
        }
        t += n;
    }
    return 0;
}

/* Disruption state: a stream per disruption (so a disruption draws
 * nothing from the others' streams, and the run before its first
 * occurrence is the baseline's, draw for draw), and step tables when a
 * disruption names steps. */
static int disrupt_init(fab_state *s, const fab_options *opt,
                        uint32_t replication, ws_error *err)
{
    const model *m = s->m;
    int32_t D = m->ndisruptions, steps = 0, any_steps = 0;
    s->held_head = -1;
    if (D == 0)
        return 0;
    s->disrupt_rng = calloc((size_t)D, sizeof *s->disrupt_rng);
    s->disrupt_active = calloc((size_t)D, sizeof *s->disrupt_active);
    s->disrupt_event = calloc((size_t)D, sizeof *s->disrupt_event);
    s->release_credit = calloc((size_t)s->nstreams + 1,
                               sizeof *s->release_credit);
    s->step_base = calloc((size_t)m->nproducts + 1, sizeof *s->step_base);
    if (!s->disrupt_rng || !s->disrupt_active || !s->disrupt_event
        || !s->release_credit || !s->step_base)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t d = 0; d < D; d++) {
        s->disrupt_rng[d] = stream_create(m->seed, opt->stream_scenario,
                                          replication,
                                          STREAM_DISRUPT + (uint64_t)d);
        if (!s->disrupt_rng[d])
            return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        any_steps |= m->disruptions[d].nsteps > 0;
    }
    if (!any_steps)
        return 0;
    for (int32_t p = 0; p < m->nproducts; p++) {
        s->step_base[p] = steps;
        steps += m->products[p].nsteps;
    }
    s->step_blocked = calloc((size_t)steps + 1, sizeof *s->step_blocked);
    s->step_hit = calloc((size_t)steps + 1, sizeof *s->step_hit);
    if (!s->step_blocked || !s->step_hit)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

/* Mean tool time a queued lot will take: a batch's time is shared by the
 * lots that fill it. */
static double lot_work_days(const fab_state *s, const lot *l)
{
    const product *pr = &s->m->products[l->product];
    const route_step *st = &pr->steps[l->step];
    const tool_group *tg = &s->m->groups[st->tool_group];
    double work = route_step_mean_time(s->m, st, l->wafers) + tg->load_days
                  + tg->unload_days;
    if (tg->batching && st->batch_max > 0) {
        double lots = tg->batch_unit == BATCH_LOTS
                          ? st->batch_max
                          : (double)st->batch_max / (l->wafers > 0 ? l->wafers
                                                                   : 1);
        if (lots > 1.0)
            work /= lots;
    }
    return work;
}

/* The indicators' fixed parts: areas, raw process time per area, and the
 * bottleneck (the model's, or the capacity analysis's) with its tool-days
 * per day after breakdowns and calendar PM. */
static int warning_init(fab_state *s, ws_error *err)
{
    const model *m = s->m;
    int32_t A = s->r->nareas, G = m->ngroups, P = m->nproducts;
    s->next_week = s->r->nweeks > 0 ? 7.0 : INFINITY;
    s->group_area = calloc((size_t)G + 1, sizeof *s->group_area);
    s->rpt_area = calloc((size_t)P * (size_t)A + 1, sizeof *s->rpt_area);
    s->max_rate = malloc(((size_t)P + 1) * sizeof *s->max_rate);
    s->projected = malloc(((size_t)P + 1) * sizeof *s->projected);
    if (!s->group_area || !s->rpt_area || !s->max_rate || !s->projected)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t g = 0; g < G; g++)
        s->group_area[g] = model_group_area(m, g);
    for (int32_t p = 0; p < P; p++) {
        const product *pr = &m->products[p];
        for (int32_t k = 0; k < pr->nsteps; k++) {
            const route_step *st = &pr->steps[k];
            s->rpt_area[(size_t)p * (size_t)A
                        + (size_t)s->group_area[st->tool_group]] +=
                st->sample_prob * route_step_mean_time(m, st, pr->lot_size);
        }
    }
    capacity_report *cap = NULL;
    int32_t b = m->warning.bottleneck;
    for (int32_t p = 0; p < P; p++)
        s->max_rate[p] = NAN;
    if (capacity_analyse(m, CAPACITY_DEFAULT_TARGET, &cap, NULL) == 0) {
        /* WIP piled up near the end of its route still leaves at the
         * bottleneck's pace, not all within the horizon. */
        for (int32_t p = 0; p < P; p++)
            s->max_rate[p] = cap->max_wafers_per_month[p]
                             / CAPACITY_DAYS_PER_MONTH;
        if (b < 0)
            b = cap->bottleneck;
        if (b >= 0)
            s->bottleneck_capacity = cap->tools[b] * cap->availability[b];
    }
    capacity_report_destroy(cap);
    s->r->bottleneck = b;
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
    s->free_lot = -1;
    s->free_job = -1;
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

    size_t mp = (size_t)nmonths * P, K = TOOL_STATE_COUNT;
    struct { double **array; size_t n; } arrays[] = {
        {&s->wip, P}, {&s->released, P}, {&s->finished, P},
        {&s->scrapped, P}, {&s->ss_wafers_out, P}, {&s->ss_ct_sum, P},
        {&s->ss_ct_count, P}, {&s->ss_wip_area, P}, {&s->ss_scrapped, P},
        {&s->ss_on_time, P}, {&s->ss_due_count, P}, {&s->ss_hot_sum, P},
        {&s->ss_hot_count, P}, {&s->ct_sum, mp}, {&s->ct_count, mp},
        {&s->wip_area, mp}, {&s->on_time, mp}, {&s->due_count, mp},
        {&s->hot_sum, mp}, {&s->hot_count, mp},
        {&s->state_area, (size_t)nmonths * G * K}, {&s->ss_state_area, G * K},
    };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) {
        *arrays[i].array = calloc(arrays[i].n + 1, sizeof(double));
        if (!*arrays[i].array)
            rc = -1;
    }
    s->wip_time = calloc(P + 1, sizeof *s->wip_time);
    s->lots_in_fab = calloc(P + 1, sizeof *s->lots_in_fab);
    s->conwip_open = calloc(P + 1, 1);
    s->plans = calloc(P + 1, sizeof *s->plans);
    s->groups = calloc(G + 1, sizeof *s->groups);
    if (rc != 0 || !s->month_days || !s->wip_time || !s->lots_in_fab
        || !s->conwip_open || !s->plans || !s->groups)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t p = 0; p < P; p++) {
        time_integral_init(&s->wip_time[p], 0.0, 0.0);
        if (m->products[p].release == RELEASE_CONWIP)
            s->any_conwip = 1;
    }
    for (int32_t p = 0; p < m->nproducts; p++)
        if ((rc = plan_init(s, p, opt, replication, err)) != 0)
            return rc;
    if ((rc = streams_init(s, opt, replication, err)) != 0)
        return rc;
    if ((rc = tools_init(s, opt, replication, err)) != 0)
        return rc;
    s->defer_arrivals = !opt->eager_arrivals;
    if (m->has_transport) {
        s->transport_rng = stream_create(m->seed, opt->stream_scenario,
                                         replication, STREAM_TRANSPORT);
        if (!s->transport_rng)
            return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if ((rc = disrupt_init(s, opt, replication, err)) != 0)
        return rc;
    if ((rc = warning_init(s, err)) != 0)
        return rc;
    s->cal = calendar_create((size_t)s->ntools * 2 + (size_t)s->nstreams
                             + (size_t)m->ninitial + 64);
    if (!s->cal)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
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
    for (int32_t g = 0; g < G; g++)
        for (int32_t st = 0; st < TOOL_STATE_COUNT; st++) {
            double a = time_integral_take(&s->groups[g].state_time[st], t);
            s->state_area[((size_t)k * (size_t)G + (size_t)g)
                          * TOOL_STATE_COUNT + (size_t)st] += a;
            if (steady)
                s->ss_state_area[(size_t)g * TOOL_STATE_COUNT + (size_t)st]
                    += a;
        }
    s->cut++;
    if (s->cut < s->ncuts) {
        s->next_cut = s->cut_time[s->cut];
        s->month = s->cut_month[s->cut];
    } else {
        s->next_cut = INFINITY;
    }
}

/* Moves the tool's time accounting to the state its flags now say. */
static void tool_update_state(fab_state *s, tool *t, double now)
{
    enum tool_state next;
    if (t->halted > 0)
        next = TOOL_DOWN;
    else if (t->down >= 0)
        next = s->m->groups[t->group].downtimes[t->down].kind == DOWN_BREAKDOWN
                   ? TOOL_DOWN : TOOL_PM;
    else if (t->in_setup)
        next = TOOL_SETUP;
    else if (t->njobs > 0)
        next = TOOL_PROCESSING;
    else
        next = TOOL_IDLE;
    if (next == t->state)
        return;
    group_state *g = &s->groups[t->group];
    t->state_days[t->state] += now - t->state_since;
    t->state_since = now;
    g->state_count[t->state]--;
    time_integral_set(&g->state_time[t->state], now, g->state_count[t->state]);
    g->state_count[next]++;
    time_integral_set(&g->state_time[next], now, g->state_count[next]);
    t->state = (uint8_t)next;
}

static int tool_can_start(const tool *t)
{
    return t->down < 0 && t->halted == 0 && t->pm_pending == 0
           && !t->entry_blocked && t->njobs < t->max_jobs;
}

/* Puts the tool on its group's avail stack, or takes it off, as
 * tool_can_start says; the stack keeps its order. */
static void tool_refresh(fab_state *s, tool *t)
{
    group_state *g = &s->groups[t->group];
    int can = tool_can_start(t);
    int32_t id = (int32_t)(t - s->tools);
    if (can && t->avail_pos < 0) {
        t->avail_pos = g->navail;
        g->avail[g->navail++] = id;
    } else if (!can && t->avail_pos >= 0) {
        for (int32_t i = t->avail_pos; i + 1 < g->navail; i++) {
            g->avail[i] = g->avail[i + 1];
            s->tools[g->avail[i]].avail_pos = i;
        }
        g->navail--;
        t->avail_pos = -1;
    }
}

static int32_t lot_new(fab_state *s)
{
    if (s->free_lot < 0) {
        int32_t cap = s->nlots_capacity ? s->nlots_capacity * 2 : 1024;
        lot *grown = aligned_alloc(LOT_ALIGN, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        if (s->nlots_capacity > 0)
            memcpy(grown, s->lots, (size_t)s->nlots_capacity * sizeof *grown);
        free(s->lots);
        s->lots = grown;
        for (int32_t i = cap - 1; i >= s->nlots_capacity; i--) {
            s->lots[i].next = s->free_lot;
            s->lots[i].where = LOT_FREE;
            s->free_lot = i;
        }
        s->nlots_capacity = cap;
    }
    int32_t id = s->free_lot;
    s->free_lot = s->lots[id].next;
    return id;
}

static void lot_free(fab_state *s, int32_t id)
{
    s->lots[id].where = LOT_FREE;
    s->lots[id].next = s->free_lot;
    s->free_lot = id;
}

static int32_t job_new(fab_state *s)
{
    if (s->free_job < 0) {
        int32_t cap = s->njobs_capacity ? s->njobs_capacity * 2 : 256;
        job *grown = realloc(s->jobs, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        s->jobs = grown;
        for (int32_t i = cap - 1; i >= s->njobs_capacity; i--) {
            s->jobs[i].next = s->free_job;
            s->free_job = i;
        }
        s->njobs_capacity = cap;
    }
    int32_t id = s->free_job;
    s->free_job = s->jobs[id].next;
    return id;
}

static int record_new(fab_state *s, const lot *l, int64_t *index)
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
    rec->product = l->product;
    rec->wafers = l->wafers;
    rec->wafers_out = 0;
    rec->priority = l->priority;
    rec->release_day = l->release_day;
    rec->finish_day = NAN;
    rec->scrap_day = NAN;
    rec->due_day = isfinite(l->due_day) ? l->due_day : NAN;
    *index = (int64_t)r->nlots++;
    return 0;
}

static void queue_remove(group_state *g, lot *lots, int32_t id)
{
    lot *l = &lots[id];
    if (l->prev >= 0)
        lots[l->prev].next = l->next;
    else
        g->queue_head = l->next;
    if (l->next >= 0)
        lots[l->next].prev = l->prev;
    else
        g->queue_tail = l->prev;
    g->queue_length--;
    l->next = l->prev = -1;
}

static const route_step *lot_step(const lot *l)
{
    return l->route;
}

/* The step needs a setup change on tool t. */
static int needs_setup(const tool *t, const lot *l)
{
    int32_t want = lot_step(l)->setup;
    return want >= 0 && want != t->setup;
}

/* Lot l may start on tool t now: its dedication allows t, and a tool
 * already processing (cascade) or holding its setup for a minimum run
 * does not change its setup. */
static int lot_fits(const tool *t, int32_t tool_id, const lot *l)
{
    if (l->tool >= 0 && l->tool != tool_id)
        return 0;
    return (t->njobs == 0 && !t->holding) || !needs_setup(t, l);
}

/* Mean raw process time of lot l's steps from its current one on. */
static double rpt_left(const fab_state *s, const lot *l)
{
    const product_plan *pl = &s->plans[l->product];
    return pl->rpt - (l->step > 0 ? pl->rpt_upto[l->step - 1] : 0.0);
}

/* One key of a rank list for lot l on tool t; smaller goes first. */
static double rank_value(const fab_state *s, enum rank_key key, const tool *t,
                         const lot *l, double now)
{
    const product_plan *pl;
    double left;
    switch (key) {
    case RANK_FIFO:
        return l->arrival_day;
    case RANK_SPT:
        return route_step_mean_time(s->m, lot_step(l), l->wafers);
    case RANK_EDD:
        return l->due_day;
    case RANK_CR:
        if (!isfinite(l->due_day))
            return INFINITY;
        left = rpt_left(s, l);
        return left > 0.0 ? (l->due_day - now) / left : l->due_day - now;
    case RANK_ODD:
        pl = &s->plans[l->product];
        if (!isfinite(l->due_day) || !(pl->rpt > 0.0))
            return l->due_day;
        return l->release_day + (l->due_day - l->release_day)
                                    * pl->rpt_upto[l->step] / pl->rpt;
    case RANK_SLACK:
        return l->due_day - now - rpt_left(s, l);
    case RANK_PRIORITY:
        return -(double)l->priority;
    case RANK_SETUP:
        return t && needs_setup(t, l) ? 1.0 : 0.0;
    case RANK_CQT: {
        double least = INFINITY;
        for (int i = 0; i < l->nwindows; i++)
            if (l->window_deadline[i] - now < least)
                least = l->window_deadline[i] - now;
        return least;
    }
    case RANK_STEP:
        return -(double)lot_step(l)->step_priority;
    case RANK_KEY_COUNT:
        break;
    }
    return 0.0;
}

/* Lot a ranks strictly before lot b on tool t.  While the tool owes its
 * setup a minimum run, lots that keep the setup come first of all. */
static int ranks_before(const fab_state *s, const tool *t, const lot *a,
                        const lot *b, double now)
{
    if (t->min_run_left > 0) {
        int ca = needs_setup(t, a), cb = needs_setup(t, b);
        if (ca != cb)
            return ca < cb;
    }
    const tool_group *tg = &s->m->groups[t->group];
    for (int32_t k = 0; k < tg->nrank; k++) {
        double va = rank_value(s, tg->rank[k], t, a, now);
        double vb = rank_value(s, tg->rank[k], t, b, now);
        if (va != vb)
            return va < vb;
    }
    return 0;
}

/* Compares lots a and b on the group's static keys: <0, 0 or >0. */
static int static_order(const fab_state *s, const tool_group *tg,
                        int32_t nstatic, const lot *a, const lot *b,
                        double now)
{
    for (int32_t k = 0; k < nstatic; k++) {
        double va = rank_value(s, tg->rank[k], NULL, a, now);
        double vb = rank_value(s, tg->rank[k], NULL, b, now);
        if (va != vb)
            return va < vb ? -1 : 1;
    }
    return 0;
}

/* Puts lot id in its place in the sorted queue: after every lot it does
 * not rank strictly before, so equals keep their arrival order.  Most
 * lots go to the tail at once. */
static void queue_insert(fab_state *s, group_state *g, const tool_group *tg,
                         int32_t id, double now)
{
    lot *lots = s->lots;
    int32_t after = g->queue_tail;
    if (g->nstatic > 0)
        while (after >= 0 && static_order(s, tg, g->nstatic, &lots[id],
                                          &lots[after], now) < 0)
            after = lots[after].prev;
    lot *l = &lots[id];
    l->where = LOT_QUEUE;
    l->prev = after;
    l->next = after >= 0 ? lots[after].next : g->queue_head;
    if (after >= 0)
        lots[after].next = id;
    else
        g->queue_head = id;
    if (l->next >= 0)
        lots[l->next].prev = id;
    else
        g->queue_tail = id;
    g->queue_length++;
}

/* The best waiting lot for tool t, or -1.  The queue is sorted on the
 * static keys, so the best lot is in the first class of fitting lots, and
 * often the first fitting lot of it (see group_state). */
static int32_t select_lot(fab_state *s, group_state *g, int32_t tool_id,
                          double now)
{
    if (g->simple)
        return g->queue_head;
    const tool *t = &s->tools[tool_id];
    const tool_group *tg = &s->m->groups[t->group];
    int full = t->min_run_left > 0;
    if (full && g->rest_setup_fifo) {
        /* Lots that keep the setup rank first of all: the first such
         * fitting lot in queue order is the best of them.  When there is
         * none, the minimum run ranks every lot alike. */
        for (int32_t i = g->queue_head; i >= 0; i = s->lots[i].next)
            if (lot_fits(t, tool_id, &s->lots[i])
                && !needs_setup(t, &s->lots[i]))
                return i;
        full = 0;
    }
    if (!full && (g->rest_fifo || g->rest_setup_fifo)) {
        /* Within the first class, queue order is arrival order: the first
         * fitting lot wins, or with a setup key the first that needs no
         * setup, else the first. */
        int32_t first = -1;
        for (int32_t i = g->queue_head; i >= 0; i = s->lots[i].next) {
            const lot *l = &s->lots[i];
            if (!lot_fits(t, tool_id, l))
                continue;
            if (first < 0) {
                first = i;
                if (g->rest_fifo || !needs_setup(t, l))
                    return i;
                continue;
            }
            if (g->nstatic > 0
                && static_order(s, tg, g->nstatic, &s->lots[first], l, now) < 0)
                break;
            if (!needs_setup(t, l))
                return i;
        }
        return first;
    }
    /* The general case: compare each lot of the class with the best so
     * far, whose key values are kept; within the class the static keys
     * are equal, so comparisons start after them. */
    int32_t best = -1, k0 = full ? 0 : g->nstatic;
    double best_value[MODEL_MAX_RANK_KEYS];
    int best_change = 0;
    for (int32_t i = g->queue_head; i >= 0; i = s->lots[i].next) {
        const lot *l = &s->lots[i];
        if (!lot_fits(t, tool_id, l))
            continue;
        int better = best < 0;
        if (!better) {
            if (!full && static_order(s, tg, g->nstatic, &s->lots[best], l,
                                      now) < 0)
                break;
            int change = full && needs_setup(t, l);
            if (change != best_change) {
                better = change < best_change;
            } else {
                for (int32_t k = k0; k < tg->nrank; k++) {
                    double v = rank_value(s, tg->rank[k], t, l, now);
                    if (v != best_value[k]) {
                        better = v < best_value[k];
                        break;
                    }
                }
            }
        }
        if (better) {
            best = i;
            best_change = full && needs_setup(t, l);
            for (int32_t k = k0; k < tg->nrank; k++)
                best_value[k] = rank_value(s, tg->rank[k], t, l, now);
        }
    }
    return best;
}

static int32_t batch_units(const tool_group *tg, const lot *l)
{
    return tg->batch_unit == BATCH_LOTS ? 1 : l->wafers;
}

/* One (product, step) of a batching queue while a batch is chosen. */
typedef struct batch_key {
    int32_t product;        /* -1: empty hash cell */
    int32_t step;
    int32_t best;           /* its best-ranked fitting lot */
    int64_t units;
    double oldest;
} batch_key;

static int grow_scratch(fab_state *s, int32_t need)
{
    if (need <= s->scratch_capacity)
        return 0;
    int32_t cap = s->scratch_capacity ? s->scratch_capacity : 64;
    while (cap < need)
        cap *= 2;
    int32_t *grown = realloc(s->scratch, (size_t)cap * sizeof *grown);
    if (!grown)
        return WS_ENOMEM;
    s->scratch = grown;
    /* The hash of batch keys has a power of two >= 2 x cap cells. */
    batch_key *keys = realloc(s->batch_keys, 2 * (size_t)cap * sizeof *keys);
    if (!keys)
        return WS_ENOMEM;
    s->batch_keys = keys;
    s->scratch_capacity = cap;
    return 0;
}

/* Forms the best ready batch for tool t: lots of one product and step,
 * between the step's batch_min and batch_max units.  A batch that has its
 * minimum but not its maximum starts at once when the group's batch wait
 * is 0, else when its oldest lot has waited that long (EVENT_BATCH_WAIT
 * wakes the group then).  Returns the number of lots put in s->scratch,
 * best first, 0 when no batch is ready, or an error.  One pass gathers
 * each (product, step) in a hash: O(queue) rank comparisons. */
static int32_t select_batch(fab_state *s, group_state *g, int32_t tool_id,
                            double now)
{
    const tool *t = &s->tools[tool_id];
    const tool_group *tg = &s->m->groups[t->group];
    if (grow_scratch(s, g->queue_length + 1) != 0)
        return WS_ENOMEM;
    uint32_t cells = 1;
    while (cells < 2u * (uint32_t)(g->queue_length + 1))
        cells *= 2;
    batch_key *keys = s->batch_keys;
    for (uint32_t c = 0; c < cells; c++)
        keys[c].product = -1;
    int32_t nkeys = 0;
    for (int32_t i = g->queue_head; i >= 0; i = s->lots[i].next) {
        const lot *l = &s->lots[i];
        if (!lot_fits(t, tool_id, l))
            continue;
        uint32_t c = ((uint32_t)l->product * 2654435761u
                      ^ (uint32_t)l->step * 40503u) & (cells - 1);
        while (keys[c].product >= 0
               && (keys[c].product != l->product || keys[c].step != l->step))
            c = (c + 1) & (cells - 1);
        batch_key *k = &keys[c];
        if (k->product < 0) {
            *k = (batch_key){l->product, l->step, i, 0, INFINITY};
            s->scratch[nkeys++] = (int32_t)c;
        } else if (ranks_before(s, t, l, &s->lots[k->best], now)) {
            k->best = i;
        }
        k->units += batch_units(tg, l);
        if (l->arrival_day < k->oldest)
            k->oldest = l->arrival_day;
    }
    /* The lead: the best lot among the ready keys' best lots. */
    int32_t lead = -1;
    double wake = INFINITY;
    for (int32_t n = 0; n < nkeys; n++) {
        const batch_key *k = &keys[s->scratch[n]];
        const route_step *st = &s->m->products[k->product].steps[k->step];
        if (k->units < st->batch_min)
            continue;
        if ((st->batch_max > 0 && k->units >= st->batch_max)
            || tg->batch_wait_days <= 0.0
            || now >= k->oldest + tg->batch_wait_days) {
            if (lead < 0 || ranks_before(s, t, &s->lots[k->best],
                                         &s->lots[lead], now))
                lead = k->best;
        } else if (k->oldest + tg->batch_wait_days < wake) {
            wake = k->oldest + tg->batch_wait_days;
        }
    }
    if (lead < 0) {
        if (wake < g->batch_wait_at) {
            g->batch_wait_at = wake;
            int rc = schedule(s, wake, EVENT_BATCH_WAIT,
                                   t->group, 0);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    /* Fill the batch with the lead's fellows in rank order (insertion
     * sort: a step's waiting lots are few). */
    const lot *l = &s->lots[lead];
    const route_step *st = lot_step(l);
    int32_t n = 0;
    for (int32_t j = g->queue_head; j >= 0; j = s->lots[j].next) {
        const lot *o = &s->lots[j];
        if (o->product != l->product || o->step != l->step
            || !lot_fits(t, tool_id, o))
            continue;
        int32_t at = n++;
        while (at > 0 && ranks_before(s, t, o, &s->lots[s->scratch[at - 1]],
                                      now)) {
            s->scratch[at] = s->scratch[at - 1];
            at--;
        }
        s->scratch[at] = j;
    }
    int64_t units = 0;
    int32_t taken = 0;
    for (int32_t k = 0; k < n; k++) {
        int32_t u = batch_units(tg, &s->lots[s->scratch[k]]);
        if (taken > 0 && st->batch_max > 0 && units + u > st->batch_max)
            continue;
        s->scratch[taken++] = s->scratch[k];
        units += u;
    }
    /* Lots too big to fill the batch exactly may leave it short. */
    return units >= st->batch_min ? taken : 0;
}

/* Closes the lot's window w; the last one takes its place. */
static void window_close(lot *l, int w)
{
    l->nwindows--;
    l->window[w] = l->window[l->nwindows];
    l->window_deadline[w] = l->window_deadline[l->nwindows];
}

/* Starts a job of the n lots ids[] (taken off the queue by the caller) on
 * tool t: a setup when the step needs one, then load, processing and
 * unload.  Lots reaching the last step of a time-constraint window are
 * checked here: the window closes when its last step starts. */
static int job_start(fab_state *s, int32_t tool_id, const int32_t *ids,
                     int32_t n, double now)
{
    const model *m = s->m;
    tool *t = &s->tools[tool_id];
    const tool_group *tg = &m->groups[t->group];
    group_state *g = &s->groups[t->group];
    int32_t jid = job_new(s);
    if (jid < 0)
        return WS_ENOMEM;
    job *j = &s->jobs[jid];
    const lot *first = &s->lots[ids[0]];
    const route_step *st = lot_step(first);
    j->tool = tool_id;
    j->nlots = n;
    j->wafers = 0;
    j->lots = -1;
    for (int32_t i = n - 1; i >= 0; i--) {
        lot *l = &s->lots[ids[i]];
        l->where = LOT_JOB;
        l->next = j->lots;
        l->prev = -1;
        j->lots = ids[i];
        j->wafers += l->wafers;
        for (int w = 0; w < l->nwindows;) {
            const time_constraint *c = &m->constraints[l->window[w]];
            if (c->to_step != l->step) {
                w++;
                continue;
            }
            s->r->cqt_checks[l->window[w]] += 1.0;
            if (now > l->window_deadline[w]) {
                s->r->cqt_violations[l->window[w]] += 1.0;
                if ((int)c->action + 1 > l->cqt_fail) {
                    l->cqt_fail = (uint8_t)(c->action + 1);
                    l->cqt_fail_from = c->from_step;
                }
            }
            window_close(l, w);
        }
    }
    double setup = 0.0;
    if (st->setup >= 0 && st->setup != t->setup) {
        const dist *d = st->has_setup_time
                            ? &st->setup_time
                            : model_setup_change_time(m, t->setup, st->setup);
        if (d)
            setup = dist_sample(d, g->setup_rng);
        t->setup = st->setup;
        t->min_run_left = m->setup_min_run[st->setup];
    }
    if (st->setup >= 0) {
        t->min_run_left = t->min_run_left > n ? t->min_run_left - n : 0;
        t->holding = t->min_run_left > 0 && m->setup_min_run_wait_days > 0.0;
    }
    t->hold_stamp++;
    /* A pipelined step's wafers enter one interval apart, each taking the
     * drawn time (route_step_mean_time). */
    double d = dist_sample(&st->time, g->rng);
    if (st->per == TIME_PER_WAFER && route_step_pipelined(m, st))
        d += st->cascade_interval_days * (j->wafers - 1);
    else if (st->per == TIME_PER_WAFER)
        d *= j->wafers;
    else if (st->per == TIME_PER_LOT)
        d *= n;
    j->setup_end = now + setup;
    j->end = now + setup + tg->load_days + d + tg->unload_days;
    j->next = t->jobs;
    t->jobs = jid;
    t->njobs++;
    j->stamp = ++s->stamp;
    int rc = schedule_job_end(s, j, jid, now);
    if (rc == 0 && setup > 0.0) {
        t->in_setup = 1;
        rc = schedule(s, j->setup_end, EVENT_SETUP_DONE, tool_id,
                           t->version);
    }
    if (rc == 0 && tg->cascade > 1) {
        /* The next job may start (its load) when this one's wafers have
         * entered: its load overlaps them, so its first wafer enters one
         * interval after this one's last.  Without an interval the next
         * job waits for this one to end: job_done unblocks, which saves
         * an event per job. */
        double interval = st->cascade_interval_days;
        double entry = now + setup
                       + interval * (st->per == TIME_PER_WAFER ? j->wafers : 1);
        if (isnan(interval)) {
            t->entry_blocked = 1;
            t->entry_job = jid;
            t->entry_free_at = INFINITY;
        } else if (entry > now) {
            t->entry_job = -1;
            t->entry_blocked = 1;
            t->entry_free_at = entry;
            rc = schedule(s, entry, EVENT_ENTRY_FREE, tool_id,
                               t->version);
        }
    }
    tool_update_state(s, t, now);
    tool_refresh(s, t);
    return rc;
}

/* Gives tool t work from its group's queue until it can take no more. */
static int tool_take_work(fab_state *s, int32_t tool_id, double now)
{
    tool *t = &s->tools[tool_id];
    group_state *g = &s->groups[t->group];
    int batching = g->batching;
    while (g->queue_length > 0 && tool_can_start(t)) {
        if (batching) {
            /* A queue that had no ready batch has none until a lot
             * arrives or a wait ends, whichever tool asks. */
            if (g->batch_none_ready)
                return 0;
            int32_t n = select_batch(s, g, tool_id, now);
            if (n == 0 && g->all_fit)
                g->batch_none_ready = 1;
            if (n <= 0)
                return n;
            for (int32_t i = 0; i < n; i++)
                queue_remove(g, s->lots, s->scratch[i]);
            int rc = job_start(s, tool_id, s->scratch, n, now);
            if (rc != 0)
                return rc;
        } else {
            int32_t id = select_lot(s, g, tool_id, now);
            if (id < 0)
                return 0;
            queue_remove(g, s->lots, id);
            int rc = job_start(s, tool_id, &id, 1, now);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static void inbound_drain(fab_state *s, int32_t gi, double t, uint64_t seq);
static int inbound_flush(fab_state *s, int32_t gi);

/* Offers tool t work.  Lots that arrived meanwhile join the queue first;
 * if a tool of the group is still available afterwards, lots on their
 * way to it must arrive as events (see "Deferred arrivals"). */
static int tool_offer(fab_state *s, int32_t tool_id, double now)
{
    int32_t gi = s->tools[tool_id].group;
    group_state *g = &s->groups[gi];
    if (g->inbound_first < g->ninbound)
        inbound_drain(s, gi, s->now, s->now_seq);
    int rc = tool_take_work(s, tool_id, now);
    if (rc == 0 && g->inbound_first < g->ninbound && g->navail > 0)
        rc = inbound_flush(s, gi);
    return rc;
}

/* Offers every available tool of group g work, the top of the stack
 * first.  A tool that starts leaves the stack above the ones still to
 * visit, so walking down is safe. */
static int group_offer(fab_state *s, int32_t gi, double now)
{
    group_state *g = &s->groups[gi];
    for (int32_t i = g->navail - 1; i >= 0 && g->queue_length > 0; i--) {
        if (i >= g->navail)
            continue;
        int rc = tool_offer(s, g->avail[i], now);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Disruptions (defined with them below). */
static int lot_doomed(const fab_state *s, const lot *l);
static int doomed_scrap(fab_state *s, int32_t id, double now);
static int step_is_blocked(const fab_state *s, const lot *l);
static void lot_hold(fab_state *s, int32_t id, double now);
static int32_t release_cut(const fab_state *s, int32_t p, double *share);

/* Lot id joins the queue of group gi, its current step's, at `now`. */
static void lot_enqueue(fab_state *s, int32_t gi, int32_t id, double now)
{
    lot *l = &s->lots[id];
    const route_step *st = lot_step(l);
    group_state *g = &s->groups[gi];
    l->tool = -1;
    if (st->same_tool_as >= 0)
        for (int i = 0; i < l->ndedications; i++)
            if (l->dedication_step[i] == l->step) {
                l->tool = l->dedication_tool[i];
                break;
            }
    l->arrival_day = now;
    queue_insert(s, g, &s->m->groups[gi], id, now);
    g->batch_none_ready = 0;
}

/* ---- Deferred arrivals ---------------------------------------------------
 *
 * A lot that leaves for a group with no available tool will, when its
 * transport ends, only join the queue, as long as no tool of the group
 * stays available meanwhile.  Such a lot reserves the calendar sequence
 * number its arrival event would have had and waits on the group's
 * inbound list instead; it joins the queue when anything next reads the
 * queue (inbound_drain), with exactly the order against other events
 * that the event would have given.  A tool that frees up mostly takes the
 * next lot at once; only when one stays available after its offer do the
 * lots still on their way become events after all (inbound_flush), and
 * before a disruption acts, all of them do.  About
 * half of the transports of a loaded fab need no event, and the results
 * are bit for bit those of an event per transport (fab_options
 * .eager_arrivals, which the tests compare). */

/* Deferred arrival e comes before the event (t, seq). */
static int arrives_before(const inbound_lot *e, double t, uint64_t seq)
{
    return e->time < t || (e->time == t && e->seq < seq);
}

static int inbound_add(group_state *g, int32_t id, double time, uint64_t seq)
{
    if (g->ninbound == g->inbound_capacity) {
        if (g->inbound_first > 0) {
            g->ninbound -= g->inbound_first;
            memmove(g->inbound, &g->inbound[g->inbound_first],
                    (size_t)g->ninbound * sizeof *g->inbound);
            g->inbound_first = 0;
        } else {
            int32_t cap = g->inbound_capacity ? 2 * g->inbound_capacity : 8;
            inbound_lot *grown = realloc(g->inbound,
                                         (size_t)cap * sizeof *grown);
            if (!grown)
                return WS_ENOMEM;
            g->inbound = grown;
            g->inbound_capacity = cap;
        }
    }
    int32_t i = g->ninbound++;
    while (i > g->inbound_first
           && !arrives_before(&g->inbound[i - 1], time, seq)) {
        g->inbound[i] = g->inbound[i - 1];
        i--;
    }
    g->inbound[i] = (inbound_lot){time, seq, id};
    return 0;
}

static inbound_lot inbound_pop(group_state *g)
{
    inbound_lot e = g->inbound[g->inbound_first++];
    if (g->inbound_first == g->ninbound)
        g->inbound_first = g->ninbound = 0;
    return e;
}

/* Lots that arrive at group gi before the event (t, seq) join its queue,
 * in the order of their arrivals. */
static void inbound_drain(fab_state *s, int32_t gi, double t, uint64_t seq)
{
    group_state *g = &s->groups[gi];
    while (g->inbound_first < g->ninbound
           && arrives_before(&g->inbound[g->inbound_first], t, seq)) {
        inbound_lot e = inbound_pop(g);
        lot_enqueue(s, gi, e.lot, e.time);
    }
}

/* The lots still on their way to group gi become arrival events. */
static int inbound_flush(fab_state *s, int32_t gi)
{
    group_state *g = &s->groups[gi];
    inbound_drain(s, gi, s->now, s->now_seq);
    while (g->inbound_first < g->ninbound) {
        inbound_lot e = inbound_pop(g);
        int rc = calendar_push_reserved(s->cal, event_lane[EVENT_ARRIVE],
                                        e.time, e.seq, EVENT_ARRIVE, e.lot, 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int inbound_flush_all(fab_state *s)
{
    int rc = 0;
    for (int32_t g = 0; g < s->m->ngroups && rc == 0; g++)
        if (s->groups[g].inbound_first < s->groups[g].ninbound)
            rc = inbound_flush(s, g);
    return rc;
}

/* Lot id leaves now for its step's group and arrives at `at`: deferred
 * when the arrival would only queue it (no tool available, and neither
 * doomed nor held, which only disruption events change). */
static int lot_transport(fab_state *s, int32_t id, double at)
{
    lot *l = &s->lots[id];
    int32_t gi = lot_step(l)->tool_group;
    group_state *g = &s->groups[gi];
    l->where = LOT_TRANSIT;
    if (s->defer_arrivals && g->navail == 0 && !lot_doomed(s, l)
        && !step_is_blocked(s, l)) {
        uint64_t seq;
        int rc = calendar_reserve(s->cal, &seq);
        if (rc == 0)
            rc = inbound_add(g, id, at, seq);
        if (rc == 0)
            s->r->deferred_arrivals++;
        return rc;
    }
    return schedule(s, at, EVENT_ARRIVE, id, 0);
}

/* The lot joins the queue of its current step's group and, when a tool
 * is free for it, starts.  Free tools had nothing they could take before
 * (except batches that wait), so a lot that arrives to a free tool that
 * fits it starts at once; a tool already in the lot's setup is preferred. */
static int lot_arrive(fab_state *s, int32_t id, double now)
{
    lot *l = &s->lots[id];
    if (lot_doomed(s, l))
        return doomed_scrap(s, id, now);
    if (step_is_blocked(s, l)) {
        lot_hold(s, id, now);
        return 0;
    }
    const route_step *st = lot_step(l);
    int32_t gi = st->tool_group;
    group_state *g = &s->groups[gi];
    if (g->inbound_first < g->ninbound)
        inbound_drain(s, gi, s->now, s->now_seq);
    lot_enqueue(s, gi, id, now);
    if (g->navail == 0)
        return 0;
    if (g->batching)
        return group_offer(s, gi, now);
    int32_t chosen = -1;
    for (int32_t i = g->navail - 1; i >= 0; i--) {
        int32_t tid = g->avail[i];
        const tool *t = &s->tools[tid];
        if (!lot_fits(t, tid, l))
            continue;
        if (chosen < 0)
            chosen = tid;
        if (st->setup < 0 || t->setup == st->setup) {
            chosen = tid;
            break;
        }
    }
    if (chosen < 0)
        return 0;
    queue_remove(g, s->lots, id);
    return job_start(s, chosen, &id, 1, now);
}

static void conwip_note_exit(fab_state *s, int32_t p)
{
    s->lots_in_fab[p]--;
    s->total_lots--;
}

static int conwip_fill(fab_state *s, double now);

static void lot_finish(fab_state *s, int32_t id, double now)
{
    lot *l = &s->lots[id];
    int32_t p = l->product;
    size_t cell = (size_t)s->month * (size_t)s->m->nproducts + (size_t)p;
    double ct = now - l->release_day;
    int steady = now >= s->m->warmup_days;
    int hot = l->priority >= MODEL_HOT_PRIORITY;
    int due = isfinite(l->due_day);
    int on_time = due && now <= l->due_day;
    s->r->wafers_out[cell] += l->wafers;
    if (s->week < s->r->nweeks)
        s->r->weekly_wafers_out[s->week] += l->wafers;
    s->ct_sum[cell] += ct;
    s->ct_count[cell] += 1.0;
    s->due_count[cell] += due;
    s->on_time[cell] += on_time;
    s->hot_sum[cell] += hot ? ct : 0.0;
    s->hot_count[cell] += hot;
    if (steady) {
        s->ss_wafers_out[p] += l->wafers;
        s->ss_ct_sum[p] += ct;
        s->ss_ct_count[p] += 1.0;
        s->ss_due_count[p] += due;
        s->ss_on_time[p] += on_time;
        s->ss_hot_sum[p] += hot ? ct : 0.0;
        s->ss_hot_count[p] += hot;
    }
    if (l->record >= 0) {
        s->r->lots[l->record].finish_day = now;
        s->r->lots[l->record].wafers_out = l->wafers;
    }
    s->finished[p] += l->wafers;
    s->wip[p] -= l->wafers;
    time_integral_set(&s->wip_time[p], now, s->wip[p]);
    conwip_note_exit(s, p);
    lot_free(s, id);
}

/* Takes n wafers of lot l out as scrap (the lot goes on with the rest). */
static void scrap_wafers(fab_state *s, lot *l, int32_t n, double now)
{
    int32_t p = l->product;
    size_t cell = (size_t)s->month * (size_t)s->m->nproducts + (size_t)p;
    s->r->wafers_scrapped[cell] += n;
    if (now >= s->m->warmup_days)
        s->ss_scrapped[p] += n;
    s->scrapped[p] += n;
    s->wip[p] -= n;
    time_integral_set(&s->wip_time[p], now, s->wip[p]);
    l->wafers -= n;
}

static void lot_scrap(fab_state *s, int32_t id, double now)
{
    lot *l = &s->lots[id];
    scrap_wafers(s, l, l->wafers, now);
    if (l->record >= 0)
        s->r->lots[l->record].scrap_day = now;
    conwip_note_exit(s, l->product);
    lot_free(s, id);
}

/* Sends the lot on to step `next` (or past it, for sampled steps it
 * skips), across the transport time when the model has one and the lot
 * comes from a step (not from its release). */
static int lot_advance(fab_state *s, int32_t id, int32_t next, int moved,
                       double now)
{
    lot *l = &s->lots[id];
    const product *pr = &s->m->products[l->product];
    gsl_rng *rng = s->plans[l->product].rng;
    while (next < pr->nsteps && pr->steps[next].sample_prob < 1.0
           && gsl_rng_uniform(rng) >= pr->steps[next].sample_prob)
        next++;
    if (next >= pr->nsteps) {
        if (l->hit > 0)     /* final test finds what an excursion did */
            return doomed_scrap(s, id, now);
        lot_finish(s, id, now);
        return s->any_conwip ? conwip_fill(s, now) : 0;
    }
    l->step = next;
    l->route = &pr->steps[next];
    /* Windows whose last step was skipped, or that rework re-opens,
     * close without a check; so do dedications behind the lot. */
    for (int w = 0; w < l->nwindows;) {
        const time_constraint *c = &s->m->constraints[l->window[w]];
        if (c->to_step >= next && c->from_step < next) {
            w++;
            continue;
        }
        window_close(l, w);
    }
    for (int i = 0; i < l->ndedications;) {
        if (l->dedication_step[i] >= next) {
            i++;
            continue;
        }
        l->ndedications--;
        l->dedication_step[i] = l->dedication_step[l->ndedications];
        l->dedication_tool[i] = l->dedication_tool[l->ndedications];
    }
    if (s->transport_rng && moved)
        return lot_transport(s, id,
                             now + dist_sample(&s->m->transport,
                                               s->transport_rng));
    return lot_arrive(s, id, now);
}

/* The lot has finished its current step on tool tool_id. */
static int lot_step_done(fab_state *s, int32_t id, int32_t tool_id,
                         double now)
{
    lot *l = &s->lots[id];
    const route_step *st = lot_step(l);
    const product_plan *pl = &s->plans[l->product];
    if (lot_doomed(s, l))
        return doomed_scrap(s, id, now);
    if (s->step_hit && l->hit == 0) {
        int32_t e = s->step_hit[s->step_base[l->product] + l->step];
        if (e > 0) {
            int32_t d = s->r->disruption_events[e - 1].disruption;
            if (gsl_rng_uniform(s->disrupt_rng[d])
                < s->m->disruptions[d].excursion_scrap_share)
                l->hit = e;
        }
    }
    if (st->scrap_prob > 0.0) {
        unsigned int lost = gsl_ran_binomial(pl->rng, st->scrap_prob,
                                             (unsigned int)l->wafers);
        if (lost > 0)
            scrap_wafers(s, l, (int32_t)lost, now);
        if (l->wafers == 0) {
            lot_scrap(s, id, now);
            return s->any_conwip ? conwip_fill(s, now) : 0;
        }
    }
    if (l->cqt_fail == CQT_SCRAP + 1) {
        lot_scrap(s, id, now);
        return s->any_conwip ? conwip_fill(s, now) : 0;
    }
    for (int32_t k = pl->dedication_first[l->step];
         k < pl->dedication_first[l->step + 1]; k++) {
        int32_t target = pl->dedication_list[k], i = 0;
        while (i < l->ndedications && l->dedication_step[i] != target)
            i++;
        if (i == l->ndedications)
            l->ndedications++;
        l->dedication_step[i] = target;
        l->dedication_tool[i] = tool_id;
    }
    for (int32_t k = pl->window_first[l->step];
         k < pl->window_first[l->step + 1]; k++) {
        int32_t c = pl->window_list[k], i = 0;
        while (i < l->nwindows && l->window[i] != c)
            i++;
        if (i == l->nwindows)
            l->nwindows++;
        l->window[i] = c;
        l->window_deadline[i] = now + s->m->constraints[c].limit_days;
    }
    int32_t next = l->step + 1;
    if (l->cqt_fail == CQT_REWORK + 1)
        next = l->cqt_fail_from;
    else if (st->rework_prob > 0.0 && gsl_rng_uniform(pl->rng) < st->rework_prob)
        next = st->rework_to;
    l->cqt_fail = 0;
    return lot_advance(s, id, next, 1, now);
}

/* Creates a lot of product p at step `step`, counts it as released. */
static int lot_create(fab_state *s, int32_t p, int32_t step, int32_t wafers,
                      int32_t priority, double release_day, double due_day,
                      int32_t *out)
{
    int32_t id = lot_new(s);
    if (id < 0)
        return WS_ENOMEM;
    lot *l = &s->lots[id];
    l->product = p;
    l->step = step;
    l->route = &s->m->products[p].steps[step];
    l->wafers = wafers;
    l->priority = priority;
    l->tool = -1;
    l->ndedications = 0;
    l->nwindows = 0;
    l->cqt_fail = 0;
    l->cqt_fail_from = 0;
    l->hit = 0;
    l->release_day = release_day;
    l->due_day = isfinite(due_day) ? due_day : INFINITY;
    l->record = -1;
    l->where = LOT_QUEUE;
    if (s->record_lots && record_new(s, l, &l->record) != 0)
        return WS_ENOMEM;
    s->released[p] += wafers;
    s->wip[p] += wafers;
    time_integral_set(&s->wip_time[p], release_day > 0.0 ? release_day : 0.0,
                      s->wip[p]);
    s->lots_in_fab[p]++;
    s->total_lots++;
    *out = id;
    return 0;
}

/* A new lot from release stream `stream` enters the fab. */
static int release_from(fab_state *s, const release_stream *st, double now)
{
    int32_t id;
    int rc = lot_create(s, st->product, 0, st->wafers, st->priority, now,
                        now + st->due_offset_days, &id);
    if (rc != 0)
        return rc;
    size_t cell = (size_t)s->month * (size_t)s->m->nproducts
                  + (size_t)st->product;
    s->r->wafer_starts[cell] += st->wafers;
    if (s->week < s->r->nweeks)
        s->r->weekly_wafer_starts[s->week] += st->wafers;
    return lot_advance(s, id, 0, 0, now);
}

static int release_event(fab_state *s, int32_t stream, int64_t number,
                         double now)
{
    const release_stream *st = &s->streams[stream];
    double next;
    if (st->kind == RELEASE_INTERVAL)
        next = st->first_days + (double)(number + 1) * st->interval_days;
    else
        next = now + dist_sample(st->interarrival, st->rng);
    if (next < s->m->horizon_days && (st->count < 0 || number + 1 < st->count)) {
        int rc = schedule(s, next, EVENT_RELEASE, stream, number + 1);
        if (rc != 0)
            return rc;
    }
    if (s->release_cuts > 0) {
        /* Thinned evenly: a share of 1/2 starts every second lot. */
        double share;
        int32_t e = release_cut(s, st->product, &share);
        if (e >= 0) {
            s->release_credit[stream] += share;
            if (s->release_credit[stream] < 1.0 - 1e-9) {
                s->r->disruption_events[e].wafers_not_started += st->wafers;
                return 0;
            }
            s->release_credit[stream] -= 1.0;
        }
    }
    return release_from(s, st, now);
}

/* Releases CONWIP lots, one product at a time in turn, while the caps
 * allow.  Not re-entered: a lot that leaves at once (every step sampled
 * away) frees its place for the loop already running. */
static int conwip_fill(fab_state *s, double now)
{
    const model *m = s->m;
    int32_t P = m->nproducts;
    if (s->conwip_filling)
        return 0;
    s->conwip_filling = 1;
    int rc = 0;
    for (int32_t idle = 0; idle < P && rc == 0;) {
        int32_t p = s->conwip_next;
        s->conwip_next = (p + 1) % P;
        const product *pr = &m->products[p];
        double share = 1.0;
        if (s->release_cuts > 0)
            release_cut(s, p, &share);
        if (pr->release != RELEASE_CONWIP || !s->conwip_open[p]
            || s->lots_in_fab[p] >= floor(pr->conwip_lots * share + 1e-9)
            || (m->conwip_lots > 0 && s->total_lots >= m->conwip_lots)) {
            idle++;
            continue;
        }
        idle = 0;
        rc = release_from(s, &s->streams[p], now);
    }
    s->conwip_filling = 0;
    return rc;
}

/* A breakdown: the tool stops, its jobs keep the time they have left. */
static void tool_suspend(fab_state *s, tool *t, double now)
{
    if (t->suspended)
        return;
    t->suspended = 1;
    t->version++;
    for (int32_t j = t->jobs; j >= 0; j = s->jobs[j].next) {
        s->jobs[j].stamp = ++s->stamp;  /* its pending event goes stale */
        s->jobs[j].left = s->jobs[j].end - now;
        s->jobs[j].setup_left = s->jobs[j].setup_end > now
                                    ? s->jobs[j].setup_end - now : 0.0;
    }
    t->entry_left = t->entry_blocked ? t->entry_free_at - now : 0.0;
}

static int breakdown_start(fab_state *s, tool *t, int32_t d, double now)
{
    const tool_downtime *dt = &s->m->groups[t->group].downtimes[d];
    int32_t id = (int32_t)(t - s->tools);
    t->down = d;
    tool_suspend(s, t, now);
    tool_update_state(s, t, now);
    tool_refresh(s, t);
    return schedule(s, now + dist_sample(&dt->duration, s->tool_rng[id]),
                    EVENT_UP, id, 0);
}

/* Starts the first PM due on an empty tool. */
static int pm_start(fab_state *s, tool *t, double now)
{
    const tool_group *tg = &s->m->groups[t->group];
    for (int32_t d = 0; d < tg->ndowntimes; d++) {
        down_state *ds = &s->downs[t->down_first + d];
        if (!ds->pending || tg->downtimes[d].kind == DOWN_BREAKDOWN)
            continue;
        ds->pending = 0;
        t->pm_pending--;
        t->down = d;
        tool_update_state(s, t, now);
        tool_refresh(s, t);
        int32_t id = (int32_t)(t - s->tools);
        return schedule(s, now + dist_sample(&tg->downtimes[d].duration,
                                             s->tool_rng[id]),
                        EVENT_UP, id, 0);
    }
    return 0;
}

static int down_due(fab_state *s, int32_t tool_id, int32_t d, double now)
{
    tool *t = &s->tools[tool_id];
    const tool_downtime *dt = &s->m->groups[t->group].downtimes[d];
    down_state *ds = &s->downs[t->down_first + d];
    if (dt->kind == DOWN_BREAKDOWN) {
        if (t->down >= 0) {
            ds->pending = 1;
            return 0;
        }
        return breakdown_start(s, t, d, now);
    }
    if (!ds->pending) {
        ds->pending = 1;
        t->pm_pending++;
    }
    tool_refresh(s, t);
    if (t->down < 0 && t->halted == 0 && t->njobs == 0)
        return pm_start(s, t, now);
    return 0;
}

/* A tool neither down nor halted: starts a PM that is due, or resumes its
 * suspended jobs and takes work. */
static int tool_restart(fab_state *s, int32_t tool_id, double now)
{
    tool *t = &s->tools[tool_id];
    int rc = 0;
    if (t->pm_pending > 0 && t->njobs == 0)
        return pm_start(s, t, now);
    if (t->suspended) {
        t->suspended = 0;
        t->in_setup = 0;
        for (int32_t j = t->jobs; j >= 0 && rc == 0; j = s->jobs[j].next) {
            job *jb = &s->jobs[j];
            jb->end = now + jb->left;
            jb->setup_end = now + jb->setup_left;
            jb->stamp = ++s->stamp;
            rc = schedule_job_end(s, jb, j, now);
            if (rc == 0 && jb->setup_left > 0.0) {
                t->in_setup = 1;
                rc = schedule(s, jb->setup_end, EVENT_SETUP_DONE,
                                   tool_id, t->version);
            }
        }
        if (rc == 0 && t->entry_blocked && t->entry_job < 0) {
            t->entry_free_at = now + t->entry_left;
            rc = schedule(s, t->entry_free_at, EVENT_ENTRY_FREE,
                               tool_id, t->version);
        }
    }
    if (rc != 0)
        return rc;
    tool_update_state(s, t, now);
    tool_refresh(s, t);
    return tool_offer(s, tool_id, now);
}

/* The end of a repair or PM: schedules the next one of its calendar,
 * then starts whatever else is due, or resumes the jobs and takes work. */
static int tool_up(fab_state *s, int32_t tool_id, double now)
{
    tool *t = &s->tools[tool_id];
    const tool_group *tg = &s->m->groups[t->group];
    int32_t d = t->down;
    const tool_downtime *dt = &tg->downtimes[d];
    int rc = 0;
    t->down = -1;
    if (dt->kind == DOWN_PM_WAFERS)
        s->downs[t->down_first + d].wafers = 0.0;
    else
        rc = schedule(s, now + dist_sample(&dt->interval,
                                           s->tool_rng[tool_id]),
                           EVENT_DOWN_DUE, tool_id, d);
    for (int32_t k = 0; k < tg->ndowntimes && rc == 0; k++) {
        down_state *ds = &s->downs[t->down_first + k];
        if (ds->pending && tg->downtimes[k].kind == DOWN_BREAKDOWN) {
            ds->pending = 0;
            return breakdown_start(s, t, k, now);
        }
    }
    if (rc == 0 && t->halted > 0) {
        /* A disruption still holds it: its end resumes the tool. */
        tool_update_state(s, t, now);
        tool_refresh(s, t);
        return 0;
    }
    if (rc != 0)
        return rc;
    return tool_restart(s, tool_id, now);
}

static int job_done(fab_state *s, int32_t jid, double now)
{
    job *j = &s->jobs[jid];
    int32_t tool_id = j->tool;
    tool *t = &s->tools[tool_id];
    for (int32_t *link = &t->jobs; *link >= 0; link = &s->jobs[*link].next)
        if (*link == jid) {
            *link = j->next;
            break;
        }
    t->njobs--;
    if (t->entry_blocked && t->entry_job == jid) {
        t->entry_blocked = 0;
        t->entry_job = -1;
    }
    s->r->lot_steps += (uint64_t)j->nlots;
    const group_state *g = &s->groups[t->group];
    for (int32_t d = g->pm_wafers_from; d < g->pm_wafers_to; d++) {
        down_state *ds = &s->downs[t->down_first + d];
        if (isnan(ds->interval_wafers))
            continue;
        ds->wafers += j->wafers;
        if (ds->wafers >= ds->interval_wafers && !ds->pending) {
            ds->pending = 1;
            t->pm_pending++;
        }
    }
    int32_t lots = j->lots;
    j->stamp = -1;
    j->next = s->free_job;
    s->free_job = jid;
    int rc = 0;
    if (t->njobs == 0 && t->pm_pending > 0) {
        tool_update_state(s, t, now);
        rc = pm_start(s, t, now);
    } else {
        tool_update_state(s, t, now);
        tool_refresh(s, t);
        rc = tool_offer(s, tool_id, now);
    }
    /* Left empty while it owes a minimum run: it keeps its setup for
     * min_run_wait from now, unless a job starts first. */
    if (rc == 0 && t->holding && t->njobs == 0
        && isfinite(s->m->setup_min_run_wait_days))
        rc = schedule(s, now + s->m->setup_min_run_wait_days, EVENT_HOLD_END,
                      tool_id, t->hold_stamp);
    while (rc == 0 && lots >= 0) {
        int32_t next = s->lots[lots].next;
        rc = lot_step_done(s, lots, tool_id, now);
        lots = next;
    }
    return rc;
}

/* ---- Disruptions (docs/disruptions.md) ---------------------------------
 *
 * A halt stops a tool like a breakdown that also keeps it from starting a
 * PM; halts nest (a count), and the tool restarts when the last one and
 * any repair are over.  Lots a disruption dooms outside a tool (in
 * transport, or hit by an excursion) carry the occurrence in lot.hit and
 * go as scrap where they are next touched once the occurrence is "found":
 * a shutdown's at once, an excursion's at its detection. */

static int32_t event_new(fab_state *s, int32_t d, double start)
{
    fab_result *r = s->r;
    if (r->ndisruption_events == s->events_capacity) {
        size_t cap = s->events_capacity ? s->events_capacity * 2 : 16;
        fab_disruption_event *grown = realloc(r->disruption_events,
                                              cap * sizeof *grown);
        if (!grown)
            return -1;
        r->disruption_events = grown;
        unsigned char *found = realloc(s->event_found, cap);
        if (!found)
            return -1;
        s->event_found = found;
        s->events_capacity = cap;
    }
    size_t e = r->ndisruption_events++;
    fab_disruption_event *ev = &r->disruption_events[e];
    memset(ev, 0, sizeof *ev);
    ev->disruption = d;
    ev->start_day = start;
    ev->end_day = start;
    s->event_found[e] = 0;
    return (int32_t)e;
}

static void event_scrap(fab_state *s, int32_t e, int32_t id, double now)
{
    fab_disruption_event *ev = &s->r->disruption_events[e];
    ev->lots_scrapped += 1.0;
    ev->wafers_scrapped += s->lots[id].wafers;
    lot_scrap(s, id, now);
}

/* A doomed lot, touched after its occurrence was found, goes. */
static int doomed_scrap(fab_state *s, int32_t id, double now)
{
    event_scrap(s, s->lots[id].hit - 1, id, now);
    return s->any_conwip ? conwip_fill(s, now) : 0;
}

static int lot_doomed(const fab_state *s, const lot *l)
{
    return l->hit > 0 && s->event_found[l->hit - 1];
}

static int step_is_blocked(const fab_state *s, const lot *l)
{
    return s->step_blocked
           && s->step_blocked[s->step_base[l->product] + l->step] > 0;
}

static void lot_hold(fab_state *s, int32_t id, double now)
{
    lot *l = &s->lots[id];
    l->where = LOT_HELD;
    l->arrival_day = now;
    l->next = s->held_head;
    s->held_head = id;
}

/* Goes through the held lots, oldest first: doomed ones are scrapped,
 * unblocked ones arrive at their step, the others stay held. */
static int held_sweep(fab_state *s, double now)
{
    int32_t list = -1;
    for (int32_t id = s->held_head; id >= 0;) {
        int32_t next = s->lots[id].next;
        s->lots[id].next = list;
        list = id;
        id = next;
    }
    s->held_head = -1;
    int rc = 0;
    for (int32_t id = list; id >= 0 && rc == 0;) {
        int32_t next = s->lots[id].next;
        lot *l = &s->lots[id];
        if (lot_doomed(s, l)) {
            event_scrap(s, l->hit - 1, id, now);
        } else if (step_is_blocked(s, l)) {
            double since = l->arrival_day;
            lot_hold(s, id, now);
            l->arrival_day = since;
        } else {
            rc = lot_arrive(s, id, now);
        }
        id = next;
    }
    if (rc == 0 && s->any_conwip)
        rc = conwip_fill(s, now);
    return rc;
}

/* Takes the lots of queue g for which `take` holds out of it, in order. */
static void queue_take(fab_state *s, int32_t gi,
                       int (*take)(const fab_state *, const lot *, int32_t),
                       int32_t arg, int32_t *out, int32_t *n)
{
    group_state *g = &s->groups[gi];
    for (int32_t id = g->queue_head; id >= 0;) {
        int32_t next = s->lots[id].next;
        if (take(s, &s->lots[id], arg)) {
            queue_remove(g, s->lots, id);
            out[(*n)++] = id;
        }
        id = next;
    }
}

static int lot_is_hit_by(const fab_state *s, const lot *l, int32_t e)
{
    (void)s;
    return l->hit == e + 1;
}

static int lot_at_blocked_step(const fab_state *s, const lot *l, int32_t g)
{
    (void)g;
    return step_is_blocked(s, l);
}

/* Stops tool t for occurrence e until its EVENT_HALT_END; the lots in
 * process are scrapped, or their jobs suspended as by a breakdown. */
static void tool_halt(fab_state *s, int32_t tool_id, int scrap, int32_t e,
                      double now)
{
    tool *t = &s->tools[tool_id];
    if (scrap && t->njobs > 0) {
        for (int32_t j = t->jobs; j >= 0;) {
            job *jb = &s->jobs[j];
            int32_t next_job = jb->next;
            for (int32_t id = jb->lots; id >= 0;) {
                int32_t next = s->lots[id].next;
                event_scrap(s, e, id, now);
                id = next;
            }
            jb->stamp = -1;
            jb->next = s->free_job;
            s->free_job = j;
            j = next_job;
        }
        t->jobs = -1;
        t->njobs = 0;
        t->in_setup = 0;
        /* No job ends to time a minimum-run hold from: it ends here. */
        t->holding = 0;
        t->entry_blocked = 0;
        t->entry_job = -1;
        t->suspended = 0;
        t->version++;       /* its setup and entry events go stale */
    } else {
        tool_suspend(s, t, now);
    }
    t->halted++;
    tool_update_state(s, t, now);
    tool_refresh(s, t);
}

static int tool_unhalt(fab_state *s, int32_t tool_id, double now)
{
    tool *t = &s->tools[tool_id];
    t->halted--;
    if (t->halted > 0 || t->down >= 0) {
        tool_update_state(s, t, now);
        tool_refresh(s, t);
        return 0;
    }
    return tool_restart(s, tool_id, now);
}

/* Halts tools [first, first + n) of group g; a shutdown brings them back
 * in weekly stages after the duration, each then re-qualified. */
static int halt_group(fab_state *s, const disruption *x, int32_t d, int32_t e,
                      int32_t g, int32_t n, double end, double now)
{
    int32_t first = s->groups[g].first_tool;
    double rate = x->kind == DISRUPT_SHUTDOWN ? x->restart_share_per_week
                                              : 1.0;
    int32_t stage = 0;
    for (int32_t i = 0; i < n; i++) {
        while (i >= (int32_t)ceil((stage + 1) * rate * n - 1e-9))
            stage++;
        double back = end + 7.0 * stage;
        if (x->has_requalification)
            back += dist_sample(&x->requalification, s->disrupt_rng[d]);
        tool_halt(s, first + i, x->scrap_in_process, e, now);
        if (back > s->r->disruption_events[e].end_day)
            s->r->disruption_events[e].end_day = back;
        int rc = schedule(s, back, EVENT_HALT_END, first + i, e);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Each lot waiting outside a tool is scrapped with the share's
 * probability: at once in a queue or held, on arrival in transport. */
static void scrap_wip_share(fab_state *s, const disruption *x, int32_t d,
                            int32_t e, double now)
{
    for (int32_t id = 0; id < s->nlots_capacity; id++) {
        lot *l = &s->lots[id];
        if (l->where != LOT_QUEUE && l->where != LOT_TRANSIT
            && l->where != LOT_HELD)
            continue;
        if (gsl_rng_uniform(s->disrupt_rng[d]) >= x->scrap_wip_share)
            continue;
        if (l->where == LOT_QUEUE) {
            queue_remove(&s->groups[lot_step(l)->tool_group], s->lots, id);
            event_scrap(s, e, id, now);
        } else {
            l->hit = e + 1;
        }
    }
}

static int disruption_covers(const disruption *x, int32_t p)
{
    if (x->nproducts == 0)
        return 1;
    for (int32_t i = 0; i < x->nproducts; i++)
        if (x->products[i] == p)
            return 1;
    return 0;
}

/* The smallest release share of the open windows that cover the product,
 * and the occurrence that sets it (-1: none). */
static int32_t release_cut(const fab_state *s, int32_t p, double *share)
{
    int32_t e = -1;
    *share = 1.0;
    for (int32_t d = 0; d < s->m->ndisruptions; d++) {
        const disruption *x = &s->m->disruptions[d];
        if (s->disrupt_active[d] > 0 && x->release_share < *share
            && disruption_covers(x, p)) {
            *share = x->release_share;
            e = s->disrupt_event[d];
        }
    }
    return e;
}

static int disrupt_start(fab_state *s, int32_t d, int64_t k, double now)
{
    const model *m = s->m;
    const disruption *x = &m->disruptions[d];
    gsl_rng *rng = s->disrupt_rng[d];
    int rc = 0;
    if (x->has_every && (x->count < 0 || k + 1 < x->count)) {
        double next = now + dist_sample(&x->every, rng);
        if (next < m->horizon_days)
            rc = schedule(s, next, EVENT_DISRUPT, d, k + 1);
    }
    int32_t e = event_new(s, d, now);
    if (rc != 0 || e < 0)
        return rc != 0 ? rc : WS_ENOMEM;
    double end = now + dist_sample(&x->duration, rng);
    s->r->disruption_events[e].end_day = end;
    s->disrupt_active[d]++;
    s->disrupt_event[d] = e;
    if (x->release_share < 1.0)
        s->release_cuts++;
    switch (x->kind) {
    case DISRUPT_SHUTDOWN:
    case DISRUPT_POWER_SAG:
        s->event_found[e] = 1;
        for (int32_t g = 0; g < m->ngroups && rc == 0; g++)
            rc = halt_group(s, x, d, e, g, m->groups[g].tools, end, now);
        if (rc == 0 && x->scrap_wip_share > 0.0)
            scrap_wip_share(s, x, d, e, now);
        break;
    case DISRUPT_OUTAGE:
        for (int32_t i = 0; i < x->ngroups && rc == 0; i++) {
            int32_t g = x->groups[i], n = m->groups[g].tools;
            if (x->tools > 0 && x->tools < n)
                n = x->tools;
            rc = halt_group(s, x, d, e, g, n, end, now);
        }
        break;
    case DISRUPT_SHORTAGE: {
        int32_t n = 0;
        for (int32_t i = 0; i < x->nsteps; i++)
            s->step_blocked[s->step_base[x->steps[i].product]
                            + x->steps[i].step]++;
        for (int32_t i = 0; i < x->nsteps && rc == 0; i++) {
            const step_ref *ref = &x->steps[i];
            int32_t g = m->products[ref->product].steps[ref->step].tool_group;
            rc = grow_scratch(s, s->groups[g].queue_length + 1);
            if (rc != 0)
                break;
            n = 0;
            queue_take(s, g, lot_at_blocked_step, g, s->scratch, &n);
            for (int32_t j = 0; j < n; j++)
                lot_hold(s, s->scratch[j], now);
        }
        break;
    }
    case DISRUPT_EXCURSION:
        for (int32_t i = 0; i < x->nsteps; i++)
            s->step_hit[s->step_base[x->steps[i].product]
                        + x->steps[i].step] = e + 1;
        break;
    case DISRUPT_KIND_COUNT:
        return WS_ESOFTWARE;
    }
    if (rc == 0)
        rc = schedule(s, end, EVENT_DISRUPT_END, e, 0);
    if (rc == 0 && s->any_conwip)
        rc = conwip_fill(s, now);
    return rc;
}

/* The end of an occurrence's window: releases and blocked steps go back
 * to plan, an excursion's window closes and its detection is scheduled.
 * Halted tools come back by their own EVENT_HALT_END. */
static int disrupt_end(fab_state *s, int32_t e, double now)
{
    const model *m = s->m;
    int32_t d = s->r->disruption_events[e].disruption;
    const disruption *x = &m->disruptions[d];
    int rc = 0;
    s->disrupt_active[d]--;
    if (x->release_share < 1.0 && --s->release_cuts == 0)
        memset(s->release_credit, 0,
               (size_t)s->nstreams * sizeof *s->release_credit);
    if (x->kind == DISRUPT_SHORTAGE && x->nsteps > 0) {
        for (int32_t i = 0; i < x->nsteps; i++)
            s->step_blocked[s->step_base[x->steps[i].product]
                            + x->steps[i].step]--;
        rc = held_sweep(s, now);
    } else if (x->kind == DISRUPT_EXCURSION) {
        for (int32_t i = 0; i < x->nsteps; i++) {
            int32_t *hit = &s->step_hit[s->step_base[x->steps[i].product]
                                        + x->steps[i].step];
            if (*hit == e + 1)
                *hit = 0;
        }
        s->r->disruption_events[e].end_day = now + x->detection_days;
        rc = schedule(s, now + x->detection_days, EVENT_DETECT, e,
                           0);
    }
    if (rc == 0 && s->any_conwip)
        rc = conwip_fill(s, now);
    return rc;
}

/* An excursion is found: its lots waiting in queues or held go now; those
 * on tools or in transport when they are next touched. */
static int disrupt_detect(fab_state *s, int32_t e, double now)
{
    s->event_found[e] = 1;
    for (int32_t g = 0; g < s->m->ngroups; g++) {
        int32_t n = 0;
        int rc = grow_scratch(s, s->groups[g].queue_length + 1);
        if (rc != 0)
            return rc;
        queue_take(s, g, lot_is_hit_by, e, s->scratch, &n);
        for (int32_t j = 0; j < n; j++)
            event_scrap(s, e, s->scratch[j], now);
    }
    return held_sweep(s, now);
}

static int handle(fab_state *s, const calendar_event *ev)
{
    double now = ev->time;
    if (ev->kind >= EVENT_DISRUPT) {
        int rc = inbound_flush_all(s);
        if (rc != 0)
            return rc;
    }
    switch ((enum event_kind)ev->kind) {
    case EVENT_RELEASE:
        return release_event(s, ev->subject, ev->tag, now);
    case EVENT_JOB_DONE:
        if (s->jobs[ev->subject].stamp != ev->tag)
            return 0;
        return job_done(s, ev->subject, now);
    case EVENT_SETUP_DONE: {
        tool *t = &s->tools[ev->subject];
        if (t->version != ev->tag)
            return 0;
        t->in_setup = 0;
        tool_update_state(s, t, now);
        return 0;
    }
    case EVENT_ENTRY_FREE: {
        tool *t = &s->tools[ev->subject];
        if (t->version != ev->tag || !t->entry_blocked
            || t->entry_free_at != now)
            return 0;
        t->entry_blocked = 0;
        tool_refresh(s, t);
        return tool_offer(s, ev->subject, now);
    }
    case EVENT_HOLD_END: {
        tool *t = &s->tools[ev->subject];
        if (t->hold_stamp != ev->tag || !t->holding)
            return 0;
        t->holding = 0;
        return tool_offer(s, ev->subject, now);
    }
    case EVENT_DOWN_DUE:
        return down_due(s, ev->subject, (int32_t)ev->tag, now);
    case EVENT_UP:
        return tool_up(s, ev->subject, now);
    case EVENT_ARRIVE:
        return lot_arrive(s, ev->subject, now);
    case EVENT_BATCH_WAIT: {
        group_state *g = &s->groups[ev->subject];
        if (g->batch_wait_at != now)
            return 0;
        g->batch_wait_at = INFINITY;
        g->batch_none_ready = 0;
        return group_offer(s, ev->subject, now);
    }
    case EVENT_CONWIP_START:
        s->conwip_open[ev->subject] = 1;
        return conwip_fill(s, now);
    case EVENT_DISRUPT:
        return disrupt_start(s, ev->subject, ev->tag, now);
    case EVENT_DISRUPT_END:
        return disrupt_end(s, ev->subject, now);
    case EVENT_HALT_END:
        return tool_unhalt(s, ev->subject, now);
    case EVENT_DETECT:
        return disrupt_detect(s, ev->subject, now);
    }
    return WS_ESOFTWARE;
}

/* Initial WIP waits at its step at time 0; the first occurrences of the
 * release streams, CONWIP starts and downtimes are scheduled. */
static int schedule_start(fab_state *s)
{
    const model *m = s->m;
    int rc = 0;
    for (int32_t i = 0; i < s->nstreams && rc == 0; i++) {
        const release_stream *st = &s->streams[i];
        if (st->kind == RELEASE_CONWIP && i < m->nproducts) {
            if (st->first_days < m->horizon_days)
                rc = schedule(s, st->first_days, EVENT_CONWIP_START,
                                   i, 0);
        } else if ((st->kind == RELEASE_INTERVAL || st->kind == RELEASE_RANDOM)
                   && st->first_days < m->horizon_days && st->count != 0) {
            rc = schedule(s, st->first_days, EVENT_RELEASE, i, 0);
        }
    }
    for (int32_t t = 0; t < s->ntools && rc == 0; t++) {
        tool *tl = &s->tools[t];
        const tool_group *tg = &m->groups[tl->group];
        for (int32_t d = 0; d < tg->ndowntimes && rc == 0; d++) {
            const tool_downtime *dt = &tg->downtimes[d];
            if (dt->kind == DOWN_PM_WAFERS)
                continue;
            double first = dist_sample(dt->has_first ? &dt->first
                                                     : &dt->interval,
                                       s->tool_rng[t]);
            if (dt->stagger)
                first *= (double)(t - s->groups[tl->group].first_tool + 1)
                         / tg->tools;
            if (first < m->horizon_days)
                rc = schedule(s, first, EVENT_DOWN_DUE, t, d);
        }
    }
    for (int32_t d = 0; d < m->ndisruptions && rc == 0; d++) {
        const disruption *x = &m->disruptions[d];
        double first = !isnan(x->start_days)
                           ? x->start_days
                           : dist_sample(&x->every, s->disrupt_rng[d]);
        if (x->count != 0 && first < m->horizon_days)
            rc = schedule(s, first, EVENT_DISRUPT, d, 0);
    }
    for (int32_t i = 0; i < m->ninitial && rc == 0; i++) {
        const initial_lot *il = &m->initial[i];
        int32_t id;
        rc = lot_create(s, il->product, il->step, il->wafers, il->priority,
                        il->release_day, il->due_day, &id);
        if (rc == 0)
            rc = lot_arrive(s, id, 0.0);
    }
    return rc;
}

static void finalise(fab_state *s)
{
    const model *m = s->m;
    fab_result *r = s->r;
    int32_t P = m->nproducts, G = m->ngroups;
    for (int32_t d = 0; d < m->ndisruptions; d++) {
        r->disruption_first_start_days[d] = NAN;
        r->disruption_last_end_days[d] = NAN;
    }
    for (size_t e = 0; e < r->ndisruption_events; e++) {
        const fab_disruption_event *ev = &r->disruption_events[e];
        int32_t d = ev->disruption;
        r->disruption_occurrences[d] += 1.0;
        if (!(ev->start_day >= r->disruption_first_start_days[d]))
            r->disruption_first_start_days[d] = ev->start_day;
        if (!(ev->end_day <= r->disruption_last_end_days[d]))
            r->disruption_last_end_days[d] = ev->end_day;
        r->disruption_lots_scrapped[d] += ev->lots_scrapped;
        r->disruption_wafers_scrapped[d] += ev->wafers_scrapped;
        r->disruption_wafers_not_started[d] += ev->wafers_not_started;
    }
    double steady_days = m->horizon_days - m->warmup_days;
    for (int32_t k = 0; k < r->nmonths; k++) {
        for (int32_t p = 0; p < P; p++) {
            size_t c = (size_t)k * (size_t)P + (size_t)p;
            double rpt = s->plans[p].rpt;
            r->wip_wafers_mean[c] = s->wip_area[c] / s->month_days[k];
            r->cycle_time_days[c] = s->ct_count[c] > 0
                                        ? s->ct_sum[c] / s->ct_count[c] : NAN;
            r->x_factor[c] = rpt > 0.0 ? r->cycle_time_days[c] / rpt : NAN;
            r->on_time_share[c] = s->due_count[c] > 0
                                      ? s->on_time[c] / s->due_count[c] : NAN;
            r->hot_cycle_time_days[c] = s->hot_count[c] > 0
                                            ? s->hot_sum[c] / s->hot_count[c]
                                            : NAN;
        }
        for (int32_t g = 0; g < G; g++) {
            size_t c = (size_t)k * (size_t)G + (size_t)g;
            double tool_days = m->groups[g].tools * s->month_days[k];
            const double *a = &s->state_area[c * TOOL_STATE_COUNT];
            r->utilisation[c] = (a[TOOL_PROCESSING] + a[TOOL_SETUP]) / tool_days;
            for (int32_t st = 0; st < TOOL_STATE_COUNT; st++)
                r->tool_state_share[c * TOOL_STATE_COUNT + (size_t)st] =
                    a[st] / tool_days;
        }
    }
    for (int32_t p = 0; p < P; p++) {
        double rpt = s->plans[p].rpt;
        r->throughput_wafers_per_day[p] = s->ss_wafers_out[p] / steady_days;
        r->mean_cycle_time_days[p] = s->ss_ct_count[p] > 0
                                         ? s->ss_ct_sum[p] / s->ss_ct_count[p]
                                         : NAN;
        r->mean_wip_wafers[p] = s->ss_wip_area[p] / steady_days;
        r->mean_wafers_scrapped_per_day[p] = s->ss_scrapped[p] / steady_days;
        r->mean_x_factor[p] = rpt > 0.0 ? r->mean_cycle_time_days[p] / rpt
                                        : NAN;
        r->mean_on_time_share[p] = s->ss_due_count[p] > 0
                                       ? s->ss_on_time[p] / s->ss_due_count[p]
                                       : NAN;
        r->mean_hot_cycle_time_days[p] = s->ss_hot_count[p] > 0
                                             ? s->ss_hot_sum[p]
                                                   / s->ss_hot_count[p]
                                             : NAN;
    }
    for (int32_t g = 0; g < G; g++) {
        double tool_days = m->groups[g].tools * steady_days;
        const double *a = &s->ss_state_area[(size_t)g * TOOL_STATE_COUNT];
        r->mean_utilisation[g] = (a[TOOL_PROCESSING] + a[TOOL_SETUP])
                                 / tool_days;
        for (int32_t st = 0; st < TOOL_STATE_COUNT; st++)
            r->mean_tool_state_share[(size_t)g * TOOL_STATE_COUNT
                                     + (size_t)st] = a[st] / tool_days;
    }
}

/* The end-of-replication invariants (models/invariants.h): O(lots + tools),
 * small next to the run. */
static int check_invariants(fab_state *s, ws_error *err)
{
    const model *m = s->m;
    invariant_where w = {s->scenario, s->replication, m->horizon_days};
    size_t nl = (size_t)s->nlots_capacity + 1;
    const char **names = malloc(((size_t)m->nproducts + 1) * sizeof *names);
    unsigned char *live = calloc(nl, 1);
    int32_t *place = calloc(nl, sizeof *place);
    double *group_days = calloc(TOOL_STATE_COUNT, sizeof *group_days);
    double *tool_days = malloc(((size_t)s->ntools + 1) * TOOL_STATE_COUNT
                               * sizeof *tool_days);
    int rc = 0;
    if (!names || !live || !place || !group_days || !tool_days) {
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (int32_t p = 0; p < m->nproducts; p++)
        names[p] = m->products[p].name;
    rc = invariant_conservation(&w, m->nproducts, names, s->released,
                                s->finished, s->wip, s->scrapped, err);
    /* Live lots: all but the free list (a loop in it marks a lot twice);
     * places: the queues, the jobs on the tools, and transport. */
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
        for (int32_t j = s->tools[t].jobs; j >= 0; j = s->jobs[j].next)
            for (int32_t i = s->jobs[j].lots; i >= 0; i = s->lots[i].next)
                place[i]++;
    for (int32_t i = 0; i < s->nlots_capacity; i++)
        if (live[i] && s->lots[i].where == LOT_TRANSIT)
            place[i]++;
    for (int32_t i = s->held_head, n = 0; i >= 0 && n <= s->nlots_capacity;
         i = s->lots[i].next, n++)
        place[i]++;
    if (rc == 0)
        rc = invariant_lot_places(&w, s->nlots_capacity, live, place, err);

    /* Close every tool's current state at the horizon. */
    for (int32_t t = 0; t < s->ntools && rc == 0; t++) {
        tool *tl = &s->tools[t];
        tl->state_days[tl->state] += m->horizon_days - tl->state_since;
        tl->state_since = m->horizon_days;
        memcpy(&tool_days[(size_t)t * TOOL_STATE_COUNT], tl->state_days,
               sizeof tl->state_days);
    }
    for (int32_t g = 0; g < m->ngroups && rc == 0; g++) {
        for (int32_t st = 0; st < TOOL_STATE_COUNT; st++) {
            group_days[st] = 0.0;
            for (int32_t k = 0; k < s->r->nmonths; k++)
                group_days[st] += s->state_area[((size_t)k * (size_t)m->ngroups
                                                 + (size_t)g) * TOOL_STATE_COUNT
                                                + (size_t)st];
        }
        rc = invariant_tool_time(&w, m->groups[g].name, m->groups[g].tools,
                                 TOOL_STATE_COUNT,
                                 &tool_days[(size_t)s->groups[g].first_tool
                                            * TOOL_STATE_COUNT],
                                 m->horizon_days, group_days, err);
    }
done:
    free(names);
    free(live);
    free(place);
    free(group_days);
    free(tool_days);
    return rc;
}

/* Planned wafer starts per day of product p at time t: the release plan,
 * not what disruptions let through; a CONWIP product's by Little's law
 * at the planned cycle time. */
static double plan_rate(const fab_state *s, int32_t p, double t)
{
    const model *m = s->m;
    double rate = 0.0;
    for (int32_t i = 0; i < s->nstreams; i++) {
        const release_stream *st = &s->streams[i];
        double interval;
        if (st->product != p || t < st->first_days)
            continue;
        if (st->kind == RELEASE_CONWIP) {
            double ct = s->plans[p].rpt * m->warning.plan_x_factor;
            if (i < m->nproducts && ct > 0.0)
                rate += st->wafers * (double)m->products[p].conwip_lots / ct;
            continue;
        }
        if (st->kind == RELEASE_INTERVAL)
            interval = st->interval_days;
        else if (st->kind == RELEASE_RANDOM)
            interval = st->interarrival->mean;
        else
            continue;
        if (interval > 0.0 && (st->count < 0
                               || t < st->first_days + st->count * interval))
            rate += st->wafers / interval;
    }
    return rate;
}

/* The early-warning snapshot at the end of the current week: WIP by area
 * against the plan, the bottleneck's queue, and the output the WIP can
 * deliver within the indicator horizon at the planned flow factor. */
static void week_close(fab_state *s)
{
    const model *m = s->m;
    fab_result *r = s->r;
    int32_t w = s->week, A = r->nareas, P = m->nproducts;
    double t = 7.0 * (w + 1), x = m->warning.plan_x_factor;
    double H = m->warning.horizon_days, projected = 0.0, planned = 0.0;
    for (int32_t p = 0; p < P; p++)
        s->projected[p] = 0.0;
    double *wip = &r->ew_wip_wafers[(size_t)w * (size_t)A];
    double *plan = &r->ew_wip_plan_wafers[(size_t)w * (size_t)A];
    for (int32_t id = 0; id < s->nlots_capacity; id++) {
        const lot *l = &s->lots[id];
        if (l->where == LOT_FREE)
            continue;
        wip[s->group_area[lot_step(l)->tool_group]] += l->wafers;
        double left = rpt_left(s, l);
        if (left * x <= H)
            s->projected[l->product] += l->wafers;
    }
    for (int32_t p = 0; p < P; p++)
        projected += s->max_rate[p] * H < s->projected[p]
                         ? s->max_rate[p] * H : s->projected[p];
    for (int32_t p = 0; p < P; p++) {
        double rate = plan_rate(s, p, t);
        for (int32_t a = 0; a < A; a++)
            plan[a] += rate * s->rpt_area[(size_t)p * (size_t)A + (size_t)a]
                       * x;
        /* In the plan a product's WIP is spread evenly over its cycle
         * time, so the share within H of the end is min(H, CT) of it. */
        double ct = s->plans[p].rpt * x, near = H < ct ? H : ct;
        planned += plan_rate(s, p, t - ct + near / 2.0) * near;
    }
    for (int32_t a = 0; a < A; a++)
        r->ew_wip_vs_plan[(size_t)w * (size_t)A + (size_t)a] =
            plan[a] > 0.0 ? wip[a] / plan[a] : NAN;
    r->ew_projected_output_wafers[w] = projected;
    r->ew_projected_shortfall[w] = planned > 0.0 ? 1.0 - projected / planned
                                                 : NAN;
    if (r->bottleneck >= 0 && s->bottleneck_capacity > 0.0) {
        /* The state at the week's end, before any event at or after it. */
        inbound_drain(s, r->bottleneck, t, 0);
        const group_state *g = &s->groups[r->bottleneck];
        double wafers = 0.0, work = 0.0;
        for (int32_t id = g->queue_head; id >= 0; id = s->lots[id].next) {
            wafers += s->lots[id].wafers;
            work += lot_work_days(s, &s->lots[id]);
        }
        double days = work / s->bottleneck_capacity;
        r->ew_bottleneck_queue_wafers[w] = wafers;
        r->ew_bottleneck_queue_days[w] = days;
        r->ew_bottleneck_queue_growth_days[w] = days - s->last_queue_days;
        s->last_queue_days = days;
    } else {
        r->ew_bottleneck_queue_wafers[w] = NAN;
        r->ew_bottleneck_queue_days[w] = NAN;
        r->ew_bottleneck_queue_growth_days[w] = NAN;
    }
    s->week++;
    s->next_week = s->week < r->nweeks ? 7.0 * (s->week + 1) : INFINITY;
}

static int simulate(fab_state *s)
{
    const model *m = s->m;
    calendar *cal = s->cal;
    int rc = schedule_start(s);
    if (rc != 0)
        return rc;
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
        s->now = ev.time;
        s->now_seq = ev.seq;
        while (ev.time >= s->next_cut)
            close_cut(s);
        while (ev.time >= s->next_week)
            week_close(s);
        /* A stop request is honoured between events, every 4096 of them:
         * microseconds late, and nearly free in the loop. */
        if ((++s->r->events & 4095) == 0 && s->stop
            && atomic_load_explicit(s->stop, memory_order_relaxed))
            return WS_EINTERRUPTED;
        rc = handle(s, &ev);
        if (rc != 0)
            return rc;
    }
    /* The state at the horizon: what arrived before it is queued. */
    for (int32_t g = 0; g < m->ngroups; g++)
        inbound_drain(s, g, horizon, 0);
    while (s->cut < s->ncuts)
        close_cut(s);
    while (s->week < s->r->nweeks)
        week_close(s);
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
