/* capacity.c - `wafersim capacity`: static capacity analysis of a scenario
 * (models/capacity.h, docs/capacity.md), printed as a table and, with -o,
 * written to an HDF5 file. */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>

#include "version.h"
#include "args.h"
#include "models/capacity.h"
#include "models/scenario.h"

typedef struct capacity_options {
    const char *scenario;           /* the file, or the --smt2020 directory */
    int smt2020;                    /* scenario is an SMT2020 data set */
    const char *output;             /* NULL: print only */
    double target;
    scenario_setting *settings;     /* the --set flags, in order */
    size_t nsettings;
} capacity_options;

static int parse_target(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v > 0.0 && v <= 1.0))
        return -1;
    *out = v;
    return 0;
}

/* Returns 0, an exit status, or -1 after printing the help. */
static int parse_capacity_options(int argc, char **argv, capacity_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"set", required_argument, NULL, 's'},
        {"target-utilisation", required_argument, NULL, 'u'},
        {"smt2020", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 's':
            /* Settings point into argv, which outlives the load. */
            if (scenario_setting_parse(optarg, &o->settings[o->nsettings]) != 0)
                return cli_usage_error("--set needs PATH=VALUE, not: ", optarg);
            o->settings[o->nsettings].origin = NULL;
            o->nsettings++;
            break;
        case 'u':
            if (parse_target(optarg, &o->target))
                return cli_usage_error("--target-utilisation needs a number "
                                       "> 0 and <= 1, not: ", optarg);
            break;
        case 'm':
            if (o->smt2020)
                return cli_usage_error("--smt2020 given twice", "");
            o->scenario = optarg;
            o->smt2020 = 1;
            break;
        case 'h':
            cli_print_usage(stdout);
            return -1;
        default:
            return cli_usage_error("unknown option or missing value: ",
                                   argv[optind - 1]);
        }
    }
    /* --smt2020 DIR is the scenario, in place of a file. */
    if (o->smt2020)
        return optind == argc ? 0
                              : cli_usage_error("give SCENARIO or --smt2020 DIR, "
                                                "not both: ", argv[optind]);
    if (optind + 1 != argc)
        return cli_usage_error(optind >= argc ? "missing SCENARIO (or --smt2020 DIR)"
                                               : "more than one SCENARIO given", "");
    o->scenario = argv[optind];
    return 0;
}

typedef struct group_rank {
    int32_t group;
    double utilisation;
} group_rank;

/* Highest utilisation first; equal ones in model order, so the order (and
 * the bottleneck, which is the first of them) is stable. */
static int compare_rank(const void *a, const void *b)
{
    const group_rank *x = a, *y = b;
    if (x->utilisation != y->utilisation)
        return x->utilisation < y->utilisation ? 1 : -1;
    return (x->group > y->group) - (x->group < y->group);
}

/* Prints prefix and text as lines of at most width columns, breaking at
 * spaces; continuation lines are indented by two. */
