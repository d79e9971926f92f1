/* scenario.c - reads a scenario YAML file into a model (see scenario.h and
 * docs/scenario-format.md).
 *
 * The text becomes a tree with a position on every node (ytree.h);
 * reading then walks the fixed shape of the format, checking every key.
 *
 * Order of checks: the bytes (UTF-8, no control characters), then YAML
 * syntax (libfyaml's own message and position), then the tree (one
 * document, known aliases, no tags, no duplicate keys), then the settings'
 * paths, then the content.
 *
 * Settings (--set PATH=VALUE, and the values of a sweep's points;
 * scenario_settings.c) change copies of the tree's nodes before the
 * content is read, so every check of the reader applies to a set value
 * with its own message; nodes a setting wrote carry its origin, which
 * errors report instead of a file position.  A sweep's design is checked
 * by building every point from one parse of the file.
 */
#include "models/scenario.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/route_csv.h"
#include "models/scenario_reader.h"
#include "models/smt2020.h"
#include "models/ytree.h"
#include "sim/date.h"

/* 365.2425 / 12: the mean Gregorian month, in days. */
#define DAYS_PER_MONTH 30.436875

/* --- reading the tree -------------------------------------------------- */

/* Errors about a node written by a setting point at the setting. */
static const char *node_path(const reader *r, const ynode *n)
{
    return n && n->origin ? n->origin->path : r->path;
}

static int node_line(const ynode *n)
{
    return n->origin ? n->origin->line : n->line;
}

static int node_col(const ynode *n)
{
    return n->origin ? n->origin->col : n->col;
}

static route_where node_where(const reader *r, const ynode *n)
{
    route_where w;

    w.path = node_path(r, n);
    w.line = node_line(n);
    w.col = node_col(n);
    return w;
}

/* WS_EDATA with message at node at (or line 1 without one). */
int reader_error_at(reader *r, const ynode *at, const char *message)
{
    return ws_error_set(r->err, WS_EDATA, node_path(r, at),
                        at ? node_line(at) : 1, at ? node_col(at) : 1, "%s",
                        message);
}

/* Every key of map must be a string among known. */
int reader_check_keys(reader *r, ynode *map, const char *const *known,
                      size_t count)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = ynode_resolve(k);
        const char *hint;
        size_t i;

        if (key->kind != YNODE_SCALAR)
            return fail(r, k, "a key must be a string, found %s",
                        ynode_describe(key));
        for (i = 0; i < count; i++)
            if (ynode_key_is(key, known[i]))
                break;
        if (i < count)
            continue;
        if (ynode_key_is(key, "<<"))
            return fail(r, k, "merge keys (<<) are not supported");
        hint = route_csv_suggest(key->text, known, count);
        return fail(r, k, "unknown key '%s'%s%s%s", key->text,
                    hint ? " (did you mean '" : "", hint ? hint : "",
                    hint ? "'?)" : "");
    }
    return 0;
}

/* The scalar value of key, or NULL when absent; an error when it is null
 * or not a scalar.  what names the expected type in messages. */
int reader_get_scalar(reader *r, ynode *map, const char *name,
                      const char *what, ynode **out)
{
    ynode *key = NULL;
    ynode *v = ynode_lookup(map, name, &key);

    *out = NULL;
    if (!v)
        return 0;
    if (ynode_is_null(v))
        return fail(r, key, "'%s' has no value; expected %s", name, what);
    if (v->kind != YNODE_SCALAR)
        return fail(r, v, "'%s' must be %s, found %s", name, what,
                    ynode_describe(v));
    *out = v;
    return 0;
}

int reader_get_string(reader *r, ynode *map, const char *name,
                      ynode **out)
{
    int rc = reader_get_scalar(r, map, name, "a string", out);
    if (rc == 0 && *out && strlen((*out)->text) != (*out)->length)
        return fail(r, *out, "'%s' contains a NUL character", name);
    return rc;
}

int reader_get_bool(reader *r, ynode *map, const char *name, int *out,
                    ynode **at)
{
    int rc = reader_get_scalar(r, map, name, "true or false", at);

    if (rc != 0 || !*at)
        return rc;
    if (strcmp((*at)->text, "true") == 0 || strcmp((*at)->text, "True") == 0
        || strcmp((*at)->text, "TRUE") == 0)
        *out = 1;
    else if (strcmp((*at)->text, "false") == 0
             || strcmp((*at)->text, "False") == 0
             || strcmp((*at)->text, "FALSE") == 0)
        *out = 0;
    else
        return fail(r, *at, "'%s' must be true or false (got '%s')", name,
                    (*at)->text);
    return 0;
}

int reader_get_double(reader *r, ynode *map, const char *name, double *out,
                      ynode **at)
{
    const char *why;
    int rc = reader_get_scalar(r, map, name, "a number", at);

    if (rc != 0 || !*at)
        return rc;
    if (route_csv_parse_double((*at)->text, (*at)->length, out, &why) != 0)
        return fail(r, *at, "'%s' %s: '%s'", name, why, (*at)->text);
    return 0;
}

int reader_get_int(reader *r, ynode *map, const char *name, int64_t min,
                   int64_t max, int64_t *out, ynode **at)
{
    const char *why;
    int rc = reader_get_scalar(r, map, name, "an integer", at);

    if (rc != 0 || !*at)
        return rc;
    if (route_csv_parse_int64((*at)->text, (*at)->length, out, &why) != 0)
        return fail(r, *at, "'%s' %s: '%s'", name, why, (*at)->text);
    if (*out < min || *out > max)
        return fail(r, *at, "'%s' must be an integer from %lld to %lld "
                    "(got %lld)", name, (long long)min, (long long)max,
                    (long long)*out);
    return 0;
}

/* A collection value of key that must be of kind; NULL when absent. */
int reader_get_collection(reader *r, ynode *map, const char *name,
                          enum ynode_kind kind, const char *what,
                          ynode **out)
{
    ynode *key = NULL;
    ynode *v = ynode_lookup(map, name, &key);

    *out = NULL;
    if (!v)
        return 0;
    if (ynode_is_null(v))
        return fail(r, key, "'%s' has no value; expected %s", name, what);
    if (v->kind != kind)
        return fail(r, v, "'%s' must be %s, found %s", name, what,
                    ynode_describe(v));
    *out = v;
    return 0;
}

static char *duplicate(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* A name written as a mapping key (tool group, product). */
static int check_name_key(reader *r, const ynode *k, const ynode *key,
                          const char *what)
{
    char why[160];

    if (key->kind != YNODE_SCALAR)
        return fail(r, k, "a %s name must be a string, found %s", what,
                    ynode_describe(key));
    if (route_csv_check_name(key->text, key->length, why, sizeof why) != 0)
        return fail(r, k, "%s name: %s", what, why);
    return 0;
}

/* Copies the scalar values of a step or distribution mapping into
 * fields; keys were checked against the field names already. */
static int mapping_fields(reader *r, ynode *map,
                          route_text fields[ROUTE_FIELD_COUNT])
{
    memset(fields, 0, ROUTE_FIELD_COUNT * sizeof fields[0]);
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = ynode_resolve(k), *v = ynode_resolve(k->next);
        int f = route_csv_field_from_name(key->text, key->length);

        if (f < 0)
            continue;
        /* "rework_to: #3" is a comment in YAML, so a null here is most
         * likely a step number written without quotes. */
        if (ynode_is_null(v) && (f == ROUTE_FIELD_REWORK_TO ||
                           f == ROUTE_FIELD_SAME_TOOL_AS ||
                           f == ROUTE_FIELD_CQT_TO))
            return fail(r, k, "'%s' has no value (a step number must be "
                        "quoted in YAML, \"#3\": a plain # starts a "
                        "comment)", key->text);
        if (ynode_is_null(v))
            return fail(r, k, "'%s' has no value", key->text);
        if (v->kind != YNODE_SCALAR)
            return fail(r, v, "'%s' must be a scalar, found %s", key->text,
                        ynode_describe(v));
        if (strlen(v->text) != v->length)
            return fail(r, v, "'%s' contains a NUL character", key->text);
        fields[f].text = v->text;
        fields[f].length = v->length;
        fields[f].line = node_line(v);
        fields[f].col = node_col(v);
        fields[f].key_line = node_line(k);
        fields[f].key_col = node_col(k);
        /* A setting writes key and value together. */
        fields[f].path = v->origin ? v->origin->path : NULL;
    }
    return 0;
}

/* A distribution mapping, its parameters in time_unit unless it has
 * `unit`. */
static int read_dist(reader *r, ynode *map, dist *out)
{
    route_text fields[ROUTE_FIELD_COUNT];
    route_where where = node_where(r, map);
    int rc;

    rc = reader_check_keys(r, map, dist_keys, NDIST_KEYS);
    if (rc == 0)
        rc = mapping_fields(r, map, fields);
    if (rc == 0)
        rc = route_csv_build_dist(fields, r->unit_days, &where, out, r->err);
    return rc;
}

/* The distribution mapping of key name in map; *at is NULL when absent. */
int reader_get_dist(reader *r, ynode *map, const char *name, dist *out,
                    ynode **at)
{
    int rc = reader_get_collection(r, map, name, YNODE_MAPPING,
                                   "a distribution mapping such as "
                                   "{distribution: exponential, mean: 2, "
                                   "unit: h}", at);
    if (rc != 0 || !*at)
        return rc;
    return read_dist(r, *at, out);
}

static const char *const duration_keys[] = {"value", "unit"};

/* A duration: a number in time_unit, or {value: N, unit: U}; *days is set
 * only when the key is there (*at, the value's number, non-NULL). */
