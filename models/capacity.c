/* capacity.c - static capacity analysis (docs/capacity.md) and its HDF5
 * file.
 *
 * The analysis is a sum over every product's route: each visit of a lot to
 * a step offers (process time + setup time) of tool time to the step's
 * group, at the product's release rate.  It costs one pass over the route
 * steps and allocates only the report.
 *
 * The file follows the conventions of the run output (models/output.c):
 * plain HDF5 plus dimension scales, so xarray (h5netcdf), h5py and ncdump
 * open it; creation order tracked; no time stamps, so the same inputs give
 * the same bytes; written as PATH.partial and renamed when complete.  The
 * HDF5 helpers are output.c's, shared through h5file.h.
 */
#include "capacity.h"
#include "h5file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#define HOURS_PER_DAY 24.0

/* A quotient that should be a whole number of tools can come out a few ulps
 * above it (6 / (24 x 0.25) computed as 1.0000000000000002); a billionth
 * of a tool is not worth buying, so it is ignored before rounding up. */
#define TOOLS_TOLERANCE 1e-9

/* Above this a double no longer counts tools exactly. */
#define TOOLS_MAX 9007199254740992.0    /* 2^53 */

static const char assumptions_text[] =
    "visits = 1 per route step (no rework or sampling yet), setup = 0 (no "
    "setups yet), availability = 1 (no downtime or preventive maintenance "
    "yet), a batch step's time is that of one lot (no batching yet)";

const char *capacity_assumptions(void)
{
    return assumptions_text;
}

/* ---- the factors later features supply --------------------------------- */

/* Mean visits of a lot to step s per pass through its route.  Rework loops
 * and sampling (a metrology step skipped by some lots) will make this
 * differ from 1; version 1 has neither. */
static double step_visits(const product *p, int32_t s)
{
    (void)p;
    (void)s;
    return 1.0;
}

/* Mean setup time per visit to step s, in days; version 1 has no setups. */
static double step_setup_days(const product *p, int32_t s)
{
    (void)p;
    (void)s;
    return 0.0;
}

/* Long-run fraction of time a tool of the group can process, once downtime
 * and preventive maintenance exist; 1 in version 1. */
static double group_availability(const tool_group *g)
{
    (void)g;
    return 1.0;
}

/* Mean lots released per day under the product's release plan. */
static double product_lots_per_day(const product *p)
{
    return p->release == RELEASE_INTERVAL ? 1.0 / p->release_interval_days
                                          : 1.0 / p->interarrival.mean;
}

/* ---- the analysis ------------------------------------------------------ */

static capacity_report *report_alloc(int32_t ngroups, int32_t nproducts)
{
    capacity_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    /* +1: calloc(0) may return NULL, which would read as out of memory. */
    size_t g = (size_t)ngroups + 1, p = (size_t)nproducts + 1;
    r->ngroups = ngroups;
    r->nproducts = nproducts;
    r->tools = calloc(g, sizeof *r->tools);
    r->availability = calloc(g, sizeof *r->availability);
    r->load_tool_hours_per_day = calloc(g, sizeof *r->load_tool_hours_per_day);
    r->utilisation = calloc(g, sizeof *r->utilisation);
    r->tools_needed = calloc(g, sizeof *r->tools_needed);
    r->planned_wafers_per_month = calloc(p, sizeof *r->planned_wafers_per_month);
    r->max_wafers_per_month = calloc(p, sizeof *r->max_wafers_per_month);
    r->raw_process_time_days = calloc(p, sizeof *r->raw_process_time_days);
    if (!r->tools || !r->availability || !r->load_tool_hours_per_day
        || !r->utilisation || !r->tools_needed || !r->planned_wafers_per_month
        || !r->max_wafers_per_month || !r->raw_process_time_days) {
        capacity_report_destroy(r);
        return NULL;
    }
    return r;
}

void capacity_report_destroy(capacity_report *r)
{
    if (!r)
        return;
    free(r->tools);
    free(r->availability);
    free(r->load_tool_hours_per_day);
    free(r->utilisation);
    free(r->tools_needed);
    free(r->planned_wafers_per_month);
    free(r->max_wafers_per_month);
    free(r->raw_process_time_days);
    free(r);
}

/* Offered load per group (tool-hours per day), planned starts and raw
 * process time per product.  Sums in model order, so the result does not
 * depend on anything but the model. */
