/* scenario_sweep.c - the scenario's sweep: section (docs/scenario-format.md,
 * "Sweeps"): its parameters read and checked, and its design expanded
 * into points.
 */
#include "models/scenario_reader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/stream.h"

#define SWEEP_MAX_POINTS 100000

/* "%.17g" of a double needs at most 24 bytes, "%.0f" of an integer of at
 * most 2^53 (the bound on integer ranges) 17. */
#define SWEEP_NUMBER_TEXT 32
#define SWEEP_MAX_INTEGER 9007199254740992.0


static const char *const sweep_keys[] = {"grid", "zip", "lhs"};
static const char *const lhs_keys[] = {"points", "seed", "parameters"};
static const char *const range_keys[] = {"min", "max", "integer"};

/* Every point of a run shares the months, the replications and, for
 * common random numbers, the seed of the output. */
static const struct {
    const char *key;
    const char *why;
} unsweepable[] = {
    {"horizon_days", "every point must have the same months"},
    {"start_date", "every point must have the same months"},
    {"warmup_days", "every point must flag the same months as warm-up"},
    {"replications", "every point must have the same replications"},
    {"seed", "every point must use the same seed, so that points are "
             "compared with the same random numbers"},
    {"smt2020", "every point must have the same months, which the data set "
                "sets"},
};

static int same_path(const setting_path *a, const setting_path *b)
{
    if (a->count != b->count)
        return 0;
    for (int i = 0; i < a->count; i++) {
        if (strcmp(a->segment[i], b->segment[i]) != 0)
            return 0;
        /* Quotes matter only where they make "#3" a name. */
        if (a->segment[i][0] == '#' && a->quoted[i] != b->quoted[i])
            return 0;
    }
    return 1;
}

/* Checks a parameter's key k and adds it to spec. */
static int read_param_key(reader *r, ytree_arena *a, sweep_spec *spec,
                          ynode *k)
{
    ynode *key = ynode_resolve(k);
    sweep_param *p = &spec->params[spec->nparams];
    const char *why;
    int rc;

    if (key->kind != YNODE_SCALAR || ynode_is_null(key))
        return fail(r, k, "a parameter must be a path such as "
                    "products.A.wafers_per_month, found %s",
                    ynode_describe(key));
    if (strlen(key->text) != key->length)
        return fail(r, k, "the parameter path contains a NUL character");
    if (spec->nparams == SWEEP_MAX_PARAMS)
        return fail(r, k, "a sweep may vary at most %d parameters",
                    SWEEP_MAX_PARAMS);
    if (setting_path_extent(key->text) != key->length)
        return fail(r, k, "parameter '%s': the path has an '=' outside "
                    "double quotes", key->text);
    rc = setting_path_parse(a, key->text, key->length, &p->parsed, &why);
    if (rc == WS_ENOMEM)
        return nomem(r);
    if (rc != 0)
        return fail(r, k, "parameter '%s': the path %s", key->text, why);
    for (size_t i = 0; p->parsed.count == 1 &&
                       i < sizeof unsweepable / sizeof *unsweepable; i++)
        if (strcmp(p->parsed.segment[0], unsweepable[i].key) == 0)
            return fail(r, k, "cannot sweep '%s': %s", unsweepable[i].key,
                        unsweepable[i].why);
    for (int32_t j = 0; j < spec->nparams; j++)
        if (same_path(&spec->params[j].parsed, &p->parsed))
            return fail(r, k, "'%s' is the same parameter as '%s' (line %d)",
                        key->text, spec->params[j].path,
                        spec->params[j].key->line);
    p->key = k;
    p->path = key->text;
    spec->nparams++;
    return 0;
}

