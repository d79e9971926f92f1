/* scenario.h - reads a scenario: a YAML file (libfyaml) and the route CSV
 * files it references by path relative to itself, on top of an SMT2020
 * data set when it names one.  docs/scenario-format.md is the reference
 * of every key.
 *
 * Every problem is reported with its position: err->path, line and col
 * point into the YAML or CSV file at fault, err->code is WS_EDATA for bad
 * content and WS_ENOINPUT when the scenario file itself cannot be read
 * (a route file that cannot be read is bad content of the scenario:
 * WS_EDATA at the key that names it).
 */
#ifndef WAFERSIM_SCENARIO_H
#define WAFERSIM_SCENARIO_H

#include <stddef.h>
#include "model.h"
#include "../sim/wserror.h"

int scenario_load_file(const char *path, model **out, ws_error *err);

/* A setting: the scalar at a dotted path takes a new value, as if the YAML
 * file had said so (added when the file leaves the key out).  Paths name
 * keys the format documents: "horizon_days", "tool_groups.LITHO.tools",
 * "products.N28.wafers_per_month", "products.N28.interarrival.mean", and
 * route steps, inline or from CSV, as "products.N28.route.STEP.FIELD"
 * where STEP is the step's name or #N (1-based) and FIELD a route column
 * ("mean", "cv", "tool_group", "rework_prob", ...); likewise downtimes
 * ("tool_groups.G.downtimes.PM.duration.mean"), orders, initial WIP,
 * setups and transport (docs/scenario-format.md lists them all).  A
 * segment in double quotes may hold dots.  In a scenario that reads an
 * SMT2020 data set, a setting may name a tool group or product of the data
 * set that the file does not list.  Errors in a setting name it: when
 * origin is NULL the message is about "--set PATH=VALUE", otherwise err
 * gets origin:line:col. */
typedef struct scenario_setting {
    const char *path;
    const char *value;          /* YAML scalar text, e.g. "55000" */
    const char *origin;         /* file where the setting was written, or NULL */
    int line;
    int col;
} scenario_setting;

/* scenario_load_file with settings applied in order (later ones win). */
int scenario_load_file_with(const char *path, const scenario_setting *settings,
                            size_t nsettings, model **out, ws_error *err);

/* Loads the SMT2020 data set in directory dir (models/smt2020.h) as the
 * scenario of a file that said only `smt2020: DIR`, with the settings
 * applied (wafersim run --smt2020 DIR).  dir is used as given, and a
 * missing or unreadable data set is WS_ENOINPUT.  The model is named
 * after the directory and stores that file's text as its scenario. */
int scenario_load_smt2020(const char *dir, const scenario_setting *settings,
                          size_t nsettings, model **out, ws_error *err);

/* Parses "PATH=VALUE" as given to --set (VALUE may be empty, PATH may not);
 * the setting points into text.  0, or -1 when there is no '='. */
int scenario_setting_parse(const char *text, scenario_setting *out);

/* The design of a sweep: the scenario's `sweep:` section expanded into
 * points (docs/scenario-format.md, "Sweeps").  Point p sets parameter j to
 * values[p * nparams + j]. */
typedef struct sweep_design {
    char *kind;                 /* "grid", "zip" or "lhs" */
    int32_t nparams;
    char **params;              /* dotted paths, as written */
    int32_t npoints;
    char **values;              /* [point * nparams + param], scalar text */
    double *numbers;            /* the same as numbers, NaN if not numeric */
    int *lines;                 /* [param]: where the parameter was written */
    int *cols;
} sweep_design;

/* Reads the sweep section of the scenario at path (with the settings
 * applied to the rest of the file).  *out is NULL when the file has no
 * sweep section.  The design's points are checked: loading the scenario
 * with each point's settings must succeed, else the error names the point. */
int scenario_load_design(const char *path, const scenario_setting *settings,
                         size_t nsettings, sweep_design **out, ws_error *err);

void sweep_design_destroy(sweep_design *d);

/* Reads a scenario from memory; path names it in messages and anchors
 * relative route (and smt2020) paths. */
int scenario_load_string(const char *text, size_t length, const char *path,
                         model **out, ws_error *err);

#endif
