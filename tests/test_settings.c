/* Tests for settings (scenario_load_file_with, scenario_setting_parse)
 * and sweep designs (scenario_load_design) of models/scenario.
 *
 * The central check: a setting gives exactly the model that a file saying
 * so gives.  Each case of the table names its settings and the edit of
 * the YAML (and, for CSV routes, the route file) that should mean the
 * same; both are loaded and their models compared field by field. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "models/scenario.h"

#define SOURCE_DIR WAFERSIM_SOURCE_DIR

/* --- files ------------------------------------------------------------- */

static char temp_dir[64];

static void make_temp_dir(void)
{
    char routes[128];

    strcpy(temp_dir, "/tmp/wafersim-settings-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
    snprintf(routes, sizeof routes, "%s/routes", temp_dir);
    ck_assert_int_eq(mkdir(routes, 0700), 0);
}

/* The path of name in the temporary directory (a static buffer each). */
static const char *temp_path(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, sizeof paths[0], "%s/%s", temp_dir, name);
    return p;
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(temp_path(name), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

static void remove_temp_dir(void)
{
    char command[128];

    /* Only our own mkdtemp directory. */
    snprintf(command, sizeof command, "rm -rf '%s'", temp_dir);
    ck_assert_int_eq(system(command), 0);
}

/* Replaces the one occurrence of from in text by to (a fresh string). */
static char *edited(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    ck_assert_msg(at != NULL, "'%s' is not in the text", from);
    ck_assert_msg(strstr(at + 1, from) == NULL, "'%s' twice", from);
    ck_assert_ptr_nonnull(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to,
             at + strlen(from));
    return out;
}

/* The base scenario: aliases, every release kind, a quoted name with a
 * dot, an inline route with a repeated and a default step name, and a
 * CSV route (shared by two products) with a repeated step name. */
static const char base_yaml[] =
    "horizon_days: 100\n"
    "warmup_days: 10\n"
    "tool_groups:\n"
    "  LITHO: {tools: 2}\n"
    "  ETCH: &etch {tools: 3}\n"
    "  CMP: *etch\n"
    "products:\n"
    "  A:\n"
    "    wafers_per_month: 1000\n"
    "    route: routes/a.csv\n"
    "  B:\n"
    "    lots_per_day: 2\n"
    "    route:\n"
    "      - {step: clean, tool_group: ETCH, mean: 30}\n"
    "      - {step: expose, tool_group: LITHO, distribution: gamma, "
    "mean: 5, cv: 0.5}\n"
    "      - {tool_group: CMP, mean: 20}\n"
    "      - {step: clean, tool_group: ETCH, mean: 31}\n"
    "  \"C.1\":\n"
    "    interarrival: {distribution: exponential, mean: 2, unit: h}\n"
    "    route: routes/a.csv\n";

static const char base_csv[] =
    "step,tool_group,mean,cv,distribution\n"
    "expose,LITHO,5,0.5,gamma\n"
    "etch,ETCH,30,,\n"
    "etch,ETCH,31,,\n"
    ",CMP,20,,\n";

static void write_base(void)
{
    make_temp_dir();
    write_text("s.yaml", base_yaml);
    write_text("routes/a.csv", base_csv);
}

/* --- models ------------------------------------------------------------ */

static void assert_same_dist(const dist *a, const dist *b, const char *what)
{
    ck_assert_msg(a->kind == b->kind, "%s: kind %d vs %d", what, a->kind,
                  b->kind);
    ck_assert_msg(a->mean == b->mean, "%s: mean %.17g vs %.17g", what,
                  a->mean, b->mean);
    for (size_t i = 0; i < sizeof a->p / sizeof a->p[0]; i++)
        ck_assert_msg(a->p[i] == b->p[i], "%s: p[%zu] %.17g vs %.17g", what,
                      i, a->p[i], b->p[i]);
}

/* Equal bit for bit, or both NaN ("none"). */
static void assert_same_double(double a, double b, const char *what)
{
    ck_assert_msg((isnan(a) && isnan(b)) || a == b, "%s: %.17g vs %.17g",
                  what, a, b);
}

static void assert_same_group(const tool_group *x, const tool_group *y)
{
    ck_assert_str_eq(x->name, y->name);
    ck_assert_int_eq(x->tools, y->tools);
    ck_assert_int_eq(x->nrank, y->nrank);
    for (int32_t k = 0; k < x->nrank; k++)
        ck_assert_int_eq(x->rank[k], y->rank[k]);
    ck_assert((x->area == NULL) == (y->area == NULL));
    if (x->area)
        ck_assert_str_eq(x->area, y->area);
    ck_assert_int_eq(x->batching, y->batching);
    ck_assert_int_eq(x->batch_unit, y->batch_unit);
    assert_same_double(x->batch_wait_days, y->batch_wait_days, "wait");
    ck_assert_int_eq(x->cascade, y->cascade);
    assert_same_double(x->load_days, y->load_days, "load");
    assert_same_double(x->unload_days, y->unload_days, "unload");
    ck_assert_int_eq(x->ndowntimes, y->ndowntimes);
    for (int32_t d = 0; d < x->ndowntimes; d++) {
        const tool_downtime *u = &x->downtimes[d], *v = &y->downtimes[d];
        ck_assert_str_eq(u->name, v->name);
        ck_assert_int_eq(u->kind, v->kind);
        if (u->kind == DOWN_PM_WAFERS) {
            assert_same_double(u->interval_wafers, v->interval_wafers,
                               u->name);
            assert_same_double(u->first_wafers, v->first_wafers, u->name);
        } else
            assert_same_dist(&u->interval, &v->interval, u->name);
        assert_same_dist(&u->duration, &v->duration, u->name);
        ck_assert_int_eq(u->has_first, v->has_first);
        if (u->has_first)
            assert_same_dist(&u->first, &v->first, u->name);
        ck_assert_int_eq(u->stagger, v->stagger);
    }
}

static void assert_same_step(const route_step *x, const route_step *y)
{
    ck_assert_str_eq(x->name, y->name);
    ck_assert_int_eq(x->tool_group, y->tool_group);
    ck_assert_int_eq(x->per, y->per);
    assert_same_dist(&x->time, &y->time, x->name);
    ck_assert_int_eq(x->batch_min, y->batch_min);
    ck_assert_int_eq(x->batch_max, y->batch_max);
    assert_same_double(x->cascade_interval_days, y->cascade_interval_days,
                       "cascade_interval");
    ck_assert_int_eq(x->setup, y->setup);
    ck_assert_int_eq(x->has_setup_time, y->has_setup_time);
    if (x->has_setup_time)
        assert_same_dist(&x->setup_time, &y->setup_time, "setup_time");
    assert_same_double(x->sample_prob, y->sample_prob, "sample");
    assert_same_double(x->rework_prob, y->rework_prob, "rework_prob");
    ck_assert_int_eq(x->rework_to, y->rework_to);
    assert_same_double(x->scrap_prob, y->scrap_prob, "scrap_prob");
    ck_assert_int_eq(x->same_tool_as, y->same_tool_as);
    ck_assert_int_eq(x->step_priority, y->step_priority);
}

/* Every field that the simulation or the output reads, bit for bit;
 * only the stored text of the inputs differs. */
static void assert_same_model(const model *a, const model *b)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert((a->description == NULL) == (b->description == NULL));
    if (a->description)
        ck_assert_str_eq(a->description, b->description);
    ck_assert_int_eq(a->start_date, b->start_date);
    ck_assert(a->horizon_days == b->horizon_days);
    ck_assert(a->warmup_days == b->warmup_days);
    ck_assert_int_eq(a->replications, b->replications);
    ck_assert_uint_eq(a->seed, b->seed);
    ck_assert_int_eq(a->ngroups, b->ngroups);
    for (int32_t g = 0; g < a->ngroups; g++)
        assert_same_group(&a->groups[g], &b->groups[g]);
    ck_assert_int_eq(a->nproducts, b->nproducts);
    for (int32_t p = 0; p < a->nproducts; p++) {
        const product *x = &a->products[p], *y = &b->products[p];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->lot_size, y->lot_size);
        ck_assert_int_eq(x->release, y->release);
        if (x->release == RELEASE_INTERVAL)
            ck_assert_msg(x->release_interval_days == y->release_interval_days,
                          "%s: interval %.17g vs %.17g", x->name,
                          x->release_interval_days, y->release_interval_days);
        else if (x->release == RELEASE_RANDOM)
            assert_same_dist(&x->interarrival, &y->interarrival, x->name);
        else if (x->release == RELEASE_CONWIP)
            ck_assert_int_eq(x->conwip_lots, y->conwip_lots);
        ck_assert(x->first_release_days == y->first_release_days);
        ck_assert_int_eq(x->priority, y->priority);
        assert_same_double(x->due_offset_days, y->due_offset_days, "due");
        ck_assert_int_eq(x->nsteps, y->nsteps);
        for (int32_t s = 0; s < x->nsteps; s++)
            assert_same_step(&x->steps[s], &y->steps[s]);
    }
    ck_assert_int_eq(a->nsetups, b->nsetups);
    assert_same_double(a->setup_min_run_wait_days, b->setup_min_run_wait_days,
                       "min_run_wait");
    for (int32_t i = 0; i < a->nsetups; i++) {
        ck_assert_str_eq(a->setups[i], b->setups[i]);
        ck_assert_int_eq(a->setup_min_run[i], b->setup_min_run[i]);
    }
    ck_assert_int_eq(a->nsetup_changes, b->nsetup_changes);
    for (int32_t i = 0; i < a->nsetup_changes; i++) {
        ck_assert_int_eq(a->setup_changes[i].from, b->setup_changes[i].from);
        ck_assert_int_eq(a->setup_changes[i].to, b->setup_changes[i].to);
        assert_same_dist(&a->setup_changes[i].time, &b->setup_changes[i].time,
                         "change");
    }
    ck_assert_int_eq(a->nconstraints, b->nconstraints);
    for (int32_t i = 0; i < a->nconstraints; i++) {
        const time_constraint *x = &a->constraints[i], *y = &b->constraints[i];
        ck_assert_int_eq(x->product, y->product);
        ck_assert_int_eq(x->from_step, y->from_step);
        ck_assert_int_eq(x->to_step, y->to_step);
        assert_same_double(x->limit_days, y->limit_days, "limit");
        ck_assert_int_eq(x->action, y->action);
    }
    ck_assert_int_eq(a->norders, b->norders);
    for (int32_t i = 0; i < a->norders; i++) {
        const release_order *x = &a->orders[i], *y = &b->orders[i];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->product, y->product);
        ck_assert_int_eq(x->wafers, y->wafers);
        ck_assert_int_eq(x->priority, y->priority);
        ck_assert_int_eq(x->kind, y->kind);
        if (x->kind == RELEASE_RANDOM)
            assert_same_dist(&x->interarrival, &y->interarrival, x->name);
        else
            assert_same_double(x->interval_days, y->interval_days, x->name);
        assert_same_double(x->first_days, y->first_days, "first");
        ck_assert_int_eq(x->count, y->count);
        assert_same_double(x->due_offset_days, y->due_offset_days, "due");
    }
    ck_assert_int_eq(a->ninitial, b->ninitial);
    for (int32_t i = 0; i < a->ninitial; i++) {
        const initial_lot *x = &a->initial[i], *y = &b->initial[i];
        ck_assert_int_eq(x->product, y->product);
        ck_assert_int_eq(x->step, y->step);
        ck_assert_int_eq(x->wafers, y->wafers);
        ck_assert_int_eq(x->priority, y->priority);
        assert_same_double(x->release_day, y->release_day, "release_day");
        assert_same_double(x->due_day, y->due_day, "due_day");
    }
    ck_assert_int_eq(a->has_transport, b->has_transport);
    if (a->has_transport)
        assert_same_dist(&a->transport, &b->transport, "transport");
    ck_assert_int_eq(a->conwip_lots, b->conwip_lots);
}

