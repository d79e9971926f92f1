/* output.c - the HDF5 result file (the layout is docs/output-format.md).
 *
 * Written with the plain HDF5 C API plus dimension scales (H5DS), which is
 * all netCDF-4 readers need: xarray (h5netcdf), h5py and ncdump open the
 * file with no extra arguments, and we do not depend on netCDF-C.
 *
 * Every dataset is created full-size up front with a NaN fill value, so a
 * replication that was never written reads as NaN; each replication fills
 * one chunk per variable.  A run writes two files and links PATH.partial
 * to the one flushed last in full ("the pair", below), so a killed run
 * leaves a readable PATH.partial holding every replication committed.
 *
 * Determinism: object time stamps are switched off and no wall-clock time is
 * written, so the same run gives the same bytes.
 *
 * HDF5 failures become ws_error values whose message names what we were
 * doing and the innermost HDF5 reason; HDF5's own error printing is switched
 * off for the duration of each public call and restored afterwards.
 *
 * This file creates, writes and finishes a file; output_layout.c holds the
 * layout and output_read.c reads files back (resume, merge), around the
 * state in output_state.h.
 */
#include "output_state.h"
#include "h5file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

/* ---- lifetime ---------------------------------------------------------- */

static void file_init(output_file *f)
{
    f->file = f->bool_type = f->task_done = f->task_lots = -1;
    f->lots_group = f->lot_coord = -1;
    for (size_t v = 0; v < NRESULT_VARS; v++)
        f->result[v] = -1;
    for (int v = 0; v < NSCENARIO_VARS; v++)
        f->scenario_var[v] = -1;
    for (int c = 0; c < NLOT_COLUMNS; c++)
        f->lot_column[c] = -1;
    f->nlots = 0;
    f->which = -1;
}

/* path followed by suffix, in a new string. */
char *path_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    char *s = malloc(n + k + 1);
    if (s) {
        memcpy(s, path, n);
        memcpy(s + n, suffix, k + 1);
    }
    return s;
}

output *output_alloc(const char *path)
{
    output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    file_init(&o->f);
    file_init(&o->other);
    o->string_type = -1;
    o->dir_fd = o->linked = -1;
    o->path = path_with(path, "");
    o->partial = path_with(path, ".partial");
    o->pair[0] = path_with(path, ".partial.a");
    o->pair[1] = path_with(path, ".partial.b");
    o->new_link = path_with(path, ".partial.new");
    if (!o->path || !o->partial || !o->pair[0] || !o->pair[1]
        || !o->new_link) {
        free(o->path);
        free(o->partial);
        free(o->pair[0]);
        free(o->pair[1]);
        free(o->new_link);
        free(o);
        return NULL;
    }
    return o;
}

/* Closes every open id of f, the file last; returns -1 if any close
 * failed. */
int file_close(output_file *f)
{
    int status = 0;
    for (int c = 0; c < NLOT_COLUMNS; c++)
        if (f->lot_column[c] >= 0 && H5Dclose(f->lot_column[c]) < 0)
            status = -1;
    if (f->lot_coord >= 0 && H5Dclose(f->lot_coord) < 0)
        status = -1;
    if (f->lots_group >= 0 && H5Gclose(f->lots_group) < 0)
        status = -1;
    for (size_t v = 0; v < NRESULT_VARS; v++)
        if (f->result[v] >= 0 && H5Dclose(f->result[v]) < 0)
            status = -1;
    for (int v = 0; v < NSCENARIO_VARS; v++)
        if (f->scenario_var[v] >= 0 && H5Dclose(f->scenario_var[v]) < 0)
            status = -1;
    if (f->task_done >= 0 && H5Dclose(f->task_done) < 0)
        status = -1;
    if (f->task_lots >= 0 && H5Dclose(f->task_lots) < 0)
        status = -1;
    if (f->bool_type >= 0 && H5Tclose(f->bool_type) < 0)
        status = -1;
    if (f->file >= 0 && H5Fclose(f->file) < 0)
        status = -1;
    int which = f->which;
    file_init(f);
    f->which = which;
    return status;
}

/* Closes both files and the string type; returns -1 if any close failed.
 * The other file first: a failed writer may have left it dirty, and the
 * linked one, flushed in full, is then closed last. */
int output_close_ids(output *o)
{
    int status = file_close(&o->other);
    if (file_close(&o->f) < 0)
        status = -1;
    if (o->string_type >= 0 && H5Tclose(o->string_type) < 0)
        status = -1;
    o->string_type = -1;
    return status;
}

