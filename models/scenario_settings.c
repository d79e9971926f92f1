/* scenario_settings.c - settings (--set PATH=VALUE, and the values of a
 * sweep's points) applied to a scenario's tree before it is read
 * (scenario_reader.h).
 */
#include "models/scenario_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A setting changes the tree before it is read, so every check of the
 * reader applies to its value with the same message; only the position
 * differs (node_path).  The tree is never changed in place: a session
 * copies the nodes on each setting's path and links its changes into the
 * copies, so the parsed tree stays as the file says and a sweep applies
 * each point's settings to the same tree at a cost of one path of nodes
 * per setting, not a parse. */

typedef struct applier {
    reader *r;                  /* the scenario's path and error record */
    ytree_arena *a;             /* the session's nodes */
    unsigned session;
    const yorigin *origin;      /* of the setting being applied */
    const char *value;
    setting_path path;
} applier;

/* Length of the path at the start of text: to its end, or to the first
 * '=' outside double quotes (a quoted name may hold one). */
size_t setting_path_extent(const char *text)
{
    int quoted = 0;
    size_t i;

    for (i = 0; text[i] != '\0'; i++) {
        if (quoted && text[i] == '\\' && text[i + 1] != '\0')
            i++;
        else if (text[i] == '"')
            quoted = !quoted;
        else if (!quoted && text[i] == '=')
            break;
    }
    return i;
}

/* Splits the length bytes of text at dots outside double quotes; in
 * quotes, \" and \\ stand for " and \.  0; -1 with the reason in *why;
 * WS_ENOMEM. */
int setting_path_parse(ytree_arena *a, const char *text, size_t length,
                       setting_path *out, const char **why)
{
    size_t i = 0;

    out->count = 0;
    if (length == 0) {
        *why = "is empty";
        return -1;
    }
    for (;;) {
        const char *segment;
        int quoted = text[i] == '"';

        if (out->count == MAX_SEGMENTS) {
            *why = "has too many segments";
            return -1;
        }
        if (quoted) {
            char *buf = ytree_alloc(a, length - i);
            size_t n = 0;

            if (!buf)
                return WS_ENOMEM;
            for (i++; i < length && text[i] != '"'; i++) {
                if (text[i] == '\\' && i + 1 < length &&
                    (text[i + 1] == '"' || text[i + 1] == '\\'))
                    i++;
                buf[n++] = text[i];
            }
            if (i == length) {
                *why = "has an unterminated double quote";
                return -1;
            }
            buf[n] = '\0';
            segment = buf;
            i++;
            if (i < length && text[i] != '.') {
                *why = "has text after a closing double quote (quote the "
                       "whole segment)";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < length && text[i] != '.' && text[i] != '"')
                i++;
            if (i < length && text[i] == '"') {
                *why = "has a double quote inside a segment (quote the "
                       "whole segment: \"a.b\")";
                return -1;
            }
            if (i == start) {
                *why = "has an empty segment";
                return -1;
            }
            segment = ytree_copy_text(a, text + start, i - start);
            if (!segment)
                return WS_ENOMEM;
        }
        out->segment[out->count] = segment;
        out->quoted[out->count] = quoted;
        out->count++;
        if (i == length)
            return 0;
        i++;                    /* the dot */
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int setting_fail(applier *ap, const char *fmt, ...)
{
    char message[sizeof ap->r->err->message];
    va_list args;

    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return ws_error_set(ap->r->err, WS_EDATA, ap->origin->path,
                        ap->origin->line, ap->origin->col, "%s", message);
}

/* " (did you mean 'x'?)" or "", as the reader hints at misspelt keys. */
static const char *hint_for(const char *name, const char *const *known,
                            size_t count, char *buf, size_t size)
{
    const char *hint = route_csv_suggest(name, known, count);

    if (!hint)
        return "";
    snprintf(buf, size, " (did you mean '%s'?)", hint);
    return buf;
}

int setting_among(const char *name, const char *const *known,
                  size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, known[i]) == 0)
            return 1;
    return 0;
}

/* Makes c's children this session's own: copies of the nodes (each still
 * sharing its own children) that may be relinked and overwritten.  The
 * session mark keeps later settings on the same path from copying again,
 * so a setting costs the lengths of the lists on its path. */
static int own_list(applier *ap, ynode *c)
{
    ynode *last = NULL;

    if (c->session == ap->session)
        return 0;
    for (const ynode *x = c->first; x; x = x->next) {
        ynode *y = ytree_alloc(ap->a, sizeof *y);
        if (!y)
            return WS_ENOMEM;
        *y = *x;
        y->next = NULL;
        if (last)
            last->next = y;
        else
            c->first = y;
        last = y;
    }
    c->last = last;
    c->session = ap->session;
    return 0;
}

