/* fab_init.c - building and freeing a replication's state (fab_state.h)
 * and its result: streams, plans, tools and groups, the statistics cuts. */
#include "fab.h"
#include "fab_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "../sim/calendar.h"
#include "../sim/date.h"
#include "../sim/stats.h"
#include "../sim/stream.h"

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

/* Frees an array of n generators, any of them (or the array) NULL. */
static void rngs_free(gsl_rng **rngs, int32_t n)
{
    for (int32_t i = 0; rngs && i < n; i++)
        gsl_rng_free(rngs[i]);
    free(rngs);
}

void fab_state_free(fab_state *s)
{
    const model *m = s->m;
    for (int32_t i = 0; s->streams && i < s->nstreams; i++)
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
            gsl_rng_free(pl->rng);
        }
    free(s->plans);
    if (s->groups)
        for (int32_t g = 0; g < m->ngroups; g++) {
            free(s->groups[g].avail);
            free(s->groups[g].inbound);
            free(s->groups[g].classes);
            free(s->groups[g].class_hash);
            free(s->groups[g].active);
            gsl_rng_free(s->groups[g].rng);
            gsl_rng_free(s->groups[g].setup_rng);
        }
    free(s->groups);
    rngs_free(s->tool_rng, s->ntools);
    free(s->tools);
    free(s->downs);
    free(s->jobs);
    free(s->lots);
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
    rngs_free(s->disrupt_rng, m->ndisruptions);
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
    /* Classes (lot_class) need every key before the critical ratio to be
     * the same for the lots of one step and priority. */
    int uniform = 1;
    for (int32_t i = 0; i < k; i++)
        uniform = uniform && (tg->rank[i] == RANK_PRIORITY
                              || tg->rank[i] == RANK_STEP);
    int32_t cr = k + setup;
    gs->by_class = uniform && !tg->batching && cr < tg->nrank
                   && tg->rank[cr] == RANK_CR;
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
        if (opt->scan_dispatch)
            gs->by_class = 0;
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

int fab_state_init(fab_state *s, const model *m, const fab_options *opt,
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
    if ((rc = classes_init(s, err)) != 0)
        return rc;
    s->defer_arrivals = !opt->eager_arrivals;
    if (m->has_transport) {
        s->transport_rng = stream_create(m->seed, opt->stream_scenario,
                                         replication, STREAM_TRANSPORT);
        if (!s->transport_rng)
            return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if ((rc = fab_disrupt_init(s, opt, replication, err)) != 0)
        return rc;
    if ((rc = fab_warning_init(s, err)) != 0)
        return rc;
    s->cal = calendar_create((size_t)s->ntools * 2 + (size_t)s->nstreams
                             + (size_t)m->ninitial + 64);
    if (!s->cal)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    return 0;
}
