/* test_output.c - the HDF5 result file, read back with the HDF5 C API.
 *
 * Results are made up by hand (no simulation; every field of fab_result
 * filled), written for some slabs only, and read back: values in their
 * slabs, NaN everywhere else, dimension scales attached, lots appended in
 * call order, attributes present, the summary variables, and the .partial
 * protocol (PATH.partial links to one of a pair of files and a commit
 * never writes the linked one; finish renames, abort removes, a killed
 * writer leaves a readable file, resume, of a plain .partial too, and
 * merge give the same contents).  Models with
 * and without time constraints: an empty dimension must work throughout.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "models/fab.h"
#include "models/model.h"
#include "models/output.h"
#include "sim/date.h"
#include "sim/dist.h"

#define S 2                     /* scenarios */
#define R 2                     /* replications */
#define M 4                     /* months: 2025-01-15 + 100 days */
#define P 2                     /* products */
#define G 3                     /* tool groups */
#define K TOOL_STATE_COUNT      /* tool states */
#define C 2                     /* time constraints, when the model has them */
#define DAYS_PER_MONTH (365.2425 / 12.0)

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wafersim_test_output_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    ck_assert_int_eq(rmdir(tmpdir), 0);
}

static void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* The whole file at path, malloc'd, its size in *n. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_ge(size, 0);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* The file PATH.partial links to, as a path, into buf. */
static void linked_file(const char *path, char *buf, size_t size)
{
    char partial[160], target[160];
    snprintf(partial, sizeof partial, "%s.partial", path);
    struct stat st;
    ck_assert_int_eq(lstat(partial, &st), 0);
    ck_assert_msg(S_ISLNK(st.st_mode), "%s is not a link", partial);
    ssize_t n = readlink(partial, target, sizeof target - 1);
    ck_assert_int_gt(n, 0);
    target[n] = '\0';
    ck_assert_msg(strchr(target, '/') == NULL, "link to %s", target);
    snprintf(buf, size, "%s/%s", tmpdir, target);
}

static void add_step(product *p, const char *name, int32_t group,
                     enum time_per per, double days)
{
    char why[128];
    double params[3] = {days, 0.0, 0.0};
    route_step *s = model_add_step(p, name);
    ck_assert_ptr_nonnull(s);
    s->tool_group = group;
    s->per = per;
    ck_assert_int_eq(dist_init(&s->time, DIST_CONSTANT, params, why,
                               sizeof why), 0);
}

/* A model with `constraints` (0 or C) time constraints. */
static model *make_model(int constraints)
{
    model *m = model_create();
    ck_assert_ptr_nonnull(m);
    m->name = strdup("two products");
    m->start_date = date_days_from_civil(2025, 1, 15);
    m->horizon_days = 100.0;
    m->warmup_days = 30.0;
    m->replications = R;
    ck_assert_int_eq(model_add_tool_group(m, "litho", 2), 0);
    ck_assert_int_eq(model_add_tool_group(m, "etch", 3), 1);
    ck_assert_int_eq(model_add_tool_group(m, "diffusion", 4), 2);
    ck_assert_int_eq(model_add_product(m, "alpha"), 0);
    /* A non-ASCII name checks that strings really are UTF-8. */
    ck_assert_int_eq(model_add_product(m, "\xce\xb2" "eta"), 1);
    m->products[0].lot_size = 25;
    m->products[1].lot_size = 12;
    add_step(&m->products[0], "expose", 0, TIME_PER_LOT, 0.5);
    add_step(&m->products[0], "etch", 1, TIME_PER_WAFER, 0.01);
    add_step(&m->products[1], "oxidise", 2, TIME_PER_LOT, 2.0);
    add_step(&m->products[1], "inspect", 0, TIME_PER_LOT, 0.25);
    for (int c = 0; c < constraints; c++) {
        time_constraint *tc = model_add_constraint(m);
        ck_assert_ptr_nonnull(tc);
        /* alpha: expose -> etch within 0.5 days; beta: oxidise -> inspect
         * within 1.25 days. */
        tc->product = c;
        tc->from_step = 0;
        tc->to_step = 1;
        tc->limit_days = c == 0 ? 0.5 : 1.25;
    }
    ck_assert_int_eq(model_add_source(m, "scenarios/two.yaml",
                                      "name: two products\n"), 0);
    ck_assert_int_eq(model_add_source(m, "routes/alpha.csv",
                                      "step,group\n"), 0);
    return m;
}

static output_meta make_meta(void)
{
    output_meta meta = {.version = "0.1.0", .git_revision = "abcdef123456",
                        .command_line = "wafersim run two.yaml",
                        .seed = UINT64_C(18446744073709551615),
                        .nscenarios = S, .nreplications = R,
                        .shard_index = 0, .shard_count = 1};
    return meta;
}

/* A distinct value for every element written: variable v, slab (s, r),
 * element i of the slab. */
static double value_of(int v, uint32_t s, uint32_t r, size_t i)
{
    return v * 10000.0 + s * 1000.0 + r * 100.0 + (double)i;
}

static double *filled(int v, uint32_t s, uint32_t r, size_t n)
{
    double *a = malloc(n * sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < n; i++)
        a[i] = value_of(v, s, r, i);
    return a;
}

/* Tool-state shares that sum to 1 and differ per slab and element i: the
 * availability 1 - down - pm is 0.8 - d.  offset tells the monthly shares
 * (0) from the steady-state ones (SHARE_MEAN). */
#define SHARE_MEAN 20
static double share_of(uint32_t s, uint32_t r, size_t i, int k)
{
    static const double base[K] = {
        [TOOL_IDLE] = 0.3, [TOOL_PROCESSING] = 0.4, [TOOL_SETUP] = 0.1,
        [TOOL_DOWN] = 0.15, [TOOL_PM] = 0.05,
    };
    double d = (s * R + r) * 0.01 + (double)i * 0.001;
    return base[k] + (k == TOOL_DOWN ? d : k == TOOL_IDLE ? -d : 0.0);
}

static double *shares(uint32_t s, uint32_t r, size_t n, size_t offset)
{
    double *a = malloc((n * K + 1) * sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < K; k++)
            a[i * K + (size_t)k] = share_of(s, r, i + offset, k);
    return a;
}

static double availability_of(uint32_t s, uint32_t r, size_t i)
{
    return 1.0 - share_of(s, r, i, TOOL_DOWN) - share_of(s, r, i, TOOL_PM);
}

/* The lots of replication (s, r).  Scenario 0: alpha finished, beta
 * unfinished, alpha finished (hot, due, late); scenario 1: beta finished
 * with yield loss, alpha scrapped.  Replication r shifts the times. */
