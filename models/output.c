/* output.c - the HDF5 result file (the layout is docs/output-format.md).
 *
 * Written with the plain HDF5 C API plus dimension scales (H5DS), which is
 * all netCDF-4 readers need: xarray (h5netcdf), h5py and ncdump open the
 * file with no extra arguments, and we do not depend on netCDF-C.
 *
 * Every dataset is created full-size up front with a NaN fill value, so a
 * replication that was never written reads as NaN; each replication fills
 * one chunk per variable and is flushed, so a killed run leaves a readable
 * PATH.partial holding every replication written so far.
 *
 * Determinism: object time stamps are switched off and no wall-clock time is
 * written, so the same run gives the same bytes.
 *
 * HDF5 failures become ws_error values whose message names what we were
 * doing and the innermost HDF5 reason; HDF5's own error printing is switched
 * off for the duration of each public call and restored afterwards.
 */
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "../sim/date.h"

#define OUTPUT_FORMAT_VERSION 1
#define OUTPUT_DEFLATE_LEVEL 4
/* Records per chunk of a lots column: 32 KiB of doubles, big enough to
 * compress well, small enough that appending a few lots stays cheap. */
#define OUTPUT_LOT_CHUNK 4096
#define OUTPUT_BOOL_TYPE "bool_t"

/* Creation order must be tracked and indexed on every object, or netCDF
 * readers list variables and attributes alphabetically. */
#define OUTPUT_CRT_ORDER (H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)

enum output_dim {
    DIM_SCENARIO,
    DIM_REPLICATION,
    DIM_MONTH,
    DIM_PRODUCT,
    DIM_TOOL_GROUP,
    NDIMS
};

static const char *const dim_names[NDIMS] = {
    "scenario", "replication", "month", "product", "tool_group"
};

/* A per-replication float64 variable: dims[0..1] are always (scenario,
 * replication), so one replication is the slab [scenario, replication, ...],
 * which is also exactly one chunk. */
typedef struct result_var {
    const char *name;
    int rank;
    enum output_dim dims[4];
    size_t field;               /* offsetof the double * in fab_result */
    const char *units;
    const char *long_name;
} result_var;

#define MONTH_PRODUCT 4, {DIM_SCENARIO, DIM_REPLICATION, DIM_MONTH, DIM_PRODUCT}
#define MONTH_GROUP 4, {DIM_SCENARIO, DIM_REPLICATION, DIM_MONTH, DIM_TOOL_GROUP}
#define PER_PRODUCT 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_PRODUCT}
#define PER_GROUP 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_TOOL_GROUP}

/* Units "day" (not "days"): xarray would decode "days" into timedelta64. */
static const result_var result_vars[] = {
    {"wafers_out", MONTH_PRODUCT, offsetof(fab_result, wafers_out),
     "wafer", "wafers of lots finished in the month"},
    {"wafer_starts", MONTH_PRODUCT, offsetof(fab_result, wafer_starts),
     "wafer", "wafers of lots released in the month"},
    {"wip_wafers", MONTH_PRODUCT, offsetof(fab_result, wip_wafers),
     "wafer", "wafers in the fab at the end of the month"},
    {"wip_wafers_mean", MONTH_PRODUCT, offsetof(fab_result, wip_wafers_mean),
     "wafer", "time-average wafers in the fab during the month"},
    {"cycle_time_days", MONTH_PRODUCT, offsetof(fab_result, cycle_time_days),
     "day", "mean cycle time of lots finished in the month"},
    {"utilisation", MONTH_GROUP, offsetof(fab_result, utilisation),
     "1", "busy tool time / (tools x time in the month)"},
    {"throughput_wafers_per_day", PER_PRODUCT,
     offsetof(fab_result, throughput_wafers_per_day),
     "wafer/day", "wafers out per day after the warm-up"},
    {"mean_cycle_time_days", PER_PRODUCT,
     offsetof(fab_result, mean_cycle_time_days),
     "day", "mean cycle time of lots finished after the warm-up"},
    {"mean_wip_wafers", PER_PRODUCT, offsetof(fab_result, mean_wip_wafers),
     "wafer", "time-average wafers in the fab after the warm-up"},
    {"mean_utilisation", PER_GROUP, offsetof(fab_result, mean_utilisation),
     "1", "busy tool time / (tools x time) after the warm-up"},
};

#define NRESULT_VARS (sizeof result_vars / sizeof result_vars[0])

/* Columns of the lots group.  Not plain scenario/replication/product: a
 * variable in /lots named like a root coordinate clashes with it where
 * readers inherit coordinates into groups (xarray's DataTree). */
enum lot_column {
    LOT_SCENARIO,
    LOT_REPLICATION,
    LOT_PRODUCT,
    LOT_RELEASE,
    LOT_FINISH,
    LOT_CYCLE,
    LOT_WAFERS,
    NLOT_COLUMNS
};

enum column_type { COLUMN_INT32, COLUMN_DOUBLE, COLUMN_STRING };

typedef struct lot_column_spec {
    const char *name;
    enum column_type type;
    const char *units;
    const char *long_name;
} lot_column_spec;

static const lot_column_spec lot_columns[NLOT_COLUMNS] = {
    {"lot_scenario", COLUMN_INT32, "1", "scenario index of the lot"},
    {"lot_replication", COLUMN_INT32, "1", "replication of the lot"},
    {"lot_product", COLUMN_STRING, "1", "product name of the lot"},
    {"release_time_days", COLUMN_DOUBLE, "day",
     "release time, days since the start date"},
    {"finish_time_days", COLUMN_DOUBLE, "day",
     "finish time, days since the start date; NaN if still in the fab"},
    {"cycle_time_days", COLUMN_DOUBLE, "day",
     "finish time - release time; NaN if still in the fab"},
    {"wafers", COLUMN_INT32, "wafer", "wafers in the lot"},
};