void free_names(char **names, int32_t n)
{
    if (!names)
        return;
    for (int32_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void replication_copy_free(replication_copy *c)
{
    if (!c)
        return;
    free(c->r.lots);
    free(c);
}

void output_free(output *o)
{
    free_names(o->product_names, o->nproducts);
    free_names(o->group_names, o->ngroups);
    summary_destroy(o->sum);
    replication_copy_free(o->lag);
    free(o->scen.raw_time);
    free(o->scen.lot_size);
    free(o->scen.tools);
    free(o->scen.set);
    free(o->scen.in[0]);
    free(o->scen.in[1]);
    if (o->dir_fd >= 0)
        close(o->dir_fd);
    free(o->written);
    free(o->path);
    free(o->partial);
    free(o->pair[0]);
    free(o->pair[1]);
    free(o->new_link);
    free(o);
}

char **copy_names(const char *const *names, int32_t n)
{
    char **copy = calloc((size_t)n + 1, sizeof *copy);
    for (int32_t i = 0; copy && i < n; i++) {
        size_t len = strlen(names[i]) + 1;
        copy[i] = malloc(len);
        if (!copy[i]) {
            free_names(copy, i);
            return NULL;
        }
        memcpy(copy[i], names[i], len);
    }
    return copy;
}

/* The in-memory side of the file: names, which replications are written,
 * and the summary; o->size must be set. */
int init_memory(output *o, const char *const *products,
                const char *const *groups, ws_error *err)
{
    int32_t np = (int32_t)o->size[DIM_PRODUCT], ng = (int32_t)o->size[DIM_TOOL_GROUP];
    int32_t points = (int32_t)o->size[DIM_SCENARIO];
    int32_t reps = (int32_t)o->size[DIM_REPLICATION];
    o->product_names = copy_names(products, np);
    o->nproducts = o->product_names ? np : 0;
    o->group_names = copy_names(groups, ng);
    o->ngroups = o->group_names ? ng : 0;
    o->written = calloc((size_t)points, (size_t)reps);
    o->sum = summary_create(points, reps, np, ng);
    size_t sp = (size_t)points * (size_t)np + 1, sg = (size_t)points * (size_t)ng + 1;
    o->scen.raw_time = malloc(sp * sizeof *o->scen.raw_time);
    o->scen.lot_size = malloc(sp * sizeof *o->scen.lot_size);
    o->scen.tools = malloc(sg * sizeof *o->scen.tools);
    o->scen.set = calloc((size_t)points, 1);
    o->scen.in[0] = calloc((size_t)points, 1);
    o->scen.in[1] = calloc((size_t)points, 1);
    if (!o->scen.raw_time || !o->scen.lot_size || !o->scen.tools
        || !o->scen.set || !o->scen.in[0] || !o->scen.in[1])
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    if (!o->product_names || !o->group_names || !o->written || !o->sum
        || summary_set_names(o->sum, products, groups) != 0)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    return 0;
}

/* "path=value, path=value" for the point's row of the summary table. */
int label_points(output *o, const sweep_design *d, ws_error *err)
{
    for (int32_t p = 0; d && p < d->npoints; p++) {
        size_t n = 1;
        for (int32_t j = 0; j < d->nparams; j++)
            n += strlen(d->params[j]) + strlen(d->values[(size_t)p * (size_t)d->nparams + (size_t)j]) + 3;
        char *label = malloc(n), *at = label;
        if (!label)
            return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
        *at = '\0';
        for (int32_t j = 0; j < d->nparams; j++)
            at += sprintf(at, "%s%s=%s", j ? ", " : "", d->params[j],
                          d->values[(size_t)p * (size_t)d->nparams + (size_t)j]);
        int rc = summary_set_label(o->sum, p, label);
        free(label);
        if (rc != 0)
            return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    }
    return 0;
}

/* ---- the pair of files behind PATH.partial ----------------------------
 *
 * HDF5 1.10 updates a file in place and its flush is not atomic: a process
 * killed while flushing can leave the file damaged.  So a run writes two
 * files, PATH.partial.a and .b, and PATH.partial is a symbolic link to the
 * one flushed last in full.  Each commit writes into the other file what it
 * lacks (the previous commit) and the new replication, flushes and syncs
 * it, then switches the link by renaming a new link over it.  The linked
 * file is never written: a kill at any moment leaves PATH.partial on a
 * whole file.  The cost is writing every replication twice. */


static void swap_files(output *o)
{
    output_file t = o->f;
    o->f = o->other;
    o->other = t;
}

/* The link's target: the file's name, relative, so the directory may move. */
const char *pair_name(const output *o, int which)
{
    const char *slash = strrchr(o->pair[which], '/');
    return slash ? slash + 1 : o->pair[which];
}

/* Opens PATH's directory, to sync it after renames.  A directory that
 * cannot be opened for reading is only not synced. */
int dir_open(output *o, ws_error *err)
{
    char *dir = path_with(o->path, "");
    if (!dir)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = '\0';
    o->dir_fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    int e = errno;
    free(dir);
    if (o->dir_fd < 0 && e != EACCES)
        return ws_error_set(err, WS_ECANTCREAT, o->partial, 0, 0,
                            "cannot create the output file: %s", strerror(e));
    return 0;
}

/* Makes the directory's entries durable: a rename is atomic for a killed
 * process as it is, but a power cut could undo it without this. */
static int dir_sync(output *o, ws_error *err)
{
    if (o->dir_fd >= 0 && fsync(o->dir_fd) != 0 && errno != EINVAL)
        return ws_error_set(err, WS_EIO, o->partial, 0, 0,
                            "cannot sync the directory: %s", strerror(errno));
    return 0;
}

/* Flushes f, then syncs it: HDF5's flush reaches the page cache, which a
 * killed process does not lose; the sync orders it before the link switch
 * for a power cut too.  With the directory's, 1-2 ms per commit on an idle
 * disk, 5-15 ms on a busy one (docs/hardening.md). */
int file_sync(output *o, output_file *f, ws_error *err)
{
    void *handle = NULL;
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot flush the file");
    if (H5Fget_vfd_handle(f->file, H5P_DEFAULT, &handle) < 0 || !handle)
        return h5file_fail(o->partial, err, WS_EIO,
                           "cannot get the file's descriptor");
    if (fsync(*(int *)handle) != 0)
        return ws_error_set(err, WS_EIO, o->partial, 0, 0, "cannot sync %s: %s",
                            o->pair[f->which], strerror(errno));
    return 0;
}

/* Points PATH.partial at pair file `which`.  The new link is made under
 * another name and renamed over the old one, so a reader finds the old
 * target or the new, never none and never a file being written. */
int link_to(output *o, int which, ws_error *err)
{
    if (unlink(o->new_link) != 0 && errno != ENOENT)
        return ws_error_set(err, WS_EIO, o->partial, 0, 0,
                            "cannot remove %s: %s", o->new_link,
                            strerror(errno));
    if (symlink(pair_name(o, which), o->new_link) != 0)
        return ws_error_set(err, WS_EIO, o->partial, 0, 0,
                            "cannot make the link %s: %s", o->new_link,
                            strerror(errno));
    if (rename(o->new_link, o->partial) != 0) {
        int e = errno;
        unlink(o->new_link);
        return ws_error_set(err, WS_EIO, o->partial, 0, 0,
                            "cannot rename %s to it: %s", o->new_link,
                            strerror(e));
    }
    o->linked = which;
    return dir_sync(o, err);
}

/* Opens pair file `which` for writing into f. */
int open_pair_file(output *o, output_file *f, int which, ws_error *err)
{
    f->which = which;
    f->file = open_rdwr(o->pair[which]);
    if (f->file < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot open %s",
                           o->pair[which]);
    return open_ids(o, f, err);
}

/* Removes the link, the pair and a link being made, whatever exists. */
static void remove_pair(const output *o)
{
    unlink(o->partial);
    unlink(o->new_link);
    unlink(o->pair[0]);
    unlink(o->pair[1]);
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
    o->size[DIM_TOOL_STATE] = TOOL_STATE_COUNT;
    o->size[DIM_TIME_CONSTRAINT] = (hsize_t)m->nconstraints;
    o->size[DIM_WEEK] = (hsize_t)floor(m->horizon_days / 7.0);
    o->size[DIM_AREA] = (hsize_t)model_area_count(m);
    o->size[DIM_DISRUPTION] = (hsize_t)m->ndisruptions;

    o->start_date = m->start_date;
    o->horizon_days = m->horizon_days;
    o->warmup_days = m->warmup_days;
    const char **names = malloc(((size_t)m->nproducts + (size_t)m->ngroups + 1)
                                * sizeof *names);
    if (!names)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    for (int32_t p = 0; p < m->nproducts; p++)
        names[p] = m->products[p].name;
    for (int32_t g = 0; g < m->ngroups; g++)
        names[m->nproducts + g] = m->groups[g].name;
    int rc = init_memory(o, names, names + m->nproducts, err);
    free(names);
    if (rc == 0)
        rc = label_points(o, meta->design, err);
    if (rc)
        return rc;
    double *bounds = malloc(((size_t)months + 1) * sizeof *bounds);
    if (!bounds) {
        free(bounds);
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    }
    fab_month_bounds(m, bounds);

    /* The layout is built in PATH.partial.a, closed and copied to .b; only
     * then does PATH.partial appear, linked to .a: a run killed while
     * creating the files leaves no .partial. */
    o->paired = 1;
    o->f.which = 0;
    o->other.which = 1;
    rc = h5file_create(o->pair[0], &o->f.file, err);
    if (rc)     /* name the file users know of */
        snprintf(err->path, sizeof err->path, "%s", o->partial);

    hid_t scale[NDIMS];
    for (int k = 0; k < NDIMS; k++)
        scale[k] = -1;
    if (rc == 0) {
        o->string_type = h5file_string_type();
        if (o->string_type < 0)
            rc = h5file_fail(o->partial, err, WS_EIO,
                             "cannot make the string type");
    }
    char coords[4096] = "";
    if (meta->design)
        for (int32_t j = 0; j < meta->design->nparams; j++) {
            const char *name = meta->design->params[j];
            /* CF separates names by spaces; such a name stays a variable. */
            if (strchr(name, ' ') || strlen(coords) + strlen(name) + 2 > sizeof coords)
                continue;
            if (coords[0])
                strcat(coords, " ");
            strcat(coords, name);
        }
    if (rc == 0)
        rc = create_dimensions(o, m, bounds, scale, err);
    if (rc == 0)
        rc = create_month_coordinates(o, m, bounds, scale, err);
    if (rc == 0)
        rc = create_constraint_coordinates(o, m, scale, err);
    if (rc == 0)
        rc = create_week_coordinates(o, m, scale, err);
    if (rc == 0)
        rc = create_result_vars(o, scale, coords, err);
    if (rc == 0)
        rc = create_scenario_and_task_vars(o, scale, err);
    if (rc == 0 && meta->design)
        rc = create_design(o, meta->design, scale, err);
    if (rc == 0)
        rc = create_summary_vars(o, scale, err);
    if (rc == 0)
        rc = create_lots_group(o, err);
    if (rc == 0)
        rc = create_root_attributes(o, m, meta, err);
    for (int k = 0; k < NDIMS; k++)
        if (scale[k] >= 0 && H5Dclose(scale[k]) < 0 && rc == 0)
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot close %s",
                             dim_names[k]);
    if (rc == 0 && file_close(&o->f) < 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close the file");
    if (rc == 0)
        rc = copy_file(o->pair[0], o->pair[1], err);
    if (rc == 0)
        rc = open_pair_file(o, &o->f, 0, err);
    if (rc == 0)
        rc = open_pair_file(o, &o->other, 1, err);
    if (rc == 0)
        rc = link_to(o, 0, err);
    if (rc)
        output_close_ids(o);
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
    if (meta->nscenarios < 1 || meta->nreplications < 1
        || meta->shard_count < 1 || meta->shard_index < 0
        || meta->shard_index >= meta->shard_count
        || (meta->design && meta->design->npoints != meta->nscenarios))
        return ws_error_set(err, WS_ESOFTWARE, path, 0, 0,
                            "output needs at least one scenario and one "
                            "replication, a shard within its count, and a "
                            "design with a point per scenario (got %d and %d)",
                            (int)meta->nscenarios, (int)meta->nreplications);
    output *o = output_alloc(path);
    if (!o)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");

    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    int rc = dir_open(o, err);
    if (rc == 0) {
        /* A fresh run replaces what an earlier one left. */
        remove_pair(o);
        rc = output_build(o, m, meta, err);
        if (rc) {
            output_close_ids(o);
            remove_pair(o);
        }
    }
    if (rc) {
        output_free(o);
    } else {
        *out = o;
    }
    h5file_quiet_end(&quiet);
    return rc;
}

/* ---- writing ----------------------------------------------------------- */

/* Values of variable rv in one replication's slab. */
size_t slab_size(const output *o, const result_var *rv)
{
    size_t n = 1;
    for (int i = 2; i < rv->rank; i++)
        n *= (size_t)o->size[rv->dims[i]];
    return n;
}

/* The array of r that rv is made from. */
static const double *result_field(const fab_result *r, const result_var *rv)
{
    return *(double *const *)(const void *)((const char *)r + rv->field);
}

/* Availability from tool-state shares: n groups (or months x groups). */
static void availability_of(const double *share, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = 1.0 - share[i * TOOL_STATE_COUNT + TOOL_DOWN]
                 - share[i * TOOL_STATE_COUNT + TOOL_PM];
}

/* Writes the slab of replication (scenario, replication) of variable v
 * from a fab_result-shaped array `field` (for AVAILABILITY_OF, the shares
 * it derives from); scratch holds slab_size values. */
static int write_slab(output *o, size_t v, uint32_t scenario,
                      uint32_t replication, const double *field,
                      double *scratch, ws_error *err)
{
    const result_var *rv = &result_vars[v];
    hsize_t start[MAX_RANK] = {scenario, replication, 0, 0, 0};
    hsize_t count[MAX_RANK] = {1, 1, 1, 1, 1};
    for (int i = 2; i < rv->rank; i++)
        count[i] = o->size[rv->dims[i]];
    const double *values = field;
    if (rv->source == AVAILABILITY_OF) {
        availability_of(field, slab_size(o, rv), scratch);
        values = scratch;
    }
    return h5file_dataset_write_slab(o->partial, o->f.result[v],
                                     H5T_NATIVE_DOUBLE, rv->rank, start,
                                     count, values, err);
}

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
        || r->ngroups < 0 || (hsize_t)r->ngroups != o->size[DIM_TOOL_GROUP]
        || r->nconstraints < 0
        || (hsize_t)r->nconstraints != o->size[DIM_TIME_CONSTRAINT]
        || r->nweeks < 0 || (hsize_t)r->nweeks != o->size[DIM_WEEK]
        || r->nareas < 0 || (hsize_t)r->nareas != o->size[DIM_AREA]
        || r->ndisruptions < 0
        || (hsize_t)r->ndisruptions != o->size[DIM_DISRUPTION])
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "result shape %d months x %d products x %d groups "
                            "x %d time constraints does not match the file",
                            (int)r->nmonths, (int)r->nproducts,
                            (int)r->ngroups, (int)r->nconstraints);
    size_t slot = (size_t)r->scenario * (size_t)o->size[DIM_REPLICATION]
                + r->replication;
    if (o->written[slot])
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "replication (%u, %u) written twice",
                            (unsigned)r->scenario, (unsigned)r->replication);
    /* An empty array may come from malloc(0), which may be NULL.  Derived
     * variables share their field with the variable named after it. */
    for (size_t v = 0; v < NRESULT_VARS; v++)
        if (result_vars[v].source == FROM_FIELD
            && !result_field(r, &result_vars[v])
            && slab_size(o, &result_vars[v]) > 0)
            return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                                "result has no %s", result_vars[v].name);
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
        case LOT_WAFERS_OUT:  ints[i] = l->wafers_out; break;
        case LOT_PRIORITY:    ints[i] = l->priority; break;
        case LOT_DUE:         doubles[i] = l->due_day; break;
        case LOT_SCRAP:       doubles[i] = l->scrap_day; break;
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
        return h5file_fail(o->partial, err, WS_EIO, "cannot extend %s",
                           h5file_object_name(d, name, sizeof name));
    return h5file_dataset_write_slab(o->partial, d, mem_type, 1, &start, &n,
                                     values, err);
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
        index[i] = (int64_t)(o->f.nlots + i);
    int rc = append_column(o, o->f.lot_coord, H5T_NATIVE_INT64, o->f.nlots, n,
                           index, err);
    for (int c = 0; c < NLOT_COLUMNS && rc == 0; c++) {
        hid_t mem_type = lot_columns[c].type == COLUMN_INT32 ? H5T_NATIVE_INT32
                       : lot_columns[c].type == COLUMN_DOUBLE
                           ? H5T_NATIVE_DOUBLE
                           : o->string_type;
        const void *values = lot_column_values(o, r, (enum lot_column)c, buf);
        rc = append_column(o, o->f.lot_column[c], mem_type, o->f.nlots, n, values,
                           err);
    }
    free(buf);
    if (rc == 0)
        o->f.nlots += n;
    return rc;
}