static model *load_with(const char *path, const char *const *texts,
                        size_t n)
{
    scenario_setting settings[8];
    model *m = NULL;
    ws_error err;
    int rc;

    ck_assert_uint_le(n, 8);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(scenario_setting_parse(texts[i], &settings[i]), 0);
    ws_error_clear(&err);
    rc = scenario_load_file_with(path, settings, n, &m, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    return m;
}

static ws_error load_with_bad(const char *path, const scenario_setting *s,
                              size_t n)
{
    model *m = (model *)&m;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_file_with(path, s, n, &m, &err);
    ck_assert_msg(rc == WS_EDATA, "rc %d (%s)", rc, err.message);
    ck_assert_int_eq(err.code, WS_EDATA);
    ck_assert_ptr_null(m);
    return err;
}

/* --- settings give the model of the edited file ----------------------- */

static const struct {
    const char *settings[4];
    const char *from;           /* edit of the YAML */
    const char *to;
    const char *from2;          /* a second edit, or NULL */
    const char *to2;
    const char *csv;            /* A's route as routes/a2.csv, or NULL */
} equivalents[] = {
    /* top level: replaced, added */
    {{"horizon_days=200"}, "horizon_days: 100", "horizon_days: 200", NULL,
     NULL, NULL},
    {{"seed=7", "replications=3"}, "warmup_days: 10\n",
     "warmup_days: 10\nseed: 7\nreplications: 3\n", NULL, NULL, NULL},
    {{"name=My fab", "description=x=y", "start_date=2024-02-29",
      "time_unit=h"},
     "warmup_days: 10\n",
     "warmup_days: 10\nname: My fab\ndescription: x=y\n"
     "start_date: 2024-02-29\ntime_unit: h\n", NULL, NULL, NULL},
    {{"lot_size=12", "format_version=1"}, "warmup_days: 10\n",
     "warmup_days: 10\nlot_size: 12\nformat_version: 1\n", NULL, NULL, NULL},
    /* later settings win */
    {{"horizon_days=200", "warmup_days=5", "horizon_days=300"},
     "horizon_days: 100\nwarmup_days: 10",
     "horizon_days: 300\nwarmup_days: 5", NULL, NULL, NULL},
    /* tool groups, also through an alias: only the named group changes */
    {{"tool_groups.LITHO.tools=5"}, "LITHO: {tools: 2}", "LITHO: {tools: 5}",
     NULL, NULL, NULL},
    {{"tool_groups.CMP.tools=9"}, "CMP: *etch", "CMP: {tools: 9}", NULL,
     NULL, NULL},
    {{"tool_groups.ETCH.tools=4"}, "ETCH: &etch {tools: 3}\n  CMP: *etch",
     "ETCH: {tools: 4}\n  CMP: {tools: 3}", NULL, NULL, NULL},
    {{"tool_groups.ETCH.dispatch=fifo"}, "ETCH: &etch {tools: 3}\n  CMP: *etch",
     "ETCH: {tools: 3, dispatch: fifo}\n  CMP: {tools: 3}", NULL, NULL,
     NULL},
    /* products: release rates, and the switch of release kind */
    {{"products.A.wafers_per_month=2000"}, "wafers_per_month: 1000",
     "wafers_per_month: 2000", NULL, NULL, NULL},
    {{"products.A.lots_per_day=3"}, "wafers_per_month: 1000",
     "lots_per_day: 3", NULL, NULL, NULL},
    {{"products.B.wafers_per_month=3000"}, "lots_per_day: 2",
     "wafers_per_month: 3000", NULL, NULL, NULL},
    {{"products.\"C.1\".wafers_per_month=500"},
     "interarrival: {distribution: exponential, mean: 2, unit: h}",
     "wafers_per_month: 500", NULL, NULL, NULL},
    {{"products.A.interarrival.distribution=exponential",
      "products.A.interarrival.mean=4"},
     "wafers_per_month: 1000",
     "interarrival: {distribution: exponential, mean: 4}", NULL, NULL, NULL},
    {{"products.\"C.1\".interarrival.mean=3"}, "mean: 2, unit: h",
     "mean: 3, unit: h", NULL, NULL, NULL},
    {{"products.\"C.1\".interarrival.unit=d"}, "mean: 2, unit: h",
     "mean: 2, unit: d", NULL, NULL, NULL},
    {{"products.\"C.1\".lot_size=10", "products.B.first_release_day=2.5"},
     "  \"C.1\":\n", "  \"C.1\":\n    lot_size: 10\n", "lots_per_day: 2\n",
     "lots_per_day: 2\n    first_release_day: 2.5\n", NULL},
    {{"products.A.route=routes/a2.csv"}, "wafers_per_month: 1000\n"
     "    route: routes/a.csv", "wafers_per_month: 1000\n"
     "    route: routes/a2.csv", NULL, NULL, base_csv},
    /* inline steps: by name, by number, by their default name */
    {{"products.B.route.expose.cv=0.25"}, "mean: 5, cv: 0.5",
     "mean: 5, cv: 0.25", NULL, NULL, NULL},
    {{"products.B.route.#3.mean=25"}, "{tool_group: CMP, mean: 20}",
     "{tool_group: CMP, mean: 25}", NULL, NULL, NULL},
    {{"products.B.route.step 3.mean=26"}, "{tool_group: CMP, mean: 20}",
     "{tool_group: CMP, mean: 26}", NULL, NULL, NULL},
    {{"products.B.route.#4.unit=h", "products.B.route.#1.per=wafer"},
     "mean: 31}", "mean: 31, unit: h}", "{step: clean, tool_group: ETCH, "
     "mean: 30}", "{step: clean, tool_group: ETCH, mean: 30, per: wafer}",
     NULL},
    {{"products.B.route.#1.step=wash", "products.B.route.wash.mean=33"},
     "{step: clean, tool_group: ETCH, mean: 30}",
     "{step: wash, tool_group: ETCH, mean: 33}", NULL, NULL, NULL},
    {{"products.B.route.#1.distribution=exponential",
      "products.B.route.#1.tool_group=LITHO"},
     "{step: clean, tool_group: ETCH, mean: 30}",
     "{step: clean, tool_group: LITHO, mean: 30, "
     "distribution: exponential}", NULL, NULL, NULL},
    /* CSV steps: by name, by number, a renamed step found by its new
     * name; the other product sharing the file keeps it as it is */
    {{"products.A.route.expose.mean=7"}, "route: routes/a.csv\n  B:",
     "route: routes/a2.csv\n  B:", NULL, NULL,
     "step,tool_group,mean,cv,distribution\n"
     "expose,LITHO,7,0.5,gamma\netch,ETCH,30,,\netch,ETCH,31,,\n"
     ",CMP,20,,\n"},
    {{"products.A.route.#4.tool_group=LITHO", "products.A.route.#3.cv=0.1",
      "products.A.route.#3.distribution=gamma"},
     "route: routes/a.csv\n  B:", "route: routes/a2.csv\n  B:", NULL, NULL,
     "step,tool_group,mean,cv,distribution\n"
     "expose,LITHO,5,0.5,gamma\netch,ETCH,30,,\netch,ETCH,31,0.1,gamma\n"
     ",LITHO,20,,\n"},
    {{"products.A.route.#2.step=polish", "products.A.route.polish.mean=40",
      "products.A.route.step 4.unit=h"},
     "route: routes/a.csv\n  B:", "route: routes/a2.csv\n  B:", NULL, NULL,
     "step,tool_group,mean,cv,distribution,unit\n"
     "expose,LITHO,5,0.5,gamma,\npolish,ETCH,40,,,\netch,ETCH,31,,,\n"
     ",CMP,20,,,h\n"},
};

START_TEST(test_setting_equals_file)
{
    const char *const *settings = equivalents[_i].settings;
    size_t n = 0;
    char *yaml, *yaml2;
    model *set, *file;

    while (n < 4 && settings[n])
        n++;
    write_base();
    yaml = edited(base_yaml, equivalents[_i].from, equivalents[_i].to);
    if (equivalents[_i].from2) {
        yaml2 = edited(yaml, equivalents[_i].from2, equivalents[_i].to2);
        free(yaml);
        yaml = yaml2;
    }
    /* The same file name in another directory: the same default name. */
    ck_assert_int_eq(mkdir(temp_path("e"), 0700), 0);
    ck_assert_int_eq(mkdir(temp_path("e/routes"), 0700), 0);
    write_text("e/s.yaml", yaml);
    write_text("e/routes/a.csv", base_csv);
    if (equivalents[_i].csv) {
        write_text("routes/a2.csv", equivalents[_i].csv);
        write_text("e/routes/a2.csv", equivalents[_i].csv);
    }
    free(yaml);

    set = load_with(temp_path("s.yaml"), settings, n);
    file = load_with(temp_path("e/s.yaml"), NULL, 0);
    assert_same_model(set, file);
    /* The stored scenario is the file as written, not as set. */
    ck_assert_str_eq(set->sources[0].text, base_yaml);
    model_destroy(set);
    model_destroy(file);

    remove_temp_dir();
}
END_TEST

/* Settings may only change what they name: the file's shared alias
 * target and the other product on the same CSV are untouched. */
START_TEST(test_setting_changes_only_its_path)
{
    static const char *const settings[] = {
        "tool_groups.CMP.tools=9", "products.A.route.#1.mean=8",
    };
    model *m;

    write_base();
    m = load_with(temp_path("s.yaml"), settings, 2);
    ck_assert_int_eq(m->groups[1].tools, 3);      /* ETCH, the anchor */
    ck_assert_int_eq(m->groups[2].tools, 9);
    ck_assert(fabs(m->products[0].steps[0].time.mean - 8.0 / 1440) < 1e-15);
    ck_assert(fabs(m->products[2].steps[0].time.mean - 5.0 / 1440) < 1e-15);
    model_destroy(m);
    remove_temp_dir();
}
END_TEST

START_TEST(test_setting_parse)
{
    static const struct {
        const char *text;
        int rc;
        size_t path_length;     /* of the path before '=' */
        const char *value;
    } cases[] = {
        {"a.b=c", 0, 3, "c"},
        {"horizon_days=", 0, 12, ""},
        {"description=x=y", 0, 11, "x=y"},
        {"products.\"a=b\".lot_size=3", 0, 23, "3"},
        {"products.\"a\\\"=b\".lot_size=3", 0, 25, "3"},
        {"=5", -1, 0, NULL},
        {"horizon_days", -1, 0, NULL},
        {"", -1, 0, NULL},
        {"products.\"a=5", -1, 0, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario_setting s;
        memset(&s, 0xff, sizeof s);
        ck_assert_msg(scenario_setting_parse(cases[i].text, &s) ==
                      cases[i].rc, "%s", cases[i].text);
        if (cases[i].rc != 0)
            continue;
        ck_assert_ptr_eq(s.path, cases[i].text);
        ck_assert_ptr_eq(s.value, cases[i].text + cases[i].path_length + 1);
        ck_assert_str_eq(s.value, cases[i].value);
        ck_assert_ptr_null(s.origin);
        ck_assert_int_eq(s.line, 0);
        ck_assert_int_eq(s.col, 0);
    }
}
END_TEST

/* --- errors ----------------------------------------------------------- */

static const struct {
    const char *setting;
    const char *message;        /* the whole message */
} setting_errors[] = {
    /* paths */
    {"horizon_dayz=5", "unknown key 'horizon_dayz' (did you mean "
                       "'horizon_days'?)"},
    {"product.A.lot_size=5", "unknown top-level section 'product' (did you "
                             "mean 'products'?)"},
    {"fab.x=5", "unknown top-level section 'fab'"},
    {"horizon_days.x=5", "'horizon_days' is a value, not a section (set it "
                         "as horizon_days=VALUE)"},
    {"sweep.grid=5", "the sweep section cannot be changed by a setting"},
    {"products=5", "a product is set by products.NAME.KEY, e.g. "
                   "products.N28.wafers_per_month"},
    {"products.A=5", "a product is set by products.NAME.KEY, e.g. "
                     "products.A.wafers_per_month"},
    {"products.X.wafers_per_month=5", "no product 'X' (products: A, B, "
                                      "C.1)"},
    {"products.A.wafers_per_mont=5", "unknown key 'wafers_per_mont' (did "
                                     "you mean 'wafers_per_month'?)"},
    {"products.A.lot_size.x=5", "'lot_size' is a value, not a section"},
    {"products.A.interarrival=5", "'interarrival' is a distribution: set "
                                  "one of its keys, e.g. "
                                  "products.A.interarrival.mean"},
    {"products.A.interarrival.meen=5", "unknown key 'meen' (did you mean "
                                       "'mean'?)"},
    {"products.A.route.#1=5", "a route step is set by "
                              "products.A.route.STEP.FIELD, where STEP is "
                              "the step's name or #N"},
    {"products.B.route.expose.meen=5", "unknown key 'meen' (did you mean "
                                       "'mean'?)"},
    {"products.B.route.#0.mean=5", "'#0' is not a step number: write #1, "
                                   "#2, ... (or quote a step name that "
                                   "starts with #)"},
    {"products.B.route.#x.mean=5", "'#x' is not a step number: write #1, "
                                   "#2, ... (or quote a step name that "
                                   "starts with #)"},
    {"tool_groups.X.tools=2", "no tool group 'X' (tool groups: LITHO, "
                              "ETCH, CMP)"},
    {"tool_groups.LITHO.toolz=2", "unknown key 'toolz' (did you mean "
                                  "'tools'?)"},
    {"tool_groups.LITHO=2", "a tool group is set by tool_groups.NAME.KEY, "
                            "e.g. tool_groups.LITHO.tools"},
    {"a..b=1", "the path has an empty segment"},
    {"a.=1", "the path has an empty segment"},
    {"products.\"A\"x.lot_size=1", "the path has text after a closing double "
                                   "quote (quote the whole segment)"},
    {"a.b\"c\".d=1", "the path has a double quote inside a segment (quote "
                     "the whole segment: \"a.b\")"},
    {"a.b.c.d.e.f.g.h.i=1", "the path has too many segments"},
    /* steps, inline and CSV alike */
    {"products.B.route.clean.mean=5", "step name 'clean' is ambiguous: "
                                      "steps #1 and #4 of the route of "
                                      "product 'B' have it (use #N to "
                                      "choose one)"},
    {"products.A.route.etch.mean=5", "step name 'etch' is ambiguous: steps "
                                     "#2 and #3 of the route of product "
                                     "'A' have it (use #N to choose one)"},
    {"products.B.route.nope.mean=5", "no step 'nope' in the route of "
                                     "product 'B' (steps: clean, expose, "
                                     "step 3, clean)"},
    {"products.A.route.nope.mean=5", "no step 'nope' in the route of "
                                     "product 'A' (steps: expose, etch, "
                                     "etch, step 4)"},
    {"products.B.route.\"#1\".mean=5", "no step '#1' in the route of "
                                       "product 'B' (steps: clean, expose, "
                                       "step 3, clean)"},
    {"products.B.route.#9.mean=5", "there is no step #9: the route of "
                                   "product 'B' has 4 steps"},
    {"products.A.route.#9.mean=5", "there is no step #9: the route of "
                                   "product 'A' has 4 steps"},
    {"products.B.route.#1.mean=", "'mean' has no value"},
    {"products.A.route.#1.mean=", "'mean' has no value"},
    {"products.A.route.#1.mean=~", "'mean' has no value"},
    {"products.B.route.#2.mean=-1", "gamma: mean must be > 0 (got -1)"},
    {"products.A.route.#1.mean=-1", "gamma: mean must be > 0 (got -1)"},
    {"products.B.route.#1.cv=0.3", "'cv' is not a parameter of constant"},
    {"products.A.route.#2.cv=0.3", "'cv' is not a parameter of constant"},
    {"products.B.route.#1.tool_group=NOPE", "unknown tool group 'NOPE'"},
    {"products.A.route.#1.tool_group=NOPE", "unknown tool group 'NOPE'"},
    {"products.A.route.#1.per=day", "unknown 'per' value 'day' (use wafer, "
                                    "lot or batch)"},
    {"products.A.route.#1.mean=x", "'mean' is not a number: 'x'"},
    {"products.B.route.#1.step=", "'step' has no value"},
    /* values, with the reader's own messages */
    {"products.A.wafers_per_month=-5", "'wafers_per_month' must be > 0 "
                                       "(got -5)"},
    {"products.A.lots_per_day=0", "'lots_per_day' must be > 0 (got 0)"},
    {"products.A.interarrival.mean=0", "the mean interarrival time must be "
                                       "> 0"},
    {"products.\"C.1\".interarrival.distribution=weibull",
     "unknown distribution 'weibull' (use constant, uniform, exponential, "
     "normal, lognormal, gamma or triangular)"},
    {"products.A.interarrival.distribution=uniform", "uniform needs 'min'"},
    {"products.A.first_release_day=-1", "'first_release_day' must be >= 0 "
                                        "(got -1)"},
    {"products.A.route=nope.csv", "cannot read route file"},
    {"horizon_days=abc", "'horizon_days' is not a number: 'abc'"},
    {"horizon_days=", "'horizon_days' has no value; expected a number"},
    {"horizon_days=null", "'horizon_days' has no value; expected a number"},
    {"horizon_days=1e999", "'horizon_days' is out of range: '1e999'"},
    {"warmup_days=100", "'warmup_days' (100) must be less than "
                        "'horizon_days' (100)"},
    {"tool_groups.LITHO.tools=2.5", "'tools' must be an integer: '2.5'"},
    {"tool_groups.LITHO.tools=0", "'tools' must be an integer from 1 to "
                                  "100000 (got 0)"},
    {"tool_groups.LITHO.dispatch=zzz", "unknown dispatch rule 'zzz' (use "
                                       "fifo, spt, edd, critical_ratio, "},
    {"tool_groups.LITHO.dispatch=lifo", "unknown dispatch rule 'lifo' (did "
                                        "you mean 'fifo'?)"},
    {"start_date=2025-02-30", "'start_date' must be a real date written "
                              "YYYY-MM-DD (got '2025-02-30')"},
    {"seed=-1", "'seed' must not be negative: '-1'"},
    {"time_unit=week", "unknown time_unit 'week' (use s, min, h or d)"},
    {"name=", "'name' has no value; expected a string"},
    {"format_version=2", "unsupported format_version 2: this wafersim "
                         "reads format 1"},
    {"name=a\x01z", "bad value: control character U+0001 is not allowed"},
    {"name=\xff", "bad value: invalid UTF-8 (byte 0xFF)"},
};

START_TEST(test_setting_errors)
{
    scenario_setting s;
    char want_path[512];
    ws_error err;

    write_base();
    ck_assert_int_eq(scenario_setting_parse(setting_errors[_i].setting, &s),
                     0);
    err = load_with_bad(temp_path("s.yaml"), &s, 1);
    /* The CLI prints "--set PATH=VALUE: message". */
    snprintf(want_path, sizeof want_path, "--set %s",
             setting_errors[_i].setting);
    ck_assert_str_eq(err.path, want_path);
    ck_assert_int_eq(err.line, 0);
    ck_assert_int_eq(err.col, 0);
    ck_assert_msg(strncmp(err.message, setting_errors[_i].message,
                          strlen(setting_errors[_i].message)) == 0,
                  "%s: message '%s', expected '%s'",
                  setting_errors[_i].setting, err.message,
                  setting_errors[_i].message);
    remove_temp_dir();
}
END_TEST

/* A setting written in a file (a sweep) is reported at its position. */
START_TEST(test_setting_error_with_origin)
{
    scenario_setting s = {"products.A.wafers_per_month", "-5", "sweep.yaml",
                          12, 5};
    scenario_setting t = {"products.Q.lot_size", "5", "other.yaml", 3, 7};
    ws_error err;

    write_base();
    err = load_with_bad(temp_path("s.yaml"), &s, 1);
    ck_assert_str_eq(err.path, "sweep.yaml");
    ck_assert_int_eq(err.line, 12);
    ck_assert_int_eq(err.col, 5);
    ck_assert_str_eq(err.message, "'wafers_per_month' must be > 0 (got -5)");
    err = load_with_bad(temp_path("s.yaml"), &t, 1);
    ck_assert_str_eq(err.path, "other.yaml");
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 7);
    ck_assert_str_eq(err.message, "no product 'Q' (products: A, B, C.1)");
    remove_temp_dir();
}
END_TEST

/* Mistakes of the file are reported at their position, settings or not;
 * the path of a setting through a broken section gets the file's error. */
START_TEST(test_file_errors_keep_positions)
{
    scenario_setting s;
    ws_error err;

    make_temp_dir();
    write_text("s.yaml", "tool_groups: {G: {tools: 1}}\n"
                         "products:\n"
                         "  P: {lots_per_day: 1, route: [{tool_group: H}]}\n"
                         "  Q: 5\n"
                         "  R: {lots_per_day: 1, route: {a: 1}}\n");
    ck_assert_int_eq(scenario_setting_parse("horizon_days=20", &s), 0);
    err = load_with_bad(temp_path("s.yaml"), &s, 1);
    ck_assert_str_eq(err.path, temp_path("s.yaml"));
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 45);
    ck_assert_str_eq(err.message, "unknown tool group 'H'");

    ck_assert_int_eq(scenario_setting_parse("products.Q.lot_size=2", &s), 0);
    err = load_with_bad(temp_path("s.yaml"), &s, 1);
    ck_assert_str_eq(err.path, temp_path("s.yaml"));
    ck_assert_int_eq(err.line, 4);
    ck_assert_int_eq(err.col, 6);
    ck_assert_str_eq(err.message, "product 'Q' must be a mapping, found a "
                                  "scalar");

    ck_assert_int_eq(scenario_setting_parse("products.R.route.#1.mean=2", &s),
                     0);
    err = load_with_bad(temp_path("s.yaml"), &s, 1);
    ck_assert_int_eq(err.line, 5);
    ck_assert_int_eq(err.col, 31);
    ck_assert_str_eq(err.message, "'route' must be a CSV file path or a "
                                  "sequence of steps, found a mapping");
    remove_temp_dir();
}
END_TEST

