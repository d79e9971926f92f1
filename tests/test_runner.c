/* Tests for sim/runner: ordered commits, failure handling, ownership. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/runner.h"
#include <stdatomic.h>

#include "sim/wserror.h"

enum { MAX_TASKS = 512 };

typedef struct task_result {
    size_t task;
    uint64_t value;
} task_result;

typedef struct test_ctx {
    size_t fail_run[2];         /* tasks whose run fails; SIZE_MAX for none */
    size_t fail_commit;         /* task whose commit fails; SIZE_MAX for none */
    long sleep_us[MAX_TASKS];   /* fixed run time when > 0 */
    int max_sleep_us;           /* otherwise a pseudo-random one below this */
    int ran[MAX_TASKS];         /* run() calls per task */
    int freed[MAX_TASKS];       /* free_result() calls per task */
    size_t committed[MAX_TASKS];
    size_t ncommitted;
    int in_commit;              /* detects overlapping commits */
    int overlap;
} test_ctx;

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void sleep_us(long us)
{
    struct timespec ts;
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000;
    nanosleep(&ts, NULL);
}

static int task_run(void *vctx, size_t task, void **result, ws_error *err)
{
    test_ctx *ctx = vctx;
    task_result *r;

    ctx->ran[task]++;
    if (ctx->sleep_us[task] > 0)
        sleep_us(ctx->sleep_us[task]);
    else if (ctx->max_sleep_us > 0)
        sleep_us((long)(mix(task) % (uint64_t)ctx->max_sleep_us));
    if (task == ctx->fail_run[0] || task == ctx->fail_run[1])
        return ws_error_set(err, WS_EDATA, "lot.csv", (int)task, 3,
                            "task %zu broke", task);
    r = malloc(sizeof *r);
    if (r == NULL)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    r->task = task;
    r->value = mix(task + 1000);
    *result = r;
    return 0;
}

static int task_commit(void *vctx, size_t task, void *result, ws_error *err)
{
    test_ctx *ctx = vctx;
    task_result *r = result;
    int rc = 0;

    if (ctx->in_commit)
        ctx->overlap = 1;
    ctx->in_commit = 1;
    if (r == NULL || r->task != task || r->value != mix(task + 1000))
        ctx->overlap = 1;   /* reported through the same flag */
    ctx->committed[ctx->ncommitted++] = task;
    if (task == ctx->fail_commit)
        rc = ws_error_set(err, WS_EIO, "out.h5", 0, 0, "write failed at %zu",
                          task);
    ctx->in_commit = 0;
    return rc;
}

static void task_free(void *vctx, void *result)
{
    test_ctx *ctx = vctx;
    task_result *r = result;

#pragma omp atomic update
    ctx->freed[r->task]++;
    free(r);
}

static const runner_ops ops = {task_run, task_commit, task_free, NULL};

static test_ctx *ctx_new(void)
{
    test_ctx *ctx = calloc(1, sizeof *ctx);

    ck_assert_ptr_nonnull(ctx);
    ctx->fail_run[0] = ctx->fail_run[1] = SIZE_MAX;
    ctx->fail_commit = SIZE_MAX;
    return ctx;
}

/* Every result that was produced was freed exactly once. */
static void check_ownership(const test_ctx *ctx, size_t ntasks)
{
    size_t i;

    for (i = 0; i < ntasks; i++) {
        int produced = ctx->ran[i] == 1 && i != ctx->fail_run[0]
                       && i != ctx->fail_run[1];
        ck_assert_int_le(ctx->ran[i], 1);
        ck_assert_msg(ctx->freed[i] == (produced ? 1 : 0),
                      "task %zu: ran %d, freed %d", i, ctx->ran[i],
                      ctx->freed[i]);
    }
}

static const int thread_counts[3] = {1, 2, 4};

/* The stop flag, as a signal handler would set it: from within a commit. */
static atomic_int stop_flag;

