/* Static capacity analysis (models/capacity.h): loads computed by hand for a
 * small model built in code; each realism factor (rework, sampling, scrap,
 * batching, load and unload, cascading, setups, downtime, orders, CONWIP)
 * against its closed form, and visits against a dense Markov-chain solve;
 * the shipped default scenario against the loads its comments state; the
 * HDF5 file; and validation against simulation: the simulated busy share
 * of every tool group must have a 99% confidence interval (10
 * replications, simultaneous over the groups) that contains the static
 * value, on the hand model, a synthetic line and a model with the realism
 * features. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
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
                        product_raw_process_time(m, &m->products[p]));
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
    ck_assert_close(read_double(f, "setup_tool_hours_per_day", 0), 0.0);
    ck_assert_close(read_double(f, "pm_tool_hours_per_day", 2), 0.0);
    ck_assert_close(read_double(f, "visits_per_lot", 0), 4.0);
    ck_assert_close(read_double(f, "visits_per_lot", 1), 3.0);
    ck_assert_close(read_double(f, "wafer_yield", 1), 1.0);
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

/* ---- realism factors, each against its closed form ---------------------
 *
 * Each model below has one product released at one lot a day (unless the
 * test says otherwise) and steps of 1 h per lot, so a group's load in
 * tool-hours per day is the mean visits of its steps per lot, times any
 * factor under test. */

/* One product "P" of `lot_size` wafers at `lots_per_day`, and `groups`
 * groups of one tool named G0, G1, ... */
static model *realism_model(int32_t groups, int32_t lot_size,
                            double lots_per_day)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    for (int32_t g = 0; g < groups; g++) {
        char name[16];
        snprintf(name, sizeof name, "G%d", (int)g);
        ck_assert_int_eq(model_add_tool_group(m, name, 1), g);
    }
    ck_assert_int_eq(model_add_product(m, "P"), 0);
    product *p = &m->products[0];
    p->lot_size = lot_size;
    p->release = RELEASE_INTERVAL;
    p->release_interval_days = 1.0 / lots_per_day;
    return m;
}

static route_step *hour_step(product *p, int32_t group)
{
    add_step(p, group, TIME_PER_LOT, make_dist(DIST_CONSTANT, 1.0 * HOURS, 0));
    return &p->steps[p->nsteps - 1];
}

START_TEST(rework_loop_multiplies_visits)
{
    /* Steps 0..2 on G0..G2; step 1 goes back to step 0 with p = 0.2:
     * steps 0 and 1 are visited 1 / (1 - p) = 1.25 times, step 2 once. */
    model *m = realism_model(3, 25, 1.0);
    product *p = &m->products[0];
    hour_step(p, 0);
    route_step *s = hour_step(p, 1);
    s->rework_to = 0;
    s->rework_prob = 0.2;
    hour_step(p, 2);
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 1.25);
    ck_assert_close(r->load_tool_hours_per_day[1], 1.25);
    ck_assert_close(r->load_tool_hours_per_day[2], 1.0);
    ck_assert_close(r->visits_per_lot[0], 3.5);
    ck_assert_close(r->raw_process_time_days[0], 3.5 * HOURS);
    ck_assert_close(r->wafer_yield[0], 1.0);
    capacity_report_destroy(r);

    /* A step that reworks itself: 1 / (1 - 0.5) visits. */
    p->steps[2].rework_to = 2;
    p->steps[2].rework_prob = 0.5;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[2], 2.0);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(nested_rework_loops_multiply)
{
    /* Inner loop 2 -> 1 (p2 = 0.5) inside outer loop 3 -> 0 (p1 = 0.2):
     * steps 0 and 3 1/(1-p1) = 1.25 visits, steps 1 and 2
     * 1/((1-p1)(1-p2)) = 2.5. */
    model *m = realism_model(4, 25, 1.0);
    product *p = &m->products[0];
    for (int32_t g = 0; g < 4; g++)
        hour_step(p, g);
    p->steps[2].rework_to = 1;
    p->steps[2].rework_prob = 0.5;
    p->steps[3].rework_to = 0;
    p->steps[3].rework_prob = 0.2;
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 1.25);
    ck_assert_close(r->load_tool_hours_per_day[1], 2.5);
    ck_assert_close(r->load_tool_hours_per_day[2], 2.5);
    ck_assert_close(r->load_tool_hours_per_day[3], 1.25);
    capacity_report_destroy(r);

    /* Crossing loops 2 -> 0 (a) and 3 -> 1 (b), by hand: with
     * x0 = 1 + a x2, x1 = x0 + b x3, x2 = x1, x3 = (1 - a) x2:
     * x2 = 1 / ((1 - a)(1 - b)), x0 = 1 + a x2. */
    double a = 0.3, b = 0.4;
    p->steps[2].rework_to = 0;
    p->steps[2].rework_prob = a;
    p->steps[3].rework_to = 1;
    p->steps[3].rework_prob = b;
    double x2 = 1.0 / ((1 - a) * (1 - b));
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 1 + a * x2);
    ck_assert_close(r->load_tool_hours_per_day[1], x2);
    ck_assert_close(r->load_tool_hours_per_day[2], x2);
    ck_assert_close(r->load_tool_hours_per_day[3], (1 - a) * x2);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