/* --- settings of the realism keys --------------------------------------- */

static const char realism_yaml[] =
    "horizon_days: 100\n"
    "tool_groups:\n"
    "  G: {tools: 2, dispatch: [priority, fifo], load_time: 1}\n"
    "  B: {tools: 1, batching: {unit: lots, wait: 30}}\n"
    "  C:\n"
    "    tools: 1\n"
    "    cascade: 2\n"
    "    downtimes:\n"
    "      - {name: BD, kind: breakdown, interval: {distribution: "
    "exponential, mean: 100, unit: h}, duration: {mean: 2, unit: h}}\n"
    "      - {name: PM, kind: pm_wafers, interval_wafers: 5000, "
    "duration: {mean: 3, unit: h}}\n"
    "products:\n"
    "  A:\n"
    "    lots_per_day: 2\n"
    "    due: 600\n"
    "    route:\n"
    "      - {step: s1, tool_group: G, mean: 10, setup: x}\n"
    "      - {step: s2, tool_group: B, per: batch, mean: 60, batch_min: 2}\n"
    "      - {step: s3, tool_group: C, mean: 5, rework_to: s1, "
    "rework_prob: 0.1}\n"
    "      - {step: s4, tool_group: G, mean: 10, setup: y}\n"
    "  K:\n"
    "    release: conwip\n"
    "    conwip_lots: 5\n"
    "    route: routes/k.csv\n"
    "setups:\n"
    "  changes:\n"
    "    - {from: x, to: y, time: 5}\n"
    "    - {to: x, time: {distribution: uniform, min: 1, max: 3}}\n"
    "  min_run: {x: 2}\n"
    "transport: {distribution: exponential, mean: 3}\n"
    "conwip_lots: 10\n"
    "orders:\n"
    "  - {name: o1, product: A, lots_per_day: 1, count: 5}\n"
    "  - {product: K, interval: 100, first_day: 2}\n"
    "initial_wip:\n"
    "  - {product: A, step: s3, lots: 2}\n"
    "  - {product: K, step: \"#1\"}\n";

