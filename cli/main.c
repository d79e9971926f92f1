/* main.c - the wafersim command line: the only place that prints errors
 * and chooses exit codes (sysexits.h numbering, see README). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <libfyaml.h>

#include "version.h"
#include "bench.h"
#include "summary.h"
#include "models/fab.h"
#include "models/output.h"
#include "models/scenario.h"
#include "sim/runner.h"

#define EXIT_USAGE 64

static const char usage_text[] =
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

typedef struct run_options {
    const char *scenario;
    const char *output;
    long long replications;     /* -1: the scenario's */
    int has_seed;
    unsigned long long seed;
    long long threads;          /* 0: all cores */
    double days;                /* NaN: the scenario's */
    double warmup_days;
    int quiet;
} run_options;

static int report(const ws_error *err)
{
    char buf[2200];
    ws_error_format(err, buf, sizeof buf);
    if (err->path[0])
        fprintf(stderr, "%s\n", buf);
    else
        fprintf(stderr, "wafersim: %s\n", buf);
    return ws_error_exit_status(err->code);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "wafersim: %s%s\n(wafersim --help lists the commands and flags)\n",
            what, arg);
    return EXIT_USAGE;
}

static int parse_integer(const char *text, long long min, long long max,
                         long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seed(const char *text, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '+')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_days(const char *text, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v) || v < min ||
        v > MODEL_MAX_HORIZON_DAYS)
        return -1;
    *out = v;
    return 0;
}

/* The command line as one shell-quoted string, for provenance. */
static char *join_command_line(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = a[0] != '\0' &&
                    strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789_-./=:,+@%") == strlen(a);
        if (i)
            *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* SCENARIO's file name without directory and extension, + ".h5". */
static char *default_output_path(const char *scenario)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        len = (size_t)(dot - base);
    char *out = malloc(len + 4);
    if (out) {
        memcpy(out, base, len);
        memcpy(out + len, ".h5", 4);
    }
    return out;
}

typedef struct run_context {
    const model *m;
    output *out;
    summary *sum;
    int32_t replications;
    int quiet;
    int tty;
    double started;
} run_context;

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_task(void *ctx, size_t task, void **result, ws_error *err)
{
    run_context *c = ctx;
    fab_options fo = {.scenario = 0, .record_lots = 1};
    fab_result *r;
    int rc = fab_run(c->m, &fo, (uint32_t)task, &r, err);
    *result = r;
    return rc;
}

static void show_progress(const run_context *c, size_t done)
{
    double elapsed = seconds_now() - c->started;
    if (c->tty) {
        enum { WIDTH = 30 };
        int filled = (int)(WIDTH * done / (size_t)c->replications);
        char bar[WIDTH + 1];
        memset(bar, '#', (size_t)filled);
        memset(bar + filled, '.', (size_t)(WIDTH - filled));
        bar[WIDTH] = '\0';
        fprintf(stderr, "\r[%s] %zu/%d replications, %.1f s", bar, done,
                (int)c->replications, elapsed);
        if (done == (size_t)c->replications)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "replication %zu/%d done, %.1f s\n", done,
                (int)c->replications, elapsed);
    }
    fflush(stderr);
}

static int commit_task(void *ctx, size_t task, void *result, ws_error *err)
{
    run_context *c = ctx;
    const fab_result *r = result;
    int rc = output_write_replication(c->out, r, err);
    if (rc != 0)
        return rc;
    summary_add(c->sum, r);
    if (!c->quiet)
        show_progress(c, task + 1);
    return 0;
}

static void free_task(void *ctx, void *result)
{
    (void)ctx;
    fab_result_destroy(result);
}

/* Applies the command line's overrides to the model; usage errors only. */
static int apply_overrides(const run_options *o, model *m)
{
    if (o->replications > 0)
        m->replications = (int32_t)o->replications;
    if (o->has_seed)
        m->seed = o->seed;
    if (!isnan(o->days))
        m->horizon_days = o->days;
    if (!isnan(o->warmup_days))
        m->warmup_days = o->warmup_days;
    if (!(m->warmup_days < m->horizon_days)) {
        fprintf(stderr, "wafersim: the warm-up (%g days) must be shorter than "
                        "the horizon (%g days)\n", m->warmup_days, m->horizon_days);
        return EXIT_USAGE;
    }
    return 0;
}