/* grid and zip: a mapping from paths to non-empty lists of scalars. */
static int read_lists(reader *r, ytree_arena *a, sweep_spec *spec, ynode *map)
{
    double points = 1.0;
    int rc;

    if (map->count == 0)
        return fail(r, map, "'%s' has no parameters", spec->kind);
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *v = ynode_resolve(k->next);
        sweep_param *p;

        rc = read_param_key(r, a, spec, k);
        if (rc != 0)
            return rc;
        p = &spec->params[spec->nparams - 1];
        if (ynode_is_null(v))
            return fail(r, k, "'%s' has no value; expected a list of values "
                        "such as [1, 2, 3]", p->path);
        if (v->kind != YNODE_SEQUENCE)
            return fail(r, v, "'%s' must be a list of values such as "
                        "[1, 2, 3], found %s", p->path, ynode_describe(v));
        if (v->count == 0)
            return fail(r, v, "'%s' has no values (the list is empty)",
                        p->path);
        if (v->count > SWEEP_MAX_POINTS)
            return fail(r, v, "'%s' has %zu values; a sweep has at most %d "
                        "points", p->path, v->count, SWEEP_MAX_POINTS);
        for (ynode *item = v->first; item; item = item->next) {
            ynode *x = ynode_resolve(item);
            if (ynode_is_null(x) || x->kind != YNODE_SCALAR)
                return fail(r, item, "a value of '%s' must be a scalar, "
                            "found %s", p->path, ynode_describe(x));
            if (strlen(x->text) != x->length)
                return fail(r, item, "a value of '%s' contains a NUL "
                            "character", p->path);
        }
        p->values = v;
        points *= (double)v->count;
    }
    if (strcmp(spec->kind, "zip") == 0) {
        const sweep_param *first = &spec->params[0];
        for (int32_t j = 1; j < spec->nparams; j++) {
            const sweep_param *p = &spec->params[j];
            if (p->values->count != first->values->count)
                return fail(r, p->key, "zip lists must have equal lengths: "
                            "'%s' has %zu values, '%s' has %zu", p->path,
                            p->values->count, first->path,
                            first->values->count);
        }
        spec->npoints = (int32_t)first->values->count;
        return 0;
    }
    /* Checked before anything is expanded: 64 lists of 1e5 values would
     * otherwise be a design of 1e320 points. */
    if (points > SWEEP_MAX_POINTS) {
        char sizes[512];
        size_t used = 0;
        for (int32_t j = 0; j < spec->nparams && used < sizeof sizes; j++)
            used += (size_t)snprintf(sizes + used, sizeof sizes - used,
                                     "%s%zu", j ? " x " : "",
                                     spec->params[j].values->count);
        return fail(r, spec->at, "the grid has %.6g points (%s); a sweep "
                    "may have at most %d", points, sizes, SWEEP_MAX_POINTS);
    }
    spec->npoints = (int32_t)points;
    return 0;
}

static int read_range(reader *r, sweep_param *p, ynode *k)
{
    ynode *v = ynode_resolve(k->next), *min_at, *max_at, *at;
    int rc;

    if (ynode_is_null(v))
        return fail(r, k, "'%s' has no value; expected a range such as "
                    "{min: 1, max: 5}", p->path);
    if (v->kind != YNODE_MAPPING)
        return fail(r, v, "'%s' must be a range such as {min: 1, max: 5}, "
                    "found %s", p->path, ynode_describe(v));
    rc = reader_check_keys(r, v, range_keys,
                           sizeof range_keys / sizeof *range_keys);
    if (rc == 0)
        rc = reader_get_double(r, v, "min", &p->min, &min_at);
    if (rc == 0)
        rc = reader_get_double(r, v, "max", &p->max, &max_at);
    if (rc == 0)
        rc = reader_get_scalar(r, v, "integer", "true or false", &at);
    if (rc != 0)
        return rc;
    if (!min_at || !max_at)
        return fail(r, v, "'%s' needs '%s'", p->path, min_at ? "max" : "min");
    if (at) {
        static const char *const truth[] = {"true", "True", "TRUE"};
        static const char *const falsity[] = {"false", "False", "FALSE"};
        if (setting_among(at->text, truth, 3))
            p->integer = 1;
        else if (!setting_among(at->text, falsity, 3))
            return fail(r, at, "'integer' must be true or false (got '%s')",
                        at->text);
    }
    if (p->min > p->max)
        return fail(r, max_at, "'max' (%g) must be >= 'min' (%g)", p->max,
                    p->min);
    if (p->integer) {
        ynode *const ends[2] = {min_at, max_at};
        const double values[2] = {p->min, p->max};
        for (int i = 0; i < 2; i++)
            if (values[i] != floor(values[i]) ||
                fabs(values[i]) > SWEEP_MAX_INTEGER)
                return fail(r, ends[i], "with 'integer: true', '%s' must be "
                            "a whole number from -2^53 to 2^53 (got %g)",
                            i ? "max" : "min", values[i]);
    }
    return 0;
}