/* The node that x (a child in an owned list) stands for, made editable:
 * an alias gets a private copy of its target, so that changing one
 * product does not change the others that share its anchor.  NULL when
 * out of memory. */
static ynode *own_value(applier *ap, ynode *x)
{
    if (x->kind == YNODE_ALIAS) {
        if (x->session != ap->session) {
            ynode *t = ytree_alloc(ap->a, sizeof *t);
            if (!t)
                return NULL;
            *t = *x->target;
            t->next = NULL;
            x->target = t;
            x->session = ap->session;
        }
        x = x->target;
    }
    if (x->kind != YNODE_SCALAR && own_list(ap, x) != 0)
        return NULL;
    return x;
}

static ynode *setting_node(applier *ap, enum ynode_kind kind)
{
    ynode *n = ytree_alloc(ap->a, sizeof *n);

    if (n) {
        memset(n, 0, sizeof *n);
        n->kind = kind;
        n->line = ap->origin->line;
        n->col = ap->origin->col;
        n->plain = 1;
        n->origin = ap->origin;
        n->session = ap->session;   /* its (empty) list is the session's */
    }
    return n;
}

/* Overwrites n, a node of an owned list, with a scalar of the setting. */
static void set_scalar(applier *ap, ynode *n, const char *text)
{
    ynode *next = n->next;

    memset(n, 0, sizeof *n);
    n->kind = YNODE_SCALAR;
    n->line = ap->origin->line;
    n->col = ap->origin->col;
    n->plain = 1;
    n->text = text;
    n->length = strlen(text);
    n->origin = ap->origin;
    n->session = ap->session;
    n->next = next;
}

/* The key node of name in map, as written (maybe an alias), or NULL. */
static ynode *map_key(ynode *map, const char *name)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = ynode_resolve(k);
        if (key->kind == YNODE_SCALAR && ynode_key_is(key, name))
            return k;
    }
    return NULL;
}

static void map_append(ynode *map, ynode *k, ynode *v)
{
    k->next = v;
    v->next = NULL;
    if (map->last)
        map->last->next = k;
    else
        map->first = k;
    map->last = v;
    map->count += 2;
}

/* Removes key name from the owned mapping map, if it is there. */
static void map_remove(ynode *map, const char *name)
{
    ynode *before = NULL;       /* the value preceding the pair */

    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = ynode_resolve(k);
        if (key->kind == YNODE_SCALAR && ynode_key_is(key, name)) {
            ynode *after = k->next->next;
            if (before)
                before->next = after;
            else
                map->first = after;
            if (map->last == k->next)
                map->last = before;
            map->count -= 2;
            return;
        }
        before = k->next;
    }
}

/* Gives key name of the owned mapping map the value text, adding the key
 * when it is missing.  Key and value both become the setting's, so that a
 * message about either ("'x' has no value") points at it. */
static int map_put_text(applier *ap, ynode *map, const char *name,
                        const char *text)
{
    ynode *k = map_key(map, name);

    if (!k) {
        ynode *v;
        k = setting_node(ap, YNODE_SCALAR);
        v = setting_node(ap, YNODE_SCALAR);
        if (!k || !v)
            return nomem(ap->r);
        map_append(map, k, v);
    }
    set_scalar(ap, k, name);
    set_scalar(ap, k->next, text);
    return 0;
}

static int map_put(applier *ap, ynode *map, const char *name)
{
    return map_put_text(ap, map, name, ap->value);
}

/* "A, B, C" from the keys of map, for "no such name" messages. */
static void key_names(ynode *map, char *buf, size_t size)
{
    const char *names[ROUTE_CSV_LIST_NAMES];
    size_t shown = 0, total = 0;

    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = ynode_resolve(k);
        if (key->kind != YNODE_SCALAR)
            continue;
        if (shown < ROUTE_CSV_LIST_NAMES)
            names[shown++] = key->text;
        total++;
    }
    route_csv_list_names(names, shown, total, buf, size);
}

/* The scenario reads an SMT2020 data set, whose tool groups and products
 * a setting may address though the file does not list them. */
static int has_data_set(ynode *root)
{
    ynode *v = ynode_lookup(root, "smt2020", NULL);

    return v && v->kind == YNODE_SCALAR && !ynode_is_null(v);
}

/* The owned collection (of kind) that key name of the owned mapping map
 * holds, after the reader's checks of the file; made empty when the key
 * is missing and make is set, else *out is NULL. */
static int own_child(applier *ap, ynode *map, const char *name,
                     enum ynode_kind kind, const char *expected, int make,
                     ynode **out)
{
    ynode *k = map_key(map, name), *v;
    int rc;

    *out = NULL;
    if (!k) {
        if (!make)
            return 0;
        k = setting_node(ap, YNODE_SCALAR);
        v = setting_node(ap, kind);
        if (!k || !v)
            return nomem(ap->r);
        set_scalar(ap, k, name);
        map_append(map, k, v);
        *out = v;
        return 0;
    }
    rc = reader_get_collection(ap->r, map, name, kind, expected, &v);
    if (rc != 0)
        return rc;
    if (!(*out = own_value(ap, k->next)))
        return nomem(ap->r);
    return 0;
}

