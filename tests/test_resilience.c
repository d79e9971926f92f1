/* Tests for models/resilience: wafers lost, drop and recovery, control
 * limits, early-warning flags and lead times, intervals; every expected
 * value worked out by hand. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "models/resilience.h"

#define TOL RESILIENCE_TOLERANCE

START_TEST(test_wafers_lost)
{
    const double base[4] = {100, 100, 100, 100};
    const double other[4] = {100, 60, 80, 100};
    double lost[4], cumulative[4];

    resilience_wafers_lost(base, other, 4, lost, cumulative);
    ck_assert_double_eq(lost[0], 0.0);
    ck_assert_double_eq(lost[1], 40.0);
    ck_assert_double_eq(lost[2], 20.0);
    ck_assert_double_eq(lost[3], 0.0);
    ck_assert_double_eq(cumulative[0], 0.0);
    ck_assert_double_eq(cumulative[1], 40.0);
    ck_assert_double_eq(cumulative[2], 60.0);
    ck_assert_double_eq(cumulative[3], 60.0);
}
END_TEST

/* A month that was not written poisons the running total from there on:
 * a total that silently skipped it would be too small. */
START_TEST(test_wafers_lost_nan)
{
    const double base[4] = {100, 100, 100, 100};
    const double other[4] = {90, NAN, 80, 100};
    double lost[4], cumulative[4];

    resilience_wafers_lost(base, other, 4, lost, cumulative);
    ck_assert_double_eq(lost[0], 10.0);
    ck_assert(isnan(lost[1]));
    ck_assert_double_eq(lost[2], 20.0);
    ck_assert_double_eq(cumulative[0], 10.0);
    ck_assert(isnan(cumulative[1]));
    ck_assert(isnan(cumulative[2]));
    ck_assert(isnan(cumulative[3]));
}
END_TEST

START_TEST(test_month_and_week_of)
{
    const double starts[4] = {0, 17, 47, 78};
    const double ends[3] = {7, 14, 21};

    ck_assert_uint_eq(resilience_month_of(starts, 4, -1.0), 0);
    ck_assert_uint_eq(resilience_month_of(starts, 4, 0.0), 0);
    ck_assert_uint_eq(resilience_month_of(starts, 4, 16.9), 0);
    ck_assert_uint_eq(resilience_month_of(starts, 4, 17.0), 1);
    ck_assert_uint_eq(resilience_month_of(starts, 4, 77.5), 2);
    ck_assert_uint_eq(resilience_month_of(starts, 4, 400.0), 3);
    /* Week k covers [7k, 7k + 7): a time on a boundary is in the next. */
    ck_assert_uint_eq(resilience_week_of(ends, 3, 0.0), 0);
    ck_assert_uint_eq(resilience_week_of(ends, 3, 6.99), 0);
    ck_assert_uint_eq(resilience_week_of(ends, 3, 7.0), 1);
    ck_assert_uint_eq(resilience_week_of(ends, 3, 20.0), 2);
    ck_assert_uint_eq(resilience_week_of(ends, 3, 21.0), 3);
}
END_TEST

/* Threshold (1 - 0.05) x 100 = 95: 90 and 94 are short, 96 is back. */
START_TEST(test_drop_and_recovery)
{
    const double base[6] = {100, 100, 100, 100, 100, 100};
    const double other[6] = {100, 100, 90, 94, 96, 100};

    resilience_recovery r = resilience_recovery_find(base, other, 6, 1, TOL);
    ck_assert_int_eq(r.drop_month, 2);
    ck_assert_int_eq(r.recovery_month, 4);
    ck_assert_double_eq(r.recovery_months, 3.0);
    /* Counted from the onset month, not from the drop. */
    r = resilience_recovery_find(base, other, 6, 0, TOL);
    ck_assert_double_eq(r.recovery_months, 4.0);
    /* A looser tolerance (threshold 93): 94 is already back. */
    r = resilience_recovery_find(base, other, 6, 1, 0.07);
    ck_assert_int_eq(r.drop_month, 2);
    ck_assert_int_eq(r.recovery_month, 3);
    ck_assert_double_eq(r.recovery_months, 2.0);
}
END_TEST

