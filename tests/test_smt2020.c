/* Tests for the SMT2020 reader (models/smt2020).
 *
 * tests/data/smt2020-mini is a hand-made data set that uses every column
 * the reader reads: it is loaded and its model checked field by field, and
 * loaded again after edits that must not change the model (CRLF, a BOM,
 * columns in another order).  The published HVLM and LVHM data sets are
 * loaded when present (they are not in the repository).  Every case of
 * tests/bad/smt2020/ is a copy of the mini data set with one file broken,
 * which must fail with the exact message the case states. */
#include <check.h>
#include <sys/resource.h>
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/fab.h"
#include "models/smt2020.h"
#include "test_same_result.h"

#define SOURCE_DIR WAFERSIM_SOURCE_DIR
#define MINI SOURCE_DIR "/tests/data/smt2020-mini"
#define BAD_DIR SOURCE_DIR "/tests/bad/smt2020"

/* --- files ------------------------------------------------------------- */

static char *read_all(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long n;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_ge(n, 0);
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    text = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    text[n] = '\0';
    *length = (size_t)n;
    return text;
}

static void write_all(const char *path, const char *text, size_t length)
{
    FILE *f = fopen(path, "wb");

    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(text, 1, length, f), length);
    ck_assert_int_eq(fclose(f), 0);
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    ck_assert_int_lt(snprintf(out, size, "%s/%s", dir, name), (int)size);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Sorted names of the files of dir with the given ending; -1 when dir
 * cannot be read or holds too many (main calls it, outside any test). */
static int list_files(const char *dir, const char *ending, char names[][256],
                      int max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), elen = strlen(ending);
        if (e->d_name[0] == '.' || len < elen ||
            strcmp(e->d_name + len - elen, ending) != 0)
            continue;
        if (n == max || len >= 256) {
            closedir(d);
            return -1;
        }
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    return n;
}

/* A fresh copy of the mini data set in a temporary directory. */
static void copy_mini(char dir[64])
{
    char names[32][256];
    int n = list_files(MINI, "", names, 32);

    ck_assert_int_gt(n, 0);
    strcpy(dir, "/tmp/wafersim-smt2020-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (int i = 0; i < n; i++) {
        char from[1024], to[1024];
        size_t length;
        char *text;
        join(from, sizeof from, MINI, names[i]);
        join(to, sizeof to, dir, names[i]);
        text = read_all(from, &length);
        write_all(to, text, length);
        free(text);
    }
}

/* Removes our temporary directory: its files and at most one level of
 * directories (the bad cases put an empty one where a file belongs). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        join(path, sizeof path, dir, e->d_name);
        if (unlink(path) != 0)
            ck_assert_int_eq(rmdir(path), 0);
    }
    closedir(d);
    ck_assert_int_eq(rmdir(dir), 0);
}

static model *load_ok(const char *dir)
{
    model *m = model_create();
    ws_error err;
    char text[2200];
    int rc;

    ck_assert_ptr_nonnull(m);
    ws_error_clear(&err);
    rc = smt2020_load(m, dir, &err);
    ws_error_format(&err, text, sizeof text);
    ck_assert_msg(rc == 0, "%s: %s", dir, text);
    return m;
}

/* --- the mini data set, field by field --------------------------------- */

#define EPS 1e-12
#define MIN (1.0 / 1440.0)
#define HR (1.0 / 24.0)
#define SEC (1.0 / 86400.0)

static void assert_close(double got, double want, const char *what)
{
    ck_assert_msg(fabs(got - want) <= EPS * (1.0 + fabs(want)),
                  "%s: got %.17g, want %.17g", what, got, want);
}

static void assert_dist(const dist *d, enum dist_kind kind, double p0,
                        double p1, const char *what)
{
    ck_assert_msg(d->kind == kind, "%s: kind %s", what,
                  dist_kind_name(d->kind));
    assert_close(d->p[0], p0, what);
    if (kind == DIST_UNIFORM) {
        assert_close(d->p[1], p1, what);
        assert_close(d->mean, 0.5 * (p0 + p1), what);
    } else {
        assert_close(d->mean, p0, what);
    }
}

static const tool_group *group(const model *m, const char *name)
{
    int32_t g = model_find_tool_group(m, name);
    ck_assert_msg(g >= 0, "no tool group %s", name);
    return &m->groups[g];
}

static const tool_downtime *downtime(const tool_group *g, const char *name)
{
    for (int32_t i = 0; i < g->ndowntimes; i++)
        if (strcmp(g->downtimes[i].name, name) == 0)
            return &g->downtimes[i];
    ck_abort_msg("%s has no downtime %s", g->name, name);
    return NULL;
}

