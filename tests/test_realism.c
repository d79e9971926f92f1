/* Validation of the realism features of the simulation (models/fab.h)
 * against closed forms: availability under breakdowns and calendar PM,
 * batching, setups and minimum runs, rework, sampling, scrap, the Lu-Kumar
 * network under priority and FIFO dispatching, time constraints, load,
 * unload and transport, and the priority, EDD and SPT dispatching keys.
 *
 * Stochastic tests run independent replications and check that the closed
 * form lies inside the Student-t 99% confidence interval of the simulated
 * mean AND that the interval is narrow (a few per cent of the value), so a
 * test can fail.  Deterministic scenarios (constant times, fixed releases)
 * are checked to rounding.  The horizons were sized against an independent
 * simulation so that the whole file runs in a few seconds at -O2.
 *
 * Engine semantics the tests assume, from models/model.h and fab.h:
 *   - breakdown intervals and calendar-PM intervals are counted from the
 *     end of the previous occurrence (alternating renewal), in calendar
 *     time; a breakdown suspends the lot in process, which resumes after
 *     the repair; a PM waits for the current job;
 *   - tool_state_share splits each tool's time into exclusive states that
 *     sum to 1; load and unload count as processing;
 *   - a batching group with batch_min = batch_max = k lots starts a batch
 *     as soon as k lots wait;
 *   - a change into a step's setup (including the first setup of a tool)
 *     takes the step's setup_time; min_run lots of a setup run before the
 *     tool changes again, under any rank list;
 *   - rework sends the lot back after processing; a skipped (sampled-out)
 *     step is not a lot-step; lot_steps counts every processing;
 *   - scrap_prob is per wafer after the step; wafers_scrapped counts them;
 *   - RANK_STEP serves the highest step_priority first, FIFO among equals;
 *   - a time constraint's queue time runs from the end of from_step to the
 *     start of to_step; a violation is counted when the lot starts late
 *     (or, in some engines, as soon as the limit passes: both are
 *     accepted);
 *   - transport (model.transport) lies between consecutive steps only;
 *   - orders release count lots at first_days + k x interval_days, with
 *     their priority and due date release + due_offset_days; lot records
 *     are in release order.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/capacity.h"
#include "models/fab.h"
#include "models/model.h"
#include "sim/stats.h"
#include "test_dists.h"
#include "test_same_result.h"

#define LEVEL 0.99

/* An empty model: start 2025-01-01, no warm-up. */
static model *new_model(double horizon_days)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    m->horizon_days = horizon_days;
    m->warmup_days = 0.0;
    m->seed = 20261127;
    return m;
}

static int32_t add_group(model *m, const char *name, int32_t tools)
{
    int32_t g = model_add_tool_group(m, name, tools);
    ck_assert_int_ge(g, 0);
    return g;
}

static product *add_product(model *m, const char *name, int32_t lot_size)
{
    int32_t i = model_add_product(m, name);
    ck_assert_int_ge(i, 0);
    product *p = &m->products[i];
    p->lot_size = lot_size;
    p->release = RELEASE_NONE;
    return p;
}

static void release_poisson(product *p, double lots_per_day)
{
    p->release = RELEASE_RANDOM;
    p->interarrival = exponential(1.0 / lots_per_day);
}

static void release_every(product *p, double days)
{
    p->release = RELEASE_INTERVAL;
    p->release_interval_days = days;
}

static route_step *add_step(product *p, int32_t group, enum time_per per,
                            dist time)
{
    route_step *s = model_add_step(p, "step");
    ck_assert_ptr_nonnull(s);
    s->tool_group = group;
    s->per = per;
    s->time = time;
    return s;
}

/* An order of `count` lots, one every `interval` days from `first`. */
static release_order *add_order(model *m, const char *name,
                                int32_t product_index, int64_t count,
                                double first, double interval)
{
    release_order *o = model_add_order(m, name, product_index);
    ck_assert_ptr_nonnull(o);
    o->kind = RELEASE_INTERVAL;
    o->count = count;
    o->first_days = first;
    o->interval_days = interval;
    return o;
}

/* A downtime of group g taking `duration` each time; the caller sets
 * when it falls due. */
static tool_downtime *add_downtime(model *m, int32_t g, const char *name,
                                   enum downtime_kind kind, dist duration)
{
    tool_downtime *d = model_add_downtime(&m->groups[g], name);
    ck_assert_ptr_nonnull(d);
    d->kind = kind;
    d->duration = duration;
    return d;
}

/* A second group OTHER that a lot a day visits for 0.25 d, so that the
 * fab runs while the group under test stays idle. */
static int32_t add_busy_line(model *m)
{
    int32_t busy = add_group(m, "OTHER", 1);
    product *p = add_product(m, "P", 25);
    release_every(p, 1.0);
    add_step(p, busy, TIME_PER_LOT, constant(0.25));
    return busy;
}

static fab_result *run(const model *m, uint32_t replication, int record_lots)
{
    fab_options fo = {.scenario = 0, .record_lots = record_lots};
    fab_result *r;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(fab_run(m, &fo, replication, &r, &err) == 0, "%s",
                  err.message);
    return r;
}

/* The closed form inside the 99% interval of x[0..n), and the interval's
 * half-width at most rel_width of the closed form. */
static void assert_ci(const char *what, const double *x, size_t n,
                      double expected, double rel_width)
{
    confidence_interval ci = stats_confidence_interval(x, n, LEVEL);
    ck_assert_msg(ci.low <= expected && expected <= ci.high,
                  "%s: closed form %.6g outside the 99%% CI [%.6g, %.6g] "
                  "(%zu replications)", what, expected, ci.low, ci.high, n);
    ck_assert_msg(ci.half_width <= rel_width * fabs(expected),
                  "%s: CI half-width %.4g wider than %.3g of %.6g", what,
                  ci.half_width, rel_width, expected);
}

#define ck_assert_near(x, y, tol) \
    ck_assert_msg(fabs((x) - (y)) <= (tol), "%s = %.12g, expected %.12g", \
                  #x, (double)(x), (double)(y))

static double state_share(const fab_result *r, int32_t g, enum tool_state s)
{
    return r->mean_tool_state_share[(size_t)g * TOOL_STATE_COUNT + s];
}

static void assert_shares_sum_to_one(const fab_result *r)
{
    for (int32_t g = 0; g < r->ngroups; g++) {
        double sum = 0.0;
        for (int s = 0; s < TOOL_STATE_COUNT; s++) {
            double x = state_share(r, g, (enum tool_state)s);
            ck_assert_msg(x >= 0.0 && x <= 1.0 + 1e-12,
                          "group %d state %d share %g", (int)g, s, x);
            sum += x;
        }
        ck_assert_msg(fabs(sum - 1.0) < 1e-9, "group %d: shares sum to %.12g",
                      (int)g, sum);
    }
}

static size_t finished_lots(const fab_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nlots; i++)
        n += !isnan(r->lots[i].finish_day);
    return n;
}

static double month_sum(const double *per_month, const fab_result *r,
                        int32_t product_index)
{
    double sum = 0.0;
    for (int32_t k = 0; k < r->nmonths; k++)
        sum += per_month[(size_t)k * (size_t)r->nproducts
                         + (size_t)product_index];
    return sum;
}

