/* test_output.c - the HDF5 result file, read back with the HDF5 C API.
 *
 * Results are made up by hand (no simulation), written for some slabs only,
 * and read back: values in their slabs, NaN everywhere else, dimension
 * scales attached, lots appended in call order, attributes present, and the
 * .partial protocol (finish renames, abort removes, a killed writer leaves
 * a readable file).
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static model *make_model(void)
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

/* Lots of (0, 1): alpha finished, beta unfinished, alpha finished;
 * lots of (1, 0): beta finished, alpha unfinished. */
static fab_result *make_result(uint32_t s, uint32_t r)
{
    fab_result *res = calloc(1, sizeof *res);
    ck_assert_ptr_nonnull(res);
    res->scenario = s;
    res->replication = r;
    res->nmonths = M;
    res->nproducts = P;
    res->ngroups = G;
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
    res->nlots = s == 0 ? 3 : 2;
    res->lots = calloc(res->nlots, sizeof *res->lots);
    ck_assert_ptr_nonnull(res->lots);
    if (s == 0) {
        res->lots[0] = (fab_lot_record){.product = 0, .wafers = 25, .wafers_out = 25, .priority = 10,
                                    .release_day = 1.0, .finish_day = 10.0,
                                    .scrap_day = NAN, .due_day = NAN};
        res->lots[1] = (fab_lot_record){.product = 1, .wafers = 12, .priority = 10,
                                    .release_day = 2.0, .finish_day = NAN,
                                    .scrap_day = NAN, .due_day = NAN};
        res->lots[2] = (fab_lot_record){.product = 0, .wafers = 25, .wafers_out = 25, .priority = 10,
                                    .release_day = 3.0, .finish_day = 12.5,
                                    .scrap_day = NAN, .due_day = NAN};
    } else {
        res->lots[0] = (fab_lot_record){.product = 1, .wafers = 12, .wafers_out = 12, .priority = 10,
                                    .release_day = 4.0, .finish_day = 20.0,
                                    .scrap_day = NAN, .due_day = NAN};
        res->lots[1] = (fab_lot_record){.product = 0, .wafers = 25, .priority = 10,
                                    .release_day = 5.0, .finish_day = NAN,
                                    .scrap_day = NAN, .due_day = NAN};
    }
    return res;
}

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
    fab_result *a = make_result(0, 1);
    fab_result *b = make_result(1, 0);
    ck_assert_int_eq(output_write_replication(o, a, &err), 0);
    ck_assert_int_eq(output_write_replication(o, b, &err), 0);
    ck_assert(output_has_replication(o, 0, 1));
    ck_assert(!output_has_replication(o, 0, 0));
    ck_assert_int_eq(output_finish(o, NULL, &err), 0);
    fab_result_destroy(a);
    fab_result_destroy(b);
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

typedef struct var_check {
    const char *name;
    int v;                      /* as in make_result */
    size_t inner;               /* elements per (scenario, replication) */
    const char *inner_dims[2];
} var_check;

static const var_check vars[] = {
    {"wafers_out", 0, M * P, {"month", "product"}},
    {"wafer_starts", 1, M * P, {"month", "product"}},
    {"wip_wafers", 2, M * P, {"month", "product"}},
    {"wip_wafers_mean", 3, M * P, {"month", "product"}},
    {"cycle_time_days", 4, M * P, {"month", "product"}},
    {"utilisation", 5, M * G, {"month", "tool_group"}},
    {"throughput_wafers_per_day", 6, P, {"product", NULL}},
    {"mean_cycle_time_days", 7, P, {"product", NULL}},
    {"mean_wip_wafers", 8, P, {"product", NULL}},
    {"mean_utilisation", 9, G, {"tool_group", NULL}},
};

static void check_results(hid_t f)
{
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
        const var_check *c = &vars[k];
        size_t n;
        double *v = read_doubles(f, c->name, &n);
        ck_assert_uint_eq(n, S * R * c->inner);
        for (uint32_t s = 0; s < S; s++)
            for (uint32_t r = 0; r < R; r++) {
                const double *slab = v + (s * R + r) * c->inner;
                int written = (s == 0 && r == 1) || (s == 1 && r == 0);
                for (size_t i = 0; i < c->inner; i++) {
                    if (written)
                        ck_assert_double_eq(slab[i], value_of(c->v, s, r, i));
                    else
                        ck_assert_msg(isnan(slab[i]), "%s[%u,%u,%zu] = %g",
                                      c->name, s, r, i, slab[i]);
                }
            }
        free(v);

        hid_t d = H5Dopen2(f, c->name, H5P_DEFAULT);
        ck_assert(isnan(attr_double(d, "_FillValue")));
        ck_assert_int_gt(H5Aexists(d, "units"), 0);
        ck_assert_int_gt(H5Aexists(d, "long_name"), 0);
        if (c->inner_dims[1])
            check_attr_string(d, "coordinates", "warmup month_days");
        else
            ck_assert_int_eq(H5Aexists(d, "coordinates"), 0);
        H5Dclose(d);
        check_scale(f, c->name, 0, "scenario");
        check_scale(f, c->name, 1, "replication");
        for (unsigned i = 0; i < 2 && c->inner_dims[i]; i++)
            check_scale(f, c->name, 2 + i, c->inner_dims[i]);
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
    check_strings(f, "product", products, P);
    check_strings(f, "tool_group", groups, G);

    /* Per scenario: row s of (scenario, product) and (scenario, group). */
    double *raw = read_doubles(f, "raw_process_time_days", &n);
    ck_assert_uint_eq(n, S * P);
    ck_assert_double_eq_tol(raw[P + 0], 0.5 + 25 * 0.01, 1e-12);
    ck_assert_double_eq(raw[1], 2.0);
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
    /* The two written replications are marked, with their lot counts. */
    int64_t lots[S * R];
    d = H5Dopen2(f, "task_lots", H5P_DEFAULT);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, lots), 0);
    H5Dclose(d);
    ck_assert_int_eq(lots[0 * R + 1], 3);
    ck_assert_int_eq(lots[1 * R + 0], 2);
    ck_assert_int_eq(lots[0], 0);
}

