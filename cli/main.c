/* main.c - the wafersim command line: dispatches to the commands, which
 * are the only code that prints errors and chooses exit codes (sysexits.h
 * numbering, see README). */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <libfyaml.h>

#include "version.h"
#include "args.h"
#include "bench.h"
#include "commands.h"

/* Two strings: ISO C guarantees string literals of 4095 bytes only. */
static const char usage_commands[] =
    "usage: wafersim run SCENARIO [-o OUT.h5] [-r REPLICATIONS] [--seed N]\n"
    "                    [--threads N] [--days N] [--warmup-days N] [-q]\n"
    "                    [--set PATH=VALUE]... [--shard [I/N]] [--resume]\n"
    "                    [--no-disruptions]\n"
    "       wafersim run --smt2020 DIR [the options of run]\n"
    "       wafersim sweep SCENARIO [the options of run] [--list]\n"
    "       wafersim merge OUT.h5 SHARD.h5...\n"
    "       wafersim validate SCENARIO | --smt2020 DIR [--set PATH=VALUE]...\n"
    "       wafersim capacity SCENARIO | --smt2020 DIR [--set PATH=VALUE]...\n"
    "                         [-o OUT.h5] [--target-utilisation X]\n"
    "       wafersim bench [--groups N] [--steps N] [--load X] [--days N] [--repeat N]\n"
    "       wafersim bench --smt2020 DIR [--days N] [--repeat N] [--set PATH=VALUE]...\n"
    "       wafersim report OUT.h5 [-o DIR] [--baseline BASE.h5] [--scenario N]\n"
    "       wafersim compare BASE.h5 OTHER.h5 [-o OUT.h5] [--scenario N]\n"
    "                        [--tolerance X] [--sigma K] [--product NAME]\n"
    "       wafersim --help | --version\n"
    "\n"
    "run       simulate SCENARIO (a YAML file, docs/scenario-format.md) and write\n"
    "          the results to an HDF5 file (docs/output-format.md); prints a\n"
    "          summary table and the output path on stdout\n"
    "  -o, --output OUT.h5      output file (default: SCENARIO's name + .h5 in the\n"
    "                           current directory); written as OUT.h5.partial and\n"
    "                           renamed when complete\n"
    "  -r, --replications N     replications (default: the scenario's, else 10)\n"
    "      --seed N             base seed, 0..2^64-1 (default: the scenario's)\n"
    "      --threads N          OpenMP threads (default: all cores); results do\n"
    "                           not depend on it\n"
    "      --days N             horizon in days (default: the scenario's)\n"
    "      --warmup-days N      warm-up in days, excluded from the summary\n"
    "      --set PATH=VALUE     change a scenario value, e.g.\n"
    "                           products.A.wafers_per_month=5000 (repeatable)\n"
    "      --shard I/N          run only tasks k (point x replications +\n"
    "                           replication) with k mod N = I, into\n"
    "                           OUT-shard-I-of-N.h5; without I/N, from\n"
    "                           SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT\n"
    "      --resume             continue from OUT.h5.partial of a run that was\n"
    "                           interrupted; the result is the same file\n"
    "  -q, --quiet              no progress on stderr\n";

static const char usage_options[] =
    "      --no-disruptions     leave out the scenario's disruptions: the\n"
    "                           baseline to compare with (same seed)\n"
    "      --smt2020 DIR        an SMT2020 data set (docs/smt2020.md) as the\n"
    "                           scenario, instead of a SCENARIO file; also for\n"
    "                           validate and capacity\n"
    "sweep     run every point of SCENARIO's sweep section (grid, zip, lhs) with\n"
    "          common random numbers; one file, the scenario dimension being\n"
    "          the points, with a summary per point\n"
    "      --list               print the points and the task count, run nothing\n"
    "merge     join the shard files of a run or sweep into OUT.h5; every task\n"
    "          must be in exactly one shard of the same run\n"
    "validate  check SCENARIO, its route files and every sweep point without\n"
    "          simulating\n"
    "capacity  static capacity of SCENARIO without simulating: load and\n"
    "          utilisation per tool group, the bottleneck, the maximum starts\n"
    "          per product and the tools needed (docs/capacity.md)\n"
    "      --set PATH=VALUE       change a scenario value, e.g.\n"
    "                             tool_groups.LITHO.tools=3 (repeatable)\n"
    "      --target-utilisation X utilisation the tools needed are sized for,\n"
    "                             0 < X <= 1 (default 0.85)\n"
    "  -o, --output OUT.h5        also write the results to an HDF5 file\n"
    "report    plots (PNG) and DIR/index.html from a result file, made by the\n"
    "          analysis/ package in Debian's python3 (wafersim report --help)\n"
    "compare   wafers lost, recovery and early warning of a disrupted run\n"
    "          against its baseline (wafersim compare --help)\n"
    "bench     simulation speed on a synthetic re-entrant line or an SMT2020 data\n"
    "          set (wafersim bench --help)\n"
    "\n"
    "exit status: 0 ok, 64 usage, 65 bad scenario, 66 missing input,\n"
    "             70 internal error, 71 out of memory, 73 cannot create output,\n"
    "             74 I/O error, 69 Python or its packages missing (report)\n";

static void print_version(void)
{
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    printf("wafersim %s (git %s)\nGSL %s, HDF5 %u.%u.%u, libfyaml %s%s\n",
           WAFERSIM_VERSION, WAFERSIM_GIT_REVISION, gsl_version, maj, min, rel,
           fy_library_version(),
#ifdef WAFERSIM_MPI
           ", MPI"
#else
           ""
#endif
    );
}

void cli_print_usage(FILE *out)
{
    fputs(usage_commands, out);
    fputs(usage_options, out);
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks GSL returns itself. */
    gsl_set_error_handler_off();
    /* Every file is closed explicitly before we exit.  HDF5's own exit
     * handler would close any left over again, and after a failed close
     * (a full disk) HDF5 1.10 crashes doing so. */
    H5dont_atexit();
    if (argc < 2) {
        cli_print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        cli_print_usage(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(command, "run") == 0)
        return command_run(argc - 1, argv + 1);
    if (strcmp(command, "sweep") == 0)
        return command_sweep(argc - 1, argv + 1);
    if (strcmp(command, "merge") == 0)
        return command_merge(argc - 1, argv + 1);
    if (strcmp(command, "validate") == 0)
        return command_validate(argc - 1, argv + 1);
    if (strcmp(command, "capacity") == 0)
        return command_capacity(argc - 1, argv + 1);
    if (strcmp(command, "report") == 0)
        return command_report(argc - 1, argv + 1);
    if (strcmp(command, "compare") == 0)
        return command_compare(argc - 1, argv + 1);
    if (strcmp(command, "bench") == 0)
        return bench_main(argc - 1, argv + 1);
    return cli_usage_error("unknown command: ", command);
}