static size_t lots_of(uint32_t s, uint32_t r, fab_lot_record *lots)
{
    double t = r * 100.0;
    if (s == 0) {
        lots[0] = (fab_lot_record){.product = 0, .wafers = 25, .wafers_out = 25,
                                   .priority = 10, .release_day = t + 1.0,
                                   .finish_day = t + 10.0, .scrap_day = NAN,
                                   .due_day = t + 15.0};
        lots[1] = (fab_lot_record){.product = 1, .wafers = 12, .priority = 10,
                                   .release_day = t + 2.0, .finish_day = NAN,
                                   .scrap_day = NAN, .due_day = NAN};
        lots[2] = (fab_lot_record){.product = 0, .wafers = 25, .wafers_out = 25,
                                   .priority = 30, .release_day = t + 3.0,
                                   .finish_day = t + 12.5, .scrap_day = NAN,
                                   .due_day = t + 12.0};
        return 3;
    }
    lots[0] = (fab_lot_record){.product = 1, .wafers = 12, .wafers_out = 11,
                               .priority = 20, .release_day = t + 4.0,
                               .finish_day = t + 20.0, .scrap_day = NAN,
                               .due_day = NAN};
    lots[1] = (fab_lot_record){.product = 0, .wafers = 25, .priority = 10,
                               .release_day = t - 5.0, .finish_day = NAN,
                               .scrap_day = t + 7.0, .due_day = t + 30.0};
    return 2;
}

/* Every field of a result of a model with nconstraints constraints;
 * variable numbers v as in the table `vars` below. */
static fab_result *make_result(uint32_t s, uint32_t r, int32_t nconstraints)
{
    fab_result *res = calloc(1, sizeof *res);
    ck_assert_ptr_nonnull(res);
    res->scenario = s;
    res->replication = r;
    res->nmonths = M;
    res->nproducts = P;
    res->ngroups = G;
    res->nconstraints = nconstraints;
    res->wafers_out = filled(0, s, r, M * P);
    res->wafer_starts = filled(1, s, r, M * P);
    res->wip_wafers = filled(2, s, r, M * P);
    res->wip_wafers_mean = filled(3, s, r, M * P);
    res->cycle_time_days = filled(4, s, r, M * P);
    res->utilisation = filled(5, s, r, M * G);
    res->throughput_wafers_per_day = filled(6, s, r, P);
    res->mean_cycle_time_days = filled(7, s, r, P);
    res->mean_wip_wafers = filled(8, s, r, P);
    res->mean_utilisation = filled(9, s, r, G);
    res->wafers_scrapped = filled(10, s, r, M * P);
    res->on_time_share = filled(11, s, r, M * P);
    res->x_factor = filled(12, s, r, M * P);
    res->hot_cycle_time_days = filled(13, s, r, M * P);
    res->mean_wafers_scrapped_per_day = filled(14, s, r, P);
    res->mean_on_time_share = filled(15, s, r, P);
    res->mean_x_factor = filled(16, s, r, P);
    res->mean_hot_cycle_time_days = filled(17, s, r, P);
    res->cqt_checks = filled(18, s, r, (size_t)nconstraints);
    res->cqt_violations = filled(19, s, r, (size_t)nconstraints);
    res->tool_state_share = shares(s, r, M * G, 0);
    res->mean_tool_state_share = shares(s, r, G, SHARE_MEAN);
    /* 100 days: 14 weeks; the groups have no area: one area. */
    res->nweeks = 14;
    res->nareas = 1;
    res->bottleneck = 0;
    res->weekly_wafers_out = filled(20, s, r, 14);
    res->weekly_wafer_starts = filled(21, s, r, 14);
    res->ew_wip_wafers = filled(22, s, r, 14);
    res->ew_wip_plan_wafers = filled(23, s, r, 14);
    res->ew_wip_vs_plan = filled(24, s, r, 14);
    res->ew_bottleneck_queue_wafers = filled(25, s, r, 14);
    res->ew_bottleneck_queue_days = filled(26, s, r, 14);
    res->ew_bottleneck_queue_growth_days = filled(27, s, r, 14);
    res->ew_projected_output_wafers = filled(28, s, r, 14);
    res->ew_projected_shortfall = filled(29, s, r, 14);
    res->lots = calloc(3, sizeof *res->lots);
    ck_assert_ptr_nonnull(res->lots);
    res->nlots = lots_of(s, r, res->lots);
    return res;
}

/* Writes replication (s, r) into o. */
static void write_task(output *o, uint32_t s, uint32_t r, int32_t nconstraints)
{
    ws_error err;
    ws_error_clear(&err);
    fab_result *res = make_result(s, r, nconstraints);
    ck_assert_msg(output_write_replication(o, res, &err) == 0, "%s",
                  err.message);
    fab_result_destroy(res);
}

/* The tasks write_file writes, in order. */
static const uint32_t written_tasks[][2] = {{0, 1}, {1, 0}};
#define NWRITTEN 2

/* Writes (0, 1) then (1, 0) into path and finishes. */
static void write_file(const char *path, const model *m)
{
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_msg(output_create(path, m, &meta, &o, &err) == 0, "%s",
                  err.message);
    for (int32_t s = 0; s < S; s++)
        ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
    for (int k = 0; k < NWRITTEN; k++)
        write_task(o, written_tasks[k][0], written_tasks[k][1],
                   m->nconstraints);
    ck_assert(output_has_replication(o, 0, 1));
    ck_assert(!output_has_replication(o, 0, 0));
    ck_assert_int_eq(output_finish(o, NULL, &err), 0);
}

/* ---- reading back ------------------------------------------------------ */

static hid_t string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    ck_assert_int_ge(t, 0);
    ck_assert_int_ge(H5Tset_size(t, H5T_VARIABLE), 0);
    ck_assert_int_ge(H5Tset_cset(t, H5T_CSET_UTF8), 0);
    return t;
}

static size_t element_count(hid_t d)
{
    hid_t space = H5Dget_space(d);
    ck_assert_int_ge(space, 0);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    ck_assert_int_ge(n, 0);
    H5Sclose(space);
    return (size_t)n;
}

static double *read_doubles(hid_t loc, const char *name, size_t *n)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "no dataset %s", name);
    *n = element_count(d);
    double *v = malloc((*n + 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, v), 0);
    H5Dclose(d);
    return v;
}

static int32_t *read_ints(hid_t loc, const char *name, size_t *n)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "no dataset %s", name);
    *n = element_count(d);
    int32_t *v = malloc((*n + 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, v), 0);
    H5Dclose(d);
    return v;
}

