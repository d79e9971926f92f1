/* Tests for sim/stream: the generator, its keys, and GSL interplay. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/stream.h"

/* 99.9% two-sided normal quantile. */
#define Z999 3.2905

static int popcount64(uint64_t x)
{
    int n = 0;
    while (x != 0) {
        x &= x - 1;
        n++;
    }
    return n;
}

START_TEST(test_type_description)
{
    gsl_rng *r = gsl_rng_alloc(stream_rng_type);

    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(gsl_rng_name(r), "xoshiro256pp");
    ck_assert_uint_eq(gsl_rng_max(r), 0xffffffffUL);
    ck_assert_uint_eq(gsl_rng_min(r), 0);
    ck_assert_uint_eq(gsl_rng_size(r), 4 * sizeof(uint64_t));
    gsl_rng_free(r);
}
END_TEST

/* The core against the reference implementation's output for state
 * {1, 2, 3, 4} (xoshiro.di.unimi.it/xoshiro256plusplus.c). */
START_TEST(test_reference_vector)
{
    static const uint64_t expected[10] = {
        UINT64_C(41943041), UINT64_C(58720359),
        UINT64_C(3588806011781223), UINT64_C(3591011842654386),
        UINT64_C(9228616714210784205), UINT64_C(9973669472204895162),
        UINT64_C(14011001112246962877), UINT64_C(12406186145184390807),
        UINT64_C(15849039046786891736), UINT64_C(10450023813501588000)};
    const uint64_t state[4] = {1, 2, 3, 4};
    gsl_rng *a = gsl_rng_alloc(stream_rng_type);
    gsl_rng *b = gsl_rng_alloc(stream_rng_type);
    int i;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    memcpy(gsl_rng_state(a), state, sizeof state);
    memcpy(gsl_rng_state(b), state, sizeof state);
    for (i = 0; i < 10; i++) {
        ck_assert_uint_eq(gsl_rng_get(a), (unsigned long)(expected[i] >> 32));
        ck_assert_double_eq(gsl_rng_uniform(b),
                            (double)(expected[i] >> 11) * 0x1.0p-53);
    }
    gsl_rng_free(a);
    gsl_rng_free(b);
}
END_TEST