START_TEST(test_mini_groups)
{
    model *m = load_ok(MINI);
    const tool_group *g;
    const tool_downtime *d;

    ck_assert_int_eq(m->ngroups, 7);
    ck_assert_str_eq(m->groups[0].name, "Diff_1");
    ck_assert_str_eq(m->groups[6].name, "Delay_1");

    g = group(m, "Diff_1");
    ck_assert_int_eq(g->tools, 2);
    ck_assert_int_eq(g->nrank, 2);
    ck_assert_int_eq(g->rank[0], RANK_PRIORITY);
    ck_assert_int_eq(g->rank[1], RANK_FIFO);
    ck_assert_str_eq(g->area, "Diffusion");
    ck_assert_int_eq(g->batching, 1);
    ck_assert_int_eq(g->batch_unit, BATCH_WAFERS);
    assert_close(g->batch_wait_days, 0.0, "batch wait");
    ck_assert_int_eq(g->cascade, 1);
    assert_close(g->load_days, MIN, "load");
    assert_close(g->unload_days, MIN, "unload");
    ck_assert_int_eq(g->ndowntimes, 2);
    d = downtime(g, "BREAK_Diffusion");
    ck_assert_int_eq(d->kind, DOWN_BREAKDOWN);
    assert_dist(&d->interval, DIST_EXPONENTIAL, 10080 * MIN, 0, "mttf");
    assert_dist(&d->duration, DIST_EXPONENTIAL, 151.2 * MIN, 0, "mttr");
    ck_assert_int_eq(d->has_first, 1);
    assert_dist(&d->first, DIST_EXPONENTIAL, 10080 * MIN, 0, "foa");
    ck_assert_int_eq(d->stagger, 0);
    d = downtime(g, "Diff_PM");
    ck_assert_int_eq(d->kind, DOWN_PM_CALENDAR);
    assert_dist(&d->interval, DIST_CONSTANT, 91.0, 0, "mtbpm");
    assert_dist(&d->duration, DIST_CONSTANT, 6 * HR, 0, "pm time");
    ck_assert_int_eq(d->has_first, 1);
    assert_dist(&d->first, DIST_CONSTANT, 45.0, 0, "pm foa");
    /* A constant FOA is the family's: spread over its tools. */
    ck_assert_int_eq(d->stagger, 1);

    g = group(m, "Wet_1");
    ck_assert_int_eq(g->tools, 3);
    ck_assert_int_eq(g->nrank, 3);
    ck_assert_int_eq(g->rank[1], RANK_SETUP);
    ck_assert_int_eq(g->batching, 0);
    ck_assert_int_eq(g->cascade, 2);
    assert_close(g->load_days, 0.5 * MIN, "load");
    assert_close(g->unload_days, 30 * SEC, "unload");
    ck_assert_int_eq(g->ndowntimes, 1);
    d = downtime(g, "Wet_1_WK");
    ck_assert_int_eq(d->kind, DOWN_PM_WAFERS);
    assert_close(d->interval_wafers, 2000.0, "pm wafers");
    assert_dist(&d->duration, DIST_UNIFORM, (8.74 - 1.75) * HR,
                (8.74 + 1.75) * HR, "pm time");
    /* FOA in pieces: the wafers before the first PM, spread over the
     * tools. */
    ck_assert_int_eq(d->has_first, 0);
    assert_close(d->first_wafers, 1880.0, "pm first wafers");
    ck_assert_int_eq(d->stagger, 1);

    g = group(m, "Litho_1");
    ck_assert_int_eq(g->rank[2], RANK_EDD);
    d = downtime(g, "BREAK_Litho");
    ck_assert_int_eq(d->kind, DOWN_BREAKDOWN);
    assert_dist(&d->interval, DIST_EXPONENTIAL, 7.0, 0, "mttf");
    assert_dist(&d->duration, DIST_CONSTANT, 0.5, 0, "mttr");
    ck_assert_int_eq(d->has_first, 0);
    d = downtime(g, "Litho_1_MN");
    assert_dist(&d->interval, DIST_CONSTANT, 30.0, 0, "mtbpm");
    assert_dist(&d->duration, DIST_UNIFORM, (13.76 - 2.75) * HR,
                (13.76 + 2.75) * HR, "pm time");
    assert_dist(&d->first, DIST_CONSTANT, 27.3, 0, "foa");

    g = group(m, "Imp_1");
    assert_close(g->load_days, 0.25 * HR, "load");
    ck_assert_int_eq(g->ndowntimes, 0);
    g = group(m, "Met_1");
    ck_assert_int_eq(g->nrank, 4);
    ck_assert_int_eq(g->rank[0], RANK_SPT);
    ck_assert_int_eq(g->rank[1], RANK_CR);
    ck_assert_int_eq(g->rank[2], RANK_ODD);
    ck_assert_int_eq(g->rank[3], RANK_SLACK);
    g = group(m, "Furn_1");
    ck_assert_int_eq(g->batch_unit, BATCH_LOTS);
    ck_assert_int_eq(g->ndowntimes, 2);
    ck_assert_str_eq(g->downtimes[0].name, "BREAK_Diffusion");
    ck_assert_str_eq(g->downtimes[1].name, "Diff_PM");
    g = group(m, "Delay_1");
    ck_assert_int_eq(g->tools, 50);
    ck_assert_int_eq(g->nrank, 0);
    ck_assert_str_eq(g->area, "Delay_1");
    assert_close(g->load_days, 0.0, "no load time");
    model_destroy(m);
}
END_TEST

