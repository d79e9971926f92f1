/* Tests for models/scenario and models/route_csv: good scenarios load with
 * the right values (in days), the shipped scenarios load, and every file
 * in tests/bad fails with the position and message its first line
 * announces ("# expect: LINE:COL: text" or "# expect: FILE:LINE:COL:
 * text" for a route CSV named by the YAML). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/route_csv.h"     /* ROUTE_CSV_MAX_TOTAL_STEPS */
#include "models/scenario.h"
#include "sim/date.h"

#define SOURCE_DIR WAFERSIM_SOURCE_DIR
#define BAD_DIR SOURCE_DIR "/tests/bad"

static const double MINUTE = 1.0 / 1440.0;
static const double HOUR = 1.0 / 24.0;
static const double SECOND = 1.0 / 86400.0;
static const double MONTH = 365.2425 / 12.0;

/* Relative closeness for values that went through a unit conversion. */
static int close_to(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

#define ck_assert_close(a, b)                                               \
    ck_assert_msg(close_to((a), (b)), "%s = %.17g, expected %.17g", #a,      \
                  (double)(a), (double)(b))

static model *load_ok(const char *text, const char *path)
{
    model *m = NULL;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_string(text, strlen(text), path, &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    ck_assert_ptr_nonnull(m);
    return m;
}

static ws_error load_bad(const char *text, const char *path)
{
    model *m = (model *)&m;     /* must be reset to NULL */
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_string(text, strlen(text), path, &m, &err);
    ck_assert_msg(rc == WS_EDATA, "rc %d for:\n%s", rc, text);
    ck_assert_int_eq(err.code, WS_EDATA);
    ck_assert_ptr_null(m);
    return err;
}

static const char minimal[] =
    "tool_groups:\n"
    "  G: {tools: 3}\n"
    "products:\n"
    "  P:\n"
    "    wafers_per_month: 1000\n"
    "    route:\n"
    "      - {tool_group: G, mean: 90}\n";

START_TEST(test_defaults)
{
    model *m = load_ok(minimal, "some/dir/minimal.yaml");
    const product *p;

    ck_assert_str_eq(m->name, "minimal");
    ck_assert_ptr_null(m->description);
    ck_assert_int_eq(m->start_date, date_days_from_civil(2025, 1, 1));
    ck_assert_double_eq(m->horizon_days, 365.0);
    ck_assert_double_eq(m->warmup_days, 0.0);
    ck_assert_int_eq(m->replications, 10);
    ck_assert_uint_eq(m->seed, 1);
    ck_assert_int_eq(m->ngroups, 1);
    ck_assert_str_eq(m->groups[0].name, "G");
    ck_assert_int_eq(m->groups[0].tools, 3);
    ck_assert_int_eq(m->groups[0].nrank, 0);
    ck_assert_int_eq(m->nproducts, 1);
    p = &m->products[0];
    ck_assert_str_eq(p->name, "P");
    ck_assert_int_eq(p->lot_size, 25);
    ck_assert_int_eq(p->release, RELEASE_INTERVAL);
    ck_assert_close(p->release_interval_days, 25 * MONTH / 1000.0);
    ck_assert_double_eq(p->first_release_days, 0.0);
    ck_assert_int_eq(p->nsteps, 1);
    ck_assert_str_eq(p->steps[0].name, "step 1");
    ck_assert_int_eq(p->steps[0].tool_group, 0);
    ck_assert_int_eq(p->steps[0].per, TIME_PER_LOT);
    ck_assert_int_eq(p->steps[0].time.kind, DIST_CONSTANT);
    ck_assert_close(p->steps[0].time.mean, 90 * MINUTE);   /* time_unit min */
    ck_assert_close(product_raw_process_time(m, p), 90 * MINUTE);
    ck_assert_int_eq(m->nsources, 1);
    ck_assert_str_eq(m->sources[0].path, "some/dir/minimal.yaml");
    ck_assert_str_eq(m->sources[0].text, minimal);
    model_destroy(m);

    /* A name from a path without directory or extension. */
    m = load_ok(minimal, "plain");
    ck_assert_str_eq(m->name, "plain");
    model_destroy(m);
    m = load_ok(minimal, "dir.d/.hidden");
    ck_assert_str_eq(m->name, ".hidden");
    model_destroy(m);
}
END_TEST

START_TEST(test_top_level_values)
{
    static const char text[] =
        "format_version: 1\n"
        "name: \"Fab \\u00e9 1\"\n"
        "description: |\n"
        "  two\n"
        "  lines\n"
        "start_date: 2024-02-29\n"
        "horizon_days: 730.5\n"
        "warmup_days: 30.25\n"
        "replications: 3\n"
        "seed: 18446744073709551615\n"
        "time_unit: h\n"
        "lot_size: 12\n"
        "tool_groups:\n"
        "  G: {tools: 100000, dispatch: fifo}\n"
        "  H: {tools: 1}\n"
        "products:\n"
        "  P:\n"
        "    lot_size: 7\n"
        "    lots_per_day: 2.5\n"
        "    first_release_day: 3.5\n"
        "    route: [{tool_group: H, mean: 2, per: wafer}]\n"
        "  Q:\n"
        "    wafers_per_month: 600\n"
        "    route: [{tool_group: G, mean: 1, per: batch}]\n";
    model *m = load_ok(text, "t.yaml");

    ck_assert_str_eq(m->name, "Fab \xc3\xa9 1");
    ck_assert_str_eq(m->description, "two\nlines\n");
    ck_assert_int_eq(m->start_date, date_days_from_civil(2024, 2, 29));
    ck_assert_double_eq(m->horizon_days, 730.5);
    ck_assert_double_eq(m->warmup_days, 30.25);
    ck_assert_int_eq(m->replications, 3);
    ck_assert_uint_eq(m->seed, UINT64_MAX);
    ck_assert_int_eq(m->ngroups, 2);
    ck_assert_int_eq(m->groups[0].tools, 100000);
    ck_assert_int_eq(m->products[0].lot_size, 7);
    ck_assert_close(m->products[0].release_interval_days, 0.4);
    ck_assert_double_eq(m->products[0].first_release_days, 3.5);
    ck_assert_int_eq(m->products[0].steps[0].tool_group, 1);
    ck_assert_int_eq(m->products[0].steps[0].per, TIME_PER_WAFER);
    ck_assert_close(m->products[0].steps[0].time.mean, 2 * HOUR);
    /* per wafer: the lot's time is the step time times its wafers. */
    ck_assert_close(route_step_mean_time(m, &m->products[0].steps[0], 7),
                    14 * HOUR);
    ck_assert_close(product_raw_process_time(m, &m->products[0]), 14 * HOUR);
    /* The top-level lot_size is the default of products without one. */
    ck_assert_int_eq(m->products[1].lot_size, 12);
    ck_assert_close(m->products[1].release_interval_days, 12 * MONTH / 600);
    ck_assert_int_eq(m->products[1].steps[0].per, TIME_PER_BATCH);
    model_destroy(m);
}
END_TEST

START_TEST(test_units)
{
    static const struct {
        const char *unit;
        double days;
    } units[] = {{"s", 1.0 / 86400}, {"min", 1.0 / 1440}, {"h", 1.0 / 24},
                 {"d", 1.0}};
    char text[1024];

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        model *m;
        snprintf(text, sizeof text,
                 "time_unit: %s\n"
                 "tool_groups: {G: {tools: 1}}\n"
                 "products:\n"
                 "  P:\n"
                 "    interarrival: {distribution: exponential, mean: 4}\n"
                 "    route:\n"
                 "      - {tool_group: G, mean: 10}\n"
                 "      - {tool_group: G, mean: 10, unit: s}\n"
                 "      - {tool_group: G, distribution: uniform, min: 1, "
                 "max: 3, unit: h}\n"
                 "  Q:\n"
                 "    interarrival: {distribution: constant, value: 2, "
                 "unit: d}\n"
                 "    route: [{tool_group: G, value: 1}]\n",
                 units[i].unit);
        m = load_ok(text, "u.yaml");
        ck_assert_int_eq(m->products[0].release, RELEASE_RANDOM);
        ck_assert_int_eq(m->products[0].interarrival.kind, DIST_EXPONENTIAL);
        ck_assert_close(m->products[0].interarrival.mean, 4 * units[i].days);
        ck_assert_close(m->products[0].steps[0].time.mean,
                        10 * units[i].days);
        ck_assert_close(m->products[0].steps[1].time.mean, 10 * SECOND);
        ck_assert_close(m->products[0].steps[2].time.p[0], 1 * HOUR);
        ck_assert_close(m->products[0].steps[2].time.p[1], 3 * HOUR);
        ck_assert_close(m->products[1].interarrival.mean, 2.0);
        ck_assert_close(m->products[1].steps[0].time.mean, units[i].days);
        model_destroy(m);
    }
}
END_TEST

START_TEST(test_distributions)
{
    static const char text[] =
        "tool_groups: {G: {tools: 1}}\n"
        "products:\n"
        "  P:\n"
        "    lots_per_day: 1\n"
        "    route:\n"
        "      - {tool_group: G, mean: 0}\n"
        "      - {tool_group: G, distribution: constant, value: 6}\n"
        "      - {tool_group: G, distribution: uniform, min: 2, max: 4}\n"
        "      - {tool_group: G, distribution: exponential, mean: 5}\n"
        "      - {tool_group: G, distribution: normal, mean: 10, sd: 2}\n"
        "      - {tool_group: G, distribution: normal, mean: 10, cv: 0.3}\n"
        "      - {tool_group: G, distribution: lognormal, mean: 8, cv: 0.5}\n"
        "      - {tool_group: G, distribution: gamma, mean: 9, cv: 2}\n"
        "      - {tool_group: G, distribution: triangular, min: 1, mode: 2, "
        "max: 6}\n";
    model *m = load_ok(text, "d.yaml");
    const route_step *s = m->products[0].steps;

    ck_assert_int_eq(m->products[0].nsteps, 9);
    /* A zero-time step is allowed. */
    ck_assert_int_eq(s[0].time.kind, DIST_CONSTANT);
    ck_assert_double_eq(s[0].time.mean, 0.0);
    ck_assert_int_eq(s[1].time.kind, DIST_CONSTANT);
    ck_assert_close(s[1].time.mean, 6 * MINUTE);
    ck_assert_int_eq(s[2].time.kind, DIST_UNIFORM);
    ck_assert_close(s[2].time.p[0], 2 * MINUTE);
    ck_assert_close(s[2].time.p[1], 4 * MINUTE);
    ck_assert_close(s[2].time.mean, 3 * MINUTE);
    ck_assert_int_eq(s[3].time.kind, DIST_EXPONENTIAL);
    ck_assert_close(s[3].time.mean, 5 * MINUTE);
    ck_assert_int_eq(s[4].time.kind, DIST_NORMAL);
    ck_assert_close(s[4].time.p[0], 10 * MINUTE);
    ck_assert_close(s[4].time.p[1], 2 * MINUTE);
    ck_assert_int_eq(s[5].time.kind, DIST_NORMAL);
    ck_assert_close(s[5].time.p[1], 3 * MINUTE);        /* sd = cv x mean */
    ck_assert_int_eq(s[6].time.kind, DIST_LOGNORMAL);
    ck_assert_close(s[6].time.mean, 8 * MINUTE);
    ck_assert_close(s[6].time.p[1], 0.5);               /* cv has no unit */
    ck_assert_int_eq(s[7].time.kind, DIST_GAMMA);
    ck_assert_close(s[7].time.mean, 9 * MINUTE);
    ck_assert_close(dist_cv(&s[7].time), 2.0);
    ck_assert_int_eq(s[8].time.kind, DIST_TRIANGULAR);
    ck_assert_close(s[8].time.p[1], 2 * MINUTE);
    ck_assert_close(s[8].time.mean, 3 * MINUTE);
    model_destroy(m);
}
END_TEST

START_TEST(test_aliases_and_flow_style)
{
    static const char text[] =
        "{tool_groups: {A: &spec {tools: 2}, B: *spec},\n"
        " products: {P: {interarrival: &ia {distribution: exponential, "
        "mean: 30},\n"
        "                route: [&step {tool_group: B, mean: 3}, *step]},\n"
        "            Q: {interarrival: *ia, route: [*step]}}}\n";
    model *m = load_ok(text, "a.yaml");

    ck_assert_int_eq(m->ngroups, 2);
    ck_assert_int_eq(m->groups[1].tools, 2);
    ck_assert_int_eq(m->products[0].nsteps, 2);
    ck_assert_int_eq(m->products[1].nsteps, 1);
    ck_assert_int_eq(m->products[1].steps[0].tool_group, 1);
    ck_assert_close(m->products[1].interarrival.mean, 30 * MINUTE);
    model_destroy(m);
}
END_TEST

/* Numbers are decimal, whole and finite, as the format promises. */
START_TEST(test_strict_numbers)
{
    static const char *const bad[] = {
        "nan", ".nan", "NaN", ".NaN", "inf", ".inf", "-.inf", "+.inf",
        "Infinity", "1e999", "-1e999", "1e-999", "0x10", "1_000", "1,5",
        "5d", "--5", "1e", ".", "+", "1.2.3", "\"\"", "\" 5\"", "0b101",
    };
    static const struct {
        const char *text;
        double value;
    } good[] = {
        {"1e2", 100}, {"+5", 5}, {"5.", 5}, {".5", 0.5}, {"1.5E1", 15},
        {"\"7\"", 7}, {"'8'", 8}, {"0036", 36},
    };
    char text[512];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ws_error err;
        snprintf(text, sizeof text, "horizon_days: %s\n%s", bad[i], minimal);
        err = load_bad(text, "n.yaml");
        ck_assert_msg(err.line == 1 && err.col == 15,
                      "%s: at %d:%d", bad[i], err.line, err.col);
        ck_assert_msg(strstr(err.message, "'horizon_days' ") != NULL,
                      "%s: %s", bad[i], err.message);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        model *m;
        snprintf(text, sizeof text, "horizon_days: %s\n%s", good[i].text,
                 minimal);
        m = load_ok(text, "n.yaml");
        ck_assert_double_eq(m->horizon_days, good[i].value);
        model_destroy(m);
    }
}
END_TEST

