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
 */
#include "output.h"
#include "h5file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "../sim/date.h"

/* 2 added tool states, scrap, due dates, hot lots and time constraints;
 * 3 weekly early-warning indicators and disruptions. */
#define OUTPUT_FORMAT_VERSION 3
/* Records per chunk of a lots column: 32 KiB of doubles, big enough to
 * compress well, small enough that appending a few lots stays cheap. */
#define OUTPUT_LOT_CHUNK 4096
#define OUTPUT_BOOL_TYPE "bool_t"
#define OUTPUT_STRING_(x) #x
#define OUTPUT_STRING(x) OUTPUT_STRING_(x)

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

static const char *const dim_names[NDIMS] = {
    "scenario", "replication", "month", "product", "tool_group", "tool_state",
    "time_constraint", "week", "area", "disruption"
};

#define MAX_RANK 5

/* The values of the tool_state coordinate, in the order of enum
 * tool_state: the last index of every tool_state_share. */
static const char *const tool_state_names[] = {
    [TOOL_IDLE] = "idle", [TOOL_PROCESSING] = "processing",
    [TOOL_SETUP] = "setup", [TOOL_DOWN] = "down", [TOOL_PM] = "pm",
};
_Static_assert(sizeof tool_state_names / sizeof tool_state_names[0]
                   == TOOL_STATE_COUNT,
               "a name for every tool state");

/* The coordinates along time_constraint, which every variable over it
 * names in its `coordinates` attribute. */
#define CONSTRAINT_COORDINATES \
    "time_constraint_product time_constraint_from_step " \
    "time_constraint_to_step time_constraint_limit_days"

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

#define MONTH_PRODUCT 4, {DIM_SCENARIO, DIM_REPLICATION, DIM_MONTH, DIM_PRODUCT}
#define MONTH_GROUP 4, {DIM_SCENARIO, DIM_REPLICATION, DIM_MONTH, DIM_TOOL_GROUP}
#define MONTH_GROUP_STATE 5, {DIM_SCENARIO, DIM_REPLICATION, DIM_MONTH, \
                              DIM_TOOL_GROUP, DIM_TOOL_STATE}
#define PER_PRODUCT 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_PRODUCT}
#define PER_GROUP 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_TOOL_GROUP}
#define PER_GROUP_STATE 4, {DIM_SCENARIO, DIM_REPLICATION, DIM_TOOL_GROUP, \
                            DIM_TOOL_STATE}
#define PER_CONSTRAINT 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_TIME_CONSTRAINT}
#define PER_WEEK 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_WEEK}
#define WEEK_AREA 4, {DIM_SCENARIO, DIM_REPLICATION, DIM_WEEK, DIM_AREA}
#define PER_DISRUPTION 3, {DIM_SCENARIO, DIM_REPLICATION, DIM_DISRUPTION}
#define FIELD(name) offsetof(fab_result, name), FROM_FIELD

