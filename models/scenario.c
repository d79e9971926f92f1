/* scenario.c - reads a scenario YAML file into a model (see scenario.h and
 * docs/scenario-format.md).
 *
 * libfyaml's document API in 0.7.12 gives no positions for mappings and
 * sequences, and every message here must name line and column, so the
 * reader runs libfyaml's event parser and builds its own small tree with
 * a position on every node.  The tree lives in one arena, freed at once.
 * Reading then walks the fixed shape of the format, checking every key.
 *
 * Order of checks: the bytes (UTF-8, no control characters), then YAML
 * syntax (libfyaml's own message and position), then the tree (one
 * document, known aliases, no tags, no duplicate keys), then the content.
 */
#include "models/scenario.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "models/route_csv.h"
#include "sim/date.h"

/* 365.2425 / 12: the mean Gregorian month, in days. */
#define DAYS_PER_MONTH 30.436875

/* --- arena -------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    max_align_t data[];
} arena_block;

typedef struct arena {
    arena_block *head;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    arena_block *b = a->head;

    n = (n + align - 1) / align * align;
    if (!b || b->size - b->used < n) {
        size_t size = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    b->used += n;
    return (char *)b->data + b->used - n;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* --- YAML tree ---------------------------------------------------------- */

enum ynode_kind { YNODE_SCALAR, YNODE_MAPPING, YNODE_SEQUENCE, YNODE_ALIAS };

/* Mapping children alternate key, value; aliases point at their anchor's
 * node instead of copying it, so an alias bomb costs nothing to build
 * and the reader's fixed depth bounds what it costs to read. */
typedef struct ynode {
    enum ynode_kind kind;
    int line;                   /* 1-based */
    int col;
    int plain;                  /* scalar written without quotes */
    const char *text;           /* scalar, NUL-terminated */
    size_t length;
    struct ynode *first;
    struct ynode *last;
    struct ynode *next;
    struct ynode *target;       /* alias */
    size_t count;               /* children */
} ynode;

typedef struct yanchor {
    const char *name;
    size_t length;
    ynode *node;
} yanchor;

typedef struct yframe {
    ynode *node;
    const char *anchor;         /* registered when the collection ends */
    size_t anchor_length;
} yframe;

typedef struct ybuilder {
    arena *arena;
    const char *input;          /* the text being parsed */
    size_t input_length;
    ynode *root;
    int documents;
    yframe *stack;
    size_t depth;
    size_t stack_capacity;
    yanchor *anchors;
    size_t nanchors;
    size_t anchors_capacity;
    int last_line;
    int last_col;
    int nomem;
    int error_line;             /* first problem found, 0 when none */
    int error_col;
    char error[512];
} ybuilder;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void builder_fail(ybuilder *b, int line, int col, const char *fmt, ...)
{
    va_list ap;

    if (b->error_line != 0)
        return;
    b->error_line = line;
    b->error_col = col;
    va_start(ap, fmt);
    vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
}

static const char *copy_text(arena *a, const char *text, size_t length)
{
    char *s = arena_alloc(a, length + 1);
    if (s) {
        if (length)
            memcpy(s, text, length);
        s[length] = '\0';
    }
    return s;
}

/* Event marks are 0-based; an empty scalar has no token and no mark, and
 * gets the position of what came before it (its key). */
static void event_position(ybuilder *b, struct fy_event *e, int *line,
                           int *col)
{
    const struct fy_mark *m = fy_event_start_mark(e);

    if (m && m->line >= 0 && m->column >= 0) {
        b->last_line = m->line + 1;
        b->last_col = m->column + 1;
    }
    *line = b->last_line;
    *col = b->last_col;
}

/* libfyaml marks a quoted scalar at its first character inside the
 * quotes and an alias at its name after '*'; a message should point at
 * what the user wrote first, the quote or the '*'. */
static int opening_col(const ybuilder *b, struct fy_event *e, int col,
                       const char *openers)
{
    const struct fy_mark *m = fy_event_start_mark(e);

    if (m && m->input_pos > 0 && m->input_pos <= b->input_length &&
        col > 1 && strchr(openers, b->input[m->input_pos - 1]))
        return col - 1;
    return col;
}

