/* Static capacity analysis (models/capacity.h): loads computed by hand for a
 * small model built in code, the shipped default scenario against the loads
 * its comments state, the HDF5 file, and validation against simulation:
 * the simulated mean utilisation of every tool group must have a 99%
 * confidence interval (10 replications, simultaneous over the groups) that
 * contains the static value. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "models/capacity.h"
#include "models/fab.h"
#include "models/model.h"
#include "models/scenario.h"
#include "models/synthetic.h"
#include "sim/stats.h"

#define HOURS (1.0 / 24.0)
#define REPLICATIONS 10

static dist make_dist(enum dist_kind kind, double a, double b)
{
    dist d;
    double p[3] = {a, b, 0.0};
    char why[128];
    ck_assert_msg(dist_init(&d, kind, p, why, sizeof why) == 0, "%s", why);
    return d;
}

static void add_step(product *p, int32_t group, enum time_per per, dist time)
{
    route_step *s = model_add_step(p, "step");
    ck_assert_ptr_nonnull(s);
    s->tool_group = group;
    s->per = per;
    s->time = time;
}

/* Three groups, two products, every kind of step time, re-entrant visits
 * to A (P1) and B (P2).  At rate_scale 1, in hours:
 *   P1: 25-wafer lots, one every 12 h (2 lots/day)
 *       A 0.02 h/wafer (0.5 h/lot), B 1 h/lot, A 0.04 h/wafer (1 h/lot),
 *       C 3 h/batch (a lot alone: 3 h)
 *   P2: 10-wafer lots, exponential interarrivals of mean 6 h (4 lots/day)
 *       B 0.5 h/lot, A 0.1 h/wafer (1 h/lot), B 0.5 h/lot
 * Load, tool-hours per day: A = 2 (0.5 + 1) + 4 x 1 = 7
 *                           B = 2 x 1 + 4 (0.5 + 0.5) = 6
 *                           C = 2 x 3 = 6
 * Utilisation: A = 7/48, B = 6/24 (bottleneck), C = 6/72.
 * Raw process time: P1 5.5 h, P2 2 h. */
static model *hand_model(double rate_scale)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    m->seed = 20261127;
    ck_assert_int_eq(model_add_tool_group(m, "A", 2), 0);
    ck_assert_int_eq(model_add_tool_group(m, "B", 1), 1);
    ck_assert_int_eq(model_add_tool_group(m, "C", 3), 2);
    ck_assert_int_eq(model_add_product(m, "P1"), 0);
    ck_assert_int_eq(model_add_product(m, "P2"), 1);

    product *p1 = &m->products[0];
    p1->lot_size = 25;
    p1->release = RELEASE_INTERVAL;
    p1->release_interval_days = 12.0 * HOURS / rate_scale;
    add_step(p1, 0, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.02 * HOURS, 0.5));
    add_step(p1, 1, TIME_PER_LOT, make_dist(DIST_EXPONENTIAL, 1.0 * HOURS, 0));
    add_step(p1, 0, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.04 * HOURS, 0.5));
    add_step(p1, 2, TIME_PER_BATCH, make_dist(DIST_GAMMA, 3.0 * HOURS, 0.3));

    product *p2 = &m->products[1];
    p2->lot_size = 10;
    p2->release = RELEASE_RANDOM;
    p2->interarrival = make_dist(DIST_EXPONENTIAL, 6.0 * HOURS / rate_scale, 0);
    add_step(p2, 1, TIME_PER_LOT, make_dist(DIST_GAMMA, 0.5 * HOURS, 1.0));
    add_step(p2, 0, TIME_PER_WAFER, make_dist(DIST_EXPONENTIAL, 0.1 * HOURS, 0));
    add_step(p2, 1, TIME_PER_LOT, make_dist(DIST_GAMMA, 0.5 * HOURS, 0.5));
    return m;
}

static capacity_report *analyse(const model *m, double target)
{
    capacity_report *r;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(capacity_analyse(m, target, &r, &err) == 0, "%s",
                  err.message);
    return r;
}

