/* route_csv.h - route steps from text fields, and the route CSV reader.
 *
 * Internal to models/.  A route step (or a distribution) is a set of named
 * text fields, whether they come from a CSV row or from a YAML mapping, so
 * the rules that turn them into a route_step or a dist live here once and
 * both readers (route_csv.c, scenario.c) share them: the same key means
 * the same thing with the same errors in either form.
 */
#ifndef WAFERSIM_ROUTE_CSV_H
#define WAFERSIM_ROUTE_CSV_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"
#include "../sim/wserror.h"

/* Largest input file read (scenario or route), checked before reading. */
#define ROUTE_CSV_MAX_FILE_BYTES ((size_t)64 * 1024 * 1024)

/* Steps of all routes together.  Products may share one route file (or
 * one YAML anchor), so without this 1e4 products could expand a 1e5-step
 * route into 1e9 steps (~100 GB) from a small input; 1e6 steps is about
 * 100 MB of model. */
#define ROUTE_CSV_MAX_TOTAL_STEPS 1000000

/* The keys of a route step; ROUTE_FIELD_DISTRIBUTION..ROUTE_FIELD_UNIT are
 * also the keys of a distribution mapping.  The keys from
 * ROUTE_FIELD_BATCH_MIN on are optional realism (docs/scenario-format.md,
 * "Routes"). */
enum route_field {
    ROUTE_FIELD_STEP,
    ROUTE_FIELD_TOOL_GROUP,
    ROUTE_FIELD_PER,
    ROUTE_FIELD_DISTRIBUTION,
    ROUTE_FIELD_MEAN,
    ROUTE_FIELD_CV,
    ROUTE_FIELD_SD,
    ROUTE_FIELD_MIN,
    ROUTE_FIELD_MODE,
    ROUTE_FIELD_MAX,
    ROUTE_FIELD_VALUE,
    ROUTE_FIELD_UNIT,
    ROUTE_FIELD_BATCH_MIN,
    ROUTE_FIELD_BATCH_MAX,
    ROUTE_FIELD_CASCADE_INTERVAL,
    ROUTE_FIELD_SETUP,
    ROUTE_FIELD_SETUP_TIME,
    ROUTE_FIELD_SAMPLE,
    ROUTE_FIELD_REWORK_TO,
    ROUTE_FIELD_REWORK_PROB,
    ROUTE_FIELD_SCRAP_PROB,
    ROUTE_FIELD_SAME_TOOL_AS,
    ROUTE_FIELD_CQT_TO,
    ROUTE_FIELD_CQT_LIMIT,
    ROUTE_FIELD_CQT_ACTION,
    ROUTE_FIELD_STEP_PRIORITY,
    ROUTE_FIELD_COUNT
};

/* One field as written: text is NUL-terminated (length excludes the NUL)
 * or NULL when the field is absent; line and col (1-based) locate the
 * value, key_line and key_col its key (in a CSV, the cell again): errors
 * about a value point at the value, errors about the key at the key.
 * path is NULL when the field was written in the file of its step (the
 * route_where's); a field given by a setting names where the setting was
 * written instead ("--set PATH=VALUE" with line and col 0, or a file). */
typedef struct route_text {
    const char *text;
    size_t length;
    int line;
    int col;
    int key_line;
    int key_col;
    const char *path;
} route_text;

/* Where a step or distribution as a whole was written (the CSV row or the
 * YAML mapping): the position of errors about missing fields. */
typedef struct route_where {
    const char *path;
    int line;
    int col;
} route_where;

/* Tool group names sorted for lookup: routes may have 1e5 steps and models
 * 1e5 groups, too many for model_find_tool_group's linear search. */
typedef struct route_group_entry {
    const char *name;
    int32_t index;
} route_group_entry;

typedef struct route_groups {
    route_group_entry *entries;    /* sorted by name */
    int32_t count;
} route_groups;

/* Field name ("tool_group") and its inverse (-1 when unknown); all the
 * names, ROUTE_FIELD_COUNT of them in field order. */
const char *route_csv_field_name(enum route_field field);
const char *const *route_csv_field_names(void);
int route_csv_field_from_name(const char *name, size_t length);

/* The known key closest to name (edit distance <= 2, or a third of the
 * name's length), or NULL: "did you mean" hints for misspelt keys. */
const char *route_csv_suggest(const char *name, const char *const *known,
                              size_t count);

/* Days per unit ("s", "min", "h", "d"); 0 for an unknown unit. */
double route_csv_unit_days(const char *text, size_t length);

/* Strict number parsing of a whole field: decimal only (no nan, inf, hex
 * or surrounding spaces), finite, in range.  On failure returns -1 and
 * points *why at a static reason ("is not a number", "is out of range",
 * "must be an integer"). */
int route_csv_parse_double(const char *text, size_t length, double *out,
                           const char **why);
int route_csv_parse_int64(const char *text, size_t length, int64_t *out,
                          const char **why);
int route_csv_parse_uint64(const char *text, size_t length, uint64_t *out,
                           const char **why);

/* 0 when text is a usable name (1..MODEL_MAX_NAME bytes, no control
 * characters); otherwise -1 and a reason in why. */
int route_csv_check_name(const char *text, size_t length, char *why,
                         size_t why_size);