/* Marks r's task done in o->f, with its number of lot records. */
static int write_task_marks(output *o, const fab_result *r, ws_error *err)
{
    hsize_t task[2] = {r->scenario, r->replication}, one[2] = {1, 1};
    signed char yes = 1;
    int64_t nlots = (int64_t)r->nlots;
    int rc = h5file_dataset_write_slab(o->partial, o->f.task_lots,
                                       H5T_NATIVE_INT64, 2, task, one, &nlots,
                                       err);
    if (rc == 0)
        rc = h5file_dataset_write_slab(o->partial, o->f.task_done,
                                       o->f.bool_type, 2, task, one, &yes, err);
    return rc;
}

/* Writes r into o->f: its slabs, its lot records, then its task marks.
 * Nothing is flushed: the file is published by the link only after a
 * flush, so the order of these writes does not matter to readers. */
static int write_task(output *o, const fab_result *r, ws_error *err)
{
    size_t most = 0;
    for (size_t v = 0; v < NRESULT_VARS; v++)
        if (result_vars[v].source != FROM_FIELD
            && slab_size(o, &result_vars[v]) > most)
            most = slab_size(o, &result_vars[v]);
    double *scratch = malloc((most + 1) * sizeof *scratch);
    if (!scratch)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    int rc = 0;
    for (size_t v = 0; v < NRESULT_VARS && rc == 0; v++)
        rc = write_slab(o, v, r->scenario, r->replication,
                        result_field(r, &result_vars[v]), scratch, err);
    free(scratch);
    if (rc == 0)
        rc = append_lots(o, r, err);
    if (rc == 0)
        rc = write_task_marks(o, r, err);
    return rc;
}

