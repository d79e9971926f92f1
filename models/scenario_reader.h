/* scenario_reader.h - what the files of the scenario reader share:
 * scenario.c reads a scenario's tree (ytree.h) into a model, and
 * scenario_settings.c first applies settings (--set, a sweep's points)
 * to the tree.  Not a contract for callers, who use scenario.h; each
 * function is described where it is defined.
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

/* scenario.c */
int reader_error_at(reader *r, const ynode *at, const char *message);
int reader_get_collection(reader *r, ynode *map, const char *name,
                          enum ynode_kind kind, const char *what,
                          ynode **out);
int reader_check_product_spec(reader *r, ynode *k, const ynode *key,
                              const ynode *spec);
int reader_check_group_spec(reader *r, ynode *k, const ynode *key,
                            const ynode *spec);

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

/* scenario_settings.c */
size_t setting_path_extent(const char *text);
int setting_path_parse(ytree_arena *a, const char *text, size_t length,
                       setting_path *out, const char **why);
int setting_among(const char *name, const char *const *known, size_t count);
int settings_apply(reader *r, ytree_arena *a, ynode **root,
                   const scenario_setting *first, size_t nfirst,
                   const scenario_setting *second, size_t nsecond);

#endif