START_TEST(test_name_limits)
{
    char name[MODEL_MAX_NAME + 2];
    char *text = malloc(4096);
    model *m;
    ws_error err;

    ck_assert_ptr_nonnull(text);
    memset(name, 'x', MODEL_MAX_NAME);
    name[MODEL_MAX_NAME] = '\0';
    sprintf(text, "tool_groups: {%s: {tools: 1}}\n"
                  "products: {\"\xc3\xa9t\xc3\xa9\": {lots_per_day: 1, "
                  "route: [{tool_group: %s, mean: 1}]}}\n", name, name);
    m = load_ok(text, "n.yaml");
    ck_assert_str_eq(m->groups[0].name, name);
    ck_assert_str_eq(m->products[0].name, "\xc3\xa9t\xc3\xa9");
    model_destroy(m);

    name[MODEL_MAX_NAME] = 'x';
    name[MODEL_MAX_NAME + 1] = '\0';
    sprintf(text, "tool_groups: {%s: {tools: 1}}\n", name);
    err = load_bad(text, "n.yaml");
    ck_assert_int_eq(err.line, 1);
    ck_assert_int_eq(err.col, 15);
    ck_assert_ptr_nonnull(strstr(err.message, "at most 256 bytes"));
    free(text);
}
END_TEST

/* The limit counts steps, not lines: step MODEL_MAX_STEPS + 1 is the one
 * reported, inline and in a CSV alike. */
START_TEST(test_too_many_steps)
{
    static const char head[] =
        "tool_groups: {G: {tools: 1}}\n"
        "products:\n"
        "  P:\n"
        "    lots_per_day: 1\n"
        "    route:\n";
    static const char step[] = "      - {tool_group: G, mean: 1}\n";
    size_t n = (size_t)MODEL_MAX_STEPS + 1;
    char *text = malloc(sizeof head + n * (sizeof step - 1));
    char *end = text;
    ws_error err;

    ck_assert_ptr_nonnull(text);
    end += sprintf(end, "%s", head);
    for (size_t i = 0; i < n; i++)
        end += sprintf(end, "%s", step);
    err = load_bad(text, "many.yaml");
    ck_assert_int_eq(err.line, 6 + MODEL_MAX_STEPS);
    ck_assert_int_eq(err.col, 9);
    ck_assert_ptr_nonnull(strstr(err.message, "at most 100000 steps"));

    /* One step fewer loads. */
    end -= sizeof step - 1;
    *end = '\0';
    {
        model *m = load_ok(text, "many.yaml");
        ck_assert_int_eq(m->products[0].nsteps, MODEL_MAX_STEPS);
        model_destroy(m);
    }
    free(text);
}
END_TEST

/* Products sharing one route through an alias (or one CSV file) cannot
 * multiply a small input into a huge model. */
START_TEST(test_total_step_limit)
{
    int per_route = MODEL_MAX_STEPS;
    int products = ROUTE_CSV_MAX_TOTAL_STEPS / MODEL_MAX_STEPS + 1;
    char *text = malloc(128 + (size_t)per_route * 32 + (size_t)products * 64);
    char *end = text;
    ws_error err;

    ck_assert_ptr_nonnull(text);
    end += sprintf(end, "tool_groups: {G: {tools: 1}}\nproducts:\n"
                        "  P0: {lots_per_day: 1, route: &r [");
    for (int i = 0; i < per_route; i++)
        end += sprintf(end, "%s{tool_group: G}", i ? "," : "");
    end += sprintf(end, "]}\n");
    for (int p = 1; p < products; p++)
        end += sprintf(end, "  P%d: {lots_per_day: 1, route: *r}\n", p);
    /* Every step lacks its mean: the limit is checked before the step. */
    err = load_bad(text, "alias.yaml");
    ck_assert_ptr_nonnull(strstr(err.message, "constant needs 'mean'"));
    end = text;
    end += sprintf(end, "tool_groups: {G: {tools: 1}}\nproducts:\n"
                        "  P0: {lots_per_day: 1, route: &r [");
    for (int i = 0; i < per_route; i++)
        end += sprintf(end, "%s{tool_group: G, mean: 1}", i ? "," : "");
    end += sprintf(end, "]}\n");
    for (int p = 1; p < products; p++)
        end += sprintf(end, "  P%d: {lots_per_day: 1, route: *r}\n", p);
    err = load_bad(text, "alias.yaml");
    ck_assert_ptr_nonnull(strstr(err.message,
                                 "all products together may have at most"));
    /* At the first step of the shared sequence, where the alias leads. */
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 36);
    free(text);
}
END_TEST

