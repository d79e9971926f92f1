/* run.c - `wafersim run`, `sweep`, `validate` and `merge`.
 *
 * run and sweep share one path: a sweep is a list of points (settings on
 * top of the scenario), a run is the list with one point.  The tasks are
 * (point, replication) pairs, task k = point * R + replication; --shard I/N
 * keeps those with k mod N == I, --resume drops those already in the
 * .partial file, and the runner does the rest in parallel, committing in
 * task order so that the file is the same for any thread count.
 */
#include "commands.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <getopt.h>

#include "version.h"
#include "args.h"
#include "parallel.h"
#include "table.h"
#include "models/fab.h"
#include "models/output.h"
#include "models/scenario.h"
#include "sim/runner.h"

#define MAX_SETTINGS 1024

/* The signal that asked the run to stop (SIGINT, SIGTERM), 0 while none.
 * The one global of the program: a signal handler can reach nothing else.
 * Replications poll it on their threads, so it is a lock-free atomic (a
 * volatile sig_atomic_t is safe only within the thread taking the signal).
 * A stop takes effect within microseconds and the .partial file keeps
 * every replication finished before it. */
static atomic_int stop_signal;

static void on_stop_signal(int sig)
{
    atomic_store_explicit(&stop_signal, sig, memory_order_relaxed);
}

/* SIGINT and SIGTERM stop the run cleanly; a second one kills at once
 * (SA_RESETHAND restores the default action). */
static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

typedef struct run_options {
    const char *scenario;       /* the file, or the --smt2020 directory */
    int smt2020;                /* scenario is an SMT2020 data set */
    const char *output;
    long long replications;     /* -1: the scenario's */
    int has_seed;
    unsigned long long seed;
    long long threads;          /* 0: all cores */
    double days;                /* NaN: the scenario's */
    double warmup_days;
    int quiet;
    int resume;
    int list;
    int no_disruptions;         /* the undisrupted baseline of a scenario */
    int has_shard;
    long long shard_index;
    long long shard_count;
    const char *set_texts[MAX_SETTINGS];
    scenario_setting settings[MAX_SETTINGS];
    int nsettings;
} run_options;

enum option_id {
    OPT_SEED = 1000, OPT_THREADS, OPT_DAYS, OPT_WARMUP, OPT_SET, OPT_SHARD,
    OPT_RESUME, OPT_LIST, OPT_SMT2020, OPT_NO_DISRUPTIONS
};

static int parse_shard(const char *text, run_options *o)
{
    char *slash = strchr(text, '/');
    char index[32];
    if (!slash || (size_t)(slash - text) >= sizeof index)
        return -1;
    memcpy(index, text, (size_t)(slash - text));
    index[slash - text] = '\0';
    if (cli_parse_integer(slash + 1, 1, 1000000, &o->shard_count) != 0
        || cli_parse_integer(index, 0, o->shard_count - 1, &o->shard_index) != 0)
        return -1;
    o->has_shard = 1;
    return 0;
}

/* --shard with no value: the Slurm job array's task, if there is one. */
static int shard_from_slurm(run_options *o)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    const char *count = getenv("SLURM_ARRAY_TASK_COUNT");
    const char *min = getenv("SLURM_ARRAY_TASK_MIN");
    long long i, n, first = 0;
    if (!id || !count || cli_parse_integer(id, 0, 1000000, &i) != 0
        || cli_parse_integer(count, 1, 1000000, &n) != 0
        || (min && cli_parse_integer(min, 0, 1000000, &first) != 0)
        || i - first < 0 || i - first >= n)
        return -1;
    o->shard_index = i - first;
    o->shard_count = n;
    o->has_shard = 1;
    return 0;
}

