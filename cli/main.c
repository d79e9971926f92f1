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

const char cli_usage_text[] =
    "usage: wafersim run SCENARIO [-o OUT.h5] [-r REPLICATIONS] [--seed N]\n"
    "                    [--threads N] [--days N] [--warmup-days N] [-q]\n"
    "       wafersim validate SCENARIO\n"
    "       wafersim bench [--groups N] [--steps N] [--load X] [--days N] [--repeat N]\n"
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
    "  -q, --quiet              no progress on stderr\n"
    "validate  check SCENARIO and its route files without simulating\n"
    "bench     simulation speed on a synthetic re-entrant line (wafersim bench --help)\n"
    "\n"
    "exit status: 0 ok, 64 usage, 65 bad scenario, 66 missing input,\n"
    "             70 internal error, 71 out of memory, 73 cannot create output,\n"
    "             74 I/O error\n";

static void print_version(void)
{
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    printf("wafersim %s (git %s)\nGSL %s, HDF5 %u.%u.%u, libfyaml %s\n",
           WAFERSIM_VERSION, WAFERSIM_GIT_REVISION, gsl_version, maj, min, rel,
           fy_library_version());
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks GSL returns itself. */
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(cli_usage_text, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(cli_usage_text, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(command, "run") == 0)
        return command_run(argc - 1, argv + 1);
    if (strcmp(command, "validate") == 0)
        return command_validate(argc - 1, argv + 1);
    if (strcmp(command, "bench") == 0)
        return bench_main(argc - 1, argv + 1);
    return cli_usage_error("unknown command: ", command);
}
