/* runner.c - independent tasks on OpenMP threads, committed in task order.
 *
 * Each finished task parks its result in a slot, inside a short critical
 * section.  One thread at a time is the committer: the thread that parks a
 * result while nobody commits becomes it, and commits every consecutive
 * finished task, taking each from its slot under the lock but committing
 * it outside, so the other threads park their results and go on
 * simulating while it writes.  (Committing inside the lock cost a sixth of
 * the run on two threads: the I/O was serial.)  The committer checks for
 * more work and steps down in one critical section, so a result parked
 * meanwhile is never left behind.
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
    int committing;       /* a thread is committing */
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

/* Takes the next task to commit, if it is finished and below the lowest
 * failure; otherwise steps down as committer.  The caller holds the
 * critical section.  Returns 1 with *task and *result set, or 0. */
static int next_to_commit(runner_state *st, size_t *task, void **result)
{
    size_t i = st->next_commit;
    if (i < st->ntasks && i < st->failed_at && st->done[i]) {
        *task = i;
        *result = st->results[i];
        st->results[i] = NULL;
        st->next_commit++;
        return 1;
    }
    st->committing = 0;
    return 0;
}

/* The committer's loop: commits in task order until no finished task is
 * next in line. */
static void commit_ready(runner_state *st)
{
    ws_error err;
    for (;;) {
        size_t i;
        void *result;
        int more;
#pragma omp critical(wafersim_runner)
        more = next_to_commit(st, &i, &result);
        if (!more)
            return;
        ws_error_clear(&err);
        int rc = st->ops->commit != NULL ? st->ops->commit(st->ctx, i, result, &err)
                                         : 0;
        if (result != NULL && st->ops->free_result != NULL)
            st->ops->free_result(st->ctx, result);
        if (rc != 0) {
#pragma omp critical(wafersim_runner)
            {
                record_failure(st, i, rc, &err);
                st->committing = 0;
            }
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
    if (st->ops->stop
        && atomic_load_explicit(st->ops->stop, memory_order_relaxed)) {
        ws_error_clear(&err);
        ws_error_set(&err, WS_EINTERRUPTED, NULL, 0, 0,
                     "stopped before task %zu", i);
#pragma omp critical(wafersim_runner)
        record_failure(st, i, WS_EINTERRUPTED, &err);
        return;
    }

    ws_error_clear(&err);
    rc = st->ops->run(st->ctx, i, &result, &err);
    int commit = 0;
#pragma omp critical(wafersim_runner)
    {
        if (rc != 0) {
            if (result != NULL && st->ops->free_result != NULL)
                st->ops->free_result(st->ctx, result);
            record_failure(st, i, rc, &err);
        } else {
            st->results[i] = result;
            st->done[i] = 1;
            if (!st->committing)
                commit = st->committing = 1;
        }
    }
    if (commit)
        commit_ready(st);
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
    st.committing = 0;
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