struct output {
    char *path;
    char *partial;
    hid_t file;
    hid_t string_type;          /* variable-length UTF-8, owned */
    hid_t result[NRESULT_VARS];
    hid_t lots_group;
    hid_t lot_coord;
    hid_t lot_column[NLOT_COLUMNS];
    hsize_t size[NDIMS];
    char **product_names;       /* copies, for the lot_product column */
    int32_t nproducts;
    unsigned char *written;     /* [scenario * R + replication] */
    hsize_t nlots;
};

/* ---- errors ------------------------------------------------------------ */

/* HDF5's automatic error printing, saved on entry to a public function and
 * restored on exit, so the library never prints and callers' settings
 * survive. */
typedef struct hdf5_quiet {
    H5E_auto2_t func;
    void *data;
    int saved;
} hdf5_quiet;

static void hdf5_quiet_begin(hdf5_quiet *q)
{
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void hdf5_quiet_end(const hdf5_quiet *q)
{
    if (q->saved)
        H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

typedef struct error_text {
    char *buf;
    size_t size;
} error_text;

/* Walking upward, entry 0 is the innermost, most specific HDF5 reason. */
static herr_t error_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    error_text *t = data;
    if (n == 0 && e->desc)
        snprintf(t->buf, t->size, "%s", e->desc);
    return 0;
}

static void hdf5_error_detail(char *buf, size_t size)
{
    error_text t = {buf, size};
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, error_walk, &t);
    H5Eclear2(H5E_DEFAULT);
}

static int output_fail(const output *o, ws_error *err, int code,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Sets err to "what: HDF5 reason" about the .partial file; returns code. */
static int output_fail(const output *o, ws_error *err, int code,
                       const char *fmt, ...)
{
    char what[512];
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    hdf5_error_detail(detail, sizeof detail);
    if (detail[0])
        return ws_error_set(err, code, o->partial, 0, 0, "%s: %s", what,
                            detail);
    return ws_error_set(err, code, o->partial, 0, 0, "%s", what);
}

/* Names the object loc in messages; only called on error paths. */
static const char *object_name(hid_t loc, char *buf, size_t size)
{
    if (H5Iget_name(loc, buf, size) <= 0)
        snprintf(buf, size, "?");
    return buf;
}

/* ---- attributes -------------------------------------------------------- */

static int attr_write(output *o, hid_t loc, const char *name,
                      hid_t file_type, hid_t mem_type, hid_t space,
                      const void *value, ws_error *err)
{
    char owner[256];
    hid_t attr = H5Acreate2(loc, name, file_type, space, H5P_DEFAULT,
                            H5P_DEFAULT);
    if (attr < 0)
        return output_fail(o, err, WS_EIO, "cannot create attribute %s of %s",
                           name, object_name(loc, owner, sizeof owner));
    herr_t status = H5Awrite(attr, mem_type, value);
    if (H5Aclose(attr) < 0 || status < 0)
        return output_fail(o, err, WS_EIO, "cannot write attribute %s of %s",
                           name, object_name(loc, owner, sizeof owner));
    return 0;
}

/* An attribute of n values (n = 0 gives an empty array); scalar when
 * n is (size_t)-1. */
static int attr_values(output *o, hid_t loc, const char *name,
                       hid_t file_type, hid_t mem_type, size_t n,
                       const void *values, ws_error *err)
{
    hsize_t dim = n;
    hid_t space = n == (size_t)-1 ? H5Screate(H5S_SCALAR)
                                  : H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return output_fail(o, err, WS_EIO, "cannot create dataspace");
    int rc = attr_write(o, loc, name, file_type, mem_type, space, values,
                        err);
    if (H5Sclose(space) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close dataspace");
    return rc;
}

#define SCALAR ((size_t)-1)

static int attr_string(output *o, hid_t loc, const char *name,
                       const char *value, ws_error *err)
{
    const char *v = value ? value : "";
    return attr_values(o, loc, name, o->string_type, o->string_type, SCALAR,
                       &v, err);
}

static int attr_double(output *o, hid_t loc, const char *name, double value,
                       ws_error *err)
{
    return attr_values(o, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                       SCALAR, &value, err);
}

static int attr_int32(output *o, hid_t loc, const char *name, int32_t value,
                      ws_error *err)
{
    return attr_values(o, loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, SCALAR,
                       &value, err);
}

static int attr_uint64(output *o, hid_t loc, const char *name,
                       uint64_t value, ws_error *err)
{
    return attr_values(o, loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                       SCALAR, &value, err);
}

/* long_name and units, which every variable carries. */
static int describe(output *o, hid_t d, const char *long_name,
                    const char *units, ws_error *err)
{
    int rc = attr_string(o, d, "long_name", long_name, err);
    if (rc == 0)
        rc = attr_string(o, d, "units", units, err);
    return rc;
}

static int attr_nan_fill(output *o, hid_t d, ws_error *err)
{
    return attr_double(o, d, "_FillValue", NAN, err);
}

/* ---- datasets ---------------------------------------------------------- */

typedef struct dataset_spec {
    const char *name;
    hid_t file_type;
    int rank;
    const hsize_t *dims;
    const hsize_t *maxdims;     /* NULL: fixed size */
    const hsize_t *chunk;       /* NULL: contiguous, uncompressed */
    hid_t fill_type;            /* H5T_NATIVE_DOUBLE: NaN fill; else default */
} dataset_spec;

/* Creates a dataset; returns its id or a negative value with err set. */
static hid_t dataset_create(output *o, hid_t loc, const dataset_spec *s,
                            ws_error *err)
{
    hid_t space = -1, dcpl = -1, d = -1;
    space = H5Screate_simple(s->rank, s->dims, s->maxdims);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0)
        goto fail;
    /* Without this, every object header holds its modification time and
     * two identical runs give different bytes. */
    if (H5Pset_obj_track_times(dcpl, 0) < 0
        || H5Pset_attr_creation_order(dcpl, OUTPUT_CRT_ORDER) < 0)
        goto fail;
    if (s->chunk) {
        if (H5Pset_chunk(dcpl, s->rank, s->chunk) < 0
            || H5Pset_shuffle(dcpl) < 0
            || H5Pset_deflate(dcpl, OUTPUT_DEFLATE_LEVEL) < 0)
            goto fail;
    }
    if (s->fill_type == H5T_NATIVE_DOUBLE) {
        double nan = NAN;
        if (H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan) < 0)
            goto fail;
    }
    d = H5Dcreate2(loc, s->name, s->file_type, space, H5P_DEFAULT, dcpl,
                   H5P_DEFAULT);
    if (d < 0)
        goto fail;
    herr_t closed = H5Pclose(dcpl);
    dcpl = -1;
    if (H5Sclose(space) < 0 || closed < 0) {
        space = -1;
        goto fail;
    }
    return d;
fail:
    output_fail(o, err, WS_EIO, "cannot create dataset %s", s->name);
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return -1;
}