static capacity_report *capacity(const model *m)
{
    capacity_report *c;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(capacity_analyse(m, 0.85, &c, &err) == 0, "%s", err.message);
    return c;
}

/* ---- a. availability ---------------------------------------------------- */

#define BREAKDOWN_REPS 20

START_TEST(breakdowns_give_mttf_over_mttf_plus_mttr)
{
    /* One tool failing after exponential times of mean MTTF = 4 d, repaired
     * in exponential times of mean MTTR = 1 d, over 10000 days: it is up
     * MTTF / (MTTF + MTTR) = 0.8 of the time (asymptotic sd of the share
     * ~0.005 per replication).  A lot every 10 days taking P = 0.5 d finds
     * the tool down with probability f = 0.2 (residual repair MTTR, by
     * memorylessness) and suffers P / MTTF failures on average while in
     * process, each adding MTTR, so its mean cycle time is
     * f MTTR + P (1 + MTTR / MTTF) = 0.825 d. */
    const double mttf = 4.0, mttr = 1.0, process = 0.5;
    model *m = new_model(10000.0);
    int32_t g = add_group(m, "T", 1);
    tool_downtime *d = add_downtime(m, g, "failure", DOWN_BREAKDOWN,
                                    exponential(mttr));
    d->interval = exponential(mttf);
    product *p = add_product(m, "P", 25);
    release_every(p, 10.0);
    add_step(p, g, TIME_PER_LOT, constant(process));

    double up[BREAKDOWN_REPS], ct[BREAKDOWN_REPS];
    for (int rep = 0; rep < BREAKDOWN_REPS; rep++) {
        fab_result *r = run(m, (uint32_t)rep, 0);
        assert_shares_sum_to_one(r);
        up[rep] = 1.0 - state_share(r, g, TOOL_DOWN);
        ck_assert_double_eq(state_share(r, g, TOOL_PM), 0.0);
        ct[rep] = r->mean_cycle_time_days[0];
        fab_result_destroy(r);
    }
    double availability = mttf / (mttf + mttr);
    assert_ci("availability", up, BREAKDOWN_REPS, availability, 0.01);
    double f = mttr / (mttf + mttr);
    assert_ci("cycle time under breakdowns", ct, BREAKDOWN_REPS,
              f * mttr + process * (1.0 + mttr / mttf), 0.04);

    /* The static analysis agrees. */
    capacity_report *c = capacity(m);
    ck_assert_near(c->availability[g], availability, 1e-12);
    capacity_report_destroy(c);
    model_destroy(m);
}
END_TEST

START_TEST(calendar_pm_on_an_idle_tool)
{
    /* PM every I = 9 days (from the end of the last) for d = 1 day on a
     * tool no lot visits (a PM waits for the current job, so load would
     * shift it): PM share d / (I + d) = 0.1 over 1000 days, exactly up to
     * the cycle cut by the horizon (< 1/1000).  d / I = 0.111 would mean
     * intervals counted from the start of the last PM. */
    const double interval = 9.0, duration = 1.0;
    model *m = new_model(1000.0);
    int32_t idle = add_group(m, "PMTOOL", 1);
    int32_t busy = add_busy_line(m);
    tool_downtime *d = add_downtime(m, idle, "pm", DOWN_PM_CALENDAR,
                                    constant(duration));
    d->interval = constant(interval);
    for (uint32_t rep = 0; rep < 2; rep++) {
        fab_result *r = run(m, rep, 0);
        assert_shares_sum_to_one(r);
        ck_assert_near(state_share(r, idle, TOOL_PM),
                       duration / (interval + duration), 2e-3);
        ck_assert_near(state_share(r, idle, TOOL_IDLE),
                       interval / (interval + duration), 2e-3);
        ck_assert_double_eq(state_share(r, idle, TOOL_PROCESSING), 0.0);
        ck_assert_double_eq(state_share(r, busy, TOOL_PM), 0.0);
        ck_assert_near(state_share(r, busy, TOOL_PROCESSING), 0.25, 1e-9);
        fab_result_destroy(r);
    }
    capacity_report *c = capacity(m);
    ck_assert_near(c->availability[idle], 0.9, 1e-12);
    capacity_report_destroy(c);
    model_destroy(m);
}
END_TEST