static ynode *builder_node(ybuilder *b, enum ynode_kind kind, int line,
                           int col)
{
    ynode *n = arena_alloc(b->arena, sizeof *n);

    if (!n) {
        b->nomem = 1;
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

static void builder_attach(ybuilder *b, ynode *n)
{
    if (b->depth == 0) {
        if (!b->root)
            b->root = n;
        return;
    }
    {
        ynode *parent = b->stack[b->depth - 1].node;
        if (parent->last)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
        parent->count++;
    }
}

/* The anchor's name copied into the arena, or NULL when there is none. */
static const char *anchor_name(ybuilder *b, struct fy_token *anchor,
                               size_t *length)
{
    const char *name, *copy;

    *length = 0;
    if (!anchor || !(name = fy_token_get_text(anchor, length)))
        return NULL;
    copy = copy_text(b->arena, name, *length);
    if (!copy)
        b->nomem = 1;
    return copy;
}

static void builder_register(ybuilder *b, const char *name, size_t length,
                             ynode *n)
{
    if (b->nanchors == b->anchors_capacity) {
        size_t cap = b->anchors_capacity ? b->anchors_capacity * 2 : 16;
        yanchor *p = realloc(b->anchors, cap * sizeof *p);
        if (!p) {
            b->nomem = 1;
            return;
        }
        b->anchors = p;
        b->anchors_capacity = cap;
    }
    b->anchors[b->nanchors].name = name;
    b->anchors[b->nanchors].length = length;
    b->anchors[b->nanchors].node = n;
    b->nanchors++;
}

static ynode *resolve(ynode *n)
{
    return n && n->kind == YNODE_ALIAS ? n->target : n;
}

typedef struct key_ref {
    const ynode *key;           /* resolved scalar */
    const ynode *at;            /* as written, for its position */
} key_ref;

static int compare_key_refs(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    size_t n = x->key->length < y->key->length ? x->key->length
                                               : y->key->length;
    int c = memcmp(x->key->text, y->key->text, n);

    if (c != 0)
        return c;
    if (x->key->length != y->key->length)
        return x->key->length < y->key->length ? -1 : 1;
    if (x->at->line != y->at->line)
        return x->at->line < y->at->line ? -1 : 1;
    return (x->at->col > y->at->col) - (x->at->col < y->at->col);
}

/* Reports the earliest second occurrence of a key.  Sorting keeps this
 * O(n log n) for the 1e5-entry mappings the limits allow. */
static void builder_check_duplicates(ybuilder *b, ynode *map)
{
    key_ref *keys;
    size_t n = 0;
    const key_ref *dup = NULL, *first = NULL;

    if (map->count < 4)         /* one pair: nothing to compare */
        return;
    keys = malloc(map->count / 2 * sizeof *keys);
    if (!keys) {
        b->nomem = 1;
        return;
    }
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key && key->kind == YNODE_SCALAR) {
            keys[n].key = key;
            keys[n].at = k;
            n++;
        }
    }
    qsort(keys, n, sizeof *keys, compare_key_refs);
    for (size_t i = 1; i < n; i++) {
        const key_ref *x = &keys[i - 1], *y = &keys[i];
        if (x->key->length != y->key->length ||
            memcmp(x->key->text, y->key->text, x->key->length) != 0)
            continue;
        if (!dup || y->at->line < dup->at->line ||
            (y->at->line == dup->at->line && y->at->col < dup->at->col)) {
            dup = y;
            first = x;
            /* x may itself be a repeat; find the first occurrence. */
            for (size_t j = i - 1; j > 0 &&
                 keys[j - 1].key->length == y->key->length &&
                 memcmp(keys[j - 1].key->text, y->key->text,
                        y->key->length) == 0; j--)
                first = &keys[j - 1];
        }
    }
    if (dup)
        builder_fail(b, dup->at->line, dup->at->col,
                     "duplicate key '%s' (first at line %d, column %d)",
                     dup->key->text, first->at->line, first->at->col);
    free(keys);
}

static void builder_push(ybuilder *b, ynode *n, struct fy_token *anchor)
{
    yframe *f;

    if (b->depth == b->stack_capacity) {
        size_t cap = b->stack_capacity ? b->stack_capacity * 2 : 16;
        yframe *p = realloc(b->stack, cap * sizeof *p);
        if (!p) {
            b->nomem = 1;
            return;
        }
        b->stack = p;
        b->stack_capacity = cap;
    }
    f = &b->stack[b->depth++];
    f->node = n;
    f->anchor = anchor_name(b, anchor, &f->anchor_length);
}

static void builder_pop(ybuilder *b)
{
    yframe *f;

    if (b->depth == 0)
        return;
    f = &b->stack[--b->depth];
    if (f->node->kind == YNODE_MAPPING)
        builder_check_duplicates(b, f->node);
    /* Registered only now, so an alias inside its own anchor's collection
     * is unknown rather than a cycle. */
    if (f->anchor)
        builder_register(b, f->anchor, f->anchor_length, f->node);
}

/* Tags would let a file retype values behind the format's back; the
 * message points at the tag itself, before the node it applies to. */