/* Writes n elements of a 1-D dataset whole. */
static int dataset_write_all(output *o, hid_t d, hid_t mem_type, size_t n,
                             const void *values, ws_error *err)
{
    char name[256];
    if (n == 0)
        return 0;
    if (H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
        return output_fail(o, err, WS_EIO, "cannot write %s",
                           object_name(d, name, sizeof name));
    return 0;
}

/* Writes count elements from start in dimension order into d (rank r). */
static int dataset_write_slab(output *o, hid_t d, hid_t mem_type, int rank,
                              const hsize_t *start, const hsize_t *count,
                              const void *values, ws_error *err)
{
    char name[256];
    hsize_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= count[i];
    if (n == 0)
        return 0;
    hid_t file_space = H5Dget_space(d);
    hid_t mem_space = H5Screate_simple(1, &n, NULL);
    herr_t status = -1;
    if (file_space >= 0 && mem_space >= 0
        && H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count,
                               NULL) >= 0)
        status = H5Dwrite(d, mem_type, mem_space, file_space, H5P_DEFAULT,
                          values);
    if (mem_space >= 0 && H5Sclose(mem_space) < 0)
        status = -1;
    if (file_space >= 0 && H5Sclose(file_space) < 0)
        status = -1;
    if (status < 0)
        return output_fail(o, err, WS_EIO, "cannot write %s",
                           object_name(d, name, sizeof name));
    return 0;
}

static int attach_scale(output *o, hid_t d, hid_t scale, unsigned index,
                        ws_error *err)
{
    char name[256];
    if (H5DSattach_scale(d, scale, index) < 0)
        return output_fail(o, err, WS_EIO,
                           "cannot attach dimension scale %u to %s", index,
                           object_name(d, name, sizeof name));
    return 0;
}

/* ---- creating the layout ----------------------------------------------- */

/* The five root dimensions: coordinate variables made dimension scales.
 * Their attributes stay below HDF5's compact limit (8): each attach
 * rewrites REFERENCE_LIST, and rewriting attributes in dense storage with
 * an indexed creation order is buggy in HDF5 1.10. */
static int create_dimensions(output *o, const model *m, const double *bounds,
                             hid_t scale[NDIMS], ws_error *err)
{
    hsize_t n[NDIMS];
    int rc = 0;
    for (int k = 0; k < NDIMS; k++)
        n[k] = o->size[k];

    const hid_t types[NDIMS] = {H5T_STD_I32LE, H5T_STD_I32LE, H5T_IEEE_F64LE,
                                o->string_type, o->string_type};
    for (int k = 0; k < NDIMS && rc == 0; k++) {
        dataset_spec s = {dim_names[k], types[k], 1, &n[k], NULL, NULL, -1};
        scale[k] = dataset_create(o, o->file, &s, err);
        if (scale[k] < 0)
            return err->code;
        if (H5DSset_scale(scale[k], dim_names[k]) < 0)
            return output_fail(o, err, WS_EIO,
                               "cannot make %s a dimension scale",
                               dim_names[k]);
    }

    /* Index coordinates 0..n-1; one buffer large enough for either. */
    size_t most = (size_t)(n[DIM_SCENARIO] > n[DIM_REPLICATION]
                               ? n[DIM_SCENARIO] : n[DIM_REPLICATION]);
    int32_t *index = malloc(most * sizeof *index);
    if (!index)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                            "out of memory");
    for (size_t i = 0; i < most; i++)
        index[i] = (int32_t)i;
    rc = dataset_write_all(o, scale[DIM_SCENARIO], H5T_NATIVE_INT32,
                           (size_t)n[DIM_SCENARIO], index, err);
    if (rc == 0)
        rc = dataset_write_all(o, scale[DIM_REPLICATION], H5T_NATIVE_INT32,
                               (size_t)n[DIM_REPLICATION], index, err);
    free(index);
    if (rc == 0)
        rc = dataset_write_all(o, scale[DIM_MONTH], H5T_NATIVE_DOUBLE,
                               (size_t)n[DIM_MONTH], bounds, err);

    const char **names = malloc(((size_t)m->nproducts + (size_t)m->ngroups + 1)
                                * sizeof *names);
    if (!names)
        return rc ? rc : ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                                      "out of memory");
    for (int32_t p = 0; p < m->nproducts; p++)
        names[p] = m->products[p].name;
    for (int32_t g = 0; g < m->ngroups; g++)
        names[m->nproducts + g] = m->groups[g].name;
    if (rc == 0)
        rc = dataset_write_all(o, scale[DIM_PRODUCT], o->string_type,
                               (size_t)m->nproducts, names, err);
    if (rc == 0)
        rc = dataset_write_all(o, scale[DIM_TOOL_GROUP], o->string_type,
                               (size_t)m->ngroups, names + m->nproducts, err);
    free(names);
    if (rc)
        return rc;

    char units[64], start[11];
    date_format_iso(m->start_date, start);
    snprintf(units, sizeof units, "days since %s", start);
    if ((rc = describe(o, scale[DIM_SCENARIO], "scenario index", "1", err))
        || (rc = describe(o, scale[DIM_REPLICATION], "replication", "1", err))
        || (rc = describe(o, scale[DIM_MONTH], "start of the month", units,
                          err))
        || (rc = attr_string(o, scale[DIM_MONTH], "calendar",
                             "proleptic_gregorian", err))
        || (rc = describe(o, scale[DIM_PRODUCT], "product name", "1", err))
        || (rc = describe(o, scale[DIM_TOOL_GROUP], "tool group name", "1",
                          err)))
        return rc;
    return 0;
}