/* Expected performed visits per lot of a route of one-wafer lots (so the
 * lot and wafer flows coincide) by a dense linear solve of the Markov
 * chain x = e0 + x P, independent of capacity.c's O(steps) method.
 * Returns the share that leaves the route. */
static double dense_visits(const product *p, double *visits)
{
    int32_t n = p->nsteps;
    gsl_matrix *a = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *b = gsl_vector_calloc((size_t)n);
    gsl_vector *x = gsl_vector_alloc((size_t)n);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)n);
    ck_assert(a && b && x && perm);
    gsl_matrix_set_identity(a);
    gsl_vector_set(b, 0, 1.0);
    /* Column s of a = I - P^T holds what flows out of state s. */
    for (int32_t s = 0; s < n; s++) {
        const route_step *st = &p->steps[s];
        double q = st->sample_prob, survive = 1.0 - st->scrap_prob;
        double back = st->rework_to >= 0 ? q * survive * st->rework_prob : 0;
        double on = (1.0 - q) + q * survive - back;
        if (s + 1 < n)
            gsl_matrix_set(a, (size_t)s + 1, (size_t)s, -on);
        if (back > 0)
            gsl_matrix_set(a, (size_t)st->rework_to, (size_t)s,
                           gsl_matrix_get(a, (size_t)st->rework_to, (size_t)s)
                               - back);
    }
    int sign;
    ck_assert_int_eq(gsl_linalg_LU_decomp(a, perm, &sign), 0);
    ck_assert_int_eq(gsl_linalg_LU_solve(a, perm, b, x), 0);
    const route_step *last = &p->steps[n - 1];
    double q = last->sample_prob, survive = 1.0 - last->scrap_prob;
    double back = last->rework_to >= 0 ? q * survive * last->rework_prob : 0;
    double leaves = gsl_vector_get(x, (size_t)n - 1)
                    * ((1.0 - q) + q * survive - back);
    for (int32_t s = 0; s < n; s++)
        visits[s] = p->steps[s].sample_prob * gsl_vector_get(x, (size_t)s);
    gsl_permutation_free(perm);
    gsl_vector_free(x);
    gsl_vector_free(b);
    gsl_matrix_free(a);
    return leaves;
}

START_TEST(random_routes_match_dense_markov_solve)
{
    /* 200 routes of 1..12 steps with random sampling, scrap and loops
     * (any nesting and crossing), each step on its own group. */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261127);
    for (int trial = 0; trial < 200; trial++) {
        int32_t n = 1 + (int32_t)gsl_rng_uniform_int(rng, 12);
        model *m = realism_model(n, 1, 1.0);
        product *p = &m->products[0];
        for (int32_t s = 0; s < n; s++) {
            route_step *st = hour_step(p, s);
            if (gsl_rng_uniform(rng) < 0.3)
                st->sample_prob = 0.2 + 0.8 * gsl_rng_uniform(rng);
            if (gsl_rng_uniform(rng) < 0.3)
                st->scrap_prob = 0.2 * gsl_rng_uniform(rng);
            if (gsl_rng_uniform(rng) < 0.4) {
                st->rework_to =
                    (int32_t)gsl_rng_uniform_int(rng, (unsigned long)s + 1);
                st->rework_prob = 0.6 * gsl_rng_uniform(rng);
            }
        }
        double visits[12], total = 0;
        double leaves = dense_visits(p, visits);
        capacity_report *r = analyse(m, 0.85);
        for (int32_t s = 0; s < n; s++) {
            ck_assert_msg(fabs(r->load_tool_hours_per_day[s] - visits[s])
                              <= 1e-9 * fmax(1.0, visits[s]),
                          "trial %d step %d: %.12g visits, dense solve %.12g",
                          trial, (int)s, r->load_tool_hours_per_day[s],
                          visits[s]);
            total += visits[s];
        }
        ck_assert_close(r->visits_per_lot[0], total);
        ck_assert_close(r->wafer_yield[0], leaves);
        capacity_report_destroy(r);
        model_destroy(m);
    }
    gsl_rng_free(rng);
}
END_TEST

