/* output_read.c - reading result files back: resuming a run from its
 * PATH.partial and merging the shard files of a distributed run.
 */
#include "output_state.h"
#include "h5file.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

/* ---- reading back: resume and merge ------------------------------------ */

/* An attribute's value as text, whatever its type, for comparing two
 * files' attributes; malloc'd, NULL on failure.  Strings are joined with
 * an ASCII record separator, numbers printed exactly. */
static char *attr_text(hid_t loc, const char *name, hid_t string_type)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    hid_t type = H5Aget_type(a), space = H5Aget_space(a);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    char *text = NULL;
    if (n >= 0 && cls == H5T_STRING) {
        char **v = calloc((size_t)n + 1, sizeof *v);
        if (v && H5Aread(a, string_type, v) >= 0) {
            size_t len = 1;
            for (hssize_t i = 0; i < n; i++)
                len += (v[i] ? strlen(v[i]) : 0) + 1;
            text = malloc(len);
            if (text) {
                char *at = text;
                for (hssize_t i = 0; i < n; i++)
                    at += sprintf(at, "%s\x1e", v[i] ? v[i] : "");
                *at = '\0';
            }
            H5Dvlen_reclaim(string_type, space, H5P_DEFAULT, v);
        }
        free(v);
    } else if (n >= 0 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
        int is_unsigned = cls == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE;
        hid_t mem = cls == H5T_FLOAT ? H5T_NATIVE_DOUBLE
                  : is_unsigned ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64;
        union { double d; uint64_t u; int64_t i; } *v = calloc((size_t)n + 1, sizeof *v);
        text = v ? malloc((size_t)n * 32 + 1) : NULL;
        if (text && H5Aread(a, mem, v) >= 0) {
            char *at = text;
            *at = '\0';
            for (hssize_t i = 0; i < n; i++)
                at += cls == H5T_FLOAT ? sprintf(at, "%.17g ", v[i].d)
                    : is_unsigned ? sprintf(at, "%llu ", (unsigned long long)v[i].u)
                                  : sprintf(at, "%lld ", (long long)v[i].i);
        } else {
            free(text);
            text = NULL;
        }
        free(v);
    }
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    H5Aclose(a);
    return text;
}

typedef struct attr_list {
    char **names;
    size_t count;
    size_t capacity;
} attr_list;