/* warmup (bool enum) and month_days along month: non-dimension coordinates
 * that every monthly variable names in its `coordinates` attribute. */
static int create_month_coordinates(output *o, const model *m,
                                    const double *bounds,
                                    const hid_t scale[NDIMS], ws_error *err)
{
    size_t months = (size_t)o->size[DIM_MONTH];
    hsize_t n = months;
    int rc;

    /* h5py reads an int8 enum {FALSE, TRUE} as numpy bool, and so does
     * xarray; ncdump shows it only as a committed (named) type. */
    hid_t bool_type = H5Tenum_create(H5T_NATIVE_SCHAR);
    signed char v_false = 0, v_true = 1;
    hid_t tcpl = H5Pcreate(H5P_DATATYPE_CREATE);
    if (bool_type < 0 || tcpl < 0
        || H5Tenum_insert(bool_type, "FALSE", &v_false) < 0
        || H5Tenum_insert(bool_type, "TRUE", &v_true) < 0
        || H5Pset_obj_track_times(tcpl, 0) < 0
        || H5Tcommit2(o->file, OUTPUT_BOOL_TYPE, bool_type, H5P_DEFAULT, tcpl,
                      H5P_DEFAULT) < 0) {
        rc = output_fail(o, err, WS_EIO, "cannot create the %s type",
                         OUTPUT_BOOL_TYPE);
        if (tcpl >= 0)
            H5Pclose(tcpl);
        if (bool_type >= 0)
            H5Tclose(bool_type);
        return rc;
    }
    if (H5Pclose(tcpl) < 0) {
        H5Tclose(bool_type);
        return output_fail(o, err, WS_EIO, "cannot close property list");
    }

    signed char *warmup = malloc(months ? months : 1);
    double *days = malloc((months ? months : 1) * sizeof *days);
    if (!warmup || !days) {
        free(warmup);
        free(days);
        H5Tclose(bool_type);
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                            "out of memory");
    }
    for (size_t k = 0; k < months; k++) {
        warmup[k] = bounds[k] < m->warmup_days;
        days[k] = bounds[k + 1] - bounds[k];
    }

    dataset_spec ws = {"warmup", bool_type, 1, &n, NULL, NULL, -1};
    dataset_spec ds = {"month_days", H5T_IEEE_F64LE, 1, &n, NULL, NULL,
                       H5T_NATIVE_DOUBLE};
    hid_t dw = dataset_create(o, o->file, &ws, err);
    hid_t dd = dw < 0 ? -1 : dataset_create(o, o->file, &ds, err);
    rc = dw < 0 || dd < 0 ? err->code : 0;
    if (rc == 0)
        rc = dataset_write_all(o, dw, bool_type, months, warmup, err);
    if (rc == 0)
        rc = describe(o, dw, "the month begins before the end of the warm-up",
                      "1", err);
    if (rc == 0)
        rc = attach_scale(o, dw, scale[DIM_MONTH], 0, err);
    if (rc == 0)
        rc = dataset_write_all(o, dd, H5T_NATIVE_DOUBLE, months, days, err);
    if (rc == 0)
        rc = attr_nan_fill(o, dd, err);
    if (rc == 0)
        rc = describe(o, dd, "length of the month bucket "
                      "(the first and last may be partial)", "day", err);
    if (rc == 0)
        rc = attach_scale(o, dd, scale[DIM_MONTH], 0, err);
    free(warmup);
    free(days);
    if (dd >= 0 && H5Dclose(dd) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close month_days");
    if (dw >= 0 && H5Dclose(dw) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close warmup");
    if (H5Tclose(bool_type) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close the %s type",
                         OUTPUT_BOOL_TYPE);
    return rc;
}

static int create_result_vars(output *o, const hid_t scale[NDIMS],
                              ws_error *err)
{
    for (size_t v = 0; v < NRESULT_VARS; v++) {
        const result_var *rv = &result_vars[v];
        hsize_t dims[4], chunk[4];
        int chunked = 1, monthly = 0;
        for (int i = 0; i < rv->rank; i++) {
            dims[i] = o->size[rv->dims[i]];
            chunk[i] = i < 2 ? 1 : dims[i];
            /* A chunk may not exceed a fixed dimension, so an empty one
             * (say, a model without tool groups) stays contiguous. */
            if (dims[i] == 0)
                chunked = 0;
            if (rv->dims[i] == DIM_MONTH)
                monthly = 1;
        }
        dataset_spec s = {rv->name, H5T_IEEE_F64LE, rv->rank, dims, NULL,
                          chunked ? chunk : NULL, H5T_NATIVE_DOUBLE};
        o->result[v] = dataset_create(o, o->file, &s, err);
        if (o->result[v] < 0)
            return err->code;
        hid_t d = o->result[v];
        int rc = attr_nan_fill(o, d, err);
        if (rc == 0)
            rc = describe(o, d, rv->long_name, rv->units, err);
        if (rc == 0 && monthly)
            rc = attr_string(o, d, "coordinates", "warmup month_days", err);
        for (int i = 0; i < rv->rank && rc == 0; i++)
            rc = attach_scale(o, d, scale[rv->dims[i]], (unsigned)i, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* raw_process_time_days, lot_size and tools: model data, written once. */
static int create_static_vars(output *o, const model *m,
                              const hid_t scale[NDIMS], ws_error *err)
{
    size_t np = (size_t)m->nproducts, ng = (size_t)m->ngroups;
    hsize_t hp = np, hg = ng;
    size_t most = np > ng ? np : ng;
    double *raw = malloc((np ? np : 1) * sizeof *raw);
    int32_t *ints = malloc((most ? most : 1) * sizeof *ints);
    if (!raw || !ints) {
        free(raw);
        free(ints);
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                            "out of memory");
    }
    int rc = 0;
    for (size_t p = 0; p < np; p++)
        raw[p] = product_raw_process_time(&m->products[p]);

    dataset_spec s = {"raw_process_time_days", H5T_IEEE_F64LE, 1, &hp, NULL,
                      NULL, H5T_NATIVE_DOUBLE};
    hid_t d = dataset_create(o, o->file, &s, err);
    if (d < 0)
        rc = err->code;
    if (rc == 0)
        rc = dataset_write_all(o, d, H5T_NATIVE_DOUBLE, np, raw, err);
    if (rc == 0)
        rc = attr_nan_fill(o, d, err);
    if (rc == 0)
        rc = describe(o, d, "sum of the mean step times of one lot", "day",
                      err);
    if (rc == 0)
        rc = attach_scale(o, d, scale[DIM_PRODUCT], 0, err);
    if (d >= 0 && H5Dclose(d) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close %s", s.name);

    for (size_t p = 0; p < np; p++)
        ints[p] = m->products[p].lot_size;
    dataset_spec ls = {"lot_size", H5T_STD_I32LE, 1, &hp, NULL, NULL, -1};
    d = rc ? -1 : dataset_create(o, o->file, &ls, err);
    if (rc == 0 && d < 0)
        rc = err->code;
    if (rc == 0)
        rc = dataset_write_all(o, d, H5T_NATIVE_INT32, np, ints, err);
    if (rc == 0)
        rc = describe(o, d, "wafers per lot", "wafer", err);
    if (rc == 0)
        rc = attach_scale(o, d, scale[DIM_PRODUCT], 0, err);
    if (d >= 0 && H5Dclose(d) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close %s", ls.name);

    for (size_t g = 0; g < ng; g++)
        ints[g] = m->groups[g].tools;
    dataset_spec ts = {"tools", H5T_STD_I32LE, 1, &hg, NULL, NULL, -1};
    d = rc ? -1 : dataset_create(o, o->file, &ts, err);
    if (rc == 0 && d < 0)
        rc = err->code;
    if (rc == 0)
        rc = dataset_write_all(o, d, H5T_NATIVE_INT32, ng, ints, err);
    if (rc == 0)
        rc = describe(o, d, "tools in the group", "1", err);
    if (rc == 0)
        rc = attach_scale(o, d, scale[DIM_TOOL_GROUP], 0, err);
    if (d >= 0 && H5Dclose(d) < 0 && rc == 0)
        rc = output_fail(o, err, WS_EIO, "cannot close %s", ts.name);

    free(raw);
    free(ints);
    return rc;
}

/* Group lots: one column per field along the unlimited dimension lot. */
static int create_lots_group(output *o, ws_error *err)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0
        || H5Pset_link_creation_order(gcpl, OUTPUT_CRT_ORDER) < 0
        || H5Pset_attr_creation_order(gcpl, OUTPUT_CRT_ORDER) < 0
        || (o->lots_group = H5Gcreate2(o->file, "lots", H5P_DEFAULT, gcpl,
                                       H5P_DEFAULT)) < 0) {
        int rc = output_fail(o, err, WS_EIO, "cannot create group lots");
        if (gcpl >= 0)
            H5Pclose(gcpl);
        return rc;
    }
    if (H5Pclose(gcpl) < 0)
        return output_fail(o, err, WS_EIO, "cannot close property list");

    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = OUTPUT_LOT_CHUNK;
    dataset_spec cs = {"lot", H5T_STD_I64LE, 1, &zero, &unlimited, &chunk,
                       -1};
    o->lot_coord = dataset_create(o, o->lots_group, &cs, err);
    if (o->lot_coord < 0)
        return err->code;
    int rc = 0;
    if (H5DSset_scale(o->lot_coord, "lot") < 0)
        return output_fail(o, err, WS_EIO, "cannot make lot a dimension scale");
    if ((rc = describe(o, o->lot_coord, "lot record index", "1", err)))
        return rc;

    for (int c = 0; c < NLOT_COLUMNS; c++) {
        const lot_column_spec *lc = &lot_columns[c];
        hid_t type = lc->type == COLUMN_INT32 ? H5T_STD_I32LE
                   : lc->type == COLUMN_DOUBLE ? H5T_IEEE_F64LE
                   : o->string_type;
        dataset_spec s = {lc->name, type, 1, &zero, &unlimited, &chunk,
                          lc->type == COLUMN_DOUBLE ? H5T_NATIVE_DOUBLE : -1};
        o->lot_column[c] = dataset_create(o, o->lots_group, &s, err);
        if (o->lot_column[c] < 0)
            return err->code;
        if (lc->type == COLUMN_DOUBLE
            && (rc = attr_nan_fill(o, o->lot_column[c], err)))
            return rc;
        if ((rc = describe(o, o->lot_column[c], lc->long_name, lc->units,
                           err))
            || (rc = attach_scale(o, o->lot_column[c], o->lot_coord, 0, err)))
            return rc;
    }
    return 0;
}

static int create_root_attributes(output *o, const model *m,
                                  const output_meta *meta, ws_error *err)
{
    hid_t root = o->file;
    const model_source *src = m->nsources > 0 ? &m->sources[0] : NULL;
    size_t ninputs = m->nsources > 1 ? (size_t)m->nsources - 1 : 0;
    const char **inputs = malloc((2 * ninputs + 1) * sizeof *inputs);
    if (!inputs)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                            "out of memory");
    for (size_t i = 0; i < ninputs; i++) {
        const model_source *s = &m->sources[i + 1];
        inputs[i] = s->path ? s->path : "";
        inputs[ninputs + i] = s->text ? s->text : "";
    }
    char start[11];
    date_format_iso(m->start_date, start);

    int rc = attr_string(o, root, "software", "wafersim", err);
    if (rc == 0)
        rc = attr_string(o, root, "version", meta->version, err);
    if (rc == 0)
        rc = attr_string(o, root, "git_revision", meta->git_revision, err);
    if (rc == 0)
        rc = attr_string(o, root, "command_line", meta->command_line, err);
    if (rc == 0)
        rc = attr_uint64(o, root, "base_seed", meta->seed, err);
    if (rc == 0)
        rc = attr_int32(o, root, "format_version", OUTPUT_FORMAT_VERSION, err);
    if (rc == 0)
        rc = attr_string(o, root, "scenario_name", m->name, err);
    if (rc == 0)
        rc = attr_string(o, root, "scenario_path", src ? src->path : "", err);
    if (rc == 0)
        rc = attr_string(o, root, "scenario_text", src ? src->text : "", err);
    if (rc == 0)
        rc = attr_values(o, root, "input_files", o->string_type,
                         o->string_type, ninputs, inputs, err);
    if (rc == 0)
        rc = attr_values(o, root, "input_texts", o->string_type,
                         o->string_type, ninputs, inputs + ninputs, err);
    if (rc == 0)
        rc = attr_string(o, root, "start_date", start, err);
    if (rc == 0)
        rc = attr_double(o, root, "horizon_days", m->horizon_days, err);
    if (rc == 0)
        rc = attr_double(o, root, "warmup_days", m->warmup_days, err);
    if (rc == 0)
        rc = attr_int32(o, root, "replications", meta->nreplications, err);
    free(inputs);
    return rc;
}

/* ---- lifetime ---------------------------------------------------------- */

static output *output_alloc(const char *path)
{
    output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->file = o->string_type = o->lots_group = o->lot_coord = -1;
    for (size_t v = 0; v < NRESULT_VARS; v++)
        o->result[v] = -1;
    for (int c = 0; c < NLOT_COLUMNS; c++)
        o->lot_column[c] = -1;
    size_t n = strlen(path);
    o->path = malloc(n + 1);
    o->partial = malloc(n + sizeof ".partial");
    if (!o->path || !o->partial) {
        free(o->path);
        free(o->partial);
        free(o);
        return NULL;
    }
    memcpy(o->path, path, n + 1);
    memcpy(o->partial, path, n);
    memcpy(o->partial + n, ".partial", sizeof ".partial");
    return o;
}

/* Closes every open id, the file last; returns -1 if any close failed. */
static int output_close_ids(output *o)
{
    int status = 0;
    for (int c = 0; c < NLOT_COLUMNS; c++)
        if (o->lot_column[c] >= 0 && H5Dclose(o->lot_column[c]) < 0)
            status = -1;
    if (o->lot_coord >= 0 && H5Dclose(o->lot_coord) < 0)
        status = -1;
    if (o->lots_group >= 0 && H5Gclose(o->lots_group) < 0)
        status = -1;
    for (size_t v = 0; v < NRESULT_VARS; v++)
        if (o->result[v] >= 0 && H5Dclose(o->result[v]) < 0)
            status = -1;
    if (o->string_type >= 0 && H5Tclose(o->string_type) < 0)
        status = -1;
    if (o->file >= 0 && H5Fclose(o->file) < 0)
        status = -1;
    for (int c = 0; c < NLOT_COLUMNS; c++)
        o->lot_column[c] = -1;
    for (size_t v = 0; v < NRESULT_VARS; v++)
        o->result[v] = -1;
    o->lot_coord = o->lots_group = o->string_type = o->file = -1;
    return status;
}

static void output_free(output *o)
{
    if (o->product_names) {
        for (int32_t p = 0; p < o->nproducts; p++)
            free(o->product_names[p]);
        free(o->product_names);
    }
    free(o->written);
    free(o->path);
    free(o->partial);
    free(o);
}

static int copy_product_names(output *o, const model *m, ws_error *err)
{
    o->product_names = calloc((size_t)m->nproducts + 1,
                              sizeof *o->product_names);
    if (!o->product_names)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    for (int32_t p = 0; p < m->nproducts; p++) {
        size_t n = strlen(m->products[p].name) + 1;
        o->product_names[p] = malloc(n);
        if (!o->product_names[p])
            return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                                "out of memory");
        memcpy(o->product_names[p], m->products[p].name, n);
        o->nproducts = p + 1;
    }
    return 0;
}

/* Creates the file and the whole layout; o's ids are closed by the caller
 * on failure. */
static int output_build(output *o, const model *m, const output_meta *meta,
                        ws_error *err)
{
    int32_t months = fab_month_count(m);
    if (months < 0)
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "cannot cut the horizon into months");
    o->size[DIM_SCENARIO] = (hsize_t)meta->nscenarios;
    o->size[DIM_REPLICATION] = (hsize_t)meta->nreplications;
    o->size[DIM_MONTH] = (hsize_t)months;
    o->size[DIM_PRODUCT] = (hsize_t)m->nproducts;
    o->size[DIM_TOOL_GROUP] = (hsize_t)m->ngroups;

    int rc = copy_product_names(o, m, err);
    if (rc)
        return rc;
    o->written = calloc((size_t)meta->nscenarios, (size_t)meta->nreplications);
    double *bounds = malloc(((size_t)months + 1) * sizeof *bounds);
    if (!o->written || !bounds) {
        free(bounds);
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    }
    fab_month_bounds(m, bounds);

    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fcpl < 0 || fapl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0
        || H5Pset_link_creation_order(fcpl, OUTPUT_CRT_ORDER) < 0
        || H5Pset_attr_creation_order(fcpl, OUTPUT_CRT_ORDER) < 0
        /* Strong close: output_abort's H5Fclose really closes the file
         * before we unlink it, even if an id leaked. */
        || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = output_fail(o, err, WS_EIO, "cannot set file properties");
    } else {
        errno = 0;
        o->file = H5Fcreate(o->partial, H5F_ACC_TRUNC, fcpl, fapl);
        if (o->file < 0) {
            int e = errno;
            char detail[512];
            hdf5_error_detail(detail, sizeof detail);
            /* HDF5 first probes the file without creating it, so errno may
             * be that probe's ENOENT; trust it only when HDF5's innermost
             * message says the failure was a system call's. */
            rc = ws_error_set(err, WS_ECANTCREAT, o->partial, 0, 0,
                              "cannot create the output file: %s",
                              e && strstr(detail, "errno") ? strerror(e)
                                                           : detail);
        }
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);

    hid_t scale[NDIMS];
    for (int k = 0; k < NDIMS; k++)
        scale[k] = -1;
    if (rc == 0) {
        o->string_type = H5Tcopy(H5T_C_S1);
        if (o->string_type < 0
            || H5Tset_size(o->string_type, H5T_VARIABLE) < 0
            || H5Tset_cset(o->string_type, H5T_CSET_UTF8) < 0)
            rc = output_fail(o, err, WS_EIO, "cannot make the string type");
    }
    if (rc == 0)
        rc = create_dimensions(o, m, bounds, scale, err);
    if (rc == 0)
        rc = create_month_coordinates(o, m, bounds, scale, err);
    if (rc == 0)
        rc = create_result_vars(o, scale, err);
    if (rc == 0)
        rc = create_static_vars(o, m, scale, err);
    if (rc == 0)
        rc = create_lots_group(o, err);
    if (rc == 0)
        rc = create_root_attributes(o, m, meta, err);
    for (int k = 0; k < NDIMS; k++)
        if (scale[k] >= 0 && H5Dclose(scale[k]) < 0 && rc == 0)
            rc = output_fail(o, err, WS_EIO, "cannot close %s", dim_names[k]);
    if (rc == 0 && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = output_fail(o, err, WS_EIO, "cannot flush the file");
    free(bounds);
    return rc;
}

