/* h5file.c - HDF5 helpers shared by the file writers (see h5file.h).
 *
 * The conventions they carry: creation order tracked and indexed on every
 * object, for netCDF readers; object time stamps off, so the same inputs
 * give the same bytes; floats filled with NaN, so what was never written
 * reads as missing; HDF5 failures turned into ws_error values naming the
 * innermost HDF5 reason.
 */
#include "h5file.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hdf5_hl.h>

#define H5FILE_DEFLATE_LEVEL 1

/* ---- errors ------------------------------------------------------------ */

void h5file_quiet_begin(h5file_quiet *q)
{
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void h5file_quiet_end(const h5file_quiet *q)
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

void h5file_error_detail(char *buf, size_t size)
{
    error_text t = {buf, size};
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, error_walk, &t);
    H5Eclear2(H5E_DEFAULT);
}

int h5file_fail(const char *path, ws_error *err, int code, const char *fmt,
                ...)
{
    char what[512];
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    h5file_error_detail(detail, sizeof detail);
    if (detail[0])
        return ws_error_set(err, code, path, 0, 0, "%s: %s", what, detail);
    return ws_error_set(err, code, path, 0, 0, "%s", what);
}

/* Only called on error paths. */
const char *h5file_object_name(hid_t loc, char *buf, size_t size)
{
    if (H5Iget_name(loc, buf, size) <= 0)
        snprintf(buf, size, "?");
    return buf;
}

/* ---- files and types --------------------------------------------------- */

