/* scenario_reader.h - what the files of the scenario reader share:
 * scenario.c reads a scenario's tree (ytree.h) into a model, with
 * scenario_disrupt.c for its disruptions and scenario_sweep.c for its
 * sweep, and scenario_settings.c first applies settings (--set, a
 * sweep's points) to the tree.  Not a contract for callers, who use
 * scenario.h; each function is described where it is defined.
 */
#ifndef WAFERSIM_SCENARIO_READER_H
#define WAFERSIM_SCENARIO_READER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/model.h"
#include "models/route_csv.h"
#include "models/scenario.h"
#include "models/ytree.h"
#include "sim/wserror.h"

/* Reading one scenario, with its settings, into a model. */
typedef struct reader {
    const char *path;           /* the scenario, as given */
    size_t dir_length;          /* of path up to and including the last / */
    model *m;
    ws_error *err;
    double unit_days;           /* time_unit */
    int64_t lot_size;           /* default for products */
    int64_t total_steps;        /* in the routes read so far */
    route_groups groups;
    unsigned *sessions;         /* the tree's count of setting sessions */
    const model *cache;         /* route files read already, or NULL */
    int check_sweep;            /* read the sweep section too */
    int data_set;               /* an SMT2020 data set was read first */
    int data_set_as_given;      /* its path is not relative to the file */
    int32_t data_set_changes;   /* setup changes of the data set */
    int32_t data_set_groups;    /* tool groups of the data set */
    char note[MODEL_MAX_NAME + 128];    /* a part of a message */
} reader;

/* Where a setting was written: "--set PATH=VALUE" (line 0) or a file. */
struct yorigin {
    const char *path;
    int line;
    int col;
};

struct yoverride {
    route_override change;
    const yoverride *next;      /* an older one */
};

/* Paths have at most five segments (products.P.route.STEP.FIELD); a few
 * more are read so that a long path gets a message about its meaning. */
enum { MAX_SEGMENTS = 8 };

typedef struct setting_path {
    const char *segment[MAX_SEGMENTS];  /* unescaped, in the arena */
    int quoted[MAX_SEGMENTS];
    int count;
} setting_path;

/* The format's keys (docs/scenario-format.md): the reader checks them,
 * and settings may name them. */
static const char *const dist_keys[] = {
    "distribution", "mean", "cv", "sd", "min", "mode", "max", "value", "unit",
};
#define NDIST_KEYS (sizeof dist_keys / sizeof *dist_keys)
/* A product's release: exactly one of these (at most one in an override
 * of a data set's product). */
static const char *const release_keys[] = {
    "wafers_per_month", "lots_per_day", "interarrival", "release",
};
#define NRELEASE_KEYS (sizeof release_keys / sizeof *release_keys)
static const char *const product_keys[] = {
    "route", "lot_size", "wafers_per_month", "lots_per_day", "interarrival",
    "release", "conwip_lots", "first_release_day", "priority", "due",
    "due_factor",
};
#define NPRODUCT_KEYS (sizeof product_keys / sizeof *product_keys)
static const char *const group_keys[] = {
    "tools", "dispatch", "area", "batching", "cascade", "load_time",
    "unload_time", "downtimes",
};
#define NGROUP_KEYS (sizeof group_keys / sizeof *group_keys)
static const char *const batching_keys[] = {"unit", "wait"};
static const char *const downtime_keys[] = {
    "name", "kind", "interval", "interval_wafers", "duration", "first",
    "first_wafers", "stagger",
};
#define NDOWNTIME_KEYS (sizeof downtime_keys / sizeof *downtime_keys)
static const char *const setups_keys[] = {"changes", "min_run",
                                          "min_run_wait"};
