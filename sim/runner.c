/* runner.c - independent tasks on OpenMP threads, committed in task order.
 *
 * Each finished task parks its result in a slot; whichever thread finishes
 * the task at the head of the line commits every consecutive finished task,
 * inside one critical section.  That keeps commit() serial and ordered
 * without a dedicated writer thread; the cost is that other threads that
 * finish meanwhile wait for the commit's I/O, which is small next to a
 * replication.
 *
 * Failure: the lowest failing index wins, so the error reported does not
 * depend on timing.  Tasks above it do not start; tasks below it still run
 * and commit, so whatever commit() wrote before the error (tasks 0 to the
 * failing one, exclusive) is also the same for every thread count.
 */
#include "sim/runner.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <omp.h>

typedef struct runner_state {
    const runner_ops *ops;
    void *ctx;
    size_t ntasks;
    void **results;
    unsigned char *done;
    size_t next_commit;
    size_t failed_at;     /* lowest failing task; SIZE_MAX while none */
    ws_error first_error;
    int first_status;
} runner_state;

int runner_default_threads(void)
{
    return omp_get_max_threads();
}

static int status_of(int rc)
{
    return rc < 0 ? rc : WS_ESOFTWARE;
}

/* Records a failure of task i; the caller holds the critical section. */
static void record_failure(runner_state *st, size_t i, int rc,
                           const ws_error *err)
{
    if (i >= st->failed_at)
        return;
    st->first_status = status_of(rc);
    if (err->code != 0)
        st->first_error = *err;
    else
        ws_error_set(&st->first_error, st->first_status, NULL, 0, 0,
                     "task %zu failed with status %d", i, rc);
    st->first_error.code = st->first_status;
#pragma omp atomic write
    st->failed_at = i;
}

/* Commits every consecutive finished task below the lowest failure; the
 * caller holds the critical section. */
static void commit_ready(runner_state *st, ws_error *scratch)
{
    while (st->next_commit < st->ntasks && st->next_commit < st->failed_at
           && st->done[st->next_commit]) {
        size_t i = st->next_commit;
        void *result = st->results[i];
        int rc;

        st->results[i] = NULL;
        st->next_commit++;
        ws_error_clear(scratch);
        rc = st->ops->commit != NULL ? st->ops->commit(st->ctx, i, result,
                                                       scratch)
                                     : 0;
        if (result != NULL && st->ops->free_result != NULL)
            st->ops->free_result(st->ctx, result);
        if (rc != 0) {
            record_failure(st, i, rc, scratch);
            return;
        }
    }
}

static void run_task(runner_state *st, size_t i)
{
    ws_error err;
    void *result = NULL;
    size_t failed_at;
    int rc;

#pragma omp atomic read
    failed_at = st->failed_at;
    if (i > failed_at)
        return;

    ws_error_clear(&err);
    rc = st->ops->run(st->ctx, i, &result, &err);
#pragma omp critical(wafersim_runner)
    {
        if (rc != 0) {
            if (result != NULL && st->ops->free_result != NULL)
                st->ops->free_result(st->ctx, result);
            record_failure(st, i, rc, &err);
        } else {
            st->results[i] = result;
            st->done[i] = 1;
            commit_ready(st, &err);
        }
    }
}

int runner_run(size_t ntasks, int threads, const runner_ops *ops, void *ctx,
               ws_error *err)
{
    runner_state st;
    long long n, i;
    size_t k;

    if (ntasks == 0)
        return 0;
    if (ntasks > (size_t)LLONG_MAX)
        return ws_error_set(err, WS_ESOFTWARE, NULL, 0, 0,
                            "too many tasks (%zu)", ntasks);
    st.ops = ops;
    st.ctx = ctx;
    st.ntasks = ntasks;
    st.next_commit = 0;
    st.failed_at = SIZE_MAX;
    st.first_status = 0;
    ws_error_clear(&st.first_error);
    st.results = calloc(ntasks, sizeof *st.results);
    st.done = calloc(ntasks, 1);
    if (st.results == NULL || st.done == NULL) {
        free(st.results);
        free(st.done);
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0,
                            "out of memory for %zu task results", ntasks);
    }
    if (threads <= 0)
        threads = runner_default_threads();
    if ((size_t)threads > ntasks)
        threads = (int)ntasks;

    /* The loop index is signed for OpenMP 3.0 compilers; one task per grab
     * because tasks are long and uneven. */
    n = (long long)ntasks;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (i = 0; i < n; i++)
        run_task(&st, (size_t)i);

    /* Results finished above the failure were never committed. */
    for (k = 0; k < ntasks; k++) {
        if (st.results[k] != NULL && ops->free_result != NULL)
            ops->free_result(ctx, st.results[k]);
    }
    free(st.results);
    free(st.done);
    if (st.first_status != 0) {
        if (err != NULL)
            *err = st.first_error;
        return st.first_status;
    }
    return 0;
}