START_TEST(test_never_recovers)
{
    const double base[6] = {100, 100, 100, 100, 100, 100};
    const double other[6] = {100, 100, 90, 50, 60, 70};

    resilience_recovery r = resilience_recovery_find(base, other, 6, 1, TOL);
    ck_assert_int_eq(r.drop_month, 2);
    ck_assert_int_eq(r.recovery_month, -1);
    ck_assert(isnan(r.recovery_months));
    /* A drop in the last month cannot recover within the horizon. */
    const double late[3] = {100, 100, 10};
    r = resilience_recovery_find(base, late, 3, 0, TOL);
    ck_assert_int_eq(r.drop_month, 2);
    ck_assert_int_eq(r.recovery_month, -1);
}
END_TEST

START_TEST(test_no_drop)
{
    const double base[6] = {100, 100, 100, 100, 100, 100};
    const double other[6] = {50, 100, 99, 96, 95.5, 120};

    /* Month 0 is short but before the onset month. */
    resilience_recovery r = resilience_recovery_find(base, other, 6, 1, TOL);
    ck_assert_int_eq(r.drop_month, -1);
    ck_assert_int_eq(r.recovery_month, -1);
    ck_assert(isnan(r.recovery_months));
    /* An onset after the last month: nothing to judge. */
    r = resilience_recovery_find(base, other, 6, 6, TOL);
    ck_assert_int_eq(r.drop_month, -1);
}
END_TEST

/* Months with no baseline output or a NaN are neither short nor back. */
START_TEST(test_recovery_skips_unjudgeable_months)
{
    const double base[5] = {100, 0, 100, NAN, 100};
    const double other[5] = {50, 0, NAN, 100, 100};

    resilience_recovery r = resilience_recovery_find(base, other, 5, 0, TOL);
    ck_assert_int_eq(r.drop_month, 0);
    ck_assert_int_eq(r.recovery_month, 4);
    ck_assert_double_eq(r.recovery_months, 4.0);
    const double nan_first[3] = {NAN, 50, 100};
    r = resilience_recovery_find(base + 2, nan_first, 3, 0, TOL);
    ck_assert_int_eq(r.drop_month, -1);  /* month 1: baseline NaN */
}
END_TEST

/* After warm-up: 10, 12, 14, 12: mean 12, sample variance 8/3. */
START_TEST(test_control_limits)
{
    const unsigned char warmup[6] = {1, 1, 0, 0, 0, 0};
    /* Two columns (areas), week-major; column 1 has one value only. */
    const double x[12] = {100, 1, -50, 1, 10, NAN, 12, NAN, 14, 5, 12, NAN};
    double low[2], high[2];

    resilience_control_limits(x, 6, 2, warmup, 3.0, low, high);
    double sd = sqrt(8.0 / 3.0);
    ck_assert_double_eq_tol(low[0], 12.0 - 3.0 * sd, 1e-12);
    ck_assert_double_eq_tol(high[0], 12.0 + 3.0 * sd, 1e-12);
    ck_assert(isnan(low[1]));
    ck_assert(isnan(high[1]));
    resilience_control_limits(x, 6, 2, warmup, 2.0, low, high);
    ck_assert_double_eq_tol(high[0], 12.0 + 2.0 * sd, 1e-12);
}
END_TEST

START_TEST(test_warning_flag_and_false_alarms)
{
    const unsigned char warmup[8] = {1, 1, 0, 0, 0, 0, 0, 0};
    const double base[8] = {100, -50, 10, 12, 14, 12, 12, 12};
    const double other[8] = {0, 0, 12, 18, 12, 13, 17.5, 20};
    double low, high;

    resilience_control_limits(base, 8, 1, warmup, 3.0, &low, &high);
    /* mean of 10, 12, 14, 12, 12, 12 = 12, variance 8/5. */
    ck_assert_double_eq_tol(high, 12.0 + 3.0 * sqrt(8.0 / 5.0), 1e-12);
    resilience_warning w = resilience_warning_find(other, 8, 1, warmup, 5, &low,
                                                   &high);
    /* Weeks 2, 3, 4 judge false alarms (0, 1 are warm-up): week 3 out. */
    ck_assert_double_eq_tol(w.false_alarm_share, 1.0 / 3.0, 1e-15);
    ck_assert_int_eq(w.flag_week, 6);
    /* No week before the onset after warm-up: no false-alarm share. */
    w = resilience_warning_find(other, 8, 1, warmup, 2, &low, &high);
    ck_assert(isnan(w.false_alarm_share));
    ck_assert_int_eq(w.flag_week, 3);
    /* Never out after the onset. */
    w = resilience_warning_find(base, 8, 1, warmup, 2, &low, &high);
    ck_assert_int_eq(w.flag_week, -1);
    ck_assert(isnan(w.false_alarm_share));
}
END_TEST

