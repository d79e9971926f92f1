/* Tests for sim/stats: Welford, time integrals, confidence intervals. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "sim/stats.h"

static double two_pass_variance(const double *x, int n)
{
    double mean = 0.0, ss = 0.0;
    int i;

    for (i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return ss / (n - 1);
}

START_TEST(test_welford_known_data)
{
    const double x[8] = {2, 4, 4, 4, 5, 5, 7, 9};
    welford w;
    int i;

    welford_init(&w);
    ck_assert(isnan(welford_variance(&w)));
    welford_add(&w, x[0]);
    ck_assert(isnan(welford_variance(&w)));
    for (i = 1; i < 8; i++)
        welford_add(&w, x[i]);
    ck_assert_uint_eq(w.n, 8);
    ck_assert_double_eq_tol(w.mean, 5.0, 1e-15);
    ck_assert_double_eq_tol(welford_variance(&w), 32.0 / 7.0, 1e-14);
    ck_assert_double_eq_tol(welford_variance(&w), two_pass_variance(x, 8),
                            1e-14);
}
END_TEST

/* A large offset ruins the naive sum-of-squares formula but not Welford. */
START_TEST(test_welford_large_offset)
{
    const double base[4] = {4, 7, 13, 16};
    double x[4];
    welford w;
    int i;

    welford_init(&w);
    for (i = 0; i < 4; i++) {
        x[i] = 1e9 + base[i];
        welford_add(&w, x[i]);
    }
    ck_assert_double_eq_tol(w.mean, 1e9 + 10.0, 1e-6);
    ck_assert_double_eq_tol(welford_variance(&w), 30.0, 1e-6);
    ck_assert_double_eq_tol(welford_variance(&w), two_pass_variance(x, 4),
                            1e-6);
}
END_TEST

START_TEST(test_time_integral)
{
    time_integral ti;

    time_integral_init(&ti, 1.0, 2.0);
    time_integral_set(&ti, 4.0, 5.0);    /* 2 on [1,4] = 6 */
    time_integral_set(&ti, 5.0, 0.0);    /* 5 on [4,5] = 5 */
    time_integral_set(&ti, 5.0, 3.0);    /* zero-length interval */
    ck_assert_double_eq(time_integral_take(&ti, 7.0), 6.0 + 5.0 + 6.0);
    ck_assert_double_eq(ti.last_time, 7.0);
    ck_assert_double_eq(ti.value, 3.0);
    /* A take starts a new interval; the value carries over. */
    ck_assert_double_eq(time_integral_take(&ti, 7.0), 0.0);
    ck_assert_double_eq(time_integral_take(&ti, 9.5), 7.5);
    time_integral_set(&ti, 10.0, 1.0);
    ck_assert_double_eq(time_integral_take(&ti, 12.0), 1.5 + 2.0);
}
END_TEST

START_TEST(test_ci_one_to_ten)
{
    double x[10];
    confidence_interval ci;
    /* t(0.975, 9) = 2.262157; s = sqrt(55/6); half = t * s / sqrt(10). */
    const double half = 2.262157 * sqrt(55.0 / 6.0) / sqrt(10.0);
    int i;

    for (i = 0; i < 10; i++)
        x[i] = i + 1;
    ci = stats_confidence_interval(x, 10, 0.95);
    ck_assert_uint_eq(ci.n, 10);
    ck_assert_double_eq_tol(ci.mean, 5.5, 1e-15);
    ck_assert_double_eq_tol(ci.half_width, half, 1e-6);
    ck_assert_double_eq_tol(ci.half_width, 2.16585, 1e-5);
    ck_assert_double_eq_tol(ci.low, 5.5 - half, 1e-6);
    ck_assert_double_eq_tol(ci.high, 5.5 + half, 1e-6);

    /* Wider at 99%: t(0.995, 9) = 3.249836. */
    ci = stats_confidence_interval(x, 10, 0.99);
    ck_assert_double_eq_tol(ci.half_width,
                            3.249836 * sqrt(55.0 / 6.0) / sqrt(10.0), 1e-5);
}
END_TEST

START_TEST(test_ci_skips_nan)
{
    const double x[14] = {NAN, 1, 2, 3, NAN, 4, 5, 6, 7, 8, NAN, 9, 10, NAN};
    double y[10];
    confidence_interval a, b;
    int i;

    for (i = 0; i < 10; i++)
        y[i] = i + 1;
    a = stats_confidence_interval(x, 14, 0.95);
    b = stats_confidence_interval(y, 10, 0.95);
    ck_assert_uint_eq(a.n, 10);
    ck_assert_double_eq(a.mean, b.mean);
    ck_assert_double_eq(a.half_width, b.half_width);
    ck_assert_double_eq(a.low, b.low);
    ck_assert_double_eq(a.high, b.high);
}
END_TEST

START_TEST(test_ci_small_samples)
{
    const double one[1] = {3.0};
    const double nans[2] = {NAN, NAN};
    const double same[3] = {2.0, 2.0, 2.0};
    confidence_interval ci;

    ci = stats_confidence_interval(one, 1, 0.95);
    ck_assert_uint_eq(ci.n, 1);
    ck_assert_double_eq(ci.mean, 3.0);
    ck_assert(isnan(ci.half_width));

    ci = stats_confidence_interval(nans, 2, 0.95);
    ck_assert_uint_eq(ci.n, 0);
    ck_assert(isnan(ci.mean));
    ck_assert(isnan(ci.half_width));

    ci = stats_confidence_interval(NULL, 0, 0.95);
    ck_assert_uint_eq(ci.n, 0);
    ck_assert(isnan(ci.mean));

    ci = stats_confidence_interval(same, 3, 0.95);
    ck_assert_double_eq(ci.mean, 2.0);
    ck_assert_double_eq(ci.half_width, 0.0);
    ck_assert_double_eq(ci.low, 2.0);
    ck_assert_double_eq(ci.high, 2.0);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_welford_known_data);
    tcase_add_test(tc, test_welford_large_offset);
    tcase_add_test(tc, test_time_integral);
    tcase_add_test(tc, test_ci_one_to_ten);
    tcase_add_test(tc, test_ci_skips_nan);
    tcase_add_test(tc, test_ci_small_samples);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