static const char realism_csv[] =
    "step,tool_group,mean,cqt_to,cqt_limit,scrap_prob\n"
    "k1,G,5,#2,30,\n"
    "k2,C,5,,,0.01\n";

static const struct {
    const char *settings[4];
    const char *from;           /* edit of the YAML */
    const char *to;
    const char *csv;            /* K's route as routes/k2.csv, or NULL */
    const char *from2;          /* a second edit, or NULL */
    const char *to2;
} realism_equivalents[] = {
    {{"tool_groups.G.dispatch=edd;spt"}, "[priority, fifo]", "[edd, spt]",
     NULL, NULL, NULL},
    {{"tool_groups.G.dispatch= priority ; fifo"}, "[priority, fifo]",
     "\"priority;fifo\"", NULL, NULL, NULL},
    {{"tool_groups.G.area=Wet", "tool_groups.G.cascade=4"},
     "load_time: 1}", "load_time: 1, area: Wet, cascade: 4}", NULL, NULL, NULL},
    {{"tool_groups.G.load_time=3", "tool_groups.G.unload_time=2"},
     "load_time: 1}", "load_time: 3, unload_time: {value: 2}}", NULL, NULL, NULL},
    {{"tool_groups.B.batching.wait=45", "tool_groups.B.batching.unit=wafers"},
     "{unit: lots, wait: 30}", "{unit: wafers, wait: 45}", NULL, NULL, NULL},
    /* a key of batching turns it on */
    {{"tool_groups.G.batching.unit=wafers"}, "load_time: 1}",
     "load_time: 1, batching: {unit: wafers}}", NULL, NULL, NULL},
    {{"tool_groups.C.downtimes.BD.duration.mean=4"},
     "duration: {mean: 2, unit: h}", "duration: {mean: 4, unit: h}", NULL, NULL, NULL},
    {{"tool_groups.C.downtimes.#2.interval_wafers=6000"},
     "interval_wafers: 5000", "interval_wafers: 6000", NULL, NULL, NULL},
    {{"tool_groups.C.downtimes.BD.first.mean=5",
      "tool_groups.C.downtimes.PM.name=Lamp"},
     "unit: h}, duration: {mean: 2, unit: h}}\n      - {name: PM,",
     "unit: h}, duration: {mean: 2, unit: h}, first: {mean: 5}}\n"
     "      - {name: Lamp,", NULL, NULL, NULL},
    {{"tool_groups.C.downtimes.BD.interval.distribution=gamma",
      "tool_groups.C.downtimes.BD.interval.cv=2"},
     "{distribution: exponential, mean: 100, unit: h}",
     "{distribution: gamma, mean: 100, unit: h, cv: 2}", NULL, NULL, NULL},
    /* inline steps */
    {{"products.A.route.#3.rework_prob=0.2", "products.A.route.s3.rework_to=s2"},
     "rework_to: s1, rework_prob: 0.1", "rework_to: s2, rework_prob: 0.2",
     NULL, NULL, NULL},
    {{"products.A.route.s2.batch_max=4", "products.A.route.s2.batch_min=3"},
     "batch_min: 2}", "batch_min: 3, batch_max: 4}", NULL, NULL, NULL},
    {{"products.A.route.s4.setup_time=7", "products.A.route.s2.setup=x"},
     "mean: 10, setup: y}", "mean: 10, setup: y, setup_time: 7}", NULL,
     "batch_min: 2}", "batch_min: 2, setup: x}"},
    {{"products.A.route.#1.sample=0.5", "products.A.route.#1.scrap_prob=0.01",
      "products.A.route.#1.step_priority=-3"},
     "mean: 10, setup: x}",
     "mean: 10, setup: x, sample: 0.5, scrap_prob: 0.01, step_priority: -3}",
     NULL, NULL, NULL},
    {{"products.A.route.s3.cascade_interval=2",
      "products.A.route.#4.same_tool_as=s1"},
     "rework_prob: 0.1}\n      - {step: s4, tool_group: G, mean: 10, "
     "setup: y}",
     "rework_prob: 0.1, cascade_interval: 2}\n      - {step: s4, "
     "tool_group: G, mean: 10, setup: y, same_tool_as: s1}", NULL, NULL, NULL},
    {{"products.A.route.#1.cqt_to=s3", "products.A.route.#1.cqt_limit=100",
      "products.A.route.#1.cqt_action=scrap"},
     "mean: 10, setup: x}",
     "mean: 10, setup: x, cqt_to: s3, cqt_limit: 100, cqt_action: scrap}",
     NULL, NULL, NULL},
    /* products */
    {{"products.A.priority=30", "products.A.due=700"}, "due: 600",
     "due: 700\n    priority: 30", NULL, NULL, NULL},
    {{"products.A.due_factor=2"}, "due: 600", "due_factor: 2", NULL, NULL, NULL},
    {{"products.A.conwip_lots=7"}, "lots_per_day: 2",
     "release: conwip\n    conwip_lots: 7", NULL, NULL, NULL},
    {{"products.A.release=none"}, "lots_per_day: 2", "release: none", NULL, NULL, NULL},
    {{"products.K.lots_per_day=3", "products.A.release=conwip",
      "products.A.conwip_lots=4"},
     "    lots_per_day: 2\n", "    release: conwip\n    conwip_lots: 4\n",
     NULL, "    release: conwip\n    conwip_lots: 5\n",
     "    lots_per_day: 3\n"},
    /* CSV steps */
    {{"products.K.route.k2.scrap_prob=0.02", "products.K.route.#1.cqt_limit=45",
      "products.K.route.#1.cqt_action=rework"},
     "routes/k.csv", "routes/k2.csv",
     "step,tool_group,mean,cqt_to,cqt_limit,scrap_prob,cqt_action\n"
     "k1,G,5,#2,45,,rework\nk2,C,5,,,0.02,\n", NULL, NULL},
    /* fab-wide sections */
    {{"setups.min_run.y=3", "setups.min_run.x=1"}, "min_run: {x: 2}",
     "min_run: {x: 1, y: 3}", NULL, NULL, NULL},
    {{"setups.min_run_wait=45"}, "min_run: {x: 2}",
     "min_run: {x: 2}\n  min_run_wait: 45", NULL, NULL, NULL},
    {{"setups.min_run_wait=unlimited"}, "min_run: {x: 2}",
     "min_run: {x: 2}\n  min_run_wait: unlimited", NULL, NULL, NULL},
    {{"setups.changes.#1.time=7", "setups.changes.#2.time.max=4",
      "setups.changes.#1.from=y", "setups.changes.#1.to=x"},
     "{from: x, to: y, time: 5}\n    - {to: x, time: {distribution: uniform, "
     "min: 1, max: 3}}",
     "{from: y, to: x, time: 7}\n    - {to: x, time: {distribution: uniform, "
     "min: 1, max: 4}}", NULL, NULL, NULL},
    {{"transport.distribution=gamma", "transport.cv=0.5", "transport.mean=4"},
     "{distribution: exponential, mean: 3}",
     "{distribution: gamma, mean: 4, cv: 0.5}", NULL, NULL, NULL},
    {{"conwip_lots=12"}, "conwip_lots: 10", "conwip_lots: 12", NULL, NULL, NULL},
    {{"orders.o1.count=6", "orders.#2.first_day=3", "orders.order 2.wafers=5"},
     "count: 5}\n  - {product: K, interval: 100, first_day: 2}",
     "count: 6}\n  - {product: K, interval: 100, first_day: 3, wafers: 5}",
     NULL, NULL, NULL},
    {{"orders.o1.interval=50", "orders.#2.interarrival.mean=80",
      "orders.o1.priority=40", "orders.o1.due=300"},
     "lots_per_day: 1, count: 5}\n  - {product: K, interval: 100,",
     "interval: 50, count: 5, priority: 40, due: 300}\n  - {product: K, "
     "interarrival: {mean: 80},", NULL, NULL, NULL},
    {{"orders.o1.name=first", "orders.first.product=K"},
     "{name: o1, product: A,", "{name: first, product: K,", NULL, NULL, NULL},
    {{"initial_wip.#1.lots=3", "initial_wip.#2.due_day=9",
      "initial_wip.#2.step=k2", "initial_wip.#1.release_day=-2"},
     "{product: A, step: s3, lots: 2}\n  - {product: K, step: \"#1\"}",
     "{product: A, step: s3, lots: 3, release_day: -2}\n  - {product: K, "
     "step: k2, due_day: 9}", NULL, NULL, NULL},
};

static void write_realism(void)
{
    make_temp_dir();
    write_text("s.yaml", realism_yaml);
    write_text("routes/k.csv", realism_csv);
}

START_TEST(test_realism_setting_equals_file)
{
    const char *const *settings = realism_equivalents[_i].settings;
    size_t n = 0;
    model *set, *file;

    while (n < 4 && settings[n])
        n++;
    write_realism();
    set = load_with(temp_path("s.yaml"), settings, n);
    {
        char *yaml = edited(realism_yaml, realism_equivalents[_i].from,
                            realism_equivalents[_i].to);
        if (realism_equivalents[_i].from2) {
            char *yaml2 = edited(yaml, realism_equivalents[_i].from2,
                                 realism_equivalents[_i].to2);
            free(yaml);
            yaml = yaml2;
        }
        ck_assert_int_eq(mkdir(temp_path("e"), 0700), 0);
        ck_assert_int_eq(mkdir(temp_path("e/routes"), 0700), 0);
        write_text("e/s.yaml", yaml);
        write_text("e/routes/k.csv", realism_csv);
        if (realism_equivalents[_i].csv)
            write_text("e/routes/k2.csv", realism_equivalents[_i].csv);
        free(yaml);
        file = load_with(temp_path("e/s.yaml"), NULL, 0);
        assert_same_model(set, file);
        model_destroy(file);
    }
    ck_assert_str_eq(set->sources[0].text, realism_yaml);
    model_destroy(set);
    remove_temp_dir();
}
END_TEST