static const char *const change_keys[] = {"from", "to", "time"};
static const char *const order_keys[] = {
    "name", "product", "lots_per_day", "interval", "interarrival",
    "first_day", "count", "wafers", "priority", "due",
};
#define NORDER_KEYS (sizeof order_keys / sizeof *order_keys)
static const char *const order_release_keys[] = {
    "lots_per_day", "interval", "interarrival",
};
static const char *const wip_keys[] = {
    "product", "step", "lots", "wafers", "priority", "release_day",
    "due_day",
};
#define NWIP_KEYS (sizeof wip_keys / sizeof *wip_keys)
static const char *const top_keys[] = {
    "format_version", "name", "description", "start_date", "horizon_days",
    "warmup_days", "replications", "seed", "time_unit", "lot_size",
    "conwip_lots", "smt2020", "tool_groups", "products", "setups",
    "transport", "orders", "initial_wip", "sweep", "disruptions",
    "early_warning",
};
#define NTOP_KEYS (sizeof top_keys / sizeof *top_keys)
/* The keys of a step are the route fields (route_csv.h). */
#define step_keys (route_csv_field_names())
#define NSTEP_KEYS ((size_t)ROUTE_FIELD_COUNT)
/* The first TOP_SCALAR_KEYS of top_keys hold values; a setting may
 * change them (the others are sections). */
enum { TOP_SCALAR_KEYS = 12 };

/* A sweep section as read (scenario_sweep.c), before its points are
 * expanded. */
#define SWEEP_MAX_PARAMS 64

typedef struct sweep_param {
    ynode *key;                 /* as written: points are named by it */
    const char *path;
    setting_path parsed;
    ynode *values;              /* grid and zip: the sequence */
    double min, max;            /* lhs */
    int integer;
} sweep_param;

typedef struct sweep_spec {
    const char *kind;           /* NULL when there is no sweep section */
    ynode *at;                  /* the kind's key */
    sweep_param params[SWEEP_MAX_PARAMS];
    int32_t nparams;
    int32_t npoints;
    uint64_t seed;              /* lhs */
} sweep_spec;

/* scenario.c */
int reader_error_at(reader *r, const ynode *at, const char *message);
int reader_get_collection(reader *r, ynode *map, const char *name,
                          enum ynode_kind kind, const char *what,
                          ynode **out);
int reader_check_product_spec(reader *r, ynode *k, const ynode *key,
                              const ynode *spec);
int reader_check_group_spec(reader *r, ynode *k, const ynode *key,
                            const ynode *spec);
int reader_check_keys(reader *r, ynode *map, const char *const *known,
                      size_t count);
int reader_get_scalar(reader *r, ynode *map, const char *name,
                      const char *what, ynode **out);
int reader_get_string(reader *r, ynode *map, const char *name, ynode **out);
int reader_get_bool(reader *r, ynode *map, const char *name, int *out,
                    ynode **at);
int reader_get_double(reader *r, ynode *map, const char *name, double *out,
                      ynode **at);
int reader_get_int(reader *r, ynode *map, const char *name, int64_t min,
                   int64_t max, int64_t *out, ynode **at);
int reader_get_dist(reader *r, ynode *map, const char *name, dist *out,
                    ynode **at);
int reader_get_duration(reader *r, ynode *map, const char *name,
                        double *days, ynode **at);
int reader_find_route_step(reader *r, const ynode *at, const product *p,
                           int32_t *out);
void reader_model_names(const model *m, int what, char *buf, size_t size);
void reader_unknown_hint(const char *name, const char *const *known,
                         size_t count, char *buf, size_t size);

/* The reader's error at node at, formatted; every file of the reader
 * reports through these two. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline int fail(reader *r, const ynode *at, const char *fmt, ...)
{
    char message[sizeof r->err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return reader_error_at(r, at, message);
}

static inline int nomem(reader *r)
{
    return ws_error_set(r->err, WS_ENOMEM, r->path, 0, 0, "out of memory");
}

/* scenario_disrupt.c */
int reader_read_disruptions(reader *r, ynode *top);

/* scenario_sweep.c */
int reader_read_sweep(reader *r, ytree_arena *a, ynode *top,
                      sweep_spec *spec);
int reader_check_sweep(reader *r, ynode *top);
int reader_expand_design(const sweep_spec *spec, const char *path,
                         sweep_design **out, ws_error *err);

/* scenario_settings.c */
size_t setting_path_extent(const char *text);
int setting_path_parse(ytree_arena *a, const char *text, size_t length,
                       setting_path *out, const char **why);
int setting_among(const char *name, const char *const *known, size_t count);
int settings_apply(reader *r, ytree_arena *a, ynode **root,
                   const scenario_setting *first, size_t nfirst,
                   const scenario_setting *second, size_t nsecond);

#endif