/* Compares a 1-D string dataset with expected[0..n-1]. */
static void check_strings(hid_t loc, const char *name,
                          const char *const *expected, size_t n)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "no dataset %s", name);
    ck_assert_uint_eq(element_count(d), n);
    hid_t t = string_type();
    hid_t space = H5Dget_space(d);
    char **v = calloc(n + 1, sizeof *v);
    ck_assert_int_ge(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(v[i], expected[i]);
    H5Dvlen_reclaim(t, space, H5P_DEFAULT, v);
    free(v);
    H5Sclose(space);
    H5Tclose(t);
    H5Dclose(d);
}

static void check_attr_string(hid_t loc, const char *name,
                              const char *expected)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t t = string_type();
    char *v = NULL;
    ck_assert_int_ge(H5Aread(a, t, &v), 0);
    ck_assert_str_eq(v, expected);
    H5free_memory(v);
    H5Tclose(t);
    H5Aclose(a);
}

/* A 1-D string attribute of n values. */
static void check_attr_strings(hid_t loc, const char *name,
                               const char *const *expected, size_t n)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t space = H5Aget_space(a);
    ck_assert_int_eq(H5Sget_simple_extent_ndims(space), 1);
    ck_assert_int_eq(H5Sget_simple_extent_npoints(space), (hssize_t)n);
    hid_t t = string_type();
    char **v = calloc(n + 1, sizeof *v);
    ck_assert_int_ge(H5Aread(a, t, v), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(v[i], expected[i]);
    H5Dvlen_reclaim(t, space, H5P_DEFAULT, v);
    free(v);
    H5Tclose(t);
    H5Sclose(space);
    H5Aclose(a);
}

static double attr_double(hid_t loc, const char *name)
{
    double v = 0.0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_DOUBLE, &v), 0);
    H5Aclose(a);
    return v;
}

static long long attr_int(hid_t loc, const char *name)
{
    long long v = 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_LLONG, &v), 0);
    H5Aclose(a);
    return v;
}

/* Checks that dimension i of dataset name is the scale dim. */
static void check_scale(hid_t loc, const char *name, unsigned i,
                        const char *dim)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t scale = H5Dopen2(loc, dim, H5P_DEFAULT);
    ck_assert_msg(d >= 0 && scale >= 0, "%s or %s missing", name, dim);
    ck_assert_int_gt(H5DSis_scale(scale), 0);
    char scale_name[64] = "";
    ck_assert_int_gt(H5DSget_scale_name(scale, scale_name,
                                        sizeof scale_name), 0);
    ck_assert_str_eq(scale_name, dim);
    ck_assert_msg(H5DSis_attached(d, scale, i) > 0,
                  "%s is not attached to dimension %u of %s", dim, i, name);
    H5Dclose(scale);
    H5Dclose(d);
}

/* Which values a variable holds: value_of(v, ...), the tool-state
 * shares, or the availability derived from them. */
enum expected_kind { PLAIN, SHARES, AVAILABILITY };

typedef struct var_check {
    const char *name;
    int v;                      /* as in make_result */
    enum expected_kind kind;
    size_t offset;              /* of the shares: 0 or SHARE_MEAN */
    size_t inner;               /* elements per (scenario, replication);
                                   SIZE_MAX: the time constraints */
    const char *inner_dims[3];
} var_check;

static const var_check vars[] = {
    {"wafers_out", 0, PLAIN, 0, M * P, {"month", "product"}},
    {"wafer_starts", 1, PLAIN, 0, M * P, {"month", "product"}},
    {"wip_wafers", 2, PLAIN, 0, M * P, {"month", "product"}},
    {"wip_wafers_mean", 3, PLAIN, 0, M * P, {"month", "product"}},
    {"cycle_time_days", 4, PLAIN, 0, M * P, {"month", "product"}},
    {"wafers_scrapped", 10, PLAIN, 0, M * P, {"month", "product"}},
    {"on_time_share", 11, PLAIN, 0, M * P, {"month", "product"}},
    {"x_factor", 12, PLAIN, 0, M * P, {"month", "product"}},
    {"hot_cycle_time_days", 13, PLAIN, 0, M * P, {"month", "product"}},
    {"utilisation", 5, PLAIN, 0, M * G, {"month", "tool_group"}},
    {"availability", 0, AVAILABILITY, 0, M * G, {"month", "tool_group"}},
    {"tool_state_share", 0, SHARES, 0, M * G * K,
     {"month", "tool_group", "tool_state"}},
    {"throughput_wafers_per_day", 6, PLAIN, 0, P, {"product"}},
    {"mean_cycle_time_days", 7, PLAIN, 0, P, {"product"}},
    {"mean_wip_wafers", 8, PLAIN, 0, P, {"product"}},
    {"mean_wafers_scrapped_per_day", 14, PLAIN, 0, P, {"product"}},
    {"mean_on_time_share", 15, PLAIN, 0, P, {"product"}},
    {"mean_x_factor", 16, PLAIN, 0, P, {"product"}},
    {"mean_hot_cycle_time_days", 17, PLAIN, 0, P, {"product"}},
    {"mean_utilisation", 9, PLAIN, 0, G, {"tool_group"}},
    {"mean_availability", 0, AVAILABILITY, SHARE_MEAN, G, {"tool_group"}},
    {"mean_tool_state_share", 0, SHARES, SHARE_MEAN, G * K,
     {"tool_group", "tool_state"}},
    {"time_constraint_checks", 18, PLAIN, 0, SIZE_MAX, {"time_constraint"}},
    {"time_constraint_violations", 19, PLAIN, 0, SIZE_MAX,
     {"time_constraint"}},
};

static double expected_value(const var_check *c, uint32_t s, uint32_t r,
                             size_t i)
{
    switch (c->kind) {
    case SHARES:
        return share_of(s, r, i / K + c->offset, (int)(i % K));
    case AVAILABILITY:
        return availability_of(s, r, i + c->offset);
    case PLAIN:
        break;
    }
    return value_of(c->v, s, r, i);
}

/* Every per-replication variable: the tasks in `done` ([S * R]) hold their
 * values, the others NaN; attributes and scales as documented. */
