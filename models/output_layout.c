/* output_layout.c - what a new result file gets: its dimensions,
 * coordinates, variables and attributes, and the tables that describe them
 * (docs/output-format.md is the user's view of the same layout).
 */
#include "output_state.h"
#include "h5file.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "../sim/date.h"

const char *const dim_names[NDIMS] = {
    "scenario", "replication", "month", "product", "tool_group", "tool_state",
    "time_constraint", "week", "area", "disruption"
};

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
const result_var result_vars[] = {
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

#define OUTPUT_STRING_(x) #x
#define OUTPUT_STRING(x) OUTPUT_STRING_(x)

const lot_column_spec lot_columns[NLOT_COLUMNS] = {
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

const scenario_var_spec scenario_vars[NSCENARIO_VARS] = {
    {"raw_process_time_days", DIM_PRODUCT, 0, "day",
     "sum of the mean step times of one lot"},
    {"lot_size", DIM_PRODUCT, 1, "wafer", "wafers per lot"},
    {"tools", DIM_TOOL_GROUP, 1, "1", "tools in the group"},
};

#define CI95_LONG_NAME "half-width of the 95% confidence interval (Student t)"

const summary_var_spec summary_vars[NSUMMARY_VARS] = {
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
int create_dimensions(output *o, const model *m, const double *bounds,
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
int create_month_coordinates(output *o, const model *m,
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
int create_week_coordinates(output *o, const model *m,
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
int create_result_vars(output *o, const hid_t scale[NDIMS],
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
int create_scenario_and_task_vars(output *o, const hid_t scale[NDIMS],
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
int create_constraint_coordinates(output *o, const model *m,
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

int create_summary_vars(output *o, const hid_t scale[NDIMS],
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
int create_design(output *o, const sweep_design *d,
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
int create_lots_group(output *o, ws_error *err)
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

int create_root_attributes(output *o, const model *m,
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