/* Several areas: any area out of its own limits flags the week; an area
 * with NaN values or limits is left out, and a week with no area to judge
 * is not counted at all. */
START_TEST(test_warning_any_area)
{
    const unsigned char warmup[4] = {0, 0, 0, 0};
    const double low[3] = {0, 10, NAN};
    const double high[3] = {1, 20, NAN};
    const double x[12] = {
        0.5, 15, 99,      /* in: area 2 has no limits */
        0.5, NAN, 99,     /* in */
        NAN, NAN, 5,      /* nothing to judge */
        0.5, 21, 0,       /* area 1 out */
    };

    resilience_warning w = resilience_warning_find(x, 4, 3, warmup, 4, low, high);
    ck_assert_double_eq_tol(w.false_alarm_share, 1.0 / 3.0, 1e-15);
    ck_assert_int_eq(w.flag_week, -1);
    w = resilience_warning_find(x, 4, 3, warmup, 1, low, high);
    ck_assert_double_eq(w.false_alarm_share, 0.0);
    ck_assert_int_eq(w.flag_week, 3);
    /* Exactly on a limit is inside. */
    const double edge[3] = {1, 10, 0};
    w = resilience_warning_find(edge, 1, 3, warmup, 0, low, high);
    ck_assert_int_eq(w.flag_week, -1);
}
END_TEST

/* Trailing 4 weeks against (1 - 0.05) x 400 = 380. */
START_TEST(test_output_drop_week)
{
    const double base[10] = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    const double sharp[10] = {100, 100, 100, 100, 100, 60, 100, 100, 100, 100};
    const double slow[10] = {100, 100, 100, 100, 100, 90, 85, 100, 100, 100};
    const double early[10] = {70, 100, 100, 100, 100, 100, 100, 100, 100, 100};

    /* Week 5: 100 + 100 + 100 + 60 = 360 < 380. */
    ck_assert_int_eq(resilience_output_drop_week(base, sharp, 10, 4, TOL), 5);
    /* Week 5: 390; week 6: 100 + 100 + 90 + 85 = 375. */
    ck_assert_int_eq(resilience_output_drop_week(base, slow, 10, 4, TOL), 6);
    /* Only from the onset week on. */
    ck_assert_int_eq(resilience_output_drop_week(base, sharp, 10, 9, TOL), -1);
    /* At the start the window is shorter: week 0 alone, 70 < 95. */
    ck_assert_int_eq(resilience_output_drop_week(base, early, 10, 0, TOL), 0);
    /* Week 3's window holds the 70: 370 < 380; week 4's does not. */
    ck_assert_int_eq(resilience_output_drop_week(base, early, 10, 3, TOL), 3);
    ck_assert_int_eq(resilience_output_drop_week(base, early, 10, 4, TOL), -1);
    /* A NaN in the window skips it. */
    const double gap[10] = {100, 100, 100, 100, 100, NAN, 60, 100, 100, 100};
    ck_assert_int_eq(resilience_output_drop_week(base, gap, 10, 4, TOL), 9);
}
END_TEST

START_TEST(test_lead_time)
{
    const double ends[8] = {7, 14, 21, 28, 35, 42, 49, 56};

    /* Flagged in week 3 (ends day 28), output dropped in week 6 (day 49). */
    ck_assert_double_eq(resilience_lead_time_days(ends, 3, 6), 21.0);
    /* Flagged after the drop: negative. */
    ck_assert_double_eq(resilience_lead_time_days(ends, 6, 3), -21.0);
    ck_assert_double_eq(resilience_lead_time_days(ends, 4, 4), 0.0);
    ck_assert(isnan(resilience_lead_time_days(ends, -1, 4)));
    ck_assert(isnan(resilience_lead_time_days(ends, 4, -1)));
}
END_TEST

START_TEST(test_share_warned)
{
    /* Two indicators, four replications. */
    const double lead[8] = {21, 7, -7, NAN, NAN, NAN, NAN, 14};
    const ptrdiff_t drop[4] = {6, 2, -1, 5};
    size_t warned, dropped;

    /* Rows 0, 1, 3 dropped; indicator 0 warned in row 0 only. */
    double s = resilience_share_warned(lead, 4, 2, 0, drop, &warned, &dropped);
    ck_assert_double_eq_tol(s, 1.0 / 3.0, 1e-15);
    ck_assert_uint_eq(warned, 1);
    ck_assert_uint_eq(dropped, 3);
    s = resilience_share_warned(lead, 4, 2, 1, drop, &warned, NULL);
    ck_assert_double_eq_tol(s, 2.0 / 3.0, 1e-15);
    ck_assert_uint_eq(warned, 2);
    const ptrdiff_t none[4] = {-1, -1, -1, -1};
    ck_assert(isnan(resilience_share_warned(lead, 4, 2, 0, none, NULL,
                                            &dropped)));
    ck_assert_uint_eq(dropped, 0);
}
END_TEST

