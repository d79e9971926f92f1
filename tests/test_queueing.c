/* Validation against queueing theory: each test simulates a system with a
 * closed-form mean time in system and asserts that the theoretical value
 * lies inside the 99% confidence interval of the simulated mean over
 * independent replications. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "models/fab.h"
#include "models/model.h"
#include "sim/stats.h"

#define HOURS (1.0 / 24.0)
#define REPLICATIONS 20

static dist make_dist(enum dist_kind kind, double a, double b)
{
    dist d;
    double p[3] = {a, b, 0.0};
    char why[128];
    ck_assert_msg(dist_init(&d, kind, p, why, sizeof why) == 0, "%s", why);
    return d;
}

/* One product of one-wafer lots with exponential interarrivals (hours). */
static model *open_line(double interarrival_hours, double horizon_days,
                        double warmup_days)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    m->horizon_days = horizon_days;
    m->warmup_days = warmup_days;
    m->seed = 20261127;
    ck_assert_int_eq(model_add_product(m, "job"), 0);
    product *p = &m->products[0];
    p->lot_size = 1;
    p->release = RELEASE_RANDOM;
    p->interarrival = make_dist(DIST_EXPONENTIAL, interarrival_hours * HOURS, 0);
    return m;
}

static void add_station(model *m, const char *name, int32_t servers, dist service)
{
    int32_t g = model_add_tool_group(m, name, servers);
    ck_assert_int_ge(g, 0);
    route_step *s = model_add_step(&m->products[0], name);
    ck_assert_ptr_nonnull(s);
    s->tool_group = g;
    s->per = TIME_PER_LOT;
    s->time = service;
}

/* Runs the replications and checks the expected mean time in system
 * (hours) against the 99% confidence interval of the simulated one. */
static void assert_time_in_system(const model *m, double expected_hours)
{
    double ct[REPLICATIONS];
    fab_options fo = {.scenario = 0, .record_lots = 0};
    for (int r = 0; r < REPLICATIONS; r++) {
        fab_result *res;
        ws_error err;
        ws_error_clear(&err);
        ck_assert_msg(fab_run(m, &fo, (uint32_t)r, &res, &err) == 0, "%s",
                      err.message);
        ct[r] = res->mean_cycle_time_days[0] / HOURS;
        fab_result_destroy(res);
    }
    confidence_interval ci = stats_confidence_interval(ct, REPLICATIONS, 0.99);
    ck_assert_msg(ci.low <= expected_hours && expected_hours <= ci.high,
                  "theory %.4f h outside the 99%% CI [%.4f, %.4f] h",
                  expected_hours, ci.low, ci.high);
    /* The interval must also be tight enough to mean something. */
    ck_assert_msg(ci.half_width < 0.05 * expected_hours,
                  "CI half-width %.4f h too wide", ci.half_width);
}

START_TEST(mm1_at_rho_08)
{
    /* lambda = 0.8/h, mu = 1/h: W = 1/(mu - lambda) = 5 h. */
    model *m = open_line(1.25, 2000, 100);
    add_station(m, "server", 1, make_dist(DIST_EXPONENTIAL, 1.0 * HOURS, 0));
    assert_time_in_system(m, 1.0 / (1.0 - 0.8));
    model_destroy(m);
}
END_TEST

/* Erlang C: probability that an arrival waits in an M/M/c queue. */
static double erlang_c(int c, double a)
{
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c * c / (c - a);
    return last / (sum + last);
}

START_TEST(mm3_erlang_c)
{
    /* lambda = 2.4/h, mu = 1/h, c = 3: rho = 0.8. */
    double lambda = 2.4, mu = 1.0;
    int c = 3;
    double wait = erlang_c(c, lambda / mu) / (c * mu - lambda);
    model *m = open_line(1.0 / lambda, 1000, 50);
    add_station(m, "servers", c, make_dist(DIST_EXPONENTIAL, 1.0 / mu * HOURS, 0));
    assert_time_in_system(m, wait + 1.0 / mu);
    model_destroy(m);
}
END_TEST

START_TEST(md1_pollaczek_khinchine)
{
    /* Deterministic service 1 h, rho = 0.8: W = 1/mu + rho/(2 mu (1-rho)). */
    double rho = 0.8, mu = 1.0;
    model *m = open_line(1.0 / rho, 2000, 100);
    add_station(m, "server", 1, make_dist(DIST_CONSTANT, 1.0 * HOURS, 0));
    assert_time_in_system(m, 1.0 / mu + rho / (2.0 * mu * (1.0 - rho)));
    model_destroy(m);
}
END_TEST

START_TEST(tandem_of_two_mm1)
{
    /* Jackson: lambda = 0.7/h through mu1 = 1/h then mu2 = 1.25/h. */
    double lambda = 0.7, mu1 = 1.0, mu2 = 1.25;
    model *m = open_line(1.0 / lambda, 2000, 100);
    add_station(m, "first", 1, make_dist(DIST_EXPONENTIAL, 1.0 / mu1 * HOURS, 0));
    add_station(m, "second", 1, make_dist(DIST_EXPONENTIAL, 1.0 / mu2 * HOURS, 0));
    assert_time_in_system(m, 1.0 / (mu1 - lambda) + 1.0 / (mu2 - lambda));
    model_destroy(m);
}
END_TEST

START_TEST(mm1_utilisation_and_littles_law)
{
    /* Utilisation = rho, and L = lambda W within each replication. */
    model *m = open_line(1.25, 2000, 100);
    add_station(m, "server", 1, make_dist(DIST_EXPONENTIAL, 1.0 * HOURS, 0));
    double util[REPLICATIONS], gap[REPLICATIONS];
    fab_options fo = {.scenario = 0, .record_lots = 0};
    for (int r = 0; r < REPLICATIONS; r++) {
        fab_result *res;
        ws_error err;
        ck_assert_int_eq(fab_run(m, &fo, (uint32_t)r, &res, &err), 0);
        util[r] = res->mean_utilisation[0];
        double lw = res->throughput_wafers_per_day[0] * res->mean_cycle_time_days[0];
        gap[r] = (res->mean_wip_wafers[0] - lw) / res->mean_wip_wafers[0];
        fab_result_destroy(res);
    }
    confidence_interval u = stats_confidence_interval(util, REPLICATIONS, 0.99);
    ck_assert_msg(u.low <= 0.8 && 0.8 <= u.high, "utilisation CI [%g, %g]",
                  u.low, u.high);
    confidence_interval g = stats_confidence_interval(gap, REPLICATIONS, 0.99);
    ck_assert_msg(fabs(g.mean) < 0.01, "Little's law off by %g", g.mean);
    model_destroy(m);
}
END_TEST

static Suite *queueing_suite(void)
{
    Suite *s = suite_create("queueing");
    TCase *tc = tcase_create("theory");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mm1_at_rho_08);
    tcase_add_test(tc, mm3_erlang_c);
    tcase_add_test(tc, md1_pollaczek_khinchine);
    tcase_add_test(tc, tandem_of_two_mm1);
    tcase_add_test(tc, mm1_utilisation_and_littles_law);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(queueing_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