static herr_t collect_attr(hid_t loc, const char *name, const H5A_info_t *info,
                           void *data)
{
    (void)loc;
    (void)info;
    attr_list *l = data;
    if (l->count == l->capacity) {
        size_t cap = l->capacity ? 2 * l->capacity : 32;
        char **grown = realloc(l->names, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->names = grown;
        l->capacity = cap;
    }
    size_t n = strlen(name) + 1;
    l->names[l->count] = malloc(n);
    if (!l->names[l->count])
        return -1;
    memcpy(l->names[l->count++], name, n);
    return 0;
}

static void attr_list_free(attr_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
}

/* Compares the root attributes of two files except those in `skip`;
 * returns 0 when they agree, else -1 with the first differing name in
 * *which (static storage of the list, valid while `a` lives). */
static int same_run(hid_t a, hid_t b, const char *const *skip, hid_t string_type,
                    char *which, size_t which_size)
{
    attr_list la = {0}, lb = {0};
    int rc = 0;
    if (H5Aiterate2(a, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, collect_attr, &la) < 0
        || H5Aiterate2(b, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, collect_attr, &lb) < 0) {
        snprintf(which, which_size, "its attributes cannot be read");
        rc = -1;
    }
    for (size_t i = 0; i < la.count && rc == 0; i++) {
        int skipped = 0;
        for (const char *const *s = skip; *s; s++)
            skipped |= strcmp(*s, la.names[i]) == 0;
        if (skipped)
            continue;
        char *x = attr_text(a, la.names[i], string_type);
        char *y = attr_text(b, la.names[i], string_type);
        if (!x || !y || strcmp(x, y) != 0) {
            snprintf(which, which_size, "attribute %s differs", la.names[i]);
            rc = -1;
        }
        free(x);
        free(y);
    }
    if (rc == 0 && la.count != lb.count) {
        snprintf(which, which_size, "the attributes differ");
        rc = -1;
    }
    attr_list_free(&la);
    attr_list_free(&lb);
    return rc;
}

/* Opens every dataset of the existing file f->file into f and reads the
 * sizes into o. */
int open_ids(output *o, output_file *f, ws_error *err)
{
    if (o->string_type < 0)
        o->string_type = h5file_string_type();
    f->bool_type = H5Topen2(f->file, OUTPUT_BOOL_TYPE, H5P_DEFAULT);
    if (o->string_type < 0 || f->bool_type < 0)
        return h5file_fail(o->partial, err, WS_EIO,
                           "not a wafersim result file");
    for (size_t v = 0; v < NRESULT_VARS; v++)
        if ((f->result[v] = H5Dopen2(f->file, result_vars[v].name, H5P_DEFAULT)) < 0)
            return h5file_fail(o->partial, err, WS_EIO, "no dataset %s",
                               result_vars[v].name);
    for (int v = 0; v < NSCENARIO_VARS; v++)
        if ((f->scenario_var[v] = H5Dopen2(f->file, scenario_vars[v].name, H5P_DEFAULT)) < 0)
            return h5file_fail(o->partial, err, WS_EIO, "no dataset %s",
                               scenario_vars[v].name);
    f->task_done = H5Dopen2(f->file, "task_done", H5P_DEFAULT);
    f->task_lots = H5Dopen2(f->file, "task_lots", H5P_DEFAULT);
    f->lots_group = H5Gopen2(f->file, "lots", H5P_DEFAULT);
    if (f->task_done < 0 || f->task_lots < 0 || f->lots_group < 0)
        return h5file_fail(o->partial, err, WS_EIO,
                           "not a wafersim result file");
    f->lot_coord = H5Dopen2(f->lots_group, "lot", H5P_DEFAULT);
    if (f->lot_coord < 0)
        return h5file_fail(o->partial, err, WS_EIO, "no dataset lots/lot");
    for (int c = 0; c < NLOT_COLUMNS; c++)
        if ((f->lot_column[c] = H5Dopen2(f->lots_group, lot_columns[c].name, H5P_DEFAULT)) < 0)
            return h5file_fail(o->partial, err, WS_EIO, "no dataset lots/%s",
                               lot_columns[c].name);
    hsize_t dims[4];
    hid_t space = H5Dget_space(f->result[0]);
    int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (rank != 4)
        return h5file_fail(o->partial, err, WS_EIO,
                           "dataset %s has the wrong shape",
                           result_vars[0].name);
    o->size[DIM_SCENARIO] = dims[0];
    o->size[DIM_REPLICATION] = dims[1];
    o->size[DIM_MONTH] = dims[2];
    o->size[DIM_PRODUCT] = dims[3];
    space = H5Dget_space(f->scenario_var[SV_TOOLS]);
    rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (rank != 2)
        return h5file_fail(o->partial, err, WS_EIO,
                           "dataset tools has the wrong shape");
    o->size[DIM_TOOL_GROUP] = dims[1];
    for (int k = DIM_TOOL_STATE; k < NDIMS; k++) {
        hid_t d = H5Dopen2(f->file, dim_names[k], H5P_DEFAULT);
        space = d >= 0 ? H5Dget_space(d) : -1;
        rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
        if (space >= 0)
            H5Sclose(space);
        if (d >= 0)
            H5Dclose(d);
        if (rank != 1)
            return h5file_fail(o->partial, err, WS_EIO,
                               "no one-dimensional dataset %s", dim_names[k]);
        o->size[k] = dims[0];
    }
    if (o->size[DIM_TOOL_STATE] != TOOL_STATE_COUNT)
        return h5file_fail(o->partial, err, WS_EIO,
                           "dataset tool_state has the wrong length");
    space = H5Dget_space(f->lot_coord);
    rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (rank != 1)
        return h5file_fail(o->partial, err, WS_EIO,
                           "dataset lots/lot has the wrong shape");
    f->nlots = dims[0];
    return 0;
}

static size_t task_count(const output *o)
{
    return (size_t)o->size[DIM_SCENARIO] * (size_t)o->size[DIM_REPLICATION];
}

/* Reads a whole dataset of n elements. */
static int read_all(output *o, hid_t d, hid_t mem_type, void *buf, ws_error *err)
{
    char name[256];
    if (H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot read %s",
                           h5file_object_name(d, name, sizeof name));
    return 0;
}

/* The summary's per-replication figures and raw process times, from the
 * file, for the replications marked in o->written. */
static int load_summary(output *o, ws_error *err)
{
    size_t T = task_count(o), R = (size_t)o->size[DIM_REPLICATION];
    size_t P = (size_t)o->size[DIM_PRODUCT], S = (size_t)o->size[DIM_SCENARIO];
    /* The steady-state variables summary_add reads, slab by slab into a
     * fab_result whose fields point at [T][slab] buffers. */
    static const size_t fields[] = {
        offsetof(fab_result, throughput_wafers_per_day),
        offsetof(fab_result, mean_cycle_time_days),
        offsetof(fab_result, mean_wip_wafers),
        offsetof(fab_result, mean_utilisation),
        offsetof(fab_result, mean_wafers_scrapped_per_day),
        offsetof(fab_result, mean_on_time_share),
        offsetof(fab_result, mean_hot_cycle_time_days),
        offsetof(fab_result, mean_tool_state_share),
    };
    enum { NFIELDS = sizeof fields / sizeof fields[0] };
    double *buf[NFIELDS] = {NULL};
    size_t per[NFIELDS] = {0};
    size_t var[NFIELDS] = {0};
    double *raw = malloc((S * P + 1) * sizeof *raw);
    int rc = raw ? 0 : ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                                    "out of memory");
    for (size_t f = 0; f < NFIELDS && rc == 0; f++) {
        for (size_t v = 0; v < NRESULT_VARS; v++)
            if (result_vars[v].field == fields[f]
                && result_vars[v].source == FROM_FIELD)
                var[f] = v;
        per[f] = slab_size(o, &result_vars[var[f]]);
        buf[f] = malloc((T * per[f] + 1) * sizeof(double));
        if (!buf[f]) {
            rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
            break;
        }
        for (size_t i = 0; i < T * per[f]; i++)
            buf[f][i] = NAN;
    }
    /* Slab by slab, the written ones only: a run killed while writing may
     * leave a damaged chunk of a replication that is not marked done, and
     * reading it would fail though it is rewritten on resume. */
    for (size_t f = 0; f < NFIELDS && rc == 0; f++) {
        const result_var *rv = &result_vars[var[f]];
        for (size_t t = 0; t < T && rc == 0; t++) {
            if (!o->written[t] || per[f] == 0)
                continue;
            hsize_t start[MAX_RANK] = {t / R, t % R, 0, 0, 0};
            hsize_t count[MAX_RANK] = {1, 1, 1, 1, 1};
            for (int i = 2; i < rv->rank; i++)
                count[i] = o->size[rv->dims[i]];
            hsize_t n = per[f];
            hid_t fs = H5Dget_space(o->f.result[var[f]]);
            hid_t ms = H5Screate_simple(1, &n, NULL);
            if (fs < 0 || ms < 0
                || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0
                || H5Dread(o->f.result[var[f]], H5T_NATIVE_DOUBLE, ms, fs,
                           H5P_DEFAULT, buf[f] + t * per[f]) < 0)
                rc = h5file_fail(o->partial, err, WS_EIO, "cannot read %s of "
                                 "replication (%zu, %zu)", rv->name, t / R,
                                 t % R);
            if (ms >= 0)
                H5Sclose(ms);
            if (fs >= 0)
                H5Sclose(fs);
        }
    }
    if (rc == 0)
        rc = read_all(o, o->f.scenario_var[SV_RAW_TIME], H5T_NATIVE_DOUBLE, raw, err);
    for (size_t s = 0; s < S && rc == 0; s++)
        summary_set_raw_process_times(o->sum, (int32_t)s, raw + s * P);
    for (size_t t = 0; t < T && rc == 0; t++) {
        if (!o->written[t])
            continue;
        fab_result r = {.replication = (uint32_t)(t % R)};
        for (size_t f = 0; f < NFIELDS; f++)
            *(double **)(void *)((char *)&r + fields[f]) = buf[f] + t * per[f];
        summary_add_result(o->sum, (int32_t)(t / R), &r);
    }
    for (size_t f = 0; f < NFIELDS; f++)
        free(buf[f]);
    free(raw);
    return rc;
}

