/* parallel.c - the MPI world (one rank without MPI). */
#include "parallel.h"

#include <stdlib.h>

#ifdef WAFERSIM_MPI
#include <mpi.h>

/* Started by mpirun/srun?  A plain `wafersim run` never initialises MPI:
 * a singleton MPI_Init is slow and, as root, refused by Open MPI. */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {
        "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", NULL,
    };
    for (const char *const *v = vars; *v; v++)
        if (getenv(*v))
            return 1;
    return 0;
}
#endif

void parallel_init(parallel_world *w, int *argc, char ***argv)
{
    w->rank = 0;
    w->size = 1;
    w->initialised = 0;
#ifdef WAFERSIM_MPI
    if (!launched_by_mpi())
        return;
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
        /* Only the main thread calls MPI; OpenMP threads never do. */
        int provided;
        MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
        w->initialised = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w->size);
#else
    (void)argc;
    (void)argv;
#endif
}

int parallel_any_failed(parallel_world *w, int failed)
{
#ifdef WAFERSIM_MPI
    int any = 0;
    if (w->size > 1) {
        MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
        return any;
    }
#else
    (void)w;
#endif
    return failed;
}

int parallel_finish(parallel_world *w, int status)
{
#ifdef WAFERSIM_MPI
    if (w->initialised)
        MPI_Finalize();
#else
    (void)w;
#endif
    return status;
}