int h5file_create(const char *path, hid_t *file, ws_error *err)
{
    int rc = 0;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    *file = -1;
    /* Without track_times off every object header holds its modification
     * time and identical inputs would give different bytes. */
    if (fcpl < 0 || fapl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0
        || H5Pset_link_creation_order(fcpl, H5FILE_CRT_ORDER) < 0
        || H5Pset_attr_creation_order(fcpl, H5FILE_CRT_ORDER) < 0
        /* Strong close: a failed writer's H5Fclose really closes the file
         * before it is unlinked, even if an id leaked. */
        || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = h5file_fail(path, err, WS_EIO, "cannot set file properties");
    } else {
        errno = 0;
        *file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
        if (*file < 0) {
            int e = errno;
            char detail[512];
            h5file_error_detail(detail, sizeof detail);
            /* HDF5 first probes the file without creating it, so errno may
             * be that probe's ENOENT; trust it only when HDF5's innermost
             * message says the failure was a system call's. */
            rc = ws_error_set(err, WS_ECANTCREAT, path, 0, 0,
                              "cannot create the output file: %s",
                              e && strstr(detail, "errno") ? strerror(e)
                                                           : detail);
        }
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    return rc;
}

hid_t h5file_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0
                   || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* ---- attributes -------------------------------------------------------- */

static int attr_write(const char *path, hid_t loc, const char *name,
                      hid_t file_type, hid_t mem_type, hid_t space,
                      const void *value, ws_error *err)
{
    char owner[256];
    hid_t attr = H5Acreate2(loc, name, file_type, space, H5P_DEFAULT,
                            H5P_DEFAULT);
    if (attr < 0)
        return h5file_fail(path, err, WS_EIO,
                           "cannot create attribute %s of %s", name,
                           h5file_object_name(loc, owner, sizeof owner));
    herr_t status = H5Awrite(attr, mem_type, value);
    if (H5Aclose(attr) < 0 || status < 0)
        return h5file_fail(path, err, WS_EIO,
                           "cannot write attribute %s of %s", name,
                           h5file_object_name(loc, owner, sizeof owner));
    return 0;
}

int h5file_attr_values(const char *path, hid_t loc, const char *name,
                       hid_t file_type, hid_t mem_type, size_t n,
                       const void *values, ws_error *err)
{
    hsize_t dim = n;
    hid_t space = n == H5FILE_SCALAR ? H5Screate(H5S_SCALAR)
                                     : H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return h5file_fail(path, err, WS_EIO, "cannot create dataspace");
    int rc = attr_write(path, loc, name, file_type, mem_type, space, values,
                        err);
    if (H5Sclose(space) < 0 && rc == 0)
        rc = h5file_fail(path, err, WS_EIO, "cannot close dataspace");
    return rc;
}

int h5file_attr_string(const char *path, hid_t loc, const char *name,
                       const char *value, hid_t string_type, ws_error *err)
{
    const char *v = value ? value : "";
    return h5file_attr_values(path, loc, name, string_type, string_type,
                              H5FILE_SCALAR, &v, err);
}

int h5file_attr_double(const char *path, hid_t loc, const char *name,
                       double value, ws_error *err)
{
    return h5file_attr_values(path, loc, name, H5T_IEEE_F64LE,
                              H5T_NATIVE_DOUBLE, H5FILE_SCALAR, &value, err);
}

int h5file_attr_int32(const char *path, hid_t loc, const char *name,
                      int32_t value, ws_error *err)
{
    return h5file_attr_values(path, loc, name, H5T_STD_I32LE,
                              H5T_NATIVE_INT32, H5FILE_SCALAR, &value, err);
}

int h5file_attr_uint64(const char *path, hid_t loc, const char *name,
                       uint64_t value, ws_error *err)
{
    return h5file_attr_values(path, loc, name, H5T_STD_U64LE,
                              H5T_NATIVE_UINT64, H5FILE_SCALAR, &value, err);
}

int h5file_describe(const char *path, hid_t d, const char *long_name,
                    const char *units, hid_t string_type, ws_error *err)
{
    int rc = h5file_attr_string(path, d, "long_name", long_name, string_type,
                                err);
    if (rc == 0)
        rc = h5file_attr_string(path, d, "units", units, string_type, err);
    return rc;
}

int h5file_attr_nan_fill(const char *path, hid_t d, ws_error *err)
{
    return h5file_attr_double(path, d, "_FillValue", NAN, err);
}

/* ---- datasets ---------------------------------------------------------- */

hid_t h5file_dataset_create(const char *path, hid_t loc,
                            const h5file_dataset_spec *s, ws_error *err)
{
    hid_t space = -1, dcpl = -1, d = -1;
    space = H5Screate_simple(s->rank, s->dims, s->maxdims);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0)
        goto fail;
    /* Without this, every object header holds its modification time and
     * two identical runs give different bytes. */
    if (H5Pset_obj_track_times(dcpl, 0) < 0
        || H5Pset_attr_creation_order(dcpl, H5FILE_CRT_ORDER) < 0)
        goto fail;
    if (s->chunk) {
        if (H5Pset_chunk(dcpl, s->rank, s->chunk) < 0
            || H5Pset_shuffle(dcpl) < 0
            || H5Pset_deflate(dcpl, H5FILE_DEFLATE_LEVEL) < 0)
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
    h5file_fail(path, err, WS_EIO, "cannot create dataset %s", s->name);
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return -1;
}

int h5file_dataset_write_all(const char *path, hid_t d, hid_t mem_type,
                             size_t n, const void *values, ws_error *err)
{
    char name[256];
    if (n == 0)
        return 0;
    if (H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
        return h5file_fail(path, err, WS_EIO, "cannot write %s",
                           h5file_object_name(d, name, sizeof name));
    return 0;
}

int h5file_dataset_write_slab(const char *path, hid_t d, hid_t mem_type,
                              int rank, const hsize_t *start,
                              const hsize_t *count, const void *values,
                              ws_error *err)
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
        return h5file_fail(path, err, WS_EIO, "cannot write %s",
                           h5file_object_name(d, name, sizeof name));
    return 0;
}

int h5file_attach_scale(const char *path, hid_t d, hid_t scale,
                        unsigned index, ws_error *err)
{
    char name[256];
    if (H5DSattach_scale(d, scale, index) < 0)
        return h5file_fail(path, err, WS_EIO,
                           "cannot attach dimension scale %u to %s", index,
                           h5file_object_name(d, name, sizeof name));
    return 0;
}