/* kind: 'r' run, 's' sweep, 'v' validate. */
static int parse_options(int argc, char **argv, int kind, run_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"replications", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, OPT_SEED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"days", required_argument, NULL, OPT_DAYS},
        {"warmup-days", required_argument, NULL, OPT_WARMUP},
        {"set", required_argument, NULL, OPT_SET},
        {"shard", optional_argument, NULL, OPT_SHARD},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"list", no_argument, NULL, OPT_LIST},
        {"smt2020", required_argument, NULL, OPT_SMT2020},
        {"no-disruptions", no_argument, NULL, OPT_NO_DISRUPTIONS},
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
    while ((opt = getopt_long(argc, argv, kind == 'v' ? "h" : "o:r:qh", options,
                              NULL)) != -1) {
        if (kind == 'v' && opt != 'h' && opt != OPT_SET && opt != OPT_SMT2020
            && opt != '?')
            return cli_usage_error("validate takes no option ", argv[optind - 1]);
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 'r':
            if (cli_parse_integer(optarg, 1, MODEL_MAX_REPLICATIONS, &o->replications))
                return cli_usage_error("-r needs a whole number from 1 to 100000, not: ", optarg);
            break;
        case OPT_SEED:
            if (cli_parse_seed(optarg, &o->seed))
                return cli_usage_error("--seed needs a whole number from 0 to 2^64-1, not: ", optarg);
            o->has_seed = 1;
            break;
        case OPT_THREADS:
            if (cli_parse_integer(optarg, 1, 4096, &o->threads))
                return cli_usage_error("--threads needs a whole number from 1 to 4096, not: ", optarg);
            break;
        case OPT_DAYS:
            if (cli_parse_days(optarg, 1e-9, &o->days))
                return cli_usage_error("--days needs a number of days > 0 and <= 36600, not: ", optarg);
            break;
        case OPT_WARMUP:
            if (cli_parse_days(optarg, 0.0, &o->warmup_days))
                return cli_usage_error("--warmup-days needs a number of days >= 0, not: ", optarg);
            break;
        case OPT_SET:
            if (o->nsettings == MAX_SETTINGS)
                return cli_usage_error("too many --set options (at most 1024)", "");
            if (scenario_setting_parse(optarg, &o->settings[o->nsettings]) != 0)
                return cli_usage_error("--set needs PATH=VALUE, not: ", optarg);
            o->set_texts[o->nsettings++] = optarg;
            break;
        case OPT_SHARD:
            /* "--shard I/N" as well as "--shard=I/N". */
            if (!optarg && optind < argc && strchr(argv[optind], '/')
                && argv[optind][0] != '-')
                optarg = argv[optind++];
            if (optarg ? parse_shard(optarg, o) : shard_from_slurm(o))
                return cli_usage_error(optarg ? "--shard needs I/N with 0 <= I < N, not: "
                                              : "--shard without I/N needs SLURM_ARRAY_TASK_ID "
                                                "and SLURM_ARRAY_TASK_COUNT", optarg ? optarg : "");
            break;
        case OPT_RESUME:
            o->resume = 1;
            break;
        case OPT_NO_DISRUPTIONS:
            o->no_disruptions = 1;
            break;
        case OPT_SMT2020:
            if (kind == 's')
                return cli_usage_error("sweep needs a SCENARIO with a sweep "
                                       "section; write one with smt2020: DIR "
                                       "in it instead of --smt2020", "");
            if (o->smt2020)
                return cli_usage_error("--smt2020 given twice", "");
            o->scenario = optarg;
            o->smt2020 = 1;
            break;
        case OPT_LIST:
            if (kind != 's')
                return cli_usage_error("--list is an option of sweep", "");
            o->list = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            cli_print_usage(stdout);
            return -1;
        default:
            return cli_usage_error("unknown option or missing value: ", argv[optind - 1]);
        }
    }
    /* --smt2020 DIR is the scenario, in place of a file. */
    if (o->smt2020) {
        if (optind != argc)
            return cli_usage_error("give SCENARIO or --smt2020 DIR, not both: ",
                                   argv[optind]);
        return 0;
    }
    if (optind + 1 != argc)
        return cli_usage_error(optind >= argc ? "missing SCENARIO (or --smt2020 DIR)"
                                              : "more than one SCENARIO given", "");
    o->scenario = argv[optind];
    return 0;
}