START_TEST(sampling_scales_visits)
{
    /* A metrology step sampled with q = 0.3; rework after a sampled step
     * happens only when it is performed: arrivals 1 / (1 - q p). */
    model *m = realism_model(2, 25, 2.0);
    product *p = &m->products[0];
    hour_step(p, 0);
    hour_step(p, 1)->sample_prob = 0.3;
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.0);
    ck_assert_close(r->load_tool_hours_per_day[1], 2.0 * 0.3);
    ck_assert_close(r->visits_per_lot[0], 1.3);
    ck_assert_close(r->raw_process_time_days[0],
                    product_raw_process_time(m, p));
    capacity_report_destroy(r);

    p->steps[1].rework_to = 0;
    p->steps[1].rework_prob = 0.5;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.0 / (1 - 0.15));
    ck_assert_close(r->load_tool_hours_per_day[1], 2.0 * 0.3 / (1 - 0.15));
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(scrap_thins_downstream_wafers)
{
    /* 25-wafer lots, 0.1 h per wafer; 10 % of the wafers lost after step
     * 0, 20 % after step 1: step 1 sees 22.5 wafers, the route yields
     * 0.9 x 0.8.  A per-lot step after the loss still costs a full lot
     * (a lot is lost only with its last wafer: 0.1^25). */
    model *m = realism_model(3, 25, 1.0);
    product *p = &m->products[0];
    for (int g = 0; g < 2; g++)
        add_step(p, g, TIME_PER_WAFER, make_dist(DIST_CONSTANT, 0.1 * HOURS, 0));
    p->steps[0].scrap_prob = 0.1;
    p->steps[1].scrap_prob = 0.2;
    hour_step(p, 2);
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.5);
    ck_assert_close(r->load_tool_hours_per_day[1], 2.25);
    ck_assert_close(r->load_tool_hours_per_day[2], 1.0);
    ck_assert_close(r->wafer_yield[0], 0.72);
    ck_assert_close(r->planned_wafers_per_month[0], 25 * 30.436875);
    capacity_report_destroy(r);

    /* One-wafer lots: the lot is lost with its wafer. */
    p->lot_size = 1;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[2], 0.72);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(batches_share_their_time)
{
    /* 2 lots a day of 25 wafers into batches of 4 lots taking 8 h: half
     * a batch a day, 4 tool-hours.  A lot's own time is the batch's. */
    model *m = realism_model(1, 25, 2.0);
    tool_group *g = &m->groups[0];
    g->batching = 1;
    g->batch_unit = BATCH_LOTS;
    product *p = &m->products[0];
    add_step(p, 0, TIME_PER_BATCH, make_dist(DIST_CONSTANT, 8.0 * HOURS, 0));
    p->steps[0].batch_min = 2;
    p->steps[0].batch_max = 4;
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 4.0);
    ck_assert_close(r->raw_process_time_days[0], 8.0 * HOURS);
    capacity_report_destroy(r);

    /* No maximum: batches of batch_min lots. */
    p->steps[0].batch_max = 0;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 8.0);
    capacity_report_destroy(r);

    /* Wafer units hold whole lots: 100 wafers are 4 lots of 25, 60 only
     * 2, and 20 still one lot. */
    g->batch_unit = BATCH_WAFERS;
    const struct { int32_t max; double load; } cases[] = {
        {100, 4.0}, {60, 8.0}, {20, 16.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        p->steps[0].batch_max = cases[i].max;
        r = analyse(m, 0.85);
        ck_assert_close(r->load_tool_hours_per_day[0], cases[i].load);
        capacity_report_destroy(r);
    }

    /* A group that does not batch runs a batch step one lot at a time. */
    g->batching = 0;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 16.0);
    capacity_report_destroy(r);

    /* A batching group batches per-lot steps too, 4 lots of 8 h taking
     * 32 h, so only the job's 1 h of loading is shared: (1 + 32) / 4 h a
     * lot; its lot takes the whole 33 h. */
    g->batching = 1;
    g->batch_unit = BATCH_LOTS;
    g->load_days = 1.0 * HOURS;
    p->steps[0].batch_max = 4;
    p->steps[0].per = TIME_PER_LOT;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 33.0 / 4);
    ck_assert_close(r->raw_process_time_days[0], 33.0 * HOURS);
    capacity_report_destroy(r);
    /* Per-wafer steps: 0.32 h x 100 wafers, the same. */
    p->steps[0].per = TIME_PER_WAFER;
    p->steps[0].time = make_dist(DIST_CONSTANT, 0.32 * HOURS, 0);
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 33.0 / 4);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(load_unload_and_cascading)
{
    /* Load 0.5 h and unload 0.25 h per job, 2 lots a day of 1 h each. */
    model *m = realism_model(1, 25, 2.0);
    tool_group *g = &m->groups[0];
    g->load_days = 0.5 * HOURS;
    g->unload_days = 0.25 * HOURS;
    product *p = &m->products[0];
    add_step(p, 0, TIME_PER_LOT, make_dist(DIST_CONSTANT, 3.0 * HOURS, 0));
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 3.75);
    ck_assert_close(r->raw_process_time_days[0], 3.75 * HOURS);
    capacity_report_destroy(r);

    /* Cascading, 3 jobs at once, 3 h jobs: the next job may start
     * `interval` after this one, so a job holds the tool
     * max(interval, 3 h / 3), at most 3 h; its lot still takes 3 h. */
    g->load_days = g->unload_days = 0.0;
    g->cascade = 3;
    const struct { double interval_h; double held_h; } cases[] = {
        {0.5, 1.0}, {2.0, 2.0}, {5.0, 3.0}, {NAN, 3.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        p->steps[0].cascade_interval_days = cases[i].interval_h * HOURS;
        r = analyse(m, 0.85);
        ck_assert_close(r->load_tool_hours_per_day[0], 2 * cases[i].held_h);
        ck_assert_close(r->raw_process_time_days[0], 3.0 * HOURS);
        capacity_report_destroy(r);
    }
    /* Per-wafer steps cascade per wafer: 0.08 h x 25 = 2 h. */
    p->steps[0].per = TIME_PER_WAFER;
    p->steps[0].time = make_dist(DIST_CONSTANT, 0.12 * HOURS, 0);  /* 3 h */
    p->steps[0].cascade_interval_days = 0.08 * HOURS;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 2.0);
    capacity_report_destroy(r);
    /* A group without cascading ignores the interval. */
    g->cascade = 1;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 3.0);
    capacity_report_destroy(r);
    /* Loading (0.5 h) and unloading (0.25 h) make a 3.75 h job: with an
     * interval of 0.5 h it holds the tool max(0.5, 3.75 / 3) = 1.25 h. */
    g->cascade = 3;
    g->load_days = 0.5 * HOURS;
    g->unload_days = 0.25 * HOURS;
    p->steps[0].per = TIME_PER_LOT;
    p->steps[0].time = make_dist(DIST_CONSTANT, 3.0 * HOURS, 0);
    p->steps[0].cascade_interval_days = 0.5 * HOURS;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 1.25);
    ck_assert_close(r->raw_process_time_days[0], 3.75 * HOURS);
    capacity_report_destroy(r);
    /* ... and an interval of 2 h: the next job's load overlaps this
     * one's interval, so a job holds the tool 2 h, not 0.5 + 2 h. */
    p->steps[0].cascade_interval_days = 2.0 * HOURS;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2 * 2.0);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