int output_create(const char *path, const model *m, const output_meta *meta,
                  output **out, ws_error *err)
{
    ws_error ignored;           /* helpers read err->code back */
    if (!err)
        err = &ignored;
    *out = NULL;
    if (meta->nscenarios < 1 || meta->nreplications < 1)
        return ws_error_set(err, WS_ESOFTWARE, path, 0, 0,
                            "output needs at least one scenario and one "
                            "replication (got %d and %d)",
                            (int)meta->nscenarios, (int)meta->nreplications);
    output *o = output_alloc(path);
    if (!o)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");

    hdf5_quiet quiet;
    hdf5_quiet_begin(&quiet);
    int rc = output_build(o, m, meta, err);
    if (rc) {
        int created = o->file >= 0;
        output_close_ids(o);
        if (created)
            unlink(o->partial);
        output_free(o);
    } else {
        *out = o;
    }
    hdf5_quiet_end(&quiet);
    return rc;
}

/* ---- writing ----------------------------------------------------------- */

static int check_result(const output *o, const fab_result *r, ws_error *err)
{
    if ((hsize_t)r->scenario >= o->size[DIM_SCENARIO]
        || (hsize_t)r->replication >= o->size[DIM_REPLICATION])
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "replication (%u, %u) outside the file's "
                            "%llu scenarios x %llu replications",
                            (unsigned)r->scenario, (unsigned)r->replication,
                            (unsigned long long)o->size[DIM_SCENARIO],
                            (unsigned long long)o->size[DIM_REPLICATION]);
    if (r->nmonths < 0 || (hsize_t)r->nmonths != o->size[DIM_MONTH]
        || r->nproducts < 0 || (hsize_t)r->nproducts != o->size[DIM_PRODUCT]
        || r->ngroups < 0 || (hsize_t)r->ngroups != o->size[DIM_TOOL_GROUP])
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "result shape %d months x %d products x %d groups "
                            "does not match the file",
                            (int)r->nmonths, (int)r->nproducts,
                            (int)r->ngroups);
    size_t slot = (size_t)r->scenario * (size_t)o->size[DIM_REPLICATION]
                + r->replication;
    if (o->written[slot])
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "replication (%u, %u) written twice",
                            (unsigned)r->scenario, (unsigned)r->replication);
    for (size_t v = 0; v < NRESULT_VARS; v++) {
        double *const *field = (double *const *)(const void *)
            ((const char *)r + result_vars[v].field);
        if (!*field)
            return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                                "result has no %s", result_vars[v].name);
    }
    for (size_t i = 0; i < r->nlots; i++)
        if (r->lots[i].product < 0 || r->lots[i].product >= o->nproducts)
            return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                                "lot %zu has product %d of %d", i,
                                (int)r->lots[i].product, (int)o->nproducts);
    return 0;
}

