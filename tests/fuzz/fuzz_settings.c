/* fuzz_settings.c - libFuzzer target of settings (--set PATH=VALUE) and of
 * sweep designs: scenario_setting_parse, scenario_load_file_with and
 * scenario_load_design.
 *
 * Input: settings, one per line, then an empty line and the text of a
 * scenario:
 *
 *   products.Pb.wafers_per_month=3500
 *   products.Pa.route.#2.mean=40
 *
 *   format_version: 1
 *   ...
 *
 * Without an empty line, or with nothing after it, the scenario is
 * base_scenario below, which has every kind of product, route and
 * release, quoted names with dots, a shared CSV route and a grid sweep
 * of two points (each point is a whole load: few keep the target fast).
 * Then the input is a list of settings alone.  A line without '=' is
 * skipped, as `wafersim` would refuse it before reading anything; at most
 * MAX_SETTINGS lines are used.  The scenario is written to
 * DIR/scenarios/fuzz.yaml (fuzz_support.h) and read from there, with its
 * route files.
 *
 * Both readers get the same settings.  Besides each result's contract
 * (fuzz_check_result), a scenario that does not load must give its design
 * the same error: scenario_load_design builds the same base model first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "models/scenario.h"

enum { MAX_SETTINGS = 64 };

static const char base_scenario[] =
    "format_version: 1\n"
    "name: fuzz settings\n"
    "start_date: 2025-01-01\n"
    "horizon_days: 120\n"
    "warmup_days: 30\n"
    "replications: 3\n"
    "seed: 7\n"
    "time_unit: min\n"
    "lot_size: 25\n"
    "tool_groups:\n"
    "  DIFFUSION: &two {tools: 2, dispatch: fifo}\n"
    "  IMPLANT: *two\n"
    "  LITHO: {tools: 1}\n"
    "  \"ETCH.v2\": {tools: 3}\n"
    "products:\n"
    "  Pa:\n"
    "    route: routes/minifab-flow.csv\n"
    "    interarrival: {distribution: exponential, mean: 3.3, unit: h}\n"
    "  Pb:\n"
    "    route: routes/minifab-flow.csv\n"
    "    wafers_per_month: 3000\n"
    "    first_release_day: 1.5\n"
    "  \"N28.v2\":\n"
    "    lot_size: 24\n"
    "    lots_per_day: 2\n"
    "    route:\n"
    "      - {step: S1, tool_group: DIFFUSION, mean: 75}\n"
    "      - {step: \"x.y\", tool_group: \"ETCH.v2\", distribution: gamma,"
    " mean: 30, cv: 0.4}\n"
    "      - {tool_group: LITHO, per: wafer, distribution: triangular,"
    " min: 1, mode: 2, max: 3, unit: min}\n"
    "      - {step: S1, tool_group: IMPLANT, distribution: normal, mean: 5,"
    " sd: 1}\n"
    "sweep:\n"
    "  grid:\n"
    "    products.Pb.wafers_per_month: [2000, 3000]\n"
    "    tool_groups.LITHO.tools: [1]\n"
    "    products.\"N28.v2\".route.#2.mean: [4e1]\n"
    "    products.Pa.route.S3.mean: [50]\n";

static const char *scenario_name = "scenarios/fuzz.yaml";
static const char *scenario_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_files_init();
    scenario_path = fuzz_files_path(scenario_name);
    return 0;
}

static void design_breach(const char *what)
{
    fprintf(stderr, "fuzz: scenario_load_design broke its contract: %s\n",
            what);
    abort();
}

static void check_design(int status, const sweep_design *d,
                         const ws_error *err)
{
    if (status != 0) {
        if (d)
            design_breach("a design and an error");
        fuzz_check_result(status, NULL, err);
        return;
    }
    if (!d)
        return;                 /* no sweep section */
    /* docs/scenario-format.md, "Sweeps": its limits and its parts. */
    if (!d->kind || d->nparams < 1 || d->nparams > 64 || d->npoints < 1 ||
        d->npoints > 100000 || !d->params || !d->values || !d->numbers ||
        !d->lines || !d->cols)
        design_breach("counts out of range or parts missing");
    for (int32_t j = 0; j < d->nparams; j++)
        if (!d->params[j] || d->lines[j] < 1 || d->cols[j] < 1)
            design_breach("a parameter without a path or a position");
    for (size_t v = 0; v < (size_t)d->npoints * (size_t)d->nparams; v++)
        if (!d->values[v])
            design_breach("a point without a value");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario_setting settings[MAX_SETTINGS];
    size_t nsettings = 0, settings_end = size, yaml_start = size;
    char *lines = malloc(size + 1);
    model *m = NULL;
    sweep_design *d = NULL;
    ws_error err, design_err;
    int rc, design_rc;

    if (!lines)
        abort();
    for (size_t i = 0; i + 1 < size; i++)
        if (data[i] == '\n' && data[i + 1] == '\n') {
            settings_end = i;
            yaml_start = i + 2;
            break;
        }
    if (size > 0 && data[0] == '\n') {
        settings_end = 0;
        yaml_start = 1;
    }
    /* The settings point into this NUL-separated copy, as into argv. */
    memcpy(lines, data, settings_end);
    lines[settings_end] = '\0';
    for (size_t start = 0; start < settings_end && nsettings < MAX_SETTINGS;) {
        char *line = lines + start;
        char *end = memchr(line, '\n', settings_end - start);
        if (end)
            *end = '\0';
        if (scenario_setting_parse(line, &settings[nsettings]) == 0)
            nsettings++;
        start += strlen(line) + 1;
    }
    if (yaml_start < size)
        fuzz_files_write(scenario_name, data + yaml_start, size - yaml_start);
    else
        fuzz_files_write(scenario_name, base_scenario,
                         sizeof base_scenario - 1);

    ws_error_clear(&err);
    rc = scenario_load_file_with(scenario_path, settings, nsettings, &m, &err);
    fuzz_report("scenario_load_file_with", rc, &err);
    fuzz_check_result(rc, m, &err);
    model_destroy(m);

    ws_error_clear(&design_err);
    design_rc = scenario_load_design(scenario_path, settings, nsettings, &d,
                                     &design_err);
    fuzz_report("scenario_load_design", design_rc, &design_err);
    check_design(design_rc, d, &design_err);
    sweep_design_destroy(d);
    if (rc != 0 && (design_rc != rc ||
                    strcmp(err.message, design_err.message) != 0 ||
                    err.line != design_err.line || err.col != design_err.col)) {
        fprintf(stderr, "fuzz: the scenario failed with %d at %d:%d '%s' but "
                "its design with %d at %d:%d '%s'\n", rc, err.line, err.col,
                err.message, design_rc, design_err.line, design_err.col,
                design_err.message);
        abort();
    }
    free(lines);
    return 0;
}