/* What the settings above set, in the model. */
START_TEST(test_realism_setting_values)
{
    static const char *const settings[] = {
        "products.A.due=1440",
        "products.K.route.k1.cqt_to=#2",
        "tool_groups.C.downtimes.BD.duration.mean=4",
        "orders.#2.interarrival.mean=80",
    };
    model *m;

    write_realism();
    m = load_with(temp_path("s.yaml"), settings, 4);
    ck_assert(fabs(m->products[0].due_offset_days - 1.0) < 1e-15);
    ck_assert_int_eq(m->nconstraints, 1);
    ck_assert_int_eq(m->constraints[0].to_step, 1);
    ck_assert(fabs(m->groups[2].downtimes[0].duration.mean - 4.0 / 24) <
              1e-15);
    ck_assert_int_eq(m->orders[1].kind, RELEASE_RANDOM);
    ck_assert(fabs(m->orders[1].interarrival.mean - 80.0 / 1440) < 1e-15);
    model_destroy(m);
    remove_temp_dir();
}
END_TEST

static const struct {
    const char *setting;
    const char *message;        /* the start of the message */
} realism_setting_errors[] = {
    {"tool_groups.G.batching=1", "'batching' is a section: set one of its "
                                 "keys, e.g. tool_groups.G.batching.wait"},
    {"tool_groups.G.batching.wiat=1", "unknown key 'wiat' (did you mean "
                                      "'wait'?)"},
    {"tool_groups.G.batching.wait.x=1", "'wait' is a value, not a section"},
    {"tool_groups.G.casacde=1", "unknown key 'casacde' (did you mean "
                                "'cascade'?)"},
    {"tool_groups.G.cascade=65", "'cascade' must be an integer from 1 to 64 "
                                 "(got 65)"},
    {"tool_groups.G.dispatch=edd;edd", "dispatch rule 'edd' is given twice"},
    {"tool_groups.C.downtimes=1", "a downtime is set by tool_groups.C."
                                  "downtimes.NAME.KEY, where NAME is the "
                                  "downtime's name or #N"},
    {"tool_groups.C.downtimes.XX.kind=breakdown",
     "no downtime 'XX' in tool group 'C' (downtimes: BD, PM)"},
    {"tool_groups.C.downtimes.#3.kind=breakdown",
     "there is no downtime #3: tool group 'C' has 2 downtimes"},
    {"tool_groups.C.downtimes.#0.kind=breakdown",
     "'#0' is not a downtime number"},
    {"tool_groups.C.downtimes.BD.duration=1",
     "'duration' is a distribution: set one of its keys, e.g. "
     "tool_groups.C.downtimes.BD.duration.mean"},
    {"tool_groups.C.downtimes.BD.duration.meen=1",
     "unknown key 'meen' (did you mean 'mean'?)"},
    {"tool_groups.C.downtimes.BD.knid=1", "unknown key 'knid' (did you mean "
                                          "'kind'?)"},
    {"tool_groups.G.downtimes.BD.kind=breakdown",
     "tool group 'G' has no 'downtimes' in the scenario"},
    {"tool_groups.C.downtimes.BD.kind=flood", "unknown downtime kind "
                                              "'flood'"},
    {"products.A.route.#3.rework_prob=1", "'rework_prob' must be a "
                                          "probability >= 0 and < 1 (got 1)"},
    {"products.A.route.#3.rework_to=s4", "'rework_to' must be this step or "
                                         "an earlier one: step #4 comes "
                                         "after this step #3"},
    {"products.A.route.#1.cqt_to=s3", "'cqt_to' needs 'cqt_limit' in the "
                                      "same step"},
    {"products.A.route.#2.batch_min=0", "'batch_min' must be an integer "
                                        "from 1 to 100000 (got 0)"},
    {"products.A.route.#1.batch_min=2", "'batch_min' needs a tool group "
                                        "with 'batching': 'G' has none"},
    {"products.A.route.#1.reworkto=s1", "unknown key 'reworkto' (did you "
                                        "mean 'rework_to'?)"},
    {"products.K.route.#1.cqt_to=k1", "'cqt_to' must be a later step: step "
                                      "#1 is not after this step #1"},
    {"products.K.route.#2.sample=0", "'sample' must be a probability > 0 "
                                     "and <= 1 (got 0)"},
    {"products.A.due_factor=-1", "'due_factor' must be > 0"},
    {"products.A.due=-1", "'due' must be >= 0 and at most"},
    /* a setting's value is a scalar: a duration with a unit is not one */
    {"products.A.due={value: 1, unit: d}", "'due' is not a number: "
                                           "'{value: 1, unit: d}'"},
    {"products.A.release=push", "unknown release 'push'"},
    {"products.A.priority=x", "'priority' is not a number: 'x'"},
    {"products.K.conwip_lots=0", "'conwip_lots' must be an integer from 1 "
                                 "to 1000000 (got 0)"},
    {"orders.o9.count=2", "no order 'o9' in 'orders' (orders: o1, order 2)"},
    {"orders.#5.count=2", "there is no order #5: 'orders' has 2 orders"},
    {"orders.o1.interarrival=3", "'interarrival' is a distribution: set one "
                                 "of its keys, e.g. "
                                 "orders.o1.interarrival.mean"},
    {"orders.o1.cont=3", "unknown key 'cont' (did you mean 'count'?)"},
    {"orders.o1.count.x=3", "'count' is a value, not a section"},
    {"orders.o1=3", "an order is set by orders.NAME.KEY, where NAME is the "
                    "order's name or #N"},
    {"orders.o1.product=Z", "unknown product 'Z' (products: A, K)"},
    {"orders.o1.count=0", "'count' must be an integer from 1 to 1000000000 "
                          "(got 0)"},
    {"initial_wip.x.lots=1", "entries of 'initial_wip' have no names: "
                             "choose one by #N"},
    {"initial_wip.#3.lots=1", "there is no entry #3: 'initial_wip' has 2 "
                              "entries"},
    {"initial_wip.#1.step=#9", "there is no step #9: the route of product "
                               "'A' has 4 steps"},
    {"initial_wip.#1.lot=1", "unknown key 'lot' (did you mean 'lots'?)"},
    {"initial_wip=1", "initial WIP is set by initial_wip.#N.KEY"},
    {"setups.min_run.q=2", "unknown setup 'q': no step has it (setups: x, "
                           "y)"},
    {"setups.min_run.x=-1", "'x' must be an integer from 0 to 1000000 (got "
                            "-1)"},
    {"setups.changes.#3.time=2", "there is no change #3: 'setups.changes' "
                                 "has 2 changes"},
    {"setups.changes.#1.form=x", "unknown key 'form' (did you mean "
                                 "'from'?)"},
    {"setups.foo.x=1", "unknown key 'foo'"},
    {"setups.min_run=1", "setups are set by setups.min_run.SETUP, "
                         "setups.min_run_wait or setups.changes.#N.KEY"},
    {"setups.min_run_wait.x=1", "'min_run_wait' is a value, not a section"},
    {"setups.min_run_wait=-1", "'min_run_wait' must be >= 0"},
    {"setups.min_run_wait=forever", "'min_run_wait' must be a duration (a "
                                    "number in time_unit, or {value: N, "
                                    "unit: h}) or 'unlimited' (got "
                                    "'forever')"},
    {"transport=3", "'transport' is a distribution: set one of its keys, "
                    "e.g. transport.mean"},
    {"transport.meen=3", "unknown key 'meen' (did you mean 'mean'?)"},
    {"transport.mean=-1", "exponential: mean must be > 0 (got -1)"},
    {"conwip_lots=0", "'conwip_lots' must be an integer from 1 to 1000000 "
                      "(got 0)"},
    {"conwip_lots.x=0", "'conwip_lots' is a value, not a section"},
};

START_TEST(test_realism_setting_errors)
{
    scenario_setting s;
    char want_path[512];
    ws_error err;

    write_realism();
    ck_assert_int_eq(scenario_setting_parse(realism_setting_errors[_i].setting,
                                            &s), 0);
    err = load_with_bad(temp_path("s.yaml"), &s, 1);
    snprintf(want_path, sizeof want_path, "--set %s",
             realism_setting_errors[_i].setting);
    ck_assert_str_eq(err.path, want_path);
    ck_assert_msg(strncmp(err.message, realism_setting_errors[_i].message,
                          strlen(realism_setting_errors[_i].message)) == 0,
                  "%s: message '%s', expected '%s'",
                  realism_setting_errors[_i].setting, err.message,
                  realism_setting_errors[_i].message);
    remove_temp_dir();
}
END_TEST

/* A value set that makes a value of the file wrong: the file's value is
 * reported, where it is written (as for warmup_days). */