/* Fills buf with column c of the lots; buf holds n 8-byte values. */
static const void *lot_column_values(const output *o, const fab_result *r,
                                     enum lot_column c, void *buf)
{
    int32_t *ints = buf;
    double *doubles = buf;
    const char **names = buf;
    for (size_t i = 0; i < r->nlots; i++) {
        const fab_lot_record *l = &r->lots[i];
        switch (c) {
        case LOT_SCENARIO:    ints[i] = (int32_t)r->scenario; break;
        case LOT_REPLICATION: ints[i] = (int32_t)r->replication; break;
        case LOT_PRODUCT:     names[i] = o->product_names[l->product]; break;
        case LOT_RELEASE:     doubles[i] = l->release_day; break;
        case LOT_FINISH:      doubles[i] = l->finish_day; break;
        /* NaN finish (still in the fab) gives a NaN cycle time. */
        case LOT_CYCLE:       doubles[i] = l->finish_day - l->release_day; break;
        case LOT_WAFERS:      ints[i] = l->wafers; break;
        case NLOT_COLUMNS:    break;
        }
    }
    return buf;
}

/* Extends d to `total` records and writes n values at `start`. */
static int append_column(output *o, hid_t d, hid_t mem_type, hsize_t start,
                         hsize_t n, const void *values, ws_error *err)
{
    char name[256];
    hsize_t total = start + n;
    if (H5Dset_extent(d, &total) < 0)
        return output_fail(o, err, WS_EIO, "cannot extend %s",
                           object_name(d, name, sizeof name));
    return dataset_write_slab(o, d, mem_type, 1, &start, &n, values, err);
}