static void builder_tag(ybuilder *b, struct fy_token *tag, int line, int col)
{
    const struct fy_mark *m;

    if (!tag)
        return;
    m = fy_token_start_mark(tag);
    if (m && m->line >= 0 && m->column >= 0) {
        line = m->line + 1;
        col = m->column + 1;
    }
    builder_fail(b, line, col, "YAML tags (such as !!str) are not supported");
}

static void builder_event(ybuilder *b, struct fy_event *e)
{
    int line, col;
    ynode *n;

    event_position(b, e, &line, &col);
    if (b->nomem)
        return;
    switch (e->type) {
    case FYET_DOCUMENT_START:
        b->documents++;
        if (b->documents == 2)
            builder_fail(b, line, col,
                         "a scenario is one YAML document; this starts a "
                         "second one");
        return;
    case FYET_SCALAR: {
        size_t length = 0;
        const char *text = e->scalar.value
                               ? fy_token_get_text(e->scalar.value, &length)
                               : "";
        if (b->documents > 1)
            return;
        if (e->scalar.value &&
            fy_scalar_token_get_style(e->scalar.value) != FYSS_PLAIN)
            col = opening_col(b, e, col, "\"'");
        builder_tag(b, e->scalar.tag, line, col);
        n = builder_node(b, YNODE_SCALAR, line, col);
        if (!n)
            return;
        n->text = copy_text(b->arena, text ? text : "", text ? length : 0);
        n->length = text ? length : 0;
        n->plain = !e->scalar.value ||
                   fy_scalar_token_get_style(e->scalar.value) == FYSS_PLAIN;
        if (!n->text) {
            b->nomem = 1;
            return;
        }
        builder_attach(b, n);
        {
            size_t anchor_length;
            const char *anchor = anchor_name(b, e->scalar.anchor,
                                             &anchor_length);
            if (anchor)
                builder_register(b, anchor, anchor_length, n);
        }
        return;
    }
    case FYET_ALIAS: {
        size_t length = 0;
        const char *name = e->alias.anchor
                               ? fy_token_get_text(e->alias.anchor, &length)
                               : NULL;
        ynode *target = NULL;
        if (b->documents > 1)
            return;
        col = opening_col(b, e, col, "*");
        for (size_t i = b->nanchors; name && i-- > 0;) {
            if (b->anchors[i].length == length &&
                memcmp(b->anchors[i].name, name, length) == 0) {
                target = b->anchors[i].node;
                break;
            }
        }
        if (!target) {
            builder_fail(b, line, col, "unknown alias '*%.*s'",
                         name ? (int)length : 0, name ? name : "");
            /* Keep the tree well formed for the rest of the stream. */
            target = builder_node(b, YNODE_SCALAR, line, col);
            if (!target)
                return;
            target->text = "";
            target->plain = 1;
        }
        n = builder_node(b, YNODE_ALIAS, line, col);
        if (!n)
            return;
        n->target = target;
        builder_attach(b, n);
        return;
    }
    case FYET_MAPPING_START:
    case FYET_SEQUENCE_START: {
        int mapping = e->type == FYET_MAPPING_START;
        if (b->documents > 1)
            return;
        builder_tag(b, mapping ? e->mapping_start.tag : e->sequence_start.tag,
                    line, col);
        n = builder_node(b, mapping ? YNODE_MAPPING : YNODE_SEQUENCE, line,
                         col);
        if (!n)
            return;
        builder_attach(b, n);
        builder_push(b, n, mapping ? e->mapping_start.anchor
                                   : e->sequence_start.anchor);
        return;
    }
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END:
        if (b->documents > 1)
            return;
        builder_pop(b);
        return;
    default:
        return;
    }
}

/* libfyaml output goes nowhere: library code prints nothing, and the
 * collected errors carry everything a message needs. */