/* Seeding is splitmix64: seed 0 gives its well-known first outputs. */
START_TEST(test_seed_expansion)
{
    gsl_rng *r = gsl_rng_alloc(stream_rng_type);
    uint64_t state[4];

    ck_assert_ptr_nonnull(r);
    gsl_rng_set(r, 0);
    memcpy(state, gsl_rng_state(r), sizeof state);
    ck_assert_uint_eq(state[0], UINT64_C(0xe220a8397b1dcdaf));
    ck_assert_uint_eq(state[1], UINT64_C(0x6e789e6aa1b965f4));
    /* All 64 bits of the seed matter. */
    gsl_rng_set(r, (unsigned long)UINT64_C(0x100000000));
    memcpy(state, gsl_rng_state(r), sizeof state);
    ck_assert_uint_ne(state[0], UINT64_C(0xe220a8397b1dcdaf));
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_same_key_same_sequence)
{
    gsl_rng *a = stream_create(12345, 2, 7, 99);
    gsl_rng *b = stream_create(12345, 2, 7, 99);
    int i;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (i = 0; i < 10000; i++)
        ck_assert_uint_eq(gsl_rng_get(a), gsl_rng_get(b));
    /* Reseeding with the key restarts the same sequence. */
    gsl_rng_set(a, (unsigned long)stream_key(12345, 2, 7, 99));
    gsl_rng_free(b);
    b = stream_create(12345, 2, 7, 99);
    for (i = 0; i < 100; i++)
        ck_assert_double_eq(gsl_rng_uniform(a), gsl_rng_uniform(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}
END_TEST

static int count_equal_draws(gsl_rng *a, gsl_rng *b, int n)
{
    int i, equal = 0;
    for (i = 0; i < n; i++)
        equal += gsl_rng_get(a) == gsl_rng_get(b);
    return equal;
}

START_TEST(test_different_inputs_different_sequences)
{
    gsl_rng *other[4];
    int k;

    other[0] = stream_create(2, 0, 0, 0);   /* seed */
    other[1] = stream_create(1, 1, 0, 0);   /* scenario */
    other[2] = stream_create(1, 0, 1, 0);   /* replication */
    other[3] = stream_create(1, 0, 0, 1);   /* stream */
    for (k = 0; k < 4; k++) {
        gsl_rng *again = stream_create(1, 0, 0, 0);
        ck_assert_ptr_nonnull(other[k]);
        /* Equal 32-bit draws happen with probability 2^-32 each. */
        ck_assert_int_le(count_equal_draws(again, other[k], 10000), 1);
        gsl_rng_free(again);
        gsl_rng_free(other[k]);
    }
    /* Inputs are not interchangeable: (scenario 1, rep 0) != (0, 1). */
    ck_assert_uint_ne(stream_key(1, 1, 0, 0), stream_key(1, 0, 1, 0));
    ck_assert_uint_ne(stream_key(1, 0, 0, 1), stream_key(1, 0, 1, 0));
    ck_assert_uint_ne(stream_key(0, 0, 0, 0), 0);
}
END_TEST

/* Flipping any one input bit flips each key bit with probability ~1/2. */
START_TEST(test_key_avalanche)
{
    enum { BASES = 16 };
    long bit_flips[64] = {0};
    long trials = 0, total = 0;
    int b, j, base;

    for (base = 0; base < BASES; base++) {
        uint64_t seed = (uint64_t)base * UINT64_C(1000003);
        uint32_t scen = (uint32_t)base, rep = (uint32_t)(base * 7);
        uint64_t sid = (uint64_t)base * 3;
        uint64_t k0 = stream_key(seed, scen, rep, sid);

        for (j = 0; j < 4; j++) {
            int width = (j == 1 || j == 2) ? 32 : 64;
            for (b = 0; b < width; b++) {
                uint64_t k1, diff;
                int d, o;
                switch (j) {
                case 0: k1 = stream_key(seed ^ (UINT64_C(1) << b), scen, rep, sid); break;
                case 1: k1 = stream_key(seed, scen ^ (UINT32_C(1) << b), rep, sid); break;
                case 2: k1 = stream_key(seed, scen, rep ^ (UINT32_C(1) << b), sid); break;
                default: k1 = stream_key(seed, scen, rep, sid ^ (UINT64_C(1) << b)); break;
                }
                diff = k0 ^ k1;
                d = popcount64(diff);
                /* Binomial(64, 1/2) lies in [12, 52] except with
                 * probability ~1e-6 per trial. */
                ck_assert_int_ge(d, 12);
                ck_assert_int_le(d, 52);
                total += d;
                trials++;
                for (o = 0; o < 64; o++)
                    bit_flips[o] += (long)((diff >> o) & 1);
            }
        }
    }
    ck_assert_int_eq(trials, BASES * 192);
    ck_assert_double_le(fabs((double)total / (double)trials - 32.0), 0.5);
    for (j = 0; j < 64; j++) {
        double p = (double)bit_flips[j] / (double)trials;
        ck_assert_double_le(fabs(p - 0.5), 0.05);
    }
}
END_TEST

START_TEST(test_uniform_mean)
{
    enum { N = 1000000 };
    gsl_rng *r = stream_create(2024, 0, 3, 17);
    double sum = 0.0, sumsq = 0.0, lo = 1.0, hi = 0.0, mean, var;
    int i;

    ck_assert_ptr_nonnull(r);
    for (i = 0; i < N; i++) {
        double u = gsl_rng_uniform(r);
        sum += u;
        sumsq += u * u;
        if (u < lo)
            lo = u;
        if (u > hi)
            hi = u;
    }
    mean = sum / N;
    var = sumsq / N - mean * mean;
    ck_assert_double_le(fabs(mean - 0.5), Z999 * sqrt(1.0 / 12.0 / N));
    ck_assert_double_le(fabs(var - 1.0 / 12.0), 0.001);
    ck_assert_double_ge(lo, 0.0);
    ck_assert_double_lt(hi, 1.0);
    ck_assert_double_lt(lo, 1e-4);
    ck_assert_double_gt(hi, 1.0 - 1e-4);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_gsl_ran_functions)
{
    enum { N = 200000, K = 10 };
    gsl_rng *r = stream_create(5, 1, 2, 3);
    long counts[K] = {0};
    double sum = 0.0, sumsq = 0.0, esum = 0.0, mean, var;
    int i;

    ck_assert_ptr_nonnull(r);
    for (i = 0; i < N; i++) {
        double g = gsl_ran_gaussian(r, 2.0);
        sum += g;
        sumsq += g * g;
        esum += gsl_ran_exponential(r, 3.0);
        counts[gsl_rng_uniform_int(r, K)]++;
    }
    mean = sum / N;
    var = sumsq / N - mean * mean;
    ck_assert_double_le(fabs(mean), Z999 * 2.0 / sqrt(N));
    ck_assert_double_le(fabs(var - 4.0), Z999 * 4.0 * sqrt(2.0 / N));
    ck_assert_double_le(fabs(esum / N - 3.0), Z999 * 3.0 / sqrt(N));
    for (i = 0; i < K; i++) {
        double p = 1.0 / K, sd = sqrt(N * p * (1 - p));
        ck_assert_double_le(fabs((double)counts[i] - N * p), 4.0 * sd);
    }
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_streams_uncorrelated)
{
    enum { N = 1000000 };
    gsl_rng *a = stream_create(77, 0, 0, 0);
    gsl_rng *b = stream_create(77, 0, 0, 1);
    gsl_rng *c = stream_create(77, 0, 1, 0);
    double sab = 0.0, sac = 0.0;
    int i;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    for (i = 0; i < N; i++) {
        double x = gsl_rng_uniform(a) - 0.5;
        sab += x * (gsl_rng_uniform(b) - 0.5);
        sac += x * (gsl_rng_uniform(c) - 0.5);
    }
    /* With known mean 1/2 and variance 1/12, the correlation estimate is
     * 12 * mean of the products, with sd 1/sqrt(N). */
    ck_assert_double_le(fabs(12.0 * sab / N), Z999 / sqrt(N));
    ck_assert_double_le(fabs(12.0 * sac / N), Z999 / sqrt(N));
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(c);
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_type_description);
    tcase_add_test(tc, test_reference_vector);
    tcase_add_test(tc, test_seed_expansion);
    tcase_add_test(tc, test_same_key_same_sequence);
    tcase_add_test(tc, test_different_inputs_different_sequences);
    tcase_add_test(tc, test_key_avalanche);
    tcase_add_test(tc, test_uniform_mean);
    tcase_add_test(tc, test_gsl_ran_functions);
    tcase_add_test(tc, test_streams_uncorrelated);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stream_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