static void check_results(hid_t f, const int *done, int32_t nconstraints)
{
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
        const var_check *c = &vars[k];
        size_t inner = c->inner == SIZE_MAX ? (size_t)nconstraints : c->inner;
        int rank = 2;
        while (rank - 2 < 3 && c->inner_dims[rank - 2])
            rank++;
        size_t n;
        double *v = read_doubles(f, c->name, &n);
        ck_assert_uint_eq(n, S * R * inner);
        for (uint32_t s = 0; s < S; s++)
            for (uint32_t r = 0; r < R; r++) {
                const double *slab = v + (s * R + r) * inner;
                for (size_t i = 0; i < inner; i++) {
                    if (done[s * R + r])
                        ck_assert_msg(slab[i] == expected_value(c, s, r, i),
                                      "%s[%u,%u,%zu] = %g, not %g", c->name,
                                      s, r, i, slab[i],
                                      expected_value(c, s, r, i));
                    else
                        ck_assert_msg(isnan(slab[i]), "%s[%u,%u,%zu] = %g",
                                      c->name, s, r, i, slab[i]);
                }
            }
        free(v);

        hid_t d = H5Dopen2(f, c->name, H5P_DEFAULT);
        hid_t space = H5Dget_space(d);
        ck_assert_int_eq(H5Sget_simple_extent_ndims(space), rank);
        H5Sclose(space);
        ck_assert(isnan(attr_double(d, "_FillValue")));
        ck_assert_int_gt(H5Aexists(d, "units"), 0);
        ck_assert_int_gt(H5Aexists(d, "long_name"), 0);
        if (strcmp(c->inner_dims[0], "month") == 0)
            check_attr_string(d, "coordinates", "warmup month_days");
        else if (strcmp(c->inner_dims[0], "time_constraint") == 0)
            check_attr_string(d, "coordinates",
                              "time_constraint_product "
                              "time_constraint_from_step "
                              "time_constraint_to_step "
                              "time_constraint_limit_days");
        else
            ck_assert_int_eq(H5Aexists(d, "coordinates"), 0);
        H5Dclose(d);
        check_scale(f, c->name, 0, "scenario");
        check_scale(f, c->name, 1, "replication");
        for (unsigned i = 0; i < 3 && c->inner_dims[i]; i++)
            check_scale(f, c->name, 2 + i, c->inner_dims[i]);
    }
}

/* The time_constraint dimension and its coordinates (make_model's). */
static void check_constraints(hid_t f, int32_t nconstraints)
{
    size_t n;
    int32_t *index = read_ints(f, "time_constraint", &n);
    ck_assert_uint_eq(n, (size_t)nconstraints);
    for (size_t c = 0; c < n; c++)
        ck_assert_int_eq(index[c], (int32_t)c);
    free(index);
    hid_t d = H5Dopen2(f, "time_constraint", H5P_DEFAULT);
    ck_assert_int_gt(H5DSis_scale(d), 0);
    H5Dclose(d);
    const char *products[C] = {"alpha", "\xce\xb2" "eta"};
    check_strings(f, "time_constraint_product", products, (size_t)nconstraints);
    int32_t *from = read_ints(f, "time_constraint_from_step", &n);
    ck_assert_uint_eq(n, (size_t)nconstraints);
    int32_t *to = read_ints(f, "time_constraint_to_step", &n);
    ck_assert_uint_eq(n, (size_t)nconstraints);
    double *limit = read_doubles(f, "time_constraint_limit_days", &n);
    ck_assert_uint_eq(n, (size_t)nconstraints);
    for (size_t c = 0; c < n; c++) {
        /* Steps counted from 1. */
        ck_assert_int_eq(from[c], 1);
        ck_assert_int_eq(to[c], 2);
        ck_assert_double_eq(limit[c], c == 0 ? 0.5 : 1.25);
    }
    free(from);
    free(to);
    free(limit);
    const char *coords[] = {"time_constraint_product",
                            "time_constraint_from_step",
                            "time_constraint_to_step",
                            "time_constraint_limit_days"};
    for (size_t k = 0; k < 4; k++) {
        check_scale(f, coords[k], 0, "time_constraint");
        d = H5Dopen2(f, coords[k], H5P_DEFAULT);
        ck_assert_int_gt(H5Aexists(d, "units"), 0);
        ck_assert_int_gt(H5Aexists(d, "long_name"), 0);
        H5Dclose(d);
    }
}

