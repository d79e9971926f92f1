/* scenario_disrupt.c - the scenario's disruptions: and early_warning:
 * sections (docs/disruptions.md), read into the model.
 */
#include "models/scenario_reader.h"

#include <math.h>
#include <string.h>

#include "sim/date.h"

static const char *const disruption_keys[] = {
    "name", "kind", "start_day", "start_date", "every", "rate_per_year",
    "count", "duration", "scrap_in_process", "scrap_wip_share",
    "restart_share_per_week", "requalification", "tool_groups", "tools",
    "release_share", "products", "steps", "scrap_share", "detection_delay",
};
#define NDISRUPTION_KEYS (sizeof disruption_keys / sizeof *disruption_keys)

static const char *const disruption_kinds[] = {
    "shutdown", "power_sag", "outage", "shortage", "excursion",
};

/* A share in [0, 1]. */
static int get_share(reader *r, ynode *map, const char *name, double *out,
                     ynode **at)
{
    double v;
    int rc = reader_get_double(r, map, name, &v, at);

    if (rc != 0 || !*at)
        return rc;
    if (!(v >= 0.0 && v <= 1.0))
        return fail(r, *at, "'%s' must be a share from 0 to 1 (got %g)",
                    name, v);
    *out = v;
    return 0;
}

/* A time that is either a distribution mapping or a duration (a number in
 * time_unit, or {value: N, unit: U}), which is a constant. */
static int get_time_law(reader *r, ynode *map, const char *name, dist *out,
                        ynode **at)
{
    ynode *v = ynode_lookup(map, name, NULL);
    double days = 0.0;
    int rc;

    if (v && v->kind == YNODE_MAPPING && ynode_lookup(v, "distribution", NULL))
        return reader_get_dist(r, map, name, out, at);
    rc = reader_get_duration(r, map, name, &days, at);
    if (rc != 0 || !*at)
        return rc;
    const double params[3] = {days, 0.0, 0.0};
    if (dist_init(out, DIST_CONSTANT, params, NULL, 0) != 0)
        return fail(r, *at, "'%s' is not a valid time", name);
    return 0;
}

/* A list of names of key `name`, each resolved by find (-1: unknown). */
static int get_name_list(reader *r, ynode *map, const char *name,
                         const char *what, int32_t (*find)(const model *,
                                                           const char *),
                         int32_t **out, int32_t *n, ynode **at)
{
    char list[512];
    int rc = reader_get_collection(r, map, name, YNODE_SEQUENCE,
                                   "a list of names", at);

    if (rc != 0 || !*at)
        return rc;
    for (ynode *item = (*at)->first; item; item = item->next) {
        ynode *v = ynode_resolve(item);
        if (v->kind != YNODE_SCALAR || ynode_is_null(v))
            return fail(r, item, "'%s' must list %s names, found %s", name,
                        what, ynode_describe(v));
        int32_t i = find(r->m, v->text);
        if (i < 0) {
            reader_model_names(r->m, strcmp(what, "product") == 0, list,
                               sizeof list);
            return fail(r, v, "unknown %s '%s' (%ss: %s)", what, v->text,
                        what, list);
        }
        for (int32_t j = 0; j < *n; j++)
            if ((*out)[j] == i)
                return fail(r, v, "%s '%s' is listed twice", what, v->text);
        if (*n >= MODEL_MAX_DISRUPTION_TARGETS)
            return fail(r, v, "at most %d names in '%s'",
                        MODEL_MAX_DISRUPTION_TARGETS, name);
        int32_t *grown = realloc(*out, ((size_t)*n + 1) * sizeof *grown);
        if (!grown)
            return nomem(r);
        *out = grown;
        grown[(*n)++] = i;
    }
    if (*n == 0)
        return fail(r, *at, "'%s' is an empty list", name);
    return 0;
}

