/* output.h - the HDF5 result file (docs/output-format.md).
 *
 * A run writes a pair of files, PATH.partial.a and .b, every dataset
 * created up front with NaN fill, and PATH.partial is a symbolic link to
 * the one last flushed in full.  Each committed replication goes into the
 * file not linked (with the one the other got before), which is flushed,
 * synced and then linked; output_finish renames the complete file to PATH
 * and removes the rest.  A run killed at any moment leaves no file at PATH
 * and a PATH.partial that opens and holds whole replications only;
 * output_resume continues such a run, output_merge joins the shard files
 * of a sweep run on several machines into the file one machine would have
 * written.  POSIX only (symbolic links, fsync of a directory).
 *
 * Errors: WS_ECANTCREAT when the file cannot be created, WS_EIO for HDF5 or
 * file-system failures, WS_EUSAGE when a resumed or merged file does not
 * belong to the same run, WS_ENOINPUT when a file to read is missing,
 * WS_ESOFTWARE for results that do not fit the file, WS_ENOMEM.
 *
 * HDF5 serial is not thread-safe beyond one global lock: call these from
 * one thread at a time (the runner's commit does).
 */
#ifndef WAFERSIM_OUTPUT_H
#define WAFERSIM_OUTPUT_H

#include <stdint.h>
#include "model.h"
#include "fab.h"
#include "scenario.h"
#include "summary.h"
#include "../sim/wserror.h"

typedef struct output output;

typedef struct output_meta {
    const char *version;        /* wafersim version */
    const char *git_revision;
    const char *command_line;
    uint64_t seed;
    int32_t nscenarios;         /* sweep points; 1 for a plain run */
    int32_t nreplications;
    const sweep_design *design; /* NULL for a plain run */
    const char *const *settings;    /* --set PATH=VALUE texts, as given */
    int32_t nsettings;
    int32_t shard_index;        /* this file holds tasks k with */
    int32_t shard_count;        /* k mod shard_count == shard_index */
} output_meta;

/* Creates the pair and PATH.partial with every dataset of the layout,
 * replacing what an earlier run left there; m is the model of scenario 0
 * (names, months, provenance).  Then call output_set_scenario for every
 * scenario before writing replications. */
int output_create(const char *path, const model *m, const output_meta *meta,
                  output **out, ws_error *err);

/* Reopens PATH.partial of an interrupted run with the same inputs and
 * options (checked: anything else is WS_EUSAGE naming the difference);
 * replications already in it count as written.  PATH.partial may also be
 * a plain file, as wafersim wrote before the pair; it is turned into the
 * pair.  WS_ENOINPUT when there is no PATH.partial (or it links to a
 * missing file).  Call output_set_scenario as after output_create. */
int output_resume(const char *path, const model *m, const output_meta *meta,
                  output **out, ws_error *err);

/* Gives the per-scenario model data (tools, lot sizes, raw process times)
 * of scenario s, written with the next commit; its model must have the
 * same products, tool groups, months, warm-up and number of time
 * constraints as scenario 0's (the file describes scenario 0's
 * constraints; WS_EDATA otherwise). */
int output_set_scenario(output *o, int32_t s, const model *m, ws_error *err);

/* Whether replication (scenario, replication) is in the file already. */
int output_has_replication(const output *o, int32_t scenario,
                           int32_t replication);

/* Commits one replication: its results into its slab, its lot records
 * appended, its task marked done, in the file not linked, which is then
 * flushed, synced and linked.  Every array of r must be there (one of no
 * elements may be NULL); WS_ESOFTWARE otherwise.  After a failed write
 * only output_suspend and output_abort are left. */
int output_write_replication(output *o, const fab_result *r, ws_error *err);

/* Writes the per-scenario summary variables into the file not linked,
 * brought up to date, closes it and renames it to PATH, then removes
 * PATH.partial and the other file; frees o.  When summary_out is not NULL
 * it receives the summary of the file (the caller destroys it).  On
 * failure PATH.partial is kept, for --resume. */
int output_finish(output *o, summary **summary_out, ws_error *err);

/* Closes and removes PATH.partial and its pair; frees o.  For runs that
 * failed. */
void output_abort(output *o);

/* Closes the files and keeps them, for --resume; frees o. */
void output_suspend(output *o);

/* Joins shard files (each from `--shard I/N` of the same run) into PATH:
 * every task present exactly once, all shards from the same scenario text,
 * options and version; a missing, duplicate or foreign shard is an error
 * naming it (WS_EUSAGE).  The result equals, value for value, the file an
 * unsharded run writes (its command_line attribute is command_line). */
int output_merge(const char *path, const char *const *shards, int32_t nshards,
                 const char *command_line, summary **summary_out,
                 ws_error *err);

#endif