static char temp_dir[64];

static void make_temp_dir(void)
{
    strcpy(temp_dir, "/tmp/wafersim-scenario-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
}

static void write_file(const char *path, const char *data, size_t length)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, length, f), length);
    ck_assert_int_eq(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

START_TEST(test_csv_route)
{
    /* BOM, CRLF, comments, blank lines, columns in any order, quoted
     * cells with commas and quotes, empty cells, no final line end. */
    static const char csv[] =
        "\xEF\xBB\xBF# a comment line\r\n"
        "\r\n"
        "unit,mean,tool_group,step,distribution,cv,per\r\n"
        "h,1.5,G,\"clean, wet\",,,\r\n"
        "   \r\n"
        "# another comment\r\n"
        ",30, H ,\"say \"\"hi\"\"\",gamma,0.5,wafer\r\n"
        ",2,G,\"two\",exponential,,lot";
    static const char yaml[] =
        "time_unit: min\n"
        "tool_groups: {G: {tools: 1}, H: {tools: 2}}\n"
        "products:\n"
        "  A: {lots_per_day: 1, route: routes/r.csv}\n"
        "  B: {lots_per_day: 2, route: routes/r.csv}\n";
    char dir[128], csv_path[160], yaml_path[160];
    model *m;
    ws_error err;
    int rc;

    make_temp_dir();
    snprintf(dir, sizeof dir, "%s/routes", temp_dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(csv_path, sizeof csv_path, "%s/routes/r.csv", temp_dir);
    snprintf(yaml_path, sizeof yaml_path, "%s/s.yaml", temp_dir);
    write_file(csv_path, csv, sizeof csv - 1);
    write_file(yaml_path, yaml, sizeof yaml - 1);

    ws_error_clear(&err);
    rc = scenario_load_file(yaml_path, &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    for (int p = 0; p < 2; p++) {
        const route_step *s = m->products[p].steps;
        ck_assert_int_eq(m->products[p].nsteps, 3);
        ck_assert_str_eq(s[0].name, "clean, wet");
        ck_assert_int_eq(s[0].tool_group, 0);
        ck_assert_close(s[0].time.mean, 1.5 * HOUR);
        ck_assert_str_eq(s[1].name, "say \"hi\"");
        ck_assert_int_eq(s[1].tool_group, 1);
        ck_assert_int_eq(s[1].per, TIME_PER_WAFER);
        ck_assert_int_eq(s[1].time.kind, DIST_GAMMA);
        ck_assert_close(s[1].time.mean, 30 * MINUTE);
        ck_assert_str_eq(s[2].name, "two");
        ck_assert_int_eq(s[2].time.kind, DIST_EXPONENTIAL);
    }
    /* The scenario and the route file, stored once for both products. */
    ck_assert_int_eq(m->nsources, 2);
    ck_assert_str_eq(m->sources[0].path, yaml_path);
    ck_assert_str_eq(m->sources[0].text, yaml);
    ck_assert_str_eq(m->sources[1].path, csv_path);
    ck_assert_str_eq(m->sources[1].text, csv);
    model_destroy(m);

    /* An error in a route file names the file by the joined path. */
    write_text(csv_path, "tool_group,mean\nG,1\nG,x\n");
    rc = scenario_load_file(yaml_path, &m, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_str_eq(err.path, csv_path);
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 3);

    /* A quoted cell may span lines, but a name may not contain them. */
    write_text(csv_path, "tool_group,step,mean\nG,\"a\nb\",1\n");
    rc = scenario_load_file(yaml_path, &m, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 3);
    ck_assert_ptr_nonnull(strstr(err.message, "control characters"));

    /* Too many steps in a CSV. */
    {
        size_t n = (size_t)MODEL_MAX_STEPS + 1;
        char *big = malloc(32 + n * 4);
        char *end = big;
        ck_assert_ptr_nonnull(big);
        end += sprintf(end, "tool_group,mean\n");
        for (size_t i = 0; i < n; i++)
            end += sprintf(end, "G,1\n");
        write_file(csv_path, big, (size_t)(end - big));
        free(big);
        rc = scenario_load_file(yaml_path, &m, &err);
        ck_assert_int_eq(rc, WS_EDATA);
        ck_assert_str_eq(err.path, csv_path);
        ck_assert_int_eq(err.line, 2 + MODEL_MAX_STEPS);
        ck_assert_ptr_nonnull(strstr(err.message, "at most 100000 steps"));
    }

    ck_assert_int_eq(unlink(csv_path), 0);
    ck_assert_int_eq(unlink(yaml_path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
}
END_TEST

START_TEST(test_unreadable_scenario)
{
    model *m = (model *)&m;
    ws_error err;
    int rc;

    rc = scenario_load_file(SOURCE_DIR "/tests/bad/no-such-file.yaml", &m,
                            &err);
    ck_assert_int_eq(rc, WS_ENOINPUT);
    ck_assert_int_eq(err.code, WS_ENOINPUT);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(err.path, SOURCE_DIR "/tests/bad/no-such-file.yaml");
    ck_assert_int_eq(err.line, 0);
    ck_assert_str_eq(err.message, "cannot read: No such file or directory");

    rc = scenario_load_file(BAD_DIR, &m, &err);
    ck_assert_int_eq(rc, WS_ENOINPUT);
    ck_assert_int_eq(err.line, 0);
    ck_assert_str_eq(err.message, "cannot read: Is a directory");
}
END_TEST

/* A file over 64 MiB is refused before it is read: a sparse file of that
 * size costs no disk and would take seconds to parse if it were read. */
START_TEST(test_too_large)
{
    char path[128];
    model *m;
    ws_error err;
    int fd, rc;

    make_temp_dir();
    snprintf(path, sizeof path, "%s/huge.yaml", temp_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)64 * 1024 * 1024 + 1), 0);
    ck_assert_int_eq(close(fd), 0);
    rc = scenario_load_file(path, &m, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_int_eq(err.line, 0);
    ck_assert_ptr_nonnull(strstr(err.message, "larger than 64 MiB"));
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
}
END_TEST

/* Library code prints nothing, libfyaml's diagnostics included. */
START_TEST(test_libfyaml_is_silent)
{
    static const char *const texts[] = {
        "a: [1, 2\n", "a: \"x\n", "a:\n  - 1\n - 2\n", "a: 1\n\tb: 2\n",
        "a: b: c\n", "{a: 1\n", "a: *x\n", "? [a]\n: 1\n", "%BAD\n---\na\n",
    };
    char path[128];
    int saved, fd;
    struct stat st;

    make_temp_dir();
    snprintf(path, sizeof path, "%s/stderr", temp_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    saved = dup(2);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fd, 2), 0);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        model *m;
        ws_error err;
        int rc = scenario_load_string(texts[i], strlen(texts[i]), "q.yaml",
                                      &m, &err);
        if (rc == 0)
            model_destroy(m);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
}
END_TEST

/* Only length bytes are read, so a buffer need not end with a NUL. */
START_TEST(test_length_bounds_text)
{
    char *buf = malloc(sizeof minimal + 32);
    model *m = NULL;
    ws_error err;

    ck_assert_ptr_nonnull(buf);
    memcpy(buf, minimal, sizeof minimal - 1);
    memcpy(buf + sizeof minimal - 1, "garbage: [", 10);
    ck_assert_int_eq(scenario_load_string(buf, sizeof minimal - 1, NULL, &m,
                                          &err), 0);
    ck_assert_int_eq(m->nproducts, 1);
    ck_assert_str_eq(m->sources[0].text, minimal);
    model_destroy(m);
    free(buf);
}
END_TEST

static model *load_shipped(const char *name)
{
    char path[512];
    model *m = NULL;
    ws_error err;
    int rc;

    snprintf(path, sizeof path, "%s/scenarios/%s", SOURCE_DIR, name);
    rc = scenario_load_file(path, &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    return m;
}

/* Mean offered load of a tool group (busy fraction of its tools). */
static double group_load(const model *m, int32_t group)
{
    double work = 0.0;

    for (int32_t p = 0; p < m->nproducts; p++) {
        const product *pr = &m->products[p];
        double lots_per_day = pr->release == RELEASE_INTERVAL
                                  ? 1.0 / pr->release_interval_days
                                  : 1.0 / pr->interarrival.mean;
        for (int32_t s = 0; s < pr->nsteps; s++)
            if (pr->steps[s].tool_group == group)
                work += lots_per_day *
                        route_step_mean_time(m, &pr->steps[s], pr->lot_size);
    }
    return work / m->groups[group].tools;
}

START_TEST(test_shipped_scenarios)
{
    model *m = load_shipped("mm1.yaml");
    const product *p = &m->products[0];

    ck_assert_double_eq(m->horizon_days, 2000.0);
    ck_assert_double_eq(m->warmup_days, 200.0);
    ck_assert_int_eq(m->ngroups, 1);
    ck_assert_int_eq(m->groups[0].tools, 1);
    ck_assert_int_eq(p->lot_size, 1);
    ck_assert_int_eq(p->release, RELEASE_RANDOM);
    ck_assert_int_eq(p->interarrival.kind, DIST_EXPONENTIAL);
    ck_assert_close(p->interarrival.mean, 1.25 * HOUR);
    ck_assert_int_eq(p->nsteps, 1);
    ck_assert_int_eq(p->steps[0].time.kind, DIST_EXPONENTIAL);
    ck_assert_close(p->steps[0].time.mean, 1.0 * HOUR);
    ck_assert_close(group_load(m, 0), 0.8);
    model_destroy(m);

    m = load_shipped("minifab.yaml");
    ck_assert_int_eq(m->ngroups, 3);
    ck_assert_int_eq(m->groups[0].tools + m->groups[1].tools +
                     m->groups[2].tools, 5);
    ck_assert_int_eq(m->nproducts, 3);
    for (int32_t i = 0; i < 3; i++) {
        ck_assert_int_eq(m->products[i].nsteps, 6);
        ck_assert_close(product_raw_process_time(m, &m->products[i]),
                        305 * MINUTE);
    }
    /* 84 lots a week in all (the YAML rounds 168/51 h to 10 digits). */
    ck_assert(fabs(7.0 / m->products[0].interarrival.mean +
                   7.0 / m->products[1].interarrival.mean +
                   7.0 / m->products[2].interarrival.mean - 84.0) < 1e-6);
    ck_assert_int_eq(m->nsources, 2);
    ck_assert_str_eq(m->sources[1].path,
                     SOURCE_DIR "/scenarios/routes/minifab-flow.csv");
    model_destroy(m);

    m = load_shipped("default.yaml");
    ck_assert_int_eq(m->start_date, date_days_from_civil(2025, 1, 1));
    ck_assert_double_eq(m->horizon_days, 365.0);
    ck_assert_double_eq(m->warmup_days, 59.0);   /* Jan + Feb 2025 */
    ck_assert_int_eq(m->replications, 5);
    ck_assert_int_eq(m->ngroups, 8);
    ck_assert_int_eq(m->nproducts, 2);
    ck_assert_int_eq(m->products[0].nsteps, 49);
    ck_assert_int_eq(m->products[1].nsteps, 37);
    /* The load its comments promise: litho the bottleneck at ~85 %. */
    {
        double litho = group_load(m, model_find_tool_group(m, "LITHO"));
        ck_assert_msg(litho > 0.84 && litho < 0.86, "litho load %g", litho);
        for (int32_t g = 0; g < m->ngroups; g++)
            ck_assert_double_le(group_load(m, g), litho);
    }
    model_destroy(m);
}
END_TEST

/* --- realism ------------------------------------------------------------ */

static int32_t group_index(const model *m, const char *name)
{
    int32_t g = model_find_tool_group(m, name);
    ck_assert_msg(g >= 0, "no group %s", name);
    return g;
}

static const product *product_named(const model *m, const char *name)
{
    int32_t p = model_find_product(m, name);
    ck_assert_msg(p >= 0, "no product %s", name);
    return &m->products[p];
}

/* Every realism key of the shipped example, field by field: inline steps
 * (product A) and CSV columns (product B's route file). */
START_TEST(test_realism_example)
{
    model *m = load_shipped("examples/realism.yaml");
    const tool_group *g;
    const product *p;
    const route_step *s;
    int32_t a_mask, b_mask;

    /* tool groups */
    g = &m->groups[group_index(m, "CLEAN")];
    ck_assert_str_eq(g->area, "Wet");
    ck_assert_int_eq(g->nrank, 3);
    ck_assert_int_eq(g->rank[0], RANK_PRIORITY);
    ck_assert_int_eq(g->rank[1], RANK_EDD);
    ck_assert_int_eq(g->rank[2], RANK_FIFO);
    ck_assert_close(g->load_days, 2 * MINUTE);
    ck_assert_close(g->unload_days, 30 * SECOND);
    ck_assert_int_eq(g->batching, 0);
    ck_assert_int_eq(g->cascade, 1);
    ck_assert_int_eq(g->ndowntimes, 0);
    g = &m->groups[group_index(m, "FURNACE")];
    ck_assert_int_eq(g->nrank, 2);
    ck_assert_int_eq(g->rank[0], RANK_PRIORITY);
    ck_assert_int_eq(g->rank[1], RANK_FIFO);
    ck_assert_int_eq(g->batching, 1);
    ck_assert_int_eq(g->batch_unit, BATCH_LOTS);
    ck_assert_close(g->batch_wait_days, 2 * HOUR);
    ck_assert_int_eq(g->ndowntimes, 1);
    ck_assert_str_eq(g->downtimes[0].name, "PM");
    ck_assert_int_eq(g->downtimes[0].kind, DOWN_PM_CALENDAR);
    ck_assert_int_eq(g->downtimes[0].interval.kind, DIST_CONSTANT);
    ck_assert_close(g->downtimes[0].interval.mean, 7.0);
    ck_assert_int_eq(g->downtimes[0].duration.kind, DIST_UNIFORM);
    ck_assert_close(g->downtimes[0].duration.mean, 5 * HOUR);
    ck_assert_int_eq(g->downtimes[0].has_first, 1);
    ck_assert_close(g->downtimes[0].first.mean, 3.5);
    g = &m->groups[group_index(m, "LITHO")];
    ck_assert_int_eq(g->nrank, 4);
    ck_assert_int_eq(g->rank[0], RANK_CQT);
    ck_assert_int_eq(g->rank[1], RANK_SETUP);
    ck_assert_int_eq(g->rank[2], RANK_CR);
    ck_assert_int_eq(g->cascade, 3);
    ck_assert_int_eq(g->ndowntimes, 2);
    ck_assert_int_eq(g->downtimes[0].kind, DOWN_BREAKDOWN);
    ck_assert_int_eq(g->downtimes[0].interval.kind, DIST_EXPONENTIAL);
    ck_assert_close(g->downtimes[0].interval.mean, 50 * HOUR);
    ck_assert_close(g->downtimes[0].duration.mean, 90 * MINUTE);
    ck_assert_int_eq(g->downtimes[0].has_first, 0);
    ck_assert_str_eq(g->downtimes[1].name, "lamp");
    ck_assert_int_eq(g->downtimes[1].kind, DOWN_PM_WAFERS);
    ck_assert_double_eq(g->downtimes[1].interval_wafers, 20000.0);
    ck_assert_double_eq(g->downtimes[1].first_wafers, 12000.0);
    ck_assert_int_eq(g->downtimes[1].stagger, 1);
    ck_assert_int_eq(g->downtimes[0].stagger, 0);
    ck_assert_close(g->downtimes[1].duration.mean, 3 * HOUR);
    g = &m->groups[group_index(m, "ETCH")];
    ck_assert_int_eq(g->rank[0], RANK_STEP);
    ck_assert_int_eq(g->rank[1], RANK_SLACK);
    ck_assert_int_eq(m->groups[group_index(m, "METRO")].rank[0], RANK_SPT);
    ck_assert_int_eq(m->groups[group_index(m, "IMPLANT")].rank[0], RANK_ODD);

    /* setups are interned in the order steps name them */
    a_mask = model_find_setup(m, "A-mask");
    b_mask = model_find_setup(m, "B-mask");
    ck_assert_int_eq(m->nsetups, 2);
    ck_assert_int_eq(a_mask, 0);
    ck_assert_int_eq(b_mask, 1);

    /* product A: inline steps */
    p = product_named(m, "A");
    s = p->steps;
    ck_assert_int_eq(p->release, RELEASE_INTERVAL);
    ck_assert_int_eq(p->priority, 10);
    ck_assert_close(p->due_offset_days, 3 * product_raw_process_time(m, p));
    ck_assert_int_eq(p->nsteps, 7);
    ck_assert_int_eq(s[1].per, TIME_PER_BATCH);
    ck_assert_int_eq(s[1].batch_min, 2);
    ck_assert_int_eq(s[1].batch_max, 4);
    ck_assert_int_eq(s[0].batch_min, 1);            /* the defaults */
    ck_assert_int_eq(s[0].batch_max, 0);
    ck_assert(isnan(s[0].cascade_interval_days));
    ck_assert_int_eq(s[0].setup, -1);
    ck_assert_int_eq(s[0].has_setup_time, 0);
    ck_assert_double_eq(s[0].sample_prob, 1.0);
    ck_assert_int_eq(s[0].rework_to, -1);
    ck_assert_double_eq(s[0].rework_prob, 0.0);
    ck_assert_double_eq(s[0].scrap_prob, 0.0);
    ck_assert_int_eq(s[0].same_tool_as, -1);
    ck_assert_int_eq(s[0].step_priority, 0);
    ck_assert_int_eq(s[2].setup, a_mask);
    ck_assert_int_eq(s[3].setup, a_mask);
    ck_assert_close(s[3].cascade_interval_days, 0.8 * MINUTE);
    ck_assert_int_eq(s[3].same_tool_as, 2);
    ck_assert_int_eq(s[3].step_priority, 5);
    ck_assert_double_eq(s[4].sample_prob, 0.5);
    ck_assert_int_eq(s[4].rework_to, 2);
    ck_assert_double_eq(s[4].rework_prob, 0.03);
    ck_assert_double_eq(s[5].scrap_prob, 0.002);
    /* sampled steps count with their probability; expose, on the
     * cascading LITHO, is a pipeline: 1.1 + 24 x 0.8 minutes */
    ck_assert_close(product_raw_process_time(m, p),
                    (35 + 5 * 60 + 15 + (1.1 + 24 * 0.8) + 0.5 * 20 + 45 + 30)
                        * MINUTE);

    /* product B: the CSV route */
    p = product_named(m, "B");
    s = p->steps;
    ck_assert_int_eq(p->release, RELEASE_CONWIP);
    ck_assert_int_eq(p->conwip_lots, 12);
    ck_assert_int_eq(p->priority, 20);
    ck_assert_close(p->due_offset_days, 6.0);
    ck_assert_int_eq(p->nsteps, 6);
    ck_assert_int_eq(s[1].batch_min, 2);
    ck_assert_int_eq(s[1].batch_max, 6);
    ck_assert_close(s[1].time.mean, 6 * HOUR);
    ck_assert_int_eq(s[2].setup, b_mask);
    ck_assert_int_eq(s[3].setup, b_mask);
    ck_assert_int_eq(s[3].has_setup_time, 1);
    ck_assert_int_eq(s[3].setup_time.kind, DIST_CONSTANT);
    ck_assert_close(s[3].setup_time.mean, 25 * MINUTE);
    ck_assert_int_eq(s[3].same_tool_as, 2);
    ck_assert_int_eq(s[3].step_priority, 5);
    ck_assert_double_eq(s[4].sample_prob, 0.25);
    ck_assert_int_eq(s[4].rework_to, 2);
    ck_assert_double_eq(s[4].rework_prob, 0.05);
    ck_assert_double_eq(s[4].scrap_prob, 0.001);

    /* product C: orders only */
    p = product_named(m, "C");
    ck_assert_int_eq(p->release, RELEASE_NONE);
    ck_assert_int_eq(p->lot_size, 12);
    ck_assert(isnan(p->due_offset_days));

    /* time constraints, in route order: A's, then B's */
    ck_assert_int_eq(m->nconstraints, 2);
    ck_assert_int_eq(m->constraints[0].product, model_find_product(m, "A"));
    ck_assert_int_eq(m->constraints[0].from_step, 0);
    ck_assert_int_eq(m->constraints[0].to_step, 1);
    ck_assert_close(m->constraints[0].limit_days, 180 * MINUTE);
    ck_assert_int_eq(m->constraints[0].action, CQT_REWORK);
    ck_assert_int_eq(m->constraints[1].product, model_find_product(m, "B"));
    ck_assert_int_eq(m->constraints[1].from_step, 0);
    ck_assert_int_eq(m->constraints[1].to_step, 1);
    ck_assert_close(m->constraints[1].limit_days, 240 * MINUTE);
    ck_assert_int_eq(m->constraints[1].action, CQT_SCRAP);

    /* fab-wide sections */
    ck_assert_int_eq(m->conwip_lots, 20);
    ck_assert_int_eq(m->has_transport, 1);
    ck_assert_int_eq(m->transport.kind, DIST_EXPONENTIAL);
    ck_assert_close(m->transport.mean, 5 * MINUTE);
    ck_assert_int_eq(m->nsetup_changes, 2);
    ck_assert_int_eq(m->setup_changes[0].from, a_mask);
    ck_assert_int_eq(m->setup_changes[0].to, b_mask);
    ck_assert_close(m->setup_changes[0].time.mean, 20 * MINUTE);
    ck_assert_int_eq(m->setup_changes[1].from, -1);
    ck_assert_int_eq(m->setup_changes[1].to, a_mask);
    ck_assert_int_eq(m->setup_changes[1].time.kind, DIST_UNIFORM);
    ck_assert_ptr_eq(model_setup_change_time(m, b_mask, a_mask),
                     &m->setup_changes[1].time);
    ck_assert_int_eq(m->setup_min_run[a_mask], 3);
    ck_assert_int_eq(m->setup_min_run[b_mask], 2);
    ck_assert_close(m->setup_min_run_wait_days, HOUR);

    ck_assert_int_eq(m->norders, 3);
    ck_assert_str_eq(m->orders[0].name, "pilot");
    ck_assert_int_eq(m->orders[0].product, model_find_product(m, "C"));
    ck_assert_int_eq(m->orders[0].count, 1);
    ck_assert_double_eq(m->orders[0].first_days, 10.0);
    ck_assert_int_eq(m->orders[0].priority, 30);
    ck_assert_int_eq(m->orders[0].wafers, 12);         /* C's lot size */
    ck_assert_close(m->orders[0].due_offset_days, 3.0);
    ck_assert_str_eq(m->orders[1].name, "weekly");
    ck_assert_int_eq(m->orders[1].kind, RELEASE_INTERVAL);
    ck_assert_close(m->orders[1].interval_days, 7.0);
    ck_assert_int_eq(m->orders[1].count, 20);
    ck_assert_int_eq(m->orders[1].wafers, 6);
    ck_assert_int_eq(m->orders[1].priority, 10);       /* C's priority */
    ck_assert(isnan(m->orders[1].due_offset_days));    /* C has no due */
    ck_assert_str_eq(m->orders[2].name, "order 3");
    ck_assert_int_eq(m->orders[2].kind, RELEASE_RANDOM);
    ck_assert_close(m->orders[2].interarrival.mean, 3.0);
    ck_assert_int_eq(m->orders[2].count, -1);

    ck_assert_int_eq(m->ninitial, 6);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(m->initial[i].product, model_find_product(m, "A"));
        ck_assert_int_eq(m->initial[i].step, 3);
        ck_assert_int_eq(m->initial[i].wafers, 25);
        ck_assert_int_eq(m->initial[i].priority, 10);
        ck_assert_double_eq(m->initial[i].release_day, 0.0);
        ck_assert_close(m->initial[i].due_day,
                        product_named(m, "A")->due_offset_days);
    }
    ck_assert_int_eq(m->initial[3].step, 5);
    ck_assert_int_eq(m->initial[4].priority, 20);
    ck_assert_double_eq(m->initial[4].release_day, -4.0);
    ck_assert_double_eq(m->initial[4].due_day, 5.0);
    ck_assert_int_eq(m->initial[5].product, model_find_product(m, "B"));
    ck_assert_int_eq(m->initial[5].step, 0);
    ck_assert_int_eq(m->initial[5].wafers, 20);
    ck_assert_int_eq(m->initial[5].priority, 20);
    ck_assert_close(m->initial[5].due_day, 6.0);
    model_destroy(m);
}
END_TEST

/* A scenario of one group G (and batching B, cascading C) and product P
 * whose inline route is steps, with extra top-level text. */
static char *realism_text(const char *groups, const char *release,
                          const char *steps, const char *extra)
{
    size_t n = 512 + strlen(groups) + strlen(release) + strlen(steps) +
               strlen(extra);
    char *text = malloc(n);

    ck_assert_ptr_nonnull(text);
    snprintf(text, n,
             "tool_groups:\n"
             "  G: {tools: 2%s}\n"
             "  B: {tools: 1, batching: {}}\n"
             "products:\n"
             "  P:\n"
             "    %s\n"
             "    route:\n%s"
             "%s",
             groups, release, steps, extra);
    return text;
}

static const char three_steps[] =
    "      - {step: a, tool_group: G, mean: 10}\n"
    "      - {step: b, tool_group: G, mean: 20}\n"
    "      - {step: a, tool_group: G, mean: 30}\n";

START_TEST(test_dispatch_forms)
{
    static const struct {
        const char *dispatch;
        int n;
        enum rank_key keys[3];
    } ok[] = {
        {", dispatch: fifo", 1, {RANK_FIFO}},
        {", dispatch: edd", 1, {RANK_EDD}},
        {", dispatch: \"priority; edd ;fifo\"", 3,
         {RANK_PRIORITY, RANK_EDD, RANK_FIFO}},
        {", dispatch: [setup, step_priority]", 2, {RANK_SETUP, RANK_STEP}},
        {", dispatch: [critical_ratio, least_slack, odd]", 3,
         {RANK_CR, RANK_SLACK, RANK_ODD}},
        {", dispatch: [spt, time_constraint]", 2, {RANK_SPT, RANK_CQT}},
        {"", 0, {RANK_FIFO}},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *text = realism_text(ok[i].dispatch, "lots_per_day: 1",
                                  three_steps, "");
        model *m = load_ok(text, "d.yaml");
        ck_assert_int_eq(m->groups[0].nrank, ok[i].n);
        for (int k = 0; k < ok[i].n; k++)
            ck_assert_int_eq(m->groups[0].rank[k], ok[i].keys[k]);
        model_destroy(m);
        free(text);
    }
}
END_TEST

/* Mistakes in realism keys, at their positions (line 2 is G's group, 6 to
 * 8 the steps, 9 on the extra text). */
static const struct {
    const char *groups;
    const char *product;
    const char *steps;
    const char *extra;
    int line;
    int col;
    const char *message;
} realism_errors[] = {
    {", dispatch: [edd, edd]", "lots_per_day: 1", three_steps, "", 2, 33,
     "dispatch rule 'edd' is given twice"},
    {", dispatch: fifo;edd", "lots_per_day: 1", three_steps, "", 2, 27,
     "'fifo' decides every tie, so 'edd' after it would never be used"},
    {", dispatch: [a1, a2]", "lots_per_day: 1", three_steps, "", 2, 28,
     "unknown dispatch rule 'a1' (use fifo, spt, edd, critical_ratio, odd, "
     "least_slack, priority, setup, time_constraint or step_priority)"},
    {", dispatch: prioity", "lots_per_day: 1", three_steps, "", 2, 27,
     "unknown dispatch rule 'prioity' (did you mean 'priority'?)"},
    {", dispatch: [spt, edd, odd, critical_ratio, least_slack, priority, "
     "setup, time_constraint, step_priority]", "lots_per_day: 1",
     three_steps, "", 2, 106, "a dispatch rank list has at most 8 rules"},
    {", dispatch: \"edd;;fifo\"", "lots_per_day: 1", three_steps, "", 2, 27,
     "'dispatch' has an empty rule"},
    {", dispatch: []", "lots_per_day: 1", three_steps, "", 2, 27,
     "'dispatch' has no rules"},
    {", cascade: 0", "lots_per_day: 1", three_steps, "", 2, 26,
     "'cascade' must be an integer from 1 to 64 (got 0)"},
    {", cascade: 1000000000000", "lots_per_day: 1", three_steps, "", 2, 26,
     "'cascade' must be an integer from 1 to 64"},
    {", load_time: -1", "lots_per_day: 1", three_steps, "", 2, 28,
     "'load_time' must be >= 0"},
    {", unload_time: {value: 2, unit: week}", "lots_per_day: 1",
     three_steps, "", 2, 47, "unknown unit 'week'"},
    {", batching: {unit: boats}", "lots_per_day: 1", three_steps, "", 2, 34,
     "unknown batch unit 'boats' (use wafers or lots)"},
    {", area: \"\"", "lots_per_day: 1", three_steps, "", 2, 23,
     "'area': a name must not be empty"},
    {", downtimes: [{name: d, kind: flood, interval: {mean: 1}, "
     "duration: {mean: 1}}]", "lots_per_day: 1", three_steps, "", 2, 45,
     "unknown downtime kind 'flood' (use breakdown, pm_calendar or "
     "pm_wafers)"},
    {", downtimes: [{name: d, kind: pm_wafers, duration: {mean: 1}}]",
     "lots_per_day: 1", three_steps, "", 2, 29,
     "a pm_wafers downtime needs 'interval_wafers'"},
    {", downtimes: [{name: d, kind: pm_wafers, interval: {mean: 1}, "
     "duration: {mean: 1}}]", "lots_per_day: 1", three_steps, "", 2, 56,
     "'interval' is not a key of a pm_wafers downtime"},
    {", downtimes: [{name: d, kind: pm_wafers, interval_wafers: 9, "
     "first_wafers: 0, duration: {mean: 1}}]", "lots_per_day: 1", three_steps,
     "", 2, 90, "'first_wafers' must be > 0 and at most 1e+12 (got 0)"},
    {", downtimes: [{name: d, kind: breakdown, interval: {mean: 1}, "
     "first_wafers: 5, duration: {mean: 1}}]", "lots_per_day: 1",
     three_steps, "", 2, 77, "'first_wafers' is a key of pm_wafers "
     "downtimes; a breakdown downtime counts time"},
    {", downtimes: [{name: d, kind: breakdown, interval: {mean: 1}, "
     "stagger: yes, duration: {mean: 1}}]", "lots_per_day: 1", three_steps,
     "", 2, 86, "'stagger' must be true or false (got 'yes')"},
    {", downtimes: [{name: d, kind: breakdown, interval: {mean: 0}, "
     "duration: {mean: 1}}]", "lots_per_day: 1", three_steps, "", 2, 66,
     "the mean 'interval' must be > 0"},
    {", downtimes: [{name: d, kind: breakdown, interval: {mean: 1}}]",
     "lots_per_day: 1", three_steps, "", 2, 29,
     "downtime 'd' needs 'duration'"},
    {", downtimes: [{name: d, kind: breakdown, interval: {mean: 1}, "
     "duration: {mean: 1}}, {name: d, kind: breakdown, interval: {mean: 1}, "
     "duration: {mean: 1}}]", "lots_per_day: 1", three_steps, "", 2, 106,
     "tool group 'G' has two downtimes named 'd'"},
    /* steps */
    {"", "lots_per_day: 1",
     "      - {tool_group: B, batch_min: -2, mean: 1}\n", "", 8, 36,
     "'batch_min' must be an integer from 1 to 100000 (got -2)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: B, batch_min: 3, batch_max: 2, mean: 1}\n", "", 8,
     50, "'batch_max' (2) must be >= 'batch_min' (3)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, batch_max: 2, mean: 1}\n", "", 8, 25,
     "'batch_max' needs a tool group with 'batching': 'G' has none"},
    {"", "lots_per_day: 1", "      - {tool_group: G, sample: 0, mean: 1}\n",
     "", 8, 33, "'sample' must be a probability > 0 and <= 1 (got 0)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, sample: 1.5, mean: 1}\n", "", 8, 33,
     "'sample' must be a probability > 0 and <= 1 (got 1.5)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, scrap_prob: 1, mean: 1}\n", "", 8, 37,
     "'scrap_prob' must be a probability >= 0 and < 1 (got 1)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, rework_prob: 0.1, mean: 1}\n", "", 8, 25,
     "'rework_prob' needs 'rework_to' in the same step"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, rework_to: \"#2\", rework_prob: 0.1, mean: 1}\n"
     "      - {tool_group: G, mean: 1}\n", "", 8, 36,
     "'rework_to' must be this step or an earlier one: step #2 comes after "
     "this step #1"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, rework_to: #2, rework_prob: 0.1, mean: 1}\n",
     "", 9, 1, NULL},           /* a YAML comment: a syntax error */
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1,\n"
     "         rework_to: #1\n"
     "         , rework_prob: 0.1}\n", "", 9, 10,
     "'rework_to' has no value (a step number must be quoted in YAML"},
    {"", "lots_per_day: 1",
     "      - {step: a, tool_group: G, mean: 1}\n"
     "      - {step: a, tool_group: G, mean: 1}\n"
     "      - {tool_group: G, mean: 1, rework_to: a, rework_prob: 0.1}\n",
     "", 10, 45, "'rework_to': step name 'a' is ambiguous: steps #1 and #2 of "
     "the route of product 'P' have it (use #N to choose one)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, same_tool_as: x}\n", "", 8, 48,
     "'same_tool_as': no step 'x' in the route of product 'P' (steps: step "
     "1)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, same_tool_as: \"#1\"}\n", "", 8, 48,
     "'same_tool_as' must be an earlier step: step #1 is not before this "
     "step #1"},
    {"", "lots_per_day: 1",
     "      - {tool_group: B, mean: 1}\n"
     "      - {tool_group: G, mean: 1, same_tool_as: \"#1\"}\n", "", 9, 48,
     "'same_tool_as': step #1 runs on tool group 'B', this step on 'G'"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1}\n"
     "      - {tool_group: G, mean: 1, cqt_to: \"#1\", cqt_limit: 5}\n", "", 9,
     42, "'cqt_to' must be a later step: step #1 is not after this step #2"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, cqt_to: \"#9\", cqt_limit: 5}\n", "", 8,
     42, "'cqt_to': there is no step #9: the route of product 'P' has 1 "
     "steps"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, cqt_to: \"#1\"}\n", "", 8, 34,
     "'cqt_to' needs 'cqt_limit' in the same step"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, cqt_limit: 5}\n", "", 8, 34,
     "'cqt_limit' needs 'cqt_to' in the same step"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, cqt_to: \"#2\", cqt_limit: 5, "
     "cqt_action: hold}\n      - {tool_group: G, mean: 1}\n", "", 8, 74,
     "unknown cqt_action 'hold' (use count, scrap or rework)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, setup_time: 5}\n", "", 8, 34,
     "'setup_time' needs 'setup' in the same step"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, setup: s, setup_time: -5}\n", "", 8,
     56, "'setup_time' must be >= 0"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, cascade_interval: x}\n", "", 8, 52,
     "'cascade_interval' is not a number: 'x'"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, step_priority: 1.5}\n", "", 8, 49,
     "'step_priority' must be an integer: '1.5'"},
    /* products */
    {"", "lots_per_day: 1\n    due: 5\n    due_factor: 2", three_steps, "",
     8, 5, "give only one of 'due' and 'due_factor' ('due' is already "
     "given)"},
    {"", "lots_per_day: 1\n    due_factor: 0", three_steps, "", 7, 17,
     "'due_factor' must be > 0"},
    {"", "lots_per_day: 1\n    due: 0", three_steps, "", 7, 10,
     "'due' must be > 0 (got 0)"},
    {"", "release: conwip", three_steps, "", 6, 14,
     "'release: conwip' needs 'conwip_lots'"},
    {"", "release: push", three_steps, "", 6, 14,
     "unknown release 'push' (use conwip or none"},
    {"", "lots_per_day: 1\n    conwip_lots: 5", three_steps, "", 7, 5,
     "'conwip_lots' needs 'release: conwip'"},
    {"", "release: none\n    first_release_day: 3", three_steps, "", 7, 24,
     "'first_release_day' has no use with 'release: none'"},
    {"", "lots_per_day: 1\n    release: none", three_steps, "", 7, 5,
     "give only one of 'wafers_per_month', 'lots_per_day', 'interarrival' "
     "and 'release' ('lots_per_day' is already given)"},
    {"", "lots_per_day: 1\n    priority: -1", three_steps, "", 7, 15,
     "'priority' must be an integer from 0 to 1000000 (got -1)"},
    /* sections */
    {"", "lots_per_day: 1", three_steps, "conwip_lots: 4\n", 11, 14,
     "'conwip_lots' caps the lots of products with 'release: conwip'"},
    {"", "lots_per_day: 1", three_steps,
     "orders: [{product: Q, lots_per_day: 1}]\n", 11, 20,
     "unknown product 'Q' (products: P)"},
    {"", "lots_per_day: 1", three_steps, "orders: [{product: P}]\n", 11, 10,
     "an order needs one of 'lots_per_day', 'interval' or 'interarrival' "
     "(or 'count: 1')"},
    {"", "lots_per_day: 1", three_steps,
     "orders: [{product: P, interval: 2, lots_per_day: 3}]\n", 11, 36,
     "give only one of 'lots_per_day', 'interval' and 'interarrival'"},
    {"", "lots_per_day: 1", three_steps,
     "orders: [{product: P, count: 0, interval: 2}]\n", 11, 30,
     "'count' must be an integer from 1 to 1000000000 (got 0)"},
    {"", "lots_per_day: 1", three_steps,
     "initial_wip: [{product: P, step: \"#4\"}]\n", 11, 34,
     "there is no step #4: the route of product 'P' has 3 steps"},
    {"", "lots_per_day: 1", three_steps,
     "initial_wip: [{product: P, step: a}]\n", 11, 34,
     "step name 'a' is ambiguous: steps #1 and #3"},
    {"", "lots_per_day: 1", three_steps,
     "initial_wip: [{product: P, step: b, release_day: 2}]\n", 11, 50,
     "'release_day' must be <= 0"},
    {"", "lots_per_day: 1", three_steps,
     "initial_wip: [{product: P, step: b, lots: 0}]\n", 11, 43,
     "'lots' must be an integer from 1 to 1000000 (got 0)"},
    {"", "lots_per_day: 1", three_steps,
     "initial_wip: [{product: P}]\n", 11, 15,
     "an initial_wip entry needs a 'step'"},
    {"", "lots_per_day: 1", three_steps,
     "setups: {min_run: {s1: 2}}\n", 11, 20,
     "unknown setup 's1': no step has it (setups: none)"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, setup: s1}\n",
     "setups: {changes: [{from: s1, to: s1, time: 3}]}\n", 9, 27,
     "a setup change goes from one setup to another"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, setup: s1}\n",
     "setups: {changes: [{to: s1, time: 3}, {to: s1, time: 4}]}\n", 9, 39,
     "a second change from any setup to 's1'"},
    {"", "lots_per_day: 1",
     "      - {tool_group: G, mean: 1, setup: s1}\n",
     "setups: {changes: [{to: s2, time: 3}]}\n", 9, 25,
     "unknown setup 's2': no step has it (setups: s1)"},
    {"", "lots_per_day: 1", three_steps,
     "transport: {distribution: exponential}\n", 11, 12,
     "exponential needs 'mean'"},
};