/* steps: a list of "PRODUCT/STEP" (STEP a name or #N). */
static int get_step_refs(reader *r, ynode *map, disruption *x, ynode **at)
{
    int rc = reader_get_collection(r, map, "steps", YNODE_SEQUENCE,
                                   "a list of \"PRODUCT/STEP\"", at);

    if (rc != 0 || !*at)
        return rc;
    for (ynode *item = (*at)->first; item; item = item->next) {
        ynode *v = ynode_resolve(item), part;
        if (v->kind != YNODE_SCALAR || ynode_is_null(v)
            || !strchr(v->text, '/'))
            return fail(r, item, "a step of a disruption is written "
                        "\"PRODUCT/STEP\" (STEP a name or #N), found %s",
                        v->kind == YNODE_SCALAR ? v->text : ynode_describe(v));
        const char *slash = strchr(v->text, '/');
        char pname[MODEL_MAX_NAME + 1];
        size_t plen = (size_t)(slash - v->text);
        if (plen == 0 || plen > MODEL_MAX_NAME)
            return fail(r, v, "no product before '/' in '%s'", v->text);
        memcpy(pname, v->text, plen);
        pname[plen] = '\0';
        int32_t p = model_find_product(r->m, pname), step = 0;
        if (p < 0) {
            char list[512];
            reader_model_names(r->m, 1, list, sizeof list);
            return fail(r, v, "unknown product '%s' (products: %s)", pname,
                        list);
        }
        part = *v;
        part.text = slash + 1;
        part.length = v->length - plen - 1;
        rc = reader_find_route_step(r, &part, &r->m->products[p], &step);
        if (rc != 0)
            return rc;
        if (x->nsteps >= MODEL_MAX_DISRUPTION_TARGETS)
            return fail(r, v, "at most %d steps in 'steps'",
                        MODEL_MAX_DISRUPTION_TARGETS);
        step_ref *grown = realloc(x->steps,
                                  ((size_t)x->nsteps + 1) * sizeof *grown);
        if (!grown)
            return nomem(r);
        x->steps = grown;
        grown[x->nsteps].product = p;
        grown[x->nsteps++].step = step;
    }
    if (x->nsteps == 0)
        return fail(r, *at, "'steps' is an empty list");
    return 0;
}

/* Keys that only some kinds take; a key of another kind is an error
 * rather than silently ignored. */
static int check_kind_keys(reader *r, ynode *d, enum disruption_kind kind)
{
    static const struct {
        const char *key;
        unsigned kinds;     /* bit per enum disruption_kind */
    } only[] = {
        {"scrap_in_process", 1u << DISRUPT_SHUTDOWN | 1u << DISRUPT_POWER_SAG
                             | 1u << DISRUPT_OUTAGE},
        {"scrap_wip_share", 1u << DISRUPT_SHUTDOWN | 1u << DISRUPT_POWER_SAG},
        {"restart_share_per_week", 1u << DISRUPT_SHUTDOWN},
        {"requalification", 1u << DISRUPT_SHUTDOWN | 1u << DISRUPT_POWER_SAG
                            | 1u << DISRUPT_OUTAGE},
        {"tool_groups", 1u << DISRUPT_OUTAGE},
        {"tools", 1u << DISRUPT_OUTAGE},
        {"steps", 1u << DISRUPT_SHORTAGE | 1u << DISRUPT_EXCURSION},
        {"scrap_share", 1u << DISRUPT_EXCURSION},
        {"detection_delay", 1u << DISRUPT_EXCURSION},
    };
    for (size_t i = 0; i < sizeof only / sizeof *only; i++) {
        ynode *key = NULL;
        if (ynode_lookup(d, only[i].key, &key)
            && !(only[i].kinds & 1u << kind))
            return fail(r, key, "'%s' is not a key of a %s disruption",
                        only[i].key, disruption_kinds[kind]);
    }
    return 0;
}

