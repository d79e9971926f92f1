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
 *
 * This file is the event loop and what it moves; building the state,
 * disruptions and statistics are in the files fab_state.h lists.
 */
#include "fab.h"
#include "fab_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "invariants.h"
#include "../sim/calendar.h"
#include "../sim/stats.h"

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

int fab_schedule(fab_state *s, double time, enum event_kind kind,
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

/* Moves the tool's time accounting to the state its flags now say. */
void tool_update_state(fab_state *s, tool *t, double now)
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
void tool_refresh(fab_state *s, tool *t)
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

void queue_remove(group_state *g, lot *lots, int32_t id)
{
    lot *l = &lots[id];
    if (g->indexed)
        classes_remove(g, lots, id);
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

/* Lot l may start on tool t now: its dedication allows t, and a tool
 * already processing (cascade) or holding its setup for a minimum run
 * does not change its setup. */
static int lot_fits(const tool *t, int32_t tool_id, const lot *l)
{
    if (l->tool >= 0 && l->tool != tool_id)
        return 0;
    return (t->njobs == 0 && !t->holding) || !needs_setup(t, l);
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
 * lots go to the tail at once.  Otherwise the place is sought from both
 * ends at once: a hot lot joining a long queue of normal ones passes
 * only the few hot lots ahead of it. */
static void queue_insert(fab_state *s, group_state *g, const tool_group *tg,
                         int32_t id, double now)
{
    lot *lots = s->lots;
    int32_t after = g->queue_tail;
    if (g->nstatic > 0 && after >= 0
        && static_order(s, tg, g->nstatic, &lots[id], &lots[after], now) < 0) {
        /* The lots it ranks before are a tail of the queue, which holds
         * at least the last lot: the walk from the head ends there. */
        int32_t front = g->queue_head, back = lots[after].prev;
        for (;;) {
            if (static_order(s, tg, g->nstatic, &lots[id], &lots[front],
                             now) < 0) {
                after = lots[front].prev;
                break;
            }
            front = lots[front].next;
            if (back < 0 || static_order(s, tg, g->nstatic, &lots[id],
                                         &lots[back], now) >= 0) {
                after = back;
                break;
            }
            back = lots[back].prev;
        }
    }
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
    /* Classes pay off once they hold a few lots each. */
    if (g->indexed && g->queue_length > 2 * g->nactive) {
        s->r->class_dispatches++;
        return classes_select(s, g, t, tool_id, full, now);
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

int grow_scratch(fab_state *s, int32_t need)
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
            int rc = fab_schedule(s, wake, EVENT_BATCH_WAIT,
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
        rc = fab_schedule(s, j->setup_end, EVENT_SETUP_DONE, tool_id,
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
            rc = fab_schedule(s, entry, EVENT_ENTRY_FREE, tool_id,
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
    if (g->by_class)
        classes_add(s, g, id);
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
void inbound_drain(fab_state *s, int32_t gi, double t, uint64_t seq)
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
    return fab_schedule(s, at, EVENT_ARRIVE, id, 0);
}

/* The lot joins the queue of its current step's group and, when a tool
 * is free for it, starts.  Free tools had nothing they could take before
 * (except batches that wait), so a lot that arrives to a free tool that
 * fits it starts at once; a tool already in the lot's setup is preferred. */
int lot_arrive(fab_state *s, int32_t id, double now)
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

void lot_scrap(fab_state *s, int32_t id, double now)
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
        int rc = fab_schedule(s, next, EVENT_RELEASE, stream, number + 1);
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
int conwip_fill(fab_state *s, double now)
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
void tool_suspend(fab_state *s, tool *t, double now)
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
    return fab_schedule(s, now + dist_sample(&dt->duration, s->tool_rng[id]),
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
        return fab_schedule(s, now + dist_sample(&tg->downtimes[d].duration,
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
int tool_restart(fab_state *s, int32_t tool_id, double now)
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
                rc = fab_schedule(s, jb->setup_end, EVENT_SETUP_DONE,
                                  tool_id, t->version);
            }
        }
        if (rc == 0 && t->entry_blocked && t->entry_job < 0) {
            t->entry_free_at = now + t->entry_left;
            rc = fab_schedule(s, t->entry_free_at, EVENT_ENTRY_FREE,
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
        rc = fab_schedule(s, now + dist_sample(&dt->interval,
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
        rc = fab_schedule(s, now + s->m->setup_min_run_wait_days,
                          EVENT_HOLD_END, tool_id, t->hold_stamp);
    while (rc == 0 && lots >= 0) {
        int32_t next = s->lots[lots].next;
        rc = lot_step_done(s, lots, tool_id, now);
        lots = next;
    }
    return rc;
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
                rc = fab_schedule(s, st->first_days, EVENT_CONWIP_START,
                                  i, 0);
        } else if ((st->kind == RELEASE_INTERVAL || st->kind == RELEASE_RANDOM)
                   && st->first_days < m->horizon_days && st->count != 0) {
            rc = fab_schedule(s, st->first_days, EVENT_RELEASE, i, 0);
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
                rc = fab_schedule(s, first, EVENT_DOWN_DUE, t, d);
        }
    }
    for (int32_t d = 0; d < m->ndisruptions && rc == 0; d++) {
        const disruption *x = &m->disruptions[d];
        double first = !isnan(x->start_days)
                           ? x->start_days
                           : dist_sample(&x->every, s->disrupt_rng[d]);
        if (x->count != 0 && first < m->horizon_days)
            rc = fab_schedule(s, first, EVENT_DISRUPT, d, 0);
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
            fab_close_cut(s);
        while (ev.time >= s->next_week)
            fab_week_close(s);
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
        fab_close_cut(s);
    while (s->week < s->r->nweeks)
        fab_week_close(s);
    return 0;
}

int fab_run(const model *m, const fab_options *opt, uint32_t replication,
            fab_result **out, ws_error *err)
{
    fab_state s;
    *out = NULL;
    int rc = fab_state_init(&s, m, opt, replication, err);
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
        fab_finalise(&s);
        rc = fab_check_invariants(&s, err);
    }
    if (rc == 0) {
        *out = s.r;
        s.r = NULL;
    }
    fab_result_destroy(s.r);
    fab_state_free(&s);
    return rc;
}