START_TEST(test_mini_routes)
{
    model *m = load_ok(MINI);
    const product *p;
    const route_step *s;
    int32_t ls1, ls2, sua, sub;

    ck_assert_int_eq(m->nproducts, 2);
    p = &m->products[0];
    ck_assert_str_eq(p->name, "part_1");
    ck_assert_int_eq(p->nsteps, 8);
    ck_assert_int_eq(p->lot_size, 25);
    ck_assert_int_eq(p->release, RELEASE_NONE);
    ck_assert_int_eq(m->products[1].nsteps, 5);
    ck_assert_int_eq(m->products[1].lot_size, 24);

    ck_assert_int_eq(m->nsetups, 5);
    ls1 = model_find_setup(m, "LS_1");
    ls2 = model_find_setup(m, "LS_2");
    sua = model_find_setup(m, "SU_A");
    sub = model_find_setup(m, "SU_B");
    ck_assert_int_ge(model_find_setup(m, "SU_C"), 0);

    s = &p->steps[0];
    ck_assert_str_eq(s->name, "001_Diffusion");
    ck_assert_int_eq(s->tool_group, model_find_tool_group(m, "Diff_1"));
    ck_assert_int_eq(s->per, TIME_PER_BATCH);
    /* uniform PTIME PTIME2: PTIME the mean, PTIME2 the half-width. */
    assert_dist(&s->time, DIST_UNIFORM, 285 * MIN, 315 * MIN, "step 1");
    ck_assert_int_eq(s->batch_min, 50);
    ck_assert_int_eq(s->batch_max, 100);
    ck_assert(isnan(s->cascade_interval_days));
    ck_assert_int_eq(s->setup, -1);
    assert_close(s->sample_prob, 1.0, "sample");
    ck_assert_int_eq(s->rework_to, -1);
    ck_assert_int_eq(s->same_tool_as, -1);

    s = &p->steps[1];
    ck_assert_int_eq(s->per, TIME_PER_WAFER);
    assert_dist(&s->time, DIST_UNIFORM, 0.76 * MIN, 0.84 * MIN, "step 2");
    assert_close(s->cascade_interval_days, 0.6 * MIN, "part interval");
    ck_assert_int_eq(s->batch_min, 1);
    ck_assert_int_eq(s->batch_max, 0);

    s = &p->steps[2];
    ck_assert_int_eq(s->per, TIME_PER_LOT);
    ck_assert_int_eq(s->setup, ls1);
    ck_assert_int_eq(s->has_setup_time, 1);
    assert_dist(&s->setup_time, DIST_CONSTANT, 8 * MIN, 0, "stime");

    s = &p->steps[3];
    assert_dist(&s->time, DIST_CONSTANT, 10 * MIN, 0, "step 4");
    assert_close(s->sample_prob, 0.25, "StepPercent");

    s = &p->steps[4];
    assert_dist(&s->time, DIST_UNIFORM, 0.95 * HR, 1.05 * HR, "step 5");
    ck_assert_int_eq(s->setup, sua);
    ck_assert_int_eq(s->has_setup_time, 0);

    s = &p->steps[5];
    ck_assert_int_eq(s->setup, ls2);
    ck_assert_int_eq(s->rework_to, 2);
    assert_close(s->rework_prob, 0.025, "rework");
    /* SVESTN yes, FORSTEP 6 on step 3. */
    ck_assert_int_eq(s->same_tool_as, 2);

    s = &p->steps[6];
    ck_assert_int_eq(s->tool_group, model_find_tool_group(m, "Delay_1"));

    s = &p->steps[7];
    assert_dist(&s->time, DIST_EXPONENTIAL, 45 * SEC, 0, "step 8");
    assert_close(s->cascade_interval_days, 30 * SEC, "batch interval");
    assert_close(s->sample_prob, 1.0, "StepPercent 100");

    p = &m->products[1];
    s = &p->steps[0];
    ck_assert_int_eq(s->tool_group, model_find_tool_group(m, "Furn_1"));
    ck_assert_int_eq(s->batch_min, 2);
    ck_assert_int_eq(s->batch_max, 4);
    ck_assert_int_eq(p->steps[1].setup, sub);
    ck_assert_int_eq(p->steps[1].per, TIME_PER_WAFER);
    ck_assert_int_eq(p->steps[4].rework_to, 4);
    assert_close(p->steps[4].rework_prob, 0.01, "rework");

    ck_assert_int_eq(m->nconstraints, 2);
    ck_assert_int_eq(m->constraints[0].product, 0);
    ck_assert_int_eq(m->constraints[0].from_step, 0);
    ck_assert_int_eq(m->constraints[0].to_step, 1);
    assert_close(m->constraints[0].limit_days, 4 * HR, "cqt");
    ck_assert_int_eq(m->constraints[0].action, CQT_COUNT);
    ck_assert_int_eq(m->constraints[1].product, 1);
    ck_assert_int_eq(m->constraints[1].from_step, 2);
    ck_assert_int_eq(m->constraints[1].to_step, 4);
    assert_close(m->constraints[1].limit_days, 1.5, "cqt");
    model_destroy(m);
}
END_TEST

START_TEST(test_mini_orders_and_wip)
{
    model *m = load_ok(MINI);
    const release_order *o;
    const initial_lot *l;

    /* 2018-01-01, the day of the earliest order START. */
    ck_assert_int_eq(m->start_date, 17532);
    ck_assert_int_eq(m->norders, 3);
    o = &m->orders[0];
    ck_assert_str_eq(o->name, "Lot_1");
    ck_assert_int_eq(o->product, 0);
    ck_assert_int_eq(o->wafers, 25);
    ck_assert_int_eq(o->priority, 10);
    ck_assert_int_eq(o->kind, RELEASE_INTERVAL);
    assert_close(o->interval_days, 120 * MIN, "interval");
    ck_assert_int_eq(o->count, 1000);
    assert_close(o->first_days, 0.0, "first");
    assert_close(o->due_offset_days, 30.5, "due");
    o = &m->orders[1];
    ck_assert_int_eq(o->product, 1);
    ck_assert_int_eq(o->wafers, 24);
    assert_close(o->interval_days, 4 * HR, "interval");
    ck_assert_int_eq(o->count, 500);
    assert_close(o->first_days, 1.25, "first");
    assert_close(o->due_offset_days, 18.0, "due");
    o = &m->orders[2];
    ck_assert_str_eq(o->name, "HotLot_1");
    ck_assert_int_eq(o->priority, 20);
    ck_assert_int_ge(o->priority, MODEL_HOT_PRIORITY);
    ck_assert_int_eq(o->kind, RELEASE_RANDOM);
    assert_dist(&o->interarrival, DIST_EXPONENTIAL, 2.0, 0, "interarrival");
    ck_assert_int_eq(o->count, 100);
    assert_close(o->due_offset_days, 14.0, "due");

    ck_assert_int_eq(m->ninitial, 3);
    l = &m->initial[0];
    ck_assert_int_eq(l->product, 0);
    ck_assert_int_eq(l->step, 6);
    ck_assert_int_eq(l->wafers, 25);
    ck_assert_int_eq(l->priority, 10);
    assert_close(l->release_day, 0.0, "release");
    assert_close(l->due_day, 0.5, "due");
    l = &m->initial[1];
    ck_assert_int_eq(l->step, 2);
    ck_assert_int_eq(l->priority, 20);
    assert_close(l->due_day, 4.0, "due");
    l = &m->initial[2];
    ck_assert_int_eq(l->product, 1);
    ck_assert_int_eq(l->step, 4);
    ck_assert_int_eq(l->wafers, 12);
    assert_close(l->release_day, -0.25, "release");
    ck_assert(isnan(l->due_day));
    model_destroy(m);
}
END_TEST