/* Cuts every lots column of f to n records. */
static int truncate_lots(output *o, output_file *f, hsize_t n, ws_error *err)
{
    char name[256];
    if (H5Dset_extent(f->lot_coord, &n) < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot resize lots/lot");
    for (int c = 0; c < NLOT_COLUMNS; c++)
        if (H5Dset_extent(f->lot_column[c], &n) < 0)
            return h5file_fail(
                o->partial, err, WS_EIO, "cannot resize %s",
                h5file_object_name(f->lot_column[c], name, sizeof name));
    f->nlots = n;
    return 0;
}

/* Opens a file for writing with a strong close. */
hid_t open_rdwr(const char *path)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0)
        f = H5Fopen(path, H5F_ACC_RDWR, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

/* The root attributes a run with m and meta would write, in an in-memory
 * file, to compare with an existing file's. */
static hid_t expected_attributes(output *o, const model *m, const output_meta *meta,
                                 ws_error *err)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fcpl >= 0 && fapl >= 0
        && H5Pset_attr_creation_order(fcpl, H5FILE_CRT_ORDER) >= 0
        && H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0)
        f = H5Fcreate("expected", H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (f < 0) {
        h5file_fail(o->partial, err, WS_EIO, "cannot make an in-memory file");
        return -1;
    }
    hid_t real = o->f.file;
    o->f.file = f;
    int rc = create_root_attributes(o, m, meta, err);
    o->f.file = real;
    if (rc) {
        H5Fclose(f);
        return -1;
    }
    return f;
}

/* Which file of the pair PATH.partial links to.  A plain PATH.partial (of
 * wafersim before the pair; *plain is set) is first copied to
 * PATH.partial.a and replaced by a link to it.  WS_ENOINPUT when there is
 * no PATH.partial. */
static int find_linked(output *o, int *which, int *plain, ws_error *err)
{
    struct stat st;
    *plain = 0;
    if (lstat(o->partial, &st) != 0)
        return ws_error_set(err, WS_ENOINPUT, o->partial, 0, 0,
                            "nothing to resume: %s", strerror(errno));
    if (S_ISREG(st.st_mode)) {
        *which = 0;
        *plain = 1;
        int rc = copy_file(o->partial, o->pair[0], err);
        return rc ? rc : link_to(o, 0, err);
    }
    char target[256];
    ssize_t n = S_ISLNK(st.st_mode)
                    ? readlink(o->partial, target, sizeof target - 1) : -1;
    target[n > 0 ? n : 0] = '\0';
    for (int k = 0; k < 2; k++)
        if (strcmp(target, pair_name(o, k)) == 0) {
            *which = k;
            return 0;
        }
    return ws_error_set(err, WS_EUSAGE, o->partial, 0, 0,
                        "cannot resume: it is neither a file nor a link to "
                        "%s or %s", pair_name(o, 0), pair_name(o, 1));
}