static int parse_run_options(int argc, char **argv, int validate_only,
                             run_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"replications", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 't'},
        {"days", required_argument, NULL, 'd'},
        {"warmup-days", required_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->replications = -1;
    o->days = NAN;
    o->warmup_days = NAN;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, validate_only ? "h" : "o:r:qh",
                              options, NULL)) != -1) {
        if (validate_only && opt != 'h' && opt != '?')
            return usage_error("validate takes no option ", argv[optind - 1]);
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 'r':
            if (parse_integer(optarg, 1, MODEL_MAX_REPLICATIONS, &o->replications))
                return usage_error("-r needs a whole number from 1 to 100000, not: ", optarg);
            break;
        case 'S':
            if (parse_seed(optarg, &o->seed))
                return usage_error("--seed needs a whole number from 0 to 2^64-1, not: ", optarg);
            o->has_seed = 1;
            break;
        case 't':
            if (parse_integer(optarg, 1, 4096, &o->threads))
                return usage_error("--threads needs a whole number from 1 to 4096, not: ", optarg);
            break;
        case 'd':
            if (parse_days(optarg, 1e-9, &o->days))
                return usage_error("--days needs a number of days > 0 and <= 36600, not: ", optarg);
            break;
        case 'w':
            if (parse_days(optarg, 0.0, &o->warmup_days))
                return usage_error("--warmup-days needs a number of days >= 0, not: ", optarg);
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        default:
            return usage_error("unknown option or missing value: ", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return usage_error(optind >= argc ? "missing SCENARIO"
                                               : "more than one SCENARIO given", "");
    o->scenario = argv[optind];
    return 0;
}

static int command_validate(int argc, char **argv)
{
    run_options o;
    int rc = parse_run_options(argc, argv, 1, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    model *m;
    ws_error err;
    ws_error_clear(&err);
    if (scenario_load_file(o.scenario, &m, &err) != 0)
        return report(&err);
    long long tools = 0, steps = 0;
    for (int32_t g = 0; g < m->ngroups; g++)
        tools += m->groups[g].tools;
    for (int32_t p = 0; p < m->nproducts; p++)
        steps += m->products[p].nsteps;
    printf("%s: ok: %d tool groups (%lld tools), %d products, %lld route steps\n",
           o.scenario, (int)m->ngroups, tools, (int)m->nproducts, steps);
    model_destroy(m);
    return 0;
}

static int command_run(int argc, char **argv)
{
    run_options o;
    int rc = parse_run_options(argc - 1, argv + 1, 0, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    model *m;
    ws_error err;
    ws_error_clear(&err);
    if (scenario_load_file(o.scenario, &m, &err) != 0)
        return report(&err);
    rc = apply_overrides(&o, m);
    if (rc != 0) {
        model_destroy(m);
        return rc;
    }
    char *default_path = o.output ? NULL : default_output_path(o.scenario);
    const char *path = o.output ? o.output : default_path;
    char *command_line = join_command_line(argc, argv);
    summary *sum = summary_create(m, m->replications);
    if (!path || !command_line || !sum) {
        ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    output_meta meta = {
        .version = WAFERSIM_VERSION,
        .git_revision = WAFERSIM_GIT_REVISION,
        .command_line = command_line,
        .seed = m->seed,
        .nscenarios = 1,
        .nreplications = m->replications,
    };
    output *out;
    if (output_create(path, m, &meta, &out, &err) != 0)
        goto done;
    run_context ctx = {
        .m = m, .out = out, .sum = sum, .replications = m->replications,
        .quiet = o.quiet, .tty = isatty(STDERR_FILENO), .started = seconds_now(),
    };
    runner_ops ops = {run_task, commit_task, free_task};
    if (runner_run((size_t)m->replications, (int)o.threads, &ops, &ctx, &err) != 0) {
        output_abort(out);
        goto done;
    }
    if (output_finish(out, &err) != 0)
        goto done;
    printf("scenario: %s (%s), %d replications, %g days, warm-up %g days, seed %llu\n\n",
           m->name, o.scenario, (int)m->replications, m->horizon_days,
           m->warmup_days, (unsigned long long)m->seed);
    summary_print(sum, stdout);
    printf("\noutput: %s\n", path);
done:
    summary_destroy(sum);
    free(command_line);
    free(default_path);
    model_destroy(m);
    return err.code ? report(&err) : 0;
}

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
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(command, "run") == 0)
        return command_run(argc, argv);
    if (strcmp(command, "validate") == 0)
        return command_validate(argc - 1, argv + 1);
    if (strcmp(command, "bench") == 0)
        return bench_main(argc - 1, argv + 1);
    return usage_error("unknown command: ", command);
}
