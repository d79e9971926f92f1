/* output.h - the HDF5 result file (docs/output-format.md).
 *
 * The file is written to PATH.partial, every dataset created up front with
 * NaN fill; each committed replication is written into its slab and flushed,
 * and output_finish renames PATH.partial to PATH.  A run that stops early
 * leaves a readable PATH.partial and never a file at PATH.
 *
 * HDF5 serial is not thread-safe beyond one global lock: call these from
 * one thread at a time (the runner's commit does).
 */
#ifndef WAFERSIM_OUTPUT_H
#define WAFERSIM_OUTPUT_H

#include <stdint.h>
#include "model.h"
#include "fab.h"
#include "../sim/wserror.h"

typedef struct output output;

typedef struct output_meta {
    const char *version;        /* wafersim version */
    const char *git_revision;
    const char *command_line;
    uint64_t seed;
    int32_t nscenarios;
    int32_t nreplications;
} output_meta;

/* Creates PATH.partial with every dataset of the layout.  Errors:
 * WS_ECANTCREAT when the file cannot be created, WS_EIO otherwise. */
int output_create(const char *path, const model *m, const output_meta *meta,
                  output **out, ws_error *err);

/* Writes one replication's results into its slab, appends its lot records,
 * and flushes the file. */
int output_write_replication(output *o, const fab_result *r, ws_error *err);

/* Closes the file and renames PATH.partial to PATH; frees o. */
int output_finish(output *o, ws_error *err);

/* Closes and removes PATH.partial; frees o.  For runs that failed. */
void output_abort(output *o);

#endif