static int read_disruption(reader *r, ynode *item)
{
    ynode *d = ynode_resolve(item), *at, *name_at, *kind_at, *every_at;
    enum disruption_kind kind;
    disruption *x;
    char why[160], hint[256];
    int64_t i64;
    double v;
    int rc;

    if (d->kind != YNODE_MAPPING)
        return fail(r, item, "a disruption must be a mapping such as {name: "
                    "quake, kind: shutdown, start_day: 100, duration: "
                    "{value: 5, unit: d}}, found %s", ynode_describe(d));
    rc = reader_check_keys(r, d, disruption_keys, NDISRUPTION_KEYS);
    if (rc == 0)
        rc = reader_get_string(r, d, "name", &name_at);
    if (rc == 0)
        rc = reader_get_string(r, d, "kind", &kind_at);
    if (rc != 0)
        return rc;
    if (!name_at)
        return fail(r, item, "a disruption needs a 'name'");
    if (route_csv_check_name(name_at->text, name_at->length, why,
                             sizeof why) != 0)
        return fail(r, name_at, "'name': %s", why);
    if (model_find_disruption(r->m, name_at->text) >= 0)
        return fail(r, name_at, "two disruptions are named '%s'",
                    name_at->text);
    if (!kind_at)
        return fail(r, item, "disruption '%s' needs a 'kind' (shutdown, "
                    "power_sag, outage, shortage or excursion)",
                    name_at->text);
    if (disruption_kind_from_name(kind_at->text, &kind) != 0) {
        reader_unknown_hint(kind_at->text, disruption_kinds,
                            DISRUPT_KIND_COUNT, hint, sizeof hint);
        return fail(r, kind_at, "unknown disruption kind '%s'%s",
                    kind_at->text, hint);
    }
    rc = check_kind_keys(r, d, kind);
    if (rc != 0)
        return rc;
    if (r->m->ndisruptions >= MODEL_MAX_DISRUPTIONS)
        return fail(r, item, "too many disruptions (at most %d)",
                    MODEL_MAX_DISRUPTIONS);
    x = model_add_disruption(r->m, name_at->text, kind);
    if (!x)
        return nomem(r);

    /* When: start_day or start_date, then every / rate_per_year. */
    rc = reader_get_double(r, d, "start_day", &v, &at);
    if (rc == 0 && at && !(v >= 0.0 && v <= MODEL_MAX_HORIZON_DAYS))
        rc = fail(r, at, "'start_day' must be >= 0 and at most %g (got %g)",
                  MODEL_MAX_HORIZON_DAYS, v);
    if (rc != 0)
        return rc;
    if (at)
        x->start_days = v;
    rc = reader_get_scalar(r, d, "start_date", "a date (YYYY-MM-DD)", &at);
    if (rc != 0)
        return rc;
    if (at) {
        int64_t day;
        if (!isnan(x->start_days))
            return fail(r, at, "give 'start_day' or 'start_date', not both");
        if (date_parse_iso(at->text, &day) != 0)
            return fail(r, at, "'start_date' must be a real date written "
                        "YYYY-MM-DD (got '%s')", at->text);
        if (day < r->m->start_date)
            return fail(r, at, "'start_date' %s is before the scenario's "
                        "start_date", at->text);
        x->start_days = (double)(day - r->m->start_date);
    }
    rc = get_time_law(r, d, "every", &x->every, &every_at);
    if (rc == 0)
        rc = reader_get_double(r, d, "rate_per_year", &v, &at);
    if (rc != 0)
        return rc;
    if (at) {
        if (every_at)
            return fail(r, at, "give 'every' or 'rate_per_year', not both");
        if (!(v > 0.0 && v <= 1e6))
            return fail(r, at, "'rate_per_year' must be > 0 and at most 1e6 "
                        "(got %g)", v);
        const double params[3] = {365.2425 / v, 0.0, 0.0};
        if (dist_init(&x->every, DIST_EXPONENTIAL, params, NULL, 0) != 0)
            return fail(r, at, "'rate_per_year' is not a valid rate");
        every_at = at;
    }
    x->has_every = every_at != NULL;
    if (x->has_every && !(x->every.mean > 0.0))
        return fail(r, every_at, "the mean time between occurrences must be "
                    "> 0");
    if (!x->has_every && isnan(x->start_days))
        return fail(r, item, "disruption '%s' needs 'start_day' or "
                    "'start_date', or 'every' / 'rate_per_year' for random "
                    "occurrences", x->name);
    x->count = x->has_every ? -1 : 1;
    rc = reader_get_int(r, d, "count", 0, MODEL_MAX_DISRUPTION_OCCURRENCES,
                        &i64, &at);
    if (rc != 0)
        return rc;
    if (at) {
        if (i64 > 1 && !x->has_every)
            return fail(r, at, "'count' above 1 needs 'every' or "
                        "'rate_per_year' (the time between occurrences)");
        x->count = i64;
    }
    rc = get_time_law(r, d, "duration", &x->duration, &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, item, "disruption '%s' needs a 'duration' (a "
                    "duration such as {value: 5, unit: d}, or a "
                    "distribution mapping)", x->name);

    /* What it does. */
    rc = reader_get_bool(r, d, "scrap_in_process", &x->scrap_in_process, &at);
    if (rc == 0)
        rc = get_share(r, d, "scrap_wip_share", &x->scrap_wip_share, &at);
    if (rc == 0)
        rc = reader_get_double(r, d, "restart_share_per_week", &v, &at);
    if (rc == 0 && at && !(v > 0.0 && v <= 1.0))
        rc = fail(r, at, "'restart_share_per_week' must be > 0 and at most "
                  "1 (got %g)", v);
    if (rc == 0 && at)
        x->restart_share_per_week = v;
    if (rc == 0)
        rc = get_time_law(r, d, "requalification", &x->requalification, &at);
    if (rc != 0)
        return rc;
    x->has_requalification = at != NULL;
    rc = get_name_list(r, d, "tool_groups", "tool group",
                       model_find_tool_group, &x->groups, &x->ngroups, &at);
    if (rc != 0)
        return rc;
    if (kind == DISRUPT_OUTAGE && !at)
        return fail(r, item, "outage '%s' needs 'tool_groups', the groups "
                    "it stops", x->name);
    rc = reader_get_int(r, d, "tools", 1, MODEL_MAX_TOOLS_PER_GROUP, &i64,
                        &at);
    if (rc != 0)
        return rc;
    if (at)
        x->tools = (int32_t)i64;
    rc = get_share(r, d, "release_share", &x->release_share, &at);
    if (rc == 0)
        rc = get_name_list(r, d, "products", "product", model_find_product,
                           &x->products, &x->nproducts, &at);
    if (rc == 0)
        rc = get_step_refs(r, d, x, &at);
    if (rc != 0)
        return rc;
    if (kind == DISRUPT_EXCURSION && !at)
        return fail(r, item, "excursion '%s' needs 'steps', the steps whose "
                    "lots it hits", x->name);
    rc = get_share(r, d, "scrap_share", &x->excursion_scrap_share, &at);
    if (rc == 0)
        rc = reader_get_duration(r, d, "detection_delay", &x->detection_days,
                                 &at);
    return rc;
}