/* Two products on G0 with setups A (P, 3 lots a day) and B (Q, 1 a day),
 * 1 h per lot; changes A -> B 2 h and B -> A 4 h. */
static model *setup_model(void)
{
    model *m = realism_model(2, 25, 3.0);
    ck_assert_int_eq(model_add_product(m, "Q"), 1);
    product *q = &m->products[1];
    q->release = RELEASE_INTERVAL;
    q->release_interval_days = 1.0;
    int32_t a = model_intern_setup(m, "A"), b = model_intern_setup(m, "B");
    ck_assert(a == 0 && b == 1);
    hour_step(&m->products[0], 0)->setup = a;
    hour_step(q, 0)->setup = b;
    setup_change *c = model_add_setup_change(m, a, b);
    c->time = make_dist(DIST_CONSTANT, 2.0 * HOURS, 0);
    c = model_add_setup_change(m, b, a);
    c->time = make_dist(DIST_CONSTANT, 4.0 * HOURS, 0);
    return m;
}

START_TEST(setups_in_random_order)
{
    /* A is 3/4 of the jobs: a P lot follows a Q lot 1/4 of the time and
     * pays 4 h, a Q lot follows a P lot 3/4 of the time and pays 2 h:
     * 3 x 1 + 1 x 1.5 = 4.5 setup hours a day. */
    model *m = setup_model();
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->setup_tool_hours_per_day[0], 4.5);
    ck_assert_close(r->load_tool_hours_per_day[0], 4.0 + 4.5);
    ck_assert_close(r->setup_tool_hours_per_day[1], 0.0);
    ck_assert_close(r->raw_process_time_days[0], 2.0 * HOURS);
    ck_assert_close(r->raw_process_time_days[1], 2.5 * HOURS);
    capacity_report_destroy(r);

    /* A minimum run of 3 lots of B allows a change into B at most every
     * third Q lot: 1/3 x 2 h. */
    m->setup_min_run[1] = 3;
    r = analyse(m, 0.85);
    ck_assert_close(r->setup_tool_hours_per_day[0], 3.0 + 2.0 / 3.0);
    capacity_report_destroy(r);
    m->setup_min_run[1] = 0;

    /* A step's own setup time wins over the matrix. */
    m->products[1].steps[0].has_setup_time = 1;
    m->products[1].steps[0].setup_time = make_dist(DIST_CONSTANT, 6.0 * HOURS, 0);
    r = analyse(m, 0.85);
    ck_assert_close(r->setup_tool_hours_per_day[0], 3.0 + 0.75 * 6.0);
    capacity_report_destroy(r);
    m->products[1].steps[0].has_setup_time = 0;

    /* "From any other setup" entries count for every previous setup. */
    m->setup_changes[0].from = -1;
    r = analyse(m, 0.85);
    ck_assert_close(r->setup_tool_hours_per_day[0], 4.5);
    capacity_report_destroy(r);

    /* A group serving a single setup never changes: Q moves to G1. */
    m->products[1].steps[0].tool_group = 1;
    r = analyse(m, 0.85);
    ck_assert_close(r->setup_tool_hours_per_day[0], 0.0);
    ck_assert_close(r->setup_tool_hours_per_day[1], 0.0);
    ck_assert_close(r->load_tool_hours_per_day[0], 3.0);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(availability_from_downtimes)
{
    /* Breakdowns MTTF 9 d, MTTR 1 d: 0.9; calendar PM every 29 d for 1 d:
     * 29/30; both, as independent calendars: 0.87. */
    model *m = realism_model(1, 25, 2.0);
    product *p = &m->products[0];
    add_step(p, 0, TIME_PER_WAFER, make_dist(DIST_CONSTANT, 0.24 * HOURS, 0));
    tool_group *g = &m->groups[0];
    tool_downtime *d = model_add_downtime(g, "fail");
    d->kind = DOWN_BREAKDOWN;
    d->interval = make_dist(DIST_EXPONENTIAL, 9.0, 0);
    d->duration = make_dist(DIST_EXPONENTIAL, 1.0, 0);
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->availability[0], 0.9);
    /* 2 lots x 6 h = 12 h a day of 24 x 0.9 available. */
    ck_assert_close(r->utilisation[0], 12.0 / (24.0 * 0.9));
    ck_assert_int_eq(r->tools_needed[0], 1);   /* 12 / (21.6 x 0.85) */
    capacity_report_destroy(r);

    d = model_add_downtime(g, "pm");
    d->kind = DOWN_PM_CALENDAR;
    d->interval = make_dist(DIST_CONSTANT, 29.0, 0);
    d->duration = make_dist(DIST_CONSTANT, 1.0, 0);
    r = analyse(m, 0.85);
    ck_assert_close(r->availability[0], 0.87);
    capacity_report_destroy(r);

    /* Wafer-based PM of 0.5 d every 1000 wafers: 50 wafers a day cause
     * 0.025 d = 0.6 h of PM a day, counted as load. */
    d = model_add_downtime(g, "pm-wafers");
    d->kind = DOWN_PM_WAFERS;
    d->interval_wafers = 1000;
    d->duration = make_dist(DIST_CONSTANT, 0.5, 0);
    r = analyse(m, 0.85);
    ck_assert_close(r->availability[0], 0.87);
    ck_assert_close(r->pm_tool_hours_per_day[0], 0.6);
    ck_assert_close(r->load_tool_hours_per_day[0], 12.6);
    ck_assert_close(r->utilisation[0], 12.6 / (24.0 * 0.87));
    capacity_report_destroy(r);

    /* Yield loss upstream means fewer wafers and less PM. */
    p->steps[0].scrap_prob = 0.5;
    hour_step(p, 0);
    r = analyse(m, 0.85);
    ck_assert_close(r->pm_tool_hours_per_day[0], 0.6 + 0.3);
    capacity_report_destroy(r);

    /* A PM after no wafers at all is bad data. */
    d->interval_wafers = 0;
    capacity_report dummy, *bad = &dummy;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_analyse(m, 0.85, &bad, &err), WS_EDATA);
    ck_assert_ptr_null(bad);
    model_destroy(m);
}
END_TEST