static void diag_sink(struct fy_diag *diag, void *user, const char *buf,
                      size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* Parses text into b's tree, or fills err with the first syntax or tree
 * problem. */
static int yaml_parse(ybuilder *b, const char *text, size_t length,
                      const char *path, ws_error *err)
{
    struct fy_diag_cfg dcfg;
    struct fy_parse_cfg pcfg;
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_event *e;
    int rc = 0;

    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_sink;
    dcfg.user = NULL;
    dcfg.colorize = false;
    diag = fy_diag_create(&dcfg);
    if (!diag)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    fy_diag_set_collect_errors(diag, true);

    memset(&pcfg, 0, sizeof pcfg);
    pcfg.flags = FYPCF_QUIET | FYPCF_JSON_NONE;
    pcfg.diag = diag;
    parser = fy_parser_create(&pcfg);
    if (!parser || fy_parser_set_string(parser, text, length) != 0) {
        if (parser)
            fy_parser_destroy(parser);
        fy_diag_destroy(diag);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    /* Drain the whole stream even after a tree problem: a syntax error
     * anywhere is reported first, since it can explain the rest. */
    while ((e = fy_parser_parse(parser)) != NULL) {
        builder_event(b, e);
        fy_parser_event_free(parser, e);
    }
    if (fy_parser_get_stream_error(parser)) {
        struct fy_diag_error *de;
        void *it = NULL;
        int line = b->last_line > 0 ? b->last_line : 1;
        int col = b->last_col > 0 ? b->last_col : 1;
        const char *msg = "syntax error";

        while ((de = fy_diag_errors_iterate(diag, &it)) != NULL) {
            if (de->type >= FYET_ERROR) {
                if (de->line > 0)
                    line = de->line;
                if (de->column > 0)
                    col = de->column;
                if (de->msg)
                    msg = de->msg;
                break;
            }
        }
        rc = ws_error_set(err, WS_EDATA, path, line, col, "invalid YAML: %s",
                          msg);
    } else if (b->nomem) {
        rc = ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    } else if (b->error_line != 0) {
        rc = ws_error_set(err, WS_EDATA, path, b->error_line, b->error_col,
                          "%s", b->error);
    }
    fy_parser_destroy(parser);
    fy_diag_destroy(diag);
    return rc;
}

/* --- reading the tree -------------------------------------------------- */

typedef struct reader {
    const char *path;           /* the scenario, as given */
    size_t dir_length;          /* of path up to and including the last / */
    model *m;
    ws_error *err;
    double unit_days;           /* time_unit */
    int64_t lot_size;           /* default for products */
    int64_t total_steps;        /* in the routes read so far */
    route_groups groups;
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(reader *r, const ynode *at, const char *fmt, ...)
{
    char message[sizeof r->err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return ws_error_set(r->err, WS_EDATA, r->path, at ? at->line : 1,
                        at ? at->col : 1, "%s", message);
}

static int is_null(const ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR || !n->plain)
        return 0;
    return n->length == 0 || strcmp(n->text, "~") == 0 ||
           strcmp(n->text, "null") == 0 || strcmp(n->text, "Null") == 0 ||
           strcmp(n->text, "NULL") == 0;
}

static const char *describe(const ynode *n)
{
    if (is_null(n))
        return "nothing (null)";
    switch (n->kind) {
    case YNODE_MAPPING:
        return "a mapping";
    case YNODE_SEQUENCE:
        return "a sequence";
    default:
        return "a scalar";
    }
}

static int key_is(const ynode *key, const char *name)
{
    return strlen(name) == key->length &&
           memcmp(key->text, name, key->length) == 0;
}

/* Every key of map must be a string among known. */
static int check_keys(reader *r, ynode *map, const char *const *known,
                      size_t count)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        const char *hint;
        size_t i;

        if (key->kind != YNODE_SCALAR)
            return fail(r, k, "a key must be a string, found %s",
                        describe(key));
        for (i = 0; i < count; i++)
            if (key_is(key, known[i]))
                break;
        if (i < count)
            continue;
        if (key_is(key, "<<"))
            return fail(r, k, "merge keys (<<) are not supported");
        hint = route_csv_suggest(key->text, known, count);
        return fail(r, k, "unknown key '%s'%s%s%s", key->text,
                    hint ? " (did you mean '" : "", hint ? hint : "",
                    hint ? "'?)" : "");
    }
    return 0;
}

/* The value of key in map (resolved), or NULL; *key_node is the key. */
static ynode *lookup(ynode *map, const char *name, ynode **key_node)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key->kind == YNODE_SCALAR && key_is(key, name)) {
            if (key_node)
                *key_node = k;
            return resolve(k->next);
        }
    }
    return NULL;
}

/* The scalar value of key, or NULL when absent; an error when it is null
 * or not a scalar.  what names the expected type in messages. */
static int get_scalar(reader *r, ynode *map, const char *name,
                      const char *what, ynode **out)
{
    ynode *key = NULL;
    ynode *v = lookup(map, name, &key);

    *out = NULL;
    if (!v)
        return 0;
    if (is_null(v))
        return fail(r, key, "'%s' has no value; expected %s", name, what);
    if (v->kind != YNODE_SCALAR)
        return fail(r, v, "'%s' must be %s, found %s", name, what,
                    describe(v));
    *out = v;
    return 0;
}

static int get_string(reader *r, ynode *map, const char *name,
                      ynode **out)
{
    int rc = get_scalar(r, map, name, "a string", out);
    if (rc == 0 && *out && strlen((*out)->text) != (*out)->length)
        return fail(r, *out, "'%s' contains a NUL character", name);
    return rc;
}

static int get_double(reader *r, ynode *map, const char *name, double *out,
                      ynode **at)
{
    const char *why;
    int rc = get_scalar(r, map, name, "a number", at);

    if (rc != 0 || !*at)
        return rc;
    if (route_csv_parse_double((*at)->text, (*at)->length, out, &why) != 0)
        return fail(r, *at, "'%s' %s: '%s'", name, why, (*at)->text);
    return 0;
}

