/* output_state.h - the result file's layout and an open output's state,
 * shared by the files of the output module; callers use output.h.
 *
 *   output.c         creating, writing and finishing a file, and the pair
 *                    of files behind PATH.partial
 *   output_layout.c  the tables of variables and what a new file gets:
 *                    dimensions, coordinates, variables, attributes
 *   output_read.c    reading files back: resume and merge
 *
 * The functions declared here are the ones these files call across; each
 * is described where it is defined.
 */
#ifndef WAFERSIM_OUTPUT_STATE_H
#define WAFERSIM_OUTPUT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "output.h"
#include "../sim/wserror.h"

/* 2 added tool states, scrap, due dates, hot lots and time constraints;
 * 3 weekly early-warning indicators and disruptions. */
#define OUTPUT_FORMAT_VERSION 3
/* Records per chunk of a lots column: 32 KiB of doubles, big enough to
 * compress well, small enough that appending a few lots stays cheap. */
#define OUTPUT_LOT_CHUNK 4096
#define OUTPUT_BOOL_TYPE "bool_t"

enum output_dim {
    DIM_SCENARIO,
    DIM_REPLICATION,
    DIM_MONTH,
    DIM_PRODUCT,
    DIM_TOOL_GROUP,
    DIM_TOOL_STATE,
    DIM_TIME_CONSTRAINT,        /* may be empty */
    DIM_WEEK,                   /* may be empty (a horizon under a week) */
    DIM_AREA,
    DIM_DISRUPTION,             /* may be empty */
    NDIMS
};

extern const char *const dim_names[NDIMS];

#define MAX_RANK 5

/* How a variable's values come from a fab_result. */
enum value_source {
    FROM_FIELD,         /* the array at `field`, as it is */
    AVAILABILITY_OF     /* 1 - down - pm of the tool-state shares at `field`,
                           which have one more (tool_state) dimension */
};

/* A per-replication float64 variable: dims[0..1] are always (scenario,
 * replication), so one replication is the slab [scenario, replication, ...],
 * which is also exactly one chunk. */
typedef struct result_var {
    const char *name;
    int rank;
    enum output_dim dims[MAX_RANK];
    size_t field;               /* offsetof the double * in fab_result */
    enum value_source source;
    const char *units;
    const char *long_name;
} result_var;

#define NRESULT_VARS 40
extern const result_var result_vars[NRESULT_VARS];

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
    LOT_WAFERS_OUT,
    LOT_PRIORITY,
    LOT_DUE,
    LOT_SCRAP,
    NLOT_COLUMNS
};

enum column_type { COLUMN_INT32, COLUMN_DOUBLE, COLUMN_STRING };

typedef struct lot_column_spec {
    const char *name;
    enum column_type type;
    const char *units;
    const char *long_name;
} lot_column_spec;

extern const lot_column_spec lot_columns[NLOT_COLUMNS];

/* Model data that may differ between the scenarios (points) of a sweep,
 * over (scenario, product) or (scenario, tool_group), written by
 * output_set_scenario. */
enum scenario_var { SV_RAW_TIME, SV_LOT_SIZE, SV_TOOLS, NSCENARIO_VARS };

typedef struct scenario_var_spec {
    const char *name;
    enum output_dim dim;
    int integer;
    const char *units;
    const char *long_name;
} scenario_var_spec;

extern const scenario_var_spec scenario_vars[NSCENARIO_VARS];

/* Summary over replications per scenario, written by output_finish.  A
 * _ci95 variable follows its mean in this list. */
enum summary_var {
    SUM_REPLICATIONS,
    SUM_WAFERS, SUM_WAFERS_CI,
    SUM_CYCLE, SUM_CYCLE_CI,
    SUM_XFACTOR, SUM_XFACTOR_CI,
    SUM_SCRAPPED, SUM_SCRAPPED_CI,
    SUM_ON_TIME, SUM_ON_TIME_CI,
    SUM_HOT_CYCLE, SUM_HOT_CYCLE_CI,
    SUM_AVAILABILITY, SUM_AVAILABILITY_CI,
    SUM_STATE_SHARE, SUM_STATE_SHARE_CI,
    SUM_BOTTLENECK_UTIL, SUM_BOTTLENECK_UTIL_CI,
    SUM_BOTTLENECK_AVAIL, SUM_BOTTLENECK_AVAIL_CI,
    SUM_BOTTLENECK,
    NSUMMARY_VARS
};

/* The dimensions after scenario. */
enum summary_shape {
    SUMMARY_SCENARIO,           /* (scenario) */
    SUMMARY_PRODUCT,            /* (scenario, product) */
    SUMMARY_GROUP,              /* (scenario, tool_group) */
    SUMMARY_GROUP_STATE         /* (scenario, tool_group, tool_state) */
};

