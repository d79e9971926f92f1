/* Tests for sim/calendar: order, ties, invariants, growth, reset. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/calendar.h"
#include "sim/wserror.h"

/* A private generator so the test does not depend on the stream module. */
static uint64_t test_rand_state;

static uint64_t test_rand(void)
{
    uint64_t z = (test_rand_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double test_uniform(void)
{
    return (double)(test_rand() >> 11) * 0x1.0p-53;
}

typedef struct ref_event {
    double time;
    int32_t index;
} ref_event;

static int ref_compare(const void *a, const void *b)
{
    const ref_event *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

START_TEST(test_random_times_pop_sorted)
{
    enum { N = 20000 };
    calendar *cal = calendar_create(64);
    ref_event *ref = malloc(N * sizeof *ref);
    calendar_event ev;
    int i;

    ck_assert_ptr_nonnull(cal);
    ck_assert_ptr_nonnull(ref);
    test_rand_state = 42;
    for (i = 0; i < N; i++) {
        /* Round to a coarse grid so that many times tie. */
        double t = floor(test_uniform() * 1000.0) / 4.0;
        ref[i].time = t;
        ref[i].index = i;
        ck_assert_int_eq(calendar_push(cal, t, 7, i, -i), 0);
    }
    ck_assert_uint_eq(calendar_size(cal), N);
    qsort(ref, N, sizeof *ref, ref_compare);
    for (i = 0; i < N; i++) {
        ck_assert_double_eq(calendar_peek_time(cal), ref[i].time);
        ck_assert_int_eq(calendar_pop(cal, &ev), 1);
        ck_assert_double_eq(ev.time, ref[i].time);
        ck_assert_int_eq(ev.subject, ref[i].index);
        ck_assert_uint_eq(ev.seq, (uint64_t)ref[i].index);
        ck_assert_int_eq(ev.kind, 7);
        ck_assert_int_eq(ev.tag, -ref[i].index);
        ck_assert_double_eq(calendar_now(cal), ref[i].time);
    }
    ck_assert_uint_eq(calendar_size(cal), 0);
    ck_assert_int_eq(calendar_pop(cal, &ev), 0);
    ck_assert(isinf(calendar_peek_time(cal)));
    free(ref);
    calendar_destroy(cal);
}
END_TEST

/* Interleaved pushes and pops against a linear-scan reference. */
START_TEST(test_interleaved_matches_reference)
{
    enum { CAP = 4096, STEPS = 50000 };
    calendar *cal = calendar_create(8);
    ref_event *pending = malloc(CAP * sizeof *pending);
    size_t npending = 0;
    int32_t next_index = 0;
    double now = 0.0;
    int step;

    ck_assert_ptr_nonnull(cal);
    ck_assert_ptr_nonnull(pending);
    test_rand_state = 7;
    for (step = 0; step < STEPS; step++) {
        int do_push = npending == 0
                      || (npending < CAP && test_rand() % 100 < 55);
        if (do_push) {
            double t = now + floor(test_uniform() * 20.0) * 0.5;
            ck_assert_int_eq(calendar_push(cal, t, 0, next_index, 0), 0);
            pending[npending].time = t;
            pending[npending].index = next_index++;
            npending++;
        } else {
            size_t best = 0, k;
            calendar_event ev;
            for (k = 1; k < npending; k++) {
                if (ref_compare(&pending[k], &pending[best]) < 0)
                    best = k;
            }
            ck_assert_int_eq(calendar_pop(cal, &ev), 1);
            ck_assert_double_eq(ev.time, pending[best].time);
            ck_assert_int_eq(ev.subject, pending[best].index);
            now = ev.time;
            pending[best] = pending[--npending];
        }
        ck_assert_uint_eq(calendar_size(cal), npending);
    }
    free(pending);
    calendar_destroy(cal);
}
END_TEST

/* Interleaved pushes to random lanes, some of them reserved earlier and
 * pushed later, against a linear-scan reference: the order is (time,
 * sequence) whatever the lane, and a reserved event comes out where a
 * push at its reservation would have put it. */
START_TEST(test_lanes_and_reservations_keep_one_order)
{
    enum { CAP = 4096, STEPS = 60000 };
    calendar *cal = calendar_create(8);
    struct pend {
        double time;
        uint64_t seq;
        int32_t index;
        int pushed;
    } *pending = malloc(CAP * sizeof *pending);
    size_t npending = 0;
    int32_t next_index = 0;
    uint64_t next_seq = 0;
    double now = 0.0;

    ck_assert_ptr_nonnull(cal);
    ck_assert_ptr_nonnull(pending);
    test_rand_state = 11;
    for (int step = 0; step < STEPS; step++) {
        unsigned r = (unsigned)(test_rand() % 100);
        if (npending == 0 || (npending < CAP && r < 50)) {
            /* A new event: pushed now, or reserved for later. */
            double t = now + floor(test_uniform() * 16.0) * 0.25;
            struct pend *p = &pending[npending++];
            p->time = t;
            p->index = next_index++;
            p->pushed = (int)(test_rand() % 3) != 0;
            if (p->pushed) {
                int lane = (int)(test_rand() % CALENDAR_LANES);
                ck_assert_int_eq(calendar_push_lane(cal, lane, t, 2, p->index,
                                                    p->index), 0);
                p->seq = next_seq++;
            } else {
                ck_assert_int_eq(calendar_reserve(cal, &p->seq), 0);
                ck_assert_uint_eq(p->seq, next_seq++);
            }
            continue;
        }
        if (r < 70) {
            /* Push a reserved one (its time never lies in the past: the
             * reference pops it before anything later). */
            for (size_t k = 0; k < npending; k++)
                if (!pending[k].pushed) {
                    int lane = (int)(test_rand() % CALENDAR_LANES);
                    ck_assert_int_eq(calendar_push_reserved(cal, lane,
                                         pending[k].time, pending[k].seq, 2,
                                         pending[k].index, pending[k].index),
                                     0);
                    pending[k].pushed = 1;
                    break;
                }
            continue;
        }
        /* Pop: the earliest (time, seq) of all, once it is pushed. */
        size_t best = 0;
        for (size_t k = 1; k < npending; k++)
            if (pending[k].time < pending[best].time
                || (pending[k].time == pending[best].time
                    && pending[k].seq < pending[best].seq))
                best = k;
        if (!pending[best].pushed) {
            ck_assert_int_eq(calendar_push_reserved(cal, 0, pending[best].time,
                                                    pending[best].seq, 2,
                                                    pending[best].index,
                                                    pending[best].index), 0);
            pending[best].pushed = 1;
        }
        calendar_event ev;
        ck_assert_int_eq(calendar_pop(cal, &ev), 1);
        ck_assert_double_eq(ev.time, pending[best].time);
        ck_assert_int_eq(ev.subject, pending[best].index);
        ck_assert_int_eq(ev.tag, pending[best].index);
        ck_assert_uint_eq(ev.seq, pending[best].seq);
        now = ev.time;
        pending[best] = pending[--npending];
    }
    free(pending);
    calendar_destroy(cal);
}
END_TEST

START_TEST(test_lane_and_reservation_errors)
{
    calendar *cal = calendar_create(0);
    calendar_event ev;
    uint64_t seq;

    ck_assert_ptr_nonnull(cal);
    ck_assert_int_eq(calendar_push_lane(cal, -1, 1.0, 0, 0, 0), WS_ESOFTWARE);
    ck_assert_int_eq(calendar_push_lane(cal, CALENDAR_LANES, 1.0, 0, 0, 0),
                     WS_ESOFTWARE);
    /* A sequence number not handed out yet. */
    ck_assert_int_eq(calendar_push_reserved(cal, 0, 1.0, 0, 0, 0, 0),
                     WS_ESOFTWARE);
    ck_assert_int_eq(calendar_reserve(cal, &seq), 0);
    ck_assert_uint_eq(seq, 0);
    ck_assert_int_eq(calendar_push_lane(cal, 1, 3.0, 0, 1, 0), 0);
    ck_assert_int_eq(calendar_push_reserved(cal, 2, 3.0, seq, 0, 2, 0), 0);
    ck_assert_uint_eq(calendar_size(cal), 2);
    /* Equal times: the reservation came first. */
    ck_assert_double_eq(calendar_peek_time(cal), 3.0);
    ck_assert_int_eq(calendar_pop(cal, &ev), 1);
    ck_assert_int_eq(ev.subject, 2);
    /* In the past, or not a time. */
    ck_assert_int_eq(calendar_reserve(cal, &seq), 0);
    ck_assert_int_eq(calendar_push_reserved(cal, 0, 2.0, seq, 0, 3, 0),
                     WS_ESOFTWARE);
    ck_assert_int_eq(calendar_push_reserved(cal, 0, NAN, seq, 0, 3, 0),
                     WS_ESOFTWARE);
    ck_assert_int_eq(calendar_pop(cal, &ev), 1);
    ck_assert_int_eq(ev.subject, 1);
    ck_assert_int_eq(calendar_pop(cal, &ev), 0);
    calendar_destroy(cal);
}
END_TEST

START_TEST(test_ties_pop_in_insertion_order)
{
    calendar *cal = calendar_create(4);
    calendar_event ev;
    int i;

    ck_assert_ptr_nonnull(cal);
    /* Three times, pushed interleaved: 5, 3, 4, 5, 3, 4, ... */
    for (i = 0; i < 300; i++)
        ck_assert_int_eq(calendar_push(cal, (i % 3 == 0) ? 5.0
                                            : (i % 3 == 1) ? 3.0 : 4.0,
                                       0, i, 0),
                         0);
    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(calendar_pop(cal, &ev), 1);
        ck_assert_double_eq(ev.time, 3.0);
        ck_assert_int_eq(ev.subject, 3 * i + 1);
    }
    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(calendar_pop(cal, &ev), 1);
        ck_assert_double_eq(ev.time, 4.0);
        ck_assert_int_eq(ev.subject, 3 * i + 2);
    }
    /* A later push at an occupied time queues behind the events there. */
    ck_assert_int_eq(calendar_push(cal, 5.0, 1, 1000, 0), 0);
    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(calendar_pop(cal, &ev), 1);
        ck_assert_int_eq(ev.subject, 3 * i);
    }
    ck_assert_int_eq(calendar_pop(cal, &ev), 1);
    ck_assert_int_eq(ev.subject, 1000);
    ck_assert_int_eq(ev.kind, 1);
    calendar_destroy(cal);
}
END_TEST