static int get_int(reader *r, ynode *map, const char *name, int64_t min,
                   int64_t max, int64_t *out, ynode **at)
{
    const char *why;
    int rc = get_scalar(r, map, name, "an integer", at);

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
static int get_collection(reader *r, ynode *map, const char *name,
                          enum ynode_kind kind, const char *what,
                          ynode **out)
{
    ynode *key = NULL;
    ynode *v = lookup(map, name, &key);

    *out = NULL;
    if (!v)
        return 0;
    if (is_null(v))
        return fail(r, key, "'%s' has no value; expected %s", name, what);
    if (v->kind != kind)
        return fail(r, v, "'%s' must be %s, found %s", name, what,
                    describe(v));
    *out = v;
    return 0;
}

static int nomem(reader *r)
{
    return ws_error_set(r->err, WS_ENOMEM, r->path, 0, 0, "out of memory");
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
                    describe(key));
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
        ynode *key = resolve(k), *v = resolve(k->next);
        int f = route_csv_field_from_name(key->text, key->length);

        if (f < 0)
            continue;
        if (is_null(v))
            return fail(r, k, "'%s' has no value", key->text);
        if (v->kind != YNODE_SCALAR)
            return fail(r, v, "'%s' must be a scalar, found %s", key->text,
                        describe(v));
        if (strlen(v->text) != v->length)
            return fail(r, v, "'%s' contains a NUL character", key->text);
        fields[f].text = v->text;
        fields[f].length = v->length;
        fields[f].line = v->line;
        fields[f].col = v->col;
        fields[f].key_line = k->line;
        fields[f].key_col = k->col;
    }
    return 0;
}

static const char *const dist_keys[] = {
    "distribution", "mean", "cv", "sd", "min", "mode", "max", "value", "unit",
};

static const char *const step_keys[] = {
    "step", "tool_group", "per", "distribution", "mean", "cv", "sd", "min",
    "mode", "max", "value", "unit",
};

static int read_interarrival(reader *r, ynode *map, product *p)
{
    route_text fields[ROUTE_FIELD_COUNT];
    route_where where = {r->path, map->line, map->col};
    int rc;

    rc = check_keys(r, map, dist_keys, sizeof dist_keys / sizeof *dist_keys);
    if (rc == 0)
        rc = mapping_fields(r, map, fields);
    if (rc == 0)
        rc = route_csv_build_dist(fields, r->unit_days, &where,
                                  &p->interarrival, r->err);
    if (rc != 0)
        return rc;
    /* A zero mean would release infinitely many lots at one instant. */
    if (!(p->interarrival.mean > 0.0))
        return fail(r, map, "the mean interarrival time must be > 0");
    p->release = RELEASE_RANDOM;
    return 0;
}