START_TEST(test_realism_errors_in_file)
{
    static const struct {
        const char *setting;
        int line;
        int col;
        const char *message;
    } cases[] = {
        {"tool_groups.C.downtimes.BD.kind=pm_wafers", 9, 37,
         "'interval' is not a key of a pm_wafers downtime"},
        {"setups.changes.#1.time.mean=2", 26, 30,
         "'time' must be a distribution mapping, found a scalar"},
        {"setups.changes.#1.to=x", 26, 14,
         "a setup change goes from one setup to another"},
        {"products.A.route.s4.setup=x", 26, 21,
         "unknown setup 'y': no step has it (setups: x)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario_setting s;
        ws_error err;
        write_realism();
        ck_assert_int_eq(scenario_setting_parse(cases[i].setting, &s), 0);
        err = load_with_bad(temp_path("s.yaml"), &s, 1);
        ck_assert_str_eq(err.path, temp_path("s.yaml"));
        ck_assert_msg(err.line == cases[i].line && err.col == cases[i].col,
                      "%s: at %d:%d", cases[i].setting, err.line, err.col);
        ck_assert_msg(strncmp(err.message, cases[i].message,
                              strlen(cases[i].message)) == 0,
                      "%s: '%s'", cases[i].setting, err.message);
        remove_temp_dir();
    }
}
END_TEST

/* Sections that a scenario without them cannot have set. */
START_TEST(test_realism_sections_missing)
{
    static const struct {
        const char *setting;
        const char *message;
    } cases[] = {
        {"orders.#1.count=1", "the scenario has no 'orders'"},
        {"initial_wip.#1.lots=1", "the scenario has no 'initial_wip'"},
        {"setups.changes.#1.time=1", "the scenario has no 'setups'"},
        {"products.B.route.#1.rework_to=#1",
         "'rework_to' needs 'rework_prob' in the same step"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario_setting s;
        ws_error err;
        write_base();
        ck_assert_int_eq(scenario_setting_parse(cases[i].setting, &s), 0);
        err = load_with_bad(temp_path("s.yaml"), &s, 1);
        ck_assert_msg(strncmp(err.message, cases[i].message,
                              strlen(cases[i].message)) == 0,
                      "%s: '%s'", cases[i].setting, err.message);
        remove_temp_dir();
    }
}
END_TEST

/* On a data set (tests/data/smt2020-mini), settings address its tool
 * groups and products though no file lists them, as a file overriding
 * them would. */
#define MINI_DIR SOURCE_DIR "/tests/data/smt2020-mini"

START_TEST(test_smt2020_settings)
{
    model *base, *set, *file;
    scenario_setting s[3];
    char texts[3][512], yaml[1024], product_name[300];
    ws_error err;
    int rc;

    ck_assert_int_eq(scenario_load_smt2020(MINI_DIR, NULL, 0, &base, &err),
                     0);
    snprintf(texts[0], sizeof texts[0], "tool_groups.\"%s\".tools=%d",
             base->groups[0].name, (int)base->groups[0].tools + 7);
    snprintf(texts[1], sizeof texts[1], "products.\"%s\".priority=30",
             base->products[0].name);
    snprintf(texts[2], sizeof texts[2], "tool_groups.\"%s\".dispatch=edd",
             base->groups[1].name);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(scenario_setting_parse(texts[i], &s[i]), 0);
    rc = scenario_load_smt2020(MINI_DIR, s, 3, &set, &err);
    ck_assert_msg(rc == 0, "%s: %s", err.path, err.message);
    snprintf(yaml, sizeof yaml,
             "smt2020: smt2020-mini\n"
             "name: smt2020-mini\n"
             "tool_groups:\n"
             "  \"%s\": {tools: %d}\n"
             "  \"%s\": {dispatch: edd}\n"
             "products: {\"%s\": {priority: 30}}\n",
             base->groups[0].name, (int)base->groups[0].tools + 7,
             base->groups[1].name, base->products[0].name);
    rc = scenario_load_string(yaml, strlen(yaml),
                              SOURCE_DIR "/tests/data/x.yaml", &file, &err);
    ck_assert_msg(rc == 0, "%s: %s", err.path, err.message);
    assert_same_model(set, file);
    ck_assert_int_eq(set->groups[0].tools, base->groups[0].tools + 7);
    model_destroy(set);

    /* The same settings on a file that names the data set. */
    rc = scenario_load_file_with(SOURCE_DIR "/tests/data/smt2020-mini.yaml",
                                 s, 3, &set, &err);
    ck_assert_msg(rc == 0, "%s: %s", err.path, err.message);
    ck_assert_int_eq(set->groups[0].tools, base->groups[0].tools + 7);
    ck_assert_int_eq(set->products[0].priority, 30);
    snprintf(product_name, sizeof product_name, "%s",
             base->products[0].name);
    model_destroy(set);
    model_destroy(file);
    model_destroy(base);

    /* Not a product of the data set: the setting's mistake. */
    ck_assert_int_eq(scenario_setting_parse("products.NOPE.priority=1",
                                            &s[0]), 0);
    err = load_with_bad(SOURCE_DIR "/tests/data/smt2020-mini.yaml", s, 1);
    ck_assert_str_eq(err.path, "--set products.NOPE.priority=1");
    ck_assert_ptr_nonnull(strstr(err.message, "no product 'NOPE' (products: "));
    /* A data set's steps are not in the tree. */
    snprintf(texts[0], sizeof texts[0], "products.\"%s\".route.#1.mean=1",
             product_name);
    ck_assert_int_eq(scenario_setting_parse(texts[0], &s[0]), 0);
    err = load_with_bad(SOURCE_DIR "/tests/data/smt2020-mini.yaml", s, 1);
    ck_assert_ptr_nonnull(strstr(err.message, "the steps of a data set's "
                                              "routes cannot be set"));
}
END_TEST

/* --- sweeps ------------------------------------------------------------ */

static const char sweep_head[] =
    "horizon_days: 100\n"
    "tool_groups:\n"
    "  LITHO: {tools: 2}\n"
    "  ETCH: {tools: 3}\n"
    "products:\n"
    "  A:\n"
    "    wafers_per_month: 1000\n"
    "    route: routes/a.csv\n"
    "  B:\n"
    "    lots_per_day: 2\n"
    "    route: [{step: s1, tool_group: LITHO, mean: 30}]\n";

static const char sweep_csv[] =
    "step,tool_group,mean\nexpose,LITHO,5\netch,ETCH,30\n";

/* Writes sweep_head + sweep and returns the scenario's path. */
static const char *write_sweep(const char *sweep)
{
    size_t n = strlen(sweep_head) + strlen(sweep) + 1;
    char *text = malloc(n);

    ck_assert_ptr_nonnull(text);
    snprintf(text, n, "%s%s", sweep_head, sweep);
    make_temp_dir();
    write_text("s.yaml", text);
    write_text("routes/a.csv", sweep_csv);
    free(text);
    return temp_path("s.yaml");
}

static sweep_design *design_ok(const char *path, const scenario_setting *s,
                               size_t n)
{
    sweep_design *d = (sweep_design *)&d;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_design(path, s, n, &d, &err);
    ck_assert_msg(rc == 0, "%s:%d:%d: %s", err.path, err.line, err.col,
                  err.message);
    return d;
}

static ws_error design_bad(const char *path)
{
    sweep_design *d = (sweep_design *)&d;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_design(path, NULL, 0, &d, &err);
    ck_assert_msg(rc == WS_EDATA, "rc %d", rc);
    ck_assert_int_eq(err.code, WS_EDATA);
    ck_assert_ptr_null(d);
    return err;
}

static const char *value_at(const sweep_design *d, int32_t p, int32_t j)
{
    return d->values[(size_t)p * (size_t)d->nparams + (size_t)j];
}

static double number_at(const sweep_design *d, int32_t p, int32_t j)
{
    return d->numbers[(size_t)p * (size_t)d->nparams + (size_t)j];
}

START_TEST(test_no_sweep)
{
    sweep_design *d = design_ok(write_sweep(""), NULL, 0);

    ck_assert_ptr_null(d);
    sweep_design_destroy(NULL);
    remove_temp_dir();
}
END_TEST

START_TEST(test_grid)
{
    const char *path = write_sweep(
        "sweep:\n"
        "  grid:\n"
        "    products.A.wafers_per_month: [1000, 2e3, \"3000\"]\n"
        "    tool_groups.LITHO.tools: [2, 3]\n"
        "    products.B.route.s1.distribution: [constant]\n");
    static const char *const want[6][2] = {
        {"1000", "2"}, {"1000", "3"}, {"2e3", "2"},
        {"2e3", "3"}, {"3000", "2"}, {"3000", "3"},
    };
    sweep_design *d = design_ok(path, NULL, 0);
    model *m;
    ws_error err;

    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->kind, "grid");
    ck_assert_int_eq(d->nparams, 3);
    ck_assert_int_eq(d->npoints, 6);
    ck_assert_str_eq(d->params[0], "products.A.wafers_per_month");
    ck_assert_str_eq(d->params[1], "tool_groups.LITHO.tools");
    ck_assert_int_eq(d->lines[0], 14);
    ck_assert_int_eq(d->cols[0], 5);
    ck_assert_int_eq(d->lines[2], 16);
    /* The last parameter varies fastest. */
    for (int32_t p = 0; p < 6; p++) {
        ck_assert_str_eq(value_at(d, p, 0), want[p][0]);
        ck_assert_str_eq(value_at(d, p, 1), want[p][1]);
        ck_assert_str_eq(value_at(d, p, 2), "constant");
        ck_assert(number_at(d, p, 0) == strtod(want[p][0], NULL));
        ck_assert(number_at(d, p, 1) == strtod(want[p][1], NULL));
        ck_assert(isnan(number_at(d, p, 2)));
    }
    sweep_design_destroy(d);

    /* The ordinary loader accepts the section and ignores it. */
    ws_error_clear(&err);
    ck_assert_int_eq(scenario_load_file(path, &m, &err), 0);
    ck_assert_int_eq(m->groups[0].tools, 2);
    model_destroy(m);
    remove_temp_dir();
}
END_TEST

START_TEST(test_zip)
{
    const char *path = write_sweep(
        "sweep:\n"
        "  zip:\n"
        "    products.A.wafers_per_month: [1000, 2000, 3000]\n"
        "    products.B.lots_per_day: [1, 1.5, 2]\n");
    sweep_design *d = design_ok(path, NULL, 0);

    ck_assert_str_eq(d->kind, "zip");
    ck_assert_int_eq(d->npoints, 3);
    ck_assert_str_eq(value_at(d, 0, 0), "1000");
    ck_assert_str_eq(value_at(d, 0, 1), "1");
    ck_assert_str_eq(value_at(d, 1, 1), "1.5");
    ck_assert_str_eq(value_at(d, 2, 0), "3000");
    ck_assert_str_eq(value_at(d, 2, 1), "2");
    sweep_design_destroy(d);
    remove_temp_dir();
}
END_TEST

static const char lhs_sweep[] =
    "sweep:\n"
    "  lhs:\n"
    "    points: 50\n"
    "    seed: %s\n"
    "    parameters:\n"
    "      products.A.wafers_per_month: {min: 1000, max: 3000}\n"
    "      tool_groups.LITHO.tools: {min: 2, max: 6, integer: true}\n"
    "      products.B.route.#1.mean: {min: 0, max: 0.5}\n";

static sweep_design *lhs_design(const char *seed)
{
    char sweep[sizeof lhs_sweep + 32];
    sweep_design *d;

    snprintf(sweep, sizeof sweep, lhs_sweep, seed);
    d = design_ok(write_sweep(sweep), NULL, 0);
    remove_temp_dir();
    return d;
}

START_TEST(test_lhs_strata)
{
    sweep_design *d = lhs_design("7");
    const double min[3] = {1000, 2, 0}, max[3] = {3000, 6, 0.5};

    ck_assert_str_eq(d->kind, "lhs");
    ck_assert_int_eq(d->npoints, 50);
    ck_assert_int_eq(d->nparams, 3);
    /* Each of the 50 strata of a continuous parameter holds one point. */
    for (int32_t j = 0; j < 3; j += 2) {
        int hits[50] = {0};
        for (int32_t p = 0; p < 50; p++) {
            double x = number_at(d, p, j);
            int stratum = (int)floor((x - min[j]) / (max[j] - min[j]) * 50);
            ck_assert(x >= min[j] && x < max[j]);
            ck_assert_int_ge(stratum, 0);
            ck_assert_int_lt(stratum, 50);
            hits[stratum]++;
            /* The text is the number, to the last bit. */
            ck_assert(strtod(value_at(d, p, j), NULL) == x);
        }
        for (int s = 0; s < 50; s++)
            ck_assert_msg(hits[s] == 1, "param %d stratum %d: %d points",
                          (int)j, s, hits[s]);
    }
    /* integer: true rounds each point of its stratum to an integer. */
    {
        int seen[7] = {0};
        for (int32_t p = 0; p < 50; p++) {
            double x = number_at(d, p, 1);
            ck_assert(x == floor(x) && x >= 2 && x <= 6);
            ck_assert_ptr_null(strchr(value_at(d, p, 1), '.'));
            ck_assert(strtod(value_at(d, p, 1), NULL) == x);
            seen[(int)x]++;
        }
        /* Ends get half strata: 2 and 6 take ~6 points, 3..5 ~12. */
        for (int v = 2; v <= 6; v++)
            ck_assert_int_gt(seen[v], 0);
        ck_assert_int_lt(seen[2], seen[4]);
    }
    sweep_design_destroy(d);
}
END_TEST

START_TEST(test_lhs_deterministic)
{
    sweep_design *a = lhs_design("7"), *b = lhs_design("7");
    sweep_design *c = lhs_design("8");
    int differ = 0;

    for (int32_t i = 0; i < a->npoints * a->nparams; i++) {
        ck_assert_str_eq(a->values[i], b->values[i]);
        ck_assert(a->numbers[i] == b->numbers[i]);
        differ += strcmp(a->values[i], c->values[i]) != 0;
    }
    ck_assert_int_gt(differ, 100);
    sweep_design_destroy(a);
    sweep_design_destroy(b);
    sweep_design_destroy(c);
}
END_TEST

/* The default seed is 1, and points = 1 gives one point per range. */
START_TEST(test_lhs_defaults)
{
    sweep_design *d = design_ok(write_sweep(
        "sweep:\n"
        "  lhs:\n"
        "    points: 1\n"
        "    parameters:\n"
        "      products.A.wafers_per_month: {min: 1000, max: 1000}\n"),
        NULL, 0);
    sweep_design *e;

    ck_assert_int_eq(d->npoints, 1);
    ck_assert_str_eq(value_at(d, 0, 0), "1000");
    remove_temp_dir();
    e = design_ok(write_sweep(
        "sweep:\n"
        "  lhs:\n"
        "    points: 1\n"
        "    seed: 1\n"
        "    parameters:\n"
        "      products.A.wafers_per_month: {min: 1000, max: 1000}\n"),
        NULL, 0);
    ck_assert_str_eq(value_at(d, 0, 0), value_at(e, 0, 0));
    sweep_design_destroy(d);
    sweep_design_destroy(e);
    remove_temp_dir();
}
END_TEST

/* Sweep mistakes the ordinary loader finds, at their positions (the
 * catalogue in tests/bad has one file for most of them). */
static const struct {
    const char *sweep;
    int line;
    int col;
    const char *message;
} sweep_errors[] = {
    {"sweep:\n", 12, 1, "'sweep' has no value; expected a mapping with one "
                        "of 'grid', 'zip' or 'lhs'"},
    {"sweep: {}\n", 12, 8, "'sweep' needs one of 'grid', 'zip' or 'lhs'"},
    {"sweep: {gird: {}}\n", 12, 9, "unknown key 'gird' (did you mean "
                                   "'grid'?)"},
    {"sweep: {grid: {horizon_days: [1]}, zip: {}}\n", 12, 36,
     "give only one of 'grid', 'zip' and 'lhs' ('grid' is already given)"},
    {"sweep: {grid: {}}\n", 12, 15, "'grid' has no parameters"},
    {"sweep: {grid: {horizon_days: [100, 200]}}\n", 12, 16,
     "cannot sweep 'horizon_days': every point must have the same months"},
    {"sweep: {zip: {start_date: [2025-01-01]}}\n", 12, 15,
     "cannot sweep 'start_date': every point must have the same months"},
    {"sweep: {grid: {replications: [1]}}\n", 12, 16,
     "cannot sweep 'replications': every point must have the same "
     "replications"},
    {"sweep: {lhs: {points: 2, parameters: {seed: {min: 1, max: 2}}}}\n", 12,
     39, "cannot sweep 'seed': every point must use the same seed"},
    {"sweep: {grid: {\"horizon_days\": [1]}}\n", 12, 16,
     "cannot sweep 'horizon_days'"},
    {"sweep: {grid: {products.A.lot_size: []}}\n", 12, 37,
     "'products.A.lot_size' has no values (the list is empty)"},
    {"sweep: {grid: {products.A.lot_size: 5}}\n", 12, 37,
     "'products.A.lot_size' must be a list of values such as [1, 2, 3], "
     "found a scalar"},
    {"sweep: {grid: {products.A.lot_size: }}\n", 12, 16,
     "'products.A.lot_size' has no value; expected a list of values"},
    {"sweep: {grid: {products.A.lot_size: [1, [2]]}}\n", 12, 41,
     "a value of 'products.A.lot_size' must be a scalar, found a sequence"},
    {"sweep: {grid: {products.A.lot_size: [1, ~]}}\n", 12, 41,
     "a value of 'products.A.lot_size' must be a scalar, found nothing"},
    {"sweep: {grid: {products..A: [1]}}\n", 12, 16,
     "parameter 'products..A': the path has an empty segment"},
    {"sweep: {grid: {products.A.lot_size: [1], "
     "\"products.\\\"A\\\".lot_size\": [2]}}\n", 12, 42,
     "'products.\"A\".lot_size' is the same parameter as "
     "'products.A.lot_size' (line 12)"},
    {"sweep: {grid: {\"products.\\\"A=\\\".x=1\": [1]}}\n", 12, 16,
     "parameter 'products.\"A=\".x=1': the path has an '=' outside double "
     "quotes"},
    {"sweep: {grid: {products.X.lot_size: [1]}}\n", 12, 16,
     "no product 'X' (products: A, B)"},
    {"sweep: {grid: {tool_groups.LITHO.toolz: [1]}}\n", 12, 16,
     "unknown key 'toolz' (did you mean 'tools'?)"},
    {"sweep: {grid: {products.B.route.s2.mean: [1]}}\n", 12, 16,
     "no step 's2' in the route of product 'B' (steps: s1)"},
    {"sweep: {grid: {sweep.x: [1]}}\n", 12, 16,
     "the sweep section cannot be changed by a setting"},
    {"sweep: {zip: {products.A.lot_size: [1, 2], "
     "products.B.lot_size: [1, 2, 3]}}\n", 12, 44,
     "zip lists must have equal lengths: 'products.B.lot_size' has 3 "
     "values, 'products.A.lot_size' has 2"},
    {"sweep: {lhs: {points: 0, parameters: {products.A.lot_size: "
     "{min: 1, max: 2}}}}\n", 12, 23,
     "'points' must be an integer from 1 to 100000 (got 0)"},
    {"sweep: {lhs: {points: 100001, parameters: {products.A.lot_size: "
     "{min: 1, max: 2}}}}\n", 12, 23,
     "'points' must be an integer from 1 to 100000 (got 100001)"},
    {"sweep: {lhs: {parameters: {products.A.lot_size: {min: 1, max: 2}}}}\n",
     12, 14, "'lhs' needs 'points', the number of points (1 to 100000)"},
    {"sweep: {lhs: {points: 2}}\n", 12, 14, "'lhs' needs 'parameters'"},
    {"sweep: {lhs: {points: 2, point: 3}}\n", 12, 26,
     "unknown key 'point' (did you mean 'points'?)"},
    {"sweep: {lhs: {points: 2, seed: -1, parameters: {}}}\n", 12, 32,
     "'seed' must not be negative: '-1'"},
    {"sweep: {lhs: {points: 2, parameters: {}}}\n", 12, 38,
     "'parameters' has no parameters"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: 3}}}\n", 12,
     60, "'products.A.lot_size' must be a range such as {min: 1, max: 5}, "
         "found a scalar"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: "
     "{min: 1}}}}\n", 12, 60, "'products.A.lot_size' needs 'max'"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: "
     "{min: 3, max: 2}}}}\n", 12, 74, "'max' (2) must be >= 'min' (3)"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: "
     "{min: 1, max: 2, integer: yes}}}}\n", 12, 86,
     "'integer' must be true or false (got 'yes')"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: "
     "{min: 1.5, max: 2, integer: true}}}}\n", 12, 66,
     "with 'integer: true', 'min' must be a whole number"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: "
     "{min: 1, max: 2, step: 1}}}}\n", 12, 77,
     "unknown key 'step'"},
    {"sweep: {lhs: {points: 2, parameters: {products.A.lot_size: "
     "{min: x, max: 2}}}}\n", 12, 66, "'min' is not a number: 'x'"},
};