static replication_copy *replication_copy_of(const fab_result *r)
{
    replication_copy *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->r.lots = malloc((r->nlots + 1) * sizeof *c->r.lots);
    if (!c->r.lots) {
        free(c);
        return NULL;
    }
    c->r.scenario = r->scenario;
    c->r.replication = r->replication;
    c->r.nlots = r->nlots;
    if (r->nlots)
        memcpy(c->r.lots, r->lots, r->nlots * sizeof *r->lots);
    return c;
}

/* Copies chunk `offset` of dataset `from` to `to` as stored, compressed:
 * no filter runs.  *buf (of *cap bytes) grows as needed. */
static int copy_chunk(output *o, hid_t from, hid_t to, const hsize_t *offset,
                      void **buf, size_t *cap, ws_error *err)
{
    char name[256];
    hsize_t size = 0;
    uint32_t filters = 0;
    if (H5Dget_chunk_storage_size(from, offset, &size) < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot find a chunk of %s",
                           h5file_object_name(from, name, sizeof name));
    if (size == 0)      /* never written: the fill value in both files */
        return 0;
    if (size > *cap) {
        void *bigger = realloc(*buf, (size_t)size);
        if (!bigger)
            return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                                "out of memory");
        *buf = bigger;
        *cap = (size_t)size;
    }
    if (H5Dread_chunk(from, H5P_DEFAULT, offset, &filters, *buf) < 0)
        return h5file_fail(o->partial, err, WS_EIO, "cannot read a chunk of %s",
                           h5file_object_name(from, name, sizeof name));
    /* HDF5 drops its cached copy of the chunk it overwrites. */
    if (H5Dwrite_chunk(to, H5P_DEFAULT, filters, offset, (size_t)size,
                       *buf) < 0)
        return h5file_fail(o->partial, err, WS_EIO,
                           "cannot write a chunk of %s",
                           h5file_object_name(to, name, sizeof name));
    return 0;
}