static void print_wrapped(FILE *out, const char *prefix, const char *text,
                          int width)
{
    int column = fprintf(out, "%s", prefix);
    while (*text) {
        size_t word = strcspn(text, " ");
        if (column > 1 && column + 1 + (int)word > width) {
            fputs("\n ", out);
            column = 1;
        }
        column += fprintf(out, " %.*s", (int)word, text);
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

static int print_report(const model *m, const capacity_report *r,
                        const char *scenario, FILE *out)
{
    group_rank *rank = malloc(((size_t)r->ngroups + 1) * sizeof *rank);
    if (!rank)
        return -1;
    for (int32_t g = 0; g < r->ngroups; g++) {
        rank[g].group = g;
        rank[g].utilisation = r->utilisation[g];
    }
    qsort(rank, (size_t)r->ngroups, sizeof *rank, compare_rank);

    fprintf(out, "scenario: %s (%s), target utilisation %g\n", m->name,
            scenario, r->target_utilisation);
    print_wrapped(out, "assumed:", capacity_assumptions(), 79);
    fputc('\n', out);
    char needed[32];
    snprintf(needed, sizeof needed, "tools for %g", r->target_utilisation);
    fprintf(out, "%-16s  %6s  %12s  %17s  %11s  %14s\n", "tool group", "tools",
            "availability", "load (tool-h/day)", "utilisation", needed);
    for (int32_t i = 0; i < r->ngroups; i++) {
        int32_t g = rank[i].group;
        fprintf(out, "%-16s  %6d  %12.3f  %17.2f  %11.3f  %14lld%s\n",
                m->groups[g].name, (int)r->tools[g], r->availability[g],
                r->load_tool_hours_per_day[g], r->utilisation[g],
                (long long)r->tools_needed[g],
                g == r->bottleneck ? "  <- bottleneck" : "");
    }
    free(rank);

    fprintf(out, "\n%-16s  %20s  %20s  %20s  %8s\n", "product",
            "planned wafers/month", "max wafers/month", "raw process time (h)",
            "(days)");
    for (int32_t p = 0; p < r->nproducts; p++)
        fprintf(out, "%-16s  %20.1f  %20.1f  %20.2f  %8.2f\n",
                m->products[p].name, r->planned_wafers_per_month[p],
                r->max_wafers_per_month[p], r->raw_process_time_days[p] * 24.0,
                r->raw_process_time_days[p]);
    /* CONWIP products print nan as planned and max; say why, once. */
    const char *prefix = "\nCONWIP (no planned rate; only their orders are "
                         "in the load):";
    for (int32_t p = 0; p < r->nproducts; p++)
        if (m->products[p].release == RELEASE_CONWIP) {
            fprintf(out, "%s %s", prefix, m->products[p].name);
            prefix = ",";
        }
    if (prefix[0] == ',')
        fputc('\n', out);
    if (r->bottleneck >= 0)
        fprintf(out, "\nbottleneck: %s at utilisation %.3f; the product mix "
                     "can start %.3f times the planned wafers\n",
                m->groups[r->bottleneck].name, r->utilisation[r->bottleneck],
                1.0 / r->utilisation[r->bottleneck]);
    else
        fprintf(out, "\nbottleneck: none (no tool group has any load)\n");
    return 0;
}

int command_capacity(int argc, char **argv)
{
    capacity_options o = {.target = CAPACITY_DEFAULT_TARGET};
    /* At most one setting per argument; +1 keeps malloc(0) out. */
    o.settings = malloc(((size_t)argc + 1) * sizeof *o.settings);
    if (!o.settings) {
        fputs("wafersim: out of memory\n", stderr);
        return -WS_ENOMEM;
    }
    int rc = parse_capacity_options(argc, argv, &o);
    if (rc != 0) {
        free(o.settings);
        return rc < 0 ? 0 : rc;
    }
    ws_error err;
    ws_error_clear(&err);
    model *m = NULL;
    capacity_report *r = NULL;
    char *command_line = NULL;
    if ((o.smt2020 ? scenario_load_smt2020(o.scenario, o.settings,
                                           o.nsettings, &m, &err)
                   : scenario_load_file_with(o.scenario, o.settings,
                                             o.nsettings, &m, &err)) != 0)
        goto done;
    if (capacity_analyse(m, o.target, &r, &err) != 0)
        goto done;
    if (o.output) {
        command_line = cli_join_command_line("wafersim", argc, argv);
        if (!command_line) {
            ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        capacity_file_meta meta = {WAFERSIM_VERSION, WAFERSIM_GIT_REVISION,
                                   command_line};
        if (capacity_write_file(o.output, m, r, &meta, &err) != 0)
            goto done;
    }
    if (print_report(m, r, o.scenario, stdout) != 0) {
        ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if (o.output)
        printf("\noutput: %s\n", o.output);
done:
    free(command_line);
    capacity_report_destroy(r);
    model_destroy(m);
    free(o.settings);
    return err.code ? cli_report_error(&err) : 0;
}
