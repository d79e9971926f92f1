/* Disruptions and the weekly early-warning indicators (models/fab.h,
 * docs/disruptions.md): conservation of wafers under every kind, the
 * output a shutdown loses against the capacity analysis, the exact effect
 * of each kind on small deterministic lines, common random numbers with
 * the undisrupted baseline, and the weekly snapshots against the lot
 * records. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/capacity.h"
#include "models/fab.h"
#include "models/model.h"
#include "sim/stats.h"
#include "test_dists.h"
#include "test_same_result.h"

static fab_result *run(const model *m, uint32_t replication)
{
    fab_options fo = {.scenario = 0, .record_lots = 1};
    fab_result *r;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(fab_run(m, &fo, replication, &r, &err) == 0, "%s",
                  err.message);
    return r;
}

static route_step *add_step(product *p, int32_t group, dist time)
{
    route_step *s = model_add_step(p, "step");
    ck_assert_ptr_nonnull(s);
    s->tool_group = group;
    s->per = TIME_PER_LOT;
    s->time = time;
    return s;
}

/* A three-area line: FRONT (2 tools) -> LITHO (1 tool, the bottleneck) ->
 * BACK (2 tools), re-entrant `layers` times, one product of 1-wafer lots
 * released every `interval` days; breakdowns on LITHO when `random`. */
static model *line(double horizon, int layers, double interval, int random)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    m->horizon_days = horizon;
    m->seed = 20261127;
    int32_t front = model_add_tool_group(m, "FRONT", 2);
    int32_t litho = model_add_tool_group(m, "LITHO", 1);
    int32_t back = model_add_tool_group(m, "BACK", 2);
    m->groups[front].area = strdup("Film");
    m->groups[litho].area = strdup("Litho");
    m->groups[back].area = strdup("Etch");
    int32_t pi = model_add_product(m, "P");
    ck_assert_int_eq(pi, 0);
    product *p = &m->products[pi];
    p->lot_size = 1;
    p->release = RELEASE_INTERVAL;
    p->release_interval_days = interval;
    for (int k = 0; k < layers; k++) {
        add_step(p, front, random ? exponential(0.1) : constant(0.1));
        add_step(p, litho, constant(0.08));
        add_step(p, back, random ? exponential(0.1) : constant(0.1));
    }
    if (random) {
        tool_downtime *d = model_add_downtime(&m->groups[litho], "BD");
        ck_assert_ptr_nonnull(d);
        d->kind = DOWN_BREAKDOWN;
        d->interval = exponential(5.0);
        d->duration = exponential(0.25);
    }
    return m;
}

static disruption *add(model *m, const char *name, enum disruption_kind k,
                       double start, double duration)
{
    disruption *x = model_add_disruption(m, name, k);
    ck_assert_ptr_nonnull(x);
    x->start_days = start;
    x->duration = constant(duration);
    return x;
}

static step_ref *one_step(int32_t p, int32_t step)
{
    step_ref *s = malloc(sizeof *s);
    ck_assert_ptr_nonnull(s);
    s->product = p;
    s->step = step;
    return s;
}

static double total(const double *x, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum;
}

/* Every wafer released is out, scrapped or still in the fab, by the lot
 * records; and what the disruptions say they scrapped is all the scrap
 * (the lines have no yield loss). */
static void assert_conserved(const fab_result *r)
{
    double released = 0.0, out = 0.0, scrapped = 0.0, in_fab = 0.0;
    for (size_t i = 0; i < r->nlots; i++) {
        const fab_lot_record *l = &r->lots[i];
        released += l->wafers;
        if (!isnan(l->finish_day))
            out += l->wafers_out;
        else if (!isnan(l->scrap_day))
            scrapped += l->wafers;
        else
            in_fab += l->wafers;
    }
    size_t mp = (size_t)r->nmonths * (size_t)r->nproducts;
    ck_assert_double_eq(out, total(r->wafers_out, mp));
    ck_assert_double_eq(scrapped, total(r->wafers_scrapped, mp));
    ck_assert_double_eq(released, out + scrapped + in_fab);
    ck_assert_double_eq(scrapped, total(r->disruption_wafers_scrapped,
                                        (size_t)r->ndisruptions));
}