#define ck_assert_close(x, y) \
    ck_assert_msg(fabs((x) - (y)) <= 1e-9 * fmax(1.0, fabs(y)), \
                  "%s = %.12g, expected %.12g", #x, (double)(x), (double)(y))

START_TEST(hand_computed_loads)
{
    model *m = hand_model(1.0);
    capacity_report *r = analyse(m, 0.85);
    ck_assert_int_eq(r->ngroups, 3);
    ck_assert_int_eq(r->nproducts, 2);
    ck_assert_close(r->load_tool_hours_per_day[0], 7.0);
    ck_assert_close(r->load_tool_hours_per_day[1], 6.0);
    ck_assert_close(r->load_tool_hours_per_day[2], 6.0);
    ck_assert_close(r->utilisation[0], 7.0 / 48.0);
    ck_assert_close(r->utilisation[1], 0.25);
    ck_assert_close(r->utilisation[2], 6.0 / 72.0);
    for (int g = 0; g < 3; g++) {
        ck_assert_close(r->availability[g], 1.0);
        ck_assert_int_eq(r->tools[g], m->groups[g].tools);
    }
    ck_assert_close(r->raw_process_time_days[0], 5.5 * HOURS);
    ck_assert_close(r->raw_process_time_days[1], 2.0 * HOURS);
    /* The model's own raw process time agrees while visits are 1. */
    for (int p = 0; p < 2; p++)
        ck_assert_close(r->raw_process_time_days[p],
                        product_raw_process_time(&m->products[p]));
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(bottleneck_and_max_starts)
{
    model *m = hand_model(1.0);
    capacity_report *r = analyse(m, 0.85);
    ck_assert_int_eq(r->bottleneck, 1);
    /* 50 and 40 wafers a day, in months of 30.436875 days. */
    ck_assert_close(r->planned_wafers_per_month[0], 50.0 * 30.436875);
    ck_assert_close(r->planned_wafers_per_month[1], 40.0 * 30.436875);
    /* B at 25 % allows four times the planned starts. */
    ck_assert_close(r->max_wafers_per_month[0], 4.0 * 50.0 * 30.436875);
    ck_assert_close(r->max_wafers_per_month[1], 4.0 * 40.0 * 30.436875);
    capacity_report_destroy(r);

    /* Tripling the rates keeps the bottleneck and the maximum. */
    model *m3 = hand_model(3.0);
    r = analyse(m3, 0.85);
    ck_assert_int_eq(r->bottleneck, 1);
    ck_assert_close(r->utilisation[1], 0.75);
    ck_assert_close(r->max_wafers_per_month[0], 4.0 * 50.0 * 30.436875);
    capacity_report_destroy(r);
    model_destroy(m3);

    /* One more tool in B moves the bottleneck to A (7/48 > 6/48 > 6/72). */
    m->groups[1].tools = 2;
    r = analyse(m, 0.85);
    ck_assert_int_eq(r->bottleneck, 0);
    ck_assert_close(r->max_wafers_per_month[1], 40.0 * 30.436875 * 48.0 / 7.0);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(tools_needed_for_target)
{
    model *m = hand_model(1.0);
    capacity_report *r = analyse(m, 0.85);
    /* 7 / 20.4, 6 / 20.4, 6 / 20.4: all below one tool. */
    for (int g = 0; g < 3; g++)
        ck_assert_int_eq(r->tools_needed[g], 1);
    ck_assert_close(r->target_utilisation, 0.85);
    capacity_report_destroy(r);

    r = analyse(m, 0.2);            /* 4.8 tool-hours a day per tool */
    ck_assert_int_eq(r->tools_needed[0], 2);   /* 7 / 4.8 = 1.46 */
    ck_assert_int_eq(r->tools_needed[1], 2);   /* 6 / 4.8 = 1.25 */
    ck_assert_int_eq(r->tools_needed[2], 2);
    capacity_report_destroy(r);

    /* A whole quotient needs no extra tool for rounding noise:
     * 6 / (24 x 0.125) = 2. */
    r = analyse(m, 0.125);
    ck_assert_int_eq(r->tools_needed[1], 2);
    ck_assert_int_eq(r->tools_needed[2], 2);
    capacity_report_destroy(r);
    r = analyse(m, 0.25);
    ck_assert_int_eq(r->tools_needed[1], 1);    /* 6 / 6 */
    capacity_report_destroy(r);
    for (int k = 1; k <= 100; k++) {
        /* load / (24 x target) = k by construction. */
        double target = 6.0 / (24.0 * k);
        r = analyse(m, target);
        ck_assert_msg(r->tools_needed[1] == k, "target %.17g: %lld tools, "
                      "expected %d", target, (long long)r->tools_needed[1], k);
        capacity_report_destroy(r);
    }
    model_destroy(m);
}
END_TEST

START_TEST(bad_target_and_empty_load)
{
    model *m = hand_model(1.0);
    capacity_report dummy;
    capacity_report *r = &dummy;        /* must come back NULL on error */
    ws_error err;
    const double bad[] = {0.0, -0.5, 1.0000001, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ws_error_clear(&err);
        ck_assert_int_eq(capacity_analyse(m, bad[i], &r, &err), WS_EUSAGE);
        ck_assert_ptr_null(r);
    }
    r = analyse(m, 1.0);
    capacity_report_destroy(r);

    /* A group no step visits has no load and needs no tool. */
    ck_assert_int_eq(model_add_tool_group(m, "IDLE", 4), 3);
    r = analyse(m, 0.85);
    ck_assert_close(r->utilisation[3], 0.0);
    ck_assert_int_eq(r->tools_needed[3], 0);
    ck_assert_int_eq(r->bottleneck, 1);
    capacity_report_destroy(r);
    model_destroy(m);

    /* Only zero step times: nothing limits the starts. */
    model *z = model_create();
    ck_assert_int_eq(model_add_tool_group(z, "G", 1), 0);
    ck_assert_int_eq(model_add_product(z, "P"), 0);
    z->products[0].release_interval_days = 1.0;
    add_step(&z->products[0], 0, TIME_PER_LOT, make_dist(DIST_CONSTANT, 0, 0));
    r = analyse(z, 0.85);
    ck_assert_int_eq(r->bottleneck, -1);
    ck_assert(isinf(r->max_wafers_per_month[0]));
    capacity_report_destroy(r);

    /* A release plan without a rate is bad data, not a division by 0. */
    z->products[0].release_interval_days = 0.0;
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_analyse(z, 0.85, &r, &err), WS_EDATA);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.message, "product P"));
    model_destroy(z);
}
END_TEST