/* Applies the command line's overrides to a point's model. */
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
    if (o->no_disruptions)
        model_clear_disruptions(m);
    if (!(m->warmup_days < m->horizon_days)) {
        fprintf(stderr, "wafersim: the warm-up (%g days) must be shorter than "
                        "the horizon (%g days)\n", m->warmup_days, m->horizon_days);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* The points: one model per point of the design (or one for a run). */
typedef struct plan {
    sweep_design *design;
    model **models;
    int32_t npoints;
    int32_t replications;
} plan;

static void plan_free(plan *p)
{
    for (int32_t i = 0; p->models && i < p->npoints; i++)
        model_destroy(p->models[i]);
    free(p->models);
    sweep_design_destroy(p->design);
}

static int plan_load(const run_options *o, int sweep, plan *p, ws_error *err)
{
    memset(p, 0, sizeof *p);
    size_t n = (size_t)o->nsettings;
    if (sweep) {
        int rc = scenario_load_design(o->scenario, o->settings, n, &p->design, err);
        if (rc != 0)
            return rc;
        if (!p->design)
            return ws_error_set(err, WS_EDATA, o->scenario, 0, 0,
                                "has no sweep section (wafersim run simulates "
                                "a scenario without one)");
    }
    p->npoints = p->design ? p->design->npoints : 1;
    p->models = calloc((size_t)p->npoints, sizeof *p->models);
    int32_t np = p->design ? p->design->nparams : 0;
    scenario_setting *all = malloc((n + (size_t)np + 1) * sizeof *all);
    if (!p->models || !all) {
        free(all);
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(all, o->settings, n * sizeof *all);
    int rc = 0;
    for (int32_t i = 0; i < p->npoints && rc == 0; i++) {
        for (int32_t j = 0; j < np; j++) {
            scenario_setting *s = &all[n + (size_t)j];
            s->path = p->design->params[j];
            s->value = p->design->values[(size_t)i * (size_t)np + (size_t)j];
            s->origin = o->scenario;
            s->line = p->design->lines[j];
            s->col = p->design->cols[j];
        }
        rc = o->smt2020
                 ? scenario_load_smt2020(o->scenario, all, n, &p->models[i], err)
                 : scenario_load_file_with(o->scenario, all, n + (size_t)np,
                                           &p->models[i], err);
        if (rc == 0 && apply_overrides(o, p->models[i]) != 0)
            rc = WS_EUSAGE;
    }
    free(all);
    if (rc == 0)
        p->replications = p->models[0]->replications;
    return rc;
}

static void print_design(const plan *p, size_t tasks)
{
    const sweep_design *d = p->design;
    printf("sweep: %s, %d points x %d replications = %zu tasks\n", d->kind,
           (int)d->npoints, (int)p->replications, tasks);
    printf("%-6s", "point");
    for (int32_t j = 0; j < d->nparams; j++)
        printf("  %s", d->params[j]);
    putchar('\n');
    for (int32_t i = 0; i < d->npoints; i++) {
        printf("%-6d", (int)i);
        for (int32_t j = 0; j < d->nparams; j++)
            printf("  %*s", (int)strlen(d->params[j]),
                   d->values[(size_t)i * (size_t)d->nparams + (size_t)j]);
        putchar('\n');
    }
}

/* "OUT.h5" -> "OUT-shard-I-of-N.h5". */
static char *shard_path(const char *path, long long index, long long count)
{
    size_t n = strlen(path);
    size_t stem = n > 3 && strcmp(path + n - 3, ".h5") == 0 ? n - 3 : n;
    char *s = malloc(n + 64);
    if (s)
        snprintf(s, n + 64, "%.*s-shard-%lld-of-%lld.h5", (int)stem, path, index,
                 count);
    return s;
}

typedef struct run_context {
    const plan *p;
    output *out;
    const size_t *tasks;        /* task ids to run, ascending */
    size_t ntasks;
    int quiet;
    int tty;
    double started;
    const char *prefix;         /* "" or "rank K: " */
} run_context;

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_task(void *ctx, size_t i, void **result, ws_error *err)
{
    run_context *c = ctx;
    size_t k = c->tasks[i], R = (size_t)c->p->replications;
    /* stream_scenario 0 for every point: common random numbers. */
    fab_options fo = {.scenario = (uint32_t)(k / R), .stream_scenario = 0,
                      .record_lots = 1, .stop = &stop_signal};
    fab_result *r;
    int rc = fab_run(c->p->models[k / R], &fo, (uint32_t)(k % R), &r, err);
    *result = r;
    return rc;
}

static void show_progress(const run_context *c, size_t done)
{
    double elapsed = seconds_now() - c->started;
    if (c->tty) {
        enum { WIDTH = 30 };
        int filled = (int)(WIDTH * done / c->ntasks);
        char bar[WIDTH + 1];
        memset(bar, '#', (size_t)filled);
        memset(bar + filled, '.', (size_t)(WIDTH - filled));
        bar[WIDTH] = '\0';
        fprintf(stderr, "\r%s[%s] %zu/%zu replications, %.1f s", c->prefix, bar,
                done, c->ntasks, elapsed);
        if (done == c->ntasks)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "%sreplication %zu/%zu done, %.1f s\n", c->prefix, done,
                c->ntasks, elapsed);
    }
    fflush(stderr);
}

static int commit_task(void *ctx, size_t i, void *result, ws_error *err)
{
    run_context *c = ctx;
    int rc = output_write_replication(c->out, result, err);
    if (rc == 0 && !c->quiet)
        show_progress(c, i + 1);
    return rc;
}

static void free_task(void *ctx, void *result)
{
    (void)ctx;
    fab_result_destroy(result);
}

/* Opens (or resumes) the file, runs the tasks it lacks, finishes it. */
static int simulate(const run_options *o, const plan *p, const char *path,
                    long long shard_index, long long shard_count,
                    const char *command_line, const char *prefix,
                    summary **sum, ws_error *err)
{
    output_meta meta = {
        .version = WAFERSIM_VERSION, .git_revision = WAFERSIM_GIT_REVISION,
        .command_line = command_line, .seed = p->models[0]->seed,
        .nscenarios = p->npoints, .nreplications = p->replications,
        .design = p->design, .settings = o->set_texts, .nsettings = o->nsettings,
        .shard_index = (int32_t)shard_index, .shard_count = (int32_t)shard_count,
    };
    output *out = NULL;
    int rc = WS_ENOINPUT;
    /* A requeued job whose file is complete has nothing left to do. */
    if (o->resume && access(path, F_OK) == 0) {
        if (!o->quiet)
            fprintf(stderr, "%swafersim: %s is complete; nothing to resume\n",
                    prefix, path);
        return 0;
    }
    if (o->resume) {
        rc = output_resume(path, p->models[0], &meta, &out, err);
        if (rc == WS_ENOINPUT && !o->quiet)
            fprintf(stderr, "%swafersim: no %s.partial to resume; starting afresh\n",
                    prefix, path);
        if (rc == WS_ENOINPUT)
            ws_error_clear(err);
    }
    if (rc == WS_ENOINPUT)
        rc = output_create(path, p->models[0], &meta, &out, err);
    if (rc != 0)
        return rc;
    for (int32_t i = 0; i < p->npoints && rc == 0; i++)
        rc = output_set_scenario(out, i, p->models[i], err);
    size_t total = (size_t)p->npoints * (size_t)p->replications, n = 0;
    size_t *tasks = rc == 0 ? malloc((total + 1) * sizeof *tasks) : NULL;
    if (rc == 0 && !tasks)
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < total && rc == 0; k++)
        if ((long long)(k % (size_t)shard_count) == shard_index
            && !output_has_replication(out, (int32_t)(k / (size_t)p->replications),
                                       (int32_t)(k % (size_t)p->replications)))
            tasks[n++] = k;
    if (rc == 0) {
        run_context ctx = {
            .p = p, .out = out, .tasks = tasks, .ntasks = n, .quiet = o->quiet,
            .tty = isatty(STDERR_FILENO), .started = seconds_now(), .prefix = prefix,
        };
        runner_ops ops = {run_task, commit_task, free_task, &stop_signal};
        rc = runner_run(n, (int)o->threads, &ops, &ctx, err);
    }
    free(tasks);
    if (rc == WS_EINTERRUPTED || (rc != 0 && atomic_load(&stop_signal))) {
        /* Stopped on request: keep every finished replication for --resume. */
        size_t kept = 0;
        for (size_t k = 0; k < total; k++)
            kept += output_has_replication(out, (int32_t)(k / (size_t)p->replications),
                                           (int32_t)(k % (size_t)p->replications)) != 0;
        output_suspend(out);
        return ws_error_set(err, WS_EINTERRUPTED, NULL, 0, 0,
                            "stopped by %s: %zu of %zu replications are in "
                            "%s.partial; run the same command with --resume "
                            "to finish", atomic_load(&stop_signal) == SIGTERM ? "SIGTERM"
                                                                : "SIGINT",
                            kept, total, path);
    }
    if (rc != 0) {
        /* A failed resume keeps what was there; a fresh run leaves nothing. */
        if (o->resume)
            output_suspend(out);
        else
            output_abort(out);
        return rc;
    }
    return output_finish(out, sum, err);
}