typedef struct summary_var_spec {
    const char *name;
    enum summary_shape shape;
    enum column_type type;
    int ci95;                   /* the half-width, not the mean */
    const char *units;
    const char *long_name;
} summary_var_spec;

extern const summary_var_spec summary_vars[NSUMMARY_VARS];

/* The ids of one open result file. */
typedef struct output_file {
    hid_t file;
    hid_t bool_type;            /* the committed bool_t, opened */
    hid_t result[NRESULT_VARS];
    hid_t scenario_var[NSCENARIO_VARS];
    hid_t task_done;            /* bool_t (scenario, replication) */
    hid_t task_lots;            /* int64 (scenario, replication) */
    hid_t lots_group;
    hid_t lot_coord;
    hid_t lot_column[NLOT_COLUMNS];
    hsize_t nlots;              /* lot records in this file */
    int which;                  /* 0: PATH.partial.a, 1: .b, -1: neither */
} output_file;

/* What the file of the pair that lacks a replication needs besides the
 * chunks it copies from the other file: the task and its lot records (the
 * product names are written as values).  r's arrays are NULL but lots. */
typedef struct replication_copy {
    fab_result r;
} replication_copy;

/* The model data output_set_scenario writes, per scenario. */
typedef struct scenario_data {
    double *raw_time;           /* [scenario * P + product] */
    int32_t *lot_size;          /* [scenario * P + product] */
    int32_t *tools;             /* [scenario * G + group] */
    unsigned char *set;         /* [scenario]: given */
    unsigned char *in[2];       /* [scenario]: written into pair file k */
    int32_t missing[2];         /* set but not in pair file k */
} scenario_data;

struct output {
    char *path;
    char *partial;              /* PATH.partial, the name users know */
    /* A run keeps two files, PATH.partial.a and .b; PATH.partial is a
     * symbolic link to the one flushed last in full (docs/hardening.md,
     * "Crash safety").  A merge writes one plain PATH.partial. */
    char *pair[2];
    char *new_link;             /* PATH.partial.new, renamed over PATH.partial */
    int paired;
    int linked;                 /* the file PATH.partial links to; -1 */
    int broken;                 /* a write failed: the other file is damaged */
    int dir_fd;                 /* PATH's directory, for fsync; -1 */
    output_file f;              /* the linked file between calls */
    output_file other;          /* the other file: it lacks `lag` */
    replication_copy *lag;
    scenario_data scen;
    hid_t string_type;          /* variable-length UTF-8, owned */
    hsize_t size[NDIMS];
    char **product_names;       /* copies, for the lot_product column */
    int32_t nproducts;
    char **group_names;
    int32_t ngroups;
    /* What every scenario's model must share with scenario 0's. */
    int64_t start_date;
    double horizon_days;
    double warmup_days;
    unsigned char *written;     /* [scenario * R + replication] */
    summary *sum;
};

/* output_layout.c: a new file's variables, dimensions and attributes. */
int create_dimensions(output *o, const model *m, const double *bounds,
                      hid_t scale[NDIMS], ws_error *err);
int create_month_coordinates(output *o, const model *m, const double *bounds,
                             const hid_t scale[NDIMS], ws_error *err);
int create_week_coordinates(output *o, const model *m,
                            const hid_t scale[NDIMS], ws_error *err);
int create_result_vars(output *o, const hid_t scale[NDIMS],
                       const char *scenario_coords, ws_error *err);
int create_scenario_and_task_vars(output *o, const hid_t scale[NDIMS],
                                  ws_error *err);
int create_constraint_coordinates(output *o, const model *m,
                                  const hid_t scale[NDIMS], ws_error *err);
int create_summary_vars(output *o, const hid_t scale[NDIMS], ws_error *err);
int create_design(output *o, const sweep_design *d, const hid_t scale[NDIMS],
                  ws_error *err);
int create_lots_group(output *o, ws_error *err);
int create_root_attributes(output *o, const model *m, const output_meta *meta,
                           ws_error *err);

/* output.c: lifetime, the pair of files, writing. */
char *path_with(const char *path, const char *suffix);
output *output_alloc(const char *path);
int file_close(output_file *f);
int output_close_ids(output *o);
void free_names(char **names, int32_t n);
void output_free(output *o);
char **copy_names(const char *const *names, int32_t n);
int init_memory(output *o, const char *const *products,
                const char *const *groups, ws_error *err);
int label_points(output *o, const sweep_design *d, ws_error *err);
const char *pair_name(const output *o, int which);
int dir_open(output *o, ws_error *err);
int file_sync(output *o, output_file *f, ws_error *err);
int link_to(output *o, int which, ws_error *err);
int open_pair_file(output *o, output_file *f, int which, ws_error *err);
size_t slab_size(const output *o, const result_var *rv);

/* output_read.c: reading back. */
int open_ids(output *o, output_file *f, ws_error *err);
hid_t open_rdwr(const char *path);
int copy_file(const char *src, const char *dst, ws_error *err);

#endif
