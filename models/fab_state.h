/* fab_state.h - the state of one replication of the fab, shared by the
 * files of the fab module; callers use fab.h.
 *
 *   fab.c          the event loop: lots, tools, dispatching, jobs,
 *                  releases, downtimes
 *   fab_init.c     building and freeing a replication's state and result
 *   fab_disrupt.c  disruptions (docs/disruptions.md)
 *   fab_classes.c  classes of waiting lots, for dispatching long queues
 *   fab_stats.c    statistics cuts, early-warning weeks, the result's
 *                  figures and the end-of-run invariants
 *
 * The functions declared here are the ones these files call across; each
 * is described where it is defined.
 */
#ifndef WAFERSIM_FAB_STATE_H
#define WAFERSIM_FAB_STATE_H

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "fab.h"
#include "model.h"
#include "../sim/calendar.h"
#include "../sim/stats.h"
#include "../sim/wserror.h"

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
    /* While queued in a group whose lots are filed in classes
     * (lot_class). */
    int64_t enqueued;       /* s->enqueue_seq when it joined the queue */
    int32_t lot_class;      /* index into the group's classes, -1: none */
    int32_t class_next;     /* the class's lots by (due_day, enqueued) */
    int32_t class_prev;
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

/* The waiting lots of one route step and priority in a group that
 * dispatches by class (group_state.by_class).  Every key of the group's
 * rank list before the critical ratio is the same for all of them, and
 * the critical ratio grows with the due date, so the best of them is
 * among the first by (due_day, enqueued): selection looks at a few lots
 * per class instead of the whole queue. */
typedef struct lot_class {
    const route_step *step;
    int32_t priority;
    int32_t head;           /* lots linked by lot.class_next, -1: empty */
    int32_t tail;
    int32_t active_pos;     /* position in the group's active list, or -1 */
} lot_class;

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
    /* Dispatching by class (lot_class): the rank list's static keys are
     * only priorities, and a critical ratio follows them, after at most
     * a setup key.  Long queues are filed in classes (fab_classes.c,
     * CLASSES_FROM), found by (step, priority) in an open hash of
     * class_cells cells (-1: empty); active lists the classes with
     * waiting lots. */
    int by_class;
    int indexed;            /* the waiting lots are filed in classes */
    lot_class *classes;
    int32_t nclasses;
    int32_t classes_capacity;
    int32_t *class_hash;
    uint32_t class_cells;
    int32_t *active;
    int32_t nactive;
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
    int64_t enqueue_seq;        /* last lot.enqueued handed out */
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

/* Read on every lot-step, from several files. */

static inline const route_step *lot_step(const lot *l)
{
    return l->route;
}

/* Mean raw process time of lot l's steps from its current one on. */
static inline double rpt_left(const fab_state *s, const lot *l)
{
    const product_plan *pl = &s->plans[l->product];
    return pl->rpt - (l->step > 0 ? pl->rpt_upto[l->step - 1] : 0.0);
}

/* The step needs a setup change on tool t. */
static inline int needs_setup(const tool *t, const lot *l)
{
    int32_t want = lot_step(l)->setup;
    return want >= 0 && want != t->setup;
}

/* One key of a rank list for lot l on tool t; smaller goes first. */
static inline double rank_value(const fab_state *s, enum rank_key key,
                                const tool *t, const lot *l, double now)
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

static inline int lot_doomed(const fab_state *s, const lot *l)
{
    return l->hit > 0 && s->event_found[l->hit - 1];
}

static inline int step_is_blocked(const fab_state *s, const lot *l)
{
    return s->step_blocked
           && s->step_blocked[s->step_base[l->product] + l->step] > 0;
}

/* fab.c */
int fab_schedule(fab_state *s, double time, enum event_kind kind,
                 int32_t subject, int64_t tag);
void tool_update_state(fab_state *s, tool *t, double now);
void tool_refresh(fab_state *s, tool *t);
void queue_remove(group_state *g, lot *lots, int32_t id);
int grow_scratch(fab_state *s, int32_t need);
void inbound_drain(fab_state *s, int32_t gi, double t, uint64_t seq);
int lot_arrive(fab_state *s, int32_t id, double now);
void lot_scrap(fab_state *s, int32_t id, double now);
int conwip_fill(fab_state *s, double now);
void tool_suspend(fab_state *s, tool *t, double now);
int tool_restart(fab_state *s, int32_t tool_id, double now);

/* fab_init.c */
void fab_state_free(fab_state *s);
int fab_state_init(fab_state *s, const model *m, const fab_options *opt,
                   uint32_t replication, ws_error *err);

/* fab_classes.c */
int classes_init(fab_state *s, ws_error *err);
void classes_add(fab_state *s, group_state *g, int32_t id);
void classes_remove(group_state *g, lot *lots, int32_t id);
int32_t classes_select(const fab_state *s, const group_state *g,
                       const tool *t, int32_t tool_id, int full, double now);

/* fab_stats.c */
int fab_warning_init(fab_state *s, ws_error *err);
void fab_close_cut(fab_state *s);
void fab_finalise(fab_state *s);
int fab_check_invariants(fab_state *s, ws_error *err);
void fab_week_close(fab_state *s);

/* fab_disrupt.c */
int fab_disrupt_init(fab_state *s, const fab_options *opt,
                     uint32_t replication, ws_error *err);
int doomed_scrap(fab_state *s, int32_t id, double now);
void lot_hold(fab_state *s, int32_t id, double now);
int tool_unhalt(fab_state *s, int32_t tool_id, double now);
int32_t release_cut(const fab_state *s, int32_t p, double *share);
int disrupt_start(fab_state *s, int32_t d, int64_t k, double now);
int disrupt_end(fab_state *s, int32_t e, double now);
int disrupt_detect(fab_state *s, int32_t e, double now);

#endif