static void check_coordinates(hid_t f)
{
    size_t n;
    int32_t *idx = read_ints(f, "scenario", &n);
    ck_assert_uint_eq(n, S);
    ck_assert_int_eq(idx[0], 0);
    ck_assert_int_eq(idx[1], 1);
    free(idx);
    idx = read_ints(f, "replication", &n);
    ck_assert_uint_eq(n, R);
    ck_assert_int_eq(idx[1], 1);
    free(idx);

    /* Months after 2025-01-15: Jan 15, Feb 1, Mar 1, Apr 1; day 100 ends. */
    const double starts[M] = {0, 17, 45, 76}, lengths[M] = {17, 28, 31, 24};
    const int32_t warm[M] = {1, 1, 0, 0};
    double *month = read_doubles(f, "month", &n);
    ck_assert_uint_eq(n, M);
    double *days = read_doubles(f, "month_days", &n);
    ck_assert_uint_eq(n, M);
    int32_t *warmup = read_ints(f, "warmup", &n);
    ck_assert_uint_eq(n, M);
    for (int k = 0; k < M; k++) {
        ck_assert_double_eq(month[k], starts[k]);
        ck_assert_double_eq(days[k], lengths[k]);
        ck_assert_int_eq(warmup[k], warm[k]);
    }
    free(month);
    free(days);
    free(warmup);
    check_scale(f, "warmup", 0, "month");
    check_scale(f, "month_days", 0, "month");

    hid_t d = H5Dopen2(f, "month", H5P_DEFAULT);
    check_attr_string(d, "units", "days since 2025-01-15");
    check_attr_string(d, "calendar", "proleptic_gregorian");
    ck_assert_int_gt(H5Aexists(d, "long_name"), 0);
    H5Dclose(d);

    /* warmup is the committed enum h5py reads as bool. */
    d = H5Dopen2(f, "warmup", H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    ck_assert_int_eq(H5Tget_class(t), H5T_ENUM);
    ck_assert_int_gt(H5Tcommitted(t), 0);
    ck_assert_uint_eq(H5Tget_size(t), 1);
    char name[16];
    ck_assert_int_ge(H5Tenum_nameof(t, &(signed char){1}, name, sizeof name),
                     0);
    ck_assert_str_eq(name, "TRUE");
    H5Tclose(t);
    H5Dclose(d);

    const char *products[P] = {"alpha", "\xce\xb2" "eta"};
    const char *groups[G] = {"litho", "etch", "diffusion"};
    const char *states[K] = {"idle", "processing", "setup", "down", "pm"};
    check_strings(f, "product", products, P);
    check_strings(f, "tool_group", groups, G);
    check_strings(f, "tool_state", states, K);
    d = H5Dopen2(f, "tool_state", H5P_DEFAULT);
    ck_assert_int_gt(H5DSis_scale(d), 0);
    check_attr_string(d, "units", "1");
    ck_assert_int_gt(H5Aexists(d, "long_name"), 0);
    H5Dclose(d);

    /* Per scenario: row s of (scenario, product) and (scenario, group). */
    double *raw = read_doubles(f, "raw_process_time_days", &n);
    ck_assert_uint_eq(n, S * P);
    ck_assert_double_eq_tol(raw[P + 0], 0.5 + 25 * 0.01, 1e-12);
    ck_assert_double_eq(raw[1], 2.25);
    free(raw);
    int32_t *lot_size = read_ints(f, "lot_size", &n);
    ck_assert_int_eq(lot_size[0], 25);
    ck_assert_int_eq(lot_size[P + 1], 12);
    free(lot_size);
    int32_t *tools = read_ints(f, "tools", &n);
    ck_assert_uint_eq(n, S * G);
    ck_assert_int_eq(tools[G + 2], 4);
    free(tools);
    check_scale(f, "raw_process_time_days", 0, "scenario");
    check_scale(f, "raw_process_time_days", 1, "product");
    check_scale(f, "lot_size", 1, "product");
    check_scale(f, "tools", 1, "tool_group");
}

/* The lots of the tasks (s, r) in tasks[0..ntasks-1], in that order. */
static void check_lots(hid_t f, const uint32_t (*tasks)[2], size_t ntasks)
{
    fab_lot_record want[4 * 3];
    int32_t scenario[4 * 3], replication[4 * 3];
    size_t total = 0;
    for (size_t t = 0; t < ntasks; t++) {
        size_t k = lots_of(tasks[t][0], tasks[t][1], want + total);
        for (size_t i = 0; i < k; i++) {
            scenario[total + i] = (int32_t)tasks[t][0];
            replication[total + i] = (int32_t)tasks[t][1];
        }
        total += k;
    }
    hid_t g = H5Gopen2(f, "lots", H5P_DEFAULT);
    ck_assert_int_ge(g, 0);
    size_t n;

    hid_t d = H5Dopen2(g, "lot", H5P_DEFAULT);
    ck_assert_uint_eq(element_count(d), total);
    int64_t lot[4 * 3];
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, lot), 0);
    for (size_t i = 0; i < total; i++)
        ck_assert_int_eq(lot[i], (int64_t)i);
    hid_t space = H5Dget_space(d);
    hsize_t dims[1], maxdims[1];
    H5Sget_simple_extent_dims(space, dims, maxdims);
    ck_assert(maxdims[0] == H5S_UNLIMITED);
    H5Sclose(space);
    ck_assert_int_gt(H5DSis_scale(d), 0);
    H5Dclose(d);

    int32_t *sc = read_ints(g, "lot_scenario", &n);
    int32_t *rep = read_ints(g, "lot_replication", &n);
    int32_t *waf = read_ints(g, "wafers", &n);
    int32_t *out = read_ints(g, "wafers_out", &n);
    int32_t *prio = read_ints(g, "priority", &n);
    double *rel = read_doubles(g, "release_time_days", &n);
    double *fin = read_doubles(g, "finish_time_days", &n);
    double *cyc = read_doubles(g, "cycle_time_days", &n);
    double *due = read_doubles(g, "due_time_days", &n);
    double *scrap = read_doubles(g, "scrap_time_days", &n);
    ck_assert_uint_eq(n, total);
    for (size_t i = 0; i < total; i++) {
        const fab_lot_record *w = &want[i];
        ck_assert_int_eq(sc[i], scenario[i]);
        ck_assert_int_eq(rep[i], replication[i]);
        ck_assert_int_eq(waf[i], w->wafers);
        ck_assert_int_eq(out[i], w->wafers_out);
        ck_assert_int_eq(prio[i], w->priority);
        ck_assert_double_eq(rel[i], w->release_day);
        if (isnan(w->finish_day)) {
            ck_assert(isnan(fin[i]));
            ck_assert(isnan(cyc[i]));
        } else {
            ck_assert_double_eq(fin[i], w->finish_day);
            ck_assert_double_eq(cyc[i], w->finish_day - w->release_day);
        }
        ck_assert(isnan(w->due_day) ? isnan(due[i]) : due[i] == w->due_day);
        ck_assert(isnan(w->scrap_day) ? isnan(scrap[i])
                                      : scrap[i] == w->scrap_day);
    }
    free(sc);
    free(rep);
    free(waf);
    free(out);
    free(prio);
    free(rel);
    free(fin);
    free(cyc);
    free(due);
    free(scrap);
    const char *names[4 * 3];
    for (size_t i = 0; i < total; i++)
        names[i] = want[i].product == 0 ? "alpha" : "\xce\xb2" "eta";
    check_strings(g, "lot_product", names, total);
    const char *columns[] = {"lot_scenario", "lot_replication", "lot_product",
                             "release_time_days", "finish_time_days",
                             "cycle_time_days", "wafers", "wafers_out",
                             "priority", "due_time_days", "scrap_time_days"};
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
        check_scale(g, columns[c], 0, "lot");
        d = H5Dopen2(g, columns[c], H5P_DEFAULT);
        ck_assert_int_gt(H5Aexists(d, "units"), 0);
        ck_assert_int_gt(H5Aexists(d, "long_name"), 0);
        H5Dclose(d);
    }
    H5Gclose(g);
}

/* The mean over replications reps[s][0..nreps[s]-1] of a value. */
static double mean_over(const uint32_t *nreps, uint32_t (*reps)[R],
                        uint32_t s, double (*value)(uint32_t s, uint32_t r,
                                                    size_t i, int k),
                        size_t i, int k)
{
    double sum = 0.0;
    for (uint32_t j = 0; j < nreps[s]; j++)
        sum += value(s, reps[s][j], i, k);
    return sum / nreps[s];
}

static int summary_var_v;       /* value_of's v for plain_value */
static double summary_factor;

static double plain_value(uint32_t s, uint32_t r, size_t i, int k)
{
    (void)k;
    return value_of(summary_var_v, s, r, i) * summary_factor;
}

static double availability_value(uint32_t s, uint32_t r, size_t i, int k)
{
    (void)k;
    return availability_of(s, r, i);
}

/* The summary variables of a file in which scenario s holds replications
 * reps[s][0..nreps[s]-1]: means over them, and half-widths NaN for one
 * replication, finite for more. */