START_TEST(test_realism_errors)
{
    char *text = realism_text(realism_errors[_i].groups,
                              realism_errors[_i].product,
                              realism_errors[_i].steps,
                              realism_errors[_i].extra);
    ws_error err = load_bad(text, "r.yaml");

    if (realism_errors[_i].message) {
        ck_assert_msg(err.line == realism_errors[_i].line &&
                      err.col == realism_errors[_i].col,
                      "case %d: at %d:%d (%s), expected %d:%d", _i, err.line,
                      err.col, err.message, realism_errors[_i].line,
                      realism_errors[_i].col);
        ck_assert_msg(strstr(err.message, realism_errors[_i].message) != NULL,
                      "case %d: message '%s' lacks '%s'", _i, err.message,
                      realism_errors[_i].message);
    }
    free(text);
}
END_TEST

/* References by name and by number, a step referring to itself, and
 * rework_to on the same step. */
START_TEST(test_step_references)
{
    char *text = realism_text(
        "", "lots_per_day: 1\n    due: {value: 2, unit: d}",
        "      - {step: a, tool_group: G, mean: 10, cqt_to: c, cqt_limit: 2,"
        " unit: h}\n"
        "      - {step: b, tool_group: G, mean: 20, rework_to: b, "
        "rework_prob: 0.5, same_tool_as: a}\n"
        "      - {step: c, tool_group: G, mean: 30, rework_to: \"#1\", "
        "rework_prob: 0, cqt_to: \"#4\", cqt_limit: 0, cqt_action: count}\n"
        "      - {step: \"#1\", tool_group: G, mean: 30, same_tool_as: \"#3\"}\n",
        "");
    model *m = load_ok(text, "r.yaml");
    const route_step *s = m->products[0].steps;

    ck_assert_int_eq(s[1].rework_to, 1);
    ck_assert_int_eq(s[1].same_tool_as, 0);
    ck_assert_int_eq(s[2].rework_to, 0);
    ck_assert_int_eq(s[3].same_tool_as, 2);
    ck_assert_close(m->products[0].due_offset_days, 2.0);
    ck_assert_int_eq(m->nconstraints, 2);
    ck_assert_int_eq(m->constraints[0].from_step, 0);
    ck_assert_int_eq(m->constraints[0].to_step, 2);
    ck_assert_close(m->constraints[0].limit_days, 2 * HOUR);   /* its unit */
    ck_assert_int_eq(m->constraints[0].action, CQT_COUNT);
    ck_assert_int_eq(m->constraints[1].from_step, 2);
    ck_assert_int_eq(m->constraints[1].to_step, 3);
    ck_assert_double_eq(m->constraints[1].limit_days, 0.0);
    model_destroy(m);
    free(text);
}
END_TEST