START_TEST(orders_add_release_rates)
{
    /* P is released only by orders; horizon 100 days. */
    model *m = realism_model(1, 25, 1.0);
    m->horizon_days = 100.0;
    product *p = &m->products[0];
    p->release = RELEASE_NONE;
    add_step(p, 0, TIME_PER_WAFER, make_dist(DIST_CONSTANT, 0.04 * HOURS, 0));
    capacity_report *r = analyse(m, 0.85);      /* no orders: no starts */
    ck_assert_close(r->planned_wafers_per_month[0], 0.0);
    ck_assert_close(r->max_wafers_per_month[0], 0.0);
    ck_assert_int_eq(r->bottleneck, -1);
    capacity_report_destroy(r);

    /* Unlimited, every half day: 2 lots a day. */
    release_order *o = model_add_order(m, "steady", 0);
    o->interval_days = 0.5;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.0);
    ck_assert_close(r->planned_wafers_per_month[0], 50.0 * 30.436875);
    capacity_report_destroy(r);

    /* 150 lots from day 40, every half day: only 120 fit in the horizon,
     * 1.2 a day on average; in 10-wafer lots at 0.04 h a wafer. */
    o = model_add_order(m, "limited", 0);
    o->interval_days = 0.5;
    o->first_days = 40.0;
    o->count = 150;
    o->wafers = 10;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.0 + 1.2 * 0.4);
    ck_assert_close(r->planned_wafers_per_month[0],
                    (50.0 + 12.0) * 30.436875);
    capacity_report_destroy(r);

    /* Drawn interarrival times of mean 2 d, 30 lots: 1 + 100/2 = 51 would
     * fit, 30 are released: 0.3 a day. */
    o->kind = RELEASE_RANDOM;
    o->interarrival = make_dist(DIST_EXPONENTIAL, 2.0, 0);
    o->first_days = 0.0;
    o->count = 30;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.0 + 0.3 * 0.4);
    capacity_report_destroy(r);

    /* A product's own plan and its orders add up. */
    p->release = RELEASE_INTERVAL;
    p->release_interval_days = 1.0;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 3.0 + 0.3 * 0.4);
    capacity_report_destroy(r);

    /* An order of no product is bad data. */
    m->orders[0].product = 7;
    capacity_report dummy, *bad = &dummy;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_analyse(m, 0.85, &bad, &err), WS_EDATA);
    ck_assert_ptr_nonnull(strstr(err.message, "order steady"));
    model_destroy(m);
}
END_TEST