static int command_simulate(int argc, char **argv, int sweep)
{
    run_options o;
    int rc = parse_options(argc, argv, sweep ? 's' : 'r', &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    parallel_world world;
    parallel_init(&world, &argc, &argv);
    catch_stop_signals();
    plan p;
    ws_error err;
    ws_error_clear(&err);
    char *default_path = NULL, *command_line = NULL, *own_path = NULL;
    summary *sum = NULL;
    int status = 0;
    rc = plan_load(&o, sweep, &p, &err);
    if (rc == WS_EUSAGE) {
        status = CLI_EXIT_USAGE;
        goto done;
    }
    if (rc != 0)
        goto done;
    size_t total = (size_t)p.npoints * (size_t)p.replications;
    if (o.list) {
        print_design(&p, total);
        goto done;
    }
    if (o.has_shard && world.size > 1) {
        status = cli_usage_error("--shard cannot be combined with several MPI ranks", "");
        goto done;
    }
    default_path = o.output ? NULL : cli_default_output_path(o.scenario);
    const char *path = o.output ? o.output : default_path;
    command_line = cli_join_command_line("wafersim", argc, argv);
    if (!path || !command_line) {
        rc = ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    long long index = 0, count = 1;
    if (o.has_shard || world.size > 1) {
        index = o.has_shard ? o.shard_index : world.rank;
        count = o.has_shard ? o.shard_count : world.size;
        own_path = shard_path(path, index, count);
        if (!own_path) {
            rc = ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
    }
    char prefix[32] = "";
    if (world.size > 1)
        snprintf(prefix, sizeof prefix, "rank %d: ", world.rank);
    rc = simulate(&o, &p, own_path ? own_path : path, index, count, command_line,
                  prefix, &sum, &err);
    if (world.size > 1) {
        /* Every rank's shard must be complete before rank 0 joins them. */
        int any = parallel_any_failed(&world, rc != 0);
        if (rc == 0 && any) {
            if (world.rank == 0)
                rc = ws_error_set(&err, WS_ESOFTWARE, NULL, 0, 0,
                                  "another MPI rank failed; its shard can be "
                                  "completed with --resume");
            else
                status = 1;
        }
        if (rc == 0 && status == 0 && world.rank == 0) {
            char **shards = malloc((size_t)world.size * sizeof *shards);
            int made = 0;
            for (int r = 0; shards && r < world.size; r++, made++)
                if (!(shards[r] = shard_path(path, r, world.size)))
                    break;
            summary_destroy(sum);
            sum = NULL;
            rc = shards && made == world.size
                     ? output_merge(path, (const char *const *)shards, world.size,
                                    command_line, &sum, &err)
                     : ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
            for (int r = 0; shards && r < made; r++) {
                if (rc == 0)
                    unlink(shards[r]);
                free(shards[r]);
            }
            free(shards);
        }
    }
    if (rc == 0 && world.rank == 0) {
        if (!sweep)
            printf("scenario: %s (%s), %d replications, %g days, warm-up %g days, "
                   "seed %llu\n\n", p.models[0]->name, o.scenario,
                   (int)p.replications, p.models[0]->horizon_days,
                   p.models[0]->warmup_days, (unsigned long long)p.models[0]->seed);
        else
            printf("sweep: %s (%s), %d points x %d replications\n\n",
                   p.design->kind, o.scenario, (int)p.npoints, (int)p.replications);
        if (sum)
            table_print(sum, stdout);
        printf("\noutput: %s\n", own_path && world.size == 1 ? own_path : path);
    }
done:
    summary_destroy(sum);
    free(own_path);
    free(command_line);
    free(default_path);
    plan_free(&p);
    if (status == 0 && err.code) {
        status = cli_report_error(&err);
        /* The shell's convention for a run stopped by a signal. */
        if (err.code == WS_EINTERRUPTED)
            status = 128 + (atomic_load(&stop_signal) ? atomic_load(&stop_signal) : SIGINT);
    }
    return parallel_finish(&world, status);
}

int command_run(int argc, char **argv)
{
    return command_simulate(argc, argv, 0);
}

int command_sweep(int argc, char **argv)
{
    return command_simulate(argc, argv, 1);
}

int command_validate(int argc, char **argv)
{
    run_options o;
    int rc = parse_options(argc, argv, 'v', &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    plan p;
    ws_error err;
    ws_error_clear(&err);
    /* A sweep's every point is loaded, so its mistakes show here too. */
    if (plan_load(&o, 0, &p, &err) != 0) {
        plan_free(&p);
        return err.code ? cli_report_error(&err) : CLI_EXIT_USAGE;
    }
    sweep_design *d = NULL;
    if (!o.smt2020 &&
        scenario_load_design(o.scenario, o.settings, (size_t)o.nsettings, &d, &err) != 0) {
        plan_free(&p);
        return cli_report_error(&err);
    }
    const model *m = p.models[0];
    long long tools = 0, steps = 0;
    for (int32_t g = 0; g < m->ngroups; g++)
        tools += m->groups[g].tools;
    for (int32_t k = 0; k < m->nproducts; k++)
        steps += m->products[k].nsteps;
    printf("%s: ok: %d tool groups (%lld tools), %d products, %lld route steps",
           o.scenario, (int)m->ngroups, tools, (int)m->nproducts, steps);
    if (d)
        printf("; sweep: %s, %d points", d->kind, (int)d->npoints);
    putchar('\n');
    sweep_design_destroy(d);
    plan_free(&p);
    return 0;
}

static const char merge_usage[] =
    "usage: wafersim merge OUT.h5 SHARD.h5... [-q]\n";

int command_merge(int argc, char **argv)
{
    int quiet = 0, n = 0;
    const char **files = malloc(((size_t)argc + 1) * sizeof *files);
    if (!files)
        return 71;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(merge_usage, stdout);
            free(files);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            free(files);
            return cli_usage_error("unknown option of merge: ", argv[i]);
        } else
            files[n++] = argv[i];
    }
    if (n < 2) {
        free(files);
        fputs(merge_usage, stderr);
        return CLI_EXIT_USAGE;
    }
    char *command_line = cli_join_command_line("wafersim", argc, argv);
    summary *sum = NULL;
    ws_error err;
    ws_error_clear(&err);
    int rc = command_line ? output_merge(files[0], files + 1, n - 1, command_line,
                                         &sum, &err)
                          : ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == 0) {
        if (!quiet)
            fprintf(stderr, "wafersim: merged %d shards\n", n - 1);
        table_print(sum, stdout);
        printf("\noutput: %s\n", files[0]);
    }
    summary_destroy(sum);
    free(command_line);
    free(files);
    return rc ? cli_report_error(&err) : 0;
}