static int add_product_loads(const model *m, capacity_report *r, ws_error *err)
{
    for (int32_t i = 0; i < m->nproducts; i++) {
        const product *p = &m->products[i];
        double lots_per_day = product_lots_per_day(p);
        if (!(lots_per_day > 0.0) || !isfinite(lots_per_day))
            return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                "product %s: its release plan gives %g lots "
                                "per day; capacity needs a finite rate > 0",
                                p->name, lots_per_day);
        r->planned_wafers_per_month[i] =
            lots_per_day * p->lot_size * CAPACITY_DAYS_PER_MONTH;
        double raw = 0.0;
        for (int32_t s = 0; s < p->nsteps; s++) {
            const route_step *st = &p->steps[s];
            if (st->tool_group < 0 || st->tool_group >= m->ngroups)
                return ws_error_set(err, WS_EDATA, NULL, 0, 0,
                                    "product %s step %d: tool group %d of %d",
                                    p->name, (int)s + 1, (int)st->tool_group,
                                    (int)m->ngroups);
            double visit_days = route_step_mean_time(st, p->lot_size)
                              + step_setup_days(p, s);
            double visits = step_visits(p, s);
            raw += visits * visit_days;
            r->load_tool_hours_per_day[st->tool_group] +=
                lots_per_day * visits * visit_days * HOURS_PER_DAY;
        }
        r->raw_process_time_days[i] = raw;
    }
    return 0;
}

int capacity_analyse(const model *m, double target_utilisation,
                     capacity_report **out, ws_error *err)
{
    *out = NULL;
    if (!(target_utilisation > 0.0 && target_utilisation <= 1.0))
        return ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                            "target utilisation must be in (0, 1], not %g",
                            target_utilisation);
    capacity_report *r = report_alloc(m->ngroups, m->nproducts);
    if (!r)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    r->target_utilisation = target_utilisation;
    r->bottleneck = -1;
    int rc = add_product_loads(m, r, err);
    for (int32_t g = 0; g < m->ngroups && rc == 0; g++) {
        const tool_group *tg = &m->groups[g];
        double availability = group_availability(tg);
        double load = r->load_tool_hours_per_day[g];
        if (tg->tools < 1 || !(availability > 0.0 && availability <= 1.0))
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "tool group %s: %d tools at availability %g "
                              "have no capacity", tg->name, (int)tg->tools,
                              availability);
        else if (!isfinite(load))
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "tool group %s: offered load is not finite",
                              tg->name);
        if (rc)
            break;
        r->tools[g] = tg->tools;
        r->availability[g] = availability;
        r->utilisation[g] = load / (tg->tools * HOURS_PER_DAY * availability);
        double needed = load / (HOURS_PER_DAY * availability * target_utilisation);
        if (!(needed < TOOLS_MAX))
            rc = ws_error_set(err, WS_EDATA, NULL, 0, 0,
                              "tool group %s would need %g tools, more than "
                              "can be counted", tg->name, needed);
        else
            r->tools_needed[g] = needed > TOOLS_TOLERANCE
                               ? (int64_t)ceil(needed - TOOLS_TOLERANCE) : 0;
        /* Strictly greater: ties go to the first group in model order. */
        if (r->utilisation[g] > 0.0
            && (r->bottleneck < 0
                || r->utilisation[g] > r->utilisation[r->bottleneck]))
            r->bottleneck = g;
    }
    if (rc) {
        capacity_report_destroy(r);
        return rc;
    }
    /* Scaling every product's starts by 1/u of the bottleneck brings it to
     * exactly 100 %; with no load at all, no group limits the starts. */
    double scale = r->bottleneck >= 0 ? 1.0 / r->utilisation[r->bottleneck]
                                      : HUGE_VAL;
    for (int32_t i = 0; i < m->nproducts; i++)
        r->max_wafers_per_month[i] = r->planned_wafers_per_month[i] * scale;
    *out = r;
    return 0;
}

/* ---- the HDF5 file ----------------------------------------------------- */

typedef struct writer {
    const char *partial;
    hid_t file;
    hid_t string_type;          /* variable-length UTF-8 */
} writer;

/* A dimension: a coordinate variable of names made a dimension scale.  It
 * gets at most five attributes (CLASS, NAME, long_name, units,
 * REFERENCE_LIST), under HDF5's compact limit of eight: each attach
 * rewrites REFERENCE_LIST, and rewriting attributes in dense storage with
 * an indexed creation order is buggy in HDF5 1.10. */
