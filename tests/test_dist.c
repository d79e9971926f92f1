/* Tests for sim/dist: means, support, validation, scaling. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "sim/dist.h"
#include "sim/stream.h"

#define Z999 3.2905
#define DRAWS 200000

typedef struct sample_summary {
    double mean;
    double sd;
    double min;
    double max;
} sample_summary;

static sample_summary draw(const dist *d, gsl_rng *r, int n)
{
    sample_summary s = {0.0, 0.0, INFINITY, -INFINITY};
    double m2 = 0.0;
    int i;

    for (i = 0; i < n; i++) {
        double x = dist_sample(d, r);
        double delta = x - s.mean;
        s.mean += delta / (i + 1);
        m2 += delta * (x - s.mean);
        if (x < s.min)
            s.min = x;
        if (x > s.max)
            s.max = x;
    }
    s.sd = sqrt(m2 / (n - 1));
    return s;
}

typedef struct dist_case {
    enum dist_kind kind;
    double p[3];
    double mean;   /* expected dist->mean */
    double cv;     /* expected dist_cv */
} dist_case;

static const dist_case cases[] = {
    {DIST_CONSTANT, {2.5, 0, 0}, 2.5, 0.0},
    {DIST_CONSTANT, {0.0, 0, 0}, 0.0, 0.0},
    {DIST_UNIFORM, {1.0, 3.0, 0}, 2.0, 0.28867513459481287},
    {DIST_UNIFORM, {0.0, 10.0, 0}, 5.0, 0.57735026918962573},
    {DIST_EXPONENTIAL, {4.0, 0, 0}, 4.0, 1.0},
    {DIST_NORMAL, {10.0, 2.0, 0}, 10.000002973439882, -1.0},
    {DIST_NORMAL, {1.0, 1.0, 0}, 1.2875999709391783, -1.0},
    {DIST_NORMAL, {3.0, 0.0, 0}, 3.0, 0.0},
    {DIST_LOGNORMAL, {5.0, 0.5, 0}, 5.0, 0.5},
    {DIST_LOGNORMAL, {0.2, 0.1, 0}, 0.2, 0.1},
    {DIST_GAMMA, {2.0, 0.5, 0}, 2.0, 0.5},
    {DIST_GAMMA, {2.0, 2.0, 0}, 2.0, 2.0},
    {DIST_GAMMA, {1.0, 1.0, 0}, 1.0, 1.0},
    {DIST_TRIANGULAR, {1.0, 2.0, 6.0}, 3.0, 0.36004114991154804},
    {DIST_TRIANGULAR, {0.0, 0.0, 1.0}, 1.0 / 3.0, 0.70710678118654752},
    {DIST_TRIANGULAR, {2.0, 5.0, 5.0}, 4.0, 0.17677669529663688},
    {DIST_TRIANGULAR, {3.0, 3.0, 3.0}, 3.0, 0.0},
};

#define NCASES ((int)(sizeof cases / sizeof cases[0]))

START_TEST(test_sample_mean_and_support)
{
    const dist_case *c = &cases[_i];
    gsl_rng *r = stream_create(31337, 0, 0, (uint64_t)_i);
    char why[128];
    dist d;
    sample_summary s;

    ck_assert_ptr_nonnull(r);
    ck_assert_msg(dist_init(&d, c->kind, c->p, why, sizeof why) == 0,
                  "case %d: %s", _i, why);
    ck_assert_double_eq_tol(d.mean, c->mean, 1e-12 * (1.0 + c->mean));
    if (c->cv >= 0.0)
        ck_assert_double_eq_tol(dist_cv(&d), c->cv, 1e-12);

    s = draw(&d, r, DRAWS);
    ck_assert_double_ge(s.min, 0.0);
    if (s.sd == 0.0) {
        ck_assert_double_eq(s.mean, d.mean);
        ck_assert_double_eq(dist_cv(&d), 0.0);
    } else {
        ck_assert_msg(fabs(s.mean - d.mean) <= Z999 * s.sd / sqrt(DRAWS),
                      "case %d (%s): sample mean %.6g vs %.6g", _i,
                      dist_kind_name(c->kind), s.mean, d.mean);
        /* The sample cv is a noisier statistic; 5% catches wrong formulas. */
        ck_assert_msg(fabs(s.sd / s.mean - dist_cv(&d)) <= 0.05 * dist_cv(&d),
                      "case %d (%s): sample cv %.6g vs %.6g", _i,
                      dist_kind_name(c->kind), s.sd / s.mean, dist_cv(&d));
    }
    if (c->kind == DIST_UNIFORM || c->kind == DIST_TRIANGULAR) {
        double hi = c->kind == DIST_UNIFORM ? c->p[1] : c->p[2];
        ck_assert_double_ge(s.min, c->p[0]);
        ck_assert_double_le(s.max, hi);
    }
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_truncated_normal_mean)
{
    const double p[3] = {1.0, 1.0, 0.0};
    gsl_rng *r = stream_create(8, 0, 0, 0);
    dist d;
    sample_summary s;

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(dist_init(&d, DIST_NORMAL, p, NULL, 0), 0);
    /* 1 + phi(1) / Phi(1) */
    ck_assert_double_eq_tol(d.mean, 1.2875999709391783, 1e-13);
    s = draw(&d, r, DRAWS);
    ck_assert_double_ge(s.min, 0.0);
    ck_assert_double_le(fabs(s.mean - 1.2875999709391783),
                        Z999 * s.sd / sqrt(DRAWS));
    /* Not the untruncated mean. */
    ck_assert_double_gt(s.mean, 1.25);
    gsl_rng_free(r);
}
END_TEST