/* A CSV route's references and errors are the inline route's, at the
 * cells. */
START_TEST(test_csv_realism)
{
    static const char yaml[] =
        "tool_groups: {G: {tools: 1}, B: {tools: 1, batching: {unit: lots}}}\n"
        "products:\n"
        "  P: {lots_per_day: 1, route: r.csv}\n"
        "  Q: {lots_per_day: 1, route: r.csv}\n";
    char csv_path[160], yaml_path[160];
    model *m;
    ws_error err;
    int rc;

    make_temp_dir();
    snprintf(csv_path, sizeof csv_path, "%s/r.csv", temp_dir);
    snprintf(yaml_path, sizeof yaml_path, "%s/s.yaml", temp_dir);
    write_text(yaml_path, yaml);
    write_text(csv_path,
               "step,tool_group,mean,batch_min,batch_max,setup,setup_time,"
               "cqt_to,cqt_limit,cqt_action,rework_to,rework_prob,sample\n"
               "x,B,1,2,3,,,z,30,rework,,,\n"
               "y,G,1,,,s,4,,,,,,0.5\n"
               "z,G,1,,,,,,,,x,0.2,\n");
    ws_error_clear(&err);
    rc = scenario_load_file(yaml_path, &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    for (int p = 0; p < 2; p++) {
        const route_step *s = m->products[p].steps;
        ck_assert_int_eq(s[0].batch_min, 2);
        ck_assert_int_eq(s[0].batch_max, 3);
        ck_assert_int_eq(s[1].setup, 0);
        ck_assert_close(s[1].setup_time.mean, 4 * MINUTE);
        ck_assert_double_eq(s[1].sample_prob, 0.5);
        ck_assert_int_eq(s[2].rework_to, 0);
        ck_assert_double_eq(s[2].rework_prob, 0.2);
        /* one constraint per product sharing the file */
        ck_assert_int_eq(m->constraints[p].product, p);
        ck_assert_int_eq(m->constraints[p].from_step, 0);
        ck_assert_int_eq(m->constraints[p].to_step, 2);
        ck_assert_int_eq(m->constraints[p].action, CQT_REWORK);
        ck_assert_close(m->constraints[p].limit_days, 30 * MINUTE);
    }
    ck_assert_int_eq(m->nconstraints, 2);
    ck_assert_int_eq(m->nsetups, 1);
    model_destroy(m);

    /* A cycle, at the cell. */
    write_text(csv_path, "step,tool_group,mean,rework_to,rework_prob\n"
                         "x,G,1,y,0.1\n"
                         "y,G,1,,\n");
    rc = scenario_load_file(yaml_path, &m, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_str_eq(err.path, csv_path);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 7);
    ck_assert_ptr_nonnull(strstr(err.message, "'rework_to' must be this "
                                              "step or an earlier one"));
    /* A batch size on a group without batching. */
    write_text(csv_path, "tool_group,mean,batch_min\nG,1,2\n");
    rc = scenario_load_file(yaml_path, &m, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 5);
    ck_assert_ptr_nonnull(strstr(err.message, "needs a tool group with "
                                              "'batching'"));
    ck_assert_int_eq(unlink(csv_path), 0);
    ck_assert_int_eq(unlink(yaml_path), 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
}
END_TEST

/* The mini data set (tests/data/smt2020-mini) alone, and overridden by a
 * scenario: only the keys given change. */
#define MINI_DIR SOURCE_DIR "/tests/data/smt2020-mini"

static model *load_mini(void)
{
    model *m = NULL;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_smt2020(MINI_DIR "/", NULL, 0, &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    return m;
}

START_TEST(test_smt2020_alone)
{
    model *m = load_mini();
    ws_error err;
    model *none = (model *)&none;
    scenario_setting s;
    int rc;

    ck_assert_str_eq(m->name, "smt2020-mini");
    ck_assert_str_eq(m->sources[0].path, MINI_DIR);
    ck_assert_str_eq(m->sources[0].text, "smt2020: \"" MINI_DIR "\"\n");
    ck_assert_int_gt(m->ngroups, 0);
    ck_assert_int_gt(m->nproducts, 0);
    ck_assert_int_gt(m->nsources, 1);
    model_destroy(m);

    /* Missing: no input, not bad data. */
    rc = scenario_load_smt2020(SOURCE_DIR "/tests/data/no-such-set", NULL, 0,
                               &none, &err);
    ck_assert_int_eq(rc, WS_ENOINPUT);
    ck_assert_ptr_null(none);

    /* A setting names a group that the data set does not have. */
    ck_assert_int_eq(scenario_setting_parse("tool_groups.NOPE.tools=3", &s),
                     0);
    rc = scenario_load_smt2020(MINI_DIR, &s, 1, &none, &err);
    ck_assert_int_eq(rc, WS_EDATA);
    ck_assert_str_eq(err.path, "--set tool_groups.NOPE.tools=3");
    ck_assert_ptr_nonnull(strstr(err.message, "no tool group 'NOPE' (tool "
                                              "groups: "));
}
END_TEST

START_TEST(test_smt2020_override)
{
    model *base = load_mini(), *m;
    const tool_group *g0 = &base->groups[0];
    const product *p0 = &base->products[0];
    char *text = malloc(4096);
    ws_error err;
    int rc;

    ck_assert_ptr_nonnull(text);
    /* Override the first group and product by name, add a group and a
     * product of the file's own, and set top-level keys. */
    snprintf(text, 4096,
             "smt2020: smt2020-mini\n"
             "name: mini over\n"
             "horizon_days: 40\n"
             "start_date: 2030-06-01\n"
             "tool_groups:\n"
             "  \"%s\": {tools: %d, cascade: 2}\n"
             "  EXTRA: {tools: 1}\n"
             "products:\n"
             "  \"%s\": {priority: 25, due_factor: 2}\n"
             "  NEW:\n"
             "    lots_per_day: 1\n"
             "    route: [{tool_group: EXTRA, mean: 5}, "
             "{tool_group: \"%s\", mean: 6}]\n",
             g0->name, (int)g0->tools + 5, p0->name, g0->name);
    ws_error_clear(&err);
    rc = scenario_load_string(text, strlen(text),
                              SOURCE_DIR "/tests/data/over.yaml", &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    ck_assert_str_eq(m->name, "mini over");
    ck_assert_double_eq(m->horizon_days, 40.0);
    ck_assert_int_eq(m->start_date, date_days_from_civil(2030, 6, 1));
    ck_assert_int_eq(m->ngroups, base->ngroups + 1);
    ck_assert_int_eq(m->nproducts, base->nproducts + 1);
    ck_assert_int_eq(m->groups[0].tools, g0->tools + 5);
    ck_assert_int_eq(m->groups[0].cascade, 2);
    /* what the file does not give stays the data set's */
    ck_assert_int_eq(m->groups[0].nrank, g0->nrank);
    ck_assert_int_eq(m->groups[0].batching, g0->batching);
    ck_assert_int_eq(m->groups[0].ndowntimes, g0->ndowntimes);
    ck_assert_double_eq(m->groups[0].load_days, g0->load_days);
    for (int32_t g = 1; g < base->ngroups; g++)
        ck_assert_int_eq(m->groups[g].tools, base->groups[g].tools);
    ck_assert_str_eq(m->groups[base->ngroups].name, "EXTRA");
    ck_assert_int_eq(m->products[0].priority, 25);
    ck_assert_int_eq(m->products[0].release, p0->release);
    ck_assert_int_eq(m->products[0].nsteps, p0->nsteps);
    ck_assert_close(m->products[0].due_offset_days,
                    2 * product_raw_process_time(m, p0));
    ck_assert_int_eq(m->products[base->nproducts].nsteps, 2);
    ck_assert_int_eq(m->products[base->nproducts].steps[1].tool_group, 0);
    ck_assert_int_eq(m->norders, base->norders);
    ck_assert_int_eq(m->ninitial, base->ninitial);
    ck_assert_int_eq(m->nconstraints, base->nconstraints);
    ck_assert_str_eq(m->sources[0].path, SOURCE_DIR "/tests/data/over.yaml");
    model_destroy(m);

    /* A data set's route cannot be replaced. */
    snprintf(text, 4096,
             "smt2020: smt2020-mini\n"
             "products: {\"%s\": {route: [{tool_group: \"%s\"}]}}\n",
             p0->name, g0->name);
    err = load_bad(text, SOURCE_DIR "/tests/data/over.yaml");
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot replace the route"));
    /* A data set that is not there is the file's mistake. */
    err = load_bad("smt2020: nope\n", SOURCE_DIR "/tests/data/over.yaml");
    ck_assert_int_eq(err.line, 1);
    ck_assert_int_eq(err.col, 10);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot read the SMT2020 data "
                                              "set: "));
    free(text);
    model_destroy(base);
}
END_TEST

/* --- the catalogue of bad files ----------------------------------------- */

enum { MAX_BAD = 512 };
static char bad_names[MAX_BAD][128];
static int nbad;

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void list_bad_files(void)
{
    DIR *d = opendir(BAD_DIR);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL && nbad < MAX_BAD) {
        size_t n = strlen(e->d_name);
        if (n > 5 && n < sizeof bad_names[0] &&
            strcmp(e->d_name + n - 5, ".yaml") == 0)
            strcpy(bad_names[nbad++], e->d_name);
    }
    closedir(d);
    qsort(bad_names, (size_t)nbad, sizeof bad_names[0], compare_names);
}

static void first_line(const char *path, char *line, size_t size)
{
    FILE *f = fopen(path, "rb");

    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_ptr_nonnull(fgets(line, (int)size, f));
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
}

START_TEST(test_bad_file)
{
    const char *name = bad_names[_i];
    char path[512], line[512], expected_path[512];
    const char *spec, *colon;
    int want_line, want_col, used;
    model *m = (model *)&m;
    ws_error err;
    int rc;

    snprintf(path, sizeof path, "%s/%s", BAD_DIR, name);
    first_line(path, line, sizeof line);
    ck_assert_msg(strncmp(line, "# expect: ", 10) == 0,
                  "%s: the first line must be '# expect: ...'", name);
    spec = line + 10;
    colon = strchr(spec, ':');
    ck_assert_ptr_nonnull(colon);
    if (spec[0] >= '0' && spec[0] <= '9') {
        snprintf(expected_path, sizeof expected_path, "%s", path);
    } else {
        /* A route file's problem: the CSV repeats the expectation. */
        char csv_line[512];
        snprintf(expected_path, sizeof expected_path, "%s/%.*s", BAD_DIR,
                 (int)(colon - spec), spec);
        first_line(expected_path, csv_line, sizeof csv_line);
        ck_assert_str_eq(csv_line, line);
        spec = colon + 1;
    }
    ck_assert_msg(sscanf(spec, "%d:%d: %n", &want_line, &want_col, &used) == 2,
                  "%s: bad expectation '%s'", name, line);

    ws_error_clear(&err);
    rc = scenario_load_file(path, &m, &err);
    ck_assert_msg(rc == WS_EDATA, "%s: rc %d (%s)", name, rc, err.message);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.code, WS_EDATA);
    ck_assert_str_eq(err.path, expected_path);
    ck_assert_msg(err.line == want_line && err.col == want_col,
                  "%s: error at %d:%d, expected %d:%d (%s)", name, err.line,
                  err.col, want_line, want_col, err.message);
    ck_assert_msg(strstr(err.message, spec + used) != NULL,
                  "%s: message '%s' lacks '%s'", name, err.message,
                  spec + used);
}
END_TEST