/* The owned mapping that section (tool_groups, products) of root names
 * entry in, after the reader's checks of the file; *k is the entry's key.
 * An entry that does not exist is the setting's mistake, unless a data
 * set may have it: then the entry is made, and the reader finds out. */
static int find_entry(applier *ap, ynode *root, const char *section,
                      const char *what, const char *expected,
                      const char *entry, ynode **k)
{
    int data_set = has_data_set(root);
    ynode *map;
    char list[512];
    int rc;

    *k = NULL;
    rc = reader_get_collection(ap->r, root, section, YNODE_MAPPING, expected,
                               &map);
    if (rc != 0)
        return rc;
    if (!map && !data_set)
        return setting_fail(ap, "no %s '%s': the scenario has no '%s'", what,
                            entry, section);
    rc = own_child(ap, root, section, YNODE_MAPPING, expected, 1, &map);
    if (rc != 0)
        return rc;
    *k = map_key(map, entry);
    if (!*k && data_set) {
        ynode *v = setting_node(ap, YNODE_MAPPING);
        *k = setting_node(ap, YNODE_SCALAR);
        if (!*k || !v)
            return nomem(ap->r);
        set_scalar(ap, *k, entry);
        map_append(map, *k, v);
    }
    if (!*k) {
        key_names(map, list, sizeof list);
        return setting_fail(ap, "no %s '%s' (%ss: %s)", what, entry, what,
                            list);
    }
    return 0;
}

/* Lists whose items a path chooses by name or by #N. */
typedef struct item_kind {
    const char *word;           /* "step" */
    const char *plural;         /* "steps" */
    const char *name_key;       /* the key of an item's name; NULL: none */
    const char *default_prefix; /* "step": an item without a name is
                                   "step N"; NULL: it has none */
} item_kind;

static const item_kind step_items = {"step", "steps", "step", "step"};
static const item_kind downtime_items = {"downtime", "downtimes", "name",
                                         NULL};
static const item_kind order_items = {"order", "orders", "name", "order"};
static const item_kind wip_items = {"entry", "entries", NULL, NULL};
static const item_kind change_items = {"change", "changes", NULL, NULL};

/* The name of item number (as the model will have it), or NULL when it
 * has none the reader would accept. */
static const char *item_name(const item_kind *kind, ynode *item,
                             int32_t number, char *buf, size_t size)
{
    ynode *x = ynode_resolve(item), *name;

    if (!kind->name_key || x->kind != YNODE_MAPPING)
        return NULL;
    name = ynode_lookup(x, kind->name_key, NULL);
    if (!name) {
        if (!kind->default_prefix)
            return NULL;
        snprintf(buf, size, "%s %d", kind->default_prefix, (int)number);
        return buf;
    }
    return name->kind == YNODE_SCALAR && !ynode_is_null(name) ? name->text
                                                              : NULL;
}

/* #N (1-based), digits only; 0 when segment is not an item number. */
static int32_t item_number(const char *segment)
{
    int64_t n = 0;

    if (segment[0] != '#' || segment[1] == '\0')
        return 0;
    for (const char *c = segment + 1; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        n = n * 10 + (*c - '0');
        if (n > INT32_MAX / 2)
            return 0;
    }
    return (int32_t)n;
}

/* The number that path segment i gives, 0 for a name; -1 after an error
 * (a quoted "#3" is a name, so an item named so can be chosen). */
static int32_t segment_number(applier *ap, int i, const item_kind *kind)
{
    const setting_path *p = &ap->path;
    int32_t number;

    if (p->quoted[i] || p->segment[i][0] != '#') {
        if (!kind->name_key) {
            setting_fail(ap, "%s of '%s' have no names: choose one by #N",
                         kind->plural, p->segment[i - 1]);
            return -1;
        }
        return 0;
    }
    number = item_number(p->segment[i]);
    if (number == 0) {
        setting_fail(ap, "'%s' is not a %s number: write #1, #2, ... (or "
                     "quote a %s name that starts with #)", p->segment[i],
                     kind->word, kind->word);
        return -1;
    }
    return number;
}

/* The item of the owned list seq that the setting names, by name or
 * number; owner says whose list it is in messages ("the route of product
 * 'A'"), which are route_csv_read's for CSV routes. */