int reader_get_duration(reader *r, ynode *map, const char *name,
                        double *days, ynode **at)
{
    ynode *key = NULL, *v = ynode_lookup(map, name, &key), *unit_at;
    double x, unit_days = r->unit_days;
    int rc;

    *at = NULL;
    if (!v)
        return 0;
    if (ynode_is_null(v))
        return fail(r, key, "'%s' has no value; expected a duration (a "
                    "number in time_unit, or {value: N, unit: h})", name);
    if (v->kind == YNODE_MAPPING) {
        rc = reader_check_keys(r, v, duration_keys, 2);
        if (rc == 0)
            rc = reader_get_double(r, v, "value", &x, at);
        if (rc == 0 && !*at)
            rc = fail(r, v, "'%s' needs 'value'", name);
        if (rc == 0)
            rc = reader_get_string(r, v, "unit", &unit_at);
        if (rc != 0)
            return rc;
        if (unit_at) {
            unit_days = route_csv_unit_days(unit_at->text, unit_at->length);
            if (unit_days == 0.0)
                return fail(r, unit_at, "unknown unit '%s' (use s, min, h "
                            "or d)", unit_at->text);
        }
    } else if (v->kind == YNODE_SCALAR) {
        rc = reader_get_double(r, map, name, &x, at);
        if (rc != 0)
            return rc;
    } else {
        return fail(r, v, "'%s' must be a duration (a number in time_unit, "
                    "or {value: N, unit: h}), found %s", name,
                    ynode_describe(v));
    }
    if (!(x >= 0.0 && x <= DIST_MAX_TIME))
        return fail(r, *at, "'%s' must be >= 0 and at most %g in its unit "
                    "(got %g)", name, DIST_MAX_TIME, x);
    *days = x * unit_days;
    return 0;
}

static int read_interarrival(reader *r, ynode *map, product *p)
{
    int rc = read_dist(r, map, &p->interarrival);

    if (rc != 0)
        return rc;
    /* A zero mean would release infinitely many lots at one instant. */
    if (!(p->interarrival.mean > 0.0))
        return fail(r, map, "the mean interarrival time must be > 0");
    p->release = RELEASE_RANDOM;
    return 0;
}

static int read_inline_route(reader *r, ynode *seq, int32_t index)
{
    int32_t number = 0;
    route_target t;
    int rc = 0;

    if (seq->count == 0)
        return fail(r, seq, "the route has no steps");
    route_csv_target_init(&t, r->m, index, r->unit_days, &r->groups,
                          r->total_steps);
    for (ynode *item = seq->first; rc == 0 && item; item = item->next) {
        ynode *step = ynode_resolve(item);
        route_text fields[ROUTE_FIELD_COUNT];
        route_where where = node_where(r, item);

        if (step->kind != YNODE_MAPPING) {
            rc = fail(r, item, "a route step must be a mapping of keys "
                      "(tool_group, mean, ...), found %s",
                      ynode_describe(step));
            break;
        }
        rc = route_csv_check_step_limit(number, r->total_steps, r->path,
                                        item->line, item->col, r->err);
        if (rc == 0)
            rc = reader_check_keys(r, step, step_keys, NSTEP_KEYS);
        if (rc == 0)
            rc = mapping_fields(r, step, fields);
        if (rc == 0)
            rc = route_csv_add_step(&t, fields, ++number, &where, r->err);
    }
    if (rc == 0)
        rc = route_csv_finish(&t, r->err);
    route_csv_target_free(&t);
    return rc;
}

/* The text of route file joined if m read it, else NULL. */
static const char *source_text(const model *m, const char *joined)
{
    for (int32_t i = 1; i < m->nsources; i++)
        if (strcmp(m->sources[i].path, joined) == 0)
            return m->sources[i].text;
    return NULL;
}

/* path joined to the scenario's directory (a fresh string), or NULL. */
static char *join_path(const reader *r, const char *path)
{
    size_t prefix = path[0] == '/' ? 0 : r->dir_length;
    size_t length = strlen(path);
    char *joined = malloc(prefix + length + 1);

    if (joined) {
        memcpy(joined, r->path, prefix);
        memcpy(joined + prefix, path, length + 1);
    }
    return joined;
}