static int read_lhs(reader *r, ytree_arena *a, sweep_spec *spec, ynode *lhs)
{
    ynode *at, *params;
    int64_t points;
    const char *why;
    int rc;

    rc = reader_check_keys(r, lhs, lhs_keys,
                           sizeof lhs_keys / sizeof *lhs_keys);
    if (rc == 0)
        rc = reader_get_int(r, lhs, "points", 1, SWEEP_MAX_POINTS, &points,
                            &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, lhs, "'lhs' needs 'points', the number of points "
                    "(1 to %d)", SWEEP_MAX_POINTS);
    spec->npoints = (int32_t)points;
    spec->seed = 1;
    rc = reader_get_scalar(r, lhs, "seed", "an unsigned integer", &at);
    if (rc != 0)
        return rc;
    if (at && route_csv_parse_uint64(at->text, at->length, &spec->seed,
                                     &why) != 0)
        return fail(r, at, "'seed' %s: '%s' (expected an integer from 0 to "
                    "18446744073709551615)", why, at->text);
    rc = reader_get_collection(r, lhs, "parameters", YNODE_MAPPING,
                               "a mapping from parameter paths to ranges "
                               "such as {min: 1, max: 5}", &params);
    if (rc != 0)
        return rc;
    if (!params)
        return fail(r, lhs, "'lhs' needs 'parameters': a mapping from "
                    "parameter paths to ranges such as {min: 1, max: 5}");
    if (params->count == 0)
        return fail(r, params, "'parameters' has no parameters");
    for (ynode *k = params->first; k && k->next; k = k->next->next) {
        rc = read_param_key(r, a, spec, k);
        if (rc == 0)
            rc = read_range(r, &spec->params[spec->nparams - 1], k);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Reads the sweep section of top into spec (spec->kind NULL when there
 * is none); errors point into the file. */
int reader_read_sweep(reader *r, ytree_arena *a, ynode *top,
                      sweep_spec *spec)
{
    ynode *sweep, *chosen = NULL, *body;
    int rc;

    memset(spec, 0, sizeof *spec);
    rc = reader_get_collection(r, top, "sweep", YNODE_MAPPING,
                               "a mapping with one of 'grid', 'zip' or 'lhs'",
                               &sweep);
    if (rc != 0 || !sweep)
        return rc;
    rc = reader_check_keys(r, sweep, sweep_keys, 3);
    if (rc != 0)
        return rc;
    for (ynode *k = sweep->first; k && k->next; k = k->next->next) {
        if (chosen)
            return fail(r, k, "give only one of 'grid', 'zip' and 'lhs' "
                        "('%s' is already given)",
                        ynode_resolve(chosen)->text);
        chosen = k;
    }
    if (!chosen)
        return fail(r, sweep, "'sweep' needs one of 'grid', 'zip' or 'lhs'");
    for (size_t i = 0; i < 3; i++)
        if (ynode_key_is(ynode_resolve(chosen), sweep_keys[i]))
            spec->kind = sweep_keys[i];
    spec->at = chosen;
    if (strcmp(spec->kind, "lhs") == 0) {
        rc = reader_get_collection(r, sweep, "lhs", YNODE_MAPPING,
                                   "a mapping with 'points' and 'parameters'",
                                   &body);
        return rc != 0 ? rc : read_lhs(r, a, spec, body);
    }
    rc = reader_get_collection(r, sweep, spec->kind, YNODE_MAPPING,
                               "a mapping from parameter paths to lists of "
                               "values", &body);
    return rc != 0 ? rc : read_lists(r, a, spec, body);
}

/* The ordinary reader checks the section and that every parameter's
 * path leads somewhere, by applying the first value of each to a copy of
 * the tree (values are checked by scenario_load_design, which builds
 * every point).  A step of a CSV route is found only when the CSV is
 * read, so that too is left to the points. */
int reader_check_sweep(reader *r, ynode *top)
{
    ytree_arena a = {NULL};
    sweep_spec *spec = malloc(sizeof *spec);
    scenario_setting settings[SWEEP_MAX_PARAMS];
    char numbers[SWEEP_MAX_PARAMS][SWEEP_NUMBER_TEXT];
    int rc;

    if (!spec)
        return nomem(r);
    rc = reader_read_sweep(r, &a, top, spec);
    if (rc == 0 && spec->kind) {
        for (int32_t j = 0; j < spec->nparams; j++) {
            const sweep_param *p = &spec->params[j];
            if (p->values) {
                settings[j].value = ynode_resolve(p->values->first)->text;
            } else {
                snprintf(numbers[j], sizeof numbers[j], "%.17g", p->min);
                settings[j].value = numbers[j];
            }
            settings[j].path = p->path;
            settings[j].origin = r->path;
            settings[j].line = p->key->line;
            settings[j].col = p->key->col;
        }
        rc = settings_apply(r, &a, &top, settings, (size_t)spec->nparams,
                            NULL, 0);
    }
    ytree_free(&a);
    free(spec);
    return rc;
}

/* The design as callers see it, and one block for all its strings. */
typedef struct design_storage {
    sweep_design design;        /* first, so a sweep_design * is one */
    char *text;
} design_storage;

void sweep_design_destroy(sweep_design *d)
{
    design_storage *s = (design_storage *)d;

    if (!d)
        return;
    free(s->text);
    free(d->params);
    free(d->values);
    free(d->numbers);
    free(d->lines);
    free(d->cols);
    free(s);
}

static char *put_text(char *block, size_t *used, const char *text)
{
    size_t n = strlen(text) + 1;
    char *at = block + *used;

    memcpy(at, text, n);
    *used += n;
    return at;
}

/* Grid (the last parameter varies fastest) and zip: every value is the
 * text of a list item, stored once. */
static int expand_lists(const sweep_spec *spec, sweep_design *d, char *block,
                        size_t *used)
{
    size_t np = (size_t)spec->nparams, total = 0;
    size_t offset[SWEEP_MAX_PARAMS], count[SWEEP_MAX_PARAMS];
    const char **texts;
    double *numbers;
    int grid = strcmp(spec->kind, "grid") == 0;

    for (size_t j = 0; j < np; j++) {
        offset[j] = total;
        count[j] = spec->params[j].values->count;
        total += count[j];
    }
    texts = malloc(total * sizeof *texts);
    numbers = malloc(total * sizeof *numbers);
    if (!texts || !numbers) {
        free(texts);
        free(numbers);
        return -1;
    }
    for (size_t j = 0; j < np; j++) {
        size_t i = offset[j];
        for (ynode *item = spec->params[j].values->first; item;
             item = item->next, i++) {
            const ynode *x = ynode_resolve(item);
            const char *why;
            texts[i] = put_text(block, used, x->text);
            if (route_csv_parse_double(x->text, x->length, &numbers[i],
                                       &why) != 0)
                numbers[i] = NAN;
        }
    }
    for (size_t p = 0; p < (size_t)spec->npoints; p++) {
        size_t rest = p;
        for (size_t j = np; j-- > 0;) {
            size_t i = grid ? rest % count[j] : p;
            rest /= count[j];
            d->values[p * np + j] = (char *)texts[offset[j] + i];
            d->numbers[p * np + j] = numbers[offset[j] + i];
        }
    }
    free(texts);
    free(numbers);
    return 0;
}

/* Latin hypercube: for each parameter an independent random permutation
 * of the n strata and a uniform position in each, from its own stream
 * (seed, 0, 0, parameter), so a design depends only on the seed. */
static int expand_lhs(const sweep_spec *spec, sweep_design *d, char *block,
                      size_t *used)
{
    size_t np = (size_t)spec->nparams, n = (size_t)spec->npoints;
    size_t *strata = malloc(n * sizeof *strata);

    if (!strata)
        return -1;
    for (size_t j = 0; j < np; j++) {
        const sweep_param *p = &spec->params[j];
        gsl_rng *rng = stream_create(spec->seed, 0, 0, (uint64_t)j);

        if (!rng) {
            free(strata);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            strata[i] = i;
        gsl_ran_shuffle(rng, strata, n, sizeof *strata);
        for (size_t i = 0; i < n; i++) {
            double u = gsl_rng_uniform(rng);
            double x = p->min + ((double)strata[i] + u) / (double)n *
                                    (p->max - p->min);
            char *at = block + *used;
            if (p->integer)
                x = round(x);
            /* Rounding in the sum may step past an end. */
            x = fmin(fmax(x, p->min), p->max);
            x += 0.0;           /* -0 would print as "-0" */
            *used += (size_t)snprintf(at, SWEEP_NUMBER_TEXT,
                                      p->integer ? "%.0f" : "%.17g", x) + 1;
            d->values[i * np + j] = at;
            d->numbers[i * np + j] = x;
        }
        gsl_rng_free(rng);
    }
    free(strata);
    return 0;
}

int reader_expand_design(const sweep_spec *spec, const char *path,
                         sweep_design **out, ws_error *err)
{
    size_t np = (size_t)spec->nparams, n = (size_t)spec->npoints;
    size_t size = strlen(spec->kind) + 1, used = 0;
    design_storage *s = calloc(1, sizeof *s);
    sweep_design *d = s ? &s->design : NULL;
    int lhs = strcmp(spec->kind, "lhs") == 0;

    *out = NULL;
    if (!s)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    for (size_t j = 0; j < np; j++) {
        size += strlen(spec->params[j].path) + 1;
        for (ynode *item = lhs ? NULL : spec->params[j].values->first; item;
             item = item->next)
            size += ynode_resolve(item)->length + 1;
    }
    if (lhs)
        size += n * np * SWEEP_NUMBER_TEXT;
    s->text = malloc(size);
    d->params = malloc(np * sizeof *d->params);
    d->values = malloc(n * np * sizeof *d->values);
    d->numbers = malloc(n * np * sizeof *d->numbers);
    d->lines = malloc(np * sizeof *d->lines);
    d->cols = malloc(np * sizeof *d->cols);
    if (!s->text || !d->params || !d->values || !d->numbers || !d->lines ||
        !d->cols) {
        sweep_design_destroy(d);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    d->kind = put_text(s->text, &used, spec->kind);
    d->nparams = spec->nparams;
    d->npoints = spec->npoints;
    for (size_t j = 0; j < np; j++) {
        d->params[j] = put_text(s->text, &used, spec->params[j].path);
        d->lines[j] = spec->params[j].key->line;
        d->cols[j] = spec->params[j].key->col;
    }
    if ((lhs ? expand_lhs(spec, d, s->text, &used)
             : expand_lists(spec, d, s->text, &used)) != 0) {
        sweep_design_destroy(d);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    *out = d;
    return 0;
}

/* --- entry points ------------------------------------------------------- */

/* A parsed scenario: settings and points are applied to copies of parts
 * of it (see "settings"), so it is parsed once however often it is read. */