/* Units "day" (not "days"): xarray would decode "days" into timedelta64. */
static const result_var result_vars[] = {
    {"wafers_out", MONTH_PRODUCT, FIELD(wafers_out),
     "wafer", "wafers of lots finished in the month"},
    {"wafer_starts", MONTH_PRODUCT, FIELD(wafer_starts),
     "wafer", "wafers of lots released in the month"},
    {"wip_wafers", MONTH_PRODUCT, FIELD(wip_wafers),
     "wafer", "wafers in the fab at the end of the month"},
    {"wip_wafers_mean", MONTH_PRODUCT, FIELD(wip_wafers_mean),
     "wafer", "time-average wafers in the fab during the month"},
    {"cycle_time_days", MONTH_PRODUCT, FIELD(cycle_time_days),
     "day", "mean cycle time of lots finished in the month"},
    {"wafers_scrapped", MONTH_PRODUCT, FIELD(wafers_scrapped),
     "wafer", "wafers scrapped in the month"},
    {"on_time_share", MONTH_PRODUCT, FIELD(on_time_share),
     "1", "share of the lots finished in the month with a due date that "
     "finished by it"},
    {"x_factor", MONTH_PRODUCT, FIELD(x_factor),
     "1", "mean cycle time / raw process time of lots finished in the month"},
    {"hot_cycle_time_days", MONTH_PRODUCT, FIELD(hot_cycle_time_days),
     "day", "mean cycle time of hot lots finished in the month"},
    {"utilisation", MONTH_GROUP, FIELD(utilisation),
     "1", "busy tool time / (tools x time in the month)"},
    {"availability", MONTH_GROUP, offsetof(fab_result, tool_state_share),
     AVAILABILITY_OF,
     "1", "share of tool time neither down nor in preventive maintenance"},
    {"tool_state_share", MONTH_GROUP_STATE, FIELD(tool_state_share),
     "1", "share of tool time in each state during the month"},
    {"throughput_wafers_per_day", PER_PRODUCT,
     FIELD(throughput_wafers_per_day),
     "wafer/day", "wafers out per day after the warm-up"},
    {"mean_cycle_time_days", PER_PRODUCT, FIELD(mean_cycle_time_days),
     "day", "mean cycle time of lots finished after the warm-up"},
    {"mean_wip_wafers", PER_PRODUCT, FIELD(mean_wip_wafers),
     "wafer", "time-average wafers in the fab after the warm-up"},
    {"mean_wafers_scrapped_per_day", PER_PRODUCT,
     FIELD(mean_wafers_scrapped_per_day),
     "wafer/day", "wafers scrapped per day after the warm-up"},
    {"mean_on_time_share", PER_PRODUCT, FIELD(mean_on_time_share),
     "1", "share of the lots finished after the warm-up with a due date "
     "that finished by it"},
    {"mean_x_factor", PER_PRODUCT, FIELD(mean_x_factor),
     "1", "mean cycle time / raw process time of lots finished after the "
     "warm-up"},
    {"mean_hot_cycle_time_days", PER_PRODUCT,
     FIELD(mean_hot_cycle_time_days),
     "day", "mean cycle time of hot lots finished after the warm-up"},
    {"mean_utilisation", PER_GROUP, FIELD(mean_utilisation),
     "1", "busy tool time / (tools x time) after the warm-up"},
    {"mean_availability", PER_GROUP,
     offsetof(fab_result, mean_tool_state_share), AVAILABILITY_OF,
     "1", "share of tool time neither down nor in preventive maintenance "
     "after the warm-up"},
    {"mean_tool_state_share", PER_GROUP_STATE, FIELD(mean_tool_state_share),
     "1", "share of tool time in each state after the warm-up"},
    {"time_constraint_checks", PER_CONSTRAINT, FIELD(cqt_checks),
     "lot", "lots that finished the constraint's first step and reached "
     "its last (whole horizon)"},
    {"time_constraint_violations", PER_CONSTRAINT, FIELD(cqt_violations),
     "lot", "of those lots, how many exceeded the time limit"},
    {"weekly_wafers_out", PER_WEEK, FIELD(weekly_wafers_out),
     "wafer", "wafers of lots finished in the week"},
    {"weekly_wafer_starts", PER_WEEK, FIELD(weekly_wafer_starts),
     "wafer", "wafers of lots released in the week"},
    {"ew_wip_wafers", WEEK_AREA, FIELD(ew_wip_wafers),
     "wafer", "wafers at the area's steps at the end of the week"},
    {"ew_wip_plan_wafers", WEEK_AREA, FIELD(ew_wip_plan_wafers),
     "wafer", "planned wafers at the area's steps: planned starts x raw "
     "process time in the area x plan_x_factor"},
    {"ew_wip_vs_plan", WEEK_AREA, FIELD(ew_wip_vs_plan),
     "1", "ew_wip_wafers / ew_wip_plan_wafers"},
    {"ew_bottleneck_queue_wafers", PER_WEEK,
     FIELD(ew_bottleneck_queue_wafers),
     "wafer", "wafers waiting for the bottleneck at the end of the week"},
    {"ew_bottleneck_queue_days", PER_WEEK, FIELD(ew_bottleneck_queue_days),
     "day", "the bottleneck's queue in days of its work"},
    {"ew_bottleneck_queue_growth_days", PER_WEEK,
     FIELD(ew_bottleneck_queue_growth_days),
     "day", "change of ew_bottleneck_queue_days over the week"},
    {"ew_projected_output_wafers", PER_WEEK,
     FIELD(ew_projected_output_wafers),
     "wafer", "wafers in the fab whose remaining raw process time x "
     "plan_x_factor fits in the indicator horizon"},
    {"ew_projected_shortfall", PER_WEEK, FIELD(ew_projected_shortfall),
     "1", "1 - projected output / planned output over the indicator "
     "horizon"},
    {"disruption_occurrences", PER_DISRUPTION,
     FIELD(disruption_occurrences),
     "1", "occurrences of the disruption that started in the horizon"},
    {"disruption_first_start_days", PER_DISRUPTION,
     FIELD(disruption_first_start_days),
     "day", "start of its first occurrence, days since the start date"},
    {"disruption_last_end_days", PER_DISRUPTION,
     FIELD(disruption_last_end_days),
     "day", "latest end of an occurrence (last tool back, window closed or "
     "lots found); may lie past the horizon"},
    {"disruption_lots_scrapped", PER_DISRUPTION,
     FIELD(disruption_lots_scrapped),
     "lot", "whole lots its occurrences scrapped"},
    {"disruption_wafers_scrapped", PER_DISRUPTION,
     FIELD(disruption_wafers_scrapped),
     "wafer", "wafers its occurrences scrapped"},
    {"disruption_wafers_not_started", PER_DISRUPTION,
     FIELD(disruption_wafers_not_started),
     "wafer", "planned wafer starts its release cuts skipped"},
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
    {"wafers", COLUMN_INT32, "wafer", "wafers in the lot at release"},
    {"wafers_out", COLUMN_INT32, "wafer",
     "wafers the lot finished with (after yield loss)"},
    {"priority", COLUMN_INT32, "1",
     "priority of the lot; hot from " OUTPUT_STRING(MODEL_HOT_PRIORITY)},
    {"due_time_days", COLUMN_DOUBLE, "day",
     "due date, days since the start date; NaN if the lot has none"},
    {"scrap_time_days", COLUMN_DOUBLE, "day",
     "time the whole lot was scrapped, days since the start date; NaN "
     "unless it was"},
};

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

static const scenario_var_spec scenario_vars[NSCENARIO_VARS] = {
    {"raw_process_time_days", DIM_PRODUCT, 0, "day",
     "sum of the mean step times of one lot"},
    {"lot_size", DIM_PRODUCT, 1, "wafer", "wafers per lot"},
    {"tools", DIM_TOOL_GROUP, 1, "1", "tools in the group"},
};

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

#define CI95_LONG_NAME "half-width of the 95% confidence interval (Student t)"