/* Gives o->f the replication o->other got at the last commit (o->lag) by
 * copying its chunks from there: a replication is one chunk per result
 * variable, its lot records the chunks from the one holding o->f's last
 * record on.  Compressing is most of the cost of a commit, and this way
 * each replication is compressed once though written twice.  Product
 * names point into their own file's heap, so they are written as values,
 * like the task marks.  Reads o->other, the linked file, without writing
 * it. */
static int copy_lag(output *o, ws_error *err)
{
    const fab_result *r = &o->lag->r;
    output_file *to = &o->f, *from = &o->other;
    hsize_t start = to->nlots, end = from->nlots;
    if (end != start + r->nlots)
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "the files of the pair disagree: %llu and %llu "
                            "lot records, %zu expected between them",
                            (unsigned long long)start,
                            (unsigned long long)end, r->nlots);
    void *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t v = 0; v < NRESULT_VARS && rc == 0; v++) {
        hsize_t offset[MAX_RANK] = {r->scenario, r->replication, 0, 0, 0};
        if (slab_size(o, &result_vars[v]) > 0)
            rc = copy_chunk(o, from->result[v], to->result[v], offset, &buf,
                            &cap, err);
    }
    char name[256];
    for (int c = -1; c < NLOT_COLUMNS && rc == 0 && end > start; c++) {
        hid_t d = c < 0 ? to->lot_coord : to->lot_column[c];
        if (c >= 0 && lot_columns[c].type == COLUMN_STRING) {
            void *names = malloc(r->nlots * sizeof(char *));
            rc = names ? append_column(o, d, o->string_type, start, r->nlots,
                                       lot_column_values(o, r, (enum lot_column)c,
                                                         names), err)
                       : ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                                      "out of memory");
            free(names);
            continue;
        }
        if (H5Dset_extent(d, &end) < 0) {
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot extend %s",
                             h5file_object_name(d, name, sizeof name));
            break;
        }
        for (hsize_t at = start - start % OUTPUT_LOT_CHUNK; at < end && rc == 0;
             at += OUTPUT_LOT_CHUNK)
            rc = copy_chunk(o, c < 0 ? from->lot_coord : from->lot_column[c],
                            d, &at, &buf, &cap, err);
    }
    free(buf);
    if (rc == 0)
        to->nlots = end;
    if (rc == 0)
        rc = write_task_marks(o, r, err);
    return rc;
}