START_TEST(conwip_has_no_planned_rate)
{
    /* Q is CONWIP: no planned starts, no load of its own releases; P's
     * figures are unchanged. */
    model *m = realism_model(1, 25, 2.0);
    hour_step(&m->products[0], 0);
    ck_assert_int_eq(model_add_product(m, "Q"), 1);
    product *q = &m->products[1];
    q->release = RELEASE_CONWIP;
    q->conwip_lots = 5;
    hour_step(q, 0);
    capacity_report *r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 2.0);
    ck_assert(isnan(r->planned_wafers_per_month[1]));
    ck_assert(isnan(r->max_wafers_per_month[1]));
    ck_assert_close(r->max_wafers_per_month[0], 12.0 * 50.0 * 30.436875);
    ck_assert_close(r->raw_process_time_days[1], 1.0 * HOURS);
    capacity_report_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(bad_realism_data)
{
    capacity_report dummy, *r = &dummy;
    ws_error err;
    /* A loop no lot leaves. */
    model *m = realism_model(1, 25, 1.0);
    route_step *s = hour_step(&m->products[0], 0);
    s->rework_to = 0;
    s->rework_prob = 1.0;
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_analyse(m, 0.85, &r, &err), WS_EDATA);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.message, "never"));
    /* ... unless some of it is lost on the way: half of it leaves. */
    s->scrap_prob = 1.0;
    m->products[0].lot_size = 1;
    r = analyse(m, 0.85);
    ck_assert_close(r->load_tool_hours_per_day[0], 1.0);
    ck_assert_close(r->wafer_yield[0], 0.0);
    capacity_report_destroy(r);
    /* Probabilities and targets out of range. */
    s->scrap_prob = 0.0;
    s->rework_prob = 0.5;
    s->sample_prob = 1.5;
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_analyse(m, 0.85, &r, &err), WS_EDATA);
    ck_assert_ptr_nonnull(strstr(err.message, "sample probability"));
    s->sample_prob = 1.0;
    s->rework_to = 1;
    ws_error_clear(&err);
    ck_assert_int_eq(capacity_analyse(m, 0.85, &r, &err), WS_EDATA);
    ck_assert_ptr_nonnull(strstr(err.message, "rework target"));
    model_destroy(m);
}
END_TEST

/* The validation: simulated mean utilisation after the warm-up,
 * over REPLICATIONS replications, against the static analysis.  The
 * simulation's utilisation is the busy share (processing and setups) of
 * all time, so it converges to (load - wafer-PM part) / (tools x 24 h),
 * which is the static utilisation when nothing is down; the time a group
 * is down or in PM converges to (1 - availability) + the PM part.
 *
 * The intervals are simultaneous 99% intervals (Bonferroni: each group's
 * at level 1 - 0.01 / groups).  With separate 99% intervals a model of G
 * groups fails by chance with probability 1 - 0.99^G even when the static
 * value is exact, 11% for the synthetic line's 12 groups; it happened on
 * the hand model's group C (t = 3.3 over 10 replications, while 200
 * replications gave 0.25009 +- 0.00027 around the exact 0.25).  The
 * intervals must also be narrow enough for the check to mean something. */
/* The least share N / (N + L) of the wafer-based PMs of group g that a
 * simulation can show, L the largest lot; 1 without such PMs. */
static double pm_count_share(const model *m, int32_t g)
{
    int32_t lot = 0;
    for (int32_t p = 0; p < m->nproducts; p++)
        lot = m->products[p].lot_size > lot ? m->products[p].lot_size : lot;
    double share = 1.0;
    const tool_group *tg = &m->groups[g];
    for (int32_t d = 0; d < tg->ndowntimes; d++)
        if (tg->downtimes[d].kind == DOWN_PM_WAFERS) {
            double n = tg->downtimes[d].interval_wafers;
            share = fmin(share, n / (n + lot));
        }
    return share;
}

