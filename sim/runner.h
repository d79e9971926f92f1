/* runner.h - runs independent tasks (replications) in parallel.
 *
 * Tasks run on OpenMP threads with a dynamic schedule; their results are
 * handed to commit() one at a time in task order (0, 1, 2, ...), whatever
 * order they finish in, so anything commit() writes is the same for every
 * thread count.  commit() runs on one thread at a time and may do I/O.
 * After a failure no task with a higher index starts; tasks below it still
 * finish and are committed, so exactly tasks 0..k-1 are committed when task
 * k fails, whatever the thread count.  The error returned is that of the
 * lowest failing task (or of commit).  free_result is called once for every
 * non-NULL result, after its commit or at the end if it was never
 * committed; commit and free_result may be NULL.
 */
#ifndef WAFERSIM_RUNNER_H
#define WAFERSIM_RUNNER_H

#include <stdatomic.h>
#include <stddef.h>
#include "wserror.h"

typedef struct runner_ops {
    /* Runs task i and stores its result in *result.  Must be thread-safe
     * with respect to other tasks: it may read shared data only. */
    int (*run)(void *ctx, size_t task, void **result, ws_error *err);
    /* Consumes the result of task i, in task order, serially. */
    int (*commit)(void *ctx, size_t task, void *result, ws_error *err);
    /* Frees a result (committed or not). */
    void (*free_result)(void *ctx, void *result);
    /* May be NULL.  Once *stop is non-zero no task starts; tasks that see
     * it themselves return WS_EINTERRUPTED like any failure, and the run
     * returns WS_EINTERRUPTED with tasks 0..k-1 committed.  Atomic, since
     * it is set on one thread (or in a signal handler: lock-free atomics
     * are allowed there) and read on the others. */
    const atomic_int *stop;
} runner_ops;

/* threads <= 0 means all available cores.  Returns 0 or the first error. */
int runner_run(size_t ntasks, int threads, const runner_ops *ops, void *ctx,
               ws_error *err);

/* The number of threads runner_run would use for threads <= 0. */
int runner_default_threads(void);

#endif