START_TEST(test_mini_setups_and_transport)
{
    model *m = load_ok(MINI);
    int32_t sua = model_find_setup(m, "SU_A");
    int32_t sub = model_find_setup(m, "SU_B");
    int32_t suc = model_find_setup(m, "SU_C");
    int32_t ls1 = model_find_setup(m, "LS_1");
    int32_t ls2 = model_find_setup(m, "LS_2");
    const dist *d;

    ck_assert_int_eq(m->nsetup_changes, 4);
    d = model_setup_change_time(m, sua, sub);
    ck_assert_ptr_nonnull(d);
    assert_dist(d, DIST_CONSTANT, 12 * MIN, 0, "SU_A -> SU_B");
    d = model_setup_change_time(m, sub, sua);
    assert_dist(d, DIST_CONSTANT, 10 * MIN, 0, "SU_B -> SU_A");
    /* An empty CURSETUP: from any setup. */
    d = model_setup_change_time(m, ls1, suc);
    ck_assert_ptr_nonnull(d);
    assert_dist(d, DIST_CONSTANT, 0.5 * HR, 0, "any -> SU_C");
    d = model_setup_change_time(m, ls1, ls2);
    assert_dist(d, DIST_CONSTANT, 90 * SEC, 0, "LS_1 -> LS_2");
    ck_assert_ptr_null(model_setup_change_time(m, sua, ls1));

    ck_assert_int_eq(m->setup_min_run[sua], 3);
    ck_assert_int_eq(m->setup_min_run[sub], 5);
    ck_assert(m->setup_min_run_wait_days == INFINITY);
    ck_assert_int_eq(m->setup_min_run[suc], 0);
    ck_assert_int_eq(m->setup_min_run[ls1], 0);

    ck_assert_int_eq(m->has_transport, 1);
    assert_dist(&m->transport, DIST_UNIFORM, 5 * MIN, 10 * MIN, "transport");

    /* Every file read, with its text. */
    ck_assert_int_eq(m->nsources, 12);
    for (int32_t i = 0; i < m->nsources; i++) {
        size_t length;
        char *text = read_all(m->sources[i].path, &length);
        ck_assert_uint_eq(strlen(m->sources[i].text), length);
        ck_assert_int_eq(memcmp(text, m->sources[i].text, length), 0);
        free(text);
    }
    ck_assert_ptr_nonnull(strstr(m->sources[0].path, "tool.txt.1l"));
    model_destroy(m);
}
END_TEST

/* --- edits that must not change the model ------------------------------ */

static void assert_same_dist(const dist *a, const dist *b, const char *what)
{
    ck_assert_msg(a->kind == b->kind && a->p[0] == b->p[0] &&
                  a->p[1] == b->p[1] && a->mean == b->mean, "%s differs",
                  what);
}

static void assert_same_model(const model *a, const model *b)
{
    ck_assert_int_eq(a->start_date, b->start_date);
    ck_assert_int_eq(a->ngroups, b->ngroups);
    for (int32_t g = 0; g < a->ngroups; g++) {
        const tool_group *x = &a->groups[g], *y = &b->groups[g];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->tools, y->tools);
        ck_assert_int_eq(x->nrank, y->nrank);
        ck_assert_int_eq(memcmp(x->rank, y->rank, sizeof x->rank), 0);
        ck_assert_int_eq(!x->area, !y->area);
        if (x->area)
            ck_assert_str_eq(x->area, y->area);
        ck_assert_int_eq(x->batching, y->batching);
        ck_assert_int_eq(x->batch_unit, y->batch_unit);
        ck_assert_int_eq(x->cascade, y->cascade);
        ck_assert(x->load_days == y->load_days);
        ck_assert(x->unload_days == y->unload_days);
        ck_assert_int_eq(x->ndowntimes, y->ndowntimes);
        for (int32_t i = 0; i < x->ndowntimes; i++) {
            ck_assert_str_eq(x->downtimes[i].name, y->downtimes[i].name);
            ck_assert_int_eq(x->downtimes[i].kind, y->downtimes[i].kind);
            assert_same_dist(&x->downtimes[i].interval,
                             &y->downtimes[i].interval, "interval");
            assert_same_dist(&x->downtimes[i].duration,
                             &y->downtimes[i].duration, "duration");
            ck_assert_int_eq(x->downtimes[i].has_first,
                             y->downtimes[i].has_first);
            ck_assert(x->downtimes[i].first_wafers
                      == y->downtimes[i].first_wafers);
            ck_assert_int_eq(x->downtimes[i].stagger,
                             y->downtimes[i].stagger);
        }
    }
    ck_assert_int_eq(a->nproducts, b->nproducts);
    for (int32_t p = 0; p < a->nproducts; p++) {
        const product *x = &a->products[p], *y = &b->products[p];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->lot_size, y->lot_size);
        ck_assert_int_eq(x->nsteps, y->nsteps);
        for (int32_t s = 0; s < x->nsteps; s++) {
            const route_step *u = &x->steps[s], *v = &y->steps[s];
            ck_assert_str_eq(u->name, v->name);
            ck_assert_int_eq(u->tool_group, v->tool_group);
            ck_assert_int_eq(u->per, v->per);
            assert_same_dist(&u->time, &v->time, u->name);
            ck_assert_int_eq(u->batch_min, v->batch_min);
            ck_assert_int_eq(u->batch_max, v->batch_max);
            ck_assert(u->cascade_interval_days == v->cascade_interval_days ||
                      (isnan(u->cascade_interval_days) &&
                       isnan(v->cascade_interval_days)));
            ck_assert_int_eq(u->setup, v->setup);
            ck_assert_int_eq(u->has_setup_time, v->has_setup_time);
            ck_assert(u->sample_prob == v->sample_prob);
            ck_assert(u->rework_prob == v->rework_prob);
            ck_assert_int_eq(u->rework_to, v->rework_to);
            ck_assert_int_eq(u->same_tool_as, v->same_tool_as);
        }
    }
    ck_assert_int_eq(a->norders, b->norders);
    for (int32_t o = 0; o < a->norders; o++) {
        ck_assert_str_eq(a->orders[o].name, b->orders[o].name);
        ck_assert(a->orders[o].first_days == b->orders[o].first_days);
        ck_assert(a->orders[o].due_offset_days ==
                  b->orders[o].due_offset_days);
        ck_assert(a->orders[o].interval_days == b->orders[o].interval_days);
    }
    ck_assert_int_eq(a->ninitial, b->ninitial);
    for (int32_t i = 0; i < a->ninitial; i++) {
        ck_assert_int_eq(a->initial[i].step, b->initial[i].step);
        ck_assert(a->initial[i].release_day == b->initial[i].release_day);
    }
    ck_assert_int_eq(a->nsetups, b->nsetups);
    ck_assert_int_eq(a->nsetup_changes, b->nsetup_changes);
    ck_assert_int_eq(a->nconstraints, b->nconstraints);
    ck_assert_int_eq(a->has_transport, b->has_transport);
    assert_same_dist(&a->transport, &b->transport, "transport");
}