START_TEST(test_rejects_past_and_nan)
{
    calendar *cal = calendar_create(0);
    calendar_event ev;

    ck_assert_ptr_nonnull(cal);
    ck_assert_int_eq(calendar_push(cal, -1.0, 0, 0, 0), WS_ESOFTWARE);
    ck_assert_int_eq(calendar_push(cal, NAN, 0, 0, 0), WS_ESOFTWARE);
    ck_assert_int_eq(calendar_push(cal, -INFINITY, 0, 0, 0), WS_ESOFTWARE);
    ck_assert_uint_eq(calendar_size(cal), 0);
    ck_assert_int_eq(calendar_push(cal, 5.0, 0, 1, 0), 0);
    ck_assert_int_eq(calendar_push(cal, 9.0, 0, 2, 0), 0);
    ck_assert_double_eq(calendar_now(cal), 0.0);
    ck_assert_int_eq(calendar_pop(cal, &ev), 1);
    ck_assert_double_eq(calendar_now(cal), 5.0);
    ck_assert_int_eq(calendar_push(cal, 4.999, 0, 3, 0), WS_ESOFTWARE);
    ck_assert_int_eq(calendar_push(cal, NAN, 0, 3, 0), WS_ESOFTWARE);
    ck_assert_uint_eq(calendar_size(cal), 1);
    /* Now itself is allowed, and comes first. */
    ck_assert_int_eq(calendar_push(cal, 5.0, 0, 4, 0), 0);
    ck_assert_double_eq(calendar_peek_time(cal), 5.0);
    ck_assert_int_eq(calendar_pop(cal, &ev), 1);
    ck_assert_int_eq(ev.subject, 4);
    ck_assert_int_eq(calendar_pop(cal, &ev), 1);
    ck_assert_int_eq(ev.subject, 2);
    ck_assert_double_eq(calendar_now(cal), 9.0);
    calendar_destroy(cal);
}
END_TEST