static int read_csv_route(reader *r, ynode *value, int32_t index)
{
    const char *route = value->text;
    char *joined, *text = NULL;
    size_t text_length = 0;
    const char *stored;
    int cached = 0;
    route_override *changes = NULL;
    size_t nchanges = 0;
    route_target t;
    int rc, e;

    if (value->length == 0)
        return fail(r, value, "'route' is an empty path");
    if (strlen(route) != value->length)
        return fail(r, value, "'route' contains a NUL character");
    /* Settings' changes to cells, oldest first as route_csv_read wants. */
    for (const yoverride *o = value->overrides; o; o = o->next)
        nchanges++;
    if (nchanges > 0) {
        size_t i = nchanges;
        changes = malloc(nchanges * sizeof *changes);
        if (!changes)
            return nomem(r);
        for (const yoverride *o = value->overrides; o; o = o->next)
            changes[--i] = o->change;
    }
    joined = join_path(r, route);
    if (!joined) {
        free(changes);
        return nomem(r);
    }
    route_csv_target_init(&t, r->m, index, r->unit_days, &r->groups,
                          r->total_steps);

    /* Products sharing a route file read it once and store it once; the
     * points of a sweep read it from the first point's model. */
    stored = source_text(r->m, joined);
    if (!stored && r->cache && (stored = source_text(r->cache, joined)))
        cached = 1;
    if (stored) {
        rc = route_csv_read_route(&t, stored, strlen(stored), joined, changes,
                                  nchanges, r->err);
        if (rc == 0 && cached && model_add_source(r->m, joined, stored) != 0)
            rc = nomem(r);
        goto out;
    }
    e = route_csv_read_file(joined, &text, &text_length);
    if (e != 0) {
        char reason[256];
        if (e == EFBIG)
            snprintf(reason, sizeof reason, "larger than %zu MiB",
                     ROUTE_CSV_MAX_FILE_BYTES >> 20);
        else if (strerror_r(e, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "error %d", e);
        rc = e == ENOMEM ? nomem(r)
                         : fail(r, value, "cannot read route file '%s': %s",
                                joined, reason);
        goto out;
    }
    rc = route_csv_read_route(&t, text, text_length, joined, changes,
                              nchanges, r->err);
    if (rc == 0 && model_add_source(r->m, joined, text) != 0)
        rc = nomem(r);
out:
    route_csv_target_free(&t);
    free(changes);
    free(text);
    free(joined);
    return rc;
}

/* "A, B, C": the names of the model's groups (what 0) or products (1). */
void reader_model_names(const model *m, int what, char *buf, size_t size)
{
    const char *names[ROUTE_CSV_LIST_NAMES] = {NULL};
    int32_t total = what == 0 ? m->ngroups : m->nproducts;
    size_t shown = 0;

    while (shown < ROUTE_CSV_LIST_NAMES && shown < (size_t)total) {
        names[shown] = what == 0 ? m->groups[shown].name
                                 : m->products[shown].name;
        shown++;
    }
    route_csv_list_names(names, shown, (size_t)total, buf, size);
}

/* The entry of a data-set scenario that a setting made up (its key is the
 * setting's) names nothing in the data set: the setting's mistake. */
static int check_made_up(reader *r, const ynode *k, const ynode *key,
                         int what)
{
    char list[512];

    reader_model_names(r->m, what, list, sizeof list);
    return fail(r, k, "no %s '%s' (%s: %s)",
                what == 0 ? "tool group" : "product", key->text,
                what == 0 ? "tool groups" : "products", list);
}

/* Priorities of lots: larger is more urgent (MODEL_HOT_PRIORITY). */
#define MAX_PRIORITY 1000000
/* CONWIP caps, lots. */
#define MAX_CONWIP_LOTS 1000000

/* A product's value must be a mapping (settings check it the same way). */
int reader_check_product_spec(reader *r, ynode *k, const ynode *key,
                              const ynode *spec)
{
    if (ynode_is_null(spec))
        return fail(r, k, "product '%s' has no value; expected a mapping "
                    "with 'route' and a release rate", key->text);
    if (spec->kind != YNODE_MAPPING)
        return fail(r, spec, "product '%s' must be a mapping, found %s",
                    key->text, ynode_describe(spec));
    return 0;
}

/* The release of p from the key chosen (one of release_keys). */
static int read_release(reader *r, ynode *spec, ynode *chosen, product *p)
{
    const char *name = chosen ? ynode_resolve(chosen)->text : "";
    ynode *at, *lots_at, *lots_key = NULL;
    int64_t lots;
    double v;
    int rc;

    rc = reader_get_int(r, spec, "conwip_lots", 1, MAX_CONWIP_LOTS, &lots,
                        &lots_at);
    if (rc != 0)
        return rc;
    ynode_lookup(spec, "conwip_lots", &lots_key);
    if (!chosen) {
        rc = 0;             /* an override keeps the data set's release */
    } else if (strcmp(name, "interarrival") == 0) {
        ynode *ia;
        rc = reader_get_collection(r, spec, "interarrival", YNODE_MAPPING,
                                   "a distribution mapping", &ia);
        if (rc == 0)
            rc = read_interarrival(r, ia, p);
    } else if (strcmp(name, "release") == 0) {
        rc = reader_get_string(r, spec, "release", &at);
        if (rc != 0)
            return rc;
        if (strcmp(at->text, "conwip") == 0) {
            if (!lots_at && p->release != RELEASE_CONWIP)
                return fail(r, at, "'release: conwip' needs 'conwip_lots', "
                            "the most lots of the product in the fab");
            p->release = RELEASE_CONWIP;
        } else if (strcmp(at->text, "none") == 0) {
            p->release = RELEASE_NONE;
        } else {
            return fail(r, at, "unknown release '%s' (use conwip or none; "
                        "a rate is wafers_per_month, lots_per_day or "
                        "interarrival)", at->text);
        }
    } else {
        rc = reader_get_double(r, spec, name, &v, &at);
        if (rc != 0)
            return rc;
        if (!(v > 0.0))
            return fail(r, at, "'%s' must be > 0 (got %g)", name, v);
        p->release = RELEASE_INTERVAL;
        p->release_interval_days =
            strcmp(name, "wafers_per_month") == 0
                ? (double)p->lot_size * DAYS_PER_MONTH / v
                : 1.0 / v;
        if (!(p->release_interval_days > 0.0) ||
            !isfinite(p->release_interval_days))
            return fail(r, at, "'%s' gives a release interval out of range",
                        name);
    }
    if (rc != 0)
        return rc;
    if (lots_at && p->release != RELEASE_CONWIP)
        return fail(r, lots_key, "'conwip_lots' needs 'release: conwip'");
    if (lots_at)
        p->conwip_lots = (int32_t)lots;
    return 0;
}

/* The first of keys (n of them) written in spec, and an error at the
 * second one written; what names them in the message. */
static int one_of(reader *r, ynode *spec, const char *const *keys, size_t n,
                  const char *what, ynode **chosen)
{
    *chosen = NULL;
    for (ynode *kk = spec->first; kk && kk->next; kk = kk->next->next) {
        ynode *name = ynode_resolve(kk);
        for (size_t i = 0; i < n; i++) {
            if (!ynode_key_is(name, keys[i]))
                continue;
            if (*chosen)
                return fail(r, kk, "give only one of %s ('%s' is already "
                            "given)", what, ynode_resolve(*chosen)->text);
            *chosen = kk;
        }
    }
    return 0;
}

static const char *const due_keys[] = {"due", "due_factor"};

/* " (not a product of the data set; did you mean 'x'?)" for the new
 * product index of a data set's scenario, in the reader's buffer: a typo
 * in a product to change makes a new one. */
static const char *not_in_data_set(reader *r, int32_t index)
{
    const model *m = r->m;
    const char **names = malloc(((size_t)index + 1) * sizeof *names);
    const char *hint = NULL;

    for (int32_t p = 0; names && p < index; p++)
        names[p] = m->products[p].name;
    if (names)
        hint = route_csv_suggest(m->products[index].name, names,
                                 (size_t)index);
    snprintf(r->note, sizeof r->note, " (it is not a product of the data "
             "set%s%s%s)", hint ? "; did you mean '" : "", hint ? hint : "",
             hint ? "'?" : "");
    free(names);
    return r->note;
}

static int read_product(reader *r, ynode *k, ynode *spec)
{
    ynode *key = ynode_resolve(k), *at, *route, *chosen, *due_choice;
    int64_t lot_size = r->lot_size, i64;
    int32_t index = -1;
    int is_new = 0;
    product *p;
    double v;
    int rc;

    rc = check_name_key(r, k, key, "product");
    if (rc == 0)
        rc = reader_check_product_spec(r, k, key, spec);
    if (rc != 0)
        return rc;
    rc = reader_check_keys(r, spec, product_keys, NPRODUCT_KEYS);
    if (rc != 0)
        return rc;
    if (r->data_set)
        index = model_find_product(r->m, key->text);
    if (index < 0 && k->origin)
        return check_made_up(r, k, key, 1);
    if (index < 0) {
        if (r->m->nproducts >= MODEL_MAX_PRODUCTS)
            return fail(r, k, "too many products (at most %d)",
                        MODEL_MAX_PRODUCTS);
        index = model_add_product(r->m, key->text);
        if (index < 0)
            return nomem(r);
        r->m->products[index].lot_size = (int32_t)lot_size;
        is_new = 1;
    } else {
        ynode *route_key = NULL;
        if (ynode_lookup(spec, "route", &route_key))
            return fail(r, route_key, "'route' cannot replace the route of "
                        "product '%s' of the data set (its orders, WIP and "
                        "time constraints refer to its steps); add a "
                        "product of another name instead", key->text);
    }
    p = &r->m->products[index];

    rc = reader_get_int(r, spec, "lot_size", 1, MODEL_MAX_LOT_SIZE, &lot_size,
                        &at);
    if (rc != 0)
        return rc;
    if (at)
        p->lot_size = (int32_t)lot_size;

    /* Exactly one release; an override of a data set's product keeps its
     * release when it gives none. */
    rc = one_of(r, spec, release_keys, NRELEASE_KEYS, "'wafers_per_month', "
                "'lots_per_day', 'interarrival' and 'release'", &chosen);
    if (rc != 0)
        return rc;
    if (!chosen && is_new)
        return fail(r, spec, "product '%s' needs one of 'wafers_per_month', "
                    "'lots_per_day', 'interarrival' or 'release'%s",
                    key->text, r->data_set ? not_in_data_set(r, index)
                                           : "");
    rc = read_release(r, spec, chosen, p);
    if (rc != 0)
        return rc;

    rc = reader_get_double(r, spec, "first_release_day", &v, &at);
    if (rc != 0)
        return rc;
    if (at && !(v >= 0.0))
        return fail(r, at, "'first_release_day' must be >= 0 (got %g)", v);
    if (at && p->release == RELEASE_NONE)
        return fail(r, at, "'first_release_day' has no use with 'release: "
                    "none' (the orders say when lots start)");
    if (at)
        p->first_release_days = v;

    rc = reader_get_int(r, spec, "priority", 0, MAX_PRIORITY, &i64, &at);
    if (rc != 0)
        return rc;
    if (at)
        p->priority = (int32_t)i64;

    route = ynode_lookup(spec, "route", &at);
    if (!route && is_new)
        return fail(r, spec, "product '%s' needs a 'route': a CSV file path "
                    "or a sequence of steps", key->text);
    if (route) {
        if (ynode_is_null(route))
            return fail(r, at, "'route' has no value; expected a CSV file "
                        "path or a sequence of steps");
        if (route->kind == YNODE_SEQUENCE)
            rc = read_inline_route(r, route, index);
        else if (route->kind == YNODE_SCALAR)
            rc = read_csv_route(r, route, index);
        else
            return fail(r, route, "'route' must be a CSV file path or a "
                        "sequence of steps, found %s", ynode_describe(route));
        p = &r->m->products[index];
        r->total_steps += p->nsteps;
        if (rc != 0)
            return rc;
    }

    /* The due date: an offset, or a multiple of the raw process time,
     * which is known only now that the route is. */
    rc = one_of(r, spec, due_keys, 2, "'due' and 'due_factor'", &due_choice);
    if (rc != 0 || !due_choice)
        return rc;
    if (ynode_key_is(ynode_resolve(due_choice), "due")) {
        rc = reader_get_duration(r, spec, "due", &v, &at);
        if (rc == 0 && !(v > 0.0))
            rc = fail(r, at, "'due' must be > 0 (got 0)");
        if (rc == 0)
            p->due_offset_days = v;
    } else {
        rc = reader_get_double(r, spec, "due_factor", &v, &at);
        if (rc == 0 && !(v > 0.0 && v <= 1e6))
            rc = fail(r, at, "'due_factor' must be > 0 and at most 1e6 (got "
                      "%g)", v);
        if (rc == 0)
            p->due_offset_days = v * product_raw_process_time(r->m, p);
    }
    return rc;
}

int reader_check_group_spec(reader *r, ynode *k, const ynode *key,
                            const ynode *spec)
{
    if (ynode_is_null(spec))
        return fail(r, k, "tool group '%s' has no value; expected a mapping "
                    "such as {tools: 2}", key->text);
    if (spec->kind != YNODE_MAPPING)
        return fail(r, spec, "tool group '%s' must be a mapping such as "
                    "{tools: 2}, found %s", key->text, ynode_describe(spec));
    return 0;
}

/* " (did you mean 'x'?)" or " (use a, b, c)" for an unknown name. */
void reader_unknown_hint(const char *name, const char *const *known,
                         size_t count, char *buf, size_t size)
{
    const char *hint = route_csv_suggest(name, known, count);
    size_t used;

    if (hint) {
        snprintf(buf, size, " (did you mean '%s'?)", hint);
        return;
    }
    used = (size_t)snprintf(buf, size, " (use ");
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i == 0 ? "" : i + 1 == count ? " or " : ", ",
                                 known[i]);
    if (used < size)
        snprintf(buf + used, size - used, ")");
}

/* One rule of a rank list, written at node at (text may be part of it). */
static int add_rank_key(reader *r, const ynode *at, const char *text,
                        enum rank_key *keys, int32_t *n)
{
    const char *names[RANK_KEY_COUNT];
    enum rank_key k;
    char hint[512];

    for (int i = 0; i < RANK_KEY_COUNT; i++)
        names[i] = rank_key_name((enum rank_key)i);
    if (rank_key_from_name(text, &k) != 0) {
        reader_unknown_hint(text, names, RANK_KEY_COUNT, hint, sizeof hint);
        return fail(r, at, "unknown dispatch rule '%s'%s", text, hint);
    }
    for (int32_t i = 0; i < *n; i++) {
        if (keys[i] == k)
            return fail(r, at, "dispatch rule '%s' is given twice", text);
        /* FIFO orders every lot, so nothing after it ever decides. */
        if (keys[i] == RANK_FIFO)
            return fail(r, at, "'fifo' decides every tie, so '%s' after it "
                        "would never be used: put 'fifo' last", text);
    }
    if (*n == MODEL_MAX_RANK_KEYS)
        return fail(r, at, "a dispatch rank list has at most %d rules",
                    MODEL_MAX_RANK_KEYS);
    keys[(*n)++] = k;
    return 0;
}

/* dispatch: a rule, a list of rules, or rules separated by ';' (the form
 * a setting can give): ties of one rule fall to the next. */