static const summary_var_spec summary_vars[NSUMMARY_VARS] = {
    {"summary_replications", SUMMARY_SCENARIO, COLUMN_INT32, 0, "1",
     "replications behind the summary"},
    {"summary_wafers_per_month", SUMMARY_PRODUCT, COLUMN_DOUBLE, 0,
     "wafer/month",
     "mean over replications of wafers out per month after the warm-up"},
    {"summary_wafers_per_month_ci95", SUMMARY_PRODUCT, COLUMN_DOUBLE, 1,
     "wafer/month", CI95_LONG_NAME},
    {"summary_cycle_time_days", SUMMARY_PRODUCT, COLUMN_DOUBLE, 0, "day",
     "mean over replications of the mean cycle time after the warm-up"},
    {"summary_cycle_time_days_ci95", SUMMARY_PRODUCT, COLUMN_DOUBLE, 1, "day",
     CI95_LONG_NAME},
    {"summary_x_factor", SUMMARY_PRODUCT, COLUMN_DOUBLE, 0, "1",
     "mean over replications of cycle time / raw process time"},
    {"summary_x_factor_ci95", SUMMARY_PRODUCT, COLUMN_DOUBLE, 1, "1",
     CI95_LONG_NAME},
    {"summary_wafers_scrapped_per_month", SUMMARY_PRODUCT, COLUMN_DOUBLE, 0,
     "wafer/month",
     "mean over replications of wafers scrapped per month after the warm-up"},
    {"summary_wafers_scrapped_per_month_ci95", SUMMARY_PRODUCT, COLUMN_DOUBLE, 1,
     "wafer/month", CI95_LONG_NAME},
    {"summary_on_time_share", SUMMARY_PRODUCT, COLUMN_DOUBLE, 0, "1",
     "mean over replications of the on-time share after the warm-up"},
    {"summary_on_time_share_ci95", SUMMARY_PRODUCT, COLUMN_DOUBLE, 1, "1",
     CI95_LONG_NAME},
    {"summary_hot_cycle_time_days", SUMMARY_PRODUCT, COLUMN_DOUBLE, 0, "day",
     "mean over replications of the hot lots' mean cycle time after the "
     "warm-up"},
    {"summary_hot_cycle_time_days_ci95", SUMMARY_PRODUCT, COLUMN_DOUBLE, 1, "day",
     CI95_LONG_NAME},
    {"summary_availability", SUMMARY_GROUP, COLUMN_DOUBLE, 0, "1",
     "mean over replications of the availability after the warm-up"},
    {"summary_availability_ci95", SUMMARY_GROUP, COLUMN_DOUBLE, 1, "1",
     CI95_LONG_NAME},
    {"summary_tool_state_share", SUMMARY_GROUP_STATE, COLUMN_DOUBLE, 0, "1",
     "mean over replications of the share of tool time in each state after "
     "the warm-up"},
    {"summary_tool_state_share_ci95", SUMMARY_GROUP_STATE, COLUMN_DOUBLE, 1, "1",
     CI95_LONG_NAME},
    {"summary_bottleneck_utilisation", SUMMARY_SCENARIO, COLUMN_DOUBLE, 0, "1",
     "mean utilisation of the tool group with the highest mean"},
    {"summary_bottleneck_utilisation_ci95", SUMMARY_SCENARIO, COLUMN_DOUBLE, 1,
     "1", CI95_LONG_NAME},
    {"summary_bottleneck_availability", SUMMARY_SCENARIO, COLUMN_DOUBLE, 0, "1",
     "mean availability of the tool group with the highest mean utilisation"},
    {"summary_bottleneck_availability_ci95", SUMMARY_SCENARIO, COLUMN_DOUBLE, 1,
     "1", CI95_LONG_NAME},
    {"summary_bottleneck", SUMMARY_SCENARIO, COLUMN_STRING, 0, "1",
     "tool group with the highest mean utilisation after the warm-up"},
};

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

/* ---- creating the layout ----------------------------------------------- */

/* Values of the week, area and disruption coordinates. */
static int write_week_area_disruption(output *o, const model *m,
                                      const hid_t scale[NDIMS], ws_error *err)
{
    size_t W = (size_t)o->size[DIM_WEEK], A = (size_t)o->size[DIM_AREA];
    size_t D = (size_t)o->size[DIM_DISRUPTION];
    double *weeks = malloc((W + 1) * sizeof *weeks);
    const char **names = malloc((A + D + 1) * sizeof *names);
    int rc = 0;
    if (!weeks || !names)
        rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    for (size_t k = 0; rc == 0 && k < W; k++)
        weeks[k] = 7.0 * (double)(k + 1);
    for (size_t a = 0; rc == 0 && a < A; a++)
        names[a] = model_area_name(m, (int32_t)a);
    for (size_t d = 0; rc == 0 && d < D; d++)
        names[A + d] = m->disruptions[d].name;
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_WEEK],
                                      H5T_NATIVE_DOUBLE, W, weeks, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_AREA],
                                      o->string_type, A, names, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_DISRUPTION],
                                      o->string_type, D, names + A, err);
    free(weeks);
    free(names);
    return rc;
}