START_TEST(test_grows_beyond_initial_capacity)
{
    enum { N = 100000 };
    calendar *cal = calendar_create(1);
    calendar_event ev;
    int i;

    ck_assert_ptr_nonnull(cal);
    /* Descending times make every push sift to the root. */
    for (i = 0; i < N; i++)
        ck_assert_int_eq(calendar_push(cal, (double)(N - i), 0, i, 0), 0);
    ck_assert_uint_eq(calendar_size(cal), N);
    for (i = 0; i < N; i++) {
        ck_assert_int_eq(calendar_pop(cal, &ev), 1);
        ck_assert_double_eq(ev.time, (double)(i + 1));
        ck_assert_int_eq(ev.subject, N - 1 - i);
    }
    ck_assert_int_eq(calendar_pop(cal, &ev), 0);
    calendar_destroy(cal);
}
END_TEST

START_TEST(test_reset)
{
    calendar *cal = calendar_create(4);
    calendar *fresh = calendar_create(4);
    calendar_event a, b;
    int i;

    ck_assert_ptr_nonnull(cal);
    ck_assert_ptr_nonnull(fresh);
    for (i = 0; i < 50; i++)
        ck_assert_int_eq(calendar_push(cal, 10.0 + i, 0, i, 0), 0);
    for (i = 0; i < 20; i++)
        ck_assert_int_eq(calendar_pop(cal, &a), 1);
    ck_assert_double_eq(calendar_now(cal), 29.0);

    calendar_reset(cal);
    ck_assert_uint_eq(calendar_size(cal), 0);
    ck_assert_double_eq(calendar_now(cal), 0.0);
    ck_assert(isinf(calendar_peek_time(cal)));
    ck_assert_int_eq(calendar_pop(cal, &a), 0);

    /* After reset it behaves exactly like a new calendar, seq included. */
    for (i = 0; i < 30; i++) {
        double t = (double)(i % 4);
        ck_assert_int_eq(calendar_push(cal, t, 2, i, i), 0);
        ck_assert_int_eq(calendar_push(fresh, t, 2, i, i), 0);
    }
    for (i = 0; i < 30; i++) {
        ck_assert_int_eq(calendar_pop(cal, &a), 1);
        ck_assert_int_eq(calendar_pop(fresh, &b), 1);
        ck_assert_double_eq(a.time, b.time);
        ck_assert_uint_eq(a.seq, b.seq);
        ck_assert_int_eq(a.subject, b.subject);
    }
    calendar_destroy(cal);
    calendar_destroy(fresh);
}
END_TEST

START_TEST(test_infinite_time_and_null_out)
{
    calendar *cal = calendar_create(2);

    ck_assert_ptr_nonnull(cal);
    ck_assert_int_eq(calendar_push(cal, INFINITY, 0, 1, 0), 0);
    ck_assert_int_eq(calendar_push(cal, 1e300, 0, 2, 0), 0);
    ck_assert_double_eq(calendar_peek_time(cal), 1e300);
    ck_assert_int_eq(calendar_pop(cal, NULL), 1);
    ck_assert_double_eq(calendar_now(cal), 1e300);
    ck_assert_uint_eq(calendar_size(cal), 1);
    calendar_destroy(cal);
    calendar_destroy(NULL);
}
END_TEST

static Suite *calendar_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_random_times_pop_sorted);
    tcase_add_test(tc, test_interleaved_matches_reference);
    tcase_add_test(tc, test_lanes_and_reservations_keep_one_order);
    tcase_add_test(tc, test_lane_and_reservation_errors);
    tcase_add_test(tc, test_ties_pop_in_insertion_order);
    tcase_add_test(tc, test_rejects_past_and_nan);
    tcase_add_test(tc, test_grows_beyond_initial_capacity);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_infinite_time_and_null_out);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(calendar_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