START_TEST(conservation_under_every_kind)
{
    for (int k = 0; k < DISRUPT_KIND_COUNT; k++) {
        model *m = line(200.0, 4, 0.1, 1);
        disruption *x = add(m, "it", (enum disruption_kind)k, 60.0, 6.0);
        switch ((enum disruption_kind)k) {
        case DISRUPT_SHUTDOWN:
            x->scrap_wip_share = 0.3;
            x->restart_share_per_week = 0.5;
            x->has_requalification = 1;
            x->requalification = exponential(1.0);
            x->release_share = 0.0;
            break;
        case DISRUPT_POWER_SAG:
            x->duration = constant(0.2);
            x->has_every = 1;
            x->every = exponential(20.0);
            x->count = -1;
            break;
        case DISRUPT_OUTAGE:
            x->groups = malloc(sizeof *x->groups);
            ck_assert_ptr_nonnull(x->groups);
            x->groups[0] = 1;
            x->ngroups = 1;
            x->scrap_in_process = 1;
            break;
        case DISRUPT_SHORTAGE:
            x->release_share = 0.5;
            x->steps = one_step(0, 4);
            x->nsteps = 1;
            break;
        case DISRUPT_EXCURSION:
            x->steps = one_step(0, 7);
            x->nsteps = 1;
            x->excursion_scrap_share = 0.5;
            x->detection_days = 3.0;
            break;
        case DISRUPT_KIND_COUNT:
            break;
        }
        for (uint32_t rep = 0; rep < 3; rep++) {
            fab_result *r = run(m, rep);
            ck_assert_msg(r->disruption_occurrences[0] >= 1.0, "kind %d", k);
            assert_conserved(r);
            if (k != DISRUPT_SHORTAGE)
                ck_assert_msg(r->disruption_wafers_scrapped[0] > 0.0,
                              "kind %d scrapped nothing", k);
            fab_result_destroy(r);
        }
        model_destroy(m);
    }
}
END_TEST

/* Results a fab_run gives, compared value for value. */
static void assert_same_run(const fab_result *a, const fab_result *b)
{
    size_t mp = (size_t)a->nmonths * (size_t)a->nproducts;
    ck_assert_int_eq(a->nlots, b->nlots);
    ck_assert_int_eq(a->events, b->events);
    ck_assert_int_eq(memcmp(a->wafers_out, b->wafers_out, mp * sizeof(double)),
                     0);
    for (size_t i = 0; i < a->nlots; i++) {
        ck_assert(a->lots[i].release_day == b->lots[i].release_day);
        ck_assert((isnan(a->lots[i].finish_day) && isnan(b->lots[i].finish_day))
                  || a->lots[i].finish_day == b->lots[i].finish_day);
    }
}

START_TEST(disruptions_that_never_happen_change_nothing)
{
    model *m = line(120.0, 3, 0.1, 1);
    fab_result *base = run(m, 1);
    disruption *x = add(m, "never", DISRUPT_SHUTDOWN, 0.0, 5.0);
    x->count = 0;
    add(m, "later", DISRUPT_POWER_SAG, 500.0, 1.0);
    fab_result *r = run(m, 1);
    assert_same_run(base, r);
    ck_assert_int_eq(r->ndisruption_events, 0);
    fab_result_destroy(r);
    model_clear_disruptions(m);
    r = run(m, 1);
    assert_same_run(base, r);
    fab_result_destroy(r);
    fab_result_destroy(base);
    model_destroy(m);
}
END_TEST

/* Common random numbers: before the first occurrence the disrupted run is
 * the baseline, lot for lot. */
START_TEST(before_onset_the_run_is_the_baseline)
{
    model *m = line(150.0, 3, 0.3, 1);
    fab_result *base = run(m, 2);
    add(m, "quake", DISRUPT_SHUTDOWN, 70.0, 10.0);
    fab_result *r = run(m, 2);
    size_t same = 0;
    for (size_t i = 0; i < base->nlots && i < r->nlots; i++) {
        if (!(base->lots[i].finish_day < 70.0))
            continue;
        ck_assert(r->lots[i].finish_day == base->lots[i].finish_day);
        same++;
    }
    ck_assert_uint_gt(same, 150);
    fab_result_destroy(r);
    fab_result_destroy(base);
    model_destroy(m);
}
END_TEST

/* A transport of 5 to 10 minutes between steps, as in SMT2020. */
static void add_transport(model *m)
{
    dist d;
    double p[3] = {5.0 / 1440.0, 10.0 / 1440.0, 0.0};
    char why[128];
    ck_assert_msg(dist_init(&d, DIST_UNIFORM, p, why, sizeof why) == 0, "%s",
                  why);
    m->transport = d;
    m->has_transport = 1;
}

