/* report.c - `wafersim report OUT.h5 [-o DIR] [--baseline BASE.h5]`: plots
 * and an HTML page from a result file.
 *
 * The plots are made by the Python package in analysis/ (module
 * wafersim_analysis.report, docs/analysis.md), in Debian's /usr/bin/python3:
 * matplotlib and xarray are where plotting and labelled arrays already
 * work, and a C plotting stack would be a second, worse copy.  This file
 * only checks the arguments, finds Python and the package, runs
 *     PYTHON -m wafersim_analysis.report OUT.h5 [flags]
 * with the package's directory in front of PYTHONPATH, and returns its exit
 * status.  Python itself says which of its packages are missing (exit 69);
 * this file says so when Python or the package cannot be found at all.
 *
 * Environment: WAFERSIM_PYTHON (default /usr/bin/python3) and
 * WAFERSIM_ANALYSIS_PATH (the directory holding wafersim_analysis/; by
 * default the source tree's analysis/, then the installed
 * share/wafersim/analysis). */
#include "commands.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <getopt.h>

#include "args.h"

/* Set by CMakeLists.txt for this file only. */
#ifndef WAFERSIM_ANALYSIS_DIR
#define WAFERSIM_ANALYSIS_DIR ""
#endif
#ifndef WAFERSIM_INSTALLED_ANALYSIS_DIR
#define WAFERSIM_INSTALLED_ANALYSIS_DIR ""
#endif

#define REPORT_EXIT_NOINPUT 66
#define REPORT_EXIT_UNAVAILABLE 69      /* EX_UNAVAILABLE: Python or a package */
#define REPORT_EXIT_SOFTWARE 70
#define REPORT_EXIT_NOMEMORY 71     /* as wafersim run: out of memory */

#define REPORT_DEFAULT_PYTHON "/usr/bin/python3"
#define REPORT_MODULE "wafersim_analysis.report"
#define REPORT_PACKAGES "python3 python3-numpy python3-pandas python3-xarray " \
                        "python3-h5py python3-h5netcdf python3-matplotlib"

extern char **environ;

static const char report_usage_text[] =
    "usage: wafersim report OUT.h5 [-o DIR] [--baseline BASE.h5] [--scenario N]\n"
    "                       [--coord NAME]\n"
    "\n"
    "Writes DIR/index.html (default DIR: OUT-report) with the plots of a result\n"
    "file as PNGs (monthly output, cycle time, utilisation, and for a sweep the\n"
    "operating curve), its summary table and its provenance.\n"
    "  -o, --output DIR        output directory, created if needed\n"
    "      --baseline BASE.h5  baseline run: adds the disruption comparison\n"
    "                          (OUT.h5 is the disrupted run)\n"
    "      --scenario N        scenario of a sweep shown by the per-scenario\n"
    "                          plots (default 0)\n"
    "      --coord NAME        x axis of the operating curve: a swept parameter\n"
    "                          or 'throughput'\n"
    "\n"
    "Needs Debian's python3 with numpy, pandas, xarray, h5py, h5netcdf and\n"
    "matplotlib (apt-get install " REPORT_PACKAGES ").\n"
    "Environment: WAFERSIM_PYTHON (default " REPORT_DEFAULT_PYTHON "),\n"
    "WAFERSIM_ANALYSIS_PATH (directory holding wafersim_analysis/).\n"
    "exit status: as wafersim's, and 69 when Python or one of its packages is\n"
    "missing, 65 when OUT.h5 is not a wafersim result file\n";

typedef struct report_options {
    const char *result;
    const char *output;
    const char *baseline;
    const char *scenario;
    const char *coord;
} report_options;

/* Returns 0, an exit status, or -1 after printing the help. */
static int parse_report_options(int argc, char **argv, report_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"baseline", required_argument, NULL, 'b'},
        {"scenario", required_argument, NULL, 's'},
        {"coord", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long long scenario;
    int opt;
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 'b':
            o->baseline = optarg;
            break;
        case 's':
            if (cli_parse_integer(optarg, 0, 100000000, &scenario))
                return cli_usage_error("--scenario needs a scenario number >= 0, not: ",
                                       optarg);
            o->scenario = optarg;
            break;
        case 'c':
            o->coord = optarg;
            break;
        case 'h':
            fputs(report_usage_text, stdout);
            return -1;
        default:
            return cli_usage_error("unknown option or missing value: ", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(optind >= argc ? "missing OUT.h5"
                                               : "more than one OUT.h5 given", "");
    o->result = argv[optind];
    if (o->output && o->output[0] == '\0')
        return cli_usage_error("-o needs a directory", "");
    return 0;
}

/* 0 when path is a readable file, else prints why and returns 66. */
static int check_input(const char *path)
{
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "wafersim: %s: %s\n", path, strerror(errno));
        return REPORT_EXIT_NOINPUT;
    }
    return 0;
}

