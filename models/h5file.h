/* h5file.h - the HDF5 helpers shared by the file writers (models/output.c,
 * models/capacity.c): netCDF-readable, reproducible files, errors as values.
 *
 * Every function that can fail takes the path of the file being written,
 * which its error names, and returns 0 or a negative WS_E* code (or a
 * negative id) with err set to "what we were doing: innermost HDF5 reason".
 * Nothing prints; wrap each public call of a writer in
 * h5file_quiet_begin/end so HDF5 does not print either.
 */
#ifndef WAFERSIM_H5FILE_H
#define WAFERSIM_H5FILE_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "../sim/wserror.h"

/* Creation order must be tracked and indexed on every object, or netCDF
 * readers list variables and attributes alphabetically. */
#define H5FILE_CRT_ORDER (H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)

/* HDF5's automatic error printing, saved and switched off by begin and
 * restored by end, so the library never prints and callers' settings
 * survive. */
typedef struct h5file_quiet {
    H5E_auto2_t func;
    void *data;
    int saved;
} h5file_quiet;

void h5file_quiet_begin(h5file_quiet *q);
void h5file_quiet_end(const h5file_quiet *q);

/* Copies the innermost HDF5 error message into buf ("" if none) and clears
 * the error stack. */
void h5file_error_detail(char *buf, size_t size);

/* Sets err to "what: HDF5 reason" about path; returns code. */
int h5file_fail(const char *path, ws_error *err, int code, const char *fmt,
                ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Names the object loc (e.g. "/lots/wafers") in buf for messages. */
const char *h5file_object_name(hid_t loc, char *buf, size_t size);

/* Creates path (truncating) with time tracking off, creation order tracked
 * and a strong close, into *file.  WS_ECANTCREAT when the file cannot be
 * created, WS_EIO when the property lists cannot be made. */
int h5file_create(const char *path, hid_t *file, ws_error *err);

/* A new variable-length UTF-8 string type (close with H5Tclose), or -1. */
hid_t h5file_string_type(void);

/* ---- attributes: n values (0: an empty array), or H5FILE_SCALAR ---- */

#define H5FILE_SCALAR ((size_t)-1)

int h5file_attr_values(const char *path, hid_t loc, const char *name,
                       hid_t file_type, hid_t mem_type, size_t n,
                       const void *values, ws_error *err);
/* value NULL writes "". */
int h5file_attr_string(const char *path, hid_t loc, const char *name,
                       const char *value, hid_t string_type, ws_error *err);
int h5file_attr_double(const char *path, hid_t loc, const char *name,
                       double value, ws_error *err);
int h5file_attr_int32(const char *path, hid_t loc, const char *name,
                      int32_t value, ws_error *err);
int h5file_attr_uint64(const char *path, hid_t loc, const char *name,
                       uint64_t value, ws_error *err);
/* long_name and units, which every variable carries. */
int h5file_describe(const char *path, hid_t d, const char *long_name,
                    const char *units, hid_t string_type, ws_error *err);
/* _FillValue = NaN, which netCDF readers need to mask a NaN fill. */
int h5file_attr_nan_fill(const char *path, hid_t d, ws_error *err);

/* ---- datasets ---- */

typedef struct h5file_dataset_spec {
    const char *name;
    hid_t file_type;
    int rank;
    const hsize_t *dims;
    const hsize_t *maxdims;     /* NULL: fixed size */
    const hsize_t *chunk;       /* NULL: contiguous, uncompressed */
    hid_t fill_type;            /* H5T_NATIVE_DOUBLE: NaN fill; else default */
} h5file_dataset_spec;

/* Creates a dataset in loc with time tracking off and attribute creation
 * order tracked; chunked ones are shuffled and deflated.  Returns its id or
 * -1 with err set. */
hid_t h5file_dataset_create(const char *path, hid_t loc,
                            const h5file_dataset_spec *s, ws_error *err);

/* Writes n elements of a 1-D dataset whole; n = 0 writes nothing. */
int h5file_dataset_write_all(const char *path, hid_t d, hid_t mem_type,
                             size_t n, const void *values, ws_error *err);

/* Writes count elements from start in dimension order into d (rank r). */
int h5file_dataset_write_slab(const char *path, hid_t d, hid_t mem_type,
                              int rank, const hsize_t *start,
                              const hsize_t *count, const void *values,
                              ws_error *err);

/* Attaches scale as dimension index of d.  Each attach rewrites the
 * scale's REFERENCE_LIST attribute, so keep a scale's attributes below
 * HDF5's compact limit (8): rewriting attributes in dense storage with an
 * indexed creation order is buggy in HDF5 1.10. */
int h5file_attach_scale(const char *path, hid_t d, hid_t scale,
                        unsigned index, ws_error *err);

#endif