static int read_dispatch(reader *r, ynode *spec, tool_group *g)
{
    enum rank_key keys[MODEL_MAX_RANK_KEYS];
    int32_t n = 0;
    ynode *key = NULL, *v = ynode_lookup(spec, "dispatch", &key);
    int rc = 0;

    if (!v)
        return 0;
    if (ynode_is_null(v))
        return fail(r, key, "'dispatch' has no value; expected a rule such "
                    "as fifo, or a list of rules");
    if (v->kind == YNODE_SEQUENCE) {
        for (ynode *item = v->first; rc == 0 && item; item = item->next) {
            ynode *x = ynode_resolve(item);
            if (ynode_is_null(x) || x->kind != YNODE_SCALAR)
                return fail(r, item, "a dispatch rule must be a name such "
                            "as fifo, found %s", ynode_describe(x));
            rc = add_rank_key(r, item, x->text, keys, &n);
        }
    } else if (v->kind == YNODE_SCALAR) {
        char buf[128];
        const char *s = v->text;
        if (strlen(s) != v->length)
            return fail(r, v, "'dispatch' contains a NUL character");
        while (rc == 0) {
            size_t len = strcspn(s, ";");
            const char *end = s + len;
            while (s < end && (*s == ' ' || *s == '\t'))
                s++;
            while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            if (end == s)
                return fail(r, v, "'dispatch' has an empty rule (rules are "
                            "separated by ';')");
            snprintf(buf, sizeof buf, "%.*s", (int)(end - s), s);
            rc = add_rank_key(r, v, buf, keys, &n);
            s += strcspn(s, ";");
            if (*s == '\0')
                break;
            s++;
        }
    } else {
        return fail(r, v, "'dispatch' must be a rule or a list of rules, "
                    "found %s", ynode_describe(v));
    }
    if (rc == 0 && n == 0)
        rc = fail(r, v, "'dispatch' has no rules");
    if (rc != 0)
        return rc;
    memcpy(g->rank, keys, (size_t)n * sizeof *keys);
    g->nrank = n;
    return 0;
}

static int read_batching(reader *r, ynode *spec, tool_group *g)
{
    ynode *b, *at;
    double wait;
    int rc;

    rc = reader_get_collection(r, spec, "batching", YNODE_MAPPING,
                               "a mapping such as {unit: wafers, wait: 30}",
                               &b);
    if (rc != 0 || !b)
        return rc;
    rc = reader_check_keys(r, b, batching_keys, 2);
    if (rc == 0)
        rc = reader_get_string(r, b, "unit", &at);
    if (rc != 0)
        return rc;
    if (!g->batching) {
        g->batch_unit = BATCH_WAFERS;
        g->batch_wait_days = 0.0;
    }
    g->batching = 1;
    if (at) {
        if (strcmp(at->text, "wafers") == 0)
            g->batch_unit = BATCH_WAFERS;
        else if (strcmp(at->text, "lots") == 0)
            g->batch_unit = BATCH_LOTS;
        else
            return fail(r, at, "unknown batch unit '%s' (use wafers or "
                        "lots)", at->text);
    }
    rc = reader_get_duration(r, b, "wait", &wait, &at);
    if (rc == 0 && at)
        g->batch_wait_days = wait;
    return rc;
}

static const char *const downtime_kinds[] = {
    "breakdown", "pm_calendar", "pm_wafers",
};

static int read_downtime(reader *r, ynode *item, tool_group *g)
{
    ynode *d = ynode_resolve(item), *at, *kind_at, *name_at;
    tool_downtime *t;
    char why[160], hint[256];
    enum downtime_kind kind = DOWN_BREAKDOWN;
    double wafers;
    size_t i;
    int rc;

    if (d->kind != YNODE_MAPPING)
        return fail(r, item, "a downtime must be a mapping such as {name: "
                    "PM, kind: pm_calendar, interval: ..., duration: ...}, "
                    "found %s", ynode_describe(d));
    rc = reader_check_keys(r, d, downtime_keys, NDOWNTIME_KEYS);
    if (rc == 0)
        rc = reader_get_string(r, d, "name", &name_at);
    if (rc == 0)
        rc = reader_get_string(r, d, "kind", &kind_at);
    if (rc != 0)
        return rc;
    if (!name_at)
        return fail(r, item, "a downtime needs a 'name'");
    if (route_csv_check_name(name_at->text, name_at->length, why,
                             sizeof why) != 0)
        return fail(r, name_at, "'name': %s", why);
    for (int32_t j = 0; j < g->ndowntimes; j++)
        if (strcmp(g->downtimes[j].name, name_at->text) == 0)
            return fail(r, name_at, "tool group '%s' has two downtimes named "
                        "'%s'", g->name, name_at->text);
    if (!kind_at)
        return fail(r, item, "downtime '%s' needs a 'kind' (breakdown, "
                    "pm_calendar or pm_wafers)", name_at->text);
    for (i = 0; i < 3; i++)
        if (strcmp(kind_at->text, downtime_kinds[i]) == 0)
            break;
    if (i == 3) {
        reader_unknown_hint(kind_at->text, downtime_kinds, 3, hint,
                            sizeof hint);
        return fail(r, kind_at, "unknown downtime kind '%s'%s", kind_at->text,
                    hint);
    }
    kind = (enum downtime_kind)i;
    if (g->ndowntimes >= MODEL_MAX_DOWNTIMES)
        return fail(r, item, "a tool group may have at most %d downtimes",
                    MODEL_MAX_DOWNTIMES);
    t = model_add_downtime(g, name_at->text);
    if (!t)
        return nomem(r);
    t->kind = kind;
    if (kind == DOWN_PM_WAFERS) {
        static const char *const not_for_wafers[] = {"interval", "first"};
        for (i = 0; i < 2; i++) {
            ynode *key = NULL;
            if (ynode_lookup(d, not_for_wafers[i], &key))
                return fail(r, key, "'%s' is not a key of a pm_wafers "
                            "downtime, which counts wafers "
                            "('interval_wafers')", not_for_wafers[i]);
        }
        rc = reader_get_double(r, d, "interval_wafers", &wafers, &at);
        if (rc != 0)
            return rc;
        if (!at)
            return fail(r, item, "a pm_wafers downtime needs "
                        "'interval_wafers', the wafers processed between "
                        "two PMs");
        if (!(wafers > 0.0 && wafers <= DIST_MAX_TIME))
            return fail(r, at, "'interval_wafers' must be > 0 and at most "
                        "%g (got %g)", DIST_MAX_TIME, wafers);
        t->interval_wafers = wafers;
        rc = reader_get_double(r, d, "first_wafers", &wafers, &at);
        if (rc != 0)
            return rc;
        if (at && !(wafers > 0.0 && wafers <= DIST_MAX_TIME))
            return fail(r, at, "'first_wafers' must be > 0 and at most %g "
                        "(got %g)", DIST_MAX_TIME, wafers);
        if (at)
            t->first_wafers = wafers;
    } else {
        static const char *const only_for_wafers[] = {"interval_wafers",
                                                      "first_wafers"};
        for (i = 0; i < 2; i++) {
            ynode *key = NULL;
            if (ynode_lookup(d, only_for_wafers[i], &key))
                return fail(r, key, "'%s' is a key of pm_wafers downtimes; "
                            "a %s downtime counts time ('interval', "
                            "'first')", only_for_wafers[i],
                            downtime_kinds[kind]);
        }
        rc = reader_get_dist(r, d, "interval", &t->interval, &at);
        if (rc != 0)
            return rc;
        if (!at)
            return fail(r, item, "a %s downtime needs 'interval', the time "
                        "between two (a distribution mapping)",
                        downtime_kinds[kind]);
        /* A zero mean would stop the tool infinitely often. */
        if (!(t->interval.mean > 0.0))
            return fail(r, at, "the mean 'interval' must be > 0");
        rc = reader_get_dist(r, d, "first", &t->first, &at);
        if (rc != 0)
            return rc;
        t->has_first = at != NULL;
    }
    rc = reader_get_bool(r, d, "stagger", &t->stagger, &at);
    if (rc != 0)
        return rc;
    rc = reader_get_dist(r, d, "duration", &t->duration, &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, item, "downtime '%s' needs 'duration' (a "
                    "distribution mapping)", t->name);
    return 0;
}

/* downtimes: a list, which replaces the group's (a data set's) list. */
static int read_downtimes(reader *r, ynode *spec, tool_group *g)
{
    ynode *seq;
    int rc;

    rc = reader_get_collection(r, spec, "downtimes", YNODE_SEQUENCE,
                               "a list of downtimes", &seq);
    if (rc != 0 || !seq)
        return rc;
    for (int32_t d = 0; d < g->ndowntimes; d++)
        free(g->downtimes[d].name);
    g->ndowntimes = 0;
    for (ynode *item = seq->first; rc == 0 && item; item = item->next)
        rc = read_downtime(r, item, g);
    return rc;
}