static const char *const early_warning_keys[] = {
    "plan_x_factor", "bottleneck", "horizon",
};

static int read_early_warning(reader *r, ynode *top)
{
    ynode *map, *at;
    double v;
    int rc = reader_get_collection(r, top, "early_warning", YNODE_MAPPING,
                                   "a mapping such as {plan_x_factor: 3}",
                                   &map);

    if (rc != 0 || !map)
        return rc;
    rc = reader_check_keys(r, map, early_warning_keys, 3);
    if (rc == 0)
        rc = reader_get_double(r, map, "plan_x_factor", &v, &at);
    if (rc == 0 && at && !(v >= 1.0 && v <= 1000.0))
        rc = fail(r, at, "'plan_x_factor' must be from 1 to 1000 (got %g)",
                  v);
    if (rc == 0 && at)
        r->m->warning.plan_x_factor = v;
    if (rc == 0)
        rc = reader_get_string(r, map, "bottleneck", &at);
    if (rc == 0 && at) {
        char list[512];
        r->m->warning.bottleneck = model_find_tool_group(r->m, at->text);
        if (r->m->warning.bottleneck < 0) {
            reader_model_names(r->m, 0, list, sizeof list);
            rc = fail(r, at, "unknown tool group '%s' (tool groups: %s)",
                      at->text, list);
        }
    }
    if (rc == 0)
        rc = reader_get_duration(r, map, "horizon", &v, &at);
    if (rc == 0 && at && !(v > 0.0))
        rc = fail(r, at, "'horizon' must be > 0");
    if (rc == 0 && at)
        r->m->warning.horizon_days = v;
    return rc;
}

int reader_read_disruptions(reader *r, ynode *top)
{
    ynode *seq;
    int rc = reader_get_collection(r, top, "disruptions", YNODE_SEQUENCE,
                                   "a list of disruptions", &seq);

    for (ynode *item = seq ? seq->first : NULL; rc == 0 && item;
         item = item->next)
        rc = read_disruption(r, item);
    if (rc == 0)
        rc = read_early_warning(r, top);
    return rc;
}