static void assert_simulation_agrees(const model *m)
{
    capacity_report *r = analyse(m, 0.85);
    int32_t G = m->ngroups;
    double *util = malloc((size_t)G * REPLICATIONS * sizeof *util);
    double *away = malloc((size_t)G * REPLICATIONS * sizeof *away);
    ck_assert(util && away);
    fab_options fo = {.scenario = 0, .record_lots = 0};
    for (int rep = 0; rep < REPLICATIONS; rep++) {
        fab_result *res;
        ws_error err;
        ws_error_clear(&err);
        ck_assert_msg(fab_run(m, &fo, (uint32_t)rep, &res, &err) == 0, "%s",
                      err.message);
        for (int32_t g = 0; g < G; g++) {
            const double *share = res->mean_tool_state_share
                                  + (size_t)g * TOOL_STATE_COUNT;
            util[g * REPLICATIONS + rep] = res->mean_utilisation[g];
            away[g * REPLICATIONS + rep] = share[TOOL_DOWN] + share[TOOL_PM];
        }
        fab_result_destroy(res);
    }
    double level = 1.0 - 0.01 / G;
    for (int32_t g = 0; g < G; g++) {
        double hours = r->tools[g] * 24.0;
        double busy = (r->load_tool_hours_per_day[g]
                       - r->pm_tool_hours_per_day[g]) / hours;
        confidence_interval ci = stats_confidence_interval(
            util + g * REPLICATIONS, REPLICATIONS, level);
        ck_assert_msg(ci.low <= busy && busy <= ci.high,
                      "%s: static busy share %.4f (utilisation %.4f) outside "
                      "the simulated (simultaneous 99%%) CI [%.4f, %.4f]",
                      m->groups[g].name, busy, r->utilisation[g], ci.low,
                      ci.high);
        ck_assert_msg(ci.half_width < 0.02, "%s: CI half-width %.4f too wide",
                      m->groups[g].name, ci.half_width);
        /* Wafer-based PM comes after the job that reaches the count, which
         * restarts at 0: every N wafers plus up to one job's, so d / N per
         * wafer is high by at most (wafers of a lot) / N (no batching on
         * such groups here). */
        double down = 1.0 - r->availability[g];
        double pm = r->pm_tool_hours_per_day[g] / hours;
        double low = down + pm * pm_count_share(m, g), high = down + pm;
        ci = stats_confidence_interval(away + g * REPLICATIONS, REPLICATIONS,
                                       level);
        ck_assert_msg(high == 0.0 ? ci.high == 0.0
                                  : ci.low <= high && low <= ci.high,
                      "%s: static down and PM share [%.5f, %.5f] outside the "
                      "simulated CI [%.5f, %.5f]", m->groups[g].name, low,
                      high, ci.low, ci.high);
    }
    free(util);
    free(away);
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

/* Five groups exercising the realism features whose static estimate is
 * exact in the mean here: setups on a one-tool FIFO group fed by two
 * Poisson streams (so a job's predecessor is independent of it, as the
 * random-order estimate assumes), load and unload, full batches
 * (batch_min = batch_max), sampling, rework loops, yield loss and
 * wafer-based PM.  Loads 0.21 .. 0.71.  Breakdowns are validated in
 * test_realism.c. */
static model *realism_sim_model(void)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    m->seed = 20261127;
    m->horizon_days = 3000;
    m->warmup_days = 50;
    int32_t clean = model_add_tool_group(m, "CLEAN", 1);
    int32_t litho = model_add_tool_group(m, "LITHO", 1);
    int32_t furnace = model_add_tool_group(m, "FURNACE", 1);
    int32_t metro = model_add_tool_group(m, "METRO", 1);
    int32_t implant = model_add_tool_group(m, "IMPLANT", 1);
    m->groups[clean].load_days = 0.1 * HOURS;
    m->groups[clean].unload_days = 0.1 * HOURS;
    m->groups[furnace].batching = 1;
    m->groups[furnace].batch_unit = BATCH_LOTS;
    tool_downtime *d = model_add_downtime(&m->groups[implant], "pm");
    d->kind = DOWN_PM_WAFERS;
    d->interval_wafers = 500;
    d->duration = make_dist(DIST_CONSTANT, 2.0 * HOURS, 0);
    int32_t sa = model_intern_setup(m, "SA"), sb = model_intern_setup(m, "SB");
    model_add_setup_change(m, sa, sb)->time =
        make_dist(DIST_CONSTANT, 1.0 * HOURS, 0);
    model_add_setup_change(m, sb, sa)->time =
        make_dist(DIST_CONSTANT, 0.5 * HOURS, 0);

    ck_assert_int_eq(model_add_product(m, "P1"), 0);
    ck_assert_int_eq(model_add_product(m, "P2"), 1);
    product *p1 = &m->products[0], *p2 = &m->products[1];
    p1->lot_size = 25;
    p1->release = RELEASE_RANDOM;
    p1->interarrival = make_dist(DIST_EXPONENTIAL, 12.0 * HOURS, 0);
    p2->lot_size = 10;
    p2->release = RELEASE_RANDOM;
    p2->interarrival = make_dist(DIST_EXPONENTIAL, 8.0 * HOURS, 0);
    route_step *s;
    add_step(p1, clean, TIME_PER_LOT, make_dist(DIST_GAMMA, 1.5 * HOURS, 0.5));
    p1->steps[0].setup = sa;
    add_step(p1, litho, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.06 * HOURS, 0.5));
    p1->steps[1].scrap_prob = 0.05;
    add_step(p1, furnace, TIME_PER_BATCH, make_dist(DIST_CONSTANT, 10 * HOURS, 0));
    p1->steps[2].batch_min = p1->steps[2].batch_max = 4;
    add_step(p1, litho, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.08 * HOURS, 0.5));
    s = &p1->steps[3];
    s->rework_to = 1;
    s->rework_prob = 0.1;
    add_step(p1, metro, TIME_PER_LOT, make_dist(DIST_EXPONENTIAL, 3 * HOURS, 0));
    p1->steps[4].sample_prob = 0.3;
    add_step(p1, implant, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.2 * HOURS, 0.3));

    add_step(p2, clean, TIME_PER_LOT, make_dist(DIST_GAMMA, 1.5 * HOURS, 0.5));
    p2->steps[0].setup = sb;
    add_step(p2, litho, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.2 * HOURS, 0.5));
    p2->steps[1].scrap_prob = 0.02;
    add_step(p2, metro, TIME_PER_LOT, make_dist(DIST_EXPONENTIAL, 2 * HOURS, 0));
    s = &p2->steps[2];
    s->sample_prob = 0.5;
    s->rework_to = 1;
    s->rework_prob = 0.2;
    add_step(p2, implant, TIME_PER_WAFER, make_dist(DIST_GAMMA, 0.25 * HOURS, 0.3));
    return m;
}