int output_resume(const char *path, const model *m, const output_meta *meta,
                  output **out, ws_error *err)
{
    ws_error ignored;
    if (!err)
        err = &ignored;
    *out = NULL;
    output *o = output_alloc(path);
    if (!o)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    o->paired = 1;
    int live = 0, plain = 0;
    int rc = dir_open(o, err);
    if (rc == 0)
        rc = find_linked(o, &live, &plain, err);
    /* The file not linked is made a copy of the linked one, and all the
     * checks and changes below happen in the copy; it is linked once they
     * are done, so a failed or killed resume leaves the link as it was. */
    int spare = 1 - live;
    if (rc == 0)
        rc = copy_file(o->pair[live], o->pair[spare], err);
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    if (rc == 0) {
        o->f.which = spare;
        o->other.which = live;
        o->f.file = open_rdwr(o->pair[spare]);
        if (o->f.file < 0)
            rc = h5file_fail(o->partial, err, WS_EIO,
                             "cannot open the file to resume it");
    }
    if (rc == 0)
        rc = open_ids(o, &o->f, err);
    if (rc == 0) {
        hid_t expected = expected_attributes(o, m, meta, err);
        char which[300];
        static const char *const skip[] = {"command_line", NULL};
        if (expected < 0)
            rc = err->code;
        else if (same_run(expected, o->f.file, skip, o->string_type, which,
                          sizeof which) != 0)
            rc = ws_error_set(err, WS_EUSAGE, o->partial, 0, 0,
                              "cannot resume: the file is from another run "
                              "(%s); delete it or change -o", which);
        if (expected >= 0)
            H5Fclose(expected);
    }
    if (rc == 0 && (o->size[DIM_SCENARIO] != (hsize_t)meta->nscenarios
                    || o->size[DIM_REPLICATION] != (hsize_t)meta->nreplications
                    || o->size[DIM_PRODUCT] != (hsize_t)m->nproducts
                    || o->size[DIM_TOOL_GROUP] != (hsize_t)m->ngroups
                    || o->size[DIM_TIME_CONSTRAINT] != (hsize_t)m->nconstraints
                    || o->size[DIM_AREA] != (hsize_t)model_area_count(m)
                    || o->size[DIM_DISRUPTION] != (hsize_t)m->ndisruptions
                    || (int64_t)o->size[DIM_MONTH] != fab_month_count(m)))
        rc = ws_error_set(err, WS_EUSAGE, o->partial, 0, 0,
                          "cannot resume: the file's shape differs from this run's");
    if (rc == 0) {
        o->start_date = m->start_date;
        o->horizon_days = m->horizon_days;
        o->warmup_days = m->warmup_days;
        const char **names = malloc(((size_t)m->nproducts + (size_t)m->ngroups + 1)
                                    * sizeof *names);
        if (!names)
            rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
        for (int32_t p = 0; names && p < m->nproducts; p++)
            names[p] = m->products[p].name;
        for (int32_t g = 0; names && g < m->ngroups; g++)
            names[m->nproducts + g] = m->groups[g].name;
        if (rc == 0)
            rc = init_memory(o, names, names + m->nproducts, err);
        free(names);
    }
    if (rc == 0)
        rc = label_points(o, meta->design, err);
    /* Keep the replications marked done, and exactly their lots: a run
     * killed between appending lots and marking its task leaves extra
     * records at the end, which go. */
    size_t T = rc == 0 ? task_count(o) : 0;
    signed char *done = rc == 0 ? malloc(T + 1) : NULL;
    int64_t *nlots = rc == 0 ? malloc((T + 1) * sizeof *nlots) : NULL;
    if (rc == 0 && (!done || !nlots))
        rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    if (rc == 0)
        rc = read_all(o, o->f.task_done, o->f.bool_type, done, err);
    if (rc == 0)
        rc = read_all(o, o->f.task_lots, H5T_NATIVE_INT64, nlots, err);
    hsize_t keep = 0;
    for (size_t t = 0; t < T && rc == 0; t++) {
        o->written[t] = done[t] != 0;
        if (done[t])
            keep += (hsize_t)nlots[t];
    }
    free(done);
    free(nlots);
    if (rc == 0 && keep > o->f.nlots)
        rc = ws_error_set(err, WS_EIO, o->partial, 0, 0,
                          "cannot resume: the lots group is shorter than its "
                          "replications claim; delete the file to start again");
    if (rc == 0 && keep < o->f.nlots)
        rc = truncate_lots(o, &o->f, keep, err);
    if (rc == 0)
        rc = load_summary(o, err);
    if (rc == 0)
        rc = file_sync(o, &o->f, err);
    if (rc == 0)
        rc = link_to(o, spare, err);
    /* The file linked before is now the other one: it may be written. */
    if (rc == 0)
        rc = open_pair_file(o, &o->other, live, err);
    if (rc == 0 && keep < o->other.nlots)
        rc = truncate_lots(o, &o->other, keep, err);
    /* Only the older, plain file can be damaged by a kill. */
    if (rc == WS_EIO && plain && !strstr(err->message, "start again")) {
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, "%s",
                 " (a plain .partial of an older wafersim killed while HDF5 "
                 "was writing can be damaged; delete it to start again)");
    }
    if (rc) {
        output_close_ids(o);
        output_free(o);
    } else {
        *out = o;
    }
    h5file_quiet_end(&quiet);
    return rc;
}