static int32_t group_index(const model *m, const char *name)
{
    int32_t g = model_find_tool_group(m, name);
    ck_assert_msg(g >= 0, "no tool group %s", name);
    return g;
}

/* scenarios/default.yaml states its loads in its header comment. */
START_TEST(default_scenario_matches_its_comment)
{
    model *m;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(scenario_load_file(WAFERSIM_SOURCE_DIR
                                     "/scenarios/default.yaml", &m, &err) == 0,
                  "%s", err.message);
    capacity_report *r = analyse(m, 0.85);
    static const struct { const char *name; double load; } stated[] = {
        {"LITHO", 0.85}, {"CLEAN", 0.77}, {"ETCH", 0.74}, {"IMPLANT", 0.74},
        {"CMP", 0.74}, {"FURNACE", 0.70}, {"CVD", 0.60}, {"METRO", 0.59},
    };
    for (size_t i = 0; i < sizeof stated / sizeof *stated; i++) {
        double u = r->utilisation[group_index(m, stated[i].name)];
        ck_assert_msg(fabs(u - stated[i].load) < 0.005, "%s: %.4f, stated %.2f",
                      stated[i].name, u, stated[i].load);
    }
    ck_assert_int_eq(r->bottleneck, group_index(m, "LITHO"));
    int32_t logic = model_find_product(m, "LOGIC");
    int32_t memory = model_find_product(m, "MEMORY");
    ck_assert(fabs(r->raw_process_time_days[logic] / HOURS - 34.6) < 0.05);
    ck_assert(fabs(r->raw_process_time_days[memory] / HOURS - 26.1) < 0.05);
    ck_assert_close(r->planned_wafers_per_month[logic], 4500.0);
    /* 25 wafers every 3.04369 h is 6000 wafers a month to 6 digits. */
    ck_assert(fabs(r->planned_wafers_per_month[memory] - 6000.0) < 0.01);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

static double read_double(hid_t file, const char *name, hsize_t i)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    hid_t space = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space, &n, NULL);
    ck_assert_uint_lt(i, n);
    double *v = malloc(n * sizeof *v);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, v), 0);
    double x = v[i];
    free(v);
    H5Sclose(space);
    H5Dclose(d);
    return x;
}