START_TEST(simulation_agrees_with_realism_features)
{
    model *m = realism_sim_model();
    capacity_report *r = analyse(m, 0.85);
    /* CLEAN's setups by hand: SA is 2/5 of the jobs, so a P1 job changes
     * with probability 3/5 (0.5 h), a P2 job with 2/5 (1 h):
     * 2 x 0.3 + 3 x 0.4 = 1.8 h a day. */
    ck_assert_close(r->setup_tool_hours_per_day[0], 1.8);
    /* Lot-steps per lot finished, both products mixed by their rates. */
    double expected_steps = (2.0 * r->visits_per_lot[0]
                             + 3.0 * r->visits_per_lot[1]) / 5.0;
    capacity_report_destroy(r);
    assert_simulation_agrees(m);
    double steps[REPLICATIONS];
    fab_options fo = {.scenario = 0, .record_lots = 1};
    for (int rep = 0; rep < REPLICATIONS; rep++) {
        fab_result *res;
        ws_error err;
        ws_error_clear(&err);
        ck_assert_msg(fab_run(m, &fo, (uint32_t)rep, &res, &err) == 0, "%s",
                      err.message);
        size_t finished = 0;
        for (size_t i = 0; i < res->nlots; i++)
            finished += !isnan(res->lots[i].finish_day);
        steps[rep] = (double)res->lot_steps / (double)finished;
        fab_result_destroy(res);
    }
    confidence_interval ci = stats_confidence_interval(steps, REPLICATIONS,
                                                       0.99);
    ck_assert_msg(ci.low <= expected_steps && expected_steps <= ci.high,
                  "lot-steps per lot: static %.4f outside the simulated 99%% "
                  "CI [%.4f, %.4f]", expected_steps, ci.low, ci.high);
    ck_assert_msg(ci.half_width < 0.01 * expected_steps,
                  "lot-steps CI half-width %.4f too wide", ci.half_width);
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
    TCase *real = tcase_create("realism");
    tcase_add_test(real, rework_loop_multiplies_visits);
    tcase_add_test(real, nested_rework_loops_multiply);
    tcase_add_test(real, random_routes_match_dense_markov_solve);
    tcase_add_test(real, sampling_scales_visits);
    tcase_add_test(real, scrap_thins_downstream_wafers);
    tcase_add_test(real, batches_share_their_time);
    tcase_add_test(real, load_unload_and_cascading);
    tcase_add_test(real, setups_in_random_order);
    tcase_add_test(real, availability_from_downtimes);
    tcase_add_test(real, orders_add_release_rates);
    tcase_add_test(real, conwip_has_no_planned_rate);
    tcase_add_test(real, bad_realism_data);
    suite_add_tcase(s, real);
    TCase *sim = tcase_create("simulation");
    /* Generous for valgrind; natively these take well under a second. */
    tcase_set_timeout(sim, 600);
    tcase_add_test(sim, simulation_agrees_on_hand_model);
    tcase_add_test(sim, simulation_agrees_on_synthetic_line);
    tcase_add_test(sim, simulation_agrees_with_realism_features);
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