typedef struct bad_case {
    enum dist_kind kind;
    double p[3];
    const char *why;   /* expected start of the reason */
} bad_case;

START_TEST(test_init_rejects_bad_parameters)
{
    const bad_case bad[] = {
        {DIST_CONSTANT, {NAN, 0, 0}, "value must be finite"},
        {DIST_CONSTANT, {-1.0, 0, 0}, "value must be >= 0 (got -1)"},
        {DIST_UNIFORM, {2.0, 1.0, 0}, "min must be <= max (got 2 > 1)"},
        {DIST_UNIFORM, {-1.0, 1.0, 0}, "min must be >= 0 (got -1)"},
        {DIST_UNIFORM, {0.0, INFINITY, 0}, "max must be finite (got inf)"},
        {DIST_EXPONENTIAL, {0.0, 0, 0}, "mean must be > 0 (got 0)"},
        {DIST_EXPONENTIAL, {-2.0, 0, 0}, "mean must be > 0 (got -2)"},
        {DIST_EXPONENTIAL, {-INFINITY, 0, 0}, "mean must be finite"},
        {DIST_NORMAL, {0.0, 1.0, 0}, "mean must be > 0 (got 0)"},
        {DIST_NORMAL, {1.0, -1.0, 0}, "sd must be >= 0 (got -1)"},
        {DIST_NORMAL, {1.0, NAN, 0}, "sd must be finite"},
        {DIST_LOGNORMAL, {1.0, 0.0, 0}, "cv must be > 0 (got 0)"},
        {DIST_LOGNORMAL, {1.0, -1.0, 0}, "cv must be > 0 (got -1)"},
        {DIST_LOGNORMAL, {0.0, 1.0, 0}, "mean must be > 0 (got 0)"},
        {DIST_GAMMA, {1.0, -1.0, 0}, "cv must be > 0 (got -1)"},
        {DIST_GAMMA, {1.0, 0.0, 0}, "cv must be > 0 (got 0)"},
        {DIST_GAMMA, {INFINITY, 1.0, 0}, "mean must be finite"},
        {DIST_TRIANGULAR, {1.0, 0.5, 2.0}, "min must be <= mode"},
        {DIST_TRIANGULAR, {1.0, 3.0, 2.0}, "mode must be <= max"},
        {DIST_TRIANGULAR, {-1.0, 0.0, 2.0}, "min must be >= 0"},
        {DIST_TRIANGULAR, {0.0, 1.0, NAN}, "max must be finite"},
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[128] = "untouched";
        dist d;
        ck_assert_msg(dist_init(&d, bad[i].kind, bad[i].p, why, sizeof why) == -1,
                      "bad case %zu accepted", i);
        ck_assert_msg(strncmp(why, bad[i].why, strlen(bad[i].why)) == 0,
                      "bad case %zu: got \"%s\", want \"%s...\"", i, why,
                      bad[i].why);
    }
    {
        const double p[3] = {1.0, 0.0, 0.0};
        char why[64];
        dist d;
        ck_assert_int_eq(dist_init(&d, (enum dist_kind)42, p, why, sizeof why), -1);
        /* A NULL reason buffer is allowed. */
        ck_assert_int_eq(dist_init(&d, DIST_GAMMA, p, NULL, 0), -1);
    }
}
END_TEST