static int commit_then_stop(void *vctx, size_t task, void *result, ws_error *err)
{
    int rc = task_commit(vctx, task, result, err);
    if (task == 5)
        atomic_store(&stop_flag, 1);
    return rc;
}

/* A stop request: no task starts after it, the run returns
 * WS_EINTERRUPTED, the commits are a prefix 0..k-1 with k > 5, and every
 * result is freed once. */
START_TEST(test_stop_request)
{
    const size_t ntasks = 200;
    test_ctx *ctx = ctx_new();
    runner_ops stopping = {task_run, commit_then_stop, task_free, &stop_flag};
    ws_error err;
    ws_error_clear(&err);
    atomic_store(&stop_flag, 0);
    ctx->max_sleep_us = 300;
    int rc = runner_run(ntasks, thread_counts[_i], &stopping, ctx, &err);
    ck_assert_int_eq(rc, WS_EINTERRUPTED);
    ck_assert_int_eq(err.code, WS_EINTERRUPTED);
    ck_assert_uint_gt(ctx->ncommitted, 5);
    ck_assert_uint_lt(ctx->ncommitted, ntasks);
    for (size_t i = 0; i < ctx->ncommitted; i++)
        ck_assert_uint_eq(ctx->committed[i], i);
    for (size_t i = 0; i < ntasks; i++)
        ck_assert_int_eq(ctx->freed[i], ctx->ran[i]);
    free(ctx);
}
END_TEST

START_TEST(test_commit_order)
{
    const size_t ntasks = 64;
    test_ctx *ctx = ctx_new();
    ws_error err;
    size_t i;

    ctx->max_sleep_us = 2000;
    ws_error_clear(&err);
    ck_assert_int_eq(runner_run(ntasks, thread_counts[_i], &ops, ctx, &err), 0);
    ck_assert_int_eq(err.code, 0);
    ck_assert_uint_eq(ctx->ncommitted, ntasks);
    for (i = 0; i < ntasks; i++) {
        ck_assert_uint_eq(ctx->committed[i], i);
        ck_assert_int_eq(ctx->ran[i], 1);
    }
    ck_assert_int_eq(ctx->overlap, 0);
    check_ownership(ctx, ntasks);
    free(ctx);
}
END_TEST

/* A slow early task forces later ones to wait in their slots. */
START_TEST(test_commit_order_slow_head)
{
    const size_t ntasks = 40;
    test_ctx *ctx = ctx_new();
    ws_error err;
    size_t i;

    ctx->sleep_us[0] = 50000;
    ctx->max_sleep_us = 500;
    ck_assert_int_eq(runner_run(ntasks, thread_counts[_i], &ops, ctx, &err), 0);
    ck_assert_uint_eq(ctx->ncommitted, ntasks);
    for (i = 0; i < ntasks; i++)
        ck_assert_uint_eq(ctx->committed[i], i);
    ck_assert_int_eq(ctx->overlap, 0);
    check_ownership(ctx, ntasks);
    free(ctx);
}
END_TEST