/* Deferred arrivals (fab.c) are a way of computing, not of modelling: with
 * and without them every figure is the same, bit for bit, under each kind
 * of disruption too, while about half the transports need no event. */
START_TEST(deferred_arrivals_change_nothing)
{
    for (int k = -1; k < DISRUPT_KIND_COUNT; k++) {
        /* Releases off the week's grid: a deferred arrival is due between
         * a week's end and the next event now and then. */
        model *m = line(150.0, 4, 0.0973, 1);
        add_transport(m);
        if (k >= 0) {
            disruption *x = add(m, "it", (enum disruption_kind)k, 50.0, 6.0);
            x->release_share = 0.5;
            if (k == DISRUPT_SHUTDOWN) {
                x->scrap_wip_share = 0.3;
                x->restart_share_per_week = 0.5;
            } else if (k == DISRUPT_POWER_SAG) {
                x->duration = constant(0.2);
                x->has_every = 1;
                x->every = exponential(10.0);
                x->count = -1;
            } else if (k == DISRUPT_OUTAGE) {
                x->groups = malloc(sizeof *x->groups);
                ck_assert_ptr_nonnull(x->groups);
                x->groups[0] = 2;
                x->ngroups = 1;
            } else if (k == DISRUPT_SHORTAGE) {
                x->steps = one_step(0, 4);
                x->nsteps = 1;
            } else if (k == DISRUPT_EXCURSION) {
                x->steps = one_step(0, 7);
                x->nsteps = 1;
                x->excursion_scrap_share = 0.5;
                x->detection_days = 3.0;
            }
        }
        for (uint32_t rep = 0; rep < 2; rep++) {
            fab_options eager = {.record_lots = 1, .eager_arrivals = 1};
            fab_options deferred = {.record_lots = 1};
            fab_result *a, *b;
            run_both_same(m, &eager, &deferred, rep, &a, &b);
            ck_assert_uint_eq(a->deferred_arrivals, 0);
            ck_assert_msg(b->deferred_arrivals * 5 > a->lot_steps,
                          "kind %d: %llu of %llu arrivals deferred", k,
                          (unsigned long long)b->deferred_arrivals,
                          (unsigned long long)a->lot_steps);
            ck_assert_uint_lt(b->events, a->events);
            fab_result_destroy(a);
            fab_result_destroy(b);
        }
        model_destroy(m);
    }
}
END_TEST

/* A fab fed beyond its bottleneck (LITHO at 120%, the others at 71%)
 * loses, to a shutdown of D days without scrap, the bottleneck's output of
 * D days: capacity_analyse's maximum rate (availability included) times
 * D.  Paired on common random numbers over replications. */
