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
    assert_same_doubles(a->wafers_out, b->wafers_out, mp, "wafers_out");
    assert_same_doubles(a->wafer_starts, b->wafer_starts, mp, "wafer_starts");
    assert_same_doubles(a->wip_wafers, b->wip_wafers, mp, "wip_wafers");
    assert_same_doubles(a->wip_wafers_mean, b->wip_wafers_mean, mp,
                        "wip_wafers_mean");
    assert_same_doubles(a->cycle_time_days, b->cycle_time_days, mp,
                        "cycle_time_days");
    assert_same_doubles(a->wafers_scrapped, b->wafers_scrapped, mp,
                        "wafers_scrapped");
    assert_same_doubles(a->on_time_share, b->on_time_share, mp,
                        "on_time_share");
    assert_same_doubles(a->x_factor, b->x_factor, mp, "x_factor");
    assert_same_doubles(a->hot_cycle_time_days, b->hot_cycle_time_days, mp,
                        "hot_cycle_time_days");
    assert_same_doubles(a->utilisation, b->utilisation, mg, "utilisation");
    assert_same_doubles(a->tool_state_share, b->tool_state_share,
                        mg * TOOL_STATE_COUNT, "tool_state_share");
    assert_same_doubles(a->throughput_wafers_per_day,
                        b->throughput_wafers_per_day, P, "throughput");
    assert_same_doubles(a->mean_cycle_time_days, b->mean_cycle_time_days, P,
                        "mean_cycle_time_days");
    assert_same_doubles(a->mean_wip_wafers, b->mean_wip_wafers, P,
                        "mean_wip_wafers");
    assert_same_doubles(a->mean_utilisation, b->mean_utilisation, G,
                        "mean_utilisation");
    assert_same_doubles(a->mean_tool_state_share, b->mean_tool_state_share,
                        G * TOOL_STATE_COUNT, "mean_tool_state_share");
    assert_same_doubles(a->cqt_checks, b->cqt_checks, C, "cqt_checks");
    assert_same_doubles(a->cqt_violations, b->cqt_violations, C,
                        "cqt_violations");
    assert_same_doubles(a->weekly_wafers_out, b->weekly_wafers_out, W,
                        "weekly_wafers_out");
    assert_same_doubles(a->weekly_wafer_starts, b->weekly_wafer_starts, W,
                        "weekly_wafer_starts");
    assert_same_doubles(a->ew_wip_wafers, b->ew_wip_wafers, WA,
                        "ew_wip_wafers");
    assert_same_doubles(a->ew_bottleneck_queue_wafers,
                        b->ew_bottleneck_queue_wafers, W,
                        "ew_bottleneck_queue_wafers");
    assert_same_doubles(a->ew_bottleneck_queue_days,
                        b->ew_bottleneck_queue_days, W,
                        "ew_bottleneck_queue_days");
    assert_same_doubles(a->ew_projected_output_wafers,
                        b->ew_projected_output_wafers, W,
                        "ew_projected_output_wafers");
    assert_same_doubles(a->disruption_occurrences, b->disruption_occurrences,
                        D, "disruption_occurrences");
    assert_same_doubles(a->disruption_last_end_days,
                        b->disruption_last_end_days, D,
                        "disruption_last_end_days");
    assert_same_doubles(a->disruption_lots_scrapped,
                        b->disruption_lots_scrapped, D,
                        "disruption_lots_scrapped");
    assert_same_doubles(a->disruption_wafers_scrapped,
                        b->disruption_wafers_scrapped, D,
                        "disruption_wafers_scrapped");
    assert_same_doubles(a->disruption_wafers_not_started,
                        b->disruption_wafers_not_started, D,
                        "disruption_wafers_not_started");
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

#endif