static int find_item(applier *ap, ynode *seq, const item_kind *kind,
                     const char *owner, const char *name, int32_t number,
                     ynode **out)
{
    const char *names[ROUTE_CSV_LIST_NAMES];
    char defaults[ROUTE_CSV_LIST_NAMES][32];
    char list[512];
    size_t shown = 0;
    int32_t i = 0, found = 0;

    *out = NULL;
    for (ynode *item = seq->first; item; item = item->next) {
        char buf[32];
        const char *it = item_name(kind, item, ++i, buf, sizeof buf);

        if (name ? it && strcmp(it, name) == 0 : i == number) {
            if (*out)
                return setting_fail(ap, "%s name '%s' is ambiguous: %s #%d "
                                    "and #%d of %s have it (use #N to "
                                    "choose one)", kind->word, name,
                                    kind->plural, (int)found, (int)i, owner);
            *out = item;
            found = i;
        }
        if (it && shown < ROUTE_CSV_LIST_NAMES) {
            names[shown] = it;
            if (it == buf) {
                memcpy(defaults[shown], buf, sizeof buf);
                names[shown] = defaults[shown];
            }
            shown++;
        }
    }
    if (*out)
        return 0;
    if (!name)
        return setting_fail(ap, "there is no %s #%d: %s has %d %s",
                            kind->word, (int)number, owner, (int)i,
                            kind->plural);
    route_csv_list_names(names, shown, (size_t)i, list, sizeof list);
    return setting_fail(ap, "no %s '%s' in %s (%s: %s)", kind->word, name,
                        owner, kind->plural, list);
}

/* The owned mapping of the item a path chooses in the owned list seq;
 * what describes an item in the reader's message for one that is not a
 * mapping. */
static int own_item(applier *ap, ynode *seq, const item_kind *kind,
                    const char *owner, int segment, const char *what,
                    ynode **out)
{
    int32_t number = segment_number(ap, segment, kind);
    ynode *item;
    int rc;

    *out = NULL;
    if (number < 0)
        return WS_EDATA;
    rc = find_item(ap, seq, kind, owner,
                   number ? NULL : ap->path.segment[segment], number, &item);
    if (rc != 0)
        return rc;
    if (ynode_resolve(item)->kind != YNODE_MAPPING)
        return fail(ap->r, item, "%s must be a mapping, found %s", what,
                    ynode_describe(ynode_resolve(item)));
    if (!(*out = own_value(ap, item)))
        return nomem(ap->r);
    return 0;
}

/* Key key of the distribution mapping that key name of map holds (made
 * when missing). */
static int put_dist(applier *ap, ynode *map, const char *name,
                    const char *key)
{
    ynode *d;
    int rc = own_child(ap, map, name, YNODE_MAPPING,
                       "a distribution mapping", 1, &d);

    return rc != 0 ? rc : map_put(ap, d, key);
}

/* Checks that path segment i is among known (a key of a section), that a
 * distribution key (among dists, ndists of them) is followed by one of
 * its keys, and that nothing follows a value.  example is the path up to
 * segment i, for messages. */
static int check_key_segment(applier *ap, int i, const char *const *known,
                             size_t n, const char *const *dists,
                             size_t ndists, const char *example)
{
    const setting_path *p = &ap->path;
    const char *key = p->segment[i];
    char hint[320];

    if (!setting_among(key, known, n))
        return setting_fail(ap, "unknown key '%s'%s", key,
                            hint_for(key, known, n, hint, sizeof hint));
    if (setting_among(key, dists, ndists)) {
        if (p->count == i + 1)
            return setting_fail(ap, "'%s' is a distribution: set one of its "
                                "keys, e.g. %s.%s.mean", key, example, key);
        if (!setting_among(p->segment[i + 1], dist_keys, NDIST_KEYS))
            return setting_fail(ap, "unknown key '%s'%s", p->segment[i + 1],
                                hint_for(p->segment[i + 1], dist_keys,
                                         NDIST_KEYS, hint, sizeof hint));
        if (p->count > i + 2)
            return setting_fail(ap, "'%s' is a value, not a section",
                                p->segment[i + 1]);
        return 0;
    }
    if (p->count > i + 1)
        return setting_fail(ap, "'%s' is a value, not a section", key);
    return 0;
}

static const char *const downtime_dists[] = {"interval", "duration",
                                             "first"};