static hid_t create_dimension(const writer *w, const char *name,
                              const char *const *names, size_t n,
                              const char *long_name, ws_error *err)
{
    hsize_t dim = n;
    h5file_dataset_spec s = {name, w->string_type, 1, &dim, NULL, NULL, -1};
    hid_t d = h5file_dataset_create(w->partial, w->file, &s, err);
    if (d < 0)
        return -1;
    int rc = h5file_dataset_write_all(w->partial, d, w->string_type, n, names,
                                      err);
    if (rc == 0 && H5DSset_scale(d, name) < 0)
        rc = h5file_fail(w->partial, err, WS_EIO,
                         "cannot make a dimension scale of %s", name);
    if (rc == 0)
        rc = h5file_describe(w->partial, d, long_name, "1", w->string_type,
                             err);
    if (rc) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

typedef struct variable_spec {
    const char *name;
    hid_t file_type;
    hid_t mem_type;
    const void *values;
    const char *units;
    const char *long_name;
} variable_spec;

/* A 1-D contiguous data variable of n values along the dimension scale;
 * floats get NaN as fill value, as in the run output. */
static int write_variable(const writer *w, hid_t scale, size_t n,
                          const variable_spec *v, ws_error *err)
{
    int is_float = v->mem_type == H5T_NATIVE_DOUBLE;
    hsize_t dim = n;
    h5file_dataset_spec s = {v->name, v->file_type, 1, &dim, NULL, NULL,
                             is_float ? H5T_NATIVE_DOUBLE : -1};
    hid_t d = h5file_dataset_create(w->partial, w->file, &s, err);
    if (d < 0)
        return err->code;
    int rc = h5file_dataset_write_all(w->partial, d, v->mem_type, n, v->values,
                                      err);
    if (rc == 0 && is_float)
        rc = h5file_attr_nan_fill(w->partial, d, err);
    if (rc == 0)
        rc = h5file_describe(w->partial, d, v->long_name, v->units,
                             w->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(w->partial, d, scale, 0, err);
    if (H5Dclose(d) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close %s", v->name);
    return rc;
}

static int write_variables(const writer *w, const capacity_report *r,
                           hid_t group_dim, hid_t product_dim, ws_error *err)
{
    /* Units "day", not "days": xarray would decode "days" to timedelta64. */
    const variable_spec per_group[] = {
        {"tools", H5T_STD_I32LE, H5T_NATIVE_INT32, r->tools, "1",
         "tools in the group"},
        {"availability", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, r->availability,
         "1", "fraction of time a tool can process (1: no downtime modelled)"},
        {"load_tool_hours_per_day", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
         r->load_tool_hours_per_day, "h/day",
         "tool time offered per day at the planned starts"},
        {"utilisation", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, r->utilisation,
         "1", "load / (tools x 24 h x availability) at the planned starts"},
        {"tools_needed", H5T_STD_I64LE, H5T_NATIVE_INT64, r->tools_needed,
         "1", "tools for the target utilisation: "
              "ceil(load / (24 h x availability x target))"},
    };
    const variable_spec per_product[] = {
        {"planned_wafers_per_month", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
         r->planned_wafers_per_month, "wafer/month",
         "planned wafer starts per month of 365.2425/12 days"},
        {"max_wafers_per_month", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
         r->max_wafers_per_month, "wafer/month",
         "sustainable wafer starts per month at the current product mix: "
         "planned / bottleneck utilisation"},
        {"raw_process_time_days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
         r->raw_process_time_days, "day",
         "mean processing time of one lot through the route, no waiting"},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof per_group / sizeof *per_group && rc == 0; i++)
        rc = write_variable(w, group_dim, (size_t)r->ngroups, &per_group[i],
                            err);
    for (size_t i = 0; i < sizeof per_product / sizeof *per_product && rc == 0;
         i++)
        rc = write_variable(w, product_dim, (size_t)r->nproducts,
                            &per_product[i], err);
    return rc;
}

static int write_root_attributes(const writer *w, const model *m,
                                 const capacity_report *r,
                                 const capacity_file_meta *meta,
                                 ws_error *err)
{
    const model_source *src = m->nsources > 0 ? &m->sources[0] : NULL;
    size_t ninputs = m->nsources > 1 ? (size_t)m->nsources - 1 : 0;
    const char **inputs = malloc((2 * ninputs + 1) * sizeof *inputs);
    if (!inputs)
        return ws_error_set(err, WS_ENOMEM, w->partial, 0, 0, "out of memory");
    for (size_t i = 0; i < ninputs; i++) {
        const model_source *s = &m->sources[i + 1];
        inputs[i] = s->path ? s->path : "";
        inputs[ninputs + i] = s->text ? s->text : "";
    }
    const char *bottleneck = r->bottleneck >= 0
                           ? m->groups[r->bottleneck].name : "";
    /* Written in this order, which readers list them in. */
    const char *const strings[][2] = {
        {"software", "wafersim"},
        {"version", meta->version},
        {"git_revision", meta->git_revision},
        {"command_line", meta->command_line},
        {"scenario_name", m->name},
        {"scenario_path", src ? src->path : ""},
        {"scenario_text", src ? src->text : ""},
    };
    const char *path = w->partial;
    hid_t root = w->file, st = w->string_type;
    int rc = 0;
    for (size_t i = 0; i < sizeof strings / sizeof *strings && rc == 0; i++)
        rc = h5file_attr_string(path, root, strings[i][0], strings[i][1], st,
                                err);
    if (rc == 0)
        rc = h5file_attr_values(path, root, "input_files", st, st, ninputs,
                                inputs, err);
    if (rc == 0)
        rc = h5file_attr_values(path, root, "input_texts", st, st, ninputs,
                                inputs + ninputs, err);
    if (rc == 0)
        rc = h5file_attr_double(path, root, "target_utilisation",
                                r->target_utilisation, err);
    if (rc == 0)
        rc = h5file_attr_string(path, root, "bottleneck", bottleneck, st, err);
    if (rc == 0)
        rc = h5file_attr_string(path, root, "assumptions", assumptions_text, st,
                                err);
    free(inputs);
    return rc;
}

/* Creates w->file and w->string_type; WS_ECANTCREAT when the file cannot
 * be created. */
static int writer_open(writer *w, ws_error *err)
{
    int rc = h5file_create(w->partial, &w->file, err);
    if (rc == 0) {
        w->string_type = h5file_string_type();
        if (w->string_type < 0)
            rc = h5file_fail(w->partial, err, WS_EIO,
                             "cannot make the string type");
    }
    return rc;
}

static int write_contents(const writer *w, const model *m,
                          const capacity_report *r,
                          const capacity_file_meta *meta, ws_error *err)
{
    size_t ng = (size_t)r->ngroups, np = (size_t)r->nproducts;
    const char **names = malloc((ng + np + 1) * sizeof *names);
    if (!names)
        return ws_error_set(err, WS_ENOMEM, w->partial, 0, 0, "out of memory");
    for (size_t g = 0; g < ng; g++)
        names[g] = m->groups[g].name;
    for (size_t p = 0; p < np; p++)
        names[ng + p] = m->products[p].name;
    hid_t group_dim = create_dimension(w, "tool_group", names, ng,
                                       "tool group name", err);
    hid_t product_dim = group_dim < 0 ? -1
                      : create_dimension(w, "product", names + ng, np,
                                         "product name", err);
    free(names);
    int rc = group_dim < 0 || product_dim < 0 ? err->code : 0;
    if (rc == 0)
        rc = write_variables(w, r, group_dim, product_dim, err);
    if (rc == 0)
        rc = write_root_attributes(w, m, r, meta, err);
    if (product_dim >= 0 && H5Dclose(product_dim) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close product");
    if (group_dim >= 0 && H5Dclose(group_dim) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close tool_group");
    return rc;
}

int capacity_write_file(const char *path, const model *m,
                        const capacity_report *r,
                        const capacity_file_meta *meta, ws_error *err)
{
    if (r->ngroups != m->ngroups || r->nproducts != m->nproducts)
        return ws_error_set(err, WS_ESOFTWARE, path, 0, 0,
                            "capacity report of %d groups and %d products "
                            "does not match the model's %d and %d",
                            (int)r->ngroups, (int)r->nproducts,
                            (int)m->ngroups, (int)m->nproducts);
    size_t n = strlen(path);
    char *partial = malloc(n + sizeof ".partial");
    if (!partial)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    memcpy(partial, path, n);
    memcpy(partial + n, ".partial", sizeof ".partial");
    writer w = {partial, -1, -1};

    /* The library never prints: HDF5's own error printing is off while we
     * work and the caller's setting is restored afterwards. */
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);

    int rc = writer_open(&w, err);
    if (rc == 0)
        rc = write_contents(&w, m, r, meta, err);
    if (w.string_type >= 0 && H5Tclose(w.string_type) < 0 && rc == 0)
        rc = h5file_fail(w.partial, err, WS_EIO,
                         "cannot close the string type");
    if (w.file >= 0 && H5Fclose(w.file) < 0 && rc == 0)
        rc = h5file_fail(w.partial, err, WS_EIO, "cannot close the file");
    H5Eclear2(H5E_DEFAULT);
    h5file_quiet_end(&quiet);

    if (rc == 0 && rename(partial, path) != 0)
        rc = ws_error_set(err, WS_EIO, path, 0, 0, "cannot rename %s to %s: %s",
                          partial, path, strerror(errno));
    if (rc != 0 && w.file >= 0)
        unlink(partial);
    free(partial);
    return rc;
}
