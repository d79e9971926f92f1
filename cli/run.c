/* run.c - `wafersim run` and `wafersim validate`. */
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <getopt.h>

#include "version.h"
#include "args.h"
#include "summary.h"
#include "models/fab.h"
#include "models/output.h"
#include "models/scenario.h"
#include "sim/runner.h"

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
        return CLI_EXIT_USAGE;
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
            return cli_usage_error("validate takes no option ", argv[optind - 1]);
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 'r':
            if (cli_parse_integer(optarg, 1, MODEL_MAX_REPLICATIONS, &o->replications))
                return cli_usage_error("-r needs a whole number from 1 to 100000, not: ", optarg);
            break;
        case 'S':
            if (cli_parse_seed(optarg, &o->seed))
                return cli_usage_error("--seed needs a whole number from 0 to 2^64-1, not: ", optarg);
            o->has_seed = 1;
            break;
        case 't':
            if (cli_parse_integer(optarg, 1, 4096, &o->threads))
                return cli_usage_error("--threads needs a whole number from 1 to 4096, not: ", optarg);
            break;
        case 'd':
            if (cli_parse_days(optarg, 1e-9, &o->days))
                return cli_usage_error("--days needs a number of days > 0 and <= 36600, not: ", optarg);
            break;
        case 'w':
            if (cli_parse_days(optarg, 0.0, &o->warmup_days))
                return cli_usage_error("--warmup-days needs a number of days >= 0, not: ", optarg);
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            fputs(cli_usage_text, stdout);
            return -1;
        default:
            return cli_usage_error("unknown option or missing value: ", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(optind >= argc ? "missing SCENARIO"
                                               : "more than one SCENARIO given", "");
    o->scenario = argv[optind];
    return 0;
}

int command_validate(int argc, char **argv)
{
    run_options o;
    int rc = parse_run_options(argc, argv, 1, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    model *m;
    ws_error err;
    ws_error_clear(&err);
    if (scenario_load_file(o.scenario, &m, &err) != 0)
        return cli_report_error(&err);
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

int command_run(int argc, char **argv)
{
    run_options o;
    int rc = parse_run_options(argc, argv, 0, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    model *m;
    ws_error err;
    ws_error_clear(&err);
    if (scenario_load_file(o.scenario, &m, &err) != 0)
        return cli_report_error(&err);
    rc = apply_overrides(&o, m);
    if (rc != 0) {
        model_destroy(m);
        return rc;
    }
    char *default_path = o.output ? NULL : cli_default_output_path(o.scenario);
    const char *path = o.output ? o.output : default_path;
    char *command_line = cli_join_command_line("wafersim", argc, argv);
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
    return err.code ? cli_report_error(&err) : 0;
}