/* Copies the file src to dst byte for byte, and syncs dst. */
int copy_file(const char *src, const char *dst, ws_error *err)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return ws_error_set(err, WS_ENOINPUT, src, 0, 0, "cannot read: %s",
                            strerror(errno));
    FILE *out = fopen(dst, "wb");
    if (!out) {
        int e = errno;
        fclose(in);
        return ws_error_set(err, WS_ECANTCREAT, dst, 0, 0,
                            "cannot create the output file: %s", strerror(e));
    }
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            rc = ws_error_set(err, WS_EIO, dst, 0, 0, "cannot write: %s",
                              strerror(errno));
            break;
        }
    if (rc == 0 && ferror(in))
        rc = ws_error_set(err, WS_EIO, src, 0, 0, "cannot read: %s",
                          strerror(errno));
    fclose(in);
    if (rc == 0 && (fflush(out) != 0 || fsync(fileno(out)) != 0))
        rc = ws_error_set(err, WS_EIO, dst, 0, 0, "cannot write: %s",
                          strerror(errno));
    if (fclose(out) != 0 && rc == 0)
        rc = ws_error_set(err, WS_EIO, dst, 0, 0, "cannot write: %s",
                          strerror(errno));
    return rc;
}

static int read_int_attr(hid_t loc, const char *name, int32_t *out)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t s = H5Aread(a, H5T_NATIVE_INT32, out);
    H5Aclose(a);
    return s < 0 ? -1 : 0;
}

static int write_int_attr(hid_t loc, const char *name, int32_t value)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t s = H5Awrite(a, H5T_NATIVE_INT32, &value);
    H5Aclose(a);
    return s < 0 ? -1 : 0;
}

static int write_string_attr(hid_t loc, const char *name, hid_t type,
                             const char *value)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t s = H5Awrite(a, type, &value);
    H5Aclose(a);
    return s < 0 ? -1 : 0;
}

/* Reads a 1-D vlen string dataset of n names. */
static char **read_names(output *o, hid_t file, const char *name, size_t n,
                         ws_error *err)
{
    char **v = calloc(n + 1, sizeof *v);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    char **copy = NULL;
    if (v && d >= 0 && H5Dread(d, o->string_type, H5S_ALL, H5S_ALL,
                               H5P_DEFAULT, v) >= 0) {
        copy = copy_names((const char *const *)v, (int32_t)n);
        hid_t space = H5Dget_space(d);
        H5Dvlen_reclaim(o->string_type, space, H5P_DEFAULT, v);
        H5Sclose(space);
    }
    if (!copy)
        h5file_fail(o->partial, err, WS_EIO, "cannot read %s", name);
    if (d >= 0)
        H5Dclose(d);
    free(v);
    return copy;
}

/* Labels of the points of a merged sweep, from its coordinates. */
static int label_points_from_file(output *o, ws_error *err)
{
    if (H5Lexists(o->f.file, "parameter", H5P_DEFAULT) <= 0)
        return 0;
    hid_t d = H5Dopen2(o->f.file, "parameter", H5P_DEFAULT);
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    if (np < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot read parameter");
    char **params = read_names(o, o->f.file, "parameter", (size_t)np, err);
    if (!params)
        return err->code;
    size_t S = (size_t)o->size[DIM_SCENARIO];
    sweep_design dsg = {0};
    dsg.nparams = (int32_t)np;
    dsg.npoints = (int32_t)S;
    dsg.params = params;
    dsg.values = calloc(S * (size_t)np + 1, sizeof *dsg.values);
    double *column = malloc((S + 1) * sizeof *column);
    int rc = dsg.values && column ? 0
             : ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    for (hssize_t j = 0; j < np && rc == 0; j++) {
        hid_t v = H5Dopen2(o->f.file, params[j], H5P_DEFAULT);
        hid_t t = v >= 0 ? H5Dget_type(v) : -1;
        int is_string = t >= 0 && H5Tget_class(t) == H5T_STRING;
        char **texts = NULL;
        if (t >= 0)
            H5Tclose(t);
        if (v >= 0)
            H5Dclose(v);
        if (is_string)
            texts = read_names(o, o->f.file, params[j], S, err);
        else if ((v = H5Dopen2(o->f.file, params[j], H5P_DEFAULT)) >= 0) {
            rc = read_all(o, v, H5T_NATIVE_DOUBLE, column, err);
            H5Dclose(v);
        } else {
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot open %s",
                             params[j]);
        }
        for (size_t p = 0; p < S && rc == 0; p++) {
            char num[40];
            snprintf(num, sizeof num, "%.17g", is_string ? 0.0 : column[p]);
            const char *text = is_string ? (texts ? texts[p] : "") : num;
            size_t n = strlen(text) + 1;
            char *c = malloc(n);
            if (!c) {
                rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
                break;
            }
            memcpy(c, text, n);
            dsg.values[p * (size_t)np + (size_t)j] = c;
        }
        free_names(texts, (int32_t)S);
    }
    if (rc == 0)
        rc = label_points(o, &dsg, err);
    free_names(dsg.values, (int32_t)(S * (size_t)np));
    free_names(params, (int32_t)np);
    free(column);
    return rc;
}

/* One shard, opened for reading. */
typedef struct shard_file {
    const char *path;
    hid_t file;
    int32_t index;
    signed char *done;          /* [task] */
    int64_t *nlots;             /* [task] */
} shard_file;