static int append_lots(output *o, const fab_result *r, ws_error *err)
{
    if (r->nlots == 0)
        return 0;
    hsize_t n = r->nlots;
    /* One scratch buffer, its slots wide enough for any column's type. */
    void *buf = malloc(r->nlots
                       * sizeof(union { int64_t i; double d; char *s; }));
    if (!buf)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    int64_t *index = buf;
    for (size_t i = 0; i < r->nlots; i++)
        index[i] = (int64_t)(o->nlots + i);
    int rc = append_column(o, o->lot_coord, H5T_NATIVE_INT64, o->nlots, n,
                           index, err);
    for (int c = 0; c < NLOT_COLUMNS && rc == 0; c++) {
        hid_t mem_type = lot_columns[c].type == COLUMN_INT32 ? H5T_NATIVE_INT32
                       : lot_columns[c].type == COLUMN_DOUBLE
                           ? H5T_NATIVE_DOUBLE
                           : o->string_type;
        const void *values = lot_column_values(o, r, (enum lot_column)c, buf);
        rc = append_column(o, o->lot_column[c], mem_type, o->nlots, n, values,
                           err);
    }
    free(buf);
    if (rc == 0)
        o->nlots += n;
    return rc;
}

int output_write_replication(output *o, const fab_result *r, ws_error *err)
{
    ws_error ignored;
    if (!err)
        err = &ignored;
    int rc = check_result(o, r, err);
    if (rc)
        return rc;
    hdf5_quiet quiet;
    hdf5_quiet_begin(&quiet);
    for (size_t v = 0; v < NRESULT_VARS && rc == 0; v++) {
        const result_var *rv = &result_vars[v];
        hsize_t start[4] = {r->scenario, r->replication, 0, 0};
        hsize_t count[4] = {1, 1, 1, 1};
        for (int i = 2; i < rv->rank; i++)
            count[i] = o->size[rv->dims[i]];
        double *const *field = (double *const *)(const void *)
            ((const char *)r + rv->field);
        rc = dataset_write_slab(o, o->result[v], H5T_NATIVE_DOUBLE, rv->rank,
                                start, count, *field, err);
    }
    if (rc == 0)
        rc = append_lots(o, r, err);
    /* Flushing here is what makes a killed run's .partial readable. */
    if (rc == 0 && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = output_fail(o, err, WS_EIO, "cannot flush the file");
    if (rc == 0)
        o->written[(size_t)r->scenario * (size_t)o->size[DIM_REPLICATION]
                   + r->replication] = 1;
    hdf5_quiet_end(&quiet);
    return rc;
}

int output_finish(output *o, ws_error *err)
{
    hdf5_quiet quiet;
    hdf5_quiet_begin(&quiet);
    int rc = 0;
    if (output_close_ids(o) < 0)
        rc = output_fail(o, err, WS_EIO, "cannot close the file");
    hdf5_quiet_end(&quiet);
    if (rc == 0 && rename(o->partial, o->path) != 0)
        rc = ws_error_set(err, WS_EIO, o->path, 0, 0,
                          "cannot rename %s to %s: %s", o->partial, o->path,
                          strerror(errno));
    output_free(o);
    return rc;
}

void output_abort(output *o)
{
    if (!o)
        return;
    hdf5_quiet quiet;
    hdf5_quiet_begin(&quiet);
    output_close_ids(o);
    H5Eclear2(H5E_DEFAULT);
    hdf5_quiet_end(&quiet);
    unlink(o->partial);
    output_free(o);
}