/* Rewrites every file of dir through edit. */
static void edit_all(const char *dir, char *(*edit)(const char *, size_t,
                                                     size_t *))
{
    char names[32][256];
    int n = list_files(dir, "", names, 32);

    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++) {
        char path[1024];
        size_t length, out_length;
        char *text, *out;
        join(path, sizeof path, dir, names[i]);
        text = read_all(path, &length);
        out = edit(text, length, &out_length);
        write_all(path, out, out_length);
        free(text);
        free(out);
    }
}

/* CRLF line ends throughout and a byte-order mark in front. */
static char *to_crlf_bom(const char *text, size_t length, size_t *out_length)
{
    char *out = malloc(2 * length + 4);
    size_t n = 0;

    ck_assert_ptr_nonnull(out);
    memcpy(out, "\xEF\xBB\xBF", 3);
    n = 3;
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            out[n++] = '\r';
        out[n++] = text[i];
    }
    *out_length = n;
    return out;
}

/* Every line's cells in reverse order (the header's too), and a blank
 * line after each row.  Rows are first made as long as the header: the
 * mini data set has short rows and rows with extra empty cells. */
static char *reverse_columns(const char *text, size_t length,
                             size_t *out_length)
{
    const char *cells[64];
    size_t lengths[64];
    char *out = malloc(4 * length + 64);
    size_t n = 0, start = 0;
    int ncolumns = -1;

    ck_assert_ptr_nonnull(out);
    while (start < length) {
        const char *nl = memchr(text + start, '\n', length - start);
        size_t end = nl ? (size_t)(nl - text) : length;
        size_t content = end, cell_start = start;
        int k = 0;
        if (content > start && text[content - 1] == '\r')
            content--;
        for (size_t i = start; i <= content; i++) {
            if (i < content && text[i] != '\t')
                continue;
            ck_assert_int_lt(k, 64);
            cells[k] = text + cell_start;
            lengths[k++] = i - cell_start;
            cell_start = i + 1;
        }
        if (ncolumns < 0)
            ncolumns = k;
        while (k > ncolumns && lengths[k - 1] == 0)
            k--;
        ck_assert_int_le(k, ncolumns);
        while (k < ncolumns) {
            cells[k] = "";
            lengths[k++] = 0;
        }
        for (int i = k - 1; i >= 0; i--) {
            memcpy(out + n, cells[i], lengths[i]);
            n += lengths[i];
            out[n++] = i > 0 ? '\t' : '\n';
        }
        out[n++] = '\n';
        start = end + 1;
    }
    *out_length = n;
    return out;
}

START_TEST(test_mini_crlf_bom)
{
    char dir[64];
    model *a = load_ok(MINI), *b;

    copy_mini(dir);
    edit_all(dir, to_crlf_bom);
    b = load_ok(dir);
    assert_same_model(a, b);
    model_destroy(a);
    model_destroy(b);
    remove_dir(dir);
}
END_TEST

START_TEST(test_mini_column_order)
{
    char dir[64];
    model *a = load_ok(MINI), *b;

    copy_mini(dir);
    edit_all(dir, reverse_columns);
    b = load_ok(dir);
    assert_same_model(a, b);
    model_destroy(a);
    model_destroy(b);
    remove_dir(dir);
}
END_TEST

/* Without orders, time 0 is the first midnight by which all WIP started,
 * and products keep the default lot size. */
START_TEST(test_mini_no_orders)
{
    char dir[64], path[1024];
    static const char header[] = "LOT\tPART\tPRIOR\tPIECES\tSTART\tRDIST\t"
                                 "REPEAT\tRUNITS\tRPT#\n";
    model *m;

    copy_mini(dir);
    join(path, sizeof path, dir, "order.txt");
    write_all(path, header, strlen(header));
    m = load_ok(dir);
    ck_assert_int_eq(m->norders, 0);
    ck_assert_int_eq(m->start_date, 17532);
    assert_close(m->initial[2].release_day, -0.25, "release");
    ck_assert_int_eq(m->products[1].lot_size, 25);
    model_destroy(m);
    remove_dir(dir);
}
END_TEST

/* A locale whose decimal point is a comma must not change the numbers. */
START_TEST(test_mini_locale)
{
    static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8",
                                          "fr_FR.UTF-8", "C.UTF-8"};
    const char *set = NULL;
    model *a = load_ok(MINI), *b;

    for (size_t i = 0; i < sizeof locales / sizeof locales[0] && !set; i++)
        set = setlocale(LC_NUMERIC, locales[i]);
    b = load_ok(MINI);
    setlocale(LC_NUMERIC, "C");
    assert_same_model(a, b);
    model_destroy(a);
    model_destroy(b);
}
END_TEST

/* --- what cannot be loaded ---------------------------------------------- */

static void expect_failure(const char *dir, model *m, int code,
                           const char *want)
{
    ws_error err;
    char text[2200];
    int rc;

    ws_error_clear(&err);
    rc = smt2020_load(m, dir, &err);
    ws_error_format(&err, text, sizeof text);
    ck_assert_msg(rc == code, "status %d, want %d: %s", rc, code, text);
    ck_assert_int_eq(err.code, code);
    ck_assert_str_eq(text, want);
}

START_TEST(test_missing_directory)
{
    model *m = model_create();

    expect_failure("/nonexistent/smt2020", m, WS_ENOINPUT,
                   "/nonexistent/smt2020: cannot read the data set "
                   "directory: No such file or directory");
    expect_failure(MINI "/part.txt", m, WS_ENOINPUT,
                   MINI "/part.txt: not a directory: an SMT2020 data set is "
                   "a directory of files");
    model_destroy(m);
}
END_TEST