static int has_report_module(const char *dir)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/wafersim_analysis/report.py", dir);
    return n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

/* The directory holding wafersim_analysis/, or NULL after saying why. */
static const char *find_analysis_dir(void)
{
    const char *env = getenv("WAFERSIM_ANALYSIS_PATH");
    if (env && env[0]) {
        if (has_report_module(env))
            return env;
        fprintf(stderr, "wafersim: WAFERSIM_ANALYSIS_PATH=%s has no "
                        "wafersim_analysis/report.py\n", env);
        return NULL;
    }
    const char *candidates[] = {WAFERSIM_ANALYSIS_DIR, WAFERSIM_INSTALLED_ANALYSIS_DIR};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i][0] && has_report_module(candidates[i]))
            return candidates[i];
    }
    fprintf(stderr, "wafersim: report needs the Python package wafersim_analysis, "
                    "found neither in %s nor in %s;\n  set WAFERSIM_ANALYSIS_PATH to "
                    "the analysis/ directory of the wafersim sources\n",
            WAFERSIM_ANALYSIS_DIR[0] ? WAFERSIM_ANALYSIS_DIR : "(no source tree)",
            WAFERSIM_INSTALLED_ANALYSIS_DIR[0] ? WAFERSIM_INSTALLED_ANALYSIS_DIR
                                               : "(no install directory)");
    return NULL;
}

/* Puts dir in front of PYTHONPATH; 0 or -1 (out of memory). */
static int prepend_python_path(const char *dir)
{
    const char *old = getenv("PYTHONPATH");
    size_t n = strlen(dir) + (old ? strlen(old) : 0) + 2;
    char *value = malloc(n);
    if (!value)
        return -1;
    if (old && old[0])
        snprintf(value, n, "%s:%s", dir, old);
    else
        snprintf(value, n, "%s", dir);
    int rc = setenv("PYTHONPATH", value, 1);
    free(value);
    return rc;
}

/* Runs argv[0] (searched on PATH when it has no '/') and returns its exit
 * status, or 69 when it cannot be started. */
static int run_python(char **argv)
{
    pid_t pid;
    fflush(stdout);
    fflush(stderr);
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr,
                "wafersim: report needs Python 3, but %s cannot be run: %s\n"
                "  on Debian 12: sudo apt-get install " REPORT_PACKAGES "\n"
                "  (or set WAFERSIM_PYTHON to a Python 3 that has numpy, pandas, "
                "xarray, h5py, h5netcdf and matplotlib)\n",
                argv[0], strerror(rc));
        return REPORT_EXIT_UNAVAILABLE;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "wafersim: waiting for %s: %s\n", argv[0], strerror(errno));
            return REPORT_EXIT_SOFTWARE;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        fprintf(stderr, "wafersim: %s -m " REPORT_MODULE " was killed by signal %d\n",
                argv[0], WTERMSIG(status));
    return REPORT_EXIT_SOFTWARE;
}

int command_report(int argc, char **argv)
{
    report_options o;
    int rc = parse_report_options(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if ((rc = check_input(o.result)) != 0)
        return rc;
    if (o.baseline && (rc = check_input(o.baseline)) != 0)
        return rc;
    const char *dir = find_analysis_dir();
    if (!dir)
        return REPORT_EXIT_UNAVAILABLE;
    if (prepend_python_path(dir) != 0) {
        fprintf(stderr, "wafersim: out of memory\n");
        return REPORT_EXIT_NOMEMORY;
    }
    const char *python = getenv("WAFERSIM_PYTHON");
    if (!python || !python[0])
        python = REPORT_DEFAULT_PYTHON;

    /* posix_spawn takes char *const[]; the strings are not modified. */
    char *args[16];
    int n = 0;
    args[n++] = (char *)python;
    args[n++] = "-m";
    args[n++] = REPORT_MODULE;
    const struct { const char *flag, *value; } pass[] = {
        {"--output", o.output}, {"--baseline", o.baseline},
        {"--scenario", o.scenario}, {"--coord", o.coord},
    };
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) {
        if (pass[i].value) {
            args[n++] = (char *)pass[i].flag;
            args[n++] = (char *)pass[i].value;
        }
    }
    args[n++] = "--";                  /* OUT.h5 may start with '-' */
    args[n++] = (char *)o.result;
    args[n] = NULL;
    return run_python(args);
}