START_TEST(writes_file_and_only_complete)
{
    char dir[] = "/tmp/wafersim-capacity-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], partial[256];
    snprintf(path, sizeof path, "%s/cap.h5", dir);
    snprintf(partial, sizeof partial, "%s/cap.h5.partial", dir);

    model *m = hand_model(1.0);
    capacity_report *r = analyse(m, 0.85);
    capacity_file_meta meta = {"test", "none", "wafersim capacity test"};
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(capacity_write_file(path, m, r, &meta, &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert_int_ne(access(partial, F_OK), 0);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    ck_assert_close(read_double(f, "utilisation", 1), 0.25);
    ck_assert_close(read_double(f, "load_tool_hours_per_day", 0), 7.0);
    ck_assert_close(read_double(f, "tools_needed", 2), 1.0);
    ck_assert_close(read_double(f, "max_wafers_per_month", 1),
                    4.0 * 40.0 * 30.436875);
    ck_assert_int_gt(H5Aexists(f, "bottleneck"), 0);
    ck_assert_int_gt(H5Aexists(f, "target_utilisation"), 0);
    ck_assert_int_ge(H5Fclose(f), 0);
    ck_assert_int_eq(unlink(path), 0);

    /* A directory that does not exist: WS_ECANTCREAT and nothing left. */
    snprintf(path, sizeof path, "%s/missing/cap.h5", dir);
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_write_file(path, m, r, &meta, &err),
                     WS_ECANTCREAT);
    ck_assert_ptr_nonnull(strstr(err.path, "cap.h5.partial"));
    ck_assert_int_eq(rmdir(dir), 0);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

/* The validation: simulated mean utilisation after the warm-up,
 * over REPLICATIONS replications, against the static utilisation.
 *
 * The intervals are simultaneous 99% intervals (Bonferroni: each group's
 * at level 1 - 0.01 / groups).  With separate 99% intervals a model of G
 * groups fails by chance with probability 1 - 0.99^G even when the static
 * value is exact, 11% for the synthetic line's 12 groups; it happened on
 * the hand model's group C (t = 3.3 over 10 replications, while 200
 * replications gave 0.25009 +- 0.00027 around the exact 0.25).  The
 * intervals must also be narrow enough for the check to mean something. */
static void assert_simulation_agrees(const model *m)
{
    capacity_report *r = analyse(m, 0.85);
    int32_t G = m->ngroups;
    double *util = malloc((size_t)G * REPLICATIONS * sizeof *util);
    ck_assert_ptr_nonnull(util);
    fab_options fo = {.scenario = 0, .record_lots = 0};
    for (int rep = 0; rep < REPLICATIONS; rep++) {
        fab_result *res;
        ws_error err;
        ws_error_clear(&err);
        ck_assert_msg(fab_run(m, &fo, (uint32_t)rep, &res, &err) == 0, "%s",
                      err.message);
        for (int32_t g = 0; g < G; g++)
            util[g * REPLICATIONS + rep] = res->mean_utilisation[g];
        fab_result_destroy(res);
    }
    double level = 1.0 - 0.01 / G;
    for (int32_t g = 0; g < G; g++) {
        confidence_interval ci = stats_confidence_interval(
            util + g * REPLICATIONS, REPLICATIONS, level);
        ck_assert_msg(ci.low <= r->utilisation[g] && r->utilisation[g] <= ci.high,
                      "%s: static utilisation %.4f outside the simulated "
                      "(simultaneous 99%%) CI [%.4f, %.4f]", m->groups[g].name,
                      r->utilisation[g], ci.low, ci.high);
        ck_assert_msg(ci.half_width < 0.02, "%s: CI half-width %.4f too wide",
                      m->groups[g].name, ci.half_width);
    }
    free(util);
    capacity_report_destroy(r);
}

START_TEST(simulation_agrees_on_hand_model)
{
    /* Triple rates: A 0.44, B 0.75, C 0.25, with Poisson releases of P2. */
    model *m = hand_model(3.0);
    m->horizon_days = 400;
    m->warmup_days = 50;
    assert_simulation_agrees(m);
    model_destroy(m);
}
END_TEST

START_TEST(simulation_agrees_on_synthetic_line)
{
    synthetic_line spec = {
        .groups = 12, .steps = 36, .load = 0.8, .lots_per_day = 10.0,
        .process_cv = 0.7, .horizon_days = 300.0, .seed = 7,
    };
    model *m;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(synthetic_reentrant_line(&spec, &m, &err) == 0, "%s",
                  err.message);
    m->warmup_days = 50;
    capacity_report *r = analyse(m, 0.85);
    for (int32_t g = 0; g < m->ngroups; g++)
        ck_assert_close(r->utilisation[g], 0.8);
    capacity_report_destroy(r);
    assert_simulation_agrees(m);
    model_destroy(m);
}
END_TEST

static Suite *capacity_suite(void)
{
    Suite *s = suite_create("capacity");
    TCase *tc = tcase_create("static");
    tcase_add_test(tc, hand_computed_loads);
    tcase_add_test(tc, bottleneck_and_max_starts);
    tcase_add_test(tc, tools_needed_for_target);
    tcase_add_test(tc, bad_target_and_empty_load);
    tcase_add_test(tc, default_scenario_matches_its_comment);
    tcase_add_test(tc, writes_file_and_only_complete);
    suite_add_tcase(s, tc);
    TCase *sim = tcase_create("simulation");
    /* Generous for valgrind; natively these take well under a second. */
    tcase_set_timeout(sim, 600);
    tcase_add_test(sim, simulation_agrees_on_hand_model);
    tcase_add_test(sim, simulation_agrees_on_synthetic_line);
    suite_add_tcase(s, sim);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(capacity_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