START_TEST(test_sweep_errors)
{
    const char *path = write_sweep(sweep_errors[_i].sweep);
    model *m = (model *)&m;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_file(path, &m, &err);
    ck_assert_msg(rc == WS_EDATA, "%s: rc %d", sweep_errors[_i].sweep, rc);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(err.path, path);
    ck_assert_msg(err.line == sweep_errors[_i].line &&
                  err.col == sweep_errors[_i].col,
                  "%s: at %d:%d (%s), expected %d:%d",
                  sweep_errors[_i].sweep, err.line, err.col, err.message,
                  sweep_errors[_i].line, sweep_errors[_i].col);
    ck_assert_msg(strncmp(err.message, sweep_errors[_i].message,
                          strlen(sweep_errors[_i].message)) == 0,
                  "message '%s', expected '%s'", err.message,
                  sweep_errors[_i].message);
    /* scenario_load_design reports the same. */
    err = design_bad(path);
    ck_assert_int_eq(err.line, sweep_errors[_i].line);
    remove_temp_dir();
}
END_TEST

/* Too many points or parameters are refused before anything is built. */
START_TEST(test_sweep_limits)
{
    char *sweep = malloc(65536), *end;
    ws_error err;
    sweep_design *d;

    ck_assert_ptr_nonnull(sweep);
    /* 47 x 46 x 47 = 101614 points; 46 x 46 x 47 = 99452 is fine. */
    end = sweep + sprintf(sweep, "sweep:\n  grid:\n");
    for (int j = 0; j < 3; j++) {
        end += sprintf(end, "    products.%s: [", j == 0 ? "A.lot_size"
                            : j == 1 ? "B.lot_size" : "A.first_release_day");
        for (int v = 0; v < (j == 1 ? 46 : 47); v++)
            end += sprintf(end, "%s%d", v ? ", " : "", v + 1);
        end += sprintf(end, "]\n");
    }
    err = design_bad(write_sweep(sweep));
    ck_assert_int_eq(err.line, 13);
    ck_assert_int_eq(err.col, 3);
    ck_assert_str_eq(err.message, "the grid has 101614 points (47 x 46 x 47); "
                                  "a sweep may have at most 100000");
    remove_temp_dir();

    /* A grid of 2^64 points is refused as quickly. */
    end = sweep + sprintf(sweep, "sweep:\n  grid:\n");
    for (int j = 0; j < 64; j++)
        end += sprintf(end, "    products.A.route.\"x%d\".mean: [1, 2]\n", j);
    err = design_bad(write_sweep(sweep));
    ck_assert_ptr_nonnull(strstr(err.message, "the grid has 1.84467e+19 "
                                              "points (2 x 2 x 2"));
    remove_temp_dir();

    /* 65 parameters. */
    end = sweep + sprintf(sweep, "sweep:\n  zip:\n");
    for (int j = 0; j < 65; j++)
        end += sprintf(end, "    products.A.route.\"x%d\".mean: [1]\n", j);
    err = design_bad(write_sweep(sweep));
    ck_assert_int_eq(err.line, 14 + 64);
    ck_assert_int_eq(err.col, 5);
    ck_assert_str_eq(err.message, "a sweep may vary at most 64 parameters");
    remove_temp_dir();

    /* 64 parameters are allowed (steps of a CSV route are looked up only
     * when points are built, so the ordinary loader takes these). */
    end = sweep + sprintf(sweep, "sweep:\n  zip:\n");
    for (int j = 0; j < 64; j++)
        end += sprintf(end, "    products.A.route.\"x%d\".mean: [1]\n", j);
    {
        model *m;
        ws_error_clear(&err);
        ck_assert_int_eq(scenario_load_file(write_sweep(sweep), &m, &err), 0);
        model_destroy(m);
        remove_temp_dir();
    }
    free(sweep);

    /* And so are 100000 points. */
    d = design_ok(write_sweep("sweep: {lhs: {points: 100000, parameters: "
                              "{products.A.first_release_day: "
                              "{min: 0, max: 1}}}}\n"), NULL, 0);
    ck_assert_int_eq(d->npoints, 100000);
    sweep_design_destroy(d);
    remove_temp_dir();
}
END_TEST