static int read_tool_group(reader *r, ynode *k, ynode *spec)
{
    ynode *key = ynode_resolve(k), *at;
    int64_t tools, i64;
    int32_t index = -1;
    tool_group *g;
    char why[160];
    double v;
    int rc;

    rc = check_name_key(r, k, key, "tool group");
    if (rc == 0)
        rc = reader_check_group_spec(r, k, key, spec);
    if (rc != 0)
        return rc;
    rc = reader_check_keys(r, spec, group_keys, NGROUP_KEYS);
    if (rc == 0)
        rc = reader_get_int(r, spec, "tools", 1, MODEL_MAX_TOOLS_PER_GROUP,
                            &tools, &at);
    if (rc != 0)
        return rc;
    if (r->data_set)
        index = model_find_tool_group(r->m, key->text);
    if (index < 0 && k->origin)
        return check_made_up(r, k, key, 0);
    if (index < 0) {
        if (!at)
            return fail(r, spec, "tool group '%s' needs 'tools'", key->text);
        if (r->m->ngroups >= MODEL_MAX_TOOL_GROUPS)
            return fail(r, k, "too many tool groups (at most %d)",
                        MODEL_MAX_TOOL_GROUPS);
        index = model_add_tool_group(r->m, key->text, (int32_t)tools);
        if (index < 0)
            return nomem(r);
    }
    g = &r->m->groups[index];
    if (at)
        g->tools = (int32_t)tools;
    rc = read_dispatch(r, spec, g);
    if (rc == 0)
        rc = reader_get_string(r, spec, "area", &at);
    if (rc != 0)
        return rc;
    if (at) {
        if (route_csv_check_name(at->text, at->length, why, sizeof why) != 0)
            return fail(r, at, "'area': %s", why);
        free(g->area);
        if (!(g->area = duplicate(at->text)))
            return nomem(r);
    }
    rc = read_batching(r, spec, g);
    if (rc == 0)
        rc = reader_get_int(r, spec, "cascade", 1, MODEL_MAX_CASCADE, &i64,
                            &at);
    if (rc != 0)
        return rc;
    if (at)
        g->cascade = (int32_t)i64;
    rc = reader_get_duration(r, spec, "load_time", &v, &at);
    if (rc == 0 && at)
        g->load_days = v;
    if (rc == 0)
        rc = reader_get_duration(r, spec, "unload_time", &v, &at);
    if (rc == 0 && at)
        g->unload_days = v;
    if (rc == 0)
        rc = read_downtimes(r, spec, g);
    return rc;
}

/* "A, B, C" from the model's setup names, or "none". */
static void setup_names(const model *m, char *buf, size_t size)
{
    size_t shown = (size_t)m->nsetups < ROUTE_CSV_LIST_NAMES
                       ? (size_t)m->nsetups : ROUTE_CSV_LIST_NAMES;

    if (m->nsetups == 0) {
        snprintf(buf, size, "none");
        return;
    }
    route_csv_list_names((const char *const *)m->setups, shown,
                         (size_t)m->nsetups, buf, size);
}

/* A setup named by the value of key name of map, which steps (or the data
 * set) must have used: a name nothing uses is a typo. */
static int get_setup(reader *r, ynode *map, const char *name, int32_t *out,
                     ynode **at)
{
    char list[512];
    int rc = reader_get_string(r, map, name, at);

    if (rc != 0 || !*at)
        return rc;
    *out = model_find_setup(r->m, (*at)->text);
    if (*out >= 0)
        return 0;
    setup_names(r->m, list, sizeof list);
    return fail(r, *at, "unknown setup '%s': no step has it (setups: %s)",
                (*at)->text, list);
}

static int read_setup_change(reader *r, ynode *item)
{
    ynode *c = ynode_resolve(item), *from_at, *to_at, *key = NULL, *time;
    int32_t from = -1, to = -1;
    setup_change *change = NULL;
    dist d;
    int rc;

    if (c->kind != YNODE_MAPPING)
        return fail(r, item, "a setup change must be a mapping such as "
                    "{from: A, to: B, time: 20}, found %s", ynode_describe(c));
    rc = reader_check_keys(r, c, change_keys, 3);
    if (rc == 0)
        rc = get_setup(r, c, "from", &from, &from_at);
    if (rc == 0)
        rc = get_setup(r, c, "to", &to, &to_at);
    if (rc != 0)
        return rc;
    if (!to_at)
        return fail(r, item, "a setup change needs 'to' (and 'from', or "
                    "none for a change from any other setup)");
    if (from == to)
        return fail(r, from_at, "a setup change goes from one setup to "
                    "another ('from' and 'to' are both '%s')", to_at->text);
    time = ynode_lookup(c, "time", &key);
    if (!time)
        return fail(r, item, "a setup change needs 'time'");
    if (time->kind == YNODE_MAPPING) {
        rc = read_dist(r, time, &d);
    } else {
        double days, param[3] = {0.0, 0.0, 0.0};
        ynode *at;
        char why[160];
        rc = reader_get_duration(r, c, "time", &days, &at);
        param[0] = days;
        if (rc == 0 && dist_init(&d, DIST_CONSTANT, param, why,
                                 sizeof why) != 0)
            rc = fail(r, at, "'time': %s", why);
    }
    if (rc != 0)
        return rc;
    /* A second change between the same setups is a mistake in the file;
     * one of a data set's is replaced. */
    for (int32_t i = 0; i < r->m->nsetup_changes; i++) {
        setup_change *x = &r->m->setup_changes[i];
        if (x->from != from || x->to != to)
            continue;
        if (i >= r->data_set_changes)
            return fail(r, item, "a second change from %s to '%s'",
                        from_at ? from_at->text : "any setup", to_at->text);
        change = x;
    }
    if (!change && r->m->nsetup_changes >= MODEL_MAX_SETUPS)
        return fail(r, item, "too many setup changes (at most %d)",
                    MODEL_MAX_SETUPS);
    if (!change && !(change = model_add_setup_change(r->m, from, to)))
        return nomem(r);
    change->time = d;
    return 0;
}

/* min_run_wait: a duration, or `unlimited`. */
static int read_min_run_wait(reader *r, ynode *s)
{
    ynode *key = NULL, *v = ynode_lookup(s, "min_run_wait", &key), *at;
    double days;
    int rc;

    if (v && v->kind == YNODE_SCALAR && strcmp(v->text, "unlimited") == 0) {
        r->m->setup_min_run_wait_days = INFINITY;
        return 0;
    }
    if (v && v->kind == YNODE_SCALAR && !ynode_is_null(v)) {
        const char *why;
        if (route_csv_parse_double(v->text, v->length, &days, &why) != 0)
            return fail(r, v, "'min_run_wait' must be a duration (a number "
                        "in time_unit, or {value: N, unit: h}) or "
                        "'unlimited' (got '%s')", v->text);
    }
    rc = reader_get_duration(r, s, "min_run_wait", &days, &at);
    if (rc == 0 && at)
        r->m->setup_min_run_wait_days = days;
    return rc;
}

static int read_setups(reader *r, ynode *top)
{
    ynode *s, *changes = NULL, *min_run = NULL;
    int rc;

    rc = reader_get_collection(r, top, "setups", YNODE_MAPPING,
                               "a mapping with 'changes' and 'min_run'", &s);
    if (rc != 0 || !s)
        return rc;
    rc = reader_check_keys(r, s, setups_keys, 3);
    if (rc == 0)
        rc = read_min_run_wait(r, s);
    if (rc == 0)
        rc = reader_get_collection(r, s, "changes", YNODE_SEQUENCE,
                                   "a list of setup changes", &changes);
    for (ynode *item = changes ? changes->first : NULL; rc == 0 && item;
         item = item->next)
        rc = read_setup_change(r, item);
    if (rc == 0)
        rc = reader_get_collection(r, s, "min_run", YNODE_MAPPING,
                                   "a mapping from setup names to lots",
                                   &min_run);
    for (ynode *k = min_run ? min_run->first : NULL; rc == 0 && k && k->next;
         k = k->next->next) {
        ynode *key = ynode_resolve(k);
        int32_t setup;
        int64_t lots;
        ynode *at;
        if (key->kind != YNODE_SCALAR)
            return fail(r, k, "a setup name must be a string, found %s",
                        ynode_describe(key));
        setup = model_find_setup(r->m, key->text);
        if (setup < 0) {
            char list[512];
            setup_names(r->m, list, sizeof list);
            return fail(r, k, "unknown setup '%s': no step has it (setups: "
                        "%s)", key->text, list);
        }
        rc = reader_get_int(r, min_run, key->text, 0, MAX_CONWIP_LOTS, &lots,
                            &at);
        if (rc == 0)
            r->m->setup_min_run[setup] = (int32_t)lots;
    }
    return rc;
}

/* A product named by the value of key name of map. */
static int get_product(reader *r, ynode *map, const char *name,
                       int32_t *out, ynode **at)
{
    char list[512];
    int rc = reader_get_string(r, map, name, at);

    if (rc != 0 || !*at)
        return rc;
    *out = model_find_product(r->m, (*at)->text);
    if (*out >= 0)
        return 0;
    reader_model_names(r->m, 1, list, sizeof list);
    return fail(r, *at, "unknown product '%s' (products: %s)", (*at)->text,
                list);
}

#define MAX_ORDER_LOTS 1000000000

