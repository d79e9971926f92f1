/* fab_stats.c - the statistics of a replication (fab_state.h): closing
 * cuts (month boundaries and the end of warm-up), the early-warning
 * indicators of each week, the result's figures at the end, and the
 * end-of-run invariants. */
#include "fab.h"
#include "fab_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "invariants.h"
#include "../sim/stats.h"

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
int fab_warning_init(fab_state *s, ws_error *err)
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

/* Closes the statistics interval that ends at the next cut. */
void fab_close_cut(fab_state *s)
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

void fab_finalise(fab_state *s)
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
int fab_check_invariants(fab_state *s, ws_error *err)
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
void fab_week_close(fab_state *s)
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