/* Writes into o->f the per-scenario model data it lacks. */
static int write_scenarios(output *o, ws_error *err)
{
    int k = o->f.which;
    size_t np = (size_t)o->size[DIM_PRODUCT], ng = (size_t)o->size[DIM_TOOL_GROUP];
    int rc = 0;
    for (size_t s = 0; s < o->size[DIM_SCENARIO] && o->scen.missing[k] > 0
                       && rc == 0; s++) {
        if (!o->scen.set[s] || o->scen.in[k][s])
            continue;
        hsize_t start[2] = {(hsize_t)s, 0}, count[2] = {1, np};
        rc = h5file_dataset_write_slab(o->partial, o->f.scenario_var[SV_RAW_TIME],
                                       H5T_NATIVE_DOUBLE, 2, start, count,
                                       o->scen.raw_time + s * np, err);
        if (rc == 0)
            rc = h5file_dataset_write_slab(
                o->partial, o->f.scenario_var[SV_LOT_SIZE], H5T_NATIVE_INT32,
                2, start, count, o->scen.lot_size + s * np, err);
        count[1] = ng;
        if (rc == 0)
            rc = h5file_dataset_write_slab(
                o->partial, o->f.scenario_var[SV_TOOLS], H5T_NATIVE_INT32, 2,
                start, count, o->scen.tools + s * ng, err);
        if (rc == 0) {
            o->scen.in[k][s] = 1;
            o->scen.missing[k]--;
        }
    }
    return rc;
}

/* Brings o->f, the file not linked, up to the linked one: the scenario data
 * and the replication it lacks. */
static int catch_up(output *o, ws_error *err)
{
    int rc = write_scenarios(o, err);
    if (rc == 0 && o->lag)
        rc = copy_lag(o, err);
    return rc;
}

/* One commit: the file not linked gets what it lacks and r (NULL: none),
 * is synced and linked.  On failure the link stays where it was and the
 * output is broken: only suspend and abort are left. */
static int commit(output *o, const fab_result *r, ws_error *err)
{
    if (o->broken)
        return ws_error_set(err, WS_EIO, o->partial, 0, 0,
                            "cannot write after an earlier write failed");
    replication_copy *c = r ? replication_copy_of(r) : NULL;
    if (r && !c)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    swap_files(o);
    int rc = catch_up(o, err);
    if (rc == 0 && r)
        rc = write_task(o, r, err);
    if (rc == 0)
        rc = file_sync(o, &o->f, err);
    if (rc == 0)
        rc = link_to(o, o->f.which, err);
    if (rc) {
        o->broken = 1;
        if (o->linked != o->f.which)
            swap_files(o);
        replication_copy_free(c);
        return rc;
    }
    /* The file now linked lacks nothing; the other lacks r. */
    replication_copy_free(o->lag);
    o->lag = c;
    return 0;
}

int output_write_replication(output *o, const fab_result *r, ws_error *err)
{
    ws_error ignored;
    if (!err)
        err = &ignored;
    int rc = check_result(o, r, err);
    if (rc)
        return rc;
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    rc = commit(o, r, err);
    if (rc == 0) {
        o->written[(size_t)r->scenario * (size_t)o->size[DIM_REPLICATION]
                   + r->replication] = 1;
        summary_add_result(o->sum, (int32_t)r->scenario, r);
    }
    h5file_quiet_end(&quiet);
    return rc;
}

int output_has_replication(const output *o, int32_t scenario,
                           int32_t replication)
{
    return o->written[(size_t)scenario * (size_t)o->size[DIM_REPLICATION]
                      + (size_t)replication];
}