START_TEST(test_model_not_empty)
{
    model *m = model_create();
    ws_error err;

    ck_assert_int_eq(model_add_tool_group(m, "X", 1), 0);
    ck_assert_int_eq(smt2020_load(m, MINI, &err), WS_ESOFTWARE);
    model_destroy(m);
}
END_TEST

/* --- limits, checked before anything is allocated for them ------------- */

/* Opens name in dir for writing, truncated. */
static FILE *create(const char *dir, const char *name)
{
    char path[1024];
    FILE *f;

    join(path, sizeof path, dir, name);
    f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    return f;
}

static void expect_in(const char *dir, int code, const char *want)
{
    char full[1200];
    model *m = model_create();

    snprintf(full, sizeof full, "%s/%s", dir, want);
    expect_failure(dir, m, code, full);
    model_destroy(m);
}

START_TEST(test_limit_file_size)
{
    char dir[64], path[1024];

    copy_mini(dir);
    join(path, sizeof path, dir, "WIP.txt");
    /* A sparse file: the size is refused before a byte is read. */
    ck_assert_int_eq(truncate(path, (off_t)64 * 1024 * 1024 + 1), 0);
    expect_in(dir, WS_EDATA, "WIP.txt: the file is larger than 64 MiB");
    remove_dir(dir);
}
END_TEST

START_TEST(test_limit_tool_groups)
{
    char dir[64];
    FILE *f;

    copy_mini(dir);
    f = create(dir, "tool.txt.1l");
    fputs("STNFAM\tSTNQTY\n", f);
    for (int i = 0; i <= MODEL_MAX_TOOL_GROUPS; i++)
        fprintf(f, "F%d\t1\n", i);
    ck_assert_int_eq(fclose(f), 0);
    expect_in(dir, WS_EDATA, "tool.txt.1l:100002:1: a model may have at most "
              "100000 tool families");
    remove_dir(dir);
}
END_TEST

START_TEST(test_limit_steps)
{
    char dir[64];
    FILE *f;

    copy_mini(dir);
    f = create(dir, "route_2.txt");
    fputs("STEP\tSTNFAM\tPDIST\tPTIME\tPTUNITS\tPTPER\n", f);
    for (int i = 1; i <= MODEL_MAX_STEPS + 1; i++)
        fprintf(f, "%d\tMet_1\tconstant\t1\tmin\tper_lot\n", i);
    ck_assert_int_eq(fclose(f), 0);
    expect_in(dir, WS_EDATA, "route_2.txt:100002:1: a route may have at "
              "most 100000 steps");
    remove_dir(dir);
}
END_TEST

START_TEST(test_limit_downtimes)
{
    char dir[64];
    FILE *pm, *attach;

    copy_mini(dir);
    pm = create(dir, "pmcal.txt");
    attach = create(dir, "attach.txt");
    fputs("PMCALNAME\tPMCALTYPE\tMTBPM\tMTBPMUNITS\tMTTRDIST\tMTTR\t"
          "MTTRUNITS\n", pm);
    fputs("CALNAME\tCALTYPE\tRESTYPE\tRESNAME\n", attach);
    for (int i = 0; i <= MODEL_MAX_DOWNTIMES; i++) {
        fprintf(pm, "PM%d\tmtbpm_by_cal\t30\tday\tconstant\t1\thr\n", i);
        fprintf(attach, "PM%d\tpm\tstnfam\tMet_1\n", i);
    }
    ck_assert_int_eq(fclose(pm), 0);
    ck_assert_int_eq(fclose(attach), 0);
    expect_in(dir, WS_EDATA, "attach.txt:66:1: tool family 'Met_1' may have "
              "at most 64 calendars");
    remove_dir(dir);
}
END_TEST

/* A bad case (tests/bad/smt2020/NAME.case): "KEY: VALUE" lines, '#'
 * comments, then a line "---" and the body, byte for byte to the end:
 *   file:   the file of the mini data set to change
 *   line:   replace only this line (its end kept) with the body, whose
 *           last line end is dropped; without it the body is the file
 *   action: remove (delete the file) or directory (a directory instead)
 *   status: EDATA (default) or ENOINPUT
 *   expect: the message, its path relative to the data set directory */
typedef struct bad_case {
    char file[256];
    int line;
    char action[32];
    int status;
    char expect[2048];
    const char *body;
    size_t body_length;
} bad_case;

static char bad_names[512][256];
static int nbad;

static void parse_case(const char *text, size_t length, bad_case *c,
                       const char *name)
{
    const char *p = text, *end = text + length;

    memset(c, 0, sizeof *c);
    c->status = WS_EDATA;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n;
        char key[32], value[2048];
        const char *colon;
        ck_assert_msg(nl != NULL, "%s: no '---' line", name);
        n = (size_t)(nl - p);
        if (n == 3 && memcmp(p, "---", 3) == 0) {
            c->body = nl + 1;
            c->body_length = (size_t)(end - c->body);
            break;
        }
        if (n == 0 || p[0] == '#') {
            p = nl + 1;
            continue;
        }
        colon = memchr(p, ':', n);
        ck_assert_msg(colon && colon[1] == ' ', "%s: bad line", name);
        ck_assert_uint_lt((size_t)(colon - p), sizeof key);
        ck_assert_uint_lt((size_t)(nl - colon - 2), sizeof value);
        memcpy(key, p, (size_t)(colon - p));
        key[colon - p] = '\0';
        memcpy(value, colon + 2, (size_t)(nl - colon - 2));
        value[nl - colon - 2] = '\0';
        if (strcmp(key, "file") == 0)
            strcpy(c->file, value);
        else if (strcmp(key, "line") == 0)
            c->line = atoi(value);
        else if (strcmp(key, "action") == 0)
            strcpy(c->action, value);
        else if (strcmp(key, "status") == 0)
            c->status = strcmp(value, "ENOINPUT") == 0 ? WS_ENOINPUT
                        : strcmp(value, "EDATA") == 0 ? WS_EDATA : 1;
        else if (strcmp(key, "expect") == 0)
            strcpy(c->expect, value);
        else
            ck_abort_msg("%s: unknown key '%s'", name, key);
        p = nl + 1;
    }
    ck_assert_msg(c->body != NULL, "%s: no '---' line", name);
    ck_assert_msg(c->file[0] && c->expect[0], "%s: needs file and expect",
                  name);
    ck_assert_msg(c->status != 1, "%s: unknown status", name);
}