/* Parameters a kind does not take are ignored, whatever they hold. */
START_TEST(test_unused_parameters_ignored)
{
    const double p[3] = {2.0, NAN, -5.0};
    dist d;

    ck_assert_int_eq(dist_init(&d, DIST_EXPONENTIAL, p, NULL, 0), 0);
    ck_assert_double_eq(d.mean, 2.0);
    ck_assert_double_eq(d.p[1], 0.0);
    ck_assert_double_eq(d.p[2], 0.0);
}
END_TEST

START_TEST(test_scale)
{
    const double pg[3] = {2.0, 0.5, 0.0};
    const double pn[3] = {1.0, 1.0, 0.0};
    const double pt[3] = {1.0, 2.0, 6.0};
    const double pl[3] = {5.0, 0.5, 0.0};
    const double pu[3] = {1.0, 3.0, 0.0};
    dist g, n, t, l, l60, u;
    gsl_rng *r1, *r2;
    int i;

    ck_assert_int_eq(dist_init(&g, DIST_GAMMA, pg, NULL, 0), 0);
    dist_scale(&g, 60.0);
    ck_assert_double_eq(g.p[0], 120.0);
    ck_assert_double_eq(g.p[1], 0.5);
    ck_assert_double_eq(g.mean, 120.0);
    ck_assert_double_eq_tol(dist_cv(&g), 0.5, 1e-15);

    ck_assert_int_eq(dist_init(&n, DIST_NORMAL, pn, NULL, 0), 0);
    dist_scale(&n, 3.0);
    ck_assert_double_eq_tol(n.mean, 3.0 * 1.2875999709391783, 1e-12);
    ck_assert_double_eq_tol(dist_cv(&n), 0.7935277473262076 / 1.2875999709391783,
                            1e-9);

    ck_assert_int_eq(dist_init(&t, DIST_TRIANGULAR, pt, NULL, 0), 0);
    dist_scale(&t, 0.5);
    ck_assert_double_eq(t.mean, 1.5);
    ck_assert_double_eq(t.p[2], 3.0);

    ck_assert_int_eq(dist_init(&u, DIST_UNIFORM, pu, NULL, 0), 0);
    dist_scale(&u, 2.0);
    ck_assert_double_eq(u.mean, 4.0);

    /* A scaled distribution samples the scaled values. */
    ck_assert_int_eq(dist_init(&l, DIST_LOGNORMAL, pl, NULL, 0), 0);
    l60 = l;
    dist_scale(&l60, 60.0);
    ck_assert_double_eq(l60.mean, 300.0);
    r1 = stream_create(3, 0, 0, 0);
    r2 = stream_create(3, 0, 0, 0);
    ck_assert_ptr_nonnull(r1);
    ck_assert_ptr_nonnull(r2);
    for (i = 0; i < 1000; i++) {
        double a = 60.0 * dist_sample(&l, r1);
        double b = dist_sample(&l60, r2);
        ck_assert_double_eq_tol(a, b, 1e-9 * a);
    }
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}
END_TEST

START_TEST(test_names)
{
    static const char *const names[] = {"constant", "uniform", "exponential",
                                        "normal", "lognormal", "gamma",
                                        "triangular"};
    static const int counts[] = {1, 2, 1, 2, 2, 2, 3};
    enum dist_kind k;
    int i;

    for (i = 0; i < 7; i++) {
        ck_assert_int_eq(dist_kind_from_name(names[i], &k), 0);
        ck_assert_int_eq(k, i);
        ck_assert_str_eq(dist_kind_name(k), names[i]);
        ck_assert_int_eq(dist_param_count(k), counts[i]);
    }
    ck_assert_int_eq(dist_kind_from_name("weibull", &k), -1);
    ck_assert_int_eq(dist_kind_from_name("", &k), -1);
    ck_assert_int_eq(dist_kind_from_name("gammas", &k), -1);
}
END_TEST

static Suite *dist_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_sample_mean_and_support, 0, NCASES);
    tcase_add_test(tc, test_truncated_normal_mean);
    tcase_add_test(tc, test_init_rejects_bad_parameters);
    tcase_add_test(tc, test_unused_parameters_ignored);
    tcase_add_test(tc, test_scale);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dist_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