/* Bytes of one element of a lots column in memory. */
static size_t column_size(enum column_type t)
{
    return t == COLUMN_INT32 ? sizeof(int32_t)
         : t == COLUMN_DOUBLE ? sizeof(double) : sizeof(char *);
}

static hid_t column_mem_type(const output *o, enum column_type t)
{
    return t == COLUMN_INT32 ? H5T_NATIVE_INT32
         : t == COLUMN_DOUBLE ? H5T_NATIVE_DOUBLE : o->string_type;
}

/* Rewrites the lots group of o with the records of every shard in task
 * order, as an unsharded run appends them. */
static int merge_lots(output *o, shard_file *shards, int32_t n,
                      const int32_t *owner, ws_error *err)
{
    size_t T = task_count(o);
    hsize_t total = 0;
    for (size_t t = 0; t < T; t++)
        total += (hsize_t)shards[owner[t]].nlots[t];
    /* Emptied first: overwriting variable-length strings in place makes
     * HDF5 free each old one from the global heap, which took most of the
     * merge's time. */
    int rc = truncate_lots(o, &o->f, 0, err);
    for (int c = -1; c < NLOT_COLUMNS && rc == 0; c++) {
        enum column_type type = c < 0 ? COLUMN_DOUBLE : lot_columns[c].type;
        size_t size = c < 0 ? sizeof(int64_t) : column_size(type);
        hid_t mem = c < 0 ? H5T_NATIVE_INT64 : column_mem_type(o, type);
        const char *name = c < 0 ? "lot" : lot_columns[c].name;
        char *merged = malloc((size_t)total * size + 1);
        char **shard_data = calloc((size_t)n, sizeof *shard_data);
        hssize_t *lens = calloc((size_t)n, sizeof *lens);
        if (!merged || !shard_data || !lens) {
            free(merged);
            free(shard_data);
            free(lens);
            return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
        }
        for (int32_t i = 0; i < n && rc == 0; i++) {
            hid_t g = H5Gopen2(shards[i].file, "lots", H5P_DEFAULT);
            hid_t d = g >= 0 ? H5Dopen2(g, name, H5P_DEFAULT) : -1;
            hid_t space = d >= 0 ? H5Dget_space(d) : -1;
            hssize_t len = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
            lens[i] = len > 0 ? len : 0;
            shard_data[i] = len >= 0 ? calloc((size_t)len + 1, size) : NULL;
            if (!shard_data[i] || (len > 0 && H5Dread(d, mem, H5S_ALL, H5S_ALL,
                                                      H5P_DEFAULT, shard_data[i]) < 0))
                rc = ws_error_set(err, WS_EIO, shards[i].path, 0, 0,
                                  "cannot read lots/%s", name);
            if (space >= 0)
                H5Sclose(space);
            if (d >= 0)
                H5Dclose(d);
            if (g >= 0)
                H5Gclose(g);
        }
        /* Shard i holds its tasks' records in task order. */
        int64_t *offset = calloc((size_t)n, sizeof *offset);
        hsize_t at = 0;
        for (size_t t = 0; t < T && rc == 0 && offset; t++) {
            int32_t i = owner[t];
            size_t count = (size_t)shards[i].nlots[t];
            if (shards[i].nlots[t] < 0 || offset[i] + shards[i].nlots[t] > lens[i]) {
                rc = ws_error_set(err, WS_EUSAGE, shards[i].path, 0, 0,
                                  "lots group shorter than task_lots claims");
                break;
            }
            memcpy(merged + (size_t)at * size,
                   shard_data[i] + (size_t)offset[i] * size, count * size);
            offset[i] += (int64_t)count;
            at += count;
        }
        if (!offset && rc == 0)
            rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
        if (c < 0)
            for (hsize_t k = 0; k < total; k++)
                ((int64_t *)(void *)merged)[k] = (int64_t)k;
        hid_t d = c < 0 ? o->f.lot_coord : o->f.lot_column[c];
        if (rc == 0 && H5Dset_extent(d, &total) < 0)
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot resize lots/%s",
                             name);
        hsize_t zero = 0;
        if (rc == 0)
            rc = h5file_dataset_write_slab(o->partial, d, mem, 1, &zero, &total,
                                           merged, err);
        /* Strings were read as pointers into HDF5's memory, one set per shard. */
        for (int32_t i = 0; i < n; i++) {
            if (type == COLUMN_STRING && shard_data[i] && c >= 0)
                for (hssize_t k = 0; k < lens[i]; k++)
                    H5free_memory(((char **)(void *)shard_data[i])[k]);
            free(shard_data[i]);
        }
        free(shard_data);
        free(lens);
        free(offset);
        free(merged);
    }
    o->f.nlots = total;
    return rc;
}