static int set_tool_group(applier *ap, ynode *root)
{
    const setting_path *p = &ap->path;
    const char *key;
    ynode *k, *spec, *x;
    char example[600];
    char hint[320];
    int rc;

    if (p->count >= 3
        && !setting_among(p->segment[2], group_keys, NGROUP_KEYS))
        return setting_fail(ap, "unknown key '%s'%s", p->segment[2],
                            hint_for(p->segment[2], group_keys, NGROUP_KEYS,
                                     hint, sizeof hint));
    if (p->count < 3)
        return setting_fail(ap, "a tool group is set by tool_groups.NAME.KEY, "
                            "e.g. tool_groups.LITHO.tools");
    key = p->segment[2];
    if (strcmp(key, "batching") == 0) {
        if (p->count == 3)
            return setting_fail(ap, "'batching' is a section: set one of its "
                                "keys, e.g. tool_groups.%s.batching.wait",
                                p->segment[1]);
        rc = check_key_segment(ap, 3, batching_keys, 2, NULL, 0, "");
    } else if (strcmp(key, "downtimes") == 0) {
        if (p->count < 5)
            return setting_fail(ap, "a downtime is set by tool_groups.%s."
                                "downtimes.NAME.KEY, where NAME is the "
                                "downtime's name or #N", p->segment[1]);
        snprintf(example, sizeof example, "tool_groups.%s.downtimes.%s",
                 p->segment[1], p->segment[3]);
        rc = check_key_segment(ap, 4, downtime_keys, NDOWNTIME_KEYS,
                               downtime_dists, 3, example);
    } else {
        rc = p->count > 3 ? setting_fail(ap, "'%s' is a value, not a section",
                                         key)
                          : 0;
    }
    if (rc != 0)
        return rc;
    rc = find_entry(ap, root, "tool_groups", "tool group",
                    "a mapping from names to tool groups", p->segment[1], &k);
    if (rc == 0)
        rc = reader_check_group_spec(ap->r, k, ynode_resolve(k),
                                     ynode_resolve(k->next));
    if (rc != 0)
        return rc;
    spec = own_value(ap, k->next);
    if (!spec)
        return nomem(ap->r);
    if (strcmp(key, "batching") == 0) {
        /* Setting a key of batching on a group without it turns it on. */
        rc = own_child(ap, spec, "batching", YNODE_MAPPING,
                       "a mapping such as {unit: wafers, wait: 30}", 1, &x);
        return rc != 0 ? rc : map_put(ap, x, p->segment[3]);
    }
    if (strcmp(key, "downtimes") == 0) {
        char owner[320];
        rc = own_child(ap, spec, "downtimes", YNODE_SEQUENCE,
                       "a list of downtimes", 0, &x);
        if (rc == 0 && !x)
            rc = setting_fail(ap, "tool group '%s' has no 'downtimes' in "
                              "the scenario", p->segment[1]);
        snprintf(owner, sizeof owner, "tool group '%s'", p->segment[1]);
        if (rc == 0)
            rc = own_item(ap, x, &downtime_items, owner, 3,
                          "a downtime", &x);
        if (rc != 0)
            return rc;
        if (setting_among(p->segment[4], downtime_dists, 3))
            return put_dist(ap, x, p->segment[4], p->segment[5]);
        return map_put(ap, x, p->segment[4]);
    }
    return map_put(ap, spec, key);
}

/* products.P.route.STEP.FIELD: inline steps are edited in the tree, a
 * CSV route gets an override of the cell (route_override). */
static int set_route_step(applier *ap, ynode *root, ynode *spec,
                          const char *product_name, int32_t number)
{
    const setting_path *p = &ap->path;
    const char *name = number ? NULL : p->segment[3];
    const char *field = p->segment[4];
    ynode *k = map_key(spec, "route"), *route, *step;
    char owner[320];
    int rc;

    route = k ? ynode_resolve(k->next) : NULL;
    /* A data set's routes are not in the tree. */
    if (!route && has_data_set(root))
        return setting_fail(ap, "product '%s' has no 'route' in the "
                            "scenario: the steps of a data set's routes "
                            "cannot be set", product_name);
    /* A route that is missing or of the wrong kind is the file's mistake,
     * reported as the reader reports it. */
    if (!route)
        return fail(ap->r, spec, "product '%s' needs a 'route': a CSV file "
                    "path or a sequence of steps", product_name);
    if (ynode_is_null(route))
        return fail(ap->r, k, "'route' has no value; expected a CSV file "
                    "path or a sequence of steps");
    if (route->kind == YNODE_SCALAR) {
        yoverride *o;
        /* An empty CSV cell means "absent", but the same setting on an
         * inline step is a null value: refuse both alike. */
        if (ytree_text_is_null(ap->value))
            return setting_fail(ap, "'%s' has no value", field);
        route = own_value(ap, k->next);
        o = ytree_alloc(ap->a, sizeof *o);
        if (!route || !o)
            return nomem(ap->r);
        o->change.name = name;
        o->change.number = number;
        o->change.field = (enum route_field)route_csv_field_from_name(
            field, strlen(field));
        o->change.value = ap->value;
        o->change.path = ap->origin->path;
        o->change.line = ap->origin->line;
        o->change.col = ap->origin->col;
        o->next = route->overrides;
        route->overrides = o;
        return 0;
    }
    if (route->kind != YNODE_SEQUENCE)
        return fail(ap->r, route, "'route' must be a CSV file path or a "
                    "sequence of steps, found %s", ynode_describe(route));
    route = own_value(ap, k->next);
    if (!route)
        return nomem(ap->r);
    snprintf(owner, sizeof owner, "the route of product '%s'", product_name);
    rc = own_item(ap, route, &step_items, owner, 3,
                  "a route step (a mapping of keys: tool_group, mean, ...)",
                  &step);
    return rc != 0 ? rc : map_put(ap, step, field);
}

