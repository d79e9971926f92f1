/* parallel.h - the MPI world, when wafersim is built with -DWAFERSIM_MPI=ON.
 *
 * Without MPI the world is one rank.  With it, `mpirun -np K wafersim sweep`
 * runs one shard of the tasks per rank (OpenMP threads within each), and
 * rank 0 merges the shard files: no parallel HDF5 needed, and the merged
 * file equals a one-process run's value for value.
 */
#ifndef WAFERSIM_PARALLEL_H
#define WAFERSIM_PARALLEL_H

typedef struct parallel_world {
    int rank;
    int size;
    int initialised;    /* MPI_Init was called by us */
} parallel_world;

void parallel_init(parallel_world *w, int *argc, char ***argv);

/* Whether any rank reports failure (collective: every rank must call it). */
int parallel_any_failed(parallel_world *w, int failed);

/* Shuts MPI down; returns status. */
int parallel_finish(parallel_world *w, int status);

#endif