/* Builds the lookup of m's tool groups (0, or WS_ENOMEM); the names are
 * m's, so m must outlive it.  route_csv_groups_free releases it. */
int route_csv_groups_build(route_groups *g, const model *m);
void route_csv_groups_free(route_groups *g);
int32_t route_csv_groups_find(const route_groups *g, const char *name);

/* Builds a distribution in days from fields[ROUTE_FIELD_DISTRIBUTION ..
 * ROUTE_FIELD_UNIT] (others are ignored); parameters are in the field
 * unit, or default_unit_days per unit when there is none. */
int route_csv_build_dist(const route_text fields[ROUTE_FIELD_COUNT],
                         double default_unit_days, const route_where *where,
                         dist *out, ws_error *err);

/* 0 when a route may take one more step, having step_count already and
 * other_steps in the routes read before it; otherwise fills err with the
 * limit exceeded, at the given position. */
int route_csv_check_step_limit(int64_t step_count, int64_t other_steps,
                               const char *path, int line, int col,
                               ws_error *err);

/* A step's reference to another step of its route (rework_to,
 * same_tool_as, cqt_to), kept until the route is complete. */
typedef struct route_ref route_ref;

/* Where a route is read to: product p, which is product number product of
 * m.  Steps may name steps that come after them, so their references wait
 * in refs until route_csv_finish resolves them.  m may be NULL for a
 * product outside a model (the fuzz target's): then the keys that need
 * the model (setup, setup_time, cqt_to, cqt_limit, cqt_action) are
 * refused and batch sizes are not checked against the tool group. */
typedef struct route_target {
    model *m;
    product *p;
    int32_t product;
    double default_unit_days;
    const route_groups *groups;
    int64_t other_steps;        /* in the routes read before this one */
    route_ref *refs;            /* owned */
    size_t nrefs;
    size_t refs_capacity;
} route_target;

/* A target for product number index of m (m non-NULL). */
void route_csv_target_init(route_target *t, model *m, int32_t index,
                           double default_unit_days,
                           const route_groups *groups, int64_t other_steps);
void route_csv_target_free(route_target *t);

/* Appends step number step_number (1-based, for the default name) to the
 * target's product. */
int route_csv_add_step(route_target *t,
                       const route_text fields[ROUTE_FIELD_COUNT],
                       int32_t step_number, const route_where *where,
                       ws_error *err);

/* Resolves the references of the steps added (a name must choose exactly
 * one step; rework_to goes back, same_tool_as back to a step of the same
 * tool group, cqt_to forward), adds the time constraints to the model and
 * empties refs. */
int route_csv_finish(route_target *t, ws_error *err);

/* A step number written "#N" (N >= 1, digits only): N, or 0 when text is
 * not one.  Other text is a step name. */
int32_t route_csv_step_number(const char *text);

/* A setting's change to one cell of a route CSV: the field of the step
 * named name (its step cell, or "step N" when that is empty, as changed
 * by the overrides before this one) or, when name is NULL, of step number
 * number (1-based) takes value, as if the cell said so.  The cell's
 * errors, and a step that is missing or whose name is ambiguous, are
 * reported at path:line:col (line 0: no position, e.g. "--set ..."). */
typedef struct route_override {
    const char *name;
    int32_t number;
    enum route_field field;
    const char *value;          /* NUL-terminated, not empty */
    const char *path;
    int line;
    int col;
} route_override;

/* Reads a route CSV (text of length bytes, named path in messages),
 * appends its steps to the target's product and finishes the route
 * (route_csv_finish).  The overrides (noverrides of them, in the order
 * given) change cells of the rows as they are read; each must select
 * exactly one step. */
int route_csv_read_route(route_target *t, const char *text, size_t length,
                         const char *path, const route_override *overrides,
                         size_t noverrides, ws_error *err);

/* route_csv_read_route for a product outside a model (see route_target);
 * other_steps is the number of steps in the routes read before (see
 * ROUTE_CSV_MAX_TOTAL_STEPS). */
int route_csv_read(product *p, const char *text, size_t length,
                   const char *path, double default_unit_days,
                   int64_t other_steps, const route_groups *groups,
                   const route_override *overrides, size_t noverrides,
                   ws_error *err);

/* Up to ROUTE_CSV_LIST_NAMES names are listed in a message. */
#define ROUTE_CSV_LIST_NAMES 12

/* Writes "a, b, c" into buf for messages that say what exists when a name
 * is not found: names holds the first n of total names; fewer are shown
 * when they would not fit in about 200 bytes, and "... (total in all)"
 * ends a shortened list. */
void route_csv_list_names(const char *const *names, size_t n, size_t total,
                          char *buf, size_t size);

/* Checks that text is UTF-8 without NUL or control characters other than
 * tab, LF and CR (a CR alone only when allow_lone_cr); on failure fills
 * err with the position (a leading byte-order mark is not counted). */
int route_csv_check_text(const char *text, size_t length, const char *path,
                         int allow_lone_cr, ws_error *err);

/* Reads a whole file of at most ROUTE_CSV_MAX_FILE_BYTES into a fresh
 * NUL-terminated buffer.  Returns 0, or an errno value (EISDIR for a
 * directory, EFBIG when too large, ENOMEM). */
int route_csv_read_file(const char *path, char **text, size_t *length);

#endif