/* A product has exactly one release: setting one replaces the others, so
 * a setting can switch a product from one kind to another. */
static void keep_release(ynode *spec, const char *kept)
{
    for (size_t i = 0; i < NRELEASE_KEYS; i++)
        if (strcmp(release_keys[i], kept) != 0)
            map_remove(spec, release_keys[i]);
}

static int set_product(applier *ap, ynode *root)
{
    const setting_path *p = &ap->path;
    const char *key;
    int32_t number = 0;
    ynode *k, *spec;
    char hint[320];
    int rc;

    if (p->count < 3)
        return setting_fail(ap, "a product is set by products.NAME.KEY, "
                            "e.g. products.%s.wafers_per_month",
                            p->count == 2 ? p->segment[1] : "N28");
    key = p->segment[2];
    if (!setting_among(key, product_keys, NPRODUCT_KEYS))
        return setting_fail(ap, "unknown key '%s'%s", key,
                            hint_for(key, product_keys, NPRODUCT_KEYS, hint,
                                     sizeof hint));
    if (strcmp(key, "interarrival") == 0) {
        if (p->count == 3)
            return setting_fail(ap, "'interarrival' is a distribution: set "
                                "one of its keys, e.g. "
                                "products.%s.interarrival.mean",
                                p->segment[1]);
        if (!setting_among(p->segment[3], dist_keys, NDIST_KEYS))
            return setting_fail(ap, "unknown key '%s'%s", p->segment[3],
                                hint_for(p->segment[3], dist_keys,
                                         NDIST_KEYS, hint, sizeof hint));
        if (p->count > 4)
            return setting_fail(ap, "'%s' is a value, not a section",
                                p->segment[3]);
    } else if (strcmp(key, "route") == 0 && p->count > 3) {
        if (p->count == 4)
            return setting_fail(ap, "a route step is set by products.%s."
                                "route.STEP.FIELD, where STEP is the step's "
                                "name or #N", p->segment[1]);
        if (!setting_among(p->segment[4], step_keys, NSTEP_KEYS))
            return setting_fail(ap, "unknown key '%s'%s", p->segment[4],
                                hint_for(p->segment[4], step_keys,
                                         NSTEP_KEYS, hint, sizeof hint));
        if (p->count > 5)
            return setting_fail(ap, "'%s' is a value, not a section",
                                p->segment[4]);
        number = segment_number(ap, 3, &step_items);
        if (number < 0)
            return WS_EDATA;
    } else if (p->count > 3) {
        return setting_fail(ap, "'%s' is a value, not a section", key);
    }

    rc = find_entry(ap, root, "products", "product",
                    "a mapping from names to products", p->segment[1], &k);
    if (rc == 0)
        rc = reader_check_product_spec(ap->r, k, ynode_resolve(k),
                                       ynode_resolve(k->next));
    if (rc != 0)
        return rc;
    spec = own_value(ap, k->next);
    if (!spec)
        return nomem(ap->r);
    if (strcmp(key, "interarrival") == 0) {
        if (!map_key(spec, "interarrival")) {
            keep_release(spec, "interarrival");
            map_remove(spec, "conwip_lots");
        }
        return put_dist(ap, spec, "interarrival", p->segment[3]);
    }
    if (strcmp(key, "route") == 0 && p->count == 5)
        return set_route_step(ap, root, spec, p->segment[1], number);
    if (strcmp(key, "wafers_per_month") == 0 ||
        strcmp(key, "lots_per_day") == 0) {
        keep_release(spec, key);
        map_remove(spec, "conwip_lots");
    } else if (strcmp(key, "release") == 0) {
        keep_release(spec, key);
        if (strcmp(ap->value, "conwip") != 0)
            map_remove(spec, "conwip_lots");
    } else if (strcmp(key, "conwip_lots") == 0) {
        keep_release(spec, "release");
        rc = map_put_text(ap, spec, "release", "conwip");
        if (rc != 0)
            return rc;
    } else if (strcmp(key, "due") == 0) {
        map_remove(spec, "due_factor");
    } else if (strcmp(key, "due_factor") == 0) {
        map_remove(spec, "due");
    }
    return map_put(ap, spec, key);
}

/* The owned list that key name of root holds, or a setting's error when
 * there is none. */
static int own_list_section(applier *ap, ynode *root, const char *name,
                            const char *expected, ynode **seq)
{
    int rc = own_child(ap, root, name, YNODE_SEQUENCE, expected, 0, seq);

    if (rc == 0 && !*seq)
        rc = setting_fail(ap, "the scenario has no '%s'", name);
    return rc;
}

