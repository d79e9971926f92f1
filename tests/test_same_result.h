/* test_same_result.h - two fab_run results hold the same values, bit for
 * bit (NaN equal to NaN), for the Check suites that compare two ways of
 * running one model. */
#ifndef WAFERSIM_TEST_SAME_RESULT_H
#define WAFERSIM_TEST_SAME_RESULT_H

#include <check.h>
#include <string.h>
#include "models/fab.h"

static inline void assert_same_doubles(const double *a, const double *b,
                                       size_t n, const char *what)
{
    ck_assert_msg((n == 0) || memcmp(a, b, n * sizeof *a) == 0,
                  "%s differs", what);
}

/* Every figure of the result; not the event count, which is how it was
 * computed. */
static inline void assert_same_result(const fab_result *a,
                                      const fab_result *b)
{
    ck_assert_int_eq(a->nmonths, b->nmonths);
    ck_assert_int_eq(a->nproducts, b->nproducts);
    ck_assert_int_eq(a->ngroups, b->ngroups);
    ck_assert_int_eq(a->nweeks, b->nweeks);
    ck_assert_int_eq(a->nareas, b->nareas);
    ck_assert_int_eq(a->nconstraints, b->nconstraints);
    ck_assert_int_eq(a->ndisruptions, b->ndisruptions);
    ck_assert_int_eq(a->bottleneck, b->bottleneck);
    size_t mp = (size_t)a->nmonths * (size_t)a->nproducts;
    size_t mg = (size_t)a->nmonths * (size_t)a->ngroups;
    size_t P = (size_t)a->nproducts, G = (size_t)a->ngroups;
    size_t W = (size_t)a->nweeks, WA = W * (size_t)a->nareas;
    size_t D = (size_t)a->ndisruptions, C = (size_t)a->nconstraints;
    /* Field by field, each named in a failure by its own name. */
#define SAME_DOUBLES(field, n) \
    assert_same_doubles(a->field, b->field, (n), #field)
    SAME_DOUBLES(wafers_out, mp);
    SAME_DOUBLES(wafer_starts, mp);
    SAME_DOUBLES(wip_wafers, mp);
    SAME_DOUBLES(wip_wafers_mean, mp);
    SAME_DOUBLES(cycle_time_days, mp);
    SAME_DOUBLES(wafers_scrapped, mp);
    SAME_DOUBLES(on_time_share, mp);
    SAME_DOUBLES(x_factor, mp);
    SAME_DOUBLES(hot_cycle_time_days, mp);
    SAME_DOUBLES(utilisation, mg);
    SAME_DOUBLES(tool_state_share, mg * TOOL_STATE_COUNT);
    SAME_DOUBLES(throughput_wafers_per_day, P);
    SAME_DOUBLES(mean_cycle_time_days, P);
    SAME_DOUBLES(mean_wip_wafers, P);
    SAME_DOUBLES(mean_wafers_scrapped_per_day, P);
    SAME_DOUBLES(mean_on_time_share, P);
    SAME_DOUBLES(mean_x_factor, P);
    SAME_DOUBLES(mean_hot_cycle_time_days, P);
    SAME_DOUBLES(mean_utilisation, G);
    SAME_DOUBLES(mean_tool_state_share, G * TOOL_STATE_COUNT);
    SAME_DOUBLES(cqt_checks, C);
    SAME_DOUBLES(cqt_violations, C);
    SAME_DOUBLES(weekly_wafers_out, W);
    SAME_DOUBLES(weekly_wafer_starts, W);
    SAME_DOUBLES(ew_wip_wafers, WA);
    SAME_DOUBLES(ew_wip_plan_wafers, WA);
    SAME_DOUBLES(ew_wip_vs_plan, WA);
    SAME_DOUBLES(ew_bottleneck_queue_wafers, W);
    SAME_DOUBLES(ew_bottleneck_queue_days, W);
    SAME_DOUBLES(ew_bottleneck_queue_growth_days, W);
    SAME_DOUBLES(ew_projected_shortfall, W);
    SAME_DOUBLES(ew_projected_output_wafers, W);
    SAME_DOUBLES(disruption_occurrences, D);
    SAME_DOUBLES(disruption_first_start_days, D);
    SAME_DOUBLES(disruption_last_end_days, D);
    SAME_DOUBLES(disruption_lots_scrapped, D);
    SAME_DOUBLES(disruption_wafers_scrapped, D);
    SAME_DOUBLES(disruption_wafers_not_started, D);
#undef SAME_DOUBLES
    ck_assert_uint_eq(a->ndisruption_events, b->ndisruption_events);
    for (size_t i = 0; i < a->ndisruption_events; i++) {
        const fab_disruption_event *x = &a->disruption_events[i],
                                   *y = &b->disruption_events[i];
        ck_assert_int_eq(x->disruption, y->disruption);
        assert_same_doubles(&x->start_day, &y->start_day, 1, "start_day");
        assert_same_doubles(&x->end_day, &y->end_day, 1, "end_day");
        assert_same_doubles(&x->lots_scrapped, &y->lots_scrapped, 1,
                            "event lots_scrapped");
        assert_same_doubles(&x->wafers_scrapped, &y->wafers_scrapped, 1,
                            "event wafers_scrapped");
        assert_same_doubles(&x->wafers_not_started, &y->wafers_not_started, 1,
                            "event wafers_not_started");
    }
    ck_assert_uint_eq(a->nlots, b->nlots);
    for (size_t i = 0; i < a->nlots; i++) {
        const fab_lot_record *x = &a->lots[i], *y = &b->lots[i];
        ck_assert(x->product == y->product && x->wafers == y->wafers
                  && x->wafers_out == y->wafers_out
                  && x->priority == y->priority);
        /* release, finish, scrap and due day, declared in a row */
        assert_same_doubles(&x->release_day, &y->release_day, 4,
                            "lot record days");
    }
    ck_assert_uint_eq(a->lot_steps, b->lot_steps);
}

/* Runs replication rep of m once with options oa and once with ob, and
 * asserts that the results are the same; the caller checks the rest and
 * destroys both. */
static inline void run_both_same(const model *m, const fab_options *oa,
                                 const fab_options *ob, uint32_t rep,
                                 fab_result **a, fab_result **b)
{
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(fab_run(m, oa, rep, a, &err) == 0, "%s", err.message);
    ck_assert_msg(fab_run(m, ob, rep, b, &err) == 0, "%s", err.message);
    assert_same_result(*a, *b);
}

#endif