/* Copies the slabs of the tasks shard s holds into o. */
static int merge_slabs(output *o, const shard_file *s, ws_error *err)
{
    size_t T = task_count(o), R = (size_t)o->size[DIM_REPLICATION];
    int rc = 0;
    for (size_t v = 0; v < NRESULT_VARS && rc == 0; v++) {
        const result_var *rv = &result_vars[v];
        size_t per = slab_size(o, rv);
        hsize_t count[MAX_RANK] = {1, 1, 1, 1, 1};
        for (int i = 2; i < rv->rank; i++)
            count[i] = o->size[rv->dims[i]];
        double *buf = malloc((T * per + 1) * sizeof *buf);
        hid_t d = H5Dopen2(s->file, rv->name, H5P_DEFAULT);
        if (!buf || d < 0 || (per > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL,
                                                 H5S_ALL, H5P_DEFAULT, buf) < 0))
            rc = ws_error_set(err, WS_EIO, s->path, 0, 0, "cannot read %s", rv->name);
        for (size_t t = 0; t < T && rc == 0; t++) {
            if (!s->done[t])
                continue;
            hsize_t start[MAX_RANK] = {t / R, t % R, 0, 0, 0};
            rc = h5file_dataset_write_slab(o->partial, o->f.result[v],
                                           H5T_NATIVE_DOUBLE, rv->rank, start,
                                           count, buf + t * per, err);
        }
        if (d >= 0)
            H5Dclose(d);
        free(buf);
    }
    for (size_t t = 0; t < T && rc == 0; t++) {
        if (!s->done[t])
            continue;
        hsize_t start[2] = {t / R, t % R}, one[2] = {1, 1};
        signed char yes = 1;
        rc = h5file_dataset_write_slab(o->partial, o->f.task_lots,
                                       H5T_NATIVE_INT64, 2, start, one,
                                       &s->nlots[t], err);
        if (rc == 0)
            rc = h5file_dataset_write_slab(o->partial, o->f.task_done,
                                           o->f.bool_type, 2, start, one, &yes,
                                           err);
    }
    return rc;
}

/* Opens the shards and checks that they make one whole run. */
static int open_shards(output *o, shard_file *sh, int32_t n, int32_t *owner,
                       size_t *tasks, ws_error *err)
{
    static const char *const skip[] = {"command_line", "shard_index", NULL};
    for (int32_t i = 0; i < n; i++) {
        if (access(sh[i].path, R_OK) != 0)
            return ws_error_set(err, WS_ENOINPUT, sh[i].path, 0, 0,
                                "cannot read: %s", strerror(errno));
        sh[i].file = H5Fopen(sh[i].path, H5F_ACC_RDONLY, H5P_DEFAULT);
        char *software = sh[i].file >= 0
                             ? attr_text(sh[i].file, "software", o->string_type) : NULL;
        int ok = software && strcmp(software, "wafersim\x1e") == 0;
        free(software);
        int32_t count = 0;
        if (!ok || read_int_attr(sh[i].file, "shard_index", &sh[i].index) != 0
            || read_int_attr(sh[i].file, "shard_count", &count) != 0)
            return ws_error_set(err, WS_EUSAGE, sh[i].path, 0, 0,
                                "not a wafersim result file");
        if (count != n)
            return ws_error_set(err, WS_EUSAGE, sh[i].path, 0, 0,
                                "is shard %d/%d, but %d shard files were given",
                                (int)sh[i].index, (int)count, (int)n);
        int32_t version = 0;
        if (read_int_attr(sh[i].file, "format_version", &version) != 0
            || version != OUTPUT_FORMAT_VERSION)
            return ws_error_set(err, WS_EUSAGE, sh[i].path, 0, 0,
                                "has format_version %d; this wafersim merges "
                                "format_version %d files", (int)version,
                                OUTPUT_FORMAT_VERSION);
        char which[300];
        if (i > 0 && same_run(sh[0].file, sh[i].file, skip, o->string_type,
                              which, sizeof which) != 0)
            return ws_error_set(err, WS_EUSAGE, sh[i].path, 0, 0,
                                "not from the same run as %s (%s)", sh[0].path,
                                which);
        for (int32_t j = 0; j < i; j++)
            if (sh[j].index == sh[i].index)
                return ws_error_set(err, WS_EUSAGE, sh[i].path, 0, 0,
                                    "is shard %d/%d, like %s", (int)sh[i].index,
                                    (int)n, sh[j].path);
    }
    /* n distinct indices in [0, n): none is missing. */
    hid_t d = H5Dopen2(sh[0].file, "task_done", H5P_DEFAULT);
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hssize_t T = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    if (T < 0)
        return ws_error_set(err, WS_EUSAGE, sh[0].path, 0, 0,
                            "not a wafersim result file (no task_done)");
    *tasks = (size_t)T;
    hid_t bool_type = H5Topen2(sh[0].file, OUTPUT_BOOL_TYPE, H5P_DEFAULT);
    for (hssize_t t = 0; t < T; t++)
        owner[t] = -1;
    int rc = bool_type < 0 ? ws_error_set(err, WS_EUSAGE, sh[0].path, 0, 0,
                                          "not a wafersim result file") : 0;
    for (int32_t i = 0; i < n && rc == 0; i++) {
        sh[i].done = malloc((size_t)T + 1);
        sh[i].nlots = malloc(((size_t)T + 1) * sizeof *sh[i].nlots);
        hid_t dd = H5Dopen2(sh[i].file, "task_done", H5P_DEFAULT);
        hid_t dl = H5Dopen2(sh[i].file, "task_lots", H5P_DEFAULT);
        if (!sh[i].done || !sh[i].nlots || dd < 0 || dl < 0
            || H5Dread(dd, bool_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, sh[i].done) < 0
            || H5Dread(dl, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       sh[i].nlots) < 0)
            rc = ws_error_set(err, WS_EIO, sh[i].path, 0, 0,
                              "cannot read task_done and task_lots");
        if (dd >= 0)
            H5Dclose(dd);
        if (dl >= 0)
            H5Dclose(dl);
        for (hssize_t t = 0; t < T && rc == 0; t++) {
            if (!sh[i].done[t])
                continue;
            if (owner[t] >= 0)
                rc = ws_error_set(err, WS_EUSAGE, sh[i].path, 0, 0,
                                  "task %lld is also in %s", (long long)t,
                                  sh[owner[t]].path);
            owner[t] = i;
        }
    }
    if (bool_type >= 0)
        H5Tclose(bool_type);
    for (hssize_t t = 0; t < T && rc == 0; t++)
        if (owner[t] < 0)
            rc = ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                              "task %lld (shard %lld/%d) is in none of the "
                              "files: is that shard unfinished?", (long long)t,
                              (long long)(t % n), (int)n);
    return rc;
}