/* A value the model refuses is found before any simulation, named by its
 * point (0-based, the design's and the output's scenario index). */
START_TEST(test_bad_point)
{
    const char *path = write_sweep(
        "sweep:\n"
        "  grid:\n"
        "    products.A.wafers_per_month: [1000, -5, 2000]\n"
        "    tool_groups.LITHO.tools: [1, 2]\n");
    ws_error err = design_bad(path);
    model *m;

    ck_assert_str_eq(err.path, path);
    ck_assert_int_eq(err.line, 14);
    ck_assert_int_eq(err.col, 5);
    ck_assert_str_eq(err.message, "point 2 (products.A.wafers_per_month=-5, "
                                  "tool_groups.LITHO.tools=1): "
                                  "'wafers_per_month' must be > 0 (got -5)");
    /* The ordinary loader checks paths, not values. */
    ws_error_clear(&err);
    ck_assert_int_eq(scenario_load_file(path, &m, &err), 0);
    model_destroy(m);
    remove_temp_dir();

    /* A CSV step is found only when the points are built. */
    path = write_sweep("sweep:\n"
                       "  zip:\n"
                       "    tool_groups.LITHO.tools: [1, 2]\n"
                       "    products.A.route.etch.mean: [1, 0]\n"
                       "    products.A.route.exposed.mean: [1, 2]\n");
    err = design_bad(path);
    ck_assert_int_eq(err.line, 16);
    ck_assert_int_eq(err.col, 5);
    ck_assert_str_eq(err.message, "point 0 (tool_groups.LITHO.tools=1, "
                                  "products.A.route.etch.mean=1, "
                                  "products.A.route.exposed.mean=1): no "
                                  "step 'exposed' in the route of product "
                                  "'A' (steps: expose, etch)");
    remove_temp_dir();

    path = write_sweep("sweep:\n"
                       "  zip:\n"
                       "    products.A.route.etch.distribution: "
                       "[constant, exponential]\n"
                       "    products.A.route.etch.mean: [1, 0]\n");
    err = design_bad(path);
    ck_assert_int_eq(err.line, 15);     /* the mean is wrong */
    ck_assert_str_eq(err.message, "point 1 (products.A.route.etch."
                                  "distribution=exponential, "
                                  "products.A.route.etch.mean=0): "
                                  "exponential: mean must be > 0 (got 0)");
    remove_temp_dir();
}
END_TEST

/* Settings apply to every point, and the points' values after them. */
START_TEST(test_design_with_settings)
{
    const char *path = write_sweep(
        "sweep:\n"
        "  grid:\n"
        "    products.A.lots_per_day: [1, 2]\n");
    scenario_setting s[2];
    sweep_design *d;
    ws_error err;

    ck_assert_int_eq(scenario_setting_parse("products.A.wafers_per_month=-1",
                                            &s[0]), 0);
    ck_assert_int_eq(scenario_setting_parse("tool_groups.ETCH.tools=1",
                                            &s[1]), 0);
    /* The setting's own error comes first, as a setting's. */
    ws_error_clear(&err);
    d = (sweep_design *)&d;
    ck_assert_int_eq(scenario_load_design(path, s, 2, &d, &err), WS_EDATA);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(err.path, "--set products.A.wafers_per_month=-1");
    ck_assert_int_eq(err.line, 0);

    ck_assert_int_eq(scenario_setting_parse("products.A.wafers_per_month=5",
                                            &s[0]), 0);
    d = design_ok(path, s, 2);
    ck_assert_int_eq(d->npoints, 2);
    sweep_design_destroy(d);

    /* A setting that makes a point's value wrong is reported there. */
    ck_assert_int_eq(scenario_setting_parse("products.B.route.s1.cv=1", &s[0]),
                     0);
    ck_assert_int_eq(scenario_setting_parse(
        "products.B.route.s1.distribution=gamma", &s[1]), 0);
    d = design_ok(path, s, 2);
    sweep_design_destroy(d);
    ck_assert_int_eq(scenario_setting_parse("sweep.grid=1", &s[0]), 0);
    ws_error_clear(&err);
    ck_assert_int_eq(scenario_load_design(path, s, 1, &d, &err), WS_EDATA);
    ck_assert_str_eq(err.message, "the sweep section cannot be changed by a "
                                  "setting");
    remove_temp_dir();
}
END_TEST

/* The file the lead's CLI tests use. */
START_TEST(test_shipped_sweep)
{
    const char *path = SOURCE_DIR "/tests/data/sweep-grid.yaml";
    sweep_design *d = design_ok(path, NULL, 0);
    model *m;
    ws_error err;

    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->kind, "grid");
    ck_assert_int_eq(d->npoints, 2);
    ck_assert_int_eq(d->nparams, 1);
    sweep_design_destroy(d);
    ws_error_clear(&err);
    ck_assert_int_eq(scenario_load_file(path, &m, &err), 0);
    ck_assert_int_eq(m->nproducts, 2);
    ck_assert_int_eq(m->ngroups, 3);
    ck_assert(m->horizon_days == 120);
    ck_assert(m->warmup_days == 30);
    ck_assert_int_eq(m->replications, 4);
    model_destroy(m);
}
END_TEST

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 1000 points of the README's scenario (49 CSV and 37 inline steps),
 * varying a CSV cell, an inline step, a tool group and a release rate. */
START_TEST(test_design_speed)
{
    static const char sweep[] =
        "sweep:\n"
        "  grid:\n"
        "    products.LOGIC.wafers_per_month: [3000, 3500, 4000, 4500, 5000]\n"
        "    tool_groups.LITHO.tools: [2, 3, 4, 5]\n"
        "    products.LOGIC.route.\"L1 expose\".mean: [0.9, 1.0, 1.1, 1.2, "
        "1.3]\n"
        "    products.MEMORY.route.#3.cv: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, "
        "1.2, 1.3, 1.4]\n";
    FILE *in = fopen(SOURCE_DIR "/scenarios/default.yaml", "rb");
    FILE *csv = fopen(SOURCE_DIR "/scenarios/routes/default-logic.csv", "rb");
    static char text[1 << 16];
    size_t n;
    sweep_design *d;
    double start, elapsed;

    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(csv);
    make_temp_dir();
    n = fread(text, 1, sizeof text - sizeof sweep, in);
    memcpy(text + n, sweep, sizeof sweep);
    write_text("default.yaml", text);
    n = fread(text, 1, sizeof text - 1, csv);
    text[n] = '\0';
    write_text("routes/default-logic.csv", text);
    fclose(in);
    fclose(csv);

    start = seconds();
    d = design_ok(temp_path("default.yaml"), NULL, 0);
    elapsed = seconds() - start;
    ck_assert_int_eq(d->npoints, 1000);
    printf("scenario_load_design: 1000 points of default.yaml in %.3f s\n",
           elapsed);
    /* Well under a second natively; valgrind is some 50 times slower. */
    ck_assert_msg(elapsed < 30.0, "%.3f s", elapsed);
    sweep_design_destroy(d);
    remove_temp_dir();
}
END_TEST

/* A sweep over realism keys: every point is built and checked. */
START_TEST(test_realism_sweep)
{
    char *yaml = malloc(sizeof realism_yaml + 256);
    sweep_design *d;
    ws_error err;

    ck_assert_ptr_nonnull(yaml);
    write_realism();
    snprintf(yaml, sizeof realism_yaml + 256, "%s"
             "sweep:\n  grid:\n"
             "    tool_groups.C.cascade: [1, 2, 3]\n"
             "    products.A.route.#3.rework_prob: [0, 0.1]\n"
             "    tool_groups.C.downtimes.BD.duration.mean: [1, 2]\n",
             realism_yaml);
    write_text("s.yaml", yaml);
    d = design_ok(temp_path("s.yaml"), NULL, 0);
    ck_assert_int_eq(d->npoints, 12);
    sweep_design_destroy(d);
    /* A point the model refuses, at its parameter. */
    snprintf(yaml, sizeof realism_yaml + 256, "%s"
             "sweep:\n  zip:\n"
             "    products.A.route.#3.rework_prob: [0.5, 1]\n",
             realism_yaml);
    write_text("s.yaml", yaml);
    err = design_bad(temp_path("s.yaml"));
    ck_assert_ptr_nonnull(strstr(err.message, "point 1 "));
    ck_assert_ptr_nonnull(strstr(err.message, "'rework_prob' must be a "
                                              "probability"));
    /* smt2020 cannot be swept. */
    snprintf(yaml, sizeof realism_yaml + 256, "%s"
             "sweep:\n  grid:\n    smt2020: [a, b]\n", realism_yaml);
    write_text("s.yaml", yaml);
    err = design_bad(temp_path("s.yaml"));
    ck_assert_ptr_nonnull(strstr(err.message, "cannot sweep 'smt2020'"));
    free(yaml);
    remove_temp_dir();
}
END_TEST

static Suite *settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *set = tcase_create("settings");
    TCase *sweep = tcase_create("sweep");

    tcase_set_timeout(set, 60);
    tcase_add_loop_test(set, test_setting_equals_file, 0,
                        sizeof equivalents / sizeof equivalents[0]);
    tcase_add_test(set, test_setting_changes_only_its_path);
    tcase_add_test(set, test_setting_parse);
    tcase_add_loop_test(set, test_setting_errors, 0,
                        sizeof setting_errors / sizeof setting_errors[0]);
    tcase_add_test(set, test_setting_error_with_origin);
    tcase_add_test(set, test_file_errors_keep_positions);
    tcase_add_loop_test(set, test_realism_setting_equals_file, 0,
                        sizeof realism_equivalents /
                            sizeof realism_equivalents[0]);
    tcase_add_test(set, test_realism_setting_values);
    tcase_add_loop_test(set, test_realism_setting_errors, 0,
                        sizeof realism_setting_errors /
                            sizeof realism_setting_errors[0]);
    tcase_add_test(set, test_realism_errors_in_file);
    tcase_add_test(set, test_realism_sections_missing);
    tcase_add_test(set, test_smt2020_settings);
    suite_add_tcase(s, set);

    tcase_set_timeout(sweep, 300);
    tcase_add_test(sweep, test_no_sweep);
    tcase_add_test(sweep, test_grid);
    tcase_add_test(sweep, test_zip);
    tcase_add_test(sweep, test_lhs_strata);
    tcase_add_test(sweep, test_lhs_deterministic);
    tcase_add_test(sweep, test_lhs_defaults);
    tcase_add_loop_test(sweep, test_sweep_errors, 0,
                        sizeof sweep_errors / sizeof sweep_errors[0]);
    tcase_add_test(sweep, test_sweep_limits);
    tcase_add_test(sweep, test_bad_point);
    tcase_add_test(sweep, test_design_with_settings);
    tcase_add_test(sweep, test_shipped_sweep);
    tcase_add_test(sweep, test_design_speed);
    tcase_add_test(sweep, test_realism_sweep);
    suite_add_tcase(s, sweep);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(settings_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