int output_set_scenario(output *o, int32_t s, const model *m, ws_error *err)
{
    ws_error ignored;
    if (!err)
        err = &ignored;
    if (s < 0 || (hsize_t)s >= o->size[DIM_SCENARIO])
        return ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                            "scenario %d outside the file", (int)s);
    int same = m->nproducts == o->nproducts && m->ngroups == o->ngroups
               && m->start_date == o->start_date
               && m->horizon_days == o->horizon_days;
    for (int32_t p = 0; same && p < m->nproducts; p++)
        same = strcmp(m->products[p].name, o->product_names[p]) == 0;
    for (int32_t g = 0; same && g < m->ngroups; g++)
        same = strcmp(m->groups[g].name, o->group_names[g]) == 0;
    if (!same)
        return ws_error_set(err, WS_EDATA, o->partial, 0, 0,
                            "scenario %d does not have the products, tool "
                            "groups and months of scenario 0", (int)s);
    if (m->warmup_days != o->warmup_days)
        return ws_error_set(err, WS_EDATA, o->partial, 0, 0,
                            "scenario %d has a warm-up of %g days, scenario 0 "
                            "of %g: every scenario must share the months' "
                            "warm-up flags", (int)s, m->warmup_days,
                            o->warmup_days);
    /* The file describes scenario 0's constraints only (a property of the
     * routes, which a sweep does not change). */
    if ((hsize_t)m->nconstraints != o->size[DIM_TIME_CONSTRAINT])
        return ws_error_set(err, WS_EDATA, o->partial, 0, 0,
                            "scenario %d has %d time constraints, scenario 0 "
                            "has %llu: every scenario must have the same",
                            (int)s, (int)m->nconstraints,
                            (unsigned long long)o->size[DIM_TIME_CONSTRAINT]);
    if ((hsize_t)model_area_count(m) != o->size[DIM_AREA]
        || (hsize_t)m->ndisruptions != o->size[DIM_DISRUPTION])
        return ws_error_set(err, WS_EDATA, o->partial, 0, 0,
                            "scenario %d has %d areas and %d disruptions, "
                            "scenario 0 %llu and %llu: every scenario must "
                            "have the same", (int)s,
                            (int)model_area_count(m), (int)m->ndisruptions,
                            (unsigned long long)o->size[DIM_AREA],
                            (unsigned long long)o->size[DIM_DISRUPTION]);
    /* Written into each file of the pair at its next commit, like a
     * replication: the linked file is never written. */
    size_t np = (size_t)m->nproducts, ng = (size_t)m->ngroups;
    double *raw = o->scen.raw_time + (size_t)s * np;
    for (size_t p = 0; p < np; p++) {
        raw[p] = product_raw_process_time(m, &m->products[p]);
        o->scen.lot_size[(size_t)s * np + p] = m->products[p].lot_size;
    }
    for (size_t g = 0; g < ng; g++)
        o->scen.tools[(size_t)s * ng + g] = m->groups[g].tools;
    summary_set_raw_process_times(o->sum, s, raw);
    for (int k = 0; k < 2; k++) {
        if (!o->scen.set[s] || o->scen.in[k][s])
            o->scen.missing[k]++;
        o->scen.in[k][s] = 0;
    }
    o->scen.set[s] = 1;
    return 0;
}

/* Values per scenario of a summary variable. */
static size_t summary_var_size(const output *o, const summary_var_spec *sv)
{
    switch (sv->shape) {
    case SUMMARY_PRODUCT:     return (size_t)o->size[DIM_PRODUCT];
    case SUMMARY_GROUP:       return (size_t)o->size[DIM_TOOL_GROUP];
    case SUMMARY_GROUP_STATE:
        return (size_t)o->size[DIM_TOOL_GROUP] * TOOL_STATE_COUNT;
    case SUMMARY_SCENARIO:    break;
    }
    return 1;
}

/* The statistics behind the float64 summary variable v (a mean, or the
 * _ci95 that follows it) of a point. */
static const summary_value *summary_values_of(const summary_point *sp,
                                              enum summary_var v)
{
    switch (v) {
    case SUM_WAFERS: case SUM_WAFERS_CI:   return sp->wafers_per_month;
    case SUM_CYCLE: case SUM_CYCLE_CI:     return sp->cycle_time_days;
    case SUM_XFACTOR: case SUM_XFACTOR_CI: return sp->x_factor;
    case SUM_SCRAPPED: case SUM_SCRAPPED_CI:
        return sp->wafers_scrapped_per_month;
    case SUM_ON_TIME: case SUM_ON_TIME_CI: return sp->on_time_share;
    case SUM_HOT_CYCLE: case SUM_HOT_CYCLE_CI:
        return sp->hot_cycle_time_days;
    case SUM_AVAILABILITY: case SUM_AVAILABILITY_CI: return sp->availability;
    case SUM_STATE_SHARE: case SUM_STATE_SHARE_CI:
        return sp->tool_state_share;
    case SUM_BOTTLENECK_UTIL: case SUM_BOTTLENECK_UTIL_CI:
        return &sp->bottleneck_utilisation;
    case SUM_BOTTLENECK_AVAIL: case SUM_BOTTLENECK_AVAIL_CI:
        return &sp->bottleneck_availability;
    case SUM_REPLICATIONS: case SUM_BOTTLENECK: case NSUMMARY_VARS:
        break;
    }
    return NULL;
}