/* orders.ORDER.KEY (ORDER: a name or #N), orders.ORDER.interarrival.KEY */
static int set_order(applier *ap, ynode *root)
{
    const setting_path *p = &ap->path;
    ynode *seq, *order;
    char example[320];
    int rc;

    if (p->count < 3)
        return setting_fail(ap, "an order is set by orders.NAME.KEY, where "
                            "NAME is the order's name or #N");
    snprintf(example, sizeof example, "orders.%s", p->segment[1]);
    rc = check_key_segment(ap, 2, order_keys, NORDER_KEYS,
                           order_release_keys + 2, 1, example);
    if (rc == 0)
        rc = own_list_section(ap, root, "orders", "a list of orders", &seq);
    if (rc == 0)
        rc = own_item(ap, seq, &order_items, "'orders'", 1, "an order",
                      &order);
    if (rc != 0)
        return rc;
    /* One release rate per order, as for products. */
    if (setting_among(p->segment[2], order_release_keys, 3) &&
        !(strcmp(p->segment[2], "interarrival") == 0 &&
          map_key(order, "interarrival")))
        for (size_t i = 0; i < 3; i++)
            if (strcmp(order_release_keys[i], p->segment[2]) != 0)
                map_remove(order, order_release_keys[i]);
    if (strcmp(p->segment[2], "interarrival") == 0)
        return put_dist(ap, order, "interarrival", p->segment[3]);
    return map_put(ap, order, p->segment[2]);
}

/* initial_wip.#N.KEY */
static int set_wip(applier *ap, ynode *root)
{
    const setting_path *p = &ap->path;
    ynode *seq, *wip;
    int rc;

    if (p->count < 3)
        return setting_fail(ap, "initial WIP is set by initial_wip.#N.KEY");
    rc = check_key_segment(ap, 2, wip_keys, NWIP_KEYS, NULL, 0, "");
    if (rc == 0)
        rc = own_list_section(ap, root, "initial_wip",
                              "a list of lots in the fab at the start", &seq);
    if (rc == 0)
        rc = own_item(ap, seq, &wip_items, "'initial_wip'", 1,
                      "an initial_wip entry", &wip);
    return rc != 0 ? rc : map_put(ap, wip, p->segment[2]);
}

/* setups.min_run.SETUP, setups.changes.#N.KEY, .time.KEY */
static int set_setups(applier *ap, ynode *root)
{
    static const char *const time_key[] = {"time"};
    const setting_path *p = &ap->path;
    ynode *s, *x;
    char hint[320];
    int rc;

    if (p->count >= 2 && !setting_among(p->segment[1], setups_keys, 3))
        return setting_fail(ap, "unknown key '%s'%s", p->segment[1],
                            hint_for(p->segment[1], setups_keys, 3, hint,
                                     sizeof hint));
    if (p->count >= 2 && strcmp(p->segment[1], "min_run_wait") == 0) {
        if (p->count > 2)
            return setting_fail(ap, "'min_run_wait' is a value, not a "
                                "section");
        rc = own_child(ap, root, "setups", YNODE_MAPPING,
                       "a mapping with 'changes' and 'min_run'", 1, &s);
        return rc != 0 ? rc : map_put(ap, s, "min_run_wait");
    }
    if (p->count < 3)
        return setting_fail(ap, "setups are set by setups.min_run.SETUP, "
                            "setups.min_run_wait or setups.changes.#N.KEY");
    if (strcmp(p->segment[1], "min_run") == 0) {
        if (p->count > 3)
            return setting_fail(ap, "'%s' is a value, not a section",
                                p->segment[2]);
        rc = own_child(ap, root, "setups", YNODE_MAPPING,
                       "a mapping with 'changes' and 'min_run'", 1, &s);
        if (rc == 0)
            rc = own_child(ap, s, "min_run", YNODE_MAPPING,
                           "a mapping from setup names to lots", 1, &x);
        return rc != 0 ? rc : map_put(ap, x, p->segment[2]);
    }
    if (p->count < 4)
        return setting_fail(ap, "a setup change is set by "
                            "setups.changes.#N.KEY");
    /* time may be a number or a distribution: both can be set. */
    rc = check_key_segment(ap, 3, change_keys, 3,
                           p->count > 4 ? time_key : NULL,
                           p->count > 4 ? 1 : 0, "setups.changes.#N");
    if (rc == 0)
        rc = own_child(ap, root, "setups", YNODE_MAPPING,
                       "a mapping with 'changes' and 'min_run'", 0, &s);
    if (rc == 0 && !s)
        rc = setting_fail(ap, "the scenario has no 'setups'");
    if (rc == 0)
        rc = own_child(ap, s, "changes", YNODE_SEQUENCE,
                       "a list of setup changes", 0, &x);
    if (rc == 0 && !x)
        rc = setting_fail(ap, "the scenario has no 'setups.changes'");
    if (rc == 0)
        rc = own_item(ap, x, &change_items, "'setups.changes'", 2,
                      "a setup change", &x);
    if (rc != 0)
        return rc;
    if (p->count == 5)
        return put_dist(ap, x, "time", p->segment[4]);
    return map_put(ap, x, p->segment[3]);
}