static int read_order(reader *r, ynode *item, int32_t number)
{
    ynode *o = ynode_resolve(item), *at, *name_at, *chosen;
    int32_t which;
    release_order *order;
    char name[32], why[160];
    int64_t i64;
    double v;
    int rc;

    if (o->kind != YNODE_MAPPING)
        return fail(r, item, "an order must be a mapping such as {product: "
                    "A, lots_per_day: 2}, found %s", ynode_describe(o));
    rc = reader_check_keys(r, o, order_keys, NORDER_KEYS);
    if (rc == 0)
        rc = reader_get_string(r, o, "name", &name_at);
    if (rc == 0 && name_at &&
        route_csv_check_name(name_at->text, name_at->length, why,
                             sizeof why) != 0)
        rc = fail(r, name_at, "'name': %s", why);
    if (rc == 0)
        rc = get_product(r, o, "product", &which, &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, item, "an order needs a 'product'");
    if (r->m->norders >= MODEL_MAX_ORDERS)
        return fail(r, item, "too many orders (at most %d)",
                    MODEL_MAX_ORDERS);
    snprintf(name, sizeof name, "order %d", (int)number);
    order = model_add_order(r->m, name_at ? name_at->text : name, which);
    if (!order)
        return nomem(r);
    order->priority = r->m->products[which].priority;
    order->due_offset_days = r->m->products[which].due_offset_days;

    rc = reader_get_int(r, o, "count", 1, MAX_ORDER_LOTS, &i64, &at);
    if (rc != 0)
        return rc;
    if (at)
        order->count = i64;
    rc = one_of(r, o, order_release_keys, 3, "'lots_per_day', 'interval' "
                "and 'interarrival'", &chosen);
    if (rc != 0)
        return rc;
    /* One lot needs no rate. */
    if (!chosen && order->count != 1)
        return fail(r, item, "an order needs one of 'lots_per_day', "
                    "'interval' or 'interarrival' (or 'count: 1')");
    if (chosen && ynode_key_is(ynode_resolve(chosen), "interarrival")) {
        rc = reader_get_dist(r, o, "interarrival", &order->interarrival, &at);
        if (rc == 0 && !(order->interarrival.mean > 0.0))
            rc = fail(r, at, "the mean interarrival time must be > 0");
        order->kind = RELEASE_RANDOM;
    } else if (chosen && ynode_key_is(ynode_resolve(chosen), "interval")) {
        rc = reader_get_duration(r, o, "interval", &v, &at);
        if (rc == 0 && !(v > 0.0))
            rc = fail(r, at, "'interval' must be > 0 (got 0)");
        order->interval_days = v;
    } else if (chosen) {
        rc = reader_get_double(r, o, "lots_per_day", &v, &at);
        if (rc == 0 && !(v > 0.0 && isfinite(1.0 / v)))
            rc = fail(r, at, "'lots_per_day' must be > 0 (got %g)", v);
        order->interval_days = 1.0 / v;
    }
    if (rc != 0)
        return rc;
    if (!chosen)
        order->interval_days = 1.0;     /* never used: one lot */

    rc = reader_get_double(r, o, "first_day", &v, &at);
    if (rc == 0 && at && !(v >= 0.0 && v <= MODEL_MAX_HORIZON_DAYS))
        rc = fail(r, at, "'first_day' must be >= 0 and at most %g (got %g)",
                  MODEL_MAX_HORIZON_DAYS, v);
    if (rc == 0 && at)
        order->first_days = v;
    if (rc == 0)
        rc = reader_get_int(r, o, "wafers", 1, MODEL_MAX_LOT_SIZE, &i64, &at);
    if (rc == 0 && at)
        order->wafers = (int32_t)i64;
    if (rc == 0)
        rc = reader_get_int(r, o, "priority", 0, MAX_PRIORITY, &i64, &at);
    if (rc == 0 && at)
        order->priority = (int32_t)i64;
    if (rc == 0)
        rc = reader_get_duration(r, o, "due", &v, &at);
    if (rc == 0 && at && !(v > 0.0))
        rc = fail(r, at, "'due' must be > 0 (got 0)");
    if (rc == 0 && at)
        order->due_offset_days = v;
    return rc;
}

/* The step of p that text names: "#N" or a name that only one step has. */
int reader_find_route_step(reader *r, const ynode *at, const product *p,
                           int32_t *out)
{
    int32_t number = route_csv_step_number(at->text), found = -1;

    if (at->text[0] == '#' && at->text[1] >= '0' && at->text[1] <= '9') {
        if (number == 0 || number > p->nsteps)
            return fail(r, at, "there is no step %s: the route of product "
                        "'%s' has %d steps", at->text, p->name,
                        (int)p->nsteps);
        *out = number - 1;
        return 0;
    }
    for (int32_t s = 0; s < p->nsteps; s++) {
        if (strcmp(p->steps[s].name, at->text) != 0)
            continue;
        if (found >= 0)
            return fail(r, at, "step name '%s' is ambiguous: steps #%d and "
                        "#%d of the route of product '%s' have it (use #N "
                        "to choose one)", at->text, (int)found + 1,
                        (int)s + 1, p->name);
        found = s;
    }
    if (found < 0) {
        const char *names[ROUTE_CSV_LIST_NAMES];
        size_t shown = 0;
        char list[512];
        while (shown < ROUTE_CSV_LIST_NAMES && shown < (size_t)p->nsteps) {
            names[shown] = p->steps[shown].name;
            shown++;
        }
        route_csv_list_names(names, shown, (size_t)p->nsteps, list,
                             sizeof list);
        return fail(r, at, "no step '%s' in the route of product '%s' "
                    "(steps: %s)", at->text, p->name, list);
    }
    *out = found;
    return 0;
}

static int read_wip(reader *r, ynode *item)
{
    ynode *w = ynode_resolve(item), *at, *step_at, *key = NULL;
    int32_t which, step = 0;
    int64_t lots = 1, wafers, priority;
    double release_day = 0.0, due_day;
    const product *p;
    int rc;

    if (w->kind != YNODE_MAPPING)
        return fail(r, item, "an initial_wip entry must be a mapping such "
                    "as {product: A, step: \"#3\", lots: 2}, found %s",
                    ynode_describe(w));
    rc = reader_check_keys(r, w, wip_keys, NWIP_KEYS);
    if (rc == 0)
        rc = get_product(r, w, "product", &which, &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, item, "an initial_wip entry needs a 'product'");
    p = &r->m->products[which];
    wafers = p->lot_size;
    priority = p->priority;
    if (ynode_lookup(w, "step", &key)
        && ynode_is_null(ynode_lookup(w, "step", NULL)))
        return fail(r, key, "'step' has no value (a step number must be "
                    "quoted in YAML, \"#3\": a plain # starts a comment)");
    rc = reader_get_string(r, w, "step", &step_at);
    if (rc == 0 && !step_at)
        rc = fail(r, item, "an initial_wip entry needs a 'step' (the step "
                  "its lots wait for: a name or \"#N\")");
    if (rc == 0)
        rc = reader_find_route_step(r, step_at, p, &step);
    if (rc == 0)
        rc = reader_get_int(r, w, "lots", 1, MODEL_MAX_INITIAL_LOTS, &lots,
                            &at);
    if (rc == 0)
        rc = reader_get_int(r, w, "wafers", 1, MODEL_MAX_LOT_SIZE, &wafers,
                            &at);
    if (rc == 0)
        rc = reader_get_int(r, w, "priority", 0, MAX_PRIORITY, &priority, &at);
    if (rc == 0)
        rc = reader_get_double(r, w, "release_day", &release_day, &at);
    if (rc == 0 && at && !(release_day <= 0.0 &&
                           release_day >= -MODEL_MAX_HORIZON_DAYS))
        rc = fail(r, at, "'release_day' must be <= 0 (a lot in the fab at "
                  "the start was released before it) and >= %g (got %g)",
                  -MODEL_MAX_HORIZON_DAYS, release_day);
    if (rc != 0)
        return rc;
    due_day = release_day + p->due_offset_days;
    rc = reader_get_double(r, w, "due_day", &due_day, &at);
    if (rc == 0 && at && !(fabs(due_day) <= MODEL_MAX_HORIZON_DAYS))
        rc = fail(r, at, "'due_day' must be within +-%g days (got %g)",
                  MODEL_MAX_HORIZON_DAYS, due_day);
    if (rc != 0)
        return rc;
    if (lots > MODEL_MAX_INITIAL_LOTS - r->m->ninitial)
        return fail(r, item, "too many lots of initial WIP (at most %d in "
                    "all)", MODEL_MAX_INITIAL_LOTS);
    for (int64_t i = 0; i < lots; i++) {
        initial_lot *l = model_add_initial_lot(r->m);
        if (!l)
            return nomem(r);
        l->product = which;
        l->step = step;
        l->wafers = (int32_t)wafers;
        l->priority = (int32_t)priority;
        l->release_day = release_day;
        l->due_day = due_day;
    }
    return 0;
}

/* The sections after tool groups and products: what they name must
 * exist by then. */
static int read_realism(reader *r, ynode *top)
{
    ynode *at, *seq = NULL;
    int64_t i64;
    int32_t number = 0;
    int rc;

    rc = read_setups(r, top);
    if (rc == 0)
        rc = reader_get_dist(r, top, "transport", &r->m->transport, &at);
    if (rc != 0)
        return rc;
    if (at)
        r->m->has_transport = 1;
    rc = reader_get_int(r, top, "conwip_lots", 1, MAX_CONWIP_LOTS, &i64, &at);
    if (rc != 0)
        return rc;
    if (at) {
        int32_t p = 0;
        while (p < r->m->nproducts &&
               r->m->products[p].release != RELEASE_CONWIP)
            p++;
        if (p == r->m->nproducts)
            return fail(r, at, "'conwip_lots' caps the lots of products "
                        "with 'release: conwip' in the fab, and no "
                        "product has it");
        r->m->conwip_lots = (int32_t)i64;
    }
    rc = reader_get_collection(r, top, "orders", YNODE_SEQUENCE,
                               "a list of orders", &seq);
    for (ynode *item = seq ? seq->first : NULL; rc == 0 && item;
         item = item->next)
        rc = read_order(r, item, ++number);
    if (rc == 0)
        rc = reader_get_collection(r, top, "initial_wip", YNODE_SEQUENCE,
                                   "a list of lots in the fab at the start",
                                   &seq);
    for (ynode *item = seq && rc == 0 ? seq->first : NULL; rc == 0 && item;
         item = item->next)
        rc = read_wip(r, item);
    if (rc != 0)
        return rc;
    return 0;
}

/* The scenario's name when it has none: the file name without its
 * extension, cut to MODEL_MAX_NAME bytes at a character boundary. */
static char *default_name(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;
    size_t n;
    char *name;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n == 0) {
        base = "scenario";
        n = strlen(base);
    }
    if (n > MODEL_MAX_NAME) {
        n = MODEL_MAX_NAME;
        while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80)
            n--;
    }
    name = malloc(n + 1);
    if (name) {
        memcpy(name, base, n);
        name[n] = '\0';
    }
    return name;
}

