/* fab_disrupt.c - disruptions of a replication (docs/disruptions.md).
 *
 * A halt stops a tool like a breakdown that also keeps it from starting a
 * PM; halts nest (a count), and the tool restarts when the last one and
 * any repair are over.  Lots a disruption dooms outside a tool (in
 * transport, or hit by an excursion) carry the occurrence in lot.hit and
 * go as scrap where they are next touched once the occurrence is "found":
 * a shutdown's at once, an excursion's at its detection. */
#include "fab.h"
#include "fab_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "../sim/stream.h"

/* Disruption state: a stream per disruption (so a disruption draws
 * nothing from the others' streams, and the run before its first
 * occurrence is the baseline's, draw for draw), and step tables when a
 * disruption names steps. */
int fab_disrupt_init(fab_state *s, const fab_options *opt,
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
int doomed_scrap(fab_state *s, int32_t id, double now)
{
    event_scrap(s, s->lots[id].hit - 1, id, now);
    return s->any_conwip ? conwip_fill(s, now) : 0;
}

void lot_hold(fab_state *s, int32_t id, double now)
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

int tool_unhalt(fab_state *s, int32_t tool_id, double now)
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
        int rc = fab_schedule(s, back, EVENT_HALT_END, first + i, e);
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
int32_t release_cut(const fab_state *s, int32_t p, double *share)
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

int disrupt_start(fab_state *s, int32_t d, int64_t k, double now)
{
    const model *m = s->m;
    const disruption *x = &m->disruptions[d];
    gsl_rng *rng = s->disrupt_rng[d];
    int rc = 0;
    if (x->has_every && (x->count < 0 || k + 1 < x->count)) {
        double next = now + dist_sample(&x->every, rng);
        if (next < m->horizon_days)
            rc = fab_schedule(s, next, EVENT_DISRUPT, d, k + 1);
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
        for (int32_t i = 0; i < x->nsteps; i++)
            s->step_blocked[s->step_base[x->steps[i].product]
                            + x->steps[i].step]++;
        for (int32_t i = 0; i < x->nsteps && rc == 0; i++) {
            const step_ref *ref = &x->steps[i];
            int32_t g = m->products[ref->product].steps[ref->step].tool_group;
            rc = grow_scratch(s, s->groups[g].queue_length + 1);
            if (rc != 0)
                break;
            int32_t n = 0;
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
        rc = fab_schedule(s, end, EVENT_DISRUPT_END, e, 0);
    if (rc == 0 && s->any_conwip)
        rc = conwip_fill(s, now);
    return rc;
}

/* The end of an occurrence's window: releases and blocked steps go back
 * to plan, an excursion's window closes and its detection is scheduled.
 * Halted tools come back by their own EVENT_HALT_END. */
int disrupt_end(fab_state *s, int32_t e, double now)
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
        rc = fab_schedule(s, now + x->detection_days, EVENT_DETECT, e,
                          0);
    }
    if (rc == 0 && s->any_conwip)
        rc = conwip_fill(s, now);
    return rc;
}

/* An excursion is found: its lots waiting in queues or held go now; those
 * on tools or in transport when they are next touched. */
int disrupt_detect(fab_state *s, int32_t e, double now)
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