START_TEST(shutdown_loses_capacity_times_duration)
{
    const double D = 12.0;
    const int reps = 10;
    model *m = line(240.0, 1, 0.07, 1);
    capacity_report *cap;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(capacity_analyse(m, 0.85, &cap, &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(cap->bottleneck, 1);
    ck_assert_msg(cap->utilisation[1] > 1.05, "the bottleneck must be "
                  "overloaded, is at %g", cap->utilisation[1]);
    double rate = cap->max_wafers_per_month[0] / CAPACITY_DAYS_PER_MONTH;
    capacity_report_destroy(cap);
    model *hit = line(240.0, 1, 0.07, 1);
    disruption *x = add(hit, "quake", DISRUPT_SHUTDOWN, 100.0, D);
    x->scrap_in_process = 0;
    double lost[10];
    for (int i = 0; i < reps; i++) {
        fab_result *a = run(m, (uint32_t)i), *b = run(hit, (uint32_t)i);
        size_t mp = (size_t)a->nmonths * (size_t)a->nproducts;
        lost[i] = total(a->wafers_out, mp) - total(b->wafers_out, mp);
        ck_assert_double_eq(b->disruption_wafers_scrapped[0], 0.0);
        fab_result_destroy(a);
        fab_result_destroy(b);
    }
    confidence_interval ci = stats_confidence_interval(lost, reps, 0.99);
    double expected = rate * D;
    ck_assert_msg(ci.low - 2.0 <= expected && expected <= ci.high + 2.0,
                  "lost %.1f [%.1f, %.1f], capacity x D = %.1f", ci.mean,
                  ci.low, ci.high, expected);
    ck_assert_msg(ci.half_width < 0.05 * expected, "interval %.1f too wide",
                  ci.half_width);
    model_destroy(hit);
    model_destroy(m);
}
END_TEST

START_TEST(power_sag_scraps_the_lots_in_process)
{
    model *m = line(100.0, 2, 0.07, 0);
    add(m, "sag", DISRUPT_POWER_SAG, 50.0, 0.125);
    fab_result *r = run(m, 0);
    ck_assert_int_eq(r->ndisruption_events, 1);
    double scrapped = 0.0;
    for (size_t i = 0; i < r->nlots; i++)
        if (!isnan(r->lots[i].scrap_day)) {
            ck_assert_double_eq(r->lots[i].scrap_day, 50.0);
            scrapped += 1.0;
        }
    /* LITHO is overloaded, so busy; the other four tools may be idle. */
    ck_assert_double_eq(scrapped, r->disruption_events[0].lots_scrapped);
    ck_assert(scrapped >= 1.0 && scrapped <= 5.0);
    ck_assert_double_eq(r->disruption_events[0].end_day, 50.125);
    assert_conserved(r);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* Four tools back a quarter a week after the duration, each then
 * re-qualified for a day: the last is back at start + D + 3 weeks + 1. */
START_TEST(shutdown_restarts_in_stages)
{
    model *m = line(150.0, 2, 0.2, 0);
    m->groups[0].tools = 4;
    disruption *x = add(m, "quake", DISRUPT_SHUTDOWN, 30.0, 10.0);
    x->restart_share_per_week = 0.25;
    x->has_requalification = 1;
    x->requalification = constant(1.0);
    fab_result *r = run(m, 0);
    ck_assert_double_eq(r->disruption_events[0].end_day, 30.0 + 10 + 21 + 1);
    /* Nothing finishes while every tool is down. */
    for (size_t i = 0; i < r->nlots; i++)
        ck_assert(!(r->lots[i].finish_day > 30.0
                    && r->lots[i].finish_day < 41.0));
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(shortage_thins_releases_evenly)
{
    model *m = line(100.0, 1, 1.0, 0);
    disruption *x = add(m, "resist", DISRUPT_SHORTAGE, 20.5, 40.0);
    x->release_share = 0.25;
    fab_result *r = run(m, 0);
    /* Releases at days 21..60 (40 of them): one in four starts. */
    ck_assert_double_eq(r->disruption_events[0].wafers_not_started, 30.0);
    size_t in_window = 0;
    for (size_t i = 0; i < r->nlots; i++)
        in_window += r->lots[i].release_day > 20.5
                     && r->lots[i].release_day < 60.5;
    ck_assert_uint_eq(in_window, 10);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* Step #5 (LITHO of layer 2) blocked for 20 days: no lot passes it, so
 * after the lots beyond it have left nothing finishes until the block
 * ends; then the held lots go on. */
START_TEST(blocked_step_holds_its_lots)
{
    model *m = line(120.0, 2, 0.2, 0);
    disruption *x = add(m, "gas", DISRUPT_SHORTAGE, 40.0, 20.0);
    x->release_share = 1.0;
    x->steps = one_step(0, 4);
    x->nsteps = 1;
    fab_result *r = run(m, 0);
    size_t during = 0, after = 0;
    for (size_t i = 0; i < r->nlots; i++) {
        double f = r->lots[i].finish_day;
        during += f > 41.0 && f < 60.0;
        after += f >= 60.0 && f < 70.0;
    }
    ck_assert_uint_eq(during, 0);
    /* The ~100 held lots flood out, at LITHO's pace of 12.5 a day, with
     * the 50 released in the meantime. */
    ck_assert_uint_gt(after, 100);
    assert_conserved(r);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* Lots finishing step #1 in [100, 103) are hit; found 5 days after the
 * window, or at the end of their route if they get there first. */
START_TEST(excursion_scraps_the_hit_lots)
{
    model *m = line(150.0, 2, 0.5, 0);
    disruption *x = add(m, "particles", DISRUPT_EXCURSION, 100.0, 3.0);
    x->steps = one_step(0, 0);
    x->nsteps = 1;
    x->detection_days = 5.0;
    fab_result *r = run(m, 0);
    size_t hit = 0;
    for (size_t i = 0; i < r->nlots; i++) {
        double released = r->lots[i].release_day;
        /* Step #1 takes 0.1 day from release (FRONT is never busy). */
        int expected = released + 0.1 >= 100.0 && released + 0.1 < 103.0;
        ck_assert_int_eq(!isnan(r->lots[i].scrap_day), expected);
        if (expected) {
            ck_assert(r->lots[i].scrap_day <= 108.0 + 1e-9);
            hit++;
        }
    }
    ck_assert_uint_eq(hit, 6);
    ck_assert_double_eq(r->disruption_events[0].lots_scrapped, 6.0);
    ck_assert_double_eq(r->disruption_events[0].end_day, 108.0);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* The weekly snapshots against the lot records: output per week, and the
 * WIP over all areas at each week's end. */
START_TEST(weekly_figures_match_the_lots)
{
    model *m = line(140.0, 3, 0.1, 1);
    disruption *x = add(m, "quake", DISRUPT_SHUTDOWN, 60.0, 5.0);
    x->scrap_wip_share = 0.2;
    fab_result *r = run(m, 3);
    ck_assert_int_eq(r->nweeks, 20);
    ck_assert_int_eq(r->nareas, 3);
    ck_assert_int_eq(r->bottleneck, 1);
    for (int32_t w = 0; w < r->nweeks; w++) {
        double lo = 7.0 * w, hi = lo + 7.0, out = 0.0, wip = 0.0, area = 0.0;
        for (size_t i = 0; i < r->nlots; i++) {
            const fab_lot_record *l = &r->lots[i];
            if (l->finish_day >= lo && l->finish_day < hi)
                out += l->wafers_out;
            int gone = l->finish_day < hi || l->scrap_day < hi;
            if (l->release_day < hi && !gone)
                wip += l->wafers;
        }
        for (int32_t a = 0; a < r->nareas; a++)
            area += r->ew_wip_wafers[w * r->nareas + a];
        ck_assert_msg(r->weekly_wafers_out[w] == out, "week %d: %g != %g",
                      (int)w, r->weekly_wafers_out[w], out);
        ck_assert_msg(area == wip, "week %d: WIP %g != %g", (int)w, area,
                      wip);
    }
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* Releases cut to nothing for five weeks on a 30-layer line (cycle
 * time about two weeks): the WIP of the first area falls below plan, and
 * the projected shortfall rises, before the output stops. */
START_TEST(indicators_warn_before_the_output_drops)
{
    model *m = line(280.0, 30, 2.6, 0);
    add(m, "wafers", DISRUPT_SHORTAGE, 120.0, 35.0);
    fab_result *r = run(m, 0);
    int32_t A = r->nareas, wip_week = -1, short_week = -1, drop_week = -1;
    double base_wip = 0.0, base_short = 0.0;
    for (int32_t w = 8; w < 16; w++) {
        base_wip += r->ew_wip_vs_plan[w * A + 0] / 8.0;
        base_short += r->ew_projected_shortfall[w] / 8.0;
    }
    for (int32_t w = 16; w < r->nweeks; w++) {
        if (wip_week < 0 && r->ew_wip_vs_plan[w * A + 0] < 0.5 * base_wip)
            wip_week = w;
        if (short_week < 0 && r->ew_projected_shortfall[w] > base_short + 0.3)
            short_week = w;
        if (drop_week < 0 && r->weekly_wafers_out[w] == 0.0)
            drop_week = w;
    }
    ck_assert_int_ge(wip_week, 0);
    ck_assert_int_ge(drop_week, 0);
    ck_assert_int_ge(short_week, 0);
    ck_assert_msg(wip_week < drop_week, "WIP flagged in week %d, output "
                  "dropped in week %d", (int)wip_week, (int)drop_week);
    ck_assert_msg(short_week < drop_week, "shortfall flagged in week %d, "
                  "output dropped in week %d", (int)short_week,
                  (int)drop_week);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

static Suite *disruptions_suite(void)
{
    Suite *s = suite_create("disruptions");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, conservation_under_every_kind);
    tcase_add_test(tc, disruptions_that_never_happen_change_nothing);
    tcase_add_test(tc, before_onset_the_run_is_the_baseline);
    tcase_add_test(tc, deferred_arrivals_change_nothing);
    tcase_add_test(tc, shutdown_loses_capacity_times_duration);
    tcase_add_test(tc, power_sag_scraps_the_lots_in_process);
    tcase_add_test(tc, shutdown_restarts_in_stages);
    tcase_add_test(tc, shortage_thins_releases_evenly);
    tcase_add_test(tc, blocked_step_holds_its_lots);
    tcase_add_test(tc, excursion_scraps_the_hit_lots);
    tcase_add_test(tc, weekly_figures_match_the_lots);
    tcase_add_test(tc, indicators_warn_before_the_output_drops);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(disruptions_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