static int apply_setting(applier *ap, ynode *root, const scenario_setting *s)
{
    const char *path = s->path ? s->path : "";
    size_t extent = setting_path_extent(path);
    yorigin *origin = ytree_alloc(ap->a, sizeof *origin);
    const char *why, *first;
    char hint[320];
    ws_error check;
    int rc;

    if (!origin)
        return nomem(ap->r);
    ap->value = s->value ? s->value : "";
    if (s->origin) {
        origin->path = s->origin;
        origin->line = s->line;
        origin->col = s->col;
    } else {
        /* The CLI prints "--set PATH=VALUE: message". */
        size_t n = extent + strlen(ap->value) + 8;
        char *label = ytree_alloc(ap->a, n);
        if (!label)
            return nomem(ap->r);
        snprintf(label, n, "--set %.*s=%s", (int)extent, path, ap->value);
        origin->path = label;
        origin->line = 0;
        origin->col = 0;
    }
    ap->origin = origin;

    /* Settings reach names and the output as the file's text does. */
    if (route_csv_check_text(path, extent, "", 1, &check) != 0)
        return setting_fail(ap, "bad path: %s", check.message);
    if (route_csv_check_text(ap->value, strlen(ap->value), "", 1,
                             &check) != 0)
        return setting_fail(ap, "bad value: %s", check.message);
    rc = setting_path_parse(ap->a, path, extent, &ap->path, &why);
    if (rc == WS_ENOMEM)
        return nomem(ap->r);
    if (rc != 0)
        return setting_fail(ap, "the path %s", why);

    first = ap->path.segment[0];
    if (strcmp(first, "tool_groups") == 0)
        return set_tool_group(ap, root);
    if (strcmp(first, "products") == 0)
        return set_product(ap, root);
    if (strcmp(first, "orders") == 0)
        return set_order(ap, root);
    if (strcmp(first, "initial_wip") == 0)
        return set_wip(ap, root);
    if (strcmp(first, "setups") == 0)
        return set_setups(ap, root);
    if (strcmp(first, "transport") == 0) {
        if (ap->path.count == 1)
            return setting_fail(ap, "'transport' is a distribution: set one "
                                "of its keys, e.g. transport.mean");
        rc = check_key_segment(ap, 1, dist_keys, NDIST_KEYS, NULL, 0, "");
        return rc != 0 ? rc : put_dist(ap, root, "transport",
                                       ap->path.segment[1]);
    }
    if (strcmp(first, "sweep") == 0)
        return setting_fail(ap, "the sweep section cannot be changed by a "
                            "setting");
    for (size_t i = 0; i < TOP_SCALAR_KEYS; i++) {
        if (strcmp(first, top_keys[i]) != 0)
            continue;
        if (ap->path.count > 1)
            return setting_fail(ap, "'%s' is a value, not a section (set it "
                                "as %s=VALUE)", first, first);
        return map_put(ap, root, top_keys[i]);
    }
    if (ap->path.count == 1)
        return setting_fail(ap, "unknown key '%s'%s", first,
                            hint_for(first, top_keys, NTOP_KEYS, hint,
                                     sizeof hint));
    return setting_fail(ap, "unknown top-level section '%s'%s", first,
                        hint_for(first, top_keys, NTOP_KEYS, hint,
                                 sizeof hint));
}

/* Applies first, then second, in order to a copy of *root (the session's
 * own), which replaces *root. */
int settings_apply(reader *r, ytree_arena *a, ynode **root,
                   const scenario_setting *first, size_t nfirst,
                   const scenario_setting *second, size_t nsecond)
{
    applier ap;
    ynode *copy;
    int rc = 0;

    if (nfirst + nsecond == 0)
        return 0;
    memset(&ap, 0, sizeof ap);
    ap.r = r;
    ap.a = a;
    ap.session = ++*r->sessions;
    copy = ytree_alloc(a, sizeof *copy);
    if (!copy)
        return nomem(r);
    *copy = **root;
    copy->next = NULL;
    if (own_list(&ap, copy) != 0)
        return nomem(r);
    for (size_t i = 0; rc == 0 && i < nfirst; i++)
        rc = apply_setting(&ap, copy, &first[i]);
    for (size_t i = 0; rc == 0 && i < nsecond; i++)
        rc = apply_setting(&ap, copy, &second[i]);
    *root = copy;
    return rc;
}