static void check_summary(hid_t f, const uint32_t *nreps,
                          uint32_t (*reps)[R])
{
    size_t n;
    int32_t *count = read_ints(f, "summary_replications", &n);
    ck_assert_uint_eq(n, S);
    for (uint32_t s = 0; s < S; s++)
        ck_assert_int_eq(count[s], (int32_t)nreps[s]);
    free(count);

    static const struct {
        const char *name;
        int v;
        double factor;
    } per_product[] = {
        {"summary_wafers_per_month", 6, DAYS_PER_MONTH},
        {"summary_cycle_time_days", 7, 1.0},
        {"summary_wafers_scrapped_per_month", 14, DAYS_PER_MONTH},
        {"summary_on_time_share", 15, 1.0},
        {"summary_hot_cycle_time_days", 17, 1.0},
    };
    for (size_t k = 0; k < sizeof per_product / sizeof per_product[0]; k++) {
        char ci[128];
        snprintf(ci, sizeof ci, "%s_ci95", per_product[k].name);
        double *mean = read_doubles(f, per_product[k].name, &n);
        ck_assert_uint_eq(n, S * P);
        double *half = read_doubles(f, ci, &n);
        ck_assert_uint_eq(n, S * P);
        summary_var_v = per_product[k].v;
        summary_factor = per_product[k].factor;
        for (uint32_t s = 0; s < S; s++)
            for (size_t p = 0; p < P; p++) {
                double want = mean_over(nreps, reps, s, plain_value, p, 0);
                ck_assert_double_eq_tol(mean[s * P + p], want, 1e-9 * want);
                ck_assert(nreps[s] > 1 ? isfinite(half[s * P + p])
                                       : isnan(half[s * P + p]));
            }
        free(mean);
        free(half);
        check_scale(f, per_product[k].name, 0, "scenario");
        check_scale(f, per_product[k].name, 1, "product");
        check_scale(f, ci, 1, "product");
    }

    double *share = read_doubles(f, "summary_tool_state_share", &n);
    ck_assert_uint_eq(n, S * G * K);
    double *half = read_doubles(f, "summary_tool_state_share_ci95", &n);
    ck_assert_uint_eq(n, S * G * K);
    double *avail = read_doubles(f, "summary_availability", &n);
    ck_assert_uint_eq(n, S * G);
    double *bottleneck = read_doubles(f, "summary_bottleneck_availability", &n);
    ck_assert_uint_eq(n, S);
    for (uint32_t s = 0; s < S; s++) {
        for (size_t g = 0; g < G; g++) {
            for (int k = 0; k < K; k++) {
                size_t i = (s * G + g) * K + (size_t)k;
                ck_assert_double_eq_tol(
                    share[i],
                    mean_over(nreps, reps, s, share_of, g + SHARE_MEAN, k),
                    1e-15);
                ck_assert(nreps[s] > 1 ? isfinite(half[i]) : isnan(half[i]));
            }
            ck_assert_double_eq_tol(
                avail[s * G + g],
                mean_over(nreps, reps, s, availability_value, g + SHARE_MEAN,
                          0), 1e-15);
        }
        /* mean_utilisation grows with the group: diffusion (2) is the
         * bottleneck. */
        ck_assert_double_eq_tol(
            bottleneck[s],
            mean_over(nreps, reps, s, availability_value, 2 + SHARE_MEAN, 0),
            1e-15);
    }
    free(share);
    free(half);
    free(avail);
    free(bottleneck);
    check_scale(f, "summary_tool_state_share", 1, "tool_group");
    check_scale(f, "summary_tool_state_share", 2, "tool_state");
    check_scale(f, "summary_availability", 1, "tool_group");
    check_scale(f, "summary_bottleneck_availability", 0, "scenario");
    const char *groups[S] = {"diffusion", "diffusion"};
    check_strings(f, "summary_bottleneck", groups, S);
}

static void check_root_attributes(hid_t f)
{
    check_attr_string(f, "software", "wafersim");
    check_attr_string(f, "version", "0.1.0");
    check_attr_string(f, "git_revision", "abcdef123456");
    check_attr_string(f, "command_line", "wafersim run two.yaml");
    check_attr_string(f, "scenario_name", "two products");
    check_attr_string(f, "scenario_path", "scenarios/two.yaml");
    check_attr_string(f, "scenario_text", "name: two products\n");
    check_attr_string(f, "start_date", "2025-01-15");
    const char *files[] = {"routes/alpha.csv"}, *texts[] = {"step,group\n"};
    check_attr_strings(f, "input_files", files, 1);
    check_attr_strings(f, "input_texts", texts, 1);
    ck_assert_int_eq(attr_int(f, "format_version"), 3);
    ck_assert_int_eq(attr_int(f, "replications"), R);
    ck_assert_double_eq(attr_double(f, "horizon_days"), 100.0);
    ck_assert_double_eq(attr_double(f, "warmup_days"), 30.0);

    unsigned long long seed = 0;
    hid_t a = H5Aopen(f, "base_seed", H5P_DEFAULT);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_ULLONG, &seed), 0);
    H5Aclose(a);
    ck_assert(seed == 18446744073709551615ULL);
    ck_assert_int_eq(H5Aexists(f, "created"), 0);
}

/* task_done and task_lots: the tasks in `done` ([S * R]) are marked, with
 * their number of lots. */
static void check_tasks(hid_t f, const int *done)
{
    int64_t lots[S * R];
    signed char marked[S * R];
    hid_t d = H5Dopen2(f, "task_lots", H5P_DEFAULT);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, lots), 0);
    H5Dclose(d);
    d = H5Dopen2(f, "task_done", H5P_DEFAULT);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, marked), 0);
    H5Dclose(d);
    for (uint32_t t = 0; t < S * R; t++) {
        fab_lot_record scratch[3];
        ck_assert_int_eq(marked[t], done[t]);
        ck_assert_int_eq(lots[t], done[t] ? (int64_t)lots_of(t / R, t % R,
                                                             scratch) : 0);
    }
}

/* Everything in a finished file that holds the tasks `order` (written in
 * that order) of a model with nconstraints constraints. */