static int read_inline_route(reader *r, ynode *seq, product *p)
{
    int32_t number = 0;

    if (seq->count == 0)
        return fail(r, seq, "the route has no steps");
    for (ynode *item = seq->first; item; item = item->next) {
        ynode *step = resolve(item);
        route_text fields[ROUTE_FIELD_COUNT];
        route_where where = {r->path, item->line, item->col};
        int rc;

        if (step->kind != YNODE_MAPPING)
            return fail(r, item, "a route step must be a mapping of keys "
                        "(tool_group, mean, ...), found %s", describe(step));
        rc = route_csv_check_step_limit(number, r->total_steps, r->path,
                                        item->line, item->col, r->err);
        if (rc == 0)
            rc = check_keys(r, step, step_keys,
                        sizeof step_keys / sizeof *step_keys);
        if (rc == 0)
            rc = mapping_fields(r, step, fields);
        if (rc == 0)
            rc = route_csv_add_step(p, fields, ++number, r->unit_days,
                                    &r->groups, &where, r->err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int read_csv_route(reader *r, ynode *value, product *p)
{
    const char *route = value->text;
    size_t prefix = route[0] == '/' ? 0 : r->dir_length;
    size_t length = strlen(route);
    char *joined, *text = NULL;
    size_t text_length = 0;
    const char *stored = NULL;
    int rc, e;

    if (length == 0)
        return fail(r, value, "'route' is an empty path");
    if (length != value->length)
        return fail(r, value, "'route' contains a NUL character");
    joined = malloc(prefix + length + 1);
    if (!joined)
        return nomem(r);
    memcpy(joined, r->path, prefix);
    memcpy(joined + prefix, route, length + 1);

    /* Products sharing a route file read it once and store it once. */
    for (int32_t i = 1; i < r->m->nsources; i++)
        if (strcmp(r->m->sources[i].path, joined) == 0)
            stored = r->m->sources[i].text;
    if (stored) {
        rc = route_csv_read(p, stored, strlen(stored), joined, r->unit_days,
                            r->total_steps, &r->groups, r->err);
        free(joined);
        return rc;
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
        free(joined);
        return rc;
    }
    rc = route_csv_read(p, text, text_length, joined, r->unit_days,
                        r->total_steps, &r->groups, r->err);
    if (rc == 0 && model_add_source(r->m, joined, text) != 0)
        rc = nomem(r);
    free(text);
    free(joined);
    return rc;
}

static const char *const product_keys[] = {
    "route", "lot_size", "wafers_per_month", "lots_per_day", "interarrival",
    "first_release_day",
};

static int read_product(reader *r, ynode *k, ynode *spec)
{
    static const char *const release_keys[] = {
        "wafers_per_month", "lots_per_day", "interarrival",
    };
    ynode *key = resolve(k), *at, *route, *chosen = NULL;
    const char *chosen_name = NULL;
    int64_t lot_size = r->lot_size;
    int32_t index;
    product *p;
    double v;
    int rc;

    rc = check_name_key(r, k, key, "product");
    if (rc != 0)
        return rc;
    if (is_null(spec))
        return fail(r, k, "product '%s' has no value; expected a mapping "
                    "with 'route' and a release rate", key->text);
    if (spec->kind != YNODE_MAPPING)
        return fail(r, spec, "product '%s' must be a mapping, found %s",
                    key->text, describe(spec));
    rc = check_keys(r, spec, product_keys,
                    sizeof product_keys / sizeof *product_keys);
    if (rc != 0)
        return rc;
    index = model_add_product(r->m, key->text);
    if (index < 0)
        return nomem(r);
    p = &r->m->products[index];

    rc = get_int(r, spec, "lot_size", 1, MODEL_MAX_LOT_SIZE, &lot_size, &at);
    if (rc != 0)
        return rc;
    p->lot_size = (int32_t)lot_size;

    /* Exactly one release rate; report the second one written. */
    for (ynode *kk = spec->first; kk && kk->next; kk = kk->next->next) {
        ynode *name = resolve(kk);
        for (size_t i = 0; i < 3; i++) {
            if (!key_is(name, release_keys[i]))
                continue;
            if (chosen)
                return fail(r, kk, "give only one of 'wafers_per_month', "
                            "'lots_per_day' and 'interarrival' ('%s' is "
                            "already given)", chosen_name);
            chosen = kk;
            chosen_name = release_keys[i];
        }
    }
    if (!chosen)
        return fail(r, spec, "product '%s' needs one of 'wafers_per_month', "
                    "'lots_per_day' or 'interarrival'", key->text);
    if (strcmp(chosen_name, "interarrival") == 0) {
        ynode *ia;
        rc = get_collection(r, spec, "interarrival", YNODE_MAPPING,
                            "a distribution mapping", &ia);
        if (rc == 0)
            rc = read_interarrival(r, ia, p);
        if (rc != 0)
            return rc;
    } else {
        rc = get_double(r, spec, chosen_name, &v, &at);
        if (rc != 0)
            return rc;
        if (!(v > 0.0))
            return fail(r, at, "'%s' must be > 0 (got %g)", chosen_name, v);
        p->release = RELEASE_INTERVAL;
        p->release_interval_days =
            strcmp(chosen_name, "wafers_per_month") == 0
                ? (double)lot_size * DAYS_PER_MONTH / v
                : 1.0 / v;
        if (!(p->release_interval_days > 0.0) ||
            !isfinite(p->release_interval_days))
            return fail(r, at, "'%s' gives a release interval out of range",
                        chosen_name);
    }

    rc = get_double(r, spec, "first_release_day", &v, &at);
    if (rc != 0)
        return rc;
    if (at && !(v >= 0.0))
        return fail(r, at, "'first_release_day' must be >= 0 (got %g)", v);
    p->first_release_days = at ? v : 0.0;

    route = lookup(spec, "route", &at);
    if (!route)
        return fail(r, spec, "product '%s' needs a 'route': a CSV file path "
                    "or a sequence of steps", key->text);
    if (is_null(route))
        return fail(r, at, "'route' has no value; expected a CSV file path "
                    "or a sequence of steps");
    if (route->kind == YNODE_SEQUENCE)
        rc = read_inline_route(r, route, p);
    else if (route->kind == YNODE_SCALAR)
        rc = read_csv_route(r, route, p);
    else
        return fail(r, route, "'route' must be a CSV file path or a sequence "
                    "of steps, found %s", describe(route));
    r->total_steps += p->nsteps;
    return rc;
}

static const char *const group_keys[] = {"tools", "dispatch"};

static int read_tool_group(reader *r, ynode *k, ynode *spec)
{
    ynode *key = resolve(k), *at;
    int64_t tools;
    int32_t index;
    int rc;

    rc = check_name_key(r, k, key, "tool group");
    if (rc != 0)
        return rc;
    if (is_null(spec))
        return fail(r, k, "tool group '%s' has no value; expected a mapping "
                    "such as {tools: 2}", key->text);
    if (spec->kind != YNODE_MAPPING)
        return fail(r, spec, "tool group '%s' must be a mapping such as "
                    "{tools: 2}, found %s", key->text, describe(spec));
    rc = check_keys(r, spec, group_keys,
                    sizeof group_keys / sizeof *group_keys);
    if (rc == 0)
        rc = get_int(r, spec, "tools", 1, MODEL_MAX_TOOLS_PER_GROUP, &tools,
                     &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, spec, "tool group '%s' needs 'tools'", key->text);
    rc = get_string(r, spec, "dispatch", &at);
    if (rc != 0)
        return rc;
    if (at && strcmp(at->text, "fifo") != 0)
        return fail(r, at, "unknown dispatch rule '%s' (fifo is the only "
                    "rule for now)", at->text);
    index = model_add_tool_group(r->m, key->text, (int32_t)tools);
    if (index < 0)
        return nomem(r);
    r->m->groups[index].dispatch = DISPATCH_FIFO;
    return 0;
}

static const char *const top_keys[] = {
    "format_version", "name", "description", "start_date", "horizon_days",
    "warmup_days", "replications", "seed", "time_unit", "lot_size",
    "tool_groups", "products",
};

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

static int read_top(reader *r, ynode *top)
{
    model *m = r->m;
    ynode *at, *warmup_at, *groups, *products;
    int64_t i64;
    double v;
    int rc;

    rc = check_keys(r, top, top_keys, sizeof top_keys / sizeof *top_keys);
    if (rc != 0)
        return rc;

    rc = get_int(r, top, "format_version", INT64_MIN, INT64_MAX, &i64, &at);
    if (rc != 0)
        return rc;
    if (at && i64 != 1)
        return fail(r, at, "unsupported format_version %lld: this wafersim "
                    "reads format 1", (long long)i64);

    rc = get_string(r, top, "name", &at);
    if (rc != 0)
        return rc;
    if (at) {
        char why[160];
        if (route_csv_check_name(at->text, at->length, why, sizeof why) != 0)
            return fail(r, at, "'name': %s", why);
    }
    m->name = at ? duplicate(at->text) : default_name(r->path);
    if (!m->name)
        return nomem(r);

    rc = get_string(r, top, "description", &at);
    if (rc != 0)
        return rc;
    if (at && !(m->description = duplicate(at->text)))
        return nomem(r);

    m->start_date = date_days_from_civil(2025, 1, 1);
    rc = get_scalar(r, top, "start_date", "a date (YYYY-MM-DD)", &at);
    if (rc != 0)
        return rc;
    if (at && (strlen(at->text) != at->length ||
               date_parse_iso(at->text, &m->start_date) != 0))
        return fail(r, at, "'start_date' must be a real date written "
                    "YYYY-MM-DD (got '%s')", at->text);

    m->horizon_days = 365.0;
    rc = get_double(r, top, "horizon_days", &v, &at);
    if (rc != 0)
        return rc;
    if (at) {
        if (!(v > 0.0 && v <= MODEL_MAX_HORIZON_DAYS))
            return fail(r, at, "'horizon_days' must be > 0 and at most %g "
                        "(got %g)", MODEL_MAX_HORIZON_DAYS, v);
        m->horizon_days = v;
    }

    m->warmup_days = 0.0;
    rc = get_double(r, top, "warmup_days", &v, &warmup_at);
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

    m->replications = 10;
    rc = get_int(r, top, "replications", 1, MODEL_MAX_REPLICATIONS, &i64,
                 &at);
    if (rc != 0)
        return rc;
    if (at)
        m->replications = (int32_t)i64;

    m->seed = 1;
    rc = get_scalar(r, top, "seed", "an unsigned integer", &at);
    if (rc != 0)
        return rc;
    if (at) {
        const char *why;
        if (route_csv_parse_uint64(at->text, at->length, &m->seed, &why) != 0)
            return fail(r, at, "'seed' %s: '%s' (expected an integer from 0 "
                        "to 18446744073709551615)", why, at->text);
    }

    r->unit_days = 1.0 / 1440.0;
    rc = get_string(r, top, "time_unit", &at);
    if (rc != 0)
        return rc;
    if (at) {
        r->unit_days = route_csv_unit_days(at->text, at->length);
        if (r->unit_days == 0.0)
            return fail(r, at, "unknown time_unit '%s' (use s, min, h or d)",
                        at->text);
    }

    r->lot_size = 25;
    rc = get_int(r, top, "lot_size", 1, MODEL_MAX_LOT_SIZE, &r->lot_size,
                 &at);
    if (rc != 0)
        return rc;

    rc = get_collection(r, top, "tool_groups", YNODE_MAPPING,
                        "a mapping from names to tool groups", &groups);
    if (rc != 0)
        return rc;
    if (!groups)
        return fail(r, top, "missing required key 'tool_groups'");
    if (groups->count == 0)
        return fail(r, groups, "'tool_groups' is empty; a fab needs at "
                    "least one tool group");
    for (ynode *k = groups->first; k && k->next; k = k->next->next) {
        if (m->ngroups >= MODEL_MAX_TOOL_GROUPS)
            return fail(r, k, "too many tool groups (at most %d)",
                        MODEL_MAX_TOOL_GROUPS);
        rc = read_tool_group(r, k, resolve(k->next));
        if (rc != 0)
            return rc;
    }
    if (route_csv_groups_build(&r->groups, m) != 0)
        return nomem(r);

    rc = get_collection(r, top, "products", YNODE_MAPPING,
                        "a mapping from names to products", &products);
    if (rc != 0)
        return rc;
    if (!products)
        return fail(r, top, "missing required key 'products'");
    if (products->count == 0)
        return fail(r, products, "'products' is empty; a fab needs at least "
                    "one product");
    for (ynode *k = products->first; k && k->next; k = k->next->next) {
        if (m->nproducts >= MODEL_MAX_PRODUCTS)
            return fail(r, k, "too many products (at most %d)",
                        MODEL_MAX_PRODUCTS);
        rc = read_product(r, k, resolve(k->next));
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* --- entry points ------------------------------------------------------- */

static int load(const char *text, size_t length, const char *path,
                model **out, ws_error *err)
{
    arena a = {NULL};
    ybuilder b;
    reader r;
    model *m;
    char *copy;
    int rc;

    rc = route_csv_check_text(text, length, path, 1, err);
    if (rc != 0)
        return rc;

    memset(&b, 0, sizeof b);
    b.arena = &a;
    b.input = text;
    b.input_length = length;
    b.last_line = 1;
    b.last_col = 1;
    rc = yaml_parse(&b, text, length, path, err);
    if (rc == 0 && (!b.root || is_null(b.root)))
        rc = ws_error_set(err, WS_EDATA, path, 1, 1,
                          "the scenario is empty; it needs at least "
                          "'tool_groups' and 'products'");
    if (rc == 0 && resolve(b.root)->kind != YNODE_MAPPING)
        rc = ws_error_set(err, WS_EDATA, path, b.root->line, b.root->col,
                          "the top level of a scenario must be a mapping of "
                          "keys, found %s", describe(resolve(b.root)));
    free(b.stack);
    free(b.anchors);
    if (rc != 0) {
        arena_free(&a);
        return rc;
    }

    m = model_create();
    copy = malloc(length + 1);
    if (!m || !copy) {
        free(copy);
        model_destroy(m);
        arena_free(&a);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    memcpy(copy, text, length);
    copy[length] = '\0';
    /* Source 0 is the scenario itself, stored before any route file. */
    rc = model_add_source(m, path, copy);
    free(copy);
    if (rc != 0) {
        model_destroy(m);
        arena_free(&a);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }

    memset(&r, 0, sizeof r);
    r.path = path;
    {
        const char *slash = strrchr(path, '/');
        r.dir_length = slash ? (size_t)(slash - path) + 1 : 0;
    }
    r.m = m;
    r.err = err;
    rc = read_top(&r, resolve(b.root));
    route_csv_groups_free(&r.groups);
    arena_free(&a);
    if (rc != 0) {
        model_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

int scenario_load_string(const char *text, size_t length, const char *path,
                         model **out, ws_error *err)
{
    locale_t c_locale;
    locale_t previous = (locale_t)0;
    int rc;

    *out = NULL;
    if (!path)
        path = "<string>";
    if (!text)
        return ws_error_set(err, WS_ENOINPUT, path, 0, 0, "no text");
    /* strtod reads numbers by LC_NUMERIC; a program that called
     * setlocale() must not make "1.5" mean something else. */
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale)
        previous = uselocale(c_locale);
    rc = load(text, length, path, out, err);
    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
    return rc;
}

int scenario_load_file(const char *path, model **out, ws_error *err)
{
    char *text;
    size_t length;
    int e, rc;

    *out = NULL;
    e = route_csv_read_file(path, &text, &length);
    if (e != 0) {
        char reason[256];
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
    rc = scenario_load_string(text, length, path, out, err);
    free(text);
    return rc;
}