START_TEST(test_bad_catalogue_size)
{
    ck_assert_int_ge(nbad, 20);
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("good");
    TCase *bad = tcase_create("bad");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_top_level_values);
    tcase_add_test(tc, test_units);
    tcase_add_test(tc, test_distributions);
    tcase_add_test(tc, test_aliases_and_flow_style);
    tcase_add_test(tc, test_strict_numbers);
    tcase_add_test(tc, test_name_limits);
    tcase_add_test(tc, test_too_many_steps);
    tcase_add_test(tc, test_total_step_limit);
    tcase_add_test(tc, test_csv_route);
    tcase_add_test(tc, test_unreadable_scenario);
    tcase_add_test(tc, test_too_large);
    tcase_add_test(tc, test_libfyaml_is_silent);
    tcase_add_test(tc, test_length_bounds_text);
    tcase_add_test(tc, test_shipped_scenarios);
    tcase_add_test(tc, test_realism_example);
    tcase_add_test(tc, test_dispatch_forms);
    tcase_add_loop_test(tc, test_realism_errors, 0,
                        sizeof realism_errors / sizeof realism_errors[0]);
    tcase_add_test(tc, test_step_references);
    tcase_add_test(tc, test_csv_realism);
    tcase_add_test(tc, test_smt2020_alone);
    tcase_add_test(tc, test_smt2020_override);
    suite_add_tcase(s, tc);

    tcase_add_test(bad, test_bad_catalogue_size);
    tcase_add_loop_test(bad, test_bad_file, 0, nbad);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    list_bad_files();
    sr = srunner_create(scenario_suite());
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