static void check_file(const char *path, int32_t nconstraints,
                       const uint32_t (*order)[2], size_t ntasks)
{
    int done[S * R] = {0};
    uint32_t reps[S][R], nreps[S] = {0};
    for (size_t t = 0; t < ntasks; t++)
        done[order[t][0] * R + order[t][1]] = 1;
    for (uint32_t t = 0; t < S * R; t++)
        if (done[t])
            reps[t / R][nreps[t / R]++] = t % R;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_msg(f >= 0, "cannot open %s", path);
    check_coordinates(f);
    check_constraints(f, nconstraints);
    check_results(f, done, nconstraints);
    check_tasks(f, done);
    check_lots(f, order, ntasks);
    check_root_attributes(f);
    check_summary(f, nreps, reps);
    ck_assert_int_ge(H5Fclose(f), 0);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_write_and_read_back)
{
    make_tmpdir();
    char path[128], partial[160];
    tmp_path(path, sizeof path, "run.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    /* _i is 0 or 1: with and without time constraints. */
    model *m = make_model(_i ? 0 : C);
    ck_assert_int_eq(fab_month_count(m), M);

    H5E_auto2_t func_before, func_after;
    void *data_before, *data_after;
    H5Eget_auto2(H5E_DEFAULT, &func_before, &data_before);
    write_file(path, m);
    H5Eget_auto2(H5E_DEFAULT, &func_after, &data_after);
    ck_assert_msg(func_before == func_after && data_before == data_after,
                  "HDF5 error printing was not restored");

    ck_assert(exists(path));
    ck_assert(!exists(partial));
    check_file(path, m->nconstraints, written_tasks, NWRITTEN);

    ck_assert_int_eq(unlink(path), 0);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

/* Without wall-clock times in the file, the same input gives the same bytes
 * (what lets the runner promise identical files for any thread count).
 * HDF5 time stamps have 1 s resolution, hence the pause between writes. */
START_TEST(test_same_input_same_bytes)
{
    make_tmpdir();
    char a[128], b[128];
    tmp_path(a, sizeof a, "a.h5");
    tmp_path(b, sizeof b, "b.h5");
    model *m = make_model(C);
    write_file(a, m);
    sleep(1);
    write_file(b, m);
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    ck_assert(fa && fb);
    long offset = 0;
    int ca, cb;
    do {
        ca = getc(fa);
        cb = getc(fb);
        ck_assert_msg(ca == cb, "files differ at byte %ld", offset);
        offset++;
    } while (ca != EOF);
    fclose(fa);
    fclose(fb);
    unlink(a);
    unlink(b);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

/* A writer killed after a replication leaves a .partial that opens and
 * holds that replication. */
START_TEST(test_killed_writer_leaves_readable_partial)
{
    make_tmpdir();
    char path[128], partial[160];
    tmp_path(path, sizeof path, "killed.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    model *m = make_model(C);
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        output_meta meta = make_meta();
        output *o = NULL;
        fab_result *a = make_result(0, 1, C);
        if (output_create(path, m, &meta, &o, NULL) != 0
            || output_write_replication(o, a, NULL) != 0)
            _exit(1);
        raise(SIGKILL);
        _exit(2);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "child did not die by SIGKILL (status %d)", status);
    ck_assert(!exists(path));
    char linked[256];
    linked_file(path, linked, sizeof linked);
    hid_t f = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    size_t n;
    double *v = read_doubles(f, "wafers_out", &n);
    ck_assert_uint_eq(n, S * R * M * P);
    ck_assert_double_eq(v[(0 * R + 1) * M * P + 3], value_of(0, 0, 1, 3));
    ck_assert(isnan(v[0]));
    free(v);
    v = read_doubles(f, "tool_state_share", &n);
    ck_assert_uint_eq(n, S * R * M * G * K);
    ck_assert_double_eq(v[(0 * R + 1) * M * G * K + 7], share_of(0, 1, 1, 2));
    free(v);
    hid_t g = H5Gopen2(f, "lots", H5P_DEFAULT);
    double *rel = read_doubles(g, "release_time_days", &n);
    ck_assert_uint_eq(n, 3);
    free(rel);
    H5Gclose(g);
    ck_assert_int_ge(H5Fclose(f), 0);
    unlink(partial);
    snprintf(linked, sizeof linked, "%s.a", partial);
    unlink(linked);
    snprintf(linked, sizeof linked, "%s.b", partial);
    unlink(linked);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_abort_removes_partial)
{
    make_tmpdir();
    char path[128], partial[160];
    tmp_path(path, sizeof path, "aborted.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    model *m = make_model(C);
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);
    ck_assert(exists(partial));
    write_task(o, 0, 1, C);
    output_abort(o);
    ck_assert(!exists(partial));
    ck_assert(!exists(path));
    char pair[170];
    snprintf(pair, sizeof pair, "%s.a", partial);
    ck_assert(!exists(pair));
    snprintf(pair, sizeof pair, "%s.b", partial);
    ck_assert(!exists(pair));
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_create_in_missing_directory)
{
    model *m = make_model(C);
    output_meta meta = make_meta();
    output *o = (output *)&meta;        /* must be reset to NULL */
    ws_error err;
    ws_error_clear(&err);
    const char *path = "/nonexistent-wafersim-dir/run.h5";
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), WS_ECANTCREAT);
    ck_assert_ptr_null(o);
    ck_assert_int_eq(err.code, WS_ECANTCREAT);
    ck_assert_str_eq(err.path, "/nonexistent-wafersim-dir/run.h5.partial");
    ck_assert_msg(strstr(err.message, "No such file or directory"),
                  "message: %s", err.message);
    model_destroy(m);
}
END_TEST

/* Results that do not fit the file are refused and leave it usable. */
START_TEST(test_rejects_mismatched_results)
{
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof path, "mismatch.h5");
    model *m = make_model(C);
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);

    fab_result *a = make_result(0, 1, C);
    a->replication = R;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    a->replication = 1;
    a->nmonths = M + 1;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    a->nmonths = M;
    a->nconstraints = C - 1;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    ck_assert_ptr_nonnull(strstr(err.message, "time constraints"));
    a->nconstraints = C;
    double *shares_kept = a->mean_tool_state_share;
    a->mean_tool_state_share = NULL;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    ck_assert_ptr_nonnull(strstr(err.message, "mean_tool_state_share"));
    a->mean_tool_state_share = shares_kept;
    a->lots[1].product = P;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    a->lots[1].product = 1;
    ck_assert_int_eq(output_write_replication(o, a, &err), 0);
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    ck_assert_ptr_nonnull(strstr(err.message, "twice"));
    ck_assert_int_eq(output_finish(o, NULL, &err), 0);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "lots", H5P_DEFAULT);
    size_t n;
    double *rel = read_doubles(g, "release_time_days", &n);
    ck_assert_uint_eq(n, 3);
    free(rel);
    H5Gclose(g);
    H5Fclose(f);
    unlink(path);
    fab_result_destroy(a);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

/* A sweep point whose model has another number of time constraints than
 * point 0 is refused: the file describes point 0's. */
START_TEST(test_scenarios_share_time_constraints)
{
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof path, "points.h5");
    model *m = make_model(C), *other = make_model(0);
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);
    ck_assert_int_eq(output_set_scenario(o, 0, m, &err), 0);
    ck_assert_int_eq(output_set_scenario(o, 1, other, &err), WS_EDATA);
    ck_assert_msg(strstr(err.message, "time constraints"), "%s", err.message);
    output_abort(o);
    model_destroy(m);
    model_destroy(other);
    remove_tmpdir();
}
END_TEST

/* Suspended after (0, 1) and resumed: the finished file is the one an
 * uninterrupted run writes, its summary included; a model with another
 * number of constraints cannot resume it. */
