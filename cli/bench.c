/* bench.c - `wafersim bench`: lot-steps per second and peak memory of one
 * replication on a synthetic re-entrant line, or on an SMT2020 data set
 * (--smt2020 DIR, with every feature the files use), on one thread,
 * without I/O.  Repeats the run and reports the median, since the
 * development machines are shared and timings are noisy. */
#include "bench.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "models/fab.h"
#include "models/scenario.h"
#include "models/synthetic.h"

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_number(const char *text, double *out)
{
    char *end;
    *out = strtod(text, &end);
    return end != text && *end == '\0' ? 0 : -1;
}

static const char bench_usage[] =
    "usage: wafersim bench [--groups N] [--steps N] [--load X] [--lots-per-day X]\n"
    "                      [--cv X] [--days N] [--repeat N] [--seed N]\n"
    "       wafersim bench --smt2020 DIR [--days N] [--repeat N] [--seed N]\n"
    "                      [--set PATH=VALUE]...\n";

/* As many settings as `wafersim run` takes. */
#define BENCH_MAX_SETTINGS 1024

/* Reads the data set with the settings; its horizon and seed come from
 * the options. */
static int load_smt2020(const char *dir, const scenario_setting *settings,
                        size_t nsettings, double days, uint64_t seed,
                        model **out, ws_error *err)
{
    model *m;
    int rc = scenario_load_smt2020(dir, settings, nsettings, &m, err);
    if (rc != 0)
        return rc;
    m->horizon_days = days;
    m->warmup_days = 0.0;
    m->seed = seed;
    *out = m;
    return 0;
}

int bench_main(int argc, char **argv)
{
    synthetic_line spec = {
        .groups = 100, .steps = 300, .load = 0.85, .lots_per_day = 20.0,
        .process_cv = 0.5, .horizon_days = 365.0, .seed = 1,
    };
    double repeat = 5;
    const char *smt2020 = NULL;
    scenario_setting settings[BENCH_MAX_SETTINGS];
    size_t nsettings = 0;
    static const struct option options[] = {
        {"smt2020", required_argument, NULL, 'D'},
        {"set", required_argument, NULL, 'x'},
        {"groups", required_argument, NULL, 'g'},
        {"steps", required_argument, NULL, 's'},
        {"load", required_argument, NULL, 'l'},
        {"lots-per-day", required_argument, NULL, 'a'},
        {"cv", required_argument, NULL, 'c'},
        {"days", required_argument, NULL, 'd'},
        {"repeat", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        double v;
        if (opt == 'h') {
            fputs(bench_usage, stdout);
            return 0;
        }
        if (opt == 'D') {
            smt2020 = optarg;
            continue;
        }
        if (opt == 'x') {
            if (nsettings == BENCH_MAX_SETTINGS
                || scenario_setting_parse(optarg, &settings[nsettings]) != 0) {
                fputs(bench_usage, stderr);
                return 64;
            }
            nsettings++;
            continue;
        }
        if (opt == '?' || parse_number(optarg, &v) != 0) {
            fputs(bench_usage, stderr);
            return 64;
        }
        switch (opt) {
        case 'g': spec.groups = (int32_t)v; break;
        case 's': spec.steps = (int32_t)v; break;
        case 'l': spec.load = v; break;
        case 'a': spec.lots_per_day = v; break;
        case 'c': spec.process_cv = v; break;
        case 'd': spec.horizon_days = v; break;
        case 'n': repeat = v; break;
        case 'S': spec.seed = (uint64_t)v; break;
        default: break;
        }
    }
    if (optind != argc || !(repeat >= 1 && repeat <= 1000)
        || (nsettings > 0 && !smt2020)
        || !(spec.horizon_days > 0 && spec.horizon_days <= MODEL_MAX_HORIZON_DAYS)) {
        fputs(bench_usage, stderr);
        return 64;
    }
    model *m;
    ws_error err;
    ws_error_clear(&err);
    int rc = smt2020 ? load_smt2020(smt2020, settings, nsettings,
                                    spec.horizon_days, spec.seed, &m, &err)
                     : synthetic_reentrant_line(&spec, &m, &err);
    if (rc != 0) {
        char message[2200];
        ws_error_format(&err, message, sizeof message);
        fprintf(stderr, "wafersim bench: %s\n", message);
        return ws_error_exit_status(err.code);
    }
    int n = (int)repeat;
    double *rate = malloc((size_t)n * sizeof *rate);
    double *secs = malloc((size_t)n * sizeof *secs);
    if (!rate || !secs) {
        free(rate);
        free(secs);
        model_destroy(m);
        fputs("wafersim bench: out of memory\n", stderr);
        return 71;
    }
    fab_options fo = {.scenario = 0, .record_lots = 0};
    uint64_t steps = 0, events = 0, deferred = 0, by_class = 0;
    int status = 0;
    for (int i = 0; i < n; i++) {
        fab_result *r;
        double t0 = seconds_now();
        if (fab_run(m, &fo, 0, &r, &err) != 0) {
            fprintf(stderr, "wafersim bench: %s\n", err.message);
            status = ws_error_exit_status(err.code);
            break;
        }
        secs[i] = seconds_now() - t0;
        steps = r->lot_steps;
        events = r->events;
        deferred = r->deferred_arrivals;
        by_class = r->class_dispatches;
        rate[i] = (double)steps / secs[i];
        fab_result_destroy(r);
    }
    if (status == 0) {
        qsort(rate, (size_t)n, sizeof *rate, compare_double);
        qsort(secs, (size_t)n, sizeof *secs, compare_double);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        if (smt2020) {
            int32_t tools = 0;
            for (int32_t g = 0; g < m->ngroups; g++)
                tools += m->groups[g].tools;
            printf("model            SMT2020 %s: %d products, %d tool groups, "
                   "%d tools, %d lots of initial WIP\n", smt2020,
                   (int)m->nproducts, (int)m->ngroups, (int)tools,
                   (int)m->ninitial);
        } else {
            printf("model            re-entrant line: %d tool groups, %d "
                   "steps, load %.2f, %.1f lots/day, gamma cv %.2f\n",
                   (int)spec.groups, (int)spec.steps, spec.load,
                   spec.lots_per_day, spec.process_cv);
        }
        printf("horizon          %.0f days, %d runs on one thread\n",
               spec.horizon_days, n);
        printf("lot-steps        %llu per run (%llu events)\n",
               (unsigned long long)steps, (unsigned long long)events);
        printf("deferred         %llu arrivals per run needed no event\n",
               (unsigned long long)deferred);
        printf("by class         %llu dispatching choices per run looked at "
               "classes of lots\n", (unsigned long long)by_class);
        printf("seconds          median %.3f (min %.3f, max %.3f)\n",
               secs[n / 2], secs[0], secs[n - 1]);
        printf("lot-steps/s      median %.3g (min %.3g, max %.3g)\n",
               rate[n / 2], rate[0], rate[n - 1]);
        printf("s per sim. year  median %.3f\n",
               secs[n / 2] * 365.0 / spec.horizon_days);
        printf("peak memory      %.1f MiB (max RSS of the process)\n",
               (double)ru.ru_maxrss / 1024.0);
    }
    free(rate);
    free(secs);
    model_destroy(m);
    return status;
}