/* t(0.975, 2) = 4.302653, t(0.975, 1) = 12.706205. */
START_TEST(test_column_intervals)
{
    const double x[8] = {1, 5, 2, NAN, 3, 7, NAN, NAN};
    double mean[2], hw[2];
    size_t n[2];

    ck_assert_int_eq(resilience_column_intervals(x, 4, 2, 0.95, mean, hw, n), 0);
    ck_assert_double_eq_tol(mean[0], 2.0, 1e-15);
    ck_assert_double_eq_tol(hw[0], 4.302653 / sqrt(3.0), 1e-6);
    ck_assert_double_eq_tol(mean[1], 6.0, 1e-15);
    ck_assert_double_eq_tol(hw[1], 12.706205, 1e-6);
    ck_assert_uint_eq(n[0], 3);
    ck_assert_uint_eq(n[1], 2);
    /* One value: a mean, no interval; none: neither. */
    const double one[2] = {4, NAN};
    ck_assert_int_eq(resilience_column_intervals(one, 1, 2, 0.95, mean, hw, NULL), 0);
    ck_assert_double_eq(mean[0], 4.0);
    ck_assert(isnan(hw[0]));
    ck_assert(isnan(mean[1]));
    ck_assert(isnan(hw[1]));
    ck_assert_int_eq(resilience_column_intervals(NULL, 0, 0, 0.95, NULL, NULL,
                                                 NULL), 0);
}
END_TEST

/* One replication through the whole chain, as wafersim compare does it:
 * a month-long outage starting on day 35 (week 5) against a flat baseline. */
START_TEST(test_one_replication)
{
    enum { W = 12 };
    double ends[W], base_out[W], other_out[W], base_ind[W], other_ind[W];
    unsigned char warmup[W];
    for (int k = 0; k < W; k++) {
        ends[k] = 7.0 * (k + 1);
        warmup[k] = k < 2;
        base_out[k] = other_out[k] = 100;
        base_ind[k] = k % 2 ? 11 : 9;   /* mean 10, sd about 1.05 */
        other_ind[k] = base_ind[k];
    }
    other_ind[5] = 30;                  /* the queue builds at once ... */
    other_out[7] = other_out[8] = 40;   /* ... output drops two weeks later */
    size_t onset = resilience_week_of(ends, W, 35.0);
    ck_assert_uint_eq(onset, 5);
    double low, high;
    resilience_control_limits(base_ind, W, 1, warmup, 3.0, &low, &high);
    resilience_warning w = resilience_warning_find(other_ind, W, 1, warmup,
                                                   onset, &low, &high);
    ptrdiff_t drop = resilience_output_drop_week(base_out, other_out, W, onset,
                                                 TOL);
    ck_assert_int_eq(w.flag_week, 5);
    ck_assert_double_eq(w.false_alarm_share, 0.0);
    ck_assert_int_eq(drop, 7);
    ck_assert_double_eq(resilience_lead_time_days(ends, w.flag_week, drop), 14.0);
}
END_TEST

static Suite *resilience_suite(void)
{
    Suite *s = suite_create("resilience");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_wafers_lost);
    tcase_add_test(tc, test_wafers_lost_nan);
    tcase_add_test(tc, test_month_and_week_of);
    tcase_add_test(tc, test_drop_and_recovery);
    tcase_add_test(tc, test_never_recovers);
    tcase_add_test(tc, test_no_drop);
    tcase_add_test(tc, test_recovery_skips_unjudgeable_months);
    tcase_add_test(tc, test_control_limits);
    tcase_add_test(tc, test_warning_flag_and_false_alarms);
    tcase_add_test(tc, test_warning_any_area);
    tcase_add_test(tc, test_output_drop_week);
    tcase_add_test(tc, test_lead_time);
    tcase_add_test(tc, test_share_warned);
    tcase_add_test(tc, test_column_intervals);
    tcase_add_test(tc, test_one_replication);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(resilience_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