START_TEST(test_resume_carries_everything)
{
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof path, "resumed.h5");
    model *m = make_model(_i ? 0 : C);
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);
    for (int32_t s = 0; s < S; s++)
        ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
    write_task(o, 0, 1, m->nconstraints);
    output_suspend(o);

    model *other = make_model(_i ? C : 0);
    ck_assert_int_eq(output_resume(path, other, &meta, &o, &err), WS_EUSAGE);
    ck_assert_ptr_null(o);
    model_destroy(other);

    ck_assert_msg(output_resume(path, m, &meta, &o, &err) == 0, "%s",
                  err.message);
    ck_assert(output_has_replication(o, 0, 1));
    ck_assert(!output_has_replication(o, 1, 0));
    for (int32_t s = 0; s < S; s++)
        ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
    write_task(o, 1, 0, m->nconstraints);
    summary *sum = NULL;
    ck_assert_int_eq(output_finish(o, &sum, &err), 0);
    check_file(path, m->nconstraints, written_tasks, NWRITTEN);

    /* The summary of the replication read back from the file. */
    summary_point sp;
    summary_compute(sum, 0, 0.95, &sp);
    ck_assert_int_eq(sp.replications, 1);
    ck_assert_double_eq(sp.on_time_share[1].mean, value_of(15, 0, 1, 1));
    ck_assert_double_eq(sp.hot_cycle_time_days[0].mean, value_of(17, 0, 1, 0));
    ck_assert_double_eq_tol(sp.tool_state_share[1 * K + TOOL_SETUP].mean,
                            share_of(0, 1, 1 + SHARE_MEAN, TOOL_SETUP), 1e-15);
    ck_assert_int_eq(sp.bottleneck, 2);
    ck_assert_double_eq_tol(sp.bottleneck_availability.mean,
                            availability_of(0, 1, 2 + SHARE_MEAN), 1e-15);
    summary_destroy(sum);
    unlink(path);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

/* Each commit writes the file not linked and then links it: the file
 * linked before a commit is the same, byte for byte, after it. */
START_TEST(test_commit_never_writes_the_linked_file)
{
    make_tmpdir();
    char path[128], before[256], after[256];
    tmp_path(path, sizeof path, "pair.h5");
    model *m = make_model(C);
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);
    for (int32_t s = 0; s < S; s++)
        ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
    for (uint32_t t = 0; t < S * R; t++) {
        linked_file(path, before, sizeof before);
        size_t n0, n1;
        char *bytes0 = slurp(before, &n0);
        write_task(o, t / R, t % R, C);
        linked_file(path, after, sizeof after);
        ck_assert_str_ne(before, after);
        char *bytes1 = slurp(before, &n1);
        ck_assert_msg(n0 == n1 && memcmp(bytes0, bytes1, n0) == 0,
                      "commit %u wrote into %s", (unsigned)t, before);
        free(bytes0);
        free(bytes1);
    }
    ck_assert_int_eq(output_finish(o, NULL, &err), 0);
    char partial[160];
    snprintf(partial, sizeof partial, "%s.partial", path);
    ck_assert(!exists(partial) && !exists(before) && !exists(after));
    ck_assert(exists(path));
    unlink(path);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

/* A plain PATH.partial, as wafersim wrote before the pair of files, is
 * resumed: turned into the link form and finished. */
START_TEST(test_resume_takes_a_plain_partial)
{
    make_tmpdir();
    char path[128], partial[160], linked[256];
    tmp_path(path, sizeof path, "plain.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    model *m = make_model(C);
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);
    for (int32_t s = 0; s < S; s++)
        ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
    write_task(o, 0, 1, C);
    output_suspend(o);
    linked_file(path, linked, sizeof linked);
    ck_assert_int_eq(unlink(partial), 0);
    ck_assert_int_eq(rename(linked, partial), 0);
    char pair[170];
    snprintf(pair, sizeof pair, "%s.a", partial);
    unlink(pair);
    snprintf(pair, sizeof pair, "%s.b", partial);
    unlink(pair);

    ck_assert_msg(output_resume(path, m, &meta, &o, &err) == 0, "%s",
                  err.message);
    linked_file(path, linked, sizeof linked);
    ck_assert(output_has_replication(o, 0, 1));
    for (int32_t s = 0; s < S; s++)
        ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
    write_task(o, 1, 0, C);
    ck_assert_int_eq(output_finish(o, NULL, &err), 0);
    check_file(path, C, written_tasks, NWRITTEN);
    ck_assert(!exists(partial));
    unlink(path);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

/* Two shards of every task, merged: the values of a whole run. */
START_TEST(test_merge_carries_everything)
{
    make_tmpdir();
    model *m = make_model(_i ? 0 : C);
    char shard_paths[2][128], path[128];
    const char *shards[2] = {shard_paths[1], shard_paths[0]};
    ws_error err;
    ws_error_clear(&err);
    for (int32_t i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "m-shard-%d-of-2.h5", (int)i);
        tmp_path(shard_paths[i], sizeof shard_paths[i], name);
        output_meta meta = make_meta();
        meta.shard_index = i;
        meta.shard_count = 2;
        output *o = NULL;
        ck_assert_int_eq(output_create(shard_paths[i], m, &meta, &o, &err), 0);
        for (int32_t s = 0; s < S; s++)
            ck_assert_int_eq(output_set_scenario(o, s, m, &err), 0);
        for (uint32_t t = (uint32_t)i; t < S * R; t += 2)
            write_task(o, t / R, t % R, m->nconstraints);
        ck_assert_int_eq(output_finish(o, NULL, &err), 0);
    }
    tmp_path(path, sizeof path, "merged.h5");
    summary *sum = NULL;
    ck_assert_msg(output_merge(path, shards, 2, "wafersim run two.yaml", &sum,
                               &err) == 0, "%s", err.message);
    static const uint32_t all[S * R][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    check_file(path, m->nconstraints, all, S * R);
    summary_point sp;
    summary_compute(sum, 1, 0.95, &sp);
    ck_assert_int_eq(sp.replications, 2);
    ck_assert_double_eq_tol(sp.on_time_share[0].mean,
                            (value_of(15, 1, 0, 0) + value_of(15, 1, 1, 0)) / 2,
                            1e-9);
    summary_destroy(sum);
    unlink(path);
    unlink(shard_paths[0]);
    unlink(shard_paths[1]);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

static Suite *output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    /* Loop 0: C time constraints, loop 1: none. */
    tcase_add_loop_test(tc, test_write_and_read_back, 0, 2);
    tcase_add_test(tc, test_same_input_same_bytes);
    tcase_add_test(tc, test_killed_writer_leaves_readable_partial);
    tcase_add_test(tc, test_abort_removes_partial);
    tcase_add_test(tc, test_create_in_missing_directory);
    tcase_add_test(tc, test_rejects_mismatched_results);
    tcase_add_test(tc, test_scenarios_share_time_constraints);
    tcase_add_loop_test(tc, test_resume_carries_everything, 0, 2);
    tcase_add_test(tc, test_commit_never_writes_the_linked_file);
    tcase_add_test(tc, test_resume_takes_a_plain_partial);
    tcase_add_loop_test(tc, test_merge_carries_everything, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(output_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