static void check_lots(hid_t f)
{
    hid_t g = H5Gopen2(f, "lots", H5P_DEFAULT);
    ck_assert_int_ge(g, 0);
    size_t n;
    /* (0, 1) was written first, then (1, 0). */
    const int32_t scenario[5] = {0, 0, 0, 1, 1};
    const int32_t replication[5] = {1, 1, 1, 0, 0};
    const int32_t wafers[5] = {25, 12, 25, 12, 25};
    const double release[5] = {1, 2, 3, 4, 5};
    const double finish[5] = {10, NAN, 12.5, 20, NAN};
    const char *products[5] = {"alpha", "\xce\xb2" "eta", "alpha",
                               "\xce\xb2" "eta", "alpha"};

    hid_t d = H5Dopen2(g, "lot", H5P_DEFAULT);
    ck_assert_uint_eq(element_count(d), 5);
    int64_t lot[5];
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, lot), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(lot[i], i);
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
    double *rel = read_doubles(g, "release_time_days", &n);
    double *fin = read_doubles(g, "finish_time_days", &n);
    double *cyc = read_doubles(g, "cycle_time_days", &n);
    ck_assert_uint_eq(n, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(sc[i], scenario[i]);
        ck_assert_int_eq(rep[i], replication[i]);
        ck_assert_int_eq(waf[i], wafers[i]);
        ck_assert_double_eq(rel[i], release[i]);
        if (isnan(finish[i])) {
            ck_assert(isnan(fin[i]));
            ck_assert(isnan(cyc[i]));
        } else {
            ck_assert_double_eq(fin[i], finish[i]);
            ck_assert_double_eq(cyc[i], finish[i] - release[i]);
        }
    }
    free(sc);
    free(rep);
    free(waf);
    free(rel);
    free(fin);
    free(cyc);
    check_strings(g, "lot_product", products, 5);
    const char *columns[] = {"lot_scenario", "lot_replication", "lot_product",
                             "release_time_days", "finish_time_days",
                             "cycle_time_days", "wafers"};
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
        check_scale(g, columns[c], 0, "lot");
    H5Gclose(g);
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
    ck_assert_int_eq(attr_int(f, "format_version"), 1);
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

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_write_and_read_back)
{
    make_tmpdir();
    char path[128], partial[160];
    tmp_path(path, sizeof path, "run.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    model *m = make_model();
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
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    check_coordinates(f);
    check_results(f);
    check_lots(f);
    check_root_attributes(f);
    ck_assert_int_ge(H5Fclose(f), 0);

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
    model *m = make_model();
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
    model *m = make_model();
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        output_meta meta = make_meta();
        output *o = NULL;
        fab_result *a = make_result(0, 1);
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
    hid_t f = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    size_t n;
    double *v = read_doubles(f, "wafers_out", &n);
    ck_assert_uint_eq(n, S * R * M * P);
    ck_assert_double_eq(v[(0 * R + 1) * M * P + 3], value_of(0, 0, 1, 3));
    ck_assert(isnan(v[0]));
    free(v);
    hid_t g = H5Gopen2(f, "lots", H5P_DEFAULT);
    double *rel = read_doubles(g, "release_time_days", &n);
    ck_assert_uint_eq(n, 3);
    free(rel);
    H5Gclose(g);
    ck_assert_int_ge(H5Fclose(f), 0);
    unlink(partial);
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
    model *m = make_model();
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);
    ck_assert(exists(partial));
    fab_result *a = make_result(0, 1);
    ck_assert_int_eq(output_write_replication(o, a, &err), 0);
    output_abort(o);
    ck_assert(!exists(partial));
    ck_assert(!exists(path));
    fab_result_destroy(a);
    model_destroy(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_create_in_missing_directory)
{
    model *m = make_model();
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
    model *m = make_model();
    output_meta meta = make_meta();
    output *o = NULL;
    ws_error err;
    ck_assert_int_eq(output_create(path, m, &meta, &o, &err), 0);

    fab_result *a = make_result(0, 1);
    a->replication = R;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    a->replication = 1;
    a->nmonths = M + 1;
    ck_assert_int_eq(output_write_replication(o, a, &err), WS_ESOFTWARE);
    a->nmonths = M;
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

static Suite *output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_write_and_read_back);
    tcase_add_test(tc, test_same_input_same_bytes);
    tcase_add_test(tc, test_killed_writer_leaves_readable_partial);
    tcase_add_test(tc, test_abort_removes_partial);
    tcase_add_test(tc, test_create_in_missing_directory);
    tcase_add_test(tc, test_rejects_mismatched_results);
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