/* The summary variables, from the replications in the file. */
static int write_summary(output *o, ws_error *err)
{
    size_t S = (size_t)o->size[DIM_SCENARIO];
    double *values[NSUMMARY_VARS] = {NULL};
    int32_t *reps = malloc((S + 1) * sizeof *reps);
    const char **bottleneck = malloc((S + 1) * sizeof *bottleneck);
    int rc = 0;
    for (int v = 0; v < NSUMMARY_VARS; v++)
        if (summary_vars[v].type == COLUMN_DOUBLE
            && !(values[v] = malloc((S * summary_var_size(o, &summary_vars[v])
                                     + 1) * sizeof(double))))
            rc = WS_ENOMEM;
    if (!reps || !bottleneck || rc)
        rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    for (size_t s = 0; s < S && rc == 0; s++) {
        summary_point sp;
        summary_compute(o->sum, (int32_t)s, 0.95, &sp);
        reps[s] = sp.replications;
        bottleneck[s] = sp.bottleneck >= 0 ? o->group_names[sp.bottleneck] : "";
        for (int v = 0; v < NSUMMARY_VARS; v++) {
            const summary_value *from =
                summary_values_of(&sp, (enum summary_var)v);
            if (!from)
                continue;
            size_t n = summary_var_size(o, &summary_vars[v]);
            for (size_t i = 0; i < n; i++)
                values[v][s * n + i] = summary_vars[v].ci95 ? from[i].half_width
                                                            : from[i].mean;
        }
    }
    for (int v = 0; v < NSUMMARY_VARS && rc == 0; v++) {
        const summary_var_spec *sv = &summary_vars[v];
        hid_t d = H5Dopen2(o->f.file, sv->name, H5P_DEFAULT);
        if (d < 0) {
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot open %s",
                             sv->name);
            break;
        }
        size_t n = S * summary_var_size(o, sv);
        rc = sv->type == COLUMN_DOUBLE ? h5file_dataset_write_all(
                 o->partial, d, H5T_NATIVE_DOUBLE, n, values[v], err)
            : sv->type == COLUMN_INT32
            ? h5file_dataset_write_all(o->partial, d, H5T_NATIVE_INT32, n, reps,
                                       err)
            : h5file_dataset_write_all(o->partial, d, o->string_type, n,
                                       bottleneck, err);
        if (H5Dclose(d) < 0 && rc == 0)
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot close %s",
                             sv->name);
    }
    for (int v = 0; v < NSUMMARY_VARS; v++)
        free(values[v]);
    free(reps);
    free(bottleneck);
    return rc;
}

/* Syncs the closed file at path before it is renamed. */
static int path_sync(const output *o, const char *path, ws_error *err)
{
    int fd = open(path, O_RDONLY);
    int ok = fd >= 0 && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (!ok)
        return ws_error_set(err, WS_EIO, o->partial, 0, 0, "cannot sync %s: %s",
                            path, strerror(e));
    return 0;
}

/* The file not linked gets what it lacks and the summary and is renamed to
 * PATH; then the link and the other file go.  A kill before the rename
 * leaves the link on a whole file, a kill after it a complete PATH (and
 * the rest, which --resume and a new run remove).  On failure the link
 * and its file stay, for --resume. */
static int finish_pair(output *o, ws_error *err)
{
    int rc = o->broken ? ws_error_set(err, WS_EIO, o->partial, 0, 0,
                                      "cannot finish after a failed write")
                       : 0;
    swap_files(o);
    int which = o->f.which, renamed = 0;
    if (rc == 0)
        rc = catch_up(o, err);
    if (rc == 0)
        rc = write_summary(o, err);
    if (file_close(&o->f) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close the file");
    if (rc == 0)
        rc = path_sync(o, o->pair[which], err);
    if (rc == 0 && rename(o->pair[which], o->path) != 0)
        rc = ws_error_set(err, WS_EIO, o->path, 0, 0,
                          "cannot rename %s to %s: %s", o->pair[which],
                          o->path, strerror(errno));
    renamed = rc == 0;
    if (rc == 0)
        rc = dir_sync(o, err);
    output_close_ids(o);
    if (renamed) {
        unlink(o->partial);
        unlink(o->pair[1 - which]);
    } else {
        unlink(o->pair[which]);
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n,
                 " (the replications are kept in %s for --resume)",
                 o->partial);
    }
    return rc;
}

int output_finish(output *o, summary **summary_out, ws_error *err)
{
    ws_error ignored;
    if (!err)
        err = &ignored;
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    int rc;
    if (o->paired) {
        rc = finish_pair(o, err);
    } else {
        rc = write_summary(o, err);
        if (output_close_ids(o) < 0 && rc == 0)
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot close the file");
        if (rc == 0 && rename(o->partial, o->path) != 0)
            rc = ws_error_set(err, WS_EIO, o->path, 0, 0,
                              "cannot rename %s to %s: %s", o->partial,
                              o->path, strerror(errno));
    }
    h5file_quiet_end(&quiet);
    if (rc == 0 && summary_out) {
        *summary_out = o->sum;
        o->sum = NULL;
    }
    output_free(o);
    return rc;
}

void output_suspend(output *o)
{
    if (!o)
        return;
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    /* Scenario data given since the last commit would be lost; --resume
     * gives it again, but a reader of the .partial would miss it. */
    ws_error ignored;
    if (o->paired && !o->broken && o->linked >= 0
        && o->scen.missing[o->linked] > 0)
        commit(o, NULL, &ignored);
    output_close_ids(o);
    H5Eclear2(H5E_DEFAULT);
    h5file_quiet_end(&quiet);
    output_free(o);
}

void output_abort(output *o)
{
    if (!o)
        return;
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    output_close_ids(o);
    H5Eclear2(H5E_DEFAULT);
    h5file_quiet_end(&quiet);
    if (o->paired)
        remove_pair(o);
    else
        unlink(o->partial);
    output_free(o);
}
