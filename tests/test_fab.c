/* Tests of one replication of the fab model: calendar-month accounting on
 * deterministic flows, reproducibility, conservation of wafers. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/fab.h"
#include "models/model.h"
#include "models/synthetic.h"

static dist constant(double days)
{
    dist d;
    double p[3] = {days, 0, 0};
    char why[64];
    ck_assert_int_eq(dist_init(&d, DIST_CONSTANT, p, why, sizeof why), 0);
    return d;
}

/* One tool, one lot of 25 wafers released per day from 2025-01-01, each
 * taking half a day: every number of the months is known exactly. */
static model *deterministic_line(void)
{
    model *m = model_create();
    m->start_date = 20089; /* 2025-01-01 */
    m->horizon_days = 90;  /* Jan 31 + Feb 28 + Mar 31 */
    m->warmup_days = 31;
    ck_assert_int_eq(model_add_tool_group(m, "T", 1), 0);
    ck_assert_int_eq(model_add_product(m, "P"), 0);
    product *p = &m->products[0];
    p->lot_size = 25;
    p->release = RELEASE_INTERVAL;
    p->release_interval_days = 1.0;
    route_step *s = model_add_step(p, "only");
    s->tool_group = 0;
    s->per = TIME_PER_WAFER;
    s->time = constant(0.02);  /* 25 wafers x 0.02 = 0.5 day per lot */
    return m;
}

static fab_result *run(const model *m, uint32_t rep)
{
    fab_options fo = {.scenario = 0, .record_lots = 1};
    fab_result *r;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(fab_run(m, &fo, rep, &r, &err) == 0, "%s", err.message);
    return r;
}

START_TEST(months_follow_the_calendar)
{
    model *m = deterministic_line();
    ck_assert_int_eq(fab_month_count(m), 3);
    fab_result *r = run(m, 0);
    ck_assert_int_eq(r->nmonths, 3);
    /* Releases at days 0..89: 31, 28 and 31 lots of 25 wafers. */
    ck_assert_double_eq(r->wafer_starts[0], 31 * 25);
    ck_assert_double_eq(r->wafer_starts[1], 28 * 25);
    ck_assert_double_eq(r->wafer_starts[2], 31 * 25);
    /* Each lot leaves half a day later; the last one (day 89.5) too. */
    ck_assert_double_eq(r->wafers_out[0], 31 * 25);
    ck_assert_double_eq(r->wafers_out[2], 31 * 25);
    ck_assert_double_eq_tol(r->cycle_time_days[1], 0.5, 1e-12);
    ck_assert_double_eq(r->wip_wafers[0], 0);
    /* The tool is busy half of every day. */
    for (int k = 0; k < 3; k++) {
        ck_assert_double_eq_tol(r->utilisation[k], 0.5, 1e-12);
        ck_assert_double_eq_tol(r->wip_wafers_mean[k], 12.5, 1e-9);
    }
    ck_assert_double_eq_tol(r->mean_utilisation[0], 0.5, 1e-12);
    ck_assert_double_eq_tol(r->throughput_wafers_per_day[0], 25.0, 1e-12);
    ck_assert_double_eq_tol(r->mean_cycle_time_days[0], 0.5, 1e-12);
    ck_assert_uint_eq(r->nlots, 90);
    ck_assert_uint_eq(r->lot_steps, 90);
    ck_assert_double_eq(r->lots[89].release_day, 89.0);
    ck_assert_double_eq(r->lots[89].finish_day, 89.5);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(partial_first_month_and_lots_in_process)
{
    model *m = deterministic_line();
    m->start_date += 14;        /* 2025-01-15: first month has 17 days */
    m->horizon_days = 20.25;    /* ends on 2025-02-04 06:00 */
    m->warmup_days = 0;
    fab_result *r = run(m, 0);
    ck_assert_int_eq(r->nmonths, 2);
    ck_assert_double_eq(r->wafer_starts[0], 17 * 25);
    ck_assert_double_eq(r->wafer_starts[1], 4 * 25);
    /* The lot released at day 20 is still on the tool at the horizon. */
    ck_assert_double_eq(r->wip_wafers[1], 25);
    ck_assert(isnan(r->lots[20].finish_day));
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(same_replication_same_numbers)
{
    synthetic_line spec = {.groups = 20, .steps = 60, .load = 0.8,
                           .lots_per_day = 5, .process_cv = 0.7,
                           .horizon_days = 120, .seed = 7};
    model *m;
    ws_error err;
    ck_assert_int_eq(synthetic_reentrant_line(&spec, &m, &err), 0);
    fab_result *a = run(m, 3), *b = run(m, 3), *c = run(m, 4);
    size_t n = (size_t)a->nmonths * (size_t)a->nproducts;
    ck_assert_int_eq(memcmp(a->cycle_time_days, b->cycle_time_days, n * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(a->utilisation, b->utilisation,
                            (size_t)a->nmonths * (size_t)a->ngroups * sizeof(double)), 0);
    ck_assert_uint_eq(a->lot_steps, b->lot_steps);
    ck_assert_uint_ne(a->lot_steps, c->lot_steps);
    fab_result_destroy(a);
    fab_result_destroy(b);
    fab_result_destroy(c);
    model_destroy(m);
}
END_TEST

START_TEST(wafers_are_conserved)
{
    synthetic_line spec = {.groups = 10, .steps = 40, .load = 0.9,
                           .lots_per_day = 8, .process_cv = 1.0,
                           .horizon_days = 200, .seed = 11};
    model *m;
    ws_error err;
    ck_assert_int_eq(synthetic_reentrant_line(&spec, &m, &err), 0);
    fab_result *r = run(m, 0);
    double starts = 0, out = 0;
    for (int32_t k = 0; k < r->nmonths; k++) {
        starts += r->wafer_starts[k];
        out += r->wafers_out[k];
    }
    double wip_end = r->wip_wafers[r->nmonths - 1];
    ck_assert_double_eq(starts, out + wip_end);
    double in_fab = 0;
    for (size_t i = 0; i < r->nlots; i++)
        if (isnan(r->lots[i].finish_day))
            in_fab += r->lots[i].wafers;
    ck_assert_double_eq(in_fab, wip_end);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(utilisation_matches_the_load)
{
    /* Every group of the synthetic line is sized for 85% load. */
    synthetic_line spec = {.groups = 10, .steps = 30, .load = 0.85,
                           .lots_per_day = 10, .process_cv = 0.5,
                           .horizon_days = 730, .seed = 3};
    model *m;
    ws_error err;
    ck_assert_int_eq(synthetic_reentrant_line(&spec, &m, &err), 0);
    m->warmup_days = 100;
    fab_result *r = run(m, 0);
    for (int32_t g = 0; g < r->ngroups; g++)
        ck_assert_double_eq_tol(r->mean_utilisation[g], 0.85, 0.03);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

static Suite *fab_suite(void)
{
    Suite *s = suite_create("fab");
    TCase *tc = tcase_create("replication");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, months_follow_the_calendar);
    tcase_add_test(tc, partial_first_month_and_lots_in_process);
    tcase_add_test(tc, same_replication_same_numbers);
    tcase_add_test(tc, wafers_are_conserved);
    tcase_add_test(tc, utilisation_matches_the_load);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fab_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