START_TEST(staggered_first_pms_spread_over_the_tools)
{
    /* Four idle tools, a PM every 100 days for 1 day, first at a constant
     * 8 days.  Staggered, tool k of 4 has its first at 2k days: over a
     * 5-day horizon the PMs at 2 and 4 run whole, 2 tool-days of 20, a
     * share of 0.1.  Unstaggered, all four would come at day 8: none. */
    for (int stagger = 0; stagger <= 1; stagger++) {
        model *m = new_model(5.0);
        int32_t pm = add_group(m, "PMTOOLS", 4);
        add_busy_line(m);
        tool_downtime *d = add_downtime(m, pm, "pm", DOWN_PM_CALENDAR,
                                        constant(1.0));
        d->interval = constant(100.0);
        d->has_first = 1;
        d->first = constant(8.0);
        d->stagger = stagger;
        fab_result *r = run(m, 0, 0);
        assert_shares_sum_to_one(r);
        ck_assert_near(state_share(r, pm, TOOL_PM), stagger ? 0.1 : 0.0,
                       1e-12);
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

START_TEST(first_wafer_pms_staggered)
{
    /* Two tools, 12 lots of 25 wafers waiting at 0, 0.1 d each; a wafer
     * PM of 1 d every 10^6 wafers, the first after first_wafers = 100.
     * Staggered, tool 1 stops after 50 wafers (2 lots, at 0.2) and tool 2
     * after 100 (4 lots, at 0.4); back at 1.2 and 1.4 they share the last
     * 6 lots, the last done at 1.6: 6 lots done before day 1.  Without
     * stagger both stop after 4 lots: 8 done before day 1, the last at
     * 1.6 too.  Without first_wafers the first PM would come after 10^6
     * wafers: no PM at all. */
    for (int variant = 0; variant < 3; variant++) {
        model *m = new_model(10.0);
        int32_t g = add_group(m, "LAMP", 2);
        tool_downtime *d = add_downtime(m, g, "lamp", DOWN_PM_WAFERS,
                                        constant(1.0));
        d->interval_wafers = 1e6;
        d->first_wafers = variant < 2 ? 100.0 : 0.0;
        d->stagger = variant == 0;
        product *p = add_product(m, "P", 25);
        add_step(p, g, TIME_PER_LOT, constant(0.1));
        for (int32_t i = 0; i < 12; i++) {
            initial_lot *l = model_add_initial_lot(m);
            ck_assert_ptr_nonnull(l);
            l->product = 0;
            l->step = 0;
            l->wafers = 25;
        }
        fab_result *r = run(m, 0, 1);
        ck_assert_uint_eq(r->nlots, 12);
        int before_day_1 = 0;
        double last = 0.0;
        for (size_t i = 0; i < r->nlots; i++) {
            before_day_1 += r->lots[i].finish_day < 1.0;
            if (r->lots[i].finish_day > last)
                last = r->lots[i].finish_day;
        }
        const int want[3] = {6, 8, 12};
        ck_assert_msg(before_day_1 == want[variant],
                      "variant %d: %d lots before day 1", variant,
                      before_day_1);
        ck_assert_near(last, variant < 2 ? 1.6 : 0.6, 1e-9);
        ck_assert_near(state_share(r, g, TOOL_PM), variant < 2 ? 0.1 : 0.0,
                       1e-12);
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

/* ---- b. batching -------------------------------------------------------- */

/* One tool batching k lots (batch_min = batch_max = k, lot units) of a
 * single-step route taking `batch_time` per batch. */
static model *batching_model(double horizon, int32_t k, double batch_time)
{
    model *m = new_model(horizon);
    int32_t g = add_group(m, "FURNACE", 1);
    m->groups[g].batching = 1;
    m->groups[g].batch_unit = BATCH_LOTS;
    product *p = add_product(m, "P", 25);
    route_step *s = add_step(p, g, TIME_PER_BATCH, constant(batch_time));
    s->batch_min = k;
    s->batch_max = k;
    return m;
}

START_TEST(batches_wait_for_k_lots)
{
    /* A lot of 25 wafers every day (lambda = 1/d) into batches of k = 4
     * lots of 0.1 d: the m-th lot of a batch waits for k - 1 - m more, so
     * the mean wait is (k - 1) / (2 lambda) = 1.5 d and every batch is
     * done long before the next forms: cycle time 1.6 d exactly. */
    const int32_t k = 4;
    const double lambda = 1.0, batch_time = 0.1;
    double expected = (k - 1) / (2.0 * lambda) + batch_time;
    model *m = batching_model(100.0, k, batch_time);
    release_every(&m->products[0], 1.0 / lambda);
    fab_result *r = run(m, 0, 1);
    ck_assert_near(r->mean_cycle_time_days[0], expected, 1e-9);
    /* 100 lots, 25 full batches, all done by day 99.1. */
    ck_assert_uint_eq(finished_lots(r), 100);
    ck_assert_uint_eq(r->lot_steps, 100);
    for (size_t i = 0; i < r->nlots; i++)
        ck_assert_near(r->lots[i].finish_day - r->lots[i].release_day,
                       (double)(k - 1 - (int32_t)(i % k)) / lambda + batch_time,
                       1e-9);
    /* The tool processes 25 batches of 0.1 d in 100 days. */
    ck_assert_near(r->mean_utilisation[0], 25 * batch_time / 100.0, 1e-9);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

#define BATCH_REPS 20

START_TEST(batches_of_poisson_arrivals)
{
    /* Poisson arrivals: the m-th lot of a batch waits for k - 1 - m more
     * exponential interarrivals, so the mean wait is (k - 1) / (2 lambda)
     * too (a batch forming within 0.1 d of the last, which would queue,
     * has probability ~1e-5).  2000 lots per replication. */
    const int32_t k = 4;
    const double lambda = 1.0, batch_time = 0.1;
    model *m = batching_model(2000.0, k, batch_time);
    m->warmup_days = 10.0;
    release_poisson(&m->products[0], lambda);
    double ct[BATCH_REPS];
    for (int rep = 0; rep < BATCH_REPS; rep++) {
        fab_result *r = run(m, (uint32_t)rep, 0);
        ct[rep] = r->mean_cycle_time_days[0];
        fab_result_destroy(r);
    }
    assert_ci("batch cycle time", ct, BATCH_REPS,
              (k - 1) / (2.0 * lambda) + batch_time, 0.03);
    model_destroy(m);
}
END_TEST

/* ---- c. setups ---------------------------------------------------------- */

/* Products A and B on one tool, setups SA and SB, each change taking
 * `setup` (the steps' own setup time), `process` per lot. */
static model *setup_model(double horizon, double process, double setup)
{
    model *m = new_model(horizon);
    int32_t g = add_group(m, "IMPLANT", 1);
    const char *names[2] = {"A", "B"}, *setups[2] = {"SA", "SB"};
    for (int i = 0; i < 2; i++) {
        product *p = add_product(m, names[i], 25);
        route_step *s = add_step(p, g, TIME_PER_LOT, constant(process));
        s->setup = model_intern_setup(m, setups[i]);
        ck_assert_int_eq(s->setup, i);
        s->has_setup_time = 1;
        s->setup_time = constant(setup);
    }
    return m;
}

START_TEST(campaigns_of_n_lots_need_one_setup_each)
{
    /* Campaigns of N = 5 lots, 0.1 d apart, alternating A and B: 200
     * campaigns in 100 days, FIFO.  A campaign's first lot needs a 0.04 d
     * setup and is done 0.09 d after release, before the next lot comes;
     * the others take 0.05 d; every lot is done by the horizon:
     * setup share x horizon / setup time = lots / N, within one (the
     * tool's very first setup, if an engine does not count it). */
    const int32_t n = 5;
    const double gap = 0.1, process = 0.05, setup = 0.04, horizon = 100.0;
    model *m = setup_model(horizon, process, setup);
    int32_t campaigns = (int32_t)(horizon / (n * gap) + 0.5);
    for (int32_t c = 0; c < campaigns; c++) {
        char name[32];
        snprintf(name, sizeof name, "campaign-%d", (int)c);
        add_order(m, name, c % 2, n, c * n * gap, gap);
    }
    for (uint32_t rep = 0; rep < 2; rep++) {
        fab_result *r = run(m, rep, 1);
        assert_shares_sum_to_one(r);
        double lots = (double)finished_lots(r);
        ck_assert_double_eq(lots, (double)(campaigns * n));
        double setups = state_share(r, 0, TOOL_SETUP) * horizon / setup;
        ck_assert_msg(fabs(setups - lots / n) <= 1.0 + 1e-6,
                      "%.4f setups for %g lots in campaigns of %d", setups,
                      lots, (int)n);
        ck_assert_near(state_share(r, 0, TOOL_PROCESSING),
                       lots * process / horizon, 1e-9);
        /* A campaign's first lot waits for the setup, the others do not
         * wait at all: cycle times 0.09 d and 0.05 d (the very first lot
         * is left out: see above). */
        for (size_t i = 1; i < r->nlots; i++)
            ck_assert_near(r->lots[i].finish_day - r->lots[i].release_day,
                           i % (size_t)n == 0 ? setup + process : process,
                           1e-9);
        fab_result_destroy(r);
    }
    model_destroy(m);
}
END_TEST

START_TEST(min_run_keeps_campaigns_together)
{
    /* 20 lots of initial WIP waiting at time 0, alternating A, B, A, ...
     * Under FIFO each lot needs a setup: 20.  With a minimum run of 5 lots
     * per setup, the tool runs 5 A, 5 B, 5 A, 5 B: 4 setups.  One less is
     * accepted, for an engine that does not count a tool's first setup. */
    const double process = 0.05, setup = 0.1, horizon = 10.0;
    for (int32_t min_run = 0; min_run <= 5; min_run += 5) {
        model *m = setup_model(horizon, process, setup);
        for (int32_t i = 0; i < 20; i++) {
            initial_lot *l = model_add_initial_lot(m);
            ck_assert_ptr_nonnull(l);
            l->product = i % 2;
            l->step = 0;
            l->wafers = 25;
            l->release_day = 0.0;
        }
        m->setup_min_run[0] = m->setup_min_run[1] = min_run;
        fab_result *r = run(m, 0, 0);
        double setups = state_share(r, 0, TOOL_SETUP) * horizon / setup;
        double expected = min_run ? 4.0 : 20.0;
        ck_assert_msg(setups > expected - 1.0 - 1e-6
                      && setups < expected + 1e-6,
                      "min_run %d: %.6f setups, expected %g", (int)min_run,
                      setups, expected);
        ck_assert_near(state_share(r, 0, TOOL_PROCESSING),
                       20 * process / horizon, 1e-9);
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

START_TEST(min_run_wait_holds_the_setup)
{
    /* One tool; lots of 0.05 d, a setup change of 0.1 d.  An A lot at 0
     * (setup A, minimum run 3), a B lot at 0.01, A lots at 0.5 and 0.6.
     * - min_run_wait 0: after the first A (done 0.15) the tool changes to
     *   B (done 0.30), and back for the A lots: 0.65 and 0.70.
     * - unlimited: it keeps A for its run: A at 0.55 and 0.65, then B at
     *   0.80.
     * - 0.2 d: it keeps A until 0.35, then B (0.50); A again at 0.5
     *   (0.65, 0.70). */
    const double waits[3] = {0.0, INFINITY, 0.2};
    const double finish[3][4] = {
        {0.15, 0.30, 0.65, 0.70},
        {0.15, 0.80, 0.55, 0.65},
        {0.15, 0.50, 0.65, 0.70},
    };
    for (int w = 0; w < 3; w++) {
        model *m = setup_model(10.0, 0.05, 0.1);
        m->setup_min_run[0] = 3;
        m->setup_min_run_wait_days = waits[w];
        add_order(m, "a0", 0, 1, 0.0, 1.0);
        add_order(m, "b", 1, 1, 0.01, 1.0);
        add_order(m, "a1", 0, 2, 0.5, 0.1);
        fab_result *r = run(m, 0, 1);
        ck_assert_uint_eq(r->nlots, 4);
        const double release[4] = {0.0, 0.01, 0.5, 0.6};
        for (size_t i = 0; i < 4; i++) {
            size_t k = 0;
            while (k < 4 && fabs(r->lots[k].release_day - release[i]) > 1e-9)
                k++;
            ck_assert_uint_lt(k, 4);
            ck_assert_msg(fabs(r->lots[k].finish_day - finish[w][i]) < 1e-9,
                          "wait %g: lot released at %g done at %.9g, "
                          "expected %g", waits[w], release[i],
                          r->lots[k].finish_day, finish[w][i]);
        }
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

/* ---- d, e. rework and sampling: lot-steps per lot ----------------------- */

#define VISIT_REPS 20

/* lot_steps per finished lot over VISIT_REPS replications; lots still in
 * process at the horizon (a handful of 2000) bias it by ~1e-3. */
static void assert_steps_per_lot(const model *m, double expected)
{
    double x[VISIT_REPS];
    for (int rep = 0; rep < VISIT_REPS; rep++) {
        fab_result *r = run(m, (uint32_t)rep, 1);
        x[rep] = (double)r->lot_steps / (double)finished_lots(r);
        fab_result_destroy(r);
    }
    assert_ci("lot-steps per lot", x, VISIT_REPS, expected, 0.02);
    /* The static analysis predicts the same. */
    capacity_report *c = capacity(m);
    ck_assert_near(c->visits_per_lot[0], expected, 1e-12);
    capacity_report_destroy(c);
}

START_TEST(rework_visits_one_over_one_minus_p)
{
    /* One step reworked with p = 0.3: geometric visits of mean
     * 1 / (1 - p); 10 lots a day of 0.02 d (utilisation 0.29), 2000 lots
     * per replication. */
    const double p = 0.3;
    model *m = new_model(200.0);
    int32_t g = add_group(m, "CMP", 1);
    product *pr = add_product(m, "P", 25);
    release_poisson(pr, 10.0);
    route_step *s = add_step(pr, g, TIME_PER_LOT, exponential(0.02));
    s->rework_to = 0;
    s->rework_prob = p;
    assert_steps_per_lot(m, 1.0 / (1.0 - p));
    model_destroy(m);
}
END_TEST

START_TEST(sampling_visits_one_plus_q)
{
    /* Step 1 of two performed with probability q = 0.4: 1 + q lot-steps. */
    const double q = 0.4;
    model *m = new_model(200.0);
    int32_t g0 = add_group(m, "ETCH", 1), g1 = add_group(m, "METRO", 1);
    product *pr = add_product(m, "P", 25);
    release_poisson(pr, 10.0);
    add_step(pr, g0, TIME_PER_LOT, exponential(0.02));
    add_step(pr, g1, TIME_PER_LOT, exponential(0.02))->sample_prob = q;
    assert_steps_per_lot(m, 1.0 + q);
    model_destroy(m);
}
END_TEST

/* ---- f. scrap ----------------------------------------------------------- */

#define SCRAP_REPS 20

START_TEST(scrap_share_and_conservation)
{
    /* Each wafer scrapped after the step with s = 0.1: scrapped wafers
     * over wafers that finished the step -> s (50000 wafers per
     * replication, sd ~0.0013); conservation of wafers in every
     * replication. */
    const double s = 0.1;
    model *m = new_model(200.0);
    int32_t g = add_group(m, "LITHO", 1);
    product *pr = add_product(m, "P", 25);
    release_poisson(pr, 10.0);
    add_step(pr, g, TIME_PER_LOT, exponential(0.02))->scrap_prob = s;
    double share[SCRAP_REPS];
    for (int rep = 0; rep < SCRAP_REPS; rep++) {
        fab_result *r = run(m, (uint32_t)rep, 1);
        double released = month_sum(r->wafer_starts, r, 0);
        double out = month_sum(r->wafers_out, r, 0);
        double scrapped = month_sum(r->wafers_scrapped, r, 0);
        double wip = r->wip_wafers[(size_t)(r->nmonths - 1) * r->nproducts];
        ck_assert_msg(released == out + wip + scrapped,
                      "released %.0f != out %.0f + wip %.0f + scrapped %.0f",
                      released, out, wip, scrapped);
        /* The lot records account for the same wafers. */
        double lost = 0.0, in_fab = 0.0;
        for (size_t i = 0; i < r->nlots; i++) {
            const fab_lot_record *l = &r->lots[i];
            ck_assert_int_le(l->wafers_out, l->wafers);
            if (!isnan(l->finish_day))
                lost += l->wafers - l->wafers_out;
            else if (!isnan(l->scrap_day))
                lost += l->wafers;
            else
                in_fab += l->wafers;
        }
        ck_assert_double_eq(lost, scrapped);
        ck_assert_double_eq(in_fab, wip);
        share[rep] = scrapped / (scrapped + out);
        fab_result_destroy(r);
    }
    assert_ci("scrapped share", share, SCRAP_REPS, s, 0.02);
    capacity_report *c = capacity(m);
    ck_assert_near(c->wafer_yield[0], 1.0 - s, 1e-12);
    capacity_report_destroy(c);
    model_destroy(m);
}
END_TEST

/* ---- g. the Lu-Kumar network ------------------------------------------- */

#define LK_REPS 20
#define LK_HORIZON 2000.0

/* Poisson arrivals of one-wafer lots at rate 1/d through stations 1, 2, 2,
 * 1 (classes 1..4), exponential times m1 = m3 = 0.1 d, m2 = m4 = 0.6 d:
 * each station is loaded 0.7.  With priority, station 1 serves class 4
 * before class 1 and station 2 class 2 before class 3 (RANK_STEP with
 * step_priority 1 on steps 2 and 4, i.e. indices 1 and 3); since
 * m2 + m4 > 1, classes 2 and 4 act as one virtual station loaded 1.2 and
 * the network is unstable. */
static model *lu_kumar(int priority)
{
    static const double mean[4] = {0.1, 0.6, 0.1, 0.6};
    static const int station[4] = {0, 1, 1, 0};
    static const int32_t step_priority[4] = {0, 1, 0, 1};
    model *m = new_model(LK_HORIZON);
    int32_t s1 = add_group(m, "S1", 1), s2 = add_group(m, "S2", 1);
    ck_assert(s1 == 0 && s2 == 1);
    product *p = add_product(m, "P", 1);
    release_poisson(p, 1.0);
    for (int k = 0; k < 4; k++)
        add_step(p, station[k], TIME_PER_LOT, exponential(mean[k]))
            ->step_priority = step_priority[k];
    if (priority)
        for (int g = 0; g < 2; g++) {
            m->groups[g].rank[0] = RANK_STEP;
            m->groups[g].nrank = 1;
        }
    return m;
}

/* Mean WIP (lots) in each quarter of the horizon's whole months, per
 * replication: q[rep * 4 + quarter]. */
static void lu_kumar_quarters(const model *m, double *q)
{
    for (int rep = 0; rep < LK_REPS; rep++) {
        fab_result *r = run(m, (uint32_t)rep, 0);
        int32_t per = r->nmonths / 4;
        ck_assert_int_ge(per, 10);
        for (int k = 0; k < 4; k++) {
            double sum = 0.0;
            for (int32_t i = k * per; i < (k + 1) * per; i++)
                sum += r->wip_wafers_mean[(size_t)i * r->nproducts];
            q[rep * 4 + k] = sum / per;
        }
        fab_result_destroy(r);
    }
}

START_TEST(lu_kumar_priority_is_unstable_fifo_is_not)
{
    double pq[LK_REPS * 4], fq[LK_REPS * 4];
    model *m = lu_kumar(1);
    lu_kumar_quarters(m, pq);
    model_destroy(m);
    m = lu_kumar(0);
    lu_kumar_quarters(m, fq);
    model_destroy(m);

    /* Priority: WIP grows without bound, roughly linearly.  An independent
     * simulation gave quarter means 62, 181, 290, 420 (lots), i.e. growth
     * ~0.24 lots/d with a per-replication sd of 0.044, above the fluid
     * bound lambda - 1 / (m2 + m4) = 0.167; the checks leave wide
     * margins. */
    double ratio[LK_REPS], growth[LK_REPS], step[3][LK_REPS];
    double fifo_q2 = 0.0, fifo_q4 = 0.0, prio_q4 = 0.0;
    for (int rep = 0; rep < LK_REPS; rep++) {
        const double *q = pq + rep * 4;
        ratio[rep] = q[3] / q[0];
        growth[rep] = (q[3] - q[1]) / (LK_HORIZON / 2.0);
        for (int k = 0; k < 3; k++)
            step[k][rep] = q[k + 1] - q[k];
        prio_q4 += q[3] / LK_REPS;
        fifo_q2 += fq[rep * 4 + 1] / LK_REPS;
        fifo_q4 += fq[rep * 4 + 3] / LK_REPS;
    }
    confidence_interval ci = stats_confidence_interval(ratio, LK_REPS, LEVEL);
    ck_assert_msg(ci.low > 3.0, "priority: last/first quarter WIP CI "
                  "[%.2f, %.2f], expected >> 1", ci.low, ci.high);
    ci = stats_confidence_interval(growth, LK_REPS, LEVEL);
    ck_assert_msg(ci.low > 0.5 * (1.0 - 1.0 / 1.2),
                  "priority: WIP growth CI [%.3f, %.3f] lots/d, expected "
                  "about 0.2", ci.low, ci.high);
    /* Linear: every quarter adds about as much as the one before. */
    double mean_step[3];
    for (int k = 0; k < 3; k++) {
        ci = stats_confidence_interval(step[k], LK_REPS, LEVEL);
        ck_assert_msg(ci.low > 0.0, "priority: quarter %d to %d adds CI "
                      "[%.1f, %.1f] lots", k + 1, k + 2, ci.low, ci.high);
        mean_step[k] = ci.mean;
    }
    for (int k = 1; k < 3; k++)
        ck_assert_msg(mean_step[k] > 0.4 * mean_step[0]
                      && mean_step[k] < 2.5 * mean_step[0],
                      "priority: quarterly WIP increments %.1f, %.1f, %.1f "
                      "are not roughly equal", mean_step[0], mean_step[1],
                      mean_step[2]);

    /* FIFO: stable at about 9 lots in every quarter. */
    ck_assert_msg(fifo_q4 > 0.6 * fifo_q2 && fifo_q4 < 1.6 * fifo_q2,
                  "FIFO: mean WIP %.2f in the last quarter, %.2f in the "
                  "second", fifo_q4, fifo_q2);
    ck_assert_msg(fifo_q4 < 30.0 && fifo_q4 < 0.1 * prio_q4,
                  "FIFO: mean WIP %.2f in the last quarter (priority %.1f)",
                  fifo_q4, prio_q4);
}
END_TEST

/* ---- h. time constraints ------------------------------------------------ */

/* Poisson arrivals at rate 1/d; step 1 on FAST (20 tools, constant
 * 0.05 d: it never queues, so step 2 sees Poisson arrivals), step 2 on
 * SLOW (one tool); a constraint from step 1 to step 2 of limit days. */
static model *constraint_model(double horizon, dist slow, double limit)
{
    model *m = new_model(horizon);
    int32_t fast = add_group(m, "FAST", 20), one = add_group(m, "SLOW", 1);
    product *p = add_product(m, "P", 25);
    release_poisson(p, 1.0);
    add_step(p, fast, TIME_PER_LOT, constant(0.05));
    add_step(p, one, TIME_PER_LOT, slow);
    time_constraint *c = model_add_constraint(m);
    ck_assert_ptr_nonnull(c);
    c->product = 0;
    c->from_step = 0;
    c->to_step = 1;
    c->limit_days = limit;
    c->action = CQT_COUNT;
    return m;
}

START_TEST(constraint_violations_match_the_lots)
{
    /* SLOW takes a constant 0.8 d (M/D/1 at rho = 0.8), limit 2 d.  Lots
     * reach SLOW at release + 0.05 in release order, so its FIFO starts
     * follow from the records by Lindley's recursion
     *   start_i = max(arrive_i, start_{i-1} + 0.8),
     * which also gives the finish times the engine reports; the violations
     * are the lots that started more than 2 d after arriving (plus, for an
     * engine that counts when the limit passes, those still waiting past
     * it at the horizon). */
    const double service = 0.8, limit = 2.0, horizon = 2000.0;
    model *m = constraint_model(horizon, constant(service), limit);
    for (uint32_t rep = 0; rep < 5; rep++) {
        fab_result *r = run(m, rep, 1);
        ck_assert_int_eq(r->nconstraints, 1);
        double started = 0, arrived = 0, late = 0, late_waiting = 0;
        double free_at = 0.0;
        for (size_t i = 0; i < r->nlots; i++) {
            const fab_lot_record *l = &r->lots[i];
            double arrive = l->release_day + 0.05;
            if (!(arrive < horizon))
                continue;
            arrived++;
            double start = fmax(arrive, free_at);
            free_at = start + service;
            if (start < horizon) {
                started++;
                late += start - arrive > limit;
            } else {
                late_waiting += horizon - arrive > limit;
            }
            if (!isnan(l->finish_day))
                ck_assert_near(l->finish_day, start + service, 1e-9);
            else
                ck_assert(start + service >= horizon - 1e-9);
        }
        ck_assert_msg(late > 100, "only %.0f late lots: not a bottleneck",
                      late);
        ck_assert_msg(r->cqt_violations[0] >= late
                      && r->cqt_violations[0] <= late + late_waiting,
                      "%.0f violations, %.0f lots started late (+%.0f still "
                      "waiting past the limit)", r->cqt_violations[0], late,
                      late_waiting);
        ck_assert_msg(r->cqt_checks[0] >= started
                      && r->cqt_checks[0] <= arrived,
                      "%.0f checks for %.0f lots started, %.0f arrived",
                      r->cqt_checks[0], started, arrived);
        fab_result_destroy(r);
    }
    /* A generous limit is never violated. */
    m->constraints[0].limit_days = 1000.0;
    fab_result *r = run(m, 0, 0);
    ck_assert_double_eq(r->cqt_violations[0], 0.0);
    ck_assert_double_gt(r->cqt_checks[0], 1000.0);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

#define CQT_REPS 20

START_TEST(constraint_violation_share_is_mm1_tail)
{
    /* SLOW exponential of mean 0.6 d: M/M/1 at rho = 0.6, mu = 1/0.6, and
     * a FIFO wait exceeds L with probability rho exp(-mu (1 - rho) L),
     * 0.308 for L = 1 d.  10000 lots per replication (sd ~0.012, from an
     * independent simulation). */
    const double rho = 0.6, limit = 1.0, mu = 1.0 / rho;
    model *m = constraint_model(10000.0, exponential(rho), limit);
    double share[CQT_REPS];
    for (int rep = 0; rep < CQT_REPS; rep++) {
        fab_result *r = run(m, (uint32_t)rep, 0);
        share[rep] = r->cqt_violations[0] / r->cqt_checks[0];
        fab_result_destroy(r);
    }
    assert_ci("queue-time violation share", share, CQT_REPS,
              rho * exp(-mu * (1.0 - rho) * limit), 0.05);
    model_destroy(m);
}
END_TEST

/* ---- i. load, unload and transport -------------------------------------- */

START_TEST(load_unload_and_transport_add_up)
{
    /* One lot through two steps: G0 loads 0.01 d, processes 0.3 d,
     * unloads 0.02 d; transport 0.05 d; G1 loads 0.03 d, processes 25
     * wafers x 0.01 d, unloads 0.04 d: cycle time 0.70 d.  Load and
     * unload count as processing in the tool states. */
    const double horizon = 10.0;
    model *m = new_model(horizon);
    int32_t g0 = add_group(m, "G0", 1), g1 = add_group(m, "G1", 1);
    m->groups[g0].load_days = 0.01;
    m->groups[g0].unload_days = 0.02;
    m->groups[g1].load_days = 0.03;
    m->groups[g1].unload_days = 0.04;
    m->has_transport = 1;
    m->transport = constant(0.05);
    product *p = add_product(m, "P", 25);
    add_step(p, g0, TIME_PER_LOT, constant(0.3));
    add_step(p, g1, TIME_PER_WAFER, constant(0.01));
    add_order(m, "one", 0, 1, 1.0, 1.0);
    fab_result *r = run(m, 0, 1);
    ck_assert_uint_eq(r->nlots, 1);
    ck_assert_near(r->lots[0].release_day, 1.0, 1e-12);
    ck_assert_near(r->lots[0].finish_day - r->lots[0].release_day,
                   0.01 + 0.3 + 0.02 + 0.05 + 0.03 + 0.25 + 0.04, 1e-9);
    ck_assert_near(state_share(r, g0, TOOL_PROCESSING) * horizon, 0.33, 1e-9);
    ck_assert_near(state_share(r, g1, TOOL_PROCESSING) * horizon, 0.32, 1e-9);
    ck_assert_uint_eq(r->lot_steps, 2);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* A cascading tool runs a per-wafer step as a pipeline: the wafers of a
 * lot enter one interval apart and each takes the step's time, so a lot
 * of 25 wafers takes 0.01 + 24 x 0.004 d; the next lot enters 25 x 0.004
 * d after the first.  Three lots released together on one tool that holds
 * two jobs finish at 0.106, 0.206 and 0.306 d after their release; the
 * tool is busy from the first start to the last end. */
START_TEST(cascading_per_wafer_step_is_a_pipeline)
{
    const double horizon = 5.0, time = 0.01, interval = 0.004;
    model *m = new_model(horizon);
    int32_t g = add_group(m, "G0", 1);
    m->groups[g].cascade = 2;
    product *p = add_product(m, "P", 25);
    route_step *st = add_step(p, g, TIME_PER_WAFER, constant(time));
    st->cascade_interval_days = interval;
    add_order(m, "three", 0, 3, 1.0, 0.0);
    fab_result *r = run(m, 0, 1);
    double job = time + 24 * interval, entry = 25 * interval;
    const double finish[] = {job, entry + job, 2 * entry + job};
    ck_assert_uint_eq(r->nlots, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_near(r->lots[i].finish_day - 1.0, finish[i], 1e-12);
    ck_assert_near(state_share(r, g, TOOL_PROCESSING) * horizon,
                   2 * entry + job, 1e-9);
    ck_assert_near(product_raw_process_time(m, p), job, 1e-15);
    fab_result_destroy(r);
    /* Load and unload: a job takes load + job + unload, and the next
     * one's load overlaps this one's last wafers, so wafers still enter
     * one interval apart across jobs: the same entry times, shifted by
     * the load. */
    const double load = 0.001, unload = 0.002;
    m->groups[g].load_days = load;
    m->groups[g].unload_days = unload;
    r = run(m, 0, 1);
    for (size_t i = 0; i < 3; i++)
        ck_assert_near(r->lots[i].finish_day - 1.0,
                       finish[i] + load + unload, 1e-12);
    ck_assert_near(state_share(r, g, TOOL_PROCESSING) * horizon,
                   2 * entry + load + job + unload, 1e-9);
    fab_result_destroy(r);
    m->groups[g].load_days = m->groups[g].unload_days = 0.0;
    /* Without cascading the same step runs its wafers one after another. */
    m->groups[g].cascade = 1;
    r = run(m, 0, 1);
    for (size_t i = 0; i < 3; i++)
        ck_assert_near(r->lots[i].finish_day - 1.0, (i + 1) * 25 * time,
                       1e-12);
    ck_assert_near(product_raw_process_time(m, p), 25 * time, 1e-15);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

/* ---- j. dispatching keys ------------------------------------------------ */

/* One tool G0 with the given rank key (nrank 0 for FIFO). */
static model *dispatch_model(int nrank, enum rank_key key)
{
    model *m = new_model(20.0);
    int32_t g = add_group(m, "G0", 1);
    m->groups[g].nrank = nrank;
    m->groups[g].rank[0] = key;
    return m;
}

static void assert_finishes(const fab_result *r, const double *finish,
                            size_t n)
{
    ck_assert_uint_eq(r->nlots, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(r->lots[i].finish_day - finish[i]) < 1e-9,
                      "lot %zu (released %g) finished at %.9g, expected %g",
                      i, r->lots[i].release_day, r->lots[i].finish_day,
                      finish[i]);
}

START_TEST(priority_puts_hot_lots_first)
{
    /* Lots of 1 d: one at 0 (on the tool until 1), normal lots at 0.1,
     * 0.2, 0.3 and a hot one (priority 30) at 0.4.  By priority the hot
     * lot runs second (done at 2) and the normal ones follow in FIFO
     * order; FIFO leaves it last (done at 5). */
    for (int by_priority = 0; by_priority <= 1; by_priority++) {
        model *m = dispatch_model(by_priority, RANK_PRIORITY);
        product *p = add_product(m, "P", 25);
        add_step(p, 0, TIME_PER_LOT, constant(1.0));
        add_order(m, "first", 0, 1, 0.0, 1.0);
        add_order(m, "normal", 0, 3, 0.1, 0.1);
        add_order(m, "hot", 0, 1, 0.4, 1.0)->priority = 30;
        fab_result *r = run(m, 0, 1);
        const double fifo[] = {1, 2, 3, 4, 5}, prio[] = {1, 3, 4, 5, 2};
        assert_finishes(r, by_priority ? prio : fifo, 5);
        ck_assert_int_eq(r->lots[4].priority, 30);
        ck_assert_near(r->mean_hot_cycle_time_days[0],
                       (by_priority ? 2.0 : 5.0) - 0.4, 1e-9);
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

START_TEST(priority_places_a_lot_among_many_hot_ones)
{
    /* Lots of 1 d: one at 0 holds the tool until 1; six hot lots
     * (priority 20) at 0.1 .. 0.6, two normal ones at 0.7 and 0.8, and a
     * seventh hot one at 0.9, which joins the queue behind the six hot
     * lots and before the two normal ones: they finish 2 .. 7, 9, 10 and 8
     * (the place is found from the queue's tail here). */
    model *m = dispatch_model(1, RANK_PRIORITY);
    product *p = add_product(m, "P", 25);
    add_step(p, 0, TIME_PER_LOT, constant(1.0));
    add_order(m, "first", 0, 1, 0.0, 1.0);
    add_order(m, "hot", 0, 6, 0.1, 0.1)->priority = 20;
    add_order(m, "normal", 0, 2, 0.7, 0.1);
    add_order(m, "late-hot", 0, 1, 0.9, 1.0)->priority = 20;
    fab_result *r = run(m, 0, 1);
    const double finish[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 8};
    assert_finishes(r, finish, 10);
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(edd_orders_by_due_date)
{
    /* Lots of 1 d: one at 0 without a due date, X at 0.1 due at 10.1, Y at
     * 0.2 due at 5.2, Z at 0.3 without a due date (ranks last): EDD runs
     * Y, X, Z after the first. */
    model *m = dispatch_model(1, RANK_EDD);
    product *p = add_product(m, "P", 25);
    add_step(p, 0, TIME_PER_LOT, constant(1.0));
    add_order(m, "first", 0, 1, 0.0, 1.0);
    add_order(m, "x", 0, 1, 0.1, 1.0)->due_offset_days = 10.0;
    add_order(m, "y", 0, 1, 0.2, 1.0)->due_offset_days = 5.0;
    add_order(m, "z", 0, 1, 0.3, 1.0);
    fab_result *r = run(m, 0, 1);
    const double finish[] = {1, 3, 2, 4};
    assert_finishes(r, finish, 4);
    ck_assert_near(r->lots[1].due_day, 10.1, 1e-12);
    ck_assert(isnan(r->lots[3].due_day));
    fab_result_destroy(r);
    model_destroy(m);
}
END_TEST

START_TEST(spt_orders_by_processing_time)
{
    /* LONG lots take 1 d, SHORT 0.2 d: a LONG at 0 holds the tool until 1;
     * a LONG at 0.1 and a SHORT at 0.2 wait.  SPT runs the SHORT first
     * (1 -> 1.2, LONG 1.2 -> 2.2); FIFO the LONG (1 -> 2, SHORT -> 2.2). */
    for (int spt = 0; spt <= 1; spt++) {
        model *m = dispatch_model(spt, RANK_SPT);
        add_step(add_product(m, "LONG", 25), 0, TIME_PER_LOT, constant(1.0));
        add_step(add_product(m, "SHORT", 25), 0, TIME_PER_LOT, constant(0.2));
        add_order(m, "blocker", 0, 1, 0.0, 1.0);
        add_order(m, "long", 0, 1, 0.1, 1.0);
        add_order(m, "short", 1, 1, 0.2, 1.0);
        fab_result *r = run(m, 0, 1);
        const double by_spt[] = {1.0, 2.2, 1.2}, fifo[] = {1.0, 2.0, 2.2};
        assert_finishes(r, spt ? by_spt : fifo, 3);
        ck_assert_int_eq(r->lots[2].product, 1);
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

START_TEST(critical_ratio_weighs_remaining_time)
{
    /* Lots of 1 d on G0: a SHORT at 0 holds the tool until 1; a SHORT at
     * 0.1 due at 5.1 (1 d of route left) and a LONG at 0.2 due at 12.2 (1
     * d on G0, then 8 d on G1) wait.  At 1 the critical ratios are
     * (5.1 - 1) / 1 = 4.1 and (12.2 - 1) / 9 = 1.24: the LONG goes first
     * (G0 until 2, G1 until 10), the SHORT after it (until 3).  FIFO and
     * EDD would both run the SHORT first. */
    for (int cr = 0; cr <= 1; cr++) {
        model *m = dispatch_model(1, cr ? RANK_CR : RANK_EDD);
        int32_t g1 = add_group(m, "G1", 1);
        add_step(add_product(m, "SHORT", 25), 0, TIME_PER_LOT, constant(1.0));
        product *longer = add_product(m, "LONG", 25);
        add_step(longer, 0, TIME_PER_LOT, constant(1.0));
        add_step(longer, g1, TIME_PER_LOT, constant(8.0));
        add_order(m, "blocker", 0, 1, 0.0, 1.0);
        add_order(m, "short", 0, 1, 0.1, 1.0)->due_offset_days = 5.0;
        add_order(m, "long", 1, 1, 0.2, 1.0)->due_offset_days = 12.0;
        fab_result *r = run(m, 0, 1);
        const double by_cr[] = {1.0, 3.0, 10.0}, by_edd[] = {1.0, 2.0, 11.0};
        assert_finishes(r, cr ? by_cr : by_edd, 3);
        fab_result_destroy(r);
        model_destroy(m);
    }
}
END_TEST

/* ---- k. long queues dispatched by class ---------------------------------- */

/* LITHO (3 tools, the given rank list; 0.006 d a wafer) and ETCH (4
 * tools, 0.1 d a lot) visited in turn three times by products A, B and C:
 * LITHO steps alternate setups SA and SB (0.02 d per change, minimum runs
 * of 3 lots, an idle tool keeps its setup 0.1 d for them), A's third LITHO
 * step must use the tool of its first, and a step weight sets A's second
 * LITHO step first for RANK_STEP.  Releases: 9 lots a day (hot A lots
 * among them, twin A orders of 12 wafers that tie with the others on due
 * dates and so on the ratio, C lots without due dates) for 40 days,
 * beyond LITHO's capacity, then 3 a day, so that its queue grows to some
 * 70 lots and drains again. */
static model *long_queue_model(const enum rank_key *rank, int32_t nrank)
{
    model *m = new_model(120.0);
    int32_t litho = add_group(m, "LITHO", 3);
    int32_t etch = add_group(m, "ETCH", 4);
    m->groups[litho].nrank = nrank;
    for (int32_t k = 0; k < nrank; k++)
        m->groups[litho].rank[k] = rank[k];
    int32_t setups[2] = {model_intern_setup(m, "SA"),
                         model_intern_setup(m, "SB")};
    m->setup_min_run[setups[0]] = m->setup_min_run[setups[1]] = 3;
    m->setup_min_run_wait_days = 0.1;
    const char *names[3] = {"A", "B", "C"};
    for (int32_t i = 0; i < 3; i++) {
        product *p = add_product(m, names[i], 25);
        for (int32_t v = 0; v < 3; v++) {
            route_step *st = add_step(p, litho, TIME_PER_WAFER,
                                      exponential(0.006));
            st->setup = setups[(i + v) % 2];
            st->has_setup_time = 1;
            st->setup_time = constant(0.02);
            add_step(p, etch, TIME_PER_LOT, exponential(0.1));
        }
    }
    m->products[0].steps[4].same_tool_as = 0;
    m->products[0].steps[2].step_priority = 5;
    for (int32_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s-fast", names[i]);
        release_order *o = add_order(m, name, i, 40 * 2, 0.0, 0.5);
        o->due_offset_days = i == 2 ? NAN : 6.0 + i;
        snprintf(name, sizeof name, "%s-slow", names[i]);
        o = add_order(m, name, i, -1, 40.0, 1.0);
        o->due_offset_days = i == 2 ? NAN : 6.0 + i;
    }
    release_order *twin = add_order(m, "A-twin", 0, 40 * 2, 0.0, 0.5);
    twin->due_offset_days = 6.0;
    twin->wafers = 12;
    release_order *hot = add_order(m, "A-hot", 0, 40, 0.25, 1.0);
    hot->due_offset_days = 4.0;
    hot->priority = 30;
    return m;
}

START_TEST(classes_choose_as_the_scan_does)
{
    /* Choosing among the classes of a long queue picks the lot the scan
     * of the whole queue picks: the same results bit for bit, for rank
     * lists with a static prefix, a setup key and keys after the ratio. */
    const enum rank_key lists[][4] = {
        {RANK_CR},
        {RANK_PRIORITY, RANK_SETUP, RANK_CR},
        {RANK_PRIORITY, RANK_CR, RANK_FIFO},
        {RANK_STEP, RANK_PRIORITY, RANK_SETUP, RANK_CR},
        {RANK_PRIORITY, RANK_CR, RANK_SPT},
    };
    const int32_t lengths[] = {1, 3, 3, 4, 3};
    for (size_t k = 0; k < sizeof lengths / sizeof *lengths; k++) {
        model *m = long_queue_model(lists[k], lengths[k]);
        fab_options scan = {.record_lots = 1, .scan_dispatch = 1};
        fab_options classes = {.record_lots = 1};
        fab_result *a, *b;
        run_both_same(m, &scan, &classes, 0, &a, &b);
        ck_assert_uint_eq(a->class_dispatches, 0);
        ck_assert_msg(b->class_dispatches > 500,
                      "rank list %zu: %llu choices by class", k,
                      (unsigned long long)b->class_dispatches);
        /* The queue drained: nearly every lot released finished. */
        size_t finished = 0;
        for (size_t i = 0; i < b->nlots; i++)
            finished += isfinite(b->lots[i].finish_day);
        ck_assert_msg(finished * 10 > b->nlots * 9, "%zu of %zu finished",
                      finished, b->nlots);
        fab_result_destroy(a);
        fab_result_destroy(b);
        model_destroy(m);
    }
}
END_TEST

static Suite *realism_suite(void)
{
    Suite *s = suite_create("realism");
    TCase *tc = tcase_create("closed forms");
    /* Natively the whole file takes seconds; generous for valgrind. */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, breakdowns_give_mttf_over_mttf_plus_mttr);
    tcase_add_test(tc, calendar_pm_on_an_idle_tool);
    tcase_add_test(tc, staggered_first_pms_spread_over_the_tools);
    tcase_add_test(tc, first_wafer_pms_staggered);
    tcase_add_test(tc, batches_wait_for_k_lots);
    tcase_add_test(tc, batches_of_poisson_arrivals);
    tcase_add_test(tc, campaigns_of_n_lots_need_one_setup_each);
    tcase_add_test(tc, min_run_keeps_campaigns_together);
    tcase_add_test(tc, min_run_wait_holds_the_setup);
    tcase_add_test(tc, rework_visits_one_over_one_minus_p);
    tcase_add_test(tc, sampling_visits_one_plus_q);
    tcase_add_test(tc, scrap_share_and_conservation);
    tcase_add_test(tc, lu_kumar_priority_is_unstable_fifo_is_not);
    tcase_add_test(tc, constraint_violations_match_the_lots);
    tcase_add_test(tc, constraint_violation_share_is_mm1_tail);
    tcase_add_test(tc, load_unload_and_transport_add_up);
    tcase_add_test(tc, cascading_per_wafer_step_is_a_pipeline);
    tcase_add_test(tc, priority_puts_hot_lots_first);
    tcase_add_test(tc, priority_places_a_lot_among_many_hot_ones);
    tcase_add_test(tc, edd_orders_by_due_date);
    tcase_add_test(tc, spt_orders_by_processing_time);
    tcase_add_test(tc, critical_ratio_weighs_remaining_time);
    tcase_add_test(tc, classes_choose_as_the_scan_does);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(realism_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