int output_merge(const char *path, const char *const *shards, int32_t nshards,
                 const char *command_line, summary **summary_out, ws_error *err)
{
    ws_error ignored;
    if (!err)
        err = &ignored;
    if (nshards < 1)
        return ws_error_set(err, WS_EUSAGE, NULL, 0, 0, "no shard files given");
    output *o = output_alloc(path);
    shard_file *sh = calloc((size_t)nshards, sizeof *sh);
    if (!o || !sh) {
        free(sh);
        if (o)
            output_free(o);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    for (int32_t i = 0; i < nshards; i++) {
        sh[i].path = shards[i];
        sh[i].file = -1;
    }
    o->string_type = h5file_string_type();
    int32_t *owner = NULL;
    size_t T = 0;
    int rc = o->string_type < 0
        ? h5file_fail(o->partial, err, WS_EIO, "no string type")
        : 0;
    /* The number of tasks is known only once a shard is open; size the
     * owner table generously from the first file. */
    if (rc == 0) {
        hid_t f = access(shards[0], R_OK) == 0
                      ? H5Fopen(shards[0], H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
        hid_t d = f >= 0 ? H5Dopen2(f, "task_done", H5P_DEFAULT) : -1;
        hid_t space = d >= 0 ? H5Dget_space(d) : -1;
        hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : 0;
        if (space >= 0)
            H5Sclose(space);
        if (d >= 0)
            H5Dclose(d);
        if (f >= 0)
            H5Fclose(f);
        owner = malloc(((size_t)n + 1) * sizeof *owner);
        if (!owner)
            rc = ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    if (rc == 0)
        rc = open_shards(o, sh, nshards, owner, &T, err);
    int32_t first = 0;
    for (int32_t i = 0; i < nshards; i++)
        if (rc == 0 && sh[i].index == 0)
            first = i;
    H5Tclose(o->string_type);
    o->string_type = -1;
    int created = 0;
    if (rc == 0) {
        /* Not through a link a killed run left there: replaced. */
        unlink(o->partial);
        rc = copy_file(sh[first].path, o->partial, err);
        created = rc == 0;
    }
    if (rc == 0 && (o->f.file = open_rdwr(o->partial)) < 0)
        rc = h5file_fail(o->partial, err, WS_EIO,
                         "cannot open the merged file");
    if (rc == 0)
        rc = open_ids(o, &o->f, err);
    if (rc == 0 && task_count(o) != T)
        rc = ws_error_set(err, WS_EUSAGE, sh[first].path, 0, 0,
                          "inconsistent task count");
    char **products = NULL, **groups = NULL;
    if (rc == 0) {
        products = read_names(o, o->f.file, "product", (size_t)o->size[DIM_PRODUCT], err);
        groups = products ? read_names(o, o->f.file, "tool_group",
                                       (size_t)o->size[DIM_TOOL_GROUP], err) : NULL;
        rc = groups ? init_memory(o, (const char *const *)products,
                                  (const char *const *)groups, err)
                    : err->code;
    }
    free_names(products, (int32_t)o->size[DIM_PRODUCT]);
    free_names(groups, (int32_t)o->size[DIM_TOOL_GROUP]);
    if (rc == 0)
        rc = label_points_from_file(o, err);
    for (int32_t i = 0; i < nshards && rc == 0; i++)
        if (i != first)
            rc = merge_slabs(o, &sh[i], err);
    if (rc == 0)
        rc = merge_lots(o, sh, nshards, owner, err);
    for (size_t t = 0; t < T && rc == 0; t++)
        o->written[t] = 1;
    if (rc == 0 && (write_int_attr(o->f.file, "shard_index", 0) != 0
                    || write_int_attr(o->f.file, "shard_count", 1) != 0
                    || write_string_attr(o->f.file, "command_line", o->string_type,
                                         command_line) != 0))
        rc = h5file_fail(o->partial, err, WS_EIO,
                         "cannot update the attributes");
    if (rc == 0)
        rc = load_summary(o, err);
    for (int32_t i = 0; i < nshards; i++) {
        if (sh[i].file >= 0)
            H5Fclose(sh[i].file);
        free(sh[i].done);
        free(sh[i].nlots);
    }
    free(sh);
    free(owner);
    h5file_quiet_end(&quiet);
    if (rc == 0)
        return output_finish(o, summary_out, err);
    output_close_ids(o);
    if (created)
        unlink(o->partial);
    output_free(o);
    return rc;
}