/* smt2020: DIR, read before the rest of the file, which overrides it. */
static int read_data_set(reader *r, ynode *top)
{
    ynode *at;
    ws_error inner;
    char *dir;
    int rc;

    rc = reader_get_string(r, top, "smt2020", &at);
    if (rc != 0 || !at)
        return rc;
    if (at->length == 0)
        return fail(r, at, "'smt2020' is an empty path");
    dir = r->data_set_as_given ? duplicate(at->text) : join_path(r, at->text);
    if (!dir)
        return nomem(r);
    ws_error_clear(&inner);
    rc = smt2020_load(r->m, dir, &inner);
    /* A data set named in a file is the file's content, as a route file
     * is; given on the command line, a missing one is missing input. */
    if (rc == WS_ENOINPUT && !r->data_set_as_given) {
        char message[sizeof inner.message];
        ws_error_format(&inner, message, sizeof message);
        rc = fail(r, at, "cannot read the SMT2020 data set: %s", message);
    } else if (rc != 0) {
        *r->err = inner;
    }
    free(dir);
    if (rc != 0)
        return rc;
    r->data_set = 1;
    r->data_set_changes = r->m->nsetup_changes;
    r->data_set_groups = r->m->ngroups;
    return 0;
}

/* On a data set, a tool group of the file that the data set lacks and no
 * route uses is most likely a misspelt change of one of the data set's:
 * left alone it would change nothing, silently. */
static int check_groups_used(reader *r, ynode *groups)
{
    const model *m = r->m;
    unsigned char *used = calloc((size_t)m->ngroups + 1, 1);
    const char **names = malloc(((size_t)r->data_set_groups + 1) *
                                sizeof *names);
    int rc = 0;

    if (!used || !names) {
        free(used);
        free(names);
        return nomem(r);
    }
    for (int32_t p = 0; p < m->nproducts; p++)
        for (int32_t s = 0; s < m->products[p].nsteps; s++)
            used[m->products[p].steps[s].tool_group] = 1;
    for (int32_t g = 0; g < r->data_set_groups; g++)
        names[g] = m->groups[g].name;
    for (ynode *k = groups->first; rc == 0 && k && k->next;
         k = k->next->next) {
        ynode *key = ynode_resolve(k);
        int32_t g = model_find_tool_group(m, key->text);
        const char *hint;

        if (g < r->data_set_groups || used[g])
            continue;
        hint = route_csv_suggest(key->text, names,
                                 (size_t)r->data_set_groups);
        rc = fail(r, k, "tool group '%s' is not in the data set and no "
                  "route uses it%s%s%s", key->text,
                  hint ? " (did you mean '" : "", hint ? hint : "",
                  hint ? "'?)" : "");
    }
    free(names);
    free(used);
    return rc;
}

static int read_top(reader *r, ynode *top)
{
    model *m = r->m;
    ynode *at, *warmup_at, *groups, *products;
    int64_t i64;
    double v;
    int rc;

    rc = reader_check_keys(r, top, top_keys, NTOP_KEYS);
    if (rc != 0)
        return rc;

    rc = reader_get_int(r, top, "format_version", INT64_MIN, INT64_MAX, &i64,
                        &at);
    if (rc != 0)
        return rc;
    if (at && i64 != 1)
        return fail(r, at, "unsupported format_version %lld: this wafersim "
                    "reads format 1", (long long)i64);

    rc = read_data_set(r, top);
    if (rc != 0)
        return rc;

    rc = reader_get_string(r, top, "name", &at);
    if (rc != 0)
        return rc;
    if (at) {
        char why[160];
        if (route_csv_check_name(at->text, at->length, why, sizeof why) != 0)
            return fail(r, at, "'name': %s", why);
    }
    free(m->name);
    m->name = at ? duplicate(at->text) : default_name(r->path);
    if (!m->name)
        return nomem(r);

    rc = reader_get_string(r, top, "description", &at);
    if (rc != 0)
        return rc;
    if (at) {
        free(m->description);
        if (!(m->description = duplicate(at->text)))
            return nomem(r);
    }

    rc = reader_get_scalar(r, top, "start_date", "a date (YYYY-MM-DD)", &at);
    if (rc != 0)
        return rc;
    if (at && (strlen(at->text) != at->length ||
               date_parse_iso(at->text, &m->start_date) != 0))
        return fail(r, at, "'start_date' must be a real date written "
                    "YYYY-MM-DD (got '%s')", at->text);

    rc = reader_get_double(r, top, "horizon_days", &v, &at);
    if (rc != 0)
        return rc;
    if (at) {
        if (!(v > 0.0 && v <= MODEL_MAX_HORIZON_DAYS))
            return fail(r, at, "'horizon_days' must be > 0 and at most %g "
                        "(got %g)", MODEL_MAX_HORIZON_DAYS, v);
        m->horizon_days = v;
    }

    rc = reader_get_double(r, top, "warmup_days", &v, &warmup_at);
    if (rc != 0)
        return rc;
    if (warmup_at) {
        if (!(v >= 0.0))
            return fail(r, warmup_at, "'warmup_days' must be >= 0 (got %g)",
                        v);
        if (!(v < m->horizon_days))
            return fail(r, warmup_at, "'warmup_days' (%g) must be less than "
                        "'horizon_days' (%g)", v, m->horizon_days);
        m->warmup_days = v;
    }

    rc = reader_get_int(r, top, "replications", 1, MODEL_MAX_REPLICATIONS,
                        &i64, &at);
    if (rc != 0)
        return rc;
    if (at)
        m->replications = (int32_t)i64;

    rc = reader_get_scalar(r, top, "seed", "an unsigned integer", &at);
    if (rc != 0)
        return rc;
    if (at) {
        const char *why;
        if (route_csv_parse_uint64(at->text, at->length, &m->seed, &why) != 0)
            return fail(r, at, "'seed' %s: '%s' (expected an integer from 0 "
                        "to 18446744073709551615)", why, at->text);
    }

    r->unit_days = 1.0 / 1440.0;
    rc = reader_get_string(r, top, "time_unit", &at);
    if (rc != 0)
        return rc;
    if (at) {
        r->unit_days = route_csv_unit_days(at->text, at->length);
        if (r->unit_days == 0.0)
            return fail(r, at, "unknown time_unit '%s' (use s, min, h or d)",
                        at->text);
    }

    r->lot_size = 25;
    rc = reader_get_int(r, top, "lot_size", 1, MODEL_MAX_LOT_SIZE,
                        &r->lot_size, &at);
    if (rc != 0)
        return rc;

    /* A data set has its tool groups and products; the file's entries
     * override them by name or add more. */
    rc = reader_get_collection(r, top, "tool_groups", YNODE_MAPPING,
                               "a mapping from names to tool groups", &groups);
    if (rc != 0)
        return rc;
    if (!groups && !r->data_set)
        return fail(r, top, "missing required key 'tool_groups'");
    if (groups && groups->count == 0 && !r->data_set)
        return fail(r, groups, "'tool_groups' is empty; a fab needs at "
                    "least one tool group");
    for (ynode *k = groups ? groups->first : NULL; k && k->next;
         k = k->next->next) {
        rc = read_tool_group(r, k, ynode_resolve(k->next));
        if (rc != 0)
            return rc;
    }
    if (route_csv_groups_build(&r->groups, m) != 0)
        return nomem(r);

    rc = reader_get_collection(r, top, "products", YNODE_MAPPING,
                               "a mapping from names to products", &products);
    if (rc != 0)
        return rc;
    if (!products && !r->data_set)
        return fail(r, top, "missing required key 'products'");
    if (products && products->count == 0 && !r->data_set)
        return fail(r, products, "'products' is empty; a fab needs at least "
                    "one product");
    for (ynode *k = products ? products->first : NULL; k && k->next;
         k = k->next->next) {
        rc = read_product(r, k, ynode_resolve(k->next));
        if (rc != 0)
            return rc;
    }
    if (r->data_set && groups) {
        rc = check_groups_used(r, groups);
        if (rc != 0)
            return rc;
    }
    rc = read_realism(r, top);
    if (rc == 0)
        rc = reader_read_disruptions(r, top);
    if (rc != 0)
        return rc;
    return r->check_sweep ? reader_check_sweep(r, top) : 0;
}

typedef struct tree {
    ytree_arena arena;
    ynode *root;                /* a mapping */
    unsigned sessions;          /* settings sessions so far */
} tree;

static int tree_parse(tree *t, const char *text, size_t length,
                      const char *path, ws_error *err)
{
    ynode *root = NULL;
    int rc;

    memset(t, 0, sizeof *t);
    rc = route_csv_check_text(text, length, path, 1, err);
    if (rc != 0)
        return rc;
    rc = ytree_parse(&t->arena, text, length, path, &root, err);
    if (rc == 0 && (!root || ynode_is_null(root)))
        rc = ws_error_set(err, WS_EDATA, path, 1, 1,
                          "the scenario is empty; it needs at least "
                          "'tool_groups' and 'products'");
    if (rc == 0 && ynode_resolve(root)->kind != YNODE_MAPPING)
        rc = ws_error_set(err, WS_EDATA, path, root->line, root->col,
                          "the top level of a scenario must be a mapping of "
                          "keys, found %s",
                          ynode_describe(ynode_resolve(root)));
    if (rc != 0) {
        ytree_free(&t->arena);
        return rc;
    }
    t->root = ynode_resolve(root);
    return 0;
}

typedef struct build_input {
    const char *text;           /* the scenario, stored as source 0 */
    size_t length;
    const char *path;
    tree *tree;
    const scenario_setting *settings;
    size_t nsettings;
    const scenario_setting *point;      /* applied after settings */
    size_t npoint;
    const model *cache;         /* route files already read, or NULL */
    int check_sweep;
    int data_set_as_given;      /* the scenario of scenario_load_smt2020 */
} build_input;