/* Replaces line `line` of the file at path with body (without its last
 * line end). */
static void replace_line(const char *path, int line, const char *body,
                         size_t body_length)
{
    size_t length, start = 0, end;
    char *text = read_all(path, &length), *out;
    int at = 1;

    if (body_length > 0 && body[body_length - 1] == '\n')
        body_length--;
    while (at < line) {
        const char *nl = memchr(text + start, '\n', length - start);
        ck_assert_msg(nl != NULL, "%s has no line %d", path, line);
        start = (size_t)(nl - text) + 1;
        at++;
    }
    end = start;
    while (end < length && text[end] != '\n' && text[end] != '\r')
        end++;
    out = malloc(length + body_length + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, text, start);
    memcpy(out + start, body, body_length);
    memcpy(out + start + body_length, text + end, length - end);
    write_all(path, out, length - (end - start) + body_length);
    free(out);
    free(text);
}

/* A bad data set must fail with its message within the memory a sane
 * model needs: a reader that sized an allocation from an absurd number
 * would fail here with out-of-memory instead.  Only in a forked test (the
 * limit would outlive it otherwise) and not under sanitizers, which
 * reserve their shadow memory up front. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#define BAD_CASE_ADDRESS_SPACE (128UL << 20)

static void limit_memory(void)
{
#ifndef SANITIZED
    const char *fork = getenv("CK_FORK");
    struct rlimit lim = {BAD_CASE_ADDRESS_SPACE, BAD_CASE_ADDRESS_SPACE};
    if (!fork || strcmp(fork, "no") != 0)
        ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
#endif
}

START_TEST(test_bad_case)
{
    const char *name = bad_names[_i];
    char path[1024], dir[64], target[1024], want[3200];
    size_t length;
    char *text = NULL;
    bad_case c;
    model *m;

    join(path, sizeof path, BAD_DIR, name);
    text = read_all(path, &length);
    parse_case(text, length, &c, name);
    copy_mini(dir);
    join(target, sizeof target, dir, c.file);
    if (strcmp(c.action, "remove") == 0) {
        ck_assert_int_eq(unlink(target), 0);
    } else if (strcmp(c.action, "directory") == 0) {
        ck_assert_int_eq(unlink(target), 0);
        ck_assert_int_eq(mkdir(target, 0700), 0);
    } else {
        ck_assert_msg(c.action[0] == '\0', "%s: unknown action", name);
        if (c.line > 0)
            replace_line(target, c.line, c.body, c.body_length);
        else
            write_all(target, c.body, c.body_length);
    }
    snprintf(want, sizeof want, "%s/%s", dir, c.expect);
    m = model_create();
    limit_memory();
    expect_failure(dir, m, c.status, want);
    model_destroy(m);
    remove_dir(dir);
    free(text);
}
END_TEST

/* --- the published data sets ------------------------------------------- */

/* WAFERSIM_SMT2020_DIR, else the shared data next to the source tree. */
static const char *published_dir(char *buf, size_t size, const char *name)
{
    static const char *const roots[] = {SOURCE_DIR "/../shared/data/smt2020",
                                        "/work/shared/data/smt2020"};
    const char *env = getenv("WAFERSIM_SMT2020_DIR");
    struct stat st;

    if (env && env[0]) {
        snprintf(buf, size, "%s/%s", env, name);
        if (stat(buf, &st) == 0)
            return buf;
    }
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        snprintf(buf, size, "%s/%s", roots[i], name);
        if (stat(buf, &st) == 0)
            return buf;
    }
    printf("SKIP: SMT2020 %s not found (set WAFERSIM_SMT2020_DIR to the "
           "folder holding HVLM and LVHM)\n", name);
    return NULL;
}

/* Tools of the real families: SMT2020 counts Delay_32, the route steps
 * that only wait, apart (README: 1,043 tools in 105 families). */
static void count_tools(const model *m, int32_t *families, int64_t *tools)
{
    *families = 0;
    *tools = 0;
    for (int32_t g = 0; g < m->ngroups; g++)
        if (strcmp(m->groups[g].name, "Delay_32") != 0) {
            (*families)++;
            *tools += m->groups[g].tools;
        }
}

static int breakdown_areas(const model *m)
{
    const char *areas[64];
    int n = 0;

    for (int32_t g = 0; g < m->ngroups; g++)
        for (int32_t d = 0; d < m->groups[g].ndowntimes; d++) {
            int seen = 0;
            if (m->groups[g].downtimes[d].kind != DOWN_BREAKDOWN)
                continue;
            for (int i = 0; i < n; i++)
                seen |= strcmp(areas[i], m->groups[g].area) == 0;
            if (!seen && n < 64)
                areas[n++] = m->groups[g].area;
        }
    return n;
}

START_TEST(test_hvlm)
{
    char buf[1024];
    const char *dir = published_dir(buf, sizeof buf, "HVLM");
    int32_t families;
    int64_t tools;
    model *m;

    if (!dir)
        return;
    m = load_ok(dir);
    ck_assert_int_eq(m->nproducts, 2);
    ck_assert_str_eq(m->products[0].name, "part_3");
    ck_assert_int_eq(m->products[0].nsteps, 583);
    ck_assert_int_eq(m->products[1].nsteps, 343);
    ck_assert_int_eq(m->ngroups, 106);
    count_tools(m, &families, &tools);
    ck_assert_int_eq(families, 105);
    ck_assert_int_eq(tools, 1043);
    ck_assert_int_eq(group(m, "Delay_32")->tools, 400);
    ck_assert_int_eq(m->norders, 5);
    ck_assert_int_eq(m->orders[4].priority, 30);
    assert_close(m->orders[0].interval_days, 51.69 * MIN, "release");
    ck_assert_int_eq(breakdown_areas(m), 11);
    ck_assert_int_eq(m->start_date, 17532);
    ck_assert_int_eq(m->ninitial, 2255);
    ck_assert_int_eq(m->nsources, 12);
    ck_assert_int_eq(m->has_transport, 1);
    model_destroy(m);
}
END_TEST