START_TEST(test_failure_stops_run)
{
    const size_t ntasks = 400;
    test_ctx *ctx = ctx_new();
    ws_error err;
    char msg[256];
    size_t i, nran = 0;
    int rc;

    ctx->fail_run[0] = 7;
    ctx->max_sleep_us = 1000;
    rc = runner_run(ntasks, thread_counts[_i], &ops, ctx, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_int_eq(err.code, WS_EDATA);
    ws_error_format(&err, msg, sizeof msg);
    ck_assert_str_eq(msg, "lot.csv:7:3: task 7 broke");
    /* Exactly the tasks before the failure were committed, in order. */
    ck_assert_uint_eq(ctx->ncommitted, 7);
    for (i = 0; i < 7; i++)
        ck_assert_uint_eq(ctx->committed[i], i);
    for (i = 0; i < ntasks; i++)
        nran += (size_t)ctx->ran[i];
    if (thread_counts[_i] == 1)
        ck_assert_uint_eq(nran, 8);
    else    /* loose: only a badly stalled thread would get near this */
        ck_assert_uint_lt(nran, 200);
    check_ownership(ctx, ntasks);
    free(ctx);
}
END_TEST

/* Task 5 fails first in time, but task 3's error is the one reported. */
START_TEST(test_lowest_failure_wins)
{
    const size_t ntasks = 200;
    test_ctx *ctx = ctx_new();
    ws_error err;
    int rc;

    ctx->fail_run[0] = 3;
    ctx->fail_run[1] = 5;
    ctx->sleep_us[3] = 50000;
    ctx->max_sleep_us = 200;
    rc = runner_run(ntasks, thread_counts[_i], &ops, ctx, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_str_eq(err.message, "task 3 broke");
    ck_assert_int_eq(err.line, 3);
    ck_assert_uint_eq(ctx->ncommitted, 3);
    if (thread_counts[_i] == 1)
        ck_assert_int_eq(ctx->ran[5], 0);
    check_ownership(ctx, ntasks);
    free(ctx);
}
END_TEST

/* Task 3 fails first in time; task 5, already running, fails later and
 * must not replace it. */
START_TEST(test_lower_failure_kept)
{
    const size_t ntasks = 200;
    test_ctx *ctx = ctx_new();
    ws_error err;
    int rc;

    ctx->fail_run[0] = 3;
    ctx->fail_run[1] = 5;
    ctx->sleep_us[3] = 10000;
    ctx->sleep_us[5] = 50000;
    ctx->max_sleep_us = 200;
    rc = runner_run(ntasks, thread_counts[_i], &ops, ctx, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_str_eq(err.message, "task 3 broke");
    ck_assert_uint_eq(ctx->ncommitted, 3);
    check_ownership(ctx, ntasks);
    free(ctx);
}
END_TEST

START_TEST(test_commit_failure)
{
    const size_t ntasks = 100;
    test_ctx *ctx = ctx_new();
    ws_error err;
    size_t i;
    int rc;

    ctx->fail_commit = 4;
    ctx->max_sleep_us = 300;
    rc = runner_run(ntasks, thread_counts[_i], &ops, ctx, &err);
    ck_assert_int_eq(rc, WS_EIO);
    ck_assert_str_eq(err.message, "write failed at 4");
    ck_assert_str_eq(err.path, "out.h5");
    ck_assert_uint_eq(ctx->ncommitted, 5);
    for (i = 0; i < 5; i++)
        ck_assert_uint_eq(ctx->committed[i], i);
    check_ownership(ctx, ntasks);
    free(ctx);
}
END_TEST

START_TEST(test_defaults_and_edges)
{
    test_ctx *ctx = ctx_new();
    ws_error err;
    size_t i;

    ck_assert_int_ge(runner_default_threads(), 1);
    ck_assert_int_eq(runner_run(0, 4, &ops, ctx, &err), 0);
    ck_assert_uint_eq(ctx->ncommitted, 0);
    /* threads <= 0: all cores; more threads than tasks is fine. */
    ck_assert_int_eq(runner_run(3, 0, &ops, ctx, &err), 0);
    ck_assert_int_eq(runner_run(3, 16, &ops, ctx, &err), 0);
    ck_assert_uint_eq(ctx->ncommitted, 6);
    for (i = 0; i < 6; i++)
        ck_assert_uint_eq(ctx->committed[i], i % 3);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(ctx->freed[i], 2);
    free(ctx);
}
END_TEST

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_commit_order, 0, 3);
    tcase_add_loop_test(tc, test_commit_order_slow_head, 0, 3);
    tcase_add_loop_test(tc, test_failure_stops_run, 0, 3);
    tcase_add_loop_test(tc, test_lowest_failure_wins, 0, 3);
    tcase_add_loop_test(tc, test_lower_failure_kept, 0, 3);
    tcase_add_loop_test(tc, test_commit_failure, 0, 3);
    tcase_add_test(tc, test_defaults_and_edges);
    tcase_add_loop_test(tc, test_stop_request, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(runner_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