static int build(const build_input *in, model **out, ws_error *err)
{
    ytree_arena scratch = {NULL};
    ynode *root = in->tree->root;
    model *m = NULL;
    char *copy;
    reader r;
    int rc;

    *out = NULL;
    memset(&r, 0, sizeof r);
    r.path = in->path;
    if (!in->data_set_as_given) {
        const char *slash = strrchr(in->path, '/');
        r.dir_length = slash ? (size_t)(slash - in->path) + 1 : 0;
    }
    r.data_set_as_given = in->data_set_as_given;
    r.err = err;
    r.sessions = &in->tree->sessions;
    r.cache = in->cache;
    r.check_sweep = in->check_sweep;
    rc = settings_apply(&r, &scratch, &root, in->settings, in->nsettings,
                        in->point, in->npoint);
    if (rc == 0) {
        m = model_create();
        copy = malloc(in->length + 1);
        if (m && copy) {
            memcpy(copy, in->text, in->length);
            copy[in->length] = '\0';
        }
        /* Source 0 is the scenario itself, stored before any route file. */
        if (!m || !copy || model_add_source(m, in->path, copy) != 0)
            rc = nomem(&r);
        free(copy);
    }
    if (rc == 0) {
        r.m = m;
        rc = read_top(&r, root);
        route_csv_groups_free(&r.groups);
    }
    ytree_free(&scratch);
    if (rc != 0) {
        model_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

static int load(const char *text, size_t length, const char *path,
                const scenario_setting *settings, size_t nsettings,
                model **out, ws_error *err)
{
    tree t;
    build_input in;
    int rc;

    rc = tree_parse(&t, text, length, path, err);
    if (rc != 0)
        return rc;
    memset(&in, 0, sizeof in);
    in.text = text;
    in.length = length;
    in.path = path;
    in.tree = &t;
    in.settings = settings;
    in.nsettings = nsettings;
    in.check_sweep = 1;
    rc = build(&in, out, err);
    ytree_free(&t.arena);
    return rc;
}

/* "point 7 (products.A.wafers_per_month=-5): ..." */
static void name_point(ws_error *err, const sweep_design *d, int32_t p)
{
    char values[256], message[sizeof err->message + sizeof values + 32];
    size_t used = 0, np = (size_t)d->nparams, n;

    values[0] = '\0';
    for (size_t j = 0; j < np; j++) {
        const char *v = d->values[(size_t)p * np + j];
        size_t need = strlen(d->params[j]) + strlen(v) + 3;
        if (used + need > 200) {
            snprintf(values + used, sizeof values - used, "%s...",
                     j ? ", " : "");
            break;
        }
        used += (size_t)snprintf(values + used, sizeof values - used,
                                 "%s%s=%s", j ? ", " : "", d->params[j], v);
    }
    snprintf(message, sizeof message, "point %d (%s): %s", (int)p, values,
             err->message);
    n = strlen(message);
    if (n >= sizeof err->message)
        n = sizeof err->message - 1;
    memcpy(err->message, message, n);
    err->message[n] = '\0';
}

/* Builds every point of d on the parsed tree: a value the model refuses
 * is reported before anything is simulated.  The first point's model
 * lends its route files to the others. */
static int check_points(build_input *in, const sweep_design *d,
                        const model *base, ws_error *err)
{
    size_t np = (size_t)d->nparams;
    scenario_setting *point = malloc(np * sizeof *point);
    int rc = 0;

    if (!point)
        return ws_error_set(err, WS_ENOMEM, in->path, 0, 0, "out of memory");
    in->point = point;
    in->npoint = np;
    in->cache = base;
    in->check_sweep = 0;
    for (int32_t p = 0; rc == 0 && p < d->npoints; p++) {
        model *m;
        for (size_t j = 0; j < np; j++) {
            point[j].path = d->params[j];
            point[j].value = d->values[(size_t)p * np + j];
            point[j].origin = in->path;
            point[j].line = d->lines[j];
            point[j].col = d->cols[j];
        }
        rc = build(in, &m, err);
        model_destroy(m);
        if (rc == WS_EDATA)
            name_point(err, d, p);
    }
    free(point);
    return rc;
}

static int load_design(const char *text, size_t length, const char *path,
                       const scenario_setting *settings, size_t nsettings,
                       sweep_design **out, ws_error *err)
{
    tree t;
    build_input in;
    model *base = NULL;
    sweep_spec *spec = NULL;
    sweep_design *d = NULL;
    ytree_arena a = {NULL};
    int rc;

    rc = tree_parse(&t, text, length, path, err);
    if (rc != 0)
        return rc;
    memset(&in, 0, sizeof in);
    in.text = text;
    in.length = length;
    in.path = path;
    in.tree = &t;
    in.settings = settings;
    in.nsettings = nsettings;
    in.check_sweep = 1;
    rc = build(&in, &base, err);
    if (rc == 0 && !(spec = malloc(sizeof *spec)))
        rc = ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    if (rc == 0) {
        /* Settings cannot change the sweep section: the parsed one is
         * the one the base model's reader checked. */
        reader r;
        memset(&r, 0, sizeof r);
        r.path = path;
        r.err = err;
        rc = reader_read_sweep(&r, &a, t.root, spec);
    }
    if (rc == 0 && spec->kind)
        rc = reader_expand_design(spec, path, &d, err);
    if (rc == 0 && d)
        rc = check_points(&in, d, base, err);
    model_destroy(base);
    free(spec);
    ytree_free(&a);
    ytree_free(&t.arena);
    if (rc != 0) {
        sweep_design_destroy(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* strtod reads numbers by LC_NUMERIC and printf writes them so; a program
 * that called setlocale() must not make "1.5" mean something else. */
typedef struct numeric_locale {
    locale_t c;
    locale_t previous;
} numeric_locale;

static void c_numbers_begin(numeric_locale *l)
{
    l->previous = (locale_t)0;
    l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (l->c)
        l->previous = uselocale(l->c);
}

static void c_numbers_end(numeric_locale *l)
{
    if (l->c) {
        uselocale(l->previous);
        freelocale(l->c);
    }
}

int scenario_load_string(const char *text, size_t length, const char *path,
                         model **out, ws_error *err)
{
    numeric_locale l;
    int rc;

    *out = NULL;
    if (!path)
        path = "<string>";
    if (!text)
        return ws_error_set(err, WS_ENOINPUT, path, 0, 0, "no text");
    c_numbers_begin(&l);
    rc = load(text, length, path, NULL, 0, out, err);
    c_numbers_end(&l);
    return rc;
}

static int read_scenario(const char *path, char **text, size_t *length,
                         ws_error *err)
{
    int e = route_csv_read_file(path, text, length);
    char reason[256];

    if (e == 0)
        return 0;
    if (e == ENOMEM)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    if (e == EFBIG)
        return ws_error_set(err, WS_EDATA, path, 0, 0,
                            "the file is larger than %zu MiB",
                            ROUTE_CSV_MAX_FILE_BYTES >> 20);
    if (strerror_r(e, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", e);
    return ws_error_set(err, WS_ENOINPUT, path, 0, 0, "cannot read: %s",
                        reason);
}

int scenario_load_file_with(const char *path, const scenario_setting *settings,
                            size_t nsettings, model **out, ws_error *err)
{
    numeric_locale l;
    char *text;
    size_t length;
    int rc;

    *out = NULL;
    rc = read_scenario(path, &text, &length, err);
    if (rc != 0)
        return rc;
    c_numbers_begin(&l);
    rc = load(text, length, path, settings, nsettings, out, err);
    c_numbers_end(&l);
    free(text);
    return rc;
}

int scenario_load_file(const char *path, model **out, ws_error *err)
{
    return scenario_load_file_with(path, NULL, 0, out, err);
}

int scenario_setting_parse(const char *text, scenario_setting *out)
{
    size_t extent;

    if (!text || !out)
        return -1;
    extent = setting_path_extent(text);
    if (extent == 0 || text[extent] != '=')
        return -1;
    out->path = text;           /* the path ends at the '=' */
    out->value = text + extent + 1;
    out->origin = NULL;
    out->line = 0;
    out->col = 0;
    return 0;
}

int scenario_load_smt2020(const char *dir, const scenario_setting *settings,
                          size_t nsettings, model **out, ws_error *err)
{
    size_t n = strlen(dir), used = 0;
    char *path, *text;
    numeric_locale l;
    build_input in;
    tree t;
    int rc;

    *out = NULL;
    /* "data/HVLM/" is named HVLM, as "data/HVLM" is. */
    while (n > 1 && dir[n - 1] == '/')
        n--;
    path = malloc(n + 1);
    text = malloc(2 * n + 16);
    if (!path || !text) {
        free(path);
        free(text);
        return ws_error_set(err, WS_ENOMEM, dir, 0, 0, "out of memory");
    }
    memcpy(path, dir, n);
    path[n] = '\0';
    /* The scenario is the file that would say the same, stored as the
     * output's scenario text. */
    used += (size_t)sprintf(text, "smt2020: \"");
    for (size_t i = 0; i < n; i++) {
        if (dir[i] == '"' || dir[i] == '\\')
            text[used++] = '\\';
        text[used++] = dir[i];
    }
    memcpy(text + used, "\"\n", 3);
    used += 2;
    c_numbers_begin(&l);
    rc = tree_parse(&t, text, used, path, err);
    if (rc == 0) {
        memset(&in, 0, sizeof in);
        in.text = text;
        in.length = used;
        in.path = path;
        in.tree = &t;
        in.settings = settings;
        in.nsettings = nsettings;
        in.data_set_as_given = 1;
        rc = build(&in, out, err);
        ytree_free(&t.arena);
    }
    c_numbers_end(&l);
    free(path);
    free(text);
    return rc;
}

int scenario_load_design(const char *path, const scenario_setting *settings,
                         size_t nsettings, sweep_design **out, ws_error *err)
{
    numeric_locale l;
    char *text;
    size_t length;
    int rc;

    *out = NULL;
    rc = read_scenario(path, &text, &length, err);
    if (rc != 0)
        return rc;
    c_numbers_begin(&l);
    rc = load_design(text, length, path, settings, nsettings, out, err);
    c_numbers_end(&l);
    free(text);
    return rc;
}