START_TEST(test_lvhm)
{
    char buf[1024];
    const char *dir = published_dir(buf, sizeof buf, "LVHM");
    int32_t families;
    int64_t tools;
    model *m;

    if (!dir)
        return;
    m = load_ok(dir);
    ck_assert_int_eq(m->nproducts, 10);
    ck_assert_int_eq(m->ngroups, 106);
    count_tools(m, &families, &tools);
    ck_assert_int_eq(families, 105);
    ck_assert_int_eq(tools, 913);
    for (int32_t p = 0; p < m->nproducts; p++) {
        ck_assert_int_ge(m->products[p].nsteps, 242);
        ck_assert_int_le(m->products[p].nsteps, 583);
    }
    ck_assert_int_eq(m->norders, 21);
    assert_close(m->orders[0].interval_days, 258.46 * MIN, "release");
    ck_assert_int_eq(breakdown_areas(m), 11);
    model_destroy(m);
}
END_TEST

/* Deferred arrivals (models/fab.c) change no figure of the published data
 * sets, with their batches, cascades, setups, breakdowns and PMs: the
 * first 60 days, a replication each, against an event per transport. */
static void assert_deferral_exact(const char *name)
{
    char buf[1024];
    const char *dir = published_dir(buf, sizeof buf, name);
    if (!dir)
        return;
    model *m = load_ok(dir);
    m->horizon_days = 60.0;
    fab_options eager = {.record_lots = 1, .eager_arrivals = 1};
    fab_options deferred = {.record_lots = 1};
    fab_result *a, *b;
    run_both_same(m, &eager, &deferred, 3, &a, &b);
    ck_assert_msg(b->deferred_arrivals * 5 > b->lot_steps,
                  "%s: %llu of %llu arrivals deferred", name,
                  (unsigned long long)b->deferred_arrivals,
                  (unsigned long long)b->lot_steps);
    fab_result_destroy(a);
    fab_result_destroy(b);
    model_destroy(m);
}

START_TEST(test_hvlm_deferred_arrivals_exact)
{
    assert_deferral_exact("HVLM");
}
END_TEST

START_TEST(test_lvhm_deferred_arrivals_exact)
{
    assert_deferral_exact("LVHM");
}
END_TEST

/* Dispatching long queues by class (models/fab_classes.c) changes no
 * figure: LVHM, ranked by hot lots, setups and the critical ratio, with
 * its bottleneck LithoMet_FE_19 cut from 14 tools to 5 so that thousands
 * of lots wait there, over 90 days, against a scan of the queue for
 * every choice. */
START_TEST(test_lvhm_long_queue_classes_exact)
{
    char buf[1024];
    const char *dir = published_dir(buf, sizeof buf, "LVHM");
    if (!dir)
        return;
    model *m = load_ok(dir);
    m->horizon_days = 90.0;
    int32_t g = 0;
    while (g < m->ngroups && strcmp(m->groups[g].name, "LithoMet_FE_19") != 0)
        g++;
    ck_assert_int_lt(g, m->ngroups);
    m->groups[g].tools = 5;
    fab_options scan = {.record_lots = 1, .scan_dispatch = 1};
    fab_options classes = {.record_lots = 1};
    fab_result *a, *b;
    run_both_same(m, &scan, &classes, 1, &a, &b);
    ck_assert_uint_eq(a->class_dispatches, 0);
    ck_assert_msg(b->class_dispatches > 10000, "%llu choices by class",
                  (unsigned long long)b->class_dispatches);
    fab_result_destroy(a);
    fab_result_destroy(b);
    model_destroy(m);
}
END_TEST

static Suite *smt2020_suite(void)
{
    Suite *s = suite_create("smt2020");
    TCase *tc = tcase_create("mini");
    TCase *bad = tcase_create("bad");
    TCase *published = tcase_create("published");

    tcase_add_test(tc, test_mini_groups);
    tcase_add_test(tc, test_mini_routes);
    tcase_add_test(tc, test_mini_orders_and_wip);
    tcase_add_test(tc, test_mini_setups_and_transport);
    tcase_add_test(tc, test_mini_crlf_bom);
    tcase_add_test(tc, test_mini_column_order);
    tcase_add_test(tc, test_mini_no_orders);
    tcase_add_test(tc, test_mini_locale);
    suite_add_tcase(s, tc);
    tcase_add_test(bad, test_missing_directory);
    tcase_add_test(bad, test_model_not_empty);
    tcase_add_loop_test(bad, test_bad_case, 0, nbad);
    tcase_set_timeout(bad, 60);
    tcase_add_test(bad, test_limit_file_size);
    tcase_add_test(bad, test_limit_tool_groups);
    tcase_add_test(bad, test_limit_steps);
    tcase_add_test(bad, test_limit_downtimes);
    suite_add_tcase(s, bad);
    tcase_set_timeout(published, 60);
    tcase_add_test(published, test_hvlm);
    tcase_add_test(published, test_lvhm);
    tcase_add_test(published, test_hvlm_deferred_arrivals_exact);
    tcase_add_test(published, test_lvhm_deferred_arrivals_exact);
    tcase_add_test(published, test_lvhm_long_queue_classes_exact);
    suite_add_tcase(s, published);
    return s;
}

int main(void)
{
    SRunner *runner;
    int failed;

    nbad = list_files(BAD_DIR, ".case", bad_names, 512);
    if (nbad < 25) {
        fprintf(stderr, "tests/bad/smt2020 holds %d cases, fewer than 25\n",
                nbad);
        return EXIT_FAILURE;
    }
    runner = srunner_create(smt2020_suite());
    srunner_run_all(runner, CK_ENV);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