/* The root dimensions: coordinate variables made dimension scales.
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
                                o->string_type, o->string_type,
                                o->string_type, H5T_STD_I32LE,
                                H5T_IEEE_F64LE, o->string_type,
                                o->string_type};
    for (int k = 0; k < NDIMS && rc == 0; k++) {
        h5file_dataset_spec s = {dim_names[k], types[k], 1, &n[k], NULL, NULL,
                                 -1};
        scale[k] = h5file_dataset_create(o->partial, o->f.file, &s, err);
        if (scale[k] < 0)
            return err->code;
        if (H5DSset_scale(scale[k], dim_names[k]) < 0)
            return h5file_fail(o->partial, err, WS_EIO,
                               "cannot make %s a dimension scale",
                               dim_names[k]);
    }

    /* Index coordinates 0..n-1; one buffer large enough for any. */
    size_t most = 1;
    for (int k = 0; k < NDIMS; k++)
        if (types[k] == H5T_STD_I32LE && (size_t)n[k] > most)
            most = (size_t)n[k];
    int32_t *index = malloc(most * sizeof *index);
    if (!index)
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                            "out of memory");
    for (size_t i = 0; i < most; i++)
        index[i] = (int32_t)i;
    rc = h5file_dataset_write_all(o->partial, scale[DIM_SCENARIO],
                                  H5T_NATIVE_INT32, (size_t)n[DIM_SCENARIO],
                                  index, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_REPLICATION],
                                      H5T_NATIVE_INT32,
                                      (size_t)n[DIM_REPLICATION], index, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_TIME_CONSTRAINT],
                                      H5T_NATIVE_INT32,
                                      (size_t)n[DIM_TIME_CONSTRAINT], index,
                                      err);
    free(index);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_TOOL_STATE],
                                      o->string_type, TOOL_STATE_COUNT,
                                      tool_state_names, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_MONTH],
                                      H5T_NATIVE_DOUBLE, (size_t)n[DIM_MONTH],
                                      bounds, err);
    if (rc == 0)
        rc = write_week_area_disruption(o, m, scale, err);

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
        rc = h5file_dataset_write_all(o->partial, scale[DIM_PRODUCT],
                                      o->string_type, (size_t)m->nproducts,
                                      names, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, scale[DIM_TOOL_GROUP],
                                      o->string_type, (size_t)m->ngroups,
                                      names + m->nproducts, err);
    free(names);
    if (rc)
        return rc;

    char units[64], start[11];
    date_format_iso(m->start_date, start);
    snprintf(units, sizeof units, "days since %s", start);
    if ((rc = h5file_describe(o->partial, scale[DIM_SCENARIO], "scenario index",
                              "1", o->string_type, err))
        || (rc = h5file_describe(o->partial, scale[DIM_REPLICATION],
                                 "replication", "1", o->string_type, err))
        || (rc = h5file_describe(o->partial, scale[DIM_MONTH],
                                 "start of the month", units, o->string_type,
                                 err))
        || (rc = h5file_attr_string(o->partial, scale[DIM_MONTH], "calendar",
                                    "proleptic_gregorian", o->string_type, err))
        || (rc = h5file_describe(o->partial, scale[DIM_PRODUCT], "product name",
                                 "1", o->string_type, err))
        || (rc = h5file_describe(o->partial, scale[DIM_TOOL_GROUP],
                                 "tool group name", "1", o->string_type, err))
        || (rc = h5file_describe(o->partial, scale[DIM_TOOL_STATE],
                                 "state of a tool", "1", o->string_type, err))
        || (rc = h5file_describe(o->partial, scale[DIM_TIME_CONSTRAINT],
                                 "time constraint index", "1", o->string_type,
                                 err))
        || (rc = h5file_describe(o->partial, scale[DIM_WEEK],
                                 "end of the week", units, o->string_type,
                                 err))
        || (rc = h5file_describe(o->partial, scale[DIM_AREA],
                                 "area of tool groups", "1", o->string_type,
                                 err))
        || (rc = h5file_describe(o->partial, scale[DIM_DISRUPTION],
                                 "disruption name", "1", o->string_type,
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
        || H5Tcommit2(o->f.file, OUTPUT_BOOL_TYPE, bool_type, H5P_DEFAULT, tcpl,
                      H5P_DEFAULT) < 0) {
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot create the %s type",
                         OUTPUT_BOOL_TYPE);
        if (tcpl >= 0)
            H5Pclose(tcpl);
        if (bool_type >= 0)
            H5Tclose(bool_type);
        return rc;
    }
    if (H5Pclose(tcpl) < 0) {
        H5Tclose(bool_type);
        return h5file_fail(o->partial, err, WS_EIO,
                           "cannot close property list");
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

    h5file_dataset_spec ws = {"warmup", bool_type, 1, &n, NULL, NULL, -1};
    h5file_dataset_spec ds = {"month_days", H5T_IEEE_F64LE, 1, &n, NULL, NULL,
                              H5T_NATIVE_DOUBLE};
    hid_t dw = h5file_dataset_create(o->partial, o->f.file, &ws, err);
    hid_t dd = dw < 0 ? -1
                      : h5file_dataset_create(o->partial, o->f.file, &ds, err);
    rc = dw < 0 || dd < 0 ? err->code : 0;
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, dw, bool_type, months, warmup,
                                      err);
    if (rc == 0)
        rc = h5file_describe(o->partial, dw,
                             "the month begins before the end of the warm-up",
                             "1", o->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(o->partial, dw, scale[DIM_MONTH], 0, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, dd, H5T_NATIVE_DOUBLE, months,
                                      days, err);
    if (rc == 0)
        rc = h5file_attr_nan_fill(o->partial, dd, err);
    if (rc == 0)
        rc = h5file_describe(o->partial, dd,
                             "length of the month bucket "
                             "(the first and last may be partial)",
                             "day", o->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(o->partial, dd, scale[DIM_MONTH], 0, err);
    free(warmup);
    free(days);
    if (dd >= 0 && H5Dclose(dd) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close month_days");
    if (dw >= 0 && H5Dclose(dw) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close warmup");
    o->f.bool_type = bool_type;   /* committed; closed with the file */
    return rc;
}

/* week_warmup (bool) along week and disruption_kind along disruption:
 * non-dimension coordinates, named by the variables over those dims. */
static int create_week_coordinates(output *o, const model *m,
                                   const hid_t scale[NDIMS], ws_error *err)
{
    size_t W = (size_t)o->size[DIM_WEEK], D = (size_t)o->size[DIM_DISRUPTION];
    hsize_t nw = W, nd = D;
    signed char *warm = malloc(W + 1);
    const char **kinds = malloc((D + 1) * sizeof *kinds);
    int rc = 0;
    if (!warm || !kinds) {
        free(warm);
        free(kinds);
        return ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                            "out of memory");
    }
    for (size_t k = 0; k < W; k++)
        warm[k] = 7.0 * (double)(k + 1) <= m->warmup_days;
    for (size_t d = 0; d < D; d++)
        kinds[d] = disruption_kind_name(m->disruptions[d].kind);
    h5file_dataset_spec ws = {"week_warmup", o->f.bool_type, 1, &nw, NULL, NULL,
                              -1};
    h5file_dataset_spec ks = {"disruption_kind", o->string_type, 1, &nd, NULL,
                              NULL, -1};
    hid_t dw = h5file_dataset_create(o->partial, o->f.file, &ws, err);
    hid_t dk = dw < 0 ? -1
                      : h5file_dataset_create(o->partial, o->f.file, &ks, err);
    rc = dw < 0 || dk < 0 ? err->code : 0;
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, dw, o->f.bool_type, W, warm,
                                      err);
    if (rc == 0)
        rc = h5file_describe(o->partial, dw,
                             "the week ends at or before the end of the "
                             "warm-up", "1", o->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(o->partial, dw, scale[DIM_WEEK], 0, err);
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, dk, o->string_type, D,
                                      kinds, err);
    if (rc == 0)
        rc = h5file_describe(o->partial, dk,
                             "kind of the disruption: shutdown, power_sag, "
                             "outage, shortage or excursion", "1",
                             o->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(o->partial, dk, scale[DIM_DISRUPTION], 0,
                                 err);
    free(warm);
    free(kinds);
    if (dk >= 0 && H5Dclose(dk) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO,
                         "cannot close disruption_kind");
    if (dw >= 0 && H5Dclose(dw) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close week_warmup");
    return rc;
}

/* scenario_coords: the swept parameters' names, space-separated, for the
 * CF `coordinates` attribute ("" for a plain run). */
static int create_result_vars(output *o, const hid_t scale[NDIMS],
                              const char *scenario_coords, ws_error *err)
{
    for (size_t v = 0; v < NRESULT_VARS; v++) {
        const result_var *rv = &result_vars[v];
        hsize_t dims[MAX_RANK], chunk[MAX_RANK];
        int chunked = 1, monthly = 0, constrained = 0;
        const char *extra = "";
        for (int i = 0; i < rv->rank; i++) {
            dims[i] = o->size[rv->dims[i]];
            chunk[i] = i < 2 ? 1 : dims[i];
            /* A chunk may not exceed a fixed dimension, so an empty one
             * (say, a model without tool groups or time constraints) stays
             * contiguous. */
            if (dims[i] == 0)
                chunked = 0;
            if (rv->dims[i] == DIM_MONTH)
                monthly = 1;
            if (rv->dims[i] == DIM_TIME_CONSTRAINT)
                constrained = 1;
            if (rv->dims[i] == DIM_WEEK)
                extra = "week_warmup";
            if (rv->dims[i] == DIM_DISRUPTION)
                extra = "disruption_kind";
        }
        h5file_dataset_spec s = {rv->name, H5T_IEEE_F64LE, rv->rank, dims,
                                 NULL, chunked ? chunk : NULL,
                                 H5T_NATIVE_DOUBLE};
        o->f.result[v] = h5file_dataset_create(o->partial, o->f.file, &s, err);
        if (o->f.result[v] < 0)
            return err->code;
        hid_t d = o->f.result[v];
        int rc = h5file_attr_nan_fill(o->partial, d, err);
        if (rc == 0)
            rc = h5file_describe(o->partial, d, rv->long_name, rv->units,
                                 o->string_type, err);
        char coords[8192];
        snprintf(coords, sizeof coords, "%s%s%s%s%s",
                 monthly ? "warmup month_days" : "",
                 constrained ? CONSTRAINT_COORDINATES : "", extra,
                 (monthly || constrained || extra[0]) && scenario_coords[0]
                     ? " " : "",
                 scenario_coords);
        if (rc == 0 && coords[0])
            rc = h5file_attr_string(o->partial, d, "coordinates", coords,
                                    o->string_type, err);
        for (int i = 0; i < rv->rank && rc == 0; i++)
            rc = h5file_attach_scale(o->partial, d, scale[rv->dims[i]],
                                     (unsigned)i, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* A fixed-size dataset over the given dimensions, described and attached
 * to its scales; contiguous, since it is small and written piecemeal. */
static hid_t create_plain_var(output *o, const char *name, hid_t type,
                              int rank, const enum output_dim *dims,
                              const hid_t scale[NDIMS], const char *units,
                              const char *long_name, ws_error *err)
{
    hsize_t n[4];
    for (int i = 0; i < rank; i++)
        n[i] = o->size[dims[i]];
    int is_double = H5Tequal(type, H5T_IEEE_F64LE) > 0;
    h5file_dataset_spec s = {name, type, rank, n, NULL, NULL,
                             is_double ? H5T_NATIVE_DOUBLE : -1};
    hid_t d = h5file_dataset_create(o->partial, o->f.file, &s, err);
    if (d < 0)
        return -1;
    int rc = is_double ? h5file_attr_nan_fill(o->partial, d, err) : 0;
    if (rc == 0)
        rc = h5file_describe(o->partial, d, long_name, units, o->string_type,
                             err);
    for (int i = 0; i < rank && rc == 0; i++)
        rc = h5file_attach_scale(o->partial, d, scale[dims[i]], (unsigned)i,
                                 err);
    if (rc) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* Per-scenario model data and the task bookkeeping: task_done marks the
 * replications in the file (what --resume and merge rely on), task_lots
 * how many lot records each one appended. */
static int create_scenario_and_task_vars(output *o, const hid_t scale[NDIMS],
                                         ws_error *err)
{
    for (int v = 0; v < NSCENARIO_VARS; v++) {
        const scenario_var_spec *sv = &scenario_vars[v];
        enum output_dim dims[2] = {DIM_SCENARIO, sv->dim};
        o->f.scenario_var[v] = create_plain_var(
            o, sv->name, sv->integer ? H5T_STD_I32LE : H5T_IEEE_F64LE, 2,
            dims, scale, sv->units, sv->long_name, err);
        if (o->f.scenario_var[v] < 0)
            return err->code;
    }
    enum output_dim task[2] = {DIM_SCENARIO, DIM_REPLICATION};
    o->f.task_done = create_plain_var(o, "task_done", o->f.bool_type, 2, task,
                                    scale, "1",
                                    "the replication's results are in the file",
                                    err);
    if (o->f.task_done < 0)
        return err->code;
    o->f.task_lots = create_plain_var(o, "task_lots", H5T_STD_I64LE, 2, task,
                                    scale, "1",
                                    "lot records of the replication in group lots",
                                    err);
    return o->f.task_lots < 0 ? err->code : 0;
}

/* The time constraints of scenario 0's model along time_constraint (a
 * sweep may not change them, see output_set_scenario): product names, as
 * in lots/lot_product, and steps counted from 1, as `#N` in --set paths. */
static int create_constraint_coordinates(output *o, const model *m,
                                         const hid_t scale[NDIMS],
                                         ws_error *err)
{
    size_t n = (size_t)o->size[DIM_TIME_CONSTRAINT];
    const char **products = malloc((n + 1) * sizeof *products);
    int32_t *from = malloc((n + 1) * sizeof *from);
    int32_t *to = malloc((n + 1) * sizeof *to);
    double *limit = malloc((n + 1) * sizeof *limit);
    int rc = 0;
    if (!products || !from || !to || !limit)
        rc = ws_error_set(err, WS_ENOMEM, o->partial, 0, 0, "out of memory");
    for (size_t c = 0; c < n && rc == 0; c++) {
        const time_constraint *tc = &m->constraints[c];
        if (tc->product < 0 || tc->product >= m->nproducts)
            rc = ws_error_set(err, WS_ESOFTWARE, o->partial, 0, 0,
                              "time constraint %zu has product %d of %d", c,
                              (int)tc->product, (int)m->nproducts);
        else {
            products[c] = m->products[tc->product].name;
            from[c] = tc->from_step + 1;
            to[c] = tc->to_step + 1;
            limit[c] = tc->limit_days;
        }
    }
    static const struct {
        const char *name, *units, *long_name;
        enum column_type type;
    } coords[] = {
        {"time_constraint_product", "1", "product of the time constraint",
         COLUMN_STRING},
        {"time_constraint_from_step", "1",
         "step whose end opens the window, counted from 1 in the route",
         COLUMN_INT32},
        {"time_constraint_to_step", "1",
         "step that must start within the limit, counted from 1 in the route",
         COLUMN_INT32},
        {"time_constraint_limit_days", "day", "time limit of the window",
         COLUMN_DOUBLE},
    };
    const void *values[] = {products, from, to, limit};
    enum output_dim dim = DIM_TIME_CONSTRAINT;
    for (size_t k = 0; k < sizeof coords / sizeof coords[0] && rc == 0; k++) {
        hid_t type = coords[k].type == COLUMN_INT32 ? H5T_STD_I32LE
                   : coords[k].type == COLUMN_DOUBLE ? H5T_IEEE_F64LE
                   : o->string_type;
        hid_t mem = coords[k].type == COLUMN_INT32 ? H5T_NATIVE_INT32
                  : coords[k].type == COLUMN_DOUBLE ? H5T_NATIVE_DOUBLE
                  : o->string_type;
        hid_t d = create_plain_var(o, coords[k].name, type, 1, &dim, scale,
                                   coords[k].units, coords[k].long_name, err);
        if (d < 0) {
            rc = err->code;
            break;
        }
        rc = h5file_dataset_write_all(o->partial, d, mem, n, values[k], err);
        if (H5Dclose(d) < 0 && rc == 0)
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot close %s",
                             coords[k].name);
    }
    free(products);
    free(from);
    free(to);
    free(limit);
    return rc;
}

static int create_summary_vars(output *o, const hid_t scale[NDIMS],
                               ws_error *err)
{
    for (int v = 0; v < NSUMMARY_VARS; v++) {
        const summary_var_spec *sv = &summary_vars[v];
        enum output_dim dims[3] = {DIM_SCENARIO, DIM_TOOL_GROUP, DIM_TOOL_STATE};
        int rank = sv->shape == SUMMARY_SCENARIO ? 1
                 : sv->shape == SUMMARY_GROUP_STATE ? 3 : 2;
        if (sv->shape == SUMMARY_PRODUCT)
            dims[1] = DIM_PRODUCT;
        hid_t type = sv->type == COLUMN_INT32 ? H5T_STD_I32LE
                   : sv->type == COLUMN_DOUBLE ? H5T_IEEE_F64LE
                   : o->string_type;
        hid_t d = create_plain_var(o, sv->name, type, rank, dims, scale,
                                   sv->units, sv->long_name, err);
        if (d < 0)
            return err->code;
        if (H5Dclose(d) < 0)
            return h5file_fail(o->partial, err, WS_EIO, "cannot close %s",
                               sv->name);
    }
    return 0;
}

/* Units of a swept parameter, from the key its path ends in. */
static const char *parameter_units(const char *path)
{
    static const struct { const char *key, *units; } table[] = {
        {"wafers_per_month", "wafer/month"}, {"lots_per_day", "lot/day"},
        {"lot_size", "wafer"}, {"tools", "1"}, {"first_release_day", "day"},
        {"warmup_days", "day"},
    };
    const char *key = strrchr(path, '.');
    key = key ? key + 1 : path;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(key, table[i].key) == 0)
            return table[i].units;
    return "1";
}

/* The design of a sweep: a coordinate along scenario per parameter (named
 * by its path; numbers when every value is one, else strings) and the
 * matrix design(scenario, parameter). */
static int create_design(output *o, const sweep_design *d,
                         const hid_t scale[NDIMS], ws_error *err)
{
    int32_t np = d->nparams, n = d->npoints;
    int rc = 0;
    hsize_t hp = (hsize_t)np, dims[2] = {(hsize_t)n, (hsize_t)np};
    h5file_dataset_spec ps = {"parameter", o->string_type, 1, &hp, NULL,
                              NULL, -1};
    hid_t pscale = h5file_dataset_create(o->partial, o->f.file, &ps, err);
    if (pscale < 0)
        return err->code;
    if (H5DSset_scale(pscale, "parameter") < 0)
        rc = h5file_fail(o->partial, err, WS_EIO,
                         "cannot make parameter a dimension scale");
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, pscale, o->string_type,
                                      (size_t)np, d->params, err);
    if (rc == 0)
        rc = h5file_describe(o->partial, pscale,
                             "swept parameter (scenario path)", "1",
                             o->string_type, err);

    h5file_dataset_spec ds = {"design", H5T_IEEE_F64LE, 2, dims, NULL, NULL,
                              H5T_NATIVE_DOUBLE};
    hid_t dd = rc ? -1 : h5file_dataset_create(o->partial, o->f.file, &ds, err);
    if (rc == 0 && dd < 0)
        rc = err->code;
    if (rc == 0)
        rc = h5file_dataset_write_all(o->partial, dd, H5T_NATIVE_DOUBLE,
                                      (size_t)n * (size_t)np, d->numbers, err);
    if (rc == 0)
        rc = h5file_attr_nan_fill(o->partial, dd, err);
    if (rc == 0)
        rc = h5file_describe(o->partial, dd,
                             "value of each swept parameter at each scenario "
                             "(NaN where not a number)",
                             "1", o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, dd, "sweep", d->kind,
                                o->string_type, err);
    if (rc == 0)
        rc = h5file_attach_scale(o->partial, dd, scale[DIM_SCENARIO], 0, err);
    if (rc == 0)
        rc = h5file_attach_scale(o->partial, dd, pscale, 1, err);
    if (dd >= 0 && H5Dclose(dd) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close design");
    if (H5Dclose(pscale) < 0 && rc == 0)
        rc = h5file_fail(o->partial, err, WS_EIO, "cannot close parameter");

    double *column = malloc(((size_t)n + 1) * sizeof *column);
    const char **texts = malloc(((size_t)n + 1) * sizeof *texts);
    if (!column || !texts) {
        free(column);
        free(texts);
        return rc ? rc : ws_error_set(err, WS_ENOMEM, o->partial, 0, 0,
                                      "out of memory");
    }
    for (int32_t j = 0; j < np && rc == 0; j++) {
        int numeric = 1;
        for (int32_t p = 0; p < n; p++) {
            column[p] = d->numbers[(size_t)p * (size_t)np + (size_t)j];
            texts[p] = d->values[(size_t)p * (size_t)np + (size_t)j];
            numeric &= !isnan(column[p]);
        }
        enum output_dim dim = DIM_SCENARIO;
        char long_name[600];
        snprintf(long_name, sizeof long_name, "swept parameter %s",
                 d->params[j]);
        hid_t v = create_plain_var(o, d->params[j],
                                   numeric ? H5T_IEEE_F64LE : o->string_type,
                                   1, &dim, scale,
                                   numeric ? parameter_units(d->params[j]) : "1",
                                   long_name, err);
        if (v < 0) {
            rc = err->code;
            break;
        }
        rc = numeric
           ? h5file_dataset_write_all(o->partial, v, H5T_NATIVE_DOUBLE,
                                      (size_t)n, column, err)
           : h5file_dataset_write_all(o->partial, v, o->string_type,
                                      (size_t)n, texts, err);
        if (H5Dclose(v) < 0 && rc == 0)
            rc = h5file_fail(o->partial, err, WS_EIO, "cannot close %s",
                             d->params[j]);
    }
    free(column);
    free(texts);
    return rc;
}

/* Group lots: one column per field along the unlimited dimension lot. */
static int create_lots_group(output *o, ws_error *err)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0
        || H5Pset_link_creation_order(gcpl, H5FILE_CRT_ORDER) < 0
        || H5Pset_attr_creation_order(gcpl, H5FILE_CRT_ORDER) < 0
        || (o->f.lots_group = H5Gcreate2(o->f.file, "lots", H5P_DEFAULT, gcpl,
                                       H5P_DEFAULT)) < 0) {
        int rc = h5file_fail(o->partial, err, WS_EIO,
                             "cannot create group lots");
        if (gcpl >= 0)
            H5Pclose(gcpl);
        return rc;
    }
    if (H5Pclose(gcpl) < 0)
        return h5file_fail(o->partial, err, WS_EIO,
                           "cannot close property list");

    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = OUTPUT_LOT_CHUNK;
    h5file_dataset_spec cs = {"lot", H5T_STD_I64LE, 1, &zero, &unlimited,
                              &chunk, -1};
    o->f.lot_coord = h5file_dataset_create(o->partial, o->f.lots_group, &cs, err);
    if (o->f.lot_coord < 0)
        return err->code;
    int rc = 0;
    if (H5DSset_scale(o->f.lot_coord, "lot") < 0)
        return h5file_fail(o->partial, err, WS_EIO,
                           "cannot make lot a dimension scale");
    if ((rc = h5file_describe(o->partial, o->f.lot_coord, "lot record index", "1",
                              o->string_type, err)))
        return rc;

    for (int c = 0; c < NLOT_COLUMNS; c++) {
        const lot_column_spec *lc = &lot_columns[c];
        hid_t type = lc->type == COLUMN_INT32 ? H5T_STD_I32LE
                   : lc->type == COLUMN_DOUBLE ? H5T_IEEE_F64LE
                   : o->string_type;
        h5file_dataset_spec s = {lc->name, type, 1, &zero, &unlimited, &chunk,
                                 lc->type == COLUMN_DOUBLE ? H5T_NATIVE_DOUBLE
                                                           : -1};
        o->f.lot_column[c] = h5file_dataset_create(o->partial, o->f.lots_group,
                                                 &s, err);
        if (o->f.lot_column[c] < 0)
            return err->code;
        if (lc->type == COLUMN_DOUBLE
            && (rc = h5file_attr_nan_fill(o->partial, o->f.lot_column[c], err)))
            return rc;
        if ((rc = h5file_describe(o->partial, o->f.lot_column[c], lc->long_name,
                                  lc->units, o->string_type, err))
            || (rc = h5file_attach_scale(o->partial, o->f.lot_column[c],
                                         o->f.lot_coord, 0, err)))
            return rc;
    }
    return 0;
}

static int create_root_attributes(output *o, const model *m,
                                  const output_meta *meta, ws_error *err)
{
    /* HDF5 wants a buffer even for an empty array. */
    static const char *const no_settings = "";
    hid_t root = o->f.file;
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

    int rc = h5file_attr_string(o->partial, root, "software", "wafersim",
                                o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "version", meta->version,
                                o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "git_revision",
                                meta->git_revision, o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "command_line",
                                meta->command_line, o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_uint64(o->partial, root, "base_seed", meta->seed, err);
    if (rc == 0)
        rc = h5file_attr_int32(o->partial, root, "format_version",
                               OUTPUT_FORMAT_VERSION, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "scenario_name", m->name,
                                o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "scenario_path",
                                src ? src->path : "", o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "scenario_text",
                                src ? src->text : "", o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_values(o->partial, root, "input_files", o->string_type,
                                o->string_type, ninputs, inputs, err);
    if (rc == 0)
        rc = h5file_attr_values(o->partial, root, "input_texts", o->string_type,
                                o->string_type, ninputs, inputs + ninputs, err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "start_date", start,
                                o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_double(o->partial, root, "horizon_days",
                                m->horizon_days, err);
    if (rc == 0)
        rc = h5file_attr_double(o->partial, root, "warmup_days", m->warmup_days,
                                err);
    if (rc == 0)
        rc = h5file_attr_int32(o->partial, root, "replications",
                               meta->nreplications, err);
    if (rc == 0)
        rc = h5file_attr_values(o->partial, root, "settings", o->string_type,
                                o->string_type, (size_t)meta->nsettings,
                                meta->settings ? (const void *)meta->settings
                                               : (const void *)&no_settings,
                                err);
    if (rc == 0)
        rc = h5file_attr_string(o->partial, root, "sweep",
                                meta->design ? meta->design->kind : "",
                                o->string_type, err);
    if (rc == 0)
        rc = h5file_attr_int32(o->partial, root, "common_random_numbers", 1,
                               err);
    if (rc == 0)
        rc = h5file_attr_int32(o->partial, root, "shard_index",
                               meta->shard_index, err);
    if (rc == 0)
        rc = h5file_attr_int32(o->partial, root, "shard_count",
                               meta->shard_count, err);
    free(inputs);
    return rc;
}

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
static char *path_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    char *s = malloc(n + k + 1);
    if (s) {
        memcpy(s, path, n);
        memcpy(s + n, suffix, k + 1);
    }
    return s;
}

static output *output_alloc(const char *path)
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
static int file_close(output_file *f)
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
static int output_close_ids(output *o)
{
    int status = file_close(&o->other);
    if (file_close(&o->f) < 0)
        status = -1;
    if (o->string_type >= 0 && H5Tclose(o->string_type) < 0)
        status = -1;
    o->string_type = -1;
    return status;
}

static void free_names(char **names, int32_t n)
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

static void output_free(output *o)
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

static char **copy_names(const char *const *names, int32_t n)
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
static int init_memory(output *o, const char *const *products,
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
static int label_points(output *o, const sweep_design *d, ws_error *err)
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

static int open_ids(output *o, output_file *f, ws_error *err);
static int copy_file(const char *src, const char *dst, ws_error *err);
static hid_t open_rdwr(const char *path);

static void swap_files(output *o)
{
    output_file t = o->f;
    o->f = o->other;
    o->other = t;
}

/* The link's target: the file's name, relative, so the directory may move. */
static const char *pair_name(const output *o, int which)
{
    const char *slash = strrchr(o->pair[which], '/');
    return slash ? slash + 1 : o->pair[which];
}

/* Opens PATH's directory, to sync it after renames.  A directory that
 * cannot be opened for reading is only not synced. */
static int dir_open(output *o, ws_error *err)
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
static int file_sync(output *o, output_file *f, ws_error *err)
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
static int link_to(output *o, int which, ws_error *err)
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
static int open_pair_file(output *o, output_file *f, int which, ws_error *err)
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
static size_t slab_size(const output *o, const result_var *rv)
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
static int open_ids(output *o, output_file *f, ws_error *err)
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
static hid_t open_rdwr(const char *path)
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
static int copy_file(const char *src, const char *dst, ws_error *err)
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
